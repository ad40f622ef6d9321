"""Published results answer ordinary lookups: the store as an adapter, composed with the Kho's.

`ResultsStoreAdapter` implements the `RegistryAdapter` port in-process, over the store (no
HTTP). Which result is the document, when a subject has several of one type: **the latest
active result wins** (active ones first; among them the one issued last; ties broken by the
later publication). Only when none is active does the latest revoked or superseded one come
back, found but void (`voided_by` revoked / superseded), so the caller learns why it may not
be reused instead of being told there is no such paper.

`StoreFirstAdapter` is the explicit composition the bootstrap builds for the Kho's registry:
1. the store holds an active result -> that answer (the registry is not asked);
2. otherwise the registry's adapter is asked (`not_integrated` when there is none);
   its `found` wins (a permit issued in the Kho directly, say);
3. its authoritative `not_found` gives way to what the store knows: a void result (found,
   not reusable), or the store's own `unavailable` (it could not be read);
4. anything else (the registry unavailable) is the registry's answer: the Kho may hold an
   active document we cannot see, so a void local one must not stand in for it.
The store sits outside any cache around the registry: a revocation is visible at once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime

from shared_data.catalog.queries import accepted_schemes
from shared_data.domain import (
    Health,
    Outcome,
    RegistryAnswer,
    RegistryRecord,
    RegistryRequest,
    UnavailableReason,
)
from shared_data.ports import RegistryAdapter
from shared_data.results.model import PublishedResult, ResultStatus
from shared_data.results.service import ResultsService

log = logging.getLogger(__name__)

# As the core says for a registry without an adapter (lookup.NOT_INTEGRATED_RETRY_AFTER_S).
NOT_INTEGRATED_RETRY_AFTER_S = 3600.0


def utcnow() -> datetime:
    return datetime.now(UTC)


def winner(results: list[PublishedResult]) -> PublishedResult | None:
    """The latest active result, else the latest of the others (module docstring)."""
    if not results:
        return None
    return max(
        results,
        key=lambda r: (r.status is ResultStatus.ACTIVE, r.issued_on or date.min, r.published_at),
    )


def record_of(result: PublishedResult) -> RegistryRecord:
    void = None if result.status is ResultStatus.ACTIVE else result.status.value
    return RegistryRecord(
        record_id=result.result_id,
        fields=result.fields,
        issued_on=result.issued_on,
        valid_until=result.valid_until,
        status=result.status.value,
        voided_by=void,
    )


class ResultsStoreAdapter:
    """The results store behind the `RegistryAdapter` port, for the types it holds."""

    def __init__(self, results: ResultsService) -> None:
        self._results = results
        self.registry_id = results.registry
        self.document_types = results.document_types
        catalog = results.catalog
        self.schemes = frozenset(
            scheme for doc in self.document_types for scheme in accepted_schemes(catalog, doc)
        )

    async def lookup(self, request: RegistryRequest) -> RegistryAnswer:
        ref = self._results.ref(request.subject)
        try:
            found = await asyncio.to_thread(self._results.store.find, request.document_type, ref)
        except Exception:  # the store is a registry here: its failure is an answer
            log.exception("results store could not be read")
            return RegistryAnswer.unavailable(
                UnavailableReason.UPSTREAM_ERROR, utcnow(), detail="results store unavailable"
            )
        chosen = winner(found)
        if chosen is None:
            return RegistryAnswer.not_found(utcnow())
        return RegistryAnswer.found(record_of(chosen), utcnow())

    async def probe(self) -> Health:
        try:
            await asyncio.to_thread(self._results.store.ping)
            ok, detail = True, None
        except Exception:
            ok, detail = False, "results store unavailable"
        return Health(registry=self.registry_id, ok=ok, detail=detail, checked_at=utcnow())

    async def aclose(self) -> None:
        return None


class StoreFirstAdapter:
    """The results store first, then the registry's own adapter (module docstring)."""

    def __init__(self, store: ResultsStoreAdapter, registry: RegistryAdapter | None) -> None:
        self.store, self.registry = store, registry
        self.registry_id = store.registry_id
        own = registry.document_types if registry else frozenset()
        self.document_types = store.document_types | own
        self.schemes = store.schemes | (registry.schemes if registry else frozenset())

    async def lookup(self, request: RegistryRequest) -> RegistryAnswer:
        local = await self.store.lookup(request)
        if local.record is not None and local.record.status == ResultStatus.ACTIVE:
            return local
        remote = await self._ask_registry(request)
        if remote.outcome is Outcome.FOUND:
            return remote
        if remote.outcome is Outcome.NOT_FOUND and local.outcome is not Outcome.NOT_FOUND:
            return local
        return remote

    async def _ask_registry(self, request: RegistryRequest) -> RegistryAnswer:
        if self.registry is None:
            return RegistryAnswer.unavailable(
                UnavailableReason.NOT_INTEGRATED,
                utcnow(),
                detail=f"registry {self.registry_id} is not integrated yet",
                retry_after=NOT_INTEGRATED_RETRY_AFTER_S,
            )
        return await self.registry.lookup(request)

    async def probe(self) -> Health:
        """The registry's health (the store's is the database's, reported elsewhere)."""
        if self.registry is None:
            return await self.store.probe()
        return await self.registry.probe()

    async def aclose(self) -> None:
        if self.registry is not None:
            await self.registry.aclose()
