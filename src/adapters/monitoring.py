"""Every lookup's outcome and latency, seen in one place per registry: `MonitoredAdapter`.

`watch_adapters(adapters, ...)` wraps each adapter of a `build_adapters` result, in place and
outside its cache, so that cache hits count for the hit ratio and a live call's latency is the
registry's (plus microseconds of cache bookkeeping). Each wrapper feeds its registry's
`AdapterMonitor`: a rolling `TrafficWindow`, cumulative latency histograms per outcome (for
`/metrics`), the last success and last error, the probe history (fed by `adapters.probing`)
and the circuit's transitions with their times (a listener on the registry's breaker, which
`adapters.registry.AdapterRuntime` exposes with its other counters).

The hot path (`MonitoredAdapter.lookup`) costs two clock reads, a few integer increments and
one bisect: about 2 µs of CPU, measured in docs/OPERATIONS.md.

What counts as what (the window and the figures of `/v1/adapters/health`):
- a cache hit: `served_from_cache` and not a stale-if-error answer; no registry latency;
- a live call: everything else. A stale-if-error answer is a live call that failed (the
  registry did not answer; the cache stood in), with the reason the cache was given;
- a live call's latency is recorded unless it failed fast without asking the registry
  (`circuit_open`, `bulkhead_full`);
- success: found, not_found or pending; error: unavailable (any reason).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime

from adapters.registry import AdapterRuntime, runtime_of
from adapters.resilience import BreakerState, CircuitBreaker
from shared_data.domain import Health, Outcome, RegistryAnswer, RegistryRequest
from shared_data.health import (
    AdapterHealth,
    CircuitStatus,
    CircuitTransition,
    HealthThresholds,
    LastError,
    ProbeHistory,
    ProbeResult,
    assess,
    error_rate,
    latency_summary,
    probe_status,
    wall_time,
)
from shared_data.pending import collect_from
from shared_data.ports import RegistryAdapter
from shared_data.traffic import FAIL_FAST_REASONS, LatencyHistogram, TrafficWindow

Clock = Callable[[], float]
# How `adapters.caching` marks an answer it served because the live lookup failed.
STALE_PREFIX = "stale-if-error: "
# Circuit transitions kept (with their times) for the health endpoint.
KEEP_TRANSITIONS = 20

CIRCUIT_STATE_VALUE = {"closed": 0, "half_open": 1, "open": 2}


class AdapterMonitor:
    """One registry's passive statistics, probes and circuit log (module docstring)."""

    def __init__(
        self,
        registry_id: str,
        *,
        window_s: float = 300.0,
        runtime: AdapterRuntime | None = None,
        clock: Clock = time.monotonic,
        wall: Clock = time.time,
    ) -> None:
        self.registry_id = registry_id
        self.runtime = runtime
        self.window = TrafficWindow(window_s)
        self.durations: dict[str, LatencyHistogram] = {}
        self.probes = ProbeHistory()
        self.transitions: deque[CircuitTransition] = deque(maxlen=KEEP_TRANSITIONS)
        self.cache_hits = self.live_calls = 0
        self.last_success: float | None = None
        self.last_error: tuple[str, float] | None = None
        self.clock, self._wall = clock, wall
        self._circuit_since: float | None = None
        if self.breaker is not None:
            self.breaker.add_listener(self._on_transition)

    @property
    def breaker(self) -> CircuitBreaker | None:
        return None if self.runtime is None else self.runtime.caller.breaker

    def record(self, answer: RegistryAnswer, latency_s: float, now: float) -> None:
        """Count one lookup's answer (hot path: keep it to increments)."""
        stale = answer.served_from_cache and (answer.detail or "").startswith(STALE_PREFIX)
        if answer.served_from_cache and not stale:
            self.cache_hits += 1
            self.window.record(now, cache_hit=True, error_reason=None, latency_s=None)
            return
        self.live_calls += 1
        if stale or answer.outcome is Outcome.UNAVAILABLE:
            reason = _error_reason(answer, stale)
            self.last_error = (reason, self._wall())
            if reason in FAIL_FAST_REASONS:
                self.window.record(now, cache_hit=False, error_reason=reason, latency_s=None)
                return
            self.window.record(now, cache_hit=False, error_reason=reason, latency_s=latency_s)
            self._histogram("unavailable").observe(latency_s)
            return
        self.last_success = self._wall()
        self.window.record(now, cache_hit=False, error_reason=None, latency_s=latency_s)
        self._histogram(answer.outcome.value).observe(latency_s)

    def record_probe(self, health: Health) -> None:
        self.probes.add(
            ProbeResult(
                ok=health.ok,
                latency_ms=health.latency_ms,
                checked_at=health.checked_at,
                detail=health.detail,
            )
        )

    def circuit_state(self) -> str | None:
        """closed, half_open or open (reading it may move an expired open to half-open)."""
        breaker = self.breaker
        return None if breaker is None else breaker.state.value

    def snapshot(self, thresholds: HealthThresholds) -> AdapterHealth:
        """The adapter's state under the health rule, and the figures behind it."""
        totals = self.window.totals(self.clock())
        latency = latency_summary(totals.latency_counts)
        circuit = self.circuit_state()
        state, reasons = assess(
            circuit=circuit,
            probe=self.probes,
            totals=totals,
            latency=latency,
            thresholds=thresholds,
        )
        last_error = None
        if self.last_error is not None:
            at = wall_time(self.last_error[1])
            assert at is not None
            last_error = LastError(reason=self.last_error[0], at=at)
        return AdapterHealth(
            registry=self.registry_id,
            state=state,
            reasons=reasons,
            window_s=self.window.window_s,
            calls=totals.calls,
            live_calls=totals.live_calls,
            cache_hits=totals.cache_hits,
            cache_hit_ratio=round(totals.cache_hits / totals.calls, 4) if totals.calls else None,
            errors=totals.errors,
            error_rate=round(error_rate(totals), 4),
            errors_by_reason=totals.errors_by_reason,
            latency=latency,
            circuit=CircuitStatus(
                state=circuit,
                since=wall_time(self._circuit_since),
                transitions=list(self.transitions),
            ),
            probe=probe_status(self.probes),
            last_success_at=wall_time(self.last_success),
            last_error=last_error,
        )

    def _histogram(self, outcome: str) -> LatencyHistogram:
        histogram = self.durations.get(outcome)
        if histogram is None:
            histogram = self.durations[outcome] = LatencyHistogram()
        return histogram

    def _on_transition(self, old: BreakerState, new: BreakerState) -> None:
        self._circuit_since = now = self._wall()
        at = wall_time(now)
        assert isinstance(at, datetime)
        self.transitions.append(CircuitTransition(at=at, from_state=old.value, to_state=new.value))


