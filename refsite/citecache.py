"""Formatted citations kept on disk between builds: one JSON file per key in ``.refsite/citations/``.

What pandoc formatted (the notes, the bibliography, the CSL-JSON of the works) is stored under a
hash of everything that settles it, so a clean build with the same citations runs no pandoc. The
files are an optimisation, never an input: one that is missing, a symbolic link, not a regular
file, too large, not JSON or made for another key is passed over (and replaced by the next write),
and a cache folder that is part of the project's committed files is not used at all.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import stat
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from .editions import ENV_NO_GIT
from .files import MiB
from .workspace import CACHE

#: The folder, inside the project's cache folder, of the formatted citations.
FOLDER = "citations"
#: Largest cache file read (the reference's notes take well under 1 MiB).
FILE_LIMIT = 64 * MiB
#: How many cache files are kept (the most recently written ones).
KEEP = 24
_WRITING = ".write-"
_NAME = re.compile(r"[0-9a-f]{40}")
_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def read_cache_file(path: Path, limit: int) -> bytes | None:
    """The bytes of the cache file ``path``: None unless it is a regular file (not a link) of at
    most ``limit`` bytes that can be read."""
    try:
        fd = os.open(path, _FLAGS)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            raw = fh.read(limit + 1)
        return raw if len(raw) <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


class DiskCache:
    """JSON documents by name (a hex digest) in one folder; every failure reads as "not cached"."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self, name: str) -> dict[str, Any] | None:
        """The document stored under ``name``, if there is a sound one made for that name."""
        if not _NAME.fullmatch(name):
            return None
        raw = read_cache_file(self.folder / f"{name}.json", FILE_LIMIT)
        if raw is None:
            return None
        try:
            value = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):
            return None
        if not isinstance(value, dict) or value.get("key") != name:
            return None
        return value

    def save(self, name: str, value: dict[str, Any]) -> None:
        """Store ``value`` under ``name`` in one step (a reader sees the old file or the new one),
        then drop the oldest files past :data:`KEEP`. A folder that cannot be written is left be."""
        if not _NAME.fullmatch(name) or not _usable(self.folder):
            return
        data = json.dumps({**value, "key": name}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if len(data) > FILE_LIMIT:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=_WRITING, suffix=".tmp", dir=self.folder)
            try:
                # locked while written: a build killed meanwhile leaves it unlocked, for sweep() to remove
                fcntl.flock(fd, fcntl.LOCK_EX)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.replace(tmp, self.folder / f"{name}.json")
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            self._prune()
        except OSError:
            return

    def sweep(self) -> None:
        """Remove what writers that died left: their unlocked temporary files."""
        try:
            entries = [e.name for e in os.scandir(self.folder) if e.name.startswith(_WRITING)]
        except OSError:
            return
        for name in entries:
            try:
                fd = os.open(self.folder / name, _FLAGS)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.unlink(self.folder / name)
            except OSError:
                pass  # a writer still holds it, or it is gone already
            finally:
                os.close(fd)

    def _prune(self) -> None:
        files = []
        for entry in os.scandir(self.folder):
            if entry.name.endswith(".json") and entry.is_file(follow_symlinks=False):
                files.append((entry.stat(follow_symlinks=False).st_mtime_ns, entry.name))
        for _, stale in sorted(files)[:-KEEP]:
            with contextlib.suppress(OSError):
                os.unlink(self.folder / stale)


def _usable(folder: Path) -> bool:
    """The folder and the cache folder it is in are real folders (or not made yet), not links."""
    return not any(path.is_symlink() or (path.exists() and not path.is_dir()) for path in (folder.parent, folder))


def project_cache(root: Path) -> DiskCache | None:
    """The citation cache of the project at ``root``; None where it must not be trusted: the
    builds of the review (git not read: a snapshot of a change, whose files could hold a forged
    cache) and a project whose git repository tracks files in its cache folder."""
    if os.environ.get(ENV_NO_GIT):
        return None
    folder = root / CACHE / FOLDER
    if not _usable(folder):
        return None
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--", CACHE],
            cwd=root,
            capture_output=True,
            check=False,
            timeout=30,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.SubprocessError):
        proc = None  # no git at all: a plain folder of files
    if proc is not None and proc.returncode == 0 and proc.stdout.strip(b"\0"):
        return None
    store = DiskCache(folder)
    store.sweep()
    return store


__all__ = ["FILE_LIMIT", "FOLDER", "KEEP", "DiskCache", "project_cache"]
