"""Two OS processes, each with its own group-commit audit log, append to one chain at once."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, func, select

from shared_data.persistence.audit_chain import CheckpointPolicy
from shared_data.persistence.audit_log import GroupCommitAuditLog
from shared_data.persistence.audit_verify import verify_chain
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.tables import audit_records_table as audit_t
from tests.integration.test_audit_chain import KEY, PUBLIC, SUBJECT_KEY, entry, start

REPO_ROOT = Path(__file__).resolve().parents[2]
LOOKUPS = 300  # per process; each lookup is a pending and a completed event


def write_lookups(url: str, name: str, lookups: int, rendezvous: str) -> None:
    """Run in a child process: begin and complete `lookups` lookups, 32 in flight at once."""
    engine = create_engine_for(url)
    # Small batches: many turns at the chain's lock each, so the two processes interleave
    # whatever the machine's speed (a fast writer otherwise finishes in a few big batches).
    log = GroupCommitAuditLog(
        engine, SUBJECT_KEY, checkpoints=CheckpointPolicy(KEY, every=100), max_batch=8
    )
    in_flight = asyncio.Semaphore(32)

    async def one(n: int) -> None:
        async with in_flight:
            await log.begin(start(n).model_copy(update={"lookup_id": f"{name}-{n}"}))
            await asyncio.sleep(0.005)  # the registry call
            await log.complete(entry(n).model_copy(update={"lookup_id": f"{name}-{n}"}))

    async def main() -> None:
        log.start()
        await asyncio.gather(*(one(n) for n in range(lookups)))
        await log.aclose()

    _meet(Path(rendezvous), name)
    asyncio.run(main())
    engine.dispose()


def _meet(rendezvous: Path, name: str) -> None:
    """Say this process is ready, then wait for the go: both then write at the same time."""
    (rendezvous / f"ready-{name}").touch()
    deadline = time.monotonic() + 30
    while not (rendezvous / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.005)


def spawn(url: str, name: str, rendezvous: Path) -> subprocess.Popen[bytes]:
    code = (
        "from tests.integration.test_audit_chain_concurrency import write_lookups; "
        f"write_lookups({url!r}, {name!r}, {LOOKUPS}, {str(rendezvous)!r})"
    )
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO_ROOT, stderr=subprocess.PIPE)


def start_together(children: list[subprocess.Popen[bytes]], rendezvous: Path) -> None:
    deadline = time.monotonic() + 30
    while len(list(rendezvous.glob("ready-*"))) < len(children):
        assert time.monotonic() < deadline, "the writer processes did not start"
        assert all(child.poll() is None for child in children), "a writer process died"
        time.sleep(0.005)
    (rendezvous / "go").touch()


def test_two_processes_writing_at_once_keep_one_gap_free_verifiable_chain(
    migrated_engine: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = migrated_engine
    children = [spawn(url, name, tmp_path) for name in ("api-a", "api-b")]
    start_together(children, tmp_path)
    for child in children:
        _, stderr = child.communicate(timeout=60)
        assert child.returncode == 0, stderr.decode()
    report = verify_chain(engine, PUBLIC)
    assert report.ok, report.finding
    assert (report.rows, report.first_seq, report.last_seq) == (4 * LOOKUPS, 1, 4 * LOOKUPS)
    assert report.checkpoints >= 2  # signed at batch ends, by both processes
    with engine.connect() as conn:
        seqs = conn.execute(select(func.min(audit_t.c.seq), func.max(audit_t.c.seq))).one()
        states = dict(
            conn.execute(select(audit_t.c.state, func.count()).group_by(audit_t.c.state)).all()
        )
        writers = [
            lookup_id.split("-")[1]
            for lookup_id in conn.execute(
                select(audit_t.c.lookup_id).order_by(audit_t.c.seq)
            ).scalars()
        ]
    assert tuple(seqs) == (1, 4 * LOOKUPS)
    assert states == {"pending": 2 * LOOKUPS, "completed": 2 * LOOKUPS}
    # The processes really overlapped: the chain switches between them more than once. (SQLite
    # hands its write lock over unfairly, its busy handler sleeping with back-off, so a fast
    # writer keeps it for several batches in a row: a few switches, not one per batch.)
    switches = sum(1 for a, b in itertools.pairwise(writers) if a != b)
    assert switches > 2
