"""Checks across records: what no single record shows wrong.

- a position dated before the proposal it takes a stance on;
- a position recorded under a role (``role:``) its actor did not hold on the position's date;
- two records with the same title or name;
- the same note copied onto several records (a note stands on one record; the others link to it);
- a note that links to a section of a narrative page (a known discrepancy) on a record that cites
  none of the passages that section cites: the discrepancy does not concern it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from . import inline
from .files import read_text_input
from .load import Key
from .model import Record, as_text, label_field
from .problems import Problem

_MACRO_CITE = re.compile(r"""\{\{\s*cite\(\s*["']([^"']+)["']\s*(?:,\s*["']([^"']*)["'])?\s*\)\s*\}\}""")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*(?:\{:\s*#([\w-]+)\s*\})?\s*$", re.M)
_PAGE_LINK = re.compile(r"\]\(((?:\.\./)+)([\w./-]+?)\.md#([\w-]+)\)")
_PAGE_RE = re.compile(r"(?:pp?\.)\s*(\d+)")


def _prefix_cmp(a: str, b: str) -> int:
    """Compare two ISO dates at the precision they share: -1, 0 or 1."""
    n = min(len(a), len(b))
    return (a[:n] > b[:n]) - (a[:n] < b[:n])


def _positions(records: Mapping[str, Record]) -> Iterator[Record]:
    return (r for r in records.values() if r.kind == "position")


def check_stance_dates(records: Mapping[str, Record]) -> list[Problem]:
    """A position may not predate the proposal it takes a stance on."""
    problems = []
    for pos in _positions(records):
        prop = records.get(as_text(pos.get("proposal")))
        if prop is None or prop.kind != "proposal" or not pos.date or not prop.date:
            continue
        if _prefix_cmp(pos.date, prop.date) < 0:
            problems.append(
                pos.src.problem(
                    ("date",),
                    f"this position ({pos.date}) is dated before the proposal it takes a stance on "
                    f"('{prop.id}', {prop.date}): redate one of them from the source, with a date_note",
                )
            )
    return problems


def check_roles(records: Mapping[str, Record]) -> list[Problem]:
    """A position recorded under a role: the actor has that role, and held it on the position's date."""
    problems = []
    for pos in _positions(records):
        role = as_text(pos.get("role"))
        actor = records.get(as_text(pos.get("actor")))
        if not role or actor is None:
            continue
        roles = [r for r in actor.get("roles") or [] if isinstance(r, dict)]
        held = [r for r in roles if as_text(r.get("title")).lower() == role.lower()]
        if not held:
            titles = ", ".join(f"'{as_text(r.get('title'))}'" for r in roles) or "none recorded"
            problems.append(pos.src.problem(("role",), f"'{actor.id}' has no role '{role}' (roles: {titles})"))
            continue
        start = min((as_text(r.get("from")) for r in held if r.get("from")), default="")
        if (
            start
            and pos.date
            and all(r.get("from") and _prefix_cmp(pos.date, as_text(r.get("from"))) < 0 for r in held)
        ):
            problems.append(
                pos.src.problem(
                    ("date",),
                    f"this position ({pos.date}) is dated before '{actor.id}' became '{role}' ({start})",
                )
            )
            continue
        ends = [as_text(r.get("to")) for r in held]
        if pos.date and all(end and _prefix_cmp(pos.date, end) > 0 for end in ends):
            problems.append(
                pos.src.problem(
                    ("date",), f"this position ({pos.date}) is dated after '{actor.id}' left '{role}' ({max(ends)})"
                )
            )
    return problems


def _norm(text: str) -> str:
    return " ".join(inline.replace(text, lambda _g: "").lower().split())


def check_duplicate_labels(records: Mapping[str, Record]) -> list[Problem]:
    """Two records with the same title or name: a reader cannot tell their links apart."""
    seen: dict[str, Record] = {}
    problems = []
    for rec in sorted(records.values(), key=lambda r: (r.path, r.id)):
        key = _norm(rec.label)
        if not key:
            continue
        if (other := seen.get(key)) is not None:
            field = label_field(rec.kind)
            problems.append(
                rec.src.problem(
                    (field,),
                    f"the {field} '{rec.label}' is also that of {other.kind} '{other.id}' ({other.path}): "
                    "one record per fact, or titles that tell them apart",
                )
            )
            continue
        seen[key] = rec
    return problems


