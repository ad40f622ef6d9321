"""Group-commit audit log: concurrent lookups' records share one transaction.

Each `record()` waits until the transaction holding its row has committed, so no answer
leaves before its audit record is durable, while one commit serves many requests
(PERFORMANCE_NOTES.md: a commit per request caps an endpoint near 1,000 req/s).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DataError, IntegrityError

from shared_data.errors import AuditUnavailableError
from shared_data.persistence.audit_repository import AuditRepository
from shared_data.ports import AuditEntry

log = logging.getLogger(__name__)

_STOP = object()


@dataclass(frozen=True)
class AuditLogStats:
    """Counters for metrics: commits (batches) and rows, written and failed."""

    batches: int
    rows: int
    failed_batches: int
    failed_rows: int
    queued: int


@dataclass
class _Pending:
    """One row waiting for its commit, and how to tell its caller."""

    entry: AuditEntry
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]
    row: dict[str, Any] = field(default_factory=dict)

    def settle(self, error: BaseException | None) -> None:
        """Resolve the caller's future from the writer thread."""
        # RuntimeError: the caller's loop is closed, so nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(_settle, self.future, error)


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():  # the caller gave up (cancelled or timed out)
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


class GroupCommitAuditLog:
    """The `AuditLog` port over SQL: one writer thread, one transaction per batch."""

    def __init__(
        self,
        engine: Engine,
        subject_key: str | bytes,
        *,
        max_batch: int = 500,
        max_wait_ms: float = 2.0,
        max_queue: int = 10_000,
        record_timeout_s: float | None = 10.0,
    ) -> None:
        self._repository = AuditRepository(engine, subject_key)
        self._max_batch = max_batch
        self._max_wait_s = max_wait_ms / 1000
        self._record_timeout_s = record_timeout_s
        self._queue: queue.Queue[_Pending | object] = queue.Queue(max_queue)
        self._lock = threading.Lock()  # orders "accepting?" checks against the stop marker
        self._accepting = False
        self._thread: threading.Thread | None = None
        self._counts = {"batches": 0, "rows": 0, "failed_batches": 0, "failed_rows": 0}

    @property
    def stats(self) -> AuditLogStats:
        """Return a snapshot of the counters."""
        return AuditLogStats(**self._counts, queued=self._queue.qsize())

    def start(self) -> None:
        """Start the writer thread (idempotent; a closed log stays closed)."""
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
            self._accepting = True
            self._thread.start()

    async def aclose(self) -> None:
        """Stop accepting, write every row already queued, then stop the writer."""
        with self._lock:
            was_accepting, self._accepting = self._accepting, False
        if not was_accepting or self._thread is None:
            return
        # A blocking put: the stop marker must get in even behind a full queue.
        await asyncio.to_thread(self._queue.put, _STOP)
        await asyncio.to_thread(self._thread.join)

    async def record(self, entry: AuditEntry) -> None:
        """Return once the entry is committed; raise AuditUnavailableError otherwise."""
        loop = asyncio.get_running_loop()
        pending = _Pending(entry, loop, loop.create_future())
        self._enqueue(pending)
        try:
            async with asyncio.timeout(self._record_timeout_s):
                await pending.future
        except TimeoutError as exc:
            # The row may still be written later; the answer must not leave either way.
            raise AuditUnavailableError("audit store did not confirm the record in time") from exc

    async def check_writable(self) -> bool:
        """Tell whether the writer runs and the audit table accepts writes (readiness)."""
        if not self._accepting or self._thread is None or not self._thread.is_alive():
            return False
        try:
            async with asyncio.timeout(5.0):
                await asyncio.to_thread(self._repository.check_writable)
        except Exception:
            log.warning("audit store is not writable", exc_info=True)
            return False
        return True

    def _enqueue(self, pending: _Pending) -> None:
        with self._lock:
            if not self._accepting:
                raise AuditUnavailableError("audit log is not running")
            try:
                self._queue.put_nowait(pending)
            except queue.Full as exc:
                raise AuditUnavailableError("audit queue is full") from exc

    def _run(self) -> None:
        stop = False
        while not stop:
            batch, stop = self._next_batch()
            try:
                self._write(batch)
            except Exception:  # never let the writer die with callers waiting on it
                self._fail(batch)

    def _next_batch(self) -> tuple[list[_Pending], bool]:
        """Block for one row, then gather more for up to max_wait (or until max_batch)."""
        first = self._queue.get()
        if not isinstance(first, _Pending):
            return [], True
        batch = [first]
        deadline = time.monotonic() + self._max_wait_s
        while len(batch) < self._max_batch:
            try:
                item = self._queue.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                break
            if not isinstance(item, _Pending):
                return batch, True
            batch.append(item)
        return batch, False

    def _write(self, batch: list[_Pending]) -> None:
        """Commit one batch, then tell every waiter; one bad row must not sink the rest."""
        ready = [pending for pending in batch if self._prepare(pending)]
        if not ready:
            return
        try:
            self._repository.insert_rows([pending.row for pending in ready])
        except (IntegrityError, DataError):
            # A row-level fault (say a repeated lookup_id): only that row's caller should fail.
            log.warning("audit batch refused; writing its rows one by one", exc_info=True)
            for pending in ready:
                self._write_one(pending)
        except Exception:  # the store itself is failing: every waiter of the batch fails
            self._fail(ready)
        else:
            self._succeed(ready)

    def _write_one(self, pending: _Pending) -> None:
        try:
            self._repository.insert_rows([pending.row])
        except Exception:
            self._fail([pending])
            return
        self._succeed([pending])

    def _prepare(self, pending: _Pending) -> bool:
        try:
            pending.row = self._repository.to_row(pending.entry)
        except Exception:
            self._fail([pending])
            return False
        return True

    def _succeed(self, pending: list[_Pending]) -> None:
        self._counts["batches"] += 1
        self._counts["rows"] += len(pending)
        for item in pending:
            item.settle(None)

    def _fail(self, pending: list[_Pending]) -> None:
        log.error("audit records not written", extra={"rows": len(pending)}, exc_info=True)
        self._counts["failed_batches"] += 1
        self._counts["failed_rows"] += len(pending)
        for item in pending:
            item.settle(AuditUnavailableError("audit store not writable"))
