"""The print edition typeset by Typst: a book of plain data (chapters of pages, each a body the
engine finished, with its notes in place) written as Typst source and compiled to a tagged PDF.

Every text of the content reaches Typst as a string literal (``#"..."``), never as markup, so no
text of a page or a record can call a function, read a file or open a raw block; labels are made
from page addresses reduced to ``[a-z0-9-]``. A link to a page or a section of the edition becomes
a page reference, and links to records feed the back-of-book index.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .htmltree import Element, Node, parse, to_html

FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto")
"""Debian's fonts-noto-core and fonts-noto-cjk: the only fonts the edition uses (system fonts are ignored)."""

PAPERS = {"a4": "a4", "letter": "us-letter"}
FIGURE_WIDTH_MM = 160.0  # inside the text block of A4 and of US Letter
FIGURE_MAX_HEIGHT_MM = 150.0
RECORD_FIGURE_MM = (120.0, 95.0)  # a record's map only locates the record: smaller, labels enlarged to 7 pt
MIN_LABEL_PT = 7.0
PT_PER_MM = 72 / 25.4

HIDDEN = frozenset({"refsite-timeline-zoom", "refsite-grid-filters", "refsite-sr"})
"""Classes of what the website alone shows (filters, zoom buttons, text for screen readers that
repeats what the print shows); the stance grid prints as its list version, without its wide table."""

LINE_OF_ITS_OWN = frozenset({"refsite-grid-date", "refsite-grid-none", "refsite-stance-date"})
"""Classes of the short lines under a name or a stance in a table cell (a date, "none")."""

