"""The service graph, built once per app from Settings (the bootstrap)."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from sqlalchemy import Engine

from adapters.monitoring import HealthBoard, watch_adapters
from adapters.probing import Prober
from adapters.registry import build_adapters
from lookup_api.access import AccessControl, build_access_control
from lookup_api.auth import Authenticator
from lookup_api.telemetry import MeteredLookupService, Telemetry, TimedAuditLog
from shared_data.catalog import Catalog, load_catalog
from shared_data.lookup import LookupService
from shared_data.persistence.audit_log import GroupCommitAuditLog
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.pending_repository import SqlPendingLookups
from shared_data.persistence.repositories import ClientRepository
from shared_data.persistence.results_repository import ResultRepository
from shared_data.ports import RegistryAdapter
from shared_data.results.adapter import ResultsStoreAdapter, StoreFirstAdapter
from shared_data.results.sealing import Sealer
from shared_data.results.service import GrantPublicationGate, ResultsService
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
    # Operations (docs/OPERATIONS.md): adapter health, background probes, counters.
    health: HealthBoard | None = None
    prober: Prober | None = None
    telemetry: Telemetry = field(default_factory=Telemetry)
    # Grants, quotas and the citizen access log (lookup_api/access.py).
    access: AccessControl | None = None
    # The electronic results store (POST /v1/results), also answering lookups of its types.
    results: ResultsService | None = None

    async def aclose(self) -> None:
        if self.prober is not None:
            await self.prober.stop()
        for adapter in self.adapters.values():
            await adapter.aclose()
        # Drain the audit queue before the engine goes: no row may be lost on shutdown.
        await self.audit.aclose()
        if self.access is not None:
            await self.access.aclose()
        self.engine.dispose()


def build_services(
    settings: Settings,
    *,
    http_transport: httpx.AsyncBaseTransport | None = None,
    telemetry: Telemetry | None = None,
) -> Services:
    """Wire the real parts: catalog, database, audit log, adapters, lookup service."""
    catalog = load_catalog(settings.catalog_dir)
    engine = create_engine_for(settings.database_url)
    clients = ClientRepository(engine)
    audit = GroupCommitAuditLog.from_settings(engine, settings)
    audit.start()
    adapters = build_adapters(settings, catalog, http_transport=http_transport)
    # Outside each cache: every lookup's outcome and latency, cache hits included.
    health = watch_adapters(adapters, window_s=settings.health_window_s, thresholds=settings.health)
    telemetry = telemetry or Telemetry()
    access = build_access_control(settings, engine, audit)
    results = build_results(settings, catalog, engine, audit, access, adapters)
    return Services(
        settings=settings,
        catalog=catalog,
        engine=engine,
        clients=clients,
        audit=audit,
        adapters=adapters,
        lookups=MeteredLookupService(
            catalog,
            adapters,
            TimedAuditLog(audit, telemetry.audit_writes),
            grants=access.policy,
            quotas=access.quotas,
            # Pending answers (LLTP) wait here to be collected: GET /v1/lookups/{id}.
            pending=SqlPendingLookups(engine, settings.audit_subject_key.get_secret_value()),
            counter=telemetry.lookups,
        ),
        authenticator=Authenticator(clients, settings.auth_cache_ttl_s),
        health=health,
        prober=Prober(
            adapters,
            health.monitors,
            interval_s=settings.probe_interval_s,
            timeout_s=settings.probe_timeout_s,
        )
        if settings.probe_interval_s > 0
        else None,
        telemetry=telemetry,
        access=access,
        results=results,
    )


def build_results(
    settings: Settings,
    catalog: Catalog,
    engine: Engine,
    audit: GroupCommitAuditLog,
    access: AccessControl,
    adapters: dict[str, RegistryAdapter],
) -> ResultsService:
    """The results store, and its explicit composition with the Kho's adapter: lookups of the
    types it holds ask the store first, then the Kho (shared_data/results/adapter.py)."""
    sealer = Sealer(settings.results_key.get_secret_value().encode())
    gate = GrantPublicationGate(access.policy)
    results = ResultsService(catalog, ResultRepository(engine, sealer), sealer, audit, gate)
    # After the health monitor wrapped the Kho's adapter: its health stays the Kho's own.
    kho = adapters.get(results.registry)
    adapters[results.registry] = StoreFirstAdapter(ResultsStoreAdapter(results), kho)
    return results
