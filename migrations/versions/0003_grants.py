"""Access control: several roles per client, grants, embargoes on the citizen access log.

Revision ID: 0003_grants
Revises: 0002_audit_chain
Create Date: 2026-03-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_grants"
down_revision = "0002_audit_chain"
branch_labels = None
depends_on = None

# Written by hand; keep in step with shared_data/persistence/tables.py (a test compares them).
# Migrations are frozen in time: literals here, never imports from the application.
ROLES = "('procedure_backend', 'citizen_portal', 'ops', 'admin')"
EMBARGO_SCOPED = (
    "subject_ref IS NOT NULL OR lookup_id IS NOT NULL "
    "OR dossier_id IS NOT NULL OR client_id IS NOT NULL"
)


def upgrade() -> None:
    _create_client_roles()
    _create_grants()
    _create_audit_embargoes()


def downgrade() -> None:
    op.drop_table("audit_embargoes")
    op.drop_index("ix_grants_client_id", table_name="grants")
    op.drop_table("grants")
    op.drop_table("client_roles")


def _create_client_roles() -> None:
    op.create_table(
        "client_roles",
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "role", name="pk_client_roles"),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name="fk_client_roles_client_id_clients"
        ),
        sa.CheckConstraint(f"role IN {ROLES}", name="ck_client_roles_role"),
    )
    # Every existing client keeps the one role it had.
    op.execute(sa.text("INSERT INTO client_roles (client_id, role) SELECT id, role FROM clients"))


def _create_grants() -> None:
    op.create_table(
        "grants",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("procedure_code", sa.String(64), nullable=False),
        sa.Column("document_type", sa.String(64), nullable=False),
        sa.Column("allowed_fields", sa.JSON(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_grants"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name="fk_grants_client_id_clients"),
    )
    op.create_index("ix_grants_client_id", "grants", ["client_id"])


def _create_audit_embargoes() -> None:
    op.create_table(
        "audit_embargoes",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("subject_ref", sa.String(64), nullable=True),
        sa.Column("lookup_id", sa.String(64), nullable=True),
        sa.Column("dossier_id", sa.Text(), nullable=True),
        sa.Column("client_id", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("until_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_embargoes"),
        sa.CheckConstraint(EMBARGO_SCOPED, name="ck_audit_embargoes_scoped"),
    )
    op.create_index("ix_audit_embargoes_subject_ref", "audit_embargoes", ["subject_ref"])
