"""GET /v1/coverage (JSON), /v1/coverage.csv and /v1/coverage/chart.svg over the demo catalog."""

from __future__ import annotations

import csv
import io
import time
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from shared_data.catalog.demo_catalog import DEMO_CATALOG_DIR
from shared_data.clients import ClientRole
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.repositories import ClientRepository
from shared_data.settings import Settings

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The API tests' settings, serving the 2,149-procedure demo catalog."""
    return settings.model_copy(update={"catalog_dir": DEMO_CATALOG_DIR})


@pytest.fixture
def ops(settings: Settings) -> dict[str, str]:
    engine = create_engine_for(settings.database_url)
    try:
        repo = ClientRepository(engine)
        client = repo.create_client("service-centre", "Trung tâm PVHCC", ClientRole.OPS)
        key, _ = repo.issue_key(client.id)
    finally:
        engine.dispose()
    return {"Authorization": f"Bearer {key}"}


def test_coverage_json_covers_the_2149_procedures(api: TestClient, ops: dict[str, str]) -> None:
    response = api.get("/v1/coverage", headers=ops, params={"as_of": "2026-03-20"})
    assert response.status_code == 200, response.text
    report = response.json()
    city = report["city"]
    assert city["procedures"] == 2149
    assert sum(a["procedures"] for a in report["agencies"]) == 2149
    assert 0 < city["restructured"] < 2149
    assert city["rate"] == round(city["restructured"] / 2149, 4)
    assert [(t["percent"], t["due"]) for t in city["targets"]] == [
        (80, "2026-06-30"),
        (95, "2026-12-31"),
    ]
    assert city["targets"][0]["gap"] == max(0, 1720 - city["restructured"])
    in_service = set(api.app.state.services.adapters)  # type: ignore[attr-defined]
    assert set(report["integrated_registries"]) == in_service
    ranked = report["registries_to_integrate"]
    assert {r["id"] for r in ranked}.isdisjoint(in_service)
    unlocked = [r["procedures_unlocked"] for r in ranked]
    assert unlocked == sorted(unlocked, reverse=True)


def test_coverage_of_one_agency(api: TestClient, ops: dict[str, str]) -> None:
    report = api.get("/v1/coverage", headers=ops, params={"agency": "sở tư pháp"}).json()
    assert report["agency"] == "Sở Tư pháp"
    assert [a["scope"] for a in report["agencies"]] == ["Sở Tư pháp"]
    assert report["agencies"][0]["procedures"] == 150


def test_unknown_agency_is_a_404_problem(api: TestClient, ops: dict[str, str]) -> None:
    response = api.get("/v1/coverage", headers=ops, params={"agency": "Sở Không Có"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unknown_agency"


def test_targets_are_judged_on_the_given_day(api: TestClient, ops: dict[str, str]) -> None:
    city = api.get("/v1/coverage", headers=ops, params={"as_of": "2026-07-01"}).json()["city"]
    assert [t["due_passed"] for t in city["targets"]] == [True, False]


def test_coverage_is_for_ops_clients(api: TestClient, auth: dict[str, str]) -> None:
    assert api.get("/v1/coverage").status_code == 401
    assert api.get("/v1/coverage.csv", headers=auth).status_code == 403  # a procedure backend


def test_coverage_is_computed_once_then_served_from_the_cache(
    api: TestClient, ops: dict[str, str]
) -> None:
    api.get("/v1/coverage", headers=ops)
    cache = api.app.state.coverage_cache  # type: ignore[attr-defined]
    started = time.perf_counter()
    api.get("/v1/coverage", headers=ops)
    assert time.perf_counter() - started < 0.1
    assert len(cache._indexes) == 1


def test_coverage_csv_has_the_city_then_one_row_per_agency(
    api: TestClient, ops: dict[str, str]
) -> None:
    response = api.get("/v1/coverage.csv", headers=ops, params={"as_of": "2026-03-20"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    city, agencies = rows[0], rows[1:]
    assert city["scope"] == "Toàn thành phố" and city["as_of"] == "2026-03-20"
    assert int(city["procedures"]) == 2149 == sum(int(r["procedures"]) for r in agencies)
    json_report = api.get("/v1/coverage", headers=ops).json()
    assert len(agencies) == len(json_report["agencies"])
    assert int(city["restructured"]) == json_report["city"]["restructured"]
    assert int(city["target_80_required"]) == 1720 and int(city["target_95_required"]) == 2042
    assert {"Sở Tư pháp", "UBND cấp xã", "Công an thành phố"} <= {r["scope"] for r in agencies}


def test_coverage_chart_is_an_svg_with_a_bar_per_agency_and_both_targets(
    api: TestClient, ops: dict[str, str]
) -> None:
    response = api.get("/v1/coverage/chart.svg", headers=ops)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    agencies = api.get("/v1/coverage", headers=ops).json()["agencies"]
    bars = [e for e in root.iter(f"{SVG}rect") if "bar" in e.get("class", "").split()]
    agency_bars = [b.get("data-scope") for b in bars if "agency" in b.get("class", "")]
    assert sorted(agency_bars) == sorted(a["scope"] for a in agencies)
    assert [b.get("data-scope") for b in bars if "city" in b.get("class", "")] == ["Toàn thành phố"]
    targets = [e.get("data-percent") for e in root.iter(f"{SVG}line") if e.get("class") == "target"]
    assert targets == ["80", "95"]
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Thủ tục hành chính được tái cấu trúc trên cơ sở dữ liệu" in texts
    assert "Mục tiêu 80% (30/6/2026)" in texts and "Sở Tư pháp" in texts


def test_chart_of_one_agency(api: TestClient, ops: dict[str, str]) -> None:
    response = api.get("/v1/coverage/chart.svg", headers=ops, params={"agency": "Sở Y tế"})
    root = ET.fromstring(response.content)
    scopes = [e.get("data-scope") for e in root.iter(f"{SVG}rect") if e.get("data-scope")]
    assert scopes == ["Sở Y tế"]
