"""The app in-process (TestClient runs its lifespan), on a database built by the migrations,
talking to the registry simulators over real HTTP on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lookup_api.app import create_app
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.repositories import ClientRepository
from shared_data.persistence.tables import AuditRecordRow
from shared_data.settings import Settings
from tests.dbutil import migrated_database
from tests.simserver import SIM_TOKEN


def service_backend() -> str:
    """The service database of API tests: SQLite, or PostgreSQL under `make test-postgres`."""
    return os.environ.get("SHARED_DATA_TEST_BACKEND", "sqlite")


@pytest.fixture
def service_database_url(tmp_path: Path) -> Iterator[str]:
    with migrated_database(service_backend(), tmp_path) as url:
        yield url


@pytest.fixture
def settings(service_database_url: str, simulator_url: str) -> Settings:
    return Settings(
        database_url=service_database_url,
        simulator_url=simulator_url,
        simulator_token=SIM_TOKEN,  # type: ignore[arg-type]
        auth_cache_ttl_s=0,
    )


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def api_key(settings: Settings) -> str:
    engine = create_engine_for(settings.database_url)
    try:
        repo = ClientRepository(engine)
        client = repo.create_client("test-backend", "UBND Phường Mẫu Một", "procedure_backend")
        plaintext, _ = repo.issue_key(client.id)
        return plaintext
    finally:
        engine.dispose()


@pytest.fixture
def auth(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


@pytest.fixture
def audit_count(settings: Settings) -> Iterator[object]:
    engine = create_engine_for(settings.database_url)

    def count() -> int:
        """Completed lookups in the audit log (each also has its pending event)."""
        completed = select(func.count()).where(AuditRecordRow.state == "completed")
        with engine.connect() as conn:
            return int(conn.execute(completed).scalar_one())

    yield count
    engine.dispose()
