"""The grant matrix over HTTP: 3 clients x every catalog procedure x every document type.

Real app, real database, registry simulators on loopback. Each client has different grants;
an oracle written from the rule says which cells are allowed. Refused cells must be a 403 with
one and the same body, make no adapter call (cache or registry: counted in front of each
adapter) and no simulator request (`/_sim/stats`); allowed cells must release only the grant's
fields, and nothing but the documented answer keys.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from lookup_api.app import create_app
from lookup_api.schemas import LookupResponse
from shared_data.catalog import Catalog
from shared_data.clients import ClientRole
from shared_data.grants import ANY_DOCUMENT_TYPE, GrantRequest, needed_document_types
from shared_data.settings import Settings
from tests.grantutil import client_with_key, give_grants
from tests.unit.test_grants_matrix import EXTRA_EXAMPLES

BACKEND, OPS, ADMIN = ClientRole.PROCEDURE_BACKEND, ClientRole.OPS, ClientRole.ADMIN
# The envelope of an answer: what the response schema documents, nothing else.
ANSWER_KEYS = set(LookupResponse.model_fields)
ROLES = {"registry-office": (BACKEND,), "business-desk": (BACKEND, OPS), "ops-admin": (OPS, ADMIN)}


class CountingAdapter:
    """In front of an adapter (and so of its cache): counts every call that reaches it."""

    def __init__(self, inner: Any, calls: Counter[str]) -> None:
        self._inner = inner
        self._calls = calls

    async def lookup(self, request: Any) -> Any:
        self._calls[request.registry] += 1
        return await self._inner.lookup(request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def grant_requests(catalog: Catalog) -> dict[str, list[GrantRequest]]:
    """Three profiles: exact grants with 3 fields; procedure-wide grants; grants held by a
    client whose roles may not look up at all."""
    codes = sorted(catalog.procedures)
    first, second = codes[: len(codes) // 2], codes[len(codes) // 2 :]
    table: dict[str, list[GrantRequest]] = {client: [] for client in ROLES}
    for code in first:
        for doc_id in sorted(needed_document_types(catalog.procedures[code])):
            fields = tuple(catalog.document_types[doc_id].fields)
            table["registry-office"].append(request(code, doc_id, fields[:3]))
            table["ops-admin"].append(request(code, doc_id, fields))
    for code in second:
        needed = needed_document_types(catalog.procedures[code])
        union = sorted({f for d in needed for f in catalog.document_types[d].fields})
        table["business-desk"].append(request(code, ANY_DOCUMENT_TYPE, tuple(union)))
    table["business-desk"].append(request("P02", "KHAI_SINH", ("full_name", "dob")))
    return table


def request(code: str, doc_id: str, fields: tuple[str, ...]) -> GrantRequest:
    return GrantRequest(
        procedure_code=code, document_type=doc_id, allowed_fields=fields, legal_basis="matrix"
    )


def oracle(
    catalog: Catalog,
    grants: list[GrantRequest],
    roles: tuple[ClientRole, ...],
    cell: tuple[str, str],
) -> set[str] | None:
    """Top-level fields a cell may release, or None if it must be refused."""
    code, doc_id = cell
    if BACKEND not in roles:
        return None
    by_type = {(g.procedure_code, g.document_type): g for g in grants}
    grant = by_type.get((code, doc_id))
    if grant is None and doc_id in needed_document_types(catalog.procedures[code]):
        grant = by_type.get((code, ANY_DOCUMENT_TYPE))
    return None if grant is None else {path.split(".")[0] for path in grant.allowed_fields}


def subject_for_scheme(catalog: Catalog, scheme: str) -> dict[str, str]:
    examples = [e.value for e in catalog.schemes[scheme].synthetic_examples]
    return {"scheme": scheme, "value": (examples or [EXTRA_EXAMPLES[scheme]])[0]}


@pytest.fixture
def matrix_api(settings: Settings, catalog: Catalog) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    # Caches on (the refusals are the point, not the database); one probe round only, at start.
    quiet = {"grants_cache_ttl_s": 60.0, "auth_cache_ttl_s": 60.0, "probe_interval_s": 3600.0}
    cached = settings.model_copy(update=quiet)
    table = grant_requests(catalog)
    keys = {}
    for client, roles in ROLES.items():
        client_id, keys[client] = client_with_key(settings.database_url, client, *roles)
        give_grants(settings.database_url, client_id, table[client])
    with TestClient(create_app(cached), raise_server_exceptions=False) as api:
        wait_for_first_probe_round(api)
        calls: Counter[str] = Counter()
        adapters = api.app.state.services.lookups.adapters  # type: ignore[attr-defined]
        for registry_id in list(adapters):
            adapters[registry_id] = CountingAdapter(adapters[registry_id], calls)
        yield api, {"keys": keys, "table": table, "calls": calls}


def wait_for_first_probe_round(api: TestClient, timeout_s: float = 10.0) -> None:
    """The prober's first round reaches the simulators; let it end before counting them."""
    prober = api.app.state.services.prober  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout_s
    while prober is not None and prober.rounds < 1 and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.fixture
