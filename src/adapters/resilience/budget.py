"""A per-registry retry budget, so that a failing registry is not hammered with retries.

Over a rolling window (`window_s`, kept in ten time slices) the budget allows at most
`max(min_per_window, ratio * first_attempts)` retries. The floor lets a quiet registry still
get a retry now and then; the ratio caps a storm: with the defaults (20 %, floor 3), 100
failing lookups in a window make at most 100 + 20 upstream calls. It is a floor, not an
allowance added on top, so the 20 % bound holds as soon as traffic exceeds floor / ratio.
"""

from __future__ import annotations

import time

from adapters.resilience.breaker import Clock, RollingCounts

_FIRST, _RETRY = 0, 1


class RetryBudget:
    """Retries at most `ratio` of first attempts over the last `window_s`, with a floor."""

    def __init__(
        self,
        ratio: float = 0.2,
        min_per_window: int = 3,
        window_s: float = 10.0,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        if ratio < 0 or min_per_window < 0:
            raise ValueError("ratio and min_per_window must not be negative")
        self.ratio = ratio
        self.min_per_window = min_per_window
        self._counts = RollingCounts(window_s, fields=2, clock=clock)

    def record_attempt(self) -> None:
        """Count one first attempt (one lookup reaching the registry)."""
        self._counts.add(_FIRST)

    def can_retry(self) -> bool:
        """Whether one retry may be made now; True consumes that retry from the budget."""
        firsts, retries = self._counts.totals()
        if retries >= max(self.min_per_window, int(self.ratio * firsts)):
            return False
        self._counts.add(_RETRY)
        return True

    def counts(self) -> tuple[int, int]:
        """(first attempts, retries) in the current window."""
        firsts, retries = self._counts.totals()
        return firsts, retries
