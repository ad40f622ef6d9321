"""Pending lookups collected with GET /v1/lookups/{id}, two-key lookups, the LLTP_2 bar and
the BHYT card without data, through the real app, database and simulators (loopback)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from shared_data.clients import ClientRole
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.tables import AuditRecordRow, PendingLookupRow
from shared_data.settings import Settings
from tests.grantutil import catalog_grants, client_with_key, give_grants

PROBLEM = "application/problem+json"
MAU, THU, GIA = "001090912345", "001192934567", "001088987654"
PARCEL = "99999-12-345"


def body(
    doc: str, value: str, scheme: str = "PIN", procedure: str = "P09", **qualifiers: Any
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "document_type": doc,
        "subject": {"scheme": scheme, "value": value},
        "purpose": {"procedure_code": procedure, "dossier_id": "H01.12-261127-0001"},
    }
    if qualifiers:
        payload["qualifiers"] = qualifiers
    return payload


def owner(pin: str) -> dict[str, str]:
    return {"scheme": "PIN", "value": pin}


def _events(settings: Settings, prefix: str) -> list[AuditRecordRow]:
    engine = create_engine_for(settings.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(AuditRecordRow).where(AuditRecordRow.lookup_id.startswith(prefix))
            ).all()
        return list(rows)  # type: ignore[arg-type]
    finally:
        engine.dispose()


# --- pending, then collected ---------------------------------------------------------------


def test_a_judicial_record_is_pending_then_collected_by_its_client_and_every_read_is_audited(
    api: TestClient,
    auth: dict[str, str],
    audit_count: Callable[[], int],
    settings: Settings,
) -> None:
    created = api.post("/v1/lookups", json=body("LLTP_1", MAU), headers=auth)
    assert created.status_code == 200, created.text
    pending = created.json()
    assert pending["status"] == "pending" and "fields" not in pending
    assert int(created.headers["Retry-After"]) >= 1
    lookup_id = pending["lookup_id"]
    assert audit_count() == 1

    still = api.get(f"/v1/lookups/{lookup_id}", headers=auth)
    assert still.status_code == 200 and still.json()["status"] == "pending"
    assert "Retry-After" in still.headers
    done = api.get(f"/v1/lookups/{lookup_id}", headers=auth)
    assert done.status_code == 200, done.text
    found = done.json()
    assert (found["lookup_id"], found["status"]) == (lookup_id, "found")
    assert found["fields"]["pin"] == MAU and found["fields"]["has_criminal_record"] is False
    assert found["validity"]["reusable"] is True  # issued today; P09 allows six months
    assert found["document_uri"].startswith("vn.gov.lltp-LLTP_1-")
    assert found["purpose"]["procedure_code"] == "P09"
    # One lookup and two collects: three completed reads, each with its own event id.
    assert audit_count() == 3
    completed = [r for r in _events(settings, lookup_id) if r.state == "completed"]
    assert sorted(r.outcome for r in completed) == ["found", "pending", "pending"]
    assert len({r.lookup_id for r in completed}) == 3


def test_another_client_cannot_collect_it_and_gets_the_same_404_as_for_an_unknown_id(
    api: TestClient, auth: dict[str, str], settings: Settings, catalog: Any
) -> None:
    lookup_id = api.post("/v1/lookups", json=body("LLTP_1", MAU), headers=auth).json()["lookup_id"]
    other_id, other_key = client_with_key(
        settings.database_url, "other-backend", ClientRole.PROCEDURE_BACKEND
    )
    give_grants(settings.database_url, other_id, catalog_grants(catalog))
    other = {"Authorization": f"Bearer {other_key}"}
    theirs = api.get(f"/v1/lookups/{lookup_id}", headers=other)
    unknown = api.get(f"/v1/lookups/{'0' * 32}", headers=other)
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.headers["content-type"] == PROBLEM
    assert theirs.json()["code"] == unknown.json()["code"] == "unknown_lookup"
    # Nothing tells "someone else's" from "no such lookup".
    assert theirs.text.replace(lookup_id, "ID") == unknown.text.replace("0" * 32, "ID")


def test_a_lookup_answered_at_once_is_not_kept_for_collection(
    api: TestClient, auth: dict[str, str]
) -> None:
    answered = api.post("/v1/lookups", json=body("SO_BHXH", MAU, procedure="P13"), headers=auth)
    assert answered.json()["status"] == "found"
    assert api.get(f"/v1/lookups/{answered.json()['lookup_id']}", headers=auth).status_code == 404


def test_collecting_needs_a_credential(api: TestClient) -> None:
    assert api.get(f"/v1/lookups/{'0' * 32}").status_code == 401


def test_the_pending_lookup_keeps_no_identifier_in_clear(
    api: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    lookup_id = api.post("/v1/lookups", json=body("LLTP_1", MAU), headers=auth).json()["lookup_id"]
    engine = create_engine_for(settings.database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                select(PendingLookupRow).where(PendingLookupRow.lookup_id == lookup_id)
            ).one()
    finally:
        engine.dispose()
    assert MAU not in " ".join(str(value) for value in row)
    assert (row.subject_scheme, row.document_type, row.registry) == ("PIN", "LLTP_1", "LLTP")


# --- two keys -------------------------------------------------------------------------------


def test_a_land_certificate_without_its_owner_is_a_422_naming_the_qualifier(
    api: TestClient, auth: dict[str, str], audit_count: Callable[[], int]
) -> None:
    response = api.post(
        "/v1/lookups", json=body("GCN_QSDD", PARCEL, "PARCEL_KEY", "P11"), headers=auth
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert (problem["code"], problem["qualifier"]) == ("missing_qualifier", "owner")
    assert "owner" in problem["detail"]
    assert audit_count() == 0


def test_an_invalid_owner_is_a_422(api: TestClient, auth: dict[str, str]) -> None:
    request = body("GCN_QSDD", PARCEL, "PARCEL_KEY", "P11", owner=owner("00109091234"))
    problem = api.post("/v1/lookups", json=request, headers=auth).json()
    assert (problem["status"], problem["code"], problem["scheme"]) == (
        422,
        "invalid_identifier",
        "PIN",
    )


def test_the_land_certificate_is_found_with_an_owner_and_not_found_with_someone_else(
    api: TestClient, auth: dict[str, str], audit_count: Callable[[], int]
) -> None:
    for pin in (MAU, THU):
        request = body("GCN_QSDD", PARCEL, "PARCEL_KEY", "P11", owner=owner(pin))
        found = api.post("/v1/lookups", json=request, headers=auth).json()
        assert found["status"] == "found", found
        assert found["qualifiers"] == {"owner": owner(pin)}
        assert found["fields"]["cert_serial"] == "ZZ 000123"
        assert found["validity"]["reusable"] is True
    stranger = body("GCN_QSDD", PARCEL, "PARCEL_KEY", "P11", owner=owner(GIA))
    refused = api.post("/v1/lookups", json=stranger, headers=auth).json()
    assert refused["status"] == "not_found" and "fields" not in refused
    assert audit_count() == 3


# --- LLTP_2 and the BHYT card ----------------------------------------------------------------


def test_certificate_no_2_for_a_person_is_refused_by_law_and_audited(
    api: TestClient,
    auth: dict[str, str],
    test_client_id: str,
    grant: Callable[..., Any],
    settings: Settings,
) -> None:
    grant(test_client_id, "P07", "LLTP_2")
    response = api.post("/v1/lookups", json=body("LLTP_2", MAU, procedure="P07"), headers=auth)
    assert response.status_code == 403
    problem = response.json()
    assert problem["code"] == "document_restricted" and "2026-07-01" in problem["detail"]
    engine = create_engine_for(settings.database_url)
    try:
        with engine.connect() as conn:
            denied = conn.execute(
                select(AuditRecordRow.outcome, AuditRecordRow.document_type).where(
                    AuditRecordRow.document_type == "LLTP_2"
                )
            ).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in denied] == [("denied", "LLTP_2")]


def test_the_card_held_without_its_data_is_unavailable_with_a_clear_reason(
    api: TestClient, auth: dict[str, str], test_client_id: str, grant: Callable[..., Any]
) -> None:
    grant(test_client_id, "P02", "THE_BHYT")
    answer = api.post(
        "/v1/lookups", json=body("THE_BHYT", GIA, procedure="P02"), headers=auth
    ).json()
    assert (answer["status"], answer["reason"]) == ("unavailable", "data_unavailable")
    assert "card exists" in answer["detail"]
