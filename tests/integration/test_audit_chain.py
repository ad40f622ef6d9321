"""The tamper-evident audit chain, on SQLite and PostgreSQL: every tampering is found where
it happened, and purging old records keeps the rest verifiable."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, delete, insert, select, update

from shared_data.domain import Outcome
from shared_data.persistence import audit_chain as chain
from shared_data.persistence.audit_repository import AuditRepository
from shared_data.persistence.audit_retention import ChainBrokenError, purge_older_than
from shared_data.persistence.audit_signing import sign_checkpoint
from shared_data.persistence.audit_verify import Problem, verify_chain
from shared_data.persistence.tables import audit_chain_head_table as head_t
from shared_data.persistence.tables import audit_checkpoints_table as checkpoints_t
from shared_data.persistence.tables import audit_records_table as audit_t
from shared_data.ports import AuditEntry, AuditStart

SUBJECT_KEY = b"audit-subject-key-for-tests"
KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"audit-chain-tests").digest())
PUBLIC = KEY.public_key()
T0 = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)


def start(n: int, at: datetime | None = None) -> AuditStart:
    return AuditStart(
        lookup_id=f"lk-{n:06d}",
        occurred_at=at or T0 + timedelta(hours=n),
        client_id="ho-tich-backend",
        procedure_code="1.001193",
        dossier_id=f"HS-{n}",
        legal_basis="Nghị định 63/2024/NĐ-CP",
        document_type="KHAI_SINH",
        registry="HOTICH",
        subject_scheme="PIN",
        subject_value="001099012345",
        request_id=f"req-{n}",
    )


def entry(n: int, at: datetime | None = None) -> AuditEntry:
    return AuditEntry(**start(n, at).model_dump(), outcome=Outcome.FOUND, digest="sha256:00")


@pytest.fixture
def engine(migrated_engine: tuple[str, Engine]) -> Engine:
    return migrated_engine[1]


def repository(engine: Engine, every: int = 5) -> AuditRepository:
    policy = chain.CheckpointPolicy(KEY, every=every, interval=timedelta(days=1))
    return AuditRepository(engine, SUBJECT_KEY, checkpoints=policy)


def chain_of(engine: Engine, rows: int, batch: int = 5) -> AuditRepository:
    """rows completed records, `batch` per transaction: a checkpoint after every 5 rows."""
    repo = repository(engine)
    for first in range(1, rows + 1, batch):
        repo.append_many([entry(n) for n in range(first, min(first + batch, rows + 1))])
    return repo


def execute(engine: Engine, *statements: object) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[call-overload]


def row(engine: Engine, seq: int) -> dict[str, object]:
    with engine.connect() as conn:
        return dict(conn.execute(select(audit_t).where(audit_t.c.seq == seq)).one()._mapping)


def finding_of(engine: Engine) -> tuple[Problem, int | None, str | None]:
    report = verify_chain(engine, PUBLIC, page=4)  # small pages: the walk crosses page ends
    assert report.finding is not None, report
    return report.finding.problem, report.finding.seq, report.finding.lookup_id


def renumber(engine: Engine, from_seq: int, by: int) -> None:
    """Shift seq >= from_seq by `by` in two steps: seq is unique at every statement."""
    execute(
        engine,
        update(audit_t).where(audit_t.c.seq >= from_seq).values(seq=-audit_t.c.seq - by),
        update(audit_t).where(audit_t.c.seq < 0).values(seq=-audit_t.c.seq),
    )


# --- an intact chain -----------------------------------------------------------------------


def test_an_untouched_chain_verifies_and_follows_the_documented_formula(engine: Engine) -> None:
    chain_of(engine, 12)
    report = verify_chain(engine, PUBLIC, page=4)
    assert report.ok and (report.rows, report.first_seq, report.last_seq) == (12, 1, 12)
    assert report.checkpoints == 2  # after rows 5 and 10
    first = row(engine, 1)
    content = {name: first[name] for name in chain.CONTENT_COLUMNS}
    content["occurred_at"] = "2026-03-06T09:00:00.000000+00:00"
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    expected = hashlib.sha256(bytes(32) + canonical.encode()).hexdigest()
    assert first["prev_hash"] == chain.GENESIS_HASH and first["hash"] == expected
    assert row(engine, 2)["prev_hash"] == first["hash"]


# --- every tampering, found at the right record --------------------------------------------


def test_an_edited_field_is_found_at_its_row(engine: Engine) -> None:
    chain_of(engine, 12)
    execute(engine, update(audit_t).where(audit_t.c.seq == 7).values(dossier_id="HS-forged"))
    assert finding_of(engine) == (Problem.EDITED, 7, "lk-000007")


def test_a_deleted_row_is_found_as_a_gap_at_its_seq(engine: Engine) -> None:
    chain_of(engine, 12)
    execute(engine, delete(audit_t).where(audit_t.c.seq == 7))
    assert finding_of(engine) == (Problem.DELETED, 7, None)


def test_two_swapped_rows_are_found_as_reordering(engine: Engine) -> None:
    chain_of(engine, 12)
    execute(
        engine,
        update(audit_t).where(audit_t.c.seq == 7).values(seq=-7),
        update(audit_t).where(audit_t.c.seq == 8).values(seq=7),
        update(audit_t).where(audit_t.c.seq == -7).values(seq=8),
    )
    assert finding_of(engine) == (Problem.REORDERED, 7, "lk-000008")


def test_a_forged_row_with_a_correct_hash_breaks_the_chain_at_the_next_row(
    engine: Engine,
) -> None:
    repo = chain_of(engine, 12)
    renumber(engine, 7, by=1)
    forged = repo.to_row(entry(99)) | {"seq": 7, "prev_hash": row(engine, 6)["hash"]}
    forged["hash"] = chain.chain_hash(str(forged["prev_hash"]), forged)
    execute(engine, insert(audit_t).values(forged))
    assert finding_of(engine) == (Problem.REORDERED, 8, "lk-000007")


def test_a_row_inserted_outside_the_chain_is_found(engine: Engine) -> None:
    repo = chain_of(engine, 3)
    execute(engine, insert(audit_t).values(repo.to_row(entry(99))))
    assert finding_of(engine) == (Problem.UNCHAINED, None, "lk-000099")


def test_a_tail_cut_after_a_checkpoint_is_found_as_truncation(engine: Engine) -> None:
    chain_of(engine, 12)  # checkpoints at 5 and 10
    eight = row(engine, 8)
    # A careful attacker also winds the head back.
    execute(
        engine,
        delete(audit_t).where(audit_t.c.seq > 8),
        update(head_t).values(seq=8, hash=eight["hash"]),
    )
    assert finding_of(engine) == (Problem.TRUNCATED, 9, None)


def test_a_chain_recomputed_after_an_edit_is_caught_by_the_signed_checkpoint(
    engine: Engine,
) -> None:
    chain_of(engine, 12)
    with engine.begin() as conn:
        prev = str(row(engine, 2)["hash"])
        for seq in range(3, 13):
            link = row(engine, seq) | {"prev_hash": prev}
            if seq == 3:
                link["dossier_id"] = "HS-forged"
            prev = link["hash"] = chain.chain_hash(prev, link)
            values = {k: link[k] for k in ("dossier_id", "prev_hash", "hash")}
            conn.execute(update(audit_t).where(audit_t.c.seq == seq).values(values))
        conn.execute(update(head_t).values(hash=prev))
    assert finding_of(engine) == (Problem.REWRITTEN, 5, "lk-000005")


def test_a_checkpoint_not_signed_by_the_key_is_found(engine: Engine) -> None:
    chain_of(engine, 12)
    other = Ed25519PrivateKey.generate()
    forged = sign_checkpoint(other, chain.CHECKPOINT, 10, "ab" * 32, T0)
    execute(
        engine,
        update(checkpoints_t)
        .where(checkpoints_t.c.seq == 10)
        .values(hash=forged.hash, key_id=forged.key_id, signature=forged.signature),
    )
    assert finding_of(engine) == (Problem.BAD_SIGNATURE, 10, None)


def test_a_checkpoint_altered_under_its_signature_is_found(engine: Engine) -> None:
    chain_of(engine, 12)
    execute(engine, update(checkpoints_t).where(checkpoints_t.c.seq == 5).values(hash="cd" * 32))
    assert finding_of(engine) == (Problem.BAD_SIGNATURE, 5, None)


def test_a_deleted_checkpoint_named_by_the_head_is_found(engine: Engine) -> None:
    chain_of(engine, 12)
    execute(engine, delete(checkpoints_t).where(checkpoints_t.c.seq == 10))
    assert finding_of(engine) == (Problem.MISSING_CHECKPOINT, 10, None)


def test_rows_appended_without_the_chain_lock_are_found(engine: Engine) -> None:
    repo = chain_of(engine, 4)
    extra = repo.to_row(entry(99)) | {"seq": 5, "prev_hash": row(engine, 4)["hash"]}
    extra["hash"] = chain.chain_hash(str(extra["prev_hash"]), extra)
    execute(engine, insert(audit_t).values(extra))
    assert finding_of(engine) == (Problem.PAST_HEAD, 5, None)


# --- retention -------------------------------------------------------------------------------


def test_purging_old_records_leaves_a_chain_that_still_verifies(engine: Engine) -> None:
    repo = chain_of(engine, 20)  # lk-n occurred at T0 + n hours
    cutoff = T0 + timedelta(hours=11)
    report = purge_older_than(engine, cutoff, KEY, chunk=4)
    assert report.rows == 10 and report.anchor is not None and report.anchor.seq == 10
    assert repo.count() == 10
    verified = verify_chain(engine, PUBLIC, page=4)
    assert verified.ok, verified.finding
    assert (verified.anchor_seq, verified.first_seq, verified.last_seq) == (10, 11, 20)
    repo.append_many([entry(21)])
    assert verify_chain(engine, PUBLIC).ok
    assert purge_older_than(engine, cutoff, KEY).rows == 0  # nothing more is old enough


def test_purge_keeps_everything_from_the_first_young_row_on(engine: Engine) -> None:
    repo = repository(engine)
    old, young = T0, T0 + timedelta(days=400)
    repo.append_many([entry(1, old), entry(2, old), entry(3, young), entry(4, old)])
    report = purge_older_than(engine, T0 + timedelta(days=1), KEY)
    assert report.rows == 2 and repo.count() == 2  # row 4 is old but stays behind row 3
    assert verify_chain(engine, PUBLIC).ok


def test_purge_refuses_to_erase_rows_that_do_not_verify(engine: Engine) -> None:
    repo = chain_of(engine, 12)
    execute(engine, update(audit_t).where(audit_t.c.seq == 3).values(outcome="not_found"))
    with pytest.raises(ChainBrokenError) as refused:
        purge_older_than(engine, T0 + timedelta(days=1), KEY)
    assert (refused.value.finding.problem, refused.value.finding.seq) == (Problem.EDITED, 3)
    assert repo.count() == 12


def test_deleting_old_rows_without_a_signed_anchor_still_shows(engine: Engine) -> None:
    chain_of(engine, 12)
    purge_older_than(engine, T0 + timedelta(hours=5), KEY)
    execute(engine, delete(checkpoints_t).where(checkpoints_t.c.kind == chain.ANCHOR))
    assert finding_of(engine) == (Problem.DELETED, 1, None)
