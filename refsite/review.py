"""``python -m refsite review BASE [HEAD]``: what a content change does to the reference.

Loads the dataset at two git refs (or at a ref and the working tree), and reports,
as Markdown for a pull-request comment: records added, removed and changed field by
field, the pages each change also touches through backlinks, bibliography and
narrative-page changes, and every problem the new state has.
"""

from __future__ import annotations

import difflib
import io
import re
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .bib import BibEntry
from .dataset import Dataset, docs_dir_of, load_project
from .model import SCHEMA, Record, as_text
from .problems import Problem
from .validate import _walk_refs


class ReviewError(Exception):
    """A git ref that cannot be read."""


def snapshot(root: Path, ref: str, dest: Path) -> Path:
    """Extract the project as it is at git ``ref`` into ``dest``."""
    proc = subprocess.run(["git", "archive", "--format=tar", ref], cwd=root, capture_output=True, check=False)
    if proc.returncode != 0:
        raise ReviewError(f"cannot read git ref '{ref}': {proc.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def _short(value: Any, limit: int = 120) -> str:
    """One line of a value for a table cell."""
    if isinstance(value, dict):
        if "key" in value:
            text = " ".join(as_text(value.get(k)) for k in ("key", "locator", "note") if value.get(k))
        else:
            text = ", ".join(f"{k}: {_short(v, 40)}" for k, v in value.items())
    elif isinstance(value, list):
        text = "; ".join(_short(v, 60) for v in value)
    else:
        text = as_text(value)
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class FieldChange:
    """One changed field of a record."""

    name: str
    old: Any
    new: Any

    def describe(self) -> str:
        if isinstance(self.old, list) and isinstance(self.new, list):
            added = [v for v in self.new if v not in self.old]
            removed = [v for v in self.old if v not in self.new]
            parts = [f"+ {_short(v)}" for v in added] + [f"− {_short(v)}" for v in removed]
            return "<br>".join(parts) if parts else "reordered"
        if self.old is None:
            return f"added: {_short(self.new)}"
        if self.new is None:
            return f"removed: {_short(self.old)}"
        if isinstance(self.old, str) and isinstance(self.new, str) and len(self.old) + len(self.new) > 80:
            return word_diff(self.old, self.new)
        return f"{_short(self.old)} → {_short(self.new)}"


def word_diff(old: str, new: str, context: int = 4) -> str:
    """The changed words of a text, with a little context: '… kept ~~old~~ **new** kept …'."""
    a, b = old.split(), new.split()
    out: list[str] = []
    ops = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    for n, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            words = a[i1:i2]
            first, last = n == 0, n == len(ops) - 1
            if len(words) > (1 if first or last else 2) * context:
                head = [] if first else words[:context]
                tail = [] if last else words[-context:]
                words = [*head, "…", *tail]
            out.extend(words)
            continue
        if i2 > i1:
            out.append(f"~~{' '.join(a[i1:i2])}~~")
        if j2 > j1:
            out.append(f"**{' '.join(b[j1:j2])}**")
    return " ".join(out).replace("|", "\\|")


@dataclass
class Review:
    """The difference between two states of a project."""

    added: list[Record] = field(default_factory=list)
    removed: list[Record] = field(default_factory=list)
    changed: list[tuple[Record, list[FieldChange]]] = field(default_factory=list)
    touched: dict[str, set[str]] = field(default_factory=dict)
    bib_added: list[BibEntry] = field(default_factory=list)
    bib_removed: list[BibEntry] = field(default_factory=list)
    bib_changed: list[tuple[BibEntry, list[str]]] = field(default_factory=list)
    pages: list[tuple[str, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    new_problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(p.is_error for p in self.problems)


def compare(old: Dataset, new: Dataset, old_problems: list[Problem], new_problems: list[Problem]) -> Review:
    """Compare two datasets (and the problems each state has)."""
    review = Review()
    for rid, rec in sorted(new.records.items()):
        before = old.records.get(rid)
        if before is None:
            review.added.append(rec)
            continue
        changes = [
            FieldChange(name, before.data.get(name), rec.data.get(name))
            for name in dict.fromkeys([*before.data, *rec.data])
            if before.data.get(name) != rec.data.get(name)
        ]
        if changes:
            review.changed.append((rec, changes))
    review.removed = [rec for rid, rec in sorted(old.records.items()) if rid not in new.records]
    for rec in [*review.added, *review.removed, *(r for r, _ in review.changed)]:
        ds = new if rec.id in new.records else old
        others = {r.url for group in ds.backlinks.get(rec.id, {}).values() for r in group}
        for target in _targets(ds, rec):
            others.add(target.url)
        others.discard(rec.url)
        review.touched[rec.id] = others
    for key, entry in sorted(new.bib.items()):
        before_entry = old.bib.get(key)
        if before_entry is None:
            review.bib_added.append(entry)
        elif before_entry.fields != entry.fields or before_entry.type != entry.type:
            names = sorted(
                n for n in {*before_entry.fields, *entry.fields} if before_entry.fields.get(n) != entry.fields.get(n)
            )
            review.bib_changed.append((entry, names or ["type"]))
    review.bib_removed = [e for k, e in sorted(old.bib.items()) if k not in new.bib]
    old_pages = _pages(old.root)
    new_pages = _pages(new.root)
    for name in sorted(set(old_pages) | set(new_pages)):
        if name not in old_pages:
            review.pages.append((name, "added"))
        elif name not in new_pages:
            review.pages.append((name, "removed"))
        elif old_pages[name] != new_pages[name]:
            review.pages.append((name, "changed"))
    review.problems = new_problems
    known = {(p.path, p.message) for p in old_problems}
    review.new_problems = [p for p in new_problems if (p.path, p.message) not in known]
    return review


def _targets(ds: Dataset, rec: Record) -> list[Record]:
    """Records this record links to (their pages list it)."""
    out = []
    for _key, _f, target in _walk_refs(SCHEMA[rec.kind], rec.data, ()):
        found = ds.records.get(target)
        if found is not None:
            out.append(found)
    return out


def _pages(root: Path) -> dict[str, str]:
    docs = root / docs_dir_of(root)
    return (
        {
            p.relative_to(root).as_posix(): p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(docs.rglob("*.md"))
        }
        if docs.is_dir()
        else {}
    )


def render(review: Review, base: str, head: str, site_url: str = "") -> str:
    """The review as Markdown."""

    def link(rec: Record) -> str:
        return f"[{rec.label}]({site_url}{rec.url})" if site_url else rec.label

    lines = [f"## Reference changes: {base} → {head}", ""]
    counts = (
        f"{len(review.added)} records added, {len(review.changed)} changed, {len(review.removed)} removed; "
        f"{len(review.bib_added)} works added to the bibliography, {len(review.bib_changed)} changed, "
        f"{len(review.bib_removed)} removed; {len(review.pages)} narrative pages changed."
    )
    lines += [counts, ""]
    if review.problems:
        lines += [f"### Problems ({review.errors} errors, {len(review.problems) - review.errors} warnings)", ""]
        lines += ["```", *(str(p) for p in review.problems), "```", ""]
    else:
        lines += ["`make check` passes on the new state.", ""]
    if review.added:
        lines += ["### Added", "", "| Kind | Record | File | Also shown on |", "| --- | --- | --- | --- |"]
        lines += [f"| {rec.kind} | {link(rec)} | `{rec.path}` | {_also(review, rec)} |" for rec in review.added]
        lines.append("")
    if review.changed:
        lines += ["### Changed", ""]
        for rec, changes in review.changed:
            lines += [f"**{link(rec)}** ({rec.kind}, `{rec.path}`)", "", "| Field | Change |", "| --- | --- |"]
            lines += [f"| `{c.name}` | {c.describe()} |" for c in changes]
            also = _also(review, rec)
            lines += ["", f"Also shown on: {also}" if also else "", ""]
    if review.removed:
        lines += ["### Removed", "", "| Kind | Record | File | Was shown on |", "| --- | --- | --- | --- |"]
        lines += [f"| {rec.kind} | {rec.label} | `{rec.path}` | {_also(review, rec)} |" for rec in review.removed]
        lines += ["", "Removed ids break their published addresses; prefer keeping a record and noting why.", ""]
    if review.bib_added or review.bib_changed or review.bib_removed:
        lines += ["### Bibliography", ""]
        lines += [f"- added `{e.key}` (@{e.type}, {e.path}:{e.line}): {e.get('title')}" for e in review.bib_added]
        lines += [f"- changed `{e.key}`: {', '.join(names)}" for e, names in review.bib_changed]
        lines += [f"- removed `{e.key}`" for e in review.bib_removed]
        lines.append("")
    if review.pages:
        lines += ["### Narrative pages", ""]
        lines += [f"- {status}: `{name}`" for name, status in review.pages]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _site_url(root: Path) -> str:
    """``site_url`` from mkdocs.yml, ending in a slash (empty if none)."""
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8") if config.is_file() else ""
    m = re.search(r"^site_url:\s*['\"]?([^'\"\s]+)", text, re.M)
    return (m.group(1).rstrip("/") + "/") if m else ""


def _also(review: Review, rec: Record) -> str:
    urls = sorted(review.touched.get(rec.id, ()))
    if not urls:
        return ""
    shown = ", ".join(urls[:8])
    return shown + (f" and {len(urls) - 8} more" if len(urls) > 8 else "")


def run_review(root: Path, base: str, head: str | None, out: Path | None) -> int:
    """Print (or write) the review; exit 1 when the new state has errors, 2 when a ref is unreadable."""
    with tempfile.TemporaryDirectory(prefix="refsite-review-") as tmp:
        try:
            old_root = snapshot(root, base, Path(tmp, "base"))
            new_root = snapshot(root, head, Path(tmp, "head")) if head else root
        except ReviewError as exc:
            print(f"review: {exc}")
            return 2
        old, old_problems = load_project(old_root)
        new, new_problems = load_project(new_root)
        review = compare(old, new, old_problems, new_problems)
        text = render(review, base, head or "working tree", _site_url(new_root))
    if out:
        out.write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return 1 if review.errors else 0