BLOCK = frozenset(
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table", "div", "section", "figure",
        "figcaption", "blockquote", "details", "summary", "hr", "pre", "svg", "nav", "dl", "caption",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Entry:
    """One page of a chapter: an anchor (a page slug, or "" for none), where its content comes
    from (``docs/history.md``, ``data/actors/japan.yaml``) and its body as print HTML."""

    slug: str
    origin: str
    body: str


@dataclass(frozen=True)
class Chapter:
    """A chapter of the book: a narrative page, or a part of the reference made of record pages."""

    slug: str
    title: str
    entries: Sequence[Entry]
    part: bool = False


@dataclass(frozen=True)
class IndexTerm:
    """A heading of the back-of-book index: the words it is filed under, the record whose
    mentions it lists (by page slug) and, for a place's other name, a note saying whose name it is."""

    words: str
    target: str
    note: str = ""


@dataclass
class Book:
    """Everything the print edition shows, as plain data."""

    title: str
    author: str
    lang: str
    subtitle: str
    facts: Sequence[str]
    chapters: Sequence[Chapter]
    index: Sequence[IndexTerm] = field(default_factory=list)
    indexed: frozenset[str] = frozenset()  # the page slugs whose links are index mentions
    names: frozenset[str] = frozenset()  # proper names never hyphenated, wherever they stand
    root: Path | None = None  # the project's folder, where an error's origin is found


class TypstFailure(Exception):
    """Typst could not typeset the book; ``lines`` are located error lines."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class NotePlan:
    """How the notes are set, learnt from an earlier typesetting of the same book, where a note
    did not start on the page of its call: the table rows (table, row) a table is broken before (a
    row of a table cannot move to the next page with its note); the notes whose paragraphs are
    set without widow and orphan control (Typst may move a line kept with the next to the next
    page after it has put the line's note at the foot of the page); and the notes called on the
    line of the note before them, whose entries are set in that note's entry, kept whole (Typst
    moves a line to the next page with the first note it calls only)."""

    breaks: frozenset[tuple[int, int]] = frozenset()
    loose: frozenset[int] = frozenset()
    joined: frozenset[int] = frozenset()


@dataclass
class _Notes:
    """The notes of the book as they are written: each note's Typst body, and the table row a
    note is called in (table, row), if any."""

    bodies: list[str] = field(default_factory=list)
    rows: dict[int, tuple[int, int]] = field(default_factory=dict)
    row: tuple[int, int] | None = None
    tables: int = 0
    units: dict[int, int] = field(default_factory=dict)  # note -> the first note of a block kept whole
    floats: int = 0
    unit: int | None = None
    chapter: int | None = 0  # the chapter's first note, by which notes are numbered; None: by Typst's counter


def lit(text: str) -> str:
    """A Typst string literal holding ``text`` exactly: shown as text, never read as markup."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return '"' + escaped.replace("\t", "\\t") + '"'


def label_name(slug: str) -> str:
    """A label for an anchor of the edition: lower-case letters, digits and hyphens only."""
    return re.sub(r"[^a-z0-9-]+", "-", slug.lower()).strip("-") or "x"


PREAMBLE = r"""
#let refsite-xref(target, indexed, body) = {
  if indexed { [#metadata(target)#label("refsite-ix")] }
  context {
    let lbl = label(target)
    let found = query(lbl)
    if found.len() == 0 {
      body
      // the first layout knows no page yet (nor the book's end): it keeps room for the reference,
      // so the next layout moves less; later, an anchor the book lacks leaves the words alone
      if query(<refsite-end>).len() == 0 [~(→~p.~000)]
    } else {
      link(lbl, body)
      let p = found.first().location().page()
      if p != here().page() [~(→~p.~#p)]
    }
  }
}
#let refsite-name(body) = text(hyphenate: false, body)
#let refsite-together(a, b) = {
  let unit = refsite-units.at(a, default: -1)
  a >= 0 and unit >= 0 and unit == refsite-units.at(b, default: -2)
}
#let refsite-check(i, call) = {  // a note astray reported, with whether it shares its line with the one before
  let p = here().page()
  if call.page() != p {
    let before = if i > 0 { query(label("refsite-f" + str(i - 1))) } else { () }
    let prev = if before.len() == 1 { before.first().location() } else { none }
    let shared = (
      prev != none and prev.page() == call.page() and calc.abs((prev.position().y - call.position().y).pt()) < 2
    )
    [#metadata((i, call.page(), p, shared))<refsite-astray>]
  }
}
#let refsite-astray(i) = {
  let entry = query(label("refsite-e" + str(i)))
  let call = query(label("refsite-f" + str(i)))
  entry.len() == 1 and call.len() == 1 and entry.first().location().page() != call.first().location().page()
}
#let refsite-par(a, b, body) = context {
  let mark = label("refsite-l" + str(a))
  if query(mark).len() > 0 or range(a, b).any(refsite-astray) {
    [#metadata(none)#mark]
    set text(costs: (widow: 0%, orphan: 0%))
    body
  } else { body }
}
#let refsite-float-at(target, what, always) = context {
  let found = query(target)
  if found.len() == 1 {
    let p = found.first().location().page()
    set text(size: 8.5pt, fill: luma(60))
    if p != here().page() [The #what is on p.~#p.] else if always [The #what is at the foot of this page.]
  }
}
#let refsite-number(note) = {
  if type(note.numbering) == function { (note.numbering)() } else { str(counter(footnote).at(note.location()).first()) }
}
#let refsite-starts(i, note) = {
  [#metadata(none)#label("refsite-e" + str(i))#refsite-check(i, note.location())#refsite-number(note). ]
}
#let refsite-entry(it) = {
  let i = int(str(it.note.label).slice(9))
  if not refsite-together(i - 1, i) {
    let more = ()
    while refsite-together(i, i + more.len() + 1) { more.push(i + more.len() + 1) }
    let body = [#refsite-starts(i, it.note)#it.note.body]
    for k in more {
      let note = query(label("refsite-f" + str(k))).first()
      body += [#parbreak()#refsite-starts(k, note)#note.body]
    }
    if more.len() > 0 { block(breakable: false, body) } else { body }
  }
}
#let refsite-index(terms) = context {
  let pages = (:)
  for m in query(label("refsite-ix")) {
    let key = m.value
    let p = m.location().page()
    let seen = pages.at(key, default: ())
    if p not in seen { seen.push(p) }
    pages.insert(key, seen)
  }
  for (letter, group) in terms {
    block(sticky: true, above: 4mm, below: 1.5mm, text(font: SANS, weight: "bold", letter))
    for (words, target, note) in group {
      let own = query(label(target))
      let found = pages.at(target, default: ())
      if own.len() > 0 {
        let p = own.first().location().page()
        if p not in found { found.push(p) }
      }
      let listed = found.sorted().map(p => str(p)).join(", ")
      par(hanging-indent: 4mm, justify: false)[#refsite-name(words)#if note != "" [ (#refsite-name(note))], #listed]
    }
  }
}
"""


class _Writer:
    """HTML of the engine's pages written as Typst markup."""

    def __init__(
        self,
        targets: set[str],
        indexed: frozenset[str],
        in_record: bool = False,
        names: re.Pattern[str] | None = None,
        notes: _Notes | None = None,
        plan: NotePlan | None = None,
    ) -> None:
        self.notes = notes if notes is not None else _Notes()
        self.plan = plan if plan is not None else NotePlan()
        self.targets = targets
        self.indexed = indexed
        self.names = names
        self.in_record = in_record
        self.plain_links = False  # inside a heading: its title must be plain text
        self.in_note = False  # notes print their addresses themselves

    # -- inline -----------------------------------------------------------------------------
    def inline(self, nodes: Sequence[Node]) -> str:
        return "".join(self.inline_node(n) for n in nodes)

    def text(self, text: str) -> str:
        text = re.sub(r"\s+", " ", text)
        if not text:
            return ""
        if self.names is None:
            return f"#{lit(text)};"
        out, at = [], 0
        for match in self.names.finditer(text):
            if match.start() > at:
                out.append(f"#{lit(text[at : match.start()])};")
            out.append(f"#refsite-name({lit(match.group(0))});")
            at = match.end()
        if at < len(text):
            out.append(f"#{lit(text[at:])};")
        return "".join(out)

    def inline_node(self, node: Node) -> str:
        if isinstance(node, str):
            return self.text(node)
        e = node
        if e.classes & HIDDEN:
            return ""
        tag = e.tag
        inner = self.inline(e.children)
        anchor = self.anchor(e)
        if "fn" in e.classes and tag == "span":
            return self.footnote(e)
        if tag == "a":
            return anchor + self.link(e, inner)
        if tag in ("strong", "b"):
            return f"{anchor}#strong[{inner}];"
        if tag in ("em", "i", "cite"):
            return f"{anchor}#emph[{inner}];"
        if tag == "code":
            return f"{anchor}#raw({lit(e.text())});"
        if tag == "sup":
            return f"{anchor}#super[{inner}];"
        if tag == "sub":
            return f"{anchor}#sub[{inner}];"
        if tag == "br":
            return "#linebreak();"
        if tag == "img":
            return self.text(e.attrs.get("alt", ""))
        if tag in BLOCK:
            return self.blocks([e])
        if e.classes & LINE_OF_ITS_OWN:
            return f"#linebreak();{anchor}#text(fill: luma(80))[{inner}];"
        return anchor + inner

    def footnote(self, e: Element) -> str:
        """A note: its call, and its entry at the foot of the page (or carried in the entry of the
        note called first on its line, see :class:`NotePlan`)."""
        i = len(self.notes.bodies)
        self.notes.bodies.append("")
        if self.notes.row is not None:
            self.notes.rows[i] = self.notes.row
        if self.notes.unit is not None:
            self.notes.units[i] = self.notes.unit
        self.in_note = True
        inner = self.inline(e.children)
        self.in_note = False
        self.notes.bodies[i] = inner
        if self.notes.chapter is None:
            return f"#footnote[{inner}]<refsite-f{i}>"
        # numbered here, not by Typst's counter: the number is known from the start, so the first
        # layout already sets it at its width (one layout fewer before the book settles)
        return f"#footnote(numbering: (..) => {lit(str(i - self.notes.chapter + 1))})[{inner}]<refsite-f{i}>"

    def link(self, e: Element, inner: str) -> str:
        href = e.attrs.get("href", "")
        if self.plain_links:
            return inner
        if href.startswith("#"):
            target = label_name(href[1:])
            if target not in self.targets:
                return inner
            indexed = "true" if target in self.indexed else "false"
            return f"#refsite-xref({lit(target)}, {indexed}, refsite-name[{inner}]);"
        if re.match(r"^(https?|mailto):", href, re.I):
            shown = ""
            if not self.in_note and e.text().strip() != href and href.lower().startswith("http"):
                shown = f" #text(size: 8pt)[#{lit('<' + href + '>')};]"  # a print reader needs the address
            return f"#link({lit(href)})[{inner}];{shown}"
        return inner

    def anchor(self, e: Element) -> str:
        ident = e.attrs.get("id")
        if ident is None or label_name(ident) not in self.targets:
            return ""
        return f"#metadata(none)#label({lit(label_name(ident))})"

    # -- blocks -----------------------------------------------------------------------------
    def blocks(self, nodes: Sequence[Node]) -> str:
        out: list[str] = []
        run: list[Node] = []

        def flush() -> None:
            first = len(self.notes.bodies)
            text = self.inline(run).strip()
            if text and text != "#" + lit(" ") + ";":
                out.append(self.loosen(first, text + "\n\n"))
            run.clear()

        for node in nodes:
            if isinstance(node, Element) and node.tag in BLOCK:
                flush()
                out.append(self.block(node))
            else:
                run.append(node)
        flush()
        return "".join(out)

    def block(self, e: Element) -> str:
        if e.classes & HIDDEN:
            return ""
        tag = e.tag
        anchor = self.anchor(e)
        if re.fullmatch(r"h[1-6]", tag):
            return self.heading(e)
        if tag == "p":
            first = len(self.notes.bodies)
            inner = self.inline(e.children).strip()
            if not inner:
                return anchor
            if e.classes & {"refsite-meta", "refsite-citedby", "refsite-map-credit"}:
                return f"{anchor}#[#set text(size: 8.5pt, fill: luma(60)); {self.loosen(first, inner)}\n\n];\n\n"
            return anchor + self.loosen(first, f"{inner}\n\n")
        if tag in ("ul", "ol"):
            return anchor + self.listing(e)
        if tag == "table":
            return anchor + self.table(e)
        if tag == "figure":
            return anchor + self.figure(e)
        if tag == "svg":
            return f"{anchor}#{self.svg(e, None)};\n\n"
        if tag == "blockquote":
            if e.find(lambda c: "fn" in c.classes) is not None:
                # paragraphs of the page's own flow, indented: a note called in a quotation then stays
                # on the page of its call (see listing)
                indent = "#set par(first-line-indent: (amount: 1em, all: true), hanging-indent: 1em);"
                return f"{anchor}#[{indent}{self.blocks(e.children)}];\n\n"
            return f"{anchor}#quote(block: true)[{self.blocks(e.children)}];\n\n"
        if tag == "hr":
            return "#line(length: 100%, stroke: 0.4pt + luma(150));\n\n"
        if tag == "pre":
            return f"{anchor}#raw(block: true, {lit(e.text())});\n\n"
        if tag == "summary":
            inner = self.inline(e.children).strip()
            return f"{anchor}#emph[{inner}];\n\n" if inner else anchor
        if "refsite-stance-grid" in e.classes:
            kept = [c for c in e.children if not (isinstance(c, Element) and "refsite-grid-scroll" in c.classes)]
            return anchor + self.blocks(kept)
        if tag == "div" and "refsite-entry" in e.classes:
            inner = self.blocks(e.children)
            return f"{anchor}#[#set par(hanging-indent: 6mm, justify: false); {inner}];\n\n"
        if tag == "caption":
            return f"{anchor}#block(text(size: 8pt, fill: luma(60))[{self.inline(e.children).strip()}]);\n\n"
        return anchor + self.blocks(e.children)

    def _flat(self, e: Element) -> list[Node]:
        """A block's inline content, its paragraphs run together."""
        out: list[Node] = []
        for child in e.children:
            if isinstance(child, Element) and child.tag == "p":
                if out:
                    out.append(" ")
                out.extend(child.children)
            else:
                out.append(child)
        return out

    def listing(self, e: Element) -> str:
        """A list as paragraphs of the page's own flow, each with its bullet or number and a hanging
        indent: a note called in an item then stays on the page of its call (Typst moves a line
        with its note only in the page's flow, not inside a nested block such as its list)."""
        items = [c for c in e.children if isinstance(c, Element) and c.tag == "li"]
        if not items:
            return ""
        small = "#set text(size: 8.5pt);" if e.classes & {"refsite-map-list", "refsite-citedby-list"} else ""
        if any(isinstance(c, Element) and c.tag in BLOCK and c.tag != "p" for li in items for c in li.children):
            func = "enum" if e.tag == "ol" else "list"
            return f"#[{small}#{func}({', '.join(f'[{self.item(li)}]' for li in items)})];\n\n"
        width = "6mm" if e.tag == "ol" else "4mm"
        out = [f"#[{small}#set par(spacing: 0.45em, hanging-indent: {width}, justify: false);\n"]
        for n, li in enumerate(items, 1):
            mark = f"{n}." if e.tag == "ol" else "•"
            first = len(self.notes.bodies)
            paragraphs = self._paragraphs(li)
            item = [f"#box(width: {width})[{mark}]{paragraphs[0]}\n\n"]
            item.extend(f"#h({width}){more}\n\n" for more in paragraphs[1:])
            out.append(self.loosen(first, "".join(item)))
        return "".join(out) + "];\n\n"

    def loosen(self, first: int, paragraphs: str) -> str:
        """Paragraphs written after note ``first``: if they call notes, without widow and orphan
        control where one of their notes did not start on the page of its call. Typst decides that
        from its own previous layout (``refsite-par``: once set loose, a paragraph stays loose, so
        the layout settles), or the plan says so from a previous typesetting (see :class:`NotePlan`)."""
        if first == len(self.notes.bodies):
            return paragraphs
        if not self.plan.loose.intersection(range(first, len(self.notes.bodies))):
            return f"#refsite-par({first}, {len(self.notes.bodies)})[{paragraphs}];\n\n"
        return f"#[#set text(costs: (widow: 0%, orphan: 0%));\n{paragraphs}];\n\n"

    def _paragraphs(self, li: Element) -> list[str]:
        """An item's paragraphs as inline markup (its text before, between and after them included)."""
        out: list[str] = []
        run: list[Node] = []
        for child in li.children:
            if isinstance(child, Element) and child.tag == "p":
                out.append(self.inline(run).strip())
                run.clear()
                out.append(self.anchor(child) + self.inline(child.children).strip())
            else:
                run.append(child)
        out.append(self.inline(run).strip())
        kept = [p for p in out if p and p != "#" + lit(" ") + ";"]
        return [self.anchor(li) + (kept[0] if kept else ""), *kept[1:]]

    def item(self, li: Element) -> str:
        if any(isinstance(c, Element) and c.tag in BLOCK for c in li.children):
            return self.anchor(li) + self.blocks(li.children).strip()
        return self.anchor(li) + self.inline(li.children).strip()

    def heading(self, e: Element) -> str:
        level = int(e.tag[1])
        ident = e.attrs.get("id")
        label = f"#label({lit(label_name(ident))})" if ident and label_name(ident) in self.targets else ""
        outlined = "true" if level == 1 else "false"
        bookmarked = "true" if level <= 2 else "false"
        self.plain_links = True
        inner = self.inline(e.children).strip()
        self.plain_links = False
        return (
            f"#[#heading(level: {level}, outlined: {outlined}, bookmarked: {bookmarked})"
            f"[#refsite-name[{inner}]]{label}];\n\n"
        )

    def table(self, e: Element) -> str:
        rows = [r for r in e.iter() if r.tag == "tr"]
        if not rows:
            return ""
        table_id = self.notes.tables
        self.notes.tables += 1
        caption = e.find(lambda c: c.tag == "caption")
        width = max(sum(int(c.attrs.get("colspan", "1") or 1) for c in self._cells(r)) for r in rows)
        head = [r for r in rows if r.find(lambda c: c.tag == "thead") is None and self._in_head(e, r)]
        header: list[str] = []
        parts: list[list[str]] = [[]]  # the table, broken before the rows the plan says
        # a small table with notes is kept whole, its notes with the first (a row of a table broken
        # across pages does not move to the next page with its note)
        whole = (
            self.notes.unit is None
            and len(rows) <= WHOLE_TABLE_ROWS
            and len(e.text()) <= WHOLE_TABLE_CHARS
            and e.find(lambda c: "fn" in c.classes) is not None
        )
        if whole:
            self.notes.unit = len(self.notes.bodies)
        for n, row in enumerate(rows):
            target = header if row in head else parts[-1]
            if row not in head and (table_id, n) in self.plan.breaks and parts[-1]:
                parts.append([])
                target = parts[-1]
            self.notes.row = (table_id, n)
            used = 0
            for cell in self._cells(row):
                span = max(1, min(width, int(cell.attrs.get("colspan", "1") or 1)))
                used += span
                inner = self.item(cell)
                if cell.tag == "th":
                    inner = f"#strong[{inner}]"
                target.append(f"table.cell(colspan: {span})[{self.anchor(cell)}{inner}]")
            self.notes.row = None
            target.extend("[]" for _ in range(width - used))
        header_part = f"table.header({', '.join(header)}), " if header else ""
        if whole:
            self.notes.unit = None
        before = self.block(caption) if caption is not None else ""
        start = "#block(breakable: false)[" if whole else "#["
        tables = [
            f"{start}#set text(font: SANS, size: 8.5pt, hyphenate: false); #set par(justify: false);"
            f"#table(columns: {width}, {header_part}{', '.join(cells)})];\n\n"
            for cells in parts
        ]
        ahead = (
            "#colbreak(weak: true);\n"
            if any((table_id, n) in self.plan.breaks for n in self._first_body(rows, head))
            else ""
        )
        return ahead + before + "#colbreak();\n".join(tables)

    @staticmethod
    def _first_body(rows: list[Element], head: list[Element]) -> list[int]:
        """The index of a table's first row below its header (a break before it moves the table)."""
        return [n for n, row in enumerate(rows) if row not in head][:1]

    @staticmethod
    def _cells(row: Element) -> list[Element]:
        return [c for c in row.children if isinstance(c, Element) and c.tag in ("td", "th")]

    @staticmethod
    def _in_head(table: Element, row: Element) -> bool:
        thead = table.find(lambda c: c.tag == "thead")
        return thead is not None and any(r is row for r in thead.iter())

    def figure(self, e: Element) -> str:
        svg = e.find(lambda c: c.tag == "svg")
        caption = e.find(lambda c: c.tag == "figcaption")
        if svg is None:
            return self.blocks(e.children)
        rest = [
            c for c in e.children if isinstance(c, Element) and c is not caption and c.find(lambda x: x is svg) is None
        ]
        cap = self.inline(self._flat(caption)).strip() if caption is not None else ""
        drawing = self.svg(svg, e)
        # On a record's page the drawing floats to the foot of the page (or the next), below the
        # record's title, so text fills the gap; where it went is said where it was called (on the
        # next page it may stand under the next record; a mark in its caption is where it went).
        # Elsewhere (a guide page's timeline or map) it floats to the top or foot of a page, so a
        # drawing too tall for what is left of a page leaves no blank stretch: text goes on, and
        # says on which page the drawing is.
        name = f"refsite-float-{self.notes.floats}"
        self.notes.floats += 1
        what = "map" if "refsite-map" in e.classes else "chart"
        mark = f"#metadata(none)<{name}>"
        if self.in_record:
            where, pointer = "placement: bottom, ", f'#refsite-float-at(<{name}>, "{what}", true)\n\n'
        else:
            where, pointer = "placement: auto, ", f'#refsite-float-at(<{name}>, "{what}", false)\n\n'
        under = f"[{mark}#set text(size: 8pt); {cap}]"
        figure = f"#figure({drawing}, {where}caption: {under}, numbering: none, supplement: none)"
        return f"{pointer}{figure};\n\n" + self.blocks(rest)

    def svg(self, svg: Element, figure: Element | None) -> str:
        """An SVG drawing of a view as an image at a size where its smallest label prints at 7 pt
        or more (labels are enlarged where the drawing cannot grow)."""
        box = [float(v) for v in svg.attrs.get("viewBox", "").replace(",", " ").split() if _is_number(v)]
        vb_w, vb_h = (box[2], box[3]) if len(box) == 4 and box[2] > 0 and box[3] > 0 else (600.0, 400.0)
        widest, tallest = RECORD_FIGURE_MM if self.in_record else (FIGURE_WIDTH_MM, FIGURE_MAX_HEIGHT_MM)
        width_mm = min(widest, tallest * vb_w / vb_h)
        scale = width_mm * PT_PER_MM / vb_w  # points per unit of the drawing
        sizes = [float(t.attrs["font-size"]) for t in svg.iter() if _is_number(t.attrs.get("font-size", ""))]
        smallest = min(sizes, default=MIN_LABEL_PT / scale)
        grow = max(1.0, MIN_LABEL_PT / (smallest * scale))
        copy = parse(to_html([svg])).children[0]
        assert isinstance(copy, Element)
        for t in copy.iter():
            if _is_number(t.attrs.get("font-size", "")):
                t.attrs["font-size"] = f"{float(t.attrs['font-size']) * grow:.2f}"
        copy.attrs["xmlns"] = "http://www.w3.org/2000/svg"
        copy.attrs.pop("class", None)
        for t in copy.iter():
            if t.tag == "a":  # links inside a drawing are not followed in print
                t.tag = "g"
                t.attrs = {k: v for k, v in t.attrs.items() if k not in ("href", "xlink:href")}
        alt = svg.attrs.get("aria-label") or (figure.text().strip()[:300] if figure is not None else "") or "A drawing"
        source = to_html([copy])
        return f'image(bytes({lit(source)}), format: "svg", width: {width_mm:.1f}mm, alt: {lit(alt)})'


def _is_call(e: Element) -> bool:
    """A note's call in print HTML (written as a Typst footnote)."""
    return e.tag == "span" and "fn" in e.classes


def _is_number(value: str) -> bool:
    return bool(re.fullmatch(r"-?\d+(\.\d+)?", value.strip()))


def _targets(book: Book) -> set[str]:
    """The anchors some link of the book leads to, and every page's own anchor."""
    out: set[str] = {label_name(ch.slug) for ch in book.chapters}
    out |= {label_name(e.slug) for ch in book.chapters for e in ch.entries if e.slug}
    for ch in book.chapters:
        for entry in ch.entries:
            out |= {label_name(h) for h in re.findall(r'href="#([^"]+)"', entry.body)}
    return out


def typst_source(book: Book, paper: str = "a4", version: str = "") -> tuple[str, list[tuple[int, str]]]:
    """The book as Typst source, and where each stretch of it comes from: (first line, origin)."""
    source, origins, _ = _source(book, paper, version, NotePlan())
    return source, origins


def _source(book: Book, paper: str, version: str, plan: NotePlan) -> tuple[str, list[tuple[int, str]], _Notes]:
    """The book as Typst source with its notes set as ``plan`` says; where each stretch of the
    source comes from; and the notes as written."""
    notes = _Notes()
    targets = _targets(book)
    ids: set[str] = set()
    for ch in book.chapters:
        for entry in ch.entries:
            ids |= {label_name(i) for i in re.findall(r'\sid="([^"]+)"', entry.body)}
        ids.add(label_name(ch.slug))
        ids |= {label_name(e.slug) for e in ch.entries if e.slug}
    targets &= ids  # a link to an anchor the book does not hold stays plain text
    indexed = frozenset(label_name(s) for s in book.indexed)
    names = name_pattern(book.names)
    out: list[str] = []
    origins: list[tuple[int, str]] = []
    line = 1

    def emit(text: str, origin: str = "") -> None:
        nonlocal line
        if origin:
            origins.append((line, origin))
        out.append(text)
        line += text.count("\n")

    emit("#let refsite-units = ()\n")  # filled in below, on this one line
    emit(_setup(book, paper))
    emit(_cover(book, version))
    emit("#heading(level: 1, outlined: false, bookmarked: true)[Contents]\n#outline(title: none, depth: 1);\n\n")
    for ch in book.chapters:
        title = lit(ch.title)
        label = f"#label({lit(label_name(ch.slug))})" if label_name(ch.slug) in targets else ""
        emit("#pagebreak(weak: true);#counter(footnote).update(0);\n")
        trees = [parse(entry.body) for entry in ch.entries]
        # a note in a drawing's caption floats with the drawing, out of the order of the text: the
        # chapter's notes are then numbered by Typst's counter, in the order they are laid out
        floating = any(t.find(lambda e: e.tag == "figure" and e.find(_is_call) is not None) for t in trees)
        notes.chapter = None if floating else len(notes.bodies)
        if ch.part:
            emit(f"#[#heading(level: 1)[#{title};]{label}];\n\n")
        for entry, body in zip(ch.entries, trees, strict=True):
            writer = _Writer(targets, indexed, in_record=ch.part, names=names, notes=notes, plan=plan)
            if entry is ch.entries[-1]:
                head, tail = _tail(body.children)
                text = writer.blocks(head)
                notes.unit = len(notes.bodies)
                kept = writer.blocks(tail)
                notes.unit = None
                text += f"#block(breakable: false, width: 100%)[{kept}];\n\n" if kept else ""
            else:
                text = writer.blocks(body.children)
            if ch.part and entry.slug:
                text = _label_first_heading(text, entry.slug, targets)
                text = f"#v(5mm, weak: true)\n{text}"
            elif not ch.part:
                text = _label_first_heading(text, ch.slug, targets)
            emit(text + "\n", entry.origin)
    if book.index:
        emit("#pagebreak(weak: true);\n#heading(level: 1)[Index];\n\n", "")
        groups: dict[str, list[IndexTerm]] = {}
        for term in sorted(book.index, key=lambda t: (t.words.casefold(), t.note)):
            groups.setdefault(term.words[:1].upper(), []).append(term)
        data = ", ".join(
            f"({lit(letter)}, ({''.join(_index_row(t) for t in terms)}))" for letter, terms in groups.items()
        )
        emit(f"#columns(2, gutter: 8mm)[#set text(size: 8.5pt); #refsite-index(({data},))];\n", "")
    emit("#metadata(none)<refsite-end>\n")
    units = _units(notes, plan)
    listed = ", ".join(str(units.get(i, -1)) for i in range(len(notes.bodies)))
    out[0] = f"#let refsite-units = ({listed + ',' if listed else ''})\n"
    return "".join(out), origins, notes


def _units(notes: _Notes, plan: NotePlan) -> dict[int, int]:
    """Each note set in the entry of another, by the first note of its entry: the notes of a block
    kept whole, and the notes the plan joins to the note before them."""
    units = dict(notes.units)
    for i in sorted(plan.joined):
        if not 0 < i < len(notes.bodies):
            continue
        lead = units.setdefault(i - 1, i - 1)
        old = units.get(i, i)
        for k in [k for k, unit in units.items() if unit == old] + [i]:
            units[k] = lead
    return units


WHOLE_TABLE_ROWS = 8
WHOLE_TABLE_CHARS = 1500
"""A table with notes, of no more rows and text than this, is kept whole on one page."""
TAIL_CHARS = 400
"""The end of a chapter kept whole on its last page: its last blocks, as long as their text (notes
included) stays under this, so that the chapter does not end on a page of a line or two."""


def _tail(nodes: Sequence[Node]) -> tuple[list[Node], list[Node]]:
    """A chapter's last entry as what may break across pages and the end kept whole."""
    size, cut = 0, len(nodes)
    while cut > 0:
        node = nodes[cut - 1]
        size += len(" ".join((node.text() if isinstance(node, Element) else node).split()))
        if size > TAIL_CHARS or (isinstance(node, Element) and node.find(lambda e: e.tag in ("table", "svg"))):
            break
        cut -= 1
    return list(nodes[:cut]), list(nodes[cut:])


def name_pattern(names: frozenset[str]) -> re.Pattern[str] | None:
    """A pattern for the words of the given names that could be hyphenated (longer than five
    letters), as whole words, longest first."""
    words = {w for name in names for w in re.findall(r"\w[\w'’-]*\w", name) if len(w) > 5}
    if not words:
        return None
    ordered = sorted(words, key=lambda w: (-len(w), w))
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in ordered) + r")(?!\w)")


