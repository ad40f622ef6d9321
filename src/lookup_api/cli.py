"""The `shared-data` command line."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from lookup_api.cli_audit import audit_app
from lookup_api.cli_clients import clients_app
from lookup_api.cli_coverage import coverage_command
from lookup_api.cli_grants import embargo_app, grants_app
from lookup_api.cli_ops import adapters as adapters_command
from lookup_api.cli_procedures import procedures_app
from shared_data.settings import Settings

app = typer.Typer(
    help="shared-data: reuse the data the government already holds.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema (Alembic).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(procedures_app, name="procedures")
app.command("coverage")(coverage_command)
app.command("adapters")(adapters_command)
app.add_typer(clients_app, name="clients")
app.add_typer(grants_app, name="grants")
app.add_typer(audit_app, name="audit")
audit_app.add_typer(embargo_app, name="embargo")

DEMO_CLIENT = "demo-procedure-backend"


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations to SHARED_DATA_DATABASE_URL."""
    from shared_data.persistence.migrate import upgrade

    settings = Settings()
    upgrade(settings.database_url, revision)
    typer.echo(f"database at revision {revision}")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT")] = 8000,
    workers: int = 1,
) -> None:
    """Run the lookup API (migrate first with `shared-data db upgrade`)."""
    uvicorn.run(
        "lookup_api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # the app logs each request itself, as JSON (request_log.py)
        log_config=None,  # uvicorn's own lines go through the app's JSON handler too
        log_level="warning",
    )


@app.command()
def simulators(
    host: str = "127.0.0.1", port: Annotated[int, typer.Option(envvar="SIM_PORT")] = 8001
) -> None:
    """Run the registry simulators (synthetic data, each registry's own wire format)."""
    _simulator_server(Settings(), host, port).run()


def _simulator_server(settings: Settings, host: str, port: int) -> uvicorn.Server:
    from adapters.simulators.app import create_simulator_app
    from adapters.simulators.dataset import build_world

    world = build_world(
        people=settings.sim_people, enterprises=settings.sim_enterprises, seed=settings.sim_seed
    )
    sim_app = create_simulator_app(world, settings.simulator_token.get_secret_value())
    config = uvicorn.Config(sim_app, host=host, port=port, access_log=False, log_level="warning")
    return uvicorn.Server(config)


def _wait_started(server: uvicorn.Server, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if time.monotonic() > deadline:
            raise typer.Exit(f"simulators did not start within {timeout_s:.0f} s")
        time.sleep(0.05)


def _demo_key(settings: Settings) -> tuple[str, bool]:
    from shared_data.persistence.keys import generate_key, parse_key

    if settings.demo_api_key is None:
        return generate_key().plaintext, True
    key = settings.demo_api_key.get_secret_value()
    if parse_key(key) is None:
        raise typer.BadParameter(
            "SHARED_DATA_DEMO_API_KEY must look like sdk_<8 chars a-z0-9>_<32+ chars A-Za-z0-9_->,"
            " e.g. sdk_demo0001_" + "x" * 32
        )
    return key, False


@app.command()
def demo(
    host: str = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT")] = 8000,
    sim_port: Annotated[int | None, typer.Option(envvar="SIM_PORT")] = None,
) -> None:
    """Migrate, load demo data, start the simulators and the API, print a working curl."""
    from lookup_api.demo import describe_demo_access, load_demo_data
    from shared_data.catalog.demo_catalog import DEMO_CATALOG_DIR
    from shared_data.persistence.migrate import upgrade

    sim_port = sim_port or port + 1
    os.environ.setdefault("SHARED_DATA_SIMULATOR_URL", f"http://{host}:{sim_port}")
    # The demo serves Plan 86's 2,149 procedures (README, "Importing procedures").
    os.environ.setdefault("SHARED_DATA_CATALOG_DIR", str(DEMO_CATALOG_DIR))
    settings = Settings()
    upgrade(settings.database_url)
    key, generated = _demo_key(settings)
    keys = load_demo_data(settings, key)
    sim = _simulator_server(settings, host, sim_port)
    threading.Thread(target=sim.run, name="simulators", daemon=True).start()
    _wait_started(sim)
    _print_demo_banner(host, port, sim_port, key, generated)
    typer.echo(describe_demo_access(f"http://{host}:{port}", keys))
    try:
        serve(host=host, port=port)
    finally:
        sim.should_exit = True


def _print_demo_banner(host: str, port: int, sim_port: int, key: str, generated: bool) -> None:
    origin = f"http://{host}:{port}"
    source = (
        "generated; set SHARED_DATA_DEMO_API_KEY to choose it"
        if generated
        else "from SHARED_DATA_DEMO_API_KEY"
    )
    body = (
        '{"document_type": "KHAI_SINH", "subject": {"scheme": "PIN", "value": "001225956789"}, '
        '"purpose": {"procedure_code": "P14"}}'
    )
    typer.echo(
        f"""
shared-data demo
  API:         {origin}   (docs: {origin}/docs)
  simulators:  http://{host}:{sim_port}/_sim
  demo key:    {key}   ({source})

Try:
  curl -s {origin}/v1/lookups -H 'Authorization: Bearer {key}' \\
    -H 'Content-Type: application/json' -d '{body}'
"""
    )
    sys.stdout.flush()


@app.command()
def openapi(
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout")] = None,
    check: Annotated[bool, typer.Option(help="Fail if OUTPUT differs from the app")] = False,
) -> None:
    """Print (or write, or check) the OpenAPI document generated from the app."""
    from lookup_api.openapi_doc import render_openapi

    text = render_openapi()
    if check:
        if output is None or not output.exists() or output.read_text("utf-8") != text:
            typer.echo(f"{output} is out of date: run `make openapi`", err=True)
            raise typer.Exit(1)
        return
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, "utf-8")


if __name__ == "__main__":  # pragma: no cover
    app()
