"""Repositories: all SQL lives here, behind domain-named methods.

Sync on purpose: the API layer calls them from a worker thread and caches what it can.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

from sqlalchemy import Connection, Engine, Row, Select, insert, select, update
from sqlalchemy.exc import IntegrityError

from shared_data.clients import ApiKeyInfo, Client, ClientRole
from shared_data.errors import AuthenticationError
from shared_data.persistence.audit_repository import AuditRecord, AuditRepository
from shared_data.persistence.client_roles import add_roles, roles_by_client
from shared_data.persistence.keys import generate_key, hash_key, key_matches, parse_key
from shared_data.persistence.tables import api_keys_table as keys_t
from shared_data.persistence.tables import clients_table as clients_t

__all__ = ["AuditRecord", "AuditRepository", "ClientRepository", "utcnow"]

log = logging.getLogger(__name__)

# One message for every refusal: callers must not learn whether a key exists, expired or was
# revoked. The precise reason goes to the log only.
_REFUSED = "invalid or missing API key"


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class ClientRepository:
    """Clients and their API keys; keys are stored as SHA-256 only and shown once."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = utcnow,
        touch_interval: timedelta = timedelta(minutes=1),
    ) -> None:
        self._engine = engine
        self._clock = clock
        # last_used_at is refreshed at most this often per key: no write on every request.
        self._touch_interval = touch_interval

    def create_client(
        self, name: str, agency: str, role: ClientRole, *, roles: Iterable[ClientRole] = ()
    ) -> Client:
        """Register a new client with its first `role` and any further `roles`; names are unique."""
        client = Client(
            id=uuid.uuid4().hex, name=name, agency=agency, role=ClientRole(role), roles=roles
        )
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(clients_t).values(_client_values(client, self._clock())))
                add_roles(conn, client.id, client.roles)
        except IntegrityError as exc:
            raise ValueError(f"a client named {name!r} already exists") from exc
        return client

    def issue_key(
        self, client_id: str, expires_at: datetime | None = None
    ) -> tuple[str, ApiKeyInfo]:
        """Issue a new key for a client; the plaintext is returned now and never again."""
        with self._engine.begin() as conn:
            return self._issue(conn, client_id, expires_at)

    def authenticate(self, plaintext: str) -> Client:
        """Return the client holding this key, or raise AuthenticationError."""
        parsed = parse_key(plaintext)
        if parsed is None:
            _refuse("malformed", None)
        with self._engine.connect() as conn:
            row = conn.execute(_key_with_client().where(keys_t.c.prefix == parsed.prefix)).first()
            roles = roles_by_client(conn, [row.id]) if row is not None else {}
        if row is None:
            _refuse("unknown", parsed.prefix)
        if not key_matches(plaintext, row.key_hash):
            _refuse("mismatch", parsed.prefix)
        now = self._clock()
        reason = _refusal_reason(row, now)
        if reason is not None:
            _refuse(reason, parsed.prefix)
        self._touch(row.key_id, row.last_used_at, now)
        return _client_from(row, roles)

    def revoke_key(self, prefix: str) -> bool:
        """Revoke a key by its prefix; False if there is no such unrevoked key."""
        statement = (
            update(keys_t)
            .where(keys_t.c.prefix == prefix, keys_t.c.revoked_at.is_(None))
            .values(revoked_at=self._clock())
        )
        with self._engine.begin() as conn:
            return conn.execute(statement).rowcount == 1

    def rotate(
        self,
        client_id: str,
        *,
        grace: timedelta = timedelta(0),
        expires_at: datetime | None = None,
    ) -> tuple[str, ApiKeyInfo]:
        """Issue a new key and retire the client's other keys after `grace` (now by default)."""
        with self._engine.begin() as conn:
            plaintext, info = self._issue(conn, client_id, expires_at)
            cutoff = self._clock() + grace
            conn.execute(
                update(keys_t)
                .where(keys_t.c.client_id == client_id, keys_t.c.id != info.id)
                .where(keys_t.c.revoked_at.is_(None))
                .where((keys_t.c.expires_at.is_(None)) | (keys_t.c.expires_at > cutoff))
                .values(expires_at=cutoff)
            )
        return plaintext, info

    def disable_client(self, client_id: str) -> None:
        """Disable a client: none of its keys authenticate any more."""
        with self._engine.begin() as conn:
            conn.execute(
                update(clients_t)
                .where(clients_t.c.id == client_id, clients_t.c.disabled_at.is_(None))
                .values(disabled_at=self._clock())
            )

    def list_clients(self) -> list[Client]:
        """Return every client with its roles, by name."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(clients_t).order_by(clients_t.c.name)).all()
            roles = roles_by_client(conn)
        return [_client_from(row, roles) for row in rows]

    def add_roles(self, client_id: str, roles: Iterable[ClientRole]) -> None:
        """Give a client further roles (idempotent)."""
        with self._engine.begin() as conn:
            add_roles(conn, client_id, roles)

    def list_keys(self, client_id: str) -> list[ApiKeyInfo]:
        """Return what may be shown about a client's keys, oldest first."""
        statement = (
            select(keys_t).where(keys_t.c.client_id == client_id).order_by(keys_t.c.created_at)
        )
        with self._engine.connect() as conn:
            return [_key_info_from(row) for row in conn.execute(statement)]

    def find_client_by_name(self, name: str) -> Client | None:
        """Return the client with this name, if any."""
        with self._engine.connect() as conn:
            row = conn.execute(select(clients_t).where(clients_t.c.name == name)).first()
            roles = roles_by_client(conn, [row.id]) if row is not None else {}
        return None if row is None else _client_from(row, roles)

    def ensure_client_with_key(
        self,
        name: str,
        role: ClientRole,
        agency: str,
        plaintext_key: str,
        *,
        roles: Iterable[ClientRole] = (),
    ) -> Client:
        """Make sure a client exists, holds these roles and this known key (demo); idempotent."""
        parsed = parse_key(plaintext_key)
        if parsed is None:
            raise ValueError("the key is not in the sdk_<prefix>_<secret> format")
        wanted = Client(id="-", name=name, agency=agency, role=role, roles=roles)
        try:
            return self._ensure(wanted, parsed.prefix, plaintext_key)
        except IntegrityError:
            # Another process registered it at the same moment; now it exists.
            return self._ensure(wanted, parsed.prefix, plaintext_key)

    def _ensure(self, wanted: Client, prefix: str, plaintext: str) -> Client:
        now = self._clock()
        with self._engine.begin() as conn:
            row = conn.execute(select(clients_t).where(clients_t.c.name == wanted.name)).first()
            if row is None:
                new = wanted.model_copy(update={"id": uuid.uuid4().hex})
                conn.execute(insert(clients_t).values(_client_values(new, now)))
                row = conn.execute(select(clients_t).where(clients_t.c.id == new.id)).one()
            add_roles(conn, row.id, wanted.roles)
            client = _client_from(row, roles_by_client(conn, [row.id]))
            key = conn.execute(select(keys_t).where(keys_t.c.prefix == prefix)).first()
            if key is None:
                conn.execute(insert(keys_t).values(_key_values(client.id, prefix, plaintext, now)))
            elif key.client_id != client.id or not key_matches(plaintext, key.key_hash):
                raise ValueError("that key prefix is already held by another key")
        return client

    def _issue(
        self, conn: Connection, client_id: str, expires_at: datetime | None
    ) -> tuple[str, ApiKeyInfo]:
        now = self._clock()
        if expires_at is not None and expires_at <= now:
            raise ValueError("expires_at must be in the future")
        if conn.execute(select(clients_t.c.id).where(clients_t.c.id == client_id)).first() is None:
            raise LookupError(f"no client with id {client_id!r}")
        prefix, plaintext = generate_key()
        values = _key_values(client_id, prefix, plaintext, now, expires_at)
        conn.execute(insert(keys_t).values(values))
        return plaintext, ApiKeyInfo.model_validate(
            {k: v for k, v in values.items() if k != "key_hash"}
        )

    def _touch(self, key_id: str, last_used_at: datetime | None, now: datetime) -> None:
        if last_used_at is not None and now - last_used_at < self._touch_interval:
            return
        try:
            with self._engine.begin() as conn:
                conn.execute(update(keys_t).where(keys_t.c.id == key_id).values(last_used_at=now))
        except Exception:  # best effort: a busy database must not refuse a valid key
            log.warning("could not record API key use", exc_info=True)


