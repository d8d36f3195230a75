"""Markdown to HTML for the engine, as a MkDocs-style site builder converts a page.

The page's extensions are the site's (``markdown_extensions`` of mkdocs.yml, after the three
every such builder enables: ``toc``, ``tables`` and ``fenced_code``). Two steps run after them,
as in MkDocs: a relative link or image to a file of the site is rewritten to that file's
address relative to the page's own address (``history.md#x`` on ``overview/`` becomes
``../history/#x``), and a link to nothing the site has is left as it is and reported; and the
text of a first-level heading that opens the page is kept as the page's title. The conversion
also keeps what a builder needs besides the HTML: the table of contents, the anchors the page
has (every ``id``, and the ``name`` of an ``<a>``, raw HTML included) and the anchors its links
ask of a page (checked by :func:`missing_anchors` once every page is converted).
"""

from __future__ import annotations

import html
import posixpath
import re
import xml.etree.ElementTree as etree
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import markdown
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

BUILTIN_EXTENSIONS = ("toc", "tables", "fenced_code")


def extensions_of(config: Mapping[str, Any]) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The Markdown extensions and their settings a page is converted with (see the module's text)."""
    names: list[str] = list(BUILTIN_EXTENSIONS)
    settings: dict[str, dict[str, Any]] = {}
    given = config.get("markdown_extensions") or []
    items = list(given.items()) if isinstance(given, dict) else []
    if isinstance(given, list):
        for item in given:
            if isinstance(item, str):
                items.append((item, None))
            elif isinstance(item, dict):
                items.extend(item.items())
    for name, options in items:
        if name not in names:
            names.append(str(name))
        if isinstance(options, dict):
            settings[str(name)] = dict(options)
    return names, settings


def page_address(src: str, directory_urls: bool = True) -> str:
    """A page's address from its source path: ``x.md`` → ``x/``, ``a/index.md`` → ``a/``."""
    stem, _ = posixpath.splitext(src)
    head, name = posixpath.split(stem)
    if name in ("index", "README"):
        return f"{head}/" if head else ""
    if not directory_urls:
        return f"{stem}.html"
    return f"{stem}/"


def relative_address(target: str, page: str) -> str:
    """``target`` (an address from the site's root) as seen from the page at address ``page``."""
    here = page if page.endswith("/") or not page else posixpath.dirname(page)
    rel = posixpath.relpath("/" + target, "/" + here)
    return rel + "/" if target.endswith("/") and not rel.endswith("/") else rel


@dataclass
class Converted:
    """A page converted: its HTML, the text of an opening first-level heading, the links to
    nothing the site has (each with the problem's message), its table of contents (the ``toc``
    extension's tokens: level, id, name, children), the anchors it has, and the anchors its links
    ask of pages (the target page's source path, the anchor, the link as written)."""

    html: str
    title: str | None = None
    unknown_links: list[tuple[str, str]] = field(default_factory=list)  # (the link, what is wrong)
    toc: list[dict[str, Any]] = field(default_factory=list)
    anchors: frozenset[str] = frozenset()
    anchor_links: list[tuple[str, str, str]] = field(default_factory=list)


class _Links(Treeprocessor):  # type: ignore[misc]
    def __init__(self, md: markdown.Markdown, src: str, address: str, addresses: Mapping[str, str]) -> None:
        super().__init__(md)
        self.src, self.address, self.addresses = src, address, addresses
        self.unknown: list[tuple[str, str]] = []
        self.anchors: list[tuple[str, str, str]] = []

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            key = "href" if element.tag == "a" else "src" if element.tag == "img" else None
            if key is not None and (value := element.get(key)) is not None:
                element.set(key, self.rewrite(value))

    def rewrite(self, url: str) -> str:
        scheme, netloc, path, query, anchor = urlsplit(url)
        if scheme or netloc or url.startswith(("/", "\\")) or "\x02amp\x03" in url:
            return url
        if not path:
            if anchor and not query:
                self.anchors.append((self.src, unquote(anchor), url))
            return url
        target = posixpath.normpath(posixpath.join(posixpath.dirname(self.src), unquote(path))).lstrip("/")
        found = self.addresses.get(target)
        if found is None:
            what = "an unrecognized relative link" if not posixpath.splitext(path)[1] else "a link"
            self.unknown.append((url, f"{what} to '{url}', which is not among the site's files"))
            return url
        if anchor:
            self.anchors.append((target, unquote(anchor), url))
        return urlunsplit(("", "", relative_address(found, self.address), query, anchor))


class _Ids(Treeprocessor):  # type: ignore[misc]
    """Every anchor of the page: an element's ``id``, an ``<a>``'s ``name``."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.found: set[str] = set()

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if anchor := element.get("id"):
                self.found.add(anchor)
            if element.tag == "a" and (anchor := element.get("name")):
                self.found.add(anchor)


_MAY_NAME = re.compile(r"\b(?:id|name)\s*=", re.I)


class _RawIds(Preprocessor):  # type: ignore[misc]
    """The anchors of the page's raw HTML (which the tree does not show)."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.found: set[str] = set()

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if not _MAY_NAME.search(text):  # no id or name anywhere: nothing to read
            return lines
        found = self.found

        class _Reader(HTMLParser):
            def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
                for key, value in attrs:
                    if value and (key == "id" or (key == "name" and tag == "a")):
                        found.add(value)

        reader = _Reader()
        reader.feed(text)
        reader.close()
        return lines


class _Title(Treeprocessor):  # type: ignore[misc]
    title: str | None = None

    def run(self, root: etree.Element) -> None:
        first = next(iter(root), None)
        if first is not None and first.tag == "h1":
            self.title = heading_text(etree.tostring(first, encoding="unicode"))


_HEADERLINK = re.compile(r'<a\b[^>]*class="headerlink"[^>]*>.*?</a>', re.S)
_NOTE_CALL = re.compile(r'<sup\b[^>]*id="fnref[^"]*"[^>]*>.*?</sup>', re.S)
_TAG = re.compile(r"<[^>]*>")


def heading_text(element: str) -> str:
    """A heading's text: its permalink and note calls dropped, tags stripped, entities read."""
    text = _TAG.sub("", _NOTE_CALL.sub("", _HEADERLINK.sub("", element)))
    return " ".join(html.unescape(text).split())


def convert(
    text: str,
    src: str,
    address: str,
    addresses: Mapping[str, str],
    extensions: list[str],
    settings: Mapping[str, Mapping[str, Any]],
) -> Converted:
    """Convert one page's Markdown (front matter already taken off): ``src`` is its source path,
    ``address`` its address, ``addresses`` the address of every file of the site by source path."""
    md = markdown.Markdown(extensions=extensions, extension_configs={k: dict(v) for k, v in settings.items()})
    links = _Links(md, src, address, addresses)
    md.treeprocessors.register(links, "refsite_links", 0)
    title = _Title(md)
    md.treeprocessors.register(title, "refsite_title", 1)
    ids, raw_ids = _Ids(md), _RawIds(md)
    md.treeprocessors.register(ids, "refsite_ids", 5)  # with the table of contents' ids made
    md.preprocessors.register(raw_ids, "refsite_raw_ids", 21)  # before raw HTML is put aside
    out = md.convert(text)
    toc = list(getattr(md, "toc_tokens", []))
    return Converted(out, title.title, links.unknown, toc, frozenset(ids.found | raw_ids.found), links.anchors)


def missing_anchors(pages: Mapping[str, Converted]) -> list[tuple[str, str, str]]:
    """The links whose page has no such anchor, by the source path of the page that links:
    (that page, the link as written, what is wrong). A page not among ``pages`` is not checked."""
    missing: list[tuple[str, str, str]] = []
    for src, page in pages.items():
        for target, anchor, link in page.anchor_links:
            other = pages.get(target)
            if other is None or anchor in other.anchors:
                continue
            what = "there is no such anchor on this page" if target == src else f"'{target}' has no anchor '#{anchor}'"
            missing.append((src, link, f"a link to '{link}', but {what}"))
    return missing


__all__ = [
    "Converted",
    "convert",
    "extensions_of",
    "heading_text",
    "missing_anchors",
    "page_address",
    "relative_address",
]
