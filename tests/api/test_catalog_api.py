"""The catalog endpoints."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_registries_are_listed(api: TestClient) -> None:
    ids = {r["id"] for r in api.get("/v1/registries").json()}
    assert {"DANCU", "CUTRU", "HOTICH", "DKDN"} <= ids


def test_document_types_can_be_filtered_by_registry(api: TestClient) -> None:
    docs = api.get("/v1/document-types", params={"registry": "HOTICH"}).json()
    assert docs and all(d["registry"] == "HOTICH" for d in docs)
    assert "XN_TTHN" in {d["id"] for d in docs}


def test_procedures_can_be_filtered_by_document_type(api: TestClient) -> None:
    codes = {
        p["code"] for p in api.get("/v1/procedures", params={"document_type": "XN_TTHN"}).json()
    }
    assert "P03" in codes
    assert "P09" not in codes


def test_unknown_document_type_filter_is_404(api: TestClient) -> None:
    response = api.get("/v1/procedures", params={"document_type": "NOPE"})
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_document_type"


def test_one_procedure_with_its_requirements(api: TestClient) -> None:
    procedure = api.get("/v1/procedures/P03").json()
    assert procedure["code"] == "P03"
    kinds = {r["kind"] for r in procedure["requirements"]}
    assert {"form", "internal_confirmation"} <= kinds


def test_unknown_procedure_is_404_problem(api: TestClient) -> None:
    response = api.get("/v1/procedures/P99")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unknown_procedure"


def test_unknown_route_is_404_problem(api: TestClient) -> None:
    response = api.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
