"""YTE resources (FHIR-flavoured JSON) <-> canonical records. Pure: no I/O.

Each document type is one resource type with the registry's own camelCase Vietnamese elements,
dressed the FHIR way. Quirks handled here:
- sex uses FHIR's administrative-gender codes (`male` / `female`), canonically M / F;
- coded values are `{"coding": [{"system": ..., "code": ...}]}` (cause of death) or a bare
  `{"code": ...}` (exam conclusion); facilities are references `{"display": name}`;
- a birth time is a FHIR dateTime with its offset ("2025-08-20T07:45:00+07:00"), kept as is;
  other dates are FHIR dates (ISO).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationError,
)

from adapters.mapping_helpers import (
    CamelWire,
    IsoDate,
    NfcText,
    Pin,
    StrictWire,
    WireFormatError,
    Words,
    from_iso,
    iso,
    validation_summary,
)
from shared_data.domain import RegistryRecord

SEX = Words({"M": "male", "F": "female"})
CAUSES = Words({"disease": "BENH", "accident": "TAI_NAN", "old_age": "TUOI_GIA",
                "other": "KHAC"})  # fmt: skip
CONCLUSIONS = Words({"fit": "DU_DK", "fit_with_conditions": "DU_DK_CO_DIEU_KIEN",
                     "unfit": "KHONG_DU_DK"})  # fmt: skip
CAUSE_SYSTEM = "urn:yte:nhom-nguyen-nhan-tu-vong"
_DATETIME_RE = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}$"
)
DocNo = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9\-/]{6,30}$")]


def _datetime(raw: Any) -> Any:
    if isinstance(raw, datetime):
        return raw
    if not isinstance(raw, str) or not _DATETIME_RE.match(raw):
        raise ValueError("expected a FHIR dateTime with seconds and offset")
    return datetime.fromisoformat(raw)


FhirDateTime = Annotated[
    datetime, BeforeValidator(_datetime), PlainSerializer(datetime.isoformat, return_type=str)
]


CauseCode = Annotated[str, AfterValidator(CAUSES.check)]
ConclusionCode = Annotated[str, AfterValidator(CONCLUSIONS.check)]
GenderCode = Annotated[str, AfterValidator(SEX.check)]


class Reference(StrictWire):
    display: NfcText


class Coding(StrictWire):
    system: Literal["urn:yte:nhom-nguyen-nhan-tu-vong"]
    code: CauseCode


class CauseWire(StrictWire):
    coding: Annotated[list[Coding], Field(min_length=1, max_length=1)]


class ConclusionWire(StrictWire):
    code: ConclusionCode


class BirthNoticeWire(CamelWire):
    id: DocNo
    so_dinh_danh_me: Pin
    gioi_tinh_tre: GenderCode
    thoi_diem_sinh: FhirDateTime
    co_so_y_te: Reference


class DeathNoticeWire(CamelWire):
    id: DocNo
    so_dinh_danh: Pin
    ngay_mat: IsoDate
    nguyen_nhan: CauseWire
    noi_cap: Reference


class HealthCertificateWire(CamelWire):
    id: DocNo
    so_dinh_danh: Pin
    co_so_kham: Reference
    ngay_kham: IsoDate
    ket_luan: ConclusionWire
    hang_duoc_lai: list[Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{0,2}$")]]


def _birth(w: Any) -> tuple[dict[str, Any], date]:
    fields = {"mother_pin": w.so_dinh_danh_me, "child_sex": SEX.read(w.gioi_tinh_tre),
              "birth_datetime": w.thoi_diem_sinh.isoformat(), "facility": w.co_so_y_te.display,
              "doc_no": w.id}  # fmt: skip
    return fields, w.thoi_diem_sinh.date()


def _birth_wire(f: dict[str, Any]) -> dict[str, Any]:
    return {"id": f["doc_no"], "so_dinh_danh_me": f["mother_pin"],
            "gioi_tinh_tre": SEX.write(f["child_sex"]),
            "thoi_diem_sinh": datetime.fromisoformat(f["birth_datetime"]),
            "co_so_y_te": {"display": f["facility"]}}  # fmt: skip


def _death(w: Any) -> tuple[dict[str, Any], date]:
    fields = {"pin": w.so_dinh_danh, "date_of_death": iso(w.ngay_mat),
              "cause_category": CAUSES.read(w.nguyen_nhan.coding[0].code),
              "issuer": w.noi_cap.display, "doc_no": w.id}  # fmt: skip
    return fields, w.ngay_mat


def _death_wire(f: dict[str, Any]) -> dict[str, Any]:
    cause = {"coding": [{"system": CAUSE_SYSTEM, "code": CAUSES.write(f["cause_category"])}]}
    return {"id": f["doc_no"], "so_dinh_danh": f["pin"], "ngay_mat": from_iso(f["date_of_death"]),
            "nguyen_nhan": cause, "noi_cap": {"display": f["issuer"]}}  # fmt: skip


def _exam(w: Any) -> tuple[dict[str, Any], date]:
    fields = {"pin": w.so_dinh_danh, "facility": w.co_so_kham.display,
              "exam_date": iso(w.ngay_kham), "conclusion": CONCLUSIONS.read(w.ket_luan.code),
              "classes_fit_for": list(w.hang_duoc_lai), "doc_no": w.id}  # fmt: skip
    return fields, w.ngay_kham


def _exam_wire(f: dict[str, Any]) -> dict[str, Any]:
    return {"id": f["doc_no"], "so_dinh_danh": f["pin"], "co_so_kham": {"display": f["facility"]},
            "ngay_kham": from_iso(f["exam_date"]),
            "ket_luan": {"code": CONCLUSIONS.write(f["conclusion"])},
            "hang_duoc_lai": f["classes_fit_for"]}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """One document type: its resource type, search parameters and the two directions."""

    resource_type: str
    model: type[CamelWire]
    read: Callable[[Any], tuple[dict[str, Any], date]]
    write: Callable[[dict[str, Any]], dict[str, Any]]
    # Subject scheme -> search parameter; `subject_field`: canonical field echoing a PIN.
    params: dict[str, str]
    subject_field: str


SPECS: dict[str, ResourceSpec] = {
    "CHUNG_SINH": ResourceSpec("GiayChungSinh", BirthNoticeWire, _birth, _birth_wire,
                               {"HEALTH_DOC_NO": "identifier", "PIN": "mother"}, "mother_pin"),
    "BAO_TU": ResourceSpec("GiayBaoTu", DeathNoticeWire, _death, _death_wire,
                           {"PIN": "subject"}, "pin"),
    "GKSK_LAI_XE": ResourceSpec("GiayKhamSucKhoeLaiXe", HealthCertificateWire, _exam, _exam_wire,
                                {"PIN": "subject", "HEALTH_DOC_NO": "identifier"}, "pin"),
}  # fmt: skip


def resource_to_record(document_type: str, resource: Any) -> RegistryRecord:
    """One resource of a search bundle -> canonical record (adapter side)."""
    spec = SPECS[document_type]
    if not isinstance(resource, dict) or resource.get("resourceType") != spec.resource_type:
        raise WireFormatError(f"expected a {spec.resource_type} resource")
    try:
        fields, issued = spec.read(spec.model.model_validate(resource))
    except ValidationError as exc:
        raise WireFormatError(validation_summary(exc, spec.resource_type)) from exc
    return RegistryRecord(record_id=fields["doc_no"], fields=fields, issued_on=issued)


def record_to_resource(document_type: str, record: RegistryRecord) -> dict[str, Any]:
    """Canonical record -> its resource (simulator side)."""
    spec = SPECS[document_type]
    wire = spec.model.model_validate(spec.write(record.fields))
    return {"resourceType": spec.resource_type, **wire.model_dump(mode="json", by_alias=True)}
