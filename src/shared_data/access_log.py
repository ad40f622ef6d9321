"""The citizen access log: who looked at a subject's data, when, for what, and what came back.

Trust model. Only clients holding the citizen_portal role may read it. The portal is trusted to
have authenticated the citizen (VNeID) before it asks about that citizen's identifier, the way
a procedure backend is trusted with its dossier: it is registered by an admin under an
agreement, and every read is itself written to the audit chain (procedure `ACCESS_LOG`, the
portal's `authentication_ref` of the VNeID session it relied on kept as the dossier), so a
portal reading records of people who did not log in leaves evidence of it. A signed assertion
from the identity provider could replace this trust later without changing the answer.

Embargoes: records covered by a live embargo (an investigation, until a date) are withheld
until that date, without a trace in the answer; they stay in the audit chain meanwhile.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from shared_data.clients import Client, ClientRole
from shared_data.domain import Frozen, Subject
from shared_data.errors import PermissionDeniedError
from shared_data.identifiers import validate_identifier
from shared_data.ports import AuditEntry, AuditLog

ACCESS_LOG_PROCEDURE = "ACCESS_LOG"
ACCESS_LOG_DOCUMENT = "ACCESS_LOG"
ACCESS_LOG_REGISTRY = "AUDIT"
DISCLOSED = "disclosed"
ACCESS_LOG_BASIS = "Luật BVDLCN 91/2025/QH15: quyền được biết và truy cập dữ liệu cá nhân"
ACCESS_LOG_DENIED = "This client is not permitted to read the access log."


class AccessLogEntry(Frozen):
    """One lookup of a subject's data, as the subject may see it."""

    lookup_id: str
    occurred_at: datetime
    agency: str | None
    client_name: str | None
    procedure_code: str
    dossier_id: str | None
    document_type: str
    # found, not_found, unavailable, denied; or pending / abandoned if it never completed.
    outcome: str


class Embargo(Frozen):
    """Audit records withheld from the access log until `until` (every set scope must match)."""

    id: str
    subject_ref: str | None = None
    lookup_id: str | None = None
    dossier_id: str | None = None
    client_id: str | None = None
    reason: str
    until: datetime
    created_by: str
    created_at: datetime
    lifted_at: datetime | None = None


class AccessLogStore(Protocol):
    """Reads the audit records of one subject (SQL: persistence/access_log_repository)."""

    def subject_ref(self, scheme: str, value: str) -> str:
        """Return the keyed reference the audit log stores the subject under."""
        ...

    def entries_for(self, subject_ref: str, now: datetime, limit: int) -> list[AccessLogEntry]:
        """Return the subject's lookups newest first, without embargoed ones."""
        ...


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class AccessLogService:
    """Answers a citizen portal's question about one subject, and audits that it was asked."""

    def __init__(
        self,
        store: AccessLogStore,
        audit: AuditLog,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.audit = audit
        self.clock = clock

    async def read(
        self,
        client: Client,
        subject: Subject,
        authentication_ref: str,
        *,
        limit: int = 100,
        request_id: str | None = None,
    ) -> list[AccessLogEntry]:
        """Return who looked at `subject`; only for a citizen portal, and audited."""
        if not client.has_role(ClientRole.CITIZEN_PORTAL):
            raise PermissionDeniedError(ACCESS_LOG_DENIED)
        subject = validate_identifier(subject.scheme, subject.value, today=self.clock().date())
        ref = self.store.subject_ref(subject.scheme, subject.value)
        entries = await asyncio.to_thread(self.store.entries_for, ref, self.clock(), limit)
        # The answer leaves only once its own audit record is durable.
        await self.audit.record(self._audit_entry(client, subject, authentication_ref, request_id))
        return entries

    def _audit_entry(
        self, client: Client, subject: Subject, authentication_ref: str, request_id: str | None
    ) -> AuditEntry:
        return AuditEntry(
            lookup_id=uuid.uuid4().hex,
            occurred_at=self.clock(),
            client_id=client.id,
            procedure_code=ACCESS_LOG_PROCEDURE,
            dossier_id=authentication_ref,
            legal_basis=ACCESS_LOG_BASIS,
            document_type=ACCESS_LOG_DOCUMENT,
            registry=ACCESS_LOG_REGISTRY,
            subject_scheme=subject.scheme,
            subject_value=subject.value,
            outcome=DISCLOSED,
            request_id=request_id,
        )
