"""Credentials and roles over HTTP: who is refused (401), who is not permitted (403), and what
error bodies never carry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update

from shared_data.clients import ClientRole
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.keys import parse_key
from shared_data.persistence.repositories import ClientRepository
from shared_data.persistence.tables import api_keys_table
from shared_data.settings import Settings
from tests.grantutil import client_with_key

PROBLEM = "application/problem+json"
BIRTH = {
    "document_type": "KHAI_SINH",
    "subject": {"scheme": "PIN", "value": "001225956789"},
    "purpose": {"procedure_code": "P02", "dossier_id": "H01.12-260301-0001"},
}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def repository_call(settings: Settings, action: Callable[[ClientRepository], object]) -> object:
    engine = create_engine_for(settings.database_url)
    try:
        return action(ClientRepository(engine))
    finally:
        engine.dispose()


def expire(settings: Settings, key: str) -> None:
    parsed = parse_key(key)
    assert parsed is not None
    engine = create_engine_for(settings.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                update(api_keys_table)
                .where(api_keys_table.c.prefix == parsed.prefix)
                .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
    finally:
        engine.dispose()


def refused_body(api: TestClient, headers: dict[str, str]) -> bytes:
    response = api.post("/v1/lookups", json=BIRTH, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] == "unauthenticated"
    return response.content


def test_expired_revoked_and_disabled_credentials_get_the_same_401(
    api: TestClient, api_key: str, settings: Settings, audit_count: Callable[[], int]
) -> None:
    assert api.post("/v1/lookups", json=BIRTH, headers=bearer(api_key)).status_code == 200
    _, expired = client_with_key(settings.database_url, "expired", ClientRole.PROCEDURE_BACKEND)
    expire(settings, expired)
    _, revoked = client_with_key(settings.database_url, "revoked", ClientRole.PROCEDURE_BACKEND)
    prefix = parse_key(revoked).prefix  # type: ignore[union-attr]
    assert repository_call(settings, lambda repo: repo.revoke_key(prefix)) is True
    disabled_id, disabled = client_with_key(
        settings.database_url, "disabled", ClientRole.PROCEDURE_BACKEND
    )
    repository_call(settings, lambda repo: repo.disable_client(disabled_id))
    bodies = {refused_body(api, bearer(key)) for key in (expired, revoked, disabled)}
    # Unknown (well-formed) and malformed keys: the same refusal, whatever the reason.
    bodies.add(refused_body(api, bearer("sdk_nokey000_" + "x" * 40)))
    bodies.add(refused_body(api, bearer(api_key[:-1] + ("A" if api_key[-1] != "A" else "B"))))
    assert len(bodies) == 1
    assert audit_count() == 1  # only the one lookup that was let in


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer"}, {"Authorization": "Bearer not-a-key"}, {"X-Client": "x"}],
    ids=["missing", "empty", "malformed", "identity-header"],
)
def test_missing_and_malformed_credentials_get_401(
    api: TestClient, headers: dict[str, str]
) -> None:
    refused_body(api, headers)


def test_a_rotated_key_keeps_working_for_its_grace_period_only(
    api: TestClient, api_key: str, settings: Settings, test_client_id: str
) -> None:
    new_key, _ = repository_call(  # type: ignore[misc]
        settings, lambda repo: repo.rotate(test_client_id, grace=timedelta(hours=1))
    )
    assert api.post("/v1/lookups", json=BIRTH, headers=bearer(api_key)).status_code == 200
    assert api.post("/v1/lookups", json=BIRTH, headers=bearer(new_key)).status_code == 200
    repository_call(settings, lambda repo: repo.rotate(test_client_id))  # no grace
    refused_body(api, bearer(api_key))
    refused_body(api, bearer(new_key))


@pytest.mark.parametrize(
    "roles",
    [(ClientRole.ADMIN,), (ClientRole.OPS,), (ClientRole.CITIZEN_PORTAL,)],
    ids=["admin", "ops", "citizen-portal"],
)
def test_only_procedure_backends_look_up_personal_data(
    api: TestClient, settings: Settings, roles: tuple[ClientRole, ...]
) -> None:
    _, key = client_with_key(settings.database_url, f"not-a-backend-{roles[0]}", *roles)
    response = api.post("/v1/lookups", json=BIRTH, headers=bearer(key))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_admin_endpoints_need_the_admin_role(
    api: TestClient, api_key: str, settings: Settings
) -> None:
    _, ops = client_with_key(settings.database_url, "ops-user", ClientRole.OPS)
    _, admin = client_with_key(settings.database_url, "admin-user", ClientRole.ADMIN)
    for path in ("/v1/admin/clients", "/v1/admin/grants", "/v1/admin/embargoes"):
        assert api.get(path).status_code == 401
        assert api.get(path, headers=bearer(api_key)).status_code == 403
        assert api.get(path, headers=bearer(ops)).status_code == 403
        assert api.get(path, headers=bearer(admin)).status_code == 200, path


def test_the_client_listing_shows_roles_and_key_prefixes_but_no_secret(
    api: TestClient, api_key: str, settings: Settings
) -> None:
    _, admin = client_with_key(
        settings.database_url, "admin-user", ClientRole.ADMIN, ClientRole.OPS
    )
    response = api.get("/v1/admin/clients", headers=bearer(admin))
    listing = {client["name"]: client for client in response.json()}
    assert listing["admin-user"]["roles"] == ["admin", "ops"]
    assert listing["test-backend"]["keys"][0]["prefix"] == parse_key(api_key).prefix  # type: ignore[union-attr]
    assert api_key not in response.text and admin not in response.text
    assert "key_hash" not in response.text


def test_error_bodies_carry_no_stack_trace_sql_or_url(
    api: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    engine = create_engine_for(settings.database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE grants"))
    engine.dispose()
    response = api.post("/v1/lookups", json=BIRTH, headers=auth)
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    body = response.text.lower()
    for leak in ("traceback", "select", "grants", "sqlite", "psycopg", "http://", 'file "'):
        assert leak not in body, leak
    assert response.json()["code"] == "internal_error"
