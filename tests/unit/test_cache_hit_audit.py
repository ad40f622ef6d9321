"""A cache hit asks no registry: one completed audit record, still before the answer."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest

from adapters.caching import CachingAdapter
from adapters.monitoring import AdapterMonitor, MonitoredAdapter
from shared_data.catalog import load_catalog
from shared_data.domain import Outcome, Purpose, RegistryAnswer, RegistryRecord, Subject
from shared_data.errors import AuditUnavailableError
from shared_data.grants import Entitlements, GrantPolicy
from shared_data.lookup import LookupQuery, LookupService
from shared_data.ports import CachePeek
from tests.fakes import AllowAllGrants, FakeAdapter, FakeAuditLog

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
CHILD = "001225956789"


@pytest.fixture(scope="module")
def catalog():  # type: ignore[no-untyped-def]
    return load_catalog()


def query() -> LookupQuery:
    return LookupQuery(
        document_type="KHAI_SINH",
        subject=Subject(scheme="PIN", value=CHILD),
        purpose=Purpose(procedure_code="P02", dossier_id="D-1"),
    )


def cached_service(catalog):  # type: ignore[no-untyped-def]
    record = RegistryRecord(
        record_id="UBND-PMM1/2025/000123",
        fields={"full_name": "Nguyễn Minh Thí", "dob": "2025-08-20"},
        issued_on=date(2025, 8, 25),
    )
    inner = FakeAdapter("HOTICH", {("KHAI_SINH", CHILD): RegistryAnswer.found(record, NOW)})
    policies = {doc.id: doc.cache for doc in catalog.document_types.values()}
    monitor = AdapterMonitor("HOTICH")
    adapter = MonitoredAdapter(CachingAdapter(inner, policies), monitor)
    audit = FakeAuditLog()
    svc = LookupService(
        catalog, {"HOTICH": adapter}, audit, grants=AllowAllGrants(), clock=lambda: NOW
    )
    return svc, inner, audit, monitor


async def test_a_cache_hit_is_audited_with_one_completed_record_and_asks_no_registry(
    catalog,  # type: ignore[no-untyped-def]
) -> None:
    svc, inner, audit, monitor = cached_service(catalog)
    first = await svc.lookup("client-1", query())
    assert len(audit.started) == 1 and len(audit.entries) == 1  # live: pending, then completed
    second = await svc.lookup("client-1", query())
    assert len(inner.requests) == 1  # the registry was asked once
    assert second.status is Outcome.FOUND and not second.provenance.live
    assert len(audit.started) == 1  # nothing pending for the hit
    assert [e.lookup_id for e in audit.entries] == [first.lookup_id, second.lookup_id]
    assert audit.entries[1].digest == second.document.digest  # type: ignore[union-attr]
    assert monitor.cache_hits == 1 and monitor.live_calls == 1


async def test_a_cache_hit_is_not_answered_when_its_record_cannot_be_written(
    catalog,  # type: ignore[no-untyped-def]
) -> None:
    svc, _, audit, _ = cached_service(catalog)
    await svc.lookup("client-1", query())
    audit.failing = True
    with pytest.raises(AuditUnavailableError):
        await svc.lookup("client-1", query())


async def test_the_caching_and_monitored_adapters_offer_a_peek(catalog) -> None:  # type: ignore[no-untyped-def]
    svc, _, _, _ = cached_service(catalog)
    adapter = svc.adapters["HOTICH"]
    assert isinstance(adapter, CachePeek)
    assert not isinstance(FakeAdapter("HOTICH"), CachePeek)  # plain adapters: the live path


class CountingStore:
    """A grant store that counts its reads and takes a while to answer."""

    def __init__(self) -> None:
        self.reads = 0

    def entitlements(self, client_id: str) -> Entitlements:
        self.reads += 1
        import time

        time.sleep(0.05)
        return Entitlements(client_id=client_id)


async def test_concurrent_lookups_of_one_client_share_one_grant_read() -> None:
    store = CountingStore()
    policy = GrantPolicy(store, ttl_s=10.0)
    results = await asyncio.gather(*(policy.entitlements("c-1") for _ in range(64)))
    assert store.reads == 1
    assert all(r is results[0] for r in results)
    await policy.entitlements("c-1")
    assert store.reads == 1  # then from the cache while fresh
