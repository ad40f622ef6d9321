"""/v1/results: procedure backends publish the electronic results they issue (Plan 86's loop).

A published result is found at once by `POST /v1/lookups` for its document type and any of its
subjects or its dossier number. Only its publisher (or an admin) may revoke or supersede it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request, status

from lookup_api.auth import CurrentClient
from lookup_api.errors import error_responses
from lookup_api.result_schemas import ResultIn, ResultOut, RevokeIn
from shared_data import errors as core

router = APIRouter(prefix="/v1/results", tags=["results"])

ResultId = Path(max_length=64, description="The result's id, as publication returned it")
_WRITE_ERRORS = (
    core.InvalidResultError,
    core.InvalidIdentifierError,
    core.UnknownDocumentTypeError,
    core.AuthenticationError,
    core.PermissionDeniedError,
    core.AuditUnavailableError,
)
_CHANGE_ERRORS = (*_WRITE_ERRORS, core.UnknownResultError, core.ResultNotActiveError)


def _results(request: Request) -> Any:
    return request.app.state.services.results


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ResultOut,
    summary="Publish an electronic result this procedure backend issued",
    responses=error_responses(*_WRITE_ERRORS),
)
async def publish_result(body: ResultIn, client: CurrentClient, request: Request) -> ResultOut:
    result = await _results(request).publish(
        client, body.draft(), request_id=request.headers.get("x-request-id")
    )
    return ResultOut.from_result(result)


@router.post(
    "/{result_id}/revoke",
    response_model=ResultOut,
    summary="Revoke a result: lookups find it void (not reusable) from now on",
    responses=error_responses(*_CHANGE_ERRORS),
)
async def revoke_result(
    body: RevokeIn, client: CurrentClient, request: Request, result_id: str = ResultId
) -> ResultOut:
    result = await _results(request).revoke(
        client, result_id, body.reason, request_id=request.headers.get("x-request-id")
    )
    return ResultOut.from_result(result)


@router.post(
    "/{result_id}/supersede",
    status_code=status.HTTP_201_CREATED,
    response_model=ResultOut,
    summary="Publish a result in place of this one; returns the new result",
    responses=error_responses(*_CHANGE_ERRORS),
)
async def supersede_result(
    body: ResultIn, client: CurrentClient, request: Request, result_id: str = ResultId
) -> ResultOut:
    result = await _results(request).supersede(
        client, result_id, body.draft(), request_id=request.headers.get("x-request-id")
    )
    return ResultOut.from_result(result)
