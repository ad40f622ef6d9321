"""DKXE search items <-> canonical DK_XE records. Pure: no I/O.

Items have camelCase Vietnamese keys and ISO dates. Registry quirks handled here:
- plates travel compact, without separators ("30A12345", "29B123456"): the number is always the
  last five digits, so the canonical `30A-123.45` is rebuilt without ambiguity;
- the owner is `{"loai": "CA_NHAN" | "TO_CHUC", "so": PIN | enterprise code}`; canonically
  `owner_id` (the identifier itself; its shape tells which);
- vehicle types and states are the registry's words (`Xe mô tô`, `DA_SANG_TEN`, ...).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, StringConstraints, ValidationError

from adapters.mapping_helpers import (
    CamelWire,
    IsoDate,
    NfcText,
    WireFormatError,
    Words,
    from_iso,
    iso,
    validation_summary,
)
from shared_data.domain import RegistryRecord

VEHICLE_TYPES = Words({"motorcycle": "Xe mô tô", "car": "Ô tô con", "truck": "Ô tô tải"})
STATES = Words({"registered": "DANG_KY", "transferred": "DA_SANG_TEN",
                "deregistered": "DA_THU_HOI"})  # fmt: skip
_PLATE_RE = re.compile(r"^([0-9]{2}[A-Z]{1,2}[0-9]?)-?([0-9]{3})\.?([0-9]{2})$")
_PIN_RE = re.compile(r"^[0-9]{12}$")
CompactPlate = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}[A-Z]{1,2}[0-9]?[0-9]{5}$")]
OwnerNo = Annotated[str, StringConstraints(pattern=r"^([0-9]{12}|[0-9]{10})$")]


def compact_plate(plate: str) -> str:
    """Any PLATE_NO spelling -> the registry's compact key (`30A-123.45` -> `30A12345`)."""
    match = _PLATE_RE.match(plate)
    if match is None:
        raise ValueError("not a plate number")
    return "".join(match.groups())


def canonical_plate(compact: str) -> str:
    """`30A12345` -> `30A-123.45`."""
    return f"{compact[:-5]}-{compact[-5:-2]}.{compact[-2:]}"


def owner_kind(owner_id: str) -> Literal["CA_NHAN", "TO_CHUC"]:
    return "CA_NHAN" if _PIN_RE.match(owner_id) else "TO_CHUC"


VehicleType = Annotated[str, AfterValidator(VEHICLE_TYPES.check)]
RegistrationState = Annotated[str, AfterValidator(STATES.check)]


class OwnerWire(CamelWire):
    loai: Literal["CA_NHAN", "TO_CHUC"]
    so: OwnerNo


class VehicleWire(CamelWire):
    bien_so: CompactPlate
    chu_xe: OwnerWire
    loai_xe: VehicleType
    nhan_hieu: NfcText
    so_khung: Annotated[str, StringConstraints(pattern=r"^[A-HJ-NPR-Z0-9]{17}$")]
    so_may: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{5,20}$")]
    ngay_dang_ky: IsoDate
    trang_thai: RegistrationState


def item_to_record(item: Any) -> RegistryRecord:
    """One search item -> the canonical DK_XE record (adapter side)."""
    try:
        w = VehicleWire.model_validate(item)
    except ValidationError as exc:
        raise WireFormatError(validation_summary(exc, "item")) from exc
    if (w.chu_xe.loai == "CA_NHAN") != bool(_PIN_RE.match(w.chu_xe.so)):
        raise WireFormatError("owner kind does not match the owner's number")
    status = STATES.read(w.trang_thai)
    plate = canonical_plate(w.bien_so)
    fields = {"plate_no": plate, "owner_id": w.chu_xe.so,
              "vehicle_type": VEHICLE_TYPES.read(w.loai_xe), "brand": w.nhan_hieu,
              "chassis_no": w.so_khung, "engine_no": w.so_may, "reg_date": iso(w.ngay_dang_ky),
              "status": status}  # fmt: skip
    return RegistryRecord(record_id=plate, fields=fields, issued_on=w.ngay_dang_ky, status=status)


def record_to_item(record: RegistryRecord) -> dict[str, Any]:
    """The canonical DK_XE record -> one search item (simulator side)."""
    f = record.fields
    wire = VehicleWire.model_validate(
        {"bien_so": compact_plate(f["plate_no"]),
         "chu_xe": {"loai": owner_kind(f["owner_id"]), "so": f["owner_id"]},
         "loai_xe": VEHICLE_TYPES.write(f["vehicle_type"]), "nhan_hieu": f["brand"],
         "so_khung": f["chassis_no"], "so_may": f["engine_no"],
         "ngay_dang_ky": from_iso(f["reg_date"]), "trang_thai": STATES.write(f["status"])}
    )  # fmt: skip
    return wire.model_dump(mode="json", by_alias=True)
