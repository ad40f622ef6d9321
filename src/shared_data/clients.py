"""Clients of the service and their API keys, as the core sees them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import model_validator

from shared_data.domain import Frozen


class ClientRole(StrEnum):
    """What kind of caller a client is; grants and routes are decided per role."""

    PROCEDURE_BACKEND = "procedure_backend"
    CITIZEN_PORTAL = "citizen_portal"
    OPS = "ops"
    ADMIN = "admin"


class Client(Frozen):
    """A procedure backend, citizen portal or ops user holding credentials.

    `role` is the role the client was created with; `roles` is every role it holds (`role`
    included). A client may hold several: the demo client is both an ops user and a
    procedure backend. Routes and grants check `has_role`, never `role` alone.
    """

    id: str
    name: str
    agency: str
    role: ClientRole
    roles: frozenset[ClientRole] = frozenset()
    disabled_at: datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _roles_include_the_primary_role(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("role") is not None:
            data = {**data, "roles": {*data.get("roles", ()), data["role"]}}
        return data

    def has_role(self, *roles: ClientRole) -> bool:
        """Tell whether the client holds at least one of `roles`."""
        return not self.roles.isdisjoint(roles)


class ApiKeyInfo(Frozen):
    """What may be shown about an API key: never the secret, only its public prefix."""

    id: str
    client_id: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
