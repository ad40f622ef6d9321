"""Alembic environment: the URL comes from the config, else from the service's settings."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from shared_data.persistence.db import create_engine_for, is_sqlite
from shared_data.persistence.tables import Base
from shared_data.settings import Settings

target_metadata = Base.metadata

if context.config.config_file_name is not None:  # the `alembic` command line, not the app
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)


def _database_url() -> str:
    """Prefer the config's URL (programmatic runs); else SHARED_DATA_DATABASE_URL / Settings."""
    configured = context.config.get_main_option("sqlalchemy.url")
    return configured or Settings().database_url


def _configure(connection: Connection) -> None:
    sqlite = is_sqlite(connection.engine.url)
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds tables for later migrations.
        render_as_batch=sqlite,
        # Our SQLite engines emit a real BEGIN (persistence/db.py), so DDL can be atomic too.
        transactional_ddl=True if sqlite else None,
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it (`alembic upgrade head --sql`)."""
    url = _database_url()
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on a connection: a caller's own, or one from a fresh engine."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine_for(_database_url())
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
