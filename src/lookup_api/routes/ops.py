"""Operations: liveness, readiness, Prometheus metrics, adapter health (docs/OPERATIONS.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4 as CONTENT_TYPE_LATEST

from lookup_api.auth import current_client, require_role
from lookup_api.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE, Problem, error_responses
from lookup_api.metrics import render
from lookup_api.readiness import OK, check_readiness
from shared_data import errors as core
from shared_data.clients import Client, ClientRole
from shared_data.health import AdapterHealth

router = APIRouter(tags=["operations"])
_bearer = HTTPBearer(auto_error=False, description="API key of an ops (or admin) client")

HEALTH_RULE = """\
Each adapter's `state`, re-assessed on every call from the background probes (every
`probe_interval_s`) and the live traffic of the last `health_window_s` seconds:

- **down**: the circuit breaker is open, or the last `health.down_after_failed_probes` probes
  (default 2) all failed;
- **degraded**: the circuit is half-open, or the last probe failed, or, with at least
  `health.min_calls` (5) live calls in the window, their error rate is above
  `health.degraded_error_rate` (5%) or their p95 latency above `health.degraded_p95_ms`
  (1000 ms);
- **up**: otherwise.

`reasons` says which part of the rule applied. Figures: calls (cache hits included) and live
calls, cache hit ratio, errors by reason and error rate (of live calls), registry latency
p50/p95/p99 of live calls, circuit state with its recent transitions, last probe, last success
and last error (reason and time). No personal data, no secrets, no registry URLs.
Ops or admin role.
"""


require_ops = require_role(ClientRole.OPS, ClientRole.ADMIN)
OpsClient = Annotated[Client, Depends(require_ops)]
# 401 and 403 from the shared table (these GETs take no body: no 422).
OPS_ERRORS = {
    status: response
    for status, response in error_responses(
        core.AuthenticationError, core.PermissionDeniedError
    ).items()
    if status != 422
}


async def metrics_access(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """`/metrics` is for ops clients unless the `metrics_public` setting opens it."""
    if not request.app.state.settings.metrics_public:
        await require_ops(await current_client(request, credentials))


@router.get(
    "/healthz",
    summary="Liveness: 200 whenever the process serves HTTP",
    response_model=dict[str, str],
)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: catalog loaded, database and audit store writable",
    description=(
        "200 when the catalog is loaded and both the database and the audit store accept "
        "writes now; otherwise 503 problem+json (`code` `not_ready`) whose `checks` say which "
        "check failed (`ok`, `failed` or `timeout`). A registry being down does not make the "
        "service unready: see `/v1/adapters/health`."
    ),
    response_model=dict[str, Any],
    responses={
        503: {
            "description": "Not ready: `checks` says which check failed",
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    },
)
async def readyz(request: Request) -> JSONResponse:
    services = getattr(request.app.state, "services", None)
    if services is None:
        checks = {"catalog": "failed", "database": "failed", "audit": "failed"}
    else:
        timeout_s = request.app.state.settings.readiness_timeout_s
        checks = await check_readiness(services, timeout_s)
    if all(value == OK for value in checks.values()):
        return JSONResponse({"status": "ready", "checks": checks})
    failed = ", ".join(name for name, value in checks.items() if value != OK)
    body = Problem(
        type=PROBLEM_TYPE_BASE + "not_ready",
        title="Not ready",
        status=503,
        detail=f"Not ready: {failed}.",
        code="not_ready",
        instance=request.url.path,
    ).model_dump(exclude_none=True)
    return JSONResponse({**body, "checks": checks}, status_code=503, media_type=PROBLEM_MEDIA_TYPE)


@router.get(
    "/metrics",
    summary="Prometheus metrics (text exposition format)",
    description=(
        "Ops or admin role (`Authorization: Bearer <key>`, as Prometheus' `authorization` "
        "setting sends it), unless the `metrics_public` setting is on. Metric names and "
        "meanings: docs/OPERATIONS.md. Labels never carry personal identifiers."
    ),
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Metrics"},
        **OPS_ERRORS,
    },
    dependencies=[Depends(metrics_access)],
)
async def metrics(request: Request) -> Response:
    return Response(render(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)


@router.get(
    "/v1/adapters/health",
    summary="Each registry adapter's health: up, degraded or down, and why",
    description=HEALTH_RULE,
    response_model=list[AdapterHealth],
    responses=OPS_ERRORS,
)
async def adapters_health(request: Request, _client: OpsClient) -> list[AdapterHealth]:
    board = request.app.state.services.health
    result: list[AdapterHealth] = board.snapshot()
    return result
