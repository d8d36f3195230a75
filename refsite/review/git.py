"""Git, read safely: refs are arguments (never shell text), trees are extracted without following links."""

from __future__ import annotations

import io
import posixpath
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from ..problems import Problem


class ReviewError(Exception):
    """A git ref or repository that cannot be read (exit status 2)."""


def _run(root: Path, args: list[str]) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise ReviewError("git is not installed") from exc
    except NotADirectoryError as exc:
        raise ReviewError(f"{root} is not a folder") from exc


def _git(root: Path, *args: str) -> bytes:
    proc = _run(root, list(args))
    if proc.returncode != 0:
        message = " ".join(proc.stderr.decode(errors="replace").split())
        raise ReviewError(f"git {args[0]} failed: {message}")
    return proc.stdout


def check_ref(ref: str) -> None:
    """Refuse a ref git could read as an option, or one holding control characters."""
    if not ref:
        raise ReviewError("empty git ref")
    if ref.startswith("-"):
        raise ReviewError(f"refusing git ref {ref!r}: a ref may not start with '-'")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in ref):
        raise ReviewError(f"refusing git ref {ref!r}: control characters")


def resolve(root: Path, ref: str) -> str:
    """The commit id ``ref`` names."""
    check_ref(ref)
    proc = _run(root, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"])
    sha = proc.stdout.decode().strip()
    if proc.returncode != 0 or not sha:
        raise ReviewError(f"cannot read git ref {ref!r}: no such commit")
    return sha


def merge_base(root: Path, base: str, head: str) -> str:
    """The commit where ``head``'s branch left ``base`` (both are commit ids)."""
    try:
        return _git(root, "merge-base", "--end-of-options", base, head).decode().strip()
    except ReviewError as exc:
        raise ReviewError(f"no common ancestor of {base[:12]} and {head[:12]}") from exc


def renames(root: Path, old: str, new: str | None) -> list[tuple[str, str]]:
    """Files git sees as renamed between commit ``old`` and commit ``new`` (or the working tree)."""
    args = ["diff", "--find-renames", "--name-status", "-z", "--end-of-options", old]
    if new:
        args.append(new)
    out = _git(root, *args, "--", "data/").decode("utf-8", errors="replace").split("\0")
    pairs, i = [], 0
    while i < len(out) - 1:
        status = out[i]
        if status.startswith(("R", "C")):
            if status.startswith("R"):
                pairs.append((out[i + 1], out[i + 2]))
            i += 3
        else:
            i += 2
    return pairs


def changed_files(root: Path, old: str, new: str | None) -> list[str]:
    """Paths changed between commit ``old`` and commit ``new`` (or the working tree, untracked files too)."""
    args = ["diff", "--name-only", "--no-renames", "-z", "--end-of-options", old]
    if new:
        args.append(new)
    names = _git(root, *args, "--").split(b"\0")
    if not new:
        names += _git(root, "ls-files", "--others", "--exclude-standard", "-z").split(b"\0")
    return sorted({n.decode("utf-8", errors="replace") for n in names if n})


def _escapes(member: tarfile.TarInfo) -> bool:
    """Whether a link member points outside the tree (absolute, or up through '..')."""
    target = member.linkname
    if posixpath.isabs(target):
        return True
    base = posixpath.dirname(member.name) if member.issym() else ""
    joined = posixpath.normpath(posixpath.join(base, target))
    return joined == ".." or joined.startswith("../")


def snapshot(root: Path, commit: str, dest: Path) -> tuple[Path, list[Problem]]:
    """Extract the tree of ``commit`` into ``dest``; links leaving the tree are skipped and reported."""
    return _extract(_git(root, "archive", "--format=tar", "--end-of-options", commit), dest)


def _extract(data: bytes, dest: Path) -> tuple[Path, list[Problem]]:
    dest.mkdir(parents=True, exist_ok=True)
    skipped: list[Problem] = []
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar:
            if (member.issym() or member.islnk()) and _escapes(member):
                skipped.append(Problem(member.name, 1, 1, "symbolic link leaving the project, not followed", "error"))
                continue
            if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
                skipped.append(Problem(member.name, 1, 1, "not a regular file, not read", "error"))
                continue
            try:
                tar.extract(member, dest, filter="data")
            except (tarfile.TarError, OSError) as exc:
                skipped.append(Problem(member.name, 1, 1, f"not extracted: {' '.join(str(exc).split())}", "error"))
    return dest, skipped


def overlay(root: Path, commit: str, dest: Path, paths: tuple[str, ...]) -> list[Problem]:
    """Replace ``paths`` in the tree at ``dest`` by their state in ``commit`` (removed where it has none).

    Used to build a change's content with trusted code: whatever the change did to these paths
    (code that runs at build time), the build runs the base's.
    """
    for rel in paths:
        target = dest / rel.rstrip("/")
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.is_dir():
            shutil.rmtree(target)
    listed = _git(root, "ls-tree", "--name-only", "-z", "--end-of-options", commit, "--", *paths).split(b"\0")
    present = [n.decode("utf-8", errors="replace") for n in listed if n]
    if not present:
        return []
    with tempfile.TemporaryDirectory(prefix="refsite-overlay-") as tmp:
        tree, skipped = _extract(_git(root, "archive", "--format=tar", "--end-of-options", commit, *present), Path(tmp))
        for rel in present:
            if (tree / rel).exists():
                shutil.move(str(tree / rel), str(dest / rel))
    return skipped


def added_lines(root: Path, old: str, new: str | None, paths: list[str]) -> dict[str, list[tuple[int, str]]]:
    """The lines each of ``paths`` gained between commit ``old`` and ``new`` (or the working tree), numbered."""
    if not paths:
        return {}
    args = ["diff", "-U0", "--no-color", "--no-renames", "--end-of-options", old]
    if new:
        args.append(new)
    out: dict[str, list[tuple[int, str]]] = {}
    current, line = "", 0
    for raw in _git(root, *args, "--", *paths).decode("utf-8", errors="replace").splitlines():
        if raw.startswith("+++ "):
            current = raw[6:] if raw.startswith("+++ b/") else ""
        elif raw.startswith("@@"):
            hunk = re.search(r"\+(\d+)", raw)
            line = int(hunk[1]) if hunk else 0
        elif raw.startswith("+") and current:
            out.setdefault(current, []).append((line, raw[1:]))
            line += 1
    return out
