"""LookupService with fakes: pending answers kept and collected, qualifiers, legal restrictions."""

from __future__ import annotations

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
    UnavailableReason,
)
from shared_data.errors import (
    DocumentRestrictedError,
    InvalidIdentifierError,
    MissingQualifierError,
    QualifierError,
    UnknownLookupError,
)
from shared_data.grants import DENIED, GrantDeniedError, GrantPolicy
from shared_data.lookup import LookupQuery, LookupService
from shared_data.pending import collect_event_id
from tests.fakes import (
    AllowAllGrants,
    FakeAdapter,
    FakeAuditLog,
    FakeGrantStore,
    FakePendingLookups,
)

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
BEFORE_BAR = datetime(2026, 6, 30, 9, 0, tzinfo=UTC)
MAU, THU = "001090912345", "001192934567"
CERT = RegistryRecord(
    record_id="LLTP1-20261127-000001",
    fields={
        "pin": MAU, "full_name": "Nguyễn Văn Mẫu", "has_criminal_record": False,
        "management_ban": False, "issue_date": "2026-11-27", "issuer": "Công an thành phố Hà Nội",
        "not_in_catalog": "x",
    },
    issued_on=date(2026, 11, 27),
)  # fmt: skip


class FakeJudicialRegistry:
    """Answers every lookup `pending` with ticket T-1; each collect gives the next answer."""

    registry_id = "LLTP"
    document_types = frozenset({"LLTP_1", "LLTP_2"})
    schemes = frozenset({"PIN"})

    def __init__(self, *collected: RegistryAnswer) -> None:
        self.collected = list(collected)
        self.asked: list[tuple[RegistryRequest, str]] = []

    async def lookup(self, request: RegistryRequest) -> RegistryAnswer:
        return RegistryAnswer.pending("T-1", NOW, retry_after=2.0)

    async def collect(self, request: RegistryRequest, ticket: str) -> RegistryAnswer:
        self.asked.append((request, ticket))
        return self.collected.pop(0)

    async def probe(self) -> Health:
        return Health(registry="LLTP", ok=True, checked_at=NOW)

    async def aclose(self) -> None:
        return None


def _query(
    doc: str = "LLTP_1", value: str = MAU, procedure: str = "P09", **q: Subject
) -> LookupQuery:
    return LookupQuery(
        document_type=doc,
        subject=Subject(scheme="PIN" if doc.startswith("LLTP") else "PARCEL_KEY", value=value),
        qualifiers=q,
        purpose=Purpose(procedure_code=procedure, dossier_id="D-9"),
    )


def _service(catalog: Catalog, adapter: object, *, now: datetime = NOW, grants: object = None,
             pending: FakePendingLookups | None = None):  # type: ignore[no-untyped-def]  # fmt: skip
    audit, store = FakeAuditLog(), pending if pending is not None else FakePendingLookups()
    registry = getattr(adapter, "registry_id", "LLTP")
    svc = LookupService(
        catalog, {registry: adapter}, audit, grants=grants or AllowAllGrants(),  # type: ignore[arg-type]
        pending=store, clock=lambda: now,
    )  # fmt: skip
    return svc, audit, store


# --- pending and collect ------------------------------------------------------------------


async def test_a_pending_answer_is_kept_for_its_client_and_answered_pending(
    catalog: Catalog,
) -> None:
    svc, audit, store = _service(catalog, FakeJudicialRegistry())
    result = await svc.lookup("backend-a", _query())
    assert (result.status, result.retry_after, result.document) == (Outcome.PENDING, 2.0, None)
    kept = store.kept[result.lookup_id]
    assert (kept.client_id, kept.ticket, kept.subject.value) == ("backend-a", "T-1", MAU)
    assert kept.purpose.procedure_code == "P09" and kept.completed_at is None
    assert audit.entries[-1].outcome == Outcome.PENDING


