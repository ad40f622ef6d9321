"""Clients of the service and their API keys, as the core sees them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from shared_data.domain import Frozen


class ClientRole(StrEnum):
    """What kind of caller a client is; grants and routes are decided per role."""

    PROCEDURE_BACKEND = "procedure_backend"
    CITIZEN_PORTAL = "citizen_portal"
    OPS = "ops"
    ADMIN = "admin"


class Client(Frozen):
    """A procedure backend, citizen portal or ops user holding credentials."""

    id: str
    name: str
    agency: str
    role: ClientRole
    disabled_at: datetime | None = None


class ApiKeyInfo(Frozen):
    """What may be shown about an API key: never the secret, only its public prefix."""

    id: str
    client_id: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
