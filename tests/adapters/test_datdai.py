"""DATDAI: the adapter contract, two-key lookups, search-then-fetch, the mapping, the quirks.

The simulator's answers for the DOMAIN.md 11.5 parcel are checked over real HTTP in
tests/integration/test_bhxh_datdai_lltp_loopback.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from adapters.datdai import client
from adapters.datdai.adapter import DatdaiAdapter
from adapters.datdai.client import ErrorCode, PullDocResponse, PullUriResponse, Status, UriItem
from adapters.datdai.mapping import STATUS, record_to_wire, wire_to_record
from adapters.datdai.simulator import LandRegistry, build_simulator, certificate_record
from adapters.mapping_helpers import WireFormatError
from adapters.simulators.data.land import FIXTURE_PARCEL, Certificate
from adapters.simulators.dataset import build_world
from adapters.simulators.fixtures import GIA, MAU, THU
from adapters.simulators.world import World
from shared_data.domain import Outcome, RegistryAnswer, RegistryRequest, Subject
from shared_data.domain import UnavailableReason as Reason
from shared_data.errors import MissingQualifierError, QualifierError, UnknownSchemeError
from tests.adapters.contract import (
    AS_OF,
    AdapterContract,
    ASGIApp,
    adapter_factory,
    ask_once,
    provides,
    serves,
)

TOKEN = "datdai-test-key"
ADAPTER = adapter_factory(DatdaiAdapter, client)
SERIAL = "ZZ000123"
Handler = Callable[[httpx.Request], httpx.Response]


def _request(
    document_type: str = "GCN_QSDD",
    value: str = FIXTURE_PARCEL,
    scheme: str = "PARCEL_KEY",
    owner: tuple[str, str] | None = ("PIN", MAU),
) -> RegistryRequest:
    qualifiers = {"owner": Subject(scheme=owner[0], value=owner[1])} if owner else {}
    return RegistryRequest(
        lookup_id=f"contract-{document_type}-{value}",
        registry="DATDAI",
        document_type=document_type,
        subject=Subject(scheme=scheme, value=value),
        qualifiers=qualifiers,
    )


def _parcel_info(value: str = FIXTURE_PARCEL) -> RegistryRequest:
    return _request("THONG_TIN_THUA_DAT", value, owner=None)


async def _lookup(http: httpx.AsyncBaseTransport, request: RegistryRequest) -> RegistryAnswer:
    return await ask_once(ADAPTER(http, TOKEN), request)


def _json_round_trip(document_type: str, body: bytes) -> bytes:
    fetched = client.decode(PullDocResponse, body)
    record = wire_to_record(document_type, fetched.data_content)
    rebuilt = fetched.model_copy(update={"data_content": record_to_wire(document_type, record)})
    return client.encode(rebuilt)


def _scripted(*answers: Any) -> Handler:
    """Answers the search, then the fetch, with the given messages (the last one repeats)."""
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        message = queue.pop(0) if len(queue) > 1 else queue[0]
        body = client.encode(message) if not isinstance(message, bytes) else message
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    return handle


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(people=300, enterprises=50, seed=86, as_of=AS_OF)


@pytest.fixture(scope="module")
def land(world: World) -> LandRegistry:
    return LandRegistry(world)


@pytest.fixture(scope="module")
def sim_app(world: World) -> ASGIApp:
    return build_simulator(world, TOKEN)


@pytest.fixture
def sim(sim_app: ASGIApp) -> httpx.AsyncBaseTransport:
    return httpx.ASGITransport(app=sim_app)


def _first(land: LandRegistry, test: Callable[[Certificate], bool]) -> Certificate:
    return next(c for c in land.register.by_serial.values() if test(c))


class TestDatdaiContract(AdapterContract):
    registry_id = "DATDAI"
    simulator_app = serves(build_simulator)
    make_adapter = provides(ADAPTER)
    not_found_request = provides(_request(owner=("PIN", GIA)))
    round_trip = provides(_json_round_trip)

    @pytest.fixture
    def found_requests(self, world: World) -> list[RegistryRequest]:
        held = _first(LandRegistry(world), lambda c: c.owners[0].scheme == "ENTERPRISE_CODE")
        by_enterprise = _request(
            value=held.parcel.key, owner=("ENTERPRISE_CODE", held.owners[0].id)
        )
        return [
            _request(),
            _request(value=SERIAL, scheme="LAND_CERT_SERIAL", owner=("PIN", THU)),
            _parcel_info(),
            by_enterprise,
        ]


# --- two keys -------------------------------------------------------------------------


async def test_the_fixture_parcel_is_found_for_either_owner_and_by_serial_with_or_without_space(
    sim: httpx.AsyncBaseTransport,
) -> None:
    http = sim
    for request in (
        _request(owner=("PIN", MAU)),
        _request(owner=("PIN", THU)),
        _request(value="ZZ 000123", scheme="LAND_CERT_SERIAL"),
        _request(value=SERIAL, scheme="LAND_CERT_SERIAL", owner=("PIN", THU)),
    ):
        answer = await _lookup(http, request)
        assert answer.outcome is Outcome.FOUND, request
        assert answer.record is not None
        assert answer.record.record_id == SERIAL
        fields = answer.record.fields
        assert (fields["cert_serial"], fields["area_m2"], fields["land_use_purpose"]) == (
            "ZZ 000123",
            62.5,
            "ODT",
        )
        assert {o["id"] for o in fields["owners"]} == {MAU, THU}


async def test_a_parcel_asked_with_someone_who_does_not_own_it_is_not_found(
    sim: httpx.AsyncBaseTransport,
) -> None:
    http = sim
    for owner in (("PIN", GIA), ("ENTERPRISE_CODE", "0199900018")):
        answer = await _lookup(http, _request(owner=owner))
        assert answer.outcome is Outcome.NOT_FOUND and answer.record is None


async def test_a_certificate_without_its_owner_is_refused_before_any_call() -> None:
    never = httpx.MockTransport(lambda r: pytest.fail("no call expected"))
    with pytest.raises(MissingQualifierError) as raised:
        await _lookup(never, _request(owner=None))
    assert raised.value.role == "owner"
    with pytest.raises(QualifierError):
        await _lookup(never, _request(owner=("CMND9", "013912345")))
    with pytest.raises(UnknownSchemeError):
        await _lookup(never, _request("THONG_TIN_THUA_DAT", SERIAL, "LAND_CERT_SERIAL", None))


async def test_a_fetched_certificate_that_does_not_name_the_owner_is_bad_response_never_found(
    land: LandRegistry,
) -> None:
    request = _request(owner=("PIN", GIA))
    fixture = land.register.by_serial[SERIAL]
    uri = f"vn.gov.datdai-GCN-{SERIAL}"
    search = PullUriResponse(
        txn=request.lookup_id, response_status=Status.OK, uris=[UriItem(uri=uri)]
    )
    content = record_to_wire("GCN_QSDD", certificate_record(fixture))
    fetch = PullDocResponse(
        txn=request.lookup_id, response_status=Status.OK, uri=uri, data_content=content
    )
    answer = await _lookup(httpx.MockTransport(_scripted(search, fetch)), request)
    assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, Reason.BAD_RESPONSE)


async def test_of_several_certificates_the_latest_issued_is_fetched(
    land: LandRegistry, sim: httpx.AsyncBaseTransport
) -> None:
    replaced = _first(land, lambda c: c.status == "certificate_replaced")
    owner = replaced.owners[0]
    http = sim
    answer = await _lookup(
        http, _request(value=replaced.parcel.key, owner=(owner.scheme, owner.id))
    )
    assert answer.outcome is Outcome.FOUND and answer.record is not None
    assert answer.record.status == "active"
    assert answer.record.record_id != replaced.compact_serial
    old = _request(
        value=replaced.compact_serial, scheme="LAND_CERT_SERIAL", owner=(owner.scheme, owner.id)
    )
    voided = await _lookup(http, old)
    assert voided.record is not None and voided.record.status == "certificate_replaced"


async def test_responsestatus_9_has_no_ticket_to_collect_and_is_unavailable() -> None:
    request = _parcel_info()
    pending = PullUriResponse(txn=request.lookup_id, response_status=Status.PENDING)
    answer = await _lookup(httpx.MockTransport(_scripted(pending)), request)
    assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, Reason.UPSTREAM_ERROR)


@pytest.mark.parametrize("code", [ErrorCode.UNAUTHORIZED, ErrorCode.INVALID, ErrorCode.SYSTEM])
async def test_error_codes_other_than_not_found_are_unavailable(code: ErrorCode) -> None:
    request = _parcel_info()
    refused = PullUriResponse(txn=request.lookup_id, response_status=Status.ERROR, ma_loi=code)
    answer = await _lookup(httpx.MockTransport(_scripted(refused)), request)
    assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, Reason.UPSTREAM_ERROR)


async def test_the_search_carries_the_owner_and_the_compact_serial() -> None:
    seen: list[dict[str, Any]] = []

    def capture(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        refused = PullUriResponse(
            txn=seen[0]["txn"], response_status=Status.ERROR, ma_loi="KHONG_TIM_THAY"
        )
        return httpx.Response(200, content=client.encode(refused),
                              headers={"content-type": "application/json"})  # fmt: skip

    await _lookup(
        httpx.MockTransport(capture),
        _request(
            value="ZZ 000123", scheme="LAND_CERT_SERIAL", owner=("ENTERPRISE_CODE", "0199900018")
        ),
    )
    assert seen[0]["soPhatHanh"] == SERIAL and "thuaDat" not in seen[0]
    assert seen[0]["chuSuDung"] == {"loai": "MSDN", "so": "0199900018"}


# --- mapping (pure) and the world's land ------------------------------------------------


@pytest.mark.parametrize(
    "status", ["active", "transfer_registered", "certificate_replaced", "revoked"]
)
def test_certificate_round_trip_keeps_every_field_and_the_void_status(
    land: LandRegistry, status: str
) -> None:
    record = certificate_record(land.register.by_serial[SERIAL]).model_copy(
        update={"status": status}
    )
    wire = record_to_wire("GCN_QSDD", record)
    assert wire["tinhTrang"] == STATUS.write(status)
    assert wire_to_record("GCN_QSDD", wire) == record


def test_a_use_term_is_long_term_or_a_date(land: LandRegistry) -> None:
    held = _first(land, lambda c: c.use_until is not None)
    record = certificate_record(held)
    wire = record_to_wire("GCN_QSDD", record)
    assert wire["thoiHanSuDung"] == held.use_until.strftime("%d/%m/%Y")  # type: ignore[union-attr]
    assert wire_to_record("GCN_QSDD", wire).fields["use_term"] == held.use_until.isoformat()  # type: ignore[union-attr]
    fixture = record_to_wire("GCN_QSDD", certificate_record(land.register.by_serial[SERIAL]))
    assert fixture["thoiHanSuDung"] == "LAU_DAI"


def test_an_unknown_status_word_is_malformed(land: LandRegistry) -> None:
    wire = record_to_wire("GCN_QSDD", certificate_record(land.register.by_serial[SERIAL]))
    with pytest.raises(WireFormatError):
        wire_to_record("GCN_QSDD", wire | {"tinhTrang": "KHONG_RO"})


def test_certificates_are_issued_after_their_enterprise_was_registered(
    world: World, land: LandRegistry
) -> None:
    for c in land.register.by_serial.values():
        owner = c.owners[0]
        if owner.scheme == "ENTERPRISE_CODE":
            assert c.issued_on >= world.enterprises[owner.id].first_registered_on
        assert c.issued_on <= world.as_of


def test_void_certificates_exist_in_every_state_of_the_catalog(land: LandRegistry) -> None:
    statuses = {c.status for c in land.register.by_serial.values()}
    assert {"active", "transfer_registered", "certificate_replaced"} <= statuses
