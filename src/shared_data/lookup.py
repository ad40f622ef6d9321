"""Lookup orchestration: validate, ask the registry's adapter, judge validity, audit, answer.

Every lookup, whatever its outcome, leaves one audit record before the answer is returned;
if the record cannot be written, `AuditUnavailableError` propagates and no data leaves.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

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
from shared_data.errors import UnknownDocumentTypeError, UnknownProcedureError, UnknownSchemeError
from shared_data.identifiers import validate_identifier
from shared_data.ports import AuditEntry, AuditLog, RegistryAdapter
from shared_data.validity import evaluate

# An unintegrated registry may be connected any day; ask callers to come back in an hour.
NOT_INTEGRATED_RETRY_AFTER_S = 3600.0


class LookupQuery(Frozen):
    """One question: does `document_type` exist for `subject`, for this purpose?"""

    document_type: str
    subject: Subject
    purpose: Purpose


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
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.catalog = catalog
        self.adapters = adapters
        self.audit = audit
        self.clock = clock

    def resolve(self, query: LookupQuery) -> tuple[DocumentType, Procedure, LookupQuery]:
        """Check the query against the catalog; return it with subject and purpose completed."""
        doc = self.catalog.document_types.get(query.document_type)
        if doc is None:
            raise UnknownDocumentTypeError(f"Unknown document type '{query.document_type}'.")
        procedure = self.catalog.procedures.get(query.purpose.procedure_code)
        if procedure is None:
            raise UnknownProcedureError(
                f"Unknown procedure '{query.purpose.procedure_code}'."
            )
        subject = self._validated_subject(doc, query.subject)
        purpose = query.purpose.model_copy(
            update={"legal_basis": query.purpose.legal_basis or self._legal_basis(doc, procedure)}
        )
        return doc, procedure, query.model_copy(update={"subject": subject, "purpose": purpose})

    def _validated_subject(self, doc: DocumentType, subject: Subject) -> Subject:
        schemes = accepted_schemes(self.catalog, doc.id)
        if subject.scheme not in schemes:
            raise UnknownSchemeError(
                f"Document type {doc.id} is looked up by {', '.join(sorted(schemes))}, "
                f"not by '{subject.scheme}'."
            )
        return validate_identifier(subject.scheme, subject.value, today=self.clock().date())

    @staticmethod
    def _legal_basis(doc: DocumentType, procedure: Procedure) -> str | None:
        for requirement in procedure.requirements:
            if requirement.document_type == doc.id and requirement.basis:
                return requirement.basis
        return procedure.legal_basis or doc.legal_ref

    async def lookup(
        self, client_id: str, query: LookupQuery, *, request_id: str | None = None
    ) -> LookupResult:
        """Resolve, ask the registry, audit, answer."""
        doc, procedure, query = self.resolve(query)
        lookup_id = uuid.uuid4().hex
        answer = await self._ask(lookup_id, doc, query)
        result = self._result(lookup_id, doc, procedure, query, answer)
        await self.audit.record(self._audit_entry(client_id, result, request_id))
        return result

    async def _ask(self, lookup_id: str, doc: DocumentType, query: LookupQuery) -> RegistryAnswer:
        adapter = self.adapters.get(doc.registry)
        if adapter is None:
            return RegistryAnswer.unavailable(
                UnavailableReason.NOT_INTEGRATED,
                self.clock(),
                detail=f"registry {doc.registry} is not integrated yet",
                retry_after=NOT_INTEGRATED_RETRY_AFTER_S,
            )
        request = RegistryRequest(
            lookup_id=lookup_id,
            registry=doc.registry,
            document_type=doc.id,
            subject=query.subject,
        )
        return await adapter.lookup(request)

    def _result(
        self,
        lookup_id: str,
        doc: DocumentType,
        procedure: Procedure,
        query: LookupQuery,
        answer: RegistryAnswer,
    ) -> LookupResult:
        record = answer.record if answer.outcome is Outcome.FOUND else None
        provenance = Provenance(
            registry=doc.registry,
            source_record_id=record.record_id if record else None,
            retrieved_at=answer.retrieved_at,
            live=True,
            age_seconds=0.0,
        )
        base = LookupResult(
            lookup_id=lookup_id,
            status=answer.outcome,
            document_type=doc.id,
            subject=query.subject,
            purpose=query.purpose,
            provenance=provenance,
            reason=answer.reason,
            detail=answer.detail,
            retry_after=answer.retry_after,
        )
        if record is None:
            return base
        max_age = self._max_age(procedure, doc)
        validity = evaluate(doc.validity, record, self.clock().date(), max_age=max_age)
        return base.model_copy(
            update={"document": self._document(doc, record), "validity": validity}
        )

    def _document(self, doc: DocumentType, record: RegistryRecord) -> Document:
        # Only fields the catalog knows ever leave the service.
        fields = {name: record.fields[name] for name in doc.fields if name in record.fields}
        uri = self.catalog.document_uri(doc.id, record.record_id)
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
        return Document(document_type=doc.id, document_uri=uri, fields=fields, digest=digest)

    @staticmethod
    def _max_age(procedure: Procedure, doc: DocumentType) -> str | None:
        for requirement in procedure.requirements:
            if requirement.document_type == doc.id and requirement.max_age:
                return requirement.max_age
        return None

    def _audit_entry(
        self, client_id: str, result: LookupResult, request_id: str | None
    ) -> AuditEntry:
        return AuditEntry(
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
            reason=result.reason,
            digest=result.document.digest if result.document else None,
            request_id=request_id,
        )
