"""POST /v1/procedures/{code}/reuse-plan over the registry simulators and the demo fixtures
(DOMAIN.md 11.5), and a plan as slow as its slowest registry, not the sum of them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from adapters.simulators.world import World
from shared_data.catalog import load_catalog
from shared_data.settings import Settings
from tests.grantutil import catalog_grants, give_grants
from tests.simserver import SimulatorServer, running_simulators

MAU, THU, GIA = "001090912345", "001192934567", "001088987654"
DINH, CU, UNKNOWN = "001195923456", "001070911111", "001090999999"
DISSOLVED = "0199900032"


@pytest.fixture(scope="module")
def own_simulators(sim_world: World, sim_token: str) -> Iterator[SimulatorServer]:
    """This module's simulators: the latency faults set here reach no other test."""
    with running_simulators(sim_world, sim_token) as sims:
        yield sims


@pytest.fixture
def simulator_url(own_simulators: SimulatorServer) -> str:
    return own_simulators.base_url


def pin(value: str) -> dict[str, str]:
    return {"scheme": "PIN", "value": value}


def plan(api: TestClient, auth: dict[str, str], code: str, **parties: Any) -> httpx.Response:
    body = {"dossier_id": f"H01-{code}", "parties": parties}
    return api.post(f"/v1/procedures/{code}/reuse-plan", headers=auth, json=body)


def items(response: httpx.Response) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.text
    return {item["requirement_id"]: item for item in response.json()["items"]}


def test_marriage_with_an_expired_marital_status_confirmation(
    api: TestClient, auth: dict[str, str], audit_count: Any
) -> None:
    before = audit_count()
    response = plan(api, auth, "P03", applicant=pin(GIA), spouse=pin(DINH))
    by_id = items(response)
    confirmation = by_id["P03-R2"]
    assert (confirmation["verdict"], confirmation["reason"]) == ("must_submit", "not_reusable")
    assert "expired" in confirmation["detail"]
    assert confirmation["lookup"]["validity"]["reusable"] is False
    assert by_id["P03-R4"]["verdict"] == "satisfied_by_data"  # the applicant's identity card
    assert by_id["P03-R4"]["lookup"]["status"] == "found"
    assert by_id["P03-R1"]["reason"] == "form"
    summary = response.json()["summary"]
    assert summary["total"] == 7
    assert summary["satisfied_by_data"] + summary["must_submit"] + summary["check_later"] == 7
    assert audit_count() - before == summary["lookups"]  # one audit record per lookup


def test_a_deceased_persons_procedure(api: TestClient, auth: dict[str, str]) -> None:
    by_id = items(
        plan(api, auth, "P05", applicant=pin(MAU), deceased=pin(CU), beneficiary=pin(MAU))
    )
    assert by_id["P05-R2"]["verdict"] == "satisfied_by_data"  # the death notice
    assert by_id["P05-R2"]["lookup"]["subject"]["value"] == CU
    assert by_id["P05-R5"]["verdict"] == "satisfied_by_data"  # the beneficiary's kinship
    assert by_id["P05-R6"]["verdict"] == "satisfied_by_data"  # the applicant's identity
    deceased_card = by_id["P05-R3"]
    assert deceased_card["lookup"]["subject"]["value"] == CU
    assert deceased_card["lookup"]["status"] == "found"


def test_a_dissolved_enterprise_must_submit_and_judicial_records_come_later(
    api: TestClient, auth: dict[str, str]
) -> None:
    enterprise = {"scheme": "ENTERPRISE_CODE", "value": DISSOLVED}
    response = plan(api, auth, "P09", applicant=pin(MAU), enterprise=enterprise)
    by_id = items(response)
    registration = by_id["P09-R4"]
    assert (registration["verdict"], registration["reason"]) == ("must_submit", "not_reusable")
    assert "dissolved" in registration["detail"]
    judicial = by_id["P09-R5"]
    if judicial["verdict"] == "check_later":  # the judicial-records registry answers later
        assert judicial["reason"] in ("pending", "unavailable")
        assert judicial["lookup"]["lookup_id"]
        assert int(response.headers["Retry-After"]) >= 1