def _index_row(term: IndexTerm) -> str:
    return f"({lit(term.words)}, {lit(label_name(term.target))}, {lit(term.note)}),"


def _label_first_heading(text: str, slug: str, targets: set[str]) -> str:
    """The page's own anchor on its first heading (where the page starts)."""
    name = label_name(slug)
    if name not in targets or f"#label({lit(name)})" in text:
        return text
    head = re.search(r"\[#heading\(level: \d[^\n]*?\]\]", text)
    if head is None:
        return f"#metadata(none)#label({lit(name)}){text}"
    return text[: head.end()] + f"#label({lit(name)})" + text[head.end() :]


def _setup(book: Book, paper: str) -> str:
    lang = re.sub(r"[^a-z]", "", book.lang.split("-")[0].lower()) or "en"
    region = re.sub(r"[^a-z]", "", [*book.lang.replace("_", "-").split("-"), ""][1].lower())
    region_arg = f", region: {lit(region)}" if len(region) == 2 else ""
    author = f", author: {lit(book.author)}" if book.author else ""
    return (
        f'#let SANS = ("Noto Sans", "Noto Sans CJK JP")\n'
        f"{PREAMBLE}\n"
        f"#set document(title: {lit(book.title)}{author}, date: auto)\n"
        f'#set text(lang: {lit(lang)}{region_arg}, font: ("Noto Serif", "Noto Serif CJK JP"), size: 10pt,'
        f" hyphenate: true)\n"
        f"#set par(justify: true, leading: 0.55em, spacing: 0.9em)\n"
        f'#show raw: set text(font: ("Noto Sans Mono CJK JP",), size: 8.5pt)\n'
        f"#show heading: set text(font: SANS, hyphenate: false)\n"
        f"#show heading: set par(justify: false)\n"
        f"#show heading.where(level: 1): set text(size: 20pt)\n"
        f"#show heading.where(level: 1): set block(below: 6mm)\n"
        f"#show heading.where(level: 2): set text(size: 13pt)\n"
        f"#show heading.where(level: 3): set text(size: 11pt)\n"
        f"#show heading.where(level: 4): set text(size: 10pt)\n"
        f"#show footnote.entry: set text(size: 7.5pt)\n"
        f"#show footnote.entry: set par(justify: false)\n"
        f"#show footnote.entry: set par(spacing: 0.5em)\n"
        # a note called on a line after another note is shown in that note's entry, kept whole: Typst
        # moves a line to the next page with the first note it calls only
        f"#show footnote.entry: refsite-entry\n"
        f"#set footnote.entry(separator: line(length: 30%, stroke: 0.5pt + luma(150)), gap: 0.5em)\n"
        f"#set table(stroke: (x, y) => (top: if y == 0 {{ 0.8pt + luma(80) }} else {{ 0.4pt + luma(180) }},"
        f" bottom: 0.8pt + luma(80)), inset: (x: 1.5mm, y: 1mm), align: left + top)\n"
        f"#set list(tight: true, indent: 2mm)\n#set enum(tight: true, indent: 2mm)\n"
        f"#set figure(placement: none)\n"
        f"#show figure.caption: set align(left)\n"
        f"#set page(paper: {lit(PAPERS[paper])}, margin: (top: 22mm, bottom: 24mm, left: 22mm, right: 20mm),\n"
        f"  header: context {{\n"
        f"    let p = here().page()\n"
        f"    if p > 2 {{\n"
        f"      let opening = query(heading.where(level: 1)).any(h => h.location().page() == p)\n"
        f"      let before = query(heading.where(level: 1).before(here()))\n"
        f"      if not opening and before.len() > 0 {{\n"
        f"        set text(size: 8pt, fill: luma(80), font: SANS)\n"
        f"        before.last().body\n"
        f"        h(1fr)\n"
        f"        {lit(book.title)}\n"
        f"      }}\n"
        f"    }}\n"
        f"  }},\n"
        f"  footer: context {{ if here().page() > 1 {{ align(center, text(size: 9pt, counter(page).display())) }} }})\n"
    )


