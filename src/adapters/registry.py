"""Explicit registration: which adapter serves which registry, built from settings.

One function, one table (`ADAPTER_FACTORIES`); no entry points, metaclasses or import side
effects. Registries of the catalog without a factory here are simply absent from the result:
the core answers `unavailable` / `not_integrated` for them.

Per registry, built once at start-up and kept for the process's life: one `ResilientCaller`
(breaker, retry budget, bulkhead, counters) from `settings.resilience_for(id)`, one transport,
one adapter, and a `CachingAdapter` around it with the catalog's cache policies of that
registry's document types. All registries share one cache store of `settings.cache_maxsize`
entries, so the bound holds for the process. `runtime_of(adapters)` gives each registry's
counters and states to whoever reports on them (status page, metrics).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from adapters.base import HttpRegistryAdapter
from adapters.bhxh import client as bhxh_client
from adapters.bhxh.adapter import BhxhAdapter
from adapters.caching import CachingAdapter, new_store
from adapters.clients import RegistryClient, build_transport
from adapters.datdai import client as datdai_client
from adapters.datdai.adapter import DatdaiAdapter
from adapters.declarative.adapter import declarative_factories
from adapters.dkdn import client as dkdn_client
from adapters.dkdn.adapter import DkdnAdapter
from adapters.dkxe import client as dkxe_client
from adapters.dkxe.adapter import DkxeAdapter
from adapters.gplx import client as gplx_client
from adapters.gplx.adapter import GplxAdapter
from adapters.hn_kho import client as hn_kho_client
from adapters.hn_kho.adapter import HnKhoAdapter
from adapters.hotich import client as hotich_client
from adapters.hotich.adapter import HotichAdapter
from adapters.lltp import client as lltp_client
from adapters.lltp.adapter import LltpAdapter
from adapters.population import client as population_client
from adapters.population.adapter import CutruAdapter, DancuAdapter
from adapters.resilience import BreakerState, ResilientCaller
from adapters.thue import client as thue_client
from adapters.thue.adapter import ThueAdapter
from adapters.transport import RegistryTransport, network_transport
from adapters.yte import client as yte_client
from adapters.yte.adapter import YteAdapter
from shared_data.catalog import Catalog
from shared_data.ports import RegistryAdapter
from shared_data.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Connection:
    """What a factory needs to reach one registry."""

    registry_id: str
    base_url: str
    token: str
    read_timeout_s: float
    caller: ResilientCaller
    http: httpx.AsyncBaseTransport | None = None

    def transport(self, client: RegistryClient) -> RegistryTransport:
        """The registry's transport, authenticated as its client module declares."""
        return build_transport(
            self.registry_id, client, self.base_url, self.token,
            read_timeout_s=self.read_timeout_s, transport=self.http, caller=self.caller,
        )  # fmt: skip


AdapterFactory = Callable[[Connection], HttpRegistryAdapter]

# BHXH, THUE and HN_KHO take no credential header: the token is the key their `Signer` (HN_KHO:
# the adapter) signs every request with.
ADAPTER_FACTORIES: dict[str, AdapterFactory] = {
    "DANCU": lambda c: DancuAdapter(c.transport(population_client)),
    "CUTRU": lambda c: CutruAdapter(c.transport(population_client)),
    "HOTICH": lambda c: HotichAdapter(c.transport(hotich_client)),
    "DKDN": lambda c: DkdnAdapter(c.transport(dkdn_client)),
    "HN_KHO": lambda c: HnKhoAdapter(c.transport(hn_kho_client), c.token),
    "THUE": lambda c: ThueAdapter(c.transport(thue_client), thue_client.Signer(c.token)),
    "GPLX": lambda c: GplxAdapter(c.transport(gplx_client)),
    "DKXE": lambda c: DkxeAdapter(c.transport(dkxe_client)),
    "YTE": lambda c: YteAdapter(c.transport(yte_client)),
    "BHXH": lambda c: BhxhAdapter(c.transport(bhxh_client), bhxh_client.Signer(c.token)),
    "DATDAI": lambda c: DatdaiAdapter(c.transport(datdai_client)),
    "LLTP": lambda c: LltpAdapter(c.transport(lltp_client)),
}


