"""DKDN records (the `du_lieu` object of the JSON envelope) <-> canonical `RegistryRecord`s.

Pure: no I/O. Canonical -> wire serves the simulator; wire -> canonical serves the adapter and is
strict (pydantic, strict mode): a missing required key, a wrong JSON type (a number sent as a
string, a float for an integer), a malformed code or an unknown status raises `MappingError`.
Unknown keys are dropped, never forwarded. Dates in fields are ISO strings, `issued_on` a `date`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, ValidationError

from shared_data.domain import RegistryRecord


class MappingError(ValueError):
    """The JSON is not a complete, well-typed DKDN message."""


# Canonical status (what the validity policy reads) <-> the registry's legal-status code.
STATUS_TO_WIRE = {
    "active": "DANG_HOAT_DONG",
    "suspended": "TAM_NGUNG_KINH_DOANH",
    "dissolved": "DA_GIAI_THE",
    "revoked": "BI_THU_HOI_GCN",
    "bankrupt": "PHA_SAN",
    "terminated": "CHAM_DUT_HOAT_DONG",  # branches and household businesses that closed
}
_STATUS_FROM_WIRE = {wire: canonical for canonical, wire in STATUS_TO_WIRE.items()}
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T00:00:00$", re.ASCII)


def _wire_date(value: object) -> object:
    """Registry quirk: dates travel as .NET-style local datetimes at midnight
    ("2019-03-12T00:00:00", no zone); only the date part carries meaning."""
    if isinstance(value, date):  # built by the simulator from canonical values
        return value
    if not isinstance(value, str) or not _DATETIME_RE.match(value):
        raise ValueError("expected a yyyy-mm-ddT00:00:00 date")
    return date.fromisoformat(value[:10])


WireDate = Annotated[
    date,
    BeforeValidator(_wire_date),
    PlainSerializer(lambda d: f"{d.isoformat()}T00:00:00", return_type=str),
]
Text = Annotated[str, Field(min_length=1, max_length=500)]
# [0-9], not \d: pydantic's regex engine would accept any Unicode digit for \d.
Pin = Annotated[str, Field(pattern=r"^[0-9]{12}$")]
Mst = Annotated[str, Field(pattern=r"^[0-9]{10}$")]
Count = Annotated[int, Field(ge=0)]
WireStatus = Literal[
    "DANG_HOAT_DONG",
    "TAM_NGUNG_KINH_DOANH",
    "DA_GIAI_THE",
    "BI_THU_HOI_GCN",
    "PHA_SAN",
    "CHAM_DUT_HOAT_DONG",
]


class _Wire(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class EnterpriseWire(_Wire):
    ma_so_doanh_nghiep: Mst
    ten_doanh_nghiep: Text
    ten_tieng_anh: Text | None = None
    loai_hinh: Text
    dia_chi_tru_so: Text
    von_dieu_le: Count  # VND
    ho_ten_nguoi_dai_dien: Text | None = None
    so_dinh_danh_nguoi_dai_dien: Pin
    ngay_dang_ky_lan_dau: WireDate
    lan_thay_doi: Count
    ngay_thay_doi_gan_nhat: WireDate | None = None
    tinh_trang: WireStatus


class BranchWire(_Wire):
    ma_so_chi_nhanh: Annotated[str, Field(pattern=r"^[0-9]{10}-[0-9]{3}$")]
    ma_so_doanh_nghiep: Mst
    ten_chi_nhanh: Text
    dia_chi: Text
    so_dinh_danh_nguoi_dung_dau: Pin
    ngay_dang_ky: WireDate
    tinh_trang: WireStatus


class HouseholdWire(_Wire):
    ma_so_ho_kinh_doanh: Annotated[str, Field(pattern=r"^([0-9]{10}|[0-9]{12,13})$")]
    ten_ho_kinh_doanh: Text
    dia_diem_kinh_doanh: Text
    so_dinh_danh_dai_dien: Pin
    nganh_nghe: Annotated[list[Text], Field(min_length=1)]
    von_kinh_doanh: Count  # VND
    ngay_dang_ky: WireDate
    tinh_trang: WireStatus


@dataclass(frozen=True, slots=True)
class DocumentSpec:
    model: type[_Wire]
    keys: dict[str, str]  # canonical field -> wire key
    record_id: str  # canonical field holding the certificate's number
    dates: tuple[str, ...]  # canonical date fields; the first one set is the issue date


SPECS: dict[str, DocumentSpec] = {
    "GCN_DKDN": DocumentSpec(
        EnterpriseWire,
        {
            "enterprise_code": "ma_so_doanh_nghiep",
            "name_vi": "ten_doanh_nghiep",
            "name_en": "ten_tieng_anh",
            "type": "loai_hinh",
            "address": "dia_chi_tru_so",
            "charter_capital": "von_dieu_le",
            "legal_rep_name": "ho_ten_nguoi_dai_dien",
            "legal_rep_pin": "so_dinh_danh_nguoi_dai_dien",
            "first_reg_date": "ngay_dang_ky_lan_dau",
            "latest_change_no": "lan_thay_doi",
            "latest_change_date": "ngay_thay_doi_gan_nhat",
            "status": "tinh_trang",
        },
        "enterprise_code",
        # The certificate in force is the one re-issued at the latest change.
        ("latest_change_date", "first_reg_date"),
    ),
    "GCN_CHI_NHANH": DocumentSpec(
        BranchWire,
        {
            "branch_code": "ma_so_chi_nhanh",
            "parent_code": "ma_so_doanh_nghiep",
            "name": "ten_chi_nhanh",
            "address": "dia_chi",
            "head_pin": "so_dinh_danh_nguoi_dung_dau",
            "reg_date": "ngay_dang_ky",
            "status": "tinh_trang",
        },
        "branch_code",
        ("reg_date",),
    ),
    "GCN_HKD": DocumentSpec(
        HouseholdWire,
        {
            "reg_no": "ma_so_ho_kinh_doanh",
            "name": "ten_ho_kinh_doanh",
            "address": "dia_diem_kinh_doanh",
            "representative_pin": "so_dinh_danh_dai_dien",
            "business_lines": "nganh_nghe",
            "capital": "von_kinh_doanh",
            "reg_date": "ngay_dang_ky",
            "status": "tinh_trang",
        },
        "reg_no",
        ("reg_date",),
    ),
}


def _summary(exc: ValidationError) -> str:
    """Where the answer is wrong, without echoing upstream values."""
    errors = exc.errors(include_input=False, include_url=False)
    where = ", ".join(".".join(str(part) for part in e["loc"]) or "du_lieu" for e in errors[:3])
    return f"invalid du_lieu at {where}"


def wire_to_record(document_type: str, data: Any) -> RegistryRecord:
    """`du_lieu` of a found answer -> canonical record (adapter side)."""
    spec = SPECS[document_type]
    try:
        wire = spec.model.model_validate(data)
    except ValidationError as exc:
        raise MappingError(_summary(exc)) from exc
    fields: dict[str, Any] = {}
    for name, key in spec.keys.items():
        value = getattr(wire, key)
        fields[name] = value.isoformat() if isinstance(value, date) else value
    fields["status"] = _STATUS_FROM_WIRE[fields["status"]]
    issued = next((fields[name] for name in spec.dates if fields[name]), None)
    return RegistryRecord(
        record_id=fields[spec.record_id],
        fields=fields,
        issued_on=date.fromisoformat(issued) if issued else None,
        status=fields["status"],
    )


def record_to_wire(document_type: str, record: RegistryRecord) -> dict[str, Any]:
    """Canonical record -> `du_lieu` JSON object (simulator side)."""
    spec = SPECS[document_type]
    values: dict[str, Any] = {}
    for name, key in spec.keys.items():
        value = record.fields.get(name)
        values[key] = date.fromisoformat(value) if name in spec.dates and value else value
    values[spec.keys["status"]] = STATUS_TO_WIRE[record.status or record.fields["status"]]
    return spec.model.model_validate(values).model_dump(mode="json")
