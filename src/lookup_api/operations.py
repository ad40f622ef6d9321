"""Wires what operators see into an app: logs, request ids, counters, `/metrics`, health,
readiness and the status page (docs/OPERATIONS.md). Called once by `create_app`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from lookup_api.metrics import build_metrics_registry
from lookup_api.request_log import RequestContextMiddleware, configure_logging
from lookup_api.routes import ops, status
from lookup_api.telemetry import Telemetry
from shared_data.settings import Settings

OPERATIONS_TAG = {
    "name": "operations",
    "description": "Liveness, readiness, metrics, adapter health and the status page",
}


def install_operations(app: FastAPI, settings: Settings) -> Telemetry:
    """Add the ops routes and the request middleware; return the app's `Telemetry`."""
    configure_logging(settings.log_level)
    telemetry = Telemetry()
    app.state.settings = settings
    app.state.telemetry = telemetry
    app.state.metrics = build_metrics_registry(
        telemetry, lambda: getattr(app.state, "services", None)
    )
    app.include_router(ops.router)
    app.include_router(status.router)
    build_stack = app.build_middleware_stack

    def outermost() -> Any:
        # Outside Starlette's ServerErrorMiddleware too: even a 500 carries X-Request-ID and
        # is logged with its status.
        return RequestContextMiddleware(
            build_stack(),
            stats=telemetry.http,
            access_log_enabled=settings.access_log,
            sample_rate=settings.log_sample_rate,
        )

    app.build_middleware_stack = outermost  # type: ignore[method-assign]
    return telemetry
