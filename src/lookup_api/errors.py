"""One table maps core errors to HTTP statuses and renders RFC 9457 problem+json.

The same table feeds the error responses documented in openapi.yaml. No stack traces, SQL or
upstream URLs ever reach a response body.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared_data import errors as core

log = logging.getLogger("shared_data.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "urn:shared-data:problem:"

# error class -> HTTP status. Order matters only for subclasses (most specific first).
ERROR_STATUS: dict[type[core.SharedDataError], int] = {
    core.InvalidIdentifierError: 422,
    core.UnknownSchemeError: 422,
    core.QualifierError: 422,
    core.UnknownDocumentTypeError: 404,
    core.UnknownProcedureError: 404,
    core.UnknownLookupError: 404,
    core.UnknownRecordError: 404,
    core.InvalidAdminRequestError: 422,
    core.UnknownResultError: 404,
    core.InvalidResultError: 422,
    core.ResultNotActiveError: 409,
    core.AuthenticationError: 401,
    core.PermissionDeniedError: 403,
    core.QuotaExceededError: 429,
    core.AuditUnavailableError: 503,
}


class Problem(BaseModel):
    """RFC 9457 problem details, with a stable machine-readable `code`."""

    type: str = Field(examples=["urn:shared-data:problem:invalid_identifier"])
    title: str = Field(examples=["Invalid identifier"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["PIN must be exactly 12 ASCII digits 0-9; got 11 characters"])
    code: str = Field(examples=["invalid_identifier"])
    instance: str | None = Field(default=None, examples=["/v1/lookups"])
    rule: str | None = Field(
        default=None, description="Broken identifier rule", examples=["length"]
    )
    scheme: str | None = Field(default=None, examples=["PIN"])
    qualifier: str | None = Field(
        default=None, description="The qualifier (role) missing or refused", examples=["owner"]
    )
    retry_after: float | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Per-field request validation errors"
    )


def status_for(exc: core.SharedDataError) -> int:
    for cls in type(exc).__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]  # type: ignore[index]
    return 500


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str,
    request: Request,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = Problem(
        type=PROBLEM_TYPE_BASE + code,
        title=title,
        status=status,
        detail=detail,
        code=code,
        instance=request.url.path,
        **extra,
    ).model_dump(exclude_none=True)
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="shared-data"'
    if extra.get("retry_after") is not None:
        headers["Retry-After"] = str(max(1, round(extra["retry_after"])))
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


async def _core_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, core.SharedDataError)
    extra: dict[str, Any] = {}
    if isinstance(exc, core.InvalidIdentifierError):
        extra = {"rule": exc.rule, "scheme": exc.scheme}
    if isinstance(exc, core.QuotaExceededError):
        extra = {"retry_after": exc.retry_after}
    if isinstance(exc, core.QualifierError):
        extra = {"qualifier": exc.role}
    status = status_for(exc)
    if status >= 500:
        log.error("refused with %s: %s", exc.code, exc.detail)
    return problem_response(status, exc.code, exc.title, exc.detail, request, **extra)


def _clean_validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Never echo the caller's input back (it may hold personal identifiers).
    return [
        {
            "loc": [str(part) for part in err.get("loc", ())],
            "msg": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _clean_validation_errors(exc)
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    detail = f"{'.'.join(first['loc'])}: {first['msg']}" if first["loc"] else first["msg"]
    return problem_response(
        422, "invalid_request", "Invalid request", detail, request, errors=errors
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI's answer to a body it cannot decode (not UTF-8): for the caller the same
        # mistake as malformed JSON, which is a 422 like every other invalid request.
        detail = "body: not a valid JSON document (UTF-8)"
        return problem_response(422, "invalid_request", "Invalid request", detail, request)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    detail = exc.detail if isinstance(exc.detail, str) else "HTTP error"
    # Starlette's headers are part of the answer: `Allow` on a 405 (RFC 9110).
    return problem_response(exc.status_code, code, detail, detail, request, exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s", request.url.path)
    return problem_response(
        500, "internal_error", "Internal error", "An unexpected error occurred.", request
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(core.SharedDataError, _core_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


def error_responses(*classes: type[core.SharedDataError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the given error classes, from the same table."""
    responses: dict[int | str, dict[str, Any]] = {}
    for cls in classes:
        status = ERROR_STATUS[cls]
        entry = responses.setdefault(
            status, {"description": "", "content": {PROBLEM_MEDIA_TYPE: {"schema": _ref()}}}
        )
        entry["description"] = "; ".join(filter(None, [entry["description"], cls.title]))
    responses.setdefault(
        422,
        {"description": "Invalid request", "content": {PROBLEM_MEDIA_TYPE: {"schema": _ref()}}},
    )
    return responses


def _ref() -> dict[str, str]:
    return {"$ref": "#/components/schemas/Problem"}
