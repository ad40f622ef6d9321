"""The fault matrix (issue 3): real simulators over loopback HTTP, faults set at run time
through `/_sim/faults`, the adapters of `build_adapters` behind a `LookupService`.

Each test builds its own service (fresh breakers, budgets and cache) on this module's own
simulator server, whose faults and counters are cleared around every test. Upstream calls are
counted by the simulators (`/_sim/stats`). Measured figures are printed (`pytest -s`) and kept
as `record_property` entries of the JUnit report.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from adapters.registry import AdapterSet, build_adapters, runtime_of
from adapters.simulators.fixtures import GIA, MAU, THI
from adapters.simulators.world import World
from shared_data.catalog import Catalog
from shared_data.domain import LookupResult, Outcome, Purpose, Subject, UnavailableReason
from shared_data.lookup import LookupQuery, LookupService
from shared_data.settings import RegistrySettings, ResiliencePolicy, Settings
from tests.fakes import AllowAllGrants, FakeAuditLog
from tests.simserver import SimulatorServer, running_simulators

DEADLINE_S = 0.5
SLACK_S = 0.1
REASON = UnavailableReason
Record = Callable[[str, object], None]

# One uncached document type per wire family, so that every lookup reaches the registry:
# HOTICH (SOAP/XML), DKDN (JSON, errors in a 200) and CUTRU (JSON, 404 as "no such record").
TARGETS = {
    "HOTICH": ("XN_TTHN", "PIN", GIA),
    "DKDN": ("GCN_DKDN", "ENTERPRISE_CODE", "0199900018"),
    "CUTRU": ("SO_HO_KHAU", "PIN", MAU),
}
# fault body -> (reason, the most upstream attempts one lookup may make)
FAULTS: dict[str, tuple[dict[str, Any], REASON, int]] = {
    "error-500": ({"mode": "error", "status": 500}, REASON.UPSTREAM_ERROR, 1),
    "error-503": ({"mode": "error", "status": 503}, REASON.UPSTREAM_ERROR, 2),
    "latency": ({"mode": "latency", "ms": 1500}, REASON.TIMEOUT, 1),
    "hang": ({"mode": "hang"}, REASON.TIMEOUT, 1),
    "drip": ({"mode": "drip", "ms": 50}, REASON.TIMEOUT, 1),
    "reset": ({"mode": "reset"}, REASON.UPSTREAM_ERROR, 2),
    "malformed": ({"mode": "malformed"}, REASON.BAD_RESPONSE, 1),
    "truncated": ({"mode": "truncated"}, REASON.BAD_RESPONSE, 1),
    "oversized": ({"mode": "oversized"}, REASON.BAD_RESPONSE, 1),
    "wrong_content_type": ({"mode": "wrong_content_type"}, REASON.BAD_RESPONSE, 1),
    "redirect": ({"mode": "redirect"}, REASON.BAD_RESPONSE, 1),
}


@pytest.fixture(scope="module")
def server(sim_world: World, sim_token: str) -> Iterator[SimulatorServer]:
    """This module's own simulators: its faults never reach other tests."""
    with running_simulators(sim_world, sim_token) as sims:
        yield sims


