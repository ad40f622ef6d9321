"""Checks of one imported requirement or procedure, each naming the field it is about.

The same rules as the loader's cross-checks (`checks.py`), but said per field so that an import
report can point at a CSV column or a JSON path. `importer.py` still runs the loader's
cross-checks on what it accepts, so the two cannot drift into accepting a broken catalog.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from shared_data.catalog.checks import duration_problem
from shared_data.catalog.models import DocumentType, Replaceable, Requirement, RequirementKind


class ImportErrorCode(StrEnum):
    """What is wrong with one row (or, for row 0, with the whole file)."""

    UNREADABLE = "unreadable"
    MISSING_COLUMN = "missing_column"
    UNKNOWN_COLUMN = "unknown_column"
    MISSING_VALUE = "missing_value"
    BAD_VALUE = "bad_value"
    BAD_KIND = "bad_kind"
    UNKNOWN_DOCUMENT_TYPE = "unknown_document_type"
    OBSOLETE_DOCUMENT_TYPE = "obsolete_document_type"
    KIND_MISMATCH = "kind_mismatch"
    DUPLICATE_ID = "duplicate_id"
    INCONSISTENT_PROCEDURE = "inconsistent_procedure"
    CATALOG_CHECK = "catalog_check"


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One problem of one model field (`kind`, `document_type`, `agency`, ...)."""

    field: str
    code: ImportErrorCode
    message: str


def validation_problems(exc: ValidationError) -> list[FieldProblem]:
    """Pydantic's errors as field problems: a missing value, a bad kind, any other bad value."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = ".".join(str(part) for part in error["loc"])
        if error["type"] == "missing":
            code = ImportErrorCode.MISSING_VALUE
        elif error["loc"] and error["loc"][-1] == "kind":
            code = ImportErrorCode.BAD_KIND
        else:
            code = ImportErrorCode.BAD_VALUE
        problems.append(FieldProblem(loc, code, _message(error)))
    return problems


def _message(error: Mapping[str, Any]) -> str:
    if error["type"] == "missing":
        return "a value is required"
    if error["type"] == "extra_forbidden":
        return "unknown field"
    got = error.get("input")
    return f"{error['msg']} (got {got!r})" if isinstance(got, str | int | float) else error["msg"]


def requirement_problems(
    req: Requirement, document_types: Mapping[str, DocumentType]
) -> Iterator[FieldProblem]:
    """Every rule of `checks.py` that `req` breaks, against the catalog's document types."""
    yield from _reference_problems(req, document_types)
    message = duration_problem(req.max_age, "max_age")
    if message:
        yield FieldProblem("max_age", ImportErrorCode.BAD_VALUE, message)
    if req.paper_code is not None and req.paper_code in document_types:
        message = f"paper_code {req.paper_code!r} is a document type: use document_type"
        yield FieldProblem("paper_code", ImportErrorCode.BAD_VALUE, message)
    yield from _kind_problems(req, document_types.get(req.document_type or ""))


def _reference_problems(
    req: Requirement, document_types: Mapping[str, DocumentType]
) -> Iterator[FieldProblem]:
    references = [("document_type", req.document_type)] if req.document_type else []
    references += [("alternatives", doc_id) for doc_id in req.alternatives]
    for field, doc_id in references:
        doc = document_types.get(doc_id)
        if doc is None:
            message = f"unknown document type {doc_id!r}"
            yield FieldProblem(field, ImportErrorCode.UNKNOWN_DOCUMENT_TYPE, message)
        elif doc.obsolete:
            message = f"document type {doc_id!r} is abolished ({doc.validity.since})"
            yield FieldProblem(field, ImportErrorCode.OBSOLETE_DOCUMENT_TYPE, message)


def _kind_problems(req: Requirement, doc: DocumentType | None) -> Iterator[FieldProblem]:
    bad, mismatch = ImportErrorCode.BAD_VALUE, ImportErrorCode.KIND_MISMATCH
    if req.kind is RequirementKind.FORM:
        if req.document_type is not None or req.alternatives:
            yield FieldProblem("kind", mismatch, "a form has no document_type or alternatives")
        elif req.replaceable_by_lookup is not Replaceable.NO:
            yield FieldProblem("replaceable_by_lookup", bad, "a form is never replaceable")
    if req.document_type is None:
        if req.name_vi is None:
            message = "a paper without document_type needs its name_vi"
            yield FieldProblem("name_vi", ImportErrorCode.MISSING_VALUE, message)
        if req.kind is RequirementKind.INTERNAL_CONFIRMATION:
            message = "an internal_confirmation needs a document_type"
            yield FieldProblem("document_type", ImportErrorCode.MISSING_VALUE, message)
        elif (
            req.replaceable_by_lookup is not Replaceable.NO and req.kind is not RequirementKind.FORM
        ):
            message = "replaceable_by_lookup needs a document_type to look up"
            yield FieldProblem("replaceable_by_lookup", bad, message)
    if doc is not None and req.kind is not RequirementKind.FORM:
        confirmation = req.kind is RequirementKind.INTERNAL_CONFIRMATION
        if confirmation != doc.internal_confirmation:
            expected = "internal_confirmation" if doc.internal_confirmation else "document"
            message = f"kind {req.kind} but document type {doc.id} makes it {expected!r}"
            yield FieldProblem("kind", mismatch, message)
