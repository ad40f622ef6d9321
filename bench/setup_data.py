"""What a bench run serves: its catalog override, database, demo clients and wire requests."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

# A fixed, well-formed demo key (the bench database is thrown away after the run).
BENCH_KEY = "sdk_bench001_" + "b" * 40
# The cache-filling document type: its not_found answers are cached (negative caching), so
# 100,000 distinct PINs fill the cache without a 100,000-person simulated world. The bench's
# catalog override keeps them for an hour instead of a minute, so the cache holds what the
# fill put in while the soak runs (the entry's size does not depend on its TTL).
MEMORY_DOC, MEMORY_PROC = "CCCD", "P01"
MEMORY_NEGATIVE_TTL_S = 3600


@dataclass(frozen=True)
class Subjects:
    """Subjects the simulators' world holds."""

    pin: str  # a person with an identity card (B1)
    enterprise: str  # an active enterprise (B2)


def bench_catalog(workdir: Path, *, with_b3: bool = False) -> Path:
    """The demo catalog (2,149 procedures) with CCCD's negative TTL raised (see above), and
    with the B3 procedure when asked (the instance B3 runs on; the others keep 2,149)."""
    from shared_data.catalog.demo_catalog import DEMO_CATALOG_DIR

    target = workdir / ("catalog-b3" if with_b3 else "catalog")
    target.mkdir(parents=True, exist_ok=True)
    for source in DEMO_CATALOG_DIR.iterdir():
        if source.is_file():
            (target / source.name).write_bytes(source.read_bytes())
    import shared_data.catalog as catalog_pkg

    bundled = Path(catalog_pkg.__file__).parent / "data" / "document_types.yaml"
    entries = yaml.safe_load(bundled.read_text("utf-8"))["document_types"]
    entry = next(e for e in entries if e["id"] == MEMORY_DOC)
    entry["cache"] = {**entry["cache"], "negative_ttl_seconds": MEMORY_NEGATIVE_TTL_S}
    (target / "document_types.yaml").write_text(
        yaml.safe_dump({"document_types": [entry]}, allow_unicode=True), "utf-8"
    )
    if with_b3:
        (target / "procedures.yaml").write_text(
            yaml.safe_dump({"procedures": [B3_PROCEDURE]}, allow_unicode=True), "utf-8"
        )
    return target


# B3: no catalog procedure has exactly six documents over four registries, so the bench adds
# one (the demo grants cover it like every other): six lookups about the applicant, over
# DANCU, CUTRU, HOTICH and BHXH, all asked concurrently by the reuse planner.
B3_CODE = "BENCH-B3"
B3_DOCUMENTS = ("CCCD", "CT07", "KHAI_SINH", "KET_HON", "SO_BHXH", "THE_BHYT")
B3_PROCEDURE = {
    "code": B3_CODE,
    "name_vi": "Thủ tục đo hiệu năng (6 giấy tờ, 4 cơ sở dữ liệu)",
    "name_en": "Benchmark procedure (6 documents over 4 registries)",
    "level": "xa",
    "agency": "UBND cấp xã",
    "authority_vi": "UBND cấp xã",
    "legal_basis": "bench",
    "requirements": [
        {
            "id": f"{B3_CODE}-R{n}",
            "kind": "internal_confirmation" if doc == "CT07" else "document",
            "document_type": doc,
            "replaceable_by_lookup": True,
        }
        for n, doc in enumerate(B3_DOCUMENTS, start=1)
    ],
}


def signing_key() -> str:
    """A fresh Ed25519 checkpoint-signing key (base64 of 32 bytes): PostgreSQL needs one."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


def prepare_database(env: dict[str, str]) -> None:
    """Migrate the bench database and load the demo clients and grants (in this process)."""
    from lookup_api.demo import load_demo_data
    from shared_data.persistence.migrate import upgrade
    from shared_data.settings import Settings

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        settings = Settings()
        upgrade(settings.database_url)
        load_demo_data(settings, BENCH_KEY)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def pick_subjects(env: dict[str, str]) -> Subjects:
    """A person with an identity card and an enterprise, from the world the simulators build."""
    from adapters.simulators.dataset import build_world

    world = build_world(
        people=int(env.get("SHARED_DATA_SIM_PEOPLE", "10000")),
        enterprises=int(env.get("SHARED_DATA_SIM_ENTERPRISES", "1000")),
        seed=int(env.get("SHARED_DATA_SIM_SEED", "86")),
    )
    person = next(p for p in world.people.values() if p.died_on is None)
    enterprise = next(e for e in world.enterprises.values() if e.status == "active")
    return Subjects(pin=person.pin, enterprise=enterprise.code)


def lookup_body(document_type: str, scheme: str, value: str, procedure: str) -> str:
    return json.dumps(
        {
            "document_type": document_type,
            "subject": {"scheme": scheme, "value": value},
            "purpose": {"procedure_code": procedure},
        },
        separators=(",", ":"),
    )


def wire_request(
    registry: str, document_type: str, scheme: str, value: str, sim_url: str, token: str
) -> tuple[str, str, dict[str, str], str | None]:
    """The exact request the registry's adapter sends for this lookup (method, path, headers,
    body), recorded through httpx.MockTransport: B2d replays it against the simulator."""
    import asyncio

    from adapters.registry import ADAPTER_FACTORIES, Connection
    from adapters.resilience import ResiliencePolicy, ResilientCaller
    from shared_data.domain import RegistryRequest, Subject

    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503)

    caller = ResilientCaller(ResiliencePolicy(max_attempts=1), name=registry)
    base = f"{sim_url}/{registry.lower()}"
    values = {
        "registry_id": registry,
        "base_url": base,
        "token": token,
        "read_timeout_s": 3.0,
        "caller": caller,
        "http": httpx.MockTransport(record),
    }
    names = {f.name for f in dataclasses.fields(Connection)}
    connection = Connection(**{k: v for k, v in values.items() if k in names})
    adapter = ADAPTER_FACTORIES[registry](connection)
    request = RegistryRequest(
        lookup_id="bench",
        registry=registry,
        document_type=document_type,
        subject=Subject(scheme=scheme, value=value),
    )

    async def ask() -> Any:
        try:
            return await adapter.lookup(request)
        finally:
            await adapter.aclose()

    asyncio.run(ask())
    wire = seen[0]
    skip = {"host", "content-length", "accept-encoding", "connection", "user-agent"}
    headers = {k: v for k, v in wire.headers.items() if k.lower() not in skip}
    body = wire.content.decode() if wire.content else None
    target = wire.url.raw_path.decode()
    return wire.method, target, headers, body
