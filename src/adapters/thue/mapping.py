"""THUE resources (JSON:API `{"type", "id", "attributes"}`) <-> canonical records. Pure.

Attributes are camelCase Vietnamese; dates `dd/mm/yyyy`. Registry quirks handled here:
- money travels as a string of whole dong ("12500000"): tax systems avoid binary floats. A
  number, a decimal point or a sign is malformed;
- a tax period is an object `{"tuNgay", "denNgay"}`; canonically an ISO 8601 interval
  `2026-01-01/2026-10-31`;
- an account's state is a code (`DA_HOAN_THANH`, `CON_NO`, `DA_DONG_MST`), canonically
  fulfilled / outstanding / closed; the catalog voids a confirmation on the latter two;
- what a receipt was paid for (`doiTuong`) is a plate or a land parcel; canonically its key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    PlainSerializer,
    StringConstraints,
    ValidationError,
)

from adapters.mapping_helpers import (
    CamelWire,
    DmyDate,
    NfcText,
    StrictWire,
    WireFormatError,
    Words,
    from_iso,
    iso,
    validation_summary,
)
from shared_data.domain import RegistryRecord

ACCOUNT_STATES = Words({"fulfilled": "DA_HOAN_THANH", "outstanding": "CON_NO",
                        "closed": "DA_DONG_MST"})  # fmt: skip
_PARCEL_RE = re.compile(r"^[0-9]{5}-[0-9]{1,4}-[0-9]{1,5}$")
_AMOUNT_RE = re.compile(r"^(0|[1-9][0-9]{0,14})$")


def _amount(raw: Any) -> Any:
    # A JSON number is refused too: the simulator side writes `str(amount)` like the registry.
    if not isinstance(raw, str) or not _AMOUNT_RE.match(raw):
        raise ValueError("expected whole dong as a string of digits")
    return int(raw)


Amount = Annotated[int, BeforeValidator(_amount), PlainSerializer(str, return_type=str)]
TaxCode = Annotated[str, StringConstraints(pattern=r"^([0-9]{10}(-[0-9]{3})?|[0-9]{12})$")]
Mst10 = Annotated[str, StringConstraints(pattern=r"^[0-9]{10}$")]
ObjectRef = Annotated[str, StringConstraints(pattern=r"^[0-9A-Z.\-]{6,20}$")]


AccountState = Annotated[str, AfterValidator(ACCOUNT_STATES.check)]


class PeriodWire(CamelWire):
    tu_ngay: DmyDate
    den_ngay: DmyDate


class ObligationWire(CamelWire):
    """`xac-nhan-nghia-vu`: the account's obligations for the period, as of `ngayXacNhan`."""

    so_xac_nhan: NfcText
    ma_so_thue: TaxCode
    ky_tinh_thue: PeriodWire
    so_tien_con_no: Amount
    trang_thai_nghia_vu: AccountState
    ngay_xac_nhan: DmyDate


class PaidObjectWire(CamelWire):
    loai: Literal["PHUONG_TIEN", "THUA_DAT"]
    ma: ObjectRef


class ReceiptWire(CamelWire):
    """`chung-tu`: one payment receipt (lệ phí trước bạ, land financial obligations)."""

    so_chung_tu: NfcText
    ma_so_nguoi_nop: TaxCode
    doi_tuong: PaidObjectWire
    so_tien: Amount
    ngay_nop: DmyDate


class LegacyMstWire(CamelWire):
    """`mst-ca-nhan`: the personal tax code an individual had before their PIN replaced it."""

    so_dinh_danh: Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]
    mst_cu: Mst10


class Resource(StrictWire):
    """A JSON:API resource object; `attributes` is checked per document type."""

    type: str
    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    attributes: dict[str, Any]


def _period(p: PeriodWire) -> str:
    return f"{p.tu_ngay.isoformat()}/{p.den_ngay.isoformat()}"


def _period_wire(interval: str) -> dict[str, Any]:
    start, _, end = interval.partition("/")
    return {"tu_ngay": date.fromisoformat(start), "den_ngay": date.fromisoformat(end)}


