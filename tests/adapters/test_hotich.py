"""HOTICH: the adapter contract, the pure mapping, and the registry's quirks against MockTransport.

The simulator's answers for the DOMAIN.md 11.5 fixtures are checked over real HTTP in
tests/integration/test_hotich_dkdn_loopback.py.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

import httpx
import pytest

from adapters.hotich import client
from adapters.hotich.adapter import HotichAdapter
from adapters.hotich.client import Code, Fault, Query, Result
from adapters.hotich.mapping import (
    ENDED_BY,
    FIELDS,
    FieldSpec,
    MappingError,
    decode_record,
    encode_record,
)
from adapters.hotich.simulator import build_simulator
from adapters.simulators.fixtures import CU, DINH, GIA, MAU, NOT_FOUND_PIN, THI
from shared_data.catalog import load_catalog
from shared_data.domain import (
    Outcome,
    RegistryAnswer,
    RegistryRecord,
    RegistryRequest,
    UnavailableReason,
)
from shared_data.errors import UnknownDocumentTypeError, UnknownSchemeError
from tests.adapters.contract import (
    AdapterContract,
    Handler,
    adapter_factory,
    lookup,
    provides,
    serves,
)

TOKEN = "hotich-test-token"
VOID = "marital_status_change"
ADAPTER = adapter_factory(HotichAdapter, client)
_SAMPLES = {"text": "Mẫu", "date": "2025-01-02", "pin": MAU, "sex": "F", "marital": "single"}


def _value(spec: FieldSpec) -> Any:
    one = _SAMPLES[spec.kind]
    if spec.shape == "pair":
        return {"wife": one, "husband": one}
    return [one, one] if spec.shape == "many" else one


def _record(
    document_type: str, record_id: str = "UBND-PMM1/2025/000123", **fields: Any
) -> RegistryRecord:
    values = {spec.name: _value(spec) for spec in FIELDS[document_type]} | fields
    status = {"status": "active"} if document_type == "KET_HON" else {}
    issued = date.fromisoformat(values.get("issue_date") or "2025-01-02")
    return RegistryRecord(record_id=record_id, fields=values, issued_on=issued, **status)


def _request(document_type: str = "KHAI_SINH", pin: str = THI) -> RegistryRequest:
    return lookup("HOTICH", document_type, "PIN", pin)


def _xml(body: bytes, status: int = 200, content_type: str = client.XML_CONTENT_TYPE) -> Handler:
    headers = {"content-type": content_type}
    return lambda request: httpx.Response(status, content=body, headers=headers)


def _result(
    code: str = Code.FOUND,
    document_type: str = "KHAI_SINH",
    pin: str = THI,
    records: tuple[RegistryRecord, ...] | None = None,
    **extra: Any,
) -> bytes:
    if records is None:
        records = (_record(document_type, pin=pin),) if code == Code.FOUND else ()
    tx_id = _request(document_type, pin).lookup_id
    return client.encode_result(Result(code, tx_id, document_type, pin, records, **extra))


def _confirmations(*records: RegistryRecord, current: str, changed: date | None) -> Handler:
    body = _result(
        document_type="XN_TTHN", pin=GIA, records=records,
        current_marital_status=current, last_marital_change_on=changed,
    )  # fmt: skip
    return _xml(body)


async def _lookup(handler: Handler, request: RegistryRequest | None = None) -> RegistryAnswer:
    return await ADAPTER(httpx.MockTransport(handler), TOKEN).lookup(request or _request())


def _xml_round_trip(document_type: str, body: bytes) -> bytes:
    result = client.decode_result(body)
    assert isinstance(result, Result)
    return client.encode_result(result)


def _add_unknown_elements(body: bytes) -> bytes:
    extra = b"<TruongKhongXacDinh>bo qua</TruongKhongXacDinh>"
    body = body.replace(b"</GiayTo>", extra + b"</GiayTo>")
    return body.replace(b"</KetQua>", extra + b"</KetQua>")


class TestHotichContract(AdapterContract):
    registry_id = "HOTICH"
    simulator_app = serves(build_simulator)
    make_adapter = provides(ADAPTER)
    not_found_request = provides(_request("KHAI_SINH", NOT_FOUND_PIN))
    round_trip = provides(_xml_round_trip)
    content_type = provides(client.XML_CONTENT_TYPE)
    normalize_wire = provides(lambda body: ET.canonicalize(body.decode("utf-8")))
    add_unknown_field = provides(_add_unknown_elements)

    @pytest.fixture
    def found_requests(self) -> list[RegistryRequest]:
        cases = [("KHAI_SINH", THI), ("KET_HON", MAU), ("XN_TTHN", GIA), ("KHAI_TU", CU),
                 ("GHI_CHU_LY_HON", DINH)]  # fmt: skip
        return [_request(document_type, pin) for document_type, pin in cases]


# --- mapping (pure) -------------------------------------------------------------------------


def test_document_types_fields_and_key_are_the_catalogs() -> None:
    types = {k: v for k, v in load_catalog().document_types.items() if v.registry == "HOTICH"}
    assert set(types) == HotichAdapter.document_types == set(FIELDS)
    for document_type, specs in FIELDS.items():
        assert [spec.name for spec in specs] == list(types[document_type].fields)
        assert types[document_type].key in HotichAdapter.schemes
    assert set(types["KET_HON"].validity.void_on) <= set(ENDED_BY)


@pytest.mark.parametrize("document_type", sorted(FIELDS))
def test_every_document_type_survives_a_wire_round_trip(document_type: str) -> None:
    record = _record(document_type)
    assert decode_record(document_type, encode_record(document_type, record)) == record


def test_query_and_result_round_trip_through_the_soap_envelope() -> None:
    query = Query("lk-1", "XN_TTHN", GIA)
    assert client.decode_query(client.encode_query(query)) == query
    records = (_record("XN_TTHN", pin=GIA),)
    result = Result(Code.FOUND, "lk-1", "XN_TTHN", GIA, records, "married", date(2025, 9, 1))
    assert client.decode_result(client.encode_result(result)) == result


def test_dates_travel_as_day_month_year() -> None:
    element = encode_record("KHAI_SINH", _record("KHAI_SINH", dob="2025-08-20"))
    assert element.findtext("NgaySinh") == "20/08/2025"
    element.find("NgaySinh").text = "2025-08-20"  # type: ignore[union-attr]
    with pytest.raises(MappingError, match="dd/mm/yyyy"):
        decode_record("KHAI_SINH", element)


def test_missing_required_element_is_an_error_not_a_partial_record() -> None:
    element = encode_record("KHAI_SINH", _record("KHAI_SINH"))
    element.remove(element.find("HoTen"))  # type: ignore[arg-type]
    with pytest.raises(MappingError, match="HoTen"):
        decode_record("KHAI_SINH", element)


def test_unknown_elements_are_dropped_and_missing_optional_ones_are_none() -> None:
    element = encode_record("KHAI_SINH", _record("KHAI_SINH", father_name=None, father_pin=None))
    element.append(element.makeelement("MaBiMat", {}))
    record = decode_record("KHAI_SINH", element)
    assert set(record.fields) == {spec.name for spec in FIELDS["KHAI_SINH"]}
    assert record.fields["father_name"] is None


@pytest.mark.parametrize(
    ("tag", "value"), [("GioiTinh", "X"), ("SoDinhDanh", "12345"), ("NgayCap", "31/02/2025")]
)
def test_unknown_codes_and_malformed_values_are_errors(tag: str, value: str) -> None:
    element = encode_record("KHAI_SINH", _record("KHAI_SINH"))
    element.find(tag).text = value  # type: ignore[union-attr]
    with pytest.raises(MappingError):
        decode_record("KHAI_SINH", element)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><KetQua>&lol2;</KetQua>'
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<KetQua>&xxe;</KetQua>"
)


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE, b"<!doctype KetQua><KetQua/>"])
def test_dtd_and_entity_declarations_are_refused_before_parsing(body: bytes) -> None:
    with pytest.raises(MappingError, match="DTD"):
        client.parse_xml(body)


# --- adapter against MockTransport ----------------------------------------------------------


async def test_found_birth_certificate_sends_credentials_and_a_soap_query() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _xml(_result())(request)

    answer = await _lookup(handler)
    assert answer.outcome is Outcome.FOUND and answer.record == _record("KHAI_SINH", pin=THI)
    sent = seen[0]
    assert (sent.method, sent.url.path) == ("POST", client.QUERY_PATH)
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["soapaction"] == client.SOAP_ACTION
    assert client.decode_query(sent.content) == Query(_request().lookup_id, "KHAI_SINH", THI)


async def test_no_record_status_is_not_found() -> None:
    answer = await _lookup(_xml(_result(Code.NO_RECORD)))
    assert answer.outcome is Outcome.NOT_FOUND


FAULT = client.encode_fault(Fault("soap:Server", "Internal error"))
UPSTREAM, BAD = UnavailableReason.UPSTREAM_ERROR, UnavailableReason.BAD_RESPONSE
RENAMED = _result().replace(b"<HoTen>", b"<Ten>").replace(b"</HoTen>", b"</Ten>")
FAILURES = {
    "fault-http-500": (_xml(FAULT, status=500), UPSTREAM),
    "fault-http-200": (_xml(FAULT), UPSTREAM),
    "status-99": (_xml(_result(Code.SYSTEM_ERROR)), UPSTREAM),
    "status-unknown": (_xml(_result("07")), UPSTREAM),
    "http-401": (_xml(b"", status=401), UPSTREAM),
    "unclosed-xml": (_xml(b"<KetQua><TrangThai>00</TrangThai>"), BAD),
    "no-soap-envelope": (_xml(b"<KetQua><TrangThai>01</TrangThai></KetQua>"), BAD),
    "xxe": (_xml(XXE), BAD),
    "billion-laughs": (_xml(BILLION_LAUGHS), BAD),
    "json-content-type": (_xml(_result(), content_type="application/json"), BAD),
    "another-persons-record": (_xml(_result(pin=MAU)), BAD),
    "found-without-record": (_xml(_result(records=())), BAD),
    "no-record-with-records": (_xml(_result(Code.NO_RECORD, records=(_record("KHAI_SINH"),))), BAD),
    "missing-name": (_xml(RENAMED), BAD),
}


@pytest.mark.parametrize(("handler", "reason"), FAILURES.values(), ids=FAILURES.keys())
async def test_registry_failures_are_unavailable_never_not_found(
    handler: Handler, reason: UnavailableReason
) -> None:
    answer = await _lookup(handler)
    assert (answer.outcome, answer.reason, answer.record) == (Outcome.UNAVAILABLE, reason, None)


async def test_the_latest_confirmation_is_the_document_and_a_later_marriage_voids_it() -> None:
    older = _record("XN_TTHN", "OLD", pin=GIA, issue_date="2024-01-05")
    latest = _record("XN_TTHN", "NEW", pin=GIA, issue_date="2025-07-01")
    handler = _confirmations(latest, older, current="married", changed=date(2025, 8, 1))
    answer = await _lookup(handler, _request("XN_TTHN", GIA))
    assert answer.record is not None and answer.record.record_id == "NEW"
    assert (answer.record.issued_on, answer.record.voided_by) == (date(2025, 7, 1), VOID)


@pytest.mark.parametrize(
    ("current", "changed", "voided_by"),
    [("single", None, None), ("single", date(2024, 6, 1), None),
     ("married", date(2024, 6, 1), VOID), ("single", date(2025, 9, 1), VOID)],
    ids=["unchanged", "change-before-issue", "status-differs", "event-after-issue"],
)  # fmt: skip
async def test_a_confirmation_is_void_once_the_status_changed(
    current: str, changed: date | None, voided_by: str | None
) -> None:
    handler = _confirmations(_record("XN_TTHN", pin=GIA), current=current, changed=changed)
    answer = await _lookup(handler, _request("XN_TTHN", GIA))
    assert answer.record is not None and answer.record.voided_by == voided_by


async def test_a_confirmation_without_the_current_status_is_a_bad_response() -> None:
    body = _result(document_type="XN_TTHN", pin=GIA, records=(_record("XN_TTHN", pin=GIA),))
    answer = await _lookup(_xml(body), _request("XN_TTHN", GIA))
    assert answer.reason is UnavailableReason.BAD_RESPONSE


async def test_a_marriage_without_its_status_is_a_bad_response() -> None:
    record = _record("KET_HON").model_copy(update={"status": None})
    body = _result(document_type="KET_HON", records=(record,))
    answer = await _lookup(_xml(body), _request("KET_HON"))
    assert answer.reason is UnavailableReason.BAD_RESPONSE


@pytest.mark.parametrize(
    ("request_", "error"),
    [(_request("GCN_DKDN"), UnknownDocumentTypeError),
     (lookup("HOTICH", "KHAI_SINH", "CMND9", "013912345"), UnknownSchemeError)],
)  # fmt: skip
async def test_questions_hotich_cannot_answer_are_caller_errors(
    request_: RegistryRequest, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await _lookup(_xml(_result()), request_)
