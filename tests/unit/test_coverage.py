"""Plan 86 coverage, checked number by number against a small catalog computed by hand.

Seven procedures over three agencies; DANCU and HOTICH are integrated, DATDAI and BHXH are not.

| code | agency      | requirements besides one form                | judged as                |
|------|-------------|----------------------------------------------|--------------------------|
| A1   | UBND cấp xã | CCCD, KHAI_SINH                              | restructured, fully      |
| A2   | UBND cấp xã | XN_TTHN (confirmation), KHAI_SINH partial    | restructured, partially  |
| A3   | UBND cấp xã | CCCD, GCN_QSDD, THONG_TIN_THUA_DAT (confirm.) | blocked by DATDAI alone  |
| B1   | Sở Tư pháp  | SO_BHXH, GCN_QSDD                            | blocked by BHXH + DATDAI |
| B2   | Sở Tư pháp  | a contract no registry holds, CCCD           | blocked by a paper       |
| C1   | Sở Nội vụ   | SO_BHXH or (alternative) KHAI_SINH, CCCD     | restructured, fully      |
| C2   | Sở Nội vụ   | SO_BHXH                                      | blocked by BHXH alone    |
"""

from __future__ import annotations

import time
import unicodedata
from datetime import date
from typing import Any

import pytest

from shared_data.catalog import load_catalog
from shared_data.catalog.demo_catalog import DEMO_CATALOG_DIR
from shared_data.catalog.models import (
    Catalog,
    DocumentType,
    Procedure,
    Registry,
    Requirement,
    ValidityRule,
    ValidityType,
)
from shared_data.coverage import (
    CoverageCache,
    CoverageIndex,
    RequirementJudge,
    RequirementStatus,
    UnknownAgencyError,
    integrated_registries,
)
from shared_data.coverage_models import CITY, CoverageReport, ScopeCoverage

INTEGRATED = frozenset({"DANCU", "HOTICH"})
AS_OF = date(2026, 3, 20)
XA, TU_PHAP, NOI_VU = "UBND cấp xã", "Sở Tư pháp", "Sở Nội vụ"


def _registry(registry_id: str, *, integrated: bool = True) -> Registry:
    return Registry(
        id=registry_id,
        name_vi=f"CSDL {registry_id}",
        name_en=registry_id,
        owner_vi="Bộ",
        owner_en="Ministry",
        keys=["PIN"],
        integrated=integrated,
    )


def _doc(
    doc_id: str, registry: str, *, confirmation: bool = False, obsolete: bool = False
) -> DocumentType:
    validity = ValidityRule(type=ValidityType.ABOLISHED if obsolete else ValidityType.PERMANENT)
    return DocumentType(
        id=doc_id,
        name_vi=f"Giấy {doc_id}",
        name_en=doc_id,
        registry=registry,
        key="PIN",
        fields=["pin"],
        validity=validity,
        internal_confirmation=confirmation,
        obsolete=obsolete,
    )


def _procedure(code: str, agency: str, *requirements: dict[str, Any]) -> Procedure:
    form = {"kind": "form", "paper_code": "DON", "name_vi": "Đơn", "replaceable_by_lookup": "false"}
    reqs = [
        Requirement.model_validate({"id": f"{code}-R{n}", **fields})
        for n, fields in enumerate([form, *requirements], start=1)
    ]
    return Procedure(code=code, name_vi=f"Thủ tục {code}", agency=agency, requirements=reqs)


def doc(doc_id: str, replaceable: str = "true", **extra: Any) -> dict[str, Any]:
    return {
        "kind": "document",
        "document_type": doc_id,
        "replaceable_by_lookup": replaceable,
        **extra,
    }


def confirmation(doc_id: str) -> dict[str, Any]:
    return {"kind": "internal_confirmation", "document_type": doc_id}


def small_catalog(*, extra_registries: tuple[Registry, ...] = ()) -> Catalog:
    registries = [_registry(r) for r in ("DANCU", "HOTICH", "DATDAI", "BHXH")]
    docs = [
        _doc("CCCD", "DANCU"),
        _doc("KHAI_SINH", "HOTICH"),
        _doc("XN_TTHN", "HOTICH", confirmation=True),
        _doc("GCN_QSDD", "DATDAI"),
        _doc("THONG_TIN_THUA_DAT", "DATDAI", confirmation=True),
        _doc("SO_BHXH", "BHXH"),
    ]
    contract = {
        "kind": "document",
        "paper_code": "HOP_DONG",
        "name_vi": "Hợp đồng",
        "replaceable_by_lookup": "false",
    }
    procedures = [
        _procedure("A1", XA, doc("CCCD"), doc("KHAI_SINH")),
        _procedure("A2", XA, confirmation("XN_TTHN"), doc("KHAI_SINH", "partial")),
        _procedure("A3", XA, doc("CCCD"), doc("GCN_QSDD"), confirmation("THONG_TIN_THUA_DAT")),
        _procedure("B1", TU_PHAP, doc("SO_BHXH"), doc("GCN_QSDD")),
        _procedure("B2", TU_PHAP, contract, doc("CCCD")),
        _procedure("C1", NOI_VU, doc("SO_BHXH", alternatives=["KHAI_SINH"]), doc("CCCD")),
        _procedure("C2", NOI_VU, doc("SO_BHXH")),
    ]
    return Catalog(
        registries={r.id: r for r in [*registries, *extra_registries]},
        schemes={},
        document_types={d.id: d for d in docs},
        procedures={p.code: p for p in procedures},
    )


