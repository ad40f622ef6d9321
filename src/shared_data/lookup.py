"""Lookup orchestration: validate, ask the registry's adapter, judge validity, audit, answer.

Every lookup, whatever its outcome, leaves one audit record before the answer is returned;
if the record cannot be written, `AuditUnavailableError` propagates and no data leaves.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from cachetools import LRUCache
from pydantic import Field

from shared_data.canonical import sha256_digest
from shared_data.catalog.models import Catalog, DocumentType, Procedure
from shared_data.catalog.queries import accepted_schemes
from shared_data.domain import (
    Document,
    Frozen,
    LookupResult,
    Outcome,
    Provenance,
    Purpose,
    RegistryAnswer,
    RegistryRecord,
    RegistryRequest,
    Subject,
    UnavailableReason,
)
from shared_data.errors import (
    DocumentRestrictedError,
    UnknownDocumentTypeError,
    UnknownLookupError,
    UnknownProcedureError,
    UnknownSchemeError,
)
from shared_data.grants import DENIED, Grant, GrantDeniedError, GrantGate
from shared_data.identifiers import validate_identifier
from shared_data.lookup_rules import check_restrictions, validated_qualifiers
from shared_data.minimise import minimise
from shared_data.pending import FINAL_OUTCOMES, collect_event_id, collect_from
from shared_data.ports import (
    AuditEntry,
    AuditLog,
    AuditStart,
    PendingLookup,
    PendingLookupStore,
    RegistryAdapter,
)
from shared_data.quotas import ENUMERATION_SUSPECTED, Quotas
from shared_data.validity import evaluate

# Released documents remembered (`LookupService._document`): a few MB at most.
DOCUMENT_MEMO_SIZE = 2048
# An unintegrated registry may be connected any day; ask callers to come back in an hour.
NOT_INTEGRATED_RETRY_AFTER_S = 3600.0


class LookupQuery(Frozen):
    """One question: does `document_type` exist for `subject`, for this purpose?"""

    document_type: str
    subject: Subject
    purpose: Purpose
    # The caller's own total deadline (seconds); the registry's default deadline caps it.
    deadline_s: float | None = Field(default=None, gt=0)
    # Extra keys by role, as the catalog's `qualifiers` declare (GCN_QSDD: the owner).
    qualifiers: dict[str, Subject] = Field(default_factory=dict)


def document_of(
    catalog: Catalog,
    doc: DocumentType,
    record: RegistryRecord,
    *,
    fields: Mapping[str, Any] | None = None,
) -> Document:
    """The document a found record releases (`fields`: the minimised ones, default all), with
    its URI and digest (also the results store's)."""
    source = record.fields if fields is None else fields
    # Only fields the catalog knows ever leave the service.
    fields = {name: source[name] for name in doc.fields if name in source}
    uri = catalog.document_uri(doc.id, record.record_id)
    digest = sha256_digest(
        {
            "document_type": doc.id,
            "document_uri": uri,
            "registry": doc.registry,
            "fields": fields,
            "issued_on": record.issued_on,
            "valid_until": record.valid_until,
        }
    )
    return Document.model_construct(
        document_type=doc.id, document_uri=uri, fields=fields, digest=digest
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


class LookupService:
    """Answers lookups; the one place that decides what leaves the service."""

    def __init__(
        self,
        catalog: Catalog,
        adapters: Mapping[str, RegistryAdapter],
        audit: AuditLog,
        *,
        grants: GrantGate,
        quotas: Quotas | None = None,
        pending: PendingLookupStore | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.catalog = catalog
        self.adapters = adapters
        self.audit = audit
        # Deny by default: there is no LookupService without a grant check.
        self.grants = grants
        self.quotas = quotas
        # Where pending answers wait to be collected; without it, `pending` is unavailable.
        self.pending = pending
        self.clock = clock
        # Released documents by (document type, record identity, grant fields): `_document`.
        self._documents: LRUCache[tuple[str, int, tuple[str, ...]], tuple[RegistryRecord, Document]]
        self._documents = LRUCache(maxsize=DOCUMENT_MEMO_SIZE)
        self._schemes: dict[str, frozenset[str]] = {}

    def resolve(self, query: LookupQuery) -> tuple[DocumentType, Procedure, LookupQuery]:
        """Check the query against the catalog; return it with subject and purpose completed."""
        doc = self.catalog.document_types.get(query.document_type)
        if doc is None:
            raise UnknownDocumentTypeError(f"Unknown document type '{query.document_type}'.")
        procedure = self.catalog.procedures.get(query.purpose.procedure_code)
        if procedure is None:
            raise UnknownProcedureError(f"Unknown procedure '{query.purpose.procedure_code}'.")
        today = self.clock().date()
        subject = self._validated_subject(doc, query.subject, today)
        qualifiers = validated_qualifiers(doc, query.qualifiers, today)
        purpose = query.purpose
        if not purpose.legal_basis:
            purpose = Purpose.model_construct(
                procedure_code=purpose.procedure_code,
                dossier_id=purpose.dossier_id,
                legal_basis=self._legal_basis(doc, procedure),
            )
        # Every part is validated already: assembled without validating them again (the hot
        # path; docs/PERFORMANCE.md).
        completed = LookupQuery.model_construct(
            document_type=query.document_type,
            subject=subject,
            purpose=purpose,
            deadline_s=query.deadline_s,
            qualifiers=qualifiers,
        )
        return doc, procedure, completed

    def _validated_subject(self, doc: DocumentType, subject: Subject, today: date) -> Subject:
        schemes = self._schemes.get(doc.id)
        if schemes is None:  # asked on every lookup; the catalog does not change
            schemes = self._schemes[doc.id] = accepted_schemes(self.catalog, doc.id)
        if subject.scheme not in schemes:
            raise UnknownSchemeError(
                f"Document type {doc.id} is looked up by {', '.join(sorted(schemes))}, "
                f"not by '{subject.scheme}'."
            )
        return validate_identifier(subject.scheme, subject.value, today=today)

    @staticmethod
    def _legal_basis(doc: DocumentType, procedure: Procedure) -> str | None:
        for requirement in procedure.requirements:
            if requirement.document_type == doc.id and requirement.basis:
                return requirement.basis
        return procedure.legal_basis or doc.legal_ref

    async def lookup(
        self, client_id: str, query: LookupQuery, *, request_id: str | None = None
    ) -> LookupResult:
        """Resolve, audit as pending, ask the registry, audit as completed, answer."""
        if self.quotas is not None:
            await self.quotas.take(client_id)  # QuotaExceededError: 429, nothing else done
        doc, procedure, query = self.resolve(query)
        lookup_id = uuid.uuid4().hex
        # The grant is checked before any cache read or registry call; a refusal is audited.
        grant = await self._authorize(client_id, lookup_id, doc, procedure, query, request_id)
        await self._check_restrictions(client_id, lookup_id, doc, query, request_id)
        flags = await self._flags(client_id, query)
        # A fresh cached answer asks no registry, so nothing is pending: its one record is the
        # completed one, and the answer still waits for it (one group commit, not two).
        peeked = self._peek(lookup_id, doc, query)
        answer = peeked
        if answer is None:
            # No registry is asked unless the pending record is durable, and no answer leaves
            # unless the completed one is: AuditUnavailableError stops the lookup either way.
            start = self._audit_start(client_id, lookup_id, doc, query, request_id)
            await self.audit.begin(start)
            answer = await self._ask(lookup_id, doc, query)
            answer = await self._keep_pending(client_id, lookup_id, doc, query, answer)
        # Only the grant's fields leave, and the digest covers what leaves (`_document`).
        result = self._result(lookup_id, doc, procedure, query, answer, grant.allowed_fields)
        entry = self._audit_entry(client_id, result, request_id, flags)
        await (self.audit.complete(entry) if peeked is None else self.audit.record(entry))
        return result

    async def _authorize(
        self,
        client_id: str,
        lookup_id: str,
        doc: DocumentType,
        procedure: Procedure,
        query: LookupQuery,
        request_id: str | None,
    ) -> Grant:
        try:
            return await self.grants.authorize(client_id, procedure, doc)
        except GrantDeniedError as exc:
            start = self._audit_start(client_id, lookup_id, doc, query, request_id)
            denied = AuditEntry(**start.model_dump(), outcome=DENIED, reason=exc.reason.value)
            await self.audit.record(denied)
            raise

    async def _check_restrictions(
        self,
        client_id: str,
        lookup_id: str,
        doc: DocumentType,
        query: LookupQuery,
        request_id: str | None,
    ) -> None:
        """A legal bar (LLTP_2 for individuals from 2026-07-01) refuses, audited as denied."""
        try:
            check_restrictions(doc, query.subject, self.clock().date())
        except DocumentRestrictedError as exc:
            start = self._audit_start(client_id, lookup_id, doc, query, request_id)
            await self.audit.record(
                AuditEntry(**start.model_dump(), outcome=DENIED, reason=exc.code)
            )
            raise

    async def _keep_pending(
        self,
        client_id: str,
        lookup_id: str,
        doc: DocumentType,
        query: LookupQuery,
        answer: RegistryAnswer,
    ) -> RegistryAnswer:
        """Keep a pending answer's ticket for `collect`, before the answer leaves."""
        if answer.outcome is not Outcome.PENDING:
            return answer
        if self.pending is None or not answer.ticket:
            # Nothing could redeem it later: say so rather than promise an answer.
            return RegistryAnswer.unavailable(
                UnavailableReason.NOT_INTEGRATED,
                answer.retrieved_at,
                detail=f"registry {doc.registry} answers later; this service cannot collect it",
            )
        pending = PendingLookup(
            lookup_id=lookup_id,
            client_id=client_id,
            registry=doc.registry,
            document_type=doc.id,
            ticket=answer.ticket,
            subject=query.subject,
            qualifiers=query.qualifiers,
            purpose=query.purpose,
            created_at=self.clock(),
        )
        await self.pending.add(pending)
        return answer

    async def collect(
        self, client_id: str, lookup_id: str, *, request_id: str | None = None
    ) -> LookupResult:
        """Collect a pending lookup: ask its registry again, answer like a lookup.

        Only the client that made the lookup may collect it (anyone else: unknown lookup).
        Each collect is audited as a read of its own (`collect_event_id`), after the grant and
        the restrictions are checked again; data goes through minimisation and validity.
        """
        if self.quotas is not None:
            await self.quotas.take(client_id)
        pending = await self.pending.get(lookup_id) if self.pending else None
        if pending is None or pending.client_id != client_id:
            raise UnknownLookupError(f"Unknown lookup '{lookup_id}'.")
        doc = self.catalog.document_types.get(pending.document_type)
        procedure = self.catalog.procedures.get(pending.purpose.procedure_code)
        if doc is None or procedure is None:
            raise UnknownLookupError(f"Lookup '{lookup_id}' is no longer in the catalog.")
        query = LookupQuery(
            document_type=doc.id,
            subject=pending.subject,
            qualifiers=pending.qualifiers,
            purpose=pending.purpose,
        )
        event_id = collect_event_id(lookup_id)
        grant = await self._authorize(client_id, event_id, doc, procedure, query, request_id)
        await self._check_restrictions(client_id, event_id, doc, query, request_id)
        await self.audit.begin(self._audit_start(client_id, event_id, doc, query, request_id))
        answer = await self._collect(pending)
        result = self._result(lookup_id, doc, procedure, query, answer, grant.allowed_fields)
        if answer.outcome in FINAL_OUTCOMES and self.pending is not None:
            await self.pending.settle(lookup_id, answer.outcome, self.clock())
        entry = self._audit_entry(client_id, result, request_id)
        await self.audit.complete(entry.model_copy(update={"lookup_id": event_id}))
        return result

    async def _collect(self, pending: PendingLookup) -> RegistryAnswer:
        request = RegistryRequest(
            lookup_id=pending.lookup_id,
            registry=pending.registry,
            document_type=pending.document_type,
            subject=pending.subject,
            qualifiers=pending.qualifiers,
        )
        return await collect_from(self.adapters.get(pending.registry), request, pending.ticket)

    async def _flags(self, client_id: str, query: LookupQuery) -> tuple[str, ...]:
        """Flags for the audit record: a client past its distinct-subject ceiling."""
        if self.quotas is None:
            return ()
        subject = query.subject
        over = await self.quotas.note_subject(client_id, subject.scheme, subject.value)
        return (ENUMERATION_SUSPECTED,) if over else ()

    def _peek(self, lookup_id: str, doc: DocumentType, query: LookupQuery) -> RegistryAnswer | None:
        """A fresh answer the registry's adapter holds (`CachePeek`), without asking it."""
        peek = getattr(self.adapters.get(doc.registry), "peek", None)
        return None if peek is None else peek(self._registry_request(lookup_id, doc, query))

    async def _ask(self, lookup_id: str, doc: DocumentType, query: LookupQuery) -> RegistryAnswer:
        adapter = self.adapters.get(doc.registry)
        if adapter is None:
            return RegistryAnswer.unavailable(
                UnavailableReason.NOT_INTEGRATED,
                self.clock(),
                detail=f"registry {doc.registry} is not integrated yet",
                retry_after=NOT_INTEGRATED_RETRY_AFTER_S,
            )
        return await adapter.lookup(self._registry_request(lookup_id, doc, query))

    @staticmethod
    def _registry_request(lookup_id: str, doc: DocumentType, query: LookupQuery) -> RegistryRequest:
        return RegistryRequest.model_construct(
            lookup_id=lookup_id,
            registry=doc.registry,
            document_type=doc.id,
            subject=query.subject,
            qualifiers=query.qualifiers,
            deadline_s=query.deadline_s,
        )

    def _result(
        self,
        lookup_id: str,
        doc: DocumentType,
        procedure: Procedure,
        query: LookupQuery,
        answer: RegistryAnswer,
        allowed_fields: tuple[str, ...],
    ) -> LookupResult:
        record = answer.record if answer.outcome is Outcome.FOUND else None
        # Built from validated parts (the query, the adapter's answer, the catalog): constructed
        # without validating them again.
        provenance = Provenance.model_construct(
            registry=doc.registry,
            source_record_id=record.record_id if record else None,
            retrieved_at=answer.retrieved_at,
            # A cache hit or a stale-if-error answer (its `detail` says so) is not live.
            live=not answer.served_from_cache,
            age_seconds=answer.age_seconds,
        )
        document = validity = None
        if record is not None:
            max_age = self._max_age(procedure, doc)
            validity = evaluate(doc.validity, record, self.clock().date(), max_age=max_age)
            document = self._document(doc, record, allowed_fields, answer.served_from_cache)
        return LookupResult.model_construct(
            lookup_id=lookup_id,
            status=answer.outcome,
            document_type=doc.id,
            subject=query.subject,
            purpose=query.purpose,
            provenance=provenance,
            qualifiers=query.qualifiers,
            document=document,
            validity=validity,
            reason=answer.reason,
            detail=answer.detail,
            retry_after=answer.retry_after,
        )

    def _document(
        self,
        doc: DocumentType,
        record: RegistryRecord,
        allowed_fields: tuple[str, ...],
        cached: bool,
    ) -> Document:
        """The document as this grant may receive it: only its fields, digested (minimise.py).

        Remembered per (record, grant fields): a cached record is released to the same grant
        again and again, and its canonical-JSON digest was ≈ 6 % of a cached lookup's CPU.
        Records are immutable, and the entry keeps its record, so identity is a safe key. Only
        records served from the adapters' cache are remembered: a live one is never seen again.
        """
        key = (doc.id, id(record), allowed_fields)
        known = self._documents.get(key) if cached else None
        if known is not None and known[0] is record:
            return known[1]
        document = document_of(
            self.catalog, doc, record, fields=minimise(record.fields, allowed_fields)
        )
        if cached:
            self._documents[key] = (record, document)
        return document

    @staticmethod
    def _max_age(procedure: Procedure, doc: DocumentType) -> str | None:
        for requirement in procedure.requirements:
            if requirement.document_type == doc.id and requirement.max_age:
                return requirement.max_age
        return None

    def _audit_start(
        self,
        client_id: str,
        lookup_id: str,
        doc: DocumentType,
        query: LookupQuery,
        request_id: str | None,
    ) -> AuditStart:
        return AuditStart(
            lookup_id=lookup_id,
            occurred_at=self.clock(),
            client_id=client_id,
            procedure_code=query.purpose.procedure_code,
            dossier_id=query.purpose.dossier_id,
            legal_basis=query.purpose.legal_basis,
            document_type=doc.id,
            registry=doc.registry,
            subject_scheme=query.subject.scheme,
            subject_value=query.subject.value,
            request_id=request_id,
        )

    def _audit_entry(
        self,
        client_id: str,
        result: LookupResult,
        request_id: str | None,
        flags: tuple[str, ...] = (),
    ) -> AuditEntry:
        return AuditEntry.model_construct(
            lookup_id=result.lookup_id,
            occurred_at=self.clock(),
            client_id=client_id,
            procedure_code=result.purpose.procedure_code,
            dossier_id=result.purpose.dossier_id,
            legal_basis=result.purpose.legal_basis,
            document_type=result.document_type,
            registry=result.provenance.registry,
            subject_scheme=result.subject.scheme,
            subject_value=result.subject.value,
            outcome=result.status,
            # Flags join the reason: that column is covered by the audit chain's hash.
            reason=",".join(filter(None, [result.reason, *flags])) or None,
            digest=result.document.digest if result.document else None,
            request_id=request_id,
        )
