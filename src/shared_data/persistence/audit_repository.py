"""The audit records table: chained appends in batches, and the few reads ops and tests need.

Rows are events of a lookup (audit_chain.py explains why): `pending` before the registry is
asked, then `completed` with the outcome, or `abandoned` if the completion never came.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Row, delete, exists, func, literal, select

from shared_data.domain import Frozen
from shared_data.persistence import audit_chain as chain
from shared_data.persistence.audit_append import ChainAppender
from shared_data.persistence.audit_signing import Checkpoint
from shared_data.persistence.keys import subject_key_bytes, subject_ref
from shared_data.persistence.tables import audit_chain_head_table as head_t
from shared_data.persistence.tables import audit_records_table as audit_t
from shared_data.ports import AuditEntry, AuditStart

PENDING = "pending"
COMPLETED = "completed"
ABANDONED = "abandoned"
_START_FIELDS = tuple(name for name in AuditStart.model_fields if name != "subject_value")
_OUTCOME_FIELDS = ("outcome", "reason", "digest")


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class AuditRecord(Frozen):
    """One stored audit event: the subject appears only as its keyed reference."""

    id: int
    lookup_id: str
    occurred_at: datetime
    client_id: str
    procedure_code: str
    dossier_id: str | None
    legal_basis: str | None
    document_type: str
    registry: str
    subject_scheme: str
    subject_ref: str
    outcome: str | None
    reason: str | None
    digest: str | None
    request_id: str | None
    state: str
    seq: int | None
    prev_hash: str | None
    hash: str | None


class AuditRepository:
    """Appends audit events to the hash chain (one transaction per batch) and reads them."""

    def __init__(
        self,
        engine: Engine,
        subject_key: str | bytes,
        *,
        checkpoints: chain.CheckpointPolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self._subject_key = subject_key_bytes(subject_key)
        self._checkpoints = checkpoints
        self._clock = clock

    def subject_ref(self, scheme: str, value: str) -> str:
        """Return the keyed reference under which a subject's records are stored."""
        return subject_ref(self._subject_key, scheme, value)

    def to_row(self, entry: AuditStart, state: str = COMPLETED) -> dict[str, Any]:
        """Turn an event into a row, replacing the raw identifier by its keyed reference."""
        if entry.occurred_at.utcoffset() is None:
            raise ValueError("occurred_at must be timezone-aware")
        # Read from the model's values (`__dict__`): model_dump per row was a third of the
        # writer thread's cost per row (docs/PERFORMANCE.md).
        values = entry.__dict__
        row: dict[str, Any] = {name: values[name] for name in _START_FIELDS}
        if state != PENDING and isinstance(entry, AuditEntry):
            row["outcome"] = str(entry.outcome)
            row["reason"] = entry.reason
            row["digest"] = entry.digest
        else:
            row |= dict.fromkeys(_OUTCOME_FIELDS)
        row["occurred_at"] = entry.occurred_at.astimezone(UTC)
        row["subject_ref"] = self.subject_ref(entry.subject_scheme, entry.subject_value)
        row["state"] = state
        return row

    def append_many(self, entries: Sequence[AuditEntry]) -> None:
        """Write completed records in one transaction: all of them, or none."""
        self.insert_rows([self.to_row(entry) for entry in entries])

    def insert_rows(self, rows: Sequence[Mapping[str, Any]]) -> chain.ChainHead | None:
        """Chain rows made by `to_row` in order and insert them in one transaction.

        Return the head after them (None if there were none). The writer thread's usual path
        is `appender()`'s; this one serves everything else, checkpoints included.
        """
        if not rows:
            return None
        with self._engine.begin() as conn:
            head = chain.append(conn, chain.lock_head(conn), rows)
            head = chain.maybe_checkpoint(conn, head, self._checkpoints, self._clock())
            chain.save_head(conn, head)
        return head

    def appender(self) -> ChainAppender:
        """A fast appender for one thread (the writer's; audit_append.py)."""
        return ChainAppender(self._engine, self._checkpoints, self._clock)

    def checkpoint(self) -> Checkpoint | None:
        """Sign a checkpoint of the head now (on demand); None if no row is left uncovered."""
        if self._checkpoints is None:
            raise ValueError("no signing key: checkpoints cannot be signed")
        with self._engine.begin() as conn:
            head = chain.lock_head(conn)
            if head.seq <= head.checkpoint_seq:
                return None
            head = chain.write_checkpoint(conn, head, self._checkpoints.key, self._clock())
            chain.save_head(conn, head)
            return chain.latest(conn, chain.CHECKPOINT)

    def checkpoint_if_due(self) -> None:
        """Sign a checkpoint if the policy says one is due (only a read when it is not)."""
        if self._checkpoints is None:
            return
        now = self._clock()
        with self._engine.connect() as conn:
            if not self._checkpoints.due(chain.read_head(conn), now):
                return
        with self._engine.begin() as conn:
            head = chain.lock_head(conn)
            chain.save_head(conn, chain.maybe_checkpoint(conn, head, self._checkpoints, now))

    def check_writable(self) -> None:
        """Raise if the tables cannot be written now (writes that touch no row, rolled back)."""
        with self._engine.connect() as conn:
            conn.execute(delete(audit_t).where(literal(1) == 0))
            conn.execute(head_t.update().where(literal(1) == 0).values(seq=head_t.c.seq))
            conn.rollback()

    def count(self) -> int:
        """Return the number of stored events."""
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(audit_t)).scalar_one())

    def by_lookup_id(self, lookup_id: str) -> AuditRecord | None:
        """Return the latest event of one lookup (its current state), if any."""
        statement = (
            select(audit_t)
            .where(audit_t.c.lookup_id == lookup_id)
            .order_by(audit_t.c.seq.desc().nulls_last())
            .limit(1)
        )
        with self._engine.connect() as conn:
            row = conn.execute(statement).first()
        return None if row is None else _record_from(row)

    def events(self, lookup_id: str) -> list[AuditRecord]:
        """Return every event of one lookup, in chain order."""
        statement = select(audit_t).where(audit_t.c.lookup_id == lookup_id).order_by(audit_t.c.seq)
        with self._engine.connect() as conn:
            return [_record_from(row) for row in conn.execute(statement)]

    def for_subject(self, subject_ref: str, limit: int = 100) -> list[AuditRecord]:
        """Return a subject's most recent lookups (each at its latest event), newest first."""
        later = audit_t.alias("later")
        superseded = exists().where(
            later.c.lookup_id == audit_t.c.lookup_id, later.c.seq > audit_t.c.seq
        )
        statement = (
            select(audit_t)
            .where(audit_t.c.subject_ref == subject_ref, ~superseded)
            .order_by(audit_t.c.occurred_at.desc(), audit_t.c.id.desc())
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [_record_from(row) for row in conn.execute(statement)]


def _record_from(row: Row[Any]) -> AuditRecord:
    return AuditRecord.model_validate(dict(row._mapping))
