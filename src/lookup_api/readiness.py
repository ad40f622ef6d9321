"""Readiness: may this process take lookups now? (`/readyz`)

Ready when the catalog is loaded, the database accepts writes and the audit store is
writable (`check_writable`). A registry being down does not make the service unready: lookups
to it answer `unavailable`, and it shows in `/v1/adapters/health`.
Each check is bounded by `timeout_s`; a check says `ok`, `failed` or `timeout`, never why in
SQL terms (the reason goes to the log).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from sqlalchemy import Engine, literal, update

from shared_data.persistence.tables import ClientRow

log = logging.getLogger(__name__)

OK, FAILED, TIMEOUT = "ok", "failed", "timeout"


def _database_writable(engine: Engine) -> None:
    """A write that touches no row, rolled back: proves the database takes writes now."""
    with engine.connect() as conn:
        conn.execute(update(ClientRow).where(literal(1) == 0).values(name=ClientRow.name))
        conn.rollback()


async def _bounded(check: Awaitable[Any], name: str, timeout_s: float) -> str:
    try:
        async with asyncio.timeout(timeout_s):
            result = await check
    except TimeoutError:
        log.warning("readiness: %s check timed out after %.1f s", name, timeout_s)
        return TIMEOUT
    except Exception:
        log.warning("readiness: %s check failed", name, exc_info=True)
        return FAILED
    return FAILED if result is False else OK


async def check_readiness(services: Any, timeout_s: float) -> dict[str, str]:
    """`{check: ok | failed | timeout}` for catalog, database and audit (module docstring)."""
    catalog_ok = services.catalog is not None and bool(services.catalog.document_types)
    database, audit = await asyncio.gather(
        _bounded(asyncio.to_thread(_database_writable, services.engine), "database", timeout_s),
        _bounded(services.audit.check_writable(), "audit", timeout_s),
    )
    return {"catalog": OK if catalog_ok else FAILED, "database": database, "audit": audit}
