"""The derived registry data (`adapters.simulators.data`): deterministic, consistent across
registries, and every identifier valid in its catalog scheme."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.simulators.data.diplomas import build_diplomas
from adapters.simulators.data.health import build_health_data
from adapters.simulators.data.licences import build_licences
from adapters.simulators.data.tax import build_accounts, build_receipts
from adapters.simulators.data.vehicles import build_vehicles
from adapters.simulators.data.welfare import build_certificates, household_id
from adapters.simulators.dataset import build_world
from adapters.simulators.fixtures import CU, MAU, THI
from adapters.simulators.world import World
from shared_data.identifiers import validate_identifier

AS_OF = date(2026, 6, 1)


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(people=600, enterprises=80, seed=7, as_of=AS_OF)


def _valid(scheme: str, value: str) -> bool:
    return validate_identifier(scheme, value, today=AS_OF).value == value


def test_the_same_world_gives_the_same_data(world: World) -> None:
    again = build_world(people=600, enterprises=80, seed=7, as_of=AS_OF)
    assert build_licences(world) == build_licences(again)
    assert build_vehicles(world) == build_vehicles(again)
    assert build_accounts(world) == build_accounts(again)
    assert build_diplomas(world) == build_diplomas(again)
    assert build_certificates(world) == build_certificates(again)


def test_licences_belong_to_living_adults_and_their_numbers_are_dl_nos(world: World) -> None:
    licences = build_licences(world)
    assert len({lic.pin for lic in licences.values()}) == len(licences)
    for licence in licences.values():
        person = world.people[licence.pin]
        assert _valid("DL_NO", licence.dl_no)
        assert licence.issued_on <= AS_OF and person.died_on is None
        assert all(c.issued_on.year - person.dob.year >= 18 for c in licence.classes)


def test_every_fee_receipt_is_for_a_registered_plate_of_its_payer(world: World) -> None:
    vehicles = build_vehicles(world)
    for receipt in build_receipts(vehicles):
        if receipt.object_ref in vehicles:
            vehicle = vehicles[receipt.object_ref]
            assert receipt.payer_id == vehicle.owner_id
            assert receipt.paid_on < vehicle.registered_on
        else:
            assert receipt.object_ref == "99999-12-345" and receipt.payer_id == MAU
    for plate, vehicle in vehicles.items():
        assert _valid("PLATE_NO", plate)
        scheme = vehicle.owner_scheme
        assert vehicle.owner_id in (world.people if scheme == "PIN" else world.enterprises)


def test_health_documents_agree_with_the_world_and_the_licence_register(world: World) -> None:
    licences = build_licences(world)
    data = build_health_data(world, licences)
    holders = {lic.pin for lic in licences.values()}
    deceased = {p.pin for p in world.people.values() if p.died_on and p.died_on.year >= 2019}
    assert {n.pin for n in data.deaths} == deceased and CU in deceased
    assert all(world.people[n.pin].died_on == n.died_on for n in data.deaths)
    assert THI in {n.child_pin for n in data.births}
    assert all(world.people[n.child_pin].mother_pin == n.mother_pin for n in data.births)
    assert {c.pin for c in data.certificates} <= holders
    numbers = [d.doc_no for d in (*data.births, *data.deaths, *data.certificates)]
    assert len(set(numbers)) == len(numbers)
    assert all(_valid("HEALTH_DOC_NO", number) for number in numbers)


def test_tax_accounts_cover_enterprises_and_legacy_codes_are_valid_msts(world: World) -> None:
    accounts = build_accounts(world)
    assert set(world.enterprises) <= set(accounts)
    legacy = [a.legacy_mst for a in accounts.values() if a.legacy_mst]
    assert legacy and len(set(legacy)) == len(legacy)
    assert all(_valid("MST", code) for code in legacy)
    assert accounts[CU].status == "closed"


def test_diplomas_and_poverty_lists_use_their_schemes(world: World) -> None:
    diplomas = build_diplomas(world)
    assert all(_valid("DIPLOMA_NO", serial) for serial in diplomas)
    certificates = build_certificates(world)
    assert certificates and all(_valid("HOUSEHOLD_ID", hid) for hid in certificates)
    for certificate in certificates.values():
        assert certificate.year in (AS_OF.year, AS_OF.year - 1)
        assert all(world.people[pin].died_on is None for pin in certificate.member_pins)
    assert household_id("HO90000003") == "HN-00090-000003"
