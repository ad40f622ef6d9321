"""POST /v1/lookups: one question to one registry; GET /v1/lookups/{id}: collect a pending one."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request, Response

from lookup_api.auth import CurrentClient
from lookup_api.errors import error_responses
from lookup_api.lean_route import LeanRoute
from lookup_api.request_log import request_id_of
from lookup_api.schemas import LookupRequest, LookupResponse
from shared_data import errors as core
from shared_data.domain import LookupResult, Outcome, Purpose, Subject
from shared_data.lookup import LookupQuery

router = APIRouter(prefix="/v1", tags=["lookups"])
# The hottest endpoint: its parameters are filled without FastAPI's per-request dependency
# solving (lean_route.py; docs/PERFORMANCE.md). Same declaration, same API. Included first.
lean_router = APIRouter(prefix="/v1", tags=["lookups"], route_class=LeanRoute)


@lean_router.post(
    "/lookups",
    response_model=LookupResponse,
    response_model_exclude_none=True,
    summary="Does this document exist for this subject, and may it be reused?",
    responses=error_responses(
        core.InvalidIdentifierError,
        core.QualifierError,
        core.UnknownDocumentTypeError,
        core.AuthenticationError,
        core.PermissionDeniedError,
        core.QuotaExceededError,
        core.AuditUnavailableError,
    ),
)
async def create_lookup(
    body: LookupRequest, client: CurrentClient, request: Request, response: Response
) -> LookupResponse:
    query = LookupQuery(
        document_type=body.document_type,
        subject=Subject(scheme=body.subject.scheme, value=body.subject.value),
        qualifiers={
            role: Subject(scheme=q.scheme, value=q.value) for role, q in body.qualifiers.items()
        },
        purpose=Purpose(**body.purpose.model_dump()),
        deadline_s=body.deadline_ms / 1000 if body.deadline_ms else None,
    )
    service = request.app.state.services.lookups
    result = await service.lookup(client.id, query, request_id=request_id_of(request.scope))
    return _answer(result, response)


@router.get(
    "/lookups/{lookup_id}",
    response_model=LookupResponse,
    response_model_exclude_none=True,
    summary="Collect the answer of a pending lookup",
    description=(
        "A lookup answered `pending` (its registry answers later, e.g. judicial records) is"
        " collected here by its `lookup_id`, by the client that made it (anyone else gets the"
        " same 404 as for an unknown id). The registry is asked again: the answer is found,"
        " not_found, still pending (come back after `retry_after`) or unavailable, with the"
        " same validity and field minimisation as a lookup. Every collect is audited as a"
        " read. Lookups answered at once are not kept and are 404 here."
    ),
    responses=error_responses(
        core.UnknownLookupError,
        core.AuthenticationError,
        core.PermissionDeniedError,
        core.QuotaExceededError,
        core.AuditUnavailableError,
    ),
)
async def collect_lookup(
    client: CurrentClient,
    request: Request,
    response: Response,
    lookup_id: str = Path(max_length=64, examples=["7a1f0c9e3b2d4c5e8f9a0b1c2d3e4f5a"]),
) -> LookupResponse:
    service = request.app.state.services.lookups
    result = await service.collect(client.id, lookup_id, request_id=request_id_of(request.scope))
    return _answer(result, response)


def _answer(result: LookupResult, response: Response) -> LookupResponse:
    waiting = result.status in (Outcome.UNAVAILABLE, Outcome.PENDING)
    if waiting and result.retry_after:
        response.headers["Retry-After"] = str(max(1, round(result.retry_after)))
    return LookupResponse.from_result(result)
