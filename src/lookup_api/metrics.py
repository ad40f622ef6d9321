"""`/metrics`: Prometheus exposition from counters the service already keeps, read at scrape.

One `CollectorRegistry` per app (never the global one: several apps share a test process).
`ServiceCollector` turns the app's `Telemetry`, each registry's `AdapterMonitor` and
`AdapterRuntime` (breaker, cache) and the audit log's stats into metric families when scraped:
nothing is incremented on the request path for Prometheus' sake. The list, with meanings, is
in docs/OPERATIONS.md. Labels: document_type, registry, outcome, reason, state, method, route
(a template), status: never a personal identifier.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from adapters.monitoring import CIRCUIT_STATE_VALUE, HealthBoard
from adapters.registry import AdapterRuntime, runtime_of
from lookup_api.telemetry import Telemetry
from shared_data.health import HealthState
from shared_data.traffic import LatencyHistogram

PREFIX = "shared_data"
HEALTH_VALUE = {HealthState.UP: 0, HealthState.DEGRADED: 1, HealthState.DOWN: 2}
# (field of the audit log's stats, metric name, kind, help)
AUDIT_STATS = (
    ("batches", "audit_batches", "counter", "Audit transactions committed (group commits)"),
    ("rows", "audit_rows", "counter", "Audit events committed"),
    ("failed_batches", "audit_failed_batches", "counter", "Audit transactions that failed"),
    ("failed_rows", "audit_failed_rows", "counter", "Audit events whose transaction failed"),
    ("queued", "audit_queue_depth", "gauge", "Audit events waiting for the writer"),
)
# (field of the quotas' stats, metric name, help): counters only.
QUOTA_STATS = (
    ("rate_limited", "quota_rate_limited", "Lookups refused by a client's rate limit (429)"),
    ("enumeration_flagged", "enumeration_flagged",
     "Lookups flagged enumeration_suspected: the client is past its distinct-subject ceiling"),
    ("backend_errors", "quota_backend_errors", "Quota store errors (the lookup went on)"),
)  # fmt: skip


def _buckets(histogram: LatencyHistogram) -> list[tuple[str, float]]:
    return [("+Inf" if math.isinf(le) else repr(le), count) for le, count in histogram.buckets()]


def _histogram(
    name: str, doc: str, labels: list[str], series: Iterable[tuple[list[str], LatencyHistogram]]
) -> HistogramMetricFamily:
    family = HistogramMetricFamily(f"{PREFIX}_{name}", doc, labels=labels)
    for values, histogram in series:
        family.add_metric(values, _buckets(histogram), histogram.total_s)
    return family


class ServiceCollector(Collector):
    """Reads the app's counters at scrape time (module docstring)."""

    def __init__(self, telemetry: Telemetry, services: Callable[[], Any]) -> None:
        self._telemetry = telemetry
        self._services = services

    def collect(self) -> Iterable[Metric]:
        yield from self._own()
        services = self._services()
        if services is None:  # not started yet, or shut down
            return
        board: HealthBoard | None = getattr(services, "health", None)
        if board is not None:
            yield from self._registries(board, runtime_of(services.adapters))
        yield from self._audit(getattr(services.audit, "stats", None))
        quotas = getattr(getattr(services, "access", None), "quotas", None)
        yield from self._quotas(getattr(quotas, "stats", None))

    def _own(self) -> Iterable[Metric]:
        t = self._telemetry
        lookups = CounterMetricFamily(
            f"{PREFIX}_lookups",
            "Lookups answered, by document type, outcome (found, not_found, unavailable, "
            "pending, refused) and reason (unavailable reason or refusal code)",
            labels=["document_type", "outcome", "reason"],
        )
        for key, n in sorted(t.lookups.counts.items()):
            lookups.add_metric(list(key), n)
        yield lookups
        yield GaugeMetricFamily(
            f"{PREFIX}_http_requests_in_flight", "HTTP requests being served", t.http.in_flight
        )
        requests = CounterMetricFamily(
            f"{PREFIX}_http_requests",
            "HTTP requests served, by method, route template and status",
            labels=["method", "route", "status"],
        )
        for key, n in sorted(t.http.requests.items()):
            requests.add_metric(list(key), n)
        yield requests
        yield _histogram(
            "http_request_duration_seconds",
            "Time to serve an HTTP request, by method and route template",
            ["method", "route"],
            ((list(key), h) for key, h in sorted(t.http.durations.items())),
        )
        yield _histogram(
            "audit_write_duration_seconds",
            "Time a lookup waits for one audit event to be durable (queue + group commit)",
            [],
            [([], t.audit_writes)],
        )

    def _registries(
        self, board: HealthBoard, runtime: Mapping[str, AdapterRuntime]
    ) -> Iterable[Metric]:
        durations = HistogramMetricFamily(
            f"{PREFIX}_registry_request_duration_seconds",
            "Registry latency of live lookups (cache hits and fail-fast refusals excluded), "
            "by registry and outcome",
            labels=["registry", "outcome"],
        )
        health, probe_ok, probe_s, circuit = _registry_gauges()
        transitions = CounterMetricFamily(
            f"{PREFIX}_circuit_transitions",
            "Circuit breaker state changes since start, by registry and state entered",
            labels=["registry", "state"],
        )
        hits = CounterMetricFamily(
            f"{PREFIX}_cache_hits", "Lookups answered from the cache", labels=["registry"]
        )
        misses = CounterMetricFamily(
            f"{PREFIX}_cache_misses", "Lookups the cache could not answer", labels=["registry"]
        )
        stale = CounterMetricFamily(
            f"{PREFIX}_cache_stale_served",
            "Stale answers served because the registry was unavailable (stale-if-error)",
            labels=["registry"],
        )
        for rid, monitor in sorted(board.monitors.items()):
            for outcome, histogram in sorted(monitor.durations.items()):
                durations.add_metric([rid, outcome], _buckets(histogram), histogram.total_s)
            snapshot = monitor.snapshot(board.thresholds)
            health.add_metric([rid], HEALTH_VALUE[snapshot.state])
            if snapshot.probe.ok is not None:
                probe_ok.add_metric([rid], 1 if snapshot.probe.ok else 0)
                probe_s.add_metric([rid], (snapshot.probe.latency_ms or 0.0) / 1000)
            if snapshot.circuit.state is not None:
                circuit.add_metric([rid], CIRCUIT_STATE_VALUE[snapshot.circuit.state])
            run = runtime.get(rid)
            if run is None:
                continue
            entered: dict[str, int] = {}
            for change, n in run.transitions.items():
                new = change.split("->")[-1]
                entered[new] = entered.get(new, 0) + n
            for state, n in sorted(entered.items()):
                transitions.add_metric([rid, state], n)
            if run.cache is not None:
                hits.add_metric([rid], run.cache.stats.hits)
                misses.add_metric([rid], run.cache.stats.misses)
                stale.add_metric([rid], run.cache.stats.stale_served)
        yield from (durations, health, probe_ok, probe_s, circuit, transitions, hits, misses, stale)

    @staticmethod
    def _audit(stats: object) -> Iterable[Metric]:
        if stats is None:
            return
        for field, name, kind, doc in AUDIT_STATS:
            value = getattr(stats, field, None)
            if not isinstance(value, int | float):
                continue
            if kind == "counter":
                yield CounterMetricFamily(f"{PREFIX}_{name}", doc, value=value)
            else:
                yield GaugeMetricFamily(f"{PREFIX}_{name}", doc, value=value)

    @staticmethod
    def _quotas(stats: object) -> Iterable[Metric]:
        if stats is None:
            return
        for field, name, doc in QUOTA_STATS:
            value = getattr(stats, field, None)
            if isinstance(value, int | float):
                yield CounterMetricFamily(f"{PREFIX}_{name}", doc, value=value)


def _registry_gauges() -> tuple[GaugeMetricFamily, ...]:
    def gauge(name: str, doc: str) -> GaugeMetricFamily:
        return GaugeMetricFamily(f"{PREFIX}_{name}", doc, labels=["registry"])

    return (
        gauge("adapter_health", "Adapter health (documented rule): 0 up, 1 degraded, 2 down"),
        gauge("adapter_probe_success", "1 if the last background probe succeeded, else 0"),
        gauge("adapter_probe_duration_seconds", "Duration of the last background probe"),
        gauge("circuit_state", "Circuit breaker state: 0 closed, 1 half-open, 2 open"),
    )


def build_metrics_registry(telemetry: Telemetry, services: Callable[[], Any]) -> CollectorRegistry:
    """A registry of this app's own: the service collector plus process and platform info."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ServiceCollector(telemetry, services))
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)  # collections per generation: GC pauses show in p99
    return registry


def render(registry: CollectorRegistry) -> bytes:
    """The text exposition format (version 0.0.4)."""
    return generate_latest(registry)
