"""The service graph, built once per app from Settings (the bootstrap)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy import Engine

from adapters.registry import build_adapters
from lookup_api.auth import Authenticator
from shared_data.catalog import Catalog, load_catalog
from shared_data.lookup import LookupService
from shared_data.persistence.audit_log import GroupCommitAuditLog
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.repositories import ClientRepository
from shared_data.ports import RegistryAdapter
from shared_data.settings import Settings


@dataclass
class Services:
    settings: Settings
    catalog: Catalog
    engine: Engine
    clients: ClientRepository
    audit: GroupCommitAuditLog
    adapters: dict[str, RegistryAdapter]
    lookups: LookupService
    authenticator: Authenticator

    async def aclose(self) -> None:
        for adapter in self.adapters.values():
            await adapter.aclose()
        # Drain the audit queue before the engine goes: no row may be lost on shutdown.
        await self.audit.aclose()
        self.engine.dispose()


def build_services(
    settings: Settings, *, http_transport: httpx.AsyncBaseTransport | None = None
) -> Services:
    """Wire the real parts: catalog, database, audit log, adapters, lookup service."""
    catalog = load_catalog(settings.catalog_dir)
    engine = create_engine_for(settings.database_url)
    clients = ClientRepository(engine)
    audit = GroupCommitAuditLog(
        engine,
        subject_key=settings.audit_subject_key.get_secret_value().encode(),
        max_batch=settings.audit_max_batch,
        max_wait_ms=settings.audit_max_wait_ms,
    )
    audit.start()
    adapters = build_adapters(settings, catalog, http_transport=http_transport)
    return Services(
        settings=settings,
        catalog=catalog,
        engine=engine,
        clients=clients,
        audit=audit,
        adapters=adapters,
        lookups=LookupService(catalog, adapters, audit),
        authenticator=Authenticator(clients, settings.auth_cache_ttl_s),
    )
