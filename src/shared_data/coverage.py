"""Plan 86 coverage: how many procedures are restructured on data now, and what to connect next.

A requirement is judged against the set of *integrated* registries (an adapter in service, and
not switched off in the catalog):

- a form is the applicant's own; it never counts;
- a document or internal confirmation is `satisfied` when its document type, or one of its
  alternatives, is attested by an integrated registry and it is replaceable by lookup (`true`);
  `partial` when the same holds but it is only `partial`ly replaceable (the data exists for some
  applicants; the others fall back to the paper, as Resolution 66.7 allows);
- otherwise it is `not_integrated` (a catalog registry holds it, none is integrated yet),
  `no_registry` (a paper no catalog registry holds) or `not_replaceable` (the law still asks for
  the paper).

A procedure is **restructured** when every requirement that is not a form is satisfied or
partial; **fully** restructured when none is partial. Plan 86's rates count restructured
procedures (partial included); the strict rate is reported beside it. A registry (or document
type) **unlocks** a procedure when integrating it alone would make that procedure restructured.
Pure: the caller says which registries are integrated and what day it is.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from shared_data.catalog.models import Catalog, Replaceable, Requirement, RequirementKind
from shared_data.coverage_models import (
    CITY,
    PLAN_86_TARGETS,
    CoverageReport,
    Elimination,
    RoadmapStep,
    ScopeCoverage,
    TargetStatus,
    Unlock,
)
from shared_data.coverage_roadmap import Signature, greedy_roadmap
from shared_data.errors import UnknownProcedureError


class RequirementStatus(StrEnum):
    """How one requirement stands against the integrated registries."""

    FORM = "form"
    SATISFIED = "satisfied"
    PARTIAL = "partial"
    NOT_INTEGRATED = "not_integrated"
    NO_REGISTRY = "no_registry"
    NOT_REPLACEABLE = "not_replaceable"


class UnknownAgencyError(UnknownProcedureError):
    """No procedure of the catalog belongs to this agency (a 404, like an unknown procedure)."""

    code = "unknown_agency"
    title = "Unknown agency"


_COVERED = {RequirementStatus.SATISFIED, RequirementStatus.PARTIAL}


def integrated_registries(catalog: Catalog, in_service: Iterable[str]) -> frozenset[str]:
    """Registries with an adapter in service that the catalog does not mark as not integrated."""
    return frozenset(
        r for r in in_service if r in catalog.registries and catalog.registries[r].integrated
    )


@dataclass(frozen=True, slots=True)
class Judgement:
    """One requirement against the integrated registries, and what would satisfy it."""

    status: RequirementStatus
    # For not_integrated: the registries, and the document types, any one of which would do.
    registries: frozenset[str] = frozenset()
    document_types: frozenset[str] = frozenset()

    @property
    def blocks(self) -> bool:
        """It keeps its procedure from being restructured."""
        return self.status not in _COVERED and self.status is not RequirementStatus.FORM


class RequirementJudge:
    """Judges requirements, remembering each distinct (kind, types, replaceability) it has seen."""

    def __init__(self, catalog: Catalog, integrated: frozenset[str]) -> None:
        self._catalog = catalog
        self._integrated = integrated
        self._memo: dict[tuple[object, ...], Judgement] = {}

    def __call__(self, req: Requirement) -> Judgement:
        """The judgement of `req` (see the module docstring)."""
        key = (req.kind, req.document_type, tuple(req.alternatives), req.replaceable_by_lookup)
        judgement = self._memo.get(key)
        if judgement is None:
            judgement = self._memo[key] = self._judge(req)
        return judgement

    def _judge(self, req: Requirement) -> Judgement:
        if req.kind is RequirementKind.FORM:
            return Judgement(RequirementStatus.FORM)
        if req.document_type is None:
            return Judgement(RequirementStatus.NO_REGISTRY)
        if req.replaceable_by_lookup is Replaceable.NO:
            return Judgement(RequirementStatus.NOT_REPLACEABLE)
        docs = self._catalog.document_types
        usable = frozenset(
            d for d in [req.document_type, *req.alternatives] if d in docs and not docs[d].obsolete
        )
        registries = frozenset(docs[d].registry for d in usable)
        if not registries:
            return Judgement(RequirementStatus.NO_REGISTRY)
        if registries & self._integrated:
            partial = req.replaceable_by_lookup is Replaceable.PARTIAL
            return Judgement(RequirementStatus.PARTIAL if partial else RequirementStatus.SATISFIED)
        return Judgement(RequirementStatus.NOT_INTEGRATED, registries, usable)


@dataclass(slots=True)
class _Tally:
    """Counts of one scope (the city or an agency), filled procedure by procedure."""

    procedures: int = 0
    restructured: int = 0
    fully: int = 0
    unfixable: int = 0
    confirmations: Counter[RequirementStatus] = field(default_factory=Counter)
    papers: Counter[RequirementStatus] = field(default_factory=Counter)
    registry_unlocks: Counter[str] = field(default_factory=Counter)
    registry_requirements: Counter[str] = field(default_factory=Counter)
    doc_unlocks: Counter[str] = field(default_factory=Counter)
    doc_requirements: Counter[str] = field(default_factory=Counter)
    # Blocked procedures that integration could fix, by the registry options of each blocker.
    signatures: Counter[Signature] = field(default_factory=Counter)

    def count(self, judgements: list[tuple[RequirementKind, Judgement]]) -> None:
        """Add one procedure, given the judgement of each of its requirements."""
        self.procedures += 1
        for kind, judgement in judgements:
            if kind is RequirementKind.FORM:
                continue
            confirmation = kind is RequirementKind.INTERNAL_CONFIRMATION
            (self.confirmations if confirmation else self.papers)[judgement.status] += 1
            for registry in judgement.registries:
                self.registry_requirements[registry] += 1
            for doc_id in judgement.document_types:
                self.doc_requirements[doc_id] += 1
        blockers = [judgement for _, judgement in judgements if judgement.blocks]
        if not blockers:
            self.restructured += 1
            self.fully += all(j.status is not RequirementStatus.PARTIAL for _, j in judgements)
        elif not all(judgement.registries for judgement in blockers):
            self.unfixable += 1
        else:
            for registry in frozenset.intersection(*(j.registries for j in blockers)):
                self.registry_unlocks[registry] += 1
            for doc_id in frozenset.intersection(*(j.document_types for j in blockers)):
                self.doc_unlocks[doc_id] += 1
            self.signatures[tuple(sorted((j.registries for j in blockers), key=sorted))] += 1

    def add(self, other: _Tally) -> None:
        """Add another scope's counts to this one (the city is the sum of its agencies)."""
        self.procedures += other.procedures
        self.restructured += other.restructured
        self.fully += other.fully
        self.unfixable += other.unfixable
        for name in _COUNTERS:
            getattr(self, name).update(getattr(other, name))


