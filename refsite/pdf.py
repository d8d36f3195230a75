"""The whole reference as a print edition: a book of the engine's pages, typeset by Typst.

The print document is assembled from the pages as the engine finished them in the website's own
build (handed over in memory by the plugin: no theme around them), so the PDF says what the site
says. Each body is reshaped by structure (:mod:`refsite.htmltree`): the parts only the website
shows are left out, and every footnote becomes a note at the foot of the page where it is called.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import posixpath
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .bibcsl import bib_source, csl_items
from .cite import Batch, Cite, Pending, join_notes
from .config import plugin_options, read_config
from .dataset import Dataset, docs_dir_of, load_project
from .editions import build_info
from .footnotes import notes_of
from .htmltree import Element, Node, parse
from .model import KIND_TITLES, KINDS, PLURAL, Record, as_text
from .options import Options
from .render.pages import record_page
from .render.text import PageContext, fmt_date, src_uri
from .sitemodel import PrintPage
from .typst_print import Book, Entry, IndexTerm, compile_book
from .typst_print import Chapter as BookChapter

HOME_TITLE = "Introduction"
REFERENCE_PARTS = ("actor", "place", "topic", "proposal", "position", "event")


@dataclass
class Chapter:
    """One page of the site, ready for print."""

    url: str
    title: str
    body: str


FURNITURE = frozenset({"refsite-crumbs", "refsite-record", "refsite-cite-page", "web-only"})
"""Classes the engine gives to what only the website shows: the breadcrumb, the record's footer
(its file and edit link), "cite this page", and anything an editor marks web-only."""


def page_slug(url: str) -> str:
    """An anchor id for a page of the site: ``actors/abe-shinzo/`` -> ``p-actors-abe-shinzo``."""
    return "p-" + (re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home")


def _is_notes(e: Element) -> bool:
    """The block of notes Markdown's footnotes extension puts at the end of a page."""
    return e.tag == "div" and "footnote" in e.classes and e.find(_is_note) is not None


def _is_note(e: Element) -> bool:
    return e.tag == "li" and e.attrs.get("id", "").startswith("fn:")


def _note_calls(e: Element) -> str | None:
    """The note id a footnote call (``<sup id="fnref:x"><a href="#fn:x">``) calls, else None."""
    if e.tag != "sup" or not e.attrs.get("id", "").startswith("fnref"):
        return None
    link = e.find(lambda a: a.tag == "a" and a.attrs.get("href", "").startswith("#fn:"))
    return link.attrs["href"][len("#fn:") :] if link is not None else None


def _note_text(item: Node) -> list[Node]:
    """A note's content (a :class:`~refsite.footnotes.Note`'s HTML in an ``<li>``): its paragraphs'
    content, run together."""
    if not isinstance(item, Element):
        return [item]
    parts: list[Node] = []
    for child in item.children:
        if isinstance(child, Element) and child.tag == "p":
            if parts:
                parts.append(" ")
            parts.extend(child.children)
        elif isinstance(child, Element) or child.strip():
            parts.append(child)
    while parts and isinstance(parts[-1], str) and not parts[-1].strip():
        parts.pop()
    if parts and isinstance(parts[-1], str):
        parts[-1] = parts[-1].rstrip()  # the no-break space before the link back
    return parts


def _is_permalink(heading: Element) -> Callable[[Element], bool]:
    """The heading's link to itself (the toc extension's permalink)."""
    target = "#" + heading.attrs.get("id", "\0")
    return lambda a: a.tag == "a" and a.attrs.get("href") == target


