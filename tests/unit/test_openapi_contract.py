"""Statuses the routes can answer are documented (schemathesis' findings against the live
server, tests/e2e/test_schemathesis.py, pinned here)."""

from __future__ import annotations

from typing import Any

from lookup_api.app import create_app
from shared_data.settings import Settings

SPEC: dict[str, Any] = create_app(Settings()).openapi()


def test_rate_limited_lookups_document_their_429() -> None:
    assert "429" in SPEC["paths"]["/v1/lookups"]["post"]["responses"]
    assert "429" in SPEC["paths"]["/v1/lookups/{lookup_id}"]["get"]["responses"]


def test_procedures_filtered_by_an_unknown_document_type_document_their_404() -> None:
    assert "404" in SPEC["paths"]["/v1/procedures"]["get"]["responses"]
