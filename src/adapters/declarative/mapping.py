"""Canonical records <-> JSON answers, as a declarative configuration describes them. Pure.

`read_record` is the adapter's direction, strict like every mapping of the service: a required
value missing or of the wrong JSON type, a date in another format, a word outside the `map`
raises `WireFormatError` (the adapter's bad_response); keys the configuration does not name
are never read, so never forwarded. `write_record` is the simulator's direction and
`round_trip` puts both together for the adapter contract. Text is compared and passed in NFC.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from adapters.declarative import paths
from adapters.declarative.config import DATE_FORMATS, DocumentConfig, ValueMap
from adapters.mapping_helpers import WireFormatError, nfc
from shared_data.domain import RegistryRecord

_CHECKS: dict[str, Any] = {
    "text": lambda v: isinstance(v, str) and v != "",
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "date": lambda v: isinstance(v, str),
    "text_list": lambda v: isinstance(v, list) and all(isinstance(i, str) and i for i in v),
}


def _parse_date(raw: str, spec: ValueMap) -> date:
    pattern = DATE_FORMATS[str(spec.format)]
    try:
        parsed = datetime.strptime(raw, pattern).date()
    except ValueError as exc:
        raise WireFormatError(f"{spec.path}: not a {spec.format} date") from exc
    if parsed.strftime(pattern) != raw:  # strptime accepts "1/2/2025" for dd/mm/yyyy
        raise WireFormatError(f"{spec.path}: not a {spec.format} date")
    return parsed


def read_value(record: Any, spec: ValueMap) -> Any:
    """The canonical value of `spec` in the record object (dates as `date`)."""
    raw = paths.get(record, paths.parse(spec.path))
    if spec.none_value is not None and raw == spec.none_value:
        return None  # the registry's explicit "none"
    if raw is paths.MISSING or raw is None:
        if spec.required:
            raise WireFormatError(f"{spec.path}: required value missing")
        return None
    if not _CHECKS[spec.type](raw):
        raise WireFormatError(f"{spec.path}: expected {spec.type}")
    if spec.type == "text":
        raw = nfc(raw)
        if spec.map is not None:
            if raw not in spec.map:
                raise WireFormatError(f"{spec.path}: not one of the registry's words")
            return spec.map[raw]
    if spec.type == "text_list":
        return [nfc(item) for item in raw]
    return _parse_date(raw, spec) if spec.type == "date" else raw


def _canonical(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def read_record(document: DocumentConfig, answer: Any) -> RegistryRecord:
    """The record object of `answer` (at `document.record`) -> canonical record."""
    record = paths.get(answer, paths.parse(document.record))
    if not isinstance(record, dict):
        raise WireFormatError(f"{document.record or 'answer'}: no record object")

    def optional(spec: ValueMap | None) -> Any:
        return None if spec is None else read_value(record, spec)

    fields = {name: _canonical(read_value(record, spec)) for name, spec in document.fields.items()}
    return RegistryRecord(
        record_id=read_value(record, document.record_id),
        fields=fields,
        issued_on=optional(document.issued_on),
        valid_until=optional(document.valid_until),
        status=optional(document.status),
    )


def write_value(spec: ValueMap, value: Any) -> Any:
    """The registry's spelling of canonical `value` (the inverse of `read_value`)."""
    if value is None:
        return spec.none_value
    if spec.type == "date":
        day = value if isinstance(value, date) else date.fromisoformat(value)
        return day.strftime(DATE_FORMATS[str(spec.format)])
    if spec.map is not None:
        return {word: registry for registry, word in spec.map.items()}[value]
    return value


def write_record(document: DocumentConfig, record: RegistryRecord) -> dict[str, Any]:
    """Canonical record -> its record object (what a simulator of the registry sends)."""
    out: dict[str, Any] = {}
    values: list[tuple[ValueMap | None, Any]] = [
        (document.record_id, record.record_id), (document.issued_on, record.issued_on),
        (document.valid_until, record.valid_until), (document.status, record.status),
        *((spec, record.fields.get(name)) for name, spec in document.fields.items()),
    ]  # fmt: skip
    for spec, value in values:
        if spec is not None:
            out = paths.put(out, paths.parse(spec.path), write_value(spec, value))
    return out


def round_trip(document: DocumentConfig, body: bytes) -> bytes:
    """`body` with its record read and written back (the contract's round-trip check)."""
    answer = json.loads(body)
    record = write_record(document, read_record(document, answer))
    rebuilt = paths.put(answer, paths.parse(document.record), record)
    return json.dumps(rebuilt, ensure_ascii=False).encode()
