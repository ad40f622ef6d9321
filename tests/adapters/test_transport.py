"""The shared transport's rules for one attempt (httpx.MockTransport): status mapping, size
cap, content type, redirects, Retry-After; and what the adapter base makes of them."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from adapters.clients import build_transport
from adapters.dkdn import client as dkdn_client
from adapters.dkdn.adapter import DkdnAdapter
from adapters.resilience import BreakerState, ResilientCaller
from adapters.transport import (
    JSON_MEDIA_TYPES,
    MAX_RETRY_AFTER_S,
    XML_MEDIA_TYPES,
    HttpStatusError,
    RegistryTransport,
    parse_retry_after,
)
from shared_data.domain import Outcome, RegistryRequest, Subject, UnavailableReason
from shared_data.errors import RegistryError
from shared_data.settings import ResiliencePolicy

REASON = UnavailableReason
Handler = Callable[[httpx.Request], httpx.Response]
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def transport(handler: Handler, *, max_body_bytes: int | None = None) -> RegistryTransport:
    return RegistryTransport(
        "TEST", "http://registry.test", transport=httpx.MockTransport(handler),
        max_body_bytes=max_body_bytes,
    )  # fmt: skip


async def attempt(
    handler: Handler,
    *,
    media_types: frozenset[str] = JSON_MEDIA_TYPES,
    handled: frozenset[int] = frozenset(),
    max_body_bytes: int | None = None,
    remaining_s: float = 5.0,
) -> httpx.Response:
    rt = transport(handler, max_body_bytes=max_body_bytes)
    try:
        request = rt.build_request("GET", "/thing")
        return await rt.attempt(
            request, remaining_s, media_types=media_types, handled_statuses=handled
        )
    finally:
        await rt.aclose()


def reply(
    status: int, body: bytes = b"{}", content_type: str = "application/json", **headers: str
) -> Handler:
    all_headers = {"content-type": content_type, **headers}
    return lambda request: httpx.Response(status, content=body, headers=all_headers)


async def failure(
    handler: Handler,
    *,
    media_types: frozenset[str] = JSON_MEDIA_TYPES,
    handled: frozenset[int] = frozenset(),
    max_body_bytes: int | None = None,
) -> RegistryError:
    with pytest.raises(RegistryError) as raised:
        await attempt(
            handler, media_types=media_types, handled=handled, max_body_bytes=max_body_bytes
        )
    return raised.value


# --- status mapping ------------------------------------------------------------------------


async def test_a_2xx_in_the_declared_media_type_goes_to_the_adapter() -> None:
    response = await attempt(reply(200, b'{"a": 1}', "application/json; charset=utf-8"))
    assert (response.status_code, response.json()) == (200, {"a": 1})


@pytest.mark.parametrize(
    ("status", "headers", "retriable", "retry_after"),
    [
        (502, {}, True, None),
        (503, {}, True, None),
        (504, {}, True, None),
        (503, {"retry-after": "2"}, True, 2.0),
        (429, {"retry-after": "1"}, True, 1.0),
        (429, {}, False, None),  # no Retry-After: asking again soon only adds to the overload
        (500, {"retry-after": "2"}, False, None),
        (501, {}, False, None),
        (400, {}, False, None),
        (401, {}, False, None),
        (403, {}, False, None),
        (404, {"retry-after": "2"}, False, None),
    ],
)
async def test_http_errors_are_upstream_errors_retriable_only_when_transient(
    status: int, headers: dict[str, str], retriable: bool, retry_after: float | None
) -> None:
    error = await failure(reply(status, **headers))
    assert isinstance(error, HttpStatusError) and error.status == status
    assert (error.reason, error.retriable, error.retry_after) == (
        REASON.UPSTREAM_ERROR, retriable, retry_after,
    )  # fmt: skip


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirects_are_bad_responses_and_never_followed(status: int) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(status, headers={"location": "http://elsewhere.test/moved"})

    error = await failure(handler)
    assert (error.reason, error.retriable) == (REASON.BAD_RESPONSE, False)
    assert seen == ["/thing"]


async def test_a_declared_status_in_the_declared_type_goes_to_the_adapter() -> None:
    response = await attempt(reply(404, b'{"maLoi": "KHONG_TIM_THAY"}'), handled=frozenset({404}))
    assert response.status_code == 404 and response.json()["maLoi"] == "KHONG_TIM_THAY"


async def test_a_declared_status_in_another_type_is_an_http_error_not_the_registry() -> None:
    page = reply(404, b"<h1>404 Not Found</h1>nginx", "text/html")
    error = await failure(page, handled=frozenset({404}))
    assert isinstance(error, HttpStatusError) and error.status == 404


async def test_an_undeclared_status_never_reaches_the_adapter() -> None:
    error = await failure(reply(404, b'{"maLoi": "KHONG_TIM_THAY"}'))
    assert isinstance(error, HttpStatusError)


# --- content type --------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "text/plain", ""])
async def test_a_2xx_in_another_media_type_is_a_bad_response(content_type: str) -> None:
    error = await failure(reply(200, b"{}", content_type))
    assert (error.reason, error.retriable) == (REASON.BAD_RESPONSE, False)


async def test_each_adapter_declares_its_own_media_types() -> None:
    xml = reply(200, b"<a/>", "text/xml; charset=utf-8")
    assert (await attempt(xml, media_types=XML_MEDIA_TYPES)).content == b"<a/>"
    assert (await failure(xml)).reason is REASON.BAD_RESPONSE  # a JSON registry refuses XML


# --- size cap ------------------------------------------------------------------------------


class Body(httpx.AsyncByteStream):
    """A response body in chunks that records how much was read and whether it was closed."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks, self.read, self.closed = chunks, 0, False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.read += len(chunk)
            yield chunk

    async def aclose(self) -> None:
        self.closed = True


