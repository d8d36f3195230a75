"""The map's geography, as the build reads it: the one committed file in ``data/geo/`` (this
reference's is ``data/geo/kurils.json``, extracted from Natural Earth's land by
``python -m refsite geodata``: see :mod:`refsite.tools.geodata`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

GEO_FILE = Path("data/geo/kurils.json")  # where `refsite geodata` writes this reference's map
GEO_DIR = GEO_FILE.parent


def geo_files(root: Path) -> list[Path]:
    """The map geographies of a project: the ``.json`` files in ``data/geo/``, in name order (a
    project has one, of any name: the map's extent and shapes are its own)."""
    folder = root / GEO_DIR
    if not folder.is_dir() or folder.is_symlink():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == ".json" and not p.name.startswith("."))


def geo_file(root: Path) -> Path:
    """The project's map geography (the first of :func:`geo_files`, else where the tool writes one)."""
    found = geo_files(root)
    return found[0] if found else root / GEO_FILE


def load(root: Path) -> dict[str, Any] | None:
    """The committed geography of a project, or None if it has none (or it is unreadable)."""
    try:
        return parse(geo_file(root).read_bytes())
    except OSError:
        return None


def parse(raw: bytes) -> dict[str, Any] | None:
    """The geography in the bytes of a geography file, or None if they are not one (nesting too deep
    for the JSON reader included)."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("features"), dict) else None
