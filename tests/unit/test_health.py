"""Adapter health bookkeeping: the rolling window, percentiles, the health rule, the monitor."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.monitoring import AdapterMonitor
from lookup_api.request_log import valid_request_id
from shared_data.domain import Health, RegistryAnswer, RegistryRecord, UnavailableReason
from shared_data.health import (
    HealthState,
    HealthThresholds,
    ProbeHistory,
    ProbeResult,
    assess,
    latency_summary,
)
from shared_data.traffic import LatencyHistogram, TrafficWindow, WindowTotals, percentile

T0 = datetime(2026, 6, 1, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def totals(live: int = 0, errors: int = 0, latency_s: float = 0.01) -> WindowTotals:
    window = TrafficWindow(60)
    for i in range(live):
        window.record(1.0, cache_hit=False, error_reason="timeout" if i < errors else None,
                      latency_s=latency_s)  # fmt: skip
    return window.totals(1.0)


def probes(*oks: bool) -> ProbeHistory:
    history = ProbeHistory()
    for ok in oks:
        history.add(ProbeResult(ok=ok, latency_ms=1.0, checked_at=T0))
    return history


def state_of(**kwargs: object) -> tuple[HealthState, list[str]]:
    window = kwargs.pop("totals", totals())
    assert isinstance(window, WindowTotals)
    return assess(
        circuit=kwargs.pop("circuit", "closed"),  # type: ignore[arg-type]
        probe=kwargs.pop("probe", probes(True)),  # type: ignore[arg-type]
        totals=window,
        latency=latency_summary(window.latency_counts),
        thresholds=HealthThresholds(),
    )


def test_window_counts_only_the_last_window_s_seconds() -> None:
    window = TrafficWindow(window_s=10, slices=10)
    window.record(100.0, cache_hit=False, error_reason="timeout", latency_s=0.2)
    window.record(105.0, cache_hit=True, error_reason=None, latency_s=None)
    window.record(109.5, cache_hit=False, error_reason=None, latency_s=0.01)
    now = window.totals(109.9)
    assert (now.calls, now.cache_hits, now.live_calls, now.errors) == (3, 1, 2, 1)
    assert now.errors_by_reason == {"timeout": 1}
    later = window.totals(112.0)  # the slice of t=100 has expired
    assert (later.calls, later.errors, later.errors_by_reason) == (2, 0, {})
    assert window.totals(200.0).calls == 0


def test_percentiles_are_estimated_within_one_histogram_bin() -> None:
    window = TrafficWindow(60)
    for ms in range(1, 101):  # 1..100 ms
        window.record(5.0, cache_hit=False, error_reason=None, latency_s=ms / 1000)
    counts = window.totals(5.0).latency_counts
    p50, p95, p99 = (percentile(counts, q) for q in (0.5, 0.95, 0.99))
    assert p50 is not None and 0.035 <= p50 <= 0.075
    assert p95 is not None and 0.075 <= p95 <= 0.1
    assert p99 is not None and p95 <= p99 <= 0.1
    assert percentile([0] * len(counts), 0.5) is None


def test_prometheus_buckets_are_cumulative_and_end_with_the_count() -> None:
    histogram = LatencyHistogram()
    for seconds in (0.004, 0.005, 0.3, 20.0, 99.0):
        histogram.observe(seconds)
    buckets = dict(histogram.buckets())
    assert buckets[0.005] == 2  # le is inclusive
    assert buckets[0.5] == 3
    assert buckets[10.0] == 3
    assert buckets[float("inf")] == histogram.count == 5


def test_open_circuit_or_failed_probes_mean_down() -> None:
    assert state_of(circuit="open")[0] is HealthState.DOWN
    state, reasons = state_of(probe=probes(True, False, False))
    assert state is HealthState.DOWN and reasons == ["last 2 probes failed"]


def test_one_failed_probe_half_open_errors_or_slowness_mean_degraded() -> None:
    assert state_of(probe=probes(True, False))[0] is HealthState.DEGRADED
    assert state_of(circuit="half_open")[0] is HealthState.DEGRADED
    state, reasons = state_of(totals=totals(live=20, errors=2))
    assert state is HealthState.DEGRADED and reasons == ["error rate 10% > 5%"]
    state, reasons = state_of(totals=totals(live=10, latency_s=2.0))
    assert state is HealthState.DEGRADED and reasons[0].startswith("p95 ")


def test_few_calls_do_not_judge_the_error_rate_and_healthy_is_up() -> None:
    assert state_of(totals=totals(live=2, errors=2)) == (HealthState.UP, [])
    assert state_of(probe=probes(False, True)) == (HealthState.UP, [])


def test_monitor_counts_hits_live_calls_stale_answers_and_fail_fast_refusals() -> None:
    clock = FakeClock()
    monitor = AdapterMonitor("DANCU", window_s=60, clock=clock, wall=lambda: 1.78e9)
    found = RegistryAnswer.found(RegistryRecord(record_id="r1", fields={}), T0)
    monitor.record(found, 0.02, clock())
    monitor.record(found.model_copy(update={"served_from_cache": True}), 0.0001, clock())
    stale = found.model_copy(
        update={"served_from_cache": True, "detail": "stale-if-error: timeout"}
    )
    monitor.record(stale, 1.5, clock())
    monitor.record(RegistryAnswer.unavailable(UnavailableReason.CIRCUIT_OPEN, T0), 0.0, clock())
    snap = monitor.snapshot(HealthThresholds(min_calls=100))
    assert (snap.calls, snap.cache_hits, snap.live_calls, snap.errors) == (4, 1, 3, 2)
    assert snap.errors_by_reason == {"timeout": 1, "circuit_open": 1}
    assert snap.cache_hit_ratio == 0.25
    assert sum(monitor.durations["found"].counts) == 1  # the circuit refusal has no latency
    assert sum(monitor.durations["unavailable"].counts) == 1
    assert snap.last_error is not None and snap.last_error.reason == "circuit_open"
    assert snap.last_success_at is not None
    assert snap.state is HealthState.UP and snap.circuit.state is None


def test_monitor_keeps_the_probe_history_for_the_rule() -> None:
    monitor = AdapterMonitor("HOTICH", clock=FakeClock())
    for ok in (True, False, False):
        monitor.record_probe(Health(registry="HOTICH", ok=ok, detail=None, checked_at=T0))
    snap = monitor.snapshot(HealthThresholds())
    assert snap.state is HealthState.DOWN
    assert snap.probe.ok is False and snap.probe.consecutive_failures == 2


@pytest.mark.parametrize(
    ("raw", "accepted"),
    [
        ("abc-123_X.y", True),
        ("a" * 128, True),
        ("a" * 129, False),
        ("", False),
        ("has space", False),
        ("001225956789\n", False),
        ("ü", False),
        (None, False),
    ],
)
def test_request_ids_are_taken_only_when_short_and_plain(raw: str | None, accepted: bool) -> None:
    assert valid_request_id(raw) == (raw if accepted else None)
