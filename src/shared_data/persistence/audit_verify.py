"""Verify the audit chain and its signed checkpoints; name the first bad record.

Reads in seq order a page at a time (keyset pagination), so memory stays bounded whatever the
chain's length. The walk starts at the latest signed anchor left by a purge, or at genesis.
What each finding means:

- bad_signature: a checkpoint or anchor not signed by this key, or altered since;
- deleted: a gap in seq: that row (and any up to the next present one) was removed;
- reordered: a row's prev_hash is not the previous row's hash: rows swapped or one inserted;
- edited: a row's hash does not match its content: a field was changed;
- rewritten: locally consistent rows whose hash differs from the signed checkpoint at that
  seq: the chain was recomputed after an edit somewhere at or before it;
- truncated: the chain ends before a signed checkpoint (or before the head row) says it did;
- missing_checkpoint: the head names a checkpoint that is no longer stored;
- past_head: rows beyond the head, written without taking the chain lock;
- unchained: a row outside the chain (no seq) that is not from before the chain existed.

Limits: rows appended after the last checkpoint can be cut off, or forged onto the end with
correct hashes, unnoticed; checkpoints every N rows or T seconds bound that window.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Engine, Row, func, select

from shared_data.persistence import audit_chain as chain
from shared_data.persistence.audit_signing import Checkpoint, signature_ok
from shared_data.persistence.tables import audit_records_table as audit_t


class Problem(StrEnum):
    """What is wrong with the first bad record."""

    BAD_SIGNATURE = "bad_signature"
    DELETED = "deleted"
    REORDERED = "reordered"
    EDITED = "edited"
    REWRITTEN = "rewritten"
    TRUNCATED = "truncated"
    MISSING_CHECKPOINT = "missing_checkpoint"
    PAST_HEAD = "past_head"
    UNCHAINED = "unchained"


@dataclass(frozen=True)
class Finding:
    """The first bad record: where it is and what is wrong with it."""

    problem: Problem
    seq: int | None
    lookup_id: str | None
    detail: str


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of a verification; `finding` is None when the chain is intact."""

    rows: int
    first_seq: int
    last_seq: int
    last_hash: str
    checkpoints: int
    anchor_seq: int
    legacy_rows: int
    finding: Finding | None

    @property
    def ok(self) -> bool:
        """Tell whether no problem was found."""
        return self.finding is None


@dataclass
class _Walk:
    """Where the walk stands: the next seq and hash expected, and the rows seen."""

    seq: int
    hash: str
    rows: int = 0


def verify_chain(engine: Engine, public_key: Ed25519PublicKey, *, page: int = 2000) -> VerifyReport:
    """Walk the whole chain and every checkpoint; stop at the first problem."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # One snapshot for the whole walk: a purge or appends meanwhile are not findings.
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        head = chain.read_head(conn)
        count, anchor, signed_upto, finding = _check_signatures(conn, public_key)
        start = _Walk(anchor.seq + 1, anchor.hash) if anchor else _Walk(1, chain.GENESIS_HASH)
        walk = _Walk(start.seq, start.hash)
        finding = finding or _walk(conn, walk, public_key, page)
        finding = finding or _check_end(conn, walk, head, signed_upto)
        finding = finding or _check_unchained(conn, head.legacy_max_id)
        legacy = _legacy_rows(conn, head.legacy_max_id)
    return VerifyReport(
        rows=walk.rows,
        first_seq=start.seq,
        last_seq=walk.seq - 1,
        last_hash=walk.hash,
        checkpoints=count,
        anchor_seq=start.seq - 1,
        legacy_rows=legacy,
        finding=finding,
    )


def _check_signatures(
    conn: Connection, public_key: Ed25519PublicKey
) -> tuple[int, Checkpoint | None, int, Finding | None]:
    """Check every signature; return the count, latest anchor, highest checkpoint seq."""
    count, anchor, signed_upto = 0, None, 0
    for checkpoint in chain.iter_checkpoints(conn):
        if not signature_ok(checkpoint, public_key):
            detail = f"{checkpoint.kind} at seq {checkpoint.seq} does not verify with this key"
            return (
                count,
                anchor,
                signed_upto,
                Finding(Problem.BAD_SIGNATURE, checkpoint.seq, None, detail),
            )
        count += 1
        if checkpoint.kind == chain.ANCHOR:
            anchor = checkpoint
        else:
            signed_upto = checkpoint.seq
    return count, anchor, signed_upto, None


def verify_range(
    conn: Connection, public_key: Ed25519PublicKey, after: int, after_hash: str, upto: int
) -> Finding | None:
    """Check the rows after `after` (whose hash is `after_hash`) up to `upto`, all present."""
    walk = _Walk(after + 1, after_hash)
    finding = _walk(conn, walk, public_key, 2000, upto)
    if finding is None and walk.seq <= upto:
        detail = f"seq {walk.seq}..{upto} missing"
        return Finding(Problem.DELETED, walk.seq, None, detail)
    return finding


def _walk(
    conn: Connection,
    walk: _Walk,
    public_key: Ed25519PublicKey,
    page: int,
    upto: int | None = None,
) -> Finding | None:
    """Check every row from the walk's start; advance the walk over the good ones."""
    checkpoints = _Cursor(chain.iter_checkpoints(conn, chain.CHECKPOINT, after=walk.seq - 1))
    for row in _rows(conn, walk.seq - 1, page, upto):
        finding = _check_row(row, walk) or _check_against(checkpoints, row, public_key)
        if finding is not None:
            return finding
        walk.seq, walk.hash, walk.rows = row.seq + 1, row.hash, walk.rows + 1
    return None


