"""Validity at its boundaries for BHXH, DATDAI and LLTP documents (the catalog's rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from shared_data.catalog import Catalog
from shared_data.domain import Purpose, RegistryAnswer, RegistryRecord, Subject
from shared_data.lookup import LookupQuery, LookupService
from shared_data.validity import evaluate
from tests.fakes import AllowAllGrants, FakeAdapter, FakeAuditLog

MAU = "001090912345"
CARD_ENDS = date(2026, 12, 31)


def _rule(catalog: Catalog, document_type: str):  # type: ignore[no-untyped-def]
    return catalog.document_types[document_type].validity


def _card(valid_to: date = CARD_ENDS) -> RegistryRecord:
    return RegistryRecord(
        record_id="DN4010112345678",
        fields={"card_no": "DN4010112345678", "valid_to": valid_to.isoformat()},
        issued_on=date(2026, 1, 1),
        valid_until=valid_to,
    )


@pytest.mark.parametrize(
    ("today", "reusable"),
    [
        (CARD_ENDS - timedelta(days=1), True),
        (CARD_ENDS, True),
        (CARD_ENDS + timedelta(days=1), False),
    ],
)
def test_a_health_insurance_card_is_reusable_through_its_last_valid_day(
    catalog: Catalog, today: date, reusable: bool
) -> None:
    validity = evaluate(_rule(catalog, "THE_BHYT"), _card(), today)
    assert (validity.reusable, validity.valid_until) == (reusable, CARD_ENDS)


def test_a_contribution_history_is_current_data_as_of_retrieval(catalog: Catalog) -> None:
    record = RegistryRecord(record_id="0112345678", fields={"total_months": 12})
    validity = evaluate(_rule(catalog, "SO_BHXH"), record, date(2026, 11, 27))
    assert validity.reusable and validity.valid_until is None


@pytest.mark.parametrize(
    ("status", "reusable"),
    [("active", True), ("transfer_registered", False), ("certificate_replaced", False),
     ("revoked", False)],
)  # fmt: skip
def test_a_land_certificate_is_void_once_transferred_replaced_or_revoked(
    catalog: Catalog, status: str, reusable: bool
) -> None:
    record = RegistryRecord(
        record_id="ZZ000123", fields={}, issued_on=date(2020, 10, 15), status=status
    )
    assert evaluate(_rule(catalog, "GCN_QSDD"), record, date(2026, 11, 27)).reusable is reusable


# --- LLTP_1: six months at P09 (the procedure's max_age) ------------------------------------

ISSUED = date(2026, 1, 10)
LAST_DAY = date(2026, 7, 9)  # P6M from 10 January: valid through 9 July


def _certificate() -> RegistryRecord:
    return RegistryRecord(
        record_id="LLTP1-20260110-000001",
        fields={"pin": MAU, "has_criminal_record": False, "issue_date": ISSUED.isoformat()},
        issued_on=ISSUED,
    )


async def _lookup_on(catalog: Catalog, day: date, procedure: str = "P09"):  # type: ignore[no-untyped-def]
    found = RegistryAnswer.found(_certificate(), datetime(2026, 1, 10, tzinfo=UTC))
    adapter = FakeAdapter("LLTP", {("LLTP_1", MAU): found})
    now = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    svc = LookupService(
        catalog, {"LLTP": adapter}, FakeAuditLog(), grants=AllowAllGrants(), clock=lambda: now
    )
    query = LookupQuery(
        document_type="LLTP_1",
        subject=Subject(scheme="PIN", value=MAU),
        purpose=Purpose(procedure_code=procedure),
    )
    return await svc.lookup("backend", query)


@pytest.mark.parametrize(
    ("day", "reusable"), [(LAST_DAY - timedelta(days=1), True), (LAST_DAY, True),
                          (LAST_DAY + timedelta(days=1), False)],
)  # fmt: skip
async def test_a_judicial_record_certificate_serves_p09_for_six_months(
    catalog: Catalog, day: date, reusable: bool
) -> None:
    result = await _lookup_on(catalog, day)
    assert result.validity is not None
    assert (result.validity.reusable, result.validity.valid_until) == (reusable, LAST_DAY)


def test_the_catalog_default_for_lltp_1_is_also_six_months(catalog: Catalog) -> None:
    validity = evaluate(_rule(catalog, "LLTP_1"), _certificate(), LAST_DAY + timedelta(days=1))
    assert not validity.reusable and validity.valid_until == LAST_DAY
