"""LLTP certificates (the `phieu` of an issued request) <-> canonical `RegistryRecord`s. Pure.

Canonical -> wire serves the simulator; wire -> canonical serves the adapter and is strict
(`WireFormatError` on a missing key, a wrong type, an unknown code or a malformed date).
Certificate No. 1 states two facts (a criminal record, a management ban) as registry codes;
No. 2 lists every conviction, expunged ones included. Dates travel as dd/mm/yyyy.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError

from adapters.mapping_helpers import (
    DmyDate,
    NfcText,
    Pin,
    StrictWire,
    WireFormatError,
    from_iso,
    iso,
    validation_summary,
)
from shared_data.domain import RegistryRecord

CertificateNo = Annotated[str, Field(pattern=r"^LLTP[12]-[0-9]{8}-[0-9]{6}$")]


class _Certificate(StrictWire):
    so_phieu: CertificateNo
    ho_ten: NfcText
    so_dinh_danh: Pin
    ngay_cap: DmyDate
    noi_cap: NfcText


class Certificate1Wire(_Certificate):
    an_tich: Literal["KHONG_CO", "CO"]
    cam_dam_nhiem: Literal["KHONG_BI_CAM", "BI_CAM"]


class ConvictionWire(StrictWire):
    so_ban_an: NfcText
    toa_an: NfcText
    ngay_tuyen: DmyDate
    toi_danh: NfcText
    hinh_phat: NfcText
    da_xoa_an_tich: bool


class Certificate2Wire(_Certificate):
    qua_trinh_an_tich: list[ConvictionWire]


_MODELS: dict[str, type[_Certificate]] = {"LLTP_1": Certificate1Wire, "LLTP_2": Certificate2Wire}
_CONVICTION_KEYS = {
    "judgment_ref": "so_ban_an",
    "court": "toa_an",
    "judged_on": "ngay_tuyen",
    "offence": "toi_danh",
    "sentence": "hinh_phat",
    "expunged": "da_xoa_an_tich",
}


def _fields(wire: _Certificate) -> dict[str, Any]:
    fields: dict[str, Any] = {"pin": wire.so_dinh_danh, "full_name": wire.ho_ten}
    if isinstance(wire, Certificate1Wire):
        fields["has_criminal_record"] = wire.an_tich == "CO"
        fields["management_ban"] = wire.cam_dam_nhiem == "BI_CAM"
    elif isinstance(wire, Certificate2Wire):
        fields["full_record"] = [
            {
                name: iso(value) if isinstance(value, date) else value
                for name, value in ((n, getattr(c, k)) for n, k in _CONVICTION_KEYS.items())
            }
            for c in wire.qua_trinh_an_tich
        ]
    fields["issue_date"] = iso(wire.ngay_cap)
    fields["issuer"] = wire.noi_cap
    return fields


def wire_to_record(document_type: str, data: Any) -> RegistryRecord:
    """`phieu` of an issued request -> canonical record (adapter side)."""
    try:
        wire = _MODELS[document_type].model_validate(data)
    except ValidationError as exc:
        raise WireFormatError(validation_summary(exc, "phieu")) from exc
    return RegistryRecord(record_id=wire.so_phieu, fields=_fields(wire), issued_on=wire.ngay_cap)


def record_to_wire(document_type: str, record: RegistryRecord) -> dict[str, Any]:
    """Canonical record -> `phieu` (simulator side)."""
    f = record.fields
    values: dict[str, Any] = {
        "so_phieu": record.record_id,
        "ho_ten": f["full_name"],
        "so_dinh_danh": f["pin"],
        "ngay_cap": from_iso(f["issue_date"]),
        "noi_cap": f["issuer"],
    }
    if document_type == "LLTP_1":
        values["an_tich"] = "CO" if f["has_criminal_record"] else "KHONG_CO"
        values["cam_dam_nhiem"] = "BI_CAM" if f["management_ban"] else "KHONG_BI_CAM"
    else:
        values["qua_trinh_an_tich"] = [
            {
                key: from_iso(entry[name]) if name == "judged_on" else entry[name]
                for name, key in _CONVICTION_KEYS.items()
            }
            for entry in f["full_record"]
        ]
    return _MODELS[document_type].model_validate(values).model_dump(mode="json")
