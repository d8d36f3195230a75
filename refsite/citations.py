"""The citations of one build: each page's citations, one formatting batch, notes put in place,
the bibliography with the pages that cite each work, "cite this page" and the downloads.

Plain Python: a site generator hands over each page's Markdown and finished HTML; the
MkDocs plugin is one such adapter (see :mod:`refsite.mkdocs_host.plugin`).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bibtexparser

from .bibcsl import bib_source, csl_items
from .cite import Batch, Cite, Formatter, Pending, Result, join_notes, style_digest
from .citecache import project_cache
from .context import MemoSlot, StoreSlot
from .dataset import Dataset
from .footnotes import full_references_span, in_reading_order
from .inline import has_citation, replace_in_page
from .model import KIND_TITLES, PLURAL
from .render.text import PageContext, fmt_date

STYLES = Path(__file__).parent / "styles"
DEFAULT_STYLE = STYLES / "chicago-fullnote-bibliography.csl"
# finished pages (the preview finishes every page on every edit)
_FINISHED: MemoSlot[str] = MemoSlot("citations.finished", 8192)
TOKEN_RE = re.compile(r"zRSCITEn(\d+)z")
BIB_TOKEN = "zRSBIBLIOGRAPHYz"
TITLE_SLOT = "zRSPAGETITLEz"
URL_SLOT = "https://refsite.invalid/zRSPAGEURLz"
# the site's version (a new one at each commit) is filled in after formatting, so that a build of a
# new commit finds its "cite this page" forms in the cache (see refsite.citecache)
VERSION_SLOT = "zRSVERSIONz"
_VERSION_SLOT = re.compile(VERSION_SLOT, re.IGNORECASE)  # whatever case a style's text-case gave it
NO_ADDRESS = (
    '<p class="refsite-no-address">This copy of the reference has no published address set, so the '
    "forms above name none: add the address you read the page at.</p>"
)
ACCESSED_SLOT = "1999-12-31"  # a date no reader will see: the accessed date is filled in per reader
#: A work cited on more pages than this has its "cited on" list folded.
FOLD_AFTER = 12
_FORMATTERS: StoreSlot[tuple[str, str], Formatter] = StoreSlot("citations.formatters")


def resolve_style(root: Path, value: str | None) -> Path:
    """A CSL file: a path relative to the project, or the name of a bundled style ('apa')."""
    if not value:
        return DEFAULT_STYLE
    bundled = STYLES / (value if value.endswith(".csl") else f"{value}.csl")
    if "/" not in value and bundled.is_file():
        return bundled
    path = Path(value)
    return path if path.is_absolute() else root / path


def formatter_for(style: Path, lang: str) -> Formatter:
    """One formatter per style and language, kept across rebuilds (its cache too)."""
    key = (str(style.resolve()), lang)
    made = _FORMATTERS()
    fmt = made.get(key)
    if fmt is None or fmt.style_hash != style_digest(style):
        fmt = made[key] = Formatter(style, lang)
    return fmt


@dataclass(frozen=True)
class SiteInfo:
    """What "cite this page" says of the site: its title, editor, version and address."""

    title: str
    url: str = ""
    editor: str = ""
    version: str = ""
    edition: str = ""  # the edition's tag, when the build is a released edition
    edition_date: str = ""  # its date (ISO)
    edition_url: str = ""  # its permanent root address ("" when the site has no address)


@dataclass(frozen=True)
class PageRef:
    """A built page as other pages link to it."""

    uri: str
    url: str
    title: str


class Session:
    """Collects every page's citations, formats them in one batch, and finishes the pages."""

    def __init__(
        self,
        root: Path,
        dataset: Dataset,
        formatter: Formatter,
        site: SiteInfo,
        *,
        cite_page: bool = True,
        today: dt.date | None = None,
    ) -> None:
        self.root = root
        self.dataset = dataset
        self.formatter = formatter
        self.site = site
        self.cite_page = cite_page
        self.today = today or dt.date.today()
        self.texts = list(dataset.bib_texts)
        store = project_cache(root)  # what pandoc formatted for this project before, by content
        formatter.use_store(store)
        self.csl = csl_items(self.texts, dataset.bib, store)
        self.source = bib_source(self.texts, dataset.bib)
        self.contexts: dict[str, PageContext] = {}
        self.pending: Pending | None = None
        self.submitted = False
        self.result: Result | None = None
        self.notes: dict[str, list[str]] = {}
        self.previews: dict[str, list[str]] = {}  # per page, per note: the full references a preview adds
        self.cited_by: dict[str, list[str]] = {}

    # -- collecting -----------------------------------------------------------------

    def context_for(self, uri: str) -> PageContext:
        """The citation context of a page (created on first use)."""
        ctx = self.contexts.get(uri)
        if ctx is None:
            ctx = self.contexts[uri] = PageContext(uri, len(self.contexts), self.dataset.maps)
        return ctx

    def narrative(self, uri: str, markdown: str) -> str:
        """A narrative page's Markdown, its macros already run: inline citations become note calls,
        calls side by side one note, and the note definitions are added."""
        if uri not in self.contexts and not has_citation(markdown):
            return markdown
        ctx = self.context_for(uri)
        markdown = ctx.merge_adjacent(replace_in_page(markdown, ctx.group))
        return markdown.rstrip("\n") + "\n\n" + ctx.footnotes() + "\n"

    # -- one formatting batch -------------------------------------------------------

    def page_item(self) -> dict[str, Any]:
        """The CSL item every page's "cite this page" is formatted from; title and address filled per page."""
        item: dict[str, Any] = {
            "id": "refsite-page",
            "type": "webpage",
            "title": TITLE_SLOT,
            "container-title": self.site.title,
            "URL": URL_SLOT,
            "accessed": ACCESSED_SLOT,
        }
        if self.site.editor:
            item["editor"] = [{"literal": self.site.editor}]
        if self.site.version:
            item["version"] = VERSION_SLOT
        return item

    def home_item(self) -> dict[str, Any]:
        """The CSL item of the home page: the site itself, cited by its title."""
        item = {k: v for k, v in self.page_item().items() if k != "container-title"}
        return {**item, "id": "refsite-home", "title": self.site.title}

    def batch(self) -> Batch:
        """Everything to format: each page's citations, the cited works, the page-citation templates."""
        order = sorted(self.contexts.values(), key=lambda ctx: ctx.index)
        cited_by: dict[str, list[str]] = {}
        for ctx in order:
            for cite in ctx.cites:
                pages = cited_by.setdefault(cite.key, [])
                if not pages or pages[-1] != ctx.uri:
                    pages.append(ctx.uri)
        self.cited_by = cited_by
        extra = [self.page_item(), self.home_item()] if self.cite_page else []
        return Batch([ctx.cites for ctx in order], self.csl, sorted(cited_by), extra, self.source)

    def submit(self) -> None:
        """Start the batch in the background (once every citation is known); once per build:
        with everything cached (a rebuild in serve) nothing is pending."""
        if not self.submitted:
            self.pending = self.formatter.submit(self.batch())
            self.submitted = True

    def format(self) -> None:
        """Wait for the batch (formatting what pages added since) and keep each page's notes."""
        batch = self.batch()
        self.formatter.collect(self.pending)
        self.pending = None
        try:
            result = self.formatter.assemble(batch)
        except KeyError:  # a page added citations after the batch started: format what is missing
            self.formatter.collect(self.formatter.submit(batch))
            result = self.formatter.assemble(batch)
        self.result = result
        order = sorted(self.contexts.values(), key=lambda ctx: ctx.index)
        self.notes = {ctx.uri: join_notes(ctx.notes, texts) for ctx, texts in zip(order, result.notes, strict=True)}
        entries = dict(result.bibliography)
        self.previews = {ctx.uri: full_references(ctx.notes, entries) for ctx in order}

    # -- finishing pages --------------------------------------------------------------

    def finisher(self) -> Finisher:
        """What finishing a page takes, as plain data (once the batch is formatted)."""
        assert self.result is not None
        return Finisher(self.site, self.cite_page, self.today, dict(self.result.extra))

    def finish(self, content: str, page: PageRef, pages: Mapping[str, PageRef]) -> str:
        """A page's HTML with its notes in place and in reading order, the bibliography, "cite this page"."""
        if BIB_TOKEN in content or self.result is None:
            return self._finish(content, page, pages)
        return _FINISHED.get(lambda: self._finish(content, page, pages), content, self.finish_key(page))

    def finish_key(self, page: PageRef) -> str:
        """Everything :meth:`finish` adds to a page (other than the bibliography) depends on."""
        assert self.result is not None
        extra = [f"{k}={v}" for k, v in sorted(self.result.extra.items())]
        notes = self.notes.get(page.uri, []) + self.previews.get(page.uri, [])
        site = repr((self.site, self.cite_page, self.today.isoformat()))
        return json.dumps([page.uri, page.url, page.title, site, extra, notes])

    def notes_of(self, uri: str) -> tuple[list[str], list[str]]:
        """A page's formatted notes, and the full references each note's preview adds."""
        return self.notes.get(uri, []), self.previews.get(uri, [])

    def _finish(self, content: str, page: PageRef, pages: Mapping[str, PageRef]) -> str:
        content = Finisher.with_notes(content, *self.notes_of(page.uri))
        if BIB_TOKEN in content:
            content = content.replace(f"<p>{BIB_TOKEN}</p>", self.bibliography_html(page, pages))
        if self.cite_page:
            content += self.finisher().cite_this(page)
        return content

    def bibliography_html(self, page: PageRef, pages: Mapping[str, PageRef]) -> str:
        """Every cited work in the style's order, each with the pages that cite it, grouped by section."""
        assert self.result is not None
        parts = ['<div class="refsite-bibliography">']
        section_of = {PLURAL[k]: title for k, title in KIND_TITLES.items()}
        order = ["Guide", *KIND_TITLES.values()]
        for key, text in self.result.bibliography:
            groups: dict[str, list[str]] = {}
            for uri in self.cited_by.get(key, []):
                target = pages.get(uri)
                if target is None:
                    continue
                href = relative_url(page.url, target.url)
                group = section_of.get(uri.split("/", 1)[0], "Guide") if "/" in uri else "Guide"
                link = f'<a href="{html.escape(href)}">{html.escape(target.title or uri)}</a>'
                groups.setdefault(group, []).append(link)
            parts.append(
                f'<div class="refsite-entry" id="{html.escape(key)}"><p>{text}</p>{_cited_on(groups, order)}</div>'
            )
        parts.append("</div>")
        return "\n".join(parts)

    # -- downloads --------------------------------------------------------------------

    def downloads(self) -> dict[str, str]:
        """The bibliography as BibTeX (its entries only) and as the CSL-JSON the notes are formatted from."""
        return {
            "references.bib": entries_only(self.texts),
            "references.json": json.dumps(list(self.csl.values()), ensure_ascii=False, indent=1),
        }


