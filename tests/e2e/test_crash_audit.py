"""SIGKILL of the API server under load, then a restart: no answer ever left without its record.

The real server process (tests/serverproc.py) on SQLite and on PostgreSQL; 16 lookups in flight
for 2 s, then SIGKILL: no shutdown hook, no flush. Every answer a client read has its completed
audit record. A few more lookups ask a registry that answers 5 s late, so the kill surely
catches lookups between their pending and completed records; the restarted server marks them
abandoned (grace period `audit_abandon_after_s`, 3 s here), and the chain verifies throughout.

Group commits are held 100 ms (`audit_max_wait_ms`): were an answer released before its
completed record is durable, the kill would land inside that window and this test would see it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from shared_data.catalog import Catalog
from tests.dbutil import migrated_database
from tests.e2e.audit_state import audit_states, still_pending, verify
from tests.e2e.load import LOOKUPS, LoadReport, fire_lookups, load_client
from tests.opsutil import wait_until
from tests.serverproc import ServerProcess, running_server, server_env
from tests.simserver import SIM_TOKEN, running_simulators, small_world

pytestmark = pytest.mark.e2e

LOAD_S = 2.0
# Longer than LOAD_S, or the live server itself would abandon (by age) the slow lookups.
ABANDON_AFTER_S = 3.0
SETTLE_TIMEOUT_S = 10.0
# GPLX answers well after the kill (and before the simulators stop, which waits for it);
# nothing in LOOKUPS asks it.
SLOW_REGISTRY, SLOW_LOOKUPS, SLOW_MS = "gplx", 4, 5_000
SLOW_LOOKUP = {
    "document_type": "GPLX",
    "subject": {"scheme": "PIN", "value": "001090912345"},
    "purpose": {"procedure_code": "P10"},
}


async def load_then_kill(server: ServerProcess, key: str) -> tuple[LoadReport, LoadReport]:
    """Lookups in flight for LOAD_S, then SIGKILL while they still are."""
    stop = asyncio.Event()
    load = asyncio.create_task(fire_lookups([server.base_url], key, stop))
    slow = asyncio.create_task(
        fire_lookups([server.base_url], key, stop, SLOW_LOOKUPS, lookups=[SLOW_LOOKUP])
    )
    await asyncio.sleep(LOAD_S)
    # No await between the two: no request starts after the kill, those in flight meet it.
    stop.set()
    server.kill()
    return await load, await slow


def test_every_answer_received_before_a_sigkill_has_its_completed_audit_record(
    db_backend: str, tmp_path: Path, catalog: Catalog
) -> None:
    with (
        running_simulators(small_world(), SIM_TOKEN) as sims,
        migrated_database(db_backend, tmp_path) as url,
    ):
        late = {"mode": "latency", "ms": SLOW_MS}
        httpx.put(f"{sims.base_url}/_sim/faults/{SLOW_REGISTRY}", json=late).raise_for_status()
        key = load_client(url, catalog)
        env = server_env(
            url,
            sims.base_url,
            audit_abandon_after_s=ABANDON_AFTER_S,
            audit_max_wait_ms=100,
            audit_checkpoint_every=100,  # signed checkpoints land mid-load too
            cache_maxsize=0,  # every lookup asks its registry: a pending record each
            rate_limit_per_minute=1_000_000,
            access_log=False,
        )
        with running_server(env, tmp_path / "api.log") as server:
            report, slow = asyncio.run(load_then_kill(server, key))
            assert set(report.statuses) == {200}, report.statuses
            assert len(report.received) > 20, report
            assert slow.received == [] and slow.failed == SLOW_LOOKUPS, slow

            states = audit_states(url)
            unrecorded = [i for i in report.received if "completed" not in states.get(i, ())]
            assert unrecorded == [], f"{len(unrecorded)} answers left without their record"
            cut_off = still_pending(states)
            assert len(cut_off) >= SLOW_LOOKUPS, "the kill left no lookup pending"
            killed = verify(url)
            assert killed.ok, killed.finding

            server.start()
            states, _ = wait_until(
                lambda: audit_states(url), lambda s: not still_pending(s), SETTLE_TIMEOUT_S
            )
            assert all(states[i] == {"pending", "abandoned"} for i in cut_off)
            answer = httpx.post(
                f"{server.base_url}/v1/lookups",
                json=LOOKUPS[0],
                headers={"Authorization": f"Bearer {key}"},
            )
            assert answer.status_code == 200, answer.text
        restarted = verify(url)
        assert restarted.ok, restarted.finding
        assert restarted.rows == sum(len(s) for s in audit_states(url).values())
