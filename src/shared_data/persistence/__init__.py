"""SQL persistence: engines, models, migrations, repositories and the group-commit audit log."""

from shared_data.persistence.audit_log import AuditLogStats, GroupCommitAuditLog
from shared_data.persistence.audit_repository import AuditRecord, AuditRepository
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.migrate import upgrade
from shared_data.persistence.repositories import ClientRepository

__all__ = [
    "AuditLogStats",
    "AuditRecord",
    "AuditRepository",
    "ClientRepository",
    "GroupCommitAuditLog",
    "create_engine_for",
    "upgrade",
]
