"""Per-client quotas: a rate limit that refuses (429), a distinct-subject ceiling that flags.

The rate limit is a token bucket per client: `per_minute` tokens a minute, up to `burst`
at once; an empty bucket raises QuotaExceededError with the seconds until the next token.
The ceiling counts distinct subjects a client looked up in the current clock hour; past it
lookups still go through, but each is flagged `enumeration_suspected` in its audit record and
counted in `stats.enumeration_flagged` (a procedure backend serving a whole ward may be
legitimate: a person must look, a machine must not refuse). Subjects are counted by their
keyed HMAC reference, never by the raw identifier.

Two implementations of the `Quotas` port: `InMemoryQuotas` (one process, the embedded
default) and `RedisQuotas` (persistence/quota_redis.py: shared by every API process).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from shared_data.errors import QuotaExceededError
from shared_data.persistence.keys import subject_key_bytes, subject_ref

ENUMERATION_SUSPECTED = "enumeration_suspected"
RATE_LIMITED_DETAIL = "Too many requests from this client; retry later."
HOUR_S = 3600


@dataclass
class QuotaStats:
    """Counters for the metrics endpoint (Prometheus counters read these)."""

    rate_limited: int = 0
    enumeration_flagged: int = 0
    backend_errors: int = 0


@dataclass(frozen=True)
class QuotaLimits:
    """The limits every client gets (a per-client override may come later)."""

    per_minute: int = 600
    burst: int | None = None
    distinct_subjects_per_hour: int = 500

    @property
    def capacity(self) -> int:
        """Most tokens a bucket holds: `burst`, by default one minute's worth."""
        return max(1, self.burst if self.burst is not None else self.per_minute)


class Quotas(Protocol):
    """The quota port LookupService and the API call."""

    stats: QuotaStats

    async def take(self, client_id: str) -> None:
        """Spend one request of the client's rate limit, or raise QuotaExceededError."""
        ...

    async def note_subject(self, client_id: str, scheme: str, value: str) -> bool:
        """Count a subject looked up; True if the client is past its distinct-subject ceiling."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


def refuse(retry_after_s: float) -> QuotaExceededError:
    """The one error a rate-limited request gets (Retry-After at least one second)."""
    return QuotaExceededError(RATE_LIMITED_DETAIL, retry_after=max(1.0, retry_after_s))


def hour_window(now_s: float) -> int:
    """The clock hour a time falls in (seconds since the epoch // 3600)."""
    return int(now_s // HOUR_S)


class InMemoryQuotas:
    """Quotas held in this process: exact, but per process (the embedded default)."""

    def __init__(
        self,
        limits: QuotaLimits,
        subject_key: str | bytes,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limits = limits
        self.stats = QuotaStats()
        self._key = subject_key_bytes(subject_key)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._subjects: dict[str, tuple[int, set[str]]] = {}

    async def take(self, client_id: str) -> None:
        """Spend one token of the client's bucket, or raise QuotaExceededError."""
        wait_s = self.take_now(client_id)
        if wait_s > 0:
            self.stats.rate_limited += 1
            raise refuse(wait_s)

    def take_now(self, client_id: str) -> float:
        """Spend a token; return 0 when granted, else the seconds until one is available."""
        now = self._clock()
        rate = self.limits.per_minute / 60.0
        capacity = float(self.limits.capacity)
        tokens, last = self._buckets.get(client_id, (capacity, now))
        tokens = min(capacity, tokens + max(0.0, now - last) * rate)
        if tokens >= 1.0:
            self._buckets[client_id] = (tokens - 1.0, now)
            return 0.0
        self._buckets[client_id] = (tokens, now)
        return (1.0 - tokens) / rate if rate > 0 else float(HOUR_S)

    async def note_subject(self, client_id: str, scheme: str, value: str) -> bool:
        """Count the subject in this hour's set; True past the ceiling."""
        over = self.note_ref_now(client_id, subject_ref(self._key, scheme, value))
        if over:
            self.stats.enumeration_flagged += 1
        return over

    def note_ref_now(self, client_id: str, ref: str) -> bool:
        """Add a subject reference to the client's set for this hour; True past the ceiling."""
        window = hour_window(self._clock())
        current, seen = self._subjects.get(client_id, (window, set()))
        if current != window:
            seen = set()
        # Past the ceiling the set stops growing: every later lookup this hour is flagged
        # anyway, and memory stays bounded under an enumeration (docs/PERFORMANCE.md).
        if len(seen) <= self.limits.distinct_subjects_per_hour:
            seen.add(ref)
        self._subjects[client_id] = (window, seen)
        return len(seen) > self.limits.distinct_subjects_per_hour

    async def aclose(self) -> None:
        """Nothing to release."""
        return None
