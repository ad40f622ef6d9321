"""The app in-process (TestClient runs its lifespan), on a database built by the migrations,
talking to the registry simulators over real HTTP on loopback."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lookup_api.app import create_app
from shared_data.catalog import Catalog
from shared_data.grants import Grant
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.repositories import ClientRepository
from shared_data.persistence.tables import AuditRecordRow
from shared_data.settings import Settings
from tests.dbutil import migrated_database
from tests.grantutil import catalog_grants, give_grant, give_grants
from tests.simserver import SIM_TOKEN

TEST_SIGNING_KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture
def service_database_url(service_backend: str, tmp_path: Path) -> Iterator[str]:
    """The service database of API tests: SQLite, or PostgreSQL under `make test-postgres`."""
    with migrated_database(service_backend, tmp_path) as url:
        yield url


@pytest.fixture
def settings(service_database_url: str, simulator_url: str) -> Settings:
    return Settings(
        database_url=service_database_url,
        simulator_url=simulator_url,
        simulator_token=SIM_TOKEN,  # type: ignore[arg-type]
        auth_cache_ttl_s=0,
        grants_cache_ttl_s=0,
        # No background probes: tests here count the simulators' requests (tests of the
        # probes run their own simulators and turn them on).
        probe_interval_s=0,
        # A fixed test key (base64 of 32 raw bytes): PostgreSQL refuses to start without one.
        audit_signing_key=TEST_SIGNING_KEY,  # type: ignore[arg-type]
    )


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def test_client_id(settings: Settings, catalog: Catalog) -> str:
    """Id of `test-backend`, a procedure backend granted (all catalog fields) every document
    type each procedure needs, plus KHAI_SINH for P02, which these tests look up."""
    engine = create_engine_for(settings.database_url)
    try:
        repo = ClientRepository(engine)
        client = repo.create_client("test-backend", "UBND Phường Mẫu Một", "procedure_backend")
        give_grants(settings.database_url, client.id, catalog_grants(catalog))
        give_grant(settings.database_url, catalog, client.id, "P02", "KHAI_SINH")
        return client.id
    finally:
        engine.dispose()


@pytest.fixture
def api_key(settings: Settings, test_client_id: str) -> str:
    engine = create_engine_for(settings.database_url)
    try:
        plaintext, _ = ClientRepository(engine).issue_key(test_client_id)
        return plaintext
    finally:
        engine.dispose()


@pytest.fixture
def grant(settings: Settings, catalog: Catalog) -> Callable[..., Grant]:
    """`grant(client_id, procedure, document_type, fields=None)`: give one more grant."""

    def give(
        client_id: str, procedure: str, document_type: str, fields: list[str] | None = None
    ) -> Grant:
        return give_grant(
            settings.database_url, catalog, client_id, procedure, document_type, fields
        )

    return give


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
