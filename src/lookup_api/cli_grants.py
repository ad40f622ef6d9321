"""`shared-data grants ...` and `shared-data audit embargo ...`: who may look up what, and
which audit records the citizen access log withholds until a date.

A running API sees a change within `grants_cache_ttl_s` (default 10 s).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import typer

from lookup_api.administration import client_named, give_grant, place_embargo
from shared_data.access_log import Embargo
from shared_data.catalog import Catalog, load_catalog
from shared_data.errors import SharedDataError
from shared_data.grants import ANY_DOCUMENT_TYPE, Grant
from shared_data.persistence.access_log_repository import AccessLogRepository
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.grants_repository import GrantRepository
from shared_data.persistence.repositories import ClientRepository
from shared_data.settings import Settings

grants_app = typer.Typer(
    help="Grants: which client may look up what, for which procedure.", no_args_is_help=True
)
embargo_app = typer.Typer(
    help="Embargoes: audit records withheld from the citizen access log.", no_args_is_help=True
)


@dataclass
class Stores:
    """What the grant and embargo commands work on."""

    settings: Settings
    clients: ClientRepository
    grants: GrantRepository
    access_log: AccessLogRepository

    def catalog(self) -> Catalog:
        return load_catalog(self.settings.catalog_dir)


@contextmanager
def stores() -> Iterator[Stores]:
    """The repositories on SHARED_DATA_DATABASE_URL; errors become a message and exit 1."""
    settings = Settings()
    engine = create_engine_for(settings.database_url)
    subject_key = settings.audit_subject_key.get_secret_value()
    try:
        yield Stores(
            settings,
            ClientRepository(engine),
            GrantRepository(engine),
            AccessLogRepository(engine, subject_key),
        )
    except (SharedDataError, ValueError, LookupError) as exc:
        typer.echo(f"error: {getattr(exc, 'detail', exc)}", err=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()


@grants_app.command("add")
def add_grant(
    client: Annotated[str, typer.Argument(help="The client's name")],
    procedure: Annotated[str, typer.Option(help="Procedure code, e.g. P07")],
    document_type: Annotated[
        str, typer.Option(help=f"Document type, or {ANY_DOCUMENT_TYPE!r}: what the procedure needs")
    ],
    fields: Annotated[str, typer.Option(help="Allowed fields, comma-separated (a.b: nested)")],
    legal_basis: Annotated[str, typer.Option(help="The legal basis of this access")],
) -> None:
    """Let a client look up a document type for a procedure, releasing only these fields."""
    with stores() as s:
        grant = give_grant(
            s.clients,
            s.grants,
            s.catalog(),
            client,
            procedure,
            document_type,
            fields.split(","),
            legal_basis,
        )
    typer.echo(f"grant {grant.id}: {_grant_line(grant)}")


@grants_app.command("list")
def list_grants(
    client: Annotated[str | None, typer.Option(help="Only this client's")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Revoked ones too")] = False,
) -> None:
    """Grants, oldest first: id, client, procedure, document type, fields, legal basis."""
    with stores() as s:
        client_id = client_named(s.clients, client).id if client else None
        names = {c.id: c.name for c in s.clients.list_clients()}
        grants = s.grants.list_grants(client_id, include_revoked=all_)
    for grant in grants:
        revoked = f"  REVOKED {grant.revoked_at:%Y-%m-%d}" if grant.revoked_at else ""
        who = names.get(grant.client_id, grant.client_id)
        typer.echo(f"{grant.id}  {who}  {_grant_line(grant)}{revoked}")


def _grant_line(grant: Grant) -> str:
    fields = ",".join(grant.allowed_fields)
    return f"{grant.procedure_code}/{grant.document_type} [{fields}] ({grant.legal_basis})"


@grants_app.command("revoke")
def revoke_grant(grant_id: str) -> None:
    """Revoke a grant by id."""
    with stores() as s:
        revoked = s.grants.revoke_grant(grant_id)
    if not revoked:
        typer.echo(f"error: no live grant {grant_id!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"grant {grant_id} revoked")


@embargo_app.command("add")
def add_embargo(
    until: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="Withheld until then")],
    reason: Annotated[str, typer.Option(help="Why, e.g. the investigation's reference")],
    created_by: Annotated[str, typer.Option(help="Who ordered it")],
    scheme: Annotated[str | None, typer.Option(help="Subject's identifier scheme")] = None,
    value: Annotated[str | None, typer.Option(help="Subject's identifier")] = None,
    lookup_id: Annotated[str | None, typer.Option(help="One lookup")] = None,
    dossier_id: Annotated[str | None, typer.Option(help="One dossier")] = None,
    client: Annotated[str | None, typer.Option(help="One client (its name)")] = None,
) -> None:
    """Withhold matching records (every scope given must match) until the start of a date."""
    if (scheme is None) != (value is None):
        raise typer.BadParameter("--scheme and --value go together")
    subject = (scheme, value) if scheme is not None and value is not None else None
    with stores() as s:
        embargo = place_embargo(
            s.access_log,
            s.clients,
            until=until.date(),
            reason=reason,
            created_by=created_by,
            subject=subject,
            lookup_id=lookup_id,
            dossier_id=dossier_id,
            client_name=client,
        )
    typer.echo(f"embargo {embargo.id}: {_embargo_line(embargo)}")


@embargo_app.command("list")
def list_embargoes(
    all_: Annotated[bool, typer.Option("--all", help="Ended and lifted ones too")] = False,
) -> None:
    """Embargoes in force (or all of them)."""
    with stores() as s:
        embargoes = s.access_log.list_embargoes(include_ended=all_)
    for embargo in embargoes:
        typer.echo(f"{embargo.id}  {_embargo_line(embargo)}")


def _embargo_line(embargo: Embargo) -> str:
    scope = {
        "subject": embargo.subject_ref[:12] + "…" if embargo.subject_ref else None,
        "lookup": embargo.lookup_id,
        "dossier": embargo.dossier_id,
        "client": embargo.client_id,
    }
    scopes = " ".join(f"{k}={v}" for k, v in scope.items() if v)
    lifted = f"  LIFTED {embargo.lifted_at:%Y-%m-%d}" if embargo.lifted_at else ""
    return (
        f"until {embargo.until.isoformat()}  {scopes}  {embargo.reason!r} "
        f"by {embargo.created_by}{lifted}"
    )


@embargo_app.command("lift")
def lift_embargo(embargo_id: str) -> None:
    """End an embargo now."""
    with stores() as s:
        lifted = s.access_log.lift_embargo(embargo_id)
    if not lifted:
        typer.echo(f"error: no embargo in force with id {embargo_id!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"embargo {embargo_id} lifted")