def _check_row(row: Row[Any], walk: _Walk) -> Finding | None:
    if row.seq != walk.seq:
        detail = (
            f"seq {walk.seq}..{row.seq - 1} missing; next row is seq {row.seq} ({row.lookup_id})"
        )
        return Finding(Problem.DELETED, walk.seq, None, detail)
    if row.prev_hash != walk.hash:
        detail = "prev_hash is not the previous row's hash: rows reordered or one inserted"
        return Finding(Problem.REORDERED, row.seq, row.lookup_id, detail)
    if chain.chain_hash(walk.hash, row._mapping) != row.hash:
        detail = "hash does not match the row's content: the row was edited"
        return Finding(Problem.EDITED, row.seq, row.lookup_id, detail)
    return None


def _check_against(
    checkpoints: _Cursor, row: Row[Any], public_key: Ed25519PublicKey
) -> Finding | None:
    checkpoint = checkpoints.advance_to(row.seq)
    if checkpoint is None or checkpoint.seq != row.seq:
        return None
    if not signature_ok(checkpoint, public_key):
        detail = f"checkpoint at seq {row.seq} does not verify with this key"
        return Finding(Problem.BAD_SIGNATURE, row.seq, None, detail)
    if checkpoint.hash == row.hash:
        return None
    detail = "hash differs from the signed checkpoint: the chain up to here was recomputed"
    return Finding(Problem.REWRITTEN, row.seq, row.lookup_id, detail)


def _check_end(
    conn: Connection, walk: _Walk, head: chain.ChainHead, signed_upto: int
) -> Finding | None:
    last = walk.seq - 1
    if signed_upto > last:
        detail = f"chain ends at seq {last}, a signed checkpoint covers seq {signed_upto}"
        return Finding(Problem.TRUNCATED, walk.seq, None, detail)
    if head.seq > last:
        detail = f"chain ends at seq {last}, the head row says {head.seq}"
        return Finding(Problem.TRUNCATED, walk.seq, None, detail)
    if head.checkpoint_seq > 0 and chain.find(conn, chain.CHECKPOINT, head.checkpoint_seq) is None:
        detail = f"the head names a checkpoint at seq {head.checkpoint_seq} that is not stored"
        return Finding(Problem.MISSING_CHECKPOINT, head.checkpoint_seq, None, detail)
    now_at = chain.read_head(conn).seq  # read again: writers may have appended meanwhile
    if now_at < last:
        detail = f"rows {now_at + 1}..{last} lie past the head: written without the chain lock"
        return Finding(Problem.PAST_HEAD, now_at + 1, None, detail)
    return None


def _check_unchained(conn: Connection, legacy_max_id: int) -> Finding | None:
    statement = select(audit_t.c.id, audit_t.c.lookup_id).where(
        audit_t.c.seq.is_(None), audit_t.c.id > legacy_max_id
    )
    row = conn.execute(statement.order_by(audit_t.c.id).limit(1)).first()
    if row is None:
        return None
    detail = f"row id {row.id} has no place in the chain: inserted outside it"
    return Finding(Problem.UNCHAINED, None, row.lookup_id, detail)


def _legacy_rows(conn: Connection, legacy_max_id: int) -> int:
    statement = select(func.count()).where(audit_t.c.seq.is_(None), audit_t.c.id <= legacy_max_id)
    return int(conn.execute(statement).scalar_one())


def _rows(conn: Connection, after: int, page: int, upto: int | None) -> Iterator[Row[Any]]:
    while True:
        statement = select(audit_t).where(audit_t.c.seq > after).order_by(audit_t.c.seq)
        if upto is not None:
            statement = statement.where(audit_t.c.seq <= upto)
        rows = conn.execute(statement.limit(page)).all()
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1].seq


class _Cursor:
    """Steps through checkpoints in seq order alongside the rows."""

    def __init__(self, checkpoints: Iterator[Checkpoint]) -> None:
        self._checkpoints = checkpoints
        self._current = next(checkpoints, None)

    def advance_to(self, seq: int) -> Checkpoint | None:
        """Return the first checkpoint at or after `seq`."""
        while self._current is not None and self._current.seq < seq:
            self._current = next(self._checkpoints, None)
        return self._current
