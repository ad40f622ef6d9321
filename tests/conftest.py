"""Shared database fixtures: every DB test runs on SQLite and on PostgreSQL.

Sub-directories add their own fixtures in their own conftest.py; the helpers behind these
fixtures live in tests/dbutil.py for reuse.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from adapters.simulators.world import World
from shared_data.catalog import Catalog, load_catalog
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.migrate import upgrade
from tests import simserver
from tests.dbutil import forget_migrations, fresh_database, migrated_database
from tests.simserver import SimulatorServer, running_simulators

SERVICE_BACKEND_VARIABLE = "SHARED_DATA_TEST_BACKEND"


@pytest.fixture(scope="session")
def service_backend() -> str:
    """The database the service runs on in the tests that run it: "sqlite", or "postgresql"
    under `make test-postgres` (SHARED_DATA_TEST_BACKEND). Read here only: the tests using
    this fixture are the ones marked `service_backend`, which `make test-postgres` runs."""
    return os.environ.get(SERVICE_BACKEND_VARIABLE, "sqlite")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `service_backend` the tests whose outcome depends on SHARED_DATA_TEST_BACKEND."""
    for item in items:
        if "service_backend" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.service_backend)


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def db_backend(request: pytest.FixtureRequest) -> str:
    """The database backend of this test case: "sqlite" or "postgresql"."""
    backend: str = request.param
    return backend


@pytest.fixture
def database_url(db_backend: str, tmp_path: Path) -> Iterator[str]:
    """URL of an empty database (SQLite file, or a PostgreSQL schema of its own)."""
    with fresh_database(db_backend, tmp_path) as url:
        yield url


@pytest.fixture
def migrated_engine(db_backend: str, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """(url, engine) of a database of its own at the migrations' head (made from the session's
    one run of the migrations: tests/dbutil.py)."""
    with migrated_database(db_backend, tmp_path) as url:
        engine = create_engine_for(url)
        try:
            yield url, engine
        finally:
            engine.dispose()


@pytest.fixture
def upgraded_engine(database_url: str) -> Iterator[tuple[str, Engine]]:
    """(url, engine) of an empty database the migrations were just run on (`upgrade head`),
    for the tests of the migrations themselves."""
    upgrade(database_url)
    engine = create_engine_for(database_url)
    try:
        yield database_url, engine
    finally:
        engine.dispose()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Remove the session's migrated SQLite template (tests/dbutil.py)."""
    forget_migrations()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The bundled catalog, loaded once (parsing and cross-checking it is not free)."""
    return load_catalog()


@pytest.fixture(scope="session")
def sim_world() -> World:
    return simserver.small_world()


@pytest.fixture(scope="session")
def sim_token() -> str:
    return simserver.SIM_TOKEN


@pytest.fixture(scope="session")
def simulators(sim_world: World, sim_token: str) -> Iterator[SimulatorServer]:
    """Every registry simulator under one real uvicorn server on 127.0.0.1 (session-wide)."""
    with running_simulators(sim_world, sim_token) as server:
        yield server


@pytest.fixture(scope="session")
def simulator_url(simulators: SimulatorServer) -> str:
    return simulators.base_url
