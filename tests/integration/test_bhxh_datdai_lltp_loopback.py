"""BHXH, DATDAI and LLTP over real HTTP on loopback: the registered adapters (as the service
builds them, cache included) against the simulators of the session world (as of 2026-06-01),
with the catalog's validity applied on the world's date.

LLTP answers asynchronously: the session simulator makes a request ready at its second poll
(or after two seconds), so a lookup is pending, a first collect still pending, a second found.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from datetime import date

import pytest
from pydantic import SecretStr

from adapters.registry import build_adapters
from adapters.simulators.data.insurance import InsuranceBook
from adapters.simulators.data.land import LandRegister
from adapters.simulators.fixtures import CU, GIA, MAU, NOT_FOUND_PIN, THI, THU
from adapters.simulators.world import World
from shared_data.catalog import load_catalog
from shared_data.domain import (
    Outcome,
    RegistryAnswer,
    RegistryRecord,
    RegistryRequest,
    Subject,
    UnavailableReason,
)
from shared_data.pending import collect_from
from shared_data.ports import RegistryAdapter
from shared_data.settings import Settings
from shared_data.validity import evaluate
from tests.simserver import SimulatorServer, running_simulators

IDS = ("BHXH", "DATDAI", "LLTP")
PARCEL, SERIAL = "99999-12-345", "ZZ 000123"
catalog = functools.cache(load_catalog)


def _request(
    document_type: str, value: str, scheme: str = "PIN", owner: tuple[str, str] | None = None
) -> RegistryRequest:
    qualifiers = {"owner": Subject(scheme=owner[0], value=owner[1])} if owner else {}
    return RegistryRequest(
        lookup_id=f"loopback-{document_type}-{value}-{owner[1] if owner else ''}",
        registry=catalog().document_types[document_type].registry,
        document_type=document_type,
        subject=Subject(scheme=scheme, value=value),
        qualifiers=qualifiers,
    )


def _built(server: SimulatorServer, token: str) -> dict[str, RegistryAdapter]:
    settings = Settings(simulator_url=server.base_url, simulator_token=SecretStr(token))
    built = build_adapters(settings, catalog())
    return {registry: built[registry] for registry in IDS}


@pytest.fixture
async def adapters(
    simulators: SimulatorServer, sim_token: str
) -> AsyncIterator[dict[str, RegistryAdapter]]:
    built = _built(simulators, sim_token)
    yield built
    for adapter in built.values():
        await adapter.aclose()


async def _ask(adapters: dict[str, RegistryAdapter], request: RegistryRequest) -> RegistryAnswer:
    answer: RegistryAnswer = await adapters[request.registry].lookup(request)
    return answer


async def _found(adapters: dict[str, RegistryAdapter], request: RegistryRequest) -> RegistryRecord:
    answer = await _ask(adapters, request)
    assert answer.outcome is Outcome.FOUND and answer.record is not None, answer
    return answer.record


def _reusable(document_type: str, record: RegistryRecord, on: date) -> bool:
    return evaluate(catalog().document_types[document_type].validity, record, on).reusable


# --- BHXH -----------------------------------------------------------------------------------


async def test_contribution_history_is_found_by_pin_and_by_insurance_code(
    adapters: dict[str, RegistryAdapter], sim_world: World
) -> None:
    by_pin = await _found(adapters, _request("SO_BHXH", MAU))
    code = InsuranceBook(sim_world).si_codes[MAU]
    by_code = await _found(adapters, _request("SO_BHXH", code, "SI_CODE"))
    assert by_pin.fields == by_code.fields and by_pin.record_id == code
    fields = by_pin.fields
    assert fields["total_months"] == sum(p["months"] for p in fields["periods"]) > 0
    assert set(fields["employer_codes"]) <= set(sim_world.enterprises)
    assert _reusable("SO_BHXH", by_pin, sim_world.as_of)


async def test_the_deceased_stopped_contributing_the_month_they_died(
    adapters: dict[str, RegistryAdapter],
) -> None:
    record = await _found(adapters, _request("SO_BHXH", CU))
    assert all(p["to"] is not None and p["to"] <= "2026-02" for p in record.fields["periods"])


@pytest.mark.parametrize("pin", [THI, NOT_FOUND_PIN])
async def test_no_contribution_history_is_not_found(
    adapters: dict[str, RegistryAdapter], pin: str
) -> None:
    assert (await _ask(adapters, _request("SO_BHXH", pin))).outcome is Outcome.NOT_FOUND


async def test_health_insurance_cards_are_found_with_their_validity(
    adapters: dict[str, RegistryAdapter], sim_world: World
) -> None:
    adult = await _found(adapters, _request("THE_BHYT", MAU))
    child = await _found(adapters, _request("THE_BHYT", THI))
    assert adult.valid_until == date(2026, 12, 31)
    assert _reusable("THE_BHYT", adult, sim_world.as_of)
    assert not _reusable("THE_BHYT", adult, date(2027, 1, 1))
    assert child.fields["card_no"].startswith("TE1") and child.valid_until == date(2031, 8, 19)


async def test_the_card_held_without_its_data_is_unavailable_never_not_found(
    adapters: dict[str, RegistryAdapter],
) -> None:
    answer = await _ask(adapters, _request("THE_BHYT", GIA))
    assert (answer.outcome, answer.reason) == (
        Outcome.UNAVAILABLE,
        UnavailableReason.DATA_UNAVAILABLE,
    )
    assert answer.detail and "unavailable at the registry" in answer.detail
    assert (await _ask(adapters, _request("THE_BHYT", NOT_FOUND_PIN))).outcome is Outcome.NOT_FOUND


# --- DATDAI ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "scheme", "owner"),
    [(PARCEL, "PARCEL_KEY", MAU), (PARCEL, "PARCEL_KEY", THU), (SERIAL, "LAND_CERT_SERIAL", THU)],
)
async def test_the_fixture_parcel_is_found_for_either_owner(
    adapters: dict[str, RegistryAdapter], sim_world: World, value: str, scheme: str, owner: str
) -> None:
    request = _request("GCN_QSDD", value.replace(" ", ""), scheme, ("PIN", owner))
    record = await _found(adapters, request)
    fields = record.fields
    assert (fields["parcel_key"], fields["cert_serial"], fields["area_m2"]) == (
        PARCEL,
        SERIAL,
        62.5,
    )
    assert fields["land_use_purpose"] == "ODT"
    assert [o["id"] for o in fields["owners"]] == [MAU, THU]
    assert _reusable("GCN_QSDD", record, sim_world.as_of)


async def test_the_parcel_asked_with_someone_else_is_not_found(
    adapters: dict[str, RegistryAdapter],
) -> None:
    for owner in (("PIN", GIA), ("ENTERPRISE_CODE", "0199900018")):
        answer = await _ask(adapters, _request("GCN_QSDD", PARCEL, "PARCEL_KEY", owner))
        assert answer.outcome is Outcome.NOT_FOUND and answer.record is None


async def test_a_transferred_certificate_is_found_for_its_former_owner_but_void(
    adapters: dict[str, RegistryAdapter], sim_world: World
) -> None:
    sold = next(
        c for c in LandRegister(sim_world).by_serial.values() if c.status == "transfer_registered"
    )
    owner = (sold.owners[0].scheme, sold.owners[0].id)
    record = await _found(adapters, _request("GCN_QSDD", sold.parcel.key, "PARCEL_KEY", owner))
    assert record.status == "transfer_registered"
    assert not _reusable("GCN_QSDD", record, sim_world.as_of)


async def test_parcel_information_needs_no_owner(adapters: dict[str, RegistryAdapter]) -> None:
    record = await _found(adapters, _request("THONG_TIN_THUA_DAT", PARCEL, "PARCEL_KEY"))
    assert (record.fields["area_m2"], record.fields["planning_flags"]) == (62.5, [])
    unknown = _request("THONG_TIN_THUA_DAT", "99999-12-346", "PARCEL_KEY")
    assert (await _ask(adapters, unknown)).outcome is Outcome.NOT_FOUND


# --- LLTP: pending, then collected ------------------------------------------------------------


@pytest.mark.parametrize("document_type", ["LLTP_1", "LLTP_2"])
async def test_a_judicial_record_is_pending_then_collected_found(
    adapters: dict[str, RegistryAdapter], document_type: str
) -> None:
    request = _request(document_type, MAU)
    first = await _ask(adapters, request)
    assert first.outcome is Outcome.PENDING and first.ticket and first.retry_after
    adapter = adapters["LLTP"]  # the cached adapter, as the service holds it
    still = await collect_from(adapter, request, first.ticket)
    assert (still.outcome, still.ticket) == (Outcome.PENDING, first.ticket)
    done = await collect_from(adapter, request, first.ticket)
    assert done.outcome is Outcome.FOUND and done.record is not None
    assert done.record.fields["pin"] == MAU
    assert done.record.issued_on is not None
    assert _reusable(document_type, done.record, done.record.issued_on)


async def test_a_judicial_record_of_an_unknown_person_is_collected_not_found(
    adapters: dict[str, RegistryAdapter],
) -> None:
    request = _request("LLTP_1", NOT_FOUND_PIN)
    first = await _ask(adapters, request)
    assert first.outcome is Outcome.PENDING and first.ticket
    answers = [await collect_from(adapters["LLTP"], request, first.ticket) for _ in range(2)]
    assert [a.outcome for a in answers] == [Outcome.PENDING, Outcome.NOT_FOUND]


# --- a stopped server: unavailable, never not_found ------------------------------------------


async def test_every_document_type_is_unavailable_when_its_registry_is_down(
    sim_world: World, sim_token: str
) -> None:
    with running_simulators(sim_world, sim_token) as server:
        built = _built(server, sim_token)
        server.stop()
        requests = [
            _request("SO_BHXH", MAU),
            _request("THE_BHYT", MAU),
            _request("GCN_QSDD", PARCEL, "PARCEL_KEY", ("PIN", MAU)),
            _request("THONG_TIN_THUA_DAT", PARCEL, "PARCEL_KEY"),
            _request("LLTP_1", MAU),
            _request("LLTP_2", MAU),
        ]
        try:
            for request in requests:
                answer = await _ask(built, request)
                assert answer.outcome is Outcome.UNAVAILABLE, (request.document_type, answer)
                assert answer.reason in {
                    UnavailableReason.UPSTREAM_ERROR,
                    UnavailableReason.TIMEOUT,
                }
            collected = await collect_from(
                built["LLTP"], _request("LLTP_1", MAU), "YC0123456789ABCDEF"
            )
            assert collected.outcome is Outcome.UNAVAILABLE
        finally:
            for adapter in built.values():
                await adapter.aclose()
