"""The declarative adapter: the contract for each shipped registry (VBCC, ASXH), its reading
rules against MockTransport, start-up validation of the files, and a registry added by
configuration alone (a catalog entry and one YAML file, no code).

Loopback HTTP against the simulators is in tests/integration/test_yte_vbcc_asxh_loopback.py.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from adapters.declarative.adapter import DeclarativeAdapter, build_adapter
from adapters.declarative.config import (
    DeclarativeConfigError,
    RegistryConfig,
    check_against_catalog,
    load_configs,
    parse_config,
    shipped_config,
)
from adapters.declarative.mapping import read_record, round_trip, write_record
from adapters.declarative.simulators.asxh import build_simulator as asxh_simulator
from adapters.declarative.simulators.vbcc import build_simulator as vbcc_simulator
from adapters.registry import build_adapters
from adapters.simulators.data.welfare import household_id
from adapters.simulators.fixtures import DINH, GIA, HIEN, MAU, NOT_FOUND_PIN
from adapters.simulators.world import World
from shared_data.catalog import Catalog, load_catalog
from shared_data.domain import Outcome, RegistryAnswer, RegistryRequest, UnavailableReason
from shared_data.errors import CatalogError, UnknownSchemeError
from shared_data.settings import RegistrySettings, Settings
from tests.adapters.contract import (
    BASE_URL,
    AdapterContract,
    AdapterFactory,
    ASGIApp,
    RoundTrip,
    lookup,
)

Handler = Callable[[httpx.Request], httpx.Response]
VBCC, ASXH = shipped_config("VBCC"), shipped_config("ASXH")
DIPLOMA = VBCC.document_types["BANG_TOT_NGHIEP"]
POVERTY = ASXH.document_types["GCN_HO_NGHEO"]
DINH_HOUSEHOLD, CU_HOUSEHOLD = household_id("HO90000003"), household_id("HO90000005")


def _factory(config: RegistryConfig) -> AdapterFactory:
    return lambda http, token: build_adapter(config, BASE_URL, token, transport=http)


def _round_trip(config: RegistryConfig) -> RoundTrip:
    return lambda document_type, body: round_trip(config.document_types[document_type], body)


class TestVbccContract(AdapterContract):
    registry_id = "VBCC"

    @pytest.fixture
    def simulator_app(self, world: World, token: str) -> ASGIApp:
        return vbcc_simulator(world, token)

    @pytest.fixture
    def make_adapter(self) -> AdapterFactory:
        return _factory(VBCC)

    @pytest.fixture
    def found_requests(self) -> list[RegistryRequest]:
        return [
            lookup("VBCC", "BANG_TOT_NGHIEP", "PIN", MAU),
            lookup("VBCC", "BANG_TOT_NGHIEP", "DIPLOMA_NO", "SHN2006000002"),
            lookup("VBCC", "BANG_TOT_NGHIEP", "PIN", DINH),
        ]

    @pytest.fixture
    def not_found_request(self) -> RegistryRequest:
        return lookup("VBCC", "BANG_TOT_NGHIEP", "PIN", NOT_FOUND_PIN)

    @pytest.fixture
    def round_trip(self) -> RoundTrip:
        return _round_trip(VBCC)


class TestAsxhContract(AdapterContract):
    registry_id = "ASXH"

    @pytest.fixture
    def simulator_app(self, world: World, token: str) -> ASGIApp:
        return asxh_simulator(world, token)

    @pytest.fixture
    def make_adapter(self) -> AdapterFactory:
        return _factory(ASXH)

    @pytest.fixture
    def found_requests(self) -> list[RegistryRequest]:
        return [
            lookup("ASXH", "GCN_HO_NGHEO", "PIN", DINH),
            lookup("ASXH", "GCN_HO_NGHEO", "HOUSEHOLD_ID", CU_HOUSEHOLD),
            lookup("ASXH", "GCN_HO_NGHEO", "PIN", HIEN),
        ]

    @pytest.fixture
    def not_found_request(self) -> RegistryRequest:
        return lookup("ASXH", "GCN_HO_NGHEO", "PIN", GIA)

    @pytest.fixture
    def round_trip(self) -> RoundTrip:
        return _round_trip(ASXH)


# --- reading rules against MockTransport ----------------------------------------------------


def _reply(body: Any, status: int = 200, media: str = "application/json") -> Handler:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return lambda request: httpx.Response(status, content=raw, headers={"content-type": media})


async def _lookup(
    config: RegistryConfig, handler: Handler, request: RegistryRequest
) -> RegistryAnswer:
    adapter = build_adapter(config, BASE_URL, "k", transport=httpx.MockTransport(handler))
    try:
        return await adapter.lookup(request)
    finally:
        await adapter.aclose()


def _diploma(**changes: Any) -> dict[str, Any]:
    item = {
        "soHieu": "BKA2012000001",
        "cccd": MAU,
        "trinhDo": "Đại học",
        "donViCap": "Đại học Bách khoa Hà Nội",
        "namTotNghiep": 2012,
        "xepLoai": "Khá",
        "ngayCap": "28/06/2012",
        "trangThai": "CON_HIEU_LUC",
    }
    return {"tongSo": 1, "ketQua": [item | changes]}


def _poverty(code: str = "00", **changes: Any) -> dict[str, Any]:
    data = {
        "soGiayChungNhan": f"{DINH_HOUSEHOLD}/2026",
        "maHo": DINH_HOUSEHOLD,
        "chuHo": {"soDinhDanh": DINH},
        "thanhVien": [DINH],
        "phanLoai": "HO_CAN_NGHEO",
        "namDanhSach": 2026,
        "ngayCap": "2026-01-12",
        "trangThai": "TRONG_DANH_SACH",
    }
    return {
        "maKetQua": code,
        "thongDiep": "…",
        "duLieu": (data | changes) if code == "00" else None,
    }


BY_PIN = lookup("VBCC", "BANG_TOT_NGHIEP", "PIN", MAU)
BY_SERIAL = lookup("VBCC", "BANG_TOT_NGHIEP", "DIPLOMA_NO", "BKA2012000001")
ASK_ASXH = lookup("ASXH", "GCN_HO_NGHEO", "PIN", DINH)


async def test_requests_follow_the_templates() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = _poverty() if request.method == "POST" else _diploma()
        return _reply(body)(request)

    await _lookup(VBCC, handler, BY_PIN)
    await _lookup(VBCC, handler, BY_SERIAL)
    await _lookup(ASXH, handler, ASK_ASXH)
    by_pin, by_serial, asxh = seen
    assert (by_pin.url.path, dict(by_pin.url.params)) == ("/api/v1/van-bang", {"cccd": MAU})
    assert by_serial.url.path == "/api/v1/van-bang/BKA2012000001"
    assert by_pin.headers["x-api-key"] == "k" and asxh.headers["authorization"] == "Bearer k"
    assert json.loads(asxh.content) == {
        "maGiaoDich": ASK_ASXH.lookup_id,
        "loaiGiayTo": "GCN_HO_NGHEO_CAN_NGHEO",
        "loaiMa": "CCCD",
        "giaTri": DINH,
    }


async def test_a_found_diploma_is_read_with_its_converters() -> None:
    answer = await _lookup(VBCC, _reply(_diploma()), BY_PIN)
    assert answer.outcome is Outcome.FOUND and answer.record is not None
    assert answer.record.fields == {
        "pin": MAU,
        "diploma_no": "BKA2012000001",
        "level": "bachelor",
        "institution": "Đại học Bách khoa Hà Nội",
        "grad_year": 2012,
        "classification": "good",
    }
    assert (answer.record.issued_on.isoformat(), answer.record.status) == ("2012-06-28", "valid")


@pytest.mark.parametrize(
    ("config", "handler", "request_"),
    [
        (VBCC, _reply({"tongSo": 0, "ketQua": []}), BY_PIN),
        (VBCC, _reply({"loi": "KHONG_TIM_THAY"}, 404), BY_SERIAL),
        (ASXH, _reply(_poverty("01")), ASK_ASXH),
    ],
    ids=["count-zero", "404-with-code", "envelope-code"],
)
async def test_each_not_found_rule_is_not_found(
    config: RegistryConfig, handler: Handler, request_: RegistryRequest
) -> None:
    assert (await _lookup(config, handler, request_)).outcome is Outcome.NOT_FOUND


UPSTREAM, BAD = UnavailableReason.UPSTREAM_ERROR, UnavailableReason.BAD_RESPONSE
FAILURES = {
    "404-other-code": (VBCC, _reply({"loi": "HET_HAN_MUC"}, 404), BY_SERIAL, UPSTREAM),
    "404-html": (VBCC, _reply(b"<h1>404</h1>", 404, "text/html"), BY_SERIAL, UPSTREAM),
    "registry-error-code": (ASXH, _reply(_poverty("99")), ASK_ASXH, UPSTREAM),
    "year-as-text": (VBCC, _reply(_diploma(namTotNghiep="2012")), BY_PIN, BAD),
    "iso-date": (VBCC, _reply(_diploma(ngayCap="2012-06-28")), BY_PIN, BAD),
    "unmapped-word": (VBCC, _reply(_diploma(trinhDo="Cao đẳng")), BY_PIN, BAD),
    "missing-required": (VBCC, _reply(_diploma(donViCap=None)), BY_PIN, BAD),
    "another-person": (VBCC, _reply(_diploma(cccd=GIA)), BY_PIN, BAD),
    "not-a-member": (
        ASXH,
        _reply(_poverty(thanhVien=[GIA], chuHo={"soDinhDanh": GIA})),
        ASK_ASXH,
        BAD,
    ),
    "members-not-text": (ASXH, _reply(_poverty(thanhVien=[1])), ASK_ASXH, BAD),
    "no-record-object": (ASXH, _reply({"maKetQua": "00", "duLieu": []}), ASK_ASXH, BAD),
}


@pytest.mark.parametrize(
    ("config", "handler", "request_", "reason"), FAILURES.values(), ids=FAILURES.keys()
)
async def test_failures_are_unavailable_never_not_found(
    config: RegistryConfig, handler: Handler, request_: RegistryRequest, reason: UnavailableReason
) -> None:
    answer = await _lookup(config, handler, request_)
    assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, reason)


async def test_a_scheme_without_a_request_is_refused_before_sending() -> None:
    with pytest.raises(UnknownSchemeError):
        await _lookup(VBCC, _reply(_diploma()), lookup("VBCC", "BANG_TOT_NGHIEP", "MST", "x"))


def test_optional_values_write_null_and_read_back_as_none() -> None:
    answer = _diploma(xepLoai=None, trinhDo="THPT")
    record = read_record(DIPLOMA, answer)
    assert record.fields["classification"] is None
    assert write_record(DIPLOMA, record)["xepLoai"] is None


# --- validation at start-up -----------------------------------------------------------------


def _problems(text: str) -> list[str]:
    problems: list[str] = []
    parse_config("broken.yaml", textwrap.dedent(text), problems)
    return problems


GOOD = """\
registry: VBCC
probe: {path: /ping}
document_types:
  BANG_TOT_NGHIEP:
    requests: {PIN: {path: "/vb/{subject}"}}
    record_id: {path: soHieu}
    fields: {pin: {path: cccd}}
