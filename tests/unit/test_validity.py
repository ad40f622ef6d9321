"""Validity rules at their boundaries: the day before, of and after expiry."""

from __future__ import annotations

from datetime import date

import pytest

from shared_data.catalog.models import ValidityRule, ValidityType
from shared_data.domain import RegistryRecord
from shared_data.validity import evaluate

SIX_MONTHS_OR_CHANGE = ValidityRule(
    type=ValidityType.DURATION_OR_STATE_CHANGE, duration="P6M", void_on=["marital_status_change"]
)


def record(**kwargs: object) -> RegistryRecord:
    return RegistryRecord(record_id="r1", fields={}, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("today", "reusable"),
    [(date(2025, 12, 30), True), (date(2025, 12, 31), True), (date(2026, 1, 1), False)],
)
def test_marital_status_confirmation_is_reusable_for_six_months_from_issue(
    today: date, reusable: bool
) -> None:
    validity = evaluate(SIX_MONTHS_OR_CHANGE, record(issued_on=date(2025, 7, 1)), today)
    assert validity.valid_until == date(2025, 12, 31)
    assert validity.reusable is reusable


def test_marital_status_older_than_six_months_is_not_reusable_and_says_why() -> None:
    validity = evaluate(
        SIX_MONTHS_OR_CHANGE, record(issued_on=date(2025, 7, 1)), date(2026, 11, 27)
    )
    assert not validity.reusable
    assert validity.reason == "expired: valid until 2025-12-31"


def test_marital_status_confirmation_is_void_once_the_status_changed() -> None:
    rec = record(issued_on=date(2026, 10, 1), voided_by="marital_status_change")
    validity = evaluate(SIX_MONTHS_OR_CHANGE, rec, date(2026, 10, 2))
    assert not validity.reusable
    assert "marital status change" in validity.reason


def test_permanent_document_is_always_reusable() -> None:
    rule = ValidityRule(type=ValidityType.PERMANENT)
    validity = evaluate(rule, record(issued_on=date(1990, 5, 20)), date(2026, 11, 27))
    assert validity.reusable and validity.valid_until is None


@pytest.mark.parametrize(
    ("today", "reusable"),
    [(date(2031, 5, 13), True), (date(2031, 5, 14), True), (date(2031, 5, 15), False)],
)
def test_document_with_an_expiry_date_is_reusable_through_that_day(
    today: date, reusable: bool
) -> None:
    rule = ValidityRule(type=ValidityType.UNTIL_EXPIRY)
    rec = record(issued_on=date(2021, 5, 14), valid_until=date(2031, 5, 14))
    assert evaluate(rule, rec, today).reusable is reusable


def test_current_state_document_is_void_when_the_registry_status_is_listed() -> None:
    rule = ValidityRule(type=ValidityType.CURRENT_STATE, void_on=["dissolved", "revoked"])
    validity = evaluate(rule, record(status="dissolved"), date(2026, 11, 27))
    assert not validity.reusable
    assert validity.reason == "void: registry status is dissolved"
    assert evaluate(rule, record(status="active"), date(2026, 11, 27)).reusable


@pytest.mark.parametrize(
    ("max_age", "today", "reusable"),
    [
        ("P6M", date(2026, 7, 31), True),
        ("P6M", date(2026, 8, 1), False),
        (None, date(2030, 1, 1), True),
    ],
)
def test_snapshot_maximum_age_is_set_per_procedure(
    max_age: str | None, today: date, reusable: bool
) -> None:
    rule = ValidityRule(type=ValidityType.AS_OF_SNAPSHOT)
    rec = record(issued_on=date(2026, 2, 1))
    assert evaluate(rule, rec, today, max_age=max_age).reusable is reusable


def test_abolished_paper_is_never_reusable() -> None:
    rule = ValidityRule(type=ValidityType.ABOLISHED, since="2023-01-01")
    validity = evaluate(rule, record(), date(2026, 11, 27))
    assert not validity.reusable
    assert "abolished since 2023-01-01" in validity.reason


def test_calendar_year_document_ends_on_the_last_day_of_its_year() -> None:
    rule = ValidityRule(type=ValidityType.CALENDAR_YEAR)
    rec = record(issued_on=date(2026, 3, 1))
    assert evaluate(rule, rec, date(2026, 12, 31)).reusable
    assert not evaluate(rule, rec, date(2027, 1, 1)).reusable
