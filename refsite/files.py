"""Read project input files safely: never outside the project, never a device, never unbounded.

Every reader of project input (records in data/, bib/*.bib, narrative pages, mkdocs.yml) goes
through :func:`read_input`. A path is refused, with one located problem and without being
opened, when it is a symlink whose target leaves the project, a dangling symlink, a device,
FIFO or socket, a directory where a file belongs, or a file over its size limit. The checks
are made on the path first (``lstat``/``realpath``) and again on the open descriptor
(``fstat``), so a file swapped in between is caught too.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from .problems import Problem

MiB = 1024 * 1024
#: Largest record file in data/ that is read.
RECORD_LIMIT = 2 * MiB
#: Largest BibTeX file in bib/ that is read.
BIB_LIMIT = 8 * MiB
#: Largest narrative page in docs/ that is read.
PAGE_LIMIT = 4 * MiB
#: Largest mkdocs.yml that is read.
CONFIG_LIMIT = 1 * MiB
#: Largest citation style (CSL) of the project that is used (the bundled ones are under 100 KiB).
STYLE_LIMIT = 1 * MiB
#: Largest map geography (data/geo/kurils.json) that is read.
GEO_LIMIT = 4 * MiB

_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def _size(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit % MiB == 0 else f"{limit} bytes"


def _kind(mode: int) -> str | None:
    """What a non-regular file is, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def rel_path(root: Path, path: Path) -> str:
    """``path`` relative to ``root`` as the problems name it (the lexical path, links not followed)."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def check_path(root: Path, path: Path, *, folder: bool = False) -> str | None:
    """Why ``path`` may not be read as a project input file (or ``folder``), or None if it may.

    Looks at the path only (``lstat`` and ``realpath``); never opens it.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return "file not found"
    except OSError as exc:
        return f"cannot read file: {exc.strerror}"
    real_root = os.path.realpath(root)
    if stat.S_ISLNK(st.st_mode):
        target = os.path.realpath(path)
        if not (target == real_root or target.startswith(real_root.rstrip(os.sep) + os.sep)):
            return "symlink leads outside the project; it is not read"
        try:
            st = os.stat(path)
        except OSError:
            return "dangling symlink (its target does not exist)"
    else:
        parent = os.path.realpath(path.parent)
        if not (parent == real_root or parent.startswith(real_root.rstrip(os.sep) + os.sep)):
            return "folder leads outside the project through a symlink; it is not read"
    if folder:
        return None if stat.S_ISDIR(st.st_mode) else "is not a folder; it is not read"
    if (kind := _kind(st.st_mode)) is not None:
        return f"is {kind}, not a file; it is not read"
    return None


def folder_problem(root: Path, folder: Path) -> Problem | None:
    """A problem if ``folder`` exists but may not be read (a symlink leaving the project, not a folder)."""
    if not os.path.lexists(folder):
        return None
    why = check_path(root, folder, folder=True)
    return Problem(rel_path(root, folder), 1, 1, why) if why else None


class _Reads:
    """Files read before in this process, kept by a long-running preview (off by default)."""

    on: ClassVar[bool] = False
    seen: ClassVar[dict[str, tuple[tuple[int, ...], bytes]]] = {}


def remember_reads(on: bool = True) -> None:
    """Keep what was read: a file read again whose inode, size and times are unchanged (and were
    not changed in the last second) is not read again. The preview turns this on; a build never."""
    _Reads.on = on
    _Reads.seen.clear()


def read_input(root: Path, path: Path, limit: int) -> tuple[bytes | None, list[Problem]]:
    """The bytes of one project input file, or None and one located problem (never a partial read)."""
    if not _Reads.on:
        return _read_input(root, path, limit)
    try:
        st = os.lstat(path)
    except OSError:
        return _read_input(root, path, limit)
    if not stat.S_ISREG(st.st_mode) or time.time() - max(st.st_mtime, st.st_ctime) < 1:
        return _read_input(root, path, limit)  # a link, or a file that may change again within the same tick
    sig = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, limit)
    key = f"{root}\x00{path}"
    hit = _Reads.seen.get(key)
    if hit is not None and hit[0] == sig:
        return hit[1], []
    data, problems = _read_input(root, path, limit)
    if data is not None:
        _Reads.seen[key] = (sig, data)
    return data, problems


def _read_input(root: Path, path: Path, limit: int) -> tuple[bytes | None, list[Problem]]:
    rel = rel_path(root, path)

    def refuse(message: str) -> tuple[None, list[Problem]]:
        return None, [Problem(rel, 1, 1, message)]

    if (why := check_path(root, path)) is not None:
        return refuse(why)
    target = Path(os.path.realpath(path))
    try:
        before = os.stat(target)
    except OSError as exc:
        return refuse(f"cannot read file: {exc.strerror}")
    size = before.st_size
    if size > limit:
        return refuse(f"file is too large ({size:,} bytes; the limit is {_size(limit)}); it is not read")
    try:
        fd = os.open(target, _FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return refuse("symlink changed while being read; it is not read")
        return refuse(f"cannot read file: {exc.strerror}")
    try:
        st = os.fstat(fd)
        if (kind := _kind(st.st_mode)) is not None:
            return refuse(f"is {kind}, not a file; it is not read")
        if (st.st_dev, st.st_ino) != (before.st_dev, before.st_ino) or not _fd_inside(root, fd):
            return refuse("file changed while being read; it is not read")
        if st.st_size > limit:
            return refuse(f"file is too large ({st.st_size:,} bytes; the limit is {_size(limit)}); it is not read")
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, min(1 * MiB, limit + 1 - total) or 1):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                return refuse(f"file is too large (over {_size(limit)}); it is not read")
        return b"".join(chunks), []
    except OSError as exc:
        return refuse(f"cannot read file: {exc.strerror}")
    finally:
        os.close(fd)


def _fd_inside(root: Path, fd: int) -> bool:
    """True if the open file ``fd`` lies inside the project (where the system can tell)."""
    try:
        opened = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return True  # no /proc: the lstat/realpath checks and O_NOFOLLOW stand alone
    real_root = os.path.realpath(root)
    return opened.startswith(real_root.rstrip(os.sep) + os.sep)


def read_text_input(root: Path, path: Path, limit: int) -> tuple[str | None, list[Problem]]:
    """Like :func:`read_input`, decoded as UTF-8 (a byte-order mark is dropped)."""
    raw, problems = read_input(root, path, limit)
    if raw is None:
        return None, problems
    return decode_utf8(rel_path(root, path), raw)


def decode_utf8(rel: str, raw: bytes) -> tuple[str | None, list[Problem]]:
    """``raw`` as text, or None and a problem located at the first bad byte."""
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, [Problem(rel, line, col, f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})")]


def walk_files(root: Path, folder: Path, suffix: str) -> Iterator[Path]:
    """Files ending in ``suffix`` below ``folder``, in sorted order, without entering symlinked or hidden folders.

    A symlink that may not be read (it leaves the project, dangles, or names a device) is listed
    whatever its name, so ``read_input`` reports it; a folder reached through a symlink is never
    entered, so nothing outside the project is listed. The walk keeps its own stack, so no
    depth of folders can exhaust Python's.
    """
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            if entry.is_symlink() and check_path(root, path) is not None:
                yield path  # refused by read_input with its reason; never entered
            elif entry.is_dir(follow_symlinks=False):
                if suffix and entry.name.endswith(suffix):
                    yield path  # a folder where a file belongs: refused by read_input
                else:
                    subfolders.append(path)
            elif entry.name.endswith(suffix) and not entry.is_dir():
                yield path
        stack.extend(reversed(subfolders))