async def test_collect_answers_like_a_lookup_audits_each_read_and_settles_once(
    catalog: Catalog,
) -> None:
    still = RegistryAnswer.pending("T-1", NOW, retry_after=2.0)
    found = RegistryAnswer.found(CERT, NOW)
    registry = FakeJudicialRegistry(still, found, found)
    svc, audit, store = _service(catalog, registry)
    lookup_id = (await svc.lookup("backend-a", _query())).lookup_id
    first = await svc.collect("backend-a", lookup_id)
    assert (first.lookup_id, first.status) == (lookup_id, Outcome.PENDING)
    second = await svc.collect("backend-a", lookup_id)
    assert second.status is Outcome.FOUND and second.document is not None
    assert "not_in_catalog" not in second.document.fields  # minimised as a lookup is
    assert second.validity is not None and second.validity.reusable
    assert second.validity.valid_until == date(2027, 5, 26)  # P09's LLTP_1 max_age: P6M
    await svc.collect("backend-a", lookup_id)
    assert store.settled == [(lookup_id, Outcome.FOUND), (lookup_id, Outcome.FOUND)]
    assert store.kept[lookup_id].outcome is Outcome.FOUND
    # The lookup, then three collects: each its own pending and completed audit event.
    completed = [e.lookup_id for e in audit.entries]
    assert completed[0] == lookup_id and len(set(completed)) == 4
    assert all(e.startswith(f"{lookup_id}-c") for e in completed[1:])
    assert audit.pending == []
    assert [request.lookup_id for request, _ in registry.asked] == [lookup_id] * 3
    assert {ticket for _, ticket in registry.asked} == {"T-1"}


async def test_only_the_client_that_made_the_lookup_may_collect_it(catalog: Catalog) -> None:
    svc, audit, _ = _service(catalog, FakeJudicialRegistry(RegistryAnswer.found(CERT, NOW)))
    lookup_id = (await svc.lookup("backend-a", _query())).lookup_id
    events = len(audit.entries)
    with pytest.raises(UnknownLookupError) as other:
        await svc.collect("backend-b", lookup_id)
    with pytest.raises(UnknownLookupError) as unknown:
        await svc.collect("backend-a", "0" * 32)
    assert other.value.detail.replace(lookup_id, "X") == unknown.value.detail.replace("0" * 32, "X")
    assert len(audit.entries) == events


async def test_a_collect_after_the_grant_is_withdrawn_is_refused_and_audited(
    catalog: Catalog,
) -> None:
    store = FakeGrantStore()
    store.add_client("backend-a", ClientRole.PROCEDURE_BACKEND)
    store.grant("backend-a", "P09", "LLTP_1", tuple(catalog.document_types["LLTP_1"].fields))
    registry = FakeJudicialRegistry(RegistryAnswer.found(CERT, NOW))
    svc, audit, _ = _service(catalog, registry, grants=GrantPolicy(store, ttl_s=0))
    lookup_id = (await svc.lookup("backend-a", _query())).lookup_id
    store.grants["backend-a"] = []
    with pytest.raises(GrantDeniedError):
        await svc.collect("backend-a", lookup_id)
    assert audit.entries[-1].outcome == DENIED and registry.asked == []


async def test_without_a_pending_store_a_pending_answer_is_unavailable(catalog: Catalog) -> None:
    svc = LookupService(
        catalog, {"LLTP": FakeJudicialRegistry()}, FakeAuditLog(), grants=AllowAllGrants(),
        clock=lambda: NOW,
    )  # fmt: skip
    result = await svc.lookup("backend-a", _query())
    assert (result.status, result.reason) == (Outcome.UNAVAILABLE, UnavailableReason.NOT_INTEGRATED)


def test_collect_event_ids_fit_the_audit_column_and_name_their_lookup() -> None:
    lookup_id = "a" * 32
    first, second = collect_event_id(lookup_id), collect_event_id(lookup_id)
    assert first != second and first.startswith(lookup_id + "-c") and len(first) <= 64


# --- qualifiers ---------------------------------------------------------------------------


def _land(catalog: Catalog):  # type: ignore[no-untyped-def]
    record = RegistryRecord(record_id="ZZ000123", fields={"parcel_key": "99999-12-345"})
    adapter = FakeAdapter(
        "DATDAI", {("GCN_QSDD", "99999-12-345"): RegistryAnswer.found(record, NOW)}
    )
    svc, audit, _ = _service(catalog, adapter)
    return svc, adapter, audit


