"""Plan 86 coverage: JSON, CSV and an SVG chart, for ops (and admin) clients."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from lookup_api.auth import require_role
from lookup_api.coverage_render import coverage_csv, coverage_svg
from lookup_api.errors import error_responses
from shared_data import errors as core
from shared_data.clients import ClientRole
from shared_data.coverage import CoverageCache, integrated_registries
from shared_data.coverage_models import CoverageReport

router = APIRouter(
    prefix="/v1",
    tags=["coverage"],
    dependencies=[Depends(require_role(ClientRole.OPS, ClientRole.ADMIN))],
)
# Vietnam keeps UTC+7 all year: "today" for Plan 86's deadlines is Hanoi's day.
HANOI = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
RULE = """\
A procedure is **restructured** when every requirement that is not a form (tờ khai, đơn) can
be satisfied by an *integrated* registry (an adapter in service): its document type, or one of
its alternatives, is attested by such a registry and it is replaceable by lookup (`true`, or
`partial`: the data exists for some applicants, the others fall back to the paper).
`restructured_fully` leaves out procedures with a partial requirement. A registry or document
type *unlocks* a procedure when integrating it alone would make the procedure restructured.
Plan 86/KH-UBND targets: 80% by 2026-06-30, 95% by 2026-12-31. Ops or admin role.
"""

Agency = Annotated[
    str | None, Query(description="Only this agency (as in the catalog, e.g. 'Sở Tư pháp')")
]
AsOf = Annotated[
    date | None, Query(description="Judge the targets on this day (default: today in Hanoi)")
]
_ERRORS = error_responses(
    core.AuthenticationError, core.PermissionDeniedError, core.UnknownProcedureError
)
# UnknownAgencyError is an UnknownProcedureError (404) with its own code.
_ERRORS[404]["description"] = "Unknown agency (code `unknown_agency`)"
_TEXT = {"schema": {"type": "string"}}


def coverage_report(request: Request, agency: str | None, as_of: date | None) -> CoverageReport:
    """The report from the app's cache: rebuilt only if the catalog or integrated set changed."""
    services = request.app.state.services
    cache = getattr(request.app.state, "coverage_cache", None)
    if cache is None:
        cache = request.app.state.coverage_cache = CoverageCache()
    integrated = integrated_registries(services.catalog, services.adapters)
    index = cache.index(services.catalog, integrated)
    return index.report(as_of or today_in_hanoi(), agency)


def today_in_hanoi() -> date:
    return datetime.now(UTC).astimezone(HANOI).date()


@router.get(
    "/coverage",
    response_model=CoverageReport,
    summary="Procedures restructured on data, against Plan 86's targets",
    description=RULE,
    responses=_ERRORS,
)
async def get_coverage(
    request: Request, agency: Agency = None, as_of: AsOf = None
) -> CoverageReport:
    return coverage_report(request, agency, as_of)


@router.get(
    "/coverage.csv",
    summary="Coverage as CSV: the city, then one row per agency",
    response_class=Response,
    responses={200: {"content": {"text/csv": _TEXT}}, **_ERRORS},
)
async def get_coverage_csv(request: Request, agency: Agency = None, as_of: AsOf = None) -> Response:
    report = coverage_report(request, agency, as_of)
    filename = f"coverage-{report.as_of.isoformat()}.csv"
    return Response(
        coverage_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/coverage/chart.svg",
    summary="Coverage chart: restructured rate per agency, the city, the 80% and 95% targets",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": _TEXT}}, **_ERRORS},
)
async def get_coverage_chart(
    request: Request, agency: Agency = None, as_of: AsOf = None
) -> Response:
    report = coverage_report(request, agency, as_of)
    return Response(coverage_svg(report), media_type="image/svg+xml; charset=utf-8")