class Sim:
    """The simulators' admin routes."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def fault(self, registry: str, body: dict[str, Any]) -> None:
        response = await self.http.put(f"/_sim/faults/{registry.lower()}", json=body)
        assert response.status_code == 200, response.text

    async def heal(self, registry: str | None = None) -> None:
        path = "/_sim/faults" + (f"/{registry.lower()}" if registry else "")
        assert (await self.http.delete(path)).status_code == 200

    async def requests(self, registry: str) -> int:
        stats = (await self.http.get("/_sim/stats")).json()
        return int(stats[registry]["requests"])

    async def reset_counts(self) -> None:
        assert (await self.http.delete("/_sim/stats")).status_code == 200


@pytest.fixture
async def sim(server: SimulatorServer) -> AsyncIterator[Sim]:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        admin = Sim(http)
        await admin.heal()
        await admin.reset_counts()
        yield admin
        await admin.heal()


class Service:
    """A LookupService over freshly built adapters, with a FakeAuditLog."""

    def __init__(self, settings: Settings, catalog: Catalog) -> None:
        self.adapters: AdapterSet = build_adapters(settings, catalog)
        self.audit = FakeAuditLog()
        self.lookups = LookupService(catalog, self.adapters, self.audit, grants=AllowAllGrants())

    async def ask(
        self, registry: str, value: str | None = None, *, document_type: str | None = None,
        deadline_s: float | None = None,
    ) -> tuple[LookupResult, float]:  # fmt: skip
        own_type, scheme, default = TARGETS[registry]
        query = LookupQuery(
            document_type=document_type or own_type,
            subject=Subject(scheme=scheme, value=value or default),
            purpose=Purpose(procedure_code="P03", dossier_id="fault-matrix"),
            deadline_s=deadline_s,
        )
        started = time.perf_counter()
        result = await self.lookups.lookup("fault-matrix", query)
        return result, time.perf_counter() - started

    async def aclose(self) -> None:
        for adapter in self.adapters.values():
            await adapter.aclose()


@pytest.fixture
async def service_factory(
    server: SimulatorServer, sim_token: str, catalog: Catalog
) -> AsyncIterator[Callable[..., Service]]:
    built: list[Service] = []

    def make(**settings: Any) -> Service:
        defaults = {"lookup_deadline_s": DEADLINE_S}
        config = Settings(
            simulator_url=server.base_url,
            simulator_token=SecretStr(sim_token),
            **(defaults | settings),
        )
        built.append(Service(config, catalog))
        return built[-1]

    yield make
    for service in built:
        await service.aclose()


def report(record_property: Record, name: str, value: object) -> None:
    print(f"\n[fault-matrix] {name}: {value}")
    record_property(name, value)


def pins(world: World, count: int) -> list[str]:
    """Distinct subjects, so that neither the cache nor single-flight joins their lookups."""
    return sorted(world.people)[:count]


# --- one lookup under each fault -----------------------------------------------------------


@pytest.mark.parametrize("registry", list(TARGETS))
@pytest.mark.parametrize("fault", list(FAULTS))
async def test_every_fault_is_unavailable_with_its_reason_within_the_deadline(
    sim: Sim,
    service_factory: Callable[..., Service],
    record_property: Record,
    registry: str,
    fault: str,
) -> None:
    body, reason, max_attempts = FAULTS[fault]
    service = service_factory()
    healthy, _ = await service.ask(registry)
    assert healthy.status is Outcome.FOUND, healthy  # the case is not faulty by itself
    await sim.fault(registry, body)
    await sim.reset_counts()

    result, elapsed = await service.ask(registry)

    attempts = await sim.requests(registry)
    report(
        record_property,
        f"{registry}/{fault}",
        f"{result.status.value} {result.reason} {elapsed * 1000:.0f} ms, {attempts} attempt(s)",
    )
    assert (result.status, result.reason) == (Outcome.UNAVAILABLE, reason), result
    assert result.document is None and result.retry_after is not None
    assert elapsed <= DEADLINE_S + SLACK_S
    assert 1 <= attempts <= max_attempts
    assert [entry.outcome for entry in service.audit.entries] == [
        Outcome.FOUND,
        Outcome.UNAVAILABLE,
    ]


async def test_a_callers_shorter_deadline_is_kept(
    sim: Sim, service_factory: Callable[..., Service]
) -> None:
    service = service_factory()
    await sim.fault("HOTICH", {"mode": "hang"})
    result, elapsed = await service.ask("HOTICH", deadline_s=0.15)
    assert result.reason is REASON.TIMEOUT
    assert 0.15 <= elapsed <= 0.15 + SLACK_S


# --- storms, the breaker, healing ----------------------------------------------------------


async def test_a_503_storm_makes_at_most_twenty_percent_more_upstream_calls(
    sim: Sim, service_factory: Callable[..., Service], record_property: Record
) -> None:
    # The breaker kept shut: this measures the retry budget alone.
    service = service_factory(resilience=ResiliencePolicy(breaker_min_calls=10_000))
    await sim.fault("HOTICH", {"mode": "error", "status": 503})
    lookups = 100
    for _ in range(lookups):
        result, _ = await service.ask("HOTICH")
        assert result.reason is REASON.UPSTREAM_ERROR
    calls = await sim.requests("HOTICH")
    report(record_property, "503-storm upstream calls per 100 lookups", calls)
    assert lookups < calls <= 1.2 * lookups


async def test_an_open_circuit_answers_at_once_without_calling_then_heals_with_one_probe(
    sim: Sim, service_factory: Callable[..., Service], record_property: Record, sim_world: World
) -> None:
    open_s, probes = 1.0, 1
    policy = ResiliencePolicy(breaker_open_duration_s=open_s, breaker_half_open_probes=probes)
    service = service_factory(registries={"HOTICH": RegistrySettings(resilience=policy)})
    breaker = runtime_of(service.adapters)["HOTICH"].caller.breaker
    await sim.fault("HOTICH", {"mode": "error", "status": 503})

    storm = 50  # the breaker opens after its minimum of 10 calls, early in the storm
    reasons = [(await service.ask("HOTICH"))[0].reason for _ in range(storm)]
    storm_calls = await sim.requests("HOTICH")
    report(record_property, "503 storm: lookups, upstream calls", (storm, storm_calls))
    assert set(reasons) == {REASON.UPSTREAM_ERROR, REASON.CIRCUIT_OPEN}
    assert reasons[-1] is REASON.CIRCUIT_OPEN and storm_calls <= 1.2 * storm

    await sim.reset_counts()
    open_times = []
    for _ in range(50):
        result, elapsed = await service.ask("HOTICH")
        assert result.reason is REASON.CIRCUIT_OPEN and 0 < (result.retry_after or 0) <= open_s
        open_times.append(elapsed)
    median_ms = statistics.median(open_times) * 1000
    report(record_property, "open-circuit answer median ms", round(median_ms, 3))
    assert await sim.requests("HOTICH") == 0

    await sim.heal("HOTICH")
    healed_at = time.perf_counter()
    # Cycled: a failed (unavailable) answer is never cached, so a subject asked again later
    # still reaches the breaker; within one burst the 20 subjects stay distinct.
    subjects = itertools.cycle(pins(sim_world, 400))
    while True:  # bursts of distinct lookups until the first one succeeds
        await sim.reset_counts()
        burst = [service.ask("HOTICH", next(subjects)) for _ in range(20)]
        results = [result for result, _ in await asyncio.gather(*burst)]
        assert await sim.requests("HOTICH") <= probes  # the rest fail fast
        if any(r.status is not Outcome.UNAVAILABLE for r in results):
            break
        assert time.perf_counter() - healed_at <= open_s + 2.0, "did not heal in time"
        await asyncio.sleep(0.05)
    healed_in = time.perf_counter() - healed_at
    report(record_property, "healed after s", round(healed_in, 3))
    assert healed_in <= open_s + 2.0
    assert breaker.state.value == "closed"
    result, _ = await service.ask("HOTICH")
    assert result.status is Outcome.FOUND


# --- isolation -----------------------------------------------------------------------------


async def test_a_hanging_registry_leaves_the_others_latency_alone(
    sim: Sim, service_factory: Callable[..., Service], record_property: Record, sim_world: World
) -> None:
    service = service_factory(lookup_deadline_s=2.0)

    async def dkdn_median(count: int = 30) -> float:
        times = []
        for _ in range(count):
            result, elapsed = await service.ask("DKDN")
            assert result.status is Outcome.FOUND
            times.append(elapsed)
        return statistics.median(times)

    await dkdn_median(5)  # warm connections
    baseline = await dkdn_median()
    await sim.fault("HOTICH", {"mode": "hang"})
    # More hung lookups than HOTICH's bulkhead holds: the rest fail fast with bulkhead_full.
    hung = [asyncio.create_task(service.ask("HOTICH", pin)) for pin in pins(sim_world, 40)]
    await asyncio.sleep(0.05)
    under_hang = await dkdn_median()
    still_hanging = sum(not task.done() for task in hung)
    outcomes = {result.reason for result, _ in await asyncio.gather(*hung)}
    report(
        record_property,
        "DKDN median ms (baseline, with HOTICH hanging)",
        (round(baseline * 1000, 2), round(under_hang * 1000, 2)),
    )
    assert still_hanging == 32  # the bulkhead's default: held for the whole measurement
    assert outcomes == {REASON.TIMEOUT, REASON.BULKHEAD_FULL}
    assert under_hang <= 3 * baseline + 0.020


# --- single-flight and auditing ------------------------------------------------------------


async def test_a_hundred_identical_cold_lookups_make_one_call_and_a_hundred_audit_records(
    sim: Sim, service_factory: Callable[..., Service]
) -> None:
    service = service_factory()
    ask = [service.ask("HOTICH", THI, document_type="KHAI_SINH") for _ in range(100)]
    results = [result for result, _ in await asyncio.gather(*ask)]
    assert {r.status for r in results} == {Outcome.FOUND}
    assert await sim.requests("HOTICH") == 1
    assert len(service.audit.entries) == 100 and not service.audit.pending
    assert len({entry.lookup_id for entry in service.audit.entries}) == 100

    again, _ = await service.ask("HOTICH", THI, document_type="KHAI_SINH")
    assert await sim.requests("HOTICH") == 1  # a hit: checked and audited, not asked again
    assert (again.provenance.live, again.document) == (False, results[0].document)
    assert len(service.audit.entries) == 101
