"""The catalog, read-only: registries, document types, procedures."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from lookup_api.errors import error_responses
from shared_data import errors as core
from shared_data.catalog import DocumentType, Procedure, Registry
from shared_data.catalog.queries import procedures_needing

router = APIRouter(prefix="/v1", tags=["catalog"])


@router.get("/registries", response_model=list[Registry], summary="Authoritative registries")
async def list_registries(request: Request) -> list[Registry]:
    return list(request.app.state.services.catalog.registries.values())


@router.get(
    "/document-types", response_model=list[DocumentType], summary="Document types and their rules"
)
async def list_document_types(
    request: Request,
    registry: str | None = Query(default=None, description="Only those attested by this registry"),
) -> list[DocumentType]:
    docs = request.app.state.services.catalog.document_types.values()
    return [doc for doc in docs if registry is None or doc.registry == registry]


@router.get(
    "/procedures",
    response_model=list[Procedure],
    summary="Procedures (TTHC)",
    responses=error_responses(core.UnknownDocumentTypeError),
)
async def list_procedures(
    request: Request,
    document_type: str | None = Query(
        default=None, description="Only procedures that require this document type"
    ),
) -> list[Procedure]:
    catalog = request.app.state.services.catalog
    if document_type is None:
        return list(catalog.procedures.values())
    if document_type not in catalog.document_types:
        raise core.UnknownDocumentTypeError(f"Unknown document type '{document_type}'.")
    return procedures_needing(catalog, document_type)


@router.get(
    "/procedures/{code}",
    response_model=Procedure,
    summary="One procedure with its required documents",
    responses=error_responses(core.UnknownProcedureError),
)
async def get_procedure(code: str, request: Request) -> Procedure:
    procedure = request.app.state.services.catalog.procedures.get(code)
    if procedure is None:
        raise core.UnknownProcedureError(f"Unknown procedure '{code}'.")
    return procedure
