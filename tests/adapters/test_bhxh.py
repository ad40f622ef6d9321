"""BHXH: the adapter contract, the pure mapping, and the gateway's quirks against MockTransport.

The simulator's answers for the DOMAIN.md 11.5 fixtures are checked over real HTTP in
tests/integration/test_bhxh_datdai_lltp_loopback.py.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
import pytest

from adapters.bhxh import client
from adapters.bhxh.adapter import BhxhAdapter
from adapters.bhxh.client import RpcCode, Signer
from adapters.bhxh.mapping import record_to_wire, unavailable_card_to_wire, wire_to_answer
from adapters.bhxh.simulator import InsuranceRegistry, build_simulator
from adapters.mapping_helpers import WireFormatError
from adapters.simulators.dataset import build_world
from adapters.simulators.fixtures import GIA, MAU, NOT_FOUND_PIN, THI
from adapters.simulators.world import World
from shared_data.domain import Outcome, RegistryAnswer, RegistryRecord, RegistryRequest
from shared_data.domain import UnavailableReason as Reason
from shared_data.errors import UnknownDocumentTypeError, UnknownSchemeError
from tests.adapters.contract import (
    AS_OF,
    AdapterContract,
    Handler,
    ask_once,
    lookup,
    provides,
    serves,
    transport_to,
)

TOKEN = "bhxh-test-secret"

HISTORY = RegistryRecord(
    record_id="0112345678",
    fields={
        "pin": MAU,
        "si_code": "0112345678",
        "periods": [
            {"from": "2012-03", "to": "2019-12", "employer_code": "0199900018", "months": 94,
             "unemployment_insurance": True},
            {"from": "2020-02", "to": None, "employer_code": "0199900025", "months": 75,
             "unemployment_insurance": False},
        ],
        "employer_codes": ["0199900018", "0199900025"],
        "total_months": 169,
        "ui_months": 94,
    },
)  # fmt: skip
CARD = RegistryRecord(
    record_id="DN4010112345678",
    fields={
        "pin": MAU,
        "card_no": "DN4010112345678",
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
        "primary_care_facility": {"code": "01-123", "name": "Trạm Y tế Phường Mẫu Một"},
    },
    issued_on=date(2026, 1, 1),
    valid_until=date(2026, 12, 31),
)


def _request(
    document_type: str = "SO_BHXH", value: str = MAU, scheme: str = "PIN"
) -> RegistryRequest:
    return lookup("BHXH", document_type, scheme, value)


def _rpc(result: Any = None, error: int | None = None, tx_id: str | None = None) -> bytes:
    tx = _request().lookup_id if tx_id is None else tx_id
    if error is not None:
        return client.encode_error(tx, RpcCode(error))
    return client.encode_result(tx, result)


def _reply(body: bytes, content_type: str = client.JSON_CONTENT_TYPE) -> Handler:
    return lambda request: httpx.Response(200, content=body, headers={"content-type": content_type})


async def _lookup(handler: Handler, request: RegistryRequest | None = None) -> RegistryAnswer:
    adapter = BhxhAdapter(transport_to("BHXH", client, httpx.MockTransport(handler)), Signer(TOKEN))
    return await ask_once(adapter, request or _request())


def _json_round_trip(document_type: str, body: bytes) -> bytes:
    rpc = client.decode_response(body)
    decoded = wire_to_answer(document_type, rpc.result)
    assert decoded.record is not None
    return client.encode_result(rpc.id, record_to_wire(document_type, decoded.record))


class TestBhxhContract(AdapterContract):
    registry_id = "BHXH"
    simulator_app = serves(build_simulator)
    make_adapter = provides(
        lambda http, token: BhxhAdapter(transport_to("BHXH", client, http), Signer(token))
    )
    not_found_request = provides(_request(value=NOT_FOUND_PIN))
    round_trip = provides(_json_round_trip)

    @pytest.fixture
    def found_requests(self, world: World) -> list[RegistryRequest]:
        si_code = InsuranceRegistry(world)._book.si_codes[MAU]
        return [
            _request(),
            _request("THE_BHYT"),
            _request("THE_BHYT", THI),
            _request("SO_BHXH", si_code, "SI_CODE"),
        ]


# --- mapping (pure) ---------------------------------------------------------------------


@pytest.mark.parametrize("record", [HISTORY, CARD], ids=["SO_BHXH", "THE_BHYT"])
def test_mapping_round_trip_keeps_every_canonical_field(record: RegistryRecord) -> None:
    document_type = "SO_BHXH" if record is HISTORY else "THE_BHYT"
    decoded = wire_to_answer(document_type, record_to_wire(document_type, record))
    assert decoded.record == record
    assert (decoded.pin, decoded.si_code) == (MAU, "0112345678")


def test_months_and_card_dates_use_the_registry_spellings() -> None:
    history = record_to_wire("SO_BHXH", HISTORY)
    assert history["quaTrinhDong"][0]["tuThang"] == "03/2012"
    assert history["quaTrinhDong"][1]["denThang"] is None
    card = record_to_wire("THE_BHYT", CARD)["theBhyt"]
    assert (card["giaTriTu"], card["giaTriDen"]) == ("20260101", "20261231")


def test_totals_that_disagree_with_the_periods_are_malformed() -> None:
    wire = record_to_wire("SO_BHXH", HISTORY) | {"tongSoThang": 170}
    with pytest.raises(WireFormatError):
        wire_to_answer("SO_BHXH", wire)


def test_a_card_number_of_another_insurance_code_is_malformed() -> None:
    wire = record_to_wire("THE_BHYT", CARD)
    wire["theBhyt"]["maThe"] = "DN4010199999999"
    with pytest.raises(WireFormatError):
        wire_to_answer("THE_BHYT", wire)


def test_a_card_held_without_its_data_decodes_to_no_record() -> None:
    decoded = wire_to_answer("THE_BHYT", unavailable_card_to_wire(GIA, "0100000001"))
    assert decoded.record is None and decoded.pin == GIA


# --- quirks (MockTransport) ---------------------------------------------------------------


async def test_a_card_without_data_is_unavailable_data_unavailable_never_not_found() -> None:
    request = _request("THE_BHYT")
    body = _rpc(unavailable_card_to_wire(MAU, "0112345678"), tx_id=request.lookup_id)
    answer = await _lookup(_reply(body), request)
    assert answer.outcome is Outcome.UNAVAILABLE
    assert answer.reason is Reason.DATA_UNAVAILABLE
    assert answer.detail and "card exists" in answer.detail
    assert answer.retry_after is None


async def test_error_minus_32004_is_the_only_not_found() -> None:
    answer = await _lookup(_reply(_rpc(error=RpcCode.NO_RECORD)))
    assert answer.outcome is Outcome.NOT_FOUND


@pytest.mark.parametrize(
    "code",
    [RpcCode.UNAUTHORIZED, RpcCode.SYSTEM_ERROR, RpcCode.RATE_LIMITED, RpcCode.INVALID_PARAMS],
)
async def test_other_json_rpc_errors_are_unavailable(code: RpcCode) -> None:
    answer = await _lookup(_reply(_rpc(error=code)))
    assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, Reason.UPSTREAM_ERROR)


async def test_an_answer_to_another_request_id_is_bad_response() -> None:
    body = _rpc(record_to_wire("SO_BHXH", HISTORY), tx_id="someone-else")
    answer = await _lookup(_reply(body))
    assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, Reason.BAD_RESPONSE)


async def test_an_answer_about_another_person_is_bad_response_never_found() -> None:
    other = HISTORY.model_copy(update={"fields": {**HISTORY.fields, "pin": GIA}})
    answer = await _lookup(_reply(_rpc(record_to_wire("SO_BHXH", other))))
    assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, Reason.BAD_RESPONSE)


async def test_requests_are_signed_over_timestamp_and_body() -> None:
    seen: list[httpx.Request] = []

    def capture(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=_rpc(error=RpcCode.NO_RECORD),
                              headers={"content-type": "application/json"})  # fmt: skip

    await _lookup(capture)
    sent = seen[0]
    assert json.loads(sent.content)["method"] == "bhxh.traCuuQuaTrinhDong"
    assert Signer(TOKEN).verify(sent.headers, sent.content)
    assert not Signer("another-secret").verify(sent.headers, sent.content)
    assert not Signer(TOKEN).verify(sent.headers, sent.content + b" ")


def test_a_signature_older_than_five_minutes_is_refused() -> None:
    body = b"{}"
    old = Signer(TOKEN, clock=lambda: 1_000_000.0).headers(body)
    headers = {key.lower(): value for key, value in old.items()}
    assert Signer(TOKEN, clock=lambda: 1_000_200.0).verify(headers, body)
    assert not Signer(TOKEN, clock=lambda: 1_000_301.0).verify(headers, body)


async def test_unknown_document_type_or_scheme_is_refused_before_any_call() -> None:
    never = _reply(b"")
    with pytest.raises(UnknownDocumentTypeError):
        await _lookup(never, _request("KHAI_SINH"))
    with pytest.raises(UnknownSchemeError):
        await _lookup(never, _request(scheme="CMND9", value="013912345"))


# --- the simulator's world view ------------------------------------------------------------


def test_every_person_has_one_distinct_insurance_code(world: World) -> None:
    book = InsuranceRegistry(world)._book
    assert len(set(book.si_codes.values())) == len(world.people)
    assert all(code.startswith("01") and len(code) == 10 for code in book.si_codes.values())


def test_children_under_six_hold_a_free_card_until_the_day_before_their_sixth_birthday(
    world: World,
) -> None:
    book = InsuranceRegistry(world)._book
    card = book.card(world.people[THI])
    assert card is not None and card.card_no.startswith("TE1")
    assert (card.valid_from, card.valid_to) == (date(2025, 8, 20), date(2031, 8, 19))
    assert card.valid_to > AS_OF


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(people=300, enterprises=50, seed=86, as_of=AS_OF)
