"""Bulkhead: bounded concurrency that fails fast, never queues."""

from __future__ import annotations

import asyncio

import pytest

from adapters.resilience.bulkhead import Bulkhead
from shared_data.domain import UnavailableReason
from shared_data.errors import RegistryError


async def test_full_bulkhead_refuses_at_once_and_not_retriably() -> None:
    bulkhead = Bulkhead(2, name="DANCU")
    async with bulkhead, bulkhead:
        with pytest.raises(RegistryError) as caught:
            async with bulkhead:
                pass
    assert caught.value.reason is UnavailableReason.BULKHEAD_FULL
    assert caught.value.retriable is False
    assert caught.value.retry_after is not None
    assert bulkhead.rejected == 1
    assert bulkhead.in_use == 0


async def test_slot_is_released_when_the_guarded_block_raises() -> None:
    bulkhead = Bulkhead(1)
    with pytest.raises(ValueError):
        async with bulkhead:
            raise ValueError("boom")
    assert bulkhead.available == 1


async def test_concurrent_holders_never_exceed_the_limit() -> None:
    bulkhead = Bulkhead(3)
    gate = asyncio.Event()
    peak = 0

    async def hold() -> str:
        nonlocal peak
        try:
            async with bulkhead:
                peak = max(peak, bulkhead.in_use)
                await gate.wait()
                return "ok"
        except RegistryError as exc:
            return exc.reason.value

    tasks = [asyncio.create_task(hold()) for _ in range(10)]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*tasks)
    assert peak == 3
    assert results.count("ok") == 3
    assert results.count("bulkhead_full") == 7


def test_bulkhead_needs_at_least_one_slot() -> None:
    with pytest.raises(ValueError):
        Bulkhead(0)
