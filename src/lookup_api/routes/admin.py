"""/v1/admin/...: clients, grants and embargoes, for clients holding the admin role only.

Changes made here reach this process' grant cache at once and other processes' within
`grants_cache_ttl_s`. No API key secret is ever returned (keys are issued by the CLI).
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Query, Request, Response

from lookup_api.administration import client_named, give_grant, place_embargo
from lookup_api.auth import AdminClient
from lookup_api.errors import error_responses
from lookup_api.schemas_access import ClientOut, EmbargoIn, GrantIn
from shared_data import errors as core
from shared_data.access_log import Embargo
from shared_data.grants import Grant

router = APIRouter(prefix="/v1/admin", tags=["admin"])

ADMIN_ERRORS = (core.AuthenticationError, core.PermissionDeniedError)


def _services(request: Request) -> Any:
    return request.app.state.services


@router.get(
    "/clients",
    response_model=list[ClientOut],
    summary="Clients, their roles and their keys' public prefixes",
    responses=error_responses(*ADMIN_ERRORS),
)
async def list_clients(request: Request, _admin: AdminClient) -> list[ClientOut]:
    clients = _services(request).clients

    def load() -> list[ClientOut]:
        return [ClientOut.from_client(c, clients.list_keys(c.id)) for c in clients.list_clients()]

    return await anyio.to_thread.run_sync(load)


@router.get(
    "/grants",
    response_model=list[Grant],
    summary="Live grants (of one client)",
    responses=error_responses(*ADMIN_ERRORS, core.UnknownRecordError),
)
async def list_grants(
    request: Request,
    _admin: AdminClient,
    client: str | None = Query(default=None, max_length=200, description="A client's name"),
    include_revoked: bool = False,
) -> list[Grant]:
    services = _services(request)

    def load() -> list[Grant]:
        client_id = client_named(services.clients, client).id if client else None
        return services.access.grants.list_grants(client_id, include_revoked=include_revoked)  # type: ignore[no-any-return]

    return await anyio.to_thread.run_sync(load)


@router.post(
    "/grants",
    response_model=Grant,
    status_code=201,
    summary="Give a client a grant (checked against the catalog)",
    responses=error_responses(
        *ADMIN_ERRORS,
        core.UnknownRecordError,
        core.UnknownProcedureError,
        core.InvalidAdminRequestError,
    ),
)
async def create_grant(body: GrantIn, request: Request, _admin: AdminClient) -> Grant:
    services = _services(request)
    grant: Grant = await anyio.to_thread.run_sync(
        lambda: give_grant(
            services.clients,
            services.access.grants,
            services.catalog,
            body.client,
            body.procedure_code,
            body.document_type,
            body.allowed_fields,
            body.legal_basis,
        )
    )
    services.access.policy.forget(grant.client_id)
    return grant


@router.delete(
    "/grants/{grant_id}",
    status_code=204,
    summary="Revoke a grant",
    responses=error_responses(*ADMIN_ERRORS, core.UnknownRecordError),
)
async def revoke_grant(grant_id: str, request: Request, _admin: AdminClient) -> Response:
    services = _services(request)
    if not await anyio.to_thread.run_sync(services.access.grants.revoke_grant, grant_id):
        raise core.UnknownRecordError("No live grant with that id.")
    services.access.policy.forget()
    return Response(status_code=204)


@router.get(
    "/embargoes",
    response_model=list[Embargo],
    summary="Embargoes in force on the citizen access log",
    responses=error_responses(*ADMIN_ERRORS),
)
async def list_embargoes(request: Request, _admin: AdminClient) -> list[Embargo]:
    store = _services(request).access.access_log_store
    return await anyio.to_thread.run_sync(store.list_embargoes)  # type: ignore[no-any-return]


@router.post(
    "/embargoes",
    response_model=Embargo,
    status_code=201,
    summary="Withhold audit records from the citizen access log until a date",
    responses=error_responses(
        *ADMIN_ERRORS,
        core.UnknownRecordError,
        core.InvalidIdentifierError,
        core.InvalidAdminRequestError,
    ),
)
async def create_embargo(body: EmbargoIn, request: Request, _admin: AdminClient) -> Embargo:
    services = _services(request)
    subject = (body.subject.scheme, body.subject.value) if body.subject else None

    def place() -> Embargo:
        return place_embargo(
            services.access.access_log_store,
            services.clients,
            until=body.until,
            reason=body.reason,
            created_by=body.created_by,
            subject=subject,
            lookup_id=body.lookup_id,
            dossier_id=body.dossier_id,
            client_name=body.client,
        )

    return await anyio.to_thread.run_sync(place)


@router.delete(
    "/embargoes/{embargo_id}",
    status_code=204,
    summary="Lift an embargo now",
    responses=error_responses(*ADMIN_ERRORS, core.UnknownRecordError),
)
async def lift_embargo(embargo_id: str, request: Request, _admin: AdminClient) -> Response:
    store = _services(request).access.access_log_store
    if not await anyio.to_thread.run_sync(store.lift_embargo, embargo_id):
        raise core.UnknownRecordError("No embargo in force with that id.")
    return Response(status_code=204)
