"""HN_KHO: the adapter contract, request signing and replay protection, and the Kho's quirks.

The simulator serves the documents of `adapters.hn_kho.documents` for the contract's small
world (as of 2026-06-01); loopback HTTP is in tests/integration/test_hn_kho_loopback.py.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest

from adapters.hn_kho import client
from adapters.hn_kho.adapter import HnKhoAdapter
from adapters.hn_kho.documents import (
    COPY_OF_MARRIAGE,
    PERMIT_COMMENCED,
    PERMIT_IN_FORCE,
    PERMIT_LAPSED,
    PERMIT_REVOKED,
    UNKNOWN_DOSSIER,
    kho_documents,
)
from adapters.hn_kho.mapping import SPECS, MappingError, record_to_wire, wire_to_record
from adapters.hn_kho.simulator import build_simulator
from adapters.signing import hmac_signature
from adapters.simulators.dataset import build_world
from adapters.simulators.fixtures import DINH, GIA, MAU, NOT_FOUND_PIN, THU
from shared_data.catalog import load_catalog
from shared_data.domain import Outcome, RegistryAnswer, RegistryRequest, UnavailableReason
from shared_data.errors import (
    InvalidIdentifierError,
    UnknownDocumentTypeError,
    UnknownSchemeError,
)
from shared_data.validity import evaluate
from tests.adapters.contract import (
    AS_OF,
    BASE_URL,
    AdapterContract,
    lookup,
    provides,
    same_headers,
    serves,
    transport_to,
)

TOKEN = "kho-test-token"
PERMIT, COPY = "GIAY_PHEP_XAY_DUNG", "BAN_SAO_DIEN_TU"
WORLD = build_world(people=300, enterprises=50, seed=86, as_of=AS_OF)


def _request(document_type: str, scheme: str, value: str) -> RegistryRequest:
    return lookup("HN_KHO", document_type, scheme, value)


def _adapter(
    http: httpx.AsyncBaseTransport, key: str = TOKEN, clock: client.Clock = client.vn_now
) -> HnKhoAdapter:
    return HnKhoAdapter(transport_to("HN_KHO", client, http), key, clock=clock)


def _simulator(clock: client.Clock = client.vn_now) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=build_simulator(WORLD, TOKEN, clock=clock))


async def _ask(
    http: httpx.AsyncBaseTransport, request: RegistryRequest, **kw: Any
) -> RegistryAnswer:
    adapter = _adapter(http, **kw)
    try:
        return await adapter.lookup(request)
    finally:
        await adapter.aclose()


def _pull_doc_round_trip(document_type: str, body: bytes) -> bytes:
    return client.encode_answer(client.decode_pull_doc(body))


class TestHnKhoContract(AdapterContract):
    registry_id = "HN_KHO"
    simulator_app = serves(build_simulator)
    make_adapter = provides(_adapter)
    found_requests = provides(
        [
            _request(PERMIT, "DOSSIER_NO", PERMIT_IN_FORCE),
            _request(PERMIT, "PIN", THU),
            _request(PERMIT, "MST", "0199900025"),
            _request(COPY, "PIN", DINH),
            _request(COPY, "DOSSIER_NO", COPY_OF_MARRIAGE),
        ]
    )
    not_found_request = provides(_request(PERMIT, "PIN", NOT_FOUND_PIN))
    round_trip = provides(_pull_doc_round_trip)


# --- mapping ---------------------------------------------------------------------------


def test_document_types_and_fields_are_the_catalogs() -> None:
    catalog = load_catalog()
    for document_type, spec in SPECS.items():
        doc = catalog.document_types[document_type]
        assert (doc.registry, list(spec.keys)) == ("HN_KHO", doc.fields)


@pytest.mark.parametrize("document_type", sorted(SPECS))
def test_every_document_of_the_kho_survives_a_wire_round_trip(document_type: str) -> None:
    for doc in (d for d in kho_documents(WORLD) if d.document_type == document_type):
        wire = record_to_wire(document_type, doc.record, doc.commenced_on)
        back = wire_to_record(document_type, doc.doc_id, wire, "HIEU_LUC")
        assert back.fields == doc.record.fields
        assert back.issued_on == doc.record.issued_on


def test_dates_travel_as_day_month_year_and_a_malformed_one_is_an_error() -> None:
    doc = next(d for d in kho_documents(WORLD) if d.dossier_no == PERMIT_IN_FORCE)
    wire = record_to_wire(PERMIT, doc.record)
    assert (wire["ngayCap"], wire["hanKhoiCong"]) == ("04/05/2026", "04/05/2027")
    with pytest.raises(MappingError):
        wire_to_record(PERMIT, doc.doc_id, {**wire, "ngayCap": "2026-05-04"}, "HIEU_LUC")
    with pytest.raises(MappingError):
        wire_to_record(PERMIT, doc.doc_id, wire, "DA_HUY")  # an undocumented status word


def test_the_kho_is_derived_deterministically_from_the_world() -> None:
    again = build_world(people=300, enterprises=50, seed=86, as_of=AS_OF)
    first, second = kho_documents(WORLD), kho_documents(again)
    assert first == second and len(first) > 10
    assert len({d.doc_id for d in first}) == len(first)


# --- signing and replay protection -----------------------------------------------------


async def test_each_request_is_signed_with_an_hmac_of_its_exact_body() -> None:
    sent: list[httpx.Request] = []
    inner = _simulator()

    class Recorder(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            sent.append(request)
            return await inner.handle_async_request(request)

    answer = await _ask(Recorder(), _request(PERMIT, "DOSSIER_NO", PERMIT_IN_FORCE))
    assert answer.outcome is Outcome.FOUND
    assert [r.url.path for r in sent] == [client.PULL_URI_PATH, client.PULL_DOC_PATH]
    for request in sent:
        expected = hmac.new(TOKEN.encode(), request.content, hashlib.sha256).digest()
        assert base64.b64decode(request.headers[client.HMAC_HEADER]) == expected
        body = json.loads(request.content)
        assert body["ver"] == "1.0" and body["orgId"] == "shared-data"
        assert datetime.fromisoformat(body["ts"]).utcoffset() == timedelta(hours=7)
    assert len({json.loads(r.content)["txn"] for r in sent}) == 2  # one txn per request
    assert json.loads(sent[0].content)["maHoSo"] == PERMIT_IN_FORCE
    assert json.loads(sent[1].content)["uri"] == f"vn.gov.hn_kho-{PERMIT}-GPXD2026000001"


def _signed(body: dict[str, Any], key: str = TOKEN) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    return raw, {client.HMAC_HEADER: hmac_signature(key, raw)}


def _envelope(**changes: Any) -> dict[str, Any]:
    body = {
        "ver": "1.0", "ts": client.vn_now().isoformat(timespec="seconds"),
        "txn": f"t-{time.monotonic_ns()}", "orgId": "test", "docType": PERMIT,
        "maHoSo": PERMIT_IN_FORCE,
    }  # fmt: skip
    return {**body, **changes}


async def _post(body: bytes, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(transport=_simulator(), base_url=BASE_URL) as http:
        return await http.post(client.PULL_URI_PATH, content=body, headers=headers)


async def test_the_simulator_accepts_a_signed_request_once_and_refuses_its_replay() -> None:
    body, headers = _signed(_envelope())
    async with httpx.AsyncClient(transport=_simulator(), base_url=BASE_URL) as http:
        first = await http.post(client.PULL_URI_PATH, content=body, headers=headers)
        replay = await http.post(client.PULL_URI_PATH, content=body, headers=headers)
    assert first.status_code == 200 and first.json()["status"] == "1"
    assert replay.status_code == 401 and replay.json()["errorCode"] == "AUTH_FAILED"


@pytest.mark.parametrize(
    "case", ["stale_ts", "future_ts", "naive_ts", "other_key", "tampered", "no_signature"]
)
async def test_the_simulator_refuses_requests_it_cannot_trust(case: str) -> None:
    now = client.vn_now()
    envelope = {
        "stale_ts": _envelope(ts=(now - timedelta(minutes=6)).isoformat()),
        "future_ts": _envelope(ts=(now + timedelta(minutes=6)).isoformat()),
        "naive_ts": _envelope(ts=now.replace(tzinfo=None).isoformat()),
    }.get(case, _envelope())
    body, headers = _signed(envelope, "another-key" if case == "other_key" else TOKEN)
    if case == "tampered":
        body = body.replace(PERMIT_IN_FORCE.encode(), PERMIT_LAPSED.encode())
    if case == "no_signature":
        headers = {}
    response = await _post(body, headers)
    assert (response.status_code, response.json()["errorCode"]) == (401, "AUTH_FAILED")


async def test_a_clock_out_of_step_with_the_kho_is_unavailable_never_not_found() -> None:
    late = lambda: client.vn_now() - timedelta(minutes=10)  # noqa: E731
    answer = await _ask(_simulator(), _request(PERMIT, "PIN", NOT_FOUND_PIN), clock=late)
    assert (answer.outcome, answer.reason) == (
        Outcome.UNAVAILABLE,
        UnavailableReason.UPSTREAM_ERROR,
    )


async def test_a_retry_signs_afresh_so_the_kho_does_not_take_it_for_a_replay() -> None:
    inner, txns = _simulator(), []

    class FailsOnce(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            txns.append(json.loads(request.content)["txn"])
            if len(txns) == 2:  # the first Pull Doc: a gateway hiccup
                return httpx.Response(503, content=b"busy", headers={"retry-after": "0"})
            return await inner.handle_async_request(request)

    answer = await _ask(FailsOnce(), _request(PERMIT, "DOSSIER_NO", PERMIT_IN_FORCE))
    assert answer.outcome is Outcome.FOUND, answer
    assert len(txns) == 4 and len(set(txns)) == 4  # search and fetch again, each signed anew


# --- the Kho's answers -----------------------------------------------------------------


def _reusable(answer: RegistryAnswer, document_type: str) -> bool:
    assert answer.record is not None
    rule = load_catalog().document_types[document_type].validity
    return evaluate(rule, answer.record, AS_OF).reusable


async def test_a_co_owned_permit_is_found_by_either_owner_and_by_its_dossier() -> None:
    answers = [
        await _ask(_simulator(), _request(PERMIT, scheme, value))
        for scheme, value in (("PIN", MAU), ("PIN", THU), ("DOSSIER_NO", PERMIT_IN_FORCE))
    ]
    # MAU also holds an older, superseded permit: the one in force is the document.
    assert {a.record.record_id for a in answers if a.record} == {"GPXD2026000001"}
    assert all(_reusable(a, PERMIT) for a in answers)
    assert answers[0].record and answers[0].record.valid_until == date(2027, 5, 4)


@pytest.mark.parametrize(
    ("scheme", "value", "valid_until", "reusable"),
    [("DOSSIER_NO", PERMIT_LAPSED, date(2025, 9, 10), False),
     ("ENTERPRISE_CODE", "0199900018", date(2025, 9, 10), False),
     ("DOSSIER_NO", PERMIT_COMMENCED, None, True),  # construction started: it no longer lapses
     ("PIN", GIA, date(2026, 3, 3), False)],  # revoked
)  # fmt: skip
async def test_permit_validity_follows_the_kho(
    scheme: str, value: str, valid_until: date | None, reusable: bool
) -> None:
    answer = await _ask(_simulator(), _request(PERMIT, scheme, value))
    assert answer.outcome is Outcome.FOUND and answer.record is not None
    assert answer.record.valid_until == valid_until
    assert _reusable(answer, PERMIT) is reusable


async def test_the_revoked_permit_is_found_with_its_status_never_not_found() -> None:
    answer = await _ask(_simulator(), _request(PERMIT, "DOSSIER_NO", PERMIT_REVOKED))
    assert answer.record is not None and answer.record.status == "revoked"


@pytest.mark.parametrize(
    ("document_type", "scheme", "value"),
    [(PERMIT, "DOSSIER_NO", UNKNOWN_DOSSIER), (COPY, "PIN", MAU), (PERMIT, "MST", "0199900057")],
)
async def test_an_empty_uri_list_is_not_found(document_type: str, scheme: str, value: str) -> None:
    answer = await _ask(_simulator(), _request(document_type, scheme, value))
    assert answer.outcome is Outcome.NOT_FOUND, answer


Rewrite = Callable[[dict[str, Any]], dict[str, Any]]


class _Rewriting(httpx.AsyncBaseTransport):
    """The simulator, with the JSON answers to one path rewritten."""

    def __init__(self, path: str, change: Rewrite) -> None:
        self.inner, self.path, self.change = _simulator(), path, change

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        if request.url.path != self.path:
            return same_headers(response, body)
        return same_headers(response, json.dumps(self.change(json.loads(body))).encode())


UPSTREAM, BAD = UnavailableReason.UPSTREAM_ERROR, UnavailableReason.BAD_RESPONSE
URI, DOC = client.PULL_URI_PATH, client.PULL_DOC_PATH


@pytest.mark.parametrize(
    ("path", "change", "reason"),
    [
        (URI, lambda b: {**b, "status": "9"}, UPSTREAM),
        (URI, lambda b: {**b, "status": "0", "uris": [], "errorCode": "SYSTEM_ERROR"}, UPSTREAM),
        (URI, lambda b: {**b, "txn": "someone-else"}, BAD),
        (URI, lambda b: {**b, "uris": [{**u, "uri": u["uri"].replace(PERMIT, COPY)}
                                       for u in b["uris"]]}, BAD),
        (DOC, lambda b: {**b, "chuHoSo": [MAU]}, BAD),
        (DOC, lambda b: {**b, "uri": b["uri"] + "9"}, BAD),
        (DOC, lambda b: {k: v for k, v in b.items() if k != "data"}, BAD),
        (DOC, lambda b: {"ver": "1.0", "status": "0", "ts": b["ts"], "txn": b["txn"],
                         "errorCode": "URI_NOT_FOUND"}, UPSTREAM),
    ],
)  # fmt: skip
async def test_answers_the_adapter_cannot_trust_are_unavailable_never_not_found(
    path: str, change: Rewrite, reason: UnavailableReason
) -> None:
    answer = await _ask(_Rewriting(path, change), _request(PERMIT, "PIN", THU))
    assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, reason), answer


async def test_one_deadline_covers_search_and_fetch() -> None:
    inner = _simulator()

    class SlowFetch(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path == client.PULL_DOC_PATH:
                await asyncio.sleep(2.0)
            return await inner.handle_async_request(request)

    request = _request(PERMIT, "DOSSIER_NO", PERMIT_IN_FORCE).model_copy(update={"deadline_s": 0.3})
    started = time.monotonic()
    answer = await _ask(SlowFetch(), request)
    assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, UnavailableReason.TIMEOUT)
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("document_type", "scheme", "value", "error"),
    [("KHAI_SINH", "PIN", MAU, UnknownDocumentTypeError),
     (PERMIT, "CMND9", "013912345", UnknownSchemeError),
     (PERMIT, "DOSSIER_NO", "H01-260504-0001", InvalidIdentifierError)],
)  # fmt: skip
async def test_questions_the_kho_cannot_answer_are_caller_errors_and_send_nothing(
    document_type: str, scheme: str, value: str, error: type[Exception]
) -> None:
    sent: list[httpx.Request] = []
    http = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(500))
    with pytest.raises(error):
        await _ask(http, _request(document_type, scheme, value))
    assert sent == []


async def test_the_kho_also_renders_a_document_as_digilocker_xml() -> None:
    envelope = _envelope(uri=f"vn.gov.hn_kho-{COPY}-BSCT2026000006", format="xml")
    body, headers = _signed(envelope)
    async with httpx.AsyncClient(transport=_simulator(), base_url=BASE_URL) as http:
        response = await http.post(client.PULL_DOC_PATH, content=body, headers=headers)
    answer = client.decode_pull_doc(response.content)
    assert answer.data is None and answer.dataContent
    xml = base64.b64decode(answer.dataContent).decode()
    assert "<chuSoHuu>001192934567</chuSoHuu>" in xml and "<ngayChungThuc>15/01/2026" in xml
