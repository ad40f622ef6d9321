"""schemathesis against the live server, driven by openapi.yaml: no finding fails CI.

What `shared-data demo` runs, as a real server process: a migrated database (SQLite, or
PostgreSQL under `make test-postgres`), the demo clients, keys and grants (`load_demo_data`),
the demo catalog of 2,149 procedures and the registry simulators. The demo backend may also
publish construction permits (the README's grant), so the results endpoints get past their
grant. schemathesis' CLI runs every phase (examples, coverage, fuzzing, stateful) within a time
budget, with the checks and seeded identifiers of tests/e2e/schemathesis.toml; any failure,
or an operation only ever answered 401/403, is a non-zero exit and fails this test.

Why the CLI in a subprocess rather than the pytest plugin: the run has one hard time budget
(--max-time) across all operations and phases, the stateful phase included, and a report
whose reproduction lines (`curl ...`, the seed) are shown as they are; it is also kept in
test-artifacts/schemathesis-<backend>.txt.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from lookup_api.demo import DemoKeys, load_demo_data
from shared_data.catalog.demo_catalog import DEMO_CATALOG_DIR
from shared_data.settings import Settings
from tests.dbutil import migrated_database
from tests.serverproc import ServerProcess, running_server, server_env
from tests.simserver import SIM_TOKEN, running_simulators, small_world

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi.yaml"
ARTIFACTS = ROOT / "test-artifacts"
CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_TIME_S = 30
DEMO_KEY = "sdk_fuzz0001_" + "schemathesis-demo-key-0123456789"
PERMIT_FIELDS = {
    "permit_no": "125/GPXD", "owner_id": "001090912345", "parcel_key": "99999-12-345",
    "scale": "Nhà ở riêng lẻ, 4 tầng", "issue_date": "2026-11-20",
    "expiry_of_commencement": "2027-11-20",
}  # fmt: skip
PERMIT = {
    "document_type": "GIAY_PHEP_XAY_DUNG",
    "procedure_code": "P11",
    "dossier_id": "H01.12-261120-0042",
    "subjects": [{"scheme": "PIN", "value": "001090912345"}],
    "issued_on": "2026-11-20",
    "fields": PERMIT_FIELDS,
}
# The README's grant that lets the demo backend publish permits; a spare one to delete.
PERMIT_GRANT = {
    "client": "demo-procedure-backend", "procedure_code": "P11",
    "document_type": "GIAY_PHEP_XAY_DUNG", "allowed_fields": list(PERMIT_FIELDS),
    "legal_basis": "NĐ 45/2020 Điều 16",
}  # fmt: skip
SPARE_GRANT = PERMIT_GRANT | {"document_type": "BAN_SAO_DIEN_TU", "allowed_fields": ["copy_no"]}
# LLTP answers later: the lookup stays pending, to be collected by its id.
JUDICIAL_LOOKUP = {
    "document_type": "LLTP_1",
    "subject": {"scheme": "PIN", "value": "001090912345"},
    "purpose": {"procedure_code": "P09"},
}
EMBARGO = {
    "dossier_id": "H01.12-260301-0009", "reason": "fuzzing", "until": "2099-12-31",
    "created_by": "tests/e2e/test_schemathesis.py",
}  # fmt: skip


@pytest.fixture
def demo_server(service_backend: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, DemoKeys]]:
    """The service database: SQLite, or PostgreSQL under `make test-postgres`."""
    with (
        running_simulators(small_world(), SIM_TOKEN) as sims,
        migrated_database(service_backend, tmp_path) as url,
    ):
        keys = load_demo_data(Settings(database_url=url, catalog_dir=DEMO_CATALOG_DIR), DEMO_KEY)
        env = server_env(
            url,
            sims.base_url,
            catalog_dir=DEMO_CATALOG_DIR,
            rate_limit_per_minute=1_000_000,  # the fuzzer is one client: reach past the 429
            access_log=False,
        )
        with running_server(env, tmp_path / "api.log") as server:
            yield server, keys


def seed_identifiers(base_url: str, keys: DemoKeys) -> dict[str, str]:
    """Make a pending lookup, a published result, a grant and an embargo; return their ids."""
    backend = {"Authorization": f"Bearer {keys.procedure_backend}"}
    admin = {"Authorization": f"Bearer {keys.admin}"}
    with httpx.Client(base_url=base_url, timeout=10.0) as api:

        def created(path: str, body: object, headers: dict[str, str], field: str) -> str:
            response = api.post(path, json=body, headers=headers)
            assert response.status_code in (200, 201), f"{path}: {response.text}"
            return str(response.json()[field])

        created("/v1/admin/grants", PERMIT_GRANT, admin, "id")  # before publishing
        return {
            "lookup_ids": created("/v1/lookups", JUDICIAL_LOOKUP, backend, "lookup_id"),
            "result_ids": created("/v1/results", PERMIT, backend, "result_id"),
            "grant_ids": created("/v1/admin/grants", SPARE_GRANT, admin, "id"),
            "embargo_ids": created("/v1/admin/embargoes", EMBARGO, admin, "id"),
        }


def run_config(path: Path, identifiers: dict[str, str]) -> Path:
    """The checked-in config plus the dictionaries of identifiers made for this run."""
    tables = "".join(f'\n[dictionaries.{name}]\nvalues = ["{value}"]\n'
                     for name, value in identifiers.items())  # fmt: skip
    path.write_text(CONFIG.read_text("utf-8") + tables, "utf-8")
    return path


def test_schemathesis_finds_no_failure_against_the_live_server(
    demo_server: tuple[ServerProcess, DemoKeys], service_backend: str, tmp_path: Path
) -> None:
    server, keys = demo_server
    config = run_config(tmp_path / "schemathesis.toml", seed_identifiers(server.base_url, keys))
    env = os.environ | {
        "SD_FUZZ_BACKEND_KEY": keys.procedure_backend,
        "SD_FUZZ_ADMIN_KEY": keys.admin,
        "SD_FUZZ_PORTAL_KEY": keys.citizen_portal,
    }
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
        str(SPEC), "--url", server.base_url, "--max-time", str(MAX_TIME_S), "--no-color",
    ]  # fmt: skip
    # cwd: schemathesis keeps its cache (.schemathesis/) where it runs.
    run = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=MAX_TIME_S + 120
    )
    report = run.stdout + run.stderr
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"schemathesis-{service_backend}.txt").write_text(report, "utf-8")
    assert run.returncode == 0, f"schemathesis found failures:\n{report[-20_000:]}"
    operations = sum(
        len(item) for item in yaml.safe_load(SPEC.read_text("utf-8"))["paths"].values()
    )
    assert f"Tested: {operations}" in report, report[-3_000:]
