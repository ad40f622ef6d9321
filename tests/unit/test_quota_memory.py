"""The in-memory distinct-subject count stays bounded under an enumeration."""

from __future__ import annotations

from shared_data.quotas import InMemoryQuotas, QuotaLimits


async def test_an_enumeration_is_flagged_throughout_while_memory_stays_bounded() -> None:
    quotas = InMemoryQuotas(QuotaLimits(distinct_subjects_per_hour=5), "key")
    flags = [await quotas.note_subject("c-1", "PIN", f"0011950{n:05d}") for n in range(1000)]
    assert flags[:5] == [False] * 5 and all(flags[5:])  # the sixth distinct subject and after
    assert await quotas.note_subject("c-1", "PIN", "001195000000")  # a repeat is flagged too
    _, seen = quotas._subjects["c-1"]
    assert len(seen) == 6  # not 1,000
