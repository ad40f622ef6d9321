"""Transport concerns every adapter shares: the httpx client, auth headers, timeouts, and the
one place where httpx exceptions become core `RegistryError`s.

Resilience (deadline, retries, circuit breaker, bulkhead, size cap) is added here once, so that
adapters never write it themselves.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import httpx

from shared_data.domain import UnavailableReason
from shared_data.errors import RegistryError

# Registries answer small documents; anything bigger is an error on their side.
DEFAULT_MAX_BODY_BYTES = 1_000_000


@contextmanager
def translate_errors(registry_id: str) -> Iterator[None]:
    """Map httpx's exception tree onto `RegistryError` with the most specific reason."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise RegistryError(
            UnavailableReason.TIMEOUT, f"{registry_id}: timed out", retriable=True
        ) from exc
    except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise RegistryError(
            UnavailableReason.UPSTREAM_ERROR, f"{registry_id}: connection failed", retriable=True
        ) from exc
    except httpx.HTTPError as exc:
        raise RegistryError(
            UnavailableReason.UPSTREAM_ERROR, f"{registry_id}: transport error"
        ) from exc


class RegistryTransport:
    """An httpx client bound to one registry: base URL, auth headers and timeouts."""

    def __init__(
        self,
        registry_id: str,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        read_timeout_s: float = 3.0,
        transport: httpx.AsyncBaseTransport | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self.registry_id = registry_id
        self.max_body_bytes = max_body_bytes
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers=dict(headers or {}),
            timeout=httpx.Timeout(read_timeout_s, connect=min(read_timeout_s, 2.0)),
            follow_redirects=False,
            transport=transport,
        )

    async def send(self, request: httpx.Request) -> httpx.Response:
        """Send one request and read its body, translating transport failures."""
        with translate_errors(self.registry_id):
            response = await self._client.send(request)
            await response.aread()
        return response

    def build_request(self, method: str, url: str, **kwargs: object) -> httpx.Request:
        return self._client.build_request(method, url, **kwargs)  # type: ignore[arg-type]

    async def aclose(self) -> None:
        await self._client.aclose()