"""
BROKEN = {
    "unknown-placeholder": ('path: "/vb/{subject}"', 'path: "/vb/{pin}"', "unknown placeholder"),
    "bad-path": ("{path: cccd}", "{path: 'ket..qua'}", "not a path"),
    "date-without-format": ("{path: cccd}", "{path: cccd, type: date}", "`format`"),
    "get-with-body": ('path: "/vb/{subject}"', 'path: "/vb/{subject}", body: {a: b}', "no body"),
    "unknown-key": ("record_id:", "recordid:", "Extra inputs"),
    "empty-rule": ("record_id:", "not_found: [{}]\n    record_id:", "needs a `status`"),
    "map-on-integer": ("{path: cccd}", "{path: cccd, type: integer, map: {a: b}}", "`map`"),
}


def test_the_good_file_parses() -> None:
    assert _problems(GOOD) == []


@pytest.mark.parametrize(("old", "new", "message"), BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_file_names_the_file_the_entry_and_the_rule(
    old: str, new: str, message: str
) -> None:
    assert old in GOOD
    problems = _problems(GOOD.replace(old, new, 1))
    assert problems and all(p.startswith("broken.yaml: ") for p in problems)
    assert any(message in p for p in problems), problems
    assert any("document_types.BANG_TOT_NGHIEP" in p or "(file)" in p for p in problems)


def test_not_yaml_is_reported_with_the_file() -> None:
    assert _problems("registry: [unclosed")[0].startswith("broken.yaml: not YAML")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


CATALOG_MISMATCHES = {
    "unknown-registry": ("registry: VBCC", "registry: NOPE", "not a registry of the catalog"),
    "foreign-type": ("BANG_TOT_NGHIEP:", "GCN_HO_NGHEO:", "not a document type of VBCC"),
    "wrong-scheme": ("{PIN: {path", "{MST: {path", "keyed by DIPLOMA_NO, PIN"),
    "unknown-field": ("{pin: {path: cccd}}", "{ho_ten: {path: hoTen}}", "ho_ten is not a field"),
}


@pytest.mark.parametrize(
    ("old", "new", "message"), CATALOG_MISMATCHES.values(), ids=CATALOG_MISMATCHES.keys()
)
def test_a_file_that_disagrees_with_the_catalog_stops_start_up(
    tmp_path: Path, catalog: Catalog, old: str, new: str, message: str
) -> None:
    (tmp_path / "vbcc.yaml").write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DeclarativeConfigError, match=message) as raised:
        check_against_catalog(load_configs(tmp_path), catalog)
    assert str(tmp_path / "vbcc.yaml") in str(raised.value)
    assert isinstance(raised.value, CatalogError)


def test_a_registry_with_a_code_adapter_cannot_also_be_configured(
    tmp_path: Path, catalog: Catalog
) -> None:
    (tmp_path / "thue.yaml").write_text(GOOD.replace("VBCC", "THUE"), encoding="utf-8")
    with pytest.raises(DeclarativeConfigError, match="already has a code adapter"):
        build_adapters(Settings(declarative_dir=tmp_path), catalog)


def test_a_missing_directory_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(DeclarativeConfigError, match="does not exist"):
        load_configs(tmp_path / "nowhere")


def test_a_later_file_replaces_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "vbcc.yaml").write_text(GOOD, encoding="utf-8")
    configs = {item.config.registry: item for item in load_configs(tmp_path)}
    assert configs["VBCC"].source == str(tmp_path / "vbcc.yaml")
    assert configs["ASXH"].source == "declarative/registries/asxh.yaml"


# --- a registry added by configuration alone ------------------------------------------------

NEW_REGISTRY = """\
registries:
  - id: XAYDUNG
    name_vi: Cơ sở dữ liệu về hoạt động xây dựng
    name_en: Construction activity database
    owner_vi: Bộ Xây dựng
    owner_en: Ministry of Construction
    keys: [PIN]
