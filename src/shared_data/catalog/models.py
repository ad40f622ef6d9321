"""Typed shape of the catalog files (src/shared_data/catalog/data/*.yaml)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator


class CatalogEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Registry(CatalogEntry):
    """An authoritative source of data."""

    id: str
    name_vi: str
    name_en: str
    owner_vi: str
    owner_en: str
    keys: list[str]
    attests: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    # Legal act by which the owner published the data as usable to replace papers (Res. 66.7).
    published_scope_ref: str | None = None
    confidence: Confidence = Confidence.MEDIUM
    # Whether shared-data has an adapter in service for it (coverage counts only these).
    integrated: bool = True


class SchemeSegment(CatalogEntry):
    """One positional part of an identifier (e.g. PIN digits 1-3: province code)."""

    pos: str
    name: str
    rule: str


class SchemeExample(CatalogEntry):
    """A synthetic identifier with what it means (valid) or why it is refused (negative)."""

    value: str
    meaning: str | None = None
    reason: str | None = None


class IdentifierScheme(CatalogEntry):
    id: str
    name_vi: str
    name_en: str
    issuer: str
    regex: str | None = None
    # The same number space as another scheme (ENTERPRISE_CODE is the MST).
    same_as: str | None = None
    # A legacy alias the issuer resolves to another scheme before lookup (CMND9 -> PIN).
    alias_of: str | None = None
    format_note: str | None = None
    structure: list[SchemeSegment] = Field(default_factory=list)
    validation: list[str] = Field(default_factory=list)
    synthetic_examples: list[SchemeExample] = Field(default_factory=list)
    negative_examples: list[SchemeExample] = Field(default_factory=list)
    legal_ref: str | None = None
    confidence: Confidence = Confidence.MEDIUM


class ValidityType(StrEnum):
    PERMANENT = "permanent"
    UNTIL_EXPIRY = "until_expiry"
    DURATION = "duration"
    DURATION_OR_STATE_CHANGE = "duration_or_state_change"
    UNTIL_STATE_CHANGE = "until_state_change"
    CURRENT_STATE = "current_state"
    AS_OF_SNAPSHOT = "as_of_snapshot"
    CALENDAR_YEAR = "calendar_year"
    ABOLISHED = "abolished"


class ValidityRule(CatalogEntry):
    """How long a document may be reused; evaluated by `shared_data.validity`."""

    type: ValidityType
    # ISO 8601 duration from issue (P6M, P1Y, P12M, P30D).
    duration: str | None = None
    # Maximum age of an as-of snapshot (a procedure may set a stricter one).
    max_age: str | None = None
    # For until_expiry: the record field that carries the expiry date (informational; adapters
    # map it to `RegistryRecord.valid_until`).
    expiry_field: str | None = None
    # Record statuses that void the document (dissolved, revoked, superseded, ...).
    void_on: list[str] = Field(default_factory=list)
    since: str | None = None
    note: str | None = None
    confidence: Confidence = Confidence.HIGH


class CachePolicy(CatalogEntry):
    """How long an answer may be served from cache, and whether stale answers may cover outages."""

    ttl_seconds: int = 300
    negative_ttl_seconds: int = 30
    # 0 = never cached: always asked live.
    stale_if_error_seconds: int = 0


class QualifierSpec(CatalogEntry):
    """A second key a lookup of this document type carries (two-key lookups).

    GCN_QSDD is looked up by its parcel (or serial) and qualified by its `owner` (PIN or
    enterprise code): the registry answers found only when that owner is on the certificate.
    """

    role: str
    schemes: list[str]
    required: bool = True


class SubjectRestriction(CatalogEntry):
    """A legal bar: from `since`, this document type may not be required for subjects named
    by `schemes` (LLTP_2 and individuals from 2026-07-01). Lookups are refused (403)."""

    since: date
    schemes: list[str]
    reason: str
    legal_ref: str | None = None


class DocumentType(CatalogEntry):
    id: str
    name_vi: str
    name_en: str
    registry: str
    key: str
    # Other schemes that also identify the subject (e.g. CMND9 alias for PIN).
    alt_keys: list[str] = Field(default_factory=list)
    fields: list[str]
    validity: ValidityRule
    cache: CachePolicy = Field(default_factory=CachePolicy)
    internal_confirmation: bool = False
    obsolete: bool = False
    legal_ref: str | None = None
    restrictions: list[str] = Field(default_factory=list)
    # Extra keys a lookup carries besides its subject (e.g. the owner of a parcel).
    qualifiers: list[QualifierSpec] = Field(default_factory=list)
    # Restrictions the service enforces (the free-text `restrictions` are informational).
    subject_restrictions: list[SubjectRestriction] = Field(default_factory=list)


class RequirementKind(StrEnum):
    FORM = "form"
    DOCUMENT = "document"
    INTERNAL_CONFIRMATION = "internal_confirmation"


class Replaceable(StrEnum):
    YES = "true"
    NO = "false"
    PARTIAL = "partial"


class Requirement(CatalogEntry):
    """One dossier component (thành phần hồ sơ) of a procedure."""

    id: str
    kind: RequirementKind
    # Catalog document type id for documents and confirmations; None for forms and papers
    # no registry holds.
    document_type: str | None = None
    name_vi: str | None = None
    # Stable code of a paper with no catalog document type: forms (TO_KHAI_KET_HON) and papers
    # no registry in the catalog holds (HOP_DONG_CHUYEN_NHUONG).
    paper_code: str | None = None
    # Any one of these document types satisfies it as well.
    alternatives: list[str] = Field(default_factory=list)
    role: str | None = None
    # Whom the document is about: applicant, spouse, child, deceased, enterprise, parcel, ...
    party: str = "applicant"
    condition: str | None = None
    replaceable_by_lookup: Replaceable = Replaceable.YES
    basis: str | None = None
    note: str | None = None
    # For as-of snapshots: the procedure's maximum age (ISO 8601 duration), e.g. LLTP_1 P6M.
    max_age: str | None = None
    # What the agency does when the lookup fails, besides asking for the paper and a correction
    # request to the registry owner (Res. 66.7), e.g. "verification by the registrar".
    fallback: str | None = None

    @field_validator("replaceable_by_lookup", mode="before")
    @classmethod
    def _yaml_bool(cls, value: object) -> object:
        """Accept YAML booleans (true/false) for the true/false/partial enum."""
        return str(value).lower() if isinstance(value, bool) else value


class Procedure(CatalogEntry):
    code: str
    name_vi: str
    name_en: str | None = None
    national_code: str | None = None
    level: str | None = None
    agency: str
    authority_vi: str | None = None
    legal_basis: str | None = None
    requirements: list[Requirement]


class Catalog(CatalogEntry):
    """The loaded, cross-checked catalog, indexed by id."""

    registries: dict[str, Registry]
    schemes: dict[str, IdentifierScheme]
    document_types: dict[str, DocumentType]
    procedures: dict[str, Procedure]
    document_uri_template: str = "vn.gov.{registry_lower}-{doctype}-{doc_id}"

    def document_uri(self, document_type: str, record_id: str) -> str:
        """The DigiLocker-style URI of one record of `document_type`."""
        doc = self.document_types[document_type]
        return self.document_uri_template.format(
            registry_lower=doc.registry.lower(), doctype=doc.id, doc_id=record_id
        )
