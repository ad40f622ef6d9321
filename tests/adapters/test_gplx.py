"""GPLX: the adapter contract, the pure mapping and the licence service's quirks.

Loopback HTTP against the simulator is in tests/integration/test_thue_gplx_dkxe_loopback.py.
"""

from __future__ import annotations

import base64
import json
import unicodedata
from datetime import date
from typing import Any

import httpx
import pytest

from adapters.gplx import client
from adapters.gplx.adapter import GplxAdapter
from adapters.gplx.mapping import NO_EXPIRY, record_to_wire, wire_to_record
from adapters.gplx.simulator import build_simulator
from adapters.mapping_helpers import WireFormatError
from adapters.simulators.data.licences import class_expiry
from adapters.simulators.fixtures import GIA, MAU, NOT_FOUND_PIN, THU
from shared_data.catalog import load_catalog
from shared_data.domain import (
    Outcome,
    RegistryAnswer,
    RegistryRecord,
    RegistryRequest,
    UnavailableReason,
)
from shared_data.errors import InvalidIdentifierError, UnknownSchemeError
from tests.adapters.contract import (
    AdapterContract,
    Handler,
    adapter_factory,
    ask_once,
    lookup,
    provides,
    serves,
)

TOKEN = "gplx-test-key"
ADAPTER = adapter_factory(GplxAdapter, client)

LICENCE = RegistryRecord(
    record_id="010900000001",
    fields={
        "dl_no": "010900000001",
        "pin": MAU,
        "classes": [
            {"class": "A1", "issued_on": "2009-06-01", "expires_on": None},
            {"class": "B", "issued_on": "2021-03-15", "expires_on": "2031-03-15"},
        ],
        "issue_date": "2021-03-15",
        "expiry_date": None,
        "status": "active",
        "points": 12,
    },
    issued_on=date(2021, 3, 15),
    valid_until=None,
    status="active",
)
B_ONLY = RegistryRecord(
    record_id="011600000002",
    fields={
        "dl_no": "011600000002",
        "pin": THU,
        "classes": [{"class": "B", "issued_on": "2016-06-01", "expires_on": "2026-06-01"}],
        "issue_date": "2016-06-01",
        "expiry_date": "2026-06-01",
        "status": "suspended",
        "points": 0,
    },
    issued_on=date(2016, 6, 1),
    valid_until=date(2026, 6, 1),
    status="suspended",
)


def _request(value: str = "010900000001", scheme: str = "DL_NO") -> RegistryRequest:
    return lookup("GPLX", "GPLX", scheme, value)


def _answer(record: RegistryRecord | None = LICENCE, **changes: Any) -> dict[str, Any]:
    if record is None:
        return {"ket_qua": "KHONG_CO_DU_LIEU", "giay_phep": None}
    return {"ket_qua": "CO_DU_LIEU", "giay_phep": record_to_wire(record) | changes}


def _reply(body: Any, status: int = 200, media: str = "application/json") -> Handler:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return lambda request: httpx.Response(status, content=raw, headers={"content-type": media})


async def _lookup(handler: Handler, request: RegistryRequest | None = None) -> RegistryAnswer:
    return await ask_once(ADAPTER(httpx.MockTransport(handler), TOKEN), request or _request())


def _round_trip(document_type: str, body: bytes) -> bytes:
    answer = json.loads(body)
    answer["giay_phep"] = record_to_wire(wire_to_record(answer["giay_phep"]))
    return json.dumps(answer, ensure_ascii=False).encode()


class TestGplxContract(AdapterContract):
    registry_id = "GPLX"
    simulator_app = serves(build_simulator)
    make_adapter = provides(ADAPTER)
    found_requests = provides([_request(), _request(THU, "PIN"), _request(GIA, "PIN")])
    not_found_request = provides(_request(NOT_FOUND_PIN, "PIN"))
    round_trip = provides(_round_trip)


# --- mapping (pure) -------------------------------------------------------------------------


def test_fields_are_the_catalogs() -> None:
    assert list(LICENCE.fields) == load_catalog().document_types["GPLX"].fields


@pytest.mark.parametrize("record", [LICENCE, B_ONLY], ids=["no-expiry", "b-only"])
def test_a_licence_survives_a_wire_round_trip(record: RegistryRecord) -> None:
    assert wire_to_record(record_to_wire(record)) == record


