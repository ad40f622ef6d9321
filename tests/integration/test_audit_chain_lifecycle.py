"""The audit log's life cycle (pending -> completed | abandoned), signed checkpoints and
their export, signing keys, rows from before the chain, and `shared-data audit`."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import Engine, insert, update
from typer.testing import CliRunner

from lookup_api.cli_audit import audit_app
from shared_data.persistence import audit_chain as chain
from shared_data.persistence.audit_log import GroupCommitAuditLog
from shared_data.persistence.audit_repository import AuditRepository
from shared_data.persistence.audit_signing import (
    load_public_key,
    load_signing_key,
    public_key_pem,
    signing_key_for,
    verify_checkpoint_line,
)
from shared_data.persistence.audit_verify import verify_chain
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.migrate import upgrade
from shared_data.persistence.tables import audit_records_table as audit_t
from tests.integration.test_audit_chain import (
    KEY,
    PUBLIC,
    SUBJECT_KEY,
    chain_of,
    entry,
    execute,
    repository,
    row,
    start,
)


@pytest.fixture
def engine(migrated_engine: tuple[str, Engine]) -> Engine:
    return migrated_engine[1]


# --- pending -> completed | abandoned -------------------------------------------------------


def audit_log(engine: Engine, **kwargs: object) -> GroupCommitAuditLog:
    policy = chain.CheckpointPolicy(KEY, every=10, interval=timedelta(days=1))
    options: dict[str, object] = {"checkpoints": policy} | kwargs
    return GroupCommitAuditLog(engine, SUBJECT_KEY, **options)  # type: ignore[arg-type]


@pytest.fixture
async def log(engine: Engine) -> AsyncIterator[GroupCommitAuditLog]:
    audit = audit_log(engine)
    audit.start()
    yield audit
    await audit.aclose()


def states(engine: Engine, n: int) -> list[str]:
    return [event.state for event in AuditRepository(engine, SUBJECT_KEY).events(f"lk-{n:06d}")]


async def test_a_lookup_is_pending_then_completed_and_never_updated(
    log: GroupCommitAuditLog, engine: Engine
) -> None:
    await log.begin(start(1))
    assert states(engine, 1) == ["pending"]
    pending = row(engine, 1)
    await log.complete(entry(1))
    assert states(engine, 1) == ["pending", "completed"]
    assert row(engine, 1) == pending
    latest = AuditRepository(engine, SUBJECT_KEY).by_lookup_id("lk-000001")
    assert latest is not None and (latest.state, latest.outcome) == ("completed", "found")
    assert pending["outcome"] is None and pending["digest"] is None
    assert verify_chain(engine, PUBLIC).ok


async def test_a_crash_between_begin_and_complete_is_abandoned_at_the_next_start(
    engine: Engine,
) -> None:
    crashed = audit_log(engine)
    crashed.start()
    await crashed.begin(start(1))  # the registry is being asked when the process dies
    await crashed.begin(start(2))
    await crashed.complete(entry(2))
    await crashed.aclose()
    restarted = audit_log(engine)  # T0-based lookups are far older than the 60 s grace
    restarted.start()
    await restarted.aclose()  # drains the start-up sweep
    assert states(engine, 1) == ["pending", "abandoned"]
    assert states(engine, 2) == ["pending", "completed"]
    report = verify_chain(engine, PUBLIC)
    assert report.ok and report.rows == 4


async def test_another_live_processes_lookup_is_not_abandoned_within_the_grace(
    engine: Engine,
) -> None:
    now = [datetime.now(UTC)]
    live = audit_log(engine)
    live.start()
    await live.begin(start(1, at=now[0]))
    await live.begin(start(2, at=now[0]))  # this one will never complete
    other = audit_log(engine, clock=lambda: now[0])  # another process, starting meanwhile
    other.start()
    now[0] += timedelta(seconds=30)
    assert await other.recover_abandoned() == 0
    await live.complete(entry(1, at=now[0]))
    now[0] += timedelta(seconds=31)
    assert await other.recover_abandoned() == 1
    assert await other.recover_abandoned() == 0  # abandoned once, whoever sweeps again
    for audit in (live, other):
        await audit.aclose()
    assert states(engine, 1) == ["pending", "completed"]
    assert states(engine, 2) == ["pending", "abandoned"]
    assert verify_chain(engine, PUBLIC).ok


# --- signed checkpoints and their export ----------------------------------------------------


async def test_checkpoints_are_signed_and_export_verifies_with_the_public_key_alone(
    log: GroupCommitAuditLog, engine: Engine
) -> None:
    for n in range(25):
        await log.record(entry(n))
    on_demand = await log.checkpoint()
    assert on_demand is not None and on_demand.seq == 25
    assert await log.checkpoint() is None  # nothing new to cover
    lines = list(chain.export_checkpoints(engine))
    assert [json.loads(line)["seq"] for line in lines] == [10, 20, 25]
    published = load_public_key(str(log.public_key_pem()))
    assert all(verify_checkpoint_line(line, published) for line in lines)
    forged = json.loads(lines[0]) | {"seq": 11}
    assert not verify_checkpoint_line(json.dumps(forged), published)
    assert not verify_checkpoint_line("not json", published)


def test_a_checkpoint_is_signed_when_the_interval_has_passed(engine: Engine) -> None:
    clock = [datetime.now(UTC)]  # the chain was created (migrated) just now
    policy = chain.CheckpointPolicy(KEY, every=1000, interval=timedelta(seconds=30))
    repo = AuditRepository(engine, SUBJECT_KEY, checkpoints=policy, clock=lambda: clock[0])
    repo.append_many([entry(1)])
    repo.checkpoint_if_due()
    assert list(chain.export_checkpoints(engine)) == []
    clock[0] += timedelta(seconds=31)
    repo.append_many([entry(2)])  # signed with the batch that finds the interval passed
    repo.append_many([entry(3)])
    clock[0] += timedelta(seconds=31)
    repo.checkpoint_if_due()  # and, idle, by the writer's tick
    repo.checkpoint_if_due()
    assert [json.loads(line)["seq"] for line in chain.export_checkpoints(engine)] == [2, 3]


# --- keys -------------------------------------------------------------------------------------


def test_signing_keys_load_from_base64_pem_text_or_a_pem_file(tmp_path: Path) -> None:
    raw = KEY.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    pem = KEY.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    (tmp_path / "key.pem").write_text(pem)
    for value in (base64.b64encode(raw).decode(), pem, str(tmp_path / "key.pem")):
        assert public_key_pem(load_signing_key(value)) == public_key_pem(KEY)
    with pytest.raises(ValueError):
        load_signing_key("c2hvcnQ=")


def test_without_a_key_only_a_sqlite_database_gets_a_demo_key_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/var/shared-data.db"
    first = signing_key_for(None, url)
    key_file = tmp_path / "var" / "audit-signing-key.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert public_key_pem(signing_key_for(None, url)) == public_key_pem(first)
    with pytest.raises(ValueError, match="must be set"):
        signing_key_for(None, "postgresql+psycopg://u@h/db")


# --- legacy rows and the command line ------------------------------------------------------


def test_rows_from_before_the_chain_are_reported_not_failed(database_url: str) -> None:
    upgrade(database_url, "0001_initial")
    engine = create_engine_for(database_url)
    try:
        legacy = AuditRepository(engine, SUBJECT_KEY).to_row(entry(1))
        legacy.pop("state")
        execute(engine, insert(audit_t).values(legacy))
        upgrade(database_url)
        repository(engine).append_many([entry(2)])
        report = verify_chain(engine, PUBLIC)
        assert report.ok and (report.legacy_rows, report.rows) == (1, 1)
    finally:
        engine.dispose()


def test_audit_verify_exits_non_zero_naming_the_first_bad_record(
    migrated_engine: tuple[str, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, engine = migrated_engine
    chain_of(engine, 6)
    monkeypatch.setenv("SHARED_DATA_DATABASE_URL", url)
    raw = KEY.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    monkeypatch.setenv("SHARED_DATA_AUDIT_SIGNING_KEY", base64.b64encode(raw).decode())
    runner = CliRunner()
    good = runner.invoke(audit_app, ["verify"])
    assert good.exit_code == 0 and "audit chain OK: seq 1..6" in good.output
    exported = runner.invoke(audit_app, ["export-checkpoints"])
    assert exported.exit_code == 0 and '"seq":5' in exported.output
    assert runner.invoke(audit_app, ["public-key"]).output == public_key_pem(KEY)
    execute(engine, update(audit_t).where(audit_t.c.seq == 4).values(client_id="someone"))
    bad = runner.invoke(audit_app, ["verify"])
    assert bad.exit_code == 1
    assert "BROKEN at seq 4, lookup lk-000004: edited" in bad.output
    refused = runner.invoke(audit_app, ["purge", "--days", "0"])
    assert refused.exit_code == 1 and "refusing to purge: edited at seq 4" in refused.output
    execute(engine, update(audit_t).where(audit_t.c.seq == 4).values(client_id="ho-tich-backend"))
    purged = runner.invoke(audit_app, ["purge", "--days", "0"])
    assert purged.exit_code == 0 and "anchor at seq 6" in purged.output
