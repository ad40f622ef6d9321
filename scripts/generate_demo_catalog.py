"""Regenerate src/shared_data/catalog/data/demo/procedures.json: 2,134 generated TTHC that, with
the 15 bundled hand-written ones, make the demo catalog's 2,149.

Deterministic: running it again on an unchanged catalog rewrites the same bytes
(tests/unit/test_procedures_import.py checks that the shipped file is up to date).

    .venv/bin/python scripts/generate_demo_catalog.py
"""

from __future__ import annotations

from shared_data.catalog import load_catalog
from shared_data.catalog.demo_catalog import DEMO_CATALOG_DIR, generate_demo_procedures
from shared_data.catalog.procedure_file import write_procedures


def main() -> None:
    procedures = generate_demo_procedures(load_catalog())
    path = write_procedures(procedures, DEMO_CATALOG_DIR)
    print(f"wrote {len(procedures)} generated procedures to {path}")


if __name__ == "__main__":
    main()
