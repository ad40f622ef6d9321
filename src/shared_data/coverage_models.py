"""What `coverage` answers: Plan 86 rates per scope, targets, eliminations, what to connect next."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from shared_data.domain import Frozen

# The whole city's scope name (agencies are named as in the catalog).
CITY = "Toàn thành phố"
# Plan 86/KH-UBND: share of the city's procedures restructured on data, and by when.
PLAN_86_TARGETS: tuple[tuple[int, date], ...] = ((80, date(2026, 6, 30)), (95, date(2026, 12, 31)))


class TargetStatus(Frozen):
    """One Plan 86 target for one scope, as of the report's date."""

    percent: int = Field(examples=[80])
    due: date = Field(examples=["2026-06-30"])
    required: int = Field(description="Restructured procedures needed to meet it (rounded up)")
    gap: int = Field(description="Procedures still to restructure (0 once met)")
    met: bool
    due_passed: bool = Field(description="The due date is before the report's date")
    days_left: int = Field(description="Days from the report's date to the due date (< 0: past)")


class Elimination(Frozen):
    """Requirements of one kind, and how many an integrated registry now stands in for."""

    total: int
    eliminated: int = Field(description="Satisfied by data (partially replaceable ones included)")
    partially: int = Field(description="Of which only partially replaceable")


class ScopeCoverage(Frozen):
    """Coverage of the whole city or of one agency."""

    scope: str = Field(examples=["Sở Tư pháp"])
    procedures: int
    restructured: int = Field(
        description="Every requirement but forms satisfied by an integrated registry (partial ok)"
    )
    restructured_fully: int = Field(description="Restructured with no partial requirement")
    rate: float = Field(description="restructured / procedures (0..1)")
    strict_rate: float = Field(description="restructured_fully / procedures (0..1)")
    blocked_by_papers: int = Field(
        description="Not restructured, and no registry integration can change that: a paper no "
        "registry holds, or one the law still requires"
    )
    targets: list[TargetStatus]
    internal_confirmations: Elimination
    paper_requirements: Elimination = Field(description="Documents (not forms, not confirmations)")


class Unlock(Frozen):
    """A registry or document type not yet integrated, and what integrating it alone would do."""

    id: str
    name_vi: str
    registry: str
    procedures_unlocked: int = Field(description="Procedures it alone would make restructured")
    requirements_satisfied: int = Field(description="Requirements it would satisfy")


class RoadmapStep(Frozen):
    """One registry of a greedy integration order, and the coverage after it."""

    registry: str
    name_vi: str
    procedures_unlocked: int
    restructured_after: int
    rate_after: float


class CoverageReport(Frozen):
    """Plan 86 coverage as of a date: the city, its agencies, and what to connect next."""

    as_of: date
    integrated_registries: list[str]
    city: ScopeCoverage
    agency: str | None = Field(default=None, description="The agency filter, if any")
    agencies: list[ScopeCoverage] = Field(description="By rate, highest first")
    registries_to_integrate: list[Unlock] = Field(
        description="Registries not integrated, by procedures unlocked then requirements satisfied"
    )
    document_types_to_integrate: list[Unlock]
    roadmap: list[RoadmapStep] = Field(
        default_factory=list,
        description="Registries in the order that restructures the most procedures at each step",
    )
