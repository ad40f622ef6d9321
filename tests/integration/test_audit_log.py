"""The audit repository and the group-commit audit log, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text
from sqlalchemy.exc import IntegrityError

from shared_data.domain import Outcome
from shared_data.errors import AuditUnavailableError
from shared_data.persistence.audit_log import GroupCommitAuditLog
from shared_data.persistence.audit_repository import AuditRepository
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.tables import audit_records_table
from shared_data.ports import AuditEntry
from tests.dbutil import migrated_database

SUBJECT_KEY = b"audit-subject-key-for-tests"
PIN = "001099012345"
T0 = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)


def entry(n: int, *, lookup_id: str | None = None, subject: str = PIN) -> AuditEntry:
    return AuditEntry(
        lookup_id=lookup_id or f"lk-{n:06d}",
        occurred_at=T0 + timedelta(seconds=n),
        client_id="ho-tich-backend",
        procedure_code="1.001193",
        dossier_id=f"HS-{n}",
        legal_basis="Nghị định 63/2024/NĐ-CP",
        document_type="birth_certificate_extract",
        registry="HOTICH",
        subject_scheme="cccd",
        subject_value=subject,
        outcome=Outcome.FOUND,
        digest="sha256:" + "0" * 64,
        request_id=f"req-{n}",
    )


def all_values(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [str(value) for row in conn.execute(select(audit_records_table)) for value in row]


def read_only_engine(url: str) -> Engine:
    """An engine whose every transaction is refused writes by the database itself."""
    engine = create_engine_for(url)

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA query_only=ON")
        else:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            dbapi_connection.commit()
        cursor.close()

    return engine


@pytest.fixture
def engine(migrated_engine: tuple[str, Engine]) -> Engine:
    return migrated_engine[1]


@pytest.fixture
def repository(engine: Engine) -> AuditRepository:
    return AuditRepository(engine, SUBJECT_KEY)


@pytest.fixture
async def audit_log(engine: Engine) -> AsyncIterator[GroupCommitAuditLog]:
    log = GroupCommitAuditLog(engine, SUBJECT_KEY)
    log.start()
    yield log
    await log.aclose()


# --- the repository ----------------------------------------------------------------------


def test_records_keep_a_keyed_subject_reference_not_the_identifier(
    repository: AuditRepository, engine: Engine
) -> None:
    repository.append_many([entry(1), entry(2), entry(3, subject="001099099999")])
    expected = hmac.new(SUBJECT_KEY, f"cccd:{PIN}".encode(), hashlib.sha256).hexdigest()
    record = repository.by_lookup_id("lk-000001")
    assert record is not None
    assert record.subject_ref == repository.subject_ref("cccd", PIN) == expected
    assert record.occurred_at == T0 + timedelta(seconds=1)
    assert record.occurred_at.tzinfo is not None
    assert (record.outcome, record.state, record.registry) == ("found", "completed", "HOTICH")
    assert not any(PIN in value for value in all_values(engine))


def test_a_subjects_records_come_newest_first(repository: AuditRepository) -> None:
    repository.append_many([entry(n) for n in range(5)] + [entry(9, subject="001099099999")])
    records = repository.for_subject(repository.subject_ref("cccd", PIN), limit=3)
    assert [r.lookup_id for r in records] == ["lk-000004", "lk-000003", "lk-000002"]
    assert repository.by_lookup_id("no-such-lookup") is None


def test_a_batch_is_written_whole_or_not_at_all(repository: AuditRepository) -> None:
    repository.append_many([entry(1)])
    with pytest.raises(IntegrityError):
        repository.append_many([entry(2), entry(3), entry(4, lookup_id="lk-000001")])
    assert repository.count() == 1


def test_naive_timestamps_are_refused(repository: AuditRepository) -> None:
    naive = entry(1).model_copy(update={"occurred_at": datetime(2026, 3, 6, 8, 0)})
    with pytest.raises(ValueError, match="timezone-aware"):
        repository.append_many([naive])


# --- group commit --------------------------------------------------------------------------


async def test_concurrent_records_share_commits(
    audit_log: GroupCommitAuditLog, repository: AuditRepository
) -> None:
    await asyncio.gather(*(audit_log.record(entry(n)) for n in range(200)))
    stats = audit_log.stats
    print(f"\n200 concurrent records: {stats.rows} rows in {stats.batches} commits")
    assert repository.count() == 200
    assert stats.rows == 200
    assert stats.batches < 200
    assert stats.failed_rows == 0


async def test_a_record_returns_only_once_it_is_committed(
    audit_log: GroupCommitAuditLog, repository: AuditRepository
) -> None:
    await audit_log.record(entry(1))
    # A fresh connection sees the row: record() returned after the commit, not before.
    assert repository.by_lookup_id("lk-000001") is not None


async def test_a_failed_commit_fails_every_waiter_and_writes_nothing(
    migrated_engine: tuple[str, Engine], repository: AuditRepository
) -> None:
    read_only = read_only_engine(migrated_engine[0])
    log = GroupCommitAuditLog(read_only, SUBJECT_KEY)
    log.start()
    try:
        assert await log.check_writable() is False
        results = await asyncio.gather(
            *(log.record(entry(n)) for n in range(20)), return_exceptions=True
        )
    finally:
        await log.aclose()
        read_only.dispose()
    assert all(isinstance(result, AuditUnavailableError) for result in results)
    assert (log.stats.rows, log.stats.failed_rows) == (0, 20)
    assert repository.count() == 0


@pytest.fixture
def postgres_engine() -> Iterator[Engine]:
    with migrated_database("postgresql") as url:
        engine = create_engine_for(url)
        yield engine
        engine.dispose()


@pytest.mark.postgres
async def test_a_failure_at_commit_time_fails_the_whole_batch(postgres_engine: Engine) -> None:
    with postgres_engine.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$"
            )
        )
        # Deferred: the inserts succeed and the error comes from COMMIT itself.
        conn.execute(
            text(
                "CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON audit_records "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
        )
    log = GroupCommitAuditLog(postgres_engine, SUBJECT_KEY)
    log.start()
    try:
        results = await asyncio.gather(
            *(log.record(entry(n)) for n in range(20)), return_exceptions=True
        )
    finally:
        await log.aclose()
    assert all(isinstance(result, AuditUnavailableError) for result in results)
    assert AuditRepository(postgres_engine, SUBJECT_KEY).count() == 0


async def test_one_faulty_row_fails_only_its_own_caller(
    audit_log: GroupCommitAuditLog, repository: AuditRepository
) -> None:
    repository.append_many([entry(0, lookup_id="taken")])
    batch = [entry(n) for n in range(1, 20)] + [entry(20, lookup_id="taken")]
    results = await asyncio.gather(*(audit_log.record(e) for e in batch), return_exceptions=True)
    assert results[:-1] == [None] * 19
    assert isinstance(results[-1], AuditUnavailableError)
    assert repository.count() == 20


async def test_closing_drains_every_queued_record(
    engine: Engine, repository: AuditRepository
) -> None:
    log = GroupCommitAuditLog(engine, SUBJECT_KEY, max_batch=5)
    log.start()
    tasks = [asyncio.create_task(log.record(entry(n))) for n in range(300)]
    await asyncio.sleep(0)  # every task has queued its row and now waits for its commit
    assert log.stats.queued > 0
    await log.aclose()
    assert await asyncio.gather(*tasks) == [None] * 300
    assert repository.count() == 300
    assert log.stats.batches >= 60
    with pytest.raises(AuditUnavailableError):
        await log.record(entry(301))


async def test_a_log_not_started_or_closed_refuses_and_is_not_ready(engine: Engine) -> None:
    log = GroupCommitAuditLog(engine, SUBJECT_KEY)
    assert await log.check_writable() is False
    with pytest.raises(AuditUnavailableError):
        await log.record(entry(1))
    log.start()
    assert await log.check_writable() is True
    await log.aclose()
    assert await log.check_writable() is False


async def test_a_stalled_store_turns_into_unavailable_and_the_row_lands_later(
    engine: Engine, repository: AuditRepository
) -> None:
    log = GroupCommitAuditLog(engine, SUBJECT_KEY, record_timeout_s=0.3)
    log.start()
    try:
        with engine.connect() as holder:
            # An uncommitted row with the same lookup id: SQLite's write lock, or
            # PostgreSQL's unique index, makes the writer wait for this transaction.
            holder.execute(audit_records_table.insert(), repository.to_row(entry(1)))
            with pytest.raises(AuditUnavailableError, match="in time"):
                await log.record(entry(1))
            holder.rollback()
    finally:
        await log.aclose()
    assert repository.count() == 1


def test_one_log_serves_several_event_loops(engine: Engine, repository: AuditRepository) -> None:
    log = GroupCommitAuditLog(engine, SUBJECT_KEY)
    log.start()
    asyncio.run(log.record(entry(1)))
    asyncio.run(log.record(entry(2)))
    asyncio.run(log.aclose())
    assert repository.count() == 2


# --- lone events committed by their caller (SQLite's inline commit) -------------------------


async def test_a_lone_event_is_committed_by_its_caller_when_the_writer_is_idle(
    engine: Engine, repository: AuditRepository
) -> None:
    log = GroupCommitAuditLog(engine, SUBJECT_KEY, write_lone_events_inline=True)
    log.start()
    await log.recover_abandoned()  # the start-up sweep is done:
    await asyncio.sleep(0.05)  # and the writer thread is back waiting (idle)
    try:
        for n in range(1, 6):  # one lookup at a time: each event alone
            await log.record(entry(n))
        inline = log.stats.inline_batches
        # A burst of events in one loop iteration still goes to the writer, as one batch.
        await asyncio.gather(*(log.record(entry(n)) for n in range(6, 30)))
    finally:
        await log.aclose()
    assert inline >= 4  # (one may still meet the writer busy, on a loaded machine)
    assert log.stats.rows == 29 and log.stats.inline_batches == inline
    assert repository.count() == 29


async def test_inline_and_threaded_commits_together_keep_one_verifiable_chain(
    engine: Engine, repository: AuditRepository
) -> None:
    log = GroupCommitAuditLog(engine, SUBJECT_KEY, write_lone_events_inline=True, max_batch=4)

    async def lookup(n: int) -> None:
        # Even ones alone at their own moment, odd ones in bursts of ten: both paths run,
        # interleaved, over the same connection and chain.
        await asyncio.sleep(0.0015 * n if n % 2 == 0 else 0.03 * (n % 10))
        await log.record(entry(n))

    log.start()
    await log.recover_abandoned()
    try:
        await asyncio.gather(*(lookup(n) for n in range(200)))
    finally:
        await log.aclose()
    assert log.stats.rows == 200 and 0 < log.stats.inline_batches < log.stats.batches
    with engine.connect() as conn:
        seqs = (
            conn.execute(select(audit_records_table.c.seq).order_by(audit_records_table.c.seq))
            .scalars()
            .all()
        )
    assert seqs == list(range(1, 201))  # gap-free, each event once
