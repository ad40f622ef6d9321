"""DATDAI documents (the `dataContent` of a Pull Doc answer) <-> canonical records. Pure.

Canonical -> wire serves the simulator; wire -> canonical serves the adapter and is strict
(`WireFormatError` on a missing key, a wrong type, an unknown status word or a bad date).

Registry quirks handled here:
- owners are `{"loai": "CCCD" | "MSDN", "so", "hoTen"}`: canonical `{"scheme": "PIN" |
  "ENTERPRISE_CODE", "id", "name"}`, so a procedure compares them with its own subjects;
- the use term is `LAU_DAI` (long-term, residential land) or the last day as dd/mm/yyyy:
  canonical `long_term` or an ISO date;
- the certificate's legal state is a registry word (`tinhTrang`), mapped to the catalog's
  `void_on` vocabulary: active, transfer_registered, certificate_replaced, revoked.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError

from adapters.datdai.client import OWNER_KINDS, OwnerKind, OwnerNumber
from adapters.mapping_helpers import (
    CamelWire,
    DmyDate,
    NfcText,
    WireFormatError,
    Words,
    format_dmy,
    iso,
    parse_dmy,
    validation_summary,
)
from shared_data.domain import RegistryRecord

STATUS = Words(
    {
        "active": "HIEU_LUC",
        "transfer_registered": "DA_DANG_KY_CHUYEN_NHUONG",
        "certificate_replaced": "DA_CAP_DOI",
        "revoked": "DA_THU_HOI",
    }
)
StatusWord = STATUS.wire_type
LONG_TERM = "long_term"
_LONG_TERM_WIRE = "LAU_DAI"
_SCHEMES = {kind: scheme for scheme, kind in OWNER_KINDS.items()}
ParcelKey = Annotated[str, Field(pattern=r"^[0-9]{5}-[0-9]{1,4}-[0-9]{1,5}$")]
Purpose = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Area = Annotated[float, Field(gt=0, lt=10_000_000)]


class OwnerWire(CamelWire):
    loai: OwnerKind
    so: OwnerNumber
    ho_ten: NfcText


class MortgageWire(CamelWire):
    loai: Literal["THE_CHAP"]
    ben_nhan: NfcText
    ngay_dang_ky: DmyDate


class CertificateWire(CamelWire):
    so_phat_hanh: Annotated[str, Field(pattern=r"^[A-Z]{2} [0-9]{6,8}$")]
    thua_dat: ParcelKey
    chu_su_dung: Annotated[list[OwnerWire], Field(min_length=1)]
    dien_tich: Area
    muc_dich_su_dung: Purpose
    thoi_han_su_dung: Annotated[str, Field(pattern=r"^(LAU_DAI|[0-9]{2}/[0-9]{2}/[0-9]{4})$")]
    tai_san: list[NfcText]
    ngay_cap: DmyDate
    han_che: list[MortgageWire]
    tinh_trang: StatusWord  # type: ignore[valid-type]


class ChangeWire(CamelWire):
    ngay: DmyDate
    noi_dung: NfcText


class ParcelWire(CamelWire):
    thua_dat: ParcelKey
    dien_tich: Area
    muc_dich_su_dung: Purpose
    quy_hoach: list[NfcText]
    bien_dong: list[ChangeWire]


def _validate(model: type[CamelWire], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise WireFormatError(validation_summary(exc, "dataContent")) from exc


def _use_term(raw: str) -> str:
    if raw == _LONG_TERM_WIRE:
        return LONG_TERM
    try:
        return parse_dmy(raw).isoformat()
    except ValueError as exc:
        raise WireFormatError("malformed dataContent at thoiHanSuDung") from exc


def _certificate(wire: CertificateWire) -> RegistryRecord:
    status = STATUS.read(wire.tinh_trang)
    fields = {
        "parcel_key": wire.thua_dat,
        "cert_serial": wire.so_phat_hanh,
        "owners": [
            {"scheme": _SCHEMES[o.loai], "id": o.so, "name": o.ho_ten} for o in wire.chu_su_dung
        ],
        "area_m2": wire.dien_tich,
        "land_use_purpose": wire.muc_dich_su_dung,
        "use_term": _use_term(wire.thoi_han_su_dung),
        "assets": list(wire.tai_san),
        "issue_date": iso(wire.ngay_cap),
        "encumbrances": [
            {"kind": "mortgage", "holder": m.ben_nhan, "registered_on": iso(m.ngay_dang_ky)}
            for m in wire.han_che
        ],
    }
    record_id = wire.so_phat_hanh.replace(" ", "")
    return RegistryRecord(
        record_id=record_id, fields=fields, issued_on=wire.ngay_cap, status=status
    )


def _parcel(wire: ParcelWire) -> RegistryRecord:
    fields = {
        "parcel_key": wire.thua_dat,
        "area_m2": wire.dien_tich,
        "land_use_purpose": wire.muc_dich_su_dung,
        "planning_flags": list(wire.quy_hoach),
        "registered_changes": [
            {"date": iso(c.ngay), "description": c.noi_dung} for c in wire.bien_dong
        ],
    }
    return RegistryRecord(record_id=wire.thua_dat, fields=fields)


def wire_to_record(document_type: str, data: Any) -> RegistryRecord:
    """`dataContent` of a fetched document -> canonical record (adapter side)."""
    if document_type == "GCN_QSDD":
        return _certificate(_validate(CertificateWire, data))
    return _parcel(_validate(ParcelWire, data))


def _dump(model: CamelWire) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True)


def record_to_wire(document_type: str, record: RegistryRecord) -> dict[str, Any]:
    """Canonical record -> `dataContent` (simulator side)."""
    f = record.fields
    if document_type == "THONG_TIN_THUA_DAT":
        changes = [
            ChangeWire(ngay=date.fromisoformat(c["date"]), noi_dung=c["description"])
            for c in f["registered_changes"]
        ]
        parcel = ParcelWire(
            thua_dat=f["parcel_key"],
            dien_tich=f["area_m2"],
            muc_dich_su_dung=f["land_use_purpose"],
            quy_hoach=f["planning_flags"],
            bien_dong=changes,
        )
        return _dump(parcel)
    use_term = f["use_term"]
    term = _LONG_TERM_WIRE if use_term == LONG_TERM else format_dmy(date.fromisoformat(use_term))
    certificate = CertificateWire(
        so_phat_hanh=f["cert_serial"],
        thua_dat=f["parcel_key"],
        chu_su_dung=[
            OwnerWire(loai=OWNER_KINDS[o["scheme"]], so=o["id"], ho_ten=o["name"])  # type: ignore[arg-type]
            for o in f["owners"]
        ],
        dien_tich=f["area_m2"],
        muc_dich_su_dung=f["land_use_purpose"],
        thoi_han_su_dung=term,
        tai_san=f["assets"],
        ngay_cap=date.fromisoformat(f["issue_date"]),
        han_che=[
            MortgageWire(
                loai="THE_CHAP",
                ben_nhan=m["holder"],
                ngay_dang_ky=date.fromisoformat(m["registered_on"]),
            )
            for m in f["encumbrances"]
        ],
        tinh_trang=STATUS.write(record.status or "active"),
    )
    return _dump(certificate)
