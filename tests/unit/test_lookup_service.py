"""LookupService with fakes: outcomes, validity, minimal forwarding, audit before answer."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from shared_data.catalog import load_catalog
from shared_data.domain import (
    Outcome,
    Purpose,
    RegistryAnswer,
    RegistryRecord,
    RegistryRequest,
    Subject,
    UnavailableReason,
)
from shared_data.errors import (
    AuditUnavailableError,
    InvalidIdentifierError,
    UnknownDocumentTypeError,
    UnknownProcedureError,
    UnknownSchemeError,
)
from shared_data.lookup import LookupQuery, LookupService
from tests.fakes import AllowAllGrants, FakeAdapter, FakeAuditLog

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
CHILD = "001225956789"


@pytest.fixture(scope="module")
def catalog():  # type: ignore[no-untyped-def]
    return load_catalog()


def birth_record() -> RegistryRecord:
    return RegistryRecord(
        record_id="UBND-PMM1/2025/000123",
        fields={"full_name": "Nguyễn Minh Thí", "dob": "2025-08-20", "secret_extra": "x"},
        issued_on=date(2025, 8, 25),
    )


def query(doc: str = "KHAI_SINH", value: str = CHILD, procedure: str = "P02") -> LookupQuery:
    return LookupQuery(
        document_type=doc,
        subject=Subject(scheme="PIN", value=value),
        purpose=Purpose(procedure_code=procedure, dossier_id="D-1"),
    )


def service(catalog, answers=None):  # type: ignore[no-untyped-def]
    adapter = FakeAdapter("HOTICH", answers)
    audit = FakeAuditLog()
    svc = LookupService(
        catalog, {"HOTICH": adapter}, audit, grants=AllowAllGrants(), clock=lambda: NOW
    )
    return svc, adapter, audit


async def test_found_document_carries_validity_provenance_uri_and_digest(catalog) -> None:  # type: ignore[no-untyped-def]
    svc, _, audit = service(
        catalog, {("KHAI_SINH", CHILD): RegistryAnswer.found(birth_record(), NOW)}
    )
    result = await svc.lookup("client-1", query())
    assert result.status is Outcome.FOUND
    assert result.document is not None and result.validity is not None
    assert result.document.fields["full_name"] == "Nguyễn Minh Thí"
    assert "secret_extra" not in result.document.fields  # fields the catalog does not know stay out
    assert result.document.document_uri == "vn.gov.hotich-KHAI_SINH-UBND-PMM1/2025/000123"
    assert result.document.digest.startswith("sha256:") and len(result.document.digest) == 71
    assert result.validity.reusable
    assert result.provenance.source_record_id == "UBND-PMM1/2025/000123"
    assert [e.outcome for e in audit.entries] == [Outcome.FOUND]
    assert audit.entries[0].digest == result.document.digest


async def test_digest_is_stable_for_the_same_document(catalog) -> None:  # type: ignore[no-untyped-def]
    svc, _, _ = service(catalog, {("KHAI_SINH", CHILD): RegistryAnswer.found(birth_record(), NOW)})
    first = await svc.lookup("c", query())
    second = await svc.lookup("c", query())
    assert first.document and second.document
    assert first.document.digest == second.document.digest
    assert first.lookup_id != second.lookup_id


async def test_not_found_is_audited_and_carries_no_document(catalog) -> None:  # type: ignore[no-untyped-def]
    svc, _, audit = service(catalog)
    result = await svc.lookup("c", query(value="001090999999"))
    assert result.status is Outcome.NOT_FOUND and result.document is None
    assert audit.entries[0].outcome is Outcome.NOT_FOUND


async def test_unavailable_registry_is_never_reported_as_not_found(catalog) -> None:  # type: ignore[no-untyped-def]
    down = RegistryAnswer.unavailable(UnavailableReason.TIMEOUT, NOW, retry_after=5)
    svc, _, audit = service(catalog, {("KHAI_SINH", CHILD): down})
    result = await svc.lookup("c", query())
    assert result.status is Outcome.UNAVAILABLE
    assert result.reason is UnavailableReason.TIMEOUT and result.retry_after == 5
    assert audit.entries[0].reason == "timeout"


async def test_registry_without_adapter_is_unavailable_not_integrated(catalog) -> None:  # type: ignore[no-untyped-def]
    svc, _, audit = service(catalog)
    result = await svc.lookup("c", query(doc="CCCD", procedure="P03"))
    assert result.status is Outcome.UNAVAILABLE
    assert result.reason is UnavailableReason.NOT_INTEGRATED
    assert len(audit.entries) == 1


async def test_no_answer_leaves_when_the_audit_store_fails(catalog) -> None:  # type: ignore[no-untyped-def]
    svc, _, audit = service(
        catalog, {("KHAI_SINH", CHILD): RegistryAnswer.found(birth_record(), NOW)}
    )
    audit.failing = True
    with pytest.raises(AuditUnavailableError):
        await svc.lookup("c", query())


async def test_legal_basis_defaults_from_the_catalog(catalog) -> None:  # type: ignore[no-untyped-def]
    svc, _, audit = service(catalog)
    result = await svc.lookup("c", query(doc="KET_HON", procedure="P01"))
    assert result.purpose.legal_basis  # P01 names NĐ 07/2025 for the parents' marriage
    assert audit.entries[0].legal_basis == result.purpose.legal_basis


@pytest.mark.parametrize(
    ("q", "error"),
    [
        (query(doc="NO_SUCH_DOC"), UnknownDocumentTypeError),
        (query(procedure="P99"), UnknownProcedureError),
        (query(value="00122595678"), InvalidIdentifierError),
        (
            LookupQuery(
                document_type="KHAI_SINH",
                subject=Subject(scheme="MST", value="0199900018"),
                purpose=Purpose(procedure_code="P02"),
            ),
            UnknownSchemeError,
        ),
    ],
)
async def test_caller_mistakes_are_refused_before_any_registry_call(catalog, q, error) -> None:  # type: ignore[no-untyped-def]
    svc, adapter, audit = service(catalog)
    with pytest.raises(error):
        await svc.lookup("c", q)
    assert adapter.requests == [] and audit.entries == [] and audit.started == []


class PendingCheckingAdapter(FakeAdapter):
    """Notes which lookups the audit holds as pending at the moment the registry is asked."""

    def __init__(self, audit: FakeAuditLog) -> None:
        super().__init__("HOTICH")
        self.audit = audit
        self.pending_when_asked: list[list[str]] = []

    async def lookup(self, request: RegistryRequest) -> RegistryAnswer:
        self.pending_when_asked.append(list(self.audit.pending))
        return await super().lookup(request)


async def test_the_lookup_is_pending_in_the_audit_before_the_registry_is_asked(catalog) -> None:  # type: ignore[no-untyped-def]
    audit = FakeAuditLog()
    adapter = PendingCheckingAdapter(audit)
    svc = LookupService(
        catalog, {"HOTICH": adapter}, audit, grants=AllowAllGrants(), clock=lambda: NOW
    )
    result = await svc.lookup("c", query(), request_id="req-1")
    assert adapter.pending_when_asked == [[result.lookup_id]]
    assert audit.pending == []
    (start,) = audit.started
    (entry,) = audit.entries
    assert start.lookup_id == entry.lookup_id == adapter.requests[0].lookup_id
    assert (start.client_id, start.procedure_code, start.dossier_id) == ("c", "P02", "D-1")
    assert (start.subject_value, start.registry, start.request_id) == (CHILD, "HOTICH", "req-1")
    assert start.legal_basis == entry.legal_basis and start.legal_basis


async def test_no_registry_is_asked_when_the_pending_record_cannot_be_written(catalog) -> None:  # type: ignore[no-untyped-def]
    found = {("KHAI_SINH", CHILD): RegistryAnswer.found(birth_record(), NOW)}
    svc, adapter, audit = service(catalog, found)
    audit.failing = True
    with pytest.raises(AuditUnavailableError):
        await svc.lookup("c", query())
    assert adapter.requests == []
    assert audit.started == [] and audit.entries == []


async def test_no_answer_leaves_when_the_completion_cannot_be_written(catalog) -> None:  # type: ignore[no-untyped-def]
    found = {("KHAI_SINH", CHILD): RegistryAnswer.found(birth_record(), NOW)}
    svc, adapter, audit = service(catalog, found)
    audit.failing_complete = True
    with pytest.raises(AuditUnavailableError):
        await svc.lookup("c", query())
    assert len(adapter.requests) == 1  # the registry was asked, but its answer stays inside
    assert audit.pending == [adapter.requests[0].lookup_id] and audit.entries == []
