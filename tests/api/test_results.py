"""POST /v1/results and friends, end to end in-process: publish a result, find it through an
ordinary lookup, revoke or supersede it, and find it void; rights and audit records.

The subjects here hold nothing in the simulated Kho (HN_KHO), so what a lookup finds is what
the store holds; the Kho is still asked whenever the store has no active result."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from shared_data.catalog import Catalog
from shared_data.clients import ClientRole
from shared_data.grants import Grant
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.tables import AuditRecordRow
from shared_data.settings import Settings
from tests.grantutil import client_with_key

PERMIT, COPY = "GIAY_PHEP_XAY_DUNG", "BAN_SAO_DIEN_TU"
OWNER, CO_OWNER = "001090999999", "001192999998"  # neither holds anything in the Kho
TODAY = date.today()
DOSSIER = f"H01.12-{TODAY:%y%m%d}-0042"


@pytest.fixture
def publisher(test_client_id: str, grant: Callable[..., Grant]) -> str:
    """test-backend, granted GIAY_PHEP_XAY_DUNG for P11 (it issues permits) and lookups."""
    grant(test_client_id, "P11", PERMIT)
    grant(test_client_id, "P11", COPY)
    return test_client_id


@pytest.fixture
def other_auth(settings: Settings, grant: Callable[..., Grant]) -> dict[str, str]:
    """Another procedure backend, granted the same: it may publish, not touch others' results."""
    client_id, key = client_with_key(
        settings.database_url, "other-backend", ClientRole.PROCEDURE_BACKEND
    )
    grant(client_id, "P11", PERMIT)
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def admin_auth(settings: Settings) -> dict[str, str]:
    _, key = client_with_key(settings.database_url, "ops-admin", ClientRole.ADMIN)
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def result_events(settings: Settings) -> Iterator[Callable[[str], int]]:
    """`result_events(outcome)`: completed audit records with that outcome."""
    engine = create_engine_for(settings.database_url)

    def count(outcome: str) -> int:
        query = select(func.count()).where(
            AuditRecordRow.state == "completed", AuditRecordRow.outcome == outcome
        )
        with engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    yield count
    engine.dispose()


def _permit(*owners: str, issued: date = TODAY, **changes: Any) -> dict[str, Any]:
    owners = owners or (OWNER,)
    body: dict[str, Any] = {
        "document_type": PERMIT,
        "subjects": [{"scheme": "PIN", "value": pin} for pin in owners],
        "fields": {
            "permit_no": "125/GPXD", "owner_id": owners[0], "parcel_key": "99999-12-345",
            "scale": "Nhà ở riêng lẻ, 4 tầng", "issue_date": issued.isoformat(),
            "expiry_of_commencement": (issued + timedelta(days=365)).isoformat(),
        },
        "issued_on": issued.isoformat(),
        "dossier_id": DOSSIER,
        "procedure_code": "P11",
    }  # fmt: skip
    return body | changes


def _publish(api: TestClient, auth: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/v1/results", json=body, headers=auth)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _lookup(
    api: TestClient, auth: dict[str, str], value: str, scheme: str = "PIN", doc: str = PERMIT
) -> dict[str, Any]:
    body = {
        "document_type": doc,
        "subject": {"scheme": scheme, "value": value},
        "purpose": {"procedure_code": "P11", "dossier_id": "H01.12-261127-0001"},
    }
    response = api.post("/v1/lookups", json=body, headers=auth)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_a_published_result_is_found_at_once_by_an_ordinary_lookup(
    api: TestClient, auth: dict[str, str], publisher: str
) -> None:
    published = _publish(api, auth, _permit(OWNER, CO_OWNER))
    assert published["status"] == "active" and published["result_id"].startswith("kq")
    assert published["document_uri"] == f"vn.gov.hn_kho-{PERMIT}-{published['result_id']}"
    assert published["valid_until"] == (TODAY + timedelta(days=365)).isoformat()
    for scheme, value in (("PIN", OWNER), ("PIN", CO_OWNER), ("DOSSIER_NO", DOSSIER)):
        found = _lookup(api, auth, value, scheme)
        assert found["status"] == "found", found
        assert found["provenance"]["registry"] == "HN_KHO"
        assert found["provenance"]["source_record_id"] == published["result_id"]
        assert (found["document_uri"], found["digest"]) == (
            published["document_uri"], published["digest"],
        )  # fmt: skip
        assert found["validity"]["reusable"] is True
        assert found["fields"]["permit_no"] == "125/GPXD"


