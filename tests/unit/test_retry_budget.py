"""RetryBudget: at most a share of first attempts, with a floor, over a rolling window."""

from __future__ import annotations

from adapters.resilience.budget import RetryBudget


class FakeClock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def test_floor_allows_a_few_retries_without_traffic() -> None:
    budget = RetryBudget(ratio=0.2, min_per_window=3, window_s=10, clock=FakeClock())
    assert [budget.can_retry() for _ in range(4)] == [True, True, True, False]


def test_retries_are_capped_at_the_ratio_of_first_attempts() -> None:
    budget = RetryBudget(ratio=0.2, min_per_window=3, window_s=10, clock=FakeClock())
    for _ in range(100):
        budget.record_attempt()
    granted = sum(budget.can_retry() for _ in range(100))
    assert granted == 20
    assert budget.counts() == (100, 20)


def test_a_storm_interleaving_attempts_and_retries_stays_within_the_ratio() -> None:
    budget = RetryBudget(ratio=0.2, min_per_window=3, window_s=10, clock=FakeClock())
    retries = 0
    for _ in range(100):
        budget.record_attempt()
        retries += budget.can_retry()
    assert retries <= 20


def test_budget_refills_once_the_window_has_passed() -> None:
    clock = FakeClock()
    budget = RetryBudget(ratio=0.0, min_per_window=1, window_s=10, clock=clock)
    assert budget.can_retry()
    assert not budget.can_retry()
    clock.now += 10.0
    assert budget.can_retry()


def test_zero_floor_and_ratio_never_retries() -> None:
    budget = RetryBudget(ratio=0.0, min_per_window=0, clock=FakeClock())
    budget.record_attempt()
    assert not budget.can_retry()
