"""SQLAlchemy 2 models. Alembic migrations are the schema's only source; these must match them.

tests/integration/test_persistence.py compares this metadata with the migrated database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
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
    UniqueConstraint,
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


AUDIT_STATES = ("pending", "completed", "abandoned")
CHECKPOINT_KINDS = ("checkpoint", "anchor")


class AuditRecordRow(Base):
    """One audit event of a lookup (pending, completed or abandoned), a link of the hash chain.

    The subject is kept only as a keyed HMAC. Rows are appended, never updated (audit_chain.py).
    """

    __tablename__ = "audit_records"
    __table_args__ = (
        UniqueConstraint("lookup_id", "state"),
        CheckConstraint(f"state IN {AUDIT_STATES!r}", name="state"),
        Index("ix_audit_records_occurred_at", "occurred_at"),
        Index("ix_audit_records_subject_ref_occurred_at", "subject_ref", "occurred_at"),
        Index("ix_audit_records_client_id_occurred_at", "client_id", "occurred_at"),
    )

    # SQLite only autoincrements an INTEGER PRIMARY KEY (the rowid alias), not a BIGINT.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    lookup_id: Mapped[str] = mapped_column(String(64))
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
    # A pending or abandoned lookup has no outcome.
    outcome: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text())
    digest: Mapped[str | None] = mapped_column(Text())
    request_id: Mapped[str | None] = mapped_column(Text())
    # The event: the state the lookup enters with this row.
    state: Mapped[str] = mapped_column(String(16), server_default="completed")
    # The chain. NULL only on rows written before migration 0002, which could not be chained
    # (audit_chain_head.legacy_max_id bounds them); verify_chain flags any other NULL.
    seq: Mapped[int | None] = mapped_column(BigInteger(), unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditChainHeadRow(Base):
    """The chain's one head row: its lock serialises appends across processes."""

    __tablename__ = "audit_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger())
    hash: Mapped[str] = mapped_column(String(64))
    checkpoint_seq: Mapped[int] = mapped_column(BigInteger())
    # When the last checkpoint was signed (at first: when the chain was created).
    checkpoint_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Every pending event at or below this seq has been completed or abandoned.
    swept_seq: Mapped[int] = mapped_column(BigInteger())
    legacy_max_id: Mapped[int] = mapped_column(BigInteger())


class AuditCheckpointRow(Base):
    """A signed (seq, hash): a checkpoint of the chain, or the anchor left by a purge."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (CheckConstraint(f"kind IN {CHECKPOINT_KINDS!r}", name="kind"),)

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger(), primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(Text())


class ClientRoleRow(Base):
    """A role a client holds; `clients.role` (its first role) is always among them."""

    __tablename__ = "client_roles"
    __table_args__ = (CheckConstraint(f"role IN {ROLE_VALUES!r}", name="role"),)

    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class GrantRow(Base):
    """A client's right to look up one document type for one procedure (grants.py)."""

    __tablename__ = "grants"
    __table_args__ = (Index("ix_grants_client_id", "client_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id"))
    procedure_code: Mapped[str] = mapped_column(String(64))
    # A catalog document type id, or "*": any document type the procedure needs.
    document_type: Mapped[str] = mapped_column(String(64))
    # JSON list of field paths (`members.full_name` for nested fields).
    allowed_fields: Mapped[list[str]] = mapped_column(JSON())
    legal_basis: Mapped[str] = mapped_column(Text())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AuditEmbargoRow(Base):
    """Audit records withheld from the citizen access log until a date (an investigation).

    Scope: every non-NULL field of subject_ref, lookup_id, dossier_id, client_id must match.
    """

    __tablename__ = "audit_embargoes"
    __table_args__ = (
        CheckConstraint(
            "subject_ref IS NOT NULL OR lookup_id IS NOT NULL "
            "OR dossier_id IS NOT NULL OR client_id IS NOT NULL",
            name="scoped",
        ),
        Index("ix_audit_embargoes_subject_ref", "subject_ref"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_ref: Mapped[str | None] = mapped_column(String(64))
    lookup_id: Mapped[str | None] = mapped_column(String(64))
    dossier_id: Mapped[str | None] = mapped_column(Text())
    client_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text())
    until_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    lifted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class PendingLookupRow(Base):
    """A lookup its registry answers later (LLTP), kept until its client collects it.

    The subject is never stored in clear: a keyed reference (as in the audit log) and a sealed
    copy that only the service can open to ask the registry again (pending_repository.py).
    """

    __tablename__ = "pending_lookups"
    __table_args__ = (Index("ix_pending_lookups_client_id_created_at", "client_id", "created_at"),)

    lookup_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    # Attribute renamed: `registry` is taken by DeclarativeBase; the column keeps its name.
    registry_id: Mapped[str] = mapped_column("registry", String(64))
    document_type: Mapped[str] = mapped_column(String(64))
    # The registry's reference to redeem; its format is the registry's.
    ticket: Mapped[str] = mapped_column(Text())
    subject_scheme: Mapped[str] = mapped_column(String(32))
    subject_ref: Mapped[str] = mapped_column(String(64))
    subject_sealed: Mapped[str] = mapped_column(Text())
    procedure_code: Mapped[str] = mapped_column(String(64))
    dossier_id: Mapped[str | None] = mapped_column(Text())
    legal_basis: Mapped[str | None] = mapped_column(Text())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The first final outcome a collect got (found, not_found), and when.
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str | None] = mapped_column(String(32))


