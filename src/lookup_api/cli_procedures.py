"""`shared-data procedures import FILE`: load a catalog of procedures from CSV or JSON.

Bad rows are reported (row, column, code, message) and their procedures rejected whole; good
procedures are written atomically to `procedures.json` in the catalog directory, where
`load_catalog` picks them up. Exit status: 0 everything imported; 1 some rows rejected (the
good procedures were written); 2 nothing imported (unreadable file, bad header, no valid
procedure, broken catalog directory) and nothing written.
"""

from __future__ import annotations

import csv
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from shared_data.catalog import Catalog
from shared_data.catalog.importer import ImportResult, RowError, read_import
from shared_data.catalog.procedure_file import PROCEDURES_FILE, base_catalog, write_procedures
from shared_data.errors import CatalogError
from shared_data.settings import Settings

procedures_app = typer.Typer(help="Procedures (TTHC) of the catalog.", no_args_is_help=True)

EXIT_REJECTED_ROWS = 1
EXIT_NOTHING_IMPORTED = 2


class ImportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


@procedures_app.command("import")
def import_procedures(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or JSON file")],
    fmt: Annotated[
        ImportFormat | None,
        typer.Option("--format", help="Default: from the file name (.csv, .json)"),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            help="Catalog directory to write procedures.json to (default: SHARED_DATA_CATALOG_DIR)"
        ),
    ] = None,
    errors: Annotated[
        Path | None, typer.Option(help="Also write every error to this CSV file")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Check only; write nothing")] = False,
    show: Annotated[
        int, typer.Option(help="Errors shown in the terminal (all go to --errors)")
    ] = 50,
) -> None:
    """Import procedures: good rows kept, bad rows reported, nothing half written."""
    console = Console(stderr=True)
    directory = output or Settings().catalog_dir
    if directory is None and not dry_run:
        console.print("[red]no catalog directory: pass --output DIR or set SHARED_DATA_CATALOG_DIR")
        raise typer.Exit(EXIT_NOTHING_IMPORTED)
    try:
        base = base_catalog(directory)
    except CatalogError as exc:
        console.print(f"[red]the catalog directory does not load:[/red]\n{exc.detail}")
        raise typer.Exit(EXIT_NOTHING_IMPORTED) from exc
    result = _read_with_progress(file, base, fmt, console)
    _report_errors(result, console, show)
    if errors is not None:
        _write_error_file(result.errors, errors)
    if result.fatal or not result.procedures:
        console.print("[red]nothing imported, nothing written")
        raise typer.Exit(EXIT_NOTHING_IMPORTED)
    target = None
    if not dry_run and directory is not None:
        target = write_procedures(result.procedures, directory)
    _summary(result, target)
    if result.errors:
        raise typer.Exit(EXIT_REJECTED_ROWS)


def _read_with_progress(
    file: Path, base: Catalog, fmt: ImportFormat | None, console: Console
) -> ImportResult:
    columns = (
        TextColumn("[bold]importing {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(file.name, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return read_import(file, base, fmt.value if fmt else None, progress=advance)


def _report_errors(result: ImportResult, console: Console, show: int) -> None:
    if not result.errors:
        return
    table = Table(title=f"{len(result.errors)} problem(s)", title_justify="left")
    for column in ("row", "column", "procedure", "code", "message"):
        table.add_column(column, overflow="fold")
    for error in result.errors[:show]:
        row = str(error.row) if error.row else "file"
        table.add_row(row, error.column, error.procedure or "", error.code, error.message)
    console.print(table)
    if len(result.errors) > show:
        console.print(f"... and {len(result.errors) - show} more (use --errors FILE for all)")


def _write_error_file(errors: tuple[RowError, ...], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["row", "column", "procedure", "code", "message"])
        for error in errors:
            writer.writerow(
                [error.row, error.column, error.procedure or "", error.code, error.message]
            )


def _summary(result: ImportResult, target: Path | None) -> None:
    requirements = sum(len(p.requirements) for p in result.procedures)
    where = f"written to {target}" if target else f"not written (dry run; {PROCEDURES_FILE})"
    typer.echo(
        f"{len(result.procedures)} procedures ({requirements} requirements) "
        f"from {result.rows} rows: {where}"
    )
    if result.rejected:
        shown = ", ".join(result.rejected[:20]) + (" ..." if len(result.rejected) > 20 else "")
        typer.echo(f"{len(result.rejected)} procedure(s) rejected whole: {shown}")
