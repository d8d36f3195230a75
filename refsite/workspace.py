"""The one place for temporary build files, and the atomic replacement of the site folder.

Every build (and every preview server) works in its own folder ``.refsite/<kind>-<pid>-<random>/``
beside the site folder, holds a lock on it while it runs, and points TMPDIR into it, so pandoc's
and any library's temporary files land there too. A build killed at any moment leaves only that
folder behind, unlocked; the next build removes every unlocked one. A running build's folder is
locked and never touched.

The finished site replaces the old one in a single step: ``renameat2(RENAME_EXCHANGE)`` swaps the
two folders atomically where the system has it (Linux), so the site folder always holds either the
old complete site or the new one. Elsewhere two renames are used, and if a build dies between them
the next build puts the complete site back first.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

CACHE = ".refsite"
MARKER = ".refsite-site"
_WORK = re.compile(r"(?:build|serve)-\d+-[A-Za-z0-9_]+")
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class Workspace:
    """A locked folder of one running build or server; ``close()`` removes it."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd = fd

    @contextlib.contextmanager
    def temp_files(self) -> Iterator[Path]:
        """Point TMPDIR (for this process and its subprocesses) into the workspace meanwhile."""
        tmp = self.path / "tmp"
        tmp.mkdir(exist_ok=True)
        saved_env, saved_dir = os.environ.get("TMPDIR"), tempfile.tempdir
        os.environ["TMPDIR"] = str(tmp)
        tempfile.tempdir = str(tmp)
        try:
            yield tmp
        finally:
            tempfile.tempdir = saved_dir
            if saved_env is None:
                os.environ.pop("TMPDIR", None)
            else:
                os.environ["TMPDIR"] = saved_env

    def close(self) -> None:
        """Remove the folder and release its lock."""
        shutil.rmtree(self.path, ignore_errors=True)
        os.close(self._fd)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _lock(path: Path, *, wait: bool) -> int | None:
    """An open descriptor of ``path`` holding an exclusive lock, or None if another process holds it."""
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_workspace(parent: Path, kind: str, site: Path | None = None) -> Workspace:
    """A new locked workspace in ``parent/.refsite/``, after removing what dead builds left there.

    ``site`` is the folder a build will replace: if a build died between the two renames of the
    fallback swap, the complete site it left is put back there first.
    """
    cache = parent / CACHE
    if cache.is_symlink() or (cache.exists() and not cache.is_dir()):  # never work or delete elsewhere
        raise OSError(errno.ENOTDIR, f"{CACHE} must be a folder, not a symlink or a file", str(cache))
    cache.mkdir(parents=True, exist_ok=True)
    cache_fd = _lock(cache, wait=True)
    assert cache_fd is not None
    try:
        clean_stale(cache, site)
        path = Path(tempfile.mkdtemp(prefix=f"{kind}-{os.getpid()}-", dir=cache))
        fd = _lock(path, wait=False)
        assert fd is not None  # made under the cache lock: nobody else can hold it
    finally:
        os.close(cache_fd)
    return Workspace(path, fd)


def clean_stale(cache: Path, site: Path | None = None) -> list[str]:
    """Remove the workspaces in ``cache`` whose process is gone (unlocked); return their names.

    Call with the cache folder locked, so that no workspace is half made.
    """
    removed = []
    for entry in sorted(cache.iterdir()):
        if not _WORK.fullmatch(entry.name) or entry.is_symlink() or not entry.is_dir():
            continue
        fd = _lock(entry, wait=False)
        if fd is None:
            continue  # a running build or server
        try:
            if site is not None and not os.path.lexists(site):
                for complete in (entry / "site", entry / "old"):
                    if (complete / MARKER).is_file():
                        os.rename(complete, site)
                        break
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
        finally:
            os.close(fd)
    return removed


def clean_legacy(site: Path) -> None:
    """Remove the ``.site-build-*`` and ``.site-old-*`` folders that earlier versions left beside the site."""
    for pattern in (f".{site.name}-build-*", f".{site.name}-old-*"):
        for entry in site.parent.glob(pattern):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def fault_message(exc: OSError, where: dict[Path, str]) -> str:
    """``no space left on device while writing site/actors/x/index.html``: what failed, and on which file.

    ``where`` maps folders to the names shown for them (the new site folder is shown as the site).
    """
    what = exc.strerror or str(exc) or type(exc).__name__
    what = what[:1].lower() + what[1:]
    names = [Path(os.fsdecode(n)) for n in (exc.filename2, exc.filename) if n]  # a copy's target comes second
    for path in names:
        for folder, name in where.items():
            if path.is_relative_to(folder):
                rel = path.relative_to(folder).as_posix()
                return _printable(f"{what} while writing {name}" + (f"/{rel}" if rel != "." else ""))
    return _printable(f"{what}: {names[-1]}" if names else what)


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one atomic step; False where the system or file system can't."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def replace_site(new: Path, site: Path, spare: Path) -> None:
    """Put the complete site ``new`` at ``site``; the old one is removed.

    ``spare`` is a free path in the same workspace, used by the two-rename fallback.
    """
    if not os.path.lexists(site):
        os.rename(new, site)
        return
    if exchange(new, site):
        shutil.rmtree(new, ignore_errors=True)  # it now holds the old site
        return
    os.rename(site, spare)
    try:
        os.rename(new, site)
    except BaseException:  # interrupted or refused: the old site goes back before the workspace is removed
        os.rename(spare, site)
        raise
    shutil.rmtree(spare, ignore_errors=True)
