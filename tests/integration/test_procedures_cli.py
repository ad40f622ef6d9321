"""`shared-data procedures import` and `shared-data coverage` from the command line."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lookup_api.cli import app as cli
from lookup_api.cli_procedures import EXIT_NOTHING_IMPORTED, EXIT_REJECTED_ROWS
from shared_data.catalog import load_catalog
from shared_data.catalog.demo_catalog import DEMO_CATALOG_DIR
from shared_data.catalog.procedure_file import PROCEDURES_FILE
from tests.unit.test_procedures_import import GOOD_ROWS, csv_text

SVG = "{http://www.w3.org/2000/svg}"


def run(*args: str, catalog_dir: Path | None = None) -> tuple[int, str]:
    env = {"COLUMNS": "200", "SHARED_DATA_CATALOG_DIR": str(catalog_dir) if catalog_dir else None}
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


@pytest.fixture(autouse=True)
def no_catalog_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHARED_DATA_CATALOG_DIR", raising=False)


def test_import_writes_the_good_procedures_and_exits_1_on_rejected_rows(tmp_path: Path) -> None:
    source = tmp_path / "procedures.csv"
    bad = "HN-9003,X,Sở Y tế,tinh,HN-9003-R1,paper,CCCD,,,,,,,"
    source.write_text(csv_text(*GOOD_ROWS, bad), "utf-8")
    catalog_dir, errors = tmp_path / "catalog", tmp_path / "errors.csv"
    code, output = run(
        "procedures", "import", str(source), "--output", str(catalog_dir), "--errors", str(errors)
    )
    assert code == EXIT_REJECTED_ROWS, output
    assert "2 procedures (6 requirements) from 7 rows" in output
    assert "bad_kind" in output and "HN-9003" in output
    loaded = load_catalog(catalog_dir)
    assert {"HN-9001", "HN-9002"} <= loaded.procedures.keys()
    assert "HN-9003" not in loaded.procedures
    rows = list(csv.DictReader(io.StringIO(errors.read_text("utf-8"))))
    assert [(r["row"], r["column"], r["code"]) for r in rows] == [("8", "kind", "bad_kind")]


def test_import_of_the_demo_catalog_into_the_configured_directory(tmp_path: Path) -> None:
    code, output = run(
        "procedures", "import", str(DEMO_CATALOG_DIR / PROCEDURES_FILE), catalog_dir=tmp_path
    )
    assert code == 0, output
    assert "2134 procedures" in output
    assert len(load_catalog(tmp_path).procedures) == 2149


def test_an_unreadable_file_writes_nothing_and_exits_2(tmp_path: Path) -> None:
    source = tmp_path / "procedures.json"
    source.write_text("{broken", "utf-8")
    code, output = run("procedures", "import", str(source), "--output", str(tmp_path / "out"))
    assert code == EXIT_NOTHING_IMPORTED
    assert "invalid JSON" in output
    assert not (tmp_path / "out").exists()


def test_dry_run_checks_without_writing(tmp_path: Path) -> None:
    source = tmp_path / "p.csv"
    source.write_text(csv_text(*GOOD_ROWS), "utf-8")
    code, output = run("procedures", "import", str(source), "--dry-run", "--output", str(tmp_path))
    assert code == 0, output
    assert "dry run" in output
    assert not (tmp_path / PROCEDURES_FILE).exists()


def test_import_needs_a_catalog_directory(tmp_path: Path) -> None:
    source = tmp_path / "p.csv"
    source.write_text(csv_text(*GOOD_ROWS), "utf-8")
    code, output = run("procedures", "import", str(source))
    assert code == EXIT_NOTHING_IMPORTED
    assert "SHARED_DATA_CATALOG_DIR" in output


def test_coverage_prints_the_table_and_writes_csv_and_svg(tmp_path: Path) -> None:
    csv_path, svg_path = tmp_path / "coverage.csv", tmp_path / "coverage.svg"
    code, output = run(
        "coverage",
        "--as-of",
        "2026-03-20",
        "--csv",
        str(csv_path),
        "--svg",
        str(svg_path),
        catalog_dir=DEMO_CATALOG_DIR,
    )
    assert code == 0, output
    assert "Plan 86 coverage on 20/03/2026" in output and "/2149 restructured" in output
    assert "Toàn thành phố" in output and "What to connect next" in output
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text("utf-8"))))
    assert rows[0]["scope"] == "Toàn thành phố" and rows[0]["procedures"] == "2149"
    assert sum(int(r["procedures"]) for r in rows[1:]) == 2149
    assert ET.parse(svg_path).getroot().tag == f"{SVG}svg"


def test_coverage_of_an_unknown_agency_is_a_usage_error() -> None:
    code, output = run("coverage", "--agency", "Sở Không Có", catalog_dir=DEMO_CATALOG_DIR)
    assert code == 2
    assert "Sở Không Có" in output
