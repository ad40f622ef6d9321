"""Cross-checks of a validated catalog: every reference resolves, every rule is coherent.

Pure functions over the typed entries; each problem names its section and entry so that the
loader can report the file it came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from shared_data.catalog.durations import IsoDuration
from shared_data.catalog.models import (
    DocumentType,
    IdentifierScheme,
    Procedure,
    Registry,
    Replaceable,
    Requirement,
    RequirementKind,
    ValidityRule,
    ValidityType,
)

_NEEDS_DURATION = {ValidityType.DURATION, ValidityType.DURATION_OR_STATE_CHANGE}
_NEEDS_VOID_ON = {ValidityType.DURATION_OR_STATE_CHANGE, ValidityType.UNTIL_STATE_CHANGE}


@dataclass(frozen=True, slots=True)
class Problem:
    """One inconsistency: the section (file stem), the entry id, an optional part, the message."""

    section: str
    entry: str | None
    message: str
    part: str | None = None


@dataclass(frozen=True, slots=True)
class Entries:
    """The typed entries of the four sections, keyed by id, and the ids that failed validation."""

    registries: Mapping[str, Registry]
    schemes: Mapping[str, IdentifierScheme]
    document_types: Mapping[str, DocumentType]
    procedures: Mapping[str, Procedure]
    # Entries that exist but did not validate: already reported, so references to them are not.
    invalid: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def known(self, section: str, entry_id: str) -> bool:
        """Whether `entry_id` exists in `section`, valid or not."""
        table: Mapping[str, object] = getattr(self, section)
        return entry_id in table or entry_id in self.invalid.get(section, frozenset())


def cross_check(entries: Entries) -> list[Problem]:
    """Every problem of the catalog, in file order."""
    return [
        *_check_registries(entries),
        *_check_schemes(entries),
        *_check_document_types(entries),
        *_check_procedures(entries),
    ]


def duration_problem(text: str | None, what: str) -> str | None:
    """A message if `text` is set and not an ISO 8601 date duration."""
    if text is None:
        return None
    try:
        IsoDuration.parse(text)
    except ValueError:
        return f"{what} {text!r} is not an ISO 8601 duration (e.g. P6M, P1Y, P30D)"
    return None


def _check_registries(entries: Entries) -> Iterator[Problem]:
    for registry in entries.registries.values():
        for key in registry.keys:
            if not entries.known("schemes", key):
                yield Problem("registries", registry.id, f"unknown identifier scheme {key!r}")


def _check_schemes(entries: Entries) -> Iterator[Problem]:
    for scheme in entries.schemes.values():
        for message in _scheme_messages(scheme, entries):
            yield Problem("schemes", scheme.id, message)


def _scheme_messages(scheme: IdentifierScheme, entries: Entries) -> Iterator[str]:
    if not entries.known("registries", scheme.issuer):
        yield f"issuer: unknown registry {scheme.issuer!r}"
    for attr in ("same_as", "alias_of"):
        target = getattr(scheme, attr)
        if target is not None and (target == scheme.id or not entries.known("schemes", target)):
            yield f"{attr}: unknown identifier scheme {target!r}"
    if scheme.regex is None:
        return
    try:
        pattern = re.compile(scheme.regex)
    except re.error as exc:
        yield f"regex {scheme.regex!r} does not compile: {exc}"
        return
    for example in scheme.synthetic_examples:
        if pattern.fullmatch(example.value) is None:
            yield f"synthetic example {example.value!r} does not match the regex"


def _check_document_types(entries: Entries) -> Iterator[Problem]:
    for doc in entries.document_types.values():
        messages = [*_key_messages(doc, entries), *_validity_messages(doc.validity)]
        messages += _cache_messages(doc)
        messages += _qualifier_messages(doc, entries)
        for message in messages:
            yield Problem("document_types", doc.id, message)


def _key_messages(doc: DocumentType, entries: Entries) -> Iterator[str]:
    registry = entries.registries.get(doc.registry)
    if not entries.known("registries", doc.registry):
        yield f"unknown registry {doc.registry!r}"
    for scheme_id in [doc.key, *doc.alt_keys]:
        scheme = entries.schemes.get(scheme_id)
        if not entries.known("schemes", scheme_id):
            yield f"unknown identifier scheme {scheme_id!r}"
        elif registry and scheme and not _registry_accepts(registry, scheme):
            yield f"registry {registry.id} is not keyed by {scheme_id!r} (keys: {registry.keys})"
    if doc.key in doc.alt_keys:
        yield f"alt_keys repeats the key {doc.key!r}"


def _qualifier_messages(doc: DocumentType, entries: Entries) -> Iterator[str]:
    """Qualifier schemes exist and key the registry; restrictions name the doc's own schemes."""
    registry = entries.registries.get(doc.registry)
    roles = [q.role for q in doc.qualifiers]
    if len(set(roles)) != len(roles):
        yield f"qualifiers: a role is declared twice ({roles})"
    for qualifier in doc.qualifiers:
        what = f"qualifier {qualifier.role!r}"
        if not qualifier.schemes:
            yield f"{what} names no scheme"
        for scheme_id in qualifier.schemes:
            scheme = entries.schemes.get(scheme_id)
            if not entries.known("schemes", scheme_id):
                yield f"{what}: unknown identifier scheme {scheme_id!r}"
            elif registry and scheme and not _registry_accepts(registry, scheme):
                yield f"{what}: registry {registry.id} is not keyed by {scheme_id!r}"
    own = {doc.key, *doc.alt_keys}
    for restriction in doc.subject_restrictions:
        for scheme_id in restriction.schemes:
            if scheme_id not in own:
                yield f"subject_restrictions: {scheme_id!r} does not name this document's subjects"


