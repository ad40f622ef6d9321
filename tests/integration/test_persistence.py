"""Engines, migrations and the clients/API keys repository, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, String, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from shared_data.clients import Client, ClientRole
from shared_data.errors import AuthenticationError
from shared_data.persistence.db import create_engine_for, normalise_url
from shared_data.persistence.keys import generate_key
from shared_data.persistence.migrate import alembic_config, current_revision, downgrade, upgrade
from shared_data.persistence.repositories import ClientRepository
from shared_data.persistence.tables import Base, api_keys_table
from tests.dbutil import SEEDED_TIMES, fresh_database, postgres_base_url

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_TABLES = {"clients", "api_keys", "audit_records"}


class Clock:
    """A hand-set clock for expiry tests."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def schema_diff(engine: Engine, metadata: MetaData) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))


# --- engines ---------------------------------------------------------------------------


def test_bare_postgresql_urls_are_pointed_at_psycopg() -> None:
    for url in ("postgresql://u@h/db", "postgres://u@h/db", "postgresql+psycopg://u@h/db"):
        assert normalise_url(url).drivername == "postgresql+psycopg"
    assert normalise_url("postgresql://u@h/db?options=-cx%3Dy").query == {"options": "-cx=y"}


def test_sqlite_engine_creates_its_directory_and_sets_durability_pragmas(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path}/nested/dir/shared-data.db")
    try:
        with engine.connect() as conn:
            pragma = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar_one()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
    finally:
        engine.dispose()
    assert (tmp_path / "nested" / "dir" / "shared-data.db").exists()
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": 5000,
    }


def test_unsupported_backends_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        create_engine_for("mysql://u@h/db")


# --- migrations ------------------------------------------------------------------------


def head_revision() -> str:
    """The newest revision in migrations/ (a single head: the history never branches)."""
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads
    return heads[0]


def test_upgrade_head_creates_the_schema(upgraded_engine: tuple[str, Engine]) -> None:
    url, engine = upgraded_engine
    assert set(inspect(engine).get_table_names()) >= APP_TABLES
    assert current_revision(url) == head_revision()


def test_downgrade_to_base_and_upgrade_again(upgraded_engine: tuple[str, Engine]) -> None:
    url, engine = upgraded_engine
    downgrade(url, "base")
    assert current_revision(url) is None
    assert not APP_TABLES & set(inspect(engine).get_table_names())
    upgrade(url)
    assert set(inspect(engine).get_table_names()) >= APP_TABLES
    assert schema_diff(engine, Base.metadata) == []


def test_models_match_the_migrated_schema(upgraded_engine: tuple[str, Engine]) -> None:
    _, engine = upgraded_engine
    assert schema_diff(engine, Base.metadata) == []


def test_schema_comparison_notices_a_model_change(upgraded_engine: tuple[str, Engine]) -> None:
    _, engine = upgraded_engine
    changed = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["audit_records"].c.occurred_at.type = String(40)
    assert len(schema_diff(engine, changed)) == 1


def test_alembic_command_line_upgrades_the_configured_database(database_url: str) -> None:
    alembic = Path(sys.executable).with_name("alembic")
    env = {**os.environ, "SHARED_DATA_DATABASE_URL": database_url}
    subprocess.run(
        [str(alembic), "upgrade", "head"], cwd=REPO_ROOT, env=env, check=True, capture_output=True
    )
    assert current_revision(database_url) == head_revision()


def test_a_migrated_database_is_a_fresh_copy_of_the_migrations(
    upgraded_engine: tuple[str, Engine], migrated_engine: tuple[str, Engine]
) -> None:
    """`migrated_engine` (and `migrated_database`) is made from the session's one run of the
    migrations (tests/dbutil.py): the same revision, schema and rows as `upgrade head` on a
    fresh database, its clock readings (`SEEDED_TIMES`, the only ones stored) taken now."""
    (fresh_url, fresh), (copy_url, copy) = upgraded_engine, migrated_engine
    assert copy_url != fresh_url
    assert current_revision(copy_url) == current_revision(fresh_url) == head_revision()
    assert set(inspect(copy).get_table_names()) == set(inspect(fresh).get_table_names())
    assert schema_diff(copy, Base.metadata) == []
    seeded_times = set()
    for table in Base.metadata.sorted_tables:
        times = {c.name for c in table.columns if _python_type(c.type) is datetime}
        with fresh.connect() as conn:
            fresh_rows = [row._asdict() for row in conn.execute(select(table)).all()]
        with copy.connect() as conn:
            copy_rows = [row._asdict() for row in conn.execute(select(table)).all()]
        assert len(copy_rows) == len(fresh_rows), table.name
        for fresh_row, copy_row in zip(fresh_rows, copy_rows, strict=True):
            seeded_times |= {(table.name, name) for name in times}
            for name in times:
                assert abs(copy_row.pop(name) - fresh_row.pop(name)) < timedelta(seconds=10)
            assert copy_row == fresh_row, table.name
    assert seeded_times == set(SEEDED_TIMES), "a new clock reading: add it to SEEDED_TIMES"


