"""A published result checked against the catalog before anything is stored.

What is refused (all caller errors): a document type the store does not hold, an unknown
procedure, a field the document type does not have, a subject in a scheme the type is not
looked up by or that breaks its scheme's rules, a dossier number that is not one, an issue
date in the future, a `valid_until` before the issue date or contradicting the type's expiry
field. What is completed: subjects in canonical form without duplicates, the dossier number
as one more subject (the type's key: lookups by dossier find it), and `valid_until` from the
expiry field when the type has one and it was not given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared_data.catalog.models import Catalog, DocumentType, Procedure, ValidityType
from shared_data.catalog.queries import accepted_schemes
from shared_data.domain import Subject
from shared_data.errors import (
    InvalidResultError,
    UnknownDocumentTypeError,
    UnknownProcedureError,
    UnknownSchemeError,
)
from shared_data.identifiers import validate_identifier
from shared_data.results.model import ResultDraft

DOSSIER_SCHEME = "DOSSIER_NO"


@dataclass(frozen=True, slots=True)
class PreparedResult:
    """A draft the catalog accepts, completed."""

    doc: DocumentType
    procedure: Procedure
    # The subjects as named by the publisher (canonical, unique), then the dossier's.
    named: tuple[Subject, ...]
    dossier: Subject | None
    fields: dict[str, Any]
    issued_on: date
    valid_until: date | None
    dossier_id: str

    @property
    def indexed(self) -> tuple[Subject, ...]:
        """Every subject a lookup may name to find the result."""
        extra = () if self.dossier is None or self.dossier in self.named else (self.dossier,)
        return (*self.named, *extra)


def index_scheme(catalog: Catalog, scheme: str) -> str:
    """The scheme an identifier is indexed under: ENTERPRISE_CODE and BRANCH_CODE are MSTs."""
    seen = {scheme}
    while (parent := catalog.schemes[scheme].same_as) and parent not in seen:
        seen.add(scheme := parent)
    return scheme


def prepare(
    catalog: Catalog, holds: frozenset[str], draft: ResultDraft, today: date
) -> PreparedResult:
    """Check `draft` against the catalog (module docstring) and complete it."""
    doc = catalog.document_types.get(draft.document_type)
    if doc is None:
        raise UnknownDocumentTypeError(f"Unknown document type '{draft.document_type}'.")
    if doc.id not in holds:
        raise InvalidResultError(
            f"The results store holds {', '.join(sorted(holds))}; not {doc.id}, whose "
            f"registry {doc.registry} publishes its own records."
        )
    procedure = catalog.procedures.get(draft.procedure_code)
    if procedure is None:
        raise UnknownProcedureError(f"Unknown procedure '{draft.procedure_code}'.")
    fields = _fields(doc, draft.fields)
    named = _subjects(catalog, doc, draft.subjects, today)
    dossier = _dossier(catalog, doc, draft.dossier_id, today)
    valid_until = _valid_until(doc, fields, draft, today)
    return PreparedResult(
        doc, procedure, named, dossier, fields, draft.issued_on, valid_until, draft.dossier_id
    )


def _fields(doc: DocumentType, fields: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(doc.fields))
    if unknown:
        raise InvalidResultError(
            f"{doc.id} has no field {', '.join(unknown)}; its fields are {', '.join(doc.fields)}."
        )
    try:
        json.dumps(fields, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidResultError("Field values must be plain JSON values.") from exc
    # In catalog order, as a lookup releases them.
    return {name: fields[name] for name in doc.fields if name in fields}


def _subjects(
    catalog: Catalog, doc: DocumentType, subjects: tuple[Subject, ...], today: date
) -> tuple[Subject, ...]:
    schemes = accepted_schemes(catalog, doc.id)
    canonical: list[Subject] = []
    for subject in subjects:
        if subject.scheme not in schemes:
            raise UnknownSchemeError(
                f"A {doc.id} names its subjects by {', '.join(sorted(schemes))}, "
                f"not by '{subject.scheme}'."
            )
        valid = validate_identifier(subject.scheme, subject.value, today=today)
        if valid not in canonical:
            canonical.append(valid)
    return tuple(canonical)


def _dossier(catalog: Catalog, doc: DocumentType, dossier_id: str, today: date) -> Subject | None:
    """The dossier number as a subject, where the type is looked up by dossier number."""
    if DOSSIER_SCHEME not in accepted_schemes(catalog, doc.id):
        return None
    return validate_identifier(DOSSIER_SCHEME, dossier_id, today=today)


def _valid_until(
    doc: DocumentType, fields: dict[str, Any], draft: ResultDraft, today: date
) -> date | None:
    if draft.issued_on > today:
        raise InvalidResultError("issued_on is in the future: publish a result once it is issued.")
    valid_until = draft.valid_until
    expiry_field = doc.validity.expiry_field
    if doc.validity.type is ValidityType.UNTIL_EXPIRY and expiry_field in fields:
        stated = _date_field(expiry_field, fields[expiry_field])
        if valid_until is not None and valid_until != stated:
            raise InvalidResultError(f"valid_until contradicts the field {expiry_field}.")
        valid_until = stated
    if valid_until is not None and valid_until < draft.issued_on:
        raise InvalidResultError("valid_until is before issued_on.")
    return valid_until


def _date_field(name: str, value: Any) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise InvalidResultError(f"The field {name} must be an ISO date (YYYY-MM-DD).") from exc