@dataclass(frozen=True)
class Finisher:
    """What putting a page's notes in place and adding "cite this page" take, as plain data: the
    same finishing runs wherever the page is (another process finishes a large site's pages ahead,
    see :mod:`refsite.conversions`)."""

    site: SiteInfo
    cite_page: bool
    today: dt.date
    extra: Mapping[str, str]  # the formatted "cite this page" templates, by item id

    def finish(self, content: str, page: PageRef, notes: Sequence[str], previews: Sequence[str]) -> str:
        """A page's HTML (not the bibliography's) with its notes in place and "cite this page"."""
        content = self.with_notes(content, notes, previews)
        return content + self.cite_this(page) if self.cite_page else content

    @staticmethod
    def with_notes(content: str, notes: Sequence[str], previews: Sequence[str]) -> str:
        """The notes in place of their tokens (each with its preview's references), in reading order."""

        def note(match: re.Match[str]) -> str:
            n = int(match.group(1))
            if not 0 < n <= len(notes):
                return match.group(0)
            return notes[n - 1] + (previews[n - 1] if n <= len(previews) else "")

        return in_reading_order(TOKEN_RE.sub(note, content))

    def cite_this(self, page: PageRef) -> str:
        """How to cite the page: formatted in the site's style and as BibTeX.

        The access date is the reader's: a script puts today's date in the marked places (the page
        says when it was built without it) and adds a button to copy each form."""
        home = page.uri == "index.md"
        title = self.site.title if home else page.title
        url = self.site.url + page.url if self.site.url else ""
        template = self.extra.get("refsite-home" if home else "refsite-page", "")
        formatted = self._version(template).replace(TITLE_SLOT, html.escape(title))
        if url:
            formatted = formatted.replace(URL_SLOT, html.escape(url))
        else:  # no placeholder address in a citation: the place of the address says it is not set
            formatted = formatted.replace(f'<a href="{URL_SLOT}">{URL_SLOT}</a>', URL_SLOT)
            formatted = formatted.replace(URL_SLOT, "[address not set]")
        built = self.today.isoformat()
        formatted = _mark_accessed(formatted, built)
        slug = re.sub(r"[^a-z0-9]+", "-", page.uri.lower().removesuffix(".md")).strip("-") or "home"
        fields = [("title", title), ("booktitle" if not home else "", self.site.title)]
        fields += [("editor", self.site.editor), ("version", self.site.version), ("url", url), ("urldate", built)]
        body = ",\n".join(
            f"  {name} = {{{value if name == 'url' else _bibtex_text(value)}}}"
            for name, value in fields
            if name and value
        )
        bibtex = html.escape(f"@online{{refsite-{slug},\n{body}\n}}").replace(
            built, f'<span class="refsite-accessed refsite-date-iso">{built}</span>'
        )
        # The script adds a copy button to each form (plain HTML: it passes the page's allow-list).
        return (
            '\n<details class="refsite-cite-page" data-search-exclude><summary>Cite this page</summary>'
            + self._cite_edition(page, template, title)
            + f'<p class="refsite-copyable" id="refsite-cite-text">{formatted}</p>'
            f'<pre class="refsite-copyable"><code id="refsite-cite-bibtex">{bibtex}</code></pre>'
            f"{'' if url else NO_ADDRESS}</details>\n"
        )

    def _version(self, template: str) -> str:
        """A formatted "cite this page" form with the site's version in its place."""
        version = html.escape(self.site.version)
        return _VERSION_SLOT.sub(lambda _: version, template)

    def _cite_edition(self, page: PageRef, template: str, title: str) -> str:
        """ "This edition": the page at its permanent address, with the edition's date (nothing on the
        live site between editions, or without a site address)."""
        if not (self.site.edition and self.site.edition_url):
            return ""
        url = self.site.edition_url + page.url
        text = self._version(template).replace(TITLE_SLOT, html.escape(title)).replace(URL_SLOT, html.escape(url))
        text = _mark_accessed(text, self.today.isoformat())
        when = f" of {html.escape(fmt_date(self.site.edition_date))}" if self.site.edition_date else ""
        return (
            f"<p>This edition, {html.escape(self.site.edition)}{when}, at its permanent address "
            f'<a href="{html.escape(url)}">{html.escape(url)}</a>:</p>'
            f'<p class="refsite-copyable" id="refsite-cite-edition">{text}</p><p>The page as it is now:</p>'
        )


