"""`/status`: a server-rendered page of every adapter's health, for people (docs/OPERATIONS.md).

Unauthenticated on purpose (a wall screen or a phone behind the operator's proxy opens it
without a key), so it shows only what is safe for anyone who can reach it: registry ids and
names, states, latency, error rates, circuit state, reason codes and times, and the Plan 86
coverage summary (the report of `GET /v1/coverage`, from its cache). No personal data, no
registry URLs, no error details, no secrets.
`status_page_enabled=false` turns it off (404). It refreshes itself (meta refresh,
`status_refresh_s`); no script, no external asset.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.exceptions import HTTPException

from lookup_api.routes.coverage import coverage_report
from shared_data.coverage_models import CoverageReport
from shared_data.health import AdapterHealth, HealthState

log = logging.getLogger(__name__)
SEVERITY = {HealthState.UP: 0, HealthState.DEGRADED: 1, HealthState.DOWN: 2}

router = APIRouter(tags=["operations"])
_templates = Environment(
    loader=PackageLoader("lookup_api", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%".replace(".0%", "%")


def _hm(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%H:%M:%S")


def _window_label(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 120 else f"{seconds:g} s"


def overall(adapters: list[AdapterHealth]) -> dict[str, str]:
    """The page's headline: the worst state, in words."""
    down = [a.registry for a in adapters if a.state is HealthState.DOWN]
    degraded = [a.registry for a in adapters if a.state is HealthState.DEGRADED]
    if down:
        return {"state": "down", "label": f"Down: {', '.join(down)}"}
    if degraded:
        return {"state": "degraded", "label": f"Degraded: {', '.join(degraded)}"}
    return {"state": "up", "label": "All registries up"}


def _procedures(n: int) -> str:
    return f"{n:,} procedure" + ("" if n == 1 else "s")


def coverage_rows(report: CoverageReport | None) -> list[tuple[str, str]] | None:
    """The Plan 86 coverage summary as (label, value) rows (None: no report to show)."""
    if report is None:
        return None
    city = report.city
    rows = [
        ("Procedures restructured on data",
         f"{city.restructured:,} of {city.procedures:,} ({city.rate:.1%})"),
        ("Fully (no partial requirement)",
         f"{city.restructured_fully:,} ({city.strict_rate:.1%})"),
    ]  # fmt: skip
    for target in city.targets:
        if target.met:
            value = "met"
        elif target.due_passed:
            value = f"missed: {_procedures(target.gap)} short"
        else:
            value = f"{_procedures(target.gap)} to go, {target.days_left} days left"
        rows.append((f"Target {target.percent}% by {target.due.isoformat()}", value))
    confirmations = city.internal_confirmations
    rows.append(
        (
            "Internal confirmations replaced",
            f"{confirmations.eliminated:,} of {confirmations.total:,}",
        )
    )
    if report.registries_to_integrate:
        best = report.registries_to_integrate[0]
        rows.append(
            ("Next registry to connect", f"{best.id}: unlocks {best.procedures_unlocked:,}")
        )
    return rows


async def _coverage(request: Request) -> CoverageReport | None:
    """The city's coverage report (cached by the coverage routes), or None if it fails: the
    status page must show the registries whatever happens to coverage."""
    try:
        return await asyncio.to_thread(coverage_report, request, None, None)
    except Exception:
        log.warning("status page: no coverage summary", exc_info=True)
        return None


@router.get(
    "/status",
    response_class=HTMLResponse,
    summary="Status page (HTML): each registry's health, refreshing itself",
    description=(
        "Server-rendered, no script. Unauthenticated: it carries no personal data, no "
        "registry URL and no secret (see docs/OPERATIONS.md). Off with status_page_enabled."
    ),
)
async def status_page(request: Request) -> HTMLResponse:
    settings = request.app.state.settings
    if not settings.status_page_enabled:
        raise HTTPException(404, "Not Found")
    services = request.app.state.services
    # Worst first: what needs attention is at the top of a phone's screen.
    adapters = sorted(services.health.snapshot(), key=lambda a: (-SEVERITY[a.state], a.registry))
    names = {rid: reg.name_en for rid, reg in services.catalog.registries.items()}
    html = _templates.get_template("status.html").render(
        adapters=adapters,
        names=names,
        overall=overall(adapters),
        coverage=coverage_rows(await _coverage(request)),
        refresh_s=settings.status_refresh_s,
        window_label=_window_label(settings.health_window_s),
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        rule=services.health.thresholds,
        ms=_ms,
        pct=_pct,
        hm=_hm,
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
