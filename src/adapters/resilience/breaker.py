"""A failure-rate circuit breaker with an injectable clock.

Why our own: the maintained Python breakers we checked count *consecutive* failures, not a
failure rate over a window. pybreaker (`fail_max`, `reset_timeout`; thread-locked, sync or
Tornado, wall-clock `datetime.now`), aiobreaker (its asyncio fork, same semantics),
circuitbreaker/aiocircuitbreaker (5 consecutive failures, one half-open test call) and purgatory
(`threshold` consecutive failures, `ttl`, one half-open call, a message bus and unit of work
around it) all lack a minimum number of calls, a failure *rate*, a bounded number of
concurrent half-open probes, and a clock we can drive from a test. Those are the semantics
issue 3 asks for (the resilience4j model), and they fit in this module.

Semantics:
- CLOSED: every call is let through; outcomes go into a sliding window (the last `window_s`
  seconds in buckets, or the last `window_calls` calls). Once the window holds at least
  `min_calls` outcomes and failures / calls >= `failure_rate_threshold`, the breaker opens.
- OPEN: `allow()` refuses (returns None) for `open_duration_s`; `retry_after()` says how long.
- HALF_OPEN: after the open duration, at most `half_open_max_probes` permits are handed out;
  the rest are refused at once. Any failed probe reopens the breaker for a new open duration;
  once `half_open_max_probes` probes have succeeded, it closes with an empty window.
- The caller decides what a failure is: an authoritative "no such record" is a success.
- A permit belongs to one state epoch: outcomes reported after the state changed are ignored,
  so a slow call started while CLOSED cannot close a breaker that has since opened.
- `release(permit)` gives back a permit whose outcome is unknown (the caller was cancelled):
  it frees a half-open probe slot and counts nothing.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

log = logging.getLogger(__name__)

Clock = Callable[[], float]
TransitionListener = Callable[["BreakerState", "BreakerState"], None]


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class Permit:
    """Leave to make one call; report its outcome once with record_* or release."""

    epoch: int
    probe: bool


class RollingCounts:
    """Counters summed over the last `window_s` seconds, kept in `buckets` time slices.

    Memory is O(buckets) whatever the traffic; a count expires with its slice, so the window
    is exact to within one slice (window_s / buckets).
    """

    def __init__(self, window_s: float, *, fields: int, clock: Clock, buckets: int = 10) -> None:
        if window_s <= 0 or buckets < 1:
            raise ValueError("window_s and buckets must be positive")
        self._width = window_s / buckets
        self._clock = clock
        self._ids = [-1] * buckets
        self._slots = [[0] * fields for _ in range(buckets)]

    def add(self, field: int, n: int = 1) -> None:
        slot_id = math.floor(self._clock() / self._width)
        pos = slot_id % len(self._ids)
        if self._ids[pos] != slot_id:
            self._ids[pos] = slot_id
            self._slots[pos] = [0] * len(self._slots[pos])
        self._slots[pos][field] += n

    def totals(self) -> list[int]:
        current = math.floor(self._clock() / self._width)
        oldest = current - len(self._ids) + 1
        sums = [0] * len(self._slots[0])
        for slot_id, counts in zip(self._ids, self._slots, strict=True):
            if oldest <= slot_id <= current:
                sums = [a + b for a, b in zip(sums, counts, strict=True)]
        return sums

    def clear(self) -> None:
        self._ids = [-1] * len(self._ids)


class _CallWindow:
    """The last `size` outcomes, with a running count of failures."""

    def __init__(self, size: int) -> None:
        self._outcomes: deque[bool] = deque(maxlen=size)
        self._failures = 0

    def add(self, failed: bool) -> None:
        if len(self._outcomes) == self._outcomes.maxlen and self._outcomes[0]:
            self._failures -= 1
        self._outcomes.append(failed)
        self._failures += failed

    def counts(self) -> tuple[int, int]:
        return len(self._outcomes), self._failures

    def clear(self) -> None:
        self._outcomes.clear()
        self._failures = 0


class _TimeWindow:
    """Outcomes of the last `window_s` seconds: fields 0 = calls, 1 = failures."""

    def __init__(self, window_s: float, clock: Clock) -> None:
        self._counts = RollingCounts(window_s, fields=2, clock=clock)

    def add(self, failed: bool) -> None:
        self._counts.add(0)
        if failed:
            self._counts.add(1)

    def counts(self) -> tuple[int, int]:
        calls, failures = self._counts.totals()
        return calls, failures

    def clear(self) -> None:
        self._counts.clear()


class CircuitBreaker:
    """Failure-rate circuit breaker for one registry (see the module docstring)."""

    def __init__(
        self,
        *,
        window_s: float | None = None,
        window_calls: int | None = None,
        min_calls: int = 10,
        failure_rate_threshold: float = 0.5,
        open_duration_s: float = 5.0,
        half_open_max_probes: int = 1,
        clock: Clock = time.monotonic,
        on_transition: TransitionListener | None = None,
        name: str = "",
    ) -> None:
        if window_s is not None and window_calls is not None:
            raise ValueError("give window_s or window_calls, not both")
        if not 0 < failure_rate_threshold <= 1 or min_calls < 1 or half_open_max_probes < 1:
            raise ValueError("need 0 < failure_rate_threshold <= 1, min_calls and probes >= 1")
        self.name = name
        self.min_calls = min_calls
        self.failure_rate_threshold = failure_rate_threshold
        self.open_duration_s = open_duration_s
        self.half_open_max_probes = half_open_max_probes
        self._clock = clock
        self._window: _CallWindow | _TimeWindow = (
            _CallWindow(window_calls) if window_calls else _TimeWindow(window_s or 10.0, clock)
        )
        self._listeners: list[TransitionListener] = [on_transition] if on_transition else []
        self._state, self._epoch, self._opened_at = BreakerState.CLOSED, 0, 0.0
        self._probes_out = self._probes_ok = 0

    def add_listener(self, listener: TransitionListener) -> None:
        """Call `listener(old, new)` on every state change (for metrics and logs)."""
        self._listeners.append(listener)

    @property
    def state(self) -> BreakerState:
        """The current state; an expired OPEN becomes HALF_OPEN when looked at."""
        if self._state is BreakerState.OPEN and self._open_remaining() <= 0:
            self._transition(BreakerState.HALF_OPEN)
        return self._state

    def allow(self) -> Permit | None:
        """A permit for one call, or None when the call must fail fast."""
        state = self.state
        if state is BreakerState.CLOSED:
            return Permit(self._epoch, probe=False)
        if state is BreakerState.HALF_OPEN and self._probes_out < self.half_open_max_probes:
            self._probes_out += 1
            return Permit(self._epoch, probe=True)
        return None

    def retry_after(self) -> float:
        """Seconds until a call may be let through again (0 when it would be now)."""
        state = self.state
        if state is BreakerState.OPEN:
            return self._open_remaining()
        if state is BreakerState.HALF_OPEN and self._probes_out >= self.half_open_max_probes:
            return min(1.0, self.open_duration_s)
        return 0.0

    def record_success(self, permit: Permit) -> None:
        """The call answered as the registry should (found or an authoritative not-found)."""
        if permit.epoch != self._epoch:
            return
        if permit.probe:
            self._probes_ok += 1
            if self._probes_ok >= self.half_open_max_probes:
                self._transition(BreakerState.CLOSED)
            return
        self._window.add(failed=False)

    def record_failure(self, permit: Permit) -> None:
        """The call failed on the registry's side (error, timeout, bad response)."""
        if permit.epoch != self._epoch:
            return
        if permit.probe:
            self._transition(BreakerState.OPEN)
            return
        self._window.add(failed=True)
        calls, failures = self._window.counts()
        if calls >= self.min_calls and failures / calls >= self.failure_rate_threshold:
            self._transition(BreakerState.OPEN)

    def release(self, permit: Permit) -> None:
        """Give back a permit whose outcome is unknown; it counts neither way."""
        if permit.epoch == self._epoch and permit.probe:
            self._probes_out = max(0, self._probes_out - 1)

    def window_counts(self) -> tuple[int, int]:
        """(calls, failures) in the closed-state window, for tests and metrics."""
        return self._window.counts()

    def _open_remaining(self) -> float:
        return max(0.0, self._opened_at + self.open_duration_s - self._clock())

    def _transition(self, new: BreakerState) -> None:
        old, self._state = self._state, new
        self._epoch += 1
        self._probes_out = self._probes_ok = 0
        if new is BreakerState.OPEN:
            self._opened_at = self._clock()
        self._window.clear()
        for listener in self._listeners:
            try:
                listener(old, new)
            except Exception:  # a metrics hook must never break a lookup
                log.exception("circuit breaker %s: transition listener failed", self.name)