def _cover(book: Book, version: str) -> str:
    facts = "".join(f"#par(justify: false)[#{lit(f)};]\n" for f in book.facts)
    return (
        "#page(header: none, footer: none)[\n#v(1fr)\n"
        f'#block(text(font: SANS, size: 30pt, weight: "bold")[#{lit(book.title)};])\n'
        f"#block(above: 4mm, text(size: 13pt, fill: luma(50))[#{lit(book.subtitle)};])\n#v(18mm)\n"
        f"#block[#set text(size: 10pt, fill: luma(50)); {facts}]\n#v(1fr)\n]\n"
    )


MAX_PASSES = 4
"""Typesettings of a book at most: the first, and one per change of how its notes are set."""


def compile_book(
    book: Book, out: Path, paper: str = "a4", version: str = "", font_dirs: Sequence[str] = FONT_DIRS
) -> int:
    """Typeset the book as a tagged PDF/UA-1 into ``out``; returns its page count. Typst reads no
    file but the source: it is written into an empty folder, and the drawings are passed as bytes.

    Every note starts on the page of its call: where the first typesetting leaves a note on the
    page after its call, the notes are set again as a :class:`NotePlan` learnt from it says (the
    later typesettings reuse the first's work). A failure raises :class:`TypstFailure` with one
    located line per error."""
    import typst

    fonts = [d for d in font_dirs if Path(d).is_dir()]
    if not fonts:
        raise TypstFailure(
            ["print edition: error: the Noto fonts are missing: install fonts-noto-core and fonts-noto-cjk"]
        )
    plan = NotePlan()
    with _empty_root() as root:
        main = root / "book.typ"
        main.write_text("", encoding="utf-8")
        compiler = typst.Compiler(str(main), root=str(root), font_paths=fonts, ignore_system_fonts=True)
        for _ in range(MAX_PASSES):
            source, origins, notes = _source(book, paper, version, plan)
            main.write_text(source, encoding="utf-8")
            try:  # the book laid out, not yet written as a PDF
                astray = json.loads(compiler.query("<refsite-astray>", field="value"))
            except RuntimeError:  # a query says no more than the message: typesetting says where
                break
            better = replan(plan, astray, notes)
            if better is None:
                break
            plan = better
        try:
            pdf, warnings = compiler.compile_with_warnings(pdf_standards=["ua-1"])
        except typst.TypstError as exc:
            raise TypstFailure(_located(exc, origins, source, book.root)) from None
        if warnings:  # a layout that did not settle (its page references may be wrong), a font missing
            raise TypstFailure([line for w in warnings for line in _located(w, origins, source, book.root)])
    assert isinstance(pdf, bytes)
    out.write_bytes(pdf)
    return _count_pages(pdf)


