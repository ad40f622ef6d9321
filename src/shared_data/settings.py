"""Service configuration: one pydantic-settings object, built once and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared_data.health import HealthThresholds


class ResiliencePolicy(BaseModel):
    """Every resilience knob for one registry, with its default (used by `adapters.resilience`).

    The backoff is full jitter, never shorter than the registry's Retry-After; a retry needs
    `max(retry_floor_s, duration of the failed attempt)` + the wait left before the deadline.
    The retry budget allows `max(floor, ratio * first attempts)` retries per window.
    `breaker_window_calls`, when set, replaces the time window. `deadline_s` here is only the
    policy's own fallback: the service uses `Settings.resilience_for`, which takes
    `Settings.lookup_deadline_s` unless a policy sets a shorter one.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    deadline_s: float = Field(5.0, gt=0, description="Total time per lookup, retries included")
    max_attempts: int = Field(2, ge=1, le=5, description="Attempts per lookup; 2 = one retry")
    backoff_base_s: float = Field(0.05, ge=0, description="Retry n waits U(0, base*2^(n-1))")
    backoff_max_s: float = Field(0.5, ge=0, description="Upper bound of one backoff wait")
    retry_floor_s: float = Field(0.25, ge=0, description="No retry with less time left")
    breaker_window_s: float = Field(10.0, gt=0, description="Breaker window in seconds")
    breaker_window_calls: int | None = Field(None, ge=1, description="Or: the last N calls")
    breaker_min_calls: int = Field(10, ge=1, description="Calls in window before it may open")
    breaker_failure_rate: float = Field(0.5, gt=0, le=1, description="Failure share that opens")
    breaker_open_duration_s: float = Field(5.0, gt=0, description="Fail-fast time once open")
    breaker_half_open_probes: int = Field(1, ge=1, description="Probes at once; N ok closes")
    bulkhead_max_concurrent: int = Field(32, ge=1, description="Lookups in flight, then fail")
    retry_budget_ratio: float = Field(0.2, ge=0, le=1, description="Retries per first attempt")
    retry_budget_min_per_window: int = Field(3, ge=0, description="Retry floor per window")
    retry_budget_window_s: float = Field(10.0, gt=0, description="Retry budget window, seconds")
    max_body_bytes: int = Field(1_000_000, ge=1, description="Larger bodies are bad_response")
    unavailable_retry_after_s: float = Field(
        5.0, ge=0, description="retry_after of a timeout or bad_response answer"
    )