@dataclass
class AdapterRuntime:
    """One registry's live resilience state and counters, for ops and tests (read only)."""

    registry_id: str
    caller: ResilientCaller
    cache: CachingAdapter | None
    # "closed->open": how many times, since start-up.
    transitions: Counter[str] = field(default_factory=Counter)

    def record_transition(self, old: BreakerState, new: BreakerState) -> None:
        self.transitions[f"{old.value}->{new.value}"] += 1
        level = logging.WARNING if new is BreakerState.OPEN else logging.INFO
        log.log(level, "registry %s: circuit %s -> %s", self.registry_id, old.value, new.value)

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready view: breaker, bulkhead, retry budget, call and cache counters."""
        breaker, bulkhead = self.caller.breaker, self.caller.bulkhead
        calls, failures = breaker.window_counts()
        firsts, retries = self.caller.budget.counts()
        return {
            "breaker": {
                "state": breaker.state.value,
                "retry_after_s": breaker.retry_after(),
                "window_calls": calls,
                "window_failures": failures,
                "transitions": dict(self.transitions),
            },
            "bulkhead": {"in_use": bulkhead.in_use, "max": bulkhead.max_concurrent},
            "retry_budget": {"first_attempts": firsts, "retries": retries},
            "calls": vars(self.caller.stats).copy(),
            "cache": None if self.cache is None else {
                **vars(self.cache.stats), "by_outcome": dict(self.cache.stats.by_outcome),
                "size": self.cache.size,
            },
        }  # fmt: skip


class AdapterSet(dict[str, RegistryAdapter]):
    """`{registry_id: adapter}` as before, plus each registry's `runtime`."""

    def __init__(self) -> None:
        super().__init__()
        self.runtime: dict[str, AdapterRuntime] = {}


def runtime_of(adapters: Mapping[str, RegistryAdapter]) -> dict[str, AdapterRuntime]:
    """Each registry's runtime, for adapters built by `build_adapters` (else empty)."""
    runtime: dict[str, AdapterRuntime] = getattr(adapters, "runtime", {})
    return runtime


def build_adapters(
    settings: Settings,
    catalog: Catalog,
    *,
    http_transport: httpx.AsyncBaseTransport | None = None,
) -> AdapterSet:
    """`{registry_id: adapter}` for every catalog registry that has an adapter and is enabled.

    Base URL: `settings.registry_base_url(id)` (the bundled simulator unless configured).
    Credential: the registry's own `api_key`, else the simulators' shared token.
    `http_transport` replaces the network for every adapter (tests: MockTransport, ASGI app).
    `settings.cache_maxsize == 0` leaves the cache out.
    """
    adapters = AdapterSet()
    store = new_store(settings.cache_maxsize) if settings.cache_maxsize > 0 else None
    # Registries configured declaratively (VBCC, ASXH, ...): their files are read and checked
    # against the catalog here, at start-up, and never at import.
    declared = declarative_factories(settings, catalog, frozenset(ADAPTER_FACTORIES))
    factories: dict[str, AdapterFactory] = {**ADAPTER_FACTORIES, **declared}
    for registry_id, factory in factories.items():
        config = settings.registry(registry_id)
        if registry_id not in catalog.registries or not config.enabled:
            continue
        caller = ResilientCaller(settings.resilience_for(registry_id), name=registry_id)
        secret = config.api_key or settings.simulator_token
        connection = Connection(
            registry_id,
            settings.registry_base_url(registry_id),
            secret.get_secret_value(),
            config.read_timeout_s,
            caller,
            http_transport or network_transport(settings.http_transport),
        )
        adapter: RegistryAdapter = factory(connection)
        cache = None
        if store is not None:
            policies = {
                doc.id: doc.cache
                for doc in catalog.document_types.values()
                if doc.registry == registry_id
            }
            adapter = cache = CachingAdapter(adapter, policies, store=store)
        runtime = AdapterRuntime(registry_id, caller, cache)
        caller.breaker.add_listener(runtime.record_transition)
        adapters[registry_id] = adapter
        adapters.runtime[registry_id] = runtime
    return adapters
