"""Data minimisation: a found document carries only the fields its grant allows.

Allowed fields are paths: `full_name` keeps that field whole; `members.full_name` keeps, inside
`members`, only `full_name` (of the dict, or of each dict in a list). What a path cannot reach
is withheld, never released whole: a list item that is not a dict, under a path that goes
deeper, is dropped. The document's digest is computed afterwards, over what is released.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

# A node of the path tree: None keeps the value whole; a dict keeps only those sub-keys.
PathTree = dict[str, "PathTree | None"]
# What `_project` returns for a value nothing of which may be released.
_WITHHELD = object()


def path_tree(paths: Iterable[str]) -> PathTree:
    """Turn dotted paths into a tree; a shorter path wins over a longer one under it."""
    if isinstance(paths, tuple):  # a grant's allowed_fields: built once, then reused
        return _path_tree_of(paths)
    return _build_tree(paths)


@lru_cache(maxsize=4096)
def _path_tree_of(paths: tuple[str, ...]) -> PathTree:
    return _build_tree(paths)


def _build_tree(paths: Iterable[str]) -> PathTree:
    tree: PathTree = {}
    for path in paths:
        node = tree
        parts = path.split(".")
        for depth, part in enumerate(parts):
            if depth == len(parts) - 1:
                node[part] = None
                break
            child = node.setdefault(part, {})
            if child is None:
                break  # an ancestor is already allowed whole
            node = child
    return tree


def minimise(fields: Mapping[str, Any], allowed_paths: Iterable[str]) -> dict[str, Any]:
    """Return `fields` reduced to `allowed_paths` (nested dicts and lists of dicts included)."""
    return _project_mapping(fields, path_tree(allowed_paths))


def _project_mapping(value: Mapping[str, Any], tree: PathTree) -> dict[str, Any]:
    projected: dict[str, Any] = {}
    for key, subtree in tree.items():
        if key not in value:
            continue
        if subtree is None:
            projected[key] = value[key]
            continue
        inner = _project(value[key], subtree)
        if inner is not _WITHHELD:
            projected[key] = inner
    return projected


def _project(value: Any, tree: PathTree) -> Any:
    if isinstance(value, Mapping):
        return _project_mapping(value, tree)
    if isinstance(value, list | tuple):
        return [_project_mapping(item, tree) for item in value if isinstance(item, Mapping)]
    # A scalar where the path expects structure: nothing under it may be released.
    return _WITHHELD
