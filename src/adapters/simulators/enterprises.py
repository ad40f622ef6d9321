"""Synthetic enterprises of the business register, with valid MSTs and dependent units.

Enterprise codes are MSTs `01999xxxxC` (DOMAIN.md 11: Hanoi province 01, synthetic stems
01999...), C the weighted mod-11 check digit; stems whose sum is 0 mod 11 have no valid code
and are skipped, as the tax authority does.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache

from adapters.simulators import vocab
from adapters.simulators.world import Branch, Enterprise

MST_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
STEM_PREFIX = "01999"
FIRST_REGISTRATION = date(1995, 1, 1)
# (status, weight): most registered enterprises are operating.
STATUSES = (("active", 85), ("suspended", 6), ("dissolved", 6), ("revoked", 3))
TYPES = (("TNHH1TV", 40), ("TNHH2TV", 25), ("CP", 25), ("DNTN", 10))
CAPITALS = (100, 200, 500, 1_000, 2_000, 3_000, 5_000, 10_000, 20_000, 50_000)  # million VND


def mst_check_digit(stem: str) -> int | None:
    """Check digit of a 9-digit stem, or None when the stem can never be issued."""
    remainder = sum(int(d) * w for d, w in zip(stem, MST_WEIGHTS, strict=True)) % 11
    return None if remainder == 0 else 10 - remainder


@cache
def _issuable_codes() -> tuple[str, ...]:
    codes = []
    for n in range(10 ** (9 - len(STEM_PREFIX))):
        stem = f"{STEM_PREFIX}{n:04d}"
        check = mst_check_digit(stem)
        if check is not None:
            codes.append(f"{stem}{check}")
    return tuple(codes)


def valid_codes(reserved: Iterable[str] = ()) -> list[str]:
    """Every issuable 10-digit code with the synthetic stem prefix, minus `reserved`."""
    taken = set(reserved)
    return [code for code in _issuable_codes() if code not in taken]


def ascii_fold(text: str) -> str:
    """Vietnamese without diacritics, as enterprises spell their English names."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def generate_enterprises(
    rng: random.Random,
    as_of: date,
    count: int,
    people: list[str],
    *,
    reserved_codes: Iterable[str] = (),
) -> list[Enterprise]:
    """`count` enterprises whose legal representatives and branch heads are drawn from `people`."""
    if count <= 0:
        return []
    candidates = valid_codes(reserved_codes)
    if count > len(candidates):
        raise ValueError(f"at most {len(candidates)} synthetic enterprises can be generated")
    codes = sorted(rng.sample(candidates, count))
    names: set[str] = set()
    return [_enterprise(rng, as_of, code, people, names) for code in codes]


def _name(rng: random.Random, kind: str, taken: set[str]) -> tuple[str, str]:
    form_vi, form_en = vocab.ENTERPRISE_FORMS[kind]
    trade_vi, trade_en = rng.choice(vocab.TRADES)
    brand = rng.choice(vocab.BRANDS)
    name_vi, name_en = f"{form_vi} {trade_vi} {brand}", f"{ascii_fold(brand)} {trade_en} {form_en}"
    suffix = 1
    while name_vi in taken:  # names are unique in the register
        suffix += 1
        name_vi = f"{form_vi} {trade_vi} {brand} {suffix}"
    taken.add(name_vi)
    return name_vi, name_en if suffix == 1 else f"{name_en} {suffix}"


def _enterprise(
    rng: random.Random, as_of: date, code: str, people: list[str], names: set[str]
) -> Enterprise:
    kind = rng.choices([t for t, _ in TYPES], [w for _, w in TYPES])[0]
    status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
    first = FIRST_REGISTRATION + timedelta(days=rng.randrange((as_of - FIRST_REGISTRATION).days))
    changes = rng.choice((0, 0, 1, 1, 2, 3, 4, 6))
    changed = (
        first if changes == 0 else first + timedelta(days=rng.randrange((as_of - first).days + 1))
    )
    name_vi, name_en = _name(rng, kind, names)
    ward = rng.choice(vocab.WARDS)
    address = f"Số {rng.randint(1, 300)} {rng.choice(vocab.STREETS)}, {ward.name}, Hà Nội"
    enterprise = Enterprise(
        code,
        name_vi,
        name_en,
        kind,
        address,
        rng.choice(CAPITALS) * 1_000_000,
        rng.choice(people),
        first,
        changes,
        changed,
        status,
    )
    if rng.random() < 0.1:
        enterprise.branches = _branches(rng, as_of, enterprise, people)
    return enterprise


def _branches(
    rng: random.Random, as_of: date, parent: Enterprise, people: list[str]
) -> list[Branch]:
    branches = []
    for n in range(1, rng.randint(1, 3) + 1):
        ward = rng.choice(vocab.WARDS)
        opened = parent.first_registered_on + timedelta(
            days=rng.randrange(max((as_of - parent.first_registered_on).days, 1))
        )
        # A branch cannot outlive its enterprise; some close while the enterprise goes on.
        status = (
            parent.status
            if parent.status != "active"
            else ("active" if rng.random() < 0.9 else "dissolved")
        )
        branches.append(
            Branch(
                f"{parent.code}-{n:03d}",
                f"Chi nhánh {parent.name_vi} tại {ward.name}",
                f"Số {rng.randint(1, 300)} {rng.choice(vocab.STREETS)}, {ward.name}, Hà Nội",
                rng.choice(people),
                opened,
                status,
            )
        )
    return branches
