"""Checks on inline citations: keys and locators at the citation itself, claims without one.

A citation in a YAML value is located in the file's own text: the value's scalar (plain,
quoted, literal ``|`` or folded ``>``) is read back from its start and end, and the n-th
bracket of the value is the n-th bracket of that source text, whatever the folding did
to the spaces inside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from . import inline
from .bib import BibEntry
from .config import plugin_options
from .load import Key, Located
from .model import Record
from .options import Options
from .pagemap import SourceMap as PageMap
from .problems import Problem, did_you_mean
from .validate import check_locator

#: Fields that take inline citations: top-level names, and (list, field) pairs inside lists.
TOP_FIELDS = ("summary", "date_note", "stance_reading")
LIST_FIELDS = (("notes", "text"), ("roles", "note"), ("names", "note"), ("figures", "note"))


def citable(data: Mapping[str, Any]) -> Iterator[tuple[Key, str]]:
    """Every text value of a record that takes inline citations, with its key."""
    for name in TOP_FIELDS:
        if isinstance(data.get(name), str):
            yield (name,), data[name]
    for outer, inner in LIST_FIELDS:
        items = data.get(outer)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get(inner), str):
                yield (outer, i, inner), item[inner]


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


class LineMap:
    """Offsets in a text to 1-based lines and columns."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = _line_starts(text)

    def index(self, pos: tuple[int, int]) -> int:
        """The offset of a 0-based (line, column)."""
        line, col = pos
        return (self.starts[line] if line < len(self.starts) else len(self.text)) + col

    def pos(self, index: int) -> tuple[int, int]:
        """The 1-based (line, column) of an offset."""
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= index:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, index - self.starts[lo] + 1


class SourceMap(LineMap):
    """Maps an offset in a YAML value back to a line and column of its file."""

    def __init__(self, doc: Located) -> None:
        super().__init__(doc.text)
        self.doc = doc

    def source(self, key: Key) -> tuple[str, int] | None:
        """The source text of the scalar at ``key`` and its offset in the file."""
        span = self.doc.spans.get(key)
        if span is None:
            return None
        base = self.index(span[0])
        return self.text[base : self.index(span[1])], base

    def locate(self, key: Key, value: str) -> list[tuple[inline.Group, inline.Group | None, int]]:
        """Each bracket of ``value`` with the same bracket in the source (None if not found) and its base."""
        groups = inline.find(value)
        src = self.source(key)
        if src is None or not groups:
            return [(g, None, 0) for g in groups]
        source, base = src
        found = inline.find(source)
        if len(found) != len(groups):
            return [(g, None, base) for g in groups]
        return [(g, s, base) for g, s in zip(groups, found, strict=True)]

    def position(self, key: Key, source_offset: int | None, base: int) -> tuple[int, int]:
        """Line and column of an offset into the value's source text (else of the value)."""
        if source_offset is None:
            return self.doc.pos(key)
        return self.pos(base + source_offset)


def check_text_citations(
    groups: Iterable[tuple[inline.Group, inline.Group | None]],
    at: Any,
    bib: Mapping[str, BibEntry],
    maps: Mapping[str, PageMap] | None = None,
) -> list[tuple[Any, str]]:
    """Messages for the brackets of one text, each with the position ``at(offset)`` gives."""
    out: list[tuple[Any, str]] = []
    for group, src in groups:
        ref = src if src is not None else group
        exact = src is not None
        if group.error is not None:
            offset = ref.error[0] if ref.error is not None else ref.start
            out.append((at(offset if exact else None), group.error[1]))
            continue
        for item, sitem in zip(group.items, ref.items, strict=False):
            if item.key not in bib:
                out.append(
                    (
                        at(sitem.key_start - 1 if exact else None),
                        f"unknown citation key '{item.key}'{did_you_mean(item.key, bib)}",
                    )
                )
            if not item.locator:
                continue
            msg = check_locator(item.locator)
            if msg is None and maps and item.key in maps:
                msg = maps[item.key].check(item.locator)
            if msg:
                out.append((at(sitem.locator_start if exact else None), msg))
    return out


