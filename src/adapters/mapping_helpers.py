"""What registry mappings share: date spellings, NFC text, strict wire models, status words.

Pure: no I/O. Each registry's `mapping.py` states its own wire shape with these pieces and keeps
its quirks next to them; nothing here knows about one registry.

- Dates: Vietnamese registries write `dd/mm/yyyy` (`DmyDate`); some write ISO (`IsoDate`).
  Either parses strictly (no datetime, no epoch, no other separator) and serialises back the
  same way, so a mapping round trip reproduces the registry's bytes.
- Text is normalised to NFC before it is compared or passed on: some registries send NFD
  ("Nữ" as N + u + two combining marks), which would otherwise differ from our own words.
- `StrictWire`: strict types (a number sent as a string is an error), unknown keys dropped
  (never forwarded), frozen. `CamelWire`: the same with camelCase aliases.
- `Words`: one registry's status vocabulary <-> our canonical words, both directions.
- `validation_summary`: where a message is wrong, never what it said (personal data).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    StringConstraints,
    ValidationError,
)
from pydantic.alias_generators import to_camel

_DMY_RE = re.compile(r"^([0-9]{2})/([0-9]{2})/([0-9]{4})$")
_ISO_RE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")


class WireFormatError(ValueError):
    """A registry message does not have its documented shape."""


def nfc(value: Any) -> Any:
    """`value` in Unicode NFC if it is a string, else unchanged."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _date(year: int, month: int, day: int, raw: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"date {raw[:12]!r} does not exist") from exc


def parse_dmy(raw: Any) -> date:
    """`dd/mm/yyyy` -> date; anything else (ISO, datetime, number) is a ValueError."""
    match = _DMY_RE.match(raw) if isinstance(raw, str) else None
    if match is None:
        raise ValueError("expected a dd/mm/yyyy date")
    day, month, year = (int(part) for part in match.groups())
    return _date(year, month, day, raw)


def format_dmy(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def parse_iso_date(raw: Any) -> date:
    """`yyyy-mm-dd` -> date, and nothing else (no time part, no week dates)."""
    match = _ISO_RE.match(raw) if isinstance(raw, str) else None
    if match is None:
        raise ValueError("expected a yyyy-mm-dd date")
    year, month, day = (int(part) for part in match.groups())
    return _date(year, month, day, raw)


def iso(value: date | None) -> str | None:
    """Canonical records carry dates as ISO strings."""
    return value.isoformat() if value else None


def from_iso(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _keep_date(parse: Any) -> Any:
    # A date instance comes from our own side (the simulator building an answer).
    return lambda value: value if isinstance(value, date) else parse(value)


DmyDate = Annotated[
    date, BeforeValidator(_keep_date(parse_dmy)), PlainSerializer(format_dmy, return_type=str)
]
IsoDate = Annotated[
    date,
    BeforeValidator(_keep_date(parse_iso_date)),
    PlainSerializer(date.isoformat, return_type=str),
]


def dmy_or_word(word: str) -> Any:
    """A `dd/mm/yyyy` date the registry spells `word` when there is none ("Không thời hạn").

    None canonically; a JSON null is malformed (it is not the registry's way of saying it).
    To build such a field from a canonical None, pass `word` itself.
    """
    spelled = nfc(word)

    def parse(raw: Any) -> date | None:
        if isinstance(raw, date):
            return raw
        return None if nfc(raw) == spelled else parse_dmy(raw)

    def write(value: date | None) -> str:
        return spelled if value is None else format_dmy(value)

    return Annotated[date | None, BeforeValidator(parse), PlainSerializer(write, return_type=str)]


NfcText = Annotated[str, BeforeValidator(nfc), StringConstraints(min_length=1, max_length=500)]
# [0-9], not \d: pydantic's regex engine would accept any Unicode digit for \d.
Pin = Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]


class StrictWire(BaseModel):
    """Base of a registry's wire models: strict types, unknown keys dropped, frozen."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class CamelWire(StrictWire):
    """`StrictWire` whose keys travel in camelCase (`soDinhDanh` for `so_dinh_danh`)."""

    model_config = ConfigDict(
        strict=True, extra="ignore", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


class Words:
    """One registry's vocabulary for a coded value <-> our canonical words, both ways.

    Registry words are compared in NFC; a word the registry never documented is an error
    (the caller decides whether that is malformed or tolerable).
    """

    def __init__(self, canonical_to_wire: Mapping[str, str]) -> None:
        self.to_wire: dict[str, str] = {k: nfc(v) for k, v in canonical_to_wire.items()}
        self.from_wire: dict[str, str] = {v: k for k, v in self.to_wire.items()}
        if len(self.from_wire) != len(self.to_wire):
            raise ValueError("two canonical words share one registry word")

    def read(self, raw: Any) -> str:
        word = self.from_wire.get(nfc(raw)) if isinstance(raw, str) else None
        if word is None:
            raise ValueError(f"not one of the registry's words ({len(self.from_wire)} known)")
        return word

    def write(self, canonical: str) -> str:
        return self.to_wire[canonical]

    def check(self, raw: Any) -> str:
        """Validator (`Annotated[str, AfterValidator(words.check)]`): `raw` in NFC, if it is
        one of the registry's words."""
        self.read(raw)
        return str(nfc(raw))

    @property
    def wire_type(self) -> Any:
        """The same as a pydantic type (type checkers prefer the explicit `Annotated` alias)."""
        return Annotated[str, BeforeValidator(nfc), AfterValidator(self.check)]


def validation_summary(exc: ValidationError, what: str = "answer") -> str:
    """Where a message is malformed (at most three locations), without its values."""
    errors = exc.errors(include_input=False, include_url=False)
    where = sorted({".".join(str(part) for part in e["loc"]) or what for e in errors})[:3]
    return f"malformed {what} at {', '.join(where)}"