def test_a_revoked_result_is_found_but_not_reusable(
    api: TestClient, auth: dict[str, str], publisher: str, result_events: Callable[[str], int]
) -> None:
    published = _publish(api, auth, _permit())
    assert _lookup(api, auth, OWNER)["validity"]["reusable"] is True
    response = api.post(
        f"/v1/results/{published['result_id']}/revoke",
        json={"reason": "Thu hồi theo Quyết định số 12/QĐ-UBND"},
        headers=auth,
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "revoked" and response.json()["revoked_at"]
    again = _lookup(api, auth, OWNER)
    assert again["status"] == "found"
    assert again["provenance"]["source_record_id"] == published["result_id"]
    assert again["validity"] == {**again["validity"], "reusable": False, "reason": "void: revoked"}
    repeat = api.post(
        f"/v1/results/{published['result_id']}/revoke", json={"reason": "again"}, headers=auth
    )
    assert (repeat.status_code, repeat.json()["code"]) == (409, "result_not_active")
    assert (result_events("published"), result_events("revoked")) == (1, 1)


def test_a_superseded_result_gives_way_to_the_new_one(
    api: TestClient, auth: dict[str, str], publisher: str, result_events: Callable[[str], int]
) -> None:
    first = _publish(api, auth, _permit(OWNER, CO_OWNER))
    corrected = _permit(OWNER)
    corrected["fields"]["scale"] = "Nhà ở riêng lẻ, 5 tầng"
    response = api.post(f"/v1/results/{first['result_id']}/supersede", json=corrected, headers=auth)
    assert response.status_code == 201, response.text
    second = response.json()
    assert (second["supersedes"], second["status"]) == (first["result_id"], "active")
    found = _lookup(api, auth, OWNER)
    assert found["provenance"]["source_record_id"] == second["result_id"]
    assert found["fields"]["scale"] == "Nhà ở riêng lẻ, 5 tầng"
    assert found["validity"]["reusable"] is True
    # The co-owner is named by the superseded permit only: found, void (the Kho has none).
    old = _lookup(api, auth, CO_OWNER)
    assert old["provenance"]["source_record_id"] == first["result_id"]
    assert (old["validity"]["reusable"], old["validity"]["reason"]) == (False, "void: superseded")
    # Published twice (two subjects, then one), superseded once per subject of the first.
    assert (result_events("published"), result_events("superseded")) == (3, 2)


def test_only_the_publisher_or_an_admin_may_revoke_or_supersede(
    api: TestClient,
    auth: dict[str, str],
    other_auth: dict[str, str],
    admin_auth: dict[str, str],
    publisher: str,
    result_events: Callable[[str], int],
) -> None:
    published = _publish(api, auth, _permit())
    path = f"/v1/results/{published['result_id']}"
    for action, body in (("revoke", {"reason": "not mine"}), ("supersede", _permit())):
        refused = api.post(f"{path}/{action}", json=body, headers=other_auth)
        assert (refused.status_code, refused.json()["code"]) == (404, "unknown_result")
    missing = api.post("/v1/results/kq-no-such-result/revoke", json={"reason": "x"}, headers=auth)
    assert missing.json() == {**missing.json(), "status": 404, "detail": refused.json()["detail"]}
    assert _lookup(api, auth, OWNER)["validity"]["reusable"] is True
    assert result_events("denied") == 2
    revoked = api.post(f"{path}/revoke", json={"reason": "court order"}, headers=admin_auth)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"


def test_a_client_without_a_grant_for_the_type_cannot_publish(
    api: TestClient, auth: dict[str, str], test_client_id: str, result_events: Callable[[str], int]
) -> None:
    response = api.post("/v1/results", json=_permit(), headers=auth)  # no P11 permit grant
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert result_events("denied") == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [({"fields": {"permit_no": "1", "colour": "red"}}, "invalid_result"),
     ({"document_type": "KHAI_SINH"}, "invalid_result"),
     ({"subjects": [{"scheme": "PIN", "value": "0010909"}]}, "invalid_identifier"),
     ({"dossier_id": "dossier 42"}, "invalid_identifier"),
     ({"issued_on": (TODAY + timedelta(days=2)).isoformat()}, "invalid_result"),
     ({"subjects": []}, "invalid_request")],
)  # fmt: skip
def test_results_the_catalog_refuses_are_422_and_store_nothing(
    api: TestClient,
    auth: dict[str, str],
    publisher: str,
    settings: Settings,
    change: dict[str, Any],
    code: str,
) -> None:
    response = api.post("/v1/results", json=_permit() | change, headers=auth)
    assert (response.status_code, response.json()["code"]) == (422, code), response.text
    engine = create_engine_for(settings.database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM results")).scalar_one() == 0
    finally:
        engine.dispose()


def test_the_database_holds_no_identifier_and_no_field_in_clear(
    api: TestClient, auth: dict[str, str], publisher: str, settings: Settings
) -> None:
    _publish(api, auth, _permit(OWNER, CO_OWNER))
    engine = create_engine_for(settings.database_url)
    try:
        with engine.connect() as conn:
            rows = [
                " ".join(str(v) for v in row)
                for table in ("results", "result_subjects")
                for row in conn.execute(text(f"SELECT * FROM {table}"))
            ]
    finally:
        engine.dispose()
    assert len(rows) == 4  # one result; two people and the dossier as its subjects
    dump = "\n".join(rows)
    for secret in (OWNER, CO_OWNER, DOSSIER, "125/GPXD", "99999-12-345"):
        assert secret not in dump


def test_a_published_certified_copy_is_permanent(
    api: TestClient, auth: dict[str, str], publisher: str, catalog: Catalog
) -> None:
    body = {
        "document_type": COPY,
        "subjects": [{"scheme": "ENTERPRISE_CODE", "value": "0199900057"}],
        "fields": {"copy_no": "77/SCT/BS", "source_doc_type": "GCN_DKDN",
                   "owner_id": "0199900057", "certifying_authority": "UBND Phường Mẫu Một",
                   "certified_at": TODAY.isoformat(), "file_hash": "sha256:" + "ab" * 32},
        "issued_on": TODAY.isoformat(), "dossier_id": DOSSIER, "procedure_code": "P11",
    }  # fmt: skip
    published = _publish(api, auth, body)
    found = _lookup(api, auth, "0199900057", "MST", COPY)
    assert found["provenance"]["source_record_id"] == published["result_id"]
    assert (found["validity"].get("valid_until"), found["validity"]["reason"]) == (
        None, "permanent record",
    )  # fmt: skip
