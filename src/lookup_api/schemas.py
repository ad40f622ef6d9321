"""Request and response bodies of the public API, with examples for openapi.yaml."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared_data.domain import LookupResult, Outcome, UnavailableReason


class SubjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scheme: str = Field(
        max_length=32,
        description="Identifier scheme: PIN, CMND9, MST, ENTERPRISE_CODE, BRANCH_CODE, ...",
        examples=["PIN"],
    )
    value: str = Field(max_length=64, examples=["001225956789"])


QualifierRole = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_]{1,32}$")]


class PurposeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    procedure_code: str = Field(max_length=64, examples=["P01"])
    dossier_id: str | None = Field(default=None, max_length=128, examples=["H01.12-260301-0001"])
    legal_basis: str | None = Field(
        default=None,
        max_length=500,
        description="Defaults from the catalog: the procedure's requirement, else the doc type",
    )


class LookupRequest(BaseModel):
    """Does `document_type` exist for `subject`, asked for this procedure and dossier?"""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "document_type": "KHAI_SINH",
                    "subject": {"scheme": "PIN", "value": "001225956789"},
                    "purpose": {"procedure_code": "P14", "dossier_id": "H01.12-260301-0001"},
                    "deadline_ms": 2000,
                },
                {
                    "document_type": "GCN_QSDD",
                    "subject": {"scheme": "PARCEL_KEY", "value": "99999-12-345"},
                    "qualifiers": {"owner": {"scheme": "PIN", "value": "001090912345"}},
                    "purpose": {"procedure_code": "P11", "dossier_id": "H01.12-260301-0002"},
                },
            ]
        },
    )

    document_type: str = Field(max_length=64, examples=["KHAI_SINH"])
    subject: SubjectIn
    qualifiers: dict[QualifierRole, SubjectIn] = Field(
        default_factory=dict,
        max_length=4,
        description=(
            "Extra keys by role, for document types that need two (the catalog's `qualifiers`):"
            " GCN_QSDD is looked up by its parcel or serial with `owner` (PIN or"
            " ENTERPRISE_CODE), and found only if that owner is on the certificate."
        ),
    )
    purpose: PurposeIn
    deadline_ms: int | None = Field(
        default=None,
        ge=50,
        le=60_000,
        description=(
            "Answer within this many milliseconds, registry retries included; a registry that"
            " cannot answer in time gives `unavailable` with reason `timeout`. Only shortens the"
            " service's own deadline (SHARED_DATA_LOOKUP_DEADLINE_S), never extends it."
        ),
    )


class ValidityOut(BaseModel):
    # Defaults, so the schema does not call them required: lookups leave out null fields.
    issued_on: date | None = None
    valid_until: date | None = Field(
        default=None, description="Last day the document may be reused"
    )
    reusable: bool
    reason: str = Field(examples=["expired: valid until 2025-12-31"])


class ProvenanceOut(BaseModel):
    registry: str = Field(examples=["HOTICH"])
    source_record_id: str | None = None
    retrieved_at: datetime
    live: bool = Field(description="False when served from the cache")
    age_seconds: float = Field(description="Age of the answer when served from the cache")


class LookupResponse(BaseModel):
    """The outcome of one lookup. `status` is found, not_found, unavailable or pending.

    `pending`: the registry answers later (judicial records); collect the answer with
    `GET /v1/lookups/{lookup_id}` after `retry_after` seconds (also the Retry-After header).
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "lookup_id": "5b0c8f0c2f6a4f0e9a8f4f7c1d2e3a4b",
                    "status": "found",
                    "document_type": "KHAI_SINH",
                    "subject": {"scheme": "PIN", "value": "001225956789"},
                    "purpose": {
                        "procedure_code": "P02",
                        "dossier_id": None,
                        "legal_basis": "QĐ 3458/QĐ-BTP",
                    },
                    "document_uri": "vn.gov.hotich-KHAI_SINH-UBND-PMM1/2025/000123",
                    "fields": {"full_name": "Nguyễn Minh Thí", "dob": "2025-08-20"},
                    "digest": "sha256:9f2c...",
                    "validity": {
                        "issued_on": "2025-08-25",
                        "valid_until": None,
                        "reusable": True,
                        "reason": "permanent record",
                    },
                    "provenance": {
                        "registry": "HOTICH",
                        "source_record_id": "UBND-PMM1/2025/000123",
                        "retrieved_at": "2026-11-27T09:00:00Z",
                        "live": True,
                        "age_seconds": 0,
                    },
                },
                {
                    "lookup_id": "0d7e2c1b7a8e4d05b1a1c2d3e4f5a6b7",
                    "status": "unavailable",
                    "document_type": "KHAI_SINH",
                    "subject": {"scheme": "PIN", "value": "001225956789"},
                    "purpose": {"procedure_code": "P02", "dossier_id": None, "legal_basis": None},
                    "provenance": {
                        "registry": "HOTICH",
                        "retrieved_at": "2026-11-27T09:00:00Z",
                        "live": True,
                        "age_seconds": 0,
                    },
                    "reason": "timeout",
                    "retry_after": 30,
                },
                {
                    "lookup_id": "7a1f0c9e3b2d4c5e8f9a0b1c2d3e4f5a",
                    "status": "pending",
                    "document_type": "LLTP_1",
                    "subject": {"scheme": "PIN", "value": "001090912345"},
                    "purpose": {"procedure_code": "P09", "dossier_id": None, "legal_basis": None},
                    "provenance": {
                        "registry": "LLTP",
                        "retrieved_at": "2026-11-27T09:00:00Z",
                        "live": True,
                        "age_seconds": 0,
                    },
                    "retry_after": 2,
                },
            ]
        }
    )

    lookup_id: str
    status: Outcome
    document_type: str
    subject: SubjectIn
    qualifiers: dict[str, SubjectIn] | None = Field(
        default=None, description="The lookup's extra keys by role, when it has any"
    )
    purpose: PurposeIn
    document_uri: str | None = None
    fields: dict[str, Any] | None = None
    digest: str | None = Field(default=None, description="sha256 of the canonical document")
    validity: ValidityOut | None = None
    provenance: ProvenanceOut
    reason: UnavailableReason | None = Field(
        default=None, description="Why the registry could not be consulted (unavailable only)"
    )
    detail: str | None = None
    retry_after: float | None = Field(default=None, description="Seconds before asking again")

    @classmethod
    def from_result(cls, result: LookupResult) -> LookupResponse:
        doc = result.document
        # The domain result is valid already: only reshaped (`__dict__` holds a model's field
        # values; cheaper than model_dump on the hot path).
        return cls.model_construct(
            lookup_id=result.lookup_id,
            status=result.status,
            document_type=result.document_type,
            subject=SubjectIn.model_construct(**result.subject.__dict__),
            qualifiers={
                role: SubjectIn.model_construct(**q.__dict__)
                for role, q in result.qualifiers.items()
            }
            or None,
            purpose=PurposeIn.model_construct(**result.purpose.__dict__),
            document_uri=doc.document_uri if doc else None,
            fields=doc.fields if doc else None,
            digest=doc.digest if doc else None,
            validity=ValidityOut.model_construct(**result.validity.__dict__)
            if result.validity
            else None,
            provenance=ProvenanceOut.model_construct(**result.provenance.__dict__),
            reason=result.reason,
            detail=result.detail,
            retry_after=result.retry_after,
        )
