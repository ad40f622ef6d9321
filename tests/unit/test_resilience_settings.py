"""Resilience settings: one policy per registry, from service-wide and per-registry knobs."""

from __future__ import annotations

import pytest

from shared_data.settings import RegistrySettings, ResiliencePolicy, Settings


def test_a_registry_inherits_the_service_wide_knobs_and_the_lookup_deadline() -> None:
    settings = Settings(lookup_deadline_s=2.0, resilience=ResiliencePolicy(max_attempts=1))
    policy = settings.resilience_for("HOTICH")
    assert (policy.deadline_s, policy.max_attempts) == (2.0, 1)
    assert policy.breaker_open_duration_s == ResiliencePolicy().breaker_open_duration_s


def test_knobs_set_for_one_registry_override_only_those_knobs() -> None:
    settings = Settings(
        resilience=ResiliencePolicy(max_attempts=1, bulkhead_max_concurrent=8),
        registries={"HOTICH": RegistrySettings(resilience=ResiliencePolicy(max_attempts=3))},
    )
    hotich, dkdn = settings.resilience_for("HOTICH"), settings.resilience_for("DKDN")
    assert (hotich.max_attempts, hotich.bulkhead_max_concurrent) == (3, 8)
    assert (dkdn.max_attempts, dkdn.bulkhead_max_concurrent) == (1, 8)


@pytest.mark.parametrize(("own", "effective"), [(1.5, 1.5), (9.0, 3.0)])
def test_a_policy_deadline_may_shorten_the_lookup_deadline_never_lengthen_it(
    own: float, effective: float
) -> None:
    override = RegistrySettings(resilience=ResiliencePolicy(deadline_s=own))
    settings = Settings(lookup_deadline_s=3.0, registries={"DKDN": override})
    assert settings.resilience_for("DKDN").deadline_s == effective
    assert settings.resilience_for("HOTICH").deadline_s == 3.0


def test_per_registry_knobs_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHARED_DATA_LOOKUP_DEADLINE_S", "4")
    monkeypatch.setenv("SHARED_DATA_RESILIENCE__MAX_ATTEMPTS", "1")
    monkeypatch.setenv("SHARED_DATA_REGISTRIES__HOTICH__RESILIENCE__BREAKER_OPEN_DURATION_S", "1")
    monkeypatch.setenv("SHARED_DATA_REGISTRIES__HOTICH__BASE_URL", "https://hotich.example")
    monkeypatch.setenv("SHARED_DATA_CACHE_MAXSIZE", "500")
    settings = Settings()
    hotich = settings.resilience_for("HOTICH")
    assert (hotich.deadline_s, hotich.max_attempts, hotich.breaker_open_duration_s) == (4, 1, 1)
    assert settings.resilience_for("DKDN").breaker_open_duration_s == 5.0
    assert settings.registry_base_url("HOTICH") == "https://hotich.example"
    assert settings.cache_maxsize == 500


def test_defaults() -> None:
    settings = Settings()
    assert (settings.cache_maxsize, settings.lookup_deadline_s) == (10_000, 5.0)
    assert settings.resilience_for("HOTICH") == ResiliencePolicy()
