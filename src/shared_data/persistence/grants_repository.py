"""Grants in SQL: the `GrantStore` port, and what the CLI and admin endpoints change."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, Select, func, insert, select, update

from shared_data.grants import Entitlements, Grant, GrantRequest
from shared_data.persistence.client_roles import roles_by_client
from shared_data.persistence.tables import clients_table as clients_t
from shared_data.persistence.tables import grants_table as grants_t


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class GrantRepository:
    """Grants of clients; a grant is revoked, never edited or deleted (the history stays)."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def add_grant(self, client_id: str, request: GrantRequest) -> Grant:
        """Store a grant (made by `grants.checked_grant_request`).

        Refused (ValueError) if the client already holds a live grant for the same procedure
        and document type: revoke that one first, so the change is explicit in the history.
        """
        grant = self._new(client_id, request)
        procedure_code, document_type = request.procedure_code, request.document_type
        with self._engine.begin() as conn:
            if (
                conn.execute(select(clients_t.c.id).where(clients_t.c.id == client_id)).first()
                is None
            ):
                raise LookupError(f"no client with id {client_id!r}")
            clash = conn.execute(
                _live().where(
                    grants_t.c.client_id == client_id,
                    grants_t.c.procedure_code == procedure_code,
                    grants_t.c.document_type == document_type,
                )
            ).first()
            if clash is not None:
                raise ValueError(f"already granted (grant {clash.id}); revoke it first")
            conn.execute(insert(grants_t).values(_grant_values(grant)))
        return grant

    def ensure_grants(self, client_id: str, requests: Sequence[GrantRequest]) -> int:
        """Give the client each grant it does not hold yet (same procedure and document
        type), in one transaction; return how many were added (demo data: idempotent)."""
        with self._engine.begin() as conn:
            rows = conn.execute(_live().where(grants_t.c.client_id == client_id)).all()
            held = {(row.procedure_code, row.document_type) for row in rows}
            missing = [r for r in requests if (r.procedure_code, r.document_type) not in held]
            values = [_grant_values(self._new(client_id, request)) for request in missing]
            if values:
                conn.execute(insert(grants_t), values)
        return len(values)

    def _new(self, client_id: str, request: GrantRequest) -> Grant:
        return Grant(
            id=uuid.uuid4().hex,
            client_id=client_id,
            created_at=self._clock(),
            **request.model_dump(),
        )

    def revoke_grant(self, grant_id: str) -> bool:
        """Revoke a grant by id; False if there is no such live grant."""
        statement = (
            update(grants_t)
            .where(grants_t.c.id == grant_id, grants_t.c.revoked_at.is_(None))
            .values(revoked_at=self._clock())
        )
        with self._engine.begin() as conn:
            return conn.execute(statement).rowcount == 1

    def list_grants(
        self, client_id: str | None = None, *, include_revoked: bool = False
    ) -> list[Grant]:
        """Return grants (of one client, or all), oldest first."""
        statement: Select[Any] = select(grants_t) if include_revoked else _live()
        if client_id is not None:
            statement = statement.where(grants_t.c.client_id == client_id)
        statement = statement.order_by(grants_t.c.created_at, grants_t.c.id)
        with self._engine.connect() as conn:
            return [_grant_from(row) for row in conn.execute(statement)]

    def entitlements(self, client_id: str) -> Entitlements:
        """Return a client's roles, whether it is disabled, and its live grants."""
        with self._engine.connect() as conn:
            # The stamp is read first: a change racing this read makes it stale, never newer.
            version = _version(conn, client_id)
            client = conn.execute(select(clients_t).where(clients_t.c.id == client_id)).first()
            if client is None:
                return Entitlements(client_id=client_id, exists=False, version=version)
            roles = roles_by_client(conn, [client_id]).get(client_id, frozenset())
            rows = conn.execute(_live().where(grants_t.c.client_id == client_id)).all()
        return Entitlements(
            client_id=client_id,
            roles=roles | {client.role},
            disabled=client.disabled_at is not None,
            grants=tuple(_grant_from(row) for row in rows),
            version=version,
        )

    def version(self, client_id: str) -> tuple[Any, ...]:
        """A stamp of everything `entitlements` reads (the `GrantStore` port): one small
        query instead of thousands of grant rows when nothing changed."""
        with self._engine.connect() as conn:
            return _version(conn, client_id)


def _version(conn: Connection, client_id: str) -> tuple[Any, ...]:
    # Grants are only ever added or revoked, never edited or deleted: their count and the
    # count of revoked ones change with every change; so do the client's role, state and roles.
    client = conn.execute(
        select(clients_t.c.role, clients_t.c.disabled_at).where(clients_t.c.id == client_id)
    ).first()
    if client is None:
        return ("no such client",)
    roles = roles_by_client(conn, [client_id]).get(client_id, frozenset())
    counts = conn.execute(
        select(func.count(), func.count(grants_t.c.revoked_at)).where(
            grants_t.c.client_id == client_id
        )
    ).one()
    return (client.role, client.disabled_at, tuple(sorted(roles)), counts[0], counts[1])


def _live() -> Select[Any]:
    return select(grants_t).where(grants_t.c.revoked_at.is_(None))


def _grant_values(grant: Grant) -> dict[str, Any]:
    return {**grant.model_dump(), "allowed_fields": list(grant.allowed_fields)}


def _grant_from(row: Row[Any]) -> Grant:
    return Grant.model_validate({**row._mapping, "allowed_fields": tuple(row.allowed_fields)})
