"""The writer thread's hot path: a batch appended with two statements prepared once.

Profiling showed a batch costing ≈ 1.3 ms of CPU whatever its size (docs/PERFORMANCE.md):
SQLAlchemy built, cache-keyed and bound five statements per batch (BEGIN, head lock and read,
INSERT, head update, COMMIT). The chain's rules do not change here (audit_chain.py); only
how a batch reaches the database does:

- one connection, held by the writer thread (reconnected after any failure);
- the head is remembered from the last batch this process committed, and claimed with one
  conditional UPDATE (`... WHERE seq = :seen AND hash = :seen_hash`) that also takes the
  chain's lock (PostgreSQL's row lock, SQLite's write lock) until COMMIT. If another process
  appended meanwhile, the UPDATE matches nothing: the head is then read under the lock
  (`audit_chain.lock_head`) and the batch re-sealed after it, as before. So processes sharing
  the database still take turns per batch, and a head this process never saw is never used;
- rows go in with one executemany of a statement compiled once, with SQLAlchemy's own bind
  processors for the dialect (the stored values are the ones SQLAlchemy would store);
- anything but the plain case (a checkpoint due, no remembered head) goes through the general
  path (`AuditRepository`'s SQLAlchemy statements), which also refreshes the remembered head.

A failed batch forgets the head and the connection: nothing is cached across a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert
from sqlalchemy.exc import DBAPIError

from shared_data.persistence import audit_chain as chain
from shared_data.persistence.tables import audit_chain_head_table as head_t
from shared_data.persistence.tables import audit_records_table as audit_t

# What a sealed row holds: `to_row`'s columns and the chain's own (id is the database's).
ROW_COLUMNS = tuple(column.name for column in audit_t.columns if column.name != "id")


class ChainAppender:
    """Appends sealed batches over one connection; see the module's docstring."""

    def __init__(
        self,
        engine: Engine,
        checkpoints: chain.CheckpointPolicy | None,
        clock: Callable[[], datetime],
    ) -> None:
        self._engine = engine
        self._checkpoints = checkpoints
        self._clock = clock
        dialect = engine.dialect
        self._dbapi_error: type[Exception] = dialect.loaded_dbapi.Error
        statement = insert(audit_t).values({name: bindparam(name) for name in ROW_COLUMNS})
        compiled = statement.compile(dialect=dialect)
        self._insert_sql = compiled.string
        self._positional = compiled.positional
        self._order = tuple(compiled.positiontup or ()) if compiled.positional else ROW_COLUMNS
        self._processors = {
            name: processor
            for name in ROW_COLUMNS
            if (processor := audit_t.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        }
        claim = (
            head_t.update()
            .where(
                head_t.c.id == bindparam("head_id"),
                head_t.c.seq == bindparam("seen_seq"),
                head_t.c.hash == bindparam("seen_hash"),
            )
            .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
        )
        compiled_claim = claim.compile(dialect=dialect)
        self._claim_sql = compiled_claim.string
        self._claim_order = (
            tuple(compiled_claim.positiontup or ()) if compiled_claim.positional else None
        )
        self._connection: Connection | None = None
        self.head: chain.ChainHead | None = None

    def append(self, rows: Sequence[Mapping[str, Any]]) -> bool:
        """Append rows in one transaction; False if this batch needs the general path."""
        head = self.head
        if head is None or self._checkpoint_due(head, len(rows)):
            return False
        conn = self._connect()
        try:
            with conn.begin():
                sealed, new_head = _seal(head, rows)
                if not self._claim(conn, head, new_head):
                    # Another process appended: read the head under the lock, seal again.
                    head = chain.lock_head(conn)
                    sealed, new_head = _seal(head, rows)
                    chain.save_head(conn, new_head)
                self._insert(conn, sealed)
        except BaseException:
            self.forget()
            raise
        self.head = new_head
        return True

    def forget(self) -> None:
        """Drop the remembered head and the connection (after a failure or a general batch)."""
        self.head = None
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None

    def _checkpoint_due(self, head: chain.ChainHead, count: int) -> bool:
        if self._checkpoints is None:
            return False
        after = replace(head, seq=head.seq + count)
        return self._checkpoints.due(after, self._clock())

    def _connect(self) -> Connection:
        if self._connection is None or self._connection.invalidated:
            self._connection = self._engine.connect()
        return self._connection

    def _claim(self, conn: Connection, seen: chain.ChainHead, new: chain.ChainHead) -> bool:
        values = {
            "head_id": 1,
            "seen_seq": seen.seq,
            "seen_hash": seen.hash,
            "new_seq": new.seq,
            "new_hash": new.hash,
        }
        params: Any = values
        if self._claim_order is not None:
            params = tuple(values[name] for name in self._claim_order)
        return self._execute(conn, self._claim_sql, params, many=False) == 1

    def _insert(self, conn: Connection, sealed: Sequence[Mapping[str, Any]]) -> None:
        processors = self._processors
        params: list[Any] = []
        for row in sealed:
            values = {
                name: processors[name](row.get(name)) if name in processors else row.get(name)
                for name in self._order
            }
            params.append(tuple(values.values()) if self._positional else values)
        self._execute(conn, self._insert_sql, params, many=True)

    def _execute(self, conn: Connection, sql: str, params: Any, *, many: bool) -> int:
        """Run one prepared statement on the connection's DBAPI cursor; return its rowcount.
        A DBAPI error comes out as SQLAlchemy's (the writer tells a bad row from a failing
        store by those types)."""
        cursor = conn.connection.cursor()
        try:
            (cursor.executemany if many else cursor.execute)(sql, params)
            rowcount: int = cursor.rowcount
        except self._dbapi_error as exc:
            raise DBAPIError.instance(sql, None, exc, self._dbapi_error) from exc
        finally:
            cursor.close()
        return rowcount


def _seal(
    head: chain.ChainHead, rows: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], chain.ChainHead]:
    sealed, seq, prev = chain.seal(head, rows)
    return sealed, replace(head, seq=seq, hash=prev)
