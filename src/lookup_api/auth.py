"""Who is calling: the identity comes only from the API key, never from a header it sets."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Annotated

import anyio.to_thread
from cachetools import TTLCache
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from lookup_api.lean_route import lean_provider
from shared_data.clients import Client, ClientRole
from shared_data.errors import AuthenticationError, PermissionDeniedError

_bearer = HTTPBearer(auto_error=False, description="API key issued by `shared-data clients create`")


class Authenticator:
    """Verifies API keys against the client store, remembering good ones briefly.

    The cache is keyed by the key's SHA-256, so plaintext keys are never held in memory longer
    than the request.
    """

    def __init__(self, clients: object, ttl_s: float, maxsize: int = 10_000) -> None:
        self._clients = clients
        self._cache: TTLCache[str, Client] = TTLCache(maxsize=maxsize, ttl=max(ttl_s, 0.001))
        self._enabled = ttl_s > 0

    async def authenticate(self, plaintext: str) -> Client:
        fingerprint = hashlib.sha256(plaintext.encode()).hexdigest()
        if self._enabled and (client := self._cache.get(fingerprint)) is not None:
            return client
        client = await anyio.to_thread.run_sync(self._clients.authenticate, plaintext)  # type: ignore[attr-defined]
        if self._enabled:
            self._cache[fingerprint] = client
        return client

    def forget_all(self) -> None:
        self._cache.clear()


async def current_client(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Client:
    return await _client_for(request, None if credentials is None else credentials.credentials)


@lean_provider(current_client)
async def _lean_current_client(request: Request, _body: bytes) -> Client:
    """`current_client` for a `LeanRoute`: HTTPBearer's own parsing, without its dependency."""
    scheme, credentials = get_authorization_scheme_param(request.headers.get("authorization"))
    return await _client_for(request, credentials if scheme.lower() == "bearer" else None)


async def _client_for(request: Request, api_key: str | None) -> Client:
    if not api_key:
        raise AuthenticationError("An API key is required: send 'Authorization: Bearer <key>'.")
    authenticator: Authenticator = request.app.state.services.authenticator
    client = await authenticator.authenticate(api_key)
    request.state.client_id = client.id  # for the access log line of this request
    return client


CurrentClient = Annotated[Client, Depends(current_client)]


ROLE_REFUSED = "This endpoint is not available to this client."


def require_role(*roles: ClientRole) -> Callable[[Client], Awaitable[Client]]:
    """A dependency: the authenticated caller if it holds one of `roles`, else 403.

    The identity and its roles come from the API key (the database), never from the request.
    """

    async def caller_with_role(client: CurrentClient) -> Client:
        if not client.has_role(*roles):
            raise PermissionDeniedError(ROLE_REFUSED)
        return client

    return caller_with_role


AdminClient = Annotated[Client, Depends(require_role(ClientRole.ADMIN))]
