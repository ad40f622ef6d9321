"""A greedy integration order: which registry to connect next, then next, for the most procedures.

Each blocked procedure that integration could fix is summed up by its *signature*: for every
requirement that blocks it, the set of registries any one of which would satisfy it. A procedure
is restructured once every set meets the registries added so far. Procedures with the same
signature are counted together, so the 2,149 procedures collapse to a few hundred signatures.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared_data.catalog.models import Registry
from shared_data.coverage_models import RoadmapStep

Signature = tuple[frozenset[str], ...]


def greedy_roadmap(
    signatures: Mapping[Signature, int],
    restructured: int,
    procedures: int,
    registries: Mapping[str, Registry],
) -> list[RoadmapStep]:
    """Add the registry that restructures the most procedures (then lifts the most blockers)."""
    pending = dict(signatures)
    added: set[str] = set()
    done, steps = restructured, []
    candidates = sorted({r for sig in pending for options in sig for r in options})
    while pending:
        gains = {r: _gain(pending, added, r) for r in candidates if r not in added}
        best = max(gains, key=lambda r: gains[r], default=None)
        if best is None or gains[best] == (0, 0):
            break
        added.add(best)
        unlocked = [sig for sig in pending if all(options & added for options in sig)]
        done += sum(pending.pop(sig) for sig in unlocked)
        steps.append(
            RoadmapStep(
                registry=best,
                name_vi=registries[best].name_vi,
                procedures_unlocked=gains[best][0],
                restructured_after=done,
                rate_after=round(done / procedures, 4) if procedures else 0.0,
            )
        )
    return steps


def _gain(pending: Mapping[Signature, int], added: set[str], registry: str) -> tuple[int, int]:
    """(procedures restructured, blockers lifted) by adding `registry` to `added`."""
    with_it = added | {registry}
    procedures = lifted = 0
    for signature, count in pending.items():
        open_blockers = [options for options in signature if not options & added]
        if all(options & with_it for options in open_blockers):
            procedures += count
        lifted += count * sum(registry in options for options in open_blockers)
    return procedures, lifted