def streaming(body: Body, **headers: str) -> Handler:
    all_headers = {"content-type": "application/json", **headers}
    return lambda request: httpx.Response(200, headers=all_headers, stream=body)


async def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    body = Body([b"x" * 100])
    error = await failure(streaming(body, **{"content-length": "100"}), max_body_bytes=99)
    assert (error.reason, error.retriable) == (REASON.BAD_RESPONSE, False)
    assert body.read == 0 and body.closed


async def test_a_streamed_body_is_cut_off_at_the_cap_and_closed() -> None:
    body = Body([b"x" * 40] * 1000)  # 40 kB without Content-Length
    error = await failure(streaming(body), max_body_bytes=100)
    assert error.reason is REASON.BAD_RESPONSE
    assert body.read <= 160 and body.closed


async def test_a_body_of_exactly_the_cap_passes() -> None:
    response = await attempt(streaming(Body([b"[1,", b"2]"])), max_body_bytes=5)
    assert response.json() == [1, 2]


async def test_the_cap_applies_to_the_decoded_body_and_framing_headers_go() -> None:
    packed = gzip.compress(b"[" + b"0," * 500 + b"0]")
    handler = reply(200, packed, **{"content-encoding": "gzip"})
    assert (await failure(handler, max_body_bytes=len(packed) + 10)).reason is REASON.BAD_RESPONSE
    response = await attempt(handler)
    assert len(response.json()) == 501 and "content-encoding" not in response.headers


def test_the_cap_defaults_to_the_policy() -> None:
    policy = ResiliencePolicy(max_body_bytes=1234)
    rt = RegistryTransport("TEST", "http://registry.test", caller=ResilientCaller(policy))
    assert rt.max_body_bytes == 1234


# --- timeouts and connection failures ------------------------------------------------------


async def test_each_network_step_waits_at_most_the_time_left() -> None:
    seen: list[dict[str, float]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json={})

    await attempt(handler, remaining_s=0.4)  # read timeout 3 s, connect 2 s
    assert seen == [{"connect": 0.4, "read": 0.4, "write": 0.4, "pool": 0.4}]


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (httpx.ConnectError("refused"), REASON.UPSTREAM_ERROR),
        (httpx.ReadError("reset by peer"), REASON.UPSTREAM_ERROR),
        (httpx.RemoteProtocolError("peer closed mid-body"), REASON.UPSTREAM_ERROR),
        (httpx.ReadTimeout("slow"), REASON.TIMEOUT),
        (httpx.ConnectTimeout("slow"), REASON.TIMEOUT),
    ],
)
async def test_connection_failures_are_retriable(exc: Exception, reason: REASON) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    error = await failure(handler)
    assert (error.reason, error.retriable) == (reason, True)


# --- Retry-After ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("1.5", 1.5),
        (" 7 ", 7.0),
        ("86400", MAX_RETRY_AFTER_S),
        (format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0),
        (format_datetime(NOW - timedelta(seconds=30), usegmt=True), None),  # already past
        ("Mon, 01 Jun 2026 08:00:30", 30.0),  # no zone: HTTP-dates are GMT
        ("-5", None),
        ("soon", None),
        ("nan", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_from_seconds_or_an_http_date(
    raw: str | None, seconds: float | None
) -> None:
    assert parse_retry_after(raw, now=NOW) == seconds


# --- through the adapter base --------------------------------------------------------------


def _dkdn(handler: Handler, **policy: float) -> DkdnAdapter:
    caller = ResilientCaller(ResiliencePolicy.model_validate(policy), name="DKDN")
    http = httpx.MockTransport(handler)
    rt = build_transport(
        "DKDN", dkdn_client, "http://dkdn.test", "t", transport=http, caller=caller
    )
    return DkdnAdapter(rt)


def _ask(deadline_s: float | None = None) -> RegistryRequest:
    subject = Subject(scheme="ENTERPRISE_CODE", value="0199900018")
    return RegistryRequest(
        lookup_id="lk", registry="DKDN", document_type="GCN_DKDN", subject=subject,
        deadline_s=deadline_s,
    )  # fmt: skip


async def test_a_malformed_answer_counts_as_a_breaker_failure() -> None:
    adapter = _dkdn(reply(200, b'{"ma_loi": '), breaker_min_calls=2)
    for _ in range(2):
        answer = await adapter.lookup(_ask())
        assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, REASON.BAD_RESPONSE)
    assert adapter.transport.caller.breaker.state is BreakerState.OPEN
    answer = await adapter.lookup(_ask())
    assert answer.reason is REASON.CIRCUIT_OPEN and answer.retry_after == pytest.approx(5, abs=0.5)
    await adapter.aclose()


