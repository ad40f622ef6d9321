"""Throw-away databases for tests: a SQLite file or a fresh PostgreSQL schema, per test.

Usage from any test module: `from tests.dbutil import fresh_database, migrated_database`.
PostgreSQL comes from SHARED_DATA_TEST_DATABASE_URL (default: the local `test` database).
If it cannot be reached the PostgreSQL cases are skipped, except under CI where they fail.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from shared_data.persistence.db import normalise_url
from shared_data.persistence.migrate import upgrade

BACKENDS = ("sqlite", "postgresql")
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_base_url() -> str:
    """The PostgreSQL database the tests create their schemas in."""
    url = os.environ.get("SHARED_DATA_TEST_DATABASE_URL", DEFAULT_POSTGRES_URL)
    return normalise_url(url).render_as_string(hide_password=False)


@functools.cache
def postgres_unreachable_reason() -> str | None:
    """Why PostgreSQL cannot be used (None when it can); probed once per session."""
    engine = create_engine(
        postgres_base_url(), poolclass=NullPool, connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return f"PostgreSQL at {make_url(postgres_base_url())!r} unreachable: {exc}"
    finally:
        engine.dispose()
    return None


def require_backend(backend: str) -> None:
    """Skip (locally) or fail (when CI is set) if the backend cannot be reached."""
    if backend != "postgresql":
        return
    reason = postgres_unreachable_reason()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@contextmanager
def fresh_database(backend: str, directory: Path | None = None) -> Iterator[str]:
    """Yield the URL of an empty database of this backend, removed afterwards."""
    require_backend(backend)
    if backend == "sqlite":
        with _sqlite_database(directory) as url:
            yield url
    elif backend == "postgresql":
        with _postgres_schema() as url:
            yield url
    else:
        raise ValueError(f"unknown backend {backend!r}")


@contextmanager
def migrated_database(backend: str, directory: Path | None = None) -> Iterator[str]:
    """Yield the URL of a fresh database built by the real migrations (`upgrade head`)."""
    with fresh_database(backend, directory) as url:
        upgrade(url)
        yield url


@contextmanager
def _sqlite_database(directory: Path | None) -> Iterator[str]:
    owned = directory is None
    root = Path(tempfile.mkdtemp(prefix="shared-data-")) if directory is None else directory
    # A sub-directory that does not exist yet: the engine must create it.
    path = root / f"db-{uuid.uuid4().hex[:8]}" / "shared-data.db"
    try:
        yield f"sqlite:///{path}"
    finally:
        if owned:
            shutil.rmtree(root, ignore_errors=True)


@contextmanager
def _postgres_schema() -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(postgres_base_url(), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(postgres_base_url()).update_query_dict(
            {"options": f"-csearch_path={schema}"}
        )
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text("SET lock_timeout = '10s'"))
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
