"""Building blocks of the adapter contract (tests/adapters/contract.py), usable on their own:
request and response makers, adapters over a test transport, and a transport that rewrites
what a real simulator answers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import date
from typing import Any, TypeVar

import httpx

from adapters.base import HttpRegistryAdapter
from adapters.clients import RegistryClient, build_transport
from adapters.transport import RegistryTransport
from shared_data.domain import RegistryAnswer, RegistryRequest, Subject
from shared_data.ports import RegistryAdapter

BASE_URL = "http://registry.test"
AS_OF = date(2026, 6, 1)
ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]
AdapterFactory = Callable[[httpx.AsyncBaseTransport, str], RegistryAdapter]
RoundTrip = Callable[[str, bytes], bytes]
Rewrite = Callable[[httpx.Response, bytes], httpx.Response]
Handler = Callable[[httpx.Request], httpx.Response]
A = TypeVar("A", bound=HttpRegistryAdapter)


def lookup(registry: str, document_type: str, scheme: str, value: str) -> RegistryRequest:
    """A RegistryRequest as the core sends it."""
    return RegistryRequest(
        lookup_id=f"contract-{document_type}-{value}",
        registry=registry,
        document_type=document_type,
        subject=Subject(scheme=scheme, value=value),
    )


def transport_to(
    registry_id: str, client: RegistryClient, http: httpx.AsyncBaseTransport, token: str = ""
) -> RegistryTransport:
    """`client`'s transport to BASE_URL, sent through `http` (MockTransport, a simulator)."""
    return build_transport(registry_id, client, BASE_URL, token, transport=http)


def adapter_factory(
    adapter: type[A], client: RegistryClient
) -> Callable[[httpx.AsyncBaseTransport, str], A]:
    """(http, token) -> `adapter` over `client`'s transport: registries with a credential header
    (an `AdapterFactory`)."""
    return lambda http, token: adapter(transport_to(adapter.registry_id, client, http, token))


async def ask_once(adapter: RegistryAdapter, request: RegistryRequest) -> RegistryAnswer:
    """One lookup, the adapter closed afterwards."""
    try:
        return await adapter.lookup(request)
    finally:
        await adapter.aclose()


def respond(status: int, body: bytes, content_type: str, **headers: str) -> httpx.Response:
    return httpx.Response(status, content=body, headers={"content-type": content_type, **headers})


class RewritingTransport(httpx.AsyncBaseTransport):
    """Forwards to an inner transport, then rewrites each response (body already read)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, rewrite: Rewrite) -> None:
        self.inner, self.rewrite = inner, rewrite
        self.bodies: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        await response.aclose()
        self.bodies.append(body)
        return self.rewrite(response, body)


def same_headers(response: httpx.Response, body: bytes, **changes: str) -> httpx.Response:
    """`body` with the original status and headers (minus framing), `changes` applied."""
    drop = {"content-length", "transfer-encoding", "content-encoding", *changes}
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in drop]
    return httpx.Response(response.status_code, headers=[*headers, *changes.items()], content=body)


def add_unknown_json_field(body: bytes) -> bytes:
    def extend(node: Any) -> Any:
        if isinstance(node, dict):
            return {**{k: extend(v) for k, v in node.items()}, "truongKhongXacDinh": "bo qua"}
        if isinstance(node, list):
            return [extend(item) for item in node]
        return node

    return json.dumps(extend(json.loads(body)), ensure_ascii=False).encode()
