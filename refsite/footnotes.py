"""The notes of a page: their markup, their order, and the note model readers use.

This module owns the footnote markup of a converted page (Python-Markdown's ``footnotes``
extension: a call ``<sup id="fnref:ID"><a class="footnote-ref" href="#fn:ID">N</a></sup>``, the
notes in ``<div class="footnote"><hr /><ol><li id="fn:ID">…``). What reads notes (the print
edition, the tests) takes :class:`Note` and :class:`Call` objects from :func:`notes_of` and
:func:`calls_of`, not the markup.

Python-Markdown numbers a footnote when its inline pass meets the call, and that pass
reaches the cells of a table, the items of a list or the body of an admonition after the
paragraphs around them. The page's HTML is in reading order, so the numbers are set from it
(:func:`in_reading_order`): each call gets the number of its note's first call, and the notes
are listed in that order.
"""

from __future__ import annotations

import html as html_text
import re
from collections.abc import Sequence
from dataclasses import dataclass

_CALL = re.compile(r'(<sup id="fnref(\d*):([^"]+)"><a class="footnote-ref" href="#fn:[^"]+">)(\d+)(</a></sup>)')
_BLOCK = re.compile(r'(<div class="footnote">\s*<hr\s*/?>\s*<ol>)(.*?)(</ol>\s*</div>)', re.S)
_ITEM_START = re.compile(r'(?=<li id="fn:)')
_ITEM_ID = re.compile(r'<li id="fn:([^"]+)"')
_ITEM = re.compile(r'<li id="fn:([^"]+)">(.*?)</li>\s*(?=<li id="fn:|$)', re.S)
_BACKREF = re.compile(r'(?:&#160;|&nbsp;|\xa0)?<a class="footnote-backref"[^>]*>.*?</a>', re.S)
_TAG = re.compile(r"<[^>]+>")
#: The class of a note's hidden full references (what its preview shows beside a short form).
FULL_CLASS = "refsite-note-full"
_FULL = re.compile(rf'<span class="{FULL_CLASS}\b[^"]*"[^>]*>(.*)</span>(?=\s*</p>\s*$)', re.S)


def full_references_span(works: Sequence[str]) -> str:
    """The hidden part of a note that holds the full references of the works it cites in short
    (each a bibliography entry's HTML): kept out of search and print, shown by the note's preview."""
    if not works:
        return ""
    inner = "".join(f'<span class="refsite-note-work">{work}</span>' for work in works)
    return f'<span class="{FULL_CLASS} web-only" hidden data-search-exclude>{inner}</span>'


@dataclass(frozen=True)
class Call:
    """A note's call in the text: the note's id, the number it shows, where it stands in the HTML."""

    id: str
    number: int
    at: int


@dataclass(frozen=True)
class Note:
    """One note of a page: its id (``cite-3``, or an editor's own ``1``), its number (that of its
    first call, else its place in the list), its text as HTML (its paragraphs, without the links
    back to its calls), how many times the text calls it, and the full references its preview
    shows beside a short form (HTML; "" when it cites every work in full)."""

    id: str
    number: int
    html: str
    calls: int
    full: str = ""

    @property
    def text(self) -> str:
        """The note as plain text: tags dropped, entities read, spaces made single."""
        return " ".join(html_text.unescape(_TAG.sub("", self.html)).split())


def calls_of(html: str) -> list[Call]:
    """The note calls of a page's HTML, in the order they stand (the notes' own list left out)."""
    block = _BLOCK.search(html)
    body = html[: block.start()] if block is not None else html
    return [Call(m.group(3), int(m.group(4)), m.start()) for m in _CALL.finditer(body)]


def notes_of(html: str) -> list[Note]:
    """The notes of a page's HTML, in the order they are listed."""
    block = _BLOCK.search(html)
    if block is None:
        return []
    calls = calls_of(html)
    first: dict[str, int] = {}
    count: dict[str, int] = {}
    for call in calls:
        first.setdefault(call.id, call.number)
        count[call.id] = count.get(call.id, 0) + 1
    notes = []
    for place, m in enumerate(_ITEM.finditer(block.group(2).strip()), 1):
        text = _BACKREF.sub("", m.group(2)).strip()
        full = _FULL.search(text)
        if full is not None:
            text = text[: full.start()] + text[full.end() :]
        number, times = first.get(m.group(1), place), count.get(m.group(1), 0)
        notes.append(Note(m.group(1), number, text, times, full.group(1) if full is not None else ""))
    return notes


def in_reading_order(html: str) -> str:
    """``html`` with its footnote calls numbered 1..n in the order they stand, and the notes in that order."""
    block = _BLOCK.search(html)
    if block is None:
        return html
    body = html[: block.start()]
    order: dict[str, int] = {}
    for m in _CALL.finditer(body):
        order.setdefault(m.group(3), len(order) + 1)
    chunks = [c for c in _ITEM_START.split(block.group(2)) if c.strip()]
    items: dict[str, str] = {}
    lead = ""
    for chunk in chunks:
        found = _ITEM_ID.match(chunk)
        if found is None:
            lead += chunk
        else:
            items[found.group(1)] = chunk
    for name in items:
        order.setdefault(name, len(order) + 1)
    if list(order) == list(items) and all(m.group(4) == str(order[m.group(3)]) for m in _CALL.finditer(body)):
        return html
    body = _CALL.sub(lambda m: f"{m.group(1)}{order[m.group(3)]}{m.group(5)}", body)
    listed = sorted(items, key=lambda n: order[n])
    notes = "".join(_renumber_backlinks(items[name], order[name]) for name in listed)
    tail = html[block.end() :]
    trail = "" if notes.endswith("\n") else "\n"
    return body + block.group(1) + lead + notes + trail + block.group(3) + tail


def _renumber_backlinks(item: str, number: int) -> str:
    """The 'jump back to footnote N' titles of one note, with its new number."""
    return re.sub(
        r'(<a class="footnote-backref"[^>]*?title=")([^"]*)(")',
        lambda m: m.group(1) + re.sub(r"\d+", str(number), m.group(2), count=1) + m.group(3),
        item,
    )


__all__ = ["FULL_CLASS", "Call", "Note", "calls_of", "full_references_span", "in_reading_order", "notes_of"]
