"""A caching `RegistryAdapter` that wraps any other, driven by the catalog's cache policies.

Semantics, per document type (`CachePolicy` in the catalog):
- `found` answers are fresh for `ttl_seconds`; `ttl_seconds == 0` means never cached, always
  asked live. Unknown document types are never cached either.
- `not_found` answers are cached for `negative_ttl_seconds` (0 = not cached).
- `unavailable` and `pending` answers (malformed ones included) are never cached.
- stale-if-error, only where `stale_if_error_seconds > 0`: a found answer is kept for
  ttl + that window; once no longer fresh it is not served on its own, but when the live
  lookup comes back `unavailable` it is served instead, as long as it is younger than
  ttl + window. Never a stale `not_found`: an outage must not become "no such paper".
- Every answer not fetched for this lookup (hit or stale) is a copy flagged
  `served_from_cache=True` with `age_seconds`, so provenance can say live=False.
- Single-flight: concurrent lookups with the same key share one upstream call (one task per
  key). A waiter that is cancelled leaves the shared call running for the others; the call
  is shielded, removed from the in-flight table when done, and its exception always
  retrieved. The shared call is made with the first caller's request (its lookup id);
  auditing stays per lookup in the core.
- The key is (document type, subject scheme, subject value, sorted qualifiers), never less.
- Memory: one cachetools `TLRUCache` with `maxsize` entries in all, LRU-evicted. TLRUCache is
  the TTLCache sibling with a per-entry time-to-use, which gives each document type its own
  TTL under one global bound (a TTLCache per type would bound each type separately). Several
  CachingAdapters may share one store (`new_store`): the bound then holds for all registries
  together, and a busy registry may use the room a quiet one leaves (keys name the registry).
  HOUSE_STYLE: no `@cached` on async functions; the cache is used by hand here.
Single event loop: cache and in-flight table are touched without awaits in between.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cachetools import TLRUCache

from shared_data.catalog.models import CachePolicy
from shared_data.domain import Health, Outcome, RegistryAnswer, RegistryRequest
from shared_data.pending import collect_from
from shared_data.ports import RegistryAdapter

CacheKey = tuple[Hashable, ...]
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class _Entry:
    answer: RegistryAnswer
    stored_at: float
    fresh_until: float
    keep_until: float


@dataclass
class CacheStats:
    """Counters for tests and metrics."""

    hits: int = 0
    misses: int = 0
    stale_served: int = 0
    coalesced: int = 0
    upstream_calls: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)


CacheStore = TLRUCache[CacheKey, _Entry]


def new_store(maxsize: int, clock: Clock = time.monotonic) -> CacheStore:
    """A bounded answer store, to share between the CachingAdapters of several registries."""
    return TLRUCache(maxsize, ttu=_keep_until, timer=clock)


def cache_key(request: RegistryRequest) -> CacheKey:
    """Everything that makes two lookups the same question, and nothing else."""
    qualifiers = tuple(sorted((name, q.scheme, q.value) for name, q in request.qualifiers.items()))
    return (
        request.registry,
        request.document_type,
        request.subject.scheme,
        request.subject.value,
        qualifiers,
    )


class CachingAdapter:
    """Implements the `RegistryAdapter` port around `inner` (see the module docstring)."""

    def __init__(
        self,
        inner: RegistryAdapter,
        policies: Mapping[str, CachePolicy],
        *,
        maxsize: int = 10_000,
        clock: Clock = time.monotonic,
        store: CacheStore | None = None,
    ) -> None:
        """`store`, when given (made by `new_store` with the same clock), replaces a store of
        `maxsize` entries of this adapter's own."""
        self.inner = inner
        self.stats = CacheStats()
        self._policies = dict(policies)
        self._clock = clock
        self._cache = store if store is not None else new_store(maxsize, clock)
        self._inflight: dict[CacheKey, asyncio.Task[RegistryAnswer]] = {}

    @property
    def registry_id(self) -> str:
        return self.inner.registry_id

    @property
    def document_types(self) -> frozenset[str]:
        return self.inner.document_types

    @property
    def schemes(self) -> frozenset[str]:
        return self.inner.schemes

    @property
    def size(self) -> int:
        """This registry's entries held now (expired ones may linger until the next write)."""
        return sum(1 for key in self._cache if key[0] == self.registry_id)

    def peek(self, request: RegistryRequest) -> RegistryAnswer | None:
        """The fresh cached answer, counted as a hit, or None (the `CachePeek` port): lets the
        core audit a cache hit with one record, since no registry is asked."""
        now = self._clock()
        entry = self._cache.get(cache_key(request))
        if entry is None or now >= entry.fresh_until:
            return None
        self.stats.hits += 1
        return _flagged(entry.answer, now - entry.stored_at)

    async def lookup(self, request: RegistryRequest) -> RegistryAnswer:
        """A fresh cached answer, or one shared live lookup, or a stale one on error."""
        key = cache_key(request)
        now = self._clock()
        entry = self._cache.get(key)
        if entry is not None and now < entry.fresh_until:
            self.stats.hits += 1
            return _flagged(entry.answer, now - entry.stored_at)
        self.stats.misses += 1
        answer = await self._shared_fetch(key, request)
        if answer.outcome is Outcome.UNAVAILABLE:
            return self._stale_or(key, answer)
        return answer

    async def collect(self, request: RegistryRequest, ticket: str) -> RegistryAnswer:
        """Pending answers are never cached: collecting one always asks the registry."""
        return await collect_from(self.inner, request, ticket)

    async def probe(self) -> Health:
        return await self.inner.probe()

    async def aclose(self) -> None:
        """Cancel shared calls still in flight, then close the wrapped adapter."""
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.inner.aclose()

    def clear(self) -> None:
        """Drop this registry's entries (others sharing the store keep theirs)."""
        for key in [key for key in self._cache if key[0] == self.registry_id]:
            self._cache.pop(key, None)

    async def _shared_fetch(self, key: CacheKey, request: RegistryRequest) -> RegistryAnswer:
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch(key, request))
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))
        else:
            self.stats.coalesced += 1
        # shield: cancelling this waiter must not cancel the call the others wait for.
        return await asyncio.shield(task)

    async def _fetch(self, key: CacheKey, request: RegistryRequest) -> RegistryAnswer:
        self.stats.upstream_calls += 1
        answer = await self.inner.lookup(request)
        outcome = answer.outcome.value
        self.stats.by_outcome[outcome] = self.stats.by_outcome.get(outcome, 0) + 1
        self._store(key, request.document_type, answer)
        return answer

    def _forget(self, key: CacheKey, task: asyncio.Task[RegistryAnswer]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()  # mark retrieved: no "exception was never retrieved" warnings

    def _store(self, key: CacheKey, document_type: str, answer: RegistryAnswer) -> None:
        """Cache a registry answer per its type's policy; unavailable/pending never."""
        policy = self._policies.get(document_type)
        if policy is None or policy.ttl_seconds <= 0:
            return
        if answer.outcome not in (Outcome.FOUND, Outcome.NOT_FOUND):
            return  # leave any older good answer in place for stale-if-error
        now = self._clock()
        if answer.outcome is Outcome.FOUND:
            fresh = now + policy.ttl_seconds
            keep = fresh + max(0, policy.stale_if_error_seconds)
        elif policy.negative_ttl_seconds > 0:
            fresh = keep = now + policy.negative_ttl_seconds
        else:
            # The registry now says "no such record": an older found must not outlive that.
            self._cache.pop(key, None)
            return
        self._cache[key] = _Entry(answer, now, fresh, keep)

    def _stale_or(self, key: CacheKey, unavailable: RegistryAnswer) -> RegistryAnswer:
        """The last good answer if the document type allows stale-if-error, else `unavailable`."""
        entry = self._cache.get(key)
        now = self._clock()
        if entry is None or entry.answer.outcome is not Outcome.FOUND or now >= entry.keep_until:
            return unavailable
        self.stats.stale_served += 1
        reason = unavailable.reason.value if unavailable.reason else "unavailable"
        return _flagged(entry.answer, now - entry.stored_at, f"stale-if-error: {reason}")


def _keep_until(_key: Any, entry: _Entry, _now: float) -> float:
    return entry.keep_until


def _flagged(answer: RegistryAnswer, age: float, detail: str | None = None) -> RegistryAnswer:
    update: dict[str, Any] = {"served_from_cache": True, "age_seconds": max(0.0, age)}
    if detail is not None:
        update["detail"] = detail
    return answer.model_copy(update=update)