clients_table: Table = Base.metadata.tables["clients"]
api_keys_table: Table = Base.metadata.tables["api_keys"]
audit_records_table: Table = Base.metadata.tables["audit_records"]
audit_chain_head_table: Table = Base.metadata.tables["audit_chain_head"]
audit_checkpoints_table: Table = Base.metadata.tables["audit_checkpoints"]
client_roles_table: Table = Base.metadata.tables["client_roles"]
grants_table: Table = Base.metadata.tables["grants"]
audit_embargoes_table: Table = Base.metadata.tables["audit_embargoes"]
pending_lookups_table: Table = Base.metadata.tables["pending_lookups"]


RESULT_STATUSES = ("active", "revoked", "superseded")


class ResultRow(Base):
    """An electronic result published by a procedure backend (shared_data.results).

    Personal data is sealed: `payload` is the AES-GCM ciphertext of the fields and dossier id
    (see results/sealing.py for why); the rest is what lookups sort and filter on.
    """

    __tablename__ = "results"
    __table_args__ = (
        CheckConstraint(f"status IN {RESULT_STATUSES!r}", name="status"),
        Index("ix_results_client_id", "client_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    document_type: Mapped[str] = mapped_column(String(64))
    procedure_code: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id"))
    status: Mapped[str] = mapped_column(String(16))
    issued_on: Mapped[date] = mapped_column(Date())
    valid_until: Mapped[date | None] = mapped_column(Date())
    published_at: Mapped[datetime] = mapped_column(UtcDateTime())
    document_uri: Mapped[str] = mapped_column(Text())
    digest: Mapped[str] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(Text())
    # Which key sealed `payload` and the subjects (for key rotation).
    key_id: Mapped[str] = mapped_column(String(32))
    supersedes: Mapped[str | None] = mapped_column(ForeignKey("results.id"))
    superseded_by: Mapped[str | None] = mapped_column(String(64))
    superseded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revocation_reason: Mapped[str | None] = mapped_column(Text())


class ResultSubjectRow(Base):
    """Whom a result is about: the keyed index of the identifier and its ciphertext, never
    the identifier itself (results/sealing.py)."""

    __tablename__ = "result_subjects"
    __table_args__ = (Index("ix_result_subjects_subject_ref", "subject_ref"),)

    result_id: Mapped[str] = mapped_column(ForeignKey("results.id"), primary_key=True)
    subject_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The scheme as the publisher named it (ENTERPRISE_CODE, PIN, DOSSIER_NO, ...).
    scheme: Mapped[str] = mapped_column(String(32))
    sealed_value: Mapped[str] = mapped_column(Text())


results_table: Table = Base.metadata.tables["results"]
result_subjects_table: Table = Base.metadata.tables["result_subjects"]
