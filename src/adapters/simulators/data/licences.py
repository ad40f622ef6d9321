"""Driving licences (GPLX) of the world's people.

Class rules (DOMAIN.md 5.9, Road Traffic Order and Safety Law 2024, low confidence): A1, A and B1
never expire; B and C1 run 10 years from issue; the higher classes 5 years. The printed expiry
date is the last day the class may be used. A PET licence card lists every class its holder has,
each with its own issue and expiry date; the card is re-issued whenever a class is added or
renewed, so the card's issue date is the latest class's.

Who holds what is drawn per PIN (`Draw("gplx", pin)`): living people aged 18 or more at the
world's date. Licence numbers are 12 digits: `01` (issued in Hà Nội), the two-digit year of
issue, then a serial; generated serials start with 9 (DOMAIN.md 11 convention), the fixtures'
with 0, so the two never collide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from adapters.simulators.data.draw import Draw
from adapters.simulators.fixtures import DINH, GIA, MAU, THU
from adapters.simulators.people import add_years, age_on
from adapters.simulators.world import World

NO_EXPIRY = frozenset({"A1", "A", "B1"})
TEN_YEARS = frozenset({"B", "C1"})
# Every class of the 2024 law, in the order a licence card lists them.
CLASSES = ("A1", "A", "B1", "B", "C1", "C", "D1", "D2", "D", "BE", "C1E", "CE", "D1E", "D2E", "DE")
STATUSES = ("active", "suspended", "revoked")
FULL_POINTS = 12


def class_expiry(licence_class: str, issued_on: date) -> date | None:
    """The last day a class issued on `issued_on` may be used (None: never expires)."""
    if licence_class in NO_EXPIRY:
        return None
    return add_years(issued_on, 10 if licence_class in TEN_YEARS else 5)


@dataclass(frozen=True, slots=True)
class LicenceClass:
    name: str
    issued_on: date
    expires_on: date | None


@dataclass(frozen=True, slots=True)
class Licence:
    dl_no: str
    pin: str
    classes: tuple[LicenceClass, ...]
    status: str  # active | suspended (points exhausted) | revoked (thu hồi)
    points: int

    @property
    def issued_on(self) -> date:
        return max(c.issued_on for c in self.classes)

    @property
    def expires_on(self) -> date | None:
        """The card is usable while one of its classes is: None if one never expires."""
        ends = [c.expires_on for c in self.classes]
        return None if None in ends else max(e for e in ends if e is not None)


def _class(name: str, issued_on: date) -> LicenceClass:
    return LicenceClass(name, issued_on, class_expiry(name, issued_on))


def fixture_licences() -> list[Licence]:
    """Boundary cases around the tests' date 2026-06-01 (tests/simserver.SIM_AS_OF)."""
    return [
        # A1 never expires, so neither does the card; B runs to 2031.
        Licence("010900000001", MAU, (_class("A1", date(2009, 6, 1)),
                                      _class("B", date(2021, 3, 15))), "active", 12),
        # B issued 2016-06-01: its last day is 2026-06-01.
        Licence("011600000002", THU, (_class("B", date(2016, 6, 1)),), "active", 8),
        # B issued 2016-05-31: expired on 2026-06-01.
        Licence("011600000003", GIA, (_class("B", date(2016, 5, 31)),), "active", 12),
        Licence("011800000004", DINH, (_class("A1", date(2014, 4, 2)),
                                       _class("B", date(2018, 9, 20))), "revoked", 0),
    ]  # fmt: skip


def _draw_classes(d: Draw, adult_from: date, as_of: date) -> list[LicenceClass]:
    classes: list[LicenceClass] = []
    if d.chance("motorbike", 0.85):
        name = "A" if d.chance("big_bike", 0.1) else "A1"
        classes.append(_class(name, d.day("motorbike_on", adult_from, as_of)))
    if d.chance("car", 0.4):
        name = d.pick("car_class", ("B", "B", "B", "B", "C1", "C", "D2"))
        # Issued within one span (plus a year) before as_of, so some have just expired.
        years = 11 if name in TEN_YEARS else 6
        first = max(adult_from, add_years(as_of, -years))
        classes.append(_class(name, d.day("car_on", first, as_of)))
    return classes


def build_licences(world: World) -> dict[str, Licence]:
    """Every licence of the world, by licence number."""
    licences = {lic.dl_no: lic for lic in fixture_licences() if lic.pin in world.people}
    taken = {lic.pin for lic in licences.values()}
    serial = 0
    for pin in sorted(world.people):
        person = world.people[pin]
        if pin in taken or person.died_on or age_on(person.dob, world.as_of) < 18:
            continue
        d = Draw("gplx", pin)
        if not d.chance("holder", 0.55):
            continue
        classes = _draw_classes(d, add_years(person.dob, 18), world.as_of)
        if not classes:
            continue
        serial += 1
        issued = max(c.issued_on for c in classes)
        roll = d.unit("status")
        status = "revoked" if roll < 0.02 else "suspended" if roll < 0.05 else "active"
        points = 0 if status != "active" else FULL_POINTS - d.below("points", 3) * 2
        dl_no = f"01{issued.year % 100:02d}9{serial:07d}"
        licences[dl_no] = Licence(dl_no, pin, tuple(classes), status, points)
    return licences
