"""Validity is computed, not stored: the catalog's rule applied to the registry's record today.

Boundaries: `valid_until` is the last day on which the document may be reused. A duration
counts from the issue date, so a marital-status confirmation issued on 2025-07-01 with P6M is
valid through 2025-12-31 and not reusable from 2026-01-01 (DOMAIN.md 11.5).
"""

from __future__ import annotations

from datetime import date, timedelta

from shared_data.catalog.durations import IsoDuration
from shared_data.catalog.models import ValidityRule, ValidityType
from shared_data.domain import RegistryRecord, Validity

_STATE_RULES = {ValidityType.UNTIL_STATE_CHANGE, ValidityType.CURRENT_STATE}


def _last_day(issued_on: date, duration: str) -> date:
    return IsoDuration.parse(duration).add_to(issued_on) - timedelta(days=1)


def _void_reason(rule: ValidityRule, record: RegistryRecord) -> str | None:
    if record.voided_by:
        return f"void: {record.voided_by.replace('_', ' ')}"
    if record.status and record.status in rule.void_on:
        return f"void: registry status is {record.status}"
    return None


def _time_limit(rule: ValidityRule, record: RegistryRecord, max_age: str | None) -> date | None:
    """The last day allowed by the rule's clock, before any state change is considered."""
    issued = record.issued_on
    if rule.type is ValidityType.UNTIL_EXPIRY:
        return record.valid_until
    if rule.type is ValidityType.CALENDAR_YEAR and issued:
        return date(issued.year, 12, 31)
    snapshot = rule.type is ValidityType.AS_OF_SNAPSHOT
    span = (max_age or rule.max_age) if snapshot else rule.duration
    limit = _last_day(issued, span) if issued and span else None
    if record.valid_until and (limit is None or record.valid_until < limit):
        return record.valid_until
    return limit


def evaluate(
    rule: ValidityRule, record: RegistryRecord, today: date, *, max_age: str | None = None
) -> Validity:
    """Whether `record` may be reused on `today` under `rule` (max_age: the procedure's own)."""
    if rule.type is ValidityType.ABOLISHED:
        since = f" since {rule.since}" if rule.since else ""
        return Validity(
            issued_on=record.issued_on,
            valid_until=None,
            reusable=False,
            reason=f"paper abolished{since}: use the registry data directly",
        )
    limit = None if rule.type in _STATE_RULES else _time_limit(rule, record, max_age)
    void = _void_reason(rule, record)
    if void:
        reusable, reason = False, void
    elif limit is not None and today > limit:
        reusable, reason = False, f"expired: valid until {limit.isoformat()}"
    elif rule.type is ValidityType.AS_OF_SNAPSHOT and record.issued_on is None:
        reusable, reason = True, "current registry data as of retrieval"
    else:
        reusable, reason = True, _valid_reason(rule, limit)
    return Validity(issued_on=record.issued_on, valid_until=limit, reusable=reusable, reason=reason)


def _valid_reason(rule: ValidityRule, limit: date | None) -> str:
    if limit is not None:
        return f"valid until {limit.isoformat()}"
    if rule.type is ValidityType.PERMANENT:
        return "permanent record"
    return "valid: current registry state"
