"""The audit records table: batched appends and the few reads ops and tests need."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Row, delete, func, insert, literal, select

from shared_data.domain import Frozen
from shared_data.persistence.keys import subject_key_bytes, subject_ref
from shared_data.persistence.tables import audit_records_table as audit_t
from shared_data.ports import AuditEntry


class AuditRecord(Frozen):
    """One stored audit record: the subject appears only as its keyed reference."""

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
    outcome: str
    reason: str | None
    digest: str | None
    request_id: str | None
    state: str


class AuditRepository:
    """Appends audit records (Core executemany, one transaction) and reads them back."""

    def __init__(self, engine: Engine, subject_key: str | bytes) -> None:
        self._engine = engine
        self._subject_key = subject_key_bytes(subject_key)

    def subject_ref(self, scheme: str, value: str) -> str:
        """Return the keyed reference under which a subject's records are stored."""
        return subject_ref(self._subject_key, scheme, value)

    def to_row(self, entry: AuditEntry) -> dict[str, Any]:
        """Turn an entry into a row, replacing the raw identifier by its keyed reference."""
        if entry.occurred_at.utcoffset() is None:
            raise ValueError("occurred_at must be timezone-aware")
        row = entry.model_dump(exclude={"subject_value"})
        row["occurred_at"] = entry.occurred_at.astimezone(UTC)
        row["outcome"] = str(entry.outcome)
        row["subject_ref"] = self.subject_ref(entry.subject_scheme, entry.subject_value)
        return row

    def append_many(self, entries: Sequence[AuditEntry]) -> None:
        """Write the entries in one transaction: all of them, or none."""
        self.insert_rows([self.to_row(entry) for entry in entries])

    def insert_rows(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert rows made by `to_row` in one transaction (executemany)."""
        if not rows:
            return
        # A hash chain would be computed here, inside the transaction, over `rows` in order.
        with self._engine.begin() as conn:
            conn.execute(insert(audit_t), list(rows))

    def check_writable(self) -> None:
        """Raise if the table cannot be written now (a write that touches no row, rolled back)."""
        with self._engine.connect() as conn:
            conn.execute(delete(audit_t).where(literal(1) == 0))
            conn.rollback()

    def count(self) -> int:
        """Return the number of stored records."""
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(audit_t)).scalar_one())

    def by_lookup_id(self, lookup_id: str) -> AuditRecord | None:
        """Return the record of one lookup, if any."""
        with self._engine.connect() as conn:
            row = conn.execute(select(audit_t).where(audit_t.c.lookup_id == lookup_id)).first()
        return None if row is None else _record_from(row)

    def for_subject(self, subject_ref: str, limit: int = 100) -> list[AuditRecord]:
        """Return a subject's most recent records, newest first."""
        statement = (
            select(audit_t)
            .where(audit_t.c.subject_ref == subject_ref)
            .order_by(audit_t.c.occurred_at.desc(), audit_t.c.id.desc())
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [_record_from(row) for row in conn.execute(statement)]


def _record_from(row: Row[Any]) -> AuditRecord:
    return AuditRecord.model_validate(dict(row._mapping))