_COUNTERS = (
    "confirmations",
    "papers",
    "registry_unlocks",
    "registry_requirements",
    "doc_unlocks",
    "doc_requirements",
    "signatures",
)


@dataclass(frozen=True, slots=True)
class CoverageIndex:
    """Everything coverage needs, computed once per catalog and integrated set."""

    catalog: Catalog
    integrated: frozenset[str]
    tallies: Mapping[str, _Tally]
    # Roadmaps by scope, computed on first request (they do not depend on the date).
    _roadmaps: dict[str, list[RoadmapStep]] = field(default_factory=dict, compare=False)

    @classmethod
    def build(cls, catalog: Catalog, integrated: frozenset[str]) -> CoverageIndex:
        """Classify every requirement of every procedure once."""
        tallies: dict[str, _Tally] = {CITY: _Tally()}
        judge = RequirementJudge(catalog, integrated)
        for procedure in catalog.procedures.values():
            judgements = [(req.kind, judge(req)) for req in procedure.requirements]
            tallies.setdefault(procedure.agency, _Tally()).count(judgements)
        for agency, tally in tallies.items():
            if agency != CITY:
                tallies[CITY].add(tally)
        return cls(catalog, integrated, tallies)

    @property
    def agencies(self) -> list[str]:
        """Agencies in catalog order of first appearance."""
        return [scope for scope in self.tallies if scope != CITY]

    def find_agency(self, name: str) -> str:
        """The catalog's spelling of agency `name` (case and Unicode form aside)."""
        wanted = _fold(name)
        for agency in self.agencies:
            if _fold(agency) == wanted:
                return agency
        raise UnknownAgencyError(f"No procedure of the catalog belongs to agency '{name}'.")

    def report(self, as_of: date, agency: str | None = None) -> CoverageReport:
        """The coverage of the city (and its agencies), or of one agency, on `as_of`."""
        agency = None if agency is None else self.find_agency(agency)
        names = self.agencies if agency is None else [agency]
        agencies = [self._scope(name, as_of) for name in names if name in self.tallies]
        agencies.sort(key=lambda s: (-s.rate, -s.procedures, s.scope))
        scope = CITY if agency is None else agency
        return CoverageReport(
            as_of=as_of,
            integrated_registries=sorted(self.integrated),
            city=self._scope(CITY, as_of),
            agency=agency,
            agencies=agencies,
            registries_to_integrate=self._registry_unlocks(scope),
            document_types_to_integrate=self._doc_unlocks(scope),
            roadmap=self._roadmap(scope),
        )

    def _scope(self, scope: str, as_of: date) -> ScopeCoverage:
        tally = self.tallies[scope]
        return ScopeCoverage(
            scope=scope,
            procedures=tally.procedures,
            restructured=tally.restructured,
            restructured_fully=tally.fully,
            rate=_rate(tally.restructured, tally.procedures),
            strict_rate=_rate(tally.fully, tally.procedures),
            blocked_by_papers=tally.unfixable,
            targets=[
                _target(percent, due, tally.restructured, tally.procedures, as_of)
                for percent, due in PLAN_86_TARGETS
            ],
            internal_confirmations=_elimination(tally.confirmations),
            paper_requirements=_elimination(tally.papers),
        )

    def _registry_unlocks(self, scope: str) -> list[Unlock]:
        tally = self.tallies.get(scope, _Tally())
        registries = self.catalog.registries
        candidates = [r for r in registries if r not in self.integrated]
        unlocks = [
            Unlock(
                id=r,
                name_vi=registries[r].name_vi,
                registry=r,
                procedures_unlocked=tally.registry_unlocks[r],
                requirements_satisfied=tally.registry_requirements[r],
            )
            for r in candidates
        ]
        return sorted(unlocks, key=_unlock_order)

    def _doc_unlocks(self, scope: str) -> list[Unlock]:
        tally = self.tallies.get(scope, _Tally())
        docs = self.catalog.document_types
        unlocks = [
            Unlock(
                id=d,
                name_vi=docs[d].name_vi,
                registry=docs[d].registry,
                procedures_unlocked=tally.doc_unlocks[d],
                requirements_satisfied=count,
            )
            for d, count in tally.doc_requirements.items()
        ]
        return sorted(unlocks, key=_unlock_order)

    def _roadmap(self, scope: str) -> list[RoadmapStep]:
        if scope not in self._roadmaps:
            tally = self.tallies.get(scope, _Tally())
            self._roadmaps[scope] = greedy_roadmap(
                tally.signatures, tally.restructured, tally.procedures, self.catalog.registries
            )
        return self._roadmaps[scope]