def _python_type(column_type: object) -> type | None:
    """The Python type of a column type's values (a TypeDecorator's: its implementation's)."""
    try:
        return getattr(getattr(column_type, "impl_instance", column_type), "python_type", None)
    except NotImplementedError:
        return None


def test_foreign_keys_are_enforced(migrated_engine: tuple[str, Engine]) -> None:
    _, engine = migrated_engine
    row = {
        "id": "k1",
        "client_id": "nobody",
        "prefix": "abcdefgh",
        "key_hash": "0" * 64,
        "created_at": datetime.now(UTC),
    }
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(api_keys_table).values(row))


# --- clients and API keys --------------------------------------------------------------


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def clients(migrated_engine: tuple[str, Engine], clock: Clock) -> ClientRepository:
    return ClientRepository(migrated_engine[1], clock=clock)


@pytest.fixture
def backend_client(clients: ClientRepository) -> Client:
    return clients.create_client("ho-tich-backend", "Sở Tư pháp", ClientRole.PROCEDURE_BACKEND)


def assert_refused(clients: ClientRepository, key: str) -> None:
    with pytest.raises(AuthenticationError) as caught:
        clients.authenticate(key)
    assert caught.value.detail == "invalid or missing API key"


def test_an_issued_key_authenticates_its_client(
    clients: ClientRepository, backend_client: Client
) -> None:
    key, info = clients.issue_key(backend_client.id)
    assert key.startswith(f"sdk_{info.prefix}_") and len(key) >= 4 + 8 + 1 + 32
    assert clients.authenticate(key) == backend_client


def test_keys_are_not_stored_in_clear(
    migrated_engine: tuple[str, Engine], clients: ClientRepository, backend_client: Client
) -> None:
    key, _ = clients.issue_key(backend_client.id)
    secret = key.split("_", 2)[2]
    with migrated_engine[1].connect() as conn:
        stored = [str(value) for row in conn.execute(select(api_keys_table)) for value in row]
    assert not any(key in value or secret in value for value in stored)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "Bearer x",
        "sdk_short_secret",
        "sdk_ABCDEFGH_" + "x" * 43,
        "sdk_abcdefgh_" + "x" * 10,
        "sdk_abcdefgh_" + "é" * 43,
        "sdk_abcdefgh_" + "x" * 43 + "\n",
    ],
)
def test_malformed_keys_are_refused(clients: ClientRepository, key: str) -> None:
    assert_refused(clients, key)


def test_unknown_keys_are_refused(clients: ClientRepository, backend_client: Client) -> None:
    assert_refused(clients, generate_key().plaintext)


def test_a_known_prefix_with_the_wrong_secret_is_refused(
    clients: ClientRepository, backend_client: Client
) -> None:
    _, info = clients.issue_key(backend_client.id)
    assert_refused(clients, f"sdk_{info.prefix}_{'A' * 43}")


def test_expired_keys_are_refused(
    clients: ClientRepository, backend_client: Client, clock: Clock
) -> None:
    key, _ = clients.issue_key(backend_client.id, expires_at=clock.now + timedelta(days=1))
    assert clients.authenticate(key) == backend_client
    clock.now += timedelta(days=1)
    assert_refused(clients, key)


def test_revoked_keys_are_refused(clients: ClientRepository, backend_client: Client) -> None:
    key, info = clients.issue_key(backend_client.id)
    assert clients.revoke_key(info.prefix) is True
    assert clients.revoke_key(info.prefix) is False
    assert_refused(clients, key)


