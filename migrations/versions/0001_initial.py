"""Initial schema: clients, API keys, audit records.

Revision ID: 0001_initial
Revises:
Create Date: 2026-03-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

# Written by hand; keep in step with shared_data/persistence/tables.py (a test compares them).
# Migrations are frozen in time: literals here, never imports from the application.
ROLES = "('procedure_backend', 'citizen_portal', 'ops', 'admin')"


def upgrade() -> None:
    _create_clients()
    _create_api_keys()
    _create_audit_records()


def downgrade() -> None:
    op.drop_table("audit_records")
    op.drop_table("api_keys")
    op.drop_table("clients")


def _create_clients() -> None:
    op.create_table(
        "clients",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("agency", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_clients"),
        sa.UniqueConstraint("name", name="uq_clients_name"),
        sa.CheckConstraint(f"role IN {ROLES}", name="ck_clients_role"),
    )


def _create_api_keys() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name="fk_api_keys_client_id_clients"
        ),
        sa.UniqueConstraint("prefix", name="uq_api_keys_prefix"),
    )
    op.create_index("ix_api_keys_client_id", "api_keys", ["client_id"])


def _create_audit_records() -> None:
    op.create_table(
        "audit_records",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("lookup_id", sa.String(64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("procedure_code", sa.String(64), nullable=False),
        sa.Column("dossier_id", sa.Text(), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("document_type", sa.String(64), nullable=False),
        sa.Column("registry", sa.String(64), nullable=False),
        sa.Column("subject_scheme", sa.String(32), nullable=False),
        sa.Column("subject_ref", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("digest", sa.Text(), nullable=True),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("state", sa.String(16), server_default="completed", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_records"),
        sa.UniqueConstraint("lookup_id", name="uq_audit_records_lookup_id"),
    )
    op.create_index("ix_audit_records_occurred_at", "audit_records", ["occurred_at"])
    op.create_index(
        "ix_audit_records_subject_ref_occurred_at", "audit_records", ["subject_ref", "occurred_at"]
    )
    op.create_index(
        "ix_audit_records_client_id_occurred_at", "audit_records", ["client_id", "occurred_at"]
    )
