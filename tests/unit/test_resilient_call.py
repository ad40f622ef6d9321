"""call_with_resilience on a fake clock (backoff advances it); deadlines use a few real ms."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from adapters.resilience import (
    BreakerState,
    ResiliencePolicy,
    ResilientCaller,
)
from shared_data.domain import RegistryAnswer, UnavailableReason
from shared_data.errors import RegistryError

REASON = UnavailableReason


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class Upstream:
    """An operation that answers from a script, counting its calls; each costs `cost_s`."""

    def __init__(
        self, *script: RegistryError | str, clock: FakeClock | None = None, cost_s: float = 0.0
    ) -> None:
        self.script, self.clock, self.cost_s = list(script), clock, cost_s
        self.calls = 0
        self.remaining_seen: list[float] = []

    async def __call__(self, remaining_s: float) -> str:
        self.calls += 1
        self.remaining_seen.append(remaining_s)
        if self.clock is not None:
            self.clock.now += self.cost_s
        step = self.script[min(self.calls, len(self.script)) - 1]
        if isinstance(step, RegistryError):
            raise step
        return step


def transient(retry_after: float | None = None) -> RegistryError:
    return RegistryError(REASON.UPSTREAM_ERROR, "503", retriable=True, retry_after=retry_after)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def caller(clock: FakeClock, **knobs: object) -> ResilientCaller:
    """A caller on a fake clock; the breaker stays out of the way unless asked for."""
    policy = ResiliencePolicy.model_validate({"breaker_min_calls": 1000, **knobs})
    return ResilientCaller(policy, name="DANCU", clock=clock, sleep=clock.sleep)


class Gated:
    """An operation that holds every call until `gate` is set, counting those let in."""

    def __init__(self) -> None:
        self.gate, self.entered = asyncio.Event(), 0

    async def __call__(self, remaining_s: float) -> str:
        self.entered += 1
        await self.gate.wait()
        return "found"


async def hangs(remaining_s: float) -> str:
    await asyncio.sleep(10)
    return "never"


async def outcome(rc: ResilientCaller, op: Callable[[float], Awaitable[str]]) -> str:
    try:
        return await rc.call(op)
    except RegistryError as exc:
        return exc.reason.value


async def test_transient_failure_is_retried_once_then_succeeds(clock: FakeClock) -> None:
    rc, op = caller(clock), Upstream(transient(), "found")
    assert await rc.call(op) == "found"
    assert op.calls == 2
    assert rc.stats.attempts == 2 and rc.stats.retries == 1
    assert len(clock.slept) == 1


async def test_at_most_max_attempts_are_made(clock: FakeClock) -> None:
    rc, op = caller(clock, max_attempts=3), Upstream(transient())
    with pytest.raises(RegistryError) as caught:
        await rc.call(op)
    assert caught.value.reason is REASON.UPSTREAM_ERROR
    assert op.calls == 3


async def test_non_retriable_error_is_not_retried(clock: FakeClock) -> None:
    rc = caller(clock)
    op = Upstream(RegistryError(REASON.BAD_RESPONSE, "not JSON"))
    assert await outcome(rc, op) == "bad_response"
    assert op.calls == 1


async def test_no_retry_when_the_remaining_deadline_is_too_short(clock: FakeClock) -> None:
    rc = caller(clock, deadline_s=5.0, retry_floor_s=0.25)
    op = Upstream(transient(), "found", clock=clock, cost_s=4.9)  # used most of the deadline
    assert await outcome(rc, op) == "upstream_error"
    assert rc.stats.attempts == 1
    assert rc.stats.retries_denied_deadline == 1


async def test_retry_needs_as_much_time_left_as_the_failed_attempt_took(clock: FakeClock) -> None:
    rc = caller(clock, deadline_s=5.0, retry_floor_s=0.1, backoff_base_s=0)
    op = Upstream(transient(), "found", clock=clock, cost_s=3.0)
    assert await outcome(rc, op) == "upstream_error"
    assert rc.stats.attempts == 1  # 2 s left < 3 s expected for another attempt


@pytest.mark.parametrize(("retry_after", "result"), [(1.5, "found"), (30, "upstream_error")])
async def test_retry_after_is_waited_for_only_if_it_fits_the_deadline(
    clock: FakeClock, retry_after: float, result: str
) -> None:
    rc, op = caller(clock, deadline_s=5.0), Upstream(transient(retry_after), "found")
    assert await outcome(rc, op) == result
    assert clock.slept == ([] if result != "found" else [pytest.approx(1.5, abs=0.5)])


async def test_operation_receives_the_remaining_time(clock: FakeClock) -> None:
    rc = caller(clock, deadline_s=5.0, backoff_base_s=0)
    op = Upstream(transient(), "found")
    await rc.call(op, deadline_s=2.0)  # a caller may ask for less
    assert op.remaining_seen[0] == pytest.approx(2.0)


async def test_deadline_is_enforced_against_a_slow_operation() -> None:
    rc = ResilientCaller(ResiliencePolicy(deadline_s=0.05), name="DANCU")
    started = time.perf_counter()
    with pytest.raises(RegistryError) as caught:
        await rc.call(hangs)
    assert caught.value.reason is REASON.TIMEOUT
    assert time.perf_counter() - started < 0.5
    assert rc.breaker.window_counts() == (1, 1)  # a timeout is a breaker failure


async def test_deadline_stops_a_slow_drip() -> None:
    rc = ResilientCaller(ResiliencePolicy(deadline_s=0.05))
    received = bytearray()

    async def drip(remaining_s: float) -> str:
        while True:  # each read is quick; only the total deadline can stop this
            await asyncio.sleep(0.002)
            received.extend(b"x")

    with pytest.raises(RegistryError) as caught:
        await rc.call(drip)
    assert caught.value.reason is REASON.TIMEOUT
    assert 0 < len(received) < 100


async def test_retry_budget_stops_a_storm(clock: FakeClock) -> None:
    rc = caller(clock, max_attempts=2)
    op = Upstream(transient())
    results = [await outcome(rc, op) for _ in range(100)]
    assert set(results) == {"upstream_error"}
    assert op.calls <= 120
    assert rc.stats.retries_denied_budget > 0


async def test_breaker_opens_after_min_calls_and_then_fails_fast_without_calling(
    clock: FakeClock,
) -> None:
    rc = caller(clock, breaker_min_calls=10, breaker_failure_rate=0.5, max_attempts=1)
    op = Upstream(RegistryError(REASON.UPSTREAM_ERROR, "500"))
    for _ in range(10):
        assert await outcome(rc, op) == "upstream_error"
    assert rc.breaker.state is BreakerState.OPEN
    with pytest.raises(RegistryError) as caught:
        await rc.call(op)
    assert caught.value.reason is REASON.CIRCUIT_OPEN
    assert caught.value.retry_after == pytest.approx(5.0)
    assert op.calls == 10


async def test_not_found_answers_are_breaker_successes(clock: FakeClock) -> None:
    rc = caller(clock, breaker_min_calls=5)

    async def not_found(remaining_s: float) -> RegistryAnswer:
        return RegistryAnswer.not_found(datetime.now(UTC))

    for _ in range(20):
        await rc.call(not_found)
    assert rc.breaker.window_counts() == (20, 0)


async def test_bad_response_counts_as_a_breaker_failure(clock: FakeClock) -> None:
    rc = caller(clock)
    await outcome(rc, Upstream(RegistryError(REASON.BAD_RESPONSE, "garbage")))
    assert rc.breaker.window_counts() == (1, 1)


async def open_breaker(rc: ResilientCaller, clock: FakeClock) -> None:
    failing = Upstream(RegistryError(REASON.UPSTREAM_ERROR, "500"))
    for _ in range(rc.policy.breaker_min_calls):
        await outcome(rc, failing)
    assert rc.breaker.state is BreakerState.OPEN
    clock.now += rc.policy.breaker_open_duration_s


async def test_half_open_lets_only_the_allowed_probes_through_and_success_closes(
    clock: FakeClock,
) -> None:
    rc = caller(clock, breaker_min_calls=4, breaker_half_open_probes=2, max_attempts=1)
    await open_breaker(rc, clock)
    probe = Gated()
    tasks = [asyncio.create_task(outcome(rc, probe)) for _ in range(5)]
    await asyncio.sleep(0.001)
    assert probe.entered == 2
    probe.gate.set()
    results = await asyncio.gather(*tasks)
    assert sorted(results) == ["circuit_open"] * 3 + ["found"] * 2
    assert rc.breaker.state is BreakerState.CLOSED


@pytest.mark.parametrize(("probe", "reason"), [(Upstream(transient()), "upstream_error"),
                                                (hangs, "timeout")])  # fmt: skip
async def test_failed_or_timed_out_probe_reopens_the_breaker(
    clock: FakeClock, probe: Callable[[float], Awaitable[str]], reason: str
) -> None:
    rc = caller(clock, breaker_min_calls=4, max_attempts=1, deadline_s=0.02)
    await open_breaker(rc, clock)
    assert rc.breaker.state is BreakerState.HALF_OPEN
    assert await outcome(rc, probe) == reason
    assert rc.breaker.state is BreakerState.OPEN


async def test_cancelled_probe_gives_its_slot_back(clock: FakeClock) -> None:
    rc = caller(clock, breaker_min_calls=4, max_attempts=1)
    await open_breaker(rc, clock)
    task = asyncio.create_task(rc.call(hangs))
    await asyncio.sleep(0.001)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await rc.call(Upstream("found")) == "found"
    assert rc.breaker.state is BreakerState.CLOSED


async def test_full_bulkhead_fails_fast_without_calling_or_tripping_the_breaker(
    clock: FakeClock,
) -> None:
    rc = caller(clock, bulkhead_max_concurrent=1)
    holds = Gated()
    first = asyncio.create_task(rc.call(holds))
    await asyncio.sleep(0)
    op = Upstream("found")
    assert await outcome(rc, op) == "bulkhead_full"
    assert op.calls == 0
    holds.gate.set()
    assert await first == "found"
    assert rc.stats.bulkhead_rejected == 1
    assert rc.breaker.window_counts() == (1, 0)


def test_every_knob_has_a_default_and_a_description() -> None:
    for name, info in ResiliencePolicy.model_fields.items():
        assert info.description, name
    assert ResiliencePolicy().deadline_s == 5.0
    assert ResiliencePolicy().max_attempts == 2


async def test_no_retry_once_the_failure_has_opened_the_breaker(clock: FakeClock) -> None:
    rc, op = caller(clock, breaker_min_calls=1), Upstream(transient(), "found")
    assert await outcome(rc, op) == "upstream_error"
    assert op.calls == 1
    assert rc.budget.counts() == (1, 0)
