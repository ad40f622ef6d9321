"""`shared-data audit ...`: verify the chain, export checkpoints, purge, publish the key."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine

from shared_data.persistence.audit_chain import CheckpointPolicy, export_checkpoints
from shared_data.persistence.audit_repository import AuditRepository
from shared_data.persistence.audit_retention import ChainBrokenError, purge_older_than
from shared_data.persistence.audit_signing import (
    load_public_key,
    public_key_pem,
    signing_key_for,
)
from shared_data.persistence.audit_verify import VerifyReport, verify_chain
from shared_data.persistence.db import create_engine_for
from shared_data.settings import Settings

audit_app = typer.Typer(help="Tamper-evident audit log.", no_args_is_help=True)

PublicKeyOption = Annotated[
    Path | None,
    typer.Option(help="PEM file of the public key (default: that of the configured key)"),
]


@contextmanager
def _engine(settings: Settings) -> Iterator[Engine]:
    engine = create_engine_for(settings.database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _signing_key(settings: Settings) -> Ed25519PrivateKey:
    configured = settings.audit_signing_key
    secret = None if configured is None else configured.get_secret_value()
    try:
        return signing_key_for(secret, settings.database_url)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


def _public_key(settings: Settings, path: Path | None) -> Ed25519PublicKey:
    if path is not None:
        return load_public_key(path.read_text("ascii"))
    return _signing_key(settings).public_key()


@audit_app.command()
def verify(public_key: PublicKeyOption = None) -> None:
    """Walk the chain and its signed checkpoints; exit 1 naming the first bad record."""
    settings = Settings()
    key = _public_key(settings, public_key)
    with _engine(settings) as engine:
        report = verify_chain(engine, key)
    if report.finding is None:
        typer.echo(_summary(report))
        return
    finding = report.finding
    where = f"seq {finding.seq}" if finding.seq is not None else "a row outside the chain"
    lookup = f", lookup {finding.lookup_id}" if finding.lookup_id else ""
    typer.echo(f"audit chain BROKEN at {where}{lookup}: {finding.problem}", err=True)
    typer.echo(f"  {finding.detail}", err=True)
    typer.echo(f"  verified before it: {_summary(report)}", err=True)
    raise typer.Exit(1)


def _summary(report: VerifyReport) -> str:
    text = (
        f"audit chain OK: seq {report.first_seq}..{report.last_seq} ({report.rows} rows), "
        f"{report.checkpoints} signed checkpoints/anchors, last hash {report.last_hash[:16]}"
    )
    if report.legacy_rows:
        text += f"; {report.legacy_rows} rows from before the chain are not covered"
    return text


@audit_app.command("export-checkpoints")
def export_checkpoints_command(
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout")] = None,
) -> None:
    """Print every signed checkpoint and anchor as JSON lines (verifiable with the public key)."""
    settings = Settings()
    with _engine(settings) as engine:
        lines = list(export_checkpoints(engine))
    text = "".join(f"{line}\n" for line in lines)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, "utf-8")


@audit_app.command()
def checkpoint() -> None:
    """Sign a checkpoint of the chain's head now."""
    settings = Settings()
    policy = CheckpointPolicy(_signing_key(settings))
    with _engine(settings) as engine:
        repository = AuditRepository(
            engine, settings.audit_subject_key.get_secret_value(), checkpoints=policy
        )
        signed = repository.checkpoint()
    typer.echo("nothing new to sign" if signed is None else signed.export_line())


@audit_app.command()
def purge(
    days: Annotated[int | None, typer.Option(help="Default: audit_retention_days")] = None,
) -> None:
    """Delete audit records older than the retention period, leaving a signed anchor."""
    settings = Settings()
    keep = settings.audit_retention_days if days is None else days
    if keep < 0:
        raise typer.BadParameter("days must not be negative")
    cutoff = datetime.now(UTC) - timedelta(days=keep)
    with _engine(settings) as engine:
        try:
            report = purge_older_than(engine, cutoff, _signing_key(settings))
        except ChainBrokenError as exc:
            typer.echo(f"{exc}: {exc.finding.detail}; run `shared-data audit verify`", err=True)
            raise typer.Exit(1) from exc
    anchor = "no anchor needed" if report.anchor is None else f"anchor at seq {report.anchor.seq}"
    typer.echo(
        f"purged {report.rows} audit rows older than {cutoff:%Y-%m-%d %H:%M} UTC "
        f"(+{report.legacy_rows} from before the chain); {anchor}"
    )


@audit_app.command("public-key")
def public_key() -> None:
    """Print the public key checkpoints are signed with (PEM), for publishing."""
    typer.echo(public_key_pem(_signing_key(Settings())), nl=False)
