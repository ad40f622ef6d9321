"""The audit trail of results, through the ordinary audit port (`AuditLog`).

One audit event per subject a result names, so that each data subject finds in the audit log
what was done with results about them (a co-owned permit leaves one event per co-owner).
The record's `reason` names the result ("result <id>[ superseded by <id>][: note]"), `digest`
is the result's, and `outcome` one of `ResultOutcome` (published, revoked, superseded,
denied, conflict), next to the lookups' found / not_found / unavailable.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from shared_data.domain import Subject
from shared_data.ports import AuditEntry, AuditLog, AuditStart
from shared_data.results.model import PublishedResult, ResultOutcome


@dataclass(frozen=True, slots=True)
class About:
    """What an audit event of a result is about, besides its subject."""

    client_id: str
    procedure_code: str
    dossier_id: str | None
    document_type: str
    result_id: str | None = None
    digest: str | None = None
    superseded_by: str | None = None

    @classmethod
    def result(cls, client_id: str, result: PublishedResult) -> About:
        return cls(
            client_id,
            result.procedure_code,
            result.dossier_id,
            result.document_type,
            result.result_id,
            result.digest,
            result.superseded_by,
        )

    def reason(self, note: str | None = None) -> str:
        text = f"result {self.result_id}" if self.result_id else "no result"
        if self.superseded_by:
            text += f" superseded by {self.superseded_by}"
        return f"{text}: {note}" if note else text


class ResultAudit:
    """Begin, complete or record the audit events of one step on one result."""

    def __init__(
        self,
        audit: AuditLog,
        registry: str,
        legal_basis: str | None,
        clock: Callable[[], datetime],
    ) -> None:
        self._audit, self._registry, self._legal_basis = audit, registry, legal_basis
        self._clock = clock

    def _start(self, about: About, subject: Subject, request_id: str | None) -> AuditStart:
        return AuditStart(
            lookup_id=uuid.uuid4().hex,
            occurred_at=self._clock(),
            client_id=about.client_id,
            procedure_code=about.procedure_code,
            dossier_id=about.dossier_id,
            legal_basis=self._legal_basis,
            document_type=about.document_type,
            registry=self._registry,
            subject_scheme=subject.scheme,
            subject_value=subject.value,
            request_id=request_id,
        )

    async def begin(
        self, about: About, subjects: Sequence[Subject], request_id: str | None
    ) -> list[AuditStart]:
        """Pending events, durable before the store is written."""
        starts = [self._start(about, subject, request_id) for subject in subjects]
        await asyncio.gather(*(self._audit.begin(start) for start in starts))
        return starts

    async def complete(
        self,
        starts: Sequence[AuditStart],
        outcome: ResultOutcome,
        about: About,
        note: str | None = None,
    ) -> None:
        """The events' outcome, durable before the answer leaves."""
        await asyncio.gather(
            *(self._audit.complete(self._entry(s, outcome, about, note)) for s in starts)
        )

    async def record(
        self,
        about: About,
        subjects: Sequence[Subject],
        outcome: ResultOutcome,
        note: str,
        request_id: str | None,
    ) -> None:
        """Events with no store step (a refusal), completed at once."""
        starts = [self._start(about, subject, request_id) for subject in subjects]
        await asyncio.gather(
            *(self._audit.record(self._entry(s, outcome, about, note)) for s in starts)
        )

    def _entry(
        self, start: AuditStart, outcome: ResultOutcome, about: About, note: str | None
    ) -> AuditEntry:
        values = start.model_dump() | {"occurred_at": self._clock()}
        return AuditEntry(
            **values, outcome=outcome.value, reason=about.reason(note), digest=about.digest
        )
