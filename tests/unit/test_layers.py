"""The core must stay free of web and HTTP-client frameworks (HOUSE_STYLE.md, Layers)."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "src" / "shared_data"
FORBIDDEN = {"fastapi", "starlette", "httpx", "tenacity", "uvicorn", "adapters", "lookup_api"}


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_imports_neither_fastapi_nor_httpx_nor_outer_layers() -> None:
    offenders = {
        str(path.relative_to(CORE)): sorted(_imported_roots(path) & FORBIDDEN)
        for path in CORE.rglob("*.py")
    }
    offenders = {name: mods for name, mods in offenders.items() if mods}
    assert offenders == {}


def test_the_layer_check_sees_the_core_modules() -> None:
    # Guard against the check passing vacuously because it walked an empty tree.
    assert len(list(CORE.rglob("*.py"))) >= 8
