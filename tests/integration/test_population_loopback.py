"""DANCU and CUTRU over real HTTP on loopback: the adapters against the running simulators."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from adapters.registry import build_adapters
from adapters.simulators.fixtures import MAU, NOT_FOUND_PIN, THI
from adapters.simulators.world import World
from shared_data.catalog import Catalog
from shared_data.domain import Outcome, RegistryRequest, Subject, UnavailableReason
from shared_data.ports import RegistryAdapter
from shared_data.settings import Settings
from tests.simserver import SimulatorServer, running_simulators

LOOKUPS = [("DANCU", "CCCD"), ("DANCU", "QH_NHAN_THAN"), ("CUTRU", "CT07"), ("CUTRU", "SO_HO_KHAU")]


def _request(registry: str, document_type: str, pin: str) -> RegistryRequest:
    return RegistryRequest(
        lookup_id=f"loopback-{document_type}", registry=registry, document_type=document_type,
        subject=Subject(scheme="PIN", value=pin),
    )  # fmt: skip


def _adapters_for(
    server: SimulatorServer, token: str, catalog: Catalog
) -> dict[str, RegistryAdapter]:
    settings = Settings(
        simulator_url=server.base_url,
        simulator_token=SecretStr(token),
        cache_maxsize=0,  # the adapters themselves: a cached answer would outlive a stop
    )
    # One plain-HTTP connection pool for all: building a TLS context per client costs ~40 ms.
    return build_adapters(settings, catalog, http_transport=httpx.AsyncHTTPTransport())


@pytest.fixture
async def adapters(
    simulators: SimulatorServer, sim_token: str, catalog: Catalog
) -> AsyncIterator[dict[str, RegistryAdapter]]:
    built = _adapters_for(simulators, sim_token, catalog)
    yield built
    for adapter in built.values():
        await adapter.aclose()


@pytest.mark.parametrize(("registry", "document_type"), LOOKUPS)
async def test_fixture_subject_is_found_over_loopback(
    adapters: dict[str, RegistryAdapter], registry: str, document_type: str
) -> None:
    answer = await adapters[registry].lookup(_request(registry, document_type, THI))
    assert answer.outcome is Outcome.FOUND, answer
    assert answer.record is not None and answer.record.fields["pin"] == THI


@pytest.mark.parametrize(("registry", "document_type"), LOOKUPS)
async def test_unknown_pin_is_not_found_over_loopback(
    adapters: dict[str, RegistryAdapter], registry: str, document_type: str
) -> None:
    answer = await adapters[registry].lookup(_request(registry, document_type, NOT_FOUND_PIN))
    assert answer.outcome is Outcome.NOT_FOUND, answer


async def test_cmnd9_subject_is_resolved_over_loopback(
    adapters: dict[str, RegistryAdapter],
) -> None:
    request = RegistryRequest(
        lookup_id="loopback-cmnd9", registry="DANCU", document_type="CCCD",
        subject=Subject(scheme="CMND9", value="013912345"),
    )  # fmt: skip
    answer = await adapters["DANCU"].lookup(request)
    assert answer.outcome is Outcome.FOUND and answer.record is not None
    assert answer.record.record_id == MAU


@pytest.mark.parametrize("registry", ["DANCU", "CUTRU", "HOTICH", "DKDN"])
async def test_every_mounted_simulator_answers_its_adapters_probe(
    adapters: dict[str, RegistryAdapter], registry: str
) -> None:
    health = await adapters[registry].probe()
    assert health.ok, health


async def test_simulator_index_lists_the_registries(simulators: SimulatorServer) -> None:
    async with httpx.AsyncClient(base_url=simulators.base_url) as http:
        listing = (await http.get("/_sim")).json()
    # Among the others (every registry of the catalog has its simulator).
    assert {r["id"]: r["base_path"] for r in listing["registries"]}.items() >= {
        "DANCU": "/dancu", "CUTRU": "/cutru", "HOTICH": "/hotich", "DKDN": "/dkdn"
    }.items()  # fmt: skip


async def test_a_stopped_registry_is_unavailable_never_not_found(
    sim_world: World, sim_token: str, catalog: Catalog
) -> None:
    with running_simulators(sim_world, sim_token) as server:
        adapters = _adapters_for(server, sim_token, catalog)
        try:
            for registry, document_type in LOOKUPS:
                before = await adapters[registry].lookup(_request(registry, document_type, MAU))
                assert before.outcome is Outcome.FOUND
            server.stop()
            for registry, document_type in LOOKUPS:
                after = await adapters[registry].lookup(_request(registry, document_type, MAU))
                assert after.outcome is Outcome.UNAVAILABLE, after
                assert after.reason is UnavailableReason.UPSTREAM_ERROR
            assert not (await adapters["DANCU"].probe()).ok
        finally:
            for adapter in adapters.values():
                await adapter.aclose()