def _unlock_order(unlock: Unlock) -> tuple[int, int, str]:
    return (-unlock.procedures_unlocked, -unlock.requirements_satisfied, unlock.id)


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", " ".join(name.split())).casefold()


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _target(
    percent: int, due: date, restructured: int, procedures: int, as_of: date
) -> TargetStatus:
    required = -(-procedures * percent // 100)  # ceil without floats
    return TargetStatus(
        percent=percent,
        due=due,
        required=required,
        gap=max(0, required - restructured),
        met=restructured >= required,
        due_passed=as_of > due,
        days_left=(due - as_of).days,
    )


def _elimination(statuses: Counter[RequirementStatus]) -> Elimination:
    return Elimination(
        total=sum(statuses.values()),
        eliminated=statuses[RequirementStatus.SATISFIED] + statuses[RequirementStatus.PARTIAL],
        partially=statuses[RequirementStatus.PARTIAL],
    )


class CoverageCache:
    """One `CoverageIndex` per (catalog, integrated set): coverage changes only when they do."""

    def __init__(self, maxsize: int = 4) -> None:
        self._maxsize = maxsize
        self._lock = threading.Lock()
        # Keyed by the catalog's id; the index holds the catalog, so the id cannot be reused.
        self._indexes: dict[tuple[int, frozenset[str]], CoverageIndex] = {}

    def index(self, catalog: Catalog, integrated: frozenset[str]) -> CoverageIndex:
        """The index of `catalog` with `integrated`, built on first use."""
        key = (id(catalog), integrated)
        with self._lock:
            index = self._indexes.get(key)
            if index is None:
                index = CoverageIndex.build(catalog, integrated)
                while len(self._indexes) >= self._maxsize:
                    del self._indexes[next(iter(self._indexes))]
                self._indexes[key] = index
            return index
