"""`shared-data adapters`: the running service's adapter health, as a table in the terminal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from lookup_api.app import create_app
from lookup_api.cli import app as cli
from shared_data.settings import Settings
from tests.apiserver import running_app
from tests.dbutil import migrated_database
from tests.opsutil import issue_client_key, wait_until
from tests.simserver import SIM_TOKEN, SimulatorServer, running_simulators, small_world


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[str, str, SimulatorServer]]:
    """(base URL, ops key, simulators) of a service under uvicorn with quick probes."""
    with (
        running_simulators(small_world(), SIM_TOKEN) as sims,
        migrated_database("sqlite", tmp_path) as url,
    ):
        settings = Settings(
            database_url=url,
            simulator_url=sims.base_url,
            simulator_token=SecretStr(SIM_TOKEN),
            probe_interval_s=0.2,
            access_log=False,
        )
        key = issue_client_key(url, "ops-terminal", "ops")
        with running_app(create_app(settings)) as base_url:
            yield base_url, key, sims


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["adapters", *args], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_adapters_prints_each_registry_state_and_exits_3_when_one_is_down(
    service: tuple[str, str, SimulatorServer],
) -> None:
    base_url, key, sims = service
    _, output = wait_until(lambda: run("--url", base_url, "--key", key),
                           lambda r: r[0] == 0 and "not yet" not in r[1], 5)[0]  # fmt: skip
    assert "DANCU" in output and "HOTICH" in output and "up" in output
    assert "127.0.0.1" not in output  # no registry URL

    httpx.put(f"{sims.base_url}/_sim/faults/dkdn", json={"mode": "error"}).raise_for_status()
    _, output = wait_until(lambda: run("--url", base_url, "--key", key),
                           lambda r: r[0] == 3, 5)[0]  # fmt: skip
    assert "down" in output and "probes failed" in output


def test_adapters_needs_an_ops_key(service: tuple[str, str, SimulatorServer]) -> None:
    base_url, _, _ = service
    assert run("--url", base_url)[0] == 2
    code, output = run("--url", base_url, "--key", "sdk_nobody00_" + "x" * 32)
    assert code == 1 and "401" in output
