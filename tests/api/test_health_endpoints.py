"""Liveness, readiness, request ids and the access log, through the real app."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from adapters.simulators.fixtures import MAU, NOT_FOUND_PIN, THI, THU
from lookup_api.app import create_app
from lookup_api.request_log import JsonFormatter
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.tables import AuditRecordRow
from shared_data.settings import Settings

PROBLEM = "application/problem+json"
PERSONAL = (THI, MAU, THU, NOT_FOUND_PIN, "Nguyễn Minh Thí", "H01.12-260301-0001")


def lookup_body(pin: str = THI) -> dict[str, object]:
    return {
        "document_type": "KHAI_SINH",
        "subject": {"scheme": "PIN", "value": pin},
        "purpose": {"procedure_code": "P02", "dossier_id": "H01.12-260301-0001"},
    }


def request_ids_in_audit(settings: Settings) -> set[str | None]:
    engine = create_engine_for(settings.database_url)
    try:
        with engine.connect() as conn:
            return set(conn.execute(select(AuditRecordRow.request_id)).scalars())
    finally:
        engine.dispose()


@pytest.fixture
def quick_api(settings: Settings) -> Iterator[TestClient]:
    """The app with readiness checks bounded tightly (a locked database must not stall)."""
    fast = settings.model_copy(update={"readiness_timeout_s": 0.5})
    with TestClient(create_app(fast), raise_server_exceptions=False) as client:
        yield client


def test_liveness_needs_nothing_and_readiness_checks_catalog_database_and_audit(
    api: TestClient,
) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"catalog": "ok", "database": "ok", "audit": "ok"}


def test_not_ready_without_an_audit_table_says_which_check_failed(
    quick_api: TestClient, settings: Settings
) -> None:
    engine = create_engine_for(settings.database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE audit_records"))
    engine.dispose()
    response = quick_api.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["code"] == "not_ready" and body["checks"]["audit"] != "ok"
    assert body["checks"]["catalog"] == "ok"
    for leak in ("audit_records", "DROP", "sqlite", "postgres", "SELECT", "DELETE"):
        assert leak.lower() not in response.text.lower()
    assert quick_api.get("/healthz").status_code == 200  # alive all the same


@contextmanager
def database_locked(url: str) -> Iterator[None]:
    """No other connection may write while the block runs (SQLite: the file; PostgreSQL:
    the tables the readiness checks write to)."""
    if make_url(url).get_backend_name() == "sqlite":
        path = make_url(url).database
        assert path
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        return
    engine = create_engine_for(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("LOCK TABLE clients, audit_records IN ACCESS EXCLUSIVE MODE"))
            try:
                yield
            finally:
                conn.rollback()
    finally:
        engine.dispose()


def test_not_ready_while_the_database_takes_no_writes(
    quick_api: TestClient, settings: Settings
) -> None:
    with database_locked(settings.database_url):
        response = quick_api.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "timeout"
    assert quick_api.get("/readyz").status_code == 200  # and ready again once released


def test_request_id_is_echoed_and_stored_in_the_audit_record(
    api: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    response = api.post(
        "/v1/lookups", json=lookup_body(), headers={**auth, "X-Request-ID": "proc-42.a_b"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == "proc-42.a_b"
    assert request_ids_in_audit(settings) == {"proc-42.a_b"}


@pytest.mark.parametrize("bad", ["has spaces", "x" * 129, "semi;colon", THI + "/" + MAU])
def test_an_invalid_request_id_is_replaced_by_a_generated_one(
    api: TestClient, auth: dict[str, str], settings: Settings, bad: str
) -> None:
    response = api.post("/v1/lookups", json=lookup_body(), headers={**auth, "X-Request-ID": bad})
    assert response.status_code == 200, response.text
    generated = response.headers["x-request-id"]
    assert generated != bad and len(generated) == 32 and int(generated, 16) >= 0
    assert request_ids_in_audit(settings) == {generated}


def test_every_response_gets_a_request_id_even_errors(api: TestClient) -> None:
    first, second = api.get("/healthz"), api.get("/v1/no-such-route")
    assert second.status_code == 404
    ids = {first.headers["x-request-id"], second.headers["x-request-id"]}
    assert len(ids) == 2


def test_access_log_is_json_with_route_templates_and_no_personal_identifiers(
    api: TestClient, auth: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for pin in (THI, NOT_FOUND_PIN, THI + "0"):  # found, not found, invalid
        api.post("/v1/lookups", json=lookup_body(pin), headers={**auth, "X-Request-ID": "r-1"})
    api.get(f"/v1/lookups/{THI}", headers=auth)  # a raw path holding a PIN: its template
    api.get(f"/v1/people/{THI}", headers=auth)  # no route at all
    lines = [JsonFormatter().format(record) for record in caplog.records]
    for value in PERSONAL:
        assert not [line for line in lines if value in line], value
    access = [json.loads(line) for line in lines if '"shared_data.access"' in line]
    assert len(access) == 5
    first = access[0]
    assert first["route"] == "/v1/lookups" and first["method"] == "POST"
    assert first["status"] == 200 and first["request_id"] == "r-1"
    assert first["client_id"] and first["duration_ms"] > 0
    assert [a["status"] for a in access[:3]] == [200, 200, 422]
    assert access[3]["route"] == "/v1/lookups/{lookup_id}"
    assert (access[4]["route"], access[4]["status"]) == ("<unmatched>", 404)


def test_access_log_can_be_sampled_or_turned_off(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for update in ({"access_log": False}, {"log_sample_rate": 0.0}):
        with TestClient(create_app(settings.model_copy(update=update))) as quiet:
            for _ in range(5):
                quiet.get("/healthz")
    assert not [r for r in caplog.records if r.name == "shared_data.access"]


def test_an_unexpected_error_is_a_500_with_a_request_id_and_an_access_line(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app = create_app(settings)

    async def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/v1/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/v1/broken", headers={"X-Request-ID": "bug-1"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "bug-1"
    access = [r for r in caplog.records if r.name == "shared_data.access"]
    assert [(r.status, r.route, r.request_id) for r in access] == [(500, "/v1/broken", "bug-1")]  # type: ignore[attr-defined]
