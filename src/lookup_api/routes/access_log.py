"""POST /v1/access-log/search: who looked at a subject's data (citizen portals only).

The subject travels in the body, never in the URL, so identifiers stay out of access logs.
The trust model is in `shared_data.access_log`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from lookup_api.auth import CurrentClient
from lookup_api.errors import error_responses
from lookup_api.request_log import request_id_of
from lookup_api.schemas_access import AccessLogEntryOut, AccessLogResponse, AccessLogSearch
from shared_data import errors as core
from shared_data.domain import Subject

router = APIRouter(prefix="/v1", tags=["access log"])


@router.post(
    "/access-log/search",
    response_model=AccessLogResponse,
    summary="Who looked at this subject's data: when, which agency, for what, with what result",
    responses=error_responses(
        core.InvalidIdentifierError,
        core.AuthenticationError,
        core.PermissionDeniedError,
        core.QuotaExceededError,
        core.AuditUnavailableError,
    ),
)
async def search_access_log(
    body: AccessLogSearch, client: CurrentClient, request: Request
) -> AccessLogResponse:
    access = request.app.state.services.access
    await access.quotas.take(client.id)
    entries = await access.access_log.read(
        client,
        Subject(scheme=body.subject.scheme, value=body.subject.value),
        body.authentication_ref,
        limit=body.limit,
        request_id=request_id_of(request.scope),
    )
    return AccessLogResponse(entries=[AccessLogEntryOut.from_entry(entry) for entry in entries])
