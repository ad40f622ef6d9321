"""Demo data: the demo client and its key (grants come with the access-control issue)."""

from __future__ import annotations

from shared_data.persistence.db import create_engine_for
from shared_data.persistence.repositories import ClientRepository
from shared_data.settings import Settings


def load_demo_data(settings: Settings, demo_key: str) -> None:
    """Register the demo client with `demo_key` (idempotent)."""
    engine = create_engine_for(settings.database_url)
    try:
        ClientRepository(engine).ensure_client_with_key(
            name="demo-procedure-backend",
            role="procedure_backend",
            agency="UBND Phường Mẫu Một (demo)",
            plaintext_key=demo_key,
        )
    finally:
        engine.dispose()