def _notes(rec: Record) -> Iterator[tuple[Key, str]]:
    for i, note in enumerate(rec.get("notes") or []):
        if isinstance(note, dict) and isinstance(note.get("text"), str):
            yield ("notes", i, "text"), note["text"]


def check_copied_notes(records: Mapping[str, Record]) -> list[Problem]:
    """The same note on several records: it stands on one, and the others link to it."""
    first: dict[str, tuple[Record, Key]] = {}
    problems = []
    for rec in sorted(records.values(), key=lambda r: (r.path, r.id)):
        for key, text in _notes(rec):
            norm = _norm(text)
            if (other := first.get(norm)) is None:
                first[norm] = (rec, key)
                continue
            problems.append(
                rec.src.problem(
                    key,
                    f"this note is a copy of one on {other[0].kind} '{other[0].id}' ({other[0].path}): "
                    "say what it means for this record, or link to that record",
                )
            )
    return problems


def _section_pinpoints(text: str, anchor: str) -> set[tuple[str, str]] | None:
    """The (key, page) pairs a page's section cites, the section found by its ``{: #anchor }``; None if absent."""
    heads = list(_HEADING.finditer(text))
    for i, m in enumerate(heads):
        if m.group(3) != anchor:
            continue
        level = len(m.group(1))
        end = next((h.start() for h in heads[i + 1 :] if len(h.group(1)) <= level), len(text))
        body = text[m.end() : end]
        cited = [(k, loc or "") for k, loc in _MACRO_CITE.findall(body)]
        cited += [(item.key, item.locator) for g in inline.find(body) for item in g.items]
        return {(k, p) for k, loc in cited for p in _pages(loc)}
    return None


def _pages(locator: str) -> set[str]:
    """The pages or paragraphs a locator names ('p. 17, n. 49' -> {'p17'}, 'para. 4' -> {'para4'})."""
    found = {f"p{m}" for m in _PAGE_RE.findall(locator)}
    span = re.search(r"pp\.\s*(\d+)\s*[-–]\s*(\d+)", locator)
    if span:
        found |= {f"p{n}" for n in range(int(span.group(1)), int(span.group(2)) + 1)}
    found |= {f"para{m}" for m in re.findall(r"para\.\s*(\d+)", locator)}
    return found or {locator.strip()}


def _record_pinpoints(rec: Record) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("key"), str) and "locator" in value:
                out.update((value["key"], p) for p in _pages(as_text(value.get("locator"))))
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str) and "@" in value:
            for g in inline.find(value):
                for item in g.items:
                    out.update((item.key, p) for p in _pages(item.locator))

    walk(dict(rec.data))
    return out


def check_discrepancy_links(root: Path, docs_dir: str, records: Mapping[str, Record]) -> list[Problem]:
    """A note linking to a section of a narrative page (a known discrepancy) only on a record the section
    concerns: one that cites at least one of the pages or paragraphs the section cites."""
    pages: dict[str, str | None] = {}
    problems = []
    for rec in records.values():
        mine: set[tuple[str, str]] | None = None
        for key, text in _notes(rec):
            for m in _PAGE_LINK.finditer(text):
                page = m.group(2)
                if page not in pages:
                    body, _found = read_text_input(root, root / docs_dir / f"{page}.md", 2_000_000)
                    pages[page] = body
                body = pages[page]
                cited = _section_pinpoints(body, m.group(3)) if body is not None else None
                if not cited:
                    continue  # a missing page or anchor is the link checker's; a section citing nothing concerns all
                mine = _record_pinpoints(rec) if mine is None else mine
                if not cited & mine:
                    where = ", ".join(sorted({f"{k} {p}" for k, p in cited}))
                    problems.append(
                        rec.src.problem(
                            key,
                            f"this note links to '{page}.md#{m.group(3)}', which concerns passages this "
                            f"{rec.kind} does not cite ({where}): link a discrepancy only where it applies",
                        )
                    )
    return problems


def check_project(root: Path, docs_dir: str, records: Mapping[str, Record]) -> list[Problem]:
    """Every cross-record problem of a project."""
    return [
        *check_stance_dates(records),
        *check_roles(records),
        *check_duplicate_labels(records),
        *check_copied_notes(records),
        *check_discrepancy_links(root, docs_dir, records),
    ]
