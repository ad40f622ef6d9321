"""HN_KHO over real HTTP on loopback: the registered adapter (signing, search then fetch)
against the simulator of the session's world (as of 2026-06-01)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from adapters.hn_kho.documents import (
    COPY_OF_DIVORCE,
    PERMIT_IN_FORCE,
    PERMIT_LAPSED,
    UNKNOWN_DOSSIER,
)
from adapters.registry import build_adapters
from adapters.simulators.fixtures import DINH, MAU, NOT_FOUND_PIN, THU
from adapters.simulators.world import World
from shared_data.catalog import Catalog
from shared_data.domain import Outcome, RegistryAnswer, RegistryRequest, Subject, UnavailableReason
from shared_data.ports import RegistryAdapter
from shared_data.settings import Settings
from shared_data.validity import evaluate
from tests.simserver import SimulatorServer, running_simulators

PERMIT, COPY = "GIAY_PHEP_XAY_DUNG", "BAN_SAO_DIEN_TU"


def _kho(server: SimulatorServer, token: str, catalog: Catalog) -> RegistryAdapter:
    settings = Settings(simulator_url=server.base_url, simulator_token=SecretStr(token))
    adapters = build_adapters(settings, catalog)
    return adapters["HN_KHO"]


@pytest.fixture
async def kho(
    simulators: SimulatorServer, sim_token: str, catalog: Catalog
) -> AsyncIterator[RegistryAdapter]:
    adapter = _kho(simulators, sim_token, catalog)
    yield adapter
    await adapter.aclose()


async def _ask(kho: RegistryAdapter, document_type: str, scheme: str, value: str) -> RegistryAnswer:
    request = RegistryRequest(
        lookup_id=f"loopback-{document_type}-{value}", registry="HN_KHO",
        document_type=document_type, subject=Subject(scheme=scheme, value=value),
    )  # fmt: skip
    answer: RegistryAnswer = await kho.lookup(request)
    return answer


async def test_a_permit_is_found_by_its_dossier_number(
    kho: RegistryAdapter, catalog: Catalog, sim_world: World
) -> None:
    answer = await _ask(kho, PERMIT, "DOSSIER_NO", PERMIT_IN_FORCE)
    assert answer.outcome is Outcome.FOUND and answer.record is not None, answer
    assert answer.record.record_id == "GPXD2026000001"
    assert answer.record.fields["parcel_key"] == "99999-12-345"
    rule = catalog.document_types[PERMIT].validity
    assert evaluate(rule, answer.record, sim_world.as_of).reusable
    uri = catalog.document_uri(PERMIT, answer.record.record_id)
    assert uri == "vn.gov.hn_kho-GIAY_PHEP_XAY_DUNG-GPXD2026000001"  # the Kho's own URI


@pytest.mark.parametrize(
    ("document_type", "scheme", "value", "record_id"),
    [(PERMIT, "PIN", MAU, "GPXD2026000001"), (PERMIT, "PIN", THU, "GPXD2026000001"),
     (PERMIT, "ENTERPRISE_CODE", "0199900018", "GPXD2024000003"),
     (COPY, "PIN", DINH, "BSCT2025000007"),
     (COPY, "DOSSIER_NO", COPY_OF_DIVORCE, "BSCT2025000007")],
)  # fmt: skip
async def test_results_are_found_by_their_owner(
    kho: RegistryAdapter, document_type: str, scheme: str, value: str, record_id: str
) -> None:
    answer = await _ask(kho, document_type, scheme, value)
    assert answer.outcome is Outcome.FOUND and answer.record is not None, answer
    assert answer.record.record_id == record_id


async def test_a_lapsed_permit_is_found_and_not_reusable(
    kho: RegistryAdapter, catalog: Catalog, sim_world: World
) -> None:
    answer = await _ask(kho, PERMIT, "DOSSIER_NO", PERMIT_LAPSED)
    assert answer.record is not None
    validity = evaluate(catalog.document_types[PERMIT].validity, answer.record, sim_world.as_of)
    assert (validity.reusable, validity.reason) == (False, "expired: valid until 2025-09-10")


@pytest.mark.parametrize(
    ("document_type", "scheme", "value"),
    [(PERMIT, "DOSSIER_NO", UNKNOWN_DOSSIER), (PERMIT, "PIN", NOT_FOUND_PIN), (COPY, "PIN", MAU)],
)
async def test_what_the_kho_does_not_hold_is_not_found(
    kho: RegistryAdapter, document_type: str, scheme: str, value: str
) -> None:
    answer = await _ask(kho, document_type, scheme, value)
    assert answer.outcome is Outcome.NOT_FOUND, answer


async def test_a_wrong_key_is_unavailable_never_not_found(
    simulators: SimulatorServer, catalog: Catalog
) -> None:
    kho = _kho(simulators, "not-the-key", catalog)
    try:
        answer = await _ask(kho, PERMIT, "PIN", NOT_FOUND_PIN)
    finally:
        await kho.aclose()
    assert (answer.outcome, answer.reason) == (
        Outcome.UNAVAILABLE,
        UnavailableReason.UPSTREAM_ERROR,
    )


async def test_a_stopped_kho_is_unavailable_never_not_found(
    sim_world: World, sim_token: str, catalog: Catalog
) -> None:
    with running_simulators(sim_world, sim_token) as server:
        kho = _kho(server, sim_token, catalog)
        try:
            assert (await _ask(kho, PERMIT, "PIN", MAU)).outcome is Outcome.FOUND
            server.stop()
            # An unknown dossier: a cache cannot answer it, the stopped Kho must be asked.
            answer = await _ask(kho, PERMIT, "DOSSIER_NO", UNKNOWN_DOSSIER)
            assert (answer.outcome, answer.reason) == (
                Outcome.UNAVAILABLE, UnavailableReason.UPSTREAM_ERROR,
            )  # fmt: skip
            assert not (await kho.probe()).ok
        finally:
            await kho.aclose()
