"""Escaping, dates, links and citations on one page."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .. import inline as _inline
from ..cite import Cite, collapse, pinpoint
from ..context import current
from ..model import PLURAL, Record, as_text
from ..pagemap import SourceMap

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~{}])")
_BRACES = re.compile(r"([{}])")
_BLOCK_END = re.compile(r"(?:^|\n)(?: {4}|\t|\s*\||\s*\[[^\]]+\]:|\s*>)[^\n]*\s*$|```|~~~")
_CODE = re.compile(r"(\\[\\`])|(?<!`)(`+)(?!`)((?:(?!\n[ \t]*\n).)+?)(?<!`)\2(?!`)", re.S)
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def esc(text: Any) -> str:
    """Plain text from data, safe inside Markdown and HTML: shown exactly as written."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(as_text(text), quote=False))


def prose(text: Any, *, inline: bool = False) -> str:
    """Markdown from data (a summary, a note): braces kept literal, so no attribute list or
    template syntax can come through; ``inline`` folds it onto one line for lists and tables."""
    src = as_text(text).strip()
    parts: list[str] = []
    pos = 0
    for m in _CODE.finditer(src):
        if m.group(2) is None:  # an escaped backslash or backtick: plain text
            continue
        parts += [_BRACES.sub(r"\\\1", src[pos : m.start()]), _code(m.group(3))]
        pos = m.end()
    parts.append(_BRACES.sub(r"\\\1", src[pos:]))
    out = "".join(parts)
    return " ".join(out.split()) if inline else out


def _code(span: str) -> str:
    """A code span from data as an HTML ``<code>`` element whose text is escaped like any other:
    it shows exactly as written, and no brace in it reaches a template engine or attr_list."""
    return f"<code>{esc(span.strip())}</code>"


def with_calls(markdown: str, calls: str) -> str:
    """Footnote calls after a block of Markdown; in a paragraph of their own when it ends in code,
    a table, a quotation or a link definition, where they would not show as calls."""
    if calls and _BLOCK_END.search(markdown):
        return f"{markdown}\n\n{calls}"
    return markdown + calls


def attr(text: Any) -> str:
    """Text for an HTML attribute value."""
    return html.escape(as_text(text), quote=True)


DATE_FORMATS = {
    "long": ("{d} {m} {y}", "{m} {y}"),  # 29 April 2013, April 2013
    "us": ("{m} {d}, {y}", "{m} {y}"),  # April 29, 2013
    "iso": ("{y}-{mm}-{dd}", "{y}-{mm}"),  # 2013-04-29
}
def date_format() -> str:
    """The date format in use (see :func:`set_date_format`)."""
    return current().date_format


def set_date_format(name: str) -> None:
    """The one date format of pages and tables (a key of :data:`DATE_FORMATS`), set from the
    ``date_format`` option of the plugin before any page is rendered."""
    if name not in DATE_FORMATS:
        raise ValueError(f"unknown date format '{name}'; choose one of: {', '.join(DATE_FORMATS)}")
    current().date_format = name


def fmt_date(value: Any) -> str:
    """``2013-04-29`` -> ``29 April 2013``; ``2013-04`` -> ``April 2013`` (in the configured format)."""
    text = as_text(value)
    parts = text.split("-")
    full, month_only = DATE_FORMATS[current().date_format]
    try:
        if len(parts) == 3:
            d, m = int(parts[2]), int(parts[1])
            return full.format(d=d, m=_MONTHS[m - 1], y=parts[0], mm=f"{m:02d}", dd=f"{d:02d}")
        if len(parts) == 2:
            m = int(parts[1])
            return month_only.format(m=_MONTHS[m - 1], y=parts[0], mm=f"{m:02d}")
    except (ValueError, IndexError):
        pass
    return text


def date_span(start: Any, end: Any = None) -> str:
    """A date or a range of dates for display."""
    if end:
        return f"{fmt_date(start)} – {fmt_date(end)}"
    return fmt_date(start)


def src_uri(rec: Record) -> str:
    """The generated Markdown file of a record."""
    return f"{PLURAL[rec.kind]}/{rec.id}.md"


def quote_text(text: Any) -> str:
    """A short quotation from a source, marked as one."""
    return f"“{esc(text)}”"


def relative(from_uri: str, to_uri: str) -> str:
    """The path of ``to_uri`` relative to the folder of ``from_uri`` (both relative to docs/)."""
    src = from_uri.split("/")[:-1]
    dst = to_uri.split("/")
    common = 0
    while common < len(src) and common < len(dst) - 1 and src[common] == dst[common]:
        common += 1
    return "/".join([".."] * (len(src) - common) + dst[common:])


_CALL = re.compile(r"\[\^cite-(\d+)\]")
_ADJACENT = re.compile(r"(?:\[\^cite-\d+\]){2,}")
_COMMENT = re.compile(r"<!--.*?-->", re.S)


