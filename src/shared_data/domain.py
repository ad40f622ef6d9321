"""Domain types shared by the core, the adapters and the API.

All of them are frozen pydantic models: values, never mutated after construction.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    """Base for immutable domain values."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Outcome(StrEnum):
    """What a registry said about a document (DESIGN.md, outcome contract)."""

    FOUND = "found"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"
    PENDING = "pending"


class UnavailableReason(StrEnum):
    """Why a registry could not be consulted; never turned into not_found."""

    TIMEOUT = "timeout"
    CIRCUIT_OPEN = "circuit_open"
    UPSTREAM_ERROR = "upstream_error"
    BAD_RESPONSE = "bad_response"
    BULKHEAD_FULL = "bulkhead_full"
    NOT_INTEGRATED = "not_integrated"
    # The registry holds the record but not its data (MyInfo's `unavailable: true`): asking
    # again will not help; the procedure falls back to the paper plus a correction request.
    DATA_UNAVAILABLE = "data_unavailable"


class Subject(Frozen):
    """Whom or what a document is about: an identifier in a validated scheme."""

    scheme: str
    value: str


class Purpose(Frozen):
    """Why the data is asked for: the procedure, the dossier and the legal basis."""

    procedure_code: str
    dossier_id: str | None = None
    legal_basis: str | None = None


class RegistryRequest(Frozen):
    """One question to one registry, as an adapter receives it."""

    lookup_id: str
    registry: str
    document_type: str
    subject: Subject
    # Extra keys some documents need, by role: the catalog's `qualifiers` (GCN_QSDD is asked
    # by its parcel with {"owner": PIN or ENTERPRISE_CODE}); validated by the core.
    qualifiers: dict[str, Subject] = Field(default_factory=dict)
    # The caller's own total deadline in seconds, when shorter than the service's default.
    deadline_s: float | None = Field(default=None, gt=0)


class RegistryRecord(Frozen):
    """A record the registry attests, already mapped to the catalog's canonical field names."""

    record_id: str
    fields: dict[str, Any]
    issued_on: date | None = None
    # Expiry as stated by the registry (e.g. a licence's expiry date), if any.
    valid_until: date | None = None
    # Registry-side status of the record (active, dissolved, revoked, superseded, ...).
    status: str | None = None
    # Set by the adapter when the registry's current state voids the document
    # (e.g. the marital status changed after the confirmation was issued).
    voided_by: str | None = None


class RegistryAnswer(Frozen):
    """What an adapter returns: one of the outcomes, never an exception for registry facts."""

    outcome: Outcome
    retrieved_at: datetime
    record: RegistryRecord | None = None
    reason: UnavailableReason | None = None
    detail: str | None = None
    retry_after: float | None = None
    # Registry-side reference to collect a pending answer later.
    ticket: str | None = None
    # Set by the caching layer: the answer came from cache (a hit, or stale-if-error), not
    # from the registry during this lookup; provenance then says live=False with this age.
    served_from_cache: bool = False
    age_seconds: float = 0.0

    @classmethod
    def found(cls, record: RegistryRecord, retrieved_at: datetime) -> RegistryAnswer:
        return cls(outcome=Outcome.FOUND, record=record, retrieved_at=retrieved_at)

    @classmethod
    def not_found(cls, retrieved_at: datetime) -> RegistryAnswer:
        return cls(outcome=Outcome.NOT_FOUND, retrieved_at=retrieved_at)

    @classmethod
    def pending(
        cls, ticket: str, retrieved_at: datetime, retry_after: float | None = None
    ) -> RegistryAnswer:
        """The registry accepted the question and will answer later; `ticket` redeems it."""
        return cls(
            outcome=Outcome.PENDING,
            ticket=ticket,
            retry_after=retry_after,
            retrieved_at=retrieved_at,
        )

    @classmethod
    def unavailable(
        cls,
        reason: UnavailableReason,
        retrieved_at: datetime,
        detail: str | None = None,
        retry_after: float | None = None,
    ) -> RegistryAnswer:
        return cls(
            outcome=Outcome.UNAVAILABLE,
            reason=reason,
            detail=detail,
            retry_after=retry_after,
            retrieved_at=retrieved_at,
        )


class Validity(Frozen):
    """Whether a found document may be reused now, computed from the catalog's rule."""

    issued_on: date | None
    valid_until: date | None
    reusable: bool
    reason: str


class Provenance(Frozen):
    """Where an answer came from and how fresh it is."""

    registry: str
    source_record_id: str | None = None
    retrieved_at: datetime
    live: bool = True
    age_seconds: float = 0.0


class Document(Frozen):
    """A found document as the service releases it."""

    document_type: str
    document_uri: str
    fields: dict[str, Any]
    digest: str


class LookupResult(Frozen):
    """The service's answer to one lookup."""

    lookup_id: str
    status: Outcome
    document_type: str
    subject: Subject
    purpose: Purpose
    provenance: Provenance
    # The lookup's extra keys by role (GCN_QSDD: the owner), as validated.
    qualifiers: dict[str, Subject] = Field(default_factory=dict)
    document: Document | None = None
    validity: Validity | None = None
    reason: UnavailableReason | None = None
    detail: str | None = None
    retry_after: float | None = None


class Health(Frozen):
    """Result of probing one registry."""

    registry: str
    ok: bool
    latency_ms: float | None = None
    detail: str | None = None
    checked_at: datetime
