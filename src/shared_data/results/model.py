"""Electronic results published by procedure backends: their values and the store port."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import Field

from shared_data.domain import Frozen, Subject


class ResultStatus(StrEnum):
    """A result is active until it is revoked or superseded; neither can be undone."""

    ACTIVE = "active"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class ResultOutcome(StrEnum):
    """Audit outcomes of what happens to a result (next to a lookup's found, not_found, ...)."""

    PUBLISHED = "published"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    DENIED = "denied"
    CONFLICT = "conflict"


class ResultDraft(Frozen):
    """An electronic result as its issuing procedure backend publishes it."""

    document_type: str
    # Whom it is about: one or more (co-owners); the dossier number is added by the store.
    subjects: tuple[Subject, ...] = Field(min_length=1)
    fields: dict[str, Any]
    issued_on: date
    valid_until: date | None = None
    dossier_id: str
    procedure_code: str


class PublishedResult(Frozen):
    """A result as the store keeps it (fields opened), with its life-cycle."""

    result_id: str
    document_type: str
    procedure_code: str
    client_id: str
    dossier_id: str
    fields: dict[str, Any]
    issued_on: date
    valid_until: date | None
    status: ResultStatus
    published_at: datetime
    document_uri: str
    digest: str
    supersedes: str | None = None
    superseded_by: str | None = None
    superseded_at: datetime | None = None
    revoked_at: datetime | None = None
    revocation_reason: str | None = None


class SealedSubject(Frozen):
    """A result's subject at rest: the scheme named, a keyed index, the value encrypted."""

    scheme: str
    ref: str
    sealed_value: str


class ResultStore(Protocol):
    """Where results live (SQL: persistence/results_repository). Sync: called in a thread.

    Conditional writes return False (or None) when the result is no longer active: a revoke or
    supersede that lost a race changes nothing.
    """

    def add(self, result: PublishedResult, subjects: Sequence[SealedSubject]) -> None:
        """Store a new active result with its subjects, in one transaction."""
        ...

    def get(self, result_id: str) -> PublishedResult | None:
        """Return the result, whatever its status (None if there is no such id)."""
        ...

    def subjects(self, result_id: str) -> list[SealedSubject]:
        """Return the result's subjects as stored."""
        ...

    def find(self, document_type: str, ref: str) -> list[PublishedResult]:
        """Return every result of `document_type` naming the subject indexed as `ref`."""
        ...

    def revoke(self, result_id: str, reason: str, at: datetime) -> PublishedResult | None:
        """Mark an active result revoked; None if it was not active."""
        ...

    def supersede(
        self, old_id: str, new: PublishedResult, subjects: Sequence[SealedSubject]
    ) -> bool:
        """Mark an active result superseded by `new` and store `new`, atomically."""
        ...

    def ping(self) -> None:
        """Raise unless the store can be read."""
        ...
