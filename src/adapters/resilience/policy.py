"""How one lookup is called against one registry: deadline, breaker, bulkhead, retries.

`call_with_resilience(operation, ...)` runs `operation(remaining_s)` with:
1. a total deadline (`asyncio.timeout`) around everything, backoff sleeps included, so a
   registry that drips one byte at a time cannot hold the lookup past it -> TIMEOUT;
2. the circuit breaker: refused -> CIRCUIT_OPEN with `retry_after` = remaining open time;
3. the bulkhead: full -> BULKHEAD_FULL, at once;
4. tenacity retries, only for `RegistryError(retriable=True)`, at most `max_attempts` in all,
   with full-jitter exponential backoff (at least the registry's Retry-After), never started
   when the remaining time is below `max(retry_floor_s, the failed attempt's duration)` plus
   the wait, and only while the per-registry `RetryBudget` allows.
The operation must raise `RegistryError` for every registry-side failure and return for every
registry answer: a returned value (found *or* not found) is a breaker success, a
`RegistryError` (bad_response included) a failure, and an attempt cut off by the deadline a
failure too. Other exceptions (our bugs, cancellation by the caller) count neither way.

`ResiliencePolicy` lives in `shared_data.settings` (the core may not import `adapters`) and
is re-exported here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt, wait_random_exponential

from adapters.resilience.breaker import BreakerState, CircuitBreaker, Clock, Permit
from adapters.resilience.budget import RetryBudget
from adapters.resilience.bulkhead import Bulkhead
from shared_data.domain import UnavailableReason
from shared_data.errors import RegistryError
from shared_data.settings import ResiliencePolicy

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Operation = Callable[[float], Awaitable[T]]

__all__ = ["ResiliencePolicy", "ResilienceStats", "ResilientCaller", "call_with_resilience"]


@dataclass
class ResilienceStats:
    """Counters for tests and metrics; one instance per registry."""

    calls: int = 0
    attempts: int = 0
    retries: int = 0
    retries_denied_budget: int = 0
    retries_denied_deadline: int = 0
    short_circuited: int = 0
    bulkhead_rejected: int = 0
    timeouts: int = 0


class _Call:
    """State of one resilient call: its deadline, outstanding permit and last attempt time."""

    def __init__(
        self,
        policy: ResiliencePolicy,
        breaker: CircuitBreaker,
        budget: RetryBudget,
        stats: ResilienceStats,
        clock: Clock,
        deadline_s: float,
    ) -> None:
        self.policy, self.breaker, self.budget, self.stats = policy, breaker, budget, stats
        self.clock = clock
        self.deadline_at = clock() + deadline_s
        self.permit: Permit | None = None
        self.last_duration = 0.0
        self.next_wait = 0.0
        self._backoff = wait_random_exponential(
            multiplier=policy.backoff_base_s, max=policy.backoff_max_s
        )

    def remaining(self) -> float:
        return max(0.0, self.deadline_at - self.clock())

    def refuse_if_open(self) -> None:
        """Fail fast, before taking a bulkhead slot, while the breaker is open."""
        if self.breaker.state is BreakerState.OPEN:
            raise self.short_circuit()

    def short_circuit(self) -> RegistryError:
        self.stats.short_circuited += 1
        state = self.breaker.state.value.replace("_", "-")
        return RegistryError(
            UnavailableReason.CIRCUIT_OPEN,
            f"{self.breaker.name or 'registry'}: circuit {state}",
            retry_after=self.breaker.retry_after(),
        )

    async def attempt(self, operation: Operation[T]) -> T:
        """One attempt under a breaker permit; its outcome is recorded before returning."""
        permit = self.breaker.allow()
        if permit is None:
            raise self.short_circuit()
        self.permit, started = permit, self.clock()
        self.stats.attempts += 1
        try:
            result = await operation(self.remaining())
        except RegistryError:
            self.settle(failed=True)
            raise
        finally:
            self.last_duration = self.clock() - started
        self.settle(failed=False)
        return result

    def settle(self, *, failed: bool | None) -> None:
        """Report the outstanding permit: failed, succeeded, or (None) unknown."""
        permit, self.permit = self.permit, None
        if permit is None:
            return
        if failed is None:
            self.breaker.release(permit)
        elif failed:
            self.breaker.record_failure(permit)
        else:
            self.breaker.record_success(permit)

    def should_retry(self, state: RetryCallState) -> bool:
        """Tenacity's retry predicate: retriable error, attempts, breaker, deadline, budget."""
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None and outcome.failed else None
        if not isinstance(exc, RegistryError) or not exc.retriable:
            return False
        if state.attempt_number >= self.policy.max_attempts:
            return False
        if self.breaker.state is BreakerState.OPEN:
            return False  # the failure just opened it: report that failure, spend no budget
        self.next_wait = max(self._backoff(state), exc.retry_after or 0.0)
        needed = self.next_wait + max(self.policy.retry_floor_s, self.last_duration)
        if self.remaining() < needed:
            self.stats.retries_denied_deadline += 1
            return False
        if not self.budget.can_retry():
            self.stats.retries_denied_budget += 1
            return False
        self.stats.retries += 1
        return True

    def wait(self, state: RetryCallState) -> float:
        return self.next_wait

    def timed_out(self, limit: float) -> RegistryError:
        """The deadline passed: an attempt it cut off is a breaker failure."""
        self.settle(failed=True)
        self.stats.timeouts += 1
        name = self.breaker.name or "registry"
        return RegistryError(UnavailableReason.TIMEOUT, f"{name}: no answer within {limit:g} s")


