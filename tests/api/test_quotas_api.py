"""Quotas over HTTP: 429 with Retry-After past the rate limit; past the distinct-subject ceiling
lookups are answered but flagged in the audit; with Redis, two app instances share the limit."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from adapters.simulators.fixtures import MAU, NOT_FOUND_PIN, THI, THU
from lookup_api.app import create_app
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.tables import audit_records_table as audit_t
from shared_data.settings import Settings
from tests.integration.test_quota import REDIS_URL, redis_reachable


def body(pin: str) -> dict[str, object]:
    return {
        "document_type": "KHAI_SINH",
        "subject": {"scheme": "PIN", "value": pin},
        "purpose": {"procedure_code": "P02"},
    }


def completed_reasons(settings: Settings) -> list[str | None]:
    engine = create_engine_for(settings.database_url)
    try:
        statement = (
            select(audit_t.c.reason).where(audit_t.c.state == "completed").order_by(audit_t.c.seq)
        )
        with engine.connect() as conn:
            return list(conn.execute(statement).scalars())
    finally:
        engine.dispose()


@pytest.fixture
def limited(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"rate_limit_per_minute": 60, "rate_limit_burst": 2, "distinct_subjects_per_hour": 2}
    )


@pytest.fixture
def limited_api(limited: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(limited), raise_server_exceptions=False) as client:
        yield client


def test_past_the_rate_limit_a_lookup_gets_429_with_retry_after_and_no_audit(
    limited_api: TestClient, auth: dict[str, str], limited: Settings
) -> None:
    statuses = [limited_api.post("/v1/lookups", json=body(THI), headers=auth) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    refused = statuses[2]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "quota_exceeded"
    assert int(refused.headers["retry-after"]) >= 1
    assert len(completed_reasons(limited)) == 2


def test_past_the_distinct_subject_ceiling_lookups_are_answered_but_flagged(
    settings: Settings, auth: dict[str, str]
) -> None:
    loose = settings.model_copy(update={"distinct_subjects_per_hour": 2})
    with TestClient(create_app(loose), raise_server_exceptions=False) as api:
        for pin in (THI, MAU, THI, THU, NOT_FOUND_PIN):
            assert api.post("/v1/lookups", json=body(pin), headers=auth).status_code == 200
        counter = api.app.state.services.access.quotas.stats  # type: ignore[attr-defined]
        assert counter.enumeration_flagged == 2
    flagged = "enumeration_suspected"
    assert completed_reasons(settings) == [None, None, None, flagged, flagged]


@pytest.fixture
async def shared_redis() -> str:
    reason = await redis_reachable()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return REDIS_URL


def test_with_redis_two_api_instances_share_one_rate_limit(
    limited: Settings, auth: dict[str, str], shared_redis: str
) -> None:
    shared = limited.model_copy(update={"quota_redis_url": shared_redis})
    with (
        TestClient(create_app(shared), raise_server_exceptions=False) as first,
        TestClient(create_app(shared), raise_server_exceptions=False) as second,
    ):
        statuses = [
            first.post("/v1/lookups", json=body(THI), headers=auth).status_code,
            second.post("/v1/lookups", json=body(THI), headers=auth).status_code,
            first.post("/v1/lookups", json=body(THI), headers=auth).status_code,
            second.post("/v1/lookups", json=body(THI), headers=auth).status_code,
        ]
    assert statuses == [200, 200, 429, 429]
