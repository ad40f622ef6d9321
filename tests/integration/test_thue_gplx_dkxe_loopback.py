"""THUE, GPLX and DKXE over real HTTP on loopback: the registered adapters against the
simulators, with the catalog's validity applied (the session world is as of 2026-06-01)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from adapters.simulators.fixtures import CU, DINH, GIA, MAU, NOT_FOUND_PIN, THI, THU
from adapters.simulators.world import World
from shared_data.domain import Outcome
from tests.integration.registry_loopback import (
    Registries,
    registries_fixture,
    reusable,
    stopped_after_probes,
)

IDS = ("THUE", "GPLX", "DKXE")
UNKNOWN_MST = "0199900057"  # a valid check digit, registered to nobody in the world


regs = registries_fixture(IDS)


# --- THUE -----------------------------------------------------------------------------------


async def test_a_fulfilled_tax_account_is_confirmed_and_reusable(regs: Registries) -> None:
    record = await regs.found("XN_NGHIA_VU_THUE", "MST", "0199900018")
    assert (record.status, record.fields["outstanding_amount"]) == ("fulfilled", 0)
    assert record.issued_on is not None and record.fields["as_of"] == record.issued_on.isoformat()
    assert reusable("XN_NGHIA_VU_THUE", record, record.issued_on)
    assert not reusable("XN_NGHIA_VU_THUE", record, record.issued_on + timedelta(days=30))


@pytest.mark.parametrize(
    ("scheme", "value", "status"),
    [
        ("MST", "0199900025", "outstanding"),
        ("PIN", GIA, "outstanding"),
        ("PIN", CU, "closed"),
        ("MST", "0199900032", "closed"),
    ],
)
async def test_a_debt_or_a_closed_tax_code_is_found_but_confirms_nothing(
    regs: Registries, scheme: str, value: str, status: str
) -> None:
    record = await regs.found("XN_NGHIA_VU_THUE", scheme, value)
    assert record.status == status
    assert record.issued_on is not None
    assert not reusable("XN_NGHIA_VU_THUE", record, record.issued_on)


async def test_the_newest_fee_receipt_answers_unless_the_object_is_named(regs: Registries) -> None:
    newest = await regs.found("CHUNG_TU_LPTB", "PIN", MAU)
    land = await regs.found("CHUNG_TU_LPTB", "PIN", MAU, PARCEL_KEY="99999-12-345")
    bike = await regs.found("CHUNG_TU_LPTB", "PIN", MAU, PLATE_NO="29B1-234.56")
    company = await regs.found("CHUNG_TU_LPTB", "MST", "0199900018")
    assert newest.fields["object_ref"] == "30A-123.45"
    assert (land.record_id, land.fields["amount"]) == ("TD2020000001", 45_000_000)
    assert bike.fields["paid_at"] < "2012-08-09"  # paid before the registration
    assert company.fields["object_ref"] == "29C-456.78"
    assert reusable("CHUNG_TU_LPTB", newest, date(2040, 1, 1))


async def test_the_abolished_personal_tax_code_certificate_is_answered_and_not_reusable(
    regs: Registries, sim_world: World
) -> None:
    record = await regs.found("MST_CA_NHAN", "PIN", MAU)
    assert record.fields == {"pin": MAU, "legacy_mst": "8000000011"}
    assert not reusable("MST_CA_NHAN", record, sim_world.as_of)


@pytest.mark.parametrize(
    ("document_type", "scheme", "value"),
    [
        ("XN_NGHIA_VU_THUE", "PIN", NOT_FOUND_PIN),
        ("XN_NGHIA_VU_THUE", "MST", UNKNOWN_MST),
        ("CHUNG_TU_LPTB", "PIN", THI),
        ("CHUNG_TU_LPTB", "PIN", MAU),
        ("MST_CA_NHAN", "PIN", DINH),
    ],
    ids=["unknown-pin", "unknown-mst", "child", "nothing-for-that-object", "no-legacy-code"],
)
async def test_what_the_tax_registry_does_not_hold_is_not_found(
    regs: Registries, document_type: str, scheme: str, value: str
) -> None:
    qualifiers = {"PLATE_NO": "30A-999.99"} if value == MAU else {}
    assert await regs.outcome(document_type, scheme, value, **qualifiers) is Outcome.NOT_FOUND


# --- GPLX -----------------------------------------------------------------------------------


async def test_a_licence_is_found_by_number_or_holder_alike(regs: Registries) -> None:
    by_number = await regs.found("GPLX", "DL_NO", "010900000001")
    by_holder = await regs.found("GPLX", "PIN", MAU)
    assert by_number == by_holder
    assert [c["class"] for c in by_number.fields["classes"]] == ["A1", "B"]
    assert by_number.valid_until is None  # A1 never expires, so the card does not
    assert reusable("GPLX", by_number, date(2060, 1, 1))


async def test_class_b_licences_on_either_side_of_their_tenth_anniversary(
    regs: Registries, sim_world: World
) -> None:
    last_day = await regs.found("GPLX", "PIN", THU)  # B issued 2016-06-01
    expired = await regs.found("GPLX", "PIN", GIA)  # B issued 2016-05-31
    today = sim_world.as_of
    assert last_day.valid_until == today and expired.valid_until == today - timedelta(days=1)
    assert reusable("GPLX", last_day, today) and not reusable(
        "GPLX", last_day, today + timedelta(1)
    )
    assert not reusable("GPLX", expired, today)


async def test_a_revoked_licence_is_found_and_void(regs: Registries, sim_world: World) -> None:
    record = await regs.found("GPLX", "PIN", DINH)
    assert record.status == "revoked" and not reusable("GPLX", record, sim_world.as_of)


@pytest.mark.parametrize(
    ("scheme", "value"), [("PIN", NOT_FOUND_PIN), ("PIN", THI), ("DL_NO", "019999999999")]
)
async def test_no_licence_is_not_found(regs: Registries, scheme: str, value: str) -> None:
    assert await regs.outcome("GPLX", scheme, value) is Outcome.NOT_FOUND


# --- DKXE -----------------------------------------------------------------------------------


async def test_a_registration_is_found_by_plate_in_any_spelling_and_by_owner(
    regs: Registries, sim_world: World
) -> None:
    records = [
        await regs.found("DK_XE", "PLATE_NO", "30A-123.45"),
        await regs.found("DK_XE", "PLATE_NO", "30A12345"),
        await regs.found("DK_XE", "PIN", MAU),
        await regs.found("DK_XE", "PLATE_NO", "30A-123.45", PIN=MAU),
    ]
    assert all(r == records[0] for r in records)
    assert (records[0].fields["owner_id"], records[0].status) == (MAU, "registered")
    assert reusable("DK_XE", records[0], sim_world.as_of)
    truck = await regs.found("DK_XE", "ENTERPRISE_CODE", "0199900018")
    assert truck.fields["plate_no"] == "29C-456.78"


@pytest.mark.parametrize(
    ("plate", "status"), [("29B1-234.56", "transferred"), ("30E-567.89", "deregistered")]
)
async def test_a_sold_or_withdrawn_registration_is_found_and_void(
    regs: Registries, sim_world: World, plate: str, status: str
) -> None:
    record = await regs.found("DK_XE", "PLATE_NO", plate)
    assert record.status == status and not reusable("DK_XE", record, sim_world.as_of)


@pytest.mark.parametrize(
    ("scheme", "value", "qualifiers"),
    [
        ("PLATE_NO", "30A-999.99", {}),
        ("PIN", THI, {}),
        ("ENTERPRISE_CODE", "0199900032", {}),
        ("PLATE_NO", "30A-123.45", {"PIN": THU}),
    ],
    ids=["unknown-plate", "owns-nothing", "nothing-current", "someone-elses-plate"],
)
async def test_no_matching_registration_is_not_found(
    regs: Registries, scheme: str, value: str, qualifiers: dict[str, str]
) -> None:
    assert await regs.outcome("DK_XE", scheme, value, **qualifiers) is Outcome.NOT_FOUND


# --- outages --------------------------------------------------------------------------------


async def test_probes_are_ok_and_a_stopped_server_is_unavailable_never_not_found(
    sim_world: World, sim_token: str
) -> None:
    lookups = [
        ("XN_NGHIA_VU_THUE", "MST", "0199900018"),
        ("CHUNG_TU_LPTB", "PIN", MAU),
        ("MST_CA_NHAN", "PIN", DINH),
        ("GPLX", "PIN", NOT_FOUND_PIN),
        ("DK_XE", "PLATE_NO", "30A-123.45"),
    ]
    async with stopped_after_probes(sim_world, sim_token, IDS) as regs:
        await regs.all_unavailable(lookups)
        for registry in IDS:
            assert not (await regs.adapters[registry].probe()).ok, registry
