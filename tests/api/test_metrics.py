"""GET /metrics: Prometheus exposition that prometheus-client's own parser reads, for ops only,
counting lookups, registry latency, circuits, cache and audit, and carrying no personal data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from adapters.simulators.fixtures import MAU, NOT_FOUND_PIN, THI, THU
from lookup_api.app import create_app
from shared_data.settings import Settings
from tests.opsutil import issue_client_key, metric, metric_samples

# What the lookups below send or get back: none of it may reach /metrics.
PERSONAL = (THI, THI[:-1], MAU, THU, NOT_FOUND_PIN, "Nguyễn Minh Thí", "H01.12-260301-0001")


def lookup(api: TestClient, auth: dict[str, str], pin: str, doc: str = "KHAI_SINH") -> int:
    body = {
        "document_type": doc,
        "subject": {"scheme": "PIN", "value": pin},
        "purpose": {"procedure_code": "P02", "dossier_id": "H01.12-260301-0001"},
    }
    return api.post("/v1/lookups", json=body, headers=auth).status_code


@pytest.fixture
def ops_auth(settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_client_key(settings.database_url, 'ops', 'ops')}"}


def test_metrics_parse_and_count_lookups_without_personal_data(
    api: TestClient, auth: dict[str, str], ops_auth: dict[str, str]
) -> None:
    assert lookup(api, auth, THI) == 200  # found
    assert lookup(api, auth, THI) == 200  # found again (a cache hit)
    assert lookup(api, auth, NOT_FOUND_PIN) == 200  # not found
    assert lookup(api, auth, THI[:-1]) == 422  # a PIN of 11 digits: invalid
    response = api.get("/metrics", headers=ops_auth)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text

    families = {family.name: family for family in text_string_to_metric_families(text)}
    for name, kind in {
        "shared_data_lookups": "counter",
        "shared_data_registry_request_duration_seconds": "histogram",
        "shared_data_circuit_state": "gauge",
        "shared_data_circuit_transitions": "counter",
        "shared_data_cache_hits": "counter",
        "shared_data_cache_misses": "counter",
        "shared_data_audit_write_duration_seconds": "histogram",
        "shared_data_http_requests_in_flight": "gauge",
        "shared_data_http_request_duration_seconds": "histogram",
        "shared_data_adapter_health": "gauge",
        "shared_data_enumeration_flagged": "counter",
        "shared_data_quota_rate_limited": "counter",
    }.items():
        assert families[name].type == kind, name
    found = metric(
        text, "shared_data_lookups_total", document_type="KHAI_SINH", outcome="found", reason=""
    )
    assert found == 2
    assert metric(
        text, "shared_data_lookups_total", document_type="KHAI_SINH", outcome="not_found", reason=""
    ) == 1  # fmt: skip
    assert metric(
        text, "shared_data_lookups_total",
        document_type="KHAI_SINH", outcome="refused", reason="invalid_identifier",
    ) == 1  # fmt: skip
    assert metric(text, "shared_data_cache_hits_total", registry="HOTICH") == 1
    assert metric(text, "shared_data_circuit_state", registry="HOTICH") == 0
    live = metric(
        text, "shared_data_registry_request_duration_seconds_count",
        registry="HOTICH", outcome="found",
    )  # fmt: skip
    assert live == 1  # the cache hit is no registry request
    audit_writes = metric(text, "shared_data_audit_write_duration_seconds_count")
    assert audit_writes is not None and audit_writes >= 4  # pending + completed, per lookup
    assert metric(text, "shared_data_http_requests_in_flight") == 1  # this scrape

    for value in PERSONAL:
        assert value not in text
    labels = {k for (_, pairs) in metric_samples(text) for k, _ in pairs}
    allowed = {"document_type", "registry", "outcome", "reason", "state", "method", "route"}
    assert labels <= allowed | {"status", "le", "version", "implementation", "major", "minor",
                                "patchlevel", "generation"}  # fmt: skip
    # The collector's collections per generation: GC pauses are visible to ops.
    assert metric(text, "python_gc_collections_total", generation="2") is not None


def test_metrics_need_an_ops_key_unless_made_public(
    api: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    assert api.get("/metrics").status_code == 401
    assert api.get("/metrics", headers=auth).status_code == 403  # a procedure backend
    public = settings.model_copy(update={"metrics_public": True})
    with TestClient(create_app(public)) as other:
        response = other.get("/metrics")
    assert response.status_code == 200
    # Each app has its own registry: the other app's counters are not these.
    assert "shared_data_lookups_total" not in response.text or "KHAI_SINH" not in response.text


@pytest.fixture
def two_apps(settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    public = settings.model_copy(update={"metrics_public": True})
    with TestClient(create_app(public)) as one, TestClient(create_app(public)) as two:
        yield one, two


def test_apps_in_one_process_keep_separate_metrics(
    two_apps: tuple[TestClient, TestClient],
) -> None:
    one, two = two_apps
    for _ in range(3):
        one.get("/healthz")
    count = {"method": "GET", "route": "/healthz", "status": "200"}
    assert metric(one.get("/metrics").text, "shared_data_http_requests_total", **count) == 3
    assert metric(two.get("/metrics").text, "shared_data_http_requests_total", **count) is None
