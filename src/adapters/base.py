"""The base every HTTP registry adapter derives from (Singer-tap style hooks).

A concrete adapter only says what is special about its registry:
- `build_request(request)`: the registry's wire request for one lookup;
- `parse_response(request, response)`: the registry's answer mapped to a `RegistryAnswer`
  (pure; raise `RegistryError(BAD_RESPONSE, ...)` on anything malformed);
- `probe_request()`: a cheap request proving the registry is reachable;
- `media_types` (what its answers are labelled) and `handled_statuses` (HTTP error statuses
  it reads itself, e.g. a 404 that is the registry's "no such record").
Everything else happens here and in the transport, once: sending, the size cap, status and
content-type rules, the deadline, retries, the circuit breaker and the bulkhead, and turning
technical failures into `unavailable` answers with a reason and a `retry_after`.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import ClassVar

import httpx

from adapters.transport import JSON_MEDIA_TYPES, HttpStatusError, RegistryTransport
from shared_data.domain import Health, RegistryAnswer, RegistryRequest, UnavailableReason
from shared_data.errors import RegistryError


def utcnow() -> datetime:
    return datetime.now(UTC)


class HttpRegistryAdapter(ABC):
    """Implements the `RegistryAdapter` port over HTTP via `RegistryTransport`."""

    registry_id: str
    document_types: frozenset[str]
    schemes: frozenset[str]
    media_types: ClassVar[frozenset[str]] = JSON_MEDIA_TYPES
    handled_statuses: ClassVar[frozenset[int]] = frozenset()

    def __init__(self, transport: RegistryTransport) -> None:
        self.transport = transport

    @abstractmethod
    def build_request(self, request: RegistryRequest) -> httpx.Request: ...

    @abstractmethod
    def parse_response(
        self, request: RegistryRequest, response: httpx.Response
    ) -> RegistryAnswer: ...

    @abstractmethod
    def probe_request(self) -> httpx.Request: ...

    async def lookup(self, request: RegistryRequest) -> RegistryAnswer:
        # Built first: a question the registry cannot hold is the caller's error, raised
        # before any registry call, bulkhead slot or breaker outcome.
        wire = self.build_request(request)

        async def attempt(remaining_s: float) -> RegistryAnswer:
            # Parsed inside the attempt: a malformed answer is a breaker failure like any other.
            return self.parse_response(request, await self.send(wire, remaining_s))

        return await self.call(request, attempt)

    async def send(self, wire: httpx.Request, remaining_s: float) -> httpx.Response:
        """One request of an attempt: an answer in this registry's media types, or raise."""
        return await self.transport.attempt(
            wire, remaining_s, media_types=self.media_types, handled_statuses=self.handled_statuses
        )

    async def call(
        self, request: RegistryRequest, attempt: Callable[[float], Awaitable[RegistryAnswer]]
    ) -> RegistryAnswer:
        """Run `attempt(remaining_s)` under the registry's resilience; failures -> unavailable.

        `lookup` is one request and its parsing; an adapter with several requests per question
        (search then fetch, collect a pending answer) sends them all through `send` within one
        `attempt`, and calls this.
        """
        try:
            return await self.transport.caller.call(attempt, deadline_s=request.deadline_s)
        except RegistryError as exc:
            return RegistryAnswer.unavailable(
                exc.reason, utcnow(), detail=exc.detail, retry_after=self._retry_after(exc)
            )

    def _retry_after(self, exc: RegistryError) -> float | None:
        """When to ask again: the registry's Retry-After or the breaker's open time, else the
        policy's hint; none after a refusal that no retry cures (a 4xx such as a refused
        credential or an invalid request, or the same refusal in the registry's own words)."""
        if exc.retry_after is not None:
            return exc.retry_after
        server_side = isinstance(exc, HttpStatusError) and exc.status >= 500
        if exc.reason is UnavailableReason.UPSTREAM_ERROR and not exc.retriable and not server_side:
            return None
        return self.transport.caller.policy.unavailable_retry_after_s

    async def probe(self) -> Health:
        """Reachability, bypassing the breaker (health checks must not feed it): ok on 2xx."""
        started = time.perf_counter()
        limit = self.transport.caller.policy.deadline_s
        try:
            async with asyncio.timeout(limit):
                response = await self.transport.fetch(self.probe_request(), limit)
            ok = 200 <= response.status_code < 300  # 401/403: reachable, but not usable
            detail = None if ok else f"status {response.status_code}"
        except TimeoutError:
            ok, detail = False, UnavailableReason.TIMEOUT.value
        except RegistryError as exc:
            ok, detail = False, exc.reason.value
        return Health(
            registry=self.registry_id,
            ok=ok,
            latency_ms=(time.perf_counter() - started) * 1000,
            detail=detail,
            checked_at=utcnow(),
        )

    async def aclose(self) -> None:
        await self.transport.aclose()
