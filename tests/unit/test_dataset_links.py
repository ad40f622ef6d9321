"""The synthetic world holds together: spouses, parents, households, deaths, confirmations."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest

from adapters.simulators.dataset import build_world
from adapters.simulators.world import World

AS_OF = date(2026, 6, 1)
SIX_MONTHS = timedelta(days=183)


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(people=3_000, enterprises=400, seed=86, as_of=AS_OF)


def test_living_spouses_point_at_each_other(world: World) -> None:
    married = [p for p in world.people.values() if p.marital_status == "married" and not p.died_on]
    assert len(married) > 500
    for person in married:
        spouse = world.people[person.spouse_pin or ""]
        assert spouse.sex != person.sex
        assert spouse.spouse_pin == person.pin or spouse.died_on is not None


def test_every_marital_event_is_recorded_on_both_sides(world: World) -> None:
    for person in world.people.values():
        for event in person.marital_history:
            other = world.people[event.spouse_pin or ""]
            if event.status == "widowed":
                assert other.died_on == event.on
                continue
            assert any(
                e.on == event.on and e.status == event.status and e.spouse_pin == person.pin
                for e in other.marital_history
            ), (person.pin, event)


def test_there_are_divorces_widows_and_deaths(world: World) -> None:
    statuses = Counter(p.marital_status for p in world.people.values())
    assert statuses["divorced"] > 20 and statuses["widowed"] > 20 and statuses["single"] > 300
    dead = [p for p in world.people.values() if p.died_on]
    assert dead and all(p.died_on <= AS_OF and p.death_reg_no for p in dead)  # type: ignore[operator]
    # The dead are deregistered: no residence of theirs is still open.
    assert all(s.until is not None for p in dead for s in p.residence_history)


def test_children_carry_both_parents_pins(world: World) -> None:
    children = [p for p in world.people.values() if p.mother_pin or p.father_pin]
    assert len(children) > 500
    for child in children:
        mother, father = world.people[child.mother_pin or ""], world.people[child.father_pin or ""]
        assert (mother.sex, father.sex) == ("F", "M")
        assert mother.dob < child.dob - timedelta(days=16 * 365)
        assert child.full_name.split()[0] == father.full_name.split()[0]


def test_each_household_has_one_living_head_that_all_members_name(world: World) -> None:
    households: dict[str, list[str]] = defaultdict(list)
    for person in world.people.values():
        if not person.died_on:
            households[person.household_id].append(person.pin)
    assert sum(1 for members in households.values() if len(members) > 2) > 200
    for members in households.values():
        heads = [pin for pin in members if world.people[pin].relationship_to_head == "chủ hộ"]
        assert len(heads) == 1, members
        assert all(world.people[pin].household_head_pin == heads[0] for pin in members)
    relationships = Counter(p.relationship_to_head for p in world.people.values())
    assert {"chủ hộ", "vợ", "chồng", "con", "bố", "mẹ"} <= set(relationships)


def test_current_residence_matches_the_residence_history(world: World) -> None:
    for person in world.people.values():
        if person.died_on:
            continue
        permanent = [s for s in person.residence_history if s.kind == "permanent" and not s.until]
        assert [(s.address, s.since) for s in permanent] == [
            (person.permanent_address, person.residence_since)
        ]
        assert person.current_address == (person.temporary_address or person.permanent_address)
    assert sum(1 for p in world.people.values() if p.temporary_address) > 20


def test_cards_are_issued_before_today_and_expire_after_issue(world: World) -> None:
    for person in world.people.values():
        assert person.dob <= person.card_issued_on <= AS_OF
        assert person.card_expires_on is None or person.card_expires_on > person.card_issued_on
    lapsed = [p for p in world.people.values() if p.card_expires_on and p.card_expires_on < AS_OF]
    assert lapsed, "some cards have lapsed (tests CCCD expiry)"


def test_marital_confirmations_come_fresh_old_and_overtaken(world: World) -> None:
    kinds: Counter[str] = Counter()
    for person in world.people.values():
        for c in person.marital_confirmations:
            changed = any(e.on > c.issued_on for e in person.marital_history)
            fresh = AS_OF - c.issued_on < SIX_MONTHS
            kinds["changed" if changed else "fresh" if fresh else "old"] += 1
            kinds["changed and fresh"] += changed and fresh
    assert kinds["fresh"] > 10 and kinds["old"] > 10 and kinds["changed"] > 10
    assert kinds["changed and fresh"] > 0


def test_enterprises_are_mostly_active_with_reps_from_the_world(world: World) -> None:
    statuses = Counter(e.status for e in world.enterprises.values())
    assert statuses["active"] / len(world.enterprises) > 0.7
    assert {"suspended", "dissolved", "revoked"} <= set(statuses)
    for enterprise in world.enterprises.values():
        assert enterprise.legal_rep_pin in world.people
        assert enterprise.first_registered_on <= enterprise.latest_change_on <= AS_OF
        assert all(b.head_pin in world.people for b in enterprise.branches)
    assert sum(len(e.branches) for e in world.enterprises.values()) > 10
