"""Transport concerns every adapter shares: the httpx client, auth headers, per-attempt
timeouts, the body size cap, the HTTP status and content-type rules, and the one place where
httpx exceptions become core `RegistryError`s.

`RegistryTransport.attempt(request, remaining_s, ...)` is one attempt; the total deadline,
retries, circuit breaker and bulkhead around attempts belong to the registry's
`ResilientCaller` (`adapters.resilience`), which the transport holds so that each registry has
exactly one. Rules of one attempt, the same for every registry:
- every network step (connect, each read) waits at most min(read timeout, time left);
- redirects are never followed: a 3xx is `bad_response` (a moved registry is configuration,
  and following one could carry our credentials elsewhere);
- the body is streamed and capped at `max_body_bytes` (a larger Content-Length is refused
  before reading): over the cap is `bad_response`, not retriable;
- a 2xx, or a status the adapter declares it reads itself (`handled_statuses`, e.g. DANCU's
  404 "no such record"), in one of the adapter's media types goes to the adapter; a 2xx in
  any other type is `bad_response`; a declared status in another type is an HTTP error (a
  proxy's 404 page is not the registry speaking);
- HTTP errors are `upstream_error`: 502/503/504 retriable (after Retry-After when given), 429
  retriable only with a Retry-After, every other 4xx/5xx not (our key or our request is wrong,
  or the registry failed in a way a retry will not fix).
"""

from __future__ import annotations

import email.utils
import functools
import re
import ssl
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx

from adapters.resilience import ResiliencePolicy, ResilientCaller
from shared_data.domain import UnavailableReason
from shared_data.errors import RegistryError

JSON_MEDIA_TYPES = frozenset({"application/json"})
XML_MEDIA_TYPES = frozenset({"text/xml", "application/xml", "application/soap+xml"})
RETRIABLE_STATUSES = frozenset({502, 503, 504})
# A Retry-After beyond this is read as this: the answer says "much later" either way.
MAX_RETRY_AFTER_S = 3600.0
_SECONDS_RE = re.compile(r"^\d+(\.\d+)?$", re.ASCII)
# Headers describing the wire framing of a body we have already read and decoded.
_FRAMING = frozenset({"content-encoding", "content-length", "transfer-encoding"})


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for every registry client: each costs ~0.1 s to build."""
    return httpx.create_ssl_context()


def network_transport(kind: str) -> httpx.AsyncBaseTransport | None:
    """The transport under each registry's httpx client: None is httpx's own pool; "aiohttp"
    is httpx-aiohttp's (httpx's pool slows sharply under concurrency: docs/PERFORMANCE.md)."""
    if kind == "httpx":
        return None
    import aiohttp
    from httpx_aiohttp import AiohttpTransport

    def session() -> aiohttp.ClientSession:  # made on first use, inside the event loop
        connector = aiohttp.TCPConnector(ssl=default_ssl_context(), keepalive_timeout=5.0)
        client = aiohttp.ClientSession(connector=connector, trust_env=False)
        # Retries belong to the registry's ResilientCaller (bounded, budgeted): aiohttp's own
        # silent retry when a kept-alive connection breaks would double them (its test client
        # turns it off the same way).
        client._retry_connection = False
        return client

    # `verify`: the shared context, or the transport builds one of its own it never uses.
    return AiohttpTransport(verify=default_ssl_context(), client=session)


class HttpStatusError(RegistryError):
    """The registry answered with an HTTP error status; `retry_after` is only what it said."""

    def __init__(
        self, registry_id: str, status: int, *, retriable: bool, retry_after: float | None
    ) -> None:
        detail = f"{registry_id}: HTTP {status}"
        super().__init__(
            UnavailableReason.UPSTREAM_ERROR, detail, retriable=retriable, retry_after=retry_after
        )
        self.status = status


@contextmanager
def translate_errors(registry_id: str) -> Iterator[None]:
    """Map httpx's exception tree onto `RegistryError` with the most specific reason."""
    try:
        yield
    except httpx.TimeoutException as exc:
        if _aiohttp_connection_error(exc):
            raise RegistryError(
                UnavailableReason.UPSTREAM_ERROR,
                f"{registry_id}: connection failed",
                retriable=True,
            ) from exc
        raise RegistryError(
            UnavailableReason.TIMEOUT, f"{registry_id}: timed out", retriable=True
        ) from exc
    except httpx.DecodingError as exc:
        raise RegistryError(
            UnavailableReason.BAD_RESPONSE, f"{registry_id}: undecodable body"
        ) from exc
    except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise RegistryError(
            UnavailableReason.UPSTREAM_ERROR, f"{registry_id}: connection failed", retriable=True
        ) from exc
    except httpx.HTTPError as exc:
        raise RegistryError(
            UnavailableReason.UPSTREAM_ERROR, f"{registry_id}: transport error"
        ) from exc


def _aiohttp_connection_error(exc: httpx.TimeoutException) -> bool:
    """httpx-aiohttp reports every aiohttp connection error (a reset, a refused connection)
    as httpx.ConnectTimeout; only aiohttp's own timeouts (TimeoutError) are timeouts."""
    cause = exc.__cause__
    if cause is None or isinstance(cause, TimeoutError):
        return False
    return type(cause).__module__.split(".")[0] == "aiohttp"


def media_type(response: httpx.Response) -> str:
    """The response's media type, without parameters, lower case ("" when unlabelled)."""
    return str(response.headers.get("content-type", "")).split(";")[0].strip().lower()