def _refuse(reason: str, prefix: str | None) -> NoReturn:
    log.info("API key refused", extra={"reason": reason, "key_prefix": prefix})
    raise AuthenticationError(_REFUSED)


def _refusal_reason(row: Row[Any], now: datetime) -> str | None:
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired"
    if row.disabled_at is not None:
        return "client_disabled"
    return None


def _key_with_client() -> Select[Any]:
    return select(
        keys_t.c.id.label("key_id"),
        keys_t.c.key_hash,
        keys_t.c.expires_at,
        keys_t.c.revoked_at,
        keys_t.c.last_used_at,
        clients_t,
    ).join(clients_t, clients_t.c.id == keys_t.c.client_id)


def _client_values(client: Client, now: datetime) -> dict[str, Any]:
    values = client.model_dump(exclude={"roles"})
    return {**values, "role": client.role.value, "created_at": now}


def _key_values(
    client_id: str, prefix: str, plaintext: str, now: datetime, expires_at: datetime | None = None
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex,
        "client_id": client_id,
        "prefix": prefix,
        "key_hash": hash_key(plaintext),
        "created_at": now,
        "expires_at": expires_at,
    }


def _client_from(row: Row[Any], roles: dict[str, frozenset[ClientRole]] | None = None) -> Client:
    return Client(
        id=row.id,
        name=row.name,
        agency=row.agency,
        role=row.role,
        roles=(roles or {}).get(row.id, frozenset()),
        disabled_at=row.disabled_at,
    )


def _key_info_from(row: Row[Any]) -> ApiKeyInfo:
    return ApiKeyInfo.model_validate({k: v for k, v in row._mapping.items() if k != "key_hash"})
