"""DeclarativeAdapter: a JSON-over-HTTP registry served from its configuration alone.

The configuration (`config.RegistryConfig`) says how to ask (a request template per document
type and subject scheme), how to read (where each canonical field is, with converters), and
which answers are the registry's "no such record". Everything else is the shared base and
transport, as for a code adapter: statuses, content types, size cap, deadline, retries,
breaker. How an answer is judged, in order:
1. a not-found rule that holds (its status, if any, and its condition, if any) -> not_found;
2. any other HTTP error status the rules let through -> the transport's status error;
3. `found_when` given and not holding -> unavailable (the registry reported its own error);
4. the record read strictly (else bad_response), its subject echoed (else bad_response).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from adapters.base import HttpRegistryAdapter, utcnow
from adapters.declarative.config import (
    DeclarativeConfigError,
    DocumentConfig,
    LoadedConfig,
    RegistryConfig,
    RequestTemplate,
    check_against_catalog,
    load_configs,
)
from adapters.declarative.mapping import read_record
from adapters.mapping_helpers import WireFormatError
from adapters.resilience import ResilientCaller
from adapters.transport import RegistryTransport, status_error
from shared_data.catalog import Catalog
from shared_data.domain import RegistryAnswer, RegistryRecord, RegistryRequest, UnavailableReason
from shared_data.errors import RegistryError, UnknownDocumentTypeError, UnknownSchemeError
from shared_data.settings import Settings


def _render(node: Any, values: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return node.format_map(values)
    if isinstance(node, dict):
        return {key: _render(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_render(value, values) for value in node]
    return node


class DeclarativeAdapter(HttpRegistryAdapter):
    """One registry of a `RegistryConfig`; an instance per registry, no per-request state."""

    def __init__(self, config: RegistryConfig, transport: RegistryTransport) -> None:
        super().__init__(transport)
        self.config = config
        self.registry_id = config.registry
        self.document_types = frozenset(config.document_types)
        self.schemes = frozenset(s for d in config.document_types.values() for s in d.requests)
        self.media_types = frozenset(config.media_types)  # type: ignore[misc]
        self.handled_statuses = frozenset(  # type: ignore[misc]
            rule.status
            for doc in config.document_types.values()
            for rule in doc.not_found
            if rule.status is not None and rule.status >= 300
        )

    def _document(self, request: RegistryRequest) -> DocumentConfig:
        doc = self.config.document_types.get(request.document_type)
        if doc is None:
            raise UnknownDocumentTypeError(
                f"{self.registry_id} does not attest {request.document_type}"
            )
        return doc

    def build_request(self, request: RegistryRequest) -> httpx.Request:
        doc = self._document(request)
        scheme = request.subject.scheme
        template = doc.requests.get(scheme)
        if template is None:
            raise UnknownSchemeError(f"{request.document_type} is not looked up by {scheme}")
        values = {
            "subject": request.subject.value,
            "scheme": self.config.scheme_names.get(scheme, scheme),
            "document_type": doc.wire_name or request.document_type,
            "lookup_id": request.lookup_id,
        }
        return self._http(template, values)

    def _http(self, template: RequestTemplate, values: Mapping[str, str]) -> httpx.Request:
        in_path = {key: quote(value, safe="") for key, value in values.items()}
        return self.transport.build_request(
            template.method,
            template.path.format_map(in_path),
            params=_render(template.query, values) or None,
            headers=_render(template.headers, values),
            json=_render(template.body, values),
        )

    def parse_response(self, request: RegistryRequest, response: httpx.Response) -> RegistryAnswer:
        doc = self._document(request)
        try:
            answer = json.loads(response.content)
        except (UnicodeDecodeError, ValueError) as exc:
            raise self._bad("not a JSON answer") from exc
        for rule in doc.not_found:
            status_ok = rule.status is None or rule.status == response.status_code
            if status_ok and (rule.when is None or rule.when.holds(answer)):
                return RegistryAnswer.not_found(utcnow())
        if response.status_code >= 300:
            raise status_error(self.registry_id, response)
        if doc.found_when is not None and not doc.found_when.holds(answer):
            raise RegistryError(
                UnavailableReason.UPSTREAM_ERROR,
                f"{self.registry_id}: the registry reported an error",
            )
        try:
            record = read_record(doc, answer)
        except WireFormatError as exc:
            raise self._bad(str(exc)) from exc
        self._check_echo(doc, request, record)
        return RegistryAnswer.found(record, utcnow())

    def probe_request(self) -> httpx.Request:
        return self._http(self.config.probe, {})

    def _bad(self, detail: str) -> RegistryError:
        return RegistryError(UnavailableReason.BAD_RESPONSE, f"{self.registry_id}: {detail}")

    def _check_echo(
        self, doc: DocumentConfig, request: RegistryRequest, record: RegistryRecord
    ) -> None:
        """The answer must name the subject asked about, in one of the configured fields."""
        names = doc.echo.get(request.subject.scheme)
        if not names:
            return
        wanted = request.subject.value
        for name in names:
            value = record.fields.get(name)
            if value == wanted or (isinstance(value, list) and wanted in value):
                return
        raise self._bad("the answer is about another subject")


class Connection(Protocol):
    """What `adapters.registry.Connection` gives a factory (structural, to avoid a cycle)."""

    base_url: str
    token: str
    read_timeout_s: float
    caller: ResilientCaller
    http: httpx.AsyncBaseTransport | None


def build_adapter(
    config: RegistryConfig,
    base_url: str,
    token: str,
    *,
    read_timeout_s: float = 3.0,
    transport: httpx.AsyncBaseTransport | None = None,
    caller: ResilientCaller | None = None,
) -> DeclarativeAdapter:
    """The adapter of `config`, its credential in the configured header."""
    headers = {"Accept": config.media_types[0]}
    if config.auth is not None:
        headers[config.auth.header] = f"{config.auth.prefix}{token}"
    registry_transport = RegistryTransport(
        config.registry,
        base_url,
        headers=headers,
        read_timeout_s=read_timeout_s,
        transport=transport,
        caller=caller,
    )
    return DeclarativeAdapter(config, registry_transport)


def _factory(item: LoadedConfig, settings: Settings) -> Callable[[Connection], DeclarativeAdapter]:
    config = item.config
    env = config.auth.token_env if config.auth else None
    if env is not None and not os.environ.get(env):
        raise DeclarativeConfigError(f"{item.source}: auth.token_env: {env} is not set")
    token = os.environ[env] if env else None
    # Base URL: the registry's setting, else the file's, else the bundled simulator.
    configured = settings.registry(config.registry).base_url
    base_url = None if configured else config.base_url

    def factory(c: Connection) -> DeclarativeAdapter:
        return build_adapter(
            config, (base_url or c.base_url).rstrip("/"), token or c.token,
            read_timeout_s=c.read_timeout_s, transport=c.http, caller=c.caller,
        )  # fmt: skip

    return factory


def declarative_factories(
    settings: Settings, catalog: Catalog, coded: frozenset[str]
) -> dict[str, Callable[[Connection], DeclarativeAdapter]]:
    """A factory per configured registry (shipped files, then `settings.declarative_dir`),
    after checking every file against the catalog; `coded`: registries with a code adapter."""
    loaded = load_configs(settings.declarative_dir)
    check_against_catalog(loaded, catalog, coded)
    return {item.config.registry: _factory(item, settings) for item in loaded}