def parse_retry_after(raw: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After value (delta-seconds or an HTTP-date), at most an hour.

    None when absent or unreadable, and for a date already past: it asks for no wait.
    """
    value = (raw or "").strip()
    if _SECONDS_RE.match(value):
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # HTTP-dates are GMT
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(seconds, MAX_RETRY_AFTER_S) if seconds > 0 else None


def status_error(registry_id: str, response: httpx.Response) -> HttpStatusError:
    """The error for an HTTP status the adapter does not read (module docstring)."""
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    # A 429 without Retry-After: asking again soon would only add to the overload.
    retriable = retry_after is not None if status == 429 else status in RETRIABLE_STATUSES
    return HttpStatusError(
        registry_id, status, retriable=retriable, retry_after=retry_after if retriable else None
    )


def check_answer(
    registry_id: str,
    response: httpx.Response,
    media_types: Collection[str],
    handled_statuses: Collection[int] = (),
) -> None:
    """Raise unless `response` is an answer the adapter should parse (module docstring)."""
    status = response.status_code
    if 300 <= status < 400:
        raise RegistryError(
            UnavailableReason.BAD_RESPONSE, f"{registry_id}: HTTP {status} redirect not followed"
        )
    if 200 <= status < 300 or status in handled_statuses:
        if media_type(response) in media_types:
            return
        if status < 300:
            expected = " or ".join(sorted(media_types))
            raise RegistryError(
                UnavailableReason.BAD_RESPONSE, f"{registry_id}: answer is not {expected}"
            )
    raise status_error(registry_id, response)


class RegistryTransport:
    """An httpx client bound to one registry: base URL, auth headers, timeouts, size cap, and
    the registry's `ResilientCaller` (a default one when none is given: tests, tools)."""

    def __init__(
        self,
        registry_id: str,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        read_timeout_s: float = 3.0,
        transport: httpx.AsyncBaseTransport | None = None,
        caller: ResilientCaller | None = None,
        max_body_bytes: int | None = None,
    ) -> None:
        self.registry_id = registry_id
        self.caller = caller or ResilientCaller(ResiliencePolicy(), name=registry_id)
        self.max_body_bytes = max_body_bytes or self.caller.policy.max_body_bytes
        self.read_timeout_s = read_timeout_s
        self._connect_timeout_s = min(read_timeout_s, 2.0)
        # Requests are sent straight to the transport (`fetch`): the client only builds them.
        # Its send() adds what registry calls do not use (cookie jars, auth and redirect
        # loops, proxies from the environment), ≈ a quarter of an adapter call's CPU
        # (docs/PERFORMANCE.md). Registries are reached at their configured URLs, directly.
        self._transport = transport or httpx.AsyncHTTPTransport(verify=default_ssl_context())
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers=dict(headers or {}),
            timeout=httpx.Timeout(read_timeout_s, connect=self._connect_timeout_s),
            follow_redirects=False,
            trust_env=False,
            transport=self._transport,
        )
        # httpx's merge: the base URL's path, with a trailing "/", then the relative URL.
        self._base_url = str(self._client.base_url).rstrip("/") + "/"

    async def attempt(
        self,
        request: httpx.Request,
        remaining_s: float,
        *,
        media_types: Collection[str],
        handled_statuses: Collection[int] = (),
    ) -> httpx.Response:
        """One attempt within `remaining_s`: an answer for the adapter to parse, or raise."""
        response = await self.fetch(request, remaining_s)
        check_answer(self.registry_id, response, media_types, handled_statuses)
        return response

    async def fetch(self, request: httpx.Request, timeout_s: float) -> httpx.Response:
        """Send `request` and read its capped body; judge nothing about the answer.

        Each network step waits at most min(read timeout, `timeout_s`); the caller bounds the
        total (a body dripping one byte at a time passes every per-read timeout).
        """
        step = max(0.001, min(self.read_timeout_s, timeout_s))
        connect = min(self._connect_timeout_s, step)
        request.extensions["timeout"] = httpx.Timeout(step, connect=connect).as_dict()
        with translate_errors(self.registry_id):
            response = await self._transport.handle_async_request(request)
            response.request = request
            try:
                body = await self._read_capped(response)
            finally:
                await response.aclose()
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _FRAMING]
        return httpx.Response(
            response.status_code, headers=headers, content=body, request=response.request
        )

    async def _read_capped(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise self._too_large()
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > self.max_body_bytes:
                raise self._too_large()
        return bytes(body)

    def _too_large(self) -> RegistryError:
        return RegistryError(
            UnavailableReason.BAD_RESPONSE,
            f"{self.registry_id}: answer larger than {self.max_body_bytes} bytes",
        )

    def build_request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
        json: object = None,
    ) -> httpx.Request:
        """The request `httpx.AsyncClient.build_request` would build (base URL, the client's
        headers), without its per-call merging of URLs, cookies and parameters: ≈ 20 µs less
        per registry call (docs/PERFORMANCE.md; tests/adapters/test_transport.py compares)."""
        target = url if "://" in url else self._base_url + url.lstrip("/")
        merged = self._client.headers.copy()
        if headers:
            merged.update(headers)
        return httpx.Request(
            method, target, params=params, headers=merged, content=content, json=json
        )

    async def aclose(self) -> None:
        await self._client.aclose()
