"""SQLAlchemy 2 models. Alembic migrations are the schema's only source; these must match them.

tests/integration/test_persistence.py compares this metadata with the migrated database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared_data.clients import ClientRole

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLE_VALUES = tuple(role.value for role in ClientRole)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored in UTC and always read back as aware UTC.

    SQLite keeps no offset, so values are converted to UTC before they are written.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Reject naive datetimes and store everything in UTC."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return aware UTC datetimes whatever the backend gives back."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


class Base(DeclarativeBase):
    """Declarative base carrying the constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ClientRow(Base):
    """A caller of the API (procedure backend, citizen portal, ops, admin)."""

    __tablename__ = "clients"
    __table_args__ = (CheckConstraint(f"role IN {ROLE_VALUES!r}", name="role"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    agency: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ApiKeyRow(Base):
    """One API key of a client: only a SHA-256 of the key is kept, never the key."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_client_id", "client_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id"))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AuditRecordRow(Base):
    """One lookup, whatever its outcome; the subject is kept only as a keyed HMAC."""

    __tablename__ = "audit_records"
    __table_args__ = (
        Index("ix_audit_records_occurred_at", "occurred_at"),
        Index("ix_audit_records_subject_ref_occurred_at", "subject_ref", "occurred_at"),
        Index("ix_audit_records_client_id_occurred_at", "client_id", "occurred_at"),
    )

    # SQLite only autoincrements an INTEGER PRIMARY KEY (the rowid alias), not a BIGINT.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    lookup_id: Mapped[str] = mapped_column(String(64), unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    client_id: Mapped[str] = mapped_column(String(64))
    procedure_code: Mapped[str] = mapped_column(String(64))
    # Caller-supplied free text is TEXT: an over-long value must never make the audit fail.
    dossier_id: Mapped[str | None] = mapped_column(Text())
    legal_basis: Mapped[str | None] = mapped_column(Text())
    document_type: Mapped[str] = mapped_column(String(64))
    # Attribute renamed: `registry` is taken by DeclarativeBase; the column keeps its name.
    registry_id: Mapped[str] = mapped_column("registry", String(64))
    subject_scheme: Mapped[str] = mapped_column(String(32))
    subject_ref: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text())
    digest: Mapped[str | None] = mapped_column(Text())
    request_id: Mapped[str | None] = mapped_column(Text())
    # Room for the hash chain's pending -> completed life cycle; every row is completed today.
    state: Mapped[str] = mapped_column(String(16), server_default="completed")


clients_table: Table = Base.metadata.tables["clients"]
api_keys_table: Table = Base.metadata.tables["api_keys"]
audit_records_table: Table = Base.metadata.tables["audit_records"]