async def test_the_owner_qualifier_reaches_the_registry_validated(catalog: Catalog) -> None:
    svc, adapter, _ = _land(catalog)
    owner = Subject(scheme="PIN", value=MAU)
    result = await svc.lookup("c", _query("GCN_QSDD", "99999-12-345", "P11", owner=owner))
    assert result.status is Outcome.FOUND
    assert adapter.requests[0].qualifiers == {"owner": Subject(scheme="PIN", value=MAU)}
    assert result.qualifiers == {"owner": Subject(scheme="PIN", value=MAU)}


@pytest.mark.parametrize(
    ("qualifiers", "error", "role"),
    [
        ({}, MissingQualifierError, "owner"),
        ({"owner": Subject(scheme="CMND9", value="013912345")}, QualifierError, "owner"),
        ({"owner": Subject(scheme="PIN", value=MAU), "buyer": Subject(scheme="PIN", value=THU)},
         QualifierError, "buyer"),
    ],
)  # fmt: skip
async def test_a_missing_unknown_or_wrongly_named_qualifier_is_refused_before_any_call(
    catalog: Catalog, qualifiers: dict[str, Subject], error: type[QualifierError], role: str
) -> None:
    svc, adapter, audit = _land(catalog)
    with pytest.raises(error) as refused:
        await svc.lookup("c", _query("GCN_QSDD", "99999-12-345", "P11", **qualifiers))
    assert refused.value.role == role and role in refused.value.detail
    assert adapter.requests == [] and audit.started == []


async def test_an_invalid_qualifier_value_is_an_invalid_identifier_naming_the_qualifier(
    catalog: Catalog,
) -> None:
    svc, adapter, _ = _land(catalog)
    owner = Subject(scheme="ENTERPRISE_CODE", value="0199900019")  # bad check digit
    with pytest.raises(InvalidIdentifierError) as refused:
        await svc.lookup("c", _query("GCN_QSDD", "99999-12-345", "P11", owner=owner))
    assert refused.value.detail.startswith("Qualifier 'owner'") and adapter.requests == []


async def test_a_document_type_without_qualifiers_refuses_one(catalog: Catalog) -> None:
    svc, _, _ = _service(catalog, FakeJudicialRegistry())
    with pytest.raises(QualifierError):
        await svc.lookup("c", _query(owner=Subject(scheme="PIN", value=MAU)))


# --- the LLTP_2 restriction ---------------------------------------------------------------


async def test_lltp_2_for_a_person_is_refused_from_1_july_2026_and_audited_as_denied(
    catalog: Catalog,
) -> None:
    registry = FakeJudicialRegistry()
    svc, audit, store = _service(catalog, registry, now=datetime(2026, 7, 1, 0, 0, tzinfo=UTC))
    with pytest.raises(DocumentRestrictedError) as refused:
        await svc.lookup("c", _query("LLTP_2", procedure="P07"))
    assert "2026-07-01" in refused.value.detail
    assert audit.entries[-1].outcome == DENIED and audit.started == [] and store.kept == {}


async def test_lltp_2_could_still_be_asked_on_30_june_2026(catalog: Catalog) -> None:
    svc, _, _ = _service(catalog, FakeJudicialRegistry(), now=BEFORE_BAR)
    result = await svc.lookup("c", _query("LLTP_2", procedure="P07"))
    assert result.status is Outcome.PENDING


async def test_a_pending_lltp_2_is_not_collected_once_the_bar_applies(catalog: Catalog) -> None:
    now = [BEFORE_BAR]
    registry = FakeJudicialRegistry(RegistryAnswer.found(CERT, NOW))
    audit, store = FakeAuditLog(), FakePendingLookups()
    svc = LookupService(
        catalog, {"LLTP": registry}, audit, grants=AllowAllGrants(), pending=store,
        clock=lambda: now[0],
    )  # fmt: skip
    lookup_id = (await svc.lookup("c", _query("LLTP_2", procedure="P07"))).lookup_id
    now[0] = NOW
    with pytest.raises(DocumentRestrictedError):
        await svc.collect("c", lookup_id)
    assert registry.asked == []
