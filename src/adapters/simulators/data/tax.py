"""Tax accounts (THUE) of the world's people and enterprises, and their payment receipts.

- Every enterprise and branch has a tax account under its code; individuals are taxed under
  their PIN since 1/7/2025 (TT 86/2024/TT-BTC), and most adults are registered. An account is
  `fulfilled`, `outstanding` (a debt, in VND) or `closed` (enterprise dissolved, person dead).
- Individuals registered before 1/7/2025 had a personal 10-digit MST starting with 8, with the
  MST check digit; the (abolished) personal tax-code certificate still names it.
- Receipts of registration fee (lệ phí trước bạ) are derived from the vehicle register: each
  registration was preceded by the owner paying the fee for that plate; the fixture parcel
  99999-12-345 has its land financial obligation paid by Nguyễn Văn Mẫu.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from adapters.simulators.data.draw import Draw
from adapters.simulators.data.vehicles import Vehicle
from adapters.simulators.fixtures import CU, DINH, GIA, MAU, THU
from adapters.simulators.people import age_on
from adapters.simulators.world import World
from shared_data.identifiers import mst_check_digit

PIN_AS_TAX_CODE_FROM = date(2025, 7, 1)
ACCOUNT_STATUSES = ("fulfilled", "outstanding", "closed")
_CLOSED_ENTERPRISE = frozenset({"dissolved", "revoked", "bankrupt", "terminated"})
FIXTURE_PARCEL = "99999-12-345"


@dataclass(frozen=True, slots=True)
class TaxAccount:
    taxpayer_id: str  # MST (10 digits, or 10-3 for a branch) or PIN
    status: str
    outstanding_amount: int  # VND
    legacy_mst: str | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    receipt_no: str
    payer_id: str
    object_ref: str  # the plate or the parcel the fee was paid for
    amount: int  # VND
    paid_on: date


def legacy_mst(number: int) -> str:
    """The personal MST of stem `8` + `number` (8 digits) with its check digit; a stem without
    one is skipped (the tax office never issued it). `number` > 0 keeps digits 3-9 nonzero."""
    while True:
        stem = f"8{number:08d}"
        check = mst_check_digit(stem)
        if check is not None:
            return f"{stem}{check}"
        number += 1


def _debt(d: Draw, share: float, largest: int) -> tuple[str, int]:
    if not d.chance("outstanding", share):
        return "fulfilled", 0
    return "outstanding", (1 + d.below("amount", largest // 50_000)) * 50_000


_FIXTURE_PEOPLE = {
    MAU: ("fulfilled", 0, legacy_mst(1)),
    THU: ("fulfilled", 0, legacy_mst(2)),
    GIA: ("outstanding", 3_200_000, legacy_mst(4)),
    DINH: ("fulfilled", 0, None),
    CU: ("closed", 0, legacy_mst(3)),
}
_FIXTURE_ENTERPRISES = {"0199900025": ("outstanding", 12_500_000)}


def _people_accounts(world: World) -> dict[str, TaxAccount]:
    accounts: dict[str, TaxAccount] = {}
    serial = 9_000_001  # 809000001...: generated stems, apart from the fixtures' 80000000x
    for pin in sorted(world.people):
        person = world.people[pin]
        if pin in _FIXTURE_PEOPLE:
            accounts[pin] = TaxAccount(pin, *_FIXTURE_PEOPLE[pin])
            continue
        d = Draw("thue", pin)
        if age_on(person.dob, world.as_of) < 18 or not d.chance("registered", 0.65):
            continue
        legacy = None
        adult_before_pin = age_on(person.dob, PIN_AS_TAX_CODE_FROM) >= 18
        if adult_before_pin and d.chance("legacy", 0.8):
            legacy = legacy_mst(serial)
            serial = int(legacy[1:9]) + 1
        status, amount = ("closed", 0) if person.died_on else _debt(d, 0.08, 20_000_000)
        accounts[pin] = TaxAccount(pin, status, amount, legacy)
    return accounts


def _enterprise_accounts(world: World) -> dict[str, TaxAccount]:
    accounts: dict[str, TaxAccount] = {}
    for code in sorted(world.enterprises):
        enterprise = world.enterprises[code]
        units = [(code, enterprise.status)] + [
            (b.branch_code, b.status) for b in enterprise.branches
        ]
        for unit, state in units:
            if enterprise.status in _CLOSED_ENTERPRISE or state in _CLOSED_ENTERPRISE:
                accounts[unit] = TaxAccount(unit, "closed", 0)
            elif unit in _FIXTURE_ENTERPRISES:
                accounts[unit] = TaxAccount(unit, *_FIXTURE_ENTERPRISES[unit])
            else:
                accounts[unit] = TaxAccount(unit, *_debt(Draw("thue", unit), 0.12, 200_000_000))
    return accounts


def build_accounts(world: World) -> dict[str, TaxAccount]:
    """Every tax account, by MST or PIN."""
    return _people_accounts(world) | _enterprise_accounts(world)


_FEE_BASE = {"motorcycle": (400_000, 3_000_000), "car": (60_000_000, 180_000_000),
             "truck": (8_000_000, 24_000_000)}  # fmt: skip


def build_receipts(vehicles: dict[str, Vehicle]) -> list[Receipt]:
    """Every receipt, oldest number first: one per vehicle registration, plus the land one."""
    receipts = [Receipt("TD2020000001", MAU, FIXTURE_PARCEL, 45_000_000, date(2020, 10, 5))]
    serial: dict[int, int] = {}
    for plate_no in sorted(vehicles):
        vehicle = vehicles[plate_no]
        d = Draw("thue-lptb", plate_no)
        paid_on = vehicle.registered_on - timedelta(days=1 + d.below("lead", 5))
        low, high = _FEE_BASE[vehicle.vehicle_type]
        amount = low + d.below("amount", (high - low) // 1000) * 1000
        serial[paid_on.year] = serial.get(paid_on.year, 0) + 1
        number = f"LP{paid_on.year}9{serial[paid_on.year]:06d}"
        receipts.append(Receipt(number, vehicle.owner_id, plate_no, amount, paid_on))
    return receipts
