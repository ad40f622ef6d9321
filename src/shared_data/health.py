"""Adapter health: rolling statistics of real traffic, probe history, and the health rule.

Pure bookkeeping (no I/O, no clock of its own: times are passed in), fed by the adapters'
monitoring wrapper and prober and read by the ops endpoints, the status page and `/metrics`.

The rolling window of real traffic is `shared_data.traffic.TrafficWindow` (fixed memory).

The health rule (`assess`, documented for operators in docs/OPERATIONS.md):
- down: the circuit is open, or the last `down_after_failed_probes` probes all failed;
- degraded: the circuit is half-open, or the last probe failed, or over the window (with at
  least `min_calls` live calls) the error rate exceeds `degraded_error_rate` or the p95
  latency exceeds `degraded_p95_ms`;
- up: otherwise.
"""

from __future__ import annotations

import math
from collections import deque
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import Field

from shared_data.domain import Frozen
from shared_data.traffic import WindowTotals, percentile


class HealthState(StrEnum):
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"


class HealthThresholds(Frozen):
    """The numbers of the health rule (module docstring), from the settings."""

    down_after_failed_probes: int = 2
    degraded_error_rate: float = 0.05
    degraded_p95_ms: float = 1000.0
    min_calls: int = 5


class ProbeResult(Frozen):
    """One probe of a registry, as kept in the history."""

    ok: bool
    latency_ms: float | None
    checked_at: datetime
    detail: str | None = None


class ProbeHistory:
    """The last `keep` probes of one registry and the current run of failures."""

    def __init__(self, keep: int = 20) -> None:
        self._results: deque[ProbeResult] = deque(maxlen=keep)
        self.consecutive_failures = 0

    def add(self, result: ProbeResult) -> None:
        self._results.append(result)
        self.consecutive_failures = 0 if result.ok else self.consecutive_failures + 1

    @property
    def last(self) -> ProbeResult | None:
        return self._results[-1] if self._results else None

    def recent(self) -> list[ProbeResult]:
        return list(self._results)


class CircuitTransition(Frozen):
    """A circuit breaker state change, with its wall-clock time."""

    at: datetime
    from_state: str
    to_state: str


class LatencySummary(Frozen):
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


def latency_summary(counts: list[int]) -> LatencySummary:
    def ms(q: float) -> float | None:
        value = percentile(counts, q)
        return None if value is None else round(value * 1000, 2)

    return LatencySummary(p50_ms=ms(0.5), p95_ms=ms(0.95), p99_ms=ms(0.99))


def error_rate(totals: WindowTotals) -> float:
    """Failed share of the live calls (cache hits never reach the registry)."""
    return totals.errors / totals.live_calls if totals.live_calls else 0.0


def assess(
    *,
    circuit: str | None,
    probe: ProbeHistory,
    totals: WindowTotals,
    latency: LatencySummary,
    thresholds: HealthThresholds,
) -> tuple[HealthState, list[str]]:
    """The state of one adapter and the reasons for it (the rule in the module docstring)."""
    t = thresholds
    down: list[str] = []
    if circuit == "open":
        down.append("circuit open")
    if probe.consecutive_failures >= t.down_after_failed_probes:
        down.append(f"last {probe.consecutive_failures} probes failed")
    if down:
        return HealthState.DOWN, down
    degraded: list[str] = []
    if circuit == "half_open":
        degraded.append("circuit half-open")
    if probe.consecutive_failures:
        degraded.append("last probe failed")
    if totals.live_calls >= t.min_calls:
        rate = error_rate(totals)
        if rate > t.degraded_error_rate:
            degraded.append(f"error rate {rate:.0%} > {t.degraded_error_rate:.0%}")
        p95 = latency.p95_ms
        if p95 is not None and p95 > t.degraded_p95_ms:
            degraded.append(f"p95 {p95:.0f} ms > {t.degraded_p95_ms:.0f} ms")
    if degraded:
        return HealthState.DEGRADED, degraded
    return HealthState.UP, []


def wall_time(epoch_s: float | None) -> datetime | None:
    """A `time.time()` value as an aware UTC datetime (None stays None)."""
    if epoch_s is None or math.isnan(epoch_s):
        return None
    return datetime.fromtimestamp(epoch_s, UTC)


class CircuitStatus(Frozen):
    state: str | None = Field(description="closed, half_open or open; null: no breaker")
    since: datetime | None = None
    transitions: list[CircuitTransition] = Field(default_factory=list)


class ProbeStatus(Frozen):
    ok: bool | None = Field(description="Outcome of the last probe; null: not probed yet")
    latency_ms: float | None = None
    checked_at: datetime | None = None
    consecutive_failures: int = 0
    detail: str | None = None


class LastError(Frozen):
    reason: str
    at: datetime


class AdapterHealth(Frozen):
    """Everything the ops endpoints show about one adapter (no personal data, no URLs)."""

    registry: str
    state: HealthState
    reasons: list[str] = Field(description="Why the state is not `up` (empty when up)")
    window_s: float
    calls: int = Field(description="Lookups in the window, cache hits included")
    live_calls: int = Field(description="Lookups in the window that asked the registry")
    cache_hits: int
    cache_hit_ratio: float | None
    errors: int = Field(description="Live calls answered `unavailable`")
    error_rate: float = Field(description="errors / live_calls over the window")
    errors_by_reason: dict[str, int]
    latency: LatencySummary = Field(description="Registry latency of live calls")
    circuit: CircuitStatus
    probe: ProbeStatus
    last_success_at: datetime | None
    last_error: LastError | None


def probe_status(history: ProbeHistory) -> ProbeStatus:
    last = history.last
    if last is None:
        return ProbeStatus(ok=None)
    return ProbeStatus(
        ok=last.ok,
        latency_ms=None if last.latency_ms is None else round(last.latency_ms, 2),
        checked_at=last.checked_at,
        consecutive_failures=history.consecutive_failures,
        detail=last.detail,
    )
