"""The technical-failure half of the adapter contract (see tests/adapters/contract.py).

Every failure to consult the registry must come out as `unavailable` with the most specific
reason, never as `not_found`, and never as an exception. The fixtures used here (`over`,
`simulator`, `found_requests`, `content_type`) are those of `AdapterContract`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from shared_data.domain import Outcome, RegistryAnswer, RegistryRequest, UnavailableReason
from tests.adapters.contract_support import RewritingTransport, respond, same_headers


class TechnicalFailureContract:
    """Mixed into `AdapterContract`; not collected on its own."""

    async def _ask(
        self, over: Callable[..., Any], http: httpx.AsyncBaseTransport, request: RegistryRequest
    ) -> RegistryAnswer:
        async with over(http) as adapter:
            answer: RegistryAnswer = await adapter.lookup(request)
            return answer

    async def _unavailable(
        self,
        over: Callable[..., Any],
        http: httpx.AsyncBaseTransport,
        request: RegistryRequest,
        reasons: set[UnavailableReason],
    ) -> RegistryAnswer:
        answer = await self._ask(over, http, request)
        assert answer.outcome is Outcome.UNAVAILABLE, answer
        assert answer.reason in reasons, answer
        assert answer.record is None
        return answer

    # --- technical failures: unavailable, never not_found -------------------------------

    async def test_server_error_is_unavailable_upstream_error(
        self, over: Callable[..., Any], found_requests: list[RegistryRequest]
    ) -> None:
        http = httpx.MockTransport(lambda r: respond(500, b"Internal Server Error", "text/plain"))
        await self._unavailable(over, http, found_requests[0], {UnavailableReason.UPSTREAM_ERROR})

    async def test_malformed_body_is_unavailable_bad_response(
        self, over: Callable[..., Any], found_requests: list[RegistryRequest], content_type: str
    ) -> None:
        http = httpx.MockTransport(lambda r: respond(200, b"{<not-a-document", content_type))
        await self._unavailable(over, http, found_requests[0], {UnavailableReason.BAD_RESPONSE})

    async def test_truncated_answer_is_unavailable_bad_response(
        self,
        over: Callable[..., Any],
        simulator: httpx.AsyncBaseTransport,
        found_requests: list[RegistryRequest],
    ) -> None:
        def truncate(response: httpx.Response, body: bytes) -> httpx.Response:
            return same_headers(response, body[: len(body) // 2])

        http = RewritingTransport(simulator, truncate)
        await self._unavailable(over, http, found_requests[0], {UnavailableReason.BAD_RESPONSE})

    async def test_wrong_content_type_is_unavailable_bad_response(
        self,
        over: Callable[..., Any],
        simulator: httpx.AsyncBaseTransport,
        found_requests: list[RegistryRequest],
    ) -> None:
        def relabel(response: httpx.Response, body: bytes) -> httpx.Response:
            return same_headers(response, body, **{"content-type": "text/html; charset=utf-8"})

        http = RewritingTransport(simulator, relabel)
        await self._unavailable(over, http, found_requests[0], {UnavailableReason.BAD_RESPONSE})

    async def test_a_proxy_404_page_is_unavailable_never_not_found(
        self, over: Callable[..., Any], found_requests: list[RegistryRequest]
    ) -> None:
        page = b"<html><body><h1>404 Not Found</h1>nginx</body></html>"
        http = httpx.MockTransport(lambda r: respond(404, page, "text/html"))
        reasons = {UnavailableReason.UPSTREAM_ERROR, UnavailableReason.BAD_RESPONSE}
        await self._unavailable(over, http, found_requests[0], reasons)

    async def test_a_refused_credential_is_unavailable_never_not_found(
        self,
        over: Callable[..., Any],
        simulator: httpx.AsyncBaseTransport,
        found_requests: list[RegistryRequest],
    ) -> None:
        async with over(simulator, "not-the-token") as adapter:
            answer = await adapter.lookup(found_requests[0])
        assert answer.outcome is Outcome.UNAVAILABLE, answer
        assert answer.reason is UnavailableReason.UPSTREAM_ERROR

    async def test_connection_error_is_unavailable_upstream_error(
        self, over: Callable[..., Any], found_requests: list[RegistryRequest]
    ) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

        http = httpx.MockTransport(refuse)
        await self._unavailable(over, http, found_requests[0], {UnavailableReason.UPSTREAM_ERROR})

    async def test_timeout_is_unavailable_timeout(
        self, over: Callable[..., Any], found_requests: list[RegistryRequest]
    ) -> None:
        def hang(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("read timed out", request=request)

        http = httpx.MockTransport(hang)
        await self._unavailable(over, http, found_requests[0], {UnavailableReason.TIMEOUT})
