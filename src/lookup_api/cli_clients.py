"""`shared-data clients ...`: create clients, issue, rotate and revoke their API keys.

A key is printed once, when it is made, and never again: only its SHA-256 is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from lookup_api.administration import client_named
from shared_data.clients import ApiKeyInfo, ClientRole
from shared_data.errors import SharedDataError
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.repositories import ClientRepository
from shared_data.settings import Settings

clients_app = typer.Typer(help="Clients of the API and their API keys.", no_args_is_help=True)

SHOWN_ONCE = "Keep this key now: it is shown once and cannot be shown again (only a hash is kept)."


@contextmanager
def client_repository() -> Iterator[ClientRepository]:
    """The clients repository on SHARED_DATA_DATABASE_URL; errors become a message, exit 1."""
    engine = create_engine_for(Settings().database_url)
    try:
        yield ClientRepository(engine)
    except (SharedDataError, ValueError, LookupError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()


def _expiry(days: int | None) -> datetime | None:
    if days is None:
        return None
    if days <= 0:
        raise typer.BadParameter("--expires-in-days must be positive")
    return datetime.now(UTC) + timedelta(days=days)


def _print_key(plaintext: str, info: ApiKeyInfo) -> None:
    expires = info.expires_at.isoformat(timespec="seconds") if info.expires_at else "never"
    typer.echo(f"API key (prefix {info.prefix}, expires {expires}):")
    typer.echo(plaintext)
    typer.echo(SHOWN_ONCE, err=True)


@clients_app.command("create")
def create_client(
    name: str,
    role: Annotated[
        list[ClientRole],
        typer.Option("--role", help="Role; repeat for several (the first is the main one)"),
    ],
    agency: Annotated[str, typer.Option(help="The agency the client acts for")],
    expires_in_days: Annotated[int | None, typer.Option(help="Key expiry (default: none)")] = None,
) -> None:
    """Register a client and print its first API key (once)."""
    expires_at = _expiry(expires_in_days)
    with client_repository() as clients:
        client = clients.create_client(name, agency, role[0], roles=role[1:])
        plaintext, info = clients.issue_key(client.id, expires_at)
    roles = ", ".join(sorted(r.value for r in client.roles))
    typer.echo(f"client {client.name} ({roles}) for {client.agency}: id {client.id}")
    _print_key(plaintext, info)


@clients_app.command("list")
def list_clients() -> None:
    """Every client with its roles and keys (prefixes and dates only, never a secret)."""
    with client_repository() as clients:
        listing = [(client, clients.list_keys(client.id)) for client in clients.list_clients()]
    for client, keys in listing:
        roles = ",".join(sorted(r.value for r in client.roles))
        state = f"  DISABLED {client.disabled_at:%Y-%m-%d}" if client.disabled_at else ""
        typer.echo(f"{client.name}  [{roles}]  {client.agency}{state}")
        for key in keys:
            typer.echo(f"    {_key_line(key)}")


def _key_line(key: ApiKeyInfo) -> str:
    def day(value: datetime | None) -> str:
        return "-" if value is None else f"{value:%Y-%m-%d %H:%M}"

    line = f"{key.prefix}  created {day(key.created_at)}  expires {day(key.expires_at)}"
    line += f"  last used {day(key.last_used_at)}"
    return line + (f"  REVOKED {day(key.revoked_at)}" if key.revoked_at else "")


@clients_app.command("rotate")
def rotate_key(
    name: str,
    grace_hours: Annotated[
        float, typer.Option(help="Hours the client's other keys keep working")
    ] = 0.0,
    expires_in_days: Annotated[int | None, typer.Option(help="New key's expiry")] = None,
) -> None:
    """Issue a new key (printed once); the client's other keys expire after the grace period."""
    if grace_hours < 0:
        raise typer.BadParameter("--grace-hours must not be negative")
    expires_at = _expiry(expires_in_days)
    with client_repository() as clients:
        client = client_named(clients, name)
        plaintext, info = clients.rotate(
            client.id, grace=timedelta(hours=grace_hours), expires_at=expires_at
        )
    typer.echo(f"other keys of {name} stop working in {grace_hours:g} h")
    _print_key(plaintext, info)


@clients_app.command("revoke")
def revoke_key(prefix: str) -> None:
    """Revoke one key by its prefix (at once; cached authentications end within the TTL)."""
    with client_repository() as clients:
        revoked = clients.revoke_key(prefix)
    if not revoked:
        typer.echo(f"error: no live key with prefix {prefix!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"key {prefix} revoked")


@clients_app.command("disable")
def disable_client(name: str) -> None:
    """Disable a client: none of its keys authenticate any more."""
    with client_repository() as clients:
        clients.disable_client(client_named(clients, name).id)
    typer.echo(f"client {name} disabled")


@clients_app.command("add-role")
def add_role(
    name: str,
    role: Annotated[list[ClientRole], typer.Option("--role", help="Role to add; repeatable")],
) -> None:
    """Give a client further roles."""
    with client_repository() as clients:
        clients.add_roles(client_named(clients, name).id, role)
    typer.echo(f"client {name} now also holds {', '.join(r.value for r in role)}")
