"""`build_adapters`: explicit registration of one adapter per integrated registry."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from adapters.registry import ADAPTER_FACTORIES, build_adapters
from shared_data.catalog import Catalog, load_catalog
from shared_data.domain import Outcome, RegistryRequest, Subject
from shared_data.ports import RegistryAdapter
from shared_data.settings import RegistrySettings, Settings


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _captured(sent: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)  # not retriable: one request per lookup

    return httpx.MockTransport(handler)


async def _close(adapters: dict[str, RegistryAdapter]) -> None:
    for adapter in adapters.values():
        await adapter.aclose()


async def test_each_registry_with_an_adapter_gets_exactly_one(catalog: Catalog) -> None:
    adapters = build_adapters(Settings(), catalog, http_transport=_captured([]))
    try:
        # Every registry of the catalog: by code (ADAPTER_FACTORIES) or by configuration.
        assert set(adapters) == set(catalog.registries)
        for registry_id, adapter in adapters.items():
            assert isinstance(adapter, RegistryAdapter)
            assert adapter.registry_id == registry_id
    finally:
        await _close(adapters)


async def test_adapters_cover_every_document_type_of_their_registry(catalog: Catalog) -> None:
    adapters = build_adapters(Settings(), catalog, http_transport=_captured([]))
    try:
        for registry_id, adapter in adapters.items():
            own = {d.id for d in catalog.document_types.values() if d.registry == registry_id}
            assert adapter.document_types == own, registry_id
    finally:
        await _close(adapters)


def test_registries_without_an_adapter_are_absent(catalog: Catalog) -> None:
    missing = set(catalog.registries) - set(ADAPTER_FACTORIES)
    assert {"VBCC", "ASXH"} <= missing  # no code adapter: served by configuration
    assert set(ADAPTER_FACTORIES) <= set(catalog.registries)


async def test_disabled_registry_is_left_out(catalog: Catalog) -> None:
    settings = Settings(registries={"CUTRU": RegistrySettings(enabled=False)})
    adapters = build_adapters(settings, catalog, http_transport=_captured([]))
    try:
        assert "CUTRU" not in adapters and "DANCU" in adapters
    finally:
        await _close(adapters)


def _ask(registry: str, document_type: str) -> RegistryRequest:
    return RegistryRequest(
        lookup_id="lk-1", registry=registry, document_type=document_type,
        subject=Subject(scheme="PIN", value="001090912345"),
    )  # fmt: skip


async def test_base_url_and_credential_come_from_settings(catalog: Catalog) -> None:
    settings = Settings(
        simulator_url="http://sim.local:9000/",
        simulator_token=SecretStr("shared-sim-token"),
        registries={
            "DANCU": RegistrySettings(
                base_url="https://dancu.example/gw/", api_key=SecretStr("dancu-key")
            )
        },
    )
    sent: list[httpx.Request] = []
    adapters = build_adapters(settings, catalog, http_transport=_captured(sent))
    try:
        for registry, document_type in (("DANCU", "CCCD"), ("CUTRU", "CT07")):
            answer = await adapters[registry].lookup(_ask(registry, document_type))
            assert answer.outcome is Outcome.UNAVAILABLE
    finally:
        await _close(adapters)
    dancu, cutru = sent
    assert str(dancu.url).startswith("https://dancu.example/gw/api/v1/")
    assert dancu.headers["X-Api-Key"] == "dancu-key"
    assert str(cutru.url).startswith("http://sim.local:9000/cutru/api/v1/")
    assert cutru.headers["X-Api-Key"] == "shared-sim-token"