def test_no_expiry_is_spelled_in_words_on_the_wire() -> None:
    wire = record_to_wire(LICENCE)
    assert wire["co_gia_tri_den"] == NO_EXPIRY and wire["hang"][0]["ngay_het_han"] == NO_EXPIRY
    assert (wire["tinh_trang"], wire["ngay_cap"]) == ("Đang sử dụng", "15/03/2021")


def test_a_status_phrase_sent_decomposed_reads_the_same() -> None:
    decomposed = unicodedata.normalize("NFD", "Đã thu hồi")
    assert wire_to_record(record_to_wire(LICENCE) | {"tinh_trang": decomposed}).status == "revoked"


@pytest.mark.parametrize(
    ("licence_class", "issued", "expires"),
    [
        ("A1", date(2020, 1, 1), None),
        ("B1", date(2020, 1, 1), None),
        ("B", date(2016, 6, 1), date(2026, 6, 1)),
        ("C1", date(2020, 2, 29), date(2030, 2, 28)),
        ("C", date(2021, 6, 1), date(2026, 6, 1)),
        ("D2", date(2024, 3, 1), date(2029, 3, 1)),
    ],
)
def test_class_rules_give_the_expiry(
    licence_class: str, issued: date, expires: date | None
) -> None:
    assert class_expiry(licence_class, issued) == expires


WRONG = {
    "null-expiry": {"co_gia_tri_den": None},
    "iso-date": {"ngay_cap": "2021-03-15"},
    "unknown-class": {
        "hang": [{"hang": "Z9", "ngay_cap": "01/01/2020", "ngay_het_han": NO_EXPIRY}]
    },
    "no-class": {"hang": []},
    "points-over-12": {"diem": 13},
    "points-as-text": {"diem": "12"},
    "unknown-status": {"tinh_trang": "Không rõ"},
}


@pytest.mark.parametrize("changes", WRONG.values(), ids=WRONG.keys())
def test_malformed_licences_are_errors(changes: dict[str, Any]) -> None:
    with pytest.raises(WireFormatError):
        wire_to_record(record_to_wire(LICENCE) | changes)


# --- adapter against MockTransport ----------------------------------------------------------


async def test_lookup_by_pin_uses_the_query_string_and_basic_credentials() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _reply(_answer())(request)

    answer = await _lookup(handler, _request(MAU, "PIN"))
    assert answer.outcome is Outcome.FOUND and answer.record == LICENCE
    sent = seen[0]
    assert (sent.url.path, dict(sent.url.params)) == (client.LOOKUP_PATH, {"so_cccd": MAU})
    expected = base64.b64encode(f"{client.DEFAULT_CLIENT_ID}:{TOKEN}".encode()).decode()
    assert sent.headers["authorization"] == f"Basic {expected}"


async def test_in_band_no_record_is_not_found() -> None:
    assert (await _lookup(_reply(_answer(None)))).outcome is Outcome.NOT_FOUND


BAD, UPSTREAM = UnavailableReason.BAD_RESPONSE, UnavailableReason.UPSTREAM_ERROR
FAILURES = {
    "no-record-with-licence": _reply(
        {"ket_qua": "KHONG_CO_DU_LIEU", "giay_phep": _answer()["giay_phep"]}
    ),
    "found-without-licence": _reply({"ket_qua": "CO_DU_LIEU", "giay_phep": None}),
    "unknown-result": _reply({"ket_qua": "DANG_XU_LY", "giay_phep": None}),
    "another-licence": _reply(_answer(so_gplx="010900000099")),
}


@pytest.mark.parametrize("handler", FAILURES.values(), ids=FAILURES.keys())
async def test_inconsistent_answers_are_bad_responses(handler: Handler) -> None:
    answer = await _lookup(handler)
    assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, BAD)


async def test_a_404_is_unavailable_since_no_record_comes_in_band() -> None:
    answer = await _lookup(_reply(_answer(None), 404))
    assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, UPSTREAM)


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        (_request("0109000000011"), InvalidIdentifierError),
        (lookup("GPLX", "GPLX", "CMND9", "013912345"), UnknownSchemeError),
    ],
)
async def test_keys_the_registry_cannot_hold_are_refused_before_sending(
    request_: RegistryRequest, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await _lookup(_reply(_answer()), request_)
