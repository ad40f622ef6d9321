"""Where an imported catalog lives: `procedures.json` in the catalog override directory.

`load_catalog(extra_dir)` reads it as the `procedures` section: its procedures replace bundled
ones of the same code and add the others (a hand-written `procedures.yaml` next to it is read
after it and wins). It is written atomically: a temporary file in the same directory, flushed to
disk, then renamed over the old one, so a reader sees the old catalog or the new one, never half.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from shared_data.catalog.loader import load_catalog
from shared_data.catalog.models import Catalog, Procedure
from shared_data.errors import CatalogError

PROCEDURES_FILE = "procedures.json"
_CATALOG_SUFFIXES = (".yaml", ".yml", ".json")


def procedure_line(procedure: Procedure) -> str:
    """One procedure as compact JSON (defaults left out), on one line."""
    data = procedure.model_dump(mode="json", exclude_defaults=True)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def dump_procedures(procedures: Iterable[Procedure]) -> Iterator[str]:
    """`{"procedures": [...]}` in chunks, one procedure per line (diffs stay readable)."""
    yield '{"procedures":[\n'
    for index, procedure in enumerate(procedures):
        yield ("" if index == 0 else ",\n") + procedure_line(procedure)
    yield "\n]}\n"


def write_procedures(procedures: Iterable[Procedure], directory: Path) -> Path:
    """Write `directory/procedures.json` atomically; on any failure the old file is untouched."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / PROCEDURES_FILE
    # The suffix keeps the loader from ever reading a half-written temporary file.
    fd, temp_name = tempfile.mkstemp(prefix=".procedures-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for chunk in dump_procedures(procedures):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        # mkstemp makes the file private (0600); the catalog is not a secret.
        os.chmod(temp_name, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _fsync_directory(directory)
    return target


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse
        pass
    finally:
        os.close(fd)


def base_catalog(directory: Path | None) -> Catalog:
    """The catalog an import into `directory` is checked against: all but its procedures.json.

    Other override files of the directory (extra document types, a hand-written
    procedures.yaml) count; the file the import is about to replace does not.
    """
    if directory is None or not directory.is_dir():
        return load_catalog()
    with tempfile.TemporaryDirectory(prefix="shared-data-catalog-") as staging:
        for path in directory.iterdir():
            if path.suffix in _CATALOG_SUFFIXES and path.name != PROCEDURES_FILE and path.is_file():
                shutil.copyfile(path, Path(staging) / path.name)
        try:
            return load_catalog(Path(staging))
        except CatalogError as exc:  # name the user's files, not the staging copies
            raise CatalogError(str(exc).replace(staging, str(directory))) from exc
