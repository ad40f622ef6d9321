"""The declarative registry configuration: its schema, how it is read, and its checks.

One YAML file per registry (docs/ADAPTERS.md has a complete example). Files come from the
shipped `adapters/declarative/registries/` and then from `Settings.declarative_dir`
(`SHARED_DATA_DECLARATIVE_DIR`); a later file for the same registry replaces an earlier one, so
a deployment can point a shipped registry at the real service's paths.

Everything is validated at start-up, and every problem is reported at once in one
`DeclarativeConfigError`, each line naming the file and the entry (`vbcc.yaml:
document_types.BANG_TOT_NGHIEP.fields.level.path: ...`): first the file's shape (pydantic),
then its agreement with the catalog (registry, document types, schemes, field names).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from adapters.declarative import paths
from shared_data.catalog import Catalog
from shared_data.errors import CatalogError

PLACEHOLDERS = frozenset({"subject", "scheme", "document_type", "lookup_id"})
DATE_FORMATS = {"dd/mm/yyyy": "%d/%m/%Y", "yyyy-mm-dd": "%Y-%m-%d", "yyyymmdd": "%Y%m%d"}
FieldType = Literal["text", "integer", "number", "boolean", "date", "text_list"]


class DeclarativeConfigError(CatalogError):
    """A declarative registry file is malformed or disagrees with the catalog: start-up stops."""

    code = "declarative_config_error"
    title = "Declarative registry configuration error"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _placeholders(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ValueError(f"malformed template {template!r}: {exc}") from exc


def _check_template(template: str) -> str:
    unknown = _placeholders(template) - PLACEHOLDERS
    if unknown:
        allowed = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS))
        raise ValueError(f"unknown placeholder {sorted(unknown)} (allowed: {allowed})")
    return template


def _check_body(node: Any) -> Any:
    if isinstance(node, str):
        _check_template(node)
    elif isinstance(node, dict):
        for value in node.values():
            _check_body(value)
    elif isinstance(node, list):
        for value in node:
            _check_body(value)
    return node


def _check_path(path: str) -> str:
    paths.parse(path)
    return path


JsonPath = Annotated[str, AfterValidator(_check_path)]


class AuthConfig(_Model):
    """Where the credential goes: `{header}: {prefix}{token}`."""

    header: str = "Authorization"
    prefix: str = "Bearer "
    # Environment variable holding the token; unset: the registry's `api_key` setting, else the
    # simulators' shared token (as for every registry).
    token_env: str | None = None


class RequestTemplate(_Model):
    """One HTTP request; strings may hold {subject}, {scheme}, {document_type}, {lookup_id}."""

    method: Literal["GET", "POST"] = "GET"
    path: str
    query: dict[str, str] = Field(default_factory=dict)
    body: dict[str, Any] | None = None
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("a request path starts with '/' (it follows the base URL)")
        return _check_template(value)

    @field_validator("query", "headers")
    @classmethod
    def _strings(cls, value: dict[str, str]) -> dict[str, str]:
        for template in value.values():
            _check_template(template)
        return value

    @field_validator("body")
    @classmethod
    def _body(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        _check_body(value)
        return value

    @model_validator(mode="after")
    def _get_has_no_body(self) -> RequestTemplate:
        if self.method == "GET" and self.body is not None:
            raise ValueError("a GET request has no body")
        return self


class ValueMap(_Model):
    """A value of the answer at `path` (relative to the record), converted to a canonical one."""

    path: Annotated[JsonPath, Field(min_length=1)]
    type: FieldType = "text"
    # Dates only: how the registry writes them.
    format: Literal["dd/mm/yyyy", "yyyy-mm-dd", "yyyymmdd"] | None = None
    # Registry word -> canonical word; a word not listed is a malformed answer.
    map: dict[str, str] | None = None
    # A registry value meaning "none" (e.g. "Không thời hạn"); canonically null.
    none_value: str | None = None
    required: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> ValueMap:
        if (self.type == "date") != (self.format is not None):
            raise ValueError("`format` is required for dates, and only for dates")
        if self.map is not None:
            if self.type != "text":
                raise ValueError("`map` applies to text values only")
            if len(set(self.map.values())) != len(self.map):
                raise ValueError("`map` gives two registry words the same canonical word")
        return self


class Condition(_Model):
    """`path` (relative to the whole answer) equals `equals`, or holds an empty list."""

    path: JsonPath
    equals: str | int | bool | None = None
    empty: bool = False

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        if ("equals" in self.model_fields_set) == self.empty:
            raise ValueError("give either `equals` (null allowed) or `empty: true`")
        return self

    def holds(self, answer: Any) -> bool:
        """Whether the condition holds in `answer` (a missing path never holds)."""
        value = paths.get(answer, paths.parse(self.path))
        if self.empty:
            return isinstance(value, list) and not value
        # Type-strict: JSON true is not 1, "0" is not 0.
        return type(value) is type(self.equals) and value == self.equals


class NotFoundRule(_Model):
    """The registry's authoritative "no such record": an HTTP status and/or a condition."""

    status: Annotated[int, Field(ge=200, le=499)] | None = None
    when: Condition | None = None

    @model_validator(mode="after")
    def _something(self) -> NotFoundRule:
        if self.status is None and self.when is None:
            raise ValueError("a not-found rule needs a `status`, a `when` condition, or both")
        return self


