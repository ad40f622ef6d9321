"""Helpers of the access-control tests: clients with keys and grants, straight in the database."""

from __future__ import annotations

from collections.abc import Sequence

from shared_data.catalog import Catalog
from shared_data.clients import ClientRole
from shared_data.grants import Grant, GrantRequest, checked_grant_request, needed_document_types
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.grants_repository import GrantRepository
from shared_data.persistence.repositories import ClientRepository

AGENCY = "UBND Phường Mẫu Một"


def client_with_key(
    database_url: str, name: str, *roles: ClientRole, agency: str = AGENCY
) -> tuple[str, str]:
    """Create a client holding `roles`; return (client id, a fresh API key)."""
    engine = create_engine_for(database_url)
    try:
        repo = ClientRepository(engine)
        client = repo.create_client(name, agency, roles[0], roles=roles[1:])
        plaintext, _ = repo.issue_key(client.id)
        return client.id, plaintext
    finally:
        engine.dispose()


def catalog_grants(catalog: Catalog) -> list[GrantRequest]:
    """Every (procedure, document type it needs), with all of the type's catalog fields."""
    return [
        GrantRequest(
            procedure_code=procedure.code,
            document_type=doc_id,
            allowed_fields=tuple(catalog.document_types[doc_id].fields),
            legal_basis="test: what the procedure needs",
        )
        for procedure in catalog.procedures.values()
        for doc_id in sorted(needed_document_types(procedure))
    ]


def give_grants(database_url: str, client_id: str, requests: Sequence[GrantRequest]) -> int:
    """Give a client these grants (those it lacks); return how many were added."""
    engine = create_engine_for(database_url)
    try:
        return GrantRepository(engine).ensure_grants(client_id, requests)
    finally:
        engine.dispose()


def give_grant(
    database_url: str,
    catalog: Catalog,
    client_id: str,
    procedure: str,
    document_type: str,
    fields: Sequence[str] | None = None,
) -> Grant:
    """Give one grant, checked against the catalog (fields: all of the type's by default)."""
    if fields is None:
        fields = catalog.document_types[document_type].fields
    request = checked_grant_request(catalog, procedure, document_type, fields, "test grant")
    engine = create_engine_for(database_url)
    try:
        return GrantRepository(engine).add_grant(client_id, request)
    finally:
        engine.dispose()
