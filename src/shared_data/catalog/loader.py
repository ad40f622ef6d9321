"""Load the catalog: the bundled YAML, optional overrides, pydantic validation, cross-checks.

`load_catalog()` reads `shared_data/catalog/data/*.yaml`; files of the same names in
`extra_dir` (or the same stems in `.json`, e.g. an imported `procedures.json`) replace bundled
entries with the same id and add new ones. Every problem found is
collected and reported at once in one `CatalogError`, each line naming the file and the entry.
The result is not cached here: the caller (the app's bootstrap) keeps it.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError

from shared_data.catalog.checks import Entries, Problem, cross_check
from shared_data.catalog.models import (
    Catalog,
    CatalogEntry,
    DocumentType,
    IdentifierScheme,
    Procedure,
    Registry,
)
from shared_data.errors import CatalogError

try:  # libyaml's C loader is ~10x faster; the pure-Python one is the fallback.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

M = TypeVar("M", bound=CatalogEntry)


@dataclass(frozen=True, slots=True)
class _Section:
    """One catalog file: its top-level key, the entry noun, the model and the id field."""

    name: str
    noun: str
    model: type[CatalogEntry]
    id_field: str = "id"

    @property
    def file_name(self) -> str:
        """The section's file name, e.g. `procedures.yaml`."""
        return f"{self.name}.yaml"


SECTIONS = (
    _Section("registries", "registry", Registry),
    _Section("schemes", "scheme", IdentifierScheme),
    _Section("document_types", "document type", DocumentType),
    _Section("procedures", "procedure", Procedure, id_field="code"),
)
_TEMPLATE_KEY = "document_uri_template"
_TEMPLATE_FIELDS = {"registry_lower", "doctype", "doc_id"}


@dataclass(slots=True)
class _Load:
    """Problems found so far and, per section, each entry's id -> (file label, raw mapping)."""

    problems: list[str] = field(default_factory=list)
    raw: dict[str, dict[str, tuple[str, Any]]] = field(default_factory=dict)
    template: str = Catalog.model_fields[_TEMPLATE_KEY].default

    def report(self, label: str, entry: str | None, message: str) -> None:
        """Record one problem as `file: entry: message`."""
        self.problems.append(f"{label}: {entry}: {message}" if entry else f"{label}: {message}")


def load_catalog(extra_dir: Path | None = None) -> Catalog:
    """Load, validate and cross-check the bundled catalog, overridden by `extra_dir` files."""
    state = _Load()
    bundled = resources.files("shared_data.catalog").joinpath("data")
    for section in SECTIONS:
        text = bundled.joinpath(section.file_name).read_text(encoding="utf-8")
        _read(state, section, section.file_name, text)
    if extra_dir is not None:
        _read_extra(state, Path(extra_dir))
    entries, origins = _validate_all(state)
    for problem in cross_check(entries):
        label = origins[problem.section].get(problem.entry or "", problem.section)
        state.report(label, *_at(problem))
    if state.problems:
        count = len(state.problems)
        raise CatalogError(f"catalog has {count} problem(s):\n" + "\n".join(state.problems))
    return Catalog(
        registries=dict(entries.registries),
        schemes=dict(entries.schemes),
        document_types=dict(entries.document_types),
        procedures=dict(entries.procedures),
        document_uri_template=state.template,
    )


def _at(problem: Problem) -> tuple[str, str]:
    noun = next(s.noun for s in SECTIONS if s.name == problem.section)
    entry = f"{noun} {problem.entry}" + (f", {problem.part}" if problem.part else "")
    return entry, problem.message


def _read_extra(state: _Load, extra_dir: Path) -> None:
    if not extra_dir.is_dir():
        raise CatalogError(f"{extra_dir}: catalog directory does not exist")
    known = {section.file_name: section for section in SECTIONS}
    # A section may also come as JSON (`procedures.json`, what `shared-data procedures import`
    # writes: ~10x faster to parse than YAML). Sorted, so a hand-written `.yaml` of the same
    # section is read after the `.json` and wins entry by entry.
    known |= {f"{section.name}.json": section for section in SECTIONS}
    paths = [*extra_dir.glob("*.yaml"), *extra_dir.glob("*.yml"), *extra_dir.glob("*.json")]
    for path in sorted(paths):
        section = known.get(path.name)
        if section is None:
            expected = ", ".join(known)
            state.report(str(path), None, f"unexpected catalog file (expected {expected})")
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            state.report(str(path), None, f"cannot be read as UTF-8 text: {exc}")
            continue
        _read(state, section, str(path), text)


