"""What a reuse plan answers: per requirement, data, paper or later; a correction where needed."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from shared_data.domain import Frozen, LookupResult, Subject

# Resolution 66.7/2025/NQ-CP: when the data is missing or wrong, the agency asks for the paper
# *and* for the registry to be corrected.
CORRECTION_BASIS = "Nghị quyết 66.7/2025/NQ-CP"


class Verdict(StrEnum):
    """What the procedure does about one requirement."""

    SATISFIED_BY_DATA = "satisfied_by_data"
    MUST_SUBMIT = "must_submit"
    CHECK_LATER = "check_later"


class PlanReason(StrEnum):
    """Why a requirement must be submitted, or checked later."""

    FORM = "form"  # the applicant fills it in
    NO_REGISTRY = "no_registry"  # no catalog registry holds this paper
    NOT_REPLACEABLE = "not_replaceable"  # the law still asks for the paper
    NOT_INTEGRATED = "not_integrated"  # a registry holds it; none is connected yet
    PARTY_NOT_GIVEN = "party_not_given"  # no identifier for the party it is about
    SCHEME_NOT_ACCEPTED = "scheme_not_accepted"  # the party's identifier cannot look it up
    NOT_PERMITTED = "not_permitted"  # no grant, or a legal bar (audited as denied)
    NOT_FOUND = "not_found"  # the registry answered: no such record
    NOT_REUSABLE = "not_reusable"  # found, but expired, void or too old for this procedure
    UNAVAILABLE = "unavailable"  # the registry could not be asked now (check later)
    PENDING = "pending"  # the registry answers later: collect GET /v1/lookups/{id}


class CorrectionRequest(Frozen):
    """A request to the registry's owner to complete or correct its data (Res. 66.7)."""

    registry: str
    owner_vi: str
    document_type: str
    subject: Subject
    lookup_id: str | None = None
    problem: str = Field(examples=["not_found"])
    message_vi: str
    legal_basis: str = CORRECTION_BASIS


class PlanItem(Frozen):
    """One requirement of the procedure and what to do about it."""

    requirement_id: str
    kind: str
    name_vi: str
    party: str
    condition: str | None = None
    verdict: Verdict
    reason: PlanReason | None = None
    detail: str | None = None
    # The document type the verdict rests on (the requirement's own, or an alternative).
    document_type: str | None = None
    lookup: LookupResult | None = None
    retry_after: float | None = None
    correction_request: CorrectionRequest | None = None


class PlanSummary(Frozen):
    """How many requirements fall under each verdict (and each reason)."""

    total: int
    satisfied_by_data: int
    must_submit: int
    check_later: int
    by_reason: dict[str, int]
    corrections: int
    lookups: int = Field(
        description="Registry lookups made (shared by requirements that ask alike)"
    )


class ReusePlan(Frozen):
    """Every requirement of one procedure, resolved for one dossier at once."""

    procedure_code: str
    dossier_id: str | None
    items: list[PlanItem]
    summary: PlanSummary