def replan(plan: NotePlan, astray: Sequence[Sequence[int]], notes: _Notes) -> NotePlan | None:
    """A better way to set the notes, from the notes one typesetting did not start on the page of
    their call, each as ``(note, page of the call, page of the entry, called on the line of the
    note before)``; None if there are none (or nothing more can be done)."""
    if not astray:
        return None
    rows, joined, loose = set(plan.breaks), set(plan.joined), set(plan.loose)
    for i, _call, _entry, shared in astray:
        if i in notes.rows:
            rows.add(notes.rows[i])
        elif shared and i not in joined:
            joined.add(i)
        else:
            loose.add(i)
    better = NotePlan(frozenset(rows), frozenset(loose), frozenset(joined))
    return better if better != plan else None


def _count_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


class _empty_root:
    """An empty folder as Typst's project root: ``read`` and ``image`` with a path find nothing."""

    def __enter__(self) -> Path:
        import tempfile

        self._tmp = tempfile.TemporaryDirectory(prefix="refsite-typst-")
        return Path(self._tmp.name)

    def __exit__(self, *exc: object) -> None:
        self._tmp.cleanup()


def _located(exc: Exception, origins: list[tuple[int, str]], source: str = "", root: Path | None = None) -> list[str]:
    """Typst's errors (and warnings: each an error of the build) as ``path:line:col: error: message``
    lines, pointed at the page or record
    the failing stretch of the book comes from, at the line of that file holding the text that
    follows the failing place (``:1:1`` where no such text is found)."""
    message = " ".join(str(getattr(exc, "message", exc)).split())
    diagnostic = str(getattr(exc, "diagnostic", ""))
    lines = []
    for match in re.finditer(r"^(?:error|warning): (.*)\n\s*┌─ [^\n]*?:(\d+):(\d+)", diagnostic, re.M):
        lines.append((" ".join(match.group(1).split()), int(match.group(2)), int(match.group(3))))
    if not lines:
        lines = [(message, 0, 0)]
    starts = [start for start, _ in origins]
    out = []
    for text, at, col in lines:
        i = bisect.bisect_right(starts, at) - 1
        origin = origins[i][1] if at and i >= 0 and origins[i][1] else ""
        if not origin:
            out.append(f"print edition: error: the print edition cannot be typeset: {text}")
            continue
        end = starts[i + 1] if i + 1 < len(starts) else source.count("\n") + 2
        line, column = _line_in_origin(source, (starts[i], end), (at, col), root / origin if root else None)
        out.append(f"{origin}:{line}:{column}: error: the print edition cannot be typeset: {text}")
    return out


