"""The grant matrix with fakes: every client x every catalog procedure x every document type.

An independent oracle (written from the rule, not from `decide`) says what each cell must do.
A refused cell must raise the one 403 error, be audited as denied, and reach no adapter: the
counting adapters stand for the registry and for the cache (which wraps each adapter), so zero
calls means zero cache reads and zero registry calls. An allowed cell must release only fields
of its grant.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest

from shared_data.catalog import Catalog
from shared_data.clients import ClientRole
from shared_data.domain import (
    Health,
    Outcome,
    Purpose,
    RegistryAnswer,
    RegistryRecord,
    RegistryRequest,
    Subject,
)
from shared_data.errors import DocumentRestrictedError
from shared_data.grants import (
    ANY_DOCUMENT_TYPE,
    DENIED,
    DENIED_DETAIL,
    GrantDeniedError,
    GrantPolicy,
    needed_document_types,
)
from shared_data.identifiers import validate_identifier
from shared_data.lookup import LookupQuery, LookupService
from tests.fakes import FakeAuditLog, FakeGrantStore

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
BACKEND, OPS, ADMIN, PORTAL = (
    ClientRole.PROCEDURE_BACKEND,
    ClientRole.OPS,
    ClientRole.ADMIN,
    ClientRole.CITIZEN_PORTAL,
)
# Schemes whose catalog entry has no synthetic example.
EXTRA_EXAMPLES = {
    "HEALTH_DOC_NO": "CS-2025-000123",
    "HKD_REG_NO": "0199900018",
    "DL_NO": "010123456789",
    "PLATE_NO": "30A-123.45",
    "DOSSIER_NO": "H01.12-260301-0001",
}
ROLES = {
    "registry-office": {BACKEND},
    "business-desk": {BACKEND, OPS},
    "ops-admin": {OPS, ADMIN},
    "portal": {PORTAL},
    "retired": {BACKEND},
}


class CountingAdapter:
    """Finds every document with all its catalog fields plus one the catalog does not know."""

    def __init__(self, registry_id: str, catalog: Catalog, calls: Counter[str]) -> None:
        self.registry_id = registry_id
        self.document_types: frozenset[str] = frozenset()
        self.schemes: frozenset[str] = frozenset()
        self._catalog = catalog
        self._calls = calls

    async def lookup(self, request: RegistryRequest) -> RegistryAnswer:
        self._calls[self.registry_id] += 1
        doc = self._catalog.document_types[request.document_type]
        fields = {name: f"v-{name}" for name in doc.fields} | {"not_in_catalog": 1}
        record = RegistryRecord(record_id="R-1", fields=fields, issued_on=date(2026, 1, 2))
        return RegistryAnswer.found(record, NOW)

    async def probe(self) -> Health:
        return Health(registry=self.registry_id, ok=True, checked_at=NOW)

    async def aclose(self) -> None:
        return None


def grant_table(catalog: Catalog) -> dict[tuple[str, str, str], tuple[str, ...]]:
    """(client, procedure, document type or "*") -> allowed fields: five different profiles."""
    table: dict[tuple[str, str, str], tuple[str, ...]] = {}
    codes = sorted(catalog.procedures)
    for code in codes[: len(codes) // 2]:
        for doc_id in needed_document_types(catalog.procedures[code]):
            fields = tuple(catalog.document_types[doc_id].fields)
            for client in ("registry-office", "ops-admin", "retired"):
                table[(client, code, doc_id)] = (
                    fields[:3] if client == "registry-office" else fields
                )
    for code in codes[len(codes) // 2 :]:
        needed = needed_document_types(catalog.procedures[code])
        union = sorted({f for d in needed for f in catalog.document_types[d].fields})
        table[("business-desk", code, ANY_DOCUMENT_TYPE)] = tuple(union)
    table[("business-desk", "P02", "KHAI_SINH")] = ("full_name",)  # named, not needed by P02
    table[("portal", "P02", "CT07")] = ("pin",)
    return table


def expected_fields(
    catalog: Catalog, table: dict[tuple[str, str, str], tuple[str, ...]], cell: tuple[str, str, str]
) -> tuple[str, ...] | None:
    """The oracle: the fields a cell releases, or None if it must be refused."""
    client, code, doc_id = cell
    if BACKEND not in ROLES[client] or client == "retired":
        return None
    if cell in table:
        return table[cell]
    if doc_id in needed_document_types(catalog.procedures[code]):
        return table.get((client, code, ANY_DOCUMENT_TYPE))
    return None


def qualifiers_for(catalog: Catalog, doc_id: str) -> dict[str, Subject]:
    """A valid value for each qualifier the document type takes (GCN_QSDD: its owner)."""
    return {
        q.role: validate_identifier(q.schemes[0], subject_for_scheme(catalog, q.schemes[0]))
        for q in catalog.document_types[doc_id].qualifiers
    }


def subject_for_scheme(catalog: Catalog, scheme: str) -> str:
    examples = [e.value for e in catalog.schemes[scheme].synthetic_examples]
    return (examples or [EXTRA_EXAMPLES[scheme]])[0]


def subject_for(catalog: Catalog, doc_id: str) -> Subject:
    scheme = catalog.document_types[doc_id].key
    examples = [e.value for e in catalog.schemes[scheme].synthetic_examples]
    value = (examples or [EXTRA_EXAMPLES[scheme]])[0]
    return validate_identifier(scheme, value, today=NOW.date())


@pytest.fixture
def matrix(catalog: Catalog):  # type: ignore[no-untyped-def]
    table = grant_table(catalog)
    store = FakeGrantStore()
    for client, roles in ROLES.items():
        store.add_client(client, *roles)
    store.disabled.add("retired")
    for (client, code, doc_id), fields in table.items():
        store.grant(client, code, doc_id, fields)
    calls: Counter[str] = Counter()
    adapters = {rid: CountingAdapter(rid, catalog, calls) for rid in catalog.registries}
    audit = FakeAuditLog()
    service = LookupService(
        catalog, adapters, audit, grants=GrantPolicy(store, ttl_s=60), clock=lambda: NOW
    )
    return table, service, audit, calls


async def test_every_client_procedure_and_document_type_gets_exactly_its_grant(
    catalog: Catalog,
    matrix,  # type: ignore[no-untyped-def]
) -> None:
    table, service, audit, calls = matrix
    violations: list[str] = []
    counts = Counter[str]()
    for client in ROLES:
        for code in catalog.procedures:
            for doc_id in catalog.document_types:
                cell = (client, code, doc_id)
                allowed = expected_fields(catalog, table, cell)
                problem = await run_cell(catalog, service, audit, calls, cell, allowed)
                counts["allowed" if allowed is not None else "refused"] += 1
                if problem:
                    violations.append(f"{cell}: {problem}")
    assert violations == []
    cells = len(ROLES) * len(catalog.procedures) * len(catalog.document_types)
    assert counts["allowed"] + counts["refused"] == cells
    assert counts["allowed"] > 50 and counts["refused"] > 50  # both sides are exercised


async def run_cell(  # type: ignore[no-untyped-def]
    catalog: Catalog, service, audit, calls, cell, allowed: tuple[str, ...] | None
) -> str | None:
    client, code, doc_id = cell
    query = LookupQuery(
        document_type=doc_id,
        subject=subject_for(catalog, doc_id),
        qualifiers=qualifiers_for(catalog, doc_id),
        purpose=Purpose(procedure_code=code, dossier_id="M-1"),
    )
    before_calls, before_started = sum(calls.values()), len(audit.started)
    try:
        result = await service.lookup(client, query)
    except GrantDeniedError as exc:
        if allowed is not None:
            return f"refused ({exc.reason}) but granted"
        if sum(calls.values()) != before_calls or len(audit.started) != before_started:
            return "refused, yet an adapter (cache or registry) was asked"
        if exc.detail != DENIED_DETAIL or audit.entries[-1].outcome != DENIED:
            return "refusal not uniform or not audited as denied"
        return None
    except DocumentRestrictedError:
        # A legal bar (LLTP_2 for individuals since 2026-07-01), checked after the grant.
        if allowed is None or not catalog.document_types[doc_id].subject_restrictions:
            return "restricted by law, yet no restriction applies"
        if sum(calls.values()) != before_calls or audit.entries[-1].outcome != DENIED:
            return "restricted, yet an adapter was asked or the refusal was not audited"
        return None
    if allowed is None:
        return "allowed without a grant"
    if result.status is not Outcome.FOUND or result.document is None:
        return f"granted but {result.status}"
    released = set(result.document.fields)
    if not released <= {path.split(".")[0] for path in allowed}:
        return f"released {sorted(released - set(allowed))} beyond the grant"
    return None
