"""HOTICH and DKDN over real HTTP on loopback: the registered adapters against the simulators.

The session's simulators serve the seeded world of tests/integration/conftest.py (as of
2026-06-01), which holds the DOMAIN.md 11.5 fixtures; the catalog's validity rules are applied
to what comes back, as the lookup service does.
"""

from __future__ import annotations

import pytest

from adapters.simulators.fixtures import CU, DINH, GIA, HIEN, MAU, NOT_FOUND_PIN, THI, THU
from adapters.simulators.world import Person, World
from shared_data.domain import (
    Outcome,
    RegistryAnswer,
    RegistryRecord,
    UnavailableReason,
)
from tests.integration.registry_loopback import (
    Registries,
    registries,
    registries_fixture,
    reusable,
)
from tests.simserver import SimulatorServer, running_simulators

REGISTRIES = ("HOTICH", "DKDN")
UNKNOWN_MST = "0199900057"  # a valid check digit, registered to nobody in the world
SCHEMES = {"GCN_DKDN": "ENTERPRISE_CODE", "GCN_CHI_NHANH": "BRANCH_CODE", "GCN_HKD": "HKD_REG_NO"}


adapters = registries_fixture(REGISTRIES)


async def _ask(adapters: Registries, document_type: str, value: str) -> RegistryAnswer:
    return await adapters.ask(document_type, SCHEMES.get(document_type, "PIN"), value)


async def _found(adapters: Registries, document_type: str, value: str) -> RegistryRecord:
    return await adapters.found(document_type, SCHEMES.get(document_type, "PIN"), value)


def _reusable(record: RegistryRecord, document_type: str, world: World) -> bool:
    """The catalog's validity rule, applied on the world's today."""
    return reusable(document_type, record, world.as_of)


async def test_birth_certificate_of_the_fixture_child_names_both_parents(
    adapters: Registries, sim_world: World
) -> None:
    record = await _found(adapters, "KHAI_SINH", THI)
    fields = record.fields
    assert (fields["pin"], fields["full_name"]) == (THI, "Nguyễn Minh Thí")
    assert (fields["mother_name"], fields["mother_pin"]) == ("Trần Thị Thử", THU)
    assert (fields["father_name"], fields["father_pin"]) == ("Nguyễn Văn Mẫu", MAU)
    assert record.record_id == fields["cert_no"]
    assert _reusable(record, "KHAI_SINH", sim_world)


async def test_enterprise_certificate_is_found_with_its_legal_representative(
    adapters: Registries, sim_world: World
) -> None:
    record = await _found(adapters, "GCN_DKDN", "0199900018")
    assert (record.record_id, record.status) == ("0199900018", "active")
    assert (record.fields["legal_rep_pin"], record.fields["legal_rep_name"]) == (
        MAU,
        "Nguyễn Văn Mẫu",
    )
    assert _reusable(record, "GCN_DKDN", sim_world)


async def test_dissolved_enterprise_is_found_but_its_certificate_is_void(
    adapters: Registries, sim_world: World
) -> None:
    record = await _found(adapters, "GCN_DKDN", "0199900032")
    assert record.status == "dissolved"
    assert not _reusable(record, "GCN_DKDN", sim_world)


@pytest.mark.parametrize(
    ("pin", "status", "voided_by"),
    [(MAU, "active", None), (DINH, "dissolved", "divorce"), (HIEN, "dissolved", "death"),
     (CU, "dissolved", "death")],
)  # fmt: skip
async def test_a_marriage_certificate_says_how_the_marriage_ended(
    adapters: Registries,
    sim_world: World,
    pin: str,
    status: str,
    voided_by: str | None,
) -> None:
    record = await _found(adapters, "KET_HON", pin)
    assert (record.status, record.voided_by) == (status, voided_by)
    assert _reusable(record, "KET_HON", sim_world) is (voided_by is None)


async def test_a_marital_status_confirmation_older_than_six_months_is_not_reusable(
    adapters: Registries, sim_world: World
) -> None:
    record = await _found(adapters, "XN_TTHN", GIA)
    assert (record.voided_by, record.fields["marital_status"]) == (None, "single")
    assert not _reusable(record, "XN_TTHN", sim_world)


def _confirmation_void(person: Person) -> bool:
    """Independent oracle: the latest confirmation no longer describes the person."""
    latest = max(person.marital_confirmations, key=lambda c: c.issued_on)
    changed = person.marital_history[-1].on if person.marital_history else None
    overtaken = changed is not None and changed > latest.issued_on
    return latest.status_at_issue != person.marital_status or overtaken


async def test_every_confirmation_in_the_world_is_voided_exactly_when_the_status_changed(
    adapters: Registries, sim_world: World
) -> None:
    confirmed = [p for p in sim_world.people.values() if p.marital_confirmations]
    assert any(_confirmation_void(p) for p in confirmed), "the world should hold void ones"
    for person in confirmed:
        record = await _found(adapters, "XN_TTHN", person.pin)
        expected = "marital_status_change" if _confirmation_void(person) else None
        assert record.voided_by == expected, person.pin


@pytest.mark.parametrize(
    ("document_type", "value", "outcome"),
    [("KHAI_TU", CU, Outcome.FOUND), ("GHI_CHU_LY_HON", DINH, Outcome.FOUND),
     ("GCN_CHI_NHANH", "0199900025-001", Outcome.FOUND),
     ("KHAI_SINH", NOT_FOUND_PIN, Outcome.NOT_FOUND), ("KET_HON", NOT_FOUND_PIN, Outcome.NOT_FOUND),
     ("GCN_DKDN", UNKNOWN_MST, Outcome.NOT_FOUND), ("GCN_HKD", MAU, Outcome.NOT_FOUND),
     ("NUOI_CON_NUOI", THI, Outcome.NOT_FOUND)],
)  # fmt: skip
async def test_fixture_outcomes_over_loopback(
    adapters: Registries, sim_world: World, document_type: str, value: str,
    outcome: Outcome,
) -> None:  # fmt: skip
    assert UNKNOWN_MST not in sim_world.enterprises and NOT_FOUND_PIN not in sim_world.people
    answer = await _ask(adapters, document_type, value)
    assert answer.outcome is outcome, answer


async def test_a_refused_credential_is_unavailable_never_not_found(
    simulators: SimulatorServer,
) -> None:
    async with registries(simulators, "not-the-token", REGISTRIES) as adapters:
        for document_type, value in (("KHAI_SINH", THI), ("GCN_DKDN", "0199900018")):
            answer = await _ask(adapters, document_type, value)
            assert (answer.outcome, answer.reason) == (
                Outcome.UNAVAILABLE, UnavailableReason.UPSTREAM_ERROR,
            )  # fmt: skip


async def test_a_stopped_simulator_is_unavailable_never_not_found(
    sim_world: World, sim_token: str
) -> None:
    lookups = (("KHAI_SINH", THI), ("GCN_DKDN", "0199900018"), ("GCN_DKDN", UNKNOWN_MST))
    with running_simulators(sim_world, sim_token) as server:
        async with registries(server, sim_token, REGISTRIES) as adapters:
            assert (await _ask(adapters, "KHAI_SINH", THI)).outcome is Outcome.FOUND
            server.stop()
            await adapters.all_unavailable(
                (document_type, SCHEMES.get(document_type, "PIN"), value)
                for document_type, value in lookups
            )
            for registry in REGISTRIES:
                assert not (await adapters.adapters[registry].probe()).ok