def full_references(notes: Sequence[Sequence[Cite]], entries: Mapping[str, str]) -> list[str]:
    """For each note of a page, the full references a note's preview shows beside its short form:
    the bibliography entry (from the build's one formatting run) of every work the note cites that an
    earlier note on the page cited already (where the note is short or "ibid."); "" for a note that
    cites every work in full. Hidden on the page and left out of print: the theme's note preview
    shows it (see the site's stylesheet); without a script the note reads as it always has."""
    seen: set[str] = set()
    out: list[str] = []
    for note in notes:
        keys = list(dict.fromkeys(c.key for c in note))
        short = [k for k in keys if k in seen and entries.get(k)]
        seen.update(keys)
        out.append(full_references_span([entries[k] for k in short]))
    return out


_ENTRIES: MemoSlot[str] = MemoSlot("citations.entries", 16)


def entries_only(texts: Sequence[str]) -> str:
    """The BibTeX entries of the .bib texts written back from the parsed library: no comments,
    no working notes (``annote``), no preamble."""
    return _ENTRIES.get(lambda: _entries_only(texts), *texts)


def _entries_only(texts: Sequence[str]) -> str:
    out: list[str] = []
    for text in texts:
        library = bibtexparser.parse_string(text)  # type: ignore[attr-defined]
        for entry in library.entries:
            for name in [f.key for f in entry.fields if f.key.lower() in ("annote", "annotation", "file")]:
                entry.pop(name)
        blocks: list[Any] = list(library.entries)
        clean = bibtexparser.Library(blocks)  # type: ignore[attr-defined]
        out.append(bibtexparser.write_string(clean).strip())  # type: ignore[attr-defined]
    return "\n\n".join(part for part in out if part) + "\n"


