"""Typed shape of the catalog files (src/shared_data/catalog/data/*.yaml)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


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


class IdentifierScheme(CatalogEntry):
    id: str
    name_vi: str
    name_en: str
    issuer: str
    regex: str | None = None
    same_as: str | None = None
    format_note: str | None = None
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
        doc = self.document_types[document_type]
        return self.document_uri_template.format(
            registry_lower=doc.registry.lower(), doctype=doc.id, doc_id=record_id
        )
