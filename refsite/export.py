"""The finished site as a plain Markdown tree that any MkDocs-style builder turns into the same pages.

``python -m refsite export DIR`` writes ``DIR/mkdocs.yml`` and ``DIR/docs/``: one Markdown file
per page holding the page's finished body (notes formatted and in place, links resolved,
the allow-list applied), the site's stylesheets, scripts, images and downloads, and a small
HTML page at each redirected address. It needs neither the refsite plugin nor mkdocs-macros:
plain MkDocs with Material builds it, and so does Zensical, which runs no third-party plugin.

Each page's file is ``<address>/index.md`` (``index.md`` for the home page), so a link relative
to the page's address is also relative to its file: the builders that rewrite links in raw
HTML (Zensical does; MkDocs does not) leave them as they are. Headings at the top of a body
become Markdown headings with their ids, so the builder's table of contents and search sections
are those of the original; every other block stays the HTML it was.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from .render.notices import AS_OF_KEY, COVERAGE_KEY, REPORT_KEY
from .sitemodel import NavItem, SiteModel, SitePage

# What Python-Markdown takes as a raw HTML block (a block starting with another tag is wrapped)
# fmt: off
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "details", "dialog", "div", "dl", "fieldset", "figcaption",
    "figure", "footer", "form", "header", "hgroup", "hr", "main", "menu", "nav", "ol", "p", "pre", "section",
    "table", "ul", "center", "iframe", "math", "noscript", "script", "style", "video", "canvas",
    "h1", "h2", "h3", "h4", "h5", "h6",
})
_VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
})
# fmt: on
_HEADING = re.compile(r"h([1-6])")
_HEADERLINK = re.compile(r'<a\b[^>]*\bclass="headerlink"[^>]*>.*?</a>', re.S)
_MARKDOWN_SPECIAL = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_[]{}#+!|<>~^$"})


class _TopLevel(HTMLParser):
    """Splits an HTML fragment into its top-level nodes, as (tag or None, start, end) offsets."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.text = text
        self.line_starts = [0]
        for m in re.finditer("\n", text):
            self.line_starts.append(m.end())
        self.parts: list[tuple[str | None, int, int]] = []
        self.depth = 0
        self.open_tag: str | None = None
        self.start = 0

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        at = self._offset()
        raw = self.get_starttag_text() or ""
        if self.depth == 0:
            self._text_until(at)
            if tag in _VOID or raw.endswith("/>"):
                self.parts.append((tag, at, at + len(raw)))
                self.start = at + len(raw)
                return
            self.open_tag, self.start = tag, at
        if tag not in _VOID and not raw.endswith("/>"):
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or self.depth == 0:
            return
        self.depth -= 1
        if self.depth == 0:
            at = self._offset()
            end = self.text.find(">", at) + 1
            self.parts.append((self.open_tag, self.start, end))
            self.start = end

    def _text_until(self, at: int) -> None:
        if self.text[self.start : at].strip():
            self.parts.append((None, self.start, at))
        self.start = at

    def split(self) -> list[tuple[str | None, str]]:
        self.feed(self.text)
        self.close()
        if self.depth == 0:
            self._text_until(len(self.text))
        else:  # an element left open: the rest is one block
            self.parts.append((self.open_tag, self.start, len(self.text)))
        return [(tag, self.text[a:b]) for tag, a, b in self.parts]


def body_markdown(body: str) -> str:
    """A finished body as Markdown: top-level headings as Markdown headings (with their ids), every
    other top-level node as a raw HTML block (wrapped in a ``div`` where it is not a block)."""
    blocks: list[str] = []
    for tag, text in _TopLevel(body).split():
        heading = _HEADING.fullmatch(tag or "")
        if heading is not None and (line := _heading_line(int(heading.group(1)), text)) is not None:
            blocks.append(line)
        elif tag in _BLOCK_TAGS:
            blocks.append(text.strip())
        else:
            blocks.append(f"<div>{text.strip()}</div>")
    return "\n\n".join(blocks) + "\n"


def _heading_line(level: int, element: str) -> str | None:
    """``## text {: #id }`` for a heading element; None where it can't be one line of Markdown."""
    m = re.fullmatch(r"<h[1-6]\b([^>]*)>(.*)</h[1-6]>", element.strip(), re.S)
    if m is None:
        return None
    attrs = dict(re.findall(r'\b([\w-]+)="([^"]*)"', m.group(1)))
    if set(attrs) - {"id"}:
        return None  # classes or other attributes: keep the element as it is
    inner = " ".join(_HEADERLINK.sub("", m.group(2)).split())
    if not inner:
        return None
    inner = re.sub(r"(<[^>]*>)|([^<]+)", lambda t: t.group(1) or t.group(2).translate(_MARKDOWN_SPECIAL), inner)
    ident = attrs.get("id")
    return "#" * level + " " + inner + (f" {{: #{ident} }}" if ident else "")


def page_source(page: SitePage, directory_urls: bool) -> str:
    """The path of a page's Markdown file in the export: ``<address>index.md`` with directory
    addresses, else the address with ``.md`` for ``.html``."""
    if not directory_urls:
        return re.sub(r"\.html$", ".md", page.url) if page.url else "index.md"
    return f"{page.url}index.md"


