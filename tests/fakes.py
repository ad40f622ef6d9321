"""Small hand-written fakes of our own ports (no mocks of our code)."""

from __future__ import annotations

from datetime import UTC, datetime

from shared_data.catalog.models import DocumentType, Procedure
from shared_data.clients import ClientRole
from shared_data.domain import Health, Outcome, RegistryAnswer, RegistryRequest
from shared_data.errors import AuditUnavailableError
from shared_data.grants import Entitlements, Grant
from shared_data.ports import AuditEntry, AuditStart, PendingLookup


class FakeAdapter:
    """Answers from a dict keyed by (document_type, subject value); counts calls."""

    def __init__(
        self, registry_id: str, answers: dict[tuple[str, str], RegistryAnswer] | None = None
    ) -> None:
        self.registry_id = registry_id
        self.document_types: frozenset[str] = frozenset()
        self.schemes: frozenset[str] = frozenset()
        self.answers = answers or {}
        self.requests: list[RegistryRequest] = []

    async def lookup(self, request: RegistryRequest) -> RegistryAnswer:
        self.requests.append(request)
        key = (request.document_type, request.subject.value)
        return self.answers.get(key) or RegistryAnswer.not_found(datetime.now(UTC))

    async def probe(self) -> Health:
        return Health(registry=self.registry_id, ok=True, checked_at=datetime.now(UTC))

    async def aclose(self) -> None:
        return None


class FakeAuditLog:
    """Keeps events in lists; can be told to fail like an unwritable store.

    `started` holds begun (pending) lookups, `entries` completed ones; `failing` fails every
    call, `failing_complete` only completions (the registry was asked, the answer must not go).
    """

    def __init__(self) -> None:
        self.started: list[AuditStart] = []
        self.entries: list[AuditEntry] = []
        self.failing = False
        self.failing_complete = False

    async def begin(self, start: AuditStart) -> None:
        if self.failing:
            raise AuditUnavailableError("audit store is not writable")
        self.started.append(start)

    async def complete(self, entry: AuditEntry) -> None:
        if self.failing or self.failing_complete:
            raise AuditUnavailableError("audit store is not writable")
        self.entries.append(entry)

    async def record(self, entry: AuditEntry) -> None:
        if self.failing:
            raise AuditUnavailableError("audit store is not writable")
        self.entries.append(entry)

    @property
    def pending(self) -> list[str]:
        """Lookup ids begun and not completed."""
        done = {entry.lookup_id for entry in self.entries}
        return [start.lookup_id for start in self.started if start.lookup_id not in done]


class AllowAllGrants:
    """A grant gate that grants every lookup all of its document type's catalog fields.

    For tests about something else than grants; tests about grants use the real GrantPolicy
    over `FakeGrantStore`.
    """

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str]] = []

    async def authorize(self, client_id: str, procedure: Procedure, doc: DocumentType) -> Grant:
        self.asked.append((client_id, procedure.code, doc.id))
        return Grant(
            id=f"all-{procedure.code}-{doc.id}",
            client_id=client_id,
            procedure_code=procedure.code,
            document_type=doc.id,
            allowed_fields=tuple(doc.fields),
            legal_basis="test",
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )


class FakeGrantStore:
    """Entitlements from dicts; counts how often it is asked (the cache's work)."""

    def __init__(self) -> None:
        self.roles: dict[str, frozenset[ClientRole]] = {}
        self.grants: dict[str, list[Grant]] = {}
        self.disabled: set[str] = set()
        self.calls = 0

    def add_client(self, client_id: str, *roles: ClientRole) -> None:
        self.roles[client_id] = frozenset(roles)

    def grant(
        self, client_id: str, procedure: str, document_type: str, fields: tuple[str, ...]
    ) -> Grant:
        grant = Grant(
            id=f"g{sum(len(g) for g in self.grants.values()) + 1}",
            client_id=client_id,
            procedure_code=procedure,
            document_type=document_type,
            allowed_fields=fields,
            legal_basis="test basis",
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        self.grants.setdefault(client_id, []).append(grant)
        return grant

    def entitlements(self, client_id: str) -> Entitlements:
        self.calls += 1
        if client_id not in self.roles:
            return Entitlements(client_id=client_id, exists=False)
        return Entitlements(
            client_id=client_id,
            roles=self.roles[client_id],
            disabled=client_id in self.disabled,
            grants=tuple(self.grants.get(client_id, ())),
        )


class FakePendingLookups:
    """The `PendingLookupStore` port in a dict; `settled` records each settle call."""

    def __init__(self) -> None:
        self.kept: dict[str, PendingLookup] = {}
        self.settled: list[tuple[str, Outcome]] = []

    async def add(self, pending: PendingLookup) -> None:
        self.kept[pending.lookup_id] = pending

    async def get(self, lookup_id: str) -> PendingLookup | None:
        return self.kept.get(lookup_id)

    async def settle(self, lookup_id: str, outcome: Outcome, at: datetime) -> None:
        self.settled.append((lookup_id, outcome))
        kept = self.kept[lookup_id]
        if kept.completed_at is None:
            self.kept[lookup_id] = kept.model_copy(update={"completed_at": at, "outcome": outcome})
