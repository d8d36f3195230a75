"""Each record's history by meaning, read from git once per build.

The points of history are the editions (release tags) and, on the live site, the commits since
the last edition. Git is asked a fixed number of times whatever the number of records: the
commits since the last edition (one ``git log``), the files of ``data/`` each point changed (one
``git diff-tree --stdin``) and the two states of every changed file (one ``git cat-file
--batch``). Each change is told by the review's record comparison
(:func:`refsite.review.records.field_changes`) as one line of meaning. A shallow clone, or a
project outside git, has no history: the pages say so, and nothing fails.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .dataset import Dataset
from .editions import BuildInfo, Edition
from .files import RECORD_LIMIT
from .load import parse_yaml
from .memo import Memo
from .model import KINDS, PLURAL, Field, Record, as_text
from .review.records import ItemChange, Names, field_changes

_KIND_OF = {PLURAL[k]: k for k in KINDS}
_PATH_RE = re.compile(r"data/([a-z]+)/([a-z0-9]+(?:-[a-z0-9]+)*)\.yaml")
_HEX_RE = re.compile(r"[0-9a-f]{40}")
_HEADER_RE = re.compile(r"([0-9a-f]{40} [0-9a-f]{40})\n")
_LONG = 60  # a value longer than this is "reworded", not quoted
_STATUS = {"A": "added", "D": "removed"}
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's tree with nothing in it


@dataclass(frozen=True)
class Change:
    """One record changed at one point of history, told in one line."""

    kind: str
    id: str
    label: str
    text: str
    status: str  # added, removed, changed


@dataclass(frozen=True)
class Point:
    """An edition, or a commit since the last edition."""

    tag: str  # the edition's tag, "" for a commit
    commit: str
    date: str
    subject: str = ""


@dataclass
class History:
    """What changed in the data, by record and by edition."""

    available: bool
    reason: str = ""  # why not, when unavailable
    by_record: dict[str, list[tuple[Point, Change]]] = field(default_factory=dict)  # newest first
    by_point: dict[str, list[Change]] = field(default_factory=dict)  # keyed by tag or commit
    points: list[Point] = field(default_factory=list)  # oldest first


def _run(root: Path, args: list[str], stdin: bytes = b"") -> bytes | None:
    try:
        proc = subprocess.run(["git", *args], cwd=root, input=stdin, capture_output=True, check=False)
    except OSError:
        return None
    return proc.stdout if proc.returncode == 0 else None


_MEMO: Memo[History] = Memo(4)


def read_history(root: Path, info: BuildInfo, ds: Dataset) -> History:
    """The history of the data at ``root`` up to the commit ``info`` names (kept while neither changes)."""
    key = (str(root), info.commit, info.tag, str(info.shallow), *(f"{e.tag}\0{e.commit}" for e in info.editions))
    key += tuple(f"{rid}\0{r.label}" for rid, r in ds.records.items())
    return _MEMO.get(lambda: _read_history(root, info, ds), *key)


def _read_history(root: Path, info: BuildInfo, ds: Dataset) -> History:
    if not info.commit:
        return History(False, info.without_git or "the project is not in a git repository")
    if info.shallow:
        return History(False, "this copy of the project is a shallow git clone")
    points: list[Point] = [Point(e.tag, e.commit, e.date) for e in _distinct(info.editions)]
    pairs: list[tuple[Point, str | None]] = []  # each point with the commit it is compared with
    prev: str | None = None
    for p in points:
        pairs.append((p, prev))
        prev = p.commit
    if not info.tag:
        args = ["log", "--no-merges", "--format=%H%x00%cs%x00%s", "-z", info.commit]
        if prev:
            args.append("^" + prev)
        out = _run(root, [*args, "--", "data/"])
        if out is None:
            return History(False, "git could not read the project's history")
        flat = out.decode("utf-8", errors="replace").split("\0")
        commits = [Point("", *(t.strip("\n") for t in flat[i : i + 3])) for i in range(0, len(flat) - 2, 3)]
        commits = [c for c in commits if _HEX_RE.fullmatch(c.commit)]
        for c in reversed(commits):
            points.append(c)
            pairs.append((c, c.commit + "^"))
    changed = _changed_files(root, pairs)
    if changed is None:
        return History(False, "git could not read the project's history")
    wanted: list[str] = []
    for (p, base), files in zip(pairs, changed, strict=True):
        for status, path in files:
            if not _PATH_RE.fullmatch(path.removeprefix(info.prefix)):
                continue  # not a record file: nothing to read (and no odd name reaches cat-file)
            if status == "M" and base is not None:
                wanted += [f"{base}:{path}", f"{p.commit}:{path}"]
            elif status in "AD":  # read only if the record is gone from today's data (for its name)
                wanted.append(f"{base}:{path}" if status == "D" else f"{p.commit}:{path}")
    blobs = _blobs(root, wanted)
    if blobs is None:
        return History(False, "git could not read the project's history")
    hist = History(True, points=points)
    names = Names(ds)
    for (p, base), files in zip(pairs, changed, strict=True):
        point_key = p.tag or p.commit
        out_changes: list[Change] = []
        for status, path in files:
            m = _PATH_RE.fullmatch(path.removeprefix(info.prefix))
            if not m or m.group(1) not in _KIND_OF:
                continue
            kind, rid = _KIND_OF[m.group(1)], m.group(2)
            if status in "AD" and rid in ds.records:  # added or removed: its name is all the line needs
                text = ("first published" if base is None else "record added") if status == "A" else "record removed"
                change: Change | None = Change(kind, rid, ds.records[rid].label, text, _STATUS[status])
            else:
                rel = path.removeprefix(info.prefix)
                old = _record(kind, rid, rel, blobs.get(f"{base}:{path}")) if base is not None else None
                new = _record(kind, rid, rel, blobs.get(f"{p.commit}:{path}"))
                change = _describe_change(kind, rid, old, new, names, ds, first=base is None)
            if change is not None:
                out_changes.append(change)
                hist.by_record.setdefault(rid, []).append((p, change))
        hist.by_point[point_key] = out_changes
    for entries in hist.by_record.values():
        entries.reverse()
    return hist


def _distinct(editions: Iterable[Edition]) -> list[Edition]:
    """Editions in order, a tag on the same commit as the one before it left out."""
    out: list[Edition] = []
    for e in editions:
        if not out or out[-1].commit != e.commit:
            out.append(e)
    return out


def _changed_files(root: Path, pairs: list[tuple[Point, str | None]]) -> list[list[tuple[str, str]]] | None:
    """For each point, the files of data/ it changed against its base, from one ``git diff-tree``."""
    if not pairs:
        return []
    lines = []
    for p, base in pairs:
        if base is None:  # the first edition against nothing: every file is added (trees, not commits)
            tree = _run(root, ["rev-parse", "--verify", "--quiet", f"{p.commit}^{{tree}}"])
            if tree is None:
                return None
            lines.append(f"{EMPTY_TREE} {tree.decode().strip()}")
        elif base.endswith("^"):
            lines.append(p.commit)  # a commit against its parent
        else:
            lines.append(f"{base} {p.commit}")
    stdin = ("\n".join(lines) + "\n").encode()
    first = [line.split()[0] for line in lines]  # diff-tree heads each diff with the first object of its line
    args = ["diff-tree", "--stdin", "-r", "--root", "--always", "--no-renames", "--name-status", "-z", "--", "data/"]
    out = _run(root, args, stdin)
    if out is None:
        return None
    tokens: list[str] = []
    for tok in out.decode("utf-8", errors="replace").split("\0"):
        head = _HEADER_RE.match(tok)  # a header of two trees ends in a newline, not a NUL
        tokens += [head.group(1), tok[head.end() :]] if head else [tok]
    result: list[list[tuple[str, str]]] = [[] for _ in pairs]
    i, at = 0, -1
    while i < len(tokens):
        tok = tokens[i]
        if at + 1 < len(first) and tok.split(" ")[0] == first[at + 1]:
            at += 1
            i += 1
            continue
        if tok and at >= 0 and i + 1 < len(tokens):
            result[at].append((tok[:1], tokens[i + 1]))
            i += 2
            continue
        i += 1
    return result


def _blobs(root: Path, wanted: list[str]) -> dict[str, bytes] | None:
    """The contents of ``rev:path`` objects, from one ``git cat-file --batch`` (missing ones left out)."""
    if not wanted:
        return {}
    wanted = list(dict.fromkeys(wanted))
    out = _run(root, ["cat-file", "--batch"], ("\n".join(wanted) + "\n").encode())
    if out is None:
        return None
    blobs: dict[str, bytes] = {}
    pos = 0
    for name in wanted:
        end = out.find(b"\n", pos)
        if end < 0:
            break
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3 or not _HEX_RE.fullmatch(header[0].decode("ascii", "replace")):
            continue  # "<name> missing": no body follows
        size = int(header[2])
        if header[1] == b"blob" and size <= RECORD_LIMIT:
            blobs[name] = out[pos : pos + size]
        pos += size + 1
    return blobs


def _record(kind: str, rid: str, path: str, raw: bytes | None) -> Record | None:
    if raw is None:
        return None
    doc, problems = parse_yaml(path, raw)
    if doc is None or problems or not isinstance(doc.data, dict):
        return None
    return Record(kind, rid, doc.data, doc)


def _describe_change(
    kind: str, rid: str, old: Record | None, new: Record | None, names: Names, ds: Dataset, *, first: bool
) -> Change | None:
    label = (new.label if new is not None else old.label if old is not None else "") or names(rid) or rid
    if old is None and new is not None:
        return Change(kind, rid, label, "first published" if first else "record added", "added")
    if new is None:
        return Change(kind, rid, label, "record removed", "removed") if old is not None else None
    if old is None:
        return None
    items = field_changes(old, new, names, ds, _short)
    if not items:
        return None
    return Change(kind, rid, label, "; ".join(_phrases(items)), "changed")


def _short(f: Field | None, value: Any, names: Names, ds: Dataset) -> str:
    """A value as the history line names it: a citation as 'Author, locator', an id by its name."""
    if value is None:
        return ""
    if isinstance(value, dict) and "key" in value:
        key = as_text(value.get("key"))
        entry = ds.bib.get(key)
        who = ""
        if entry is not None:
            author = as_text(entry.get("author") or entry.get("organization") or entry.get("editor"))
            first = author.split(" and ")[0].strip().strip("{}")
            who = first.split(",")[0].strip() if "," in first else (first.split()[-1] if first else "")
        extra = ", ".join(as_text(value.get(k)) for k in ("locator",) if value.get(k))
        return f"{who or key}{', ' + extra if extra else ''}"
    for name in ("text", "title", "name"):
        if isinstance(value, dict) and value.get(name):
            return _clip(as_text(value.get(name)))
    if f is not None and f.type == "ref":
        return names(as_text(value))
    if isinstance(value, list):
        item = f.item if f is not None else None
        return "; ".join(_short(item, v, names, ds) for v in value)
    if isinstance(value, dict):
        fields = f.fields if f is not None else {}
        return ", ".join(f"{k}: {_short(fields.get(k), v, names, ds)}" for k, v in value.items() if v is not None)
    return as_text(value)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _LONG else text[: _LONG - 1].rsplit(" ", 1)[0] + "…"


_SINGULAR = {"sources": "source", "notes": "note", "names": "name", "roles": "role", "actors": "actor",
             "places": "place", "topics": "topic", "proposed_by": "proposer", "supersedes": "superseded position"}


def _phrases(items: list[ItemChange]) -> list[str]:
    """The changes of one record, items of a list added or removed together told once."""
    grouped: dict[tuple[str, str], list[str]] = {}
    out: list[str] = []
    for item in items:
        name = item.field.split("[", 1)[0]
        if name in _SINGULAR and "[" not in item.field and item.kind in ("added", "removed"):
            values = grouped.setdefault((name, item.kind), [])
            if not values:
                out.append(f"\0{name}\0{item.kind}")
            values.append(item.new or item.old)
        else:
            out.append(_phrase(item))
    for i, text in enumerate(out):
        if text.startswith("\0"):
            _, name, kind = text.split("\0")
            values = grouped[(name, kind)]
            one = _SINGULAR[name]
            out[i] = f"{one if len(values) == 1 else name.replace('_', ' ')} {kind}: {'; '.join(values)}"
    return list(dict.fromkeys(out))


def _phrase(item: ItemChange) -> str:
    """One field's change in words: 'stance changed from open to opposes', 'source added: Stimson, para. 4'."""
    name = item.field.split("[", 1)[0]
    words = name.replace("_", " ")
    if item.kind == "changed" and item.old == "order":
        return f"{words} reordered"
    if "[" in item.field or name in _SINGULAR:
        one = _SINGULAR.get(name, words)
        if item.kind == "changed":
            if item.new == item.old:  # what changed is not in the short form
                return f"{one} revised: {item.new}"
            return f"{one} changed: {item.new} (was {item.old})"
        return f"{one} {item.kind}: {item.new or item.old}"
    long = max(len(item.old), len(item.new)) > _LONG or "\n" in item.old + item.new
    if item.kind == "changed":
        return f"{words} reworded" if long else f"{words} changed from {item.old} to {item.new}"
    value = item.new or item.old
    return f"{words} {item.kind}" if long else f"{words} {item.kind}: {value}"
