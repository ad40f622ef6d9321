"""DKDN: the adapter contract, the pure mapping, and the gateway's quirks against MockTransport.

The simulator's answers for the DOMAIN.md 11.5 fixtures are checked over real HTTP in
tests/integration/test_hotich_dkdn_loopback.py.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
import pytest

from adapters.dkdn import client
from adapters.dkdn.adapter import DkdnAdapter
from adapters.dkdn.client import ErrorCode
from adapters.dkdn.mapping import (
    SPECS,
    STATUS_TO_WIRE,
    MappingError,
    record_to_wire,
    wire_to_record,
)
from adapters.dkdn.simulator import build_simulator
from shared_data.catalog import load_catalog
from shared_data.domain import (
    Outcome,
    RegistryAnswer,
    RegistryRecord,
    RegistryRequest,
    UnavailableReason,
)
from shared_data.errors import InvalidIdentifierError, RegistryError, UnknownSchemeError
from tests.adapters.contract import (
    AdapterContract,
    Handler,
    adapter_factory,
    lookup,
    provides,
    serves,
)

TOKEN = "dkdn-test-secret"
MST, BRANCH_CODE, UNKNOWN_MST = "0199900018", "0199900025-001", "0199900057"
ADAPTER = adapter_factory(DkdnAdapter, client)


def _sample(record_id: str, issued_on: date, status: str, **fields: Any) -> RegistryRecord:
    return RegistryRecord(
        record_id=record_id, fields={**fields, "status": status}, issued_on=issued_on,
        status=status,
    )  # fmt: skip


ENTERPRISE = _sample(
    MST, date(2024, 6, 3), "active", enterprise_code=MST, name_vi="Công ty TNHH Mẫu Dữ Liệu",
    name_en="Mau Du Lieu Company Limited", type="TNHH1TV",
    address="Số 1, Phường Mẫu Một, Hà Nội", charter_capital=1_000_000_000,
    legal_rep_name="Nguyễn Văn Mẫu", legal_rep_pin="001090912345", first_reg_date="2019-03-12",
    latest_change_no=2, latest_change_date="2024-06-03",
)  # fmt: skip
BRANCH = _sample(
    BRANCH_CODE, date(2023, 2, 1), "suspended", branch_code=BRANCH_CODE,
    parent_code="0199900025", name="Chi nhánh Hai", address="Số 2, Phường Mẫu Hai, Hà Nội",
    head_pin="001088987654", reg_date="2023-02-01",
)  # fmt: skip
HOUSEHOLD = _sample(
    "001090912345", date(2025, 7, 15), "revoked", reg_no="001090912345",
    name="Hộ kinh doanh Mẫu", address="Số 3, Phường Mẫu Ba", representative_pin="001090912345",
    business_lines=["5610", "4711"], capital=50_000_000, reg_date="2025-07-15",
)  # fmt: skip
SAMPLES = {"GCN_DKDN": ENTERPRISE, "GCN_CHI_NHANH": BRANCH, "GCN_HKD": HOUSEHOLD}


def _request(
    document_type: str = "GCN_DKDN", value: str = MST, scheme: str = "ENTERPRISE_CODE"
) -> RegistryRequest:
    return lookup("DKDN", document_type, scheme, value)


def _wire(**changes: Any) -> dict[str, Any]:
    return record_to_wire("GCN_DKDN", ENTERPRISE) | changes


def _reply(body: Any, status: int = 200, content_type: str = client.JSON_CONTENT_TYPE) -> Handler:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"content-type": content_type}
    return lambda request: httpx.Response(status, content=raw, headers=headers)


def _envelope(code: str = "00", data: Any = None) -> dict[str, Any]:
    return {"ma_loi": code, "mo_ta": "…", "du_lieu": data}


def _adapter(handler: Handler) -> DkdnAdapter:
    return ADAPTER(httpx.MockTransport(handler), TOKEN)


async def _lookup(handler: Handler, request: RegistryRequest | None = None) -> RegistryAnswer:
    return await _adapter(handler).lookup(request or _request())


def _json_round_trip(document_type: str, body: bytes) -> bytes:
    envelope = client.decode_envelope(body)
    record = wire_to_record(document_type, envelope.du_lieu)
    return client.encode_envelope(ErrorCode(envelope.ma_loi), record_to_wire(document_type, record))


class TestDkdnContract(AdapterContract):
    registry_id = "DKDN"
    simulator_app = serves(build_simulator)
    make_adapter = provides(ADAPTER)
    not_found_request = provides(_request(value=UNKNOWN_MST))
    round_trip = provides(_json_round_trip)

    @pytest.fixture
    def found_requests(self) -> list[RegistryRequest]:
        branch = _request("GCN_CHI_NHANH", BRANCH_CODE, "BRANCH_CODE")
        return [_request(), _request(value="0199900032"), branch]


# --- mapping (pure) -------------------------------------------------------------------------


def test_document_types_fields_and_keys_are_the_catalogs() -> None:
    types = {k: v for k, v in load_catalog().document_types.items() if v.registry == "DKDN"}
    assert set(types) == DkdnAdapter.document_types == set(SPECS)
    for document_type, spec in SPECS.items():
        assert list(spec.keys) == list(types[document_type].fields)
    assert {t.key for t in types.values()} == DkdnAdapter.schemes
    # Every status the catalog voids on is one the registry can say.
    void_on = {status for t in types.values() for status in t.validity.void_on}
    assert void_on <= set(STATUS_TO_WIRE)


@pytest.mark.parametrize("document_type", sorted(SPECS))
def test_every_document_type_survives_a_wire_round_trip(document_type: str) -> None:
    record = SAMPLES[document_type]
    assert wire_to_record(document_type, record_to_wire(document_type, record)) == record


def test_wire_speaks_vietnamese_codes_and_midnight_datetimes() -> None:
    wire = record_to_wire("GCN_DKDN", ENTERPRISE)
    assert wire["tinh_trang"] == "DANG_HOAT_DONG"
    assert wire["ngay_dang_ky_lan_dau"] == "2019-03-12T00:00:00"
    assert wire["von_dieu_le"] == 1_000_000_000


def test_issue_date_is_the_first_registration_while_nothing_changed() -> None:
    record = wire_to_record("GCN_DKDN", _wire(lan_thay_doi=0, ngay_thay_doi_gan_nhat=None))
    assert record.issued_on == date(2019, 3, 12)


def test_unknown_keys_are_dropped() -> None:
    record = wire_to_record("GCN_DKDN", _wire(so_tai_khoan_ngan_hang="123", ghi_chu="x"))
    assert set(record.fields) == set(SPECS["GCN_DKDN"].keys)


WRONG = {
    "capital-as-string": {"von_dieu_le": "1000000000"},
    "capital-as-float": {"von_dieu_le": 1.5e9},
    "unknown-status": {"tinh_trang": "KHONG_RO"},
    "day-month-year": {"ngay_dang_ky_lan_dau": "12/03/2019"},
    "epoch-seconds": {"ngay_dang_ky_lan_dau": 1552348800},
    "fullwidth-pin": {"so_dinh_danh_nguoi_dai_dien": "００１０９０９１２３４５"},
    "empty-name": {"ten_doanh_nghiep": ""},
    "null-code": {"ma_so_doanh_nghiep": None},
}


@pytest.mark.parametrize("changes", WRONG.values(), ids=WRONG.keys())
def test_wrong_types_and_unknown_codes_are_errors(changes: dict[str, Any]) -> None:
    with pytest.raises(MappingError, match="invalid du_lieu"):
        wire_to_record("GCN_DKDN", _wire(**changes))


def test_a_missing_required_key_is_an_error() -> None:
    wire = _wire()
    del wire["so_dinh_danh_nguoi_dai_dien"]
    with pytest.raises(MappingError):
        wire_to_record("GCN_DKDN", wire)


# --- adapter against MockTransport ----------------------------------------------------------


async def test_found_enterprise_sends_the_gateway_credentials() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _reply(_envelope("00", _wire()))(request)

    answer = await _lookup(handler)
    assert answer.outcome is Outcome.FOUND and answer.record == ENTERPRISE
    sent = seen[0]
    assert (sent.method, sent.url.path) == ("GET", f"/api/doanhnghiep/{MST}")
    credentials = (sent.headers["x-client-id"], sent.headers["x-client-secret"])
    assert credentials == (client.DEFAULT_CLIENT_ID, TOKEN)


async def test_branch_code_is_sent_with_its_dash_whatever_the_spelling() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return _reply(_envelope("00", record_to_wire("GCN_CHI_NHANH", BRANCH)))(request)

    for value in ("0199900025001", BRANCH_CODE):
        answer = await _lookup(handler, _request("GCN_CHI_NHANH", value, "BRANCH_CODE"))
        assert answer.record == BRANCH
    assert paths == [f"/api/chinhanh/{BRANCH_CODE}"] * 2


async def test_ma_loi_04_is_not_found() -> None:
    assert (await _lookup(_reply(_envelope("04")))).outcome is Outcome.NOT_FOUND


UPSTREAM, BAD = UnavailableReason.UPSTREAM_ERROR, UnavailableReason.BAD_RESPONSE
FAILURES = {
    "ma_loi-99-system-error": (_reply(_envelope("99")), UPSTREAM),
    "ma_loi-01-credentials": (_reply(_envelope("01")), UPSTREAM),
    "ma_loi-03-rate-limited": (_reply(_envelope("03")), UPSTREAM),
    "ma_loi-unknown": (_reply(_envelope("42")), UPSTREAM),
    "http-503": (_reply(b"Service Unavailable", 503, "text/plain"), UPSTREAM),
    "http-500-envelope": (_reply(_envelope("99"), 500), UPSTREAM),
    "unclosed-json": (_reply(b'{"ma_loi": "00", "du_lieu": {'), BAD),
    "json-labelled-text": (_reply(_envelope("00", _wire()), 200, "text/plain"), BAD),
    "array-body": (_reply([_envelope("04")]), BAD),
    "no-ma_loi": (_reply({"mo_ta": "no code"}), BAD),
    "found-without-data": (_reply(_envelope("00")), BAD),
    "capital-in-words": (_reply(_envelope("00", _wire(von_dieu_le="nhiều"))), BAD),
    "another-enterprise": (_reply(_envelope("00", _wire(ma_so_doanh_nghiep="0199900025"))), BAD),
    "not-found-with-data": (_reply(_envelope("04", _wire())), BAD),
}


@pytest.mark.parametrize(("handler", "reason"), FAILURES.values(), ids=FAILURES.keys())
async def test_registry_failures_are_unavailable_never_not_found(
    handler: Handler, reason: UnavailableReason
) -> None:
    answer = await _lookup(handler)
    assert (answer.outcome, answer.reason, answer.record) == (Outcome.UNAVAILABLE, reason, None)


@pytest.mark.parametrize(("code", "retriable"), [("99", True), ("03", True), ("01", False)])
def test_only_transient_error_codes_are_retriable(code: str, retriable: bool) -> None:
    adapter = _adapter(_reply(_envelope(code)))
    with pytest.raises(RegistryError) as raised:
        adapter.parse_response(_request(), httpx.Response(200, json=_envelope(code)))
    assert raised.value.retriable is retriable


@pytest.mark.parametrize(
    ("request_", "error"),
    [(_request(scheme="MST"), UnknownSchemeError),
     (_request("GCN_CHI_NHANH", MST, "BRANCH_CODE"), InvalidIdentifierError),
     (_request(value="../../admin"), InvalidIdentifierError)],
)  # fmt: skip
async def test_keys_the_gateway_cannot_hold_are_refused_before_sending(
    request_: RegistryRequest, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await _lookup(_reply(_envelope("00", _wire())), request_)
