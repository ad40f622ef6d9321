"""What schemathesis found off-contract against the live server (tests/e2e/test_schemathesis.py),
pinned here: answers checked against openapi.yaml with schemathesis' own validation."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"
SPEC = schemathesis.openapi.from_path(Path(__file__).resolve().parents[2] / "openapi.yaml")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        # A land certificate has no end of validity: the answer leaves `valid_until` out.
        (
            "/v1/lookups",
            {
                "document_type": "GCN_QSDD",
                "subject": {"scheme": "PARCEL_KEY", "value": "99999-12-345"},
                "qualifiers": {"owner": {"scheme": "PIN", "value": "001090912345"}},
                "purpose": {"procedure_code": "P11"},
            },
        ),
        # A plan asked without a dossier leaves `dossier_id` out.
        (
            "/v1/procedures/P03/reuse-plan",
            {
                "parties": {
                    "applicant": {"scheme": "PIN", "value": "001090912345"},
                    "spouse": {"scheme": "PIN", "value": "001192934567"},
                }
            },
        ),
    ],
    ids=["lookup-without-valid-until", "plan-without-dossier"],
)
def test_answers_that_leave_null_fields_out_conform_to_openapi_yaml(
    api: TestClient, auth: dict[str, str], path: str, body: dict[str, object]
) -> None:
    response = api.post(path, json=body, headers=auth)
    assert response.status_code == 200, response.text
    SPEC[path.replace("P03", "{code}")]["POST"].validate_response(response)


def test_a_method_not_allowed_names_the_allowed_ones(api: TestClient) -> None:
    response = api.request("TRACE", "/healthz")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["allow"] == "GET"  # RFC 9110: a 405 must carry Allow


def test_a_body_that_is_not_utf8_is_a_422_problem_like_malformed_json(
    api: TestClient, auth: dict[str, str]
) -> None:
    headers = {**auth, "Content-Type": "application/json"}
    response = api.post("/v1/lookups", content=b"\xff\xfe{", headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "invalid_request"


LOOKUP = {
    "document_type": "KHAI_SINH",
    "subject": {"scheme": "PIN", "value": "001225956789"},
    "purpose": {"procedure_code": "P14", "dossier_id": "H01.12-260301-0001"},
}


def test_a_nul_character_anywhere_in_the_input_is_a_422_never_a_500_or_503(
    api: TestClient, auth: dict[str, str]
) -> None:
    # PostgreSQL text cannot hold NUL: it used to fail the audit write (503) or the query (500).
    nul_dossier = {**LOOKUP, "purpose": {"procedure_code": "P14", "dossier_id": "H01\x00"}}
    answers = {
        "body": api.post("/v1/lookups", json=nul_dossier, headers=auth),
        "path": api.get("/v1/lookups/abc%00def", headers=auth),
        "query": api.get("/v1/procedures", params={"document_type": "CCCD\x00"}),
    }
    for where, response in answers.items():
        assert response.status_code == 422, (where, response.text)
        assert response.json()["code"] == "invalid_request"
        assert response.json()["errors"][0]["loc"] == [where]


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(
    api: TestClient, auth: dict[str, str]
) -> None:
    dossier = {**LOOKUP, "purpose": {"procedure_code": "P14", "dossier_id": "H01\\u0000"}}
    assert api.post("/v1/lookups", json=dossier, headers=auth).status_code == 200
