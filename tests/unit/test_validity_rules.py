"""Validity at its boundaries for the tax, licence, vehicle, health, diploma and poverty-list
document types: the catalog's own rules, applied by `shared_data.validity.evaluate`, on the
day before, the last day and the day after.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from adapters.simulators.data.licences import class_expiry
from shared_data.catalog import Catalog, load_catalog
from shared_data.domain import RegistryRecord
from shared_data.validity import evaluate

ONE_DAY = timedelta(days=1)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _reusable(
    catalog: Catalog, document_type: str, record: RegistryRecord, today: date, **kw: str
) -> bool:
    return evaluate(catalog.document_types[document_type].validity, record, today, **kw).reusable


def _record(
    issued_on: date | None = None,
    valid_until: date | None = None,
    status: str | None = None,
) -> RegistryRecord:
    return RegistryRecord(
        record_id="R1", fields={}, issued_on=issued_on, valid_until=valid_until, status=status
    )


def _around(catalog: Catalog, document_type: str, record: RegistryRecord, last: date) -> list[bool]:
    return [
        _reusable(catalog, document_type, record, day)
        for day in (last - ONE_DAY, last, last + ONE_DAY)
    ]


# --- GPLX: until the expiry of the licence's classes ----------------------------------------


def test_a_class_b_licence_is_reusable_through_its_tenth_anniversary_and_not_after(
    catalog: Catalog,
) -> None:
    issued = date(2016, 6, 1)
    expiry = class_expiry("B", issued)
    assert expiry == date(2026, 6, 1)
    licence = _record(issued, expiry, "active")
    assert _around(catalog, "GPLX", licence, expiry) == [True, True, False]


def test_a_class_c_licence_runs_five_years(catalog: Catalog) -> None:
    expiry = class_expiry("C", date(2021, 3, 15))
    assert expiry == date(2026, 3, 15)
    assert _around(catalog, "GPLX", _record(date(2021, 3, 15), expiry, "active"), expiry) == [
        True,
        True,
        False,
    ]


def test_a_licence_with_a_class_that_never_expires_stays_reusable(catalog: Catalog) -> None:
    assert class_expiry("A1", date(1990, 1, 1)) is None
    assert _reusable(catalog, "GPLX", _record(date(1990, 1, 1), None, "active"), date(2060, 1, 1))


def test_a_revoked_licence_is_void_before_its_expiry(catalog: Catalog) -> None:
    validity = evaluate(
        catalog.document_types["GPLX"].validity,
        _record(date(2021, 3, 15), date(2031, 3, 15), "revoked"),
        date(2026, 6, 1),
    )
    assert not validity.reusable and "revoked" in validity.reason


# --- GKSK_LAI_XE: 12 months from the exam ---------------------------------------------------


def test_a_driver_health_certificate_is_reusable_for_twelve_months_from_the_exam(
    catalog: Catalog,
) -> None:
    exam = _record(date(2025, 6, 2))
    last = date(2026, 6, 1)  # 2025-06-02 + 12 months - 1 day
    assert _around(catalog, "GKSK_LAI_XE", exam, last) == [True, True, False]
    validity = evaluate(catalog.document_types["GKSK_LAI_XE"].validity, exam, last + ONE_DAY)
    assert validity.reason == "expired: valid until 2026-06-01"


def test_an_exam_on_the_last_day_of_february_in_a_leap_year(catalog: Catalog) -> None:
    exam = _record(date(2024, 2, 29))
    assert _around(catalog, "GKSK_LAI_XE", exam, date(2025, 2, 27)) == [True, True, False]


# --- XN_NGHIA_VU_THUE: a snapshot at most 30 days old, void on a debt -----------------------


def test_a_tax_confirmation_is_reusable_for_thirty_days_from_its_date(catalog: Catalog) -> None:
    snapshot = _record(date(2026, 5, 1), status="fulfilled")
    assert _around(catalog, "XN_NGHIA_VU_THUE", snapshot, date(2026, 5, 30)) == [
        True,
        True,
        False,
    ]


def test_a_procedure_may_ask_for_a_fresher_tax_confirmation(catalog: Catalog) -> None:
    snapshot = _record(date(2026, 5, 1), status="fulfilled")
    assert _reusable(catalog, "XN_NGHIA_VU_THUE", snapshot, date(2026, 5, 7), max_age="P7D")
    assert not _reusable(catalog, "XN_NGHIA_VU_THUE", snapshot, date(2026, 5, 8), max_age="P7D")


@pytest.mark.parametrize("status", ["outstanding", "closed"])
def test_a_tax_account_with_a_debt_or_closed_confirms_nothing(
    catalog: Catalog, status: str
) -> None:
    assert not _reusable(
        catalog, "XN_NGHIA_VU_THUE", _record(date(2026, 5, 1), status=status), date(2026, 5, 1)
    )


def test_the_personal_tax_code_certificate_is_abolished(catalog: Catalog) -> None:
    validity = evaluate(catalog.document_types["MST_CA_NHAN"].validity, _record(), date(2026, 6, 1))
    assert not validity.reusable and validity.reason.startswith("paper abolished since 2025-07-01")


def test_a_fee_receipt_is_permanent(catalog: Catalog) -> None:
    assert _reusable(catalog, "CHUNG_TU_LPTB", _record(date(2012, 8, 6)), date(2040, 1, 1))


# --- GCN_HO_NGHEO: the calendar year of issue ------------------------------------------------


def test_a_poverty_certificate_is_reusable_to_the_end_of_its_year(catalog: Catalog) -> None:
    certificate = _record(date(2026, 1, 12), status="listed")
    assert _around(catalog, "GCN_HO_NGHEO", certificate, date(2026, 12, 31)) == [
        True,
        True,
        False,
    ]


def test_a_household_removed_from_the_list_is_void_at_once(catalog: Catalog) -> None:
    certificate = _record(date(2026, 1, 12), status="removed_from_list")
    assert not _reusable(catalog, "GCN_HO_NGHEO", certificate, date(2026, 3, 1))


# --- DK_XE, BANG_TOT_NGHIEP, health notices -------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reusable"), [("registered", True), ("transferred", False), ("deregistered", False)]
)
def test_a_vehicle_registration_holds_while_the_vehicle_stays_registered(
    catalog: Catalog, status: str, reusable: bool
) -> None:
    registration = _record(date(2021, 4, 2), status=status)
    assert _reusable(catalog, "DK_XE", registration, date(2026, 6, 1)) is reusable


@pytest.mark.parametrize(("status", "reusable"), [("valid", True), ("revoked", False)])
def test_a_diploma_is_permanent_unless_revoked(
    catalog: Catalog, status: str, reusable: bool
) -> None:
    diploma = _record(date(2012, 6, 28), status=status)
    assert _reusable(catalog, "BANG_TOT_NGHIEP", diploma, date(2050, 1, 1)) is reusable


@pytest.mark.parametrize("document_type", ["CHUNG_SINH", "BAO_TU"])
def test_birth_and_death_notices_are_permanent(catalog: Catalog, document_type: str) -> None:
    assert _reusable(catalog, document_type, _record(date(2016, 5, 3)), date(2070, 1, 1))
