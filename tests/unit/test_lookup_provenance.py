"""Provenance of cached answers and the caller's deadline, through LookupService and the real
CachingAdapter on a fake clock (the cache sits below the core: hits are still checked, audited)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from adapters.caching import CachingAdapter
from shared_data.catalog import Catalog, load_catalog
from shared_data.domain import (
    Outcome,
    Purpose,
    RegistryAnswer,
    RegistryRecord,
    Subject,
    UnavailableReason,
)
from shared_data.lookup import LookupQuery, LookupService
from tests.fakes import AllowAllGrants, FakeAdapter, FakeAuditLog

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
CHILD = "001225956789"
KEY = ("KHAI_SINH", CHILD)  # ttl 1800 s, stale-if-error 86400 s in the bundled catalog


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def found() -> RegistryAnswer:
    record = RegistryRecord(
        record_id="UBND-PMM1/2025/000123",
        fields={"full_name": "Nguyễn Minh Thí", "dob": "2025-08-20"},
        issued_on=date(2025, 8, 25),
    )
    return RegistryAnswer.found(record, NOW)


def query(deadline_s: float | None = None) -> LookupQuery:
    return LookupQuery(
        document_type="KHAI_SINH",
        subject=Subject(scheme="PIN", value=CHILD),
        purpose=Purpose(procedure_code="P02"),
        deadline_s=deadline_s,
    )


def service(catalog: Catalog, clock: FakeClock) -> tuple[LookupService, FakeAdapter, FakeAuditLog]:
    registry = FakeAdapter("HOTICH", {KEY: found()})
    policies = {doc.id: doc.cache for doc in catalog.document_types.values()}
    cached = CachingAdapter(registry, policies, clock=clock)
    audit = FakeAuditLog()
    lookups = LookupService(
        catalog, {"HOTICH": cached}, audit, grants=AllowAllGrants(), clock=lambda: NOW
    )
    return lookups, registry, audit


async def test_a_live_answer_is_live_and_a_cache_hit_says_its_age(catalog: Catalog) -> None:
    clock = FakeClock()
    lookups, registry, audit = service(catalog, clock)
    live = await lookups.lookup("c", query())
    clock.now += 42
    hit = await lookups.lookup("c", query())
    assert (live.provenance.live, live.provenance.age_seconds) == (True, 0.0)
    assert (hit.provenance.live, hit.provenance.age_seconds) == (False, 42.0)
    assert hit.document == live.document and hit.validity == live.validity
    assert len(registry.requests) == 1 and len(audit.entries) == 2


async def test_a_stale_if_error_answer_is_flagged_in_provenance_and_detail(
    catalog: Catalog,
) -> None:
    clock = FakeClock()
    lookups, registry, audit = service(catalog, clock)
    await lookups.lookup("c", query())
    clock.now += 1800 + 60  # no longer fresh, still within stale-if-error
    registry.answers[KEY] = RegistryAnswer.unavailable(UnavailableReason.TIMEOUT, NOW)
    stale = await lookups.lookup("c", query())
    assert stale.status is Outcome.FOUND and stale.document is not None
    assert (stale.provenance.live, stale.provenance.age_seconds) == (False, 1860.0)
    assert stale.detail == "stale-if-error: timeout"
    assert [entry.outcome for entry in audit.entries] == [Outcome.FOUND, Outcome.FOUND]


async def test_the_callers_deadline_reaches_the_registry_request(catalog: Catalog) -> None:
    lookups, registry, _ = service(catalog, FakeClock())
    await lookups.lookup("c", query(deadline_s=0.8))
    assert registry.requests[0].deadline_s == 0.8


def test_a_deadline_must_be_positive() -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        query(deadline_s=0)
