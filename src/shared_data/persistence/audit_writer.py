"""The audit writer thread: queued events become one chained transaction per batch.

The chain is computed here, in order, inside the batch's transaction (audit_chain.py), so the
hashing costs one pass over the batch and callers only wait for the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import DataError, IntegrityError

from shared_data.errors import AuditUnavailableError
from shared_data.persistence.audit_repository import AuditRepository
from shared_data.ports import AuditStart

log = logging.getLogger(__name__)

STOP = object()


@dataclass(frozen=True)
class AuditLogStats:
    """Counters for metrics: commits (batches) and rows, written and failed."""

    batches: int
    rows: int
    failed_batches: int
    failed_rows: int
    queued: int
    # Of the batches, those a caller committed itself (`AuditWriter.write_now`).
    inline_batches: int = 0


@dataclass
class Waiter:
    """Someone on an event loop waiting for the writer thread."""

    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]

    def settle(self, result: Any = None, error: BaseException | None = None) -> None:
        """Resolve the caller's future from the writer thread."""
        # RuntimeError: the caller's loop is closed, so nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(_settle, self.future, result, error)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the caller gave up (cancelled or timed out)
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


@dataclass
class QueuedEvent(Waiter):
    """One event waiting for its commit."""

    entry: AuditStart
    state: str
    row: dict[str, Any] = field(default_factory=dict)


@dataclass
class QueuedJob:
    """Chain work other than appending events (recovery, a checkpoint), run in queue order."""

    run: Callable[[], Any]
    waiter: Waiter | None = None

    def settle(self, result: Any = None, error: BaseException | None = None) -> None:
        """Tell the waiter, if anyone waits."""
        if self.waiter is not None:
            self.waiter.settle(result, error)


