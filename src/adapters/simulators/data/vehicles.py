"""Vehicle registrations (DKXE) of the world's people and enterprises.

Plates follow the PLATE_NO scheme (schemes.yaml): two digits of a Hà Nội prefix (29-33, 40), a
series (one or two letters, a digit for motorbikes), then `ddd.dd`. Canonical spelling:
`30A-123.45` (cars), `29B1-234.56` (motorbikes). Generated plates number from 900.00 up, so the
fixtures' plates (below 900) never collide with them.

Since 2023 a plate stays with its owner (biển số định danh); a registration ends when the
vehicle is sold (`transferred`: the seller's registration is withdrawn) or scrapped
(`deregistered`). Owners are PINs (people) or enterprise codes; a dissolved enterprise's
vehicles are deregistered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from adapters.simulators.data.draw import Draw
from adapters.simulators.fixtures import MAU, THU
from adapters.simulators.people import add_years, age_on
from adapters.simulators.world import World

VEHICLE_TYPES = ("motorcycle", "car", "truck")
STATUSES = ("registered", "transferred", "deregistered")
BRANDS = {
    "motorcycle": ("Honda", "Yamaha", "Piaggio", "Suzuki", "VinFast", "SYM"),
    "car": ("Toyota", "Hyundai", "Kia", "Mazda", "VinFast", "Ford", "Honda", "Mitsubishi"),
    "truck": ("Hyundai", "Isuzu", "Thaco", "Hino", "Ford"),
}
# Series in use for each vehicle type (cars: the personal-car letters issued in Hà Nội).
SERIES = {
    "motorcycle": ("29B1", "29D1", "29E2", "30H1", "33K1"),
    "car": ("30A", "30E", "30F", "30G", "30H", "30K", "30L", "31A", "40A"),
    "truck": ("29C", "30C", "29H"),
}
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"  # no I, O, Q in a VIN
_DISSOLVED = frozenset({"dissolved", "revoked", "bankrupt"})


@dataclass(frozen=True, slots=True)
class Vehicle:
    plate_no: str
    owner_scheme: str  # PIN | ENTERPRISE_CODE
    owner_id: str
    vehicle_type: str
    brand: str
    chassis_no: str
    engine_no: str
    registered_on: date
    status: str


def plate(series: str, number: int) -> str:
    """`30A` and 12345 -> `30A-123.45`."""
    return f"{series}-{number // 100:03d}.{number % 100:02d}"


def _vin(d: Draw) -> str:
    """A 17-character VIN; "RL" is the world manufacturer prefix of vehicles made in Vietnam."""
    return "RL" + d.text("vin", _VIN_CHARS, 15)


def _engine(d: Draw, vehicle_type: str) -> str:
    prefix = {"motorcycle": "JF", "car": "2NR", "truck": "D4"}[vehicle_type]
    return f"{prefix}{d.below('engine', 10**7):07d}"


def fixture_vehicles() -> list[Vehicle]:
    """Vehicles of the DOMAIN.md 11.5 people and enterprises, one per registration state."""

    def v(
        plate_no: str, scheme: str, owner: str, kind: str, brand: str, on: date, status: str
    ) -> Vehicle:
        d = Draw("dkxe", plate_no)
        return Vehicle(plate_no, scheme, owner, kind, brand, _vin(d), _engine(d, kind), on, status)

    return [
        v("30A-123.45", "PIN", MAU, "car", "Toyota", date(2021, 4, 2), "registered"),
        v("29B1-234.56", "PIN", MAU, "motorcycle", "Honda", date(2012, 8, 9), "transferred"),
        v("29D1-345.67", "PIN", THU, "motorcycle", "Yamaha", date(2019, 5, 20), "registered"),
        v("29C-456.78", "ENTERPRISE_CODE", "0199900018", "truck", "Hyundai", date(2020, 1, 6),
          "registered"),
        v("30E-567.89", "ENTERPRISE_CODE", "0199900032", "car", "Kia", date(2017, 3, 3),
          "deregistered"),
    ]  # fmt: skip


class _Plates:
    """Hands out generated plate numbers (900.00 up) per series, in call order."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def new(self, d: Draw, vehicle_type: str) -> str:
        options = SERIES[vehicle_type]
        start = d.below("series", len(options))
        for step in range(len(options)):  # a full series spills into the next one
            series = options[(start + step) % len(options)]
            number = self._next.get(series, 90_000)
            if number <= 99_999:
                self._next[series] = number + 1
                return plate(series, number)
        raise RuntimeError("no plate numbers left for the synthetic world")


def _vehicle(d: Draw, plates: _Plates, scheme: str, owner: str, kind: str, first: date,
             as_of: date, status: str) -> Vehicle:  # fmt: skip
    brand = d.pick(f"{kind}_brand", BRANDS[kind])
    return Vehicle(
        plates.new(d, kind), scheme, owner, kind, brand, _vin(d), _engine(d, kind),
        d.day(f"{kind}_on", first, as_of), status,
    )  # fmt: skip


def _status(d: Draw) -> str:
    roll = d.unit("status")
    return "transferred" if roll < 0.06 else "deregistered" if roll < 0.08 else "registered"


def build_vehicles(world: World) -> dict[str, Vehicle]:
    """Every registration of the world, by plate."""
    vehicles = {v.plate_no: v for v in fixture_vehicles()}
    owners = {v.owner_id for v in vehicles.values()}
    plates = _Plates()
    for pin in sorted(world.people):
        person = world.people[pin]
        if pin in owners or person.died_on or age_on(person.dob, world.as_of) < 18:
            continue
        d = Draw("dkxe", pin)
        first = add_years(person.dob, 18)
        for kind, share in (("motorcycle", 0.55), ("car", 0.2)):
            if d.chance(f"has_{kind}", share):
                v = _vehicle(Draw("dkxe", pin, kind), plates, "PIN", pin, kind, first,
                             world.as_of, _status(Draw("dkxe", pin, kind)))  # fmt: skip
                vehicles[v.plate_no] = v
    for code in sorted(world.enterprises):
        enterprise = world.enterprises[code]
        if code in owners:
            continue
        d = Draw("dkxe", code)
        for n in range(d.below("fleet", 4)):
            kind = "truck" if d.chance(f"truck{n}", 0.4) else "car"
            dn = Draw("dkxe", code, n)
            status = "deregistered" if enterprise.status in _DISSOLVED else _status(dn)
            v = _vehicle(dn, plates, "ENTERPRISE_CODE", code, kind,
                         enterprise.first_registered_on, world.as_of, status)  # fmt: skip
            vehicles[v.plate_no] = v
    return vehicles
