"""The adapter contract: one suite that every registry adapter must pass.

How to run it for a registry: in a collected test module, subclass `AdapterContract` with a
class name starting with `Test`, set `registry_id`, and provide five fixtures, as methods or,
when they are plain values, with `serves` / `provides`:

    class TestGplxContract(AdapterContract):
        registry_id = "GPLX"
        simulator_app = serves(build_simulator)
        make_adapter = provides(adapter_factory(GplxAdapter, client))
        found_requests = provides([lookup("GPLX", "GPLX", "PIN", THU), ...])
        not_found_request = provides(lookup("GPLX", "GPLX", "PIN", NOT_FOUND_PIN))
        round_trip = provides(_round_trip)

or, spelled out:

    class TestHotichContract(AdapterContract):
        registry_id = "HOTICH"

        @pytest.fixture
        def simulator_app(self, world: World, token: str) -> ASGIApp:
            return build_simulator(world, token)          # the registry's real simulator

        @pytest.fixture
        def make_adapter(self) -> AdapterFactory:          # (httpx transport, token) -> adapter
            return adapter_factory(HotichAdapter, client)  # see contract_support

        @pytest.fixture
        def found_requests(self) -> list[RegistryRequest]:  # one per type it can find
            return [lookup("HOTICH", "KHAI_SINH", "PIN", "001225956789"), ...]

        @pytest.fixture
        def not_found_request(self) -> RegistryRequest:
            return lookup("HOTICH", "KHAI_SINH", "PIN", NOT_FOUND_PIN)

        @pytest.fixture
        def round_trip(self) -> RoundTrip:  # wire -> canonical -> wire with YOUR mapping
            return lambda document_type, body: encode(decode(document_type, body))

Override when the wire is not JSON: `content_type` (what the registry labels its answers),
`normalize_wire` (bytes -> a value compared for equality, e.g. canonical XML) and
`add_unknown_field` (bytes -> the same answer with an element the mapping must drop).
`world` (a small seeded world, fixtures of DOMAIN.md 11.5 included) and `token` have defaults.

What it checks: declared document types and schemes match the catalog; a found answer carries
only the catalog's canonical fields of its type, as plain JSON values, with a stable record id;
the registry's explicit "no record" is `not_found`; unknown wire fields never reach the
record; the mapping reproduces the registry's answer; every technical failure (500, malformed
or truncated body, wrong content type, a proxy's 404 page, refused credential, connection
error, timeout) is `unavailable` with the right reason and never `not_found`; the probe.
Handlers serve hand-made responses through `httpx.MockTransport`, or the real simulator
through `httpx.ASGITransport`, optionally rewritten (`RewritingTransport`). The failure half of
the suite is in `contract_failures.py`, its building blocks in `contract_support.py` (all
re-exported here).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, ClassVar

import httpx
import pytest

from adapters.simulators.dataset import build_world
from adapters.simulators.world import World
from shared_data.catalog import Catalog, load_catalog
from shared_data.domain import Outcome, RegistryRequest
from shared_data.ports import RegistryAdapter
from tests.adapters.contract_failures import TechnicalFailureContract
from tests.adapters.contract_support import (
    AS_OF,
    BASE_URL,
    AdapterFactory,
    ASGIApp,
    Handler,
    RewritingTransport,
    RoundTrip,
    adapter_factory,
    add_unknown_json_field,
    ask_once,
    lookup,
    respond,
    same_headers,
    transport_to,
)

__all__ = [
    "AS_OF", "BASE_URL", "ASGIApp", "AdapterContract", "AdapterFactory", "Handler",
    "RewritingTransport", "RoundTrip", "adapter_factory", "ask_once", "lookup", "provides",
    "respond", "same_headers", "serves", "transport_to",
]  # fmt: skip


def provides(value: Any) -> Any:
    """A contract fixture that is a value: `round_trip = provides(_round_trip)`."""

    @pytest.fixture
    def fixture(self: Any) -> Any:
        return value

    return fixture


def serves(build_simulator: Callable[[World, str], ASGIApp]) -> Any:
    """The `simulator_app` fixture of a registry's `build_simulator(world, token)`."""

    @pytest.fixture
    def simulator_app(self: Any, world: World, token: str) -> ASGIApp:
        return build_simulator(world, token)

    return simulator_app


