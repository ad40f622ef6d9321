"""Small hand-written fakes of our own ports (no mocks of our code)."""

from __future__ import annotations

from datetime import UTC, datetime

from shared_data.domain import Health, RegistryAnswer, RegistryRequest
from shared_data.errors import AuditUnavailableError
from shared_data.ports import AuditEntry


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
    """Keeps entries in a list; can be told to fail like an unwritable store."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []
        self.failing = False

    async def record(self, entry: AuditEntry) -> None:
        if self.failing:
            raise AuditUnavailableError("audit store is not writable")
        self.entries.append(entry)
