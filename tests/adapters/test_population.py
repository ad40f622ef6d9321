"""DANCU and CUTRU: the adapter contract, the registries' quirks, and their simulators."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from adapters.population import client
from adapters.population.adapter import CutruAdapter, DancuAdapter
from adapters.population.mapping import record_from_wire, record_to_wire
from adapters.population.simulator import build_cutru_simulator, build_dancu_simulator
from adapters.simulators.fixtures import CU, GIA, HIEN, MAU, NOT_FOUND_PIN, THI, THU
from adapters.simulators.world import World
from shared_data.domain import Outcome, RegistryRequest, UnavailableReason
from shared_data.errors import UnknownDocumentTypeError, UnknownSchemeError
from tests.adapters.contract import (
    AS_OF,
    AdapterContract,
    adapter_factory,
    ask_once,
    lookup,
    provides,
    respond,
    serves,
)

TOKEN = "population-test-token"


def _round_trip(document_type: str, body: bytes) -> bytes:
    record = record_from_wire(document_type, body)
    return json.dumps(record_to_wire(document_type, record), ensure_ascii=False).encode()


class TestDancuContract(AdapterContract):
    registry_id = "DANCU"
    simulator_app = serves(build_dancu_simulator)
    make_adapter = provides(adapter_factory(DancuAdapter, client))
    round_trip = provides(_round_trip)
    not_found_request = provides(lookup("DANCU", "CCCD", "PIN", NOT_FOUND_PIN))

    @pytest.fixture
    def found_requests(self) -> list[RegistryRequest]:
        return [
            lookup("DANCU", "CCCD", "PIN", MAU),
            lookup("DANCU", "CCCD", "CMND9", "013934567"),  # Trần Thị Thử by her old number
            lookup("DANCU", "XN_CMND9", "PIN", GIA),
            lookup("DANCU", "XN_CMND9", "CMND9", "013912345"),
            lookup("DANCU", "QH_NHAN_THAN", "PIN", THI),
        ]


class TestCutruContract(AdapterContract):
    registry_id = "CUTRU"
    simulator_app = serves(build_cutru_simulator)
    make_adapter = provides(adapter_factory(CutruAdapter, client))
    round_trip = provides(_round_trip)
    found_requests = provides(
        [lookup("CUTRU", "CT07", "PIN", THI), lookup("CUTRU", "SO_HO_KHAU", "PIN", MAU)]
    )
    not_found_request = provides(lookup("CUTRU", "CT07", "PIN", NOT_FOUND_PIN))


# --- the registries' quirks, through the adapters --------------------------------------------

Ask = Callable[..., Any]


@pytest.fixture(scope="module")
def world() -> World:
    from adapters.simulators.dataset import build_world

    return build_world(people=300, enterprises=50, seed=86, as_of=AS_OF)


@pytest.fixture
def ask(world: World) -> Ask:
    """`await ask(request)` against the real simulator; `http=` replaces it."""

    async def run(request: RegistryRequest, http: httpx.AsyncBaseTransport | None = None) -> Any:
        dancu = request.registry == "DANCU"
        sim = (build_dancu_simulator if dancu else build_cutru_simulator)(world, TOKEN)
        make = adapter_factory(DancuAdapter if dancu else CutruAdapter, client)
        return await ask_once(make(http or httpx.ASGITransport(app=sim), TOKEN), request)

    return run


async def test_cmnd9_subject_is_resolved_by_the_population_register(ask: Ask) -> None:
    answer = await ask(lookup("DANCU", "XN_CMND9", "CMND9", "013912345"))
    assert answer.outcome is Outcome.FOUND
    assert answer.record.fields == {
        "pin": MAU, "cmnd9": "013912345", "full_name": "Nguyễn Văn Mẫu", "dob": "1990-05-14"
    }  # fmt: skip


async def test_unknown_cmnd9_is_not_found(ask: Ask) -> None:
    answer = await ask(lookup("DANCU", "CCCD", "CMND9", "019999999"))
    assert answer.outcome is Outcome.NOT_FOUND


async def test_person_who_never_held_a_cmnd9_has_no_legacy_id_confirmation(ask: Ask) -> None:
    answer = await ask(lookup("DANCU", "XN_CMND9", "PIN", THI))  # born 2025
    assert answer.outcome is Outcome.NOT_FOUND


async def test_card_maps_dates_to_issue_and_expiry(ask: Ask) -> None:
    answer = await ask(lookup("DANCU", "CCCD", "PIN", MAU))
    record = answer.record
    assert record.record_id == MAU and record.status == "active" and record.voided_by is None
    assert (record.issued_on.isoformat(), record.valid_until.isoformat()) == (
        "2021-04-10", "2030-05-14"
    )  # fmt: skip
    assert record.fields["sex"] == "M"
    assert record.fields["place_of_residence"] == "Phường Mẫu Một, Hà Nội"


async def test_deceased_citizen_is_found_with_a_void_card(ask: Ask) -> None:
    answer = await ask(lookup("DANCU", "CCCD", "PIN", CU))
    assert answer.outcome is Outcome.FOUND
    assert (answer.record.status, answer.record.voided_by) == ("deceased", "holder_deceased")


async def test_deceased_citizen_keeps_the_legacy_id_cross_walk(ask: Ask) -> None:
    answer = await ask(lookup("DANCU", "XN_CMND9", "PIN", CU))
    assert (answer.record.status, answer.record.voided_by) == ("deceased", None)


async def test_household_relation_names_the_head_and_the_relationship(ask: Ask) -> None:
    answer = await ask(lookup("DANCU", "QH_NHAN_THAN", "PIN", THU))
    assert answer.record.fields == {"pin": THU, "household_head_pin": MAU, "relationship": "wife"}


async def test_residence_confirmation_is_issued_today_with_members_and_history(ask: Ask) -> None:
    answer = await ask(lookup("CUTRU", "CT07", "PIN", THU))
    record = answer.record
    assert record.issued_on >= AS_OF and record.voided_by is None
    assert record.fields["household_head"] == {"pin": MAU, "full_name": "Nguyễn Văn Mẫu"}
    assert [(m["pin"], m["relationship"]) for m in record.fields["members"]] == [
        (MAU, "head"), (THU, "wife"), (THI, "child")
    ]  # fmt: skip
    assert record.fields["history"][-1] == {
        "address": "Phường Mẫu Một, Hà Nội", "kind": "permanent", "since": "2020-10-20",
        "until": None,
    }  # fmt: skip


async def test_the_dead_leave_the_household_and_their_residence_is_deregistered(ask: Ask) -> None:
    widow = await ask(lookup("CUTRU", "CT07", "PIN", HIEN))
    assert [m["pin"] for m in widow.record.fields["members"]] == [HIEN]
    dead = await ask(lookup("CUTRU", "CT07", "PIN", CU))
    assert (dead.record.status, dead.record.voided_by) == ("deregistered", "residence_deregistered")


async def test_temporary_residence_is_the_current_address(ask: Ask, world: World) -> None:
    lodger = next(p for p in world.people.values() if p.temporary_address and not p.died_on)
    answer = await ask(lookup("CUTRU", "CT07", "PIN", lodger.pin))
    fields = answer.record.fields
    assert fields["current_address"] == fields["temporary_address"] == lodger.temporary_address
    assert fields["history"][-1]["kind"] == "temporary"


async def test_abolished_household_book_is_still_answered_from_the_registry(ask: Ask) -> None:
    answer = await ask(lookup("CUTRU", "SO_HO_KHAU", "PIN", THI))
    assert answer.outcome is Outcome.FOUND
    assert answer.record.fields["household_head"]["pin"] == MAU


async def test_an_answer_about_someone_else_is_a_bad_response(ask: Ask, world: World) -> None:
    sim = httpx.ASGITransport(app=build_dancu_simulator(world, TOKEN))

    async def swap(request: httpx.Request) -> httpx.Response:
        # A registry mixing up answers: whatever is asked, it answers about Mẫu.
        body = json.dumps({"loaiTraCuu": "THE_CAN_CUOC", "soDinhDanh": MAU}).encode()
        forged = httpx.Request("POST", request.url, headers=request.headers, content=body)
        response = await sim.handle_async_request(forged)
        return httpx.Response(200, headers=response.headers, content=await response.aread())

    answer = await ask(lookup("DANCU", "CCCD", "PIN", THU), http=httpx.MockTransport(swap))
    assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, UnavailableReason.BAD_RESPONSE)


@pytest.mark.parametrize(
    ("status", "body", "retriable"),
    [
        (404, {"maLoi": "KHONG_HO_TRO"}, False),  # a 404 that is not the registry's "no record"
        (400, {"maLoi": "YEU_CAU_KHONG_HOP_LE"}, False),
        (401, {"maLoi": "CHUA_XAC_THUC"}, False),
        (429, {"maLoi": "VUOT_HAN_MUC"}, True),
        (503, {"maLoi": "BAO_TRI"}, True),
    ],
)
async def test_error_answers_are_unavailable_never_not_found(
    ask: Ask, status: int, body: dict[str, str], retriable: bool
) -> None:
    raw = json.dumps(body).encode()
    http = httpx.MockTransport(
        lambda r: respond(status, raw, "application/json", **{"retry-after": "7"})
    )
    answer = await ask(lookup("DANCU", "CCCD", "PIN", MAU), http=http)
    assert (answer.outcome, answer.reason) == (
        Outcome.UNAVAILABLE,
        UnavailableReason.UPSTREAM_ERROR,
    )
    assert answer.retry_after == (7.0 if retriable else None)


async def test_http_date_retry_after_is_left_to_the_transport(ask: Ask) -> None:
    when = "Wed, 21 Oct 2026 07:28:00 GMT"
    http = httpx.MockTransport(
        lambda r: respond(503, b"{}", "application/json", **{"retry-after": when})
    )
    answer = await ask(lookup("CUTRU", "CT07", "PIN", MAU), http=http)
    # A date already past asks for no wait: the answer carries the policy's hint instead.
    assert answer.outcome is Outcome.UNAVAILABLE and answer.retry_after == 5.0


# --- requests on the wire --------------------------------------------------------------------


def _captured(requests: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return respond(404, b'{"maLoi": "KHONG_TIM_THAY"}', "application/json")

    return httpx.MockTransport(handler)


async def test_dancu_query_names_the_kind_and_the_subject_key(ask: Ask) -> None:
    sent: list[httpx.Request] = []
    await ask(lookup("DANCU", "QH_NHAN_THAN", "CMND9", "013912345"), http=_captured(sent))
    (request,) = sent
    assert (request.method, request.url.path) == ("POST", "/api/v1/congdan/tracuu")
    assert json.loads(request.content) == {"loaiTraCuu": "QUAN_HE_CHU_HO", "soCMND": "013912345"}
    assert request.headers["X-Api-Key"] == TOKEN
    assert request.headers["X-Request-Id"] == "contract-QH_NHAN_THAN-013912345"


async def test_cutru_query_is_a_get_by_pin(ask: Ask) -> None:
    sent: list[httpx.Request] = []
    await ask(lookup("CUTRU", "SO_HO_KHAU", "PIN", MAU), http=_captured(sent))
    assert (sent[0].method, sent[0].url.path) == ("GET", f"/api/v1/hogiadinh/{MAU}")


async def test_cutru_refuses_cmnd9_subjects_and_foreign_document_types(ask: Ask) -> None:
    with pytest.raises(UnknownSchemeError):
        await ask(lookup("CUTRU", "CT07", "CMND9", "013912345"))
    with pytest.raises(UnknownDocumentTypeError):
        await ask(lookup("CUTRU", "CCCD", "PIN", MAU))