@pytest.mark.parametrize(("status", "calls"), [(503, 2), (500, 1)])
async def test_a_503_is_retried_once_and_a_500_never(status: int, calls: int) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(status, json={})

    adapter = _dkdn(handler, backoff_base_s=0)
    answer = await adapter.lookup(_ask())
    await adapter.aclose()
    assert answer.reason is REASON.UPSTREAM_ERROR and len(sent) == calls


@pytest.mark.parametrize(
    ("handler", "reason", "retry_after"),
    [
        (reply(503, **{"retry-after": "9"}), REASON.UPSTREAM_ERROR, 9.0),
        (reply(503), REASON.UPSTREAM_ERROR, 7.0),  # the registry said nothing about when
        (reply(500), REASON.UPSTREAM_ERROR, 7.0),
        (reply(401), REASON.UPSTREAM_ERROR, None),  # our credential: no retry cures it
        (reply(200, dkdn_client.encode_envelope(dkdn_client.ErrorCode.UNAUTHORIZED)),
         REASON.UPSTREAM_ERROR, None),
        (reply(200, b"{"), REASON.BAD_RESPONSE, 7.0),
        (reply(200, dkdn_client.encode_envelope(dkdn_client.ErrorCode.SYSTEM_ERROR)),
         REASON.UPSTREAM_ERROR, 7.0),
    ],
)  # fmt: skip
async def test_unavailable_answers_carry_a_retry_hint(
    handler: Handler, reason: REASON, retry_after: float | None
) -> None:
    adapter = _dkdn(handler, unavailable_retry_after_s=7.0, backoff_base_s=0)
    answer = await adapter.lookup(_ask())
    await adapter.aclose()
    assert (answer.reason, answer.retry_after) == (reason, retry_after)


async def test_a_callers_shorter_deadline_bounds_the_lookup() -> None:
    remaining: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        remaining.append(request.extensions["timeout"]["read"])
        raise httpx.ReadTimeout("slow", request=request)

    adapter = _dkdn(handler, max_attempts=1)
    answer = await adapter.lookup(_ask(deadline_s=0.3))
    await adapter.aclose()
    assert answer.reason is REASON.TIMEOUT and 0 < remaining[0] <= 0.3


@pytest.mark.parametrize(("status", "ok"), [(200, True), (401, False), (403, False), (503, False)])
async def test_probe_is_ok_on_2xx_only_and_never_feeds_the_breaker(status: int, ok: bool) -> None:
    adapter = _dkdn(reply(status), breaker_min_calls=1)
    health = await adapter.probe()
    await adapter.aclose()
    assert health.ok is ok and (health.detail is None) is ok
    breaker = adapter.transport.caller.breaker
    assert breaker.state is BreakerState.CLOSED and breaker.window_counts() == (0, 0)


@pytest.mark.parametrize(
    ("base_url", "url", "kwargs"),
    [
        ("http://registry.test/api", "/v1/x/001", {}),
        ("http://registry.test/api/", "v1/x/001", {"headers": {"Accept": "application/json"}}),
        ("http://registry.test", "/search", {"json": {"a": "ệ", "b": [1, 2]}}),
        ("http://registry.test/soap", "/svc?wsdl", {}),
        ("http://registry.test/q", "/find?x=1", {"params": {"pin": "001090000001"}}),
        ("http://registry.test", "/rpc", {"content": b"<x/>", "headers": {"content-type": "a/b"}}),
        ("http://registry.test", "http://other.test/abs", {}),
    ],
)
def test_built_requests_are_those_httpx_s_client_would_build(
    base_url: str, url: str, kwargs: dict[str, object]
) -> None:
    transport = RegistryTransport(
        "REG",
        base_url,
        headers={"X-Token": "t", "Accept": "*/*"},
        transport=httpx.MockTransport(lambda request: httpx.Response(200)),
    )
    ours = transport.build_request("POST", url, **kwargs)  # type: ignore[arg-type]
    client = httpx.AsyncClient(base_url=base_url, headers={"X-Token": "t", "Accept": "*/*"})
    theirs = client.build_request("POST", url, **kwargs)  # type: ignore[arg-type]
    assert (ours.method, str(ours.url)) == (theirs.method, str(theirs.url))
    assert ours.headers.multi_items() == theirs.headers.multi_items()
    assert ours.read() == theirs.read()