def _read(state: _Load, section: _Section, label: str, text: str) -> None:
    """Parse one file and merge its entries by id into `state` (later files win)."""
    document = _parse(state, label, text)
    if document is None:
        return
    allowed = {section.name} | ({_TEMPLATE_KEY} if section.name == "document_types" else set())
    for key in sorted(set(document) - allowed, key=str):
        state.report(label, None, f"unexpected top-level key {key!r} (expected {sorted(allowed)})")
    if _TEMPLATE_KEY in document and section.name == "document_types":
        _set_template(state, label, document[_TEMPLATE_KEY])
    entries = document.get(section.name) or []
    if not isinstance(entries, list):
        state.report(label, None, f"'{section.name}' must be a list of entries")
        return
    _merge(state, section, label, entries)


def _parse(state: _Load, label: str, text: str) -> dict[Any, Any] | None:
    try:
        is_json = label.endswith(".json")
        document = json.loads(text) if is_json else yaml.load(text, Loader=_Loader)
    except json.JSONDecodeError as exc:
        state.report(label, None, f"invalid JSON: {exc}")
        return None
    except yaml.YAMLError as exc:
        state.report(label, None, "invalid YAML: " + " ".join(str(exc).split()))
        return None
    if document is None:
        return {}
    if not isinstance(document, dict):
        state.report(label, None, "the file must be a mapping of sections")
        return None
    return document


def _set_template(state: _Load, label: str, template: object) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(str(template)) if name}
    except ValueError as exc:
        names = {f"<{exc}>"}
    if not isinstance(template, str) or not names <= _TEMPLATE_FIELDS:
        expected = ", ".join(sorted(_TEMPLATE_FIELDS))
        state.report(label, _TEMPLATE_KEY, f"{template!r} may only use {{{expected}}}")
        return
    state.template = template


def _merge(state: _Load, section: _Section, label: str, entries: list[Any]) -> None:
    merged = state.raw.setdefault(section.name, {})
    seen: set[str] = set()
    for number, raw in enumerate(entries, start=1):
        entry_id = raw.get(section.id_field) if isinstance(raw, dict) else None
        if not isinstance(entry_id, str) or not entry_id:
            message = f"entry #{number} has no '{section.id_field}' (a non-empty string)"
            state.report(label, None, message)
        elif entry_id in seen:
            state.report(label, f"{section.noun} {entry_id}", "duplicate id in this file")
        else:
            seen.add(entry_id)
            merged[entry_id] = (label, raw)


def _validate_all(state: _Load) -> tuple[Entries, dict[str, dict[str, str]]]:
    """Validate every merged entry with its model; return the typed entries and their files."""
    typed: dict[str, Any] = {}
    origins: dict[str, dict[str, str]] = {}
    invalid: dict[str, frozenset[str]] = {}
    for section in SECTIONS:
        raw = state.raw.get(section.name, {})
        origins[section.name] = {entry_id: label for entry_id, (label, _) in raw.items()}
        typed[section.name] = _validate(state, section, section.model, raw)
        invalid[section.name] = frozenset(raw) - frozenset(typed[section.name])
    return Entries(**typed, invalid=invalid), origins


def _validate(
    state: _Load, section: _Section, model: type[M], raw: Mapping[str, tuple[str, Any]]
) -> dict[str, M]:
    valid: dict[str, M] = {}
    for entry_id, (label, data) in raw.items():
        try:
            valid[entry_id] = model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                where, loc = _locate(section, entry_id, data, error["loc"])
                state.report(label, where, f"{loc}: {error['msg']}" if loc else error["msg"])
    return valid


def _locate(
    section: _Section, entry_id: str, data: Any, loc: tuple[int | str, ...]
) -> tuple[str, str]:
    """Name the entry (and the requirement, for procedures) and the field path of an error."""
    where = f"{section.noun} {entry_id}"
    if section.name == "procedures" and len(loc) >= 2 and loc[0] == "requirements":
        index = int(loc[1])
        requirement = data["requirements"][index]
        req_id = requirement.get("id") if isinstance(requirement, dict) else None
        where += f", requirement {req_id or f'#{index + 1}'}"
        loc = loc[2:]
    return where, ".".join(str(part) for part in loc)