"""
NEW_DOCUMENT = """\
document_types:
  - id: CCHN_XAY_DUNG
    name_vi: Chứng chỉ hành nghề hoạt động xây dựng
    name_en: Construction practice certificate
    registry: XAYDUNG
    key: PIN
    fields: [pin, cert_no, field, grade]
    validity: {type: until_expiry, expiry_field: valid_until}
    cache: {ttl_seconds: 300, negative_ttl_seconds: 30, stale_if_error_seconds: 0}
"""
NEW_CONFIG = """\
registry: XAYDUNG
base_url: https://xaydung.example/gw
auth: {header: X-Key, prefix: "", token_env: XAYDUNG_TEST_KEY}
probe: {path: /health}
document_types:
  CCHN_XAY_DUNG:
    requests:
      PIN: {path: /chung-chi, query: {soDinhDanh: "{subject}"}}
    not_found: [{status: 404}]
    record: data
    record_id: {path: soChungChi}
    valid_until: {path: hetHan, type: date, format: yyyymmdd, none_value: "", required: false}
    fields:
      pin: {path: soDinhDanh}
      cert_no: {path: soChungChi}
      field: {path: linhVuc}
      grade: {path: hang, type: integer}
    echo: {PIN: [pin]}
"""


async def test_a_new_registry_works_from_a_catalog_entry_and_one_yaml_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog_dir, declared = tmp_path / "catalog", tmp_path / "registries"
    catalog_dir.mkdir(), declared.mkdir()
    (catalog_dir / "registries.yaml").write_text(NEW_REGISTRY, encoding="utf-8")
    (catalog_dir / "document_types.yaml").write_text(NEW_DOCUMENT, encoding="utf-8")
    (declared / "xaydung.yaml").write_text(NEW_CONFIG, encoding="utf-8")
    monkeypatch.setenv("XAYDUNG_TEST_KEY", "from-the-environment")
    seen: list[httpx.Request] = []

    def registry(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.params.get("soDinhDanh") == NOT_FOUND_PIN:
            return httpx.Response(404, json={"error": "no certificate"})
        body = {
            "data": {
                "soDinhDanh": MAU,
                "soChungChi": "HAN-00123",
                "linhVuc": "Thiết kế",
                "hang": 2,
                "hetHan": "20300101",
            }
        }
        return httpx.Response(200, json=body)

    settings = Settings(declarative_dir=declared, registries={"VBCC": RegistrySettings()})
    adapters = build_adapters(
        settings, load_catalog(catalog_dir), http_transport=httpx.MockTransport(registry)
    )
    try:
        adapter = adapters["XAYDUNG"]
        found = await adapter.lookup(lookup("XAYDUNG", "CCHN_XAY_DUNG", "PIN", MAU))
        missing = await adapter.lookup(lookup("XAYDUNG", "CCHN_XAY_DUNG", "PIN", NOT_FOUND_PIN))
    finally:
        for each in adapters.values():
            await each.aclose()
    assert found.outcome is Outcome.FOUND and found.record is not None
    assert found.record.fields == {
        "pin": MAU,
        "cert_no": "HAN-00123",
        "field": "Thiết kế",
        "grade": 2,
    }
    assert found.record.valid_until is not None and found.record.valid_until.year == 2030
    assert missing.outcome is Outcome.NOT_FOUND
    assert str(seen[0].url).startswith("https://xaydung.example/gw/chung-chi?")
    assert seen[0].headers["x-key"] == "from-the-environment"
    assert {"VBCC", "ASXH"} <= set(adapters)


def test_a_token_variable_that_is_not_set_stops_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VBCC_TEST_KEY", raising=False)
    config = GOOD + "auth: {header: X-Key, prefix: '', token_env: VBCC_TEST_KEY}\n"
    (tmp_path / "vbcc.yaml").write_text(config, encoding="utf-8")
    with pytest.raises(DeclarativeConfigError, match="VBCC_TEST_KEY is not set"):
        build_adapters(Settings(declarative_dir=tmp_path), load_catalog())


async def test_the_settings_base_url_wins_over_the_files(tmp_path: Path) -> None:
    (tmp_path / "vbcc.yaml").write_text(GOOD + "base_url: https://file.example\n", "utf-8")
    sent: list[httpx.Request] = []
    settings = Settings(
        declarative_dir=tmp_path,
        simulator_token=SecretStr("sim"),
        registries={"VBCC": RegistrySettings(base_url="https://settings.example/vbcc")},
    )

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    adapters = build_adapters(settings, load_catalog(), http_transport=httpx.MockTransport(handler))
    try:
        assert isinstance(adapters["VBCC"], DeclarativeAdapter) or adapters["VBCC"]
        await adapters["VBCC"].lookup(BY_PIN)
    finally:
        for each in adapters.values():
            await each.aclose()
    assert str(sent[0].url).startswith("https://settings.example/vbcc/vb/")
    assert sent[0].headers["authorization"] == "Bearer sim"
