"""Concurrent lookups against running API servers, keeping what each client received.

An answer counts as received only when its response was read in full: a 200 whose body names
its `lookup_id`. A request cut off by a killed server counts as failed, never as received.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from shared_data.catalog import Catalog
from shared_data.clients import ClientRole
from tests.grantutil import catalog_grants, client_with_key, give_grants

CONCURRENCY = 16
# Found and not_found answers from several registries (simulator fixtures, DOMAIN.md 11.5).
LOOKUPS: tuple[dict[str, Any], ...] = (
    {"document_type": "KHAI_SINH", "subject": {"scheme": "PIN", "value": "001225956789"},
     "purpose": {"procedure_code": "P14", "dossier_id": "H01.12-260301-0001"}},
    {"document_type": "KHAI_SINH", "subject": {"scheme": "PIN", "value": "001090999999"},
     "purpose": {"procedure_code": "P14"}},
    {"document_type": "CCCD", "subject": {"scheme": "PIN", "value": "001090912345"},
     "purpose": {"procedure_code": "P07"}},
    {"document_type": "CT07", "subject": {"scheme": "PIN", "value": "001192934567"},
     "purpose": {"procedure_code": "P07"}},
    {"document_type": "XN_TTHN", "subject": {"scheme": "PIN", "value": "001088987654"},
     "purpose": {"procedure_code": "P03", "dossier_id": "H01.12-260301-0002"}},
)  # fmt: skip


@dataclass
class LoadReport:
    """What the clients saw: the lookup ids they received, and everything else counted."""

    received: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failed: int = 0  # no answer: connection refused, reset or cut by a killed server


def load_client(database_url: str, catalog: Catalog) -> str:
    """A procedure backend granted what every procedure needs; return its API key."""
    client_id, key = client_with_key(database_url, "load-backend", ClientRole.PROCEDURE_BACKEND)
    give_grants(database_url, client_id, catalog_grants(catalog))
    return key


async def fire_lookups(
    base_urls: Sequence[str],
    key: str,
    stop: asyncio.Event,
    concurrency: int = CONCURRENCY,
    lookups: Sequence[dict[str, Any]] = LOOKUPS,
) -> LoadReport:
    """Keep `concurrency` lookups in flight, spread over the servers, until `stop` is set."""
    report = LoadReport()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=10.0) as client:
        workers = [
            _worker(client, base_urls[n % len(base_urls)], lookups, n, stop, report)
            for n in range(concurrency)
        ]
        await asyncio.gather(*workers)
    return report


async def _worker(
    client: httpx.AsyncClient,
    base_url: str,
    lookups: Sequence[dict[str, Any]],
    n: int,
    stop: asyncio.Event,
    report: LoadReport,
) -> None:
    for body in itertools.islice(itertools.cycle(lookups), n, None):
        if stop.is_set():
            return
        try:
            response = await client.post(f"{base_url}/v1/lookups", json=body)
        except httpx.HTTPError:
            report.failed += 1
            continue
        report.statuses[response.status_code] += 1
        if response.status_code == 200:
            report.received.append(response.json()["lookup_id"])
