"""Reuse plans over fake registries: verdicts and reasons per requirement, corrections,
alternatives, shared lookups, concurrency, and the refusals that stop a whole plan."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime

import pytest

from shared_data.catalog import Catalog, load_catalog
from shared_data.catalog.models import DocumentType, Procedure
from shared_data.domain import (
    RegistryAnswer,
    RegistryRecord,
    RegistryRequest,
    Subject,
    UnavailableReason,
)
from shared_data.errors import AuditUnavailableError, InvalidIdentifierError, UnknownProcedureError
from shared_data.grants import DenialReason, Grant, GrantDeniedError
from shared_data.lookup import LookupService
from shared_data.reuse_plan import ReusePlanner
from shared_data.reuse_plan_models import PlanItem, PlanReason, ReusePlan, Verdict
from tests.fakes import AllowAllGrants, FakeAdapter, FakeAuditLog

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
GIA, DINH, MAU = "001088987654", "001195923456", "001090912345"
CHILD, PARCEL, ENTERPRISE = "001225956789", "99999-12-345", "0199900032"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def found(
    record_id: str, issued_on: date | None = date(2020, 1, 1), **extra: object
) -> RegistryAnswer:
    record = RegistryRecord(record_id=record_id, fields={}, issued_on=issued_on, **extra)
    return RegistryAnswer.found(record, NOW)


class SlowAdapter(FakeAdapter):
    """A fake registry answering after `delay_s`, like a registry 200 ms away."""

    def __init__(self, registry_id: str, answers: dict, delay_s: float) -> None:  # type: ignore[type-arg]
        super().__init__(registry_id, answers)
        self.delay_s = delay_s

    async def lookup(self, request: RegistryRequest) -> RegistryAnswer:
        await asyncio.sleep(self.delay_s)
        return await super().lookup(request)


class DenyingGrants(AllowAllGrants):
    """Grants everything but these document types."""

    def __init__(self, *denied: str) -> None:
        super().__init__()
        self.denied = set(denied)

    async def authorize(self, client_id: str, procedure: Procedure, doc: DocumentType) -> Grant:
        if doc.id in self.denied:
            raise GrantDeniedError(DenialReason.DOCUMENT_TYPE_NOT_GRANTED)
        return await super().authorize(client_id, procedure, doc)


def planner(
    catalog: Catalog,
    answers: dict[str, dict[tuple[str, str], RegistryAnswer]],
    *,
    delay_s: float = 0.0,
    grants: AllowAllGrants | None = None,
    audit: FakeAuditLog | None = None,
) -> tuple[ReusePlanner, dict[str, FakeAdapter]]:
    adapters: dict[str, FakeAdapter] = {
        registry: SlowAdapter(registry, registry_answers, delay_s)
        for registry, registry_answers in answers.items()
    }
    service = LookupService(
        catalog,
        adapters,
        audit or FakeAuditLog(),
        grants=grants or AllowAllGrants(),
        clock=lambda: NOW,
    )
    return ReusePlanner(service), adapters


def pin(value: str) -> Subject:
    return Subject(scheme="PIN", value=value)


def item(plan: ReusePlan, requirement_id: str) -> PlanItem:
    return next(i for i in plan.items if i.requirement_id == requirement_id)


async def test_marriage_with_a_confirmation_older_than_six_months_must_be_submitted(
    catalog: Catalog,
) -> None:
    answers = {
        "HOTICH": {("XN_TTHN", GIA): found("XN-GIA", issued_on=date(2025, 7, 1))},
        "DANCU": {("CCCD", GIA): found("CCCD-GIA")},
    }
    plan_maker, _ = planner(catalog, answers)
    plan = await plan_maker.plan("c1", "P03", {"applicant": pin(GIA)}, dossier_id="D-1")
    confirmation = item(plan, "P03-R2")
    assert (confirmation.verdict, confirmation.reason) == (
        Verdict.MUST_SUBMIT,
        PlanReason.NOT_REUSABLE,
    )
    assert confirmation.detail and confirmation.detail.startswith("found but not reusable")
    assert confirmation.lookup is not None and confirmation.lookup.validity is not None
    assert confirmation.lookup.validity.valid_until == date(2025, 12, 31)  # six months
    assert "expired" in confirmation.detail
    assert confirmation.correction_request is None  # the data is right, only old
    assert item(plan, "P03-R4").verdict is Verdict.SATISFIED_BY_DATA
    divorce = item(plan, "P03-R3")  # conditional: "previously divorced"
    assert (divorce.reason, divorce.correction_request) == (PlanReason.NOT_FOUND, None)
    assert "previously divorced" in (divorce.detail or "")
    assert item(plan, "P03-R5").reason is PlanReason.PARTY_NOT_GIVEN  # no spouse given
    assert item(plan, "P03-R1").reason is PlanReason.FORM
    summary = plan.summary
    assert (summary.total, summary.satisfied_by_data, summary.must_submit) == (7, 1, 6)
    assert summary.by_reason["party_not_given"] == 3


async def test_missing_record_gets_a_correction_request_to_the_registry_owner(
    catalog: Catalog,
) -> None:
    plan_maker, _ = planner(catalog, {"HOTICH": {}})
    plan = await plan_maker.plan("c1", "P14", {"applicant": pin(MAU), "child": pin(CHILD)})
    birth = item(plan, "P14-R3")
    assert (birth.verdict, birth.reason) == (Verdict.MUST_SUBMIT, PlanReason.NOT_FOUND)
    correction = birth.correction_request
    assert correction is not None
    assert (correction.registry, correction.document_type, correction.subject) == (
        "HOTICH",
        "KHAI_SINH",
        pin(CHILD),
    )
    assert correction.lookup_id == birth.lookup.lookup_id  # type: ignore[union-attr]
    assert "66.7/2025/NQ-CP" in correction.message_vi and correction.owner_vi
    # ASXH and CUTRU have no adapter here.
    assert item(plan, "P14-R2").reason is PlanReason.NOT_INTEGRATED
    assert plan.summary.corrections == 1


async def test_an_unavailable_registry_means_check_later_with_retry_after(catalog: Catalog) -> None:
    outage = RegistryAnswer.unavailable(UnavailableReason.TIMEOUT, NOW, retry_after=30.0)
    plan_maker, _ = planner(catalog, {"DANCU": {("CCCD", MAU): outage}})
    plan = await plan_maker.plan("c1", "P11", {"applicant": pin(MAU)})
    identity = item(plan, "P11-R4")
    assert (identity.verdict, identity.reason, identity.retry_after) == (
        Verdict.CHECK_LATER,
        PlanReason.UNAVAILABLE,
        30.0,
    )


async def test_a_dissolved_enterprise_is_not_reusable(catalog: Catalog) -> None:
    dissolved = found("GCN-32", status="dissolved")
    plan_maker, _ = planner(catalog, {"DKDN": {("GCN_DKDN", ENTERPRISE): dissolved}})
    parties = {
        "applicant": pin(MAU),
        "enterprise": Subject(scheme="ENTERPRISE_CODE", value=ENTERPRISE),
    }
    plan = await plan_maker.plan("c1", "P09", parties)
    registration = item(plan, "P09-R4")
    assert (registration.verdict, registration.reason) == (
        Verdict.MUST_SUBMIT,
        PlanReason.NOT_REUSABLE,
    )


async def test_alternatives_are_asked_only_when_the_first_choice_fails(catalog: Catalog) -> None:
    answers = {"DANCU": {}, "HOTICH": {("KHAI_SINH", MAU): found("KS-MAU")}}
    plan_maker, adapters = planner(catalog, answers)
    plan = await plan_maker.plan("c1", "P06", {"applicant": pin(MAU)})
    kinship = item(plan, "P06-R3")
    assert (kinship.verdict, kinship.document_type) == (Verdict.SATISFIED_BY_DATA, "KHAI_SINH")
    asked = sorted(r.document_type for r in adapters["HOTICH"].requests)
    assert asked == ["KET_HON", "KHAI_SINH", "NUOI_CON_NUOI"]
    # Found at the first choice: no alternative is asked.
    plan_maker, adapters = planner(
        catalog, {"DANCU": {("QH_NHAN_THAN", MAU): found("QH")}, "HOTICH": {}}
    )
    await plan_maker.plan("c1", "P06", {"applicant": pin(MAU)})
    assert adapters["HOTICH"].requests == []


async def test_requirements_asking_alike_share_one_lookup(catalog: Catalog) -> None:
    plan_maker, adapters = planner(catalog, {"HOTICH": {}, "DANCU": {}})
    same = pin(DINH)
    plan = await plan_maker.plan("c1", "P03", {"applicant": same, "spouse": same})
    assert len(adapters["HOTICH"].requests) == 2  # XN_TTHN and GHI_CHU_LY_HON, once each
    assert plan.summary.lookups == 3


async def test_the_owner_of_a_parcel_is_the_applicant_by_default(catalog: Catalog) -> None:
    plan_maker, adapters = planner(catalog, {"DATDAI": {("GCN_QSDD", PARCEL): found("SĐ-1")}})
    parties = {"applicant": pin(MAU), "parcel": Subject(scheme="PARCEL_KEY", value=PARCEL)}
    plan = await plan_maker.plan("c1", "P11", parties)
    assert item(plan, "P11-R2").verdict is Verdict.SATISFIED_BY_DATA
    (request,) = adapters["DATDAI"].requests
    assert request.qualifiers == {"owner": pin(MAU)}


async def test_a_refused_grant_is_not_permitted_for_that_requirement_only(
    catalog: Catalog,
) -> None:
    audit = FakeAuditLog()
    plan_maker, _ = planner(
        catalog,
        {"DANCU": {("CCCD", MAU): found("CCCD")}, "HOTICH": {}},
        grants=DenyingGrants("KET_HON"),
        audit=audit,
    )
    plan = await plan_maker.plan("c1", "P01", {"applicant": pin(MAU)})
    assert item(plan, "P01-R3").reason is PlanReason.NOT_PERMITTED
    assert item(plan, "P01-R4").verdict is Verdict.SATISFIED_BY_DATA
    assert {e.outcome for e in audit.entries} >= {"denied", "found"}


async def test_a_plan_takes_as_long_as_its_slowest_registry(catalog: Catalog) -> None:
    # P12: GCN_QSDD (DATDAI), XN_TTHN + KET_HON (HOTICH), CHUNG_TU_LPTB (THUE), CCCD (DANCU).
    registries = {"DATDAI": {}, "HOTICH": {}, "THUE": {}, "DANCU": {}}
    plan_maker, adapters = planner(catalog, registries, delay_s=0.2)
    parties = {"applicant": pin(MAU), "parcel": Subject(scheme="PARCEL_KEY", value=PARCEL)}
    started = time.perf_counter()
    plan = await plan_maker.plan("c1", "P12", parties)
    elapsed = time.perf_counter() - started
    assert plan.summary.lookups >= 5
    assert sum(len(a.requests) for a in adapters.values()) == plan.summary.lookups
    assert elapsed < 0.4


async def test_an_invalid_identifier_stops_the_plan_before_any_lookup(catalog: Catalog) -> None:
    plan_maker, adapters = planner(catalog, {"DANCU": {}})
    with pytest.raises(InvalidIdentifierError):
        await plan_maker.plan("c1", "P11", {"applicant": pin("12345")})
    assert adapters["DANCU"].requests == []


async def test_unknown_procedure_and_unwritable_audit_stop_the_plan(catalog: Catalog) -> None:
    audit = FakeAuditLog()
    audit.failing = True
    plan_maker, _ = planner(catalog, {"DANCU": {}}, audit=audit)
    with pytest.raises(UnknownProcedureError):
        await plan_maker.plan("c1", "P99", {"applicant": pin(MAU)})
    with pytest.raises(AuditUnavailableError):
        await plan_maker.plan("c1", "P11", {"applicant": pin(MAU)})
