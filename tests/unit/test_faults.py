"""FaultInjector driven through httpx.ASGITransport around a tiny Starlette app."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from adapters.simulators.faults import (
    MALFORMED_BODY,
    FaultInjector,
    FaultMode,
    FaultSpec,
    wrap_with_faults,
)

RECORD = {"record": {"id": "r1", "name": "Nguyễn Văn A"}}


async def record(request: Request) -> JSONResponse:
    return JSONResponse(RECORD)


def make_app() -> FaultInjector:
    inner = Starlette(
        routes=[Route("/dancu/{rest:path}", record), Route("/hotich/{rest:path}", record)]
    )
    return wrap_with_faults(inner, ["DANCU", "HOTICH"])


@pytest.fixture
def app() -> FaultInjector:
    return make_app()


@pytest.fixture
async def client(app: FaultInjector) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as c:
        yield c


async def set_fault(client: httpx.AsyncClient, body: dict[str, Any], rid: str = "dancu") -> None:
    response = await client.put(f"/_sim/faults/{rid}", json=body)
    assert response.status_code == 200, response.text


async def test_listing_names_each_registry_with_its_fault_path(client: httpx.AsyncClient) -> None:
    listing = (await client.get("/_sim")).json()
    assert listing["registries"] == [
        {"id": "DANCU", "base_path": "/dancu", "fault_path": "/_sim/faults/dancu"},
        {"id": "HOTICH", "base_path": "/hotich", "fault_path": "/_sim/faults/hotich"},
    ]
    assert "reset" in listing["modes"]


async def test_without_a_fault_the_real_answer_passes(client: httpx.AsyncClient) -> None:
    response = await client.get("/dancu/people/1")
    assert response.status_code == 200 and response.json() == RECORD


async def test_error_mode_answers_the_status_and_retry_after(client: httpx.AsyncClient) -> None:
    await set_fault(client, {"mode": "error", "status": 429, "retry_after": 2})
    response = await client.get("/dancu/people/1")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"


async def test_fault_applies_to_its_registry_only(client: httpx.AsyncClient) -> None:
    await set_fault(client, {"mode": "error"})
    assert (await client.get("/dancu/x")).status_code == 503
    assert (await client.get("/hotich/x")).status_code == 200


async def test_latency_mode_delays_the_real_answer(client: httpx.AsyncClient) -> None:
    await set_fault(client, {"mode": "latency", "ms": 30})
    started = time.perf_counter()
    response = await client.get("/dancu/x")
    assert time.perf_counter() - started >= 0.03
    assert response.json() == RECORD


async def test_hang_mode_never_answers_before_the_client_gives_up(
    client: httpx.AsyncClient,
) -> None:
    await set_fault(client, {"mode": "hang"})
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await client.get("/dancu/x")


async def test_hang_mode_gives_up_with_504_after_its_cap(client: httpx.AsyncClient) -> None:
    await set_fault(client, {"mode": "hang", "ms": 10})
    assert (await client.get("/dancu/x")).status_code == 504


async def test_drip_mode_sends_the_body_one_byte_at_a_time(app: FaultInjector) -> None:
    app.state.set("DANCU", FaultSpec(mode=FaultMode.DRIP, ms=0))
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": "/dancu/x"}
    scope |= {"headers": [], "query_string": b"", "root_path": ""}
    await app(scope, receive, send)
    chunks = [m["body"] for m in sent if m["type"] == "http.response.body" and m["body"]]
    assert all(len(chunk) == 1 for chunk in chunks)
    assert json.loads(b"".join(chunks)) == RECORD


async def test_reset_mode_aborts_without_an_answer(client: httpx.AsyncClient) -> None:
    await set_fault(client, {"mode": "reset"})
    with pytest.raises(ConnectionResetError):
        await client.get("/dancu/x")


async def test_reset_mode_aborts_the_server_transport_when_it_can_reach_it(
    app: FaultInjector,
) -> None:
    app.state.set("DANCU", FaultSpec(mode=FaultMode.RESET))

    class Transport:
        aborted = False

        def get_extra_info(self, name: str) -> None:
            return None

        def abort(self) -> None:
            self.aborted = True

    class Cycle:  # the shape of uvicorn's RequestResponseCycle
        def __init__(self) -> None:
            self.transport = Transport()
            self.sent: list[Any] = []

        async def send(self, message: Any) -> None:
            self.sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    cycle = Cycle()
    scope = {"type": "http", "method": "GET", "path": "/dancu/x", "headers": []}
    await app(scope, receive, cycle.send)
    assert cycle.transport.aborted and cycle.sent == []


async def test_malformed_mode_keeps_headers_but_breaks_the_body(
    client: httpx.AsyncClient,
) -> None:
    await set_fault(client, {"mode": "malformed"})
    response = await client.get("/dancu/x")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == MALFORMED_BODY
    with pytest.raises(json.JSONDecodeError):
        response.json()


async def test_truncated_mode_sends_half_the_body_well_framed(client: httpx.AsyncClient) -> None:
    full = (await client.get("/dancu/x")).content
    await set_fault(client, {"mode": "truncated"})
    response = await client.get("/dancu/x")
    assert response.content == full[: len(full) // 2]
    assert response.headers["content-length"] == str(len(full) // 2)


async def test_oversized_mode_pads_the_body_past_five_megabytes(
    client: httpx.AsyncClient,
) -> None:
    await set_fault(client, {"mode": "oversized"})
    response = await client.get("/dancu/x")
    assert len(response.content) >= 5_000_000
    assert "content-length" not in response.headers
    assert response.json() == RECORD  # still valid JSON: only a size cap catches it


async def test_wrong_content_type_mode_labels_the_body_html(client: httpx.AsyncClient) -> None:
    await set_fault(client, {"mode": "wrong_content_type"})
    response = await client.get("/dancu/x")
    assert response.headers["content-type"].startswith("text/html")


async def test_redirect_mode_answers_302_elsewhere(client: httpx.AsyncClient) -> None:
    await set_fault(client, {"mode": "redirect", "location": "http://elsewhere.invalid/"})
    response = await client.get("/dancu/x")
    assert response.status_code == 302
    assert response.headers["location"] == "http://elsewhere.invalid/"


async def test_seeded_rate_affects_a_repeatable_share(client: httpx.AsyncClient) -> None:
    await set_fault(client, {"mode": "error", "rate": 0.3, "seed": 7})
    statuses = [(await client.get("/dancu/x")).status_code for _ in range(100)]
    rng = random.Random(7)
    expected = [503 if rng.random() < 0.3 else 200 for _ in range(100)]
    assert statuses == expected
    assert 15 < statuses.count(503) < 45


async def test_rate_zero_never_applies(client: httpx.AsyncClient) -> None:
    await set_fault(client, {"mode": "error", "rate": 0})
    assert {(await client.get("/dancu/x")).status_code for _ in range(20)} == {200}


async def test_count_applies_to_that_many_requests_then_clears(client: httpx.AsyncClient) -> None:
    await set_fault(client, {"mode": "error", "count": 2})
    statuses = [(await client.get("/dancu/x")).status_code for _ in range(4)]
    assert statuses == [503, 503, 200, 200]
    assert (await client.get("/_sim/faults/dancu")).json() == {"DANCU": None}


async def test_get_shows_and_delete_clears_the_fault(client: httpx.AsyncClient) -> None:
    await set_fault(client, {"mode": "latency", "ms": 5})
    shown = (await client.get("/_sim/faults/dancu")).json()["DANCU"]
    assert shown["mode"] == "latency" and shown["ms"] == 5
    assert (await client.delete("/_sim/faults/dancu")).json() == {"DANCU": None}
    assert (await client.get("/dancu/x")).status_code == 200


async def test_fault_on_the_root_path_applies_to_every_registry(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.put("/_sim/faults", json={"mode": "error"})).status_code == 200
    assert (await client.get("/dancu/x")).status_code == 503
    assert (await client.get("/hotich/x")).status_code == 503
    await client.delete("/_sim/faults")
    assert (await client.get("/hotich/x")).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mode": "explode"}, "mode"),
        ({"mode": "error", "rate": 1.5}, "rate"),
        ({"mode": "error", "status": 200}, "status"),
        ({"mode": "latency", "ms": -1}, "ms"),
        ({"mode": "error", "colour": "red"}, "colour"),
        ({}, "mode"),
    ],
)
async def test_invalid_fault_is_422_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await client.put("/_sim/faults/dancu", json=body)
    assert response.status_code == 422
    assert field in response.json()["detail"]


async def test_body_that_is_not_json_is_422(client: httpx.AsyncClient) -> None:
    response = await client.put("/_sim/faults/dancu", content=b"mode=error")
    assert response.status_code == 422


async def test_unknown_registry_fault_path_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.put("/_sim/faults/nope", json={"mode": "error"})).status_code == 404


async def test_stats_count_upstream_calls_per_registry_and_reset(
    client: httpx.AsyncClient,
) -> None:
    await set_fault(client, {"mode": "error", "count": 1})
    for _ in range(3):
        await client.get("/dancu/x")
    await client.get("/hotich/x")
    await client.get("/_sim")
    stats = (await client.get("/_sim/stats")).json()
    assert stats == {
        "DANCU": {"requests": 3, "faulted": 1},
        "HOTICH": {"requests": 1, "faulted": 0},
    }
    await client.delete("/_sim/stats")
    assert (await client.get("/_sim/stats")).json()["DANCU"] == {"requests": 0, "faulted": 0}