def _error_reason(answer: RegistryAnswer, stale: bool) -> str:
    if stale:
        return (answer.detail or "")[len(STALE_PREFIX) :] or "unavailable"
    return answer.reason.value if answer.reason is not None else "unavailable"


class MonitoredAdapter:
    """Implements the `RegistryAdapter` port around `inner`, feeding `monitor`."""

    def __init__(self, inner: RegistryAdapter, monitor: AdapterMonitor) -> None:
        self.inner = inner
        self.monitor = monitor
        self._clock = monitor.clock

    @property
    def registry_id(self) -> str:
        return self.inner.registry_id

    @property
    def document_types(self) -> frozenset[str]:
        return self.inner.document_types

    @property
    def schemes(self) -> frozenset[str]:
        return self.inner.schemes

    async def lookup(self, request: RegistryRequest) -> RegistryAnswer:
        started = self._clock()
        answer = await self.inner.lookup(request)
        now = self._clock()
        self.monitor.record(answer, now - started, now)
        return answer

    def peek(self, request: RegistryRequest) -> RegistryAnswer | None:
        """The wrapped adapter's fresh cached answer (`CachePeek`), counted as a cache hit."""
        peek = getattr(self.inner, "peek", None)
        answer = peek(request) if peek is not None else None
        if answer is not None:
            now = self._clock()
            self.monitor.record(answer, 0.0, now)
        return answer

    async def collect(self, request: RegistryRequest, ticket: str) -> RegistryAnswer:
        """Collecting a pending answer is a registry call like a lookup: it is counted."""
        started = self._clock()
        answer = await collect_from(self.inner, request, ticket)
        now = self._clock()
        self.monitor.record(answer, now - started, now)
        return answer

    async def probe(self) -> Health:
        return await self.inner.probe()

    async def aclose(self) -> None:
        await self.inner.aclose()


class HealthBoard:
    """Every registry's monitor, and the thresholds of the health rule."""

    def __init__(self, monitors: Mapping[str, AdapterMonitor], thresholds: HealthThresholds):
        self.monitors = dict(monitors)
        self.thresholds = thresholds

    def snapshot(self) -> list[AdapterHealth]:
        """Each adapter's health, in registry id order."""
        return [self.monitors[rid].snapshot(self.thresholds) for rid in sorted(self.monitors)]


def watch_adapters(
    adapters: dict[str, RegistryAdapter],
    *,
    window_s: float = 300.0,
    thresholds: HealthThresholds | None = None,
    clock: Clock = time.monotonic,
) -> HealthBoard:
    """Wrap each adapter in a `MonitoredAdapter`, in place; return their `HealthBoard`.

    In place, so that the mapping keeps its type and its `runtime` (see `runtime_of`).
    """
    runtime = runtime_of(adapters)
    monitors: dict[str, AdapterMonitor] = {}
    for registry_id, adapter in list(adapters.items()):
        monitor = AdapterMonitor(
            registry_id, window_s=window_s, runtime=runtime.get(registry_id), clock=clock
        )
        monitors[registry_id] = monitor
        adapters[registry_id] = MonitoredAdapter(adapter, monitor)
    return HealthBoard(monitors, thresholds or HealthThresholds())
