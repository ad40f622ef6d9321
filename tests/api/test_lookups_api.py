"""POST /v1/lookups through the real app, real database, simulators over loopback HTTP."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from lookup_api.app import create_app
from shared_data.persistence.db import create_engine_for
from shared_data.settings import RegistrySettings, Settings

PROBLEM = "application/problem+json"


def lookup_body(
    doc: str = "KHAI_SINH", value: str = "001225956789", scheme: str = "PIN", procedure: str = "P02"
) -> dict[str, object]:
    return {
        "document_type": doc,
        "subject": {"scheme": scheme, "value": value},
        "purpose": {"procedure_code": procedure, "dossier_id": "H01.12-260301-0001"},
    }


def test_birth_certificate_of_the_demo_child_is_found_with_evidence(
    api: TestClient, auth: dict[str, str], audit_count: Callable[[], int]
) -> None:
    response = api.post("/v1/lookups", json=lookup_body(), headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "found"
    assert body["fields"]["full_name"] == "Nguyễn Minh Thí"
    assert body["fields"]["mother_pin"] == "001192934567"
    assert body["fields"]["father_pin"] == "001090912345"
    assert body["validity"]["reusable"] is True
    assert body["provenance"]["registry"] == "HOTICH"
    assert body["provenance"]["source_record_id"]
    assert body["document_uri"].startswith("vn.gov.hotich-KHAI_SINH-")
    assert body["digest"].startswith("sha256:")
    assert body["purpose"]["legal_basis"]  # defaulted from the catalog
    assert audit_count() == 1


def test_unknown_person_is_not_found_and_audited(
    api: TestClient, auth: dict[str, str], audit_count: Callable[[], int]
) -> None:
    response = api.post("/v1/lookups", json=lookup_body(value="001090999999"), headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "not_found"
    assert "fields" not in body or body["fields"] is None
    assert audit_count() == 1


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def api_with_dead_hotich(settings: Settings) -> Iterator[TestClient]:
    dead = RegistrySettings(base_url=f"http://127.0.0.1:{_closed_port()}/hotich")
    app = create_app(settings.model_copy(update={"registries": {"HOTICH": dead}}))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_registry_that_cannot_be_reached_is_unavailable_never_not_found(
    api_with_dead_hotich: TestClient, auth: dict[str, str], audit_count: Callable[[], int]
) -> None:
    response = api_with_dead_hotich.post("/v1/lookups", json=lookup_body(), headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["reason"] == "upstream_error"
    assert "127.0.0.1" not in response.text  # no upstream URL leaks
    assert audit_count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer sdk_nokey000_" + "x" * 40},
        {"Authorization": "Bearer not-a-key"},
    ],
    ids=["missing", "empty", "basic", "unknown", "malformed"],
)
def test_missing_or_bad_key_is_401_problem(
    api: TestClient, headers: dict[str, str], audit_count: Callable[[], int]
) -> None:
    response = api.post("/v1/lookups", json=lookup_body(), headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] == "unauthenticated"
    assert audit_count() == 0


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (lookup_body(doc="NO_SUCH_DOC"), 404, "unknown_document_type"),
        (lookup_body(procedure="P99"), 404, "unknown_procedure"),
        (lookup_body(value="００１２２５９５６７８９"), 422, "invalid_identifier"),
        (lookup_body(value="00122595678"), 422, "invalid_identifier"),
        (lookup_body(value="001 225956789"), 422, "invalid_identifier"),
        (lookup_body(scheme="MST", value="0199900018"), 422, "unsupported_scheme"),
        (lookup_body(scheme="NOPE"), 422, "unsupported_scheme"),
        ({"document_type": "KHAI_SINH"}, 422, "invalid_request"),
        ({**lookup_body(), "extra": 1}, 422, "invalid_request"),
    ],
    ids=[
        "doc",
        "procedure",
        "fullwidth",
        "short",
        "space",
        "wrong-scheme",
        "unknown-scheme",
        "missing-fields",
        "extra-field",
    ],
)
def test_caller_mistakes_are_problem_json_never_500(
    api: TestClient, auth: dict[str, str], body: dict[str, object], status: int, code: str
) -> None:
    response = api.post("/v1/lookups", json=body, headers=auth)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == code and problem["status"] == status
    assert problem["type"].endswith(code) and problem["detail"]
    assert "001225956789" not in response.text  # identifiers are not echoed in errors


def test_invalid_identifier_problem_names_the_broken_rule(
    api: TestClient, auth: dict[str, str]
) -> None:
    response = api.post(
        "/v1/lookups", json=lookup_body(value="００１２２５９５６７８９"), headers=auth
    )
    assert response.json()["rule"] == "ascii_digits_only"
    assert response.json()["scheme"] == "PIN"


def test_malformed_json_is_a_422_problem(api: TestClient, auth: dict[str, str]) -> None:
    response = api.post(
        "/v1/lookups", content=b"{not json", headers={**auth, "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


def test_no_document_leaves_when_the_audit_store_cannot_be_written(
    api: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    engine = create_engine_for(settings.database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE audit_records"))
    engine.dispose()
    response = api.post("/v1/lookups", json=lookup_body(), headers=auth)
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "audit_unavailable"
    assert "Nguyễn" not in response.text and "fields" not in response.json()
