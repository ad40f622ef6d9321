"""Pending lookups: registries that answer later (LLTP), collected by GET /v1/lookups/{id}.

Revision ID: 0004_pending_lookups
Revises: 0003_grants
Create Date: 2026-03-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_pending_lookups"
down_revision = "0003_grants"
branch_labels = None
depends_on = None

# Written by hand; keep in step with shared_data/persistence/tables.py (a test compares them).
# Migrations are frozen in time: literals here, never imports from the application.


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pending_lookups",
        sa.Column("lookup_id", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("registry", sa.String(64), nullable=False),
        sa.Column("document_type", sa.String(64), nullable=False),
        sa.Column("ticket", sa.Text(), nullable=False),
        sa.Column("subject_scheme", sa.String(32), nullable=False),
        sa.Column("subject_ref", sa.String(64), nullable=False),
        sa.Column("subject_sealed", sa.Text(), nullable=False),
        sa.Column("procedure_code", sa.String(64), nullable=False),
        sa.Column("dossier_id", sa.Text(), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("completed_at", _utc(), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("lookup_id", name="pk_pending_lookups"),
    )
    op.create_index(
        "ix_pending_lookups_client_id_created_at",
        "pending_lookups",
        ["client_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_pending_lookups_client_id_created_at", table_name="pending_lookups")
    op.drop_table("pending_lookups")
