"""What the change means in the data: records, bibliography and configuration, compared by meaning."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

from ..dataset import Dataset
from ..model import SCHEMA, Field, Record, as_text
from .text import Segments, word_diff

_SHOWN = ("summary", "stance", "proposal", "actor", "topic", "date", "status", "kind", "quote", "date_note")


@dataclass
class ItemChange:
    """One field, or one item of a list field, changed."""

    field: str
    kind: str  # added, removed, changed
    old: str = ""
    new: str = ""
    diff: Segments = _field(default_factory=list)


@dataclass
class RecordDiff:
    """A record added, removed, renamed or changed, described with names rather than ids."""

    status: str  # added, removed, changed, renamed, unreadable (the file is there but does not load)
    kind: str
    id: str
    label: str
    path: str
    old_id: str = ""
    old_path: str = ""
    items: list[ItemChange] = _field(default_factory=list)
    shown: list[tuple[str, str]] = _field(default_factory=list)  # (field, text) of an added/removed record
    notes: list[str] = _field(default_factory=list)  # formatted notes of its page
    redirect: bool = False


@dataclass
class BibDiff:
    """A bibliography entry added, removed or changed, with its formatted reference and the pages citing it."""

    status: str
    key: str
    path: str
    line: int
    old: str = ""
    new: str = ""
    diff: Segments = _field(default_factory=list)
    cited_on: list[str] = _field(default_factory=list)


class Names:
    """Labels for ids, from the new state first, else the old one."""

    def __init__(self, *datasets: Dataset) -> None:
        self.datasets = datasets

    def __call__(self, rid: str) -> str:
        for ds in self.datasets:
            rec = ds.records.get(rid)
            if rec is not None:
                return rec.label or rid
        return rid


def describe(f: Field | None, value: Any, names: Names, bib: Dataset) -> str:
    """One value as a reader would name it: record names for ids, a short reference for a citation."""
    if value is None:
        return ""
    if f is not None and f.type == "ref":
        return names(as_text(value))
    if f is not None and f.type == "map" and isinstance(value, dict):
        return "; ".join(f"{names(as_text(k))}: {as_text(v)}" for k, v in value.items())
    if isinstance(value, dict) and "key" in value and (f is None or "key" in f.fields):
        key = as_text(value.get("key"))
        entry = bib.bib.get(key)
        work = f"{entry.get('author') or entry.get('organization')}, {entry.get('title')}" if entry else key
        extra = ", ".join(as_text(value.get(k)) for k in ("locator", "note") if value.get(k))
        return f"{work}{', ' + extra if extra else ''} [{key}]"
    if isinstance(value, list):
        item = f.item if f is not None else None
        return "; ".join(describe(item, v, names, bib) for v in value)
    if isinstance(value, dict):
        fields = f.fields if f is not None else {}
        return ", ".join(f"{k}: {describe(fields.get(k), v, names, bib)}" for k, v in value.items() if v is not None)
    return as_text(value)


def _field_changes(
    kind: str,
    old: Record,
    new: Record,
    names: Names,
    old_ds: Dataset,
    new_ds: Dataset,
    describe: Callable[[Field | None, Any, Names, Dataset], str] = describe,
) -> list[ItemChange]:
    spec = SCHEMA[kind]
    out: list[ItemChange] = []
    for name in dict.fromkeys([*old.data, *new.data]):
        if name == "id":
            continue
        a, b = old.data.get(name), new.data.get(name)
        if a == b:
            continue
        f = spec.get(name)
        if isinstance(a, list) and isinstance(b, list):
            before = len(out)
            item = f.item if f is not None else None
            sa = [describe(item, v, names, old_ds) for v in a]
            sb = [describe(item, v, names, new_ds) for v in b]
            ja = [json.dumps(v, sort_keys=True, default=str) for v in a]
            jb = [json.dumps(v, sort_keys=True, default=str) for v in b]
            for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=ja, b=jb, autojunk=False).get_opcodes():
                if tag == "equal":
                    continue
                n = min(i2 - i1, j2 - j1) if tag == "replace" else 0
                for k in range(n):
                    x, y = sa[i1 + k], sb[j1 + k]
                    if not _visible(word_diff(x, y)):  # the description hides what differs: the fields that do
                        x, y = _differing(a[i1 + k], b[j1 + k])
                    diff = word_diff(x, y)
                    if not _visible(diff):
                        diff = [("=", x), ("+", "(only spacing or form changed)")]
                    out.append(ItemChange(f"{name}[{j1 + k + 1}]", "changed", x, y, diff))
                out += [ItemChange(name, "removed", old=x) for x in sa[i1 + n : i2]]
                out += [ItemChange(name, "added", new=y) for y in sb[j1 + n : j2]]
            if len(out) == before:
                out.append(ItemChange(name, "changed", "order", "new order"))
            continue
        x, y = describe(f, a, names, old_ds), describe(f, b, names, new_ds)
        if a is None:
            out.append(ItemChange(name, "added", new=y))
        elif b is None:
            out.append(ItemChange(name, "removed", old=x))
        else:
            out.append(ItemChange(name, "changed", x, y, word_diff(x, y)))
    return out


def _visible(diff: Segments) -> bool:
    return any(op != "=" for op, _ in diff)


def _differing(a: Any, b: Any) -> tuple[str, str]:
    """Two list items that read the same: the fields where they differ, each side as text."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = [k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)]
        show = lambda d: "; ".join(f"{k}: {as_text(d.get(k)) or '(none)'}" for k in keys)  # noqa: E731
        return show(a), show(b)
    return json.dumps(a, sort_keys=True, default=str), json.dumps(b, sort_keys=True, default=str)


