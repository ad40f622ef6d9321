"""Helpers of the operations tests: an ops client's key, waiting for a state, reading metrics."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from prometheus_client.parser import text_string_to_metric_families

from shared_data.persistence.db import create_engine_for
from shared_data.persistence.repositories import ClientRepository

T = TypeVar("T")


def issue_client_key(database_url: str, name: str, role: str) -> str:
    """Create a client with `role` and return a fresh API key of it."""
    engine = create_engine_for(database_url)
    try:
        repo = ClientRepository(engine)
        client = repo.create_client(name, "Sở Thông tin và Truyền thông Hà Nội", role)
        plaintext, _ = repo.issue_key(client.id)
        return plaintext
    finally:
        engine.dispose()


def wait_until(
    probe: Callable[[], T], accept: Callable[[T], bool], timeout_s: float, every_s: float = 0.05
) -> tuple[T, float]:
    """Call `probe` until `accept` says yes; return (last value, seconds it took) or fail."""
    started = time.monotonic()
    while True:
        value = probe()
        elapsed = time.monotonic() - started
        if accept(value):
            return value, elapsed
        if elapsed > timeout_s:
            raise AssertionError(f"not reached within {timeout_s:.1f} s; last value: {value!r}")
        time.sleep(every_s)


def metric_samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, keyed by (name, sorted labels), parsed by the library."""
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def metric(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample (None when absent)."""
    return metric_samples(text).get((name, tuple(sorted(labels.items()))))
