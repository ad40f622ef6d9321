"""Group-commit audit log: concurrent lookups' events share one chained transaction.

Each `begin()`, `complete()` and `record()` waits until the transaction holding its event has
committed, so no registry is asked before the pending event is durable and no answer leaves
before the completion is, while one commit serves many requests (PERFORMANCE_NOTES.md: a
commit per request caps an endpoint near 1,000 req/s). The writer thread also signs
checkpoints (every N rows or T seconds) and marks abandoned lookups (audit_recovery.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import queue
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from shared_data.errors import AuditUnavailableError
from shared_data.persistence.audit_chain import CheckpointPolicy
from shared_data.persistence.audit_recovery import abandon_stale
from shared_data.persistence.audit_repository import (
    COMPLETED,
    PENDING,
    AuditRepository,
)
from shared_data.persistence.audit_signing import Checkpoint, public_key_pem, signing_key_for
from shared_data.persistence.audit_writer import (
    STOP,
    AuditLogStats,
    AuditWriter,
    QueuedEvent,
    QueuedJob,
    Waiter,
)
from shared_data.persistence.db import is_sqlite
from shared_data.ports import AuditEntry, AuditStart
from shared_data.settings import Settings

__all__ = ["AuditLogStats", "GroupCommitAuditLog"]

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def _tick_s(checkpoints: CheckpointPolicy | None, abandon_after_s: float) -> float:
    # Idle ticks sign time-based checkpoints and sweep abandoned lookups: often enough for
    # both, never a busy loop, at least once a minute.
    interval_s = 600.0 if checkpoints is None else checkpoints.interval.total_seconds()
    return min(max(min(interval_s / 10, abandon_after_s / 2), 1.0), 60.0)


def _expire(future: asyncio.Future[Any]) -> None:
    # The row may still be written later; the answer must not leave either way.
    if not future.done():
        future.set_exception(
            AuditUnavailableError("audit store did not confirm the record in time")
        )


class GroupCommitAuditLog:
    """The `AuditLog` port over SQL: one writer thread, one chained transaction per batch."""

    def __init__(
        self,
        engine: Engine,
        subject_key: str | bytes,
        *,
        max_batch: int = 500,
        max_wait_ms: float = 2.0,
        quiet_ms: float = 0.3,
        write_lone_events_inline: bool = False,
        max_queue: int = 10_000,
        record_timeout_s: float | None = 10.0,
        checkpoints: CheckpointPolicy | None = None,
        abandon_after_s: float = 60.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self._policy = checkpoints
        self._repository = AuditRepository(
            engine, subject_key, checkpoints=self._policy, clock=clock
        )
        self._abandon_after = timedelta(seconds=abandon_after_s)
        self._clock = clock
        self._record_timeout_s = record_timeout_s
        # An embedded database's lone event is committed on the event loop itself (below).
        self._inline = write_lone_events_inline
        self._writer = AuditWriter(
            self._repository,
            self._maintain,
            max_batch=max_batch,
            max_wait_s=max_wait_ms / 1000,
            quiet_s=quiet_ms / 1000,
            max_queue=max_queue,
            tick_s=_tick_s(checkpoints, abandon_after_s),
        )
        self._lock = threading.Lock()  # orders "accepting?" checks against the stop marker
        self._accepting = False
        # Events of the current loop iteration, per event loop, not yet handed to the writer.
        self._outboxes: dict[asyncio.AbstractEventLoop, list[QueuedEvent]] = {}
        self._thread: threading.Thread | None = None

    @classmethod
    def from_settings(cls, engine: Engine, settings: Settings) -> GroupCommitAuditLog:
        """Build the log the settings describe (signing key included; see audit_signing)."""
        configured = settings.audit_signing_key
        key = signing_key_for(
            None if configured is None else configured.get_secret_value(), settings.database_url
        )
        interval = timedelta(seconds=settings.audit_checkpoint_interval_s)
        return cls(
            engine,
            settings.audit_subject_key.get_secret_value(),
            max_batch=settings.audit_max_batch,
            max_wait_ms=settings.audit_max_wait_ms,
            quiet_ms=settings.audit_quiet_ms,
            # Only SQLite: a local file's commit takes ~0.2 ms; a networked database's could
            # stall the event loop, so its events always go through the writer thread.
            write_lone_events_inline=settings.audit_inline_commit
            and is_sqlite(settings.database_url),
            checkpoints=CheckpointPolicy(key, settings.audit_checkpoint_every, interval),
            abandon_after_s=settings.audit_abandon_after_s,
        )

    @property
    def stats(self) -> AuditLogStats:
        """Return a snapshot of the counters (queued: accepted, not yet taken by the writer)."""
        stats = self._writer.stats
        posted = sum(len(outbox) for outbox in list(self._outboxes.values()))
        return dataclasses.replace(stats, queued=stats.queued + posted)

    def public_key_pem(self) -> str | None:
        """Return the PEM of the key checkpoints are signed with (None: no signing key)."""
        return None if self._policy is None else public_key_pem(self._policy.key)

    def start(self) -> None:
        """Start the writer thread and queue a sweep for lookups a dead process left pending."""
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(
                target=self._writer.run, name="audit-writer", daemon=True
            )
            self._accepting = True
            self._thread.start()
        # Nobody waits for this one: start-up must not block on the database.
        self._writer.queue.put(QueuedJob(self._sweep))

    async def aclose(self) -> None:
        """Stop accepting, write every row already queued, then stop the writer."""
        self._flush(asyncio.get_running_loop())  # what this loop posted goes before the stop
        with self._lock:
            was_accepting, self._accepting = self._accepting, False
        if not was_accepting or self._thread is None:
            return
        # A blocking put: the stop marker must get in even behind a full queue.
        await asyncio.to_thread(self._writer.queue.put, STOP)
        await asyncio.to_thread(self._thread.join)

    async def begin(self, start: AuditStart) -> None:
        """Return once the lookup's pending event is committed."""
        await self._append(start, PENDING)

    async def complete(self, entry: AuditEntry) -> None:
        """Return once the lookup's completed event is committed."""
        await self._append(entry, COMPLETED)

    async def record(self, entry: AuditEntry) -> None:
        """Return once the entry is committed, as one completed event (no pending before it)."""
        await self._append(entry, COMPLETED)

    async def recover_abandoned(self) -> int:
        """Mark lookups pending past the grace period abandoned now; return how many."""
        result: int = await self._run(self._sweep)
        return result

    async def checkpoint(self) -> Checkpoint | None:
        """Sign a checkpoint of the chain's head now (None when nothing new to cover)."""
        if self._policy is None:
            raise ValueError("this audit log has no signing key")
        result: Checkpoint | None = await self._run(self._repository.checkpoint)
        return result

    async def check_writable(self) -> bool:
        """Tell whether the writer runs and the audit tables accept writes (readiness)."""
        if not self._accepting or self._thread is None or not self._thread.is_alive():
            return False
        try:
            async with asyncio.timeout(5.0):
                await asyncio.to_thread(self._repository.check_writable)
        except Exception:
            log.warning("audit store is not writable", exc_info=True)
            return False
        return True

    async def _append(self, entry: AuditStart, state: str) -> None:
        loop = asyncio.get_running_loop()
        event = QueuedEvent(loop, loop.create_future(), entry, state)
        self._post(loop, event)
        await self._wait_for(event)

    def _post(self, loop: asyncio.AbstractEventLoop, event: QueuedEvent) -> None:
        """Hand the event to the writer with the others of this loop iteration: one queue put
        (one wake-up of the writer thread) per iteration, not per event. Profiling showed the
        put's condition-variable notify at ≈ 7 % of a cached lookup's CPU under load."""
        if not self._accepting:
            raise AuditUnavailableError("audit log is not running")
        outbox = self._outboxes.get(loop)
        if outbox is None:
            outbox = self._outboxes[loop] = []
        outbox.append(event)
        if len(outbox) == 1:
            loop.call_soon(self._flush, loop)

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        events = self._outboxes.pop(loop, None)
        if not events:
            return
        # One event, nobody else writing: commit it here, sparing two thread handoffs.
        lone = self._inline and len(events) == 1 and self._accepting
        if lone and self._writer.write_now(events):
            return
        try:
            self._enqueue(events)
        except AuditUnavailableError as exc:
            for event in events:
                event.settle(error=exc)

    async def _run(self, job: Callable[[], Any]) -> Any:
        loop = asyncio.get_running_loop()
        waiter = Waiter(loop, loop.create_future())
        return await self._wait(QueuedJob(job, waiter), waiter)

    async def _wait(self, item: QueuedJob, waiter: Waiter) -> Any:
        self._enqueue(item)
        return await self._wait_for(waiter)

    async def _wait_for(self, waiter: Waiter) -> Any:
        # A timer that fails the future, rather than asyncio.timeout() around the await: the
        # same bound at a fraction of the cost on every lookup (docs/PERFORMANCE.md).
        if self._record_timeout_s is None:
            return await waiter.future
        timer = waiter.loop.call_later(self._record_timeout_s, _expire, waiter.future)
        try:
            return await waiter.future
        finally:
            timer.cancel()

    def _enqueue(self, item: list[QueuedEvent] | QueuedJob) -> None:
        with self._lock:
            if not self._accepting:
                raise AuditUnavailableError("audit log is not running")
            try:
                self._writer.queue.put_nowait(item)
            except queue.Full as exc:
                raise AuditUnavailableError("audit queue is full") from exc

    def _sweep(self) -> int:
        now = self._clock()
        return abandon_stale(
            self._engine,
            older_than=now - self._abandon_after,
            now=now,
            checkpoints=self._policy,
        )

    def _maintain(self) -> None:
        self._sweep()
        if self._policy is not None:
            self._repository.checkpoint_if_due()
