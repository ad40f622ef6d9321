"""CircuitBreaker: failure-rate semantics, driven by a fake clock."""

from __future__ import annotations

import pytest

from adapters.resilience.breaker import BreakerState, CircuitBreaker, Permit


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make(clock: FakeClock, **kwargs: object) -> CircuitBreaker:
    params: dict[str, object] = {
        "window_s": 10.0,
        "min_calls": 10,
        "failure_rate_threshold": 0.5,
        "open_duration_s": 5.0,
        "half_open_max_probes": 2,
    }
    params.update(kwargs)
    return CircuitBreaker(clock=clock, **params)  # type: ignore[arg-type]


def call(breaker: CircuitBreaker, *, fail: bool) -> None:
    permit = breaker.allow()
    assert permit is not None
    if fail:
        breaker.record_failure(permit)
    else:
        breaker.record_success(permit)


def trip(breaker: CircuitBreaker) -> None:
    for _ in range(breaker.min_calls):
        call(breaker, fail=True)
    assert breaker.state is BreakerState.OPEN


def test_all_failures_below_min_calls_keep_the_breaker_closed() -> None:
    breaker = make(FakeClock())
    for _ in range(9):
        call(breaker, fail=True)
    assert breaker.state is BreakerState.CLOSED
    assert breaker.window_counts() == (9, 9)


def test_breaker_opens_when_failure_rate_reaches_threshold_after_min_calls() -> None:
    breaker = make(FakeClock())
    for _ in range(5):
        call(breaker, fail=False)
    for _ in range(4):
        call(breaker, fail=True)
    assert breaker.state is BreakerState.CLOSED
    call(breaker, fail=True)  # 5 of 10 = 50 %
    assert breaker.state is BreakerState.OPEN


def test_failure_rate_below_threshold_keeps_the_breaker_closed() -> None:
    breaker = make(FakeClock())
    for i in range(100):
        call(breaker, fail=i % 3 == 0)  # 34 %
    assert breaker.state is BreakerState.CLOSED


def test_open_breaker_fails_fast_and_says_how_long() -> None:
    clock = FakeClock()
    breaker = make(clock)
    trip(breaker)
    clock.advance(2.0)
    assert breaker.allow() is None
    assert breaker.retry_after() == pytest.approx(3.0)


def test_half_open_lets_only_the_allowed_number_of_probes_through() -> None:
    clock = FakeClock()
    breaker = make(clock, half_open_max_probes=2)
    trip(breaker)
    clock.advance(5.0)
    assert breaker.state is BreakerState.HALF_OPEN
    probes = [breaker.allow(), breaker.allow()]
    assert all(p is not None and p.probe for p in probes)
    assert breaker.allow() is None
    assert breaker.retry_after() > 0


def test_a_failed_probe_reopens_for_a_full_open_duration() -> None:
    clock = FakeClock()
    breaker = make(clock)
    trip(breaker)
    clock.advance(5.0)
    probe = breaker.allow()
    assert probe is not None
    clock.advance(0.5)
    breaker.record_failure(probe)
    assert breaker.state is BreakerState.OPEN
    assert breaker.retry_after() == pytest.approx(5.0)


def test_enough_successful_probes_close_the_breaker_with_an_empty_window() -> None:
    clock = FakeClock()
    breaker = make(clock, half_open_max_probes=2)
    trip(breaker)
    clock.advance(5.0)
    first, second = breaker.allow(), breaker.allow()
    assert first is not None and second is not None
    breaker.record_success(first)
    assert breaker.state is BreakerState.HALF_OPEN
    breaker.record_success(second)
    assert breaker.state is BreakerState.CLOSED
    assert breaker.window_counts() == (0, 0)


def test_transitions_are_reported_to_listeners_in_order() -> None:
    clock = FakeClock()
    seen: list[tuple[str, str]] = []
    breaker = make(clock, half_open_max_probes=1)
    breaker.add_listener(lambda old, new: seen.append((old.value, new.value)))
    trip(breaker)
    clock.advance(5.0)
    probe = breaker.allow()
    assert probe is not None
    breaker.record_failure(probe)
    clock.advance(5.0)
    probe = breaker.allow()
    assert probe is not None
    breaker.record_success(probe)
    assert seen == [
        ("closed", "open"),
        ("open", "half_open"),
        ("half_open", "open"),
        ("open", "half_open"),
        ("half_open", "closed"),
    ]


def test_a_failing_listener_does_not_break_the_breaker() -> None:
    def broken(old: BreakerState, new: BreakerState) -> None:
        raise RuntimeError("metrics down")

    breaker = make(FakeClock(), on_transition=broken)
    trip(breaker)
    assert breaker.allow() is None


def test_failures_older_than_the_time_window_no_longer_count() -> None:
    clock = FakeClock()
    breaker = make(clock)
    for _ in range(9):
        call(breaker, fail=True)
    clock.advance(11.0)
    call(breaker, fail=True)
    assert breaker.state is BreakerState.CLOSED
    assert breaker.window_counts() == (1, 1)


def test_count_window_keeps_only_the_last_calls() -> None:
    breaker = make(FakeClock(), window_s=None, window_calls=10)
    for _ in range(8):
        call(breaker, fail=False)
    for _ in range(4):
        call(breaker, fail=True)
    assert breaker.window_counts() == (10, 4)
    assert breaker.state is BreakerState.CLOSED
    call(breaker, fail=True)
    assert breaker.state is BreakerState.OPEN


def test_outcomes_of_permits_from_an_earlier_state_are_ignored() -> None:
    clock = FakeClock()
    breaker = make(clock, half_open_max_probes=1)
    slow = breaker.allow()
    assert slow is not None
    trip(breaker)
    clock.advance(5.0)
    breaker.record_success(slow)  # started while closed: must not close a half-open breaker
    assert breaker.state is BreakerState.HALF_OPEN


def test_released_probe_frees_its_slot_without_counting() -> None:
    clock = FakeClock()
    breaker = make(clock, half_open_max_probes=1)
    trip(breaker)
    clock.advance(5.0)
    probe = breaker.allow()
    assert probe is not None and breaker.allow() is None
    breaker.release(probe)
    assert breaker.state is BreakerState.HALF_OPEN
    assert isinstance(breaker.allow(), Permit)


def test_invalid_configuration_is_refused() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(window_s=10, window_calls=10)
    with pytest.raises(ValueError):
        CircuitBreaker(failure_rate_threshold=0)
