"""Publishing, revoking and superseding electronic results; every step audited.

Rights: publishing needs the `PublicationGate`'s yes for (client, issuing procedure, document
type). Only the client that published a result, or an admin, may revoke or supersede it; to
anyone else the result does not exist (UnknownResultError, the same as a wrong id: no oracle),
and the refusal is audited as `denied`.

Audit (see `results.audit`): before the store is written, one pending event per subject the
result names must be durable (AuditUnavailableError stops the step before any change); after
it, each completes as `published`, `revoked` or `superseded` (a supersession also completes
`published` events for the new result). A conditional write that lost a race completes as
`conflict` and changes nothing.

Which result a lookup finds is decided in `results.adapter` (latest active result wins).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol

from shared_data.catalog.models import Catalog, DocumentType, Procedure
from shared_data.catalog.queries import document_types_of_registry
from shared_data.clients import Client, ClientRole
from shared_data.domain import RegistryRecord, Subject
from shared_data.errors import (
    InvalidResultError,
    PermissionDeniedError,
    ResultNotActiveError,
    UnknownResultError,
)
from shared_data.grants import GrantDeniedError, GrantGate
from shared_data.lookup import document_of
from shared_data.ports import AuditLog
from shared_data.results.audit import About, ResultAudit
from shared_data.results.drafts import DOSSIER_SCHEME, PreparedResult, index_scheme, prepare
from shared_data.results.model import (
    PublishedResult,
    ResultDraft,
    ResultOutcome,
    ResultStatus,
    ResultStore,
    SealedSubject,
)
from shared_data.results.sealing import Sealer

RESULTS_REGISTRY = "HN_KHO"
HANOI = timezone(timedelta(hours=7))
DENIED_DETAIL = "This client is not permitted to publish this result."
_UNKNOWN = "No such result."


def utcnow() -> datetime:
    return datetime.now(UTC)


def subject_context(result_id: str, scheme: str) -> str:
    """What a sealed subject is bound to: its row (result and scheme)."""
    return json.dumps(["subject", result_id, scheme])


class PublicationGate(Protocol):
    """Who may publish a result of `doc` issued by `procedure` (raise to refuse)."""

    async def authorize_publication(
        self, client: Client, procedure: Procedure, doc: DocumentType
    ) -> None: ...


class GrantPublicationGate:
    """Publishing needs a live grant naming the result's document type for its procedure.

    The grants model has one kind of grant (to look up); a grant that names a document type
    exactly, for the procedure issuing it, is read as the right to publish it (a wildcard
    grant reads, it does not issue). A dedicated publication grant would replace this class
    and nothing else.
    """

    def __init__(self, grants: GrantGate) -> None:
        self._grants = grants

    async def authorize_publication(
        self, client: Client, procedure: Procedure, doc: DocumentType
    ) -> None:
        grant = await self._grants.authorize(client.id, procedure, doc)
        if grant.document_type != doc.id:
            raise PermissionDeniedError(DENIED_DETAIL)


class ResultsService:
    """The results store's use cases, for the document types of `registry` (the Kho)."""

    def __init__(
        self,
        catalog: Catalog,
        store: ResultStore,
        sealer: Sealer,
        audit: AuditLog,
        gate: PublicationGate,
        *,
        registry: str = RESULTS_REGISTRY,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.catalog, self.store, self.sealer = catalog, store, sealer
        self.gate, self.clock, self.registry = gate, clock, registry
        self.document_types = frozenset(d.id for d in document_types_of_registry(catalog, registry))
        holder = catalog.registries.get(registry)
        # Results are kept under the Kho's legal basis (Decree 45/2020 Art. 16, Circ. 01/2023).
        basis = holder.published_scope_ref if holder else None
        self.audit = ResultAudit(audit, registry, basis, clock)

    def _today(self) -> date:
        """Today in Hanoi: a result issued this morning there may still be yesterday in UTC."""
        return self.clock().astimezone(HANOI).date()

    def ref(self, subject: Subject) -> str:
        """The index under which results naming `subject` are found."""
        return self.sealer.ref(index_scheme(self.catalog, subject.scheme), subject.value)

    async def publish(
        self, client: Client, draft: ResultDraft, *, request_id: str | None = None
    ) -> PublishedResult:
        """Check, authorise, store and audit a new result; lookups find it at once."""
        prepared = prepare(self.catalog, self.document_types, draft, self._today())
        await self._authorize(client, prepared, request_id)
        result, sealed = self._new(client.id, prepared)
        about = About.result(client.id, result)
        starts = await self.audit.begin(about, prepared.named, request_id)
        await asyncio.to_thread(self.store.add, result, sealed)
        await self.audit.complete(starts, ResultOutcome.PUBLISHED, about)
        return result

    async def revoke(
        self, client: Client, result_id: str, reason: str, *, request_id: str | None = None
    ) -> PublishedResult:
        """Revoke an active result: from now on lookups find it void."""
        current, subjects = await self._owned(client, result_id, request_id)
        _require_active(current)
        about = About.result(client.id, current)
        starts = await self.audit.begin(about, subjects, request_id)
        revoked = await asyncio.to_thread(self.store.revoke, result_id, reason, self.clock())
        if revoked is None:
            await self.audit.complete(starts, ResultOutcome.CONFLICT, about)
            raise ResultNotActiveError("The result was revoked or superseded meanwhile.")
        await self.audit.complete(starts, ResultOutcome.REVOKED, about)
        return revoked

    async def supersede(
        self, client: Client, result_id: str, draft: ResultDraft, *, request_id: str | None = None
    ) -> PublishedResult:
        """Publish `draft` in place of an active result; return the new result."""
        current, old_subjects = await self._owned(client, result_id, request_id)
        prepared = prepare(self.catalog, self.document_types, draft, self._today())
        if prepared.doc.id != current.document_type:
            raise InvalidResultError("A result is superseded by one of the same document type.")
        if not client.has_role(ClientRole.ADMIN):  # an admin corrects; it issues nothing
            await self._authorize(client, prepared, request_id)
        _require_active(current)
        # The new result stays its publisher's, also when an admin made the correction.
        new, sealed = self._new(current.client_id, prepared, supersedes=result_id)
        old = About.result(client.id, current.model_copy(update={"superseded_by": new.result_id}))
        fresh = About.result(client.id, new)
        old_starts = await self.audit.begin(old, old_subjects, request_id)
        new_starts = await self.audit.begin(fresh, prepared.named, request_id)
        if not await asyncio.to_thread(self.store.supersede, result_id, new, sealed):
            await self.audit.complete(old_starts, ResultOutcome.CONFLICT, old)
            await self.audit.complete(new_starts, ResultOutcome.CONFLICT, fresh)
            raise ResultNotActiveError("The result was revoked or superseded meanwhile.")
        await self.audit.complete(old_starts, ResultOutcome.SUPERSEDED, old)
        await self.audit.complete(new_starts, ResultOutcome.PUBLISHED, fresh)
        return new

    # --- steps ---------------------------------------------------------------------------

    async def _authorize(
        self, client: Client, prepared: PreparedResult, request_id: str | None
    ) -> None:
        try:
            await self.gate.authorize_publication(client, prepared.procedure, prepared.doc)
        except PermissionDeniedError as exc:
            why = exc.reason.value if isinstance(exc, GrantDeniedError) else "not_permitted"
            about = About(client.id, prepared.procedure.code, prepared.dossier_id, prepared.doc.id)
            await self.audit.record(about, prepared.named, ResultOutcome.DENIED, why, request_id)
            raise PermissionDeniedError(DENIED_DETAIL) from exc

    async def _owned(
        self, client: Client, result_id: str, request_id: str | None
    ) -> tuple[PublishedResult, tuple[Subject, ...]]:
        """The result and its subjects, if `client` may act on it; else UnknownResultError."""
        current = await asyncio.to_thread(self.store.get, result_id)
        if current is None:
            raise UnknownResultError(_UNKNOWN)
        subjects = self._named(current, await asyncio.to_thread(self.store.subjects, result_id))
        if current.client_id != client.id and not client.has_role(ClientRole.ADMIN):
            about = About.result(client.id, current)
            note = "not the publisher"
            await self.audit.record(about, subjects, ResultOutcome.DENIED, note, request_id)
            raise UnknownResultError(_UNKNOWN)
        return current, subjects

    def _new(
        self, client_id: str, prepared: PreparedResult, supersedes: str | None = None
    ) -> tuple[PublishedResult, list[SealedSubject]]:
        result_id = f"kq{uuid.uuid4().hex}"
        record = RegistryRecord(
            record_id=result_id,
            fields=prepared.fields,
            issued_on=prepared.issued_on,
            valid_until=prepared.valid_until,
        )
        # The URI and digest a lookup releasing every field will show.
        document = document_of(self.catalog, prepared.doc, record)
        result = PublishedResult(
            result_id=result_id,
            document_type=prepared.doc.id,
            procedure_code=prepared.procedure.code,
            client_id=client_id,
            dossier_id=prepared.dossier_id,
            fields=document.fields,
            issued_on=prepared.issued_on,
            valid_until=prepared.valid_until,
            status=ResultStatus.ACTIVE,
            published_at=self.clock(),
            document_uri=document.document_uri,
            digest=document.digest,
            supersedes=supersedes,
        )
        return result, [self._seal(result_id, subject) for subject in prepared.indexed]

    def _seal(self, result_id: str, subject: Subject) -> SealedSubject:
        context = subject_context(result_id, subject.scheme)
        token = self.sealer.seal(subject.value.encode(), context)
        return SealedSubject(scheme=subject.scheme, ref=self.ref(subject), sealed_value=token)

    def _named(
        self, result: PublishedResult, sealed: Sequence[SealedSubject]
    ) -> tuple[Subject, ...]:
        """The subjects to audit: those the publisher named (the dossier's only if alone)."""
        opened = [Subject(scheme=s.scheme, value=self._open(result.result_id, s)) for s in sealed]
        named = [s for s in opened if s.scheme != DOSSIER_SCHEME]
        return tuple(named or opened)

    def _open(self, result_id: str, subject: SealedSubject) -> str:
        context = subject_context(result_id, subject.scheme)
        return self.sealer.open(subject.sealed_value, context).decode()


def _require_active(result: PublishedResult) -> None:
    if result.status is not ResultStatus.ACTIVE:
        raise ResultNotActiveError(f"The result is already {result.status.value}.")
