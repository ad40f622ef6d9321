"""In-process counters behind `/metrics` that no other part keeps: lookups by outcome, HTTP
requests, audit write latency. Each is a plain dict or list bumped on the request's path (no
locks: one event loop) and read by the Prometheus collector at scrape time.

Labels carry no personal identifier: a document type of the catalog (anything else is
`unknown`), an outcome, a reason code, a route template, a method, a status.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from shared_data.domain import LookupResult
from shared_data.errors import SharedDataError
from shared_data.lookup import LookupQuery, LookupService
from shared_data.ports import AuditEntry, AuditLog, AuditStart
from shared_data.traffic import LatencyHistogram

# The outcome label of a lookup the service refused (invalid identifier, no grant, ...).
REFUSED = "refused"


class LookupCounter:
    """Lookups by (document_type, outcome, reason); reason "" when there is none."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, str], int] = {}

    def add(self, document_type: str, outcome: str, reason: str) -> None:
        key = (document_type, outcome, reason)
        self.counts[key] = self.counts.get(key, 0) + 1


@dataclass
class HttpStats:
    """Requests in flight, and finished ones by (method, route template, status)."""

    in_flight: int = 0
    requests: dict[tuple[str, str, str], int] = field(default_factory=dict)
    durations: dict[tuple[str, str], LatencyHistogram] = field(default_factory=dict)

    def finished(self, method: str, route: str, status: int, duration_s: float) -> None:
        key = (method, route, str(status))
        self.requests[key] = self.requests.get(key, 0) + 1
        histogram = self.durations.get((method, route))
        if histogram is None:
            histogram = self.durations[(method, route)] = LatencyHistogram()
        histogram.observe(duration_s)


@dataclass
class Telemetry:
    """The app's own counters (created with the app, read by `/metrics`)."""

    lookups: LookupCounter = field(default_factory=LookupCounter)
    http: HttpStats = field(default_factory=HttpStats)
    audit_writes: LatencyHistogram = field(default_factory=LatencyHistogram)


class TimedAuditLog:
    """The `AuditLog` port around another, timing each wait for a durable record.

    The time is what a lookup waits: queueing plus the group commit its event rides in.
    Anything else (stats, check_writable, ...) is the wrapped log's.
    """

    def __init__(
        self,
        inner: AuditLog,
        histogram: LatencyHistogram,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._inner = inner
        self._histogram = histogram
        self._clock = clock

    async def begin(self, start: AuditStart) -> None:
        started = self._clock()
        try:
            await self._inner.begin(start)
        finally:
            self._histogram.observe(self._clock() - started)

    async def complete(self, entry: AuditEntry) -> None:
        started = self._clock()
        try:
            await self._inner.complete(entry)
        finally:
            self._histogram.observe(self._clock() - started)

    async def record(self, entry: AuditEntry) -> None:
        started = self._clock()
        try:
            await self._inner.record(entry)
        finally:
            self._histogram.observe(self._clock() - started)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class MeteredLookupService(LookupService):
    """`LookupService` that counts each lookup's outcome (or refusal) in a `LookupCounter`."""

    def __init__(self, *args: Any, counter: LookupCounter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._counter = counter

    async def lookup(self, client_id: str, query: LookupQuery, **kwargs: Any) -> LookupResult:
        try:
            result = await super().lookup(client_id, query, **kwargs)
        except SharedDataError as exc:
            known: Collection[str] = self.catalog.document_types
            doc = query.document_type if query.document_type in known else "unknown"
            self._counter.add(doc, REFUSED, exc.code)
            raise
        reason = result.reason.value if result.reason is not None else ""
        self._counter.add(result.document_type, result.status.value, reason)
        return result
