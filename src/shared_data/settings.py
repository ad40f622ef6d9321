"""Service configuration: one pydantic-settings object, built once and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class RegistrySettings(BaseModel):
    """Where and how to reach one registry. Unset base_url means: the bundled simulator."""

    base_url: str | None = None
    api_key: SecretStr | None = None
    # Per-read timeout in seconds; the whole lookup is bounded by Settings.lookup_deadline_s.
    read_timeout_s: float = 3.0
    enabled: bool = True


class Settings(BaseSettings):
    """All knobs, from SHARED_DATA_* environment variables (nested with __)."""

    model_config = SettingsConfigDict(
        env_prefix="SHARED_DATA_", env_nested_delimiter="__", extra="ignore"
    )

    database_url: str = "sqlite:///var/shared-data.db"
    # Base URL of the bundled registry simulators; used for every registry without base_url.
    simulator_url: str = "http://127.0.0.1:8001"
    # Shared secret the simulators expect from adapters (demo only; real registries have theirs).
    simulator_token: SecretStr = SecretStr("sim-token")
    registries: dict[str, RegistrySettings] = Field(default_factory=dict)
    # Extra catalog directory whose YAML files override/extend the bundled catalog.
    catalog_dir: Path | None = None
    demo_api_key: SecretStr | None = None
    # Key of the HMAC under which audit records store subjects (never the raw identifier).
    # The default is for demos and tests only: set a random one in production.
    audit_subject_key: SecretStr = SecretStr("demo-audit-subject-key-change-me")
    # Group commit of audit rows: at most this many rows per transaction, waiting this long.
    audit_max_batch: int = 500
    audit_max_wait_ms: float = 2.0
    # How long a verified API key is trusted without asking the database again (seconds).
    auth_cache_ttl_s: float = 10.0
    # Total time a lookup may take, everything included (seconds).
    lookup_deadline_s: float = 5.0
    # Synthetic dataset size for the simulators.
    sim_people: int = 10_000
    sim_enterprises: int = 1_000
    sim_seed: int = 86

    def registry(self, registry_id: str) -> RegistrySettings:
        return self.registries.get(registry_id, RegistrySettings())

    def registry_base_url(self, registry_id: str) -> str:
        configured = self.registry(registry_id).base_url
        if configured:
            return configured.rstrip("/")
        return f"{self.simulator_url.rstrip('/')}/{registry_id.lower()}"
