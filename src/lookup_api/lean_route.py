"""`LeanRoute`: the hot endpoints' parameters supplied directly, not by FastAPI's solver.

A cached lookup spent about a third of its CPU in FastAPI's per-request dependency solving
(docs/PERFORMANCE.md): for every request it walks the route's dependency tree (the app's NUL
guard, the bearer scheme under `CurrentClient`), re-inspecting each dependency's callable. A
`LeanRoute` keeps the endpoint, its declaration and its OpenAPI operation exactly as written;
only the handler differs. It supports what the hot endpoints declare, and refuses at start-up
any route that declares more, so a new parameter can never be silently skipped:

- one JSON body model, validated from the raw bytes by pydantic-core in one pass;
- `Request` and `Response` parameters (the latter for headers such as Retry-After);
- dependencies with a registered lean provider (`LEAN_PROVIDERS`): the NUL guard and the
  authenticated client, each the same rule as the dependency it stands for;
- a pydantic response model, serialised as FastAPI would (`response_model_exclude_none`).

Errors are FastAPI's: the same `RequestValidationError` locations and types for a malformed or
invalid body, so the problem+json answers do not change.
"""

from __future__ import annotations

import email.message
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import fastapi.routing
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

# A lean provider: what a dependency would give, from the request and its raw body.
LeanProvider = Callable[[Request, bytes], Awaitable[Any]]

# dependency callable -> its lean provider (registered by the module defining the dependency).
LEAN_PROVIDERS: dict[Callable[..., Any], LeanProvider] = {}

_MISSING = object()


def lean_provider(dependency: Callable[..., Any]) -> Callable[[LeanProvider], LeanProvider]:
    """Register `provider` as the lean stand-in for `dependency` (a decorator)."""

    def register(provider: LeanProvider) -> LeanProvider:
        LEAN_PROVIDERS[dependency] = provider
        return provider

    return register


@dataclass(frozen=True)
class _Plan:
    """How one endpoint's arguments are made: read once, from the route's dependant."""

    providers: tuple[tuple[str | None, LeanProvider], ...]
    body_name: str
    body_field: Any  # FastAPI's ModelField: the body is validated exactly as FastAPI does
    request_name: str | None
    response_name: str | None
    response_model: type[BaseModel]


class LeanRoute(APIRoute):
    """An APIRoute whose handler fills the endpoint's parameters without FastAPI's solver."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        route = _effective(self)
        if route is None:  # a FastAPI without the hook this relies on: its own handler
            return super().get_route_handler()
        plan = _plan(route, f"{sorted(self.methods)} {self.path}")
        endpoint = route.endpoint
        exclude_none = route.response_model_exclude_none
        default_status = route.status_code or 200

        async def handle(request: Request) -> Response:
            raw = await _read_body(request)
            decoded = _decode_body(raw, request)  # malformed JSON: 422 before anything else
            values: dict[str, Any] = {}
            for name, provider in plan.providers:  # in declaration order, as FastAPI solves
                value = await provider(request, raw)
                if name is not None:
                    values[name] = value
            values[plan.body_name] = _validated_body(decoded, plan.body_field)
            sub_response = Response()
            sub_response.status_code = None  # type: ignore[assignment]
            if plan.request_name is not None:
                values[plan.request_name] = request
            if plan.response_name is not None:
                values[plan.response_name] = sub_response
            result = await endpoint(**values)
            if not isinstance(result, plan.response_model):
                raise TypeError(f"{endpoint.__name__} returned {type(result).__name__}")
            content = result.__pydantic_serializer__.to_json(result, exclude_none=exclude_none)
            response = Response(
                content,
                status_code=sub_response.status_code or default_status,
                media_type="application/json",
            )
            for key, value in sub_response.headers.items():
                if key != "content-length":
                    response.headers[key] = value
            return response

        return handle


def _effective(route: LeanRoute) -> Any:
    """What FastAPI builds this route's handler from: for a route included in a router, its
    effective context, whose dependant holds the including routers' dependencies too (the
    app's NUL guard); None if this FastAPI does not expose it (then FastAPI's own handler)."""
    context_var = getattr(fastapi.routing, "_effective_route_context_var", None)
    if context_var is None:
        return None
    context = context_var.get()
    if context is not None and getattr(context, "original_route", None) is route:
        return context
    return route


def _plan(route: Any, where: str) -> _Plan:
    dependant = route.dependant
    params = (
        dependant.path_params,
        dependant.query_params,
        dependant.header_params,
        dependant.cookie_params,
    )
    if any(params) or len(dependant.body_params) != 1:
        raise TypeError(f"LeanRoute {where}: only one body parameter, no path or query")
    body = dependant.body_params[0]
    body_model = body.field_info.annotation
    response_model = route.response_model
    if not (isinstance(body_model, type) and issubclass(body_model, BaseModel)):
        raise TypeError(f"LeanRoute {where}: the body must be a pydantic model")
    if not (isinstance(response_model, type) and issubclass(response_model, BaseModel)):
        raise TypeError(f"LeanRoute {where}: the response must be a pydantic model")
    providers: list[tuple[str | None, LeanProvider]] = []
    for sub in dependant.dependencies:
        provider = LEAN_PROVIDERS.get(sub.call)  # type: ignore[arg-type]
        if provider is None:
            raise TypeError(f"LeanRoute {where}: no lean provider for {sub.call!r}")
        providers.append((sub.name, provider))
    return _Plan(
        providers=tuple(providers),
        body_name=body.name,
        body_field=route.body_field,
        request_name=dependant.request_param_name,
        response_name=dependant.response_param_name,
        response_model=response_model,
    )


async def _read_body(request: Request) -> bytes:
    try:
        return await request.body()
    except HTTPException:
        raise
    except Exception as exc:  # as FastAPI: a body that cannot be read is a 400
        raise HTTPException(status_code=400, detail="There was an error parsing the body") from exc


def _decode_body(raw: bytes, request: Request) -> Any:
    """The body as FastAPI hands it to validation: JSON when the content type says JSON,
    else the bytes themselves; nothing (`_MISSING`) when empty. Errors as FastAPI's."""
    if not raw:
        return _MISSING
    if not _is_json(request.headers.get("content-type")):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        error = {"type": "json_invalid", "loc": ("body", exc.pos), "msg": "JSON decode error"}
        raise RequestValidationError([error]) from None
    except Exception as exc:  # not UTF-8, say: FastAPI's 400
        raise HTTPException(status_code=400, detail="There was an error parsing the body") from exc


def _validated_body(decoded: Any, field: Any) -> Any:
    if decoded is _MISSING:
        errors: list[Any] = [{"type": "missing", "loc": ("body",), "msg": "Field required"}]
    else:
        value, errors = field.validate(decoded, {}, loc=("body",))
    if errors:
        raise RequestValidationError(errors)
    return value


def _is_json(content_type: str | None) -> bool:
    # FastAPI's strict content type: application/json or application/*+json, parameters aside.
    if not content_type:
        return False
    if content_type == "application/json":
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )
