"""Mechanical edits: one replacement applied across many pages and records, shown once.

A rewording run over the whole reference ("paper" -> "study") changes dozens of pages the same
way; listed page by page it buries the one change that is not part of it. The replacements
found on many pages are reported once, with the pages where they stand, and every block,
note or field with any other change is still shown as it is: the exceptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from .pages import PageDiff
from .records import RecordDiff
from .text import Segments

MIN_FILES = 3
"""A replacement is mechanical when it stands in this many files or more: records, or else pages."""

_LEAD = re.compile(r"^(?:\[\d+\]|[^\w\s])+")
_TRAIL = re.compile(r"(?:\[\d+\]|[^\w\s])+$")


@dataclass
class Replacement:
    """One replacement of words by others, and where it stands."""

    old: str
    new: str
    pages: list[str] = field(default_factory=list)
    records: list[str] = field(default_factory=list)


def _bare(old: str, new: str) -> tuple[str, str]:
    """A replacement without the punctuation and note marks both sides share ("islands.[1]" -> "islands")."""
    m, n = _LEAD.search(old), _LEAD.search(new)
    if m and n and m[0] == n[0]:
        old, new = old[m.end() :], new[n.end() :]
    m, n = _TRAIL.search(old), _TRAIL.search(new)
    if m and n and m[0] == n[0]:
        old, new = old[: m.start()], new[: n.start()]
    return old, new


def pairs(diff: Segments) -> list[tuple[str, str]]:
    """The replacements of a word diff: each removal with the addition right after it."""
    out = []
    for i, (op, words) in enumerate(diff):
        if op == "-":
            follows = diff[i + 1] if i + 1 < len(diff) else ("=", "")
            out.append(_bare(words, follows[1]) if follows[0] == "+" else (words, ""))
        elif op == "+" and (i == 0 or diff[i - 1][0] != "-"):
            out.append(("", words))
    return out


def find(pages: list[PageDiff], records: list[RecordDiff], minimum: int = MIN_FILES) -> list[Replacement]:
    """The replacements that stand in ``minimum`` files or more, most widespread first.

    A record's change shows on its page and on the pages that list it: it counts once, as its
    record. A replacement in no record (narrative pages only) counts by pages.
    """
    found: dict[tuple[str, str], Replacement] = {}
    for d in pages:
        for b in d.blocks:
            for old, new in pairs(b.diff) if b.kind == "changed" else []:
                r = found.setdefault((old, new), Replacement(old, new))
                if d.url not in r.pages:
                    r.pages.append(d.url)
    for rd in records:
        for c in rd.items if rd.status == "changed" else []:
            for old, new in pairs(c.diff) if c.kind == "changed" else []:
                r = found.setdefault((old, new), Replacement(old, new))
                if rd.path not in r.records:
                    r.records.append(rd.path)
    wide = [r for r in found.values() if r.old and r.new and (len(r.records) or len(r.pages)) >= minimum]
    return sorted(wide, key=lambda r: (-(len(r.records) or len(r.pages)), r.old, r.new))


def _only(diff: Segments, known: set[tuple[str, str]]) -> bool:
    found = pairs(diff)
    return bool(found) and all(p in known for p in found)


def without(
    pages: list[PageDiff], records: list[RecordDiff], replacements: list[Replacement]
) -> tuple[list[PageDiff], list[RecordDiff]]:
    """The pages and records with what the replacements explain taken out: the exceptions."""
    known = {(r.old, r.new) for r in replacements}
    if not known:
        return pages, records
    out_pages = []
    for d in pages:
        if d.status != "changed":
            out_pages.append(d)
            continue
        blocks = [b for b in d.blocks if not (b.kind == "changed" and _only(b.diff, known))]
        notes = [n for n in d.notes if not (n.kind == "changed" and _only(n.diff, known))]
        if blocks or notes:
            out_pages.append(replace(d, blocks=blocks, notes=notes))
    out_records = []
    for rd in records:
        if rd.status != "changed":
            out_records.append(rd)
            continue
        items = [c for c in rd.items if not (c.kind == "changed" and _only(c.diff, known))]
        if items:
            out_records.append(replace(rd, items=items))
    return out_pages, out_records
