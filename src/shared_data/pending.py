"""Pending lookups: registries that answer later (LLTP), and collecting their answers.

A lookup whose registry answers `pending` with a ticket is kept (`PendingLookupStore`) under
its lookup id; its client collects it with `LookupService.collect` (`GET /v1/lookups/{id}`),
which asks the registry's `PendingCollector` about the ticket and answers like a lookup.
Each collect is audited as a read of its own, under `collect_event_id(lookup_id)`: the
lookup id, `-c` and 12 random hex digits, so the audit log ties every collect to its lookup
while keeping one pending and one completed event per read.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shared_data.domain import Outcome, RegistryAnswer, RegistryRequest, UnavailableReason
from shared_data.ports import PendingCollector, RegistryAdapter

# Outcomes that end a pending lookup; `pending` and `unavailable` leave it waiting.
FINAL_OUTCOMES = frozenset({Outcome.FOUND, Outcome.NOT_FOUND})


def collect_event_id(lookup_id: str) -> str:
    """The audit id of one collect of `lookup_id`."""
    return f"{lookup_id}-c{uuid.uuid4().hex[:12]}"


def collector_of(adapter: RegistryAdapter | None) -> PendingCollector | None:
    """`adapter` if it can collect pending answers, else None."""
    return adapter if isinstance(adapter, PendingCollector) else None


async def collect_from(
    adapter: RegistryAdapter | None, request: RegistryRequest, ticket: str
) -> RegistryAnswer:
    """Ask `adapter` about `ticket`; `unavailable` if it cannot collect (wrappers delegate here)."""
    collector = collector_of(adapter)
    if collector is None:
        return RegistryAnswer.unavailable(
            UnavailableReason.NOT_INTEGRATED,
            datetime.now(UTC),
            detail=f"registry {request.registry} cannot be asked about pending lookups",
        )
    return await collector.collect(request, ticket)