def check_records(
    records: Iterable[Record], bib: Mapping[str, BibEntry], maps: Mapping[str, PageMap] | None = None
) -> list[Problem]:
    """Keys and locators of every inline citation in the records, at the citation itself."""
    problems: list[Problem] = []
    for rec in records:
        smap: SourceMap | None = None
        for key, value in citable(rec.data):
            if "@" not in value:
                continue
            smap = smap or SourceMap(rec.src)
            for g, s, base in smap.locate(key, value):

                def at(offset: int | None, key: Key = key, base: int = base, smap: SourceMap = smap) -> tuple[int, int]:
                    return smap.position(key, offset, base)

                for (line, col), message in check_text_citations([(g, s)], at, bib, maps):
                    problems.append(Problem(rec.path, line, col, message))
    return problems


def cited_keys(records: Iterable[Record]) -> set[str]:
    """Every key cited inline in the records."""
    return {
        item.key
        for rec in records
        for _, value in citable(rec.data)
        if "@" in value
        for group in inline.find(value)
        for item in group.items
    }


def check_page_citations(
    rel: str, text: str, bib: Mapping[str, BibEntry], maps: Mapping[str, PageMap] | None = None
) -> tuple[set[str], list[Problem]]:
    """Keys and locators of the inline citations of one narrative page, and the keys it cites."""
    if "@" not in text:
        return set(), []
    lines = LineMap(text)

    def at(offset: int | None) -> tuple[int, int]:
        return lines.pos(offset or 0)

    groups = inline.find(text)
    keys = {item.key for g in groups for item in g.items}
    problems = [
        Problem(rel, line, col, message)
        for (line, col), message in check_text_citations([(g, g) for g in groups], at, bib, maps)
    ]
    return keys, problems


def uncited_paragraphs(records: Iterable[Record], *, severity: str = "warning") -> list[Problem]:
    """A summary paragraph with no inline citation, located at the paragraph's start."""
    problems: list[Problem] = []
    for rec in records:
        summary = rec.get("summary")
        if not isinstance(summary, str):
            continue
        smap: SourceMap | None = None
        for offset, para in inline.paragraphs(summary):
            if inline.has_citation(para):
                continue
            smap = smap or SourceMap(rec.src)
            line, col = _paragraph_pos(smap, rec.src, offset, summary)
            problems.append(
                Problem(
                    rec.path,
                    line,
                    col,
                    "summary paragraph cites no source: add a citation such as [@key, p. 15] where its claim stands",
                    severity,
                )
            )
    return problems


def _paragraph_pos(smap: SourceMap, doc: Located, offset: int, value: str) -> tuple[int, int]:
    """The paragraph's first word in the source: the n-th word of the value is the n-th word of
    its scalar, after a block scalar's indicator; else the value's own position."""
    src = smap.source(("summary",))
    words = value[offset:].split()
    if src is None or not words:
        return doc.pos(("summary",))
    source, base = src
    tokens = list(re.finditer(r"\S+", source))
    n = len(value[:offset].split()) + (1 if source[:1] in "|>" else 0)
    if n < len(tokens) and words[0] in tokens[n].group(0):
        return smap.pos(base + tokens[n].start() + tokens[n].group(0).find(words[0]))
    return doc.pos(("summary",))


def require_claim_citations(config: dict[str, Any]) -> bool:
    """The ``require_claim_citations`` option of the ``refsite`` plugin in mkdocs.yml (default off)."""
    return Options.from_values(plugin_options(config, "refsite")).require_claim_citations


def claim_checks(
    records: Iterable[Record],
    bib: Mapping[str, BibEntry],
    config: dict[str, Any],
    maps: Mapping[str, PageMap] | None = None,
) -> tuple[set[str], list[Problem]]:
    """The keys cited inline in records, and every problem with their inline citations."""
    recs = list(records)
    problems = check_records(recs, bib, maps)
    if require_claim_citations(config):
        problems.extend(uncited_paragraphs(recs))
    return cited_keys(recs), problems


def page_claim_checks(
    rel: str, text: str, bib: Mapping[str, BibEntry], maps: Mapping[str, PageMap] | None = None
) -> tuple[set[str], list[Problem]]:
    """The inline citations of a narrative page outside its code blocks: keys cited and problems."""
    return check_page_citations(rel, inline.blank_code_blocks(text), bib, maps)
