"""The whole reference as a print document (HTML + CSS paged media) and a PDF, via WeasyPrint.

The print document is assembled from the pages the website build produced, so the
PDF says exactly what the site says; web furniture is stripped and every footnote
becomes a note at the foot of the page where it is called.
"""

from __future__ import annotations

import datetime as dt
import html
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .bibcsl import bib_source, bib_texts, csl_items
from .cite import Cite, join_notes
from .config import plugin_options, read_config
from .dataset import Dataset, docs_dir_of, load_project
from .model import KIND_TITLES, KINDS, PLURAL, Record, as_text
from .render.pages import record_page
from .render.text import PageContext, fmt_date, src_uri

CSS = Path(__file__).parent / "print" / "print.css"
PAPERS = {"a4": "A4", "letter": "letter"}
HOME_TITLE = "Introduction"
REFERENCE_PARTS = ("actor", "place", "topic", "proposal", "position", "event")


@dataclass
class Chapter:
    """One page of the site, ready for print."""

    url: str
    title: str
    body: str


_ARTICLE = re.compile(r'<article class="md-content__inner md-typeset">(.*?)</article>', re.S)
_FOOTNOTES = re.compile(r'<div class="footnote">\s*<hr\s*/?>\s*<ol>(.*?)</ol>\s*</div>', re.S)
_NOTE = re.compile(
    r'<li id="fn:([^"]+)">\s*<p>(.*?)(?:&#160;|&nbsp;|\xa0)<a class="footnote-backref"[^>]*>.*?</a></p>\s*</li>', re.S
)
_CALL = re.compile(r'<sup id="fnref\d*:([^"]+)"><a class="footnote-ref" href="#fn:[^"]+">\d+</a></sup>')
_FURNITURE = [
    re.compile(r'<a href="[^"]*" title="(?:Edit|View) this page" class="md-content__button[^"]*"[^>]*>.*?</a>', re.S),
    re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S),
    re.compile(r'<p class="refsite-crumbs"[^>]*>.*?</p>', re.S),
    re.compile(r'<details class="refsite-cite-page"[^>]*>.*?</details>', re.S),
    re.compile(r'<p class="refsite-record"[^>]*>.*?</p>', re.S),
    re.compile(r"<hr\s*/?>\s*(?=$)"),
]
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def page_slug(url: str) -> str:
    """An anchor id for a page of the site: ``actors/abe-shinzo/`` -> ``p-actors-abe-shinzo``."""
    return "p-" + (re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home")


def print_page(url: str, page_html: str, included: set[str], own_notes: Mapping[str, str] | None = None) -> Chapter:
    """One built page as print HTML: furniture removed, notes inline, links and ids made document-wide.

    ``own_notes`` are note texts the print edition forms itself (by note id), in place of the page's."""
    m = _ARTICLE.search(page_html)
    body = m.group(1) if m else ""
    notes: dict[str, str] = {}
    fm = _FOOTNOTES.search(body)
    if fm:
        notes = {n: text.strip() for n, text in _NOTE.findall(fm.group(1))}
        body = body[: fm.start()] + body[fm.end() :]
    notes.update(own_notes or {})
    for rx in _FURNITURE:
        body = rx.sub("", body)
    body = _CALL.sub(lambda c: f'<span class="fn">{notes.get(c.group(1), "")}</span>', body)
    slug = page_slug(url)
    body = re.sub(r' id="([^"]+)"', lambda i: f' id="{slug}--{i.group(1)}"', body)

    def link(match: re.Match[str]) -> str:
        href = html.unescape(match.group(1))
        if re.match(r"^[a-z]+:", href) or href.startswith("//"):
            return match.group(0)
        path, _, anchor = href.partition("#")
        if not path:
            return f'href="#{slug}--{anchor}"'
        target = posixpath.normpath(posixpath.join(posixpath.dirname("/" + url.rstrip("/") + "/x"), path))
        target = target.lstrip("/").removesuffix("index.html")
        target = (target.rstrip("/") + "/") if target not in ("", ".") else ""
        if target not in included:
            return 'data-dropped-link=""'
        return f'href="#{page_slug(target)}{"--" + anchor if anchor else ""}"'

    body = re.sub(r'href="([^"]*)"', link, body)
    h1 = _H1.search(body)
    title = re.sub(r"<[^>]+>", "", h1.group(1)).strip() if h1 else url
    return Chapter(url, html.unescape(title), body.strip())


def _demote(body: str) -> str:
    """Record pages sit one level below their part: h1 -> h2, h2 -> h3, ..."""
    return re.sub(r"<(/?)h([1-5])(\b[^>]*)>", lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}{m.group(3)}>", body)


PRINT_BACKLINKS = 40


def _cited_by_for_print(match: re.Match[str]) -> str:
    """Backlinks with their page numbers, unfolded; a work cited on very many pages is said to be cited throughout."""
    text = match.group(0)
    count = text.count("<a ")
    if count > PRINT_BACKLINKS:
        return f'<p class="refsite-citedby">Cited throughout: on {count} pages of the reference.</p>'
    text = re.sub(r"^<details ([^>]*)><summary>(.*?)</summary>", r"<div \1><p>\2</p>", text, flags=re.S)
    text = re.sub(r"</details>$", "</div>", text)
    return text.replace("<a ", '<a class="xref" ')


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


def part_notes(root: Path, ds: Dataset, parts: Sequence[Sequence[Record]]) -> dict[str, dict[str, str]]:
    """The notes of the record pages as print forms them: a part is one chapter, so a work is cited
    in full at its first note in the part and short after it, wherever the record pages break.

    Returns, per record page address, each note's text by its id (``cite-3``)."""
    from .citations import formatter_for, resolve_style

    options = plugin_options(read_config(root), "refsite")
    style = resolve_style(root, options.get("style") if isinstance(options.get("style"), str) else None)
    lang = str(options.get("lang") or "en-US")
    texts = bib_texts(root)
    pages: list[list[Cite]] = []
    owners: list[list[tuple[str, PageContext]]] = []
    for records in parts:
        cites: list[Cite] = []
        owned: list[tuple[str, PageContext]] = []
        offset = 0  # notes of the part before this record's
        for rec in records:
            ctx = PageContext(src_uri(rec), 0)
            record_page(ctx, ds, rec)
            cites += [replace(c, group=c.group + offset) for c in ctx.cites]
            offset += len(ctx.notes)
            owned.append((rec.url, ctx))
        pages.append(cites)
        owners.append(owned)
    result = formatter_for(style, lang).format(pages, csl_items(texts, ds.bib), source=bib_source(texts, ds.bib))
    out: dict[str, dict[str, str]] = {}
    for owned, formatted in zip(owners, result.notes, strict=True):
        at = 0
        for url, ctx in owned:
            size = sum(len(note) for note in ctx.notes)
            joined = join_notes(ctx.notes, formatted[at : at + size])
            out[url] = {f"cite-{n}": text for n, text in enumerate(joined, 1)}
            at += size
    return out


def assemble(
    root: Path, site: Path, site_name: str, nav: object, paper: str = "a4", author: str = "", lang: str = "en"
) -> str:
    """The whole print document as one HTML string."""
    ds, _ = load_project(root)
    generated = {f"{PLURAL[k]}/index.md" for k in KINDS} | {"bibliography.md"}
    docs = root / docs_dir_of(root)
    narrative = [p for p in nav_pages(nav) if p not in generated and (docs / p).is_file()]
    narrative_urls = [md_to_url(p) for p in narrative]
    record_lists = {kind: list(ds.of_kind(kind)) for kind in KINDS}
    # the chronology: oldest first, undated last
    record_lists["event"] = sorted(ds.of_kind("event"), key=lambda r: (r.date or "9999", r.id))
    record_urls = {kind: [rec.url for rec in recs] for kind, recs in record_lists.items()}
    included = set(narrative_urls) | {u for urls in record_urls.values() for u in urls} | {"bibliography/"}
    included |= {f"{PLURAL[k]}/" for k in KINDS}

    own = part_notes(root, ds, [record_lists[kind] for kind in REFERENCE_PARTS])

    def read(url: str) -> Chapter:
        return print_page(url, (site / url / "index.html").read_text(encoding="utf-8"), included, own.get(url))

    as_of = max((as_text(r.get("as_of")) for r in ds.records.values() if r.get("as_of")), default="")
    version = git_version(root)
    today = dt.date.today().isoformat()
    parts: list[str] = []
    toc: list[str] = []
    for url in narrative_urls:
        ch = read(url)
        if ch.title == site_name:  # the home page is titled like the book: in print it introduces it
            ch = Chapter(ch.url, HOME_TITLE, _H1.sub(f"<h1>{HOME_TITLE}</h1>", ch.body, count=1))
        parts.append(f'<section class="chapter" id="{page_slug(url)}">{ch.body}</section>')
        toc.append(f'<li><a href="#{page_slug(url)}">{html.escape(ch.title)}</a></li>')
    titles = {"event": "Chronology of events"}
    for kind in REFERENCE_PARTS:
        title = titles.get(kind, KIND_TITLES[kind])
        records = "".join(
            f'<section class="record" id="{page_slug(u)}">{_demote(read(u).body)}</section>' for u in record_urls[kind]
        )
        anchor = page_slug(PLURAL[kind] + "/")
        parts.append(f'<section class="part {PLURAL[kind]}" id="{anchor}"><h1>{title}</h1>{records}</section>')
        toc.append(f'<li class="part"><a href="#{anchor}">{title}</a></li>')
    bib = read("bibliography/")
    bib_body = re.sub(r'<(div|details) class="refsite-citedby">.*?</\1>', _cited_by_for_print, bib.body, flags=re.S)
    parts.append(f'<section class="part bibliography" id="{page_slug("bibliography/")}">{bib_body}</section>')
    toc.append(f'<li class="part"><a href="#{page_slug("bibliography/")}">Bibliography</a></li>')
    cover = (
        '<section class="cover">'
        f"<h1>{html.escape(site_name)}</h1>"
        '<p class="subtitle">Actors, positions, proposals and events of Japan–Russia relations and the '
        "Northern Territories / Southern Kurils dispute, every claim footnoted.</p>"
        '<div class="facts">'
        f"<p>Data as of {html.escape(fmt_date(as_of)) if as_of else 'the dates of its sources'} "
        "(the dates of the source documents).</p>"
        f"<p>{sum(len(v) for v in record_urls.values())} records, {len(ds.bib)} works cited.</p>"
        f"<p>Version {html.escape(version)}, built {html.escape(fmt_date(today))}.</p>"
        "</div></section>"
    )
    contents = f'<nav class="toc"><h1>Contents</h1><ol>{"".join(toc)}</ol></nav>'
    paper_css = f":root {{ --paper: {PAPERS[paper]}; }} @page {{ size: {PAPERS[paper]}; }}"
    return (
        f'<!DOCTYPE html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        f"<title>{html.escape(site_name)}</title>"
        f'<meta name="generator" content="refsite {version}">'
        + (f'<meta name="author" content="{html.escape(author)}">' if author else "")
        + f'<meta name="dcterms.created" content="{today}"><meta name="dcterms.modified" content="{today}">'
        + f"<style>{paper_css}</style></head><body>"
        + cover
        + contents
        + "".join(parts)
        + "</body></html>"
    )


_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_ATTACHMENT_REL = re.compile(r"""\srel\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.I)


def site_fetcher(site: Path) -> Any:
    """A WeasyPrint URL fetcher that serves the built site's own files and nothing else.

    Anything outside ``site`` (resolved, so no symlink leads out), any network address and any
    ``data:`` URL is refused; WeasyPrint then leaves the resource out, it never reads it.
    """
    from urllib.parse import unquote, urlsplit

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = site.resolve()
    allowed = (root, CSS.parent.resolve())

    class SiteFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError(f"not fetched: {parts.scheme or 'relative'} address outside the site")
            path = Path(unquote(parts.path)).resolve()
            if not any(path.is_relative_to(folder) for folder in allowed) or not path.is_file():
                raise ValueError("not fetched: a file outside the site")
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": _content_type(path)})

    return SiteFetcher(allowed_protocols={"file"}, allow_redirects=False)


def _content_type(path: Path) -> str:
    import mimetypes

    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def write_pdf(document: str, out: Path, base: Path) -> None:
    """Render the print document with WeasyPrint: only files of the site at ``base`` are read, and
    the PDF carries no attachment (no ``rel`` from a page reaches the renderer)."""
    import logging

    from weasyprint import CSS as WCSS
    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.CRITICAL)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    document = _TAG.sub(lambda tag: _ATTACHMENT_REL.sub("", tag.group(0)), document)
    fetcher = site_fetcher(base)
    HTML(string=document, base_url=str(base.resolve()) + "/", url_fetcher=fetcher).write_pdf(
        str(out),
        stylesheets=[WCSS(filename=str(CSS), url_fetcher=fetcher)],
        attachments=[],
        pdf_tags=True,  # a tagged PDF: headings, lists, tables and reading order for assistive technology
    )


def build_pdf(root: Path, out: Path, *, paper: str = "a4") -> int:
    """Build the website (strict, swapped in on success) with the PDF inside it."""
    from .build import build_site

    out = out if out.is_absolute() else root / out
    site = out.parent
    status = build_site(root, site, strict=True, after=lambda tmp: _pdf_into(root, tmp, out.name, paper))
    if status == 0:
        print(f"PDF written to {out}")
    return status


def _pdf_into(root: Path, site: Path, name: str, paper: str) -> None:
    config = read_config(root)
    author = str(config.get("site_author") or "")
    theme = config.get("theme")
    lang = str(theme.get("language") or "en") if isinstance(theme, dict) else "en"
    document = assemble(root, site, str(config.get("site_name") or ""), config.get("nav"), paper, author, lang)
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / name
        write_pdf(document, target, site)
        shutil.move(str(target), site / name)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(build_pdf(Path.cwd(), Path("site/reference.pdf")))
