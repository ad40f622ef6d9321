"""ISO 8601 calendar durations (P6M, P1Y, P12M, P30D) and date arithmetic on them.

Only the date part is supported: validity periods are whole days, months and years. Adding
months clamps to the last day of the month (2025-08-31 + P6M = 2026-02-28), as legal periods
counted in months do.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_PATTERN = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?", re.ASCII)


@dataclass(frozen=True, slots=True)
class IsoDuration:
    """A calendar duration of years, months and days."""

    years: int = 0
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> IsoDuration:
        """Parse `PnYnMnWnD` (date part only); raise ValueError otherwise."""
        match = _PATTERN.fullmatch(text) if isinstance(text, str) else None
        if match is None or not any(match.groups()):
            raise ValueError(
                f"not an ISO 8601 date duration (PnYnMnD, e.g. P6M, P1Y, P30D): {text!r}"
            )
        years, months, weeks, days = (int(group or 0) for group in match.groups())
        return cls(years=years, months=months, days=weeks * 7 + days)

    def add_to(self, start: date) -> date:
        """The date this duration after `start`, clamping to the end of a shorter month."""
        total = start.year * 12 + (start.month - 1) + self.years * 12 + self.months
        year, month = divmod(total, 12)
        day = min(start.day, calendar.monthrange(year, month + 1)[1])
        return date(year, month + 1, day) + timedelta(days=self.days)

    def subtract_from(self, end: date) -> date:
        """The date this duration before `end` (days first, then months, clamping)."""
        shifted = end - timedelta(days=self.days)
        total = shifted.year * 12 + (shifted.month - 1) - self.years * 12 - self.months
        year, month = divmod(total, 12)
        day = min(shifted.day, calendar.monthrange(year, month + 1)[1])
        return date(year, month + 1, day)

    def __str__(self) -> str:
        parts = [(self.years, "Y"), (self.months, "M"), (self.days, "D")]
        body = "".join(f"{n}{unit}" for n, unit in parts if n)
        return f"P{body or '0D'}"


def parse_iso_duration(text: str) -> IsoDuration:
    """Parse an ISO 8601 date duration such as P6M; raise ValueError if it is not one."""
    return IsoDuration.parse(text)
