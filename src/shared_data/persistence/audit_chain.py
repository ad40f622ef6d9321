"""The audit hash chain: how rows are sealed, and the head row that serialises appends.

Every audit row is an event (pending, completed, abandoned) appended once and never updated:
an UPDATE would change a row already covered by later hashes and checkpoints, so pending ->
completed would have to re-chain, and a deletion of a pending row would leave no gap. As
events, each lookup's life is visible and every row is hashed exactly once.

    hash = SHA-256( bytes.fromhex(prev_hash) || canonical_json(content) ), as hex

where `content` maps each name in CONTENT_COLUMNS to the row's value (timestamps as
`instant()`), `prev_hash` is the previous row's hash (GENESIS_HASH before seq 1, or a purge
anchor's hash) and `seq` counts 1, 2, 3, ... without gaps.

Appends are serialised by the one-row `audit_chain_head` table, locked inside the batch's
transaction: `SELECT ... FOR UPDATE` on PostgreSQL, so API processes sharing the database take
turns per batch; on SQLite a write to that row first, which takes the database's write lock
before the head is read. A failed transaction leaves the head untouched: nothing is cached.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, Row, insert, select, update

from shared_data.canonical import canonical_json
from shared_data.persistence.audit_signing import Checkpoint, instant, sign_checkpoint
from shared_data.persistence.tables import audit_chain_head_table as head_t
from shared_data.persistence.tables import audit_checkpoints_table as checkpoints_t
from shared_data.persistence.tables import audit_records_table as audit_t

GENESIS_HASH = "0" * 64
CONTENT_COLUMNS = (
    "seq",
    "lookup_id",
    "state",
    "occurred_at",
    "client_id",
    "procedure_code",
    "dossier_id",
    "legal_basis",
    "document_type",
    "registry",
    "subject_scheme",
    "subject_ref",
    "outcome",
    "reason",
    "digest",
    "request_id",
)
CHECKPOINT = "checkpoint"
ANCHOR = "anchor"


def chain_hash(prev_hash: str, row: Mapping[Any, Any]) -> str:
    """Return the hash a row must carry after `prev_hash`."""
    content = {name: row.get(name) for name in CONTENT_COLUMNS}
    content["occurred_at"] = instant(row["occurred_at"])
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical_json(content)).hexdigest()


@dataclass(frozen=True)
class ChainHead:
    """The last link of the chain and the bookkeeping kept beside it."""

    seq: int
    hash: str
    checkpoint_seq: int
    checkpoint_at: datetime
    swept_seq: int
    legacy_max_id: int


@dataclass(frozen=True)
class CheckpointPolicy:
    """When to sign: `every` rows or `interval` after the last checkpoint, at a batch's end."""

    key: Ed25519PrivateKey
    every: int = 1000
    interval: timedelta = timedelta(minutes=5)

    def due(self, head: ChainHead, now: datetime) -> bool:
        """Tell whether the head has rows no checkpoint covers, and it is time to cover them."""
        behind = head.seq - head.checkpoint_seq
        if behind <= 0:
            return False
        return behind >= self.every or now - head.checkpoint_at >= self.interval


def lock_head(conn: Connection) -> ChainHead:
    """Take the chain's lock for this transaction and return the head."""
    statement = select(head_t).where(head_t.c.id == 1)
    if conn.dialect.name == "sqlite":
        # No row locks: a write first takes SQLite's write lock (waiting per busy_timeout),
        # so the head read next cannot be overtaken by another writer.
        conn.execute(update(head_t).where(head_t.c.id == 1).values(id=head_t.c.id))
    else:
        statement = statement.with_for_update()
    return head_from(conn.execute(statement).one())


def read_head(conn: Connection) -> ChainHead:
    """Return the head without locking it (for readers)."""
    return head_from(conn.execute(select(head_t).where(head_t.c.id == 1)).one())


def head_from(row: Row[Any]) -> ChainHead:
    """Build a ChainHead from its table row."""
    values = dict(row._mapping)
    values.pop("id")
    return ChainHead(**values)


