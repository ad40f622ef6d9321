"""CachingAdapter: per-type TTL, negative caching, single-flight, stale-if-error."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from adapters.caching import CachingAdapter
from shared_data.catalog.models import CachePolicy
from shared_data.domain import (
    Health,
    Outcome,
    RegistryAnswer,
    RegistryRecord,
    RegistryRequest,
    Subject,
    UnavailableReason,
)
from shared_data.ports import RegistryAdapter

NOW = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)
POLICIES = {
    "CCCD": CachePolicy(ttl_seconds=600, negative_ttl_seconds=60, stale_if_error_seconds=0),
    "KHAI_SINH": CachePolicy(ttl_seconds=300, negative_ttl_seconds=30, stale_if_error_seconds=3600),
    "LIVE_ONLY": CachePolicy(ttl_seconds=0, negative_ttl_seconds=0, stale_if_error_seconds=0),
    "NO_NEGATIVE": CachePolicy(ttl_seconds=300, negative_ttl_seconds=0),
}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def found(record_id: str = "r1") -> RegistryAnswer:
    return RegistryAnswer.found(RegistryRecord(record_id=record_id, fields={"a": 1}), NOW)


def down() -> RegistryAnswer:
    return RegistryAnswer.unavailable(UnavailableReason.TIMEOUT, NOW, retry_after=5)


class FakeRegistry:
    """Answers with `self.answer`; counts calls; can hold every call until `gate` is set."""

    registry_id = "DANCU"
    document_types = frozenset(POLICIES)
    schemes = frozenset({"PIN"})

    def __init__(self, answer: RegistryAnswer | None = None) -> None:
        self.answer = answer or found()
        self.calls = 0
        self.gate: asyncio.Event | None = None
        self.error: Exception | None = None

    async def lookup(self, request: RegistryRequest) -> RegistryAnswer:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise self.error
        return self.answer

    async def probe(self) -> Health:
        return Health(registry=self.registry_id, ok=True, checked_at=NOW)

    async def aclose(self) -> None:
        return None


def request(doc: str = "CCCD", pin: str = "001099000001", **qualifiers: str) -> RegistryRequest:
    return RegistryRequest(
        lookup_id="l1",
        registry="DANCU",
        document_type=doc,
        subject=Subject(scheme="PIN", value=pin),
        qualifiers={k: Subject(scheme="PIN", value=v) for k, v in qualifiers.items()},
    )


def make(inner: FakeRegistry, clock: FakeClock, maxsize: int = 100) -> CachingAdapter:
    return CachingAdapter(inner, POLICIES, maxsize=maxsize, clock=clock)


def test_caching_adapter_implements_the_port() -> None:
    assert isinstance(make(FakeRegistry(), FakeClock()), RegistryAdapter)


async def test_hit_within_ttl_is_served_from_cache_and_flagged_with_its_age() -> None:
    inner, clock = FakeRegistry(), FakeClock()
    cache = make(inner, clock)
    first = await cache.lookup(request())
    clock.now = 599.0
    second = await cache.lookup(request())
    assert inner.calls == 1
    assert not first.served_from_cache
    assert second.served_from_cache and second.age_seconds == pytest.approx(599.0)
    assert second.record == first.record
    assert (cache.stats.hits, cache.stats.misses) == (1, 1)


async def test_entry_expires_after_its_document_type_ttl() -> None:
    inner, clock = FakeRegistry(), FakeClock()
    cache = make(inner, clock)
    await cache.lookup(request())
    clock.now = 600.0
    answer = await cache.lookup(request())
    assert inner.calls == 2 and not answer.served_from_cache


async def test_ttl_zero_is_never_cached() -> None:
    inner, clock = FakeRegistry(), FakeClock()
    cache = make(inner, clock)
    for _ in range(3):
        assert not (await cache.lookup(request("LIVE_ONLY"))).served_from_cache
    assert inner.calls == 3 and cache.size == 0


async def test_unknown_document_type_is_never_cached() -> None:
    inner, clock = FakeRegistry(), FakeClock()
    cache = make(inner, clock)
    await cache.lookup(request("NOT_IN_CATALOG"))
    await cache.lookup(request("NOT_IN_CATALOG"))
    assert inner.calls == 2


async def test_not_found_is_cached_for_the_negative_ttl_only() -> None:
    inner, clock = FakeRegistry(RegistryAnswer.not_found(NOW)), FakeClock()
    cache = make(inner, clock)
    await cache.lookup(request())
    clock.now = 59.0
    hit = await cache.lookup(request())
    assert hit.outcome is Outcome.NOT_FOUND and hit.served_from_cache
    clock.now = 60.0
    await cache.lookup(request())
    assert inner.calls == 2


async def test_not_found_with_zero_negative_ttl_is_not_cached() -> None:
    inner, clock = FakeRegistry(RegistryAnswer.not_found(NOW)), FakeClock()
    cache = make(inner, clock)
    await cache.lookup(request("NO_NEGATIVE"))
    await cache.lookup(request("NO_NEGATIVE"))
    assert inner.calls == 2


async def test_unavailable_and_malformed_answers_are_never_cached() -> None:
    bad = RegistryAnswer.unavailable(UnavailableReason.BAD_RESPONSE, NOW, detail="not JSON")
    inner, clock = FakeRegistry(bad), FakeClock()
    cache = make(inner, clock)
    assert (await cache.lookup(request())).outcome is Outcome.UNAVAILABLE
    inner.answer = down()
    await cache.lookup(request())
    assert inner.calls == 2 and cache.size == 0


async def test_different_subjects_and_qualifiers_are_never_shared() -> None:
    inner, clock = FakeRegistry(), FakeClock()
    cache = make(inner, clock)
    await cache.lookup(request(pin="001099000001"))
    await cache.lookup(request(pin="001099000002"))
    await cache.lookup(request(pin="001099000001", spouse="001099000003"))
    await cache.lookup(request(pin="001099000001", spouse="001099000004"))
    await cache.lookup(request("KHAI_SINH", pin="001099000001"))
    assert inner.calls == 5
    await cache.lookup(request(pin="001099000001", spouse="001099000003"))
    assert inner.calls == 5


async def test_hundred_concurrent_identical_cold_lookups_make_one_upstream_call() -> None:
    inner, clock = FakeRegistry(), FakeClock()
    inner.gate = asyncio.Event()
    cache = make(inner, clock)
    tasks = [asyncio.create_task(cache.lookup(request())) for _ in range(100)]
    await asyncio.sleep(0)
    inner.gate.set()
    answers = await asyncio.gather(*tasks)
    assert inner.calls == 1
    assert len(answers) == 100 and all(a.outcome is Outcome.FOUND for a in answers)
    assert all(not a.served_from_cache for a in answers)  # all waited for the live call
    assert cache.stats.coalesced == 99


async def test_cancelling_the_first_waiter_leaves_the_shared_call_to_the_others() -> None:
    inner, clock = FakeRegistry(), FakeClock()
    inner.gate = asyncio.Event()
    cache = make(inner, clock)
    first = asyncio.create_task(cache.lookup(request()))
    await asyncio.sleep(0)
    others = [asyncio.create_task(cache.lookup(request())) for _ in range(3)]
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    inner.gate.set()
    answers = await asyncio.gather(*others)
    assert first.cancelled()
    assert [a.outcome for a in answers] == [Outcome.FOUND] * 3
    assert inner.calls == 1
    assert not cache._inflight


async def test_an_inner_error_reaches_every_waiter_and_leaks_nothing() -> None:
    inner, clock = FakeRegistry(), FakeClock()
    inner.gate, inner.error = asyncio.Event(), RuntimeError("adapter bug")
    cache = make(inner, clock)
    tasks = [asyncio.create_task(cache.lookup(request())) for _ in range(3)]
    await asyncio.sleep(0)
    inner.gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert not cache._inflight
    inner.error = None
    assert (await cache.lookup(request())).outcome is Outcome.FOUND


async def test_stale_answer_covers_an_outage_where_the_type_allows_it() -> None:
    inner, clock = FakeRegistry(), FakeClock()
    cache = make(inner, clock)
    await cache.lookup(request("KHAI_SINH"))
    inner.answer = down()
    clock.now = 1000.0  # past the 300 s TTL, within TTL + 3600 s
    answer = await cache.lookup(request("KHAI_SINH"))
    assert answer.outcome is Outcome.FOUND
    assert answer.served_from_cache and answer.age_seconds == pytest.approx(1000.0)
    assert answer.detail and "timeout" in answer.detail
    assert inner.calls == 2 and cache.stats.stale_served == 1


async def test_stale_answer_is_not_served_past_the_stale_window() -> None:
    inner, clock = FakeRegistry(), FakeClock()
    cache = make(inner, clock)
    await cache.lookup(request("KHAI_SINH"))
    inner.answer = down()
    clock.now = 300.0 + 3600.0
    answer = await cache.lookup(request("KHAI_SINH"))
    assert answer.outcome is Outcome.UNAVAILABLE
    assert answer.reason is UnavailableReason.TIMEOUT


async def test_no_stale_answer_where_the_type_does_not_allow_it() -> None:
    inner, clock = FakeRegistry(), FakeClock()
    cache = make(inner, clock)
    await cache.lookup(request("CCCD"))
    inner.answer = down()
    clock.now = 601.0
    assert (await cache.lookup(request("CCCD"))).outcome is Outcome.UNAVAILABLE


async def test_a_not_found_is_never_served_stale() -> None:
    inner, clock = FakeRegistry(RegistryAnswer.not_found(NOW)), FakeClock()
    cache = make(inner, clock)
    await cache.lookup(request("KHAI_SINH"))
    inner.answer = down()
    clock.now = 31.0
    assert (await cache.lookup(request("KHAI_SINH"))).outcome is Outcome.UNAVAILABLE


async def test_size_is_bounded_across_document_types() -> None:
    inner, clock = FakeRegistry(), FakeClock()
    cache = make(inner, clock, maxsize=2)
    await cache.lookup(request("CCCD", pin="001099000001"))
    await cache.lookup(request("KHAI_SINH", pin="001099000002"))
    await cache.lookup(request("CCCD", pin="001099000003"))
    assert cache.size == 2


async def test_aclose_cancels_shared_calls_in_flight() -> None:
    inner, clock = FakeRegistry(), FakeClock()
    inner.gate = asyncio.Event()
    cache = make(inner, clock)
    waiter = asyncio.create_task(cache.lookup(request()))
    await asyncio.sleep(0)
    await cache.aclose()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert not cache._inflight