class DocumentConfig(_Model):
    """How one document type is asked for and read."""

    # Value of {document_type} in templates (default: the catalog id).
    wire_name: str | None = None
    # Subject scheme -> the request that looks the document up by it.
    requests: Annotated[dict[str, RequestTemplate], Field(min_length=1)]
    # Where the record sits in the answer ("" = the whole answer).
    record: JsonPath = ""
    record_id: ValueMap
    issued_on: ValueMap | None = None
    valid_until: ValueMap | None = None
    status: ValueMap | None = None
    # Catalog field name -> where it is in the record.
    fields: Annotated[dict[str, ValueMap], Field(min_length=1)]
    not_found: list[NotFoundRule] = Field(default_factory=list)
    # When given, an answer that is neither not-found nor this is the registry's own error.
    found_when: Condition | None = None
    # Subject scheme -> canonical fields, one of which must hold (or list) the subject.
    echo: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _dates(self) -> DocumentConfig:
        for name in ("issued_on", "valid_until"):
            value = getattr(self, name)
            if value is not None and value.type != "date":
                raise ValueError(f"`{name}` must be a date")
        if self.record_id.type != "text":
            raise ValueError("`record_id` must be text")
        return self


class RegistryConfig(_Model):
    """One JSON-over-HTTP registry served by the declarative adapter."""

    registry: str
    description: str | None = None
    # Used when the settings name no base URL for the registry (before the bundled simulator).
    base_url: str | None = None
    auth: AuthConfig | None = Field(default_factory=AuthConfig)
    media_types: Annotated[list[str], Field(min_length=1)] = ["application/json"]
    probe: RequestTemplate
    # Our scheme id -> the registry's word for it, as {scheme} renders.
    scheme_names: dict[str, str] = Field(default_factory=dict)
    document_types: Annotated[dict[str, DocumentConfig], Field(min_length=1)]

    @field_validator("media_types")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [media.strip().lower() for media in value]

    @field_validator("probe")
    @classmethod
    def _fixed_probe(cls, value: RequestTemplate) -> RequestTemplate:
        if _placeholders(value.path) or value.body is not None:
            raise ValueError("the probe is a fixed request without placeholders or body")
        return value


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    source: str  # the file, for messages
    config: RegistryConfig


def shipped_files() -> list[tuple[str, str]]:
    """(label, text) of every shipped registry file, in name order."""
    root = resources.files("adapters.declarative") / "registries"
    entries = sorted((e for e in root.iterdir() if e.name.endswith((".yaml", ".yml"))),
                     key=lambda e: e.name)  # fmt: skip
    return [(f"declarative/registries/{e.name}", e.read_text(encoding="utf-8")) for e in entries]


def directory_files(directory: Path) -> list[tuple[str, str]]:
    if not directory.is_dir():
        raise DeclarativeConfigError(f"{directory}: declarative registry directory does not exist")
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    return [(str(path), path.read_text(encoding="utf-8")) for path in files]


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(file)"


def parse_config(label: str, text: str, problems: list[str]) -> RegistryConfig | None:
    """One file's text -> its config; problems are appended as `label: where: message`."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problems.append(f"{label}: not YAML: {str(exc).splitlines()[0]}")
        return None
    try:
        return RegistryConfig.model_validate(document)
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_input=False):
            problems.append(f"{label}: {_where(error['loc'])}: {error['msg']}")
        return None


def load_configs(extra_dir: Path | None = None) -> list[LoadedConfig]:
    """Every registry configuration, shipped then `extra_dir`; raise on any problem."""
    files = shipped_files() + (directory_files(extra_dir) if extra_dir else [])
    problems: list[str] = []
    loaded: dict[str, LoadedConfig] = {}
    for label, text in files:
        config = parse_config(label, text, problems)
        if config is not None:
            loaded[config.registry] = LoadedConfig(label, config)  # a later file replaces
    if problems:
        raise DeclarativeConfigError("\n".join(problems))
    return list(loaded.values())


def check_against_catalog(
    loaded: list[LoadedConfig], catalog: Catalog, coded: frozenset[str] = frozenset()
) -> None:
    """Raise unless every config names catalog entries its registry owns (`coded`: registries
    that already have a code adapter and so may not be configured too)."""
    problems: list[str] = []
    for item in loaded:
        problems += _catalog_problems(item, catalog, coded)
    if problems:
        raise DeclarativeConfigError("\n".join(problems))


def _catalog_problems(item: LoadedConfig, catalog: Catalog, coded: frozenset[str]) -> list[str]:
    config, label = item.config, item.source
    if config.registry not in catalog.registries:
        return [f"{label}: registry: {config.registry} is not a registry of the catalog"]
    if config.registry in coded:
        return [f"{label}: registry: {config.registry} already has a code adapter"]
    problems = []
    for doc_id, doc in config.document_types.items():
        where = f"{label}: document_types.{doc_id}"
        entry = catalog.document_types.get(doc_id)
        if entry is None or entry.registry != config.registry:
            problems.append(f"{where}: not a document type of {config.registry} in the catalog")
            continue
        schemes = {entry.key, *entry.alt_keys}
        for scheme in doc.requests:
            if scheme not in schemes:
                problems.append(f"{where}.requests.{scheme}: {doc_id} is keyed by "
                                f"{', '.join(sorted(schemes))}")  # fmt: skip
        for name in [*doc.fields, *(f for names in doc.echo.values() for f in names)]:
            if name not in entry.fields:
                problems.append(f"{where}: {name} is not a field of {doc_id} in the catalog")
        for scheme in doc.echo:
            if scheme not in doc.requests:
                problems.append(f"{where}.echo.{scheme}: no request for this scheme")
    return problems


def shipped_config(registry_id: str) -> RegistryConfig:
    """The shipped configuration of one registry (its simulator speaks what it describes)."""
    for item in load_configs():
        if item.config.registry == registry_id:
            return item.config
    raise DeclarativeConfigError(f"no shipped declarative configuration for {registry_id}")
