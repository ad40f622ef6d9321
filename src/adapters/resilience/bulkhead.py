"""A bulkhead: bounded concurrency per registry that fails fast when full.

No queueing: a lookup that finds every slot taken is refused at once with
`RegistryError(BULKHEAD_FULL, retriable=False)`, so one hung registry holds at most
`max_concurrent` lookups and cannot starve lookups to the others. Single event loop: the
check and the increment happen without an await in between, so no lock is needed.
"""

from __future__ import annotations

from types import TracebackType

from shared_data.domain import UnavailableReason
from shared_data.errors import RegistryError


class Bulkhead:
    """`async with bulkhead:` holds one of `max_concurrent` slots, or raises when none is free."""

    def __init__(self, max_concurrent: int, *, name: str = "", retry_after_s: float = 1.0) -> None:
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        self.max_concurrent = max_concurrent
        self.name = name
        self.retry_after_s = retry_after_s
        self.in_use = 0
        self.rejected = 0

    @property
    def available(self) -> int:
        return self.max_concurrent - self.in_use

    def try_acquire(self) -> bool:
        """Take a slot if one is free; never waits."""
        if self.in_use >= self.max_concurrent:
            self.rejected += 1
            return False
        self.in_use += 1
        return True

    def release(self) -> None:
        self.in_use = max(0, self.in_use - 1)

    async def __aenter__(self) -> Bulkhead:
        if not self.try_acquire():
            raise RegistryError(
                UnavailableReason.BULKHEAD_FULL,
                f"{self.name or 'registry'}: {self.max_concurrent} lookups already in flight",
                retriable=False,
                retry_after=self.retry_after_s,
            )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
