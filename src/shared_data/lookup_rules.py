"""What a lookup must satisfy beyond its subject: its qualifiers and the law's restrictions.

Both come from the catalog (`DocumentType.qualifiers`, `DocumentType.subject_restrictions`)
and are pure: the lookup service applies them before any registry is asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from shared_data.catalog.models import DocumentType
from shared_data.domain import Subject
from shared_data.errors import (
    DocumentRestrictedError,
    InvalidIdentifierError,
    MissingQualifierError,
    QualifierError,
)
from shared_data.identifiers import validate_identifier


def validated_qualifiers(
    doc: DocumentType, qualifiers: Mapping[str, Subject], today: date
) -> dict[str, Subject]:
    """The qualifiers `doc` takes, each validated in its scheme; refuse missing or unknown ones."""
    specs = {spec.role: spec for spec in doc.qualifiers}
    for role in qualifiers:
        if role not in specs:
            takes = f"; it takes {', '.join(sorted(specs))}" if specs else ""
            raise QualifierError(
                role, f"Document type {doc.id} takes no qualifier '{role}'{takes}."
            )
    validated: dict[str, Subject] = {}
    for spec in doc.qualifiers:
        given = qualifiers.get(spec.role)
        schemes = " or ".join(spec.schemes)
        if given is None:
            if spec.required:
                raise MissingQualifierError(
                    spec.role,
                    f"Document type {doc.id} needs the qualifier '{spec.role}' ({schemes}).",
                )
            continue
        if given.scheme not in spec.schemes:
            raise QualifierError(
                spec.role,
                f"Qualifier '{spec.role}' of {doc.id} is named by {schemes}, "
                f"not by '{given.scheme}'.",
            )
        try:
            validated[spec.role] = validate_identifier(given.scheme, given.value, today=today)
        except InvalidIdentifierError as exc:
            detail = f"Qualifier '{spec.role}': {exc.detail}"
            raise InvalidIdentifierError(exc.scheme, exc.rule, detail) from exc
    return validated


def check_restrictions(doc: DocumentType, subject: Subject, today: date) -> None:
    """Refuse a lookup the law bars for this kind of subject from a date on (e.g. LLTP_2)."""
    for restriction in doc.subject_restrictions:
        if subject.scheme in restriction.schemes and today >= restriction.since:
            raise DocumentRestrictedError(
                f"{doc.id} may not be required for subjects named by {subject.scheme} since "
                f"{restriction.since.isoformat()}: {restriction.reason}."
            )
