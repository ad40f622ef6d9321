"""DKXE: the adapter contract, the pure mapping, owner lookups and qualifiers, the search API.

Loopback HTTP against the simulator is in tests/integration/test_thue_gplx_dkxe_loopback.py.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
import pytest

from adapters.dkxe import client
from adapters.dkxe.adapter import DkxeAdapter
from adapters.dkxe.mapping import canonical_plate, compact_plate, item_to_record, record_to_item
from adapters.dkxe.simulator import build_simulator
from adapters.mapping_helpers import WireFormatError
from adapters.simulators.fixtures import MAU, NOT_FOUND_PIN, THU
from shared_data.catalog import load_catalog
from shared_data.domain import (
    Outcome,
    RegistryAnswer,
    RegistryRecord,
    RegistryRequest,
    Subject,
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

TOKEN = "dkxe-test-key"
ADAPTER = adapter_factory(DkxeAdapter, client)
CAR = RegistryRecord(
    record_id="30A-123.45",
    fields={
        "plate_no": "30A-123.45",
        "owner_id": MAU,
        "vehicle_type": "car",
        "brand": "Toyota",
        "chassis_no": "RLBSZ95K3NPK5B6RB",
        "engine_no": "2NR0641332",
        "reg_date": "2021-04-02",
        "status": "registered",
    },
    issued_on=date(2021, 4, 2),
    status="registered",
)
TRUCK = RegistryRecord(
    record_id="29C-456.78",
    fields={
        **CAR.fields,
        "plate_no": "29C-456.78",
        "owner_id": "0199900018",
        "vehicle_type": "truck",
        "status": "transferred",
    },
    issued_on=date(2021, 4, 2),
    status="transferred",
)


def _request(value: str = "30A-123.45", scheme: str = "PLATE_NO", **q: str) -> RegistryRequest:
    request = lookup("DKXE", "DK_XE", scheme, value)
    qualifiers = {s: Subject(scheme=s, value=v) for s, v in q.items()}
    return request.model_copy(update={"qualifiers": qualifiers})


def _page(*records: RegistryRecord, total: int | None = None) -> dict[str, Any]:
    items = [record_to_item(r) for r in records]
    size = client.PAGE_SIZE
    return {
        "total": len(items) if total is None else total,
        "page": 1,
        "pageSize": size,
        "items": items,
    }


def _reply(body: Any, status: int = 200) -> Handler:
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = {"content-type": "application/json"}
    return lambda request: httpx.Response(status, content=raw, headers=headers)


async def _lookup(handler: Handler, request: RegistryRequest | None = None) -> RegistryAnswer:
    return await ask_once(ADAPTER(httpx.MockTransport(handler), TOKEN), request or _request())


def _round_trip(document_type: str, body: bytes) -> bytes:
    page = json.loads(body)
    page["items"] = [record_to_item(item_to_record(item)) for item in page["items"]]
    return json.dumps(page, ensure_ascii=False).encode()


class TestDkxeContract(AdapterContract):
    registry_id = "DKXE"
    simulator_app = serves(build_simulator)
    make_adapter = provides(ADAPTER)
    found_requests = provides(
        [
            _request(),
            _request("29B1-234.56"),
            _request(MAU, "PIN"),
            _request("0199900018", "ENTERPRISE_CODE"),
            _request(THU, "PIN", PLATE_NO="29D1-345.67"),
        ]
    )
    not_found_request = provides(_request("30A-999.99"))
    round_trip = provides(_round_trip)


# --- mapping (pure) -------------------------------------------------------------------------


def test_fields_and_keys_are_the_catalogs() -> None:
    doc = load_catalog().document_types["DK_XE"]
    assert list(CAR.fields) == doc.fields
    assert {doc.key, *doc.alt_keys} == DkxeAdapter.schemes


@pytest.mark.parametrize("record", [CAR, TRUCK], ids=["person-car", "enterprise-truck"])
def test_a_registration_survives_a_wire_round_trip(record: RegistryRecord) -> None:
    assert item_to_record(record_to_item(record)) == record


@pytest.mark.parametrize(
    ("spelling", "compact"),
    [
        ("30A-123.45", "30A12345"),
        ("30A12345", "30A12345"),
        ("30A-12345", "30A12345"),
        ("29B1-234.56", "29B123456"),
        ("30LD123.45", "30LD12345"),
    ],
)
def test_every_plate_spelling_becomes_the_registrys_compact_key(
    spelling: str, compact: str
) -> None:
    assert compact_plate(spelling) == compact
    assert compact_plate(canonical_plate(compact)) == compact


def test_the_wire_speaks_compact_plates_and_vietnamese_words() -> None:
    item = record_to_item(TRUCK)
    assert item["bienSo"] == "29C45678"
    assert item["chuXe"] == {"loai": "TO_CHUC", "so": "0199900018"}
    assert (item["loaiXe"], item["trangThai"]) == ("Ô tô tải", "DA_SANG_TEN")


WRONG = {
    "person-with-enterprise-code": {"chuXe": {"loai": "CA_NHAN", "so": "0199900018"}},
    "dashed-plate": {"bienSo": "30A-123.45"},
    "vin-with-letter-o": {"soKhung": "RLBSZ95K3NPK5B6RO"},
    "dmy-date": {"ngayDangKy": "02/04/2021"},
    "unknown-type": {"loaiXe": "Xe đạp"},
}


@pytest.mark.parametrize("changes", WRONG.values(), ids=WRONG.keys())
def test_malformed_items_are_errors(changes: dict[str, Any]) -> None:
    with pytest.raises(WireFormatError):
        item_to_record(record_to_item(CAR) | changes)


# --- adapter against MockTransport ----------------------------------------------------------


def _searches(sent: list[dict[str, Any]], *records: RegistryRecord) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return _reply(_page(*records))(request)

    return handler


async def test_a_plate_is_searched_compact_and_an_owner_among_current_registrations() -> None:
    sent: list[dict[str, Any]] = []
    await _lookup(_searches(sent, CAR), _request("30A123.45"))
    await _lookup(_searches(sent, CAR), _request(MAU, "PIN"))
    await _lookup(_searches(sent, TRUCK), _request("0199900018", "ENTERPRISE_CODE"))
    assert [s["filter"] for s in sent] == [
        {"bienSo": "30A12345"},
        {"chuXe": {"loai": "CA_NHAN", "so": MAU}, "conHieuLuc": True},
        {"chuXe": {"loai": "TO_CHUC", "so": "0199900018"}, "conHieuLuc": True},
    ]
    assert {s["sort"] for s in sent} == {client.NEWEST_FIRST}


async def test_a_plate_qualified_by_its_owner_searches_both() -> None:
    sent: list[dict[str, Any]] = []
    answer = await _lookup(_searches(sent, CAR), _request(PIN=MAU))
    assert answer.outcome is Outcome.FOUND
    assert sent[0]["filter"] == {"bienSo": "30A12345", "chuXe": {"loai": "CA_NHAN", "so": MAU}}


async def test_the_newest_registration_of_an_owner_is_the_document() -> None:
    older = CAR.model_copy(
        update={
            "record_id": "30A-111.11",
            "fields": {**CAR.fields, "plate_no": "30A-111.11", "reg_date": "2015-01-01"},
        }
    )
    answer = await _lookup(_reply(_page(CAR, older)), _request(MAU, "PIN"))
    assert answer.record is not None and answer.record.record_id == "30A-123.45"


async def test_total_zero_is_not_found() -> None:
    assert (await _lookup(_reply(_page()))).outcome is Outcome.NOT_FOUND


BAD = UnavailableReason.BAD_RESPONSE
FAILURES = {
    "another-plate": _reply(_page(TRUCK)),
    "total-without-items": _reply(_page(total=3)),
    "more-items-than-total": _reply(_page(CAR, CAR, total=1)),
    "page-zero": _reply({**_page(CAR), "page": 0}),
}


@pytest.mark.parametrize("handler", FAILURES.values(), ids=FAILURES.keys())
async def test_inconsistent_answers_are_bad_responses(handler: Handler) -> None:
    answer = await _lookup(handler)
    assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, BAD)


async def test_a_registration_of_another_owner_is_never_released() -> None:
    theirs = CAR.model_copy(update={"fields": {**CAR.fields, "owner_id": THU}})
    answer = await _lookup(_reply(_page(theirs)), _request(MAU, "PIN"))
    assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, BAD)


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        (_request("30A-1234"), InvalidIdentifierError),
        (_request(NOT_FOUND_PIN + "1", "PIN"), InvalidIdentifierError),
        (_request(MAU, "PIN", ENTERPRISE_CODE="0199900018"), UnknownSchemeError),
        (_request("0199900018", "MST"), UnknownSchemeError),
    ],
)
async def test_keys_the_registry_cannot_hold_are_refused_before_sending(
    request_: RegistryRequest, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await _lookup(_reply(_page(CAR)), request_)
