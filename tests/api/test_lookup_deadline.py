"""A caller may ask for a shorter deadline than the service's own, never a longer one."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from adapters.simulators.world import World
from lookup_api.app import create_app
from shared_data.settings import Settings
from tests.simserver import SIM_TOKEN, SimulatorServer, running_simulators

BODY = {
    "document_type": "KHAI_SINH",
    "subject": {"scheme": "PIN", "value": "001225956789"},
    "purpose": {"procedure_code": "P14"},
}


@pytest.fixture
def hanging_hotich(sim_world: World) -> Iterator[SimulatorServer]:
    with running_simulators(sim_world, SIM_TOKEN) as server:
        httpx.put(f"{server.base_url}/_sim/faults/hotich", json={"mode": "hang"}).raise_for_status()
        yield server


@pytest.fixture
def slow_api(settings: Settings, hanging_hotich: SimulatorServer) -> Iterator[TestClient]:
    own = settings.model_copy(
        update={"simulator_url": hanging_hotich.base_url, "lookup_deadline_s": 3.0}
    )
    with TestClient(create_app(own), raise_server_exceptions=False) as client:
        yield client


def test_a_shorter_deadline_asked_by_the_caller_is_kept(
    slow_api: TestClient, auth: dict[str, str]
) -> None:
    started = time.perf_counter()
    response = slow_api.post("/v1/lookups", json={**BODY, "deadline_ms": 300}, headers=auth)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert response.json()["status"] == "unavailable"
    assert response.json()["reason"] == "timeout"
    assert elapsed < 0.3 + 0.5  # the deadline plus generous room for a loaded machine


@pytest.mark.parametrize("deadline_ms", [0, 10, 60_001, "soon"])
def test_an_impossible_deadline_is_a_422_problem(
    api: TestClient, auth: dict[str, str], deadline_ms: object
) -> None:
    response = api.post("/v1/lookups", json={**BODY, "deadline_ms": deadline_ms}, headers=auth)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
