"""Abandoned lookups: a pending event whose completion never came gets an `abandoned` event.

Abandonment is decided by age, not by process: a lookup is abandoned once it has been pending
longer than `audit_abandon_after_s` (default 60 s). A live lookup cannot be pending that long:
the whole lookup is bounded by `lookup_deadline_s` (5 s) plus the audit's own timeout (10 s).
So a sweep by any process, at start-up or later, never abandons another live process's
in-flight lookup, needs no process registry or heartbeat, and also closes lookups of a live
process whose request was cancelled between begin and complete. Clocks of the API hosts need
only agree to within the grace period.

A sweep reads outside the chain lock, then appends under it after checking again that no
completion (or another process's abandonment) arrived meanwhile. `swept_seq` on the head
remembers below which seq every pending event is settled, so a sweep only reads recent rows.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, exists, select

from shared_data.persistence import audit_chain as chain
from shared_data.persistence.audit_repository import ABANDONED, PENDING
from shared_data.persistence.tables import audit_records_table as audit_t

REASON = "no_completion"
_COPIED = (
    "lookup_id",
    "client_id",
    "procedure_code",
    "dossier_id",
    "legal_basis",
    "document_type",
    "registry",
    "subject_scheme",
    "subject_ref",
    "request_id",
)


def abandon_stale(
    engine: Engine,
    *,
    older_than: datetime,
    now: datetime,
    checkpoints: chain.CheckpointPolicy | None = None,
    page: int = 1000,
) -> int:
    """Append `abandoned` for every lookup pending since before `older_than`; return how many."""
    total = 0
    while True:
        with engine.connect() as conn:
            head = chain.read_head(conn)
            open_rows = _open_pending(conn, head.swept_seq, head.seq, page)
        stale = [row for row in open_rows if row.occurred_at < older_than]
        young = [row.seq for row in open_rows if row.occurred_at >= older_than]
        full_page = len(open_rows) == page
        settled_to = _settled_to(young, open_rows[-1].seq if full_page else head.seq)
        total += _abandon(engine, stale, head.swept_seq, settled_to, now, checkpoints)
        if young or not full_page:
            return total


def _settled_to(young: list[int], read_to: int) -> int:
    """Up to which seq every pending event is now completed or abandoned."""
    if young:  # still in flight, or may be: settled only below the first of them
        return young[0] - 1
    return read_to


def _open_pending(conn: Connection, after: int, upto: int, limit: int) -> list[Row[Any]]:
    """Pending events in (after, upto] whose lookup has no later event, in seq order."""
    settled = audit_t.alias("settled")
    statement = (
        select(audit_t)
        .where(audit_t.c.state == PENDING, audit_t.c.seq > after, audit_t.c.seq <= upto)
        .where(
            ~exists().where(settled.c.lookup_id == audit_t.c.lookup_id, settled.c.state != PENDING)
        )
        .order_by(audit_t.c.seq)
        .limit(limit)
    )
    return list(conn.execute(statement).all())


def _abandon(
    engine: Engine,
    stale: list[Row[Any]],
    swept: int,
    settled_to: int,
    now: datetime,
    checkpoints: chain.CheckpointPolicy | None,
) -> int:
    if not stale and settled_to <= swept:
        return 0  # nothing to write: do not take the chain lock
    with engine.begin() as conn:
        head = chain.lock_head(conn)
        done = _settled(conn, [row.lookup_id for row in stale])
        rows = [_abandoned(row, now) for row in stale if row.lookup_id not in done]
        head = chain.append(conn, head, rows)
        head = replace(head, swept_seq=max(head.swept_seq, settled_to))
        chain.save_head(conn, chain.maybe_checkpoint(conn, head, checkpoints, now))
    return len(rows)


def _settled(conn: Connection, lookup_ids: list[str]) -> set[str]:
    """Which of these lookups gained a completion or abandonment since they were read."""
    if not lookup_ids:
        return set()
    statement = select(audit_t.c.lookup_id).where(
        audit_t.c.lookup_id.in_(lookup_ids), audit_t.c.state != PENDING
    )
    return set(conn.execute(statement).scalars())


def _abandoned(pending: Row[Any], now: datetime) -> dict[str, Any]:
    row = {name: pending._mapping[name] for name in _COPIED}
    return row | {
        "occurred_at": now,
        "state": ABANDONED,
        "outcome": None,
        "reason": REASON,
        "digest": None,
    }
