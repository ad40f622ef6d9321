"""Paths into JSON answers, as the declarative configuration writes them.

Grammar: dot-separated keys, each optionally followed by list indices: `ketQua[0].soHieu`,
`duLieu.chuHo.soDinhDanh`, `items[0]`. The empty path is the document itself. Nothing else
(no wildcards, filters or recursive descent): a registry answer that needs more than this is
one for a code adapter.
"""

from __future__ import annotations

import re
from typing import Any

_KEY = r"[A-Za-z_][A-Za-z0-9_\-]*"
_PATH_RE = re.compile(rf"^{_KEY}(\[[0-9]+\])*(\.{_KEY}(\[[0-9]+\])*)*$")
_TOKEN_RE = re.compile(rf"({_KEY})|\[([0-9]+)\]")
Token = str | int


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def parse(path: str) -> tuple[Token, ...]:
    """`a.b[0]` -> ("a", "b", 0); ValueError if `path` is not in the grammar."""
    if path == "":
        return ()
    if not _PATH_RE.match(path):
        raise ValueError(f"not a path: {path!r} (keys joined by '.', indices as [n])")
    return tuple(key if key else int(index) for key, index in _TOKEN_RE.findall(path))


def get(document: Any, tokens: tuple[Token, ...]) -> Any:
    """The value at `tokens`, or MISSING when a key or index is absent or of the wrong kind."""
    node = document
    for token in tokens:
        if isinstance(token, int):
            if not isinstance(node, list) or token >= len(node):
                return MISSING
        elif not isinstance(node, dict) or token not in node:
            return MISSING
        node = node[token]
    return node


def put(document: Any, tokens: tuple[Token, ...], value: Any) -> Any:
    """`document` with `value` at `tokens`, creating objects and lists on the way."""
    if not tokens:
        return value
    head, rest = tokens[0], tokens[1:]
    if isinstance(head, int):
        items: list[Any] = document if isinstance(document, list) else []
        items.extend([None] * (head + 1 - len(items)))
        items[head] = put(items[head], rest, value)
        return items
    keys: dict[str, Any] = document if isinstance(document, dict) else {}
    keys[head] = put(keys.get(head), rest, value)
    return keys