class AdapterContract(TechnicalFailureContract):
    """Inherit, set `registry_id`, provide the fixtures named in the module docstring."""

    registry_id: ClassVar[str]

    # --- to provide ---------------------------------------------------------------------

    @pytest.fixture
    def simulator_app(self, world: World, token: str) -> ASGIApp:
        pytest.fail(f"{type(self).__name__} must provide the simulator_app fixture")

    @pytest.fixture
    def make_adapter(self) -> AdapterFactory:
        pytest.fail(f"{type(self).__name__} must provide the make_adapter fixture")

    @pytest.fixture
    def found_requests(self) -> list[RegistryRequest]:
        pytest.fail(f"{type(self).__name__} must provide the found_requests fixture")

    @pytest.fixture
    def not_found_request(self) -> RegistryRequest:
        pytest.fail(f"{type(self).__name__} must provide the not_found_request fixture")

    @pytest.fixture
    def round_trip(self) -> RoundTrip:
        pytest.fail(f"{type(self).__name__} must provide the round_trip fixture")

    # --- defaults, override when needed -------------------------------------------------

    @pytest.fixture(scope="class")
    @classmethod
    def world(cls) -> World:
        return build_world(people=300, enterprises=50, seed=86, as_of=AS_OF)

    @pytest.fixture
    def token(self) -> str:
        return "contract-token"

    @pytest.fixture(scope="class")
    @classmethod
    def catalog(cls) -> Catalog:
        return load_catalog()

    @pytest.fixture
    def content_type(self) -> str:
        return "application/json"

    @pytest.fixture
    def normalize_wire(self) -> Callable[[bytes], Any]:
        return json.loads

    @pytest.fixture
    def add_unknown_field(self) -> Callable[[bytes], bytes]:
        return add_unknown_json_field

    # --- helpers ------------------------------------------------------------------------

    @pytest.fixture
    def over(self, make_adapter: AdapterFactory, token: str) -> Callable[..., Any]:
        """`async with over(http_transport) as adapter:` an adapter closed afterwards."""

        @asynccontextmanager
        async def context(
            http: httpx.AsyncBaseTransport, credential: str | None = None
        ) -> AsyncIterator[RegistryAdapter]:
            adapter = make_adapter(http, credential or token)
            try:
                yield adapter
            finally:
                await adapter.aclose()

        return context

    @pytest.fixture
    def simulator(self, simulator_app: ASGIApp) -> httpx.AsyncBaseTransport:
        return httpx.ASGITransport(app=simulator_app)

    # --- declarations -------------------------------------------------------------------

    async def test_declares_its_registry_document_types_and_schemes_as_in_the_catalog(
        self, over: Callable[..., Any], catalog: Catalog
    ) -> None:
        async with over(httpx.MockTransport(lambda r: httpx.Response(500))) as adapter:
            assert adapter.registry_id == self.registry_id
        assert self.registry_id in catalog.registries
        own = [d for d in catalog.document_types.values() if d.registry == self.registry_id]
        assert adapter.document_types and adapter.document_types <= {d.id for d in own}
        keys = {key for d in own for key in (d.key, *d.alt_keys)}
        assert adapter.schemes and adapter.schemes <= keys

    # --- found / not found --------------------------------------------------------------

    async def test_found_answers_carry_only_the_catalog_fields_of_their_document_type(
        self,
        over: Callable[..., Any],
        simulator: httpx.AsyncBaseTransport,
        found_requests: list[RegistryRequest],
        catalog: Catalog,
    ) -> None:
        assert found_requests, "give at least one found case per type the simulator can find"
        for request in found_requests:
            answer = await self._ask(over, simulator, request)
            assert answer.outcome is Outcome.FOUND, (request.document_type, answer)
            assert answer.record is not None and answer.record.record_id
            allowed = set(catalog.document_types[request.document_type].fields)
            assert set(answer.record.fields) <= allowed, request.document_type
            # Plain JSON values: the digest and the API serialise them without converters.
            json.dumps(answer.record.fields, allow_nan=False)

    async def test_the_same_lookup_gives_the_same_record_id_and_fields(
        self,
        over: Callable[..., Any],
        simulator: httpx.AsyncBaseTransport,
        found_requests: list[RegistryRequest],
    ) -> None:
        for request in found_requests:
            first = await self._ask(over, simulator, request)
            again = await self._ask(over, simulator, request)
            assert first.record is not None and again.record is not None
            assert (first.record.record_id, first.record.fields) == (
                again.record.record_id,
                again.record.fields,
            )

    async def test_the_registry_saying_no_record_is_not_found(
        self,
        over: Callable[..., Any],
        simulator: httpx.AsyncBaseTransport,
        not_found_request: RegistryRequest,
    ) -> None:
        answer = await self._ask(over, simulator, not_found_request)
        assert answer.outcome is Outcome.NOT_FOUND, answer
        assert answer.record is None

    async def test_unknown_fields_from_the_registry_never_reach_the_record(
        self,
        over: Callable[..., Any],
        simulator: httpx.AsyncBaseTransport,
        found_requests: list[RegistryRequest],
        add_unknown_field: Callable[[bytes], bytes],
    ) -> None:
        def extend(response: httpx.Response, body: bytes) -> httpx.Response:
            return same_headers(response, add_unknown_field(body))

        for request in found_requests:
            plain = await self._ask(over, simulator, request)
            extended = await self._ask(over, RewritingTransport(simulator, extend), request)
            assert extended.outcome is Outcome.FOUND, extended
            assert extended.record == plain.record

    async def test_mapping_round_trip_reproduces_the_registry_answer(
        self,
        over: Callable[..., Any],
        simulator: httpx.AsyncBaseTransport,
        found_requests: list[RegistryRequest],
        round_trip: RoundTrip,
        normalize_wire: Callable[[bytes], Any],
    ) -> None:
        for request in found_requests:
            recorder = RewritingTransport(simulator, same_headers)
            answer = await self._ask(over, recorder, request)
            assert answer.outcome is Outcome.FOUND, answer
            body = recorder.bodies[-1]
            assert normalize_wire(round_trip(request.document_type, body)) == normalize_wire(body)

    # --- probe --------------------------------------------------------------------------

    async def test_probe_is_ok_against_the_registry(
        self, over: Callable[..., Any], simulator: httpx.AsyncBaseTransport
    ) -> None:
        async with over(simulator) as adapter:
            health = await adapter.probe()
        assert health.ok, health
        assert health.registry == self.registry_id

    async def test_probe_is_not_ok_on_server_error_or_when_unreachable(
        self, over: Callable[..., Any]
    ) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

        failing = httpx.MockTransport(lambda r: respond(503, b"unavailable", "text/plain"))
        for http in (failing, httpx.MockTransport(refuse)):
            async with over(http) as adapter:
                health = await adapter.probe()
            assert not health.ok, health
