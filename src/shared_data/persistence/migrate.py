"""Run the Alembic migrations programmatically (the app, the CLI and the tests use this)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from shared_data.persistence.db import create_engine_for

# The repository's migrations/ directory (src/shared_data/persistence/ -> repository root).
MIGRATIONS_DIR = Path(__file__).resolve().parents[3] / "migrations"


def alembic_config(database_url: str) -> Config:
    """Build an Alembic config for the repository's migrations and one database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolates '%': escape it (URLs carry %-encoded query arguments).
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database up to `revision`."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    """Migrate the database down to `revision`."""
    command.downgrade(alembic_config(database_url), revision)


def current_revision(database_url: str) -> str | None:
    """Return the revision the database is at, or None if it was never migrated."""
    engine = create_engine_for(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
