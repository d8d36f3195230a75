"""What a reviewer must look at: lost citations, unsourced changes, inconsistent dates, orphans."""

from __future__ import annotations

import difflib
import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from ..dataset import Dataset, docs_dir_of, scan_pages
from ..editions import EDITIONS_DIR
from ..files import PAGE_LIMIT, read_text_input
from ..model import PLURAL, Record, as_text
from ..validate import _walk_citations
from .pages import PageDiff
from .records import RecordDiff
from .site import Page

_INLINE = re.compile(r"@([A-Za-z0-9_][\w:.#$%&+?<>~/-]*)")
# generated lists: their paragraphs cite nothing and their links do not make a record linked
_INDEXES = {f"{p}/" for p in PLURAL.values()} | {"bibliography/", f"{EDITIONS_DIR}/"}


@dataclass(frozen=True)
class Flag:
    """A located finding, new in this change or already on the base."""

    path: str
    line: int
    col: int
    message: str
    severity: str = "warning"
    new: bool = True
    source: str = "review"  # review (a reviewer's flag), check, build or git

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"

    @property
    def key(self) -> tuple[str, str]:
        """The same finding in the same file, whatever dates or counts it quotes."""
        return (self.path, re.sub(r"\d+", "#", self.message))


def _where(rec: Record, *field: str | int) -> tuple[str, int, int]:
    line, col = rec.src.pos(tuple(field)) if field else (1, 1)
    return rec.path, line, col


def citations_of(rec: Record) -> set[str]:
    """Every citation a record makes (source lists and inline ``[@key]``), as comparable text."""
    out = {json.dumps(cit, sort_keys=True, default=str) for _, cit in _walk_citations(rec.data, ())}
    text = json.dumps(rec.data, default=str, ensure_ascii=False)
    return out | {f"@{m}" for m in _INLINE.findall(text)}


def _cite_text(cit: str) -> str:
    if cit.startswith("@"):
        return cit
    data = json.loads(cit)
    return ", ".join(str(data[k]) for k in ("key", "locator", "note") if data.get(k))


def record_flags(old: Dataset, new: Dataset) -> list[Flag]:
    """Flags that compare a record before and after the change."""
    out: list[Flag] = []
    for rid, rec in sorted(new.records.items()):
        before = old.records.get(rid)
        if before is None:
            continue
        stance_changed = as_text(before.get("stance")) != as_text(rec.get("stance"))
        if rec.kind == "position" and stance_changed and not citations_of(rec) - citations_of(before):
            was, now = as_text(before.get("stance")) or "none", as_text(rec.get("stance")) or "none"
            out.append(Flag(*_where(rec, "stance"), f"stance changed from {was} to {now} without a new source"))
        lost = sorted(citations_of(before) - citations_of(rec))
        for cit in lost:
            out.append(Flag(*_where(rec, "sources"), f"citation removed from '{rec.label}': {_cite_text(cit)}"))
        redated = before.date and rec.date and before.date != rec.date
        if redated and rec.get("date_note") is not None and before.get("date_note") == rec.get("date_note"):
            out.append(
                Flag(
                    *_where(rec, "date_note"),
                    f"date changed from {before.date} to {rec.date} but its date_note was left as it was",
                )
            )
    return out


def state_flags(ds: Dataset, site: dict[str, Page] | None) -> list[Flag]:
    """Flags that hold for one state: positions dated before their proposal, records nothing links to."""
    out: list[Flag] = []
    for rec in ds.of_kind("position"):
        proposal = ds.records.get(as_text(rec.get("proposal")))
        if proposal is not None and rec.date and proposal.date and rec.date < proposal.date[: len(rec.date)]:
            out.append(
                Flag(
                    *_where(rec, "date"),
                    f"position dated {rec.date}, before its proposal '{proposal.label}' ({proposal.date})",
                )
            )
    if site is None:
        return out
    linked: set[str] = set()
    for url, page in site.items():
        if url in _INDEXES:
            continue
        for href in page.links:
            if "://" in href or href.startswith(("#", "mailto:")):
                continue
            target = posixpath.normpath(posixpath.join(url or ".", href.split("#")[0]))
            target = "" if target == "." else target + "/"
            if target != url:
                linked.add(target)
    for _rid, rec in sorted(ds.records.items()):
        if rec.url not in linked and rec.url in site:
            out.append(Flag(*_where(rec), f"no page links to {rec.kind} '{rec.label}' except its index"))
    return out


def cited_keys(ds: Dataset) -> set[str]:
    """Bibliography keys the state cites, in records and in narrative pages."""
    used, _ = scan_pages(ds.root, docs_dir_of(ds.root), ds.records, ds.bib)
    return set(ds.cited_keys()) | used


def _source_of(root: Path, docs_dir: str, url: str, ds: Dataset) -> str:
    parts = url.strip("/").split("/")
    if len(parts) == 2 and parts[1] in ds.records and ds.records[parts[1]].url == url:
        return ds.records[parts[1]].path
    stem = url.strip("/") or "index"
    for rel in (f"{docs_dir}/{stem}.md", f"{docs_dir}/{stem}/index.md"):
        if (root / rel).is_file():
            return rel
    return f"{docs_dir}/{stem}.md"


def _line_of(root: Path, rel: str, text: str) -> tuple[int, int]:
    """Where a paragraph's opening words stand in its source file (1, 1 when they can't be found)."""
    words = re.sub(r"\[\d+\]", " ", text).split()[:4]
    source, _ = read_text_input(root, root / rel, PAGE_LIMIT)  # never follows a link out of the project
    if source is None:
        return 1, 1
    lines = source.splitlines()
    for n in range(len(words), 0, -1):
        needle = " ".join(words[:n])
        for i, line in enumerate(lines, 1):
            col = line.find(needle)
            if col >= 0:
                return i, col + 1
    return 1, 1


