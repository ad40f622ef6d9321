"""Request and response bodies of /v1/results (publishing electronic results)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lookup_api.schemas import SubjectIn
from shared_data.domain import Subject
from shared_data.results.model import PublishedResult, ResultDraft, ResultStatus

_EXAMPLE = {
    "document_type": "GIAY_PHEP_XAY_DUNG",
    "subjects": [
        {"scheme": "PIN", "value": "001090912345"},
        {"scheme": "PIN", "value": "001192934567"},
    ],
    "fields": {
        "permit_no": "125/GPXD",
        "owner_id": "001090912345",
        "parcel_key": "99999-12-345",
        "scale": "Nhà ở riêng lẻ, 4 tầng",
        "issue_date": "2026-11-20",
        "expiry_of_commencement": "2027-11-20",
    },
    "issued_on": "2026-11-20",
    "dossier_id": "H01.12-261120-0042",
    "procedure_code": "P11",
}


class ResultIn(BaseModel):
    """An electronic result the calling procedure backend has issued."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    document_type: str = Field(max_length=64, examples=["GIAY_PHEP_XAY_DUNG"])
    subjects: list[SubjectIn] = Field(
        min_length=1,
        max_length=20,
        description="Whom the result is about (several for co-owners); lookups by any find it",
    )
    fields: dict[str, Any] = Field(
        description="The document's data: only the document type's catalog fields (else 422)"
    )
    issued_on: date
    valid_until: date | None = Field(
        default=None,
        description="Last day it may be reused; defaults to the type's expiry field, if any",
    )
    dossier_id: str = Field(
        max_length=64,
        description="The dossier (DOSSIER_NO) the result was issued on: it finds it too",
        examples=["H01.12-261120-0042"],
    )
    procedure_code: str = Field(
        max_length=64, description="The issuing procedure", examples=["P11"]
    )

    def draft(self) -> ResultDraft:
        return ResultDraft(
            document_type=self.document_type,
            subjects=tuple(Subject(scheme=s.scheme, value=s.value) for s in self.subjects),
            fields=self.fields,
            issued_on=self.issued_on,
            valid_until=self.valid_until,
            dossier_id=self.dossier_id,
            procedure_code=self.procedure_code,
        )


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=1, max_length=500, examples=["Thu hồi theo Quyết định số 12/QĐ-UBND"]
    )


class ResultOut(BaseModel):
    """A published result: how lookups will name it, and where it is in its life-cycle."""

    result_id: str = Field(examples=["kq3f9c0d2a7b6e4c1d8a9b0c1d2e3f4a5b"])
    document_type: str
    document_uri: str = Field(
        description="The URI lookups return for it",
        examples=["vn.gov.hn_kho-GIAY_PHEP_XAY_DUNG-kq3f9c0d2a7b6e4c1d8a9b0c1d2e3f4a5b"],
    )
    digest: str = Field(description="sha256 of the canonical document, as lookups return it")
    status: ResultStatus
    issued_on: date
    valid_until: date | None
    procedure_code: str
    published_at: datetime
    supersedes: str | None = None
    superseded_by: str | None = None
    revoked_at: datetime | None = None

    @classmethod
    def from_result(cls, result: PublishedResult) -> ResultOut:
        return cls.model_validate(result.model_dump(include=set(cls.model_fields)))