CONTENT_LITERAL = re.compile(r'(?:#|refsite-name\(|#link\()"((?:[^"\\]|\\.)*)"')
"""A string literal of the book's source holding text of the content (see :func:`lit`)."""


def _unlit(body: str) -> str:
    escapes = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), body)


def _line_in_origin(
    source: str, stretch: tuple[int, int], failing: tuple[int, int], path: Path | None
) -> tuple[int, int]:
    """Where in the file ``path`` the content at ``failing`` (line, column of the source) comes
    from: the first text of the content from that place on (within its ``stretch`` of source
    lines) that the file holds, at the same occurrence; (1, 1) if none is found."""
    try:
        original = path.read_text(encoding="utf-8") if path is not None else ""
    except (OSError, UnicodeDecodeError):
        original = ""
    if not original:
        return 1, 1
    src_lines = source.split("\n")
    first, end = stretch
    part = "\n".join(src_lines[first - 1 : end - 1])
    at = sum(len(line) + 1 for line in src_lines[first - 1 : failing[0] - 1]) + max(0, failing[1] - 1)
    texts = [(m.start(), " ".join(_unlit(m.group(1)).split())) for m in CONTENT_LITERAL.finditer(part)]
    for start, text in texts:
        if start < at - 1 or len(text) < 3:
            continue
        found = list(re.finditer(r"\s+".join(re.escape(w) for w in text.split()), original))
        if not found:
            continue
        before = sum(1 for s, t in texts if s < start and text in t)
        hit = found[min(before, len(found) - 1)].start()
        return original.count("\n", 0, hit) + 1, hit - original.rfind("\n", 0, hit)
    return 1, 1