def _obligation(w: Any) -> RegistryRecord:
    status = ACCOUNT_STATES.read(w.trang_thai_nghia_vu)
    fields = {"mst": w.ma_so_thue, "period": _period(w.ky_tinh_thue),
              "outstanding_amount": w.so_tien_con_no, "status": status,
              "as_of": iso(w.ngay_xac_nhan)}  # fmt: skip
    return RegistryRecord(
        record_id=w.so_xac_nhan, fields=fields, issued_on=w.ngay_xac_nhan, status=status
    )


def _obligation_wire(r: RegistryRecord) -> dict[str, Any]:
    f = r.fields
    return {
        "so_xac_nhan": r.record_id,
        "ma_so_thue": f["mst"],
        "ky_tinh_thue": _period_wire(f["period"]),
        "so_tien_con_no": str(f["outstanding_amount"]),
        "trang_thai_nghia_vu": ACCOUNT_STATES.write(f["status"]),
        "ngay_xac_nhan": from_iso(f["as_of"]),
    }


def _receipt(w: Any) -> RegistryRecord:
    fields = {
        "payer_id": w.ma_so_nguoi_nop,
        "object_ref": w.doi_tuong.ma,
        "amount": w.so_tien,
        "paid_at": iso(w.ngay_nop),
        "receipt_no": w.so_chung_tu,
    }
    return RegistryRecord(record_id=w.so_chung_tu, fields=fields, issued_on=w.ngay_nop)


def _receipt_wire(r: RegistryRecord) -> dict[str, Any]:
    f = r.fields
    kind = "THUA_DAT" if _PARCEL_RE.match(f["object_ref"]) else "PHUONG_TIEN"
    return {"so_chung_tu": f["receipt_no"], "ma_so_nguoi_nop": f["payer_id"],
            "doi_tuong": {"loai": kind, "ma": f["object_ref"]}, "so_tien": str(f["amount"]),
            "ngay_nop": from_iso(f["paid_at"])}  # fmt: skip


def _legacy(w: Any) -> RegistryRecord:
    return RegistryRecord(record_id=w.so_dinh_danh, fields={"pin": w.so_dinh_danh,
                                                             "legacy_mst": w.mst_cu})  # fmt: skip


def _legacy_wire(r: RegistryRecord) -> dict[str, Any]:
    return {"so_dinh_danh": r.fields["pin"], "mst_cu": r.fields["legacy_mst"]}


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """One document type: its JSON:API resource type, model and the two directions."""

    resource_type: str
    model: type[CamelWire]
    read: Callable[[Any], RegistryRecord]
    write: Callable[[RegistryRecord], dict[str, Any]]


SPECS: dict[str, ResourceSpec] = {
    "XN_NGHIA_VU_THUE": ResourceSpec(
        "xac-nhan-nghia-vu", ObligationWire, _obligation, _obligation_wire
    ),
    "CHUNG_TU_LPTB": ResourceSpec("chung-tu", ReceiptWire, _receipt, _receipt_wire),
    "MST_CA_NHAN": ResourceSpec("mst-ca-nhan", LegacyMstWire, _legacy, _legacy_wire),
}


def resource_to_record(document_type: str, resource: Any) -> RegistryRecord:
    """One resource object of a found answer -> canonical record (adapter side)."""
    spec = SPECS[document_type]
    try:
        parsed = Resource.model_validate(resource)
        if parsed.type != spec.resource_type:
            raise WireFormatError(f"expected a {spec.resource_type} resource")
        record = spec.read(spec.model.model_validate(parsed.attributes))
    except ValidationError as exc:
        raise WireFormatError(validation_summary(exc, "resource")) from exc
    if record.record_id != parsed.id:
        raise WireFormatError("resource id differs from its number")
    return record


def record_to_resource(document_type: str, record: RegistryRecord) -> dict[str, Any]:
    """Canonical record -> JSON:API resource object (simulator side)."""
    spec = SPECS[document_type]
    attributes = spec.model.model_validate(spec.write(record))
    return {
        "type": spec.resource_type,
        "id": record.record_id,
        "attributes": attributes.model_dump(mode="json", by_alias=True),
    }
