"""The roles of clients (table client_roles): a client may hold several (clients.py)."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import Connection, insert, select

from shared_data.clients import ClientRole
from shared_data.persistence.tables import client_roles_table as roles_t


def roles_by_client(
    conn: Connection, client_ids: Collection[str] | None = None
) -> dict[str, frozenset[ClientRole]]:
    """Return the roles of these clients (of every client when None), by client id."""
    statement = select(roles_t.c.client_id, roles_t.c.role)
    if client_ids is not None:
        statement = statement.where(roles_t.c.client_id.in_(list(client_ids)))
    found: dict[str, set[ClientRole]] = {}
    for client_id, role in conn.execute(statement):
        found.setdefault(client_id, set()).add(ClientRole(role))
    return {client_id: frozenset(roles) for client_id, roles in found.items()}


def add_roles(conn: Connection, client_id: str, roles: Iterable[ClientRole]) -> None:
    """Give a client these roles; those it already holds are left alone."""
    held = roles_by_client(conn, [client_id]).get(client_id, frozenset())
    missing = sorted({ClientRole(role) for role in roles} - held)
    if missing:
        conn.execute(
            insert(roles_t), [{"client_id": client_id, "role": role.value} for role in missing]
        )
