"""The CSV shape of a procedures import: columns, header checks, cells to fields, and back."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from shared_data.catalog.import_checks import ImportErrorCode
from shared_data.catalog.models import Procedure, RequirementKind

# CSV column -> model field.
PROCEDURE_COLUMNS = {
    "procedure_code": "code",
    "procedure_name_vi": "name_vi",
    "procedure_name_en": "name_en",
    "national_code": "national_code",
    "level": "level",
    "agency": "agency",
    "authority_vi": "authority_vi",
    "legal_basis": "legal_basis",
}
REQUIREMENT_COLUMNS = {
    "requirement_id": "id",
    "kind": "kind",
    "document_type": "document_type",
    "paper_code": "paper_code",
    "requirement_name_vi": "name_vi",
    "alternatives": "alternatives",
    "role": "role",
    "party": "party",
    "condition": "condition",
    "replaceable_by_lookup": "replaceable_by_lookup",
    "basis": "basis",
    "note": "note",
    "max_age": "max_age",
    "fallback": "fallback",
}
REQUIRED_COLUMNS = ("procedure_code", "procedure_name_vi", "agency", "requirement_id", "kind")
PROCEDURE_FIELD_COLUMN = {f: c for c, f in PROCEDURE_COLUMNS.items()}
REQUIREMENT_FIELD_COLUMN = {f: c for c, f in REQUIREMENT_COLUMNS.items()}
_BOOLEANS = {"yes": "true", "no": "false", "1": "true", "0": "false"}


def header_problems(header: list[str]) -> list[tuple[str, ImportErrorCode, str]]:
    """(column, code, message) for each required column missing and each unknown or repeated."""
    known = PROCEDURE_COLUMNS.keys() | REQUIREMENT_COLUMNS.keys()
    problems = [
        (name, ImportErrorCode.MISSING_COLUMN, f"required column {name!r} is missing")
        for name in REQUIRED_COLUMNS
        if name not in header
    ]
    for position, name in enumerate(header):
        if name not in known:
            message = f"unknown column {name!r} (known: {', '.join(sorted(known))})"
            problems.append((name, ImportErrorCode.UNKNOWN_COLUMN, message))
        elif name in header[:position]:
            problems.append(
                (name, ImportErrorCode.UNKNOWN_COLUMN, f"column {name!r} appears twice")
            )
    return problems


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon (spreadsheets in Vietnamese locales) or tab: the header's commonest."""
    first = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=first.count)


def csv_requirement(raw: dict[str, str]) -> dict[str, Any]:
    """CSV cells to requirement fields: blanks dropped, alternatives split on `|`, yes/no."""
    fields: dict[str, Any] = {name: value for name, value in raw.items() if value}
    if "alternatives" in fields:
        fields["alternatives"] = [a.strip() for a in fields["alternatives"].split("|") if a.strip()]
    replaceable = fields.get("replaceable_by_lookup")
    if replaceable is not None:
        fields["replaceable_by_lookup"] = _BOOLEANS.get(replaceable.lower(), replaceable.lower())
    elif fields.get("kind") == RequirementKind.FORM or not fields.get("document_type"):
        # Forms and papers no registry holds cannot be looked up: that is the only sane default.
        fields["replaceable_by_lookup"] = "false"
    return fields


def procedures_csv(procedures: Iterable[Procedure]) -> str:
    """The CSV `import_csv` reads: one row per requirement, procedure columns on every row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*PROCEDURE_COLUMNS, *REQUIREMENT_COLUMNS])
    for procedure in procedures:
        head = [_cell(getattr(procedure, name)) for name in PROCEDURE_COLUMNS.values()]
        for requirement in procedure.requirements:
            tail = [_cell(getattr(requirement, name)) for name in REQUIREMENT_COLUMNS.values()]
            writer.writerow(head + tail)
    return out.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(value)
    return str(value)
