"""POST /v1/lookups: one question to one registry."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from lookup_api.auth import CurrentClient
from lookup_api.errors import error_responses
from lookup_api.schemas import LookupRequest, LookupResponse
from shared_data import errors as core
from shared_data.domain import Outcome, Purpose, Subject
from shared_data.lookup import LookupQuery

router = APIRouter(prefix="/v1", tags=["lookups"])


@router.post(
    "/lookups",
    response_model=LookupResponse,
    response_model_exclude_none=True,
    summary="Does this document exist for this subject, and may it be reused?",
    responses=error_responses(
        core.InvalidIdentifierError,
        core.UnknownDocumentTypeError,
        core.AuthenticationError,
        core.PermissionDeniedError,
        core.AuditUnavailableError,
    ),
)
async def create_lookup(
    body: LookupRequest, client: CurrentClient, request: Request, response: Response
) -> LookupResponse:
    query = LookupQuery(
        document_type=body.document_type,
        subject=Subject(scheme=body.subject.scheme, value=body.subject.value),
        purpose=Purpose(**body.purpose.model_dump()),
    )
    service = request.app.state.services.lookups
    result = await service.lookup(client.id, query, request_id=request.headers.get("x-request-id"))
    if result.status is Outcome.UNAVAILABLE and result.retry_after:
        response.headers["Retry-After"] = str(max(1, round(result.retry_after)))
    return LookupResponse.from_result(result)
