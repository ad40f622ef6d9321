"""Pure questions about a loaded catalog."""

from __future__ import annotations

from shared_data.catalog.models import Catalog, DocumentType, Procedure
from shared_data.errors import UnknownDocumentTypeError


def _document_type(catalog: Catalog, document_type: str) -> DocumentType:
    doc = catalog.document_types.get(document_type)
    if doc is None:
        raise UnknownDocumentTypeError(f"Unknown document type '{document_type}'.")
    return doc


def procedures_needing(catalog: Catalog, document_type: str) -> list[Procedure]:
    """Procedures with a requirement met by `document_type` (directly or as an alternative)."""
    _document_type(catalog, document_type)
    return [
        procedure
        for procedure in catalog.procedures.values()
        if any(
            requirement.document_type == document_type or document_type in requirement.alternatives
            for requirement in procedure.requirements
        )
    ]


def document_types_of_registry(catalog: Catalog, registry_id: str) -> list[DocumentType]:
    """The document types `registry_id` attests, in catalog order (empty if it attests none)."""
    return [doc for doc in catalog.document_types.values() if doc.registry == registry_id]


def accepted_schemes(catalog: Catalog, document_type: str) -> frozenset[str]:
    """Schemes a subject of `document_type` may be named by: key, alt_keys and their same_as."""
    doc = _document_type(catalog, document_type)
    accepted = {doc.key, *doc.alt_keys}
    # Follow same_as chains to a fixed point (ENTERPRISE_CODE and BRANCH_CODE are MSTs).
    grown = True
    while grown:
        more = {s.id for s in catalog.schemes.values() if s.same_as in accepted} - accepted
        accepted |= more
        grown = bool(more)
    return frozenset(accepted)
