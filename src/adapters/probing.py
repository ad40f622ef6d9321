"""Background probes: every `interval_s`, each adapter's `probe()` (which bypasses the circuit
breaker), all registries at once, each bounded by `timeout_s`; results go to the monitors.

`Prober.start()` creates the asyncio task (in the app's lifespan); `stop()` cancels it. A
probe that raises is a failed probe: the loop itself never dies of one registry's trouble.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime

from adapters.monitoring import AdapterMonitor
from shared_data.domain import Health
from shared_data.ports import RegistryAdapter

log = logging.getLogger(__name__)


class Prober:
    """Probes every adapter in the background and records the results."""

    def __init__(
        self,
        adapters: Mapping[str, RegistryAdapter],
        monitors: Mapping[str, AdapterMonitor],
        *,
        interval_s: float = 10.0,
        timeout_s: float = 3.0,
    ) -> None:
        self._adapters = adapters
        self._monitors = monitors
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.rounds = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start probing now and every `interval_s` (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="adapter-prober")

    async def stop(self) -> None:
        """Cancel the loop and wait for it to end."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            if not task.cancelled():  # our own caller is being cancelled: pass it on
                raise

    async def probe_all(self) -> None:
        """One round: every adapter at once, each within `timeout_s`."""
        await asyncio.gather(*(self._probe(rid) for rid in self._monitors))
        self.rounds += 1

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await self.probe_all()
            # Probe on a fixed beat: a slow round does not push the next one back by its time.
            await asyncio.sleep(max(0.0, self.interval_s - (loop.time() - started)))

    async def _probe(self, registry_id: str) -> None:
        adapter, monitor = self._adapters.get(registry_id), self._monitors[registry_id]
        if adapter is None:
            return
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout_s):
                health = await adapter.probe()
        except TimeoutError:
            health = _failed(registry_id, started, "timeout")
        except Exception:  # a bug in one probe must not stop the others
            log.exception("probe of %s failed", registry_id)
            health = _failed(registry_id, started, "probe_error")
        monitor.record_probe(health)


def _failed(registry_id: str, started: float, detail: str) -> Health:
    return Health(
        registry=registry_id,
        ok=False,
        latency_ms=(time.perf_counter() - started) * 1000,
        detail=detail,
        checked_at=datetime.now(UTC),
    )
