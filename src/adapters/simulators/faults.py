"""Fault injection for the registry simulators, controlled at run time over HTTP.

`wrap_with_faults(app, registry_ids)` puts `FaultInjector` (pure ASGI: it must hold, drip and
abort responses) before the simulators' host app. A request under `/{registry_id_lower}` is an
upstream call to that registry, counted, and gets the registry's fault if one is set.
Admin routes, never faulted nor counted:
- `GET /_sim`: each simulated registry with its base path and fault path;
- `PUT /_sim/faults/{registry}` (or `/_sim/faults` for all) with a `FaultSpec` such as
  `{"mode": "error", "status": 503}` (modes: see `FaultMode`); `GET` shows it, `DELETE`
  clears it; an invalid body is a 422 naming the field. `rate` (0..1) applies it to that
  share of requests (`seed` makes the draw repeatable), `count` to that many, then clears it;
- `GET /_sim/stats` -> `{registry: {"requests": n, "faulted": m}}`; `DELETE` resets them.
State: in memory, per registry, one event loop (no await between a read and its write).
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MALFORMED_BODY = b'{"result": <malformed>, "items": [1, 2,'


class FaultMode(StrEnum):
    """What a client of a faulted registry sees."""

    ERROR = "error"  # `status` (503) with a JSON body; `retry_after` adds the header
    LATENCY = "latency"  # the real answer, `ms` (300) later
    HANG = "hang"  # nothing until the client leaves (504 after `ms`, default 10 min)
    DRIP = "drip"  # the real headers, then the body one byte every `ms` (100)
    RESET = "reset"  # the connection aborted without a response (see `_Exchange.reset`)
    MALFORMED = "malformed"  # status and headers kept, body neither JSON nor XML
    TRUNCATED = "truncated"  # well framed, but only the first half of the real body
    OVERSIZED = "oversized"  # body padded with spaces to `size_bytes` (5 MB), chunked
    WRONG_CONTENT_TYPE = "wrong_content_type"  # the real body labelled text/html
    REDIRECT = "redirect"  # 302 to `location` (an unroutable loopback port)


class FaultSpec(BaseModel):
    """The body of `PUT /_sim/faults/...`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: FaultMode
    rate: float = Field(1.0, ge=0, le=1)
    count: int | None = Field(None, ge=1)
    seed: int | None = None
    status: int = Field(503, ge=400, le=599)
    retry_after: int | None = Field(None, ge=0)
    ms: int | None = Field(None, ge=0, le=600_000)
    size_bytes: int = Field(5_000_000, ge=1, le=50_000_000)
    location: str = "http://127.0.0.1:9/moved"

    @property
    def delay_s(self) -> float:
        defaults = {FaultMode.LATENCY: 300, FaultMode.HANG: 600_000, FaultMode.DRIP: 100}
        return (self.ms if self.ms is not None else defaults.get(self.mode, 0)) / 1000


@dataclass
class FaultState:
    """Per registry: its fault, random draws, remaining count, and request counters."""

    faults: dict[str, FaultSpec] = field(default_factory=dict)
    rngs: dict[str, random.Random] = field(default_factory=dict)
    remaining: dict[str, int] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    faulted: Counter[str] = field(default_factory=Counter)

    def set(self, registry_id: str, spec: FaultSpec) -> None:
        self.faults[registry_id] = spec
        self.rngs[registry_id] = random.Random(spec.seed)
        if spec.count is not None:
            self.remaining[registry_id] = spec.count

    def clear(self, registry_id: str) -> None:
        self.faults.pop(registry_id, None)
        self.remaining.pop(registry_id, None)

    def take(self, registry_id: str) -> FaultSpec | None:
        """Count one upstream request and say which fault, if any, applies to it."""
        self.requests[registry_id] += 1
        spec = self.faults.get(registry_id)
        if spec is None or (spec.rate < 1 and self.rngs[registry_id].random() >= spec.rate):
            return None
        if registry_id in self.remaining:
            self.remaining[registry_id] -= 1
            if self.remaining[registry_id] <= 0:
                self.clear(registry_id)
        self.faulted[registry_id] += 1
        return spec


