"""Ports: the interfaces the core needs from the outside world.

Real implementations live in `adapters` (registries) and `shared_data.persistence` (SQL);
unit tests use small hand-written fakes of these.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from shared_data.domain import Frozen, Health, Outcome, RegistryAnswer, RegistryRequest


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


class AuditEntry(Frozen):
    """One lookup as the audit log keeps it."""

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
    outcome: Outcome | str
    reason: str | None = None
    digest: str | None = None
    request_id: str | None = None


class AuditLog(Protocol):
    """Append-only audit store."""

    async def record(self, entry: AuditEntry) -> None:
        """Return once the entry is durable; raise AuditUnavailableError otherwise."""
        ...