def page_file(page: SitePage, directory_urls: bool) -> str:
    """A page's Markdown file: its title (and description) as front matter, then its body."""
    meta: dict[str, Any] = {"title": page.title}
    if page.description:
        meta["description"] = page.description
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000)
    return f"---\n{front}---\n\n{notice_html(page)}{body_markdown(page.body)}"


def notice_html(page: SitePage) -> str:
    """What the reference's theme shows above a page's title, written into the page itself (a
    builder of the export runs none of the project's templates): the period its sources cover, a
    record's as-of date, and the link to report an error."""
    coverage, as_of = page.notices.get(COVERAGE_KEY, ""), page.notices.get(AS_OF_KEY, "")
    report = page.notices.get(REPORT_KEY, "")
    if not coverage and not report:
        return ""
    text = f"{html.escape(coverage)}." + (f" {html.escape(as_of)}." if as_of else "") if coverage else ""
    parts = [f'<span class="refsite-coverage-text">{text}</span>'] if text else []
    if report:
        parts.append(f'<a class="refsite-report" href="{html.escape(report, quote=True)}">Report an error</a>')
    return f'<p class="refsite-coverage">{" ".join(parts)}</p>\n\n'


def redirect_html(target: str) -> str:
    """A page that sends the reader on to ``target`` (relative to the old address)."""
    to = html.escape(target, quote=True)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Moved</title>'
        f'<link rel="canonical" href="{to}"><meta http-equiv="refresh" content="0; url={to}">'
        f'</head><body><p>This page has moved to <a href="{to}">{to}</a>.</p></body></html>\n'
    )


def _address_of_source(src: str, directory_urls: bool) -> str:
    """The address MkDocs gives the page at ``src`` (``actors/x.md`` → ``actors/x/``)."""
    stem = src[: -len(".md")] if src.endswith(".md") else src
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return f"{stem}/" if directory_urls else f"{stem}.html"


def _relative(from_dir: str, to: str) -> str:
    """``to`` (a path from the site's root) relative to the folder ``from_dir``."""
    up = len(from_dir.split("/")) if from_dir else 0
    return "../" * up + to if (to or up) else "./"


def _nav_yaml(items: list[NavItem], sources: dict[str, str]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item.children:
            out.append({item.title: _nav_yaml(list(item.children), sources)})
        elif item.url is not None and item.url in sources:
            out.append({item.title: sources[item.url]})
        elif item.link:
            out.append({item.title: item.link})
    return out


def export_config(model: SiteModel, sources: dict[str, str]) -> dict[str, Any]:
    """The export's mkdocs.yml: the site's settings, Material, search, and no other plugin."""
    s = model.settings
    theme = {k: v for k, v in dict(s.get("theme") or {}).items() if v not in (None, [], "")}
    config: dict[str, Any] = {"site_name": s.get("site_name", "")}
    for key in ("site_url", "site_description", "site_author", "copyright", "repo_url"):
        if s.get(key):
            config[key] = s[key]
    if s.get("repo_url"):
        config["edit_uri"] = ""  # the pages' sources are the project's files, not this tree's: no edit links
    config["use_directory_urls"] = model.directory_urls
    config["theme"] = theme
    config["plugins"] = ["search"]
    config["markdown_extensions"] = ["attr_list", {"toc": {"permalink": True}}]
    if s.get("extra_css"):
        config["extra_css"] = [c for c in s["extra_css"] if c in model.files]
    if s.get("extra_javascript"):
        config["extra_javascript"] = [j for j in s["extra_javascript"] if j in model.files]
    config["nav"] = _nav_yaml(model.nav, sources)
    config["validation"] = {"nav": {"omitted_files": "info"}, "links": {"unrecognized_links": "info"}}
    return config


def write_export(model: SiteModel, out: Path) -> int:
    """Write the export tree of ``model`` into the empty folder ``out``; return the number of pages."""
    docs = out / "docs"
    docs.mkdir(parents=True)
    sources = {page.url: page_source(page, model.directory_urls) for page in model.pages.values()}
    for page in model.in_reading_order():
        path = docs / sources[page.url]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page_file(page, model.directory_urls), encoding="utf-8")
    for name, content in sorted(model.files.items()):
        path = docs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    for old, new in sorted(model.redirects.items()):
        old_address = _address_of_source(old, model.directory_urls)
        if old_address in sources:
            continue  # a page lives there again: it wins
        target = _address_of_source(new, model.directory_urls)
        folder = old_address if model.directory_urls else old_address.rsplit("/", 1)[0] + "/"
        name = f"{old_address}index.html" if model.directory_urls else old_address
        path = docs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(redirect_html(_relative(folder.rstrip("/"), target)), encoding="utf-8")
    config = export_config(model, sources)
    text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=10_000)
    header = "# Written by `python -m refsite export`: the finished pages, for any MkDocs-style builder.\n"
    (out / "mkdocs.yml").write_text(header + text, encoding="utf-8")
    return len(model.pages)


__all__ = ["body_markdown", "export_config", "page_file", "page_source", "write_export"]
