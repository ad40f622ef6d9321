"""Two API server processes on one PostgreSQL schema: one audit chain, unbroken, no seq gaps.

Both processes append to the chain under its head-row lock and sign checkpoints (every 50 rows
here) while 16 lookups are in flight against the two of them for 2 s. Afterwards the chain
verifies, its seqs run 1..N without a gap, and every answer has its completed record.
(bench/ measures scale-out; this is the bounded proof CI runs.)
"""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from pathlib import Path

import pytest

from shared_data.catalog import Catalog
from tests.dbutil import migrated_database
from tests.e2e.audit_state import audit_states, chain_seqs, still_pending, verify
from tests.e2e.load import LoadReport, fire_lookups, load_client
from tests.serverproc import ServerProcess, server_env
from tests.simserver import SIM_TOKEN, running_simulators, small_world

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

LOAD_S = 2.0


async def load_for(base_urls: list[str], key: str, seconds: float) -> LoadReport:
    stop = asyncio.Event()
    load = asyncio.create_task(fire_lookups(base_urls, key, stop))
    await asyncio.sleep(seconds)
    stop.set()
    return await load


def test_two_server_processes_on_postgresql_write_one_unbroken_chain(
    tmp_path: Path, catalog: Catalog
) -> None:
    with (
        running_simulators(small_world(), SIM_TOKEN) as sims,
        migrated_database("postgresql", tmp_path) as url,
    ):
        key = load_client(url, catalog)
        env = server_env(
            url,
            sims.base_url,
            audit_checkpoint_every=50,
            cache_maxsize=0,
            rate_limit_per_minute=1_000_000,
            access_log=False,
        )
        with ExitStack() as stack:
            servers = [ServerProcess(env, tmp_path / f"api-{n}.log") for n in (1, 2)]
            for server in servers:
                stack.callback(server.close)
                server.start(wait=False)  # both start at once
            for server in servers:
                server.wait_ready()
            report = asyncio.run(load_for([s.base_url for s in servers], key, LOAD_S))
        # Both stopped gracefully: every lookup has completed.
        states = audit_states(url)
        seqs = chain_seqs(url)
        verified = verify(url)

    assert set(report.statuses) == {200} and report.failed == 0, report
    assert len(report.received) > 50
    assert all("completed" in states[i] for i in report.received)
    assert still_pending(states) == set()
    assert seqs == list(range(1, len(seqs) + 1)), "gaps or duplicates in the chain's seq"
    assert verified.ok, verified.finding
    assert verified.rows == len(seqs) and verified.checkpoints >= 2