@pytest.fixture(scope="module")
def report() -> CoverageReport:
    return CoverageIndex.build(small_catalog(), INTEGRATED).report(AS_OF)


def scope(report: CoverageReport, name: str) -> ScopeCoverage:
    return next(s for s in report.agencies if s.scope == name)


def test_city_counts_restructured_procedures_with_partial_ones_and_without(
    report: CoverageReport,
) -> None:
    city = report.city
    assert city.scope == CITY
    assert (city.procedures, city.restructured, city.restructured_fully) == (7, 3, 2)
    assert city.rate == 0.4286  # 3/7
    assert city.strict_rate == 0.2857  # 2/7
    assert city.blocked_by_papers == 1  # B2: the contract


def test_city_gap_to_plan_86_targets(report: CoverageReport) -> None:
    eighty, ninety_five = report.city.targets
    assert (eighty.percent, eighty.due, eighty.required, eighty.gap) == (
        80,
        date(2026, 6, 30),
        6,
        3,
    )
    assert (ninety_five.percent, ninety_five.required, ninety_five.gap) == (95, 7, 4)
    assert not eighty.met and not ninety_five.met
    assert not eighty.due_passed and eighty.days_left == 102


def test_internal_confirmations_and_papers_eliminated(report: CoverageReport) -> None:
    confirmations, papers = report.city.internal_confirmations, report.city.paper_requirements
    # XN_TTHN (A2) is looked up; THONG_TIN_THUA_DAT (A3) is not yet.
    assert (confirmations.total, confirmations.eliminated, confirmations.partially) == (2, 1, 0)
    # 12 documents; looked up: A1 x2, A2 x1 (partial), A3 CCCD, B2 CCCD, C1 x2.
    assert (papers.total, papers.eliminated, papers.partially) == (12, 7, 1)


def test_each_agency_by_hand_highest_rate_first(report: CoverageReport) -> None:
    assert [s.scope for s in report.agencies] == [XA, NOI_VU, TU_PHAP]
    xa, noi_vu, tu_phap = report.agencies
    assert (xa.procedures, xa.restructured, xa.restructured_fully, xa.rate) == (3, 2, 1, 0.6667)
    assert [(t.required, t.gap) for t in xa.targets] == [(3, 1), (3, 1)]
    assert (xa.internal_confirmations.total, xa.internal_confirmations.eliminated) == (2, 1)
    assert (xa.paper_requirements.total, xa.paper_requirements.eliminated) == (5, 4)
    assert (noi_vu.procedures, noi_vu.restructured, noi_vu.rate) == (2, 1, 0.5)
    assert (noi_vu.paper_requirements.total, noi_vu.paper_requirements.eliminated) == (3, 2)
    assert (tu_phap.procedures, tu_phap.restructured, tu_phap.rate) == (2, 0, 0.0)
    assert tu_phap.blocked_by_papers == 1
    assert [(t.required, t.gap) for t in tu_phap.targets] == [(2, 2), (2, 2)]


def test_registries_ranked_by_procedures_unlocked_then_requirements(
    report: CoverageReport,
) -> None:
    ranking = [
        (u.id, u.procedures_unlocked, u.requirements_satisfied)
        for u in report.registries_to_integrate
    ]
    # DATDAI alone restructures A3 and lifts 3 requirements (A3 x2, B1); BHXH restructures C2
    # and lifts 2 (B1, C2). B1 needs both: no single registry unlocks it.
    assert ranking == [("DATDAI", 1, 3), ("BHXH", 1, 2)]


def test_document_types_ranked_by_procedures_unlocked(report: CoverageReport) -> None:
    ranking = [
        (u.id, u.registry, u.procedures_unlocked, u.requirements_satisfied)
        for u in report.document_types_to_integrate
    ]
    # A3 needs GCN_QSDD *and* THONG_TIN_THUA_DAT: neither document type alone unlocks it.
    assert ranking == [
        ("SO_BHXH", "BHXH", 1, 2),
        ("GCN_QSDD", "DATDAI", 0, 2),
        ("THONG_TIN_THUA_DAT", "DATDAI", 0, 1),
    ]


def test_roadmap_adds_the_registry_that_restructures_most_at_each_step(
    report: CoverageReport,
) -> None:
    steps = [
        (s.registry, s.procedures_unlocked, s.restructured_after, s.rate_after)
        for s in report.roadmap
    ]
    # After DATDAI, BHXH restructures both B1 and C2; B2 (the contract) stays out of reach.
    assert steps == [("DATDAI", 1, 4, 0.5714), ("BHXH", 2, 6, 0.8571)]