def _headers(real: list[Any], length: int | None, **replace: bytes) -> list[Any]:
    """The real headers with a new Content-Length (None: chunked) and any others replaced."""
    new = {k.replace("_", "-").encode(): v for k, v in replace.items()}
    if length is not None:
        new[b"content-length"] = str(length).encode()
    drop = {*new, b"content-length"}
    return [(k, v) for k, v in real if k.lower() not in drop] + list(new.items())


class FaultInjector:
    """Pure ASGI middleware: admin routes under `/_sim`, faults under each registry's path."""

    def __init__(
        self, app: ASGIApp, registry_ids: list[str], listing: dict[str, Any] | None = None
    ) -> None:
        self.app = app
        self.state = FaultState()
        self._by_path = {rid.lower(): rid for rid in registry_ids}
        self._extra_listing = dict(listing or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        http, path = scope["type"] == "http", scope.get("path", "")
        registry_id = self._by_path.get(path.strip("/").split("/", 1)[0]) if http else None
        if http and (path == "/_sim" or path.startswith("/_sim/")):
            response = await self._admin(Request(scope, receive))
            await response(scope, receive, send)
        elif registry_id and (spec := self.state.take(registry_id)) is not None:
            await _Exchange(spec, self.app, scope, receive, send).apply()
        else:
            await self.app(scope, receive, send)

    async def _admin(self, request: Request) -> Response:
        parts, method = request.url.path.strip("/").split("/"), request.method
        if parts == ["_sim"] and method == "GET":
            return JSONResponse(self._listing())
        if parts == ["_sim", "stats"] and method in ("GET", "DELETE"):
            if method == "DELETE":
                self.state.requests.clear()
                self.state.faulted.clear()
            counts = {"requests": self.state.requests, "faulted": self.state.faulted}
            return JSONResponse(
                {r: {k: c[r] for k, c in counts.items()} for r in self._by_path.values()}
            )
        if parts[:2] == ["_sim", "faults"] and len(parts) <= 3:
            wanted = parts[2].lower() if len(parts) == 3 else None
            targets = [rid for low, rid in self._by_path.items() if wanted in (None, low)]
            if not targets:
                return _problem(404, f"no simulated registry at {request.url.path}")
            return await self._fault_route(request, targets)
        return _problem(404, f"no admin route {method} {request.url.path}")

    async def _fault_route(self, request: Request, targets: list[str]) -> Response:
        if request.method == "PUT":
            try:
                spec = FaultSpec.model_validate_json(await request.body())
            except ValidationError as exc:
                return _problem(422, _explain(exc))
            for rid in targets:
                self.state.set(rid, spec)
        elif request.method == "DELETE":
            for rid in targets:
                self.state.clear(rid)
        elif request.method != "GET":
            return _problem(405, "use GET, PUT or DELETE")
        specs = {rid: self.state.faults.get(rid) for rid in targets}
        return JSONResponse(
            {rid: s.model_dump(mode="json") if s else None for rid, s in specs.items()}
        )

    def _listing(self) -> dict[str, Any]:
        registries = [
            {"id": rid, "base_path": f"/{low}", "fault_path": f"/_sim/faults/{low}"}
            for low, rid in self._by_path.items()
        ]
        paths = {"faults_path": "/_sim/faults", "stats_path": "/_sim/stats"}
        modes = [mode.value for mode in FaultMode]
        return {"registries": registries, **paths, "modes": modes, **self._extra_listing}


def wrap_with_faults(
    app: ASGIApp, registry_ids: list[str], listing: dict[str, Any] | None = None
) -> FaultInjector:
    """The host app wrapped with fault injection and the `/_sim` admin routes; `listing`
    adds its keys to what `GET /_sim` shows."""
    return FaultInjector(app, registry_ids, listing)


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"status": status, "detail": detail}, status_code=status)


def _explain(exc: ValidationError) -> str:
    return "invalid fault: " + "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in exc.errors()
    )


