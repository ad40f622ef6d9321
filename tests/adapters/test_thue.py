"""THUE: the adapter contract, the pure mapping, signed requests and the gateway's quirks.

Loopback HTTP against the simulator is in tests/integration/test_thue_gplx_dkxe_loopback.py.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
import pytest

from adapters.mapping_helpers import WireFormatError
from adapters.simulators.fixtures import CU, DINH, GIA, MAU, NOT_FOUND_PIN
from adapters.thue import client
from adapters.thue.adapter import ThueAdapter
from adapters.thue.mapping import SPECS, record_to_resource, resource_to_record
from adapters.thue.simulator import build_simulator
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
    lookup,
    provides,
    serves,
    transport_to,
)

TOKEN = "thue-test-key"

OBLIGATION = RegistryRecord(
    record_id="XNNV-0199900025-20260601",
    fields={
        "mst": "0199900025",
        "period": "2026-01-01/2026-05-31",
        "outstanding_amount": 12_500_000,
        "status": "outstanding",
        "as_of": "2026-06-01",
    },
    issued_on=date(2026, 6, 1),
    status="outstanding",
)
RECEIPT = RegistryRecord(
    record_id="LP20219000007",
    fields={
        "payer_id": MAU,
        "object_ref": "30A-123.45",
        "amount": 131_968_000,
        "paid_at": "2021-04-01",
        "receipt_no": "LP20219000007",
    },
    issued_on=date(2021, 4, 1),
)
LAND_RECEIPT = RECEIPT.model_copy(
    update={
        "record_id": "TD2020000001",
        "issued_on": date(2020, 10, 5),
        "fields": {
            **RECEIPT.fields,
            "object_ref": "99999-12-345",
            "paid_at": "2020-10-05",
            "receipt_no": "TD2020000001",
        },
    }
)
LEGACY = RegistryRecord(record_id=MAU, fields={"pin": MAU, "legacy_mst": "8000000011"})
SAMPLES = {"XN_NGHIA_VU_THUE": OBLIGATION, "CHUNG_TU_LPTB": RECEIPT, "MST_CA_NHAN": LEGACY}


def _request(
    document_type: str = "XN_NGHIA_VU_THUE",
    value: str = "0199900025",
    scheme: str = "MST",
    **qualifiers: str,
) -> RegistryRequest:
    request = lookup("THUE", document_type, scheme, value)
    named = {s: Subject(scheme=s, value=v) for s, v in qualifiers.items()}
    return request.model_copy(update={"qualifiers": named})


def _round_trip(document_type: str, body: bytes) -> bytes:
    document = json.loads(body)
    data = document["data"]
    rebuilt = [
        record_to_resource(document_type, resource_to_record(document_type, item))
        for item in (data if isinstance(data, list) else [data])
    ]
    document["data"] = rebuilt if isinstance(data, list) else rebuilt[0]
    return json.dumps(document, ensure_ascii=False).encode()


def _adapter(handler: Handler, token: str = TOKEN) -> ThueAdapter:
    transport = transport_to("THUE", client, httpx.MockTransport(handler))
    return ThueAdapter(transport, client.Signer(token, clock=lambda: 1_780_000_000.0))


def _reply(document: Any, status: int = 200, media: str = client.MEDIA_TYPE) -> Handler:
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    return lambda request: httpx.Response(status, content=body, headers={"content-type": media})


async def _lookup(handler: Handler, request: RegistryRequest | None = None) -> RegistryAnswer:
    adapter = _adapter(handler)
    try:
        return await adapter.lookup(request or _request())
    finally:
        await adapter.aclose()


def _one(record: RegistryRecord = OBLIGATION, document_type: str = "XN_NGHIA_VU_THUE") -> Any:
    return {"data": record_to_resource(document_type, record)}


class TestThueContract(AdapterContract):
    registry_id = "THUE"
    simulator_app = serves(build_simulator)
    make_adapter = provides(
        lambda http, token: ThueAdapter(transport_to("THUE", client, http), client.Signer(token))
    )
    content_type = provides(client.MEDIA_TYPE)
    found_requests = provides(
        [
            _request(),
            _request(value=MAU, scheme="PIN"),
            _request("XN_NGHIA_VU_THUE", "0199900025-001", "BRANCH_CODE"),
            _request("CHUNG_TU_LPTB", MAU, "PIN"),
            _request("CHUNG_TU_LPTB", "0199900018", "MST"),
            _request("MST_CA_NHAN", MAU, "PIN"),
        ]
    )
    not_found_request = provides(_request(value=NOT_FOUND_PIN, scheme="PIN"))
    round_trip = provides(_round_trip)


# --- mapping (pure) -------------------------------------------------------------------------


def test_document_types_and_fields_are_the_catalogs() -> None:
    types = {k: v for k, v in load_catalog().document_types.items() if v.registry == "THUE"}
    assert set(types) == set(SPECS) == ThueAdapter.document_types
    for document_type, record in SAMPLES.items():
        assert list(record.fields) == types[document_type].fields


@pytest.mark.parametrize("document_type", sorted(SAMPLES))
def test_every_document_type_survives_a_wire_round_trip(document_type: str) -> None:
    record = SAMPLES[document_type]
    resource = record_to_resource(document_type, record)
    assert resource_to_record(document_type, resource) == record


def test_money_travels_as_whole_dong_in_a_string_and_periods_as_two_dates() -> None:
    attributes = record_to_resource("XN_NGHIA_VU_THUE", OBLIGATION)["attributes"]
    assert attributes["soTienConNo"] == "12500000"
    assert attributes["kyTinhThue"] == {"tuNgay": "01/01/2026", "denNgay": "31/05/2026"}
    assert attributes["trangThaiNghiaVu"] == "CON_NO"


def test_a_land_receipt_names_a_parcel_and_a_vehicle_receipt_a_plate() -> None:
    land = record_to_resource("CHUNG_TU_LPTB", LAND_RECEIPT)["attributes"]["doiTuong"]
    car = record_to_resource("CHUNG_TU_LPTB", RECEIPT)["attributes"]["doiTuong"]
    assert (land["loai"], car["loai"]) == ("THUA_DAT", "PHUONG_TIEN")


WRONG = {
    "amount-as-number": {"soTienConNo": 12500000},
    "amount-with-decimals": {"soTienConNo": "12500000.50"},
    "negative-amount": {"soTienConNo": "-1"},
    "iso-date": {"ngayXacNhan": "2026-06-01"},
    "unknown-state": {"trangThaiNghiaVu": "KHONG_RO"},
    "bad-tax-code": {"maSoThue": "01999000"},
}


@pytest.mark.parametrize("changes", WRONG.values(), ids=WRONG.keys())
def test_malformed_attributes_are_errors(changes: dict[str, Any]) -> None:
    resource = record_to_resource("XN_NGHIA_VU_THUE", OBLIGATION)
    resource["attributes"] |= changes
    with pytest.raises(WireFormatError):
        resource_to_record("XN_NGHIA_VU_THUE", resource)


def test_a_resource_of_another_type_or_id_is_an_error() -> None:
    resource = record_to_resource("XN_NGHIA_VU_THUE", OBLIGATION)
    with pytest.raises(WireFormatError, match="expected"):
        resource_to_record("XN_NGHIA_VU_THUE", resource | {"type": "chung-tu"})
    with pytest.raises(WireFormatError, match="id"):
        resource_to_record("XN_NGHIA_VU_THUE", resource | {"id": "XNNV-other"})


# --- adapter against MockTransport ----------------------------------------------------------


async def test_every_request_is_signed_over_method_path_query_and_time() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _reply({"data": [record_to_resource("CHUNG_TU_LPTB", RECEIPT)]})(request)

    answer = await _lookup(handler, _request("CHUNG_TU_LPTB", MAU, "PIN", PLATE_NO="30A-123.45"))
    assert answer.outcome is Outcome.FOUND and answer.record == RECEIPT
    sent = seen[0]
    target = sent.url.raw_path.decode()
    assert sent.url.path == f"/v1/nguoi-nop-thue/{MAU}/chung-tu"
    assert sent.url.params["filter[doiTuong]"] == "30A-123.45"
    assert sent.headers[client.TIMESTAMP_HEADER] == "1780000000"
    expected = client.signature(TOKEN, "GET", target, "1780000000")
    assert sent.headers[client.SIGNATURE_HEADER] == expected
    assert TOKEN not in str(sent.headers)


async def test_a_branch_code_is_sent_with_its_dash() -> None:
    paths: list[str] = []
    branch = OBLIGATION.model_copy(
        update={"fields": {**OBLIGATION.fields, "mst": "0199900025-001"}}
    )

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return _reply(_one(branch))(request)

    answer = await _lookup(handler, _request(value="0199900025001", scheme="BRANCH_CODE"))
    assert answer.outcome is Outcome.FOUND
    assert paths == ["/v1/nguoi-nop-thue/0199900025-001/xac-nhan-nghia-vu"]


@pytest.mark.parametrize("code", [client.UNKNOWN_TAXPAYER, client.NO_LEGACY_MST])
async def test_a_404_with_the_registrys_code_is_not_found(code: str) -> None:
    answer = await _lookup(_reply(client.error_document(404, code, "…"), 404))
    assert answer.outcome is Outcome.NOT_FOUND


async def test_an_empty_receipt_list_is_not_found() -> None:
    answer = await _lookup(_reply({"data": [], "meta": {"tongSo": 0}}), _request("CHUNG_TU_LPTB"))
    assert answer.outcome is Outcome.NOT_FOUND


UPSTREAM, BAD = UnavailableReason.UPSTREAM_ERROR, UnavailableReason.BAD_RESPONSE
FAILURES = {
    "404-other-code": (_reply(client.error_document(404, "KHONG_RO", "…"), 404), UPSTREAM),
    "404-plain-json": (_reply(b'{"error": "not found"}', 404), BAD),
    "401-signature": (_reply(client.error_document(401, "CHU_KY", "…"), 401), UPSTREAM),
    "plain-json-label": (_reply(_one(), 200, "application/json"), BAD),
    "data-and-errors": (_reply({**_one(), "errors": []}), BAD),
    "neither": (_reply({"meta": {}}), BAD),
    "list-for-one": (_reply({"data": [_one()["data"]]}), BAD),
    "another-taxpayer": (
        _reply(
            _one(
                OBLIGATION.model_copy(update={"fields": {**OBLIGATION.fields, "mst": "0199900018"}})
            )
        ),
        BAD,
    ),
}


@pytest.mark.parametrize(("handler", "reason"), FAILURES.values(), ids=FAILURES.keys())
async def test_registry_failures_are_unavailable_never_not_found(
    handler: Handler, reason: UnavailableReason
) -> None:
    answer = await _lookup(handler)
    assert (answer.outcome, answer.reason, answer.record) == (Outcome.UNAVAILABLE, reason, None)


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        (_request("MST_CA_NHAN", "0199900025", "MST"), UnknownSchemeError),
        (_request(value="0199900025-00", scheme="MST"), InvalidIdentifierError),
        (_request(value="../../admin", scheme="PIN"), InvalidIdentifierError),
    ],
)
async def test_keys_the_registry_cannot_hold_are_refused_before_sending(
    request_: RegistryRequest, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await _lookup(_reply(_one()), request_)


def test_fixture_people_have_the_tax_states_the_tests_rely_on() -> None:
    from adapters.simulators.data.tax import _FIXTURE_PEOPLE

    assert _FIXTURE_PEOPLE[GIA][0] == "outstanding" and _FIXTURE_PEOPLE[CU][0] == "closed"
    assert _FIXTURE_PEOPLE[DINH][2] is None  # no legacy personal MST: MST_CA_NHAN not found
