"""No NUL character in any request input: a 422 before anything reaches a database.

PostgreSQL text cannot hold NUL (psycopg raises DataError), so a NUL in a dossier id, a client
name or a path id used to end as a 500, or as a 503 "audit store unavailable" for a caller's
typo (found by schemathesis). NUL has no use in any field of this API, so every request is
checked once, here, in what its operation reads: path parameters, declared query parameters
and the JSON body. Bodies are scanned as bytes (FastAPI has already read and cached them); only
one that holds the `\\u0000` escape is parsed, to tell a NUL from an escaped backslash.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from lookup_api.lean_route import lean_provider

_NUL = "\x00"
_ESCAPED_NUL = b"\\u0000"


async def refuse_nul_characters(request: Request) -> None:
    """Raise a request validation error (422) naming where a NUL character was found."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    where = None
    declared = _query_names(route.dependant)
    query = [value for key, value in request.query_params.multi_items() if key in declared]
    if any(_NUL in value for value in request.path_params.values()):
        where = "path"
    elif any(_NUL in value for value in query):
        where = "query"
    elif route.body_field is not None and _body_holds_nul(await request.body()):
        where = "body"
    if where is not None:
        _refuse(where)


@lean_provider(refuse_nul_characters)
async def _lean_refuse_nul_characters(_request: Request, body: bytes) -> None:
    """The guard for a `LeanRoute` (which has no path or query parameters): the body only."""
    if _body_holds_nul(body):
        _refuse("body")


def _refuse(where: str) -> None:
    error = {"loc": (where,), "msg": "must not contain NUL characters", "type": "nul"}
    raise RequestValidationError([error])


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters the operation reads (those of its dependencies included)."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _body_holds_nul(body: bytes) -> bool:
    if _ESCAPED_NUL not in body:
        return False
    try:
        return _holds_nul(json.loads(body))
    except ValueError:
        return False  # not JSON: FastAPI refuses it itself


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return _NUL in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False