def field_changes(
    old: Record,
    new: Record,
    names: Names,
    ds: Dataset,
    describe: Callable[[Field | None, Any, Names, Dataset], str] = describe,
) -> list[ItemChange]:
    """The fields of one record that differ between two of its states, each value told by ``describe``."""
    return _field_changes(new.kind, old, new, names, ds, ds, describe)


def _shown(rec: Record, names: Names, ds: Dataset) -> list[tuple[str, str]]:
    spec = SCHEMA[rec.kind]
    out = [(n, describe(spec.get(n), rec.data.get(n), names, ds)) for n in _SHOWN if rec.data.get(n) is not None]
    return [*out, ("sources", describe(spec.get("sources"), rec.data.get("sources"), names, ds))]


def _same_content(a: Record, b: Record) -> bool:
    strip = {"id"}
    return a.kind == b.kind and {k: v for k, v in a.data.items() if k not in strip} == {
        k: v for k, v in b.data.items() if k not in strip
    }


def compare_records(old: Dataset, new: Dataset, git_renames: list[tuple[str, str]]) -> list[RecordDiff]:
    """Records added, removed, renamed (by git or by identical content) and changed, field by field."""
    names = Names(new, old)
    added = {rid: r for rid, r in new.records.items() if rid not in old.records}
    removed = {rid: r for rid, r in old.records.items() if rid not in new.records}
    by_path_new = {r.path: r for r in added.values()}
    by_path_old = {r.path: r for r in removed.values()}
    pairs: list[tuple[Record, Record]] = []
    for a, b in git_renames:
        if a in by_path_old and b in by_path_new:
            pairs.append((by_path_old[a], by_path_new[b]))
    for rec in list(removed.values()):
        if any(p[0] is rec for p in pairs):
            continue
        twin = next((r for r in added.values() if _same_content(rec, r) and not any(p[1] is r for p in pairs)), None)
        if twin is not None:
            pairs.append((rec, twin))
    out: list[RecordDiff] = []
    for was, now in pairs:
        removed.pop(was.id, None)
        added.pop(now.id, None)
        out.append(
            RecordDiff(
                "renamed",
                now.kind,
                now.id,
                now.label,
                now.path,
                was.id,
                was.path,
                _field_changes(now.kind, was, now, names, old, new),
            )
        )
    for rid, rec in sorted(new.records.items()):
        if rid in added:
            out.append(RecordDiff("added", rec.kind, rid, rec.label, rec.path, shown=_shown(rec, names, new)))
        elif rid in old.records:
            changes = _field_changes(rec.kind, old.records[rid], rec, names, old, new)
            if changes:
                out.append(RecordDiff("changed", rec.kind, rid, rec.label, rec.path, items=changes))
    for rid, rec in sorted(removed.items()):
        # a file still there that no longer loads (a YAML error) is not a removal
        status = "unreadable" if (new.root / rec.path).is_file() else "removed"
        out.append(RecordDiff(status, rec.kind, rid, rec.label, rec.path, shown=_shown(rec, names, old)))
    order = {"renamed": 0, "added": 1, "changed": 2, "unreadable": 3, "removed": 4}
    return sorted(out, key=lambda d: (order[d.status], d.kind, d.label.lower(), d.id))


def compare_bib(old: Dataset, new: Dataset, old_refs: dict[str, str], new_refs: dict[str, str]) -> list[BibDiff]:
    """Bibliography entries added, removed or changed, each as its formatted reference (old -> new)."""
    out = []
    for key in sorted(set(old.bib) | set(new.bib)):
        a, b = old.bib.get(key), new.bib.get(key)
        if b is not None and a is None:
            out.append(BibDiff("added", key, b.path, b.line, new=new_refs.get(key, b.get("title"))))
        elif a is not None and b is None:
            out.append(BibDiff("removed", key, a.path, a.line, old=old_refs.get(key, a.get("title"))))
        elif a is not None and b is not None and (a.fields != b.fields or a.type != b.type):
            x = old_refs.get(key) or "; ".join(f"{k}: {v}" for k, v in sorted(a.fields.items()))
            y = new_refs.get(key) or "; ".join(f"{k}: {v}" for k, v in sorted(b.fields.items()))
            if x == y:  # the style shows none of the changed fields
                x = "; ".join(f"{k}: {a.fields.get(k, '')}" for k in sorted(set(a.fields) | set(b.fields)))
                y = "; ".join(f"{k}: {b.fields.get(k, '')}" for k in sorted(set(a.fields) | set(b.fields)))
            out.append(BibDiff("changed", key, b.path, b.line, x, y, word_diff(x, y)))
    return out


_OUTPUT_SETTINGS = ("site_name", "site_url", "nav", "plugins", "markdown_extensions", "theme", "extra", "docs_dir")


def compare_config(old: dict[str, Any], new: dict[str, Any]) -> list[ItemChange]:
    """Settings of mkdocs.yml that change the output (citation style, navigation, extensions ...)."""
    out = []
    for name in _OUTPUT_SETTINGS:
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        x = json.dumps(a, sort_keys=True, ensure_ascii=False, default=str) if a is not None else ""
        y = json.dumps(b, sort_keys=True, ensure_ascii=False, default=str) if b is not None else ""
        kind = "added" if a is None else "removed" if b is None else "changed"
        out.append(ItemChange(name, kind, x, y, word_diff(x.replace(",", ", "), y.replace(",", ", "))))
    return out