def _registry_accepts(registry: Registry, scheme: IdentifierScheme) -> bool:
    return scheme.id in registry.keys or scheme.same_as in registry.keys


def _validity_messages(rule: ValidityRule) -> Iterator[str]:
    for attr in ("duration", "max_age"):
        message = duration_problem(getattr(rule, attr), f"validity.{attr}")
        if message:
            yield message
    if rule.type in _NEEDS_DURATION and rule.duration is None:
        yield f"validity type {rule.type} needs a duration"
    if rule.type in _NEEDS_VOID_ON and not rule.void_on:
        yield f"validity type {rule.type} needs void_on (the state changes that void it)"
    if rule.since is not None:
        try:
            date.fromisoformat(rule.since)
        except ValueError:
            yield f"validity.since {rule.since!r} is not an ISO date (YYYY-MM-DD)"


def _cache_messages(doc: DocumentType) -> list[str]:
    cache, messages = doc.cache, []
    if min(cache.ttl_seconds, cache.negative_ttl_seconds, cache.stale_if_error_seconds) < 0:
        messages.append("cache: seconds must not be negative")
    if cache.stale_if_error_seconds and doc.validity.type is not ValidityType.PERMANENT:
        messages.append(
            "cache.stale_if_error_seconds is only allowed for permanent documents, "
            f"not {doc.validity.type}"
        )
    if doc.obsolete != (doc.validity.type is ValidityType.ABOLISHED):
        messages.append("obsolete: true goes with validity type abolished, and only with it")
    return messages


def _check_procedures(entries: Entries) -> Iterator[Problem]:
    seen: dict[str, str] = {}
    for procedure in entries.procedures.values():
        for requirement in procedure.requirements:
            part = f"requirement {requirement.id}"
            if requirement.id in seen:
                message = f"duplicate requirement id (also in procedure {seen[requirement.id]})"
                yield Problem("procedures", procedure.code, message, part)
            seen.setdefault(requirement.id, procedure.code)
            for message in _requirement_messages(requirement, entries):
                yield Problem("procedures", procedure.code, message, part)


def _requirement_messages(req: Requirement, entries: Entries) -> Iterator[str]:
    docs = entries.document_types
    for doc_id in filter(None, [req.document_type, *req.alternatives]):
        doc = docs.get(doc_id)
        if not entries.known("document_types", doc_id):
            yield f"unknown document type {doc_id!r}"
        elif doc is not None and doc.obsolete:
            yield f"document type {doc_id!r} is abolished ({doc.validity.since}): ask the registry"
    message = duration_problem(req.max_age, "max_age")
    if message:
        yield message
    if req.paper_code is not None and entries.known("document_types", req.paper_code):
        yield f"paper_code {req.paper_code!r} is a document type: use document_type"
    if not entries.known("document_types", req.document_type or "") or req.document_type in docs:
        yield from _kind_messages(req, docs.get(req.document_type or ""))


def _kind_messages(req: Requirement, doc: DocumentType | None) -> Iterator[str]:
    if req.kind is RequirementKind.FORM:
        if req.document_type is not None or req.alternatives:
            yield "a form has no document_type or alternatives"
        if req.replaceable_by_lookup is not Replaceable.NO:
            yield "a form is never replaceable_by_lookup"
    if req.document_type is None and req.name_vi is None:
        yield "a paper without document_type needs name_vi"
    if req.document_type is None and req.replaceable_by_lookup is not Replaceable.NO:
        yield "replaceable_by_lookup needs a document_type to look up"
    if doc is None:
        if req.kind is RequirementKind.INTERNAL_CONFIRMATION and req.document_type is None:
            yield "an internal_confirmation needs a document_type"
        return
    confirmation = req.kind is RequirementKind.INTERNAL_CONFIRMATION
    if confirmation != doc.internal_confirmation:
        expected = "internal_confirmation" if doc.internal_confirmation else "document"
        yield f"kind {req.kind} but document type {doc.id} makes it {expected!r}"
