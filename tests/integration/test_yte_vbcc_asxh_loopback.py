"""YTE, VBCC and ASXH over real HTTP on loopback: the registered adapters (VBCC and ASXH are
the declarative adapter with their shipped files) against the simulators, with the catalog's
validity applied (the session world is as of 2026-06-01)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from adapters.declarative.adapter import DeclarativeAdapter
from adapters.simulators.data.welfare import household_id
from adapters.simulators.fixtures import CU, DINH, GIA, HIEN, MAU, NOT_FOUND_PIN, THI, THU
from adapters.simulators.world import World
from shared_data.domain import Outcome
from tests.integration.registry_loopback import (
    Registries,
    registries_fixture,
    reusable,
    stopped_after_probes,
)

IDS = ("YTE", "VBCC", "ASXH")
THI_NOTICE = "CS-BVPSHN/2025/000123"


regs = registries_fixture(IDS)


# --- YTE ------------------------------------------------------------------------------------


async def test_the_birth_notice_of_the_fixture_child_by_number_or_mothers_pin(
    regs: Registries, sim_world: World
) -> None:
    by_number = await regs.found("CHUNG_SINH", "HEALTH_DOC_NO", THI_NOTICE)
    by_mother = await regs.found("CHUNG_SINH", "PIN", THU)
    assert by_number == by_mother
    assert by_number.fields["birth_datetime"].startswith(sim_world.people[THI].dob.isoformat())
    assert (by_number.fields["mother_pin"], by_number.fields["child_sex"]) == (THU, "M")
    assert reusable("CHUNG_SINH", by_number, sim_world.as_of)


async def test_the_death_notice_agrees_with_the_worlds_deceased(
    regs: Registries, sim_world: World
) -> None:
    record = await regs.found("BAO_TU", "PIN", CU)
    assert record.fields["date_of_death"] == "2026-02-10" == str(sim_world.people[CU].died_on)
    for person in sim_world.people.values():
        if person.died_on and person.died_on.year >= 2019:
            notice = await regs.found("BAO_TU", "PIN", person.pin)
            assert notice.fields["date_of_death"] == person.died_on.isoformat()


async def test_driver_health_certificates_on_either_side_of_twelve_months(
    regs: Registries, sim_world: World
) -> None:
    today = sim_world.as_of
    latest = await regs.found("GKSK_LAI_XE", "PIN", MAU)  # examined 2025-06-02
    expired = await regs.found("GKSK_LAI_XE", "PIN", GIA)  # examined 2025-06-01
    assert latest.fields["exam_date"] == "2025-06-02"
    assert reusable("GKSK_LAI_XE", latest, today)
    assert not reusable("GKSK_LAI_XE", latest, today + timedelta(days=1))
    assert not reusable("GKSK_LAI_XE", expired, today)
    by_number = await regs.found("GKSK_LAI_XE", "HEALTH_DOC_NO", expired.record_id)
    assert by_number == expired


@pytest.mark.parametrize(
    ("document_type", "scheme", "value"),
    [
        ("CHUNG_SINH", "HEALTH_DOC_NO", "CS-BVPSHN/2025/999999"),
        ("CHUNG_SINH", "PIN", MAU),
        ("BAO_TU", "PIN", MAU),
        ("BAO_TU", "PIN", NOT_FOUND_PIN),
        ("GKSK_LAI_XE", "PIN", THI),
        ("GKSK_LAI_XE", "HEALTH_DOC_NO", THI_NOTICE),
    ],
    ids=["unknown-notice", "father", "alive", "unknown-pin", "child", "a-birth-notice-number"],
)
async def test_what_the_health_exchange_does_not_hold_is_not_found(
    regs: Registries, document_type: str, scheme: str, value: str
) -> None:
    assert await regs.outcome(document_type, scheme, value) is Outcome.NOT_FOUND


# --- VBCC (declarative) ---------------------------------------------------------------------


async def test_the_highest_diploma_answers_by_pin_and_each_by_its_serial(
    regs: Registries, sim_world: World
) -> None:
    assert isinstance(regs.adapters["VBCC"], DeclarativeAdapter)
    degree = await regs.found("BANG_TOT_NGHIEP", "PIN", MAU)
    school = await regs.found("BANG_TOT_NGHIEP", "DIPLOMA_NO", "SHN2008000001")
    assert (degree.fields["level"], degree.fields["classification"]) == ("bachelor", "good")
    assert (school.fields["level"], school.fields["classification"]) == ("upper_secondary", None)
    assert degree.issued_on == date(2012, 6, 28)
    assert reusable("BANG_TOT_NGHIEP", degree, sim_world.as_of)


async def test_a_revoked_diploma_is_found_and_void(regs: Registries, sim_world: World) -> None:
    record = await regs.found("BANG_TOT_NGHIEP", "PIN", DINH)
    assert record.status == "revoked"
    assert not reusable("BANG_TOT_NGHIEP", record, sim_world.as_of)


@pytest.mark.parametrize(
    ("scheme", "value"), [("PIN", NOT_FOUND_PIN), ("PIN", THI), ("DIPLOMA_NO", "BKA2099000001")]
)
async def test_no_diploma_is_not_found(regs: Registries, scheme: str, value: str) -> None:
    assert await regs.outcome("BANG_TOT_NGHIEP", scheme, value) is Outcome.NOT_FOUND


# --- ASXH (declarative) ---------------------------------------------------------------------


async def test_this_years_certificate_is_reusable_to_the_end_of_the_year(
    regs: Registries, sim_world: World
) -> None:
    by_member = await regs.found("GCN_HO_NGHEO", "PIN", DINH)
    by_household = await regs.found("GCN_HO_NGHEO", "HOUSEHOLD_ID", household_id("HO90000003"))
    assert by_member == by_household
    assert (by_member.fields["category"], by_member.fields["year"]) == ("near_poor", 2026)
    assert reusable("GCN_HO_NGHEO", by_member, sim_world.as_of)
    assert not reusable("GCN_HO_NGHEO", by_member, date(2027, 1, 1))


async def test_last_years_certificate_is_found_but_expired(
    regs: Registries, sim_world: World
) -> None:
    record = await regs.found("GCN_HO_NGHEO", "PIN", HIEN)
    # Hoàng Văn Cũ's household: his widow heads it since his death (the register's view).
    assert (record.fields["year"], record.fields["head_pin"]) == (2025, HIEN)
    assert CU not in record.fields["member_pins"]
    assert not reusable("GCN_HO_NGHEO", record, sim_world.as_of)


@pytest.mark.parametrize(
    ("scheme", "value"), [("PIN", GIA), ("PIN", NOT_FOUND_PIN), ("HOUSEHOLD_ID", "HN-99999-999999")]
)
async def test_a_household_on_no_list_is_not_found(
    regs: Registries, scheme: str, value: str
) -> None:
    assert await regs.outcome("GCN_HO_NGHEO", scheme, value) is Outcome.NOT_FOUND


# --- outages --------------------------------------------------------------------------------


async def test_probes_are_ok_and_a_stopped_server_is_unavailable_never_not_found(
    sim_world: World, sim_token: str
) -> None:
    lookups = [
        ("CHUNG_SINH", "PIN", THU),
        ("BAO_TU", "PIN", MAU),
        ("GKSK_LAI_XE", "PIN", MAU),
        ("BANG_TOT_NGHIEP", "PIN", MAU),
        ("GCN_HO_NGHEO", "PIN", GIA),
    ]
    async with stopped_after_probes(sim_world, sim_token, IDS) as regs:
        await regs.all_unavailable(lookups)