def test_an_unknown_person_gets_correction_requests(api: TestClient, auth: dict[str, str]) -> None:
    by_id = items(plan(api, auth, "P11", applicant=pin(UNKNOWN)))
    identity = by_id["P11-R4"]
    assert (identity["verdict"], identity["reason"]) == ("must_submit", "not_found")
    correction = identity["correction_request"]
    assert correction["registry"] == "DANCU" and correction["subject"]["value"] == UNKNOWN
    assert correction["legal_basis"] == "Nghị quyết 66.7/2025/NQ-CP"
    assert correction["lookup_id"] == identity["lookup"]["lookup_id"]
    assert by_id["P11-R2"]["reason"] == "party_not_given"  # no parcel given


def test_plan_errors_are_problems(api: TestClient, auth: dict[str, str]) -> None:
    assert plan(api, auth, "P99", applicant=pin(MAU)).status_code == 404
    bad = plan(api, auth, "P11", applicant=pin("12345"))
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_identifier"
    assert api.post("/v1/procedures/P11/reuse-plan", json={"parties": {}}).status_code == 401


SIX_OVER_FOUR = """\
procedures:
  - code: T-PLAN-6
    name_vi: Thủ tục thử (6 thành phần, 4 cơ sở dữ liệu)
    agency: UBND cấp xã
    requirements:
      - {id: T6-R1, kind: document, document_type: CCCD}
      - {id: T6-R2, kind: document, document_type: CCCD, party: spouse}
      - {id: T6-R3, kind: internal_confirmation, document_type: CT07}
      - {id: T6-R4, kind: document, document_type: KHAI_SINH}
      - {id: T6-R5, kind: document, document_type: KET_HON}
      - {id: T6-R6, kind: document, document_type: GCN_DKDN, party: enterprise}
"""


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The API tests' settings, with one more procedure: six lookups over four registries."""
    catalog_dir = tmp_path / "catalog"
    catalog_dir.mkdir()
    (catalog_dir / "procedures.yaml").write_text(SIX_OVER_FOUR, "utf-8")
    return settings.model_copy(update={"catalog_dir": catalog_dir})


def test_a_plan_takes_as_long_as_its_slowest_registry(
    api: TestClient,
    auth: dict[str, str],
    settings: Settings,
    test_client_id: str,
    own_simulators: SimulatorServer,
) -> None:
    assert settings.catalog_dir is not None
    grants = catalog_grants(load_catalog(settings.catalog_dir))
    give_grants(
        settings.database_url, test_client_id, [g for g in grants if g.procedure_code == "T-PLAN-6"]
    )
    parties = {
        "applicant": pin(MAU),
        "spouse": pin(THU),
        "enterprise": {"scheme": "ENTERPRISE_CODE", "value": "0199900018"},
    }
    # Warm up (connections, grants, keys) with other subjects: the timed plan misses the cache.
    warm = {"applicant": pin(DINH), "spouse": pin(GIA), "enterprise": parties["enterprise"]}
    assert plan(api, auth, "T-PLAN-6", **warm).status_code == 200
    registries = ("dancu", "cutru", "hotich", "dkdn")
    with httpx.Client(base_url=own_simulators.base_url) as sim:
        for registry in registries:
            fault = {"mode": "latency", "ms": 200}
            assert sim.put(f"/_sim/faults/{registry}", json=fault).status_code == 200
        try:
            started = time.perf_counter()
            response = plan(api, auth, "T-PLAN-6", **parties)
            elapsed = time.perf_counter() - started
        finally:
            assert sim.delete("/_sim/faults").status_code == 200
    summary = response.json()["summary"]
    assert (summary["total"], summary["lookups"]) == (6, 6)
    assert summary["check_later"] == 0, response.text  # every registry answered, 200 ms late
    assert 0.2 <= elapsed < 0.4, f"{elapsed:.3f} s"
