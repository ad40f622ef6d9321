"""`shared-data adapters`: the running service's adapter health as a table in the terminal.

The CLI process has no live statistics of its own, so it asks the service
(`GET /v1/adapters/health`, ops role) and prints what the status page shows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

STYLE = {"up": "bold green", "degraded": "bold yellow", "down": "bold red"}


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _clock(value: str | None) -> str:
    if not value:
        return "–"
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%H:%M:%S")


def health_table(adapters: list[dict[str, Any]], window_s: float | None = None) -> Table:
    """The table `shared-data adapters` prints (one row per registry)."""
    title = "Adapter health" + (f" (last {window_s:g} s)" if window_s else "")
    table = Table(title=title, title_justify="left")
    for column in ("registry", "state", "p50 ms", "p95 ms", "p99 ms", "error rate", "live calls",
                   "cache hits", "circuit", "last probe", "last lookup error", "why"):  # fmt: skip
        justify = "right" if column.endswith(("ms", "calls", "rate", "hits")) else "left"
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for a in adapters:
        probe = a["probe"]
        if probe["ok"] is None:
            last_probe = "not yet"
        else:
            last_probe = "ok" if probe["ok"] else f"failed ({probe.get('detail') or 'error'})"
        error = a.get("last_error")
        table.add_row(
            a["registry"],
            Text(a["state"], style=STYLE.get(a["state"], "")),
            _ms(a["latency"]["p50_ms"]),
            _ms(a["latency"]["p95_ms"]),
            _ms(a["latency"]["p99_ms"]),
            _pct(a["error_rate"]),
            str(a["live_calls"]),
            _pct(a["cache_hit_ratio"]),
            (a["circuit"]["state"] or "–").replace("_", "-"),
            last_probe,
            f"{error['reason']} {_clock(error['at'])}" if error else "–",
            "; ".join(a["reasons"]),
        )
    return table


def adapters(
    url: Annotated[
        str, typer.Option(envvar="SHARED_DATA_URL", help="Base URL of the running service")
    ] = "http://127.0.0.1:8000",
    key: Annotated[
        str | None,
        typer.Option(envvar="SHARED_DATA_API_KEY", help="API key of an ops (or admin) client"),
    ] = None,
) -> None:
    """Show each registry adapter's health (up, degraded, down) from the running service."""
    if not key:
        typer.echo("an ops API key is needed: --key or SHARED_DATA_API_KEY", err=True)
        raise typer.Exit(2)
    try:
        response = httpx.get(
            f"{url.rstrip('/')}/v1/adapters/health",
            headers={"Authorization": f"Bearer {key}"},
            timeout=10.0,
        )
    except httpx.HTTPError as exc:
        typer.echo(f"cannot reach the service at {url}: {exc}", err=True)
        raise typer.Exit(1) from exc
    if response.status_code != 200:
        detail = response.json().get("detail", "") if response.content else ""
        typer.echo(f"the service answered {response.status_code}: {detail}", err=True)
        raise typer.Exit(1)
    body: list[dict[str, Any]] = response.json()
    window = body[0]["window_s"] if body else None
    Console(width=200 if not Console().is_terminal else None).print(health_table(body, window))
    if any(a["state"] == "down" for a in body):
        raise typer.Exit(3)  # for scripts: something is down