def test_keys_of_a_disabled_client_are_refused(
    clients: ClientRepository, backend_client: Client
) -> None:
    key, _ = clients.issue_key(backend_client.id)
    clients.disable_client(backend_client.id)
    assert_refused(clients, key)


def test_keys_cannot_be_issued_already_expired_or_to_nobody(
    clients: ClientRepository, backend_client: Client, clock: Clock
) -> None:
    with pytest.raises(ValueError, match="future"):
        clients.issue_key(backend_client.id, expires_at=clock.now)
    with pytest.raises(LookupError):
        clients.issue_key("no-such-client")


def test_rotation_retires_old_keys_after_the_grace_period(
    clients: ClientRepository, backend_client: Client, clock: Clock
) -> None:
    old, _ = clients.issue_key(backend_client.id)
    new, _ = clients.rotate(backend_client.id, grace=timedelta(hours=1))
    assert clients.authenticate(old) == clients.authenticate(new) == backend_client
    clock.now += timedelta(hours=1)
    assert_refused(clients, old)
    newest, _ = clients.rotate(backend_client.id)
    assert_refused(clients, new)
    assert clients.authenticate(newest) == backend_client


def test_last_use_is_recorded_at_most_once_per_interval(
    clients: ClientRepository, backend_client: Client, clock: Clock
) -> None:
    key, _ = clients.issue_key(backend_client.id)
    first_use = clock.now
    clients.authenticate(key)
    clock.now += timedelta(seconds=30)
    clients.authenticate(key)
    assert clients.list_keys(backend_client.id)[0].last_used_at == first_use
    clock.now += timedelta(minutes=1)
    clients.authenticate(key)
    assert clients.list_keys(backend_client.id)[0].last_used_at == clock.now


def test_client_names_are_unique_and_listed(
    clients: ClientRepository, backend_client: Client
) -> None:
    with pytest.raises(ValueError, match="already exists"):
        clients.create_client(backend_client.name, "x", ClientRole.OPS)
    ops = clients.create_client("ops-console", "Sở KH&CN", ClientRole.OPS)
    assert clients.list_clients() == [backend_client, ops]
    assert clients.find_client_by_name("ops-console") == ops
    assert clients.find_client_by_name("nobody") is None


def test_ensuring_a_demo_client_with_a_known_key_is_idempotent(
    clients: ClientRepository,
) -> None:
    demo_key = generate_key().plaintext
    first = clients.ensure_client_with_key("demo", ClientRole.PROCEDURE_BACKEND, "Demo", demo_key)
    again = clients.ensure_client_with_key("demo", ClientRole.PROCEDURE_BACKEND, "Demo", demo_key)
    assert first == again == clients.authenticate(demo_key)
    assert len(clients.list_clients()) == 1
    assert len(clients.list_keys(first.id)) == 1


def test_ensuring_a_key_whose_prefix_is_taken_fails(
    clients: ClientRepository, backend_client: Client
) -> None:
    _, info = clients.issue_key(backend_client.id)
    clash = f"sdk_{info.prefix}_{'B' * 43}"
    with pytest.raises(ValueError, match="prefix"):
        clients.ensure_client_with_key("demo", ClientRole.OPS, "Demo", clash)
    with pytest.raises(ValueError, match="format"):
        clients.ensure_client_with_key("demo", ClientRole.OPS, "Demo", "demo-key")


@pytest.mark.postgres
def test_each_postgresql_test_gets_a_schema_of_its_own_dropped_afterwards() -> None:
    with fresh_database("postgresql") as first, fresh_database("postgresql") as second:
        schemas = [_current_schema(url) for url in (first, second)]
    assert schemas[0] != schemas[1]
    assert all(schema.startswith("t_") for schema in schemas)
    engine = create_engine_for(postgres_base_url())
    try:
        with engine.connect() as conn:
            left = conn.execute(
                text("SELECT count(*) FROM pg_namespace WHERE nspname = ANY(:names)"),
                {"names": schemas},
            ).scalar_one()
    finally:
        engine.dispose()
    assert left == 0


def _current_schema(url: str) -> str:
    engine = create_engine_for(url)
    try:
        with engine.connect() as conn:
            schema: str = conn.execute(text("SELECT current_schema()")).scalar_one()
    finally:
        engine.dispose()
    return schema
