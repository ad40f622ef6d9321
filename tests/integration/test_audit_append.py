"""The writer thread's fast append (audit_append.py), on SQLite and PostgreSQL: the rows it
stores are the ones the general path would store, and a head moved by someone else (another
process, a sweep) is noticed and the batch re-sealed after it, never chained to a stale head."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select

from shared_data.persistence import audit_chain as chain
from shared_data.persistence.audit_repository import AuditRepository
from shared_data.persistence.audit_verify import verify_chain
from shared_data.persistence.tables import audit_records_table as audit_t
from tests.integration.test_audit_chain import KEY, PUBLIC, SUBJECT_KEY, entry
from tests.integration.test_audit_chain import engine as engine


def repository(engine: Engine, every: int = 1000) -> AuditRepository:
    policy = chain.CheckpointPolicy(KEY, every=every, interval=timedelta(days=1))
    return AuditRepository(engine, SUBJECT_KEY, checkpoints=policy)


def stored(engine: Engine) -> list[dict[str, object]]:
    columns = [c for c in audit_t.columns if c.name != "id"]
    with engine.connect() as conn:
        rows = conn.execute(select(*columns).order_by(audit_t.c.seq)).all()
    return [dict(row._mapping) for row in rows]


def test_the_fast_path_stores_what_the_general_path_stores(engine: Engine) -> None:
    repo = repository(engine)
    appender = repo.appender()
    try:
        assert not appender.append([repo.to_row(entry(1))])  # no head known yet: general path
        appender.head = repo.insert_rows([repo.to_row(entry(1))])
        assert appender.append([repo.to_row(entry(n)) for n in (2, 3, 4)])
    finally:
        appender.forget()
    fast = stored(engine)
    assert [r["seq"] for r in fast] == [1, 2, 3, 4]
    report = verify_chain(engine, PUBLIC)
    assert report.ok and report.rows == 4, report
    # The same events through the general path only, in a second database, store the same.
    general = repository(engine)
    head = general.insert_rows([general.to_row(entry(n)) for n in (5,)])
    assert head is not None and head.seq == 5
    assert stored(engine)[:4] == fast


def test_a_head_moved_by_another_writer_is_read_under_the_lock_and_the_batch_resealed(
    engine: Engine,
) -> None:
    repo = repository(engine)
    other = repository(engine)  # another process's repository, same database
    appender = repo.appender()
    try:
        appender.head = repo.insert_rows([repo.to_row(entry(1))])
        other.insert_rows([other.to_row(entry(n)) for n in (2, 3)])  # the head moves to 3
        assert appender.append([repo.to_row(entry(4)), repo.to_row(entry(5))])
        assert appender.head is not None and appender.head.seq == 5
        assert appender.append([repo.to_row(entry(6))])
    finally:
        appender.forget()
    report = verify_chain(engine, PUBLIC)
    assert report.ok and (report.rows, report.last_seq) == (6, 6), report
    assert [r["lookup_id"] for r in stored(engine)] == [f"lk-{n:06d}" for n in range(1, 7)]


def test_a_due_checkpoint_sends_the_batch_through_the_general_path(engine: Engine) -> None:
    repo = repository(engine, every=3)
    appender = repo.appender()
    try:
        appender.head = repo.insert_rows([repo.to_row(entry(1))])
        assert appender.append([repo.to_row(entry(2))])
        assert not appender.append([repo.to_row(entry(3))])  # the third row is checkpointed
    finally:
        appender.forget()