def print_page(
    page: PrintPage,
    included: set[str],
    own_notes: Mapping[str, str] | None = None,
    change: Callable[[Element], None] | None = None,
) -> Chapter:
    """One page as print HTML, from the body the engine finished: web-only parts and heading
    permalinks removed, each note put where it is called, ids and links made document-wide.

    ``own_notes`` are note texts the print edition forms itself (by note id), in place of the
    page's; ``change`` reshapes the page's tree further before it is written back."""
    url = page.url
    tree = parse(page.body)
    tree.remove_where(lambda e: bool(e.classes & FURNITURE))
    # the notes as the notes module reads them (their previews' full references aside), but for
    # those print forms itself
    own = own_notes or {}
    notes = {note_id: parse(text).children for note_id, text in own.items()}
    for note in notes_of(page.body):
        if note.id not in own:
            notes[note.id] = _note_text(parse(f"<li>{note.html}</li>").children[0])
    tree.remove_where(_is_notes)

    def call(e: Element) -> list[Node] | None:
        note_id = _note_calls(e)
        if note_id is None:
            return None
        return [Element("span", {"class": "fn"}, copy.deepcopy(notes.get(note_id, [])))]

    tree.replace_where(call)
    slug = page_slug(url)
    here = posixpath.dirname("/" + url.rstrip("/") + "/x")
    for e in list(tree.iter()):
        if re.fullmatch(r"h[1-6]", e.tag):
            e.remove_where(_is_permalink(e))
        if "id" in e.attrs:
            e.attrs["id"] = f"{slug}--{e.attrs['id']}"
        if e.tag == "img" and "src" in e.attrs and not _ABSOLUTE.match(e.attrs["src"]):
            e.attrs["src"] = posixpath.normpath(posixpath.join(here, e.attrs["src"])).lstrip("/")
        if "href" in e.attrs:
            href = _print_href(e.attrs["href"], here, slug, included)
            if href is None:
                del e.attrs["href"]  # a page the print edition leaves out: the words stay, unlinked
            else:
                e.attrs["href"] = href
    if change is not None:
        change(tree)
    h1 = tree.find(lambda e: e.tag == "h1")
    title = " ".join(h1.text().split()) if h1 is not None else page.title or url
    return Chapter(url, title, tree.inner_html().strip())


_ABSOLUTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)


def _print_href(href: str, here: str, slug: str, included: set[str]) -> str | None:
    """A link of a page as a link of the print document: an anchor in it, or None if it leads
    to a page the print edition leaves out; addresses outside the site are kept."""
    if _ABSOLUTE.match(href):
        return href
    path, _, anchor = href.partition("#")
    if not path:
        return f"#{slug}--{anchor}"
    target = posixpath.normpath(posixpath.join(here, path)).lstrip("/").removesuffix("index.html")
    target = (target.rstrip("/") + "/") if target not in ("", ".") else ""
    if target not in included:
        return None
    return f"#{page_slug(target)}{'--' + anchor if anchor else ''}"


def _retitle_home(body: Element, site_name: str) -> None:
    """The home page is titled like the book: in print it introduces it."""
    h1 = body.find(lambda e: e.tag == "h1")
    if h1 is not None and " ".join(h1.text().split()) == site_name:
        h1.children = [HOME_TITLE]


class PrintError(Exception):
    """The print document cannot be made from what the build produced."""


def _demote(body: Element) -> None:
    """Record pages sit one level below their part: h1 -> h2, h2 -> h3, ..."""
    for e in body.iter():
        if re.fullmatch(r"h[1-5]", e.tag):
            e.tag = f"h{int(e.tag[1]) + 1}"


PRINT_BACKLINKS = 40


def _cited_by_for_print(e: Element) -> list[Node] | None:
    """Backlinks with their page numbers, unfolded; a work cited on very many pages is said to be cited throughout."""
    if "refsite-citedby" not in e.classes:
        return None
    links = [a for a in e.iter() if a.tag == "a"]
    if len(links) > PRINT_BACKLINKS:
        text = f"Cited throughout: on {len(links)} pages of the reference."
        return [Element("p", {"class": "refsite-citedby"}, [text])]
    for a in links:
        a.attrs["class"] = "xref"
    for summary in [c for c in e.children if isinstance(c, Element) and c.tag == "summary"]:
        summary.tag = "p"
    e.tag = "div"
    e.attrs.pop("open", None)
    return [e]


