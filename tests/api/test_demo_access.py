"""Demo data: the demo key is an ops user and a procedure backend whose grants follow each
procedure's requirements (so the demo shows refusals and one minimised grant too)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from adapters.simulators.fixtures import MAU, THI
from lookup_api.demo import ABOLISHED_PAPER_GRANTS, DemoKeys, demo_grants, load_demo_data
from shared_data.catalog import Catalog
from shared_data.grants import needed_document_types
from shared_data.persistence.keys import generate_key
from shared_data.settings import Settings


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def body(doc: str, pin: str, procedure: str) -> dict[str, object]:
    return {
        "document_type": doc,
        "subject": {"scheme": "PIN", "value": pin},
        "purpose": {"procedure_code": procedure},
    }


def test_demo_grants_are_each_procedures_requirements_and_not_a_catch_all(
    catalog: Catalog,
) -> None:
    grants = demo_grants(catalog)
    pairs = {(g.procedure_code, g.document_type) for g in grants}
    assert pairs == {
        (code, doc_id)
        for code, procedure in catalog.procedures.items()
        for doc_id in needed_document_types(procedure)
    } | set(ABOLISHED_PAPER_GRANTS)
    assert "*" not in {g.document_type for g in grants}
    (p07_cccd,) = [g for g in grants if (g.procedure_code, g.document_type) == ("P07", "CCCD")]
    assert "place_of_residence" not in p07_cccd.allowed_fields


def test_the_demo_key_reads_ops_endpoints_looks_up_and_is_refused_outside_its_grants(
    api: TestClient, settings: Settings
) -> None:
    key = generate_key().plaintext
    keys = load_demo_data(settings, key)
    assert load_demo_data(settings, key) == keys  # idempotent, same derived keys
    demo = bearer(key)
    assert api.get("/v1/adapters/health", headers=demo).status_code == 200  # ops role
    found = api.post("/v1/lookups", json=body("KHAI_SINH", THI, "P14"), headers=demo)
    assert found.status_code == 200 and found.json()["status"] == "found"
    refused = api.post("/v1/lookups", json=body("KHAI_SINH", THI, "P02"), headers=demo)
    assert refused.status_code == 403  # P02 does not need a birth certificate
    narrow = api.post("/v1/lookups", json=body("CCCD", MAU, "P07"), headers=demo).json()
    full = api.post("/v1/lookups", json=body("CCCD", MAU, "P01"), headers=demo).json()
    assert "place_of_residence" in full["fields"]
    assert "place_of_residence" not in narrow["fields"]
    assert narrow["fields"].keys() < full["fields"].keys()
    abolished = api.post("/v1/lookups", json=body("SO_HO_KHAU", MAU, "P06"), headers=demo).json()
    assert abolished["status"] == "found" and abolished["validity"]["reusable"] is False
    assert "abolished" in abolished["validity"]["reason"]
    check_portal_and_admin(api, keys)


def check_portal_and_admin(api: TestClient, keys: DemoKeys) -> None:
    search = {"subject": {"scheme": "PIN", "value": THI}, "authentication_ref": "demo"}
    entries = api.post(
        "/v1/access-log/search", json=search, headers=bearer(keys.citizen_portal)
    ).json()["entries"]
    assert [(e["procedure_code"], e["outcome"]) for e in entries] == [
        ("P02", "denied"),
        ("P14", "found"),
    ]
    grants = api.get(
        "/v1/admin/grants", params={"client": "demo-procedure-backend"}, headers=bearer(keys.admin)
    )
    assert grants.status_code == 200 and len(grants.json()) > 30