class RegistrySettings(BaseModel):
    """Where and how to reach one registry. Unset base_url means: the bundled simulator."""

    base_url: str | None = None
    api_key: SecretStr | None = None
    # Per-read timeout in seconds; the whole lookup is bounded by Settings.lookup_deadline_s.
    read_timeout_s: float = 3.0
    enabled: bool = True
    # Knobs set here override Settings.resilience for this registry only.
    resilience: ResiliencePolicy | None = None


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
    # Extra directory of declarative registry files (adapters/declarative, docs/ADAPTERS.md).
    declarative_dir: Path | None = None
    demo_api_key: SecretStr | None = None
    # Key of the HMAC under which audit records store subjects (never the raw identifier).
    # The default is for demos and tests only: set a random one in production.
    audit_subject_key: SecretStr = SecretStr("demo-audit-subject-key-change-me")
    # Secret the results store derives its subject-index (HMAC) and encryption (AES-GCM) keys
    # from (shared_data/results/sealing.py). Demo default: set a random one in production.
    results_key: SecretStr = SecretStr("demo-results-store-key-change-me")
    # Group commit of audit rows: at most this many rows per transaction, waiting this long.
    audit_max_batch: int = 500
    # The writer waits this long for company only when lookups run concurrently; a lone
    # event is committed at once (audit_writer.py; docs/PERFORMANCE.md).
    audit_max_wait_ms: float = 2.0
    # ... but stops waiting once no event came for this long: a burst (a reuse plan's lookups)
    # is committed as soon as it is over, a steady stream fills batches up to max_wait.
    audit_quiet_ms: float = Field(0.3, ge=0)
    # On SQLite, a lone event (one lookup at a time) is committed on the event loop when the
    # writer thread is idle: a local commit (~0.2 ms) costs less than two thread handoffs.
    audit_inline_commit: bool = True
    # Ed25519 key signing audit checkpoints: base64 of the 32 raw bytes, PEM, or a PEM file.
    # Unset, only a SQLite database may run, with a demo key generated next to it (var/).
    audit_signing_key: SecretStr | None = None
    # A signed checkpoint at least every this many audit rows, or this many seconds.
    audit_checkpoint_every: int = 1000
    audit_checkpoint_interval_s: float = 300.0
    # A lookup pending this long is abandoned (it cannot still be running: lookup_deadline_s).
    audit_abandon_after_s: float = 60.0
    # `shared-data audit purge` deletes audit records older than this.
    audit_retention_days: int = 365
    # How long a verified API key is trusted without asking the database again (seconds).
    auth_cache_ttl_s: float = 10.0
    # How long a client's roles and grants are trusted without asking the database (seconds);
    # a revoked grant stops working within this time. 0: asked on every lookup.
    grants_cache_ttl_s: float = 10.0
    # Per-client rate limit: a token bucket of this many requests a minute (429 past it),
    # holding at most `rate_limit_burst` (default: one minute's worth).
    rate_limit_per_minute: int = Field(default=600, ge=0)
    rate_limit_burst: int | None = Field(default=None, ge=1)
    # Distinct subjects a client may look up per clock hour before its lookups are flagged
    # `enumeration_suspected` in the audit (never refused for it).
    distinct_subjects_per_hour: int = Field(default=500, ge=0)
    # Redis shared by every API process for the quotas (e.g. redis://127.0.0.1:6379/0).
    # Unset: each process keeps its own, in memory (the embedded default).
    quota_redis_url: str | None = None
    # Total time a lookup may take, everything included (seconds).
    lookup_deadline_s: float = 5.0
    # Resilience knobs of every registry (ResiliencePolicy); the deadline is the one above.
    resilience: ResiliencePolicy = Field(default_factory=ResiliencePolicy)
    # Registry answers held in the cache, all registries together (0: no cache).
    cache_maxsize: int = Field(10_000, ge=0)
    # What carries the adapters' HTTP requests under httpx's API: "aiohttp" (httpx-aiohttp's
    # transport) or httpx's own pool, which slows sharply under concurrency (measured in
    # docs/PERFORMANCE.md).
    http_transport: Literal["httpx", "aiohttp"] = "aiohttp"
    # Operations (docs/OPERATIONS.md). Background probe of every adapter, this often (s; 0:
    # never), each bounded by probe_timeout_s; passive statistics over the last health_window_s.
    probe_interval_s: float = Field(10.0, ge=0)
    probe_timeout_s: float = Field(3.0, gt=0)
    health_window_s: float = Field(300.0, gt=0)
    # Thresholds of the health rule (up / degraded / down).
    health: HealthThresholds = Field(default_factory=HealthThresholds)
    # One JSON access-log line per request; keep only this share of 2xx-4xx lines (5xx all).
    access_log: bool = True
    log_sample_rate: float = Field(1.0, ge=0, le=1)
    log_level: str = "INFO"
    # FastAPI's native OpenTelemetry (spans, metrics, logs through an OTel SDK the deployment
    # configures). Off by default: /metrics and the JSON logs are the service's own, and the
    # check alone costs every request (docs/PERFORMANCE.md).
    opentelemetry: bool = False
    # /metrics without a key (for a scraper on a private network); otherwise ops role.
    metrics_public: bool = False
    # /status: unauthenticated, nothing sensitive on it; refreshes itself every N s (0: never).
    status_page_enabled: bool = True
    status_refresh_s: int = Field(5, ge=0)
    # Each /readyz check (database, audit store) must answer within this (s).
    readiness_timeout_s: float = Field(2.0, gt=0)
    # Synthetic dataset size for the simulators.
    sim_people: int = 10_000
    sim_enterprises: int = 1_000
    sim_seed: int = 86

    @field_validator("registries")
    @classmethod
    def _registry_ids_upper(cls, value: dict[str, RegistrySettings]) -> dict[str, RegistrySettings]:
        # Environment variable names are case-insensitive: SHARED_DATA_REGISTRIES__HOTICH__...
        # arrives as "hotich"; registry ids are upper case.
        return {key.upper(): config for key, config in value.items()}

    def registry(self, registry_id: str) -> RegistrySettings:
        return self.registries.get(registry_id, RegistrySettings())

    def resilience_for(self, registry_id: str) -> ResiliencePolicy:
        """The registry's policy: its own knobs over `resilience`, and a total deadline of
        `lookup_deadline_s` unless a policy sets a shorter one (never a longer one)."""
        policy, override = self.resilience, self.registry(registry_id).resilience
        if override is not None:
            own = {name: getattr(override, name) for name in override.model_fields_set}
            policy = policy.model_copy(update=own)
        deadline = self.lookup_deadline_s
        if "deadline_s" in policy.model_fields_set:
            deadline = min(deadline, policy.deadline_s)
        return policy.model_copy(update={"deadline_s": deadline})

    def registry_base_url(self, registry_id: str) -> str:
        configured = self.registry(registry_id).base_url
        if configured:
            return configured.rstrip("/")
        return f"{self.simulator_url.rstrip('/')}/{registry_id.lower()}"
