"""Import a full catalog of procedures from CSV or JSON: good rows kept, bad rows reported.

CSV has one row per requirement (dossier component); the procedure's own columns repeat on each
row (blank on later rows means "same as before"). JSON is a list of procedures shaped like
`models.Procedure` (or `{"procedures": [...]}`, the shape the import writes). Every problem is a
`RowError` naming the row (CSV: spreadsheet row, header = 1; JSON: the procedure's position in
the list, from 1), the column (CSV) or field path (JSON), and a stable code. A procedure with any
bad row is rejected whole; the others are accepted. Pure: no files are written here (see
`procedure_file.write_procedures`), and progress is reported through a callback.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shared_data.catalog.checks import Entries, cross_check
from shared_data.catalog.import_checks import (
    FieldProblem,
    ImportErrorCode,
    requirement_problems,
    validation_problems,
)
from shared_data.catalog.import_columns import (
    PROCEDURE_COLUMNS,
    PROCEDURE_FIELD_COLUMN,
    REQUIREMENT_COLUMNS,
    REQUIREMENT_FIELD_COLUMN,
    csv_requirement,
    header_problems,
    sniff_delimiter,
)
from shared_data.catalog.models import Catalog, Procedure, Requirement

# progress(done, total), called after each CSV row or JSON procedure.
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem: row (0 = the file itself), column or field path, code, message."""

    row: int
    column: str
    code: ImportErrorCode
    message: str
    procedure: str | None = None


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The accepted procedures (file order), every problem, and what was rejected."""

    procedures: tuple[Procedure, ...]
    errors: tuple[RowError, ...]
    rows: int
    rejected: tuple[str, ...] = ()
    # Nothing could be imported at all (unreadable file, bad header): write nothing.
    fatal: bool = False


@dataclass(slots=True)
class _Draft:
    first_row: int
    fields: dict[str, Any] = field(default_factory=dict)
    requirements: list[tuple[int, Requirement]] = field(default_factory=list)
    bad: bool = False


def _fatal(message: str, code: ImportErrorCode = ImportErrorCode.UNREADABLE) -> ImportResult:
    return ImportResult((), (RowError(0, "", code, message),), 0, fatal=True)


def read_import(
    path: Path, base: Catalog, fmt: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    """Import `path` (format from `fmt`, else from its suffix) against the `base` catalog."""
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in ("csv", "json"):
        return _fatal(f"unknown format {fmt!r}: use csv or json")
    try:
        text = path.read_bytes().decode("utf-8-sig")  # Excel writes a BOM
    except (OSError, UnicodeDecodeError) as exc:
        return _fatal(f"cannot read {path} as UTF-8 text: {exc}")
    importer = import_csv if fmt == "csv" else import_json
    return importer(text, base, progress=progress)


def import_csv(text: str, base: Catalog, *, progress: Progress | None = None) -> ImportResult:
    """Import CSV text, one row per requirement."""
    delimiter = sniff_delimiter(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        return _fatal(f"not a readable CSV file: {exc}")
    if not records:
        return _fatal("the file is empty")
    header = [name.strip().lower() for name in records[0]]
    header_errors = [RowError(1, c, code, message) for c, code, message in header_problems(header)]
    if header_errors:
        return ImportResult((), tuple(header_errors), 0, fatal=True)
    builder = _Builder(base, csv_columns=True)
    total = len(records) - 1
    for number, record in enumerate(records[1:], start=2):
        builder.add_csv_row(number, header, record)
        if progress is not None:
            progress(number - 1, total)
    return builder.finish(total)


def import_json(text: str, base: Catalog, *, progress: Progress | None = None) -> ImportResult:
    """Import JSON text: a list of procedures, or `{"procedures": [...]}`."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        return _fatal(f"invalid JSON: {exc}")
    items = document.get("procedures") if isinstance(document, dict) else document
    if not isinstance(items, list):
        return _fatal('expected a list of procedures, or {"procedures": [...]}')
    builder = _Builder(base, csv_columns=False)
    for number, item in enumerate(items, start=1):
        builder.add_json_procedure(number, item)
        if progress is not None:
            progress(number, len(items))
    return builder.finish(len(items))