def git_version(root: Path) -> str:
    """The short commit of the project, or 'unversioned' outside git."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=False
        )
    except OSError:
        return "unversioned"
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else "unversioned"


def nav_pages(config_nav: object) -> list[str]:
    """Markdown paths of the nav, in order."""
    out: list[str] = []

    def walk(item: object) -> None:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(config_nav)
    return out


def md_to_url(path: str) -> str:
    """``history.md`` -> ``history/``; ``index.md`` -> ``''``."""
    stem = path.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        stem = stem.removesuffix("index").rstrip("/")
    return stem + "/" if stem else ""


class PartNotes:
    """The notes of the record pages as print forms them: a part is one chapter, so a work is cited
    in full at its first note in the part and short after it, wherever the record pages break.

    Formatting starts (in a pandoc subprocess) when this is made; :meth:`result` waits for it and
    returns, per record page address, each note's text by its id (``cite-3``)."""

    def __init__(self, root: Path, ds: Dataset, parts: Sequence[Sequence[Record]]) -> None:
        from .citations import formatter_for, resolve_style

        options = Options.from_values(plugin_options(read_config(root), "refsite"))
        self.formatter = formatter_for(resolve_style(root, options.style), options.lang)
        texts = list(ds.bib_texts)
        pages: list[list[Cite]] = []
        self.owners: list[list[tuple[str, PageContext]]] = []
        for records in parts:
            cites: list[Cite] = []
            owned: list[tuple[str, PageContext]] = []
            offset = 0  # notes of the part before this record's
            for rec in records:
                ctx = PageContext(src_uri(rec), 0, ds.maps)
                record_page(ctx, ds, rec)
                cites += [replace(c, group=c.group + offset) for c in ctx.cites]
                offset += len(ctx.notes)
                owned.append((rec.url, ctx))
            pages.append(cites)
            self.owners.append(owned)
        self.batch = Batch(pages, csl_items(texts, ds.bib), source=bib_source(texts, ds.bib))
        self.pending: Pending | None = self.formatter.submit(self.batch)

    def result(self) -> dict[str, dict[str, str]]:
        """Each record page's notes by id, once formatted."""
        pending, self.pending = self.pending, None
        self.formatter.collect(pending)
        formatted_parts = self.formatter.assemble(self.batch).notes
        out: dict[str, dict[str, str]] = {}
        for owned, formatted in zip(self.owners, formatted_parts, strict=True):
            at = 0
            for url, ctx in owned:
                size = sum(len(note) for note in ctx.notes)
                joined = join_notes(ctx.notes, formatted[at : at + size])
                out[url] = {f"cite-{n}": text for n, text in enumerate(joined, 1)}
                at += size
        return out

    def close(self) -> None:
        """Stop formatting that is no longer wanted (the build failed)."""
        if self.pending is not None:
            job, self.pending = self.pending.job, None
            job.proc.kill()
            job.proc.communicate()
            with contextlib.suppress(OSError):  # the build's workspace may be gone with it
                job.tmp.cleanup()


class PrintPlan:
    """What the print edition takes from the data, ready before the website is built: the records
    of each part in print order, and the parts' notes, formatted meanwhile.

    A project whose data cannot be read is reported by the build itself; the plan then holds the
    failure and raises it only if it is used."""

    def __init__(self, root: Path) -> None:
        self.failure: Exception | None = None
        self.notes: PartNotes | None = None
        try:
            self.ds, _ = load_project(root)
            self.records = {kind: list(self.ds.of_kind(kind)) for kind in KINDS}
            # the chronology: oldest first, undated last
            self.records["event"] = sorted(self.ds.of_kind("event"), key=lambda r: (r.date or "9999", r.id))
            self.notes = PartNotes(root, self.ds, [self.records[kind] for kind in REFERENCE_PARTS])
        except Exception as exc:  # kept, and raised where the plan is used
            self.failure = exc

    def part_notes(self) -> dict[str, dict[str, str]]:
        """The notes of every record page, as print forms them."""
        if self.failure is not None:
            raise self.failure
        assert self.notes is not None
        return self.notes.result()

    def close(self) -> None:
        """Stop any formatting still running."""
        if self.notes is not None:
            self.notes.close()


