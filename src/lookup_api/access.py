"""Access control's part of the service graph: grants, quotas, the citizen access log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from shared_data.access_log import AccessLogService
from shared_data.grants import GrantPolicy
from shared_data.persistence.access_log_repository import AccessLogRepository
from shared_data.persistence.grants_repository import GrantRepository
from shared_data.ports import AuditLog
from shared_data.quotas import InMemoryQuotas, QuotaLimits, Quotas
from shared_data.settings import Settings


@dataclass
class AccessControl:
    """Who may ask what, how often, and who asked about whom."""

    grants: GrantRepository
    policy: GrantPolicy
    quotas: Quotas
    access_log: AccessLogService
    access_log_store: AccessLogRepository

    async def aclose(self) -> None:
        await self.quotas.aclose()


def build_quotas(settings: Settings) -> Quotas:
    """Redis-backed quotas when `quota_redis_url` is set (several processes), else in memory."""
    limits = QuotaLimits(
        per_minute=settings.rate_limit_per_minute,
        burst=settings.rate_limit_burst,
        distinct_subjects_per_hour=settings.distinct_subjects_per_hour,
    )
    subject_key = settings.audit_subject_key.get_secret_value()
    if settings.quota_redis_url:
        from shared_data.persistence.quota_redis import RedisQuotas

        return RedisQuotas(settings.quota_redis_url, limits, subject_key)
    return InMemoryQuotas(limits, subject_key)


def build_access_control(settings: Settings, engine: Engine, audit: AuditLog) -> AccessControl:
    """Wire the SQL stores, the cached grant policy, the quotas and the access log."""
    grants = GrantRepository(engine)
    store = AccessLogRepository(engine, settings.audit_subject_key.get_secret_value())
    return AccessControl(
        grants=grants,
        policy=GrantPolicy(grants, settings.grants_cache_ttl_s),
        quotas=build_quotas(settings),
        access_log=AccessLogService(store, audit),
        access_log_store=store,
    )
