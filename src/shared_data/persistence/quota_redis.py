"""The `Quotas` port on Redis: one rate limit and one subject count per client for every process.

- Rate limit: a token bucket per client in a hash, refilled and spent by one Lua script
  (atomic in Redis, timed by Redis' own clock so API hosts' clocks need not agree).
- Distinct subjects: a HyperLogLog per client and clock hour (PFADD + PFCOUNT in one
  transaction, expiring after two hours): at most 12 KiB per client however many subjects an
  enumeration tries, about 1% error, which is plenty for a flag. Only the HMAC subject
  reference is added, never the identifier.

If Redis cannot be reached the request is not refused for it: the process falls back to its own
in-memory quotas (per process limits) and counts `stats.backend_errors`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import redis.asyncio as redis_asyncio
from redis.exceptions import RedisError

from shared_data.persistence.keys import subject_key_bytes, subject_ref
from shared_data.quotas import HOUR_S, InMemoryQuotas, QuotaLimits, QuotaStats, hour_window, refuse

log = logging.getLogger(__name__)

# KEYS[1]: the bucket. ARGV: tokens per second, capacity. Returns the wait in seconds as a
# string ("0" when a token was spent): Lua numbers returned to Redis are truncated to integers.
TOKEN_BUCKET_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return tostring(wait)
"""


class RedisQuotas:
    """Quotas shared by every API process through one Redis."""

    def __init__(
        self,
        url: str,
        limits: QuotaLimits,
        subject_key: str | bytes,
        *,
        prefix: str = "shared-data:quota",
        timeout_s: float = 0.5,
    ) -> None:
        self.limits = limits
        self.stats = QuotaStats()
        self._key = subject_key_bytes(subject_key)
        self._prefix = prefix
        self._redis: Any = redis_asyncio.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
        )
        self._bucket: Any = self._redis.register_script(TOKEN_BUCKET_LUA)
        self._fallback = InMemoryQuotas(limits, self._key)

    async def take(self, client_id: str) -> None:
        """Spend one token of the client's shared bucket, or raise QuotaExceededError."""
        rate = self.limits.per_minute / 60.0
        if rate <= 0:
            self.stats.rate_limited += 1
            raise refuse(float(HOUR_S))
        try:
            raw = await self._bucket(
                keys=[f"{self._prefix}:bucket:{client_id}"], args=[rate, self.limits.capacity]
            )
            wait_s = float(raw)
        except RedisError:
            wait_s = self._degraded("rate limit", lambda: self._fallback.take_now(client_id))
        if wait_s > 0:
            self.stats.rate_limited += 1
            raise refuse(wait_s)

    async def note_subject(self, client_id: str, scheme: str, value: str) -> bool:
        """Add the subject's reference to this hour's HyperLogLog; True past the ceiling."""
        ref = subject_ref(self._key, scheme, value)
        key = f"{self._prefix}:subjects:{client_id}:{hour_window(time.time())}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.pfadd(key, ref).pfcount(key).expire(key, 2 * HOUR_S)
                _, count, _ = await pipe.execute()
            over = int(count) > self.limits.distinct_subjects_per_hour
        except RedisError:
            over = bool(
                self._degraded("subject count", lambda: self._fallback.note_ref_now(client_id, ref))
            )
        if over:
            self.stats.enumeration_flagged += 1
        return over

    def _degraded(self, what: str, local: Any) -> Any:
        self.stats.backend_errors += 1
        log.warning("quota store unreachable; %s held in this process only", what)
        return local()

    async def ping(self) -> bool:
        """Tell whether Redis answers."""
        try:
            return bool(await self._redis.ping())
        except RedisError:
            return False

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()