async def call_with_resilience(
    operation: Operation[T],
    *,
    policy: ResiliencePolicy,
    breaker: CircuitBreaker,
    budget: RetryBudget,
    bulkhead: Bulkhead,
    deadline_s: float | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
    stats: ResilienceStats | None = None,
) -> T:
    """Run `operation(remaining_s)` under the policy (module docstring); raise RegistryError."""
    limit = policy.deadline_s if deadline_s is None else min(deadline_s, policy.deadline_s)
    call = _Call(policy, breaker, budget, stats or ResilienceStats(), clock, limit)
    call.stats.calls += 1
    try:
        async with asyncio.timeout(limit):
            call.refuse_if_open()
            call.stats.bulkhead_rejected += not bulkhead.available
            async with bulkhead:
                return await _with_retries(call, operation, sleep)
    except TimeoutError as exc:
        raise call.timed_out(limit) from exc
    finally:
        call.settle(failed=None)


async def _with_retries(call: _Call, operation: Operation[T], sleep: Sleep) -> T:
    call.budget.record_attempt()
    retrying = AsyncRetrying(
        stop=stop_after_attempt(call.policy.max_attempts),
        wait=call.wait,
        retry=call.should_retry,
        sleep=sleep,
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await call.attempt(operation)
    raise AssertionError("unreachable: tenacity either returns or reraises")


class ResilientCaller:
    """One registry's breaker, budget, bulkhead and counters, built from its policy.

    Build one per registry at start-up and keep it for the process's life: the breaker and
    budget are per-registry state shared by all its lookups.
    """

    def __init__(
        self,
        policy: ResiliencePolicy,
        *,
        name: str = "",
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        p = policy
        self.policy = policy
        self.breaker = CircuitBreaker(
            window_s=None if p.breaker_window_calls else p.breaker_window_s,
            window_calls=p.breaker_window_calls,
            min_calls=p.breaker_min_calls,
            failure_rate_threshold=p.breaker_failure_rate,
            open_duration_s=p.breaker_open_duration_s,
            half_open_max_probes=p.breaker_half_open_probes,
            clock=clock,
            name=name,
        )
        budget = (p.retry_budget_ratio, p.retry_budget_min_per_window, p.retry_budget_window_s)
        self.budget = RetryBudget(*budget, clock=clock)
        self.bulkhead = Bulkhead(p.bulkhead_max_concurrent, name=name)
        self.stats = ResilienceStats()
        self._clock = clock
        self._sleep = sleep

    async def call(self, operation: Operation[T], *, deadline_s: float | None = None) -> T:
        """`call_with_resilience` with this registry's state."""
        return await call_with_resilience(
            operation,
            policy=self.policy,
            breaker=self.breaker,
            budget=self.budget,
            bulkhead=self.bulkhead,
            deadline_s=deadline_s,
            clock=self._clock,
            sleep=self._sleep,
            stats=self.stats,
        )
