"""Editions: a release tag of the project is an edition, frozen under ``editions/<tag>/``.

What a build knows of its edition comes from git, read once per build: the tags (each with its
commit and date) and the commit being built. A build between releases is the live version, named
by its date and commit (``2026-12-04+f628329``); a build of a tagged commit is that edition.
Refs never reach a shell: git gets every argument as a list item.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

# A tag is an edition when its name is usable as a folder and an address as it is.
TAG_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
ENV_EDITION = "REFSITE_EDITION"  # set by the editions builder for the build of one edition
ENV_EDITION_URL = "REFSITE_EDITION_URL"  # that edition's permanent address, if the site has one
ENV_NO_GIT = "REFSITE_NO_GIT"  # set: the build reads nothing from git (the review's builds, to compare alike)
EDITIONS_DIR = "editions"


@dataclass(frozen=True)
class Edition:
    """One released edition: its tag, its commit and its date (the tag's, ISO)."""

    tag: str
    commit: str
    date: str


@dataclass(frozen=True)
class BuildInfo:
    """What a build is: an edition (``tag`` set) or the live version, with every edition known."""

    tag: str
    commit: str  # full commit id, "" outside git
    date: str  # the edition's date, or the commit's date on the live site (ISO), "" outside git
    editions: tuple[Edition, ...]  # oldest first
    shallow: bool = False
    permanent_url: str = ""  # the edition's permanent root address, "" when not known
    frozen: bool = False  # built to sit under the live site's editions/<tag>/
    without_git: str = ""  # why git is not read, when it is not ("" otherwise)
    prefix: str = ""  # the project's folder inside its git repository ("" at the top)

    @property
    def version(self) -> str:
        """The one version string of the site, the PDF and the dataset: the tag, else date+commit."""
        if self.tag:
            return self.tag
        if self.commit:
            return f"{self.date}+{self.commit[:7]}" if self.date else self.commit[:7]
        return "unversioned"

    @property
    def latest(self) -> Edition | None:
        """The newest edition, if any."""
        return self.editions[-1] if self.editions else None

    @property
    def is_edition(self) -> bool:
        """Whether this build is a released edition."""
        return bool(self.tag)


def _git(root: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", *args], cwd=root, capture_output=True, check=False)
    except OSError:
        return None
    return proc.stdout.decode("utf-8", errors="replace") if proc.returncode == 0 else None


def list_editions(root: Path) -> tuple[Edition, ...]:
    """Every tag naming a commit, whose name is usable as a folder, oldest first (by the tag's date)."""
    out = _git(
        root,
        "for-each-ref",
        "--sort=creatordate",
        "--format=%(refname:strip=2)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)"
        "%00%(creatordate:short)",
        "refs/tags",
    )
    editions: list[Edition] = []
    for line in (out or "").splitlines():
        parts = line.split("\0")
        if len(parts) != 6:
            continue
        name, kind, obj, peeled_kind, peeled, date = parts
        commit = obj if kind == "commit" else peeled if peeled_kind == "commit" else ""
        if commit and TAG_RE.fullmatch(name):
            editions.append(Edition(name, commit, date))
    return tuple(editions)


def build_info(root: Path) -> BuildInfo:
    """What the project at ``root`` is as a build: git's tags and HEAD, read once.

    The editions builder names the edition it builds in ``REFSITE_EDITION`` (and its permanent
    address in ``REFSITE_EDITION_URL``); otherwise HEAD at a tag is that edition. With
    ``REFSITE_NO_GIT`` set, git is not read at all."""
    if os.environ.get(ENV_NO_GIT):
        return BuildInfo("", "", "", (), without_git="this build reads no git history")
    editions = list_editions(root)
    wanted = os.environ.get(ENV_EDITION, "")
    named = next((e for e in editions if e.tag == wanted), None) if wanted else None
    rev = named.commit if named is not None else "HEAD"  # an edition's snapshot has no HEAD of its own
    head = (_git(root, "log", "-1", "--format=%H%x00%cs", rev) or "").strip().split("\0")
    commit, date = (head[0], head[1]) if len(head) == 2 else ("", "")
    state = (_git(root, "rev-parse", "--is-shallow-repository", "--show-prefix") or "").splitlines()
    shallow = bool(state) and state[0].strip() == "true"
    prefix = state[1].strip() if len(state) > 1 else ""
    at_head = [e for e in editions if e.commit == commit]
    chosen = named if named is not None else (at_head[-1] if at_head else None)
    if chosen is None:
        return BuildInfo("", commit, date, editions, shallow, prefix=prefix)
    upto = editions[: editions.index(chosen) + 1]
    permanent = os.environ.get(ENV_EDITION_URL, "") if named is not None else ""
    return BuildInfo(chosen.tag, commit, chosen.date, upto, shallow, permanent, named is not None, prefix)


def edition_root_url(site_url: str, tag: str) -> str:
    """The permanent root address of edition ``tag`` of the site at ``site_url`` ("" without one)."""
    if not site_url:
        return ""
    return site_url.rstrip("/") + f"/{EDITIONS_DIR}/{tag}/"
