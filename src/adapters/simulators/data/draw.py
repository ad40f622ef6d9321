"""Stable draws: the same key gives the same number in every process (no `hash()` salt)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import TypeVar

T = TypeVar("T")
_SCALE = float(1 << 64)


class Draw:
    """Deterministic pseudo-random values for one subject, e.g. `Draw("gplx", pin)`.

    Every value is keyed by the subject and a purpose word (`unit("has_licence")`), so adding
    a new draw never shifts the others.
    """

    __slots__ = ("_key",)

    def __init__(self, *key: object) -> None:
        self._key = ("|".join(str(part) for part in key) + "|").encode()

    def unit(self, purpose: str) -> float:
        """A number in [0, 1)."""
        digest = hashlib.blake2b(self._key + purpose.encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / _SCALE

    def text(self, purpose: str, alphabet: str, length: int) -> str:
        """`length` characters of `alphabet` (at most 64), from one digest."""
        digest = hashlib.blake2b(self._key + purpose.encode(), digest_size=length).digest()
        return "".join(alphabet[byte % len(alphabet)] for byte in digest)

    def chance(self, purpose: str, probability: float) -> bool:
        return self.unit(purpose) < probability

    def below(self, purpose: str, bound: int) -> int:
        """An integer in [0, bound)."""
        return int(self.unit(purpose) * bound)

    def pick(self, purpose: str, options: Sequence[T]) -> T:
        return options[self.below(purpose, len(options))]

    def day(self, purpose: str, first: date, last: date) -> date:
        """A day in [first, last] (first when the range is empty)."""
        span = last.toordinal() - first.toordinal()
        if span <= 0:
            return first
        return date.fromordinal(first.toordinal() + self.below(purpose, span + 1))