class _Builder:
    """Collects rows into procedure drafts, then accepts or rejects each procedure whole."""

    def __init__(self, base: Catalog, *, csv_columns: bool) -> None:
        self._base = base
        self._csv = csv_columns
        self._drafts: dict[str, _Draft] = {}
        self._errors: list[RowError] = []
        self._requirement_rows: dict[str, tuple[int, str]] = {}

    def _error(self, row: int, column: str, problem: FieldProblem, code: str | None) -> None:
        self._errors.append(RowError(row, column, problem.code, problem.message, code))

    def add_csv_row(self, number: int, header: list[str], record: list[str]) -> None:
        """One requirement row: its procedure's columns are merged into that procedure."""
        values = {name: value.strip() for name, value in zip(header, record, strict=False)}
        if not any(values.values()) and len(record) <= len(header):
            return  # a blank line
        code = values.get("procedure_code", "")
        if not code:
            missing = FieldProblem("code", ImportErrorCode.MISSING_VALUE, "a value is required")
            self._error(number, "procedure_code", missing, None)
            return
        draft = self._drafts.setdefault(code, _Draft(first_row=number))
        if len(record) > len(header):
            extra = len(record) - len(header)
            problem = FieldProblem(
                "", ImportErrorCode.BAD_VALUE, f"{extra} value(s) past the header"
            )
            self._reject(draft, number, [problem], code)
        self._merge_procedure_columns(draft, number, values, code)
        raw = {REQUIREMENT_COLUMNS[c]: v for c, v in values.items() if c in REQUIREMENT_COLUMNS}
        self._add_requirement(draft, number, csv_requirement(raw), code)

    def _merge_procedure_columns(
        self, draft: _Draft, number: int, values: Mapping[str, str], code: str
    ) -> None:
        for column, name in PROCEDURE_COLUMNS.items():
            value = values.get(column, "")
            if not value:
                continue
            previous = draft.fields.setdefault(name, value)
            if previous != value:
                message = f"{value!r} differs from {previous!r} on row {draft.first_row}"
                problem = FieldProblem(name, ImportErrorCode.INCONSISTENT_PROCEDURE, message)
                self._reject(draft, number, [problem], code, procedure_level=True)

    def add_json_procedure(self, number: int, item: object) -> None:
        """One procedure with its requirements."""
        if not isinstance(item, dict):
            problem = FieldProblem("", ImportErrorCode.BAD_VALUE, "a procedure must be an object")
            self._error(number, "", problem, None)
            return
        code = item.get("code")
        if not isinstance(code, str) or not code.strip():
            problem = FieldProblem("code", ImportErrorCode.MISSING_VALUE, "a value is required")
            self._error(number, "code", problem, None)
            return
        if code in self._drafts:
            message = f"procedure {code} already at #{self._drafts[code].first_row}"
            self._error(
                number, "code", FieldProblem("code", ImportErrorCode.DUPLICATE_ID, message), code
            )
            return
        draft = self._drafts[code] = _Draft(first_row=number)
        draft.fields = {k: v for k, v in item.items() if k != "requirements"}
        requirements = item.get("requirements")
        if not isinstance(requirements, list):
            problem = FieldProblem(
                "requirements", ImportErrorCode.MISSING_VALUE, "a list is required"
            )
            self._reject(draft, number, [problem], code)
            return
        for index, raw in enumerate(requirements):
            self._add_requirement(draft, number, raw, code, prefix=f"requirements[{index}].")

    def _add_requirement(
        self, draft: _Draft, number: int, raw: object, code: str, prefix: str = ""
    ) -> None:
        try:
            requirement = Requirement.model_validate(raw)
        except ValidationError as exc:
            self._reject(draft, number, validation_problems(exc), code, prefix)
            return
        problems = list(requirement_problems(requirement, self._base.document_types))
        seen = self._requirement_rows.get(requirement.id)
        if seen is None:
            self._requirement_rows[requirement.id] = (number, code)
        else:
            message = f"requirement id {requirement.id!r} already used (row {seen[0]}, {seen[1]})"
            problems.append(FieldProblem("id", ImportErrorCode.DUPLICATE_ID, message))
        if problems:
            self._reject(draft, number, problems, code, prefix)
        else:
            draft.requirements.append((number, requirement))

    def _reject(
        self,
        draft: _Draft,
        number: int,
        problems: list[FieldProblem],
        code: str,
        prefix: str = "",
        procedure_level: bool = False,
    ) -> None:
        draft.bad = True
        for problem in problems:
            self._error(number, self._column(problem.field, prefix, procedure_level), problem, code)

    def _column(self, name: str, prefix: str, procedure_level: bool) -> str:
        if not self._csv:
            return prefix + name
        head, _, _ = name.partition(".")
        table = PROCEDURE_FIELD_COLUMN if procedure_level else REQUIREMENT_FIELD_COLUMN
        return table.get(head, head)

    def finish(self, rows: int) -> ImportResult:
        """Accept every procedure without a bad row; the loader's cross-checks have a last word."""
        base_ids = {
            req.id: proc.code
            for proc in self._base.procedures.values()
            if proc.code not in self._drafts
            for req in proc.requirements
        }
        candidates = {}
        for code, draft in self._drafts.items():
            procedure = self._build(code, draft, base_ids)
            if procedure is not None:
                candidates[code] = procedure
        accepted = self._cross_check(candidates)
        rejected = tuple(code for code in self._drafts if code not in accepted)
        errors = tuple(sorted(self._errors, key=lambda e: (e.row, e.column)))
        return ImportResult(tuple(accepted.values()), errors, rows, rejected)

    def _build(self, code: str, draft: _Draft, base_ids: Mapping[str, str]) -> Procedure | None:
        for number, requirement in draft.requirements:
            if requirement.id in base_ids:
                message = (
                    f"requirement id {requirement.id!r} is used by procedure "
                    f"{base_ids[requirement.id]} of the catalog"
                )
                problem = FieldProblem("id", ImportErrorCode.DUPLICATE_ID, message)
                self._reject(draft, number, [problem], code)
        fields = {**draft.fields, "requirements": [req for _, req in draft.requirements]}
        problems = [
            FieldProblem(name, ImportErrorCode.MISSING_VALUE, "a value is required")
            for name in ("name_vi", "agency")
            if isinstance(fields.get(name, ""), str) and not str(fields.get(name, "")).strip()
        ]
        try:
            procedure = Procedure.model_validate(fields)
        except ValidationError as exc:
            problems += [
                p for p in validation_problems(exc) if p.field not in ("name_vi", "agency")
            ]
            procedure = None
        if problems:
            self._reject(draft, draft.first_row, problems, code, procedure_level=True)
        return None if draft.bad else procedure

    def _cross_check(self, candidates: dict[str, Procedure]) -> dict[str, Procedure]:
        base = self._base
        kept = {c: p for c, p in base.procedures.items() if c not in self._drafts}
        entries = Entries(
            base.registries, base.schemes, base.document_types, {**kept, **candidates}
        )
        accepted = dict(candidates)
        for problem in cross_check(entries):
            if problem.section == "procedures" and problem.entry in accepted:
                code = problem.entry
                message = f"{problem.part}: {problem.message}" if problem.part else problem.message
                self._errors.append(
                    RowError(
                        self._drafts[code].first_row,
                        "",
                        ImportErrorCode.CATALOG_CHECK,
                        message,
                        code,
                    )
                )
                del accepted[code]
        return accepted
