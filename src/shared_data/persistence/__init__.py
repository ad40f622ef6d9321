"""SQL persistence: engines, models, migrations, repositories and the group-commit audit log."""

from shared_data.persistence.audit_chain import export_checkpoints
from shared_data.persistence.audit_log import AuditLogStats, GroupCommitAuditLog
from shared_data.persistence.audit_repository import AuditRecord, AuditRepository
from shared_data.persistence.audit_retention import PurgeReport, purge_older_than
from shared_data.persistence.audit_verify import Finding, Problem, VerifyReport, verify_chain
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.migrate import upgrade
from shared_data.persistence.repositories import ClientRepository

__all__ = [
    "AuditLogStats",
    "AuditRecord",
    "AuditRepository",
    "ClientRepository",
    "Finding",
    "GroupCommitAuditLog",
    "Problem",
    "PurgeReport",
    "VerifyReport",
    "create_engine_for",
    "export_checkpoints",
    "purge_older_than",
    "upgrade",
    "verify_chain",
]
