"""Explicit registration: which adapter serves which registry, built from settings.

One function, one table (`ADAPTER_FACTORIES`); no entry points, metaclasses or import side
effects. Registries of the catalog without a factory here are simply absent from the result:
the core answers `unavailable` / `not_integrated` for them.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from adapters.base import HttpRegistryAdapter
from adapters.dkdn import client as dkdn_client
from adapters.dkdn.adapter import DkdnAdapter
from adapters.hotich import client as hotich_client
from adapters.hotich.adapter import HotichAdapter
from adapters.population import client as population_client
from adapters.population.adapter import CutruAdapter, DancuAdapter
from shared_data.catalog import Catalog
from shared_data.ports import RegistryAdapter
from shared_data.settings import Settings

# (base_url, token, read_timeout_s, http_transport) -> adapter. Each registry authenticates in
# its own way, so its client module builds the transport (headers included).
AdapterFactory = Callable[[str, str, float, httpx.AsyncBaseTransport | None], HttpRegistryAdapter]


def _dancu(
    url: str, token: str, timeout: float, http: httpx.AsyncBaseTransport | None
) -> DancuAdapter:
    return DancuAdapter(
        population_client.build_transport(
            "DANCU", url, token, read_timeout_s=timeout, transport=http
        )
    )


def _cutru(
    url: str, token: str, timeout: float, http: httpx.AsyncBaseTransport | None
) -> CutruAdapter:
    return CutruAdapter(
        population_client.build_transport(
            "CUTRU", url, token, read_timeout_s=timeout, transport=http
        )
    )


def _hotich(
    url: str, token: str, timeout: float, http: httpx.AsyncBaseTransport | None
) -> HotichAdapter:
    return HotichAdapter(
        hotich_client.build_transport(url, token, read_timeout_s=timeout, transport=http)
    )


def _dkdn(
    url: str, token: str, timeout: float, http: httpx.AsyncBaseTransport | None
) -> DkdnAdapter:
    return DkdnAdapter(
        dkdn_client.build_transport(url, token, read_timeout_s=timeout, transport=http)
    )


ADAPTER_FACTORIES: dict[str, AdapterFactory] = {
    "DANCU": _dancu,
    "CUTRU": _cutru,
    "HOTICH": _hotich,
    "DKDN": _dkdn,
}


def build_adapters(
    settings: Settings,
    catalog: Catalog,
    *,
    http_transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, RegistryAdapter]:
    """`{registry_id: adapter}` for every catalog registry that has an adapter and is enabled.

    Base URL: `settings.registry_base_url(id)` (the bundled simulator unless configured).
    Credential: the registry's own `api_key`, else the simulators' shared token.
    `http_transport` replaces the network for every adapter (tests: MockTransport, ASGI app).
    """
    adapters: dict[str, RegistryAdapter] = {}
    for registry_id, factory in ADAPTER_FACTORIES.items():
        config = settings.registry(registry_id)
        if registry_id not in catalog.registries or not config.enabled:
            continue
        secret = config.api_key or settings.simulator_token
        adapters[registry_id] = factory(
            settings.registry_base_url(registry_id),
            secret.get_secret_value(),
            config.read_timeout_s,
            http_transport,
        )
    return adapters
