"""Adapter health over real HTTP: the simulators' faults drive an adapter up -> down -> up, as
`/v1/adapters/health` and `/metrics` report it, within the probe interval (plus a margin).

Each test runs its own simulators (faults set here must not leak into other tests) and the app
in-process with a short probe interval.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from adapters.simulators.fixtures import THI
from lookup_api.app import create_app
from shared_data.domain import RegistryRequest, Subject
from shared_data.settings import ResiliencePolicy, Settings
from tests.dbutil import migrated_database
from tests.opsutil import issue_client_key, metric, wait_until
from tests.simserver import SIM_TOKEN, SimulatorServer, running_simulators, small_world

PROBE_INTERVAL_S = 0.25
# Scheduling slack on a busy 2-core machine: a probe round, an HTTP poll, a thread hop.
MARGIN_S = 1.5
DOWN_AFTER = 2  # HealthThresholds.down_after_failed_probes (the default)


class Ops:
    """The app under test, its simulators and an ops client's headers."""

    def __init__(self, api: TestClient, sims: SimulatorServer, key: str) -> None:
        self.api, self.sims = api, sims
        self.headers = {"Authorization": f"Bearer {key}"}

    def health(self, registry: str) -> dict[str, Any]:
        response = self.api.get("/v1/adapters/health", headers=self.headers)
        assert response.status_code == 200, response.text
        return next(a for a in response.json() if a["registry"] == registry)

    def metrics(self) -> str:
        response = self.api.get("/metrics", headers=self.headers)
        assert response.status_code == 200, response.text
        return response.text

    def fault(self, registry: str, spec: dict[str, Any] | None) -> None:
        url = f"{self.sims.base_url}/_sim/faults/{registry.lower()}"
        response = httpx.put(url, json=spec) if spec else httpx.delete(url)
        response.raise_for_status()

    def lookup_directly(self, registry: str, document_type: str, pin: str) -> Any:
        """One lookup through the app's own (monitored) adapter, on the app's event loop."""
        adapter = self.api.app.state.services.adapters[registry]  # type: ignore[attr-defined]
        request = RegistryRequest(
            lookup_id="health-test", registry=registry, document_type=document_type,
            subject=Subject(scheme="PIN", value=pin),
        )  # fmt: skip
        assert self.api.portal is not None
        return self.api.portal.call(adapter.lookup, request)


@pytest.fixture
def ops(tmp_path: Path) -> Iterator[Ops]:
    with (
        running_simulators(small_world(), SIM_TOKEN) as sims,
        migrated_database("sqlite", tmp_path) as url,
    ):
        settings = Settings(
            database_url=url,
            simulator_url=sims.base_url,
            simulator_token=SecretStr(SIM_TOKEN),
            probe_interval_s=PROBE_INTERVAL_S,
            probe_timeout_s=0.5,
            cache_maxsize=0,
            access_log=False,
            resilience=ResiliencePolicy(
                max_attempts=1, breaker_min_calls=3, breaker_open_duration_s=0.5
            ),
        )
        key = issue_client_key(url, "ops-dashboard", "ops")
        with TestClient(create_app(settings), raise_server_exceptions=False) as api:
            yield Ops(api, sims, key)


def test_failing_registry_goes_down_then_up_in_health_and_metrics(ops: Ops) -> None:
    wait_until(lambda: ops.health("DANCU"), lambda a: a["state"] == "up", MARGIN_S)

    ops.fault("DANCU", {"mode": "error", "status": 503})
    sick, took = wait_until(lambda: ops.health("DANCU"), lambda a: a["state"] != "up", 5)
    assert took <= PROBE_INTERVAL_S + MARGIN_S  # one failed probe: degraded (or already down)
    assert sick["state"] in ("degraded", "down") and sick["probe"]["ok"] is False
    down, took = wait_until(lambda: ops.health("DANCU"), lambda a: a["state"] == "down", 5)
    assert took <= DOWN_AFTER * PROBE_INTERVAL_S + MARGIN_S
    assert down["probe"]["ok"] is False and down["probe"]["detail"] == "status 503"
    assert f"last {down['probe']['consecutive_failures']} probes failed" in down["reasons"]
    text = ops.metrics()
    assert metric(text, "shared_data_adapter_health", registry="DANCU") == 2
    assert metric(text, "shared_data_adapter_probe_success", registry="DANCU") == 0
    assert metric(text, "shared_data_adapter_health", registry="HOTICH") == 0  # not the others

    ops.fault("DANCU", None)
    up, took = wait_until(lambda: ops.health("DANCU"), lambda a: a["state"] == "up", 5)
    assert took <= PROBE_INTERVAL_S + MARGIN_S
    assert up["probe"]["ok"] is True and up["reasons"] == []
    text = ops.metrics()
    assert metric(text, "shared_data_adapter_health", registry="DANCU") == 0
    assert metric(text, "shared_data_adapter_probe_success", registry="DANCU") == 1


def test_traffic_to_a_failing_registry_opens_its_circuit_and_it_recovers(ops: Ops) -> None:
    wait_until(lambda: ops.health("HOTICH"), lambda a: a["state"] == "up", MARGIN_S)
    ops.lookup_directly("HOTICH", "KHAI_SINH", THI)  # a success: a latency for the histogram

    ops.fault("HOTICH", {"mode": "error", "status": 500})
    answers = [ops.lookup_directly("HOTICH", "KHAI_SINH", THI) for _ in range(4)]
    assert [a.outcome.value for a in answers] == ["unavailable"] * 4
    assert answers[-1].reason.value == "circuit_open"
    sick = ops.health("HOTICH")
    assert sick["state"] == "down" and "circuit open" in sick["reasons"]
    assert sick["circuit"]["state"] == "open"
    assert sick["circuit"]["transitions"][-1]["to_state"] == "open"
    assert sick["errors_by_reason"]["circuit_open"] >= 1
    assert sick["last_error"]["reason"] == "circuit_open"
    text = ops.metrics()
    assert metric(text, "shared_data_circuit_state", registry="HOTICH") == 2
    assert metric(text, "shared_data_circuit_transitions_total", registry="HOTICH", state="open")
    assert metric(
        text, "shared_data_registry_request_duration_seconds_count",
        registry="HOTICH", outcome="found",
    ) == 1  # fmt: skip

    ops.fault("HOTICH", None)
    # After the open duration the breaker lets one trial call through; it succeeds and closes.
    wait_until(lambda: ops.health("HOTICH")["circuit"]["state"], lambda s: s == "half_open", 3)
    assert ops.lookup_directly("HOTICH", "KHAI_SINH", THI).outcome.value == "found"
    healed, _ = wait_until(lambda: ops.health("HOTICH"), lambda a: a["state"] != "down", 3)
    assert healed["circuit"]["state"] == "closed"
    assert metric(ops.metrics(), "shared_data_circuit_state", registry="HOTICH") == 0