def test_agency_filter_ranks_what_that_agency_needs() -> None:
    index = CoverageIndex.build(small_catalog(), INTEGRATED)
    report = index.report(AS_OF, agency="sở nội vụ")  # case does not matter
    assert report.agency == NOI_VU
    assert [s.scope for s in report.agencies] == [NOI_VU]
    assert report.city.procedures == 7
    ranking = [
        (u.id, u.procedures_unlocked, u.requirements_satisfied)
        for u in report.registries_to_integrate
    ]
    assert ranking == [("BHXH", 1, 1), ("DATDAI", 0, 0)]
    assert [(s.registry, s.restructured_after) for s in report.roadmap] == [("BHXH", 2)]


def test_agency_filter_accepts_decomposed_unicode() -> None:
    index = CoverageIndex.build(small_catalog(), INTEGRATED)
    assert index.find_agency(unicodedata.normalize("NFD", TU_PHAP)) == TU_PHAP


def test_unknown_agency_is_refused() -> None:
    index = CoverageIndex.build(small_catalog(), INTEGRATED)
    with pytest.raises(UnknownAgencyError, match="Sở Không Có"):
        index.report(AS_OF, agency="Sở Không Có")


def test_targets_after_their_due_date() -> None:
    report = CoverageIndex.build(small_catalog(), INTEGRATED).report(date(2026, 7, 1))
    eighty, ninety_five = report.city.targets
    assert (eighty.due_passed, eighty.days_left) == (True, -1)
    assert (ninety_five.due_passed, ninety_five.days_left) == (False, 183)


def test_every_registry_integrated_leaves_only_papers_no_registry_holds() -> None:
    everything = frozenset({"DANCU", "HOTICH", "DATDAI", "BHXH"})
    report = CoverageIndex.build(small_catalog(), everything).report(AS_OF)
    assert (report.city.restructured, report.city.blocked_by_papers) == (6, 1)
    assert report.registries_to_integrate == []
    assert report.roadmap == []


def test_integrated_means_an_adapter_in_service_and_not_switched_off_in_the_catalog() -> None:
    catalog = small_catalog(extra_registries=(_registry("LLTP", integrated=False),))
    in_service = ["DANCU", "HOTICH", "LLTP", "NOT_IN_CATALOG"]
    assert integrated_registries(catalog, in_service) == {"DANCU", "HOTICH"}


def test_requirement_statuses() -> None:
    catalog = small_catalog()
    judge = RequirementJudge(catalog, INTEGRATED)
    a2, b2 = catalog.procedures["A2"].requirements, catalog.procedures["B2"].requirements
    assert judge(a2[0]).status is RequirementStatus.FORM
    assert judge(a2[1]).status is RequirementStatus.SATISFIED
    assert judge(a2[2]).status is RequirementStatus.PARTIAL
    assert judge(b2[1]).status is RequirementStatus.NO_REGISTRY
    b1 = judge(catalog.procedures["B1"].requirements[1])
    assert (b1.status, b1.registries, b1.document_types) == (
        RequirementStatus.NOT_INTEGRATED,
        {"BHXH"},
        {"SO_BHXH"},
    )
    not_replaceable = Requirement(
        id="X", kind="document", document_type="CCCD", replaceable_by_lookup="false"
    )
    assert judge(not_replaceable).status is RequirementStatus.NOT_REPLACEABLE


def test_an_abolished_document_type_is_held_by_no_registry() -> None:
    catalog = small_catalog()
    docs = {**catalog.document_types, "SO_HO_KHAU": _doc("SO_HO_KHAU", "DANCU", obsolete=True)}
    catalog = catalog.model_copy(update={"document_types": docs})
    requirement = Requirement(id="X", kind="document", document_type="SO_HO_KHAU")
    assert (
        RequirementJudge(catalog, INTEGRATED)(requirement).status is RequirementStatus.NO_REGISTRY
    )


def test_cache_rebuilds_only_when_the_catalog_or_the_integrated_set_changes() -> None:
    cache, catalog = CoverageCache(), small_catalog()
    first = cache.index(catalog, INTEGRATED)
    assert cache.index(catalog, frozenset(INTEGRATED)) is first
    assert cache.index(catalog, INTEGRATED | {"BHXH"}) is not first
    assert cache.index(small_catalog(), INTEGRATED) is not first


def test_demo_catalog_coverage_is_fast() -> None:
    catalog = load_catalog(DEMO_CATALOG_DIR)
    started = time.perf_counter()
    index = CoverageIndex.build(catalog, INTEGRATED)
    report = index.report(AS_OF)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    index.report(AS_OF)
    warm = time.perf_counter() - started
    assert report.city.procedures == 2149
    # Measured ~60 ms cold and ~2 ms warm; the bounds leave room for a loaded CI machine.
    assert cold < 0.5
    assert warm < 0.1