class AuditWriter:
    """The loop of the writer thread: gather a batch, chain and commit it, tell the waiters."""

    def __init__(
        self,
        repository: AuditRepository,
        maintain: Callable[[], None],
        *,
        max_batch: int,
        max_wait_s: float,
        max_queue: int,
        quiet_s: float | None = None,
        tick_s: float,
    ) -> None:
        # Events arrive in lists (those of one event-loop iteration), jobs one by one.
        self.queue: queue.Queue[list[QueuedEvent] | QueuedJob | object] = queue.Queue(max_queue)
        self._repository = repository
        # Used by the writer thread only: it holds that thread's connection (audit_append.py).
        self._appender = repository.appender()
        self._maintain = maintain
        self._max_batch = max_batch
        self._max_wait_s = max_wait_s
        self._quiet_s = max_wait_s if quiet_s is None else min(quiet_s, max_wait_s)
        self._tick_s = tick_s
        self._next_tick = time.monotonic() + tick_s
        self._busy = False  # did the last batch hold more than one event?
        self._carry: list[QueuedEvent] = []  # events taken from the queue, for the next batch
        # Held while writing: by this thread for each batch, job and tick, or by a caller
        # writing a lone event itself (`write_now`).
        self._write_lock = threading.Lock()
        self._counts = {
            "batches": 0,
            "rows": 0,
            "failed_batches": 0,
            "failed_rows": 0,
            "inline_batches": 0,
        }

    @property
    def stats(self) -> AuditLogStats:
        """Return a snapshot of the counters."""
        return AuditLogStats(**self._counts, queued=self.queue.qsize() + len(self._carry))

    def run(self) -> None:
        """Write batches until the stop marker, which comes after every row queued before it."""
        stopping = False
        try:
            while not stopping or self._carry:
                batch, job, stop = self._next_batch()
                stopping = stopping or stop
                with self._write_lock:
                    try:
                        self._write(batch)
                    except Exception:  # never let the writer die with callers waiting on it
                        self._fail(batch)
                    if job is not None:
                        self._run_job(job)
                    self._tick()
        finally:
            self._appender.forget()

    def _next_batch(self) -> tuple[list[QueuedEvent], QueuedJob | None, bool]:
        """Block for one item (or a tick), then gather events for up to max_wait.

        Adaptive: a lone event after a lone event (one lookup at a time) is committed at once,
        since nobody else is coming and waiting would only add max_wait to its answer; once a
        batch held more than one event (concurrent lookups), the next one waits up to max_wait
        for company. Committing at once under load made 2-row commits, each costing ~1.3 ms of
        CPU (BEGIN, head lock, insert, head update, COMMIT) taken from the lookups themselves.
        The wait ends early once no event came for `quiet_s`: a burst (a reuse plan's six
        lookups) is committed as soon as it is over; a steady stream fills up to max_wait.
        Events beyond `max_batch` wait in `_carry` for the next batch.
        """
        if self._carry:
            first: object = self._carry
            self._carry = []
        else:
            try:
                first = self.queue.get(timeout=self._tick_s)
            except queue.Empty:
                return [], None, False
        if not isinstance(first, list):
            return [], first if isinstance(first, QueuedJob) else None, first is STOP
        batch = self._take(first, self._max_batch)
        wait_s = self._max_wait_s if self._busy or not self.queue.empty() else 0.0
        deadline = time.monotonic() + wait_s
        while len(batch) < self._max_batch and not self._carry:
            wait = min(deadline - time.monotonic(), self._quiet_s)
            try:
                item = self.queue.get(timeout=max(wait, 0.0))
            except queue.Empty:
                break
            if not isinstance(item, list):
                return batch, item if isinstance(item, QueuedJob) else None, item is STOP
            batch.extend(self._take(item, self._max_batch - len(batch)))
        self._busy = len(batch) > 1
        return batch, None, False

    def write_now(self, events: list[QueuedEvent]) -> bool:
        """Write `events` on the calling thread if this writer is idle; False if it is not.

        For a lone event on an embedded database (GroupCommitAuditLog): handing it to this
        thread and back costs more than the commit itself (thread wake-ups and GIL handoffs,
        twice per uncached lookup; docs/PERFORMANCE.md). Idle means nothing queued, nothing
        carried over, and no batch, job or tick in progress.
        """
        if self._carry or not self.queue.empty() or not self._write_lock.acquire(blocking=False):
            return False
        try:
            batches = self._counts["batches"]
            try:
                self._write(events)
            except Exception:
                self._fail(events)
            self._counts["inline_batches"] += self._counts["batches"] - batches
        finally:
            self._write_lock.release()
        return True

    def _take(self, events: list[QueuedEvent], room: int) -> list[QueuedEvent]:
        self._carry = events[room:]
        return events[:room]

    def _run_job(self, job: QueuedJob) -> None:
        self._appender.head = None  # a job may move the head (a sweep appends rows)
        try:
            result = job.run()
        except Exception:
            log.exception("audit chain job failed")
            job.settle(error=AuditUnavailableError("audit store not writable"))
        else:
            job.settle(result)

    def _tick(self) -> None:
        if time.monotonic() < self._next_tick:
            return
        self._next_tick = time.monotonic() + self._tick_s
        self._appender.head = None  # maintenance may move the head (sweeps, checkpoints)
        try:
            self._maintain()
        except Exception:  # maintenance is retried at the next tick; appends go on
            log.exception("audit chain maintenance failed")

    def _write(self, batch: list[QueuedEvent]) -> None:
        """Commit one batch, then tell every waiter; one bad row must not sink the rest."""
        ready = [event for event in batch if self._prepare(event)]
        if not ready:
            return
        try:
            self._insert([event.row for event in ready])
        except (IntegrityError, DataError):
            # A row-level fault (say a repeated event): only that row's caller should fail.
            log.warning("audit batch refused; writing its rows one by one", exc_info=True)
            for event in ready:
                self._write_one(event)
        except Exception:  # the store itself is failing: every waiter of the batch fails
            self._fail(ready)
        else:
            self._succeed(ready)

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        """The fast path when it applies, else the general one (which tells it the head)."""
        if self._appender.append(rows):
            return
        self._appender.forget()
        self._appender.head = self._repository.insert_rows(rows)

    def _write_one(self, event: QueuedEvent) -> None:
        try:
            self._insert([event.row])
        except Exception:
            self._fail([event])
            return
        self._succeed([event])

    def _prepare(self, event: QueuedEvent) -> bool:
        try:
            event.row = self._repository.to_row(event.entry, event.state)
        except Exception:
            self._fail([event])
            return False
        return True

    def _succeed(self, events: list[QueuedEvent]) -> None:
        self._counts["batches"] += 1
        self._counts["rows"] += len(events)
        for event in events:
            event.settle()

    def _fail(self, events: list[QueuedEvent]) -> None:
        if not events:
            return
        log.error("audit records not written", extra={"rows": len(events)}, exc_info=True)
        self._counts["failed_batches"] += 1
        self._counts["failed_rows"] += len(events)
        for event in events:
            event.settle(error=AuditUnavailableError("audit store not writable"))
