"""The base every HTTP registry adapter derives from (Singer-tap style hooks).

A concrete adapter only says what is special about its registry:
- `build_request(request)`: the registry's wire request for one lookup;
- `parse_response(request, response)`: the registry's answer mapped to a `RegistryAnswer`
  (pure; raise `RegistryError(BAD_RESPONSE, ...)` on anything malformed);
- `probe_request()`: a cheap request proving the registry is reachable.
Everything else (sending, error translation, turning technical failures into `unavailable`)
happens here, once.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from datetime import UTC, datetime

import httpx

from adapters.transport import RegistryTransport
from shared_data.domain import Health, RegistryAnswer, RegistryRequest
from shared_data.errors import RegistryError


def utcnow() -> datetime:
    return datetime.now(UTC)


class HttpRegistryAdapter(ABC):
    """Implements the `RegistryAdapter` port over HTTP via `RegistryTransport`."""

    registry_id: str
    document_types: frozenset[str]
    schemes: frozenset[str]

    def __init__(self, transport: RegistryTransport) -> None:
        self.transport = transport

    @abstractmethod
    def build_request(self, request: RegistryRequest) -> httpx.Request: ...

    @abstractmethod
    def parse_response(self, request: RegistryRequest, response: httpx.Response) -> RegistryAnswer:
        ...

    @abstractmethod
    def probe_request(self) -> httpx.Request: ...

    async def lookup(self, request: RegistryRequest) -> RegistryAnswer:
        try:
            response = await self.transport.send(self.build_request(request))
            return self.parse_response(request, response)
        except RegistryError as exc:
            return RegistryAnswer.unavailable(
                exc.reason, utcnow(), detail=exc.detail, retry_after=exc.retry_after
            )

    async def probe(self) -> Health:
        started = time.perf_counter()
        try:
            response = await self.transport.send(self.probe_request())
            ok = response.status_code < 500
            detail = None if ok else f"status {response.status_code}"
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