@dataclass
class _Exchange:
    """One faulted request; each method named after a `FaultMode` applies that fault."""

    spec: FaultSpec
    app: ASGIApp
    scope: Scope
    receive: Receive
    send: Send

    async def apply(self) -> None:
        await getattr(self, self.spec.mode.value)()

    async def capture(self) -> tuple[int, list[Any], bytes]:
        """Run the real app and keep its whole response: status, headers, body."""
        start: Message = {"status": 200, "headers": []}
        body = bytearray()

        async def collect(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        await self.app(self.scope, self.receive, collect)
        return start["status"], list(start["headers"]), bytes(body)

    async def start(self, status: int, headers: list[Any]) -> None:
        await self.send({"type": "http.response.start", "status": status, "headers": headers})

    async def body(self, body: bytes, more: bool = False) -> None:
        await self.send({"type": "http.response.body", "body": body, "more_body": more})

    async def disconnected(self) -> None:
        """Return once the client has gone (any unread request body is drained first)."""
        while True:
            if (await self.receive())["type"] == "http.disconnect":
                return
            await asyncio.sleep(0)  # a receive that never blocks must not starve the loop

    async def error(self, status: int | None = None) -> None:
        status, after = status or self.spec.status, self.spec.retry_after
        headers = {"retry-after": str(after)} if after is not None else None
        response = JSONResponse({"error": "simulated_fault", "status": status}, status, headers)
        await response(self.scope, self.receive, self.send)

    async def latency(self) -> None:
        await asyncio.sleep(self.spec.delay_s)
        await self.app(self.scope, self.receive, self.send)

    async def hang(self) -> None:
        try:
            async with asyncio.timeout(self.spec.delay_s):
                while (await self.receive())["type"] != "http.disconnect":
                    pass  # drain the request body, then wait for the client to go
        except TimeoutError:
            await self.error(status=504)

    async def drip(self) -> None:
        status, headers, body = await self.capture()
        await self.start(status, _headers(headers, len(body)))
        # Stop once the client has gone (a real server's writes would fail): a dripping body
        # must not outlive its client by minutes and hold up the server's shutdown.
        gone = asyncio.create_task(self.disconnected())
        try:
            for i in range(len(body)):
                await asyncio.sleep(self.spec.delay_s)
                if gone.done():
                    return
                await self.body(body[i : i + 1], more=True)
            await self.body(b"")
        finally:
            gone.cancel()

    async def reset(self) -> None:
        """Abort the connection. Under uvicorn: reach the transport through the owner of `send`
        (RequestResponseCycle.transport, uvicorn's, not ASGI's), set SO_LINGER 0 and abort: the
        kernel sends a TCP RST, httpx raises ReadError, uvicorn logs nothing. Elsewhere (other
        servers, httpx.ASGITransport): promise more bytes than follow, then raise
        ConnectionResetError, so the server drops the connection mid-body."""
        transport: Any = getattr(getattr(self.send, "__self__", None), "transport", None)
        if callable(getattr(transport, "abort", None)):  # asyncio's or uvloop's transport
            sock = transport.get_extra_info("socket")
            if sock is not None:  # linger 0: closing sends RST instead of FIN
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
            await asyncio.sleep(0)  # let connection_lost run: the server sends nothing more
            return
        await self.start(200, [(b"content-type", b"application/json"), (b"content-length", b"64")])
        await self.body(b'{"result": ', more=True)
        raise ConnectionResetError("simulated connection reset")

    async def malformed(self) -> None:
        status, headers, _ = await self.capture()
        await self.start(status, _headers(headers, len(MALFORMED_BODY)))
        await self.body(MALFORMED_BODY)

    async def truncated(self) -> None:
        status, headers, body = await self.capture()
        await self.start(status, _headers(headers, len(body) // 2))
        await self.body(body[: len(body) // 2])

    async def wrong_content_type(self) -> None:
        status, headers, body = await self.capture()
        html = _headers(headers, len(body), content_type=b"text/html; charset=utf-8")
        await self.start(status, html)
        await self.body(body)

    async def oversized(self) -> None:
        status, headers, body = await self.capture()
        await self.start(status, _headers(headers, None))
        await self.body(body + b" " * max(0, self.spec.size_bytes - len(body)))

    async def redirect(self) -> None:
        response = Response(status_code=302, headers={"location": self.spec.location})
        await response(self.scope, self.receive, self.send)