def page_flags(diffs: list[PageDiff], root: Path, docs_dir: str, ds: Dataset) -> list[Flag]:
    """Citations removed from a paragraph, and paragraphs added or left without one."""
    out: list[Flag] = []
    for d in diffs:
        if d.status not in ("added", "changed") or d.url in _INDEXES:
            continue
        rel = _source_of(root, docs_dir, d.url, ds)
        where = d.url or "the home page"
        for b in d.blocks:
            if b.kind not in ("changed", "removed", "added") or b.tag != "p" or b.cls:
                continue
            text = b.new or b.old
            quoted = " ".join(re.sub(r"\[\d+\]", "", text).split()[:8])
            if b.kind == "changed" and b.citations_after < b.citations_before:
                line, col = _line_of(root, rel, b.new)
                if b.citations_after == 0:
                    message = f"paragraph on {where} left without a citation: '{quoted} …'"
                else:
                    lost = b.citations_before - b.citations_after
                    plural = "s" if lost > 1 else ""
                    message = f"{lost} citation{plural} removed from a paragraph on {where}: '{quoted} …'"
                out.append(Flag(rel, line, col, message))
            elif b.kind == "removed" and b.citations_before and d.status == "changed":
                line, col = _line_of(root, rel, b.old)
                n = b.citations_before
                message = f"paragraph with {n} citation{'s' if n > 1 else ''} removed from {where}: '{quoted} …'"
                out.append(Flag(rel, line, col, message))
            elif b.kind == "added" and not b.citations_after and len(text.split()) >= 8:
                line, col = _line_of(root, rel, text)
                out.append(Flag(rel, line, col, f"new paragraph on {where} has no citation: '{quoted} …'"))
            if b.kind == "changed":
                for sentence in new_uncited_sentences(b.old, b.new):
                    line, col = _line_of(root, rel, sentence)
                    short = " ".join(sentence.split()[:8])
                    out.append(Flag(rel, line, col, f"new sentence on {where} has no citation: '{short} …'"))
    return out


_SENTENCE = re.compile(r"(?<=[.!?])(?:\[\d+\])*\s+")
_MARK = re.compile(r"\[\d+\]")


def new_uncited_sentences(old: str, new: str, min_words: int = 6) -> list[str]:
    """Sentences of ``new`` that ``old`` lacks and that carry no note mark (citations end their sentence)."""

    def sentences(text: str) -> list[tuple[str, bool]]:
        out, start = [], 0
        for m in _SENTENCE.finditer(text):
            chunk = text[start : m.end()]
            out.append((_MARK.sub("", chunk).strip(), bool(_MARK.search(chunk))))
            start = m.end()
        if text[start:].strip():
            chunk = text[start:]
            out.append((_MARK.sub("", chunk).strip(), bool(_MARK.search(chunk))))
        return out

    before = [s.split() for s, _ in sentences(old)]

    def is_new(sentence: str) -> bool:  # a reworded sentence is not a new claim
        words = sentence.split()
        return all(difflib.SequenceMatcher(a=w, b=words, autojunk=False).ratio() < 0.6 for w in before)

    return [s for s, cited in sentences(new) if not cited and len(s.split()) >= min_words and is_new(s)]


def work_flags(old: Dataset, new: Dataset, old_keys: set[str], new_keys: set[str]) -> list[Flag]:
    """Works the base cited that the change no longer cites."""
    out = []
    for key in sorted(old_keys - new_keys):
        entry = new.bib.get(key) or old.bib.get(key)
        if entry is None:
            continue
        path, line = (entry.path, entry.line)
        out.append(Flag(path, line, 1, f"work '{key}' ({entry.get('title')}) is no longer cited anywhere"))
    return out


def rename_flags(diffs: list[RecordDiff], new: Dataset) -> list[Flag]:
    """Renamed records whose old address has no redirect."""
    out = []
    for d in diffs:
        if d.status == "renamed" and not d.redirect:
            rec = new.records[d.id]
            old_url = f"{PLURAL[d.kind]}/{d.old_id}/"
            out.append(
                Flag(
                    *_where(rec, "id"),
                    f"'{d.label}' moved from {old_url} to {rec.url} with no redirect: add "
                    f"'{PLURAL[d.kind]}/{d.old_id}.md': '{PLURAL[d.kind]}/{d.id}.md' to redirect_maps of the "
                    "redirects plugin in mkdocs.yml so published links keep working",
                )
            )
    return out


CODE_PATHS = (
    "macros.py",
    "overrides/",
    "refsite/",
    "Makefile",
    "pyproject.toml",
    "requirements.lock",
    ".github/",
    ".ci/",
    "tests/",
)
"""Files that are the maintainers' code: they run at build or test time, unsandboxed (see README)."""


def code_flags(changed: list[str]) -> list[Flag]:
    """A flag on every changed file that is code, not content: it needs a maintainer's review."""
    return [
        Flag(path, 1, 1, "code change: needs a maintainer's review (it runs at build time, unsandboxed)")
        for path in changed
        if path in CODE_PATHS
        or path.startswith(tuple(p for p in CODE_PATHS if p.endswith("/")))
        or path.endswith((".js", ".html"))
    ]


def mark(flags: list[Flag], base: list[Flag]) -> list[Flag]:
    """Mark each flag new, or already on the base (the same finding in the same file)."""
    known = {f.key for f in base}
    return [Flag(f.path, f.line, f.col, f.message, f.severity, f.key not in known, f.source) for f in flags]
