"""The citizen access log: a citizen portal sees who looked at its citizen, and only that;
embargoed records are withheld until their date; nobody else may ask."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from adapters.simulators.fixtures import MAU, THI
from lookup_api.administration import end_of_embargo
from shared_data.clients import ClientRole
from shared_data.persistence.access_log_repository import AccessLogRepository
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.tables import audit_records_table
from shared_data.settings import Settings
from tests.grantutil import client_with_key

TOMORROW = date.today() + timedelta(days=2)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def look_up(api: TestClient, auth: dict[str, str], pin: str, procedure: str = "P02") -> str:
    body = {
        "document_type": "KHAI_SINH" if procedure == "P02" else "CT07",
        "subject": {"scheme": "PIN", "value": pin},
        "purpose": {"procedure_code": procedure, "dossier_id": f"D-{pin[-4:]}"},
    }
    response = api.post("/v1/lookups", json=body, headers=auth)
    assert response.status_code in (200, 403), response.text
    return str(response.json().get("lookup_id", "refused"))


def search(api: TestClient, key: str, pin: str, **extra: Any) -> Any:
    body = {"subject": {"scheme": "PIN", "value": pin}, "authentication_ref": "vneid-1", **extra}
    return api.post("/v1/access-log/search", json=body, headers=bearer(key))


@pytest.fixture
def portal_key(settings: Settings) -> str:
    return client_with_key(settings.database_url, "cong-dvc", ClientRole.CITIZEN_PORTAL)[1]


@pytest.fixture
def admin_key(settings: Settings) -> str:
    return client_with_key(settings.database_url, "admin-user", ClientRole.ADMIN)[1]


def test_a_citizen_portal_sees_who_looked_at_its_subject_and_nothing_else(
    api: TestClient, auth: dict[str, str], portal_key: str
) -> None:
    mine = [look_up(api, auth, THI), look_up(api, auth, THI, procedure="P14")]
    others = look_up(api, auth, MAU)
    response = search(api, portal_key, THI)
    assert response.status_code == 200, response.text
    entries = response.json()["entries"]
    assert sorted(e["lookup_id"] for e in entries) == sorted(mine)
    assert others not in response.text and MAU not in response.text
    newest, oldest = entries
    assert (oldest["procedure_code"], oldest["document_type"]) == ("P02", "KHAI_SINH")
    assert oldest["dossier_id"] == "D-6789" and oldest["outcome"] == "found"
    assert oldest["client_name"] == "test-backend" and oldest["agency"] == "UBND Phường Mẫu Một"
    assert newest["procedure_code"] == "P14" and newest["occurred_at"] >= oldest["occurred_at"]


def test_refused_lookups_are_shown_as_denied(
    api: TestClient, portal_key: str, settings: Settings
) -> None:
    _, stranger = client_with_key(settings.database_url, "stranger", ClientRole.PROCEDURE_BACKEND)
    look_up(api, bearer(stranger), THI)
    (entry,) = search(api, portal_key, THI).json()["entries"]
    assert (entry["client_name"], entry["outcome"]) == ("stranger", "denied")


def test_each_read_of_the_access_log_is_itself_audited_but_not_listed(
    api: TestClient, auth: dict[str, str], portal_key: str, settings: Settings
) -> None:
    look_up(api, auth, THI)
    search(api, portal_key, THI)
    assert len(search(api, portal_key, THI).json()["entries"]) == 1
    engine = create_engine_for(settings.database_url)
    try:
        with engine.connect() as conn:
            reads = conn.execute(
                select(audit_records_table).where(
                    audit_records_table.c.procedure_code == "ACCESS_LOG"
                )
            ).all()
    finally:
        engine.dispose()
    assert len(reads) == 2
    assert {(r.dossier_id, r.outcome) for r in reads} == {("vneid-1", "disclosed")}


def test_embargoed_records_are_withheld_until_their_date(
    api: TestClient, auth: dict[str, str], portal_key: str, admin_key: str, settings: Settings
) -> None:
    before = look_up(api, auth, THI)
    _, police = client_with_key(settings.database_url, "police", ClientRole.PROCEDURE_BACKEND)
    embargo = {
        "subject": {"scheme": "PIN", "value": THI},
        "client": "test-backend",
        "reason": "investigation 12/2026",
        "until": TOMORROW.isoformat(),
        "created_by": "Cơ quan điều tra (demo)",
    }
    created = api.post("/v1/admin/embargoes", json=embargo, headers=bearer(admin_key))
    assert created.status_code == 201, created.text
    look_up(api, bearer(police), THI)  # another client (refused: no grant), not embargoed
    entries = search(api, portal_key, THI).json()["entries"]
    assert [(e["client_name"], e["outcome"]) for e in entries] == [("police", "denied")]
    assert before not in str(entries)
    # After the date, the same records show again (the store is asked "as of" then).
    engine = create_engine_for(settings.database_url)
    try:
        store = AccessLogRepository(engine, settings.audit_subject_key.get_secret_value())
        later = end_of_embargo(TOMORROW) + timedelta(seconds=1)
        entries = store.entries_for(store.subject_ref("PIN", THI), later, 100)
        assert before in {e.lookup_id for e in entries}
        assert store.entries_for(store.subject_ref("PIN", THI), datetime.now(UTC), 100)
    finally:
        engine.dispose()


def test_a_lifted_embargo_releases_the_records_at_once(
    api: TestClient, auth: dict[str, str], portal_key: str, admin_key: str
) -> None:
    lookup_id = look_up(api, auth, THI)
    embargo = {
        "lookup_id": lookup_id,
        "reason": "r",
        "until": TOMORROW.isoformat(),
        "created_by": "x",
    }
    created = api.post("/v1/admin/embargoes", json=embargo, headers=bearer(admin_key)).json()
    assert search(api, portal_key, THI).json()["entries"] == []
    listed = api.get("/v1/admin/embargoes", headers=bearer(admin_key)).json()
    assert [e["id"] for e in listed] == [created["id"]]
    assert (
        api.delete(f"/v1/admin/embargoes/{created['id']}", headers=bearer(admin_key)).status_code
        == 204
    )
    assert [e["lookup_id"] for e in search(api, portal_key, THI).json()["entries"]] == [lookup_id]


def test_an_embargo_needs_a_scope_and_a_future_date(api: TestClient, admin_key: str) -> None:
    unscoped = {"reason": "r", "until": TOMORROW.isoformat(), "created_by": "x"}
    response = api.post("/v1/admin/embargoes", json=unscoped, headers=bearer(admin_key))
    assert response.status_code == 422 and response.json()["code"] == "invalid_admin_request"
    past = {**unscoped, "lookup_id": "abc", "until": "2020-01-01"}
    assert api.post("/v1/admin/embargoes", json=past, headers=bearer(admin_key)).status_code == 422


def test_nobody_but_a_citizen_portal_may_read_the_access_log(
    api: TestClient, auth: dict[str, str], admin_key: str, settings: Settings
) -> None:
    _, ops = client_with_key(settings.database_url, "ops-user", ClientRole.OPS)
    for key in (auth["Authorization"].split()[1], admin_key, ops):
        response = search(api, key, THI)
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
        assert THI not in response.text
    assert search(api, "sdk_nokey000_" + "x" * 40, THI).status_code == 401


def test_an_invalid_identifier_is_refused_without_echoing_it(
    api: TestClient, portal_key: str
) -> None:
    response = search(api, portal_key, "00122595678")
    assert response.status_code == 422 and "00122595678" not in response.text
