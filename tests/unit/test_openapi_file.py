"""openapi.yaml at the repository root is what the app generates."""

from __future__ import annotations

from pathlib import Path

import yaml

from lookup_api.openapi_doc import render_openapi

SPEC = Path(__file__).resolve().parents[2] / "openapi.yaml"


def test_openapi_yaml_is_up_to_date() -> None:
    assert SPEC.read_text("utf-8") == render_openapi(), "run `make openapi` and commit the result"


def test_openapi_documents_errors_as_problem_json() -> None:
    spec = yaml.safe_load(SPEC.read_text("utf-8"))
    assert "Problem" in spec["components"]["schemas"]
    responses = spec["paths"]["/v1/lookups"]["post"]["responses"]
    for status in ("401", "403", "404", "422", "503"):
        assert "application/problem+json" in responses[status]["content"], status
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_openapi_carries_request_and_response_examples() -> None:
    spec = yaml.safe_load(SPEC.read_text("utf-8"))
    schemas = spec["components"]["schemas"]
    assert schemas["LookupRequest"]["examples"]
    assert schemas["LookupResponse"]["examples"]
