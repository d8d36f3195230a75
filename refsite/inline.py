"""Inline citations in pandoc's syntax: ``[@key, p. 15]``, ``[@a, p. 5; @b, para. 4]``, ``[-@key]``.

Plain Python, shared by the checks (which locate each citation in its YAML or Markdown
source) and the renderers (which turn each bracket into one footnote call where it stands).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .context import MemoSlot

#: A bracket whose text starts with ``@`` or ``-@``; not a link (``](``), a reference (``][``),
#: an image or an escaped bracket. A link definition (``]:`` at the start of a line) is left out by
#: ``find``: after a citation in running text a colon is ordinary punctuation.
GROUP_RE = re.compile(r"(?<![\\!\]])\[(\s*-?@[^\[\]]*)\](?![(\[])")
_DEFINITION_RE = re.compile(r"(?:^|\n) {0,3}\Z")
_KEY = r"[A-Za-z0-9_](?:[A-Za-z0-9_]|[:.#$%&+?<>~/-](?=[A-Za-z0-9_]))*"
_ITEM_RE = re.compile(r"\s*(-?)@(" + _KEY + r")\s*(?:,\s*(\S(?:.*\S)?))?\s*\Z", re.S)
_TICKS_RE = re.compile(r"`+")


@dataclass(frozen=True)
class Item:
    """One citation inside a bracket; offsets are relative to the text the bracket was found in."""

    key: str
    locator: str
    suppress_author: bool
    start: int  # offset of the '@' (or '-') of the item
    key_start: int
    locator_start: int  # -1 without a locator


@dataclass(frozen=True)
class Group:
    """One bracket of citations: ``[@a, p. 5; @b]``, from ``start`` to ``end`` in its text."""

    start: int
    end: int
    items: tuple[Item, ...]
    error: tuple[int, str] | None = None  # (offset, message) when the bracket is malformed


def _code_spans(text: str) -> list[tuple[int, int]]:
    """The code spans of ``text`` as Python-Markdown finds them, in time linear in its backticks.

    A run of backticks opens a span closed by the next run of exactly its length; failing that, a
    shorter opening (the rest of the run is then code) closed by a run of that length. A pattern
    that backtracks over every shorter opening takes minutes on a long run of backticks."""
    runs = [m.span() for m in _TICKS_RE.finditer(text)]
    by_length: dict[int, list[int]] = {}  # run length -> indices of the runs of that length, last first
    for i in range(len(runs) - 1, -1, -1):
        by_length.setdefault(runs[i][1] - runs[i][0], []).append(i)
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(runs):
        start, end = runs[i]
        for length in range(end - start, 0, -1):
            later = by_length.get(length)
            while later and later[-1] <= i:
                later.pop()  # each index goes once: the scan stays linear
            if later:
                j = later[-1]
                spans.append((start, runs[j][1]))
                i = j
                break
        i += 1
    return spans


def _parse(text: str, m: re.Match[str]) -> Group:
    inner_start = m.start(1)
    items: list[Item] = []
    pos = inner_start
    for part in m.group(1).split(";"):
        im = _ITEM_RE.match(part)
        if im is None:
            lead = len(part) - len(part.lstrip())
            shown = " ".join(part.split())
            return Group(
                m.start(),
                m.end(),
                tuple(items),
                (pos + lead, f"malformed citation '{shown}': write '@key' or '@key, p. 15', several separated by ';'"),
            )
        loc = im.group(3) or ""
        items.append(
            Item(
                key=im.group(2),
                locator=" ".join(loc.split()),
                suppress_author=im.group(1) == "-",
                start=pos + im.start(1) if im.group(1) else pos + im.start(2) - 1,
                key_start=pos + im.start(2),
                locator_start=pos + im.start(3) if loc else -1,
            )
        )
        pos += len(part) + 1
    return Group(m.start(), m.end(), tuple(items))


_FOUND: MemoSlot[tuple[Group, ...]] = MemoSlot("inline.found", 50_000)


def find(text: str) -> list[Group]:
    """Every citation bracket of ``text`` in order, skipping code spans."""
    return list(_FOUND.get(lambda: tuple(_find(text)), text))


def _find(text: str) -> list[Group]:
    code = _code_spans(text)
    starts = [a for a, _ in code]
    out = []
    for m in GROUP_RE.finditer(text):
        k = bisect.bisect_right(starts, m.start()) - 1
        if k >= 0 and m.start() < code[k][1]:
            continue  # inside a code span (spans do not overlap)
        if text.startswith(":", m.end()) and _DEFINITION_RE.search(text, 0, m.start()):
            continue  # a link reference definition, '[@label]: url'
        out.append(_parse(text, m))
    return out


_PUNCT_RE = re.compile(r"[.,;:!?]+")


def _splice(text: str, scan: str, call: Callable[[Group], str]) -> str:
    """Replace the brackets found in ``scan`` (``text`` or a blanked copy of it) by note calls.

    As pandoc does for a notes style, the space before a bracket goes, and a call that precedes
    punctuation moves after it: ``in 2013 [@key].`` reads ``in 2013.¹``.
    """
    out: list[str] = []
    last = 0
    for group in find(scan):
        if group.error is not None:
            continue
        before = text[last : group.start]
        stripped = before.rstrip(" \t")
        if stripped.endswith("\n"):
            stripped = before  # a call at the start of a line keeps its line
        punct = _PUNCT_RE.match(text, group.end)
        out += [stripped]
        if punct and stripped:
            out += [punct.group(0), call(group)]
            last = punct.end()
        else:
            out += [call(group)]
            last = group.end
    out.append(text[last:])
    return "".join(out)


def replace(text: str, call: Callable[[Group], str]) -> str:
    """``text`` with every well-formed citation bracket replaced by ``call(group)``."""
    return _splice(text, text, call)


def has_citation(text: str) -> bool:
    """Whether ``text`` holds at least one well-formed citation bracket."""
    return any(g.error is None for g in find(text))


def paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """The paragraphs of a Markdown text with their offsets (blank lines separate them)."""
    for m in re.finditer(r"\S(?:.*?\S)?(?=\n[ \t]*\n|\s*\Z)", text, re.S):
        yield m.start(), m.group(0)


_FENCE_RE = re.compile(r"^([ \t]*)(```+|~~~+)[^\n]*\n.*?^\1\2[ \t]*$", re.S | re.M)


def blank_code_blocks(text: str) -> str:
    """Fenced code blocks replaced by spaces of the same shape, so offsets stay put."""
    return _FENCE_RE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def replace_in_page(markdown: str, call: Callable[[Group], str]) -> str:
    """Like :func:`replace`, for a whole Markdown page: fenced code blocks are left alone."""
    return _splice(markdown, blank_code_blocks(markdown), call)
