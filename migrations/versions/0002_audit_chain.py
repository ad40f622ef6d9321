"""Tamper-evident audit: append-only events in a hash chain, its head, signed checkpoints.

Revision ID: 0002_audit_chain
Revises: 0001_initial
Create Date: 2026-03-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_audit_chain"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

# Written by hand; keep in step with shared_data/persistence/tables.py (a test compares them).
# Migrations are frozen in time: literals here, never imports from the application.
# op.f(): these names are final; the naming convention must not prefix them again.
STATES = "('pending', 'completed', 'abandoned')"
KINDS = "('checkpoint', 'anchor')"
GENESIS = "0" * 64


def upgrade() -> None:
    # Batch mode: SQLite rebuilds the table (it cannot drop constraints); PostgreSQL ALTERs.
    with op.batch_alter_table("audit_records") as batch:
        batch.drop_constraint("uq_audit_records_lookup_id", type_="unique")
        batch.create_unique_constraint("uq_audit_records_lookup_id_state", ["lookup_id", "state"])
        batch.create_check_constraint(op.f("ck_audit_records_state"), f"state IN {STATES}")
        batch.alter_column("outcome", existing_type=sa.String(32), nullable=True)
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_audit_records_seq", ["seq"])
    _create_chain_head()
    _create_checkpoints()


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_chain_head")
    # Only completions fit the old one-row-per-lookup shape; the other events are dropped.
    op.execute(sa.text("DELETE FROM audit_records WHERE state <> 'completed'"))
    with op.batch_alter_table("audit_records") as batch:
        batch.drop_constraint("uq_audit_records_seq", type_="unique")
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("seq")
        batch.alter_column("outcome", existing_type=sa.String(32), nullable=False)
        batch.drop_constraint(op.f("ck_audit_records_state"), type_="check")
        batch.drop_constraint("uq_audit_records_lookup_id_state", type_="unique")
        batch.create_unique_constraint("uq_audit_records_lookup_id", ["lookup_id"])


def _create_chain_head() -> None:
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("checkpoint_seq", sa.BigInteger(), nullable=False),
        sa.Column("checkpoint_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("swept_seq", sa.BigInteger(), nullable=False),
        sa.Column("legacy_max_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_chain_head"),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_chain_head_single_row")),
    )
    # Rows already there cannot be chained by a frozen migration: remember where they end.
    op.execute(
        sa.text(
            "INSERT INTO audit_chain_head "
            "(id, seq, hash, checkpoint_seq, checkpoint_at, swept_seq, legacy_max_id) "
            f"SELECT 1, 0, '{GENESIS}', 0, CURRENT_TIMESTAMP, 0, COALESCE(MAX(id), 0) "
            "FROM audit_records"
        )
    )


def _create_checkpoints() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "seq", name="pk_audit_checkpoints"),
        sa.CheckConstraint(f"kind IN {KINDS}", name=op.f("ck_audit_checkpoints_kind")),
    )
