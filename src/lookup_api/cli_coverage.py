"""`shared-data coverage`: Plan 86 coverage in the terminal, as CSV, as an SVG chart.

"Integrated" is what the service would run with these settings: the registries for which
`build_adapters` builds an adapter (the same rule as `GET /v1/coverage`). Building an adapter
opens no connection; they are closed right away.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lookup_api.coverage_render import coverage_csv, coverage_svg
from lookup_api.routes.coverage import today_in_hanoi
from shared_data.catalog import Catalog, load_catalog
from shared_data.coverage import CoverageIndex, UnknownAgencyError, integrated_registries
from shared_data.coverage_models import CoverageReport, ScopeCoverage
from shared_data.settings import Settings


def coverage_command(
    agency: Annotated[str | None, typer.Option(help="Only this agency")] = None,
    as_of: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Default: today in Hanoi")
    ] = None,
    csv: Annotated[Path | None, typer.Option(help="Write the CSV export here")] = None,
    svg: Annotated[Path | None, typer.Option(help="Write the SVG chart here")] = None,
    top: Annotated[int, typer.Option(help="Registries and document types to list")] = 5,
) -> None:
    """Procedures restructured on data, per agency, against Plan 86's 80% and 95% targets."""
    settings = Settings()
    catalog = load_catalog(settings.catalog_dir)
    index = CoverageIndex.build(
        catalog, integrated_registries(catalog, _in_service(settings, catalog))
    )
    try:
        report = index.report(as_of.date() if as_of else today_in_hanoi(), agency)
    except UnknownAgencyError as exc:
        raise typer.BadParameter(exc.detail, param_hint="--agency") from exc
    console = Console()
    console.print(_scope_table(report))
    console.print(_unlock_table(report, top))
    if csv is not None:
        csv.write_text(coverage_csv(report), "utf-8")
        console.print(f"CSV written to {csv}")
    if svg is not None:
        svg.write_text(coverage_svg(report), "utf-8")
        console.print(f"chart written to {svg}")


def _in_service(settings: Settings, catalog: Catalog) -> list[str]:
    from adapters.registry import build_adapters  # not at import: keeps `--help` fast

    adapters = build_adapters(settings, catalog)

    async def close_all() -> None:
        for adapter in adapters.values():
            await adapter.aclose()

    asyncio.run(close_all())
    return list(adapters)


def _scope_table(report: CoverageReport) -> Table:
    city = report.city
    title = (
        f"Plan 86 coverage on {report.as_of:%d/%m/%Y}: {city.restructured}/{city.procedures} "
        f"restructured ({city.rate:.1%}); integrated: {', '.join(report.integrated_registries)}"
    )
    table = Table(title=title, title_justify="left")
    for column in ("agency", "procedures", "restructured", "rate", "gap 80%", "gap 95%"):
        table.add_column(column, justify="left" if column == "agency" else "right")
    for column in ("confirmations removed", "papers removed", "blocked by papers"):
        table.add_column(column, justify="right")
    scopes = [city, *report.agencies] if report.agency is None else report.agencies
    for number, scope in enumerate(scopes):
        style = "bold" if report.agency is None and number == 0 else None
        table.add_row(*_scope_cells(scope), style=style, end_section=style is not None)
    return table


def _scope_cells(scope: ScopeCoverage) -> list[str]:
    cells = [scope.scope, str(scope.procedures), str(scope.restructured), f"{scope.rate:.1%}"]
    for target in scope.targets:
        late = " late" if target.due_passed and not target.met else ""
        cells.append("met" if target.met else f"{target.gap}{late}")
    confirmations, papers = scope.internal_confirmations, scope.paper_requirements
    cells += [
        f"{confirmations.eliminated}/{confirmations.total}",
        f"{papers.eliminated}/{papers.total}",
        str(scope.blocked_by_papers),
    ]
    return cells


def _unlock_table(report: CoverageReport, top: int) -> Table:
    table = Table(title="What to connect next", title_justify="left")
    for column in ("registry / document type", "procedures unlocked", "requirements satisfied"):
        table.add_column(column, justify="left" if column.startswith("registry") else "right")
    for unlock in report.registries_to_integrate[:top]:
        table.add_row(
            f"{unlock.id}  {unlock.name_vi}",
            str(unlock.procedures_unlocked),
            str(unlock.requirements_satisfied),
        )
    table.add_section()
    for unlock in report.document_types_to_integrate[:top]:
        table.add_row(
            f"{unlock.id} ({unlock.registry})  {unlock.name_vi}",
            str(unlock.procedures_unlocked),
            str(unlock.requirements_satisfied),
        )
    if report.roadmap:
        table.add_section()
        path = " → ".join(f"{s.registry} {s.rate_after:.0%}" for s in report.roadmap)
        table.add_row(f"greedy order: {path}", "", "")
    return table
