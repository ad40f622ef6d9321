"""Land (DATDAI): parcels and land-use-right certificates of the world, derived deterministically.

- The DOMAIN.md 11.5 parcel 99999-12-345 (certificate ZZ 000123, 62.5 m² urban residential
  land, owned by Nguyễn Văn Mẫu and Trần Thị Thử) is fixed; admin unit 99999 is only its.
- About half of the other households own their home's parcel: the head, and the spouse when
  they live together, are on the certificate. About a third of active enterprises hold a
  commercial or production parcel in their own name (enterprise code).
- Most certificates are in force; a few are void by the land register's own state: the owner
  sold and the transfer was registered (`transfer_registered`), the certificate was
  exchanged for a new one (`certificate_replaced`, the new one is in force) or withdrawn
  (`revoked`): the catalog's `void_on` words.
- Parcel keys are `<admin unit>-<map sheet>-<parcel number>` (synthetic), serials two letters
  and six digits (printed with a space, `ZZ 000123`; searched without).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from adapters.simulators.data.draw import Draw
from adapters.simulators.fixtures import MAU, THU
from adapters.simulators.people import add_years, age_on
from adapters.simulators.world import Enterprise, Person, World

FIXTURE_PARCEL = "99999-12-345"
FIXTURE_SERIAL = "ZZ 000123"
_BANKS = (
    "Ngân hàng TMCP Ngoại thương Việt Nam - CN Hà Nội",
    "Ngân hàng TMCP Công Thương Việt Nam - CN Đống Đa",
    "Ngân hàng Nông nghiệp và Phát triển Nông thôn - CN Hà Nội",
    "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam - CN Thăng Long",
)
_SERIAL_LETTERS = ("AA", "BK", "CS", "CT", "DA", "DB")
_VOIDING = (("transfer_registered", 0.04), ("certificate_replaced", 0.03), ("revoked", 0.01))
_VOIDING_CHANGES = {
    "transfer_registered": "Đăng ký chuyển nhượng quyền sử dụng đất",
    "certificate_replaced": "Cấp đổi Giấy chứng nhận",
    "revoked": "Thu hồi Giấy chứng nhận",
}
_PLANNING = ("Một phần thửa đất nằm trong quy hoạch mở rộng đường",)


@dataclass(frozen=True, slots=True)
class Owner:
    scheme: str  # PIN | ENTERPRISE_CODE
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Change:
    on: date
    description: str


@dataclass(frozen=True, slots=True)
class Parcel:
    key: str
    area_m2: float
    purpose: str  # ODT urban residential, ONT rural residential, TMD commercial, SKC production
    planning_flags: tuple[str, ...]
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class Mortgage:
    holder: str
    registered_on: date


@dataclass(frozen=True, slots=True)
class Certificate:
    serial: str  # printed form, "ZZ 000123"
    parcel: Parcel
    owners: tuple[Owner, ...]
    use_until: date | None  # None: long-term use (residential land)
    assets: tuple[str, ...]
    issued_on: date
    mortgages: tuple[Mortgage, ...]
    status: str  # active | transfer_registered | certificate_replaced | revoked

    @property
    def compact_serial(self) -> str:
        return self.serial.replace(" ", "")


def _fixture() -> list[Certificate]:
    issued = date(2020, 10, 15)
    changes = (Change(issued, "Nhận chuyển nhượng quyền sử dụng đất, cấp Giấy chứng nhận mới"),)
    parcel = Parcel(FIXTURE_PARCEL, 62.5, "ODT", (), changes)
    owners = (Owner("PIN", MAU, "Nguyễn Văn Mẫu"), Owner("PIN", THU, "Trần Thị Thử"))
    house = ("Nhà ở riêng lẻ 4 tầng, diện tích sàn 210 m²",)
    return [Certificate(FIXTURE_SERIAL, parcel, owners, None, house, issued, (), "active")]


class LandRegister:
    """Every parcel and certificate of the world, indexed by parcel key and by serial."""

    def __init__(self, world: World) -> None:
        self._as_of = world.as_of
        self._keys: set[str] = {FIXTURE_PARCEL}
        self._serials: set[str] = {FIXTURE_SERIAL}
        certificates = _fixture()
        for person in world.people.values():  # insertion order: deterministic
            certificates += self._household(person, world.people)
        for enterprise in world.enterprises.values():
            certificates += self._premises(enterprise)
        self.by_serial = {c.compact_serial: c for c in certificates}
        self.by_parcel: dict[str, list[Certificate]] = {}
        for certificate in certificates:
            self.by_parcel.setdefault(certificate.parcel.key, []).append(certificate)

    def parcel(self, key: str) -> Parcel | None:
        found = self.by_parcel.get(key)
        return found[0].parcel if found else None

    def _new_key(self, d: Draw) -> str:
        attempt = 0
        while True:
            unit = 10000 + d.below(f"unit-{attempt}", 900)
            sheet, number = 1 + d.below(f"sheet-{attempt}", 60), 1 + d.below(f"no-{attempt}", 999)
            key = f"{unit:05d}-{sheet}-{number}"
            if key not in self._keys:
                self._keys.add(key)
                return key
            attempt += 1

    def _new_serial(self, d: Draw, purpose: str) -> str:
        attempt = 0
        while True:
            letters = d.pick(f"{purpose}-letters-{attempt}", _SERIAL_LETTERS)
            serial = f"{letters} {d.below(f'{purpose}-serial-{attempt}', 10**6):06d}"
            if serial not in self._serials:
                self._serials.add(serial)
                return serial
            attempt += 1

    def _household(self, head: Person, people: dict[str, Person]) -> list[Certificate]:
        if head.household_head_pin != head.pin or head.pin == MAU or head.died_on:
            return []
        d = Draw("datdai", head.household_id)
        if age_on(head.dob, self._as_of) < 20 or not d.chance("owns", 0.55):
            return []
        spouse = people.get(head.spouse_pin or "")
        owners = [Owner("PIN", head.pin, head.full_name)]
        if spouse and spouse.household_id == head.household_id and not spouse.died_on:
            owners.append(Owner("PIN", spouse.pin, spouse.full_name))
        purpose = "ODT" if head.permanent_address.startswith("Phường") else "ONT"
        area = round(30 + d.below("area", 2400) / 10, 1)
        floors = 1 + d.below("floors", 5)
        house = (f"Nhà ở riêng lẻ {floors} tầng, diện tích sàn {round(area * floors * 0.8)} m²",)
        since = add_years(head.dob, 20)
        return self._certificates(d, since, tuple(owners), purpose, area, None, house)

    def _premises(self, enterprise: Enterprise) -> list[Certificate]:
        d = Draw("datdai", enterprise.code)
        if enterprise.status != "active" or not d.chance("owns", 0.3):
            return []
        owner = Owner("ENTERPRISE_CODE", enterprise.code, enterprise.name_vi)
        purpose = d.pick("purpose", ("TMD", "SKC"))
        area = round(200 + d.below("area", 50_000) / 10, 1)
        until = add_years(enterprise.first_registered_on, 50)
        since = enterprise.first_registered_on
        return self._certificates(d, since, (owner,), purpose, area, until, ())

    def _certificates(
        self,
        d: Draw,
        since: date,
        owners: tuple[Owner, ...],
        purpose: str,
        area: float,
        use_until: date | None,
        assets: tuple[str, ...],
    ) -> list[Certificate]:
        issued = d.day("issued", max(since, date(2005, 1, 1)), self._as_of)
        changes = [Change(issued, "Cấp Giấy chứng nhận lần đầu")]
        mortgages: tuple[Mortgage, ...] = ()
        if d.chance("mortgage", 0.15):
            on = d.day("mortgage_on", issued, self._as_of)
            mortgages = (Mortgage(d.pick("bank", _BANKS), on),)
            changes.append(Change(on, "Đăng ký thế chấp quyền sử dụng đất"))
        status = _status(d)
        later = d.day("later", issued, self._as_of)
        if status != "active":
            changes.append(Change(later, _VOIDING_CHANGES[status]))
        flags = _PLANNING if d.chance("planning", 0.1) else ()
        history = tuple(sorted(changes, key=lambda c: c.on))
        parcel = Parcel(self._new_key(d), area, purpose, flags, history)
        serial = self._new_serial(d, "first")
        first = Certificate(serial, parcel, owners, use_until, assets, issued, mortgages, status)
        if status != "certificate_replaced":
            return [first]
        second = Certificate(
            self._new_serial(d, "second"), parcel, owners, use_until, assets, later, mortgages,
            "active",
        )  # fmt: skip
        return [first, second]


def _status(d: Draw) -> str:
    roll, threshold = d.unit("status"), 0.0
    for word, share in _VOIDING:
        threshold += share
        if roll < threshold:
            return word
    return "active"