def save_head(conn: Connection, head: ChainHead) -> None:
    """Store the head; call inside the transaction that locked it."""
    values = {name: getattr(head, name) for name in ("seq", "hash", "checkpoint_seq")}
    values |= {"checkpoint_at": head.checkpoint_at, "swept_seq": head.swept_seq}
    conn.execute(update(head_t).where(head_t.c.id == 1).values(values))


def seal(
    head: ChainHead, rows: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], int, str]:
    """Seal rows in order after the head: the sealed rows, the last seq and the last hash."""
    sealed: list[dict[str, Any]] = []
    seq, prev = head.seq, head.hash
    for row in rows:
        seq += 1
        link = {**row, "seq": seq, "prev_hash": prev}
        prev = link["hash"] = chain_hash(prev, link)
        sealed.append(link)
    return sealed, seq, prev


def append(conn: Connection, head: ChainHead, rows: Sequence[Mapping[str, Any]]) -> ChainHead:
    """Seal rows in order after the head, insert them, and return the new head."""
    sealed, seq, prev = seal(head, rows)
    if sealed:
        conn.execute(insert(audit_t), sealed)
    return replace(head, seq=seq, hash=prev)


def write_checkpoint(
    conn: Connection, head: ChainHead, key: Ed25519PrivateKey, now: datetime
) -> ChainHead:
    """Sign and store a checkpoint of the head; return the head that remembers it."""
    store_signed(conn, sign_checkpoint(key, CHECKPOINT, head.seq, head.hash, now))
    return replace(head, checkpoint_seq=head.seq, checkpoint_at=now)


def store_signed(conn: Connection, checkpoint: Checkpoint) -> None:
    """Insert a signed checkpoint or anchor."""
    values = {
        "kind": checkpoint.kind,
        "seq": checkpoint.seq,
        "hash": checkpoint.hash,
        "created_at": checkpoint.created_at,
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
    }
    conn.execute(insert(checkpoints_t).values(values))


def iter_checkpoints(
    conn: Connection, kind: str | None = None, *, after: int = -1, page: int = 1000
) -> Iterator[Checkpoint]:
    """Yield stored checkpoints (and anchors) with seq > `after` in seq order, page by page."""
    last: tuple[int, str] = (after, "~")  # "~" sorts after both kinds: seq `after` is skipped
    while True:
        statement = select(checkpoints_t).order_by(checkpoints_t.c.seq, checkpoints_t.c.kind)
        statement = statement.where(
            (checkpoints_t.c.seq > last[0])
            | ((checkpoints_t.c.seq == last[0]) & (checkpoints_t.c.kind > last[1]))
        )
        if kind is not None:
            statement = statement.where(checkpoints_t.c.kind == kind)
        rows = conn.execute(statement.limit(page)).all()
        yield from (Checkpoint(**row._mapping) for row in rows)
        if len(rows) < page:
            return
        last = (rows[-1].seq, rows[-1].kind)


def find(conn: Connection, kind: str, seq: int) -> Checkpoint | None:
    """Return the checkpoint or anchor of this kind at this seq, if stored."""
    statement = select(checkpoints_t).where(
        checkpoints_t.c.kind == kind, checkpoints_t.c.seq == seq
    )
    row = conn.execute(statement).first()
    return None if row is None else Checkpoint(**row._mapping)


def latest(conn: Connection, kind: str) -> Checkpoint | None:
    """Return the checkpoint or anchor of this kind with the highest seq."""
    statement = select(checkpoints_t).where(checkpoints_t.c.kind == kind)
    row = conn.execute(statement.order_by(checkpoints_t.c.seq.desc()).limit(1)).first()
    return None if row is None else Checkpoint(**row._mapping)


def maybe_checkpoint(
    conn: Connection, head: ChainHead, policy: CheckpointPolicy | None, now: datetime
) -> ChainHead:
    """Sign a checkpoint of the head if the policy says it is due."""
    if policy is None or not policy.due(head, now):
        return head
    return write_checkpoint(conn, head, policy.key, now)


def export_checkpoints(engine: Engine) -> Iterator[str]:
    """Yield every checkpoint and anchor as a JSON line a third party can verify."""
    with engine.connect() as conn:
        for checkpoint in iter_checkpoints(conn):
            yield checkpoint.export_line()