def assemble(
    root: Path,
    pages: Mapping[str, PrintPage],
    site_name: str,
    nav: object,
    author: str = "",
    lang: str = "en",
    plan: PrintPlan | None = None,
    subtitle: str = "",
) -> Book:
    """The whole print edition as a :class:`~refsite.typst_print.Book`, from the pages the engine
    finished (by address) and the print ``plan`` (made here if not given); ``subtitle`` is printed
    under the title (the site's description)."""
    plan = plan if plan is not None else PrintPlan(root)
    own = plan.part_notes()
    ds, record_lists = plan.ds, plan.records
    generated = {f"{PLURAL[k]}/index.md" for k in KINDS} | {"bibliography.md"}
    docs_name = docs_dir_of(root)
    docs = root / docs_name
    narrative = [p for p in nav_pages(nav) if p not in generated and (docs / p).is_file()]
    narrative_urls = [md_to_url(p) for p in narrative]
    record_urls = {kind: [rec.url for rec in recs] for kind, recs in record_lists.items()}
    included = set(narrative_urls) | {u for urls in record_urls.values() for u in urls} | {"bibliography/"}
    included |= {f"{PLURAL[k]}/" for k in KINDS}

    def read(url: str, change: Callable[[Element], None] | None = None) -> Chapter:
        page = pages.get(url)
        if page is None:
            raise PrintError(f"the page {url or '/'} was not built: the PDF needs the refsite plugin in mkdocs.yml")
        return print_page(page, included, own.get(url), change)

    as_of = max((as_text(r.get("as_of")) for r in ds.records.values() if r.get("as_of")), default="")
    given = plugin_options(read_config(root), "refsite").get("version")
    version = str(given) if given else build_info(root).version  # the site's and the dataset's version
    today = dt.date.today().isoformat()
    chapters: list[BookChapter] = []
    for path, url in zip(narrative, narrative_urls, strict=True):
        ch = read(url, lambda body: _retitle_home(body, site_name))
        origin = f"{docs_name}/{path}"
        chapters.append(BookChapter(page_slug(url), ch.title, [Entry("", origin, ch.body)]))
    titles = {"event": "Chronology of events"}
    for kind in REFERENCE_PARTS:
        entries = [
            Entry(page_slug(rec.url), rec.path, read(rec.url, _demote).body) for rec in record_lists[kind]
        ]
        chapters.append(BookChapter(page_slug(PLURAL[kind] + "/"), titles.get(kind, KIND_TITLES[kind]), entries, True))
    bib = read("bibliography/", lambda body: body.replace_where(_cited_by_for_print))
    bib_files = sorted((root / "bib").glob("*.bib"))
    bib_origin = bib_files[0].relative_to(root).as_posix() if bib_files else "bib"
    chapters.append(BookChapter(page_slug("bibliography/"), bib.title, [Entry("", bib_origin, bib.body)]))
    facts = [
        f"Data as of {fmt_date(as_of) if as_of else 'the dates of its sources'} (the dates of the source documents).",
        f"{sum(len(v) for v in record_urls.values())} records, {len(ds.bib)} works cited.",
        f"Version {version}, built {fmt_date(today)}.",
    ]
    index = index_terms(ds, [rec for kind in INDEXED for rec in record_lists[kind]])
    return Book(
        title=site_name,
        author=author,
        lang=lang,
        subtitle=subtitle,
        facts=facts,
        chapters=chapters,
        index=index,
        indexed=frozenset(page_slug(rec.url) for kind in INDEXED for rec in record_lists[kind]),
        names=frozenset(proper_names(ds)),
        root=root,
    )


INDEXED = ("actor", "place", "proposal", "topic")
"""The kinds of record the back-of-book index lists."""


def proper_names(ds: Dataset) -> set[str]:
    """The names of actors and places, every name a place goes by included."""
    names: set[str] = set()
    for rec in ds.records.values():
        if rec.kind not in ("actor", "place"):
            continue
        names.add(rec.label)
        for item in rec.get("names") or []:
            if isinstance(item, dict) and item.get("name"):
                names.add(str(item["name"]))
    return names


def index_terms(ds: Dataset, records: Sequence[Record]) -> list[IndexTerm]:
    """The index's headings: each record under its sorting name; a place with names used by
    different sides also under each of those names, with whose name it is."""
    terms: list[IndexTerm] = []
    for rec in records:
        slug = page_slug(rec.url)
        terms.append(IndexTerm(rec.sort_label, slug))
        names = rec.get("names") if rec.kind == "place" else None
        if not isinstance(names, list):
            continue
        for item in names:
            if not isinstance(item, dict) or str(item.get("name") or rec.label).casefold() == rec.label.casefold():
                continue
            user = ds.records.get(str(item.get("used_by") or ""))
            whose = f"the name {user.label} uses" if user is not None else "another name"
            terms.append(IndexTerm(str(item["name"]), slug, f"{whose} for {rec.label}"))
    return terms


def pdf_into(
    root: Path, site: Path, name: str, paper: str, pages: Mapping[str, PrintPage], plan: PrintPlan | None = None
) -> int:
    config = read_config(root)
    author = str(config.get("site_author") or "")
    theme = config.get("theme")
    lang = str(theme.get("language") or "en") if isinstance(theme, dict) else "en"
    site_name = str(config.get("site_name") or "")
    subtitle = " ".join(str(config.get("site_description") or "").split())
    book = assemble(root, pages, site_name, config.get("nav"), author, lang, plan, subtitle)
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / name
        count = compile_book(book, target, paper, git_version(root))
        shutil.move(str(target), site / name)
    return count


