"""Ports: the interfaces the core needs from the outside world.

Real implementations live in `adapters` (registries) and `shared_data.persistence` (SQL);
unit tests use small hand-written fakes of these.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from pydantic import Field

from shared_data.domain import (
    Frozen,
    Health,
    Outcome,
    Purpose,
    RegistryAnswer,
    RegistryRequest,
    Subject,
)


@runtime_checkable
class RegistryAdapter(Protocol):
    """One authoritative registry behind the canonical model.

    `lookup` never raises for what the registry says or for transport failures: those are
    `found` / `not_found` / `unavailable` answers. Only core errors may come out.
    """

    @property
    def registry_id(self) -> str: ...

    @property
    def document_types(self) -> frozenset[str]: ...

    @property
    def schemes(self) -> frozenset[str]: ...

    async def lookup(self, request: RegistryRequest) -> RegistryAnswer: ...

    async def probe(self) -> Health: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class PendingCollector(Protocol):
    """An adapter whose registry may answer a lookup later (`pending` with a `ticket`).

    Optional, beside `RegistryAdapter`: the core checks it with isinstance. `collect` asks the
    registry about the ticket of an earlier `lookup(request)` and answers like a lookup:
    found, not_found, still pending (same ticket), or unavailable; it never raises for what
    the registry says or for transport failures.
    """

    async def collect(self, request: RegistryRequest, ticket: str) -> RegistryAnswer: ...


@runtime_checkable
class CachePeek(Protocol):
    """An adapter that can tell, without asking its registry, a fresh answer it holds.

    Optional, beside `RegistryAdapter` (the caching adapter and whatever wraps it). `peek`
    never calls the registry and never waits: a fresh cached answer (flagged
    `served_from_cache`), or None. The core audits a peeked answer with one record instead of
    a pending and a completed one: no registry is asked, so nothing is pending.
    """

    def peek(self, request: RegistryRequest) -> RegistryAnswer | None: ...


class AuditStart(Frozen):
    """A lookup about to ask its registry: what the audit log keeps while it is pending."""

    lookup_id: str
    occurred_at: datetime
    client_id: str
    procedure_code: str
    dossier_id: str | None
    legal_basis: str | None
    document_type: str
    registry: str
    subject_scheme: str
    subject_value: str
    request_id: str | None = None


class AuditEntry(AuditStart):
    """One lookup as the audit log keeps it once it has its outcome."""

    outcome: Outcome | str
    reason: str | None = None
    digest: str | None = None


class AuditLog(Protocol):
    """Append-only audit store: a lookup is begun (pending), then completed.

    Each method returns once its event is durable and raises AuditUnavailableError otherwise;
    a lookup whose completion never comes is marked abandoned by the store itself.
    """

    async def begin(self, start: AuditStart) -> None:
        """Record the lookup as pending, before its registry is asked."""
        ...

    async def complete(self, entry: AuditEntry) -> None:
        """Record the lookup's outcome, before its answer leaves."""
        ...

    async def record(self, entry: AuditEntry) -> None:
        """Record a lookup that has no registry step (say a refusal) as completed at once."""
        ...


class PendingLookup(Frozen):
    """A lookup its registry answers later: what is kept so that its client can collect it."""

    lookup_id: str
    client_id: str
    registry: str
    document_type: str
    # The registry's reference to redeem (LLTP's ma_yeu_cau).
    ticket: str
    subject: Subject
    qualifiers: dict[str, Subject] = Field(default_factory=dict)
    purpose: Purpose
    created_at: datetime
    # Set by the first collect that got a final outcome (found, not_found); kept after.
    completed_at: datetime | None = None
    outcome: Outcome | None = None


class PendingLookupStore(Protocol):
    """Where pending lookups wait to be collected (`GET /v1/lookups/{lookup_id}`).

    Implementations never keep a subject in clear (the SQL one keeps a keyed reference and a
    sealed copy); each method returns once its change is durable.
    """

    async def add(self, pending: PendingLookup) -> None:
        """Keep `pending` (before its `pending` answer leaves)."""
        ...

    async def get(self, lookup_id: str) -> PendingLookup | None:
        """The pending lookup `lookup_id`, or None if there is none."""
        ...

    async def settle(self, lookup_id: str, outcome: Outcome, at: datetime) -> None:
        """Record the first final outcome of `lookup_id` (later ones leave it as it is)."""
        ...
