"""Every edition, frozen, under ``editions/<tag>/`` of the live site.

An edition is built once, from its tag's files (``git archive``, links leaving the tree skipped)
by this engine, into a cache keyed by the tag and its commit (``.refsite/editions/<tag>@<commit>/``,
or the folder ``REFSITE_EDITIONS_CACHE`` names), and copied from there into each new live site:
a build costs one edition build per new tag, not one per tag. The build of an edition sees the
project's git history (``GIT_DIR``), so it knows its edition, its date and its history; it gets its
permanent address (``REFSITE_EDITION_URL``, and ``REFSITE_SITE_URL`` for the site's own address).

An edition whose files this engine refuses is an error of the build, each of its problems one
line naming the file as it is at the tag; nothing is published half-built.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .config import read_config
from .editions import EDITIONS_DIR, ENV_EDITION, ENV_EDITION_URL, Edition, build_info, edition_root_url
from .review.git import ReviewError, snapshot
from .workspace import CACHE, MARKER

ENV_CACHE = "REFSITE_EDITIONS_CACHE"
ENV_SITE_URL = "REFSITE_SITE_URL"
_PROBLEM = re.compile(r"^(?P<where>[^\s:][^:]*:\d+:\d+): (?P<sev>error|warning): (?P<msg>.*)$")


def cache_folder(root: Path) -> Path:
    """Where built editions are kept between builds."""
    given = os.environ.get(ENV_CACHE)
    return Path(given) if given else root / CACHE / "editions"


def live_site_url(root: Path) -> str:
    """The live site's address: ``REFSITE_SITE_URL``, else ``site_url`` of mkdocs.yml ("" if none)."""
    given = os.environ.get(ENV_SITE_URL)
    if given:
        return given
    value = read_config(root).get("site_url")
    return value if isinstance(value, str) else ""


def _git_path(root: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else ""


def build_editions(root: Path, new_site: Path, *, pdf: bool) -> list[str]:
    """Put every edition under ``new_site/editions/<tag>/``, building the ones not yet cached.

    Returns the error lines (empty on success). A shallow clone builds none, and says so."""
    info = build_info(root)
    if not info.editions:
        return []
    if info.shallow:
        print("editions: not built: this copy of the project is a shallow git clone", file=sys.stderr)
        return []
    git_dir, top = _git_path(root, "rev-parse", "--absolute-git-dir"), _git_path(root, "rev-parse", "--show-toplevel")
    if not git_dir or not top:
        return [f"{EDITIONS_DIR}:1:1: error: the project's git repository cannot be read"]
    cache, url = cache_folder(root), live_site_url(root)
    errors: list[str] = []
    for edition in info.editions:
        built = cache / f"{edition.tag}@{edition.commit}" / "site"
        if not (built / MARKER).is_file():
            found = _build_one(Path(top), Path(git_dir), info.prefix, edition, built, pdf=pdf, site_url=url)
            if found:
                errors += found
                continue
            print(f"edition {edition.tag} built into the cache", file=sys.stderr)
        _copy(built, new_site / EDITIONS_DIR / edition.tag)
    return errors


def _build_one(
    top: Path, git_dir: Path, prefix: str, edition: Edition, out: Path, *, pdf: bool, site_url: str
) -> list[str]:
    """Build one edition from its tag's files into ``out``; its problems as lines, if it fails."""
    with tempfile.TemporaryDirectory(prefix="edition-") as tmp:
        try:
            tree, skipped = snapshot(top, edition.commit, Path(tmp) / "tree")
        except ReviewError as exc:
            return [f"{EDITIONS_DIR}/{edition.tag}:1:1: error: edition {edition.tag} cannot be read: {exc}"]
        for p in skipped:
            print(f"{p.path}:{p.line}:{p.col}: warning: in edition {edition.tag}: {p.message}", file=sys.stderr)
        project = tree / prefix if prefix else tree
        permanent = edition_root_url(site_url, edition.tag)
        env = {**os.environ, ENV_EDITION: edition.tag, "GIT_DIR": str(git_dir), "GIT_WORK_TREE": str(tree)}
        env.pop(ENV_SITE_URL, None)
        if permanent:
            env[ENV_EDITION_URL] = env[ENV_SITE_URL] = permanent
        out.parent.mkdir(parents=True, exist_ok=True)
        # Run from the temporary folder: the engine is this one, never a copy in the tag's files.
        cmd = [sys.executable, "-m", "refsite", "build", "--root", str(project), "--site-dir", str(out)]
        proc = subprocess.run([*cmd, *(["--pdf"] if pdf else [])], cwd=tmp, env=env, capture_output=True, text=True)
    if proc.returncode == 0 and (out / MARKER).is_file():
        return []
    lines = []
    for line in (proc.stdout + proc.stderr).splitlines():
        m = _PROBLEM.match(line.strip().removeprefix("ERROR").strip(" -").removeprefix("WARNING").strip(" -"))
        if m:
            lines.append(f"{m['where']}: {m['sev']}: in edition {edition.tag}: {m['msg']}")
    summary = f"edition {edition.tag} (commit {edition.commit[:7]}) does not build with this engine"
    if not lines:
        last = next((ln.strip() for ln in reversed(proc.stderr.splitlines()) if ln.strip()), "no output")
        summary += f": {last}"
    return [*dict.fromkeys(lines), f"{EDITIONS_DIR}/{edition.tag}:1:1: error: {summary}"]


def _copy(src: Path, dest: Path) -> None:
    """A built edition into the new site: hard links where the file system allows, else copies."""

    def link(a: str, b: str) -> None:
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)

    shutil.copytree(src, dest, copy_function=link, ignore=shutil.ignore_patterns(MARKER))
