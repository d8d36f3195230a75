"""Theme templates compiled once, kept between builds: Jinja's bytecode in the user's cache folder.

Compiling Material's templates is about a third of a small site's build, and every build (every
process, every build of the preview) compiled them again. The compiled code of a template installed
with a theme is kept in ``$XDG_CACHE_HOME/refsite/templates/`` (``~/.cache/refsite/templates/``), in
a folder per Jinja environment (its extensions and syntax settings), under the template's name and
file, and is used while the template's source is the same (Jinja checks its checksum).

Only templates of an installed theme are kept: a project's own templates (its ``custom_dir``) are
compiled each time, so a project never puts a file into the cache. The cache folder is made by this
user, writable by no one else, and not used at all if it is anything else (a link, another
user's, open to others' writes): Jinja reads its files as code. Any failure reads as "not cached"; the cache is an
optimisation, never an input.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2.bccache import Bucket, BytecodeCache

from .citecache import read_cache_file

#: Largest compiled template read (Material's largest is well under 100 KiB).
FILE_LIMIT = 4 * 1024 * 1024


def cache_home() -> Path | None:
    """The user's cache folder for refsite (``$XDG_CACHE_HOME/refsite``, else ``~/.cache/refsite``)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not base or not os.path.isabs(base):
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):
            return None
    return Path(base) / "refsite"


def _private_folder(path: Path) -> bool:
    """Make ``path`` (and its parents) if missing; whether it is a folder of this user's alone."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(path)
    except OSError:
        return False
    getuid = getattr(os, "getuid", None)
    mine = getuid is None or info.st_uid == getuid()
    return stat.S_ISDIR(info.st_mode) and mine and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def environment_digest(env: jinja2.Environment) -> str:
    """What, besides a template's source, settles its compiled code in ``env``."""
    shape = [
        jinja2.__version__,
        sorted(env.extensions),
        [env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string],
        [env.comment_start_string, env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix],
        [env.trim_blocks, env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline, env.optimized],
        [repr(env.autoescape), env.undefined.__name__, env.finalize is not None, env.is_async],
        bool(getattr(env, "newstyle_gettext", False)),
    ]
    return hashlib.sha1(repr(shape).encode("utf-8")).hexdigest()[:16]


class ThemeTemplateCache(BytecodeCache):
    """Compiled templates of the folders ``roots`` (an installed theme's), one file each in ``folder``."""

    def __init__(self, folder: Path, roots: Sequence[Path]) -> None:
        self.folder = folder
        self.roots = [str(r) for r in roots]
        self._theirs: set[str] = set()  # the keys of the theme's templates seen: only they are written

    def _kept(self, filename: str | None) -> bool:
        if not filename:
            return False
        path = os.path.realpath(filename)
        return any(path.startswith(root.rstrip(os.sep) + os.sep) for root in self.roots)

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None, source: str) -> Bucket:
        """The template's bucket, filled from the cache when its template is one of the theme's."""
        bucket = Bucket(environment, self.get_cache_key(name, filename), self.get_source_checksum(source))
        if self._kept(filename):
            self._theirs.add(bucket.key)
            self.load_bytecode(bucket)
        return bucket

    def set_bucket(self, bucket: Bucket) -> None:
        """Keep a theme template's compiled code."""
        if bucket.key in self._theirs:
            self.dump_bytecode(bucket)

    def load_bytecode(self, bucket: Bucket) -> None:
        """Fill ``bucket`` from its file, if there is a sound one (Jinja checks the source's checksum)."""
        raw = read_cache_file(self.folder / f"{bucket.key}.cache", FILE_LIMIT)
        if raw is None:
            return
        try:
            bucket.load_bytecode(io.BytesIO(raw))
        except Exception:  # a damaged file: compile the template instead
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Write the compiled code whole or not at all (builds run side by side)."""
        with contextlib.suppress(OSError):
            fd, tmp = tempfile.mkstemp(prefix=".write-", dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as fh:
                    bucket.write_bytecode(fh)
                os.replace(tmp, self.folder / f"{bucket.key}.cache")
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise


def theme_cache(env: jinja2.Environment, roots: Sequence[Path], home: Path | None = None) -> ThemeTemplateCache | None:
    """A cache of the compiled templates of ``roots`` for ``env``; None when there is no private
    cache folder to keep it in."""
    home = cache_home() if home is None else home
    if home is None or not roots:
        return None
    folder = home / "templates" / environment_digest(env)
    if not all(_private_folder(p) for p in (home, home / "templates", folder)):
        return None
    return ThemeTemplateCache(folder, [Path(os.path.realpath(r)) for r in roots])


def use_theme_cache(env: Any, roots: Sequence[Path]) -> None:
    """Give the Jinja environment ``env`` the cache of its theme's compiled templates, where one can be kept."""
    if isinstance(env, jinja2.Environment) and env.bytecode_cache is None:
        env.bytecode_cache = theme_cache(env, roots)