class PageContext:
    """Collects the citations of one page in order and makes links relative to it."""

    def __init__(self, uri: str, index: int, maps: Mapping[str, SourceMap] | None = None) -> None:
        self.uri = uri
        self.index = index
        self.maps: Mapping[str, SourceMap] = maps or {}
        self.notes: list[list[Cite]] = []
        self.named: set[str] = set()  # places whose names' usage the page has explained (views.names_link)
        self._cites: tuple[list[list[Cite]], int, list[Cite]] | None = None

    def href(self, target_uri: str, anchor: str = "") -> str:
        """A relative link from this page's Markdown file to another's."""
        return relative(self.uri, target_uri) + (f"#{anchor}" if anchor else "")

    def link(self, rec: Record, text: str | None = None) -> str:
        """A Markdown link to a record's page."""
        return f"[{esc(text) if text is not None else esc(rec.label)}]({self.href(src_uri(rec))})"

    @property
    def cites(self) -> list[Cite]:
        """Every citation on the page, in order, each marked with the note it belongs to."""
        known = self._cites
        if known is None or known[0] is not self.notes or known[1] != len(self.notes):  # notes are only appended
            known = self._cites = (
                self.notes,
                len(self.notes),
                [Cite(c.key, c.locator, c.note, n) for n, note in enumerate(self.notes) for c in note],
            )
        return list(known[2])

    def cite(self, key: str, locator: Any = "", note: Any = "") -> str:
        """A footnote call for one citation; the note text is filled in later."""
        self.notes.append([self._located(key, locator, note)])
        return self.call(len(self.notes))

    def _located(self, key: Any, locator: Any, note: Any) -> Cite:
        """A citation as its note prints it: a section heading of the work (its map lists them) goes
        into the note only where no page, note or paragraph finds the place."""
        key, locator, note = as_text(key), as_text(locator).strip(), as_text(note).strip()
        found = self.maps.get(key)
        if note and found is not None and pinpoint(locator)[0] in ("p.", "n.", "para.") and found.is_heading(note):
            note = ""
        return Cite(key, locator, note)

    def group(self, group: _inline.Group) -> str:
        """A footnote call for one bracket of inline citations: ``[@a, p. 5; @b]``."""
        self.notes.append(collapse([Cite(item.key, item.locator) for item in group.items]))
        return self.call(len(self.notes))

    def prose(self, text: Any, *, inline: bool = False) -> str:
        """Markdown from data (see :func:`prose`), each inline citation a footnote call where it stands."""
        return _inline.replace(prose(text, inline=inline), self.group)

    def plain(self, text: Any) -> str:
        """Plain text from data (see :func:`esc`), each inline citation a footnote call where it stands."""
        calls: list[str] = []

        def mark(group: _inline.Group) -> str:
            calls.append(self.group(group))
            return f"\x00{len(calls) - 1}\x00"

        marked = esc(_inline.replace(as_text(text), mark))
        return re.sub(r"\x00(\d+)\x00", lambda m: calls[int(m.group(1))], marked)

    def sources(self, citations: Iterable[Mapping[str, Any]] | None) -> str:
        """One footnote call citing every entry of a ``sources`` list (empty if none)."""
        cites = [self._located(c.get("key"), c.get("locator", ""), c.get("note", "")) for c in citations or ()]
        if not cites:
            return ""
        self.notes.append(collapse(cites))
        return self.call(len(self.notes))

    @staticmethod
    def call(n: int) -> str:
        """The footnote call of note ``n``; its own label keeps it apart from an editor's ``[^1]``."""
        return f"[^cite-{n}]"

    def merge_adjacent(self, markdown: str) -> str:
        """Tidy the calls of a finished page: calls inside an HTML comment are dropped with their notes,
        and calls that stand side by side (``[^cite-3][^cite-4]``) become one note citing all their
        sources, as in print: one superscript, the sources joined by semicolons. Notes are renumbered
        in the order their calls stand on the page."""
        hidden: set[int] = set()

        def hide(match: re.Match[str]) -> str:
            hidden.update(int(n) for n in _CALL.findall(match.group(0)))
            return _CALL.sub("", match.group(0))

        markdown = _COMMENT.sub(hide, markdown)
        groups: dict[int, list[int]] = {}

        def join(match: re.Match[str]) -> str:
            nums = [int(n) for n in re.findall(r"\d+", match.group(0))]
            groups[nums[0]] = nums[1:]
            return self.call(nums[0])

        markdown = _ADJACENT.sub(join, markdown)
        dropped = hidden | {n for rest in groups.values() for n in rest}
        # Number the notes in reading order: the order their calls stand in the finished page.
        order = list(dict.fromkeys(int(n) for n in _CALL.findall(markdown)))
        order += [n for n in range(1, len(self.notes) + 1) if n not in dropped and n not in order]
        if not dropped and order == list(range(1, len(self.notes) + 1)):
            return markdown
        notes: list[list[Cite]] = []
        renumber: dict[int, int] = {}
        for n in order:
            note = self.notes[n - 1]
            notes.append(collapse([*note, *(c for m in groups.get(n, []) for c in self.notes[m - 1])]))
            renumber[n] = len(notes)
        self.notes = notes
        return _CALL.sub(lambda m: self.call(renumber.get(int(m.group(1)), int(m.group(1)))), markdown)

    @staticmethod
    def token(n: int) -> str:
        """The placeholder of note ``n``, filled in when the page is finished: the same on every page,
        so a page's Markdown does not change when pages are added before it."""
        return f"zRSCITEn{n}z"

    def footnotes(self) -> str:
        """Footnote definitions holding placeholders for the formatted notes."""
        return "\n".join(f"{self.call(n)}: {self.token(n)}" for n in range(1, len(self.notes) + 1))