def _cited_on(groups: Mapping[str, list[str]], order: Sequence[str]) -> str:
    """The pages citing a work, grouped by section with counts; folded when there are many."""
    count = sum(len(v) for v in groups.values())
    if not count:
        return ""
    sections = sorted(groups, key=order.index)
    summary = f"Cited on {count} page{'s' if count != 1 else ''}: " + ", ".join(
        f"{name} ({len(groups[name])})" for name in sections
    )
    items = "".join(f"<li><strong>{name}:</strong> {', '.join(groups[name])}</li>" for name in sections)
    listing = f'<ul class="refsite-citedby-list">{items}</ul>'
    if count > FOLD_AFTER:
        return f'<details class="refsite-citedby"><summary>{summary}</summary>{listing}</details>'
    return f'<div class="refsite-citedby"><p>{summary}</p>{listing}</div>'


_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


def _mark_accessed(formatted: str, iso: str) -> str:
    """The formatted access date (as the style wrote it) in a span a script can refill with the reader's date."""
    slot = dt.date.fromisoformat(ACCESSED_SLOT)
    written = [
        (f"{_MONTHS[slot.month - 1]} {slot.day}, {slot.year}", "mdy"),
        (f"{slot.day} {_MONTHS[slot.month - 1]} {slot.year}", "dmy"),
        (f"{slot.year}, {_MONTHS[slot.month - 1]} {slot.day}", "ymd"),
        (ACCESSED_SLOT, "iso"),
    ]
    built = dt.date.fromisoformat(iso)
    for text, form in written:
        if text in formatted:
            shown = {
                "mdy": f"{_MONTHS[built.month - 1]} {built.day}, {built.year}",
                "dmy": f"{built.day} {_MONTHS[built.month - 1]} {built.year}",
                "ymd": f"{built.year}, {_MONTHS[built.month - 1]} {built.day}",
                "iso": iso,
            }[form]
            span = f'<span class="refsite-accessed refsite-date-{form}">{shown}</span>'
            return formatted.replace(text, span)
    return formatted


def _bibtex_text(value: str) -> str:
    """A value for a BibTeX field in braces: braces and backslashes kept from breaking the entry."""
    return re.sub(r"([{}\\%&#$_])", r"\\\1", value)


def relative_url(from_url: str, to_url: str) -> str:
    """The address of ``to_url`` relative to the page at ``from_url`` (both site-relative)."""
    base_dir = posixpath.dirname("/" + from_url) if not from_url.endswith("/") else "/" + from_url.rstrip("/")
    rel = posixpath.relpath("/" + to_url, base_dir or "/")
    return rel + ("/" if to_url.endswith("/") and not rel.endswith("/") else "")
