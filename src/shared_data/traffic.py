"""Rolling traffic statistics of one adapter in fixed memory: counts and a latency histogram.

`TrafficWindow` keeps `slices` time slices of the last `window_s` seconds, each with a few
counters and a latency histogram over `LATENCY_BOUNDS_S`; percentiles are interpolated inside
a bin, so they are estimates to within one bin. `record()` is on every lookup's path: a few
integer increments and one bisect, no allocation beyond the first use of a reason. Pure: the
caller passes the (monotonic) time in.
"""

from __future__ import annotations

from bisect import bisect_left

from shared_data.domain import Frozen

# Upper bounds (seconds) of the latency histogram bins; one more bin holds the rest. The
# Prometheus buckets (`PROMETHEUS_BOUNDS_S`) are a subset, so both read the same counts.
LATENCY_BOUNDS_S: tuple[float, ...] = (
    0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.035, 0.05, 0.075, 0.1,
    0.15, 0.2, 0.25, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.5, 5.0, 7.5, 10.0, 15.0, 30.0,
)  # fmt: skip
PROMETHEUS_BOUNDS_S: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
BINS = len(LATENCY_BOUNDS_S) + 1
# Reasons that never reached the registry: no registry latency to record for them.
FAIL_FAST_REASONS = frozenset({"circuit_open", "bulkhead_full"})


def bin_of(latency_s: float) -> int:
    """The histogram bin of a latency: the first bound >= it (Prometheus `le`), or the last."""
    return bisect_left(LATENCY_BOUNDS_S, latency_s)


def percentile(counts: list[int], q: float) -> float | None:
    """The q-quantile (0..1) in seconds of a histogram over LATENCY_BOUNDS_S; None if empty."""
    total = sum(counts)
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for i, n in enumerate(counts):
        if n and seen + n >= rank:
            if i >= len(LATENCY_BOUNDS_S):
                return LATENCY_BOUNDS_S[-1]  # beyond the last bound: say at least that
            low = LATENCY_BOUNDS_S[i - 1] if i else 0.0
            return low + (LATENCY_BOUNDS_S[i] - low) * max(0.0, rank - seen) / n
        seen += n
    return LATENCY_BOUNDS_S[-1]


class _Slice:
    __slots__ = ("cache_hits", "calls", "errors", "id", "latency", "reasons")

    def __init__(self) -> None:
        self.id = -1
        self.calls = self.cache_hits = self.errors = 0
        self.reasons: dict[str, int] = {}
        self.latency = [0] * BINS

    def reset(self, slice_id: int) -> None:
        self.id = slice_id
        self.calls = self.cache_hits = self.errors = 0
        self.reasons = {}
        self.latency = [0] * BINS


class WindowTotals(Frozen):
    """What `TrafficWindow.totals()` sums over the window."""

    calls: int
    cache_hits: int
    live_calls: int
    errors: int
    errors_by_reason: dict[str, int]
    latency_counts: list[int]


class TrafficWindow:
    """Lookups of the last `window_s` seconds in `slices` time slices (module docstring)."""

    def __init__(self, window_s: float = 300.0, slices: int = 30) -> None:
        if window_s <= 0 or slices < 1:
            raise ValueError("window_s and slices must be positive")
        self.window_s = window_s
        self._width = window_s / slices
        self._slices = [_Slice() for _ in range(slices)]

    def record(
        self, now: float, *, cache_hit: bool, error_reason: str | None, latency_s: float | None
    ) -> None:
        """Count one lookup at monotonic time `now`: a cache hit, or a live call (maybe failed)."""
        slice_id = int(now // self._width)
        current = self._slices[slice_id % len(self._slices)]
        if current.id != slice_id:
            current.reset(slice_id)
        current.calls += 1
        if cache_hit:
            current.cache_hits += 1
        if error_reason is not None:
            current.errors += 1
            current.reasons[error_reason] = current.reasons.get(error_reason, 0) + 1
        if latency_s is not None:
            current.latency[bisect_left(LATENCY_BOUNDS_S, latency_s)] += 1

    def totals(self, now: float) -> WindowTotals:
        """Sums over the slices still inside the window at `now`."""
        newest = int(now // self._width)
        oldest = newest - len(self._slices) + 1
        calls = hits = errors = 0
        reasons: dict[str, int] = {}
        latency = [0] * BINS
        for piece in self._slices:
            if not oldest <= piece.id <= newest:
                continue
            calls += piece.calls
            hits += piece.cache_hits
            errors += piece.errors
            for reason, n in piece.reasons.items():
                reasons[reason] = reasons.get(reason, 0) + n
            latency = [a + b for a, b in zip(latency, piece.latency, strict=True)]
        return WindowTotals(
            calls=calls,
            cache_hits=hits,
            live_calls=calls - hits,
            errors=errors,
            errors_by_reason=reasons,
            latency_counts=latency,
        )


class LatencyHistogram:
    """Latencies since start, cumulative (for Prometheus): counts per bin and their sum."""

    __slots__ = ("counts", "total_s")

    def __init__(self) -> None:
        self.counts = [0] * BINS
        self.total_s = 0.0

    def observe(self, latency_s: float) -> None:
        self.counts[bisect_left(LATENCY_BOUNDS_S, latency_s)] += 1
        self.total_s += latency_s

    @property
    def count(self) -> int:
        return sum(self.counts)

    def buckets(self) -> list[tuple[float, int]]:
        """Cumulative counts at each of PROMETHEUS_BOUNDS_S, then at +Inf."""
        out: list[tuple[float, int]] = []
        running, i = 0, 0
        for bound in PROMETHEUS_BOUNDS_S:
            while i < len(LATENCY_BOUNDS_S) and LATENCY_BOUNDS_S[i] <= bound:
                running += self.counts[i]
                i += 1
            out.append((bound, running))
        out.append((float("inf"), running + sum(self.counts[i:])))
        return out
