"""Helpers of the loopback tests (civil status, business, tax, licence, vehicle, health, diploma
and poverty-list registries): the registered adapters (`build_adapters`) against a running
simulator server (a module's `regs = registries_fixture(IDS)`; `stopped_after_probes` for
outages), and the catalog's validity applied to what comes back."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Collection, Iterable
from contextlib import asynccontextmanager
from datetime import date

import pytest
from pydantic import SecretStr

from adapters.registry import build_adapters
from adapters.simulators.world import World
from shared_data.catalog import load_catalog
from shared_data.domain import (
    Outcome,
    RegistryAnswer,
    RegistryRecord,
    RegistryRequest,
    Subject,
    UnavailableReason,
)
from shared_data.ports import RegistryAdapter
from shared_data.settings import Settings
from shared_data.validity import evaluate
from tests.simserver import SimulatorServer, running_simulators

# Loading and cross-checking the catalog is not free: once per process.
catalog = functools.cache(load_catalog)


class Registries:
    """The adapters of some registries, reached over loopback HTTP."""

    def __init__(self, adapters: dict[str, RegistryAdapter]) -> None:
        self.adapters = adapters

    async def ask(
        self, document_type: str, scheme: str, value: str, **qualifiers: str
    ) -> RegistryAnswer:
        registry = catalog().document_types[document_type].registry
        request = RegistryRequest(
            lookup_id=f"loopback-{document_type}-{value}",
            registry=registry,
            document_type=document_type,
            subject=Subject(scheme=scheme, value=value),
            qualifiers={s: Subject(scheme=s, value=v) for s, v in qualifiers.items()},
        )
        answer: RegistryAnswer = await self.adapters[registry].lookup(request)
        return answer

    async def found(
        self, document_type: str, scheme: str, value: str, **qualifiers: str
    ) -> RegistryRecord:
        answer = await self.ask(document_type, scheme, value, **qualifiers)
        assert answer.outcome is Outcome.FOUND and answer.record is not None, answer
        return answer.record

    async def outcome(self, document_type: str, scheme: str, value: str, **q: str) -> Outcome:
        return (await self.ask(document_type, scheme, value, **q)).outcome

    async def all_unavailable(self, lookups: Iterable[tuple[str, str, str]]) -> None:
        """Each (document type, scheme, value) is unavailable for an upstream error."""
        for document_type, scheme, value in lookups:
            answer = await self.ask(document_type, scheme, value)
            assert answer.outcome is Outcome.UNAVAILABLE, answer
            assert answer.reason is UnavailableReason.UPSTREAM_ERROR


def reusable(document_type: str, record: RegistryRecord, on: date) -> bool:
    """The catalog's validity rule for `document_type`, applied on `on`."""
    return evaluate(catalog().document_types[document_type].validity, record, on).reusable


@asynccontextmanager
async def registries(
    server: SimulatorServer, token: str, ids: Iterable[str]
) -> AsyncIterator[Registries]:
    """The registered adapters of `ids`, uncached (an answer must come from the registry)."""
    settings = Settings(
        simulator_url=server.base_url, simulator_token=SecretStr(token), cache_maxsize=0
    )
    built = build_adapters(settings, catalog())
    try:
        yield Registries({registry: built[registry] for registry in ids})
    finally:
        for adapter in built.values():
            await adapter.aclose()


def registries_fixture(ids: Collection[str]) -> Callable[..., AsyncIterator[Registries]]:
    """A module's `regs` fixture: the registries of `ids` over the session's simulators."""

    @pytest.fixture
    async def regs(simulators: SimulatorServer, sim_token: str) -> AsyncIterator[Registries]:
        async with registries(simulators, sim_token, ids) as built:
            yield built

    return regs


@asynccontextmanager
async def stopped_after_probes(
    world: World, token: str, ids: Collection[str]
) -> AsyncIterator[Registries]:
    """The registries of `ids` over a server of their own, whose probes pass; then it stops."""
    with running_simulators(world, token) as server:
        async with registries(server, token, ids) as regs:
            for registry in ids:
                assert (await regs.adapters[registry].probe()).ok, registry
            server.stop()
            yield regs
