"""Resilience building blocks shared by every registry adapter (issue 3).

- `CircuitBreaker`: failure-rate breaker with half-open probes and an injectable clock;
- `RetryBudget`: retries at most a share of first attempts per rolling window;
- `Bulkhead`: bounded concurrency that fails fast;
- `ResiliencePolicy` / `call_with_resilience` / `ResilientCaller`: the deadline, breaker,
  bulkhead and tenacity retries put together around one lookup.
"""

from adapters.resilience.breaker import BreakerState, CircuitBreaker, Permit, RollingCounts
from adapters.resilience.budget import RetryBudget
from adapters.resilience.bulkhead import Bulkhead
from adapters.resilience.policy import (
    ResiliencePolicy,
    ResilienceStats,
    ResilientCaller,
    call_with_resilience,
)

__all__ = [
    "BreakerState",
    "Bulkhead",
    "CircuitBreaker",
    "Permit",
    "ResiliencePolicy",
    "ResilienceStats",
    "ResilientCaller",
    "RetryBudget",
    "RollingCounts",
    "call_with_resilience",
]
