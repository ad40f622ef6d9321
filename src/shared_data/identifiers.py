"""Validation of subject identifiers, one rule set per scheme of the catalog (DOMAIN.md 11.2).

Nothing is silently normalised. Full-width or other Unicode digits, whitespace, signs and dots are
refused with the rule they break: a value the integrator did not type exactly is not a value we may
look up about a citizen. The only rewrites are canonical spellings a scheme itself defines: a
13-digit branch code gains its dash, a land-certificate serial loses its optional inner space.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

from shared_data.domain import Frozen, Subject
from shared_data.errors import InvalidIdentifierError, UnknownSchemeError
from shared_data.provinces import PROVINCES


class IdentifierRule(StrEnum):
    """Stable names of the rules an identifier can break (`InvalidIdentifierError.rule`)."""

    ASCII_DIGITS_ONLY = "ascii_digits_only"
    ASCII_ONLY = "ascii_only"
    LENGTH = "length"
    FORMAT = "format"
    PROVINCE_CODE = "province_code"
    BIRTH_YEAR_IN_FUTURE = "birth_year_in_future"
    DOB_MISMATCH = "dob_mismatch"
    SEQUENCE_ZERO = "sequence_zero"
    BRANCH_SUFFIX = "branch_suffix"
    STEM_NEVER_ISSUED = "stem_never_issued"
    CHECK_DIGIT = "check_digit"


class PinInfo(Frozen):
    """What a 12-digit PIN itself says about its holder."""

    province_code: str
    province_name: str
    sex: Literal["M", "F"]
    century: int
    birth_year: int
    serial: str


@dataclass(frozen=True)
class _Pattern:
    """A scheme checked by its regex only: the pattern, an example and whether a space may occur."""

    regex: re.Pattern[str]
    example: str
    allows_space: bool = False


def _pattern(regex: str, example: str, *, allows_space: bool = False) -> _Pattern:
    # re.ASCII: without it \d also matches Arabic-Indic, full-width and other Unicode digits.
    return _Pattern(re.compile(regex, re.ASCII), example, allows_space)


# Regexes as in DOMAIN.md 11.2, except LAND_CERT_SERIAL: `\s?` there, one ASCII space here.
_PATTERNS: Mapping[str, _Pattern] = {
    "HKD_REG_NO": _pattern(r"^(\d{10}|\d{12}|\d{13})$", "0199900018"),
    "SI_CODE": _pattern(r"^\d{10}$", "0123456789"),
    "CIVIL_REG_NO": _pattern(r"^[A-Z0-9\-]+/\d{4}/\d{1,6}$", "UBND-PX01/2025/123"),
    "PARCEL_KEY": _pattern(r"^\d{5}-\d{1,4}-\d{1,5}$", "99999-12-345"),
    "LAND_CERT_SERIAL": _pattern(r"^[A-Z]{2} ?\d{6,8}$", "ZZ 000123", allows_space=True),
    "DL_NO": _pattern(r"^\d{12}$", "010123456789"),
    "PLATE_NO": _pattern(r"^\d{2}[A-Z]{1,2}\d?-?\d{3}\.?\d{2}$", "30A-123.45"),
    "HEALTH_DOC_NO": _pattern(r"^[A-Z0-9\-/]{6,30}$", "GCS-2025/000123"),
    "DIPLOMA_NO": _pattern(r"^[A-Z0-9]{6,20}$", "QH2025000123"),
    "HOUSEHOLD_ID": _pattern(r"^HN-\d{5}-\d{6}$", "HN-00004-000123"),
    "DOSSIER_NO": _pattern(r"^H\d{2}\.\d{2,3}-\d{6}-\d{4}$", "H01.39-250305-0001"),
}

_ECHO_LIMIT = 40
_ASCII_DIGITS = frozenset("0123456789")
_MST_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_PIN_LENGTH = 12
_CMND_LENGTH = 9
_Suffix = Literal["optional", "forbidden", "required"]
_TAX_SHAPE = (
    "10 ASCII digits 0-9, optionally followed by a 3-digit branch suffix "
    "(0199900025, 0199900025-001 or 0199900025001)"
)
_TAX_SCHEMES: Mapping[str, _Suffix] = {
    "MST": "optional",
    "ENTERPRISE_CODE": "forbidden",
    "BRANCH_CODE": "required",
}

SCHEMES: frozenset[str] = frozenset({"PIN", "CMND9", *_TAX_SCHEMES, *_PATTERNS})
"""Every identifier scheme id `validate_identifier` accepts."""


def _excerpt(value: str) -> str:
    """Quote at most the first 40 characters of caller input, escaping the invisible ones.

    Only scheme names are quoted: identifier values may be personal data (a PIN), so details
    describe the broken rule and at most one offending character, never the value itself.
    """
    head = value[:_ECHO_LIMIT]
    return repr(head) + (" (truncated)" if len(value) > _ECHO_LIMIT else "")


def _describe(char: str) -> str:
    """Name one character so an integrator can find it, e.g. 'U+FF11 FULLWIDTH DIGIT ONE'."""
    name = unicodedata.name(char, "") or f"(unnamed, category {unicodedata.category(char)})"
    return f"U+{ord(char):04X} {name}"


def _invalid(scheme: str, rule: IdentifierRule, detail: str) -> InvalidIdentifierError:
    return InvalidIdentifierError(scheme, rule.value, detail)


def _require_digits(scheme: str, value: str, shape: str, extra: str = "") -> None:
    """Refuse the first character that is not an ASCII digit 0-9 (nor one of `extra`)."""
    for position, char in enumerate(value, start=1):
        if char not in _ASCII_DIGITS and char not in extra:
            raise _invalid(
                scheme,
                IdentifierRule.ASCII_DIGITS_ONLY,
                f"{scheme} must be {shape}; character {position} is {_describe(char)}.",
            )


def _require_length(scheme: str, value: str, lengths: tuple[int, ...], shape: str) -> None:
    if len(value) not in lengths:
        raise _invalid(
            scheme,
            IdentifierRule.LENGTH,
            f"{scheme} must be {shape}; got {len(value)} characters.",
        )


def _require_fixed_digits(scheme: str, value: str, length: int) -> None:
    shape = f"exactly {length} ASCII digits 0-9, with no spaces, signs or separators"
    _require_digits(scheme, value, shape)
    _require_length(scheme, value, (length,), shape)


def _pin_century(gender_century: int) -> int:
    # Even codes are men, odd codes women; each pair of codes is one century from the 20th.
    return 20 + gender_century // 2


def _pin_province(scheme: str, code: str) -> str:
    name = PROVINCES.get(code)
    if name is None:
        raise _invalid(
            scheme,
            IdentifierRule.PROVINCE_CODE,
            f"{scheme} digits 1-3 must be a birth-registration province code (001-096, e.g. "
            f"001 for Hà Nội); {code!r} is not assigned.",
        )
    return name


def _pin_birth_year(scheme: str, gender_century: int, yy: int, today: date) -> int:
    year = (_pin_century(gender_century) - 1) * 100 + yy
    if year > today.year:
        raise _invalid(
            scheme,
            IdentifierRule.BIRTH_YEAR_IN_FUTURE,
            f"{scheme} digit 4 ({gender_century}) and digits 5-6 ({yy:02d}) give birth year "
            f"{year}, which is after the current year {today.year}.",
        )
    return year


def _parse_pin(scheme: str, value: str, today: date) -> PinInfo:
    _require_fixed_digits(scheme, value, _PIN_LENGTH)
    gender_century = int(value[3])
    return PinInfo(
        province_code=value[:3],
        province_name=_pin_province(scheme, value[:3]),
        sex="M" if gender_century % 2 == 0 else "F",
        century=_pin_century(gender_century),
        birth_year=_pin_birth_year(scheme, gender_century, int(value[4:6]), today),
        serial=value[6:],
    )


def parse_pin(value: str, *, today: date | None = None) -> PinInfo:
    """Decode a 12-digit PIN (province, sex, century, birth year, serial) or raise why not."""
    return _parse_pin("PIN", value, today or date.today())


def _check_declared_dob(scheme: str, info: PinInfo, declared_dob: date | None) -> None:
    if declared_dob is not None and declared_dob.year != info.birth_year:
        raise _invalid(
            scheme,
            IdentifierRule.DOB_MISMATCH,
            f"{scheme} encodes birth year {info.birth_year} (digits 4-6), which is not the "
            "year of the declared date of birth.",
        )


def mst_check_digit(stem9: str) -> int | None:
    """Check digit of a tax-code stem of 9 ASCII digits; None if no code exists for the stem."""
    if len(stem9) != 9 or not set(stem9) <= _ASCII_DIGITS:
        raise ValueError("a tax-code stem is exactly 9 ASCII digits")
    remainder = sum(w * int(d) for w, d in zip(_MST_WEIGHTS, stem9, strict=True)) % 11
    # 10 - 0 would be two digits: such a stem is never issued (python-stdnum vn.mst agrees).
    return None if remainder == 0 else 10 - remainder


def _split_tax_code(scheme: str, value: str) -> tuple[str, str | None]:
    """Split a 10-digit code, `NNNNNNNNNN-NNN` or 13 digits into (code, branch suffix)."""
    _require_digits(scheme, value, _TAX_SHAPE, extra="-")
    if "-" not in value:
        _require_length(scheme, value, (10, 13), _TAX_SHAPE)
        return value[:10], value[10:] or None
    if len(value) != 14 or value.find("-") != 10 or value.count("-") != 1:
        raise _invalid(
            scheme,
            IdentifierRule.FORMAT,
            f"{scheme} may contain one dash only, between the 10-digit code and a 3-digit "
            "branch suffix (e.g. 0199900025-001).",
        )
    return value[:10], value[11:]


def _check_tax_code(scheme: str, code: str) -> None:
    if code[2:9] == "0000000":
        raise _invalid(
            scheme,
            IdentifierRule.SEQUENCE_ZERO,
            f"{scheme} digits 3-9 are a sequence number and cannot all be zero.",
        )
    expected = mst_check_digit(code[:9])
    if expected is None:
        raise _invalid(
            scheme,
            IdentifierRule.STEM_NEVER_ISSUED,
            f"{scheme} digits 1-9 ({code[:9]}) admit no check digit, so no code with them "
            "has ever been issued.",
        )
    if int(code[9]) != expected:
        raise _invalid(
            scheme,
            IdentifierRule.CHECK_DIGIT,
            f"{scheme} check digit (digit 10) is {code[9]} but digits 1-9 require {expected}; "
            "the code is probably mistyped.",
        )


def _check_branch_suffix(scheme: str, suffix: str | None, policy: _Suffix) -> None:
    problem = None
    if suffix == "000":
        problem = "branch suffix 000 is not assigned; dependent units are numbered 001-999"
    elif suffix is not None and policy == "forbidden":
        problem = "an enterprise code is the 10-digit code without a branch suffix"
    elif suffix is None and policy == "required":
        problem = "a dependent-unit code needs its 3-digit branch suffix, e.g. 0199900025-001"
    if problem is not None:
        raise _invalid(scheme, IdentifierRule.BRANCH_SUFFIX, f"{scheme}: {problem}.")


def _validate_tax_code(scheme: str, value: str) -> str:
    code, suffix = _split_tax_code(scheme, value)
    _check_tax_code(scheme, code)
    _check_branch_suffix(scheme, suffix, _TAX_SCHEMES[scheme])
    return code if suffix is None else f"{code}-{suffix}"


def _require_printable_ascii(scheme: str, value: str, allows_space: bool) -> None:
    for position, char in enumerate(value, start=1):
        printable = " " < char <= "~" or (char == " " and allows_space)
        if not printable:
            raise _invalid(
                scheme,
                IdentifierRule.ASCII_ONLY,
                f"{scheme} may contain only printable ASCII characters and no whitespace; "
                f"character {position} is {_describe(char)}.",
            )


def _validate_pattern(scheme: str, value: str, today: date) -> str:
    pattern = _PATTERNS[scheme]
    _require_printable_ascii(scheme, value, pattern.allows_space)
    if pattern.regex.fullmatch(value) is None:
        raise _invalid(
            scheme,
            IdentifierRule.FORMAT,
            f"{scheme} must match {pattern.regex.pattern} (e.g. {pattern.example}); the "
            f"{len(value)} characters given do not.",
        )
    if scheme == "HKD_REG_NO" and len(value) == _PIN_LENGTH:
        _check_representative_pin(scheme, value, today)
    return value.replace(" ", "")


def _check_representative_pin(scheme: str, value: str, today: date) -> None:
    """A 12-digit household-business number is its representative's PIN (since 1/7/2025)."""
    try:
        parse_pin(value, today=today)
    except InvalidIdentifierError as exc:
        raise InvalidIdentifierError(
            scheme, exc.rule, f"A 12-digit {scheme} is the representative's PIN: {exc.detail}"
        ) from exc


def _validate(scheme: str, value: str, declared_dob: date | None, today: date) -> str:
    if scheme == "PIN":
        _check_declared_dob(scheme, _parse_pin(scheme, value, today), declared_dob)
        return value
    if scheme == "CMND9":
        _require_fixed_digits(scheme, value, _CMND_LENGTH)
        return value
    if scheme in _TAX_SCHEMES:
        return _validate_tax_code(scheme, value)
    return _validate_pattern(scheme, value, today)


def validate_identifier(
    scheme: str, value: str, *, declared_dob: date | None = None, today: date | None = None
) -> Subject:
    """Check `value` against every rule of `scheme`; return it as a Subject in canonical form."""
    if scheme not in SCHEMES:
        raise UnknownSchemeError(
            f"Identifier scheme {_excerpt(scheme)} is not supported; supported schemes are "
            f"{', '.join(sorted(SCHEMES))}."
        )
    canonical = _validate(scheme, value, declared_dob, today or date.today())
    return Subject(scheme=scheme, value=canonical)
