"""Retention: delete whole old audit rows, leaving a signed anchor the rest verifies from.

A purge first verifies the rows it is about to delete and refuses if they do not verify.
Only a prefix of the chain is ever deleted: rows up to the last one before the first row
still young enough to keep, so a row slightly out of time order is kept rather than leaving a
hole. Each chunk is deleted in the transaction that stores its anchor, a signed (seq, hash)
of the last deleted row; verification starts from the latest anchor, so the remaining chain
verifies at every moment, and deleting rows without a matching signed anchor still shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, delete, select

from shared_data.persistence import audit_chain as chain
from shared_data.persistence.audit_signing import Checkpoint, sign_checkpoint
from shared_data.persistence.audit_verify import Finding, verify_range
from shared_data.persistence.tables import audit_records_table as audit_t


class ChainBrokenError(ValueError):
    """The rows a purge would delete do not verify: they are kept for examination."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(f"refusing to purge: {finding.problem} at seq {finding.seq}")
        self.finding = finding


@dataclass(frozen=True)
class PurgeReport:
    """What a purge removed, and the anchor it left (None if nothing was old enough)."""

    rows: int
    legacy_rows: int
    anchor: Checkpoint | None


def purge_older_than(
    engine: Engine,
    cutoff: datetime,
    key: Ed25519PrivateKey,
    *,
    chunk: int = 5000,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> PurgeReport:
    """Delete rows that occurred before `cutoff`, chunk by chunk, each under a signed anchor."""
    with engine.connect() as conn:
        end = _last_purgeable(conn, cutoff)
    rows, anchor = 0, None
    while True:
        with engine.begin() as conn:
            step = _purge_chunk(conn, end, chunk, key, clock())
        if step is None:
            break
        deleted, anchor = step
        rows += deleted
    with engine.begin() as conn:
        legacy = conn.execute(
            delete(audit_t).where(audit_t.c.seq.is_(None), audit_t.c.occurred_at < cutoff)
        ).rowcount
    return PurgeReport(rows=rows, legacy_rows=legacy, anchor=anchor)


def _last_purgeable(conn: Connection, cutoff: datetime) -> int:
    """The seq just before the first row to keep (or the head's seq if all are old)."""
    after = _anchor_seq(conn)
    first_kept = conn.execute(
        select(audit_t.c.seq)
        .where(audit_t.c.seq > after, audit_t.c.occurred_at >= cutoff)
        .order_by(audit_t.c.seq)
        .limit(1)
    ).scalar()
    return chain.read_head(conn).seq if first_kept is None else int(first_kept) - 1


def _purge_chunk(
    conn: Connection, end: int, chunk: int, key: Ed25519PrivateKey, now: datetime
) -> tuple[int, Checkpoint] | None:
    # Under the chain lock: on SQLite a read before the delete could otherwise be overtaken.
    chain.lock_head(conn)
    anchor = chain.latest(conn, chain.ANCHOR)
    start, start_hash = (0, chain.GENESIS_HASH) if anchor is None else (anchor.seq, anchor.hash)
    upto = min(start + chunk, end)
    if upto <= start:
        return None
    # Once deleted under a signed anchor, tampering there could never be seen again.
    finding = verify_range(conn, key.public_key(), start, start_hash, upto)
    if finding is not None:
        raise ChainBrokenError(finding)
    last_hash = conn.execute(select(audit_t.c.hash).where(audit_t.c.seq == upto)).scalar_one()
    deleted = conn.execute(delete(audit_t).where(audit_t.c.seq <= upto)).rowcount
    signed = sign_checkpoint(key, chain.ANCHOR, upto, last_hash, now)
    chain.store_signed(conn, signed)
    return deleted, signed


def _anchor_seq(conn: Connection) -> int:
    anchor = chain.latest(conn, chain.ANCHOR)
    return 0 if anchor is None else anchor.seq
