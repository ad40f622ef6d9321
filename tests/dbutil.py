"""Throw-away databases for tests: a SQLite file or a fresh PostgreSQL schema, per test.

Usage from any test module: `from tests.dbutil import fresh_database, migrated_database`.
PostgreSQL comes from SHARED_DATA_TEST_DATABASE_URL (default: the local `test` database).
If it cannot be reached the PostgreSQL cases are skipped, except under CI where they fail.

`migrated_database` does not run the migrations for every test; they run once per session
(per process), and each test gets a database of its own made from that run:
- SQLite: `upgrade head` builds a template file; each test gets a copy of the file.
- PostgreSQL: `upgrade head --sql` (Alembic's offline mode) renders the migrations' SQL once;
  each test's fresh schema gets that script, run in one round trip. (A template database,
  `CREATE DATABASE ... TEMPLATE`, copies the whole catalog and was slower than the migrations.)
`test_a_migrated_database_is_a_fresh_copy_of_the_migrations` (tests/integration/
test_persistence.py) checks that both give what the migrations give; the tests of the migrations
themselves run them on a `fresh_database` (tests/conftest.py: `upgraded_engine`, `database_url`).
"""

from __future__ import annotations

import functools
import io
import os
import shutil
import sqlite3
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from shared_data.persistence.db import normalise_url
from shared_data.persistence.migrate import alembic_config, upgrade

BACKENDS = ("sqlite", "postgresql")
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# The clock readings the migrations store (0002 seeds the chain head at CURRENT_TIMESTAMP). A
# copy of the SQLite template gets them anew, as if migrated just now: it would otherwise carry
# the time the template was made, and a checkpoint interval would look long passed.
# `test_a_migrated_database_is_a_fresh_copy_of_the_migrations` checks that these are all.
SEEDED_TIMES = (("audit_chain_head", "checkpoint_at"),)


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
    """Yield the URL of a database of its own at the migrations' head, removed afterwards:
    a copy of the session's migrated SQLite file, or a fresh PostgreSQL schema the migrations'
    SQL (rendered once per session) has been run in."""
    require_backend(backend)
    if backend == "sqlite":
        with _sqlite_database(directory) as url:
            _copy_sqlite_template(Path(make_url(url).database or ""))
            yield url
    elif backend == "postgresql":
        script = _migrations.postgres_script()
        with _postgres_schema(script) as url:
            yield url
    else:
        raise ValueError(f"unknown backend {backend!r}")


def forget_migrations() -> None:
    """Remove what the session kept of the migrations (made again when next needed)."""
    _migrations.forget()


class _Migrations:
    """What the session keeps of the migrations, made on first use (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sqlite: Path | None = None
        self._postgres: str | None = None

    def sqlite_template(self) -> Path:
        """A SQLite file the migrations built (`upgrade head`)."""
        with self._lock:
            if self._sqlite is None:
                root = Path(tempfile.mkdtemp(prefix="shared-data-template-"))
                path = root / "template.db"
                upgrade(f"sqlite:///{path}")
                # Every connection is closed: the WAL was checkpointed into the file and
                # removed, so the file alone is the whole database.
                leftovers = sorted(p.name for p in root.iterdir() if p != path)
                assert not leftovers, f"the SQLite template is more than one file: {leftovers}"
                self._sqlite = path
            return self._sqlite

    def postgres_script(self) -> str:
        """The SQL of `alembic upgrade head --sql` for PostgreSQL: unqualified names, so it
        builds the schema first on the search_path; one transaction (BEGIN ... COMMIT)."""
        with self._lock:
            if self._postgres is None:
                rendered = io.StringIO()
                config = alembic_config(postgres_base_url())
                config.output_buffer = rendered
                command.upgrade(config, "head", sql=True)
                self._postgres = rendered.getvalue()
            return self._postgres

    def forget(self) -> None:
        with self._lock:
            if self._sqlite is not None:
                shutil.rmtree(self._sqlite.parent, ignore_errors=True)
            self._sqlite = self._postgres = None


_migrations = _Migrations()


def _copy_sqlite_template(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_migrations.sqlite_template(), path)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        # A test's copy is thrown away should the machine crash: no waiting for the disk.
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("BEGIN")
        for table, column in SEEDED_TIMES:
            connection.execute(f"UPDATE {table} SET {column} = CURRENT_TIMESTAMP")
        connection.execute("COMMIT")
    finally:
        connection.close()


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
def _postgres_schema(script: str | None = None) -> Iterator[str]:
    """A fresh schema (`script` run in it first, if given); its URL sets the search_path."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(postgres_base_url(), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            if script is not None:
                # psycopg's own execute: one round trip, and no placeholders looked for.
                driver = conn.connection.driver_connection
                assert driver is not None
                driver.execute(f'SET search_path TO "{schema}";\n{script}')
        url = make_url(postgres_base_url()).update_query_dict(
            {"options": f"-csearch_path={schema}"}
        )
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text("SET lock_timeout = '10s'"))
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
