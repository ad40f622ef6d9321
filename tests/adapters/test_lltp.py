"""LLTP: the adapter contract, pending answers and their collection, the mapping, the quirks.

The contract runs against a simulator that answers at once (`ready_after_s=0`); the
asynchronous path (pending, then collected) runs against one that needs polls or time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest

from adapters.lltp import client
from adapters.lltp.adapter import LltpAdapter
from adapters.lltp.client import RequestStateWire, State
from adapters.lltp.mapping import record_to_wire, wire_to_record
from adapters.lltp.simulator import JudicialRegistry, build_simulator, certificate
from adapters.mapping_helpers import WireFormatError
from adapters.simulators.data.judicial import ISSUER_BEFORE, ISSUER_FROM, JudicialRegister
from adapters.simulators.dataset import build_world
from adapters.simulators.fixtures import GIA, MAU, NOT_FOUND_PIN
from adapters.simulators.world import World
from shared_data.domain import Outcome, RegistryAnswer, RegistryRequest
from shared_data.domain import UnavailableReason as Reason
from shared_data.ports import PendingCollector
from tests.adapters.contract import (
    AS_OF,
    AdapterContract,
    ASGIApp,
    adapter_factory,
    lookup,
    provides,
)

TOKEN = "lltp-test-token"
ADAPTER = adapter_factory(LltpAdapter, client)
Handler = Callable[[httpx.Request], httpx.Response]


def _request(document_type: str = "LLTP_1", pin: str = MAU) -> RegistryRequest:
    return lookup("LLTP", document_type, "PIN", pin)


def _adapter(http: httpx.AsyncBaseTransport) -> LltpAdapter:
    return ADAPTER(http, TOKEN)


def _over(app: ASGIApp) -> LltpAdapter:
    return _adapter(httpx.ASGITransport(app=app))


def _json_round_trip(document_type: str, body: bytes) -> bytes:
    state = client.decode_state(body)
    record = wire_to_record(document_type, state.phieu)
    phieu = record_to_wire(document_type, record)
    return client.encode_state(state.model_copy(update={"phieu": phieu}))


def _state(request: RegistryRequest, **changes: Any) -> bytes:
    values: dict[str, Any] = {
        "ma_yeu_cau": "YC0123456789ABCDEF",
        "ma_giao_dich": request.lookup_id,
        "loai_phieu": 1,
        "so_dinh_danh": request.subject.value,
        "trang_thai": State.PROCESSING,
        "thoi_gian_cho": 3,
    }
    return client.encode_state(RequestStateWire(**(values | changes)))


def _reply(body: bytes, status: int = 200) -> Handler:
    headers = {"content-type": client.JSON_CONTENT_TYPE}
    return lambda request: httpx.Response(status, content=body, headers=headers)


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(people=300, enterprises=50, seed=86, as_of=AS_OF)


@pytest.fixture(scope="module")
def convicted(world: World) -> str:
    register = JudicialRegister(world)
    return next(pin for pin in world.people if (r := register.record(pin)) and r.convictions)


class TestLltpContract(AdapterContract):
    registry_id = "LLTP"
    make_adapter = provides(ADAPTER)
    found_requests = provides([_request(), _request("LLTP_2"), _request("LLTP_1", GIA)])
    not_found_request = provides(_request(pin=NOT_FOUND_PIN))
    round_trip = provides(_json_round_trip)

    @pytest.fixture
    def simulator_app(self, world: World, token: str) -> ASGIApp:
        return build_simulator(world, token, ready_after_s=0)


# --- pending, then collected ------------------------------------------------------------


def test_the_adapter_is_a_pending_collector() -> None:
    assert isinstance(_adapter(httpx.MockTransport(_reply(b""))), PendingCollector)


async def test_a_request_not_ready_is_pending_with_a_ticket_then_collected_found(
    world: World,
) -> None:
    adapter = _over(build_simulator(world, TOKEN, ready_after_s=3600, ready_after_polls=2))
    request = _request()
    first = await adapter.lookup(request)
    assert first.outcome is Outcome.PENDING and first.ticket and first.retry_after
    assert first.record is None
    still = await adapter.collect(request, first.ticket)
    assert (still.outcome, still.ticket) == (Outcome.PENDING, first.ticket)
    done = await adapter.collect(request, first.ticket)
    assert done.outcome is Outcome.FOUND and done.record is not None
    assert done.record.fields["pin"] == MAU
    assert done.record.fields["has_criminal_record"] is False
    await adapter.aclose()


async def test_a_pending_request_for_an_unknown_person_is_collected_not_found(
    world: World,
) -> None:
    adapter = _over(build_simulator(world, TOKEN, ready_after_s=3600, ready_after_polls=1))
    request = _request(pin=NOT_FOUND_PIN)
    first = await adapter.lookup(request)
    assert first.outcome is Outcome.PENDING and first.ticket
    assert (await adapter.collect(request, first.ticket)).outcome is Outcome.NOT_FOUND
    await adapter.aclose()


async def test_a_request_becomes_ready_after_its_delay() -> None:
    world = build_world(people=50, enterprises=5, seed=86, as_of=AS_OF)
    now = [1000.0]
    registry = JudicialRegistry(
        world, ready_after_s=2.0, ready_after_polls=None, clock=lambda: now[0]
    )
    submit = client.SubmitWire(ma_giao_dich="t1", loai_phieu=1, so_dinh_danh=MAU)
    state = registry.submit(submit)
    assert (state.trang_thai, state.thoi_gian_cho) == (State.PROCESSING, 2)
    now[0] += 1.9
    assert registry.poll(state.ma_yeu_cau).trang_thai is State.PROCESSING  # type: ignore[union-attr]
    now[0] += 0.1
    assert registry.poll(state.ma_yeu_cau).trang_thai is State.ISSUED  # type: ignore[union-attr]


def test_submitting_the_same_transaction_again_returns_the_same_ticket(world: World) -> None:
    registry = JudicialRegistry(world)
    submit = client.SubmitWire(ma_giao_dich="t1", loai_phieu=1, so_dinh_danh=MAU)
    assert registry.submit(submit).ma_yeu_cau == registry.submit(submit).ma_yeu_cau
    other = submit.model_copy(update={"ma_giao_dich": "t2"})
    assert registry.submit(other).ma_yeu_cau != registry.submit(submit).ma_yeu_cau


async def test_an_unknown_or_expired_ticket_is_unavailable_never_not_found(world: World) -> None:
    adapter = _over(build_simulator(world, TOKEN))
    answer = await adapter.collect(_request(), "YC0000000000000000")
    assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, Reason.UPSTREAM_ERROR)
    await adapter.aclose()


async def test_a_polled_answer_for_another_ticket_or_person_is_bad_response() -> None:
    request = _request()
    for body in (
        _state(request, ma_yeu_cau="YCFFFFFFFFFFFFFFFF"),
        _state(request, so_dinh_danh=GIA),
        _state(request, loai_phieu=2),
    ):
        adapter = _adapter(httpx.MockTransport(_reply(body)))
        answer = await adapter.collect(request, "YC0123456789ABCDEF")
        assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, Reason.BAD_RESPONSE)


async def test_a_submit_answered_for_another_transaction_is_bad_response() -> None:
    request = _request()
    adapter = _adapter(httpx.MockTransport(_reply(_state(request, ma_giao_dich="another"), 202)))
    answer = await adapter.lookup(request)
    assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, Reason.BAD_RESPONSE)


async def test_a_pending_answer_without_a_wait_gets_a_default_retry_after() -> None:
    request = _request()
    adapter = _adapter(httpx.MockTransport(_reply(_state(request, thoi_gian_cho=None), 202)))
    answer: RegistryAnswer = await adapter.lookup(request)
    assert answer.outcome is Outcome.PENDING and answer.retry_after and answer.retry_after > 0


# --- the certificates -----------------------------------------------------------------


def test_certificate_no_1_shows_only_unexpunged_convictions_no_2_shows_all(
    world: World, convicted: str
) -> None:
    record = JudicialRegister(world).record(convicted)
    assert record is not None
    one = certificate(1, record, AS_OF)
    two = certificate(2, record, AS_OF)
    assert one.fields["has_criminal_record"] == any(not c.expunged for c in record.convictions)
    assert len(two.fields["full_record"]) == len(record.convictions)
    assert "full_record" not in one.fields and "has_criminal_record" not in two.fields


def test_certificates_are_issued_by_the_police_from_1_july_2026(world: World) -> None:
    record = JudicialRegister(world).record(MAU)
    assert record is not None
    assert certificate(1, record, date(2026, 6, 30)).fields["issuer"] == ISSUER_BEFORE
    assert certificate(1, record, date(2026, 7, 1)).fields["issuer"] == ISSUER_FROM


@pytest.mark.parametrize("document_type", ["LLTP_1", "LLTP_2"])
def test_mapping_round_trip_keeps_every_canonical_field(
    world: World, convicted: str, document_type: str
) -> None:
    record = JudicialRegister(world).record(convicted)
    assert record is not None
    issued = certificate(client.CERTIFICATE_KINDS[document_type], record, AS_OF)
    assert wire_to_record(document_type, record_to_wire(document_type, issued)) == issued


def test_an_unknown_registry_code_on_a_certificate_is_malformed(world: World) -> None:
    record = JudicialRegister(world).record(MAU)
    assert record is not None
    wire = record_to_wire("LLTP_1", certificate(1, record, AS_OF)) | {"an_tich": "CHUA_RO"}
    with pytest.raises(WireFormatError):
        wire_to_record("LLTP_1", wire)
