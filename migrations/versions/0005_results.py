"""Electronic results store: published results and the subjects they are about.

Revision ID: 0005_results
Revises: 0004_pending_lookups
Create Date: 2026-03-30

Subjects are stored as a keyed index (HMAC) and ciphertext, never in clear; a result's fields
and dossier id travel in the sealed `payload` (see shared_data/results/sealing.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_results"
down_revision = "0004_pending_lookups"
branch_labels = None
depends_on = None

# Written by hand; keep in step with shared_data/persistence/tables.py (a test compares them).
# Migrations are frozen in time: literals here, never imports from the application.
STATUSES = "('active', 'revoked', 'superseded')"


def upgrade() -> None:
    op.create_table(
        "results",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("document_type", sa.String(64), nullable=False),
        sa.Column("procedure_code", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document_uri", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("supersedes", sa.String(64), nullable=True),
        sa.Column("superseded_by", sa.String(64), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_results"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name="fk_results_client_id_clients"),
        sa.ForeignKeyConstraint(
            ["supersedes"], ["results.id"], name="fk_results_supersedes_results"
        ),
        sa.CheckConstraint(f"status IN {STATUSES}", name="ck_results_status"),
    )
    op.create_index("ix_results_client_id", "results", ["client_id"])
    op.create_table(
        "result_subjects",
        sa.Column("result_id", sa.String(64), nullable=False),
        sa.Column("subject_ref", sa.String(64), nullable=False),
        sa.Column("scheme", sa.String(32), nullable=False),
        sa.Column("sealed_value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("result_id", "subject_ref", name="pk_result_subjects"),
        sa.ForeignKeyConstraint(
            ["result_id"], ["results.id"], name="fk_result_subjects_result_id_results"
        ),
    )
    op.create_index("ix_result_subjects_subject_ref", "result_subjects", ["subject_ref"])


def downgrade() -> None:
    op.drop_index("ix_result_subjects_subject_ref", table_name="result_subjects")
    op.drop_table("result_subjects")
    op.drop_index("ix_results_client_id", table_name="results")
    op.drop_table("results")
