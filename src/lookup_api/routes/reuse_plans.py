"""POST /v1/procedures/{code}/reuse-plan: every requirement of a procedure for one dossier."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from lookup_api.auth import CurrentClient
from lookup_api.errors import error_responses
from lookup_api.request_log import request_id_of
from lookup_api.schemas import LookupResponse, QualifierRole, SubjectIn
from shared_data import errors as core
from shared_data.domain import Subject
from shared_data.reuse_plan import ReusePlanner
from shared_data.reuse_plan_models import (
    CorrectionRequest,
    PlanItem,
    PlanReason,
    PlanSummary,
    ReusePlan,
    Verdict,
)

router = APIRouter(prefix="/v1", tags=["reuse plans"])

DESCRIPTION = """\
Resolves every requirement of the procedure for one dossier at once, the lookups running
concurrently (a plan takes about as long as its slowest registry). Each lookup has the same
grants, field minimisation, quotas and audit record as `POST /v1/lookups`.

Per requirement, `verdict`:

- `satisfied_by_data`: found and reusable; `lookup` carries the result (fields, validity,
  provenance, digest). Alternatives are asked only when the first choice does not satisfy.
- `must_submit` with `reason`: `form`, `no_registry`, `not_replaceable`, `not_integrated`,
  `party_not_given`, `scheme_not_accepted`, `not_permitted`, `not_found` or `not_reusable`
  (`detail` says why, e.g. a marital-status confirmation older than six months). For a record
  the registry does not hold, `correction_request` is the request to send to the registry's
  owner (Resolution 66.7/2025/NQ-CP).
- `check_later` with `reason` `unavailable` or `pending` and `retry_after` (a pending lookup is
  collected with `GET /v1/lookups/{lookup_id}`).

`parties` names the subjects by role: `applicant`, `spouse`, `child`, `deceased`,
`beneficiary`, `enterprise`, `parcel`, ... as the procedure's requirements name them.
"""


class ReusePlanRequest(BaseModel):
    """The dossier and the identifiers of its parties, by role."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "dossier_id": "H01.12-260301-0002",
                    "parties": {
                        "applicant": {"scheme": "PIN", "value": "001090912345"},
                        "spouse": {"scheme": "PIN", "value": "001192934567"},
                    },
                }
            ]
        },
    )

    dossier_id: str | None = Field(default=None, max_length=128)
    parties: dict[QualifierRole, SubjectIn] = Field(min_length=1, max_length=16)
    deadline_s: float | None = Field(
        default=None, gt=0, le=60, description="Total time for the plan's lookups (seconds)"
    )


class PlanItemOut(BaseModel):
    requirement_id: str
    kind: str
    name_vi: str
    party: str
    condition: str | None = None
    verdict: Verdict
    reason: PlanReason | None = None
    detail: str | None = None
    document_type: str | None = None
    lookup: LookupResponse | None = None
    retry_after: float | None = None
    correction_request: CorrectionRequest | None = None

    @classmethod
    def from_item(cls, item: PlanItem) -> PlanItemOut:
        lookup = LookupResponse.from_result(item.lookup) if item.lookup else None
        return cls(**item.model_dump(exclude={"lookup"}), lookup=lookup)


class ReusePlanOut(BaseModel):
    """Per requirement: satisfied by data, must be submitted (why) or to check later."""

    procedure_code: str
    dossier_id: str | None = None  # left out when null (response_model_exclude_none)
    items: list[PlanItemOut]
    summary: PlanSummary


@router.post(
    "/procedures/{code}/reuse-plan",
    response_model=ReusePlanOut,
    response_model_exclude_none=True,
    summary="Resolve every requirement of a procedure for one dossier",
    description=DESCRIPTION,
    responses=error_responses(
        core.InvalidIdentifierError,
        core.UnknownProcedureError,
        core.AuthenticationError,
        core.QuotaExceededError,
        core.AuditUnavailableError,
    ),
)
async def create_reuse_plan(
    body: ReusePlanRequest,
    client: CurrentClient,
    request: Request,
    response: Response,
    code: str = Path(max_length=64, examples=["P03"]),
) -> ReusePlanOut:
    planner = ReusePlanner(request.app.state.services.lookups)
    plan = await planner.plan(
        client.id,
        code,
        {role: Subject(scheme=p.scheme, value=p.value) for role, p in body.parties.items()},
        dossier_id=body.dossier_id,
        deadline_s=body.deadline_s,
        request_id=request_id_of(request.scope),
    )
    _retry_after(plan, response)
    return ReusePlanOut(
        procedure_code=plan.procedure_code,
        dossier_id=plan.dossier_id,
        items=[PlanItemOut.from_item(item) for item in plan.items],
        summary=plan.summary,
    )


def _retry_after(plan: ReusePlan, response: Response) -> None:
    """The soonest time worth asking again, when some requirement is to be checked later."""
    waits = [
        i.retry_after for i in plan.items if i.verdict is Verdict.CHECK_LATER and i.retry_after
    ]
    if waits:
        response.headers["Retry-After"] = str(max(1, round(min(waits))))
