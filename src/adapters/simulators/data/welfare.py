"""Poor and near-poor household lists (ASXH) over the world's households.

Each year the commune reviews its households (Decree 07/2021: multidimensional poverty line) and
issues certificates for the year's list early in January. A household is drawn poor or
near-poor per year (`Draw("asxh", household, year)`); the register answers with the household's
latest certificate, so a household that left the list this year shows last year's (expired
under the calendar-year rule), and one removed mid-year shows `removed_from_list`.
Household ids (HOUSEHOLD_ID scheme `HN-ddddd-dddddd`) are the world's household numbers split
5 + 6, so the mapping is one-to-one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from adapters.simulators.data.draw import Draw
from adapters.simulators.world import World

CATEGORIES = ("poor", "near_poor")
# Fixture households (fixtures.py): Phạm Thị Định's is near-poor this year; Hoàng Văn Cũ's
# was poor last year only.
FIXTURE_LISTS = {"HO90000003": {0: "near_poor"}, "HO90000005": {-1: "poor"}}


@dataclass(frozen=True, slots=True)
class PovertyCertificate:
    household_id: str
    head_pin: str
    member_pins: tuple[str, ...]
    category: str
    year: int
    issued_on: date
    status: str  # listed | removed_from_list


def household_id(world_household: str) -> str:
    """`HO90000003` -> `HN-00090-000003`."""
    digits = world_household[2:].rjust(11, "0")
    return f"HN-{digits[:5]}-{digits[5:]}"


def _category(household: str, year: int, offset: int) -> str | None:
    fixed = FIXTURE_LISTS.get(household)
    if fixed is not None:
        return fixed.get(offset)
    roll = Draw("asxh", household, year).unit("category")
    return "poor" if roll < 0.04 else "near_poor" if roll < 0.10 else None


def build_certificates(world: World) -> dict[str, PovertyCertificate]:
    """The latest certificate of every listed household, by HOUSEHOLD_ID."""
    members: dict[str, list[str]] = {}
    for pin in sorted(world.people):
        person = world.people[pin]
        if person.died_on is None:
            members.setdefault(person.household_id, []).append(pin)
    # The head as the population register has it now (a dead head's widow heads after him).
    heads = {p.household_id: p.household_head_pin for p in world.people.values() if p.died_on}
    heads |= {p.household_id: p.household_head_pin for p in world.people.values() if not p.died_on}
    certificates: dict[str, PovertyCertificate] = {}
    year = world.as_of.year
    for household in sorted(heads):
        for offset in (0, -1):  # this year's list, else last year's
            category = _category(household, year + offset, offset)
            if category is None:
                continue
            d = Draw("asxh", household, year + offset)
            removed = offset == 0 and household not in FIXTURE_LISTS and d.chance("removed", 0.05)
            hid = household_id(household)
            certificates[hid] = PovertyCertificate(
                hid, heads[household], tuple(members.get(household, ())), category,
                year + offset, date(year + offset, 1, 5 + d.below("issued", 20)),
                "removed_from_list" if removed else "listed",
            )  # fmt: skip
            break
    return certificates
