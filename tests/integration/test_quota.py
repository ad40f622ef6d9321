"""Quotas, in memory and on Redis: the rate limit refuses with a retry time, the distinct-subject
ceiling flags; on Redis both hold across processes (here: two instances), and a Redis outage
falls back to per-process limits instead of refusing.

Redis comes from SHARED_DATA_TEST_REDIS_URL (default redis://127.0.0.1:6379/0): skipped when
unreachable, except under CI where that fails.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
import redis.asyncio as redis_asyncio

from shared_data.errors import QuotaExceededError
from shared_data.persistence.quota_redis import RedisQuotas
from shared_data.quotas import InMemoryQuotas, QuotaLimits, Quotas

REDIS_URL = os.environ.get("SHARED_DATA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PINS = ["001090912345", "001192934567", "001225956789", "001088987654", "001195923456"]


async def redis_reachable() -> str | None:
    client = redis_asyncio.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        await client.ping()
    except Exception as exc:
        return f"Redis at {REDIS_URL} unreachable: {exc}"
    finally:
        await client.aclose()
    return None


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own on a reachable Redis; its keys are deleted afterwards."""
    reason = await redis_reachable()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    prefix = f"test-quota-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis_asyncio.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


Factory = Callable[[QuotaLimits], Quotas]


@pytest.fixture(params=["memory", "redis"])
def make_quotas(request: pytest.FixtureRequest) -> Factory:
    """Build quotas of one kind with given limits (the Redis ones share this test's prefix)."""
    if request.param == "memory":
        return lambda limits: InMemoryQuotas(limits, "subject-key")
    prefix = request.getfixturevalue("redis_prefix")
    return lambda limits: RedisQuotas(REDIS_URL, limits, "subject-key", prefix=prefix)


async def taken(quotas: Quotas, client_id: str, times: int) -> list[float | None]:
    """Try `times` requests; None for each let through, else its retry_after."""
    outcomes: list[float | None] = []
    for _ in range(times):
        try:
            await quotas.take(client_id)
            outcomes.append(None)
        except QuotaExceededError as exc:
            outcomes.append(exc.retry_after)
    return outcomes


async def test_the_rate_limit_lets_the_burst_through_then_refuses_with_a_retry_time(
    make_quotas: Factory,
) -> None:
    quotas = make_quotas(QuotaLimits(per_minute=60, burst=3))
    try:
        outcomes = await taken(quotas, "c1", 4)
        assert outcomes[:3] == [None, None, None]
        assert outcomes[3] is not None and 1.0 <= outcomes[3] <= 1.5
        assert await taken(quotas, "c2", 1) == [None]  # per client
        await asyncio.sleep(1.1)  # one token a second
        assert await taken(quotas, "c1", 1) == [None]
        assert quotas.stats.rate_limited == 1
    finally:
        await quotas.aclose()


async def test_past_the_distinct_subject_ceiling_each_lookup_is_flagged(
    make_quotas: Factory,
) -> None:
    quotas = make_quotas(QuotaLimits(distinct_subjects_per_hour=3))
    try:
        flags = [await quotas.note_subject("c1", "PIN", pin) for pin in PINS[:3] + PINS[:3]]
        assert flags == [False] * 6  # repeats are not new subjects
        assert await quotas.note_subject("c1", "PIN", PINS[3]) is True
        assert await quotas.note_subject("c1", "PIN", PINS[0]) is True  # still past it
        assert await quotas.note_subject("c2", "PIN", PINS[4]) is False  # per client
        assert quotas.stats.enumeration_flagged == 2
    finally:
        await quotas.aclose()


async def test_on_redis_two_processes_share_one_limit_and_one_subject_count(
    redis_prefix: str,
) -> None:
    limits = QuotaLimits(per_minute=60, burst=4, distinct_subjects_per_hour=2)
    first, second = (RedisQuotas(REDIS_URL, limits, "k", prefix=redis_prefix) for _ in range(2))
    try:
        outcomes = [*await taken(first, "c", 2), *await taken(second, "c", 3)]
        assert outcomes[:4] == [None] * 4 and outcomes[4] is not None
        assert await first.note_subject("c", "PIN", PINS[0]) is False
        assert await second.note_subject("c", "PIN", PINS[1]) is False
        assert await first.note_subject("c", "PIN", PINS[2]) is True
    finally:
        await first.aclose()
        await second.aclose()


async def test_redis_holds_keyed_subject_references_never_identifiers(redis_prefix: str) -> None:
    quotas = RedisQuotas(REDIS_URL, QuotaLimits(), "k", prefix=redis_prefix)
    client = redis_asyncio.from_url(REDIS_URL)
    try:
        await quotas.take("c")
        await quotas.note_subject("c", "PIN", PINS[0])
        keys = [key async for key in client.scan_iter(f"{redis_prefix}:*")]
        assert len(keys) == 2
        for key in keys:
            assert PINS[0].encode() not in key
            if await client.type(key) == b"string":  # the HyperLogLog
                assert PINS[0].encode() not in await client.get(key)
            assert 0 < await client.ttl(key) <= 7200  # nothing is kept for ever
    finally:
        await client.aclose()
        await quotas.aclose()


async def test_without_redis_the_limits_hold_per_process_instead_of_refusing() -> None:
    unreachable = "redis://127.0.0.1:1/0"
    quotas = RedisQuotas(unreachable, QuotaLimits(per_minute=60, burst=2), "k", timeout_s=0.2)
    try:
        assert await taken(quotas, "c", 3) == [None, None, pytest.approx(1.0, abs=0.2)]
        assert await quotas.note_subject("c", "PIN", PINS[0]) is False
        assert quotas.stats.backend_errors == 4
    finally:
        await quotas.aclose()