def sim_stats(simulator_url: str) -> Iterator[Callable[[], int]]:
    """Upstream requests the simulators have served so far (all registries)."""
    with httpx.Client(base_url=simulator_url, timeout=5) as http:

        def total() -> int:
            stats = http.get("/_sim/stats").json()
            return sum(int(entry["requests"]) for entry in stats.values())

        yield total


def lookup_body(catalog: Catalog, code: str, doc_id: str) -> dict[str, Any]:
    doc = catalog.document_types[doc_id]
    qualifiers = {
        spec.role: subject_for_scheme(catalog, spec.schemes[0])
        for spec in doc.qualifiers
        if spec.required
    }
    return {
        "document_type": doc_id,
        "subject": subject_for_scheme(catalog, doc.key),
        "qualifiers": qualifiers,
        "purpose": {"procedure_code": code, "dossier_id": "MATRIX-1"},
    }


def test_every_client_procedure_and_document_type_over_http_has_zero_violations(
    matrix_api: tuple[TestClient, dict[str, Any]],
    catalog: Catalog,
    sim_stats: Callable[[], int],
) -> None:
    api, ctx = matrix_api
    cells = [
        (client, code, doc_id, oracle(catalog, ctx["table"][client], roles, (code, doc_id)))
        for client, roles in ROLES.items()
        for code in sorted(catalog.procedures)
        for doc_id in catalog.document_types
    ]
    refused = [cell for cell in cells if cell[3] is None]
    allowed = [cell for cell in cells if cell[3] is not None]
    upstream_before = sim_stats()
    violations, refusals = refuse_each(api, ctx, catalog, refused)
    # Not one request reached a simulator while the refused cells were asked.
    assert sim_stats() == upstream_before
    outcomes: Counter[str] = Counter()
    for client, code, doc_id, fields in allowed:
        response = post(api, ctx, catalog, client, code, doc_id)
        outcomes[response.json().get("status", str(response.status_code))] += 1
        problem = check_allowed(response, fields or set())
        if problem:
            violations.append(f"{client} {code} {doc_id}: {problem}")
    assert violations == []
    assert len(refusals) == 1, refusals  # one body, byte for byte, for every refusal
    assert len(refused) > 100 and outcomes["found"] > 10, (len(refused), outcomes)


def post(
    api: TestClient, ctx: dict[str, Any], catalog: Catalog, client: str, code: str, doc_id: str
) -> httpx.Response:
    auth = {"Authorization": f"Bearer {ctx['keys'][client]}"}
    return api.post("/v1/lookups", json=lookup_body(catalog, code, doc_id), headers=auth)


def refuse_each(
    api: TestClient, ctx: dict[str, Any], catalog: Catalog, cells: list[Any]
) -> tuple[list[str], set[bytes]]:
    """Ask each refused cell; each must be a 403 that no adapter (cache, registry) saw."""
    calls: Counter[str] = ctx["calls"]
    violations: list[str] = []
    bodies: set[bytes] = set()
    for client, code, doc_id, _ in cells:
        before = sum(calls.values())
        response = post(api, ctx, catalog, client, code, doc_id)
        bodies.add(response.content)
        if response.status_code != 403:
            violations.append(f"{client} {code} {doc_id}: {response.status_code} without grant")
        elif sum(calls.values()) != before:
            violations.append(f"{client} {code} {doc_id}: refused, yet an adapter was asked")
    return violations, bodies


def check_allowed(response: httpx.Response, allowed: set[str]) -> str | None:
    if response.status_code != 200:
        return f"granted but {response.status_code}: {response.text[:200]}"
    answer = response.json()
    if not set(answer) <= ANSWER_KEYS:
        return f"undocumented keys {sorted(set(answer) - ANSWER_KEYS)}"
    released = set(answer.get("fields") or {})
    if not released <= allowed:
        return f"released {sorted(released - allowed)} beyond the grant"
    return None


def test_a_refusal_is_the_same_bytes_whether_or_not_the_subject_exists(
    matrix_api: tuple[TestClient, dict[str, Any]],
) -> None:
    api, ctx = matrix_api
    auth = {"Authorization": f"Bearer {ctx['keys']['registry-office']}"}
    bodies = set()
    for pin in ("001225956789", "001090999999"):  # the demo child exists; this PIN does not
        body = {
            "document_type": "KHAI_SINH",
            "subject": {"scheme": "PIN", "value": pin},
            "purpose": {"procedure_code": "P14"},
        }
        response = api.post("/v1/lookups", json=body, headers=auth)
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        bodies.add(response.content)
    assert len(bodies) == 1
    problem = api.post("/v1/lookups", json=body, headers=auth).json()
    assert problem["code"] == "forbidden" and pin not in str(problem)
