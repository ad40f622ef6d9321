"""`create_app(settings)`: the FastAPI application."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.telemetry import TelemetryConfig

from lookup_api.errors import Problem, install_error_handlers
from lookup_api.input_guard import refuse_nul_characters
from lookup_api.operations import OPERATIONS_TAG, install_operations
from lookup_api.routes import access_log, admin, catalog, lookups, reuse_plans
from lookup_api.routes import coverage as coverage_routes
from lookup_api.routes import results as results_routes
from lookup_api.services import build_services
from shared_data.settings import Settings

DESCRIPTION = """\
**shared-data** lets a procedure backend ask, before it asks the applicant for a paper:
*does this document already exist for this person or enterprise, and may I reuse it?*

Every lookup is answered with one of `found`, `not_found`, `unavailable` (the registry could not
be consulted: never reported as `not_found`) or `pending`, and leaves an audit record before the
answer is sent. Errors are RFC 9457 `application/problem+json` with a stable `code`.

Authenticate with `Authorization: Bearer <API key>`.
"""


# FastAPI's native telemetry off (SHARED_DATA_OPENTELEMETRY=false, the default).
_NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def create_app(
    settings: Settings | None = None, *, http_transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """Build the application; services are created in the lifespan, torn down after it."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = build_services(settings, http_transport=http_transport, telemetry=telemetry)
        app.state.services = services
        if services.prober is not None:
            services.prober.start()
        # What start-up built (catalog, demo procedures, adapters: ~200,000 objects) lives as
        # long as the process: out of the cyclic collector's reach, so that each full
        # collection does not walk it again (≈ 110 ms each, about twice a second under load:
        # docs/PERFORMANCE.md). Reference counting still frees what is dropped later.
        gc.collect()
        gc.freeze()
        gc.set_threshold(7000, 10, 10)
        try:
            yield
        finally:
            await services.aclose()

    app = FastAPI(
        title="shared-data lookup API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        telemetry=None if settings.opentelemetry else _NO_TELEMETRY,
        dependencies=[Depends(refuse_nul_characters)],
        openapi_tags=[
            {"name": "lookups", "description": "Ask registries whether a document exists"},
            {"name": "catalog", "description": "Registries, document types and procedures"},
            {"name": "coverage", "description": "Plan 86: procedures restructured on data"},
            {"name": "reuse plans", "description": "All of a procedure's requirements at once"},
            OPERATIONS_TAG,
            {"name": "access log", "description": "Who looked at a subject (citizen portals)"},
            {"name": "admin", "description": "Clients, grants and embargoes (admin role)"},
            {"name": "results", "description": "Publish, revoke, supersede electronic results"},
        ],
    )
    install_error_handlers(app)
    # The hot path first: routes are matched in order.
    app.include_router(lookups.lean_router)
    telemetry = install_operations(app, settings)
    app.include_router(lookups.router)
    app.include_router(catalog.router)
    app.include_router(coverage_routes.router)
    app.include_router(reuse_plans.router)
    app.include_router(access_log.router)
    app.include_router(admin.router)
    app.include_router(results_routes.router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    # FastAPI's default 422 body is replaced by our problem+json everywhere.
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            _problem_422(operation)
    app.openapi_schema = schema
    return schema


def _problem_422(operation: dict[str, Any]) -> None:
    response = operation.get("responses", {}).get("422")
    if response is not None:
        response["content"] = {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
