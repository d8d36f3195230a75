"""The allow-list every page body passes before it is published.

Data and narrative Markdown are checked before rendering (raw HTML in data is refused with a
located message); this is the guarantee behind those checks: whatever the Markdown extensions
made of the text, only known tags, attributes and URL schemes reach a page. No script, no event
handler, no ``javascript:`` or ``data:`` address, no form, frame or embedded object, no
attachment for the PDF renderer, whatever attr_list or a stray tag tried to add.
"""

from __future__ import annotations

import html
import re

import nh3

from .context import MemoSlot

TAGS = frozenset(
    {
        "a", "abbr", "b", "bdi", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
        "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2",
        "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q",
        "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
        "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
    }
)  # fmt: skip
"""Tags that Markdown, its extensions (footnotes, tables, admonitions, toc, md_in_html) and refsite emit."""

SVG_TAGS = frozenset({"svg", "g", "path", "text", "tspan", "line", "circle", "rect", "title"})
"""The inline SVG of the views (map, timeline): shapes, text and links; no script, style, image,
``use``, ``foreignObject`` or animation."""
TAGS = TAGS | SVG_TAGS

GENERIC_ATTRIBUTES = frozenset({"id", "class", "title", "lang"})
ATTRIBUTES: dict[str, set[str]] = {
    "*": set(GENERIC_ATTRIBUTES),
    "a": {"href", "rel", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "td": {"style", "colspan", "rowspan", "align"},
    "th": {"style", "colspan", "rowspan", "align", "scope"},
    "col": {"span", "align"},
    "colgroup": {"span", "align"},
    "ol": {"start", "reversed"},
    "li": {"value"},
    "details": {"open"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "time": {"datetime"},
    "bdi": {"dir"},
    "p": {"dir"},
    "div": {"dir"},
    "span": {"dir", "aria-hidden"},
    # the views: inline SVG, and the tables and controls the views' script enhances
    "svg": {"viewBox", "role", "aria-label", "focusable", "data-t0", "data-t1", "data-left", "data-right"},
    "g": {"data-a", "data-b", "data-y"},
    "path": {"d", "fill", "stroke", "stroke-width"},
    "line": {"x1", "y1", "x2", "y2", "stroke", "stroke-width"},
    "circle": {"cx", "cy", "r", "fill", "stroke", "stroke-width", "aria-hidden"},
    "rect": {"x", "y", "width", "height", "fill", "stroke", "stroke-width"},
    "text": {"x", "y", "text-anchor", "font-size"},
    "tspan": {"x", "y"},
    "tr": {"data-kind", "data-kind-label", "data-country", "data-country-label"},
    "table": {"aria-hidden"},
}
ATTRIBUTES["a"] |= {"data-t", "data-undated"}
ATTRIBUTES["div"] |= {"hidden", "tabindex", "role", "aria-label", "data-refsite-filter"}
ATTRIBUTES["p"] |= {"hidden", "data-search-exclude"}  # page furniture the search index leaves out
ATTRIBUTES["details"] |= {"data-search-exclude"}
ATTRIBUTES["div"] |= {"data-search-exclude"}  # a record's history
ATTRIBUTES["li"] |= {"data-t"}
ATTRIBUTES["span"] |= {"hidden", "data-search-exclude"}  # a note's full references, shown by its preview
URL_SCHEMES = frozenset({"http", "https", "mailto"})
SAFE_REL = frozenset({"noopener", "noreferrer", "nofollow", "footnote", "external", "license", "edit"})
"""``rel`` values a link may keep: never ``attachment`` (the PDF renderer would embed the target)."""
STYLE_PROPERTIES = frozenset({"text-align"})
DIRECTIONS = frozenset({"ltr", "rtl", "auto"})
_UNSAFE_URL = re.compile(r"^[\s\x00-\x1f]*(?:javascript|vbscript|data|file)\s*:", re.I)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.I)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def _url_ok(value: str) -> bool:
    """An address a page may link to: http(s), mailto, a relative path or an in-page anchor."""
    compact = _CONTROL.sub("", value)  # browsers drop tabs and newlines inside a scheme: java\tscript:
    if _UNSAFE_URL.match(compact) or compact.startswith("//"):
        return False
    m = _SCHEME.match(compact)
    return m is None or m.group(1).lower() in URL_SCHEMES


_NUMBER = re.compile(r"^-?[0-9]+(?:\.[0-9]+)?$")
_NUMBERS = re.compile(r"^[-0-9. ]+$")
_PATH = re.compile(r"^[-0-9.,eE MLHVZmlhvz]*$")
_COLOUR = re.compile(r"^(?:#[0-9a-fA-F]{3,8}|none|[a-z]+)$")
_FIXED = {
    "role": {"img", "region", "group"},
    "tabindex": {"0", "-1"},
    "aria-hidden": {"true", "false"},
    "focusable": {"true", "false"},
    "text-anchor": {"start", "middle", "end"},
    "hidden": {""},
    "data-search-exclude": {""},
}


def _attribute(tag: str, name: str, value: str) -> str | None:
    """Keep an allowed attribute only when its value is harmless too."""
    if name in ("d",):
        return value if _PATH.match(value) else None
    if name == "viewBox":
        return value if _NUMBERS.match(value) else None
    if name in ("x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width", "height", "stroke-width", "font-size"):
        return value if _NUMBER.match(value) or (tag in ("tspan", "text") and _NUMBERS.match(value)) else None
    if name in ("fill", "stroke"):
        return value if _COLOUR.match(value) else None
    if name in _FIXED:
        return value if value in _FIXED[name] else None
    if name in ("href", "src", "cite"):
        return value if _url_ok(value) else None
    if name == "rel":
        kept = [v for v in value.split() if v.lower() in SAFE_REL]
        return " ".join(kept) or None
    if name == "dir":
        return value if value.lower() in DIRECTIONS else None
    return value


_DROPPED = {"script", "style", "iframe", "object", "embed", "template", "noscript", "textarea", "select"}
_CLEANER = nh3.Cleaner(
    tags=set(TAGS),
    clean_content_tags=_DROPPED,
    attributes=ATTRIBUTES,
    attribute_filter=_attribute,
    strip_comments=True,
    link_rel=None,
    url_schemes=set(URL_SCHEMES),
    filter_style_properties=set(STYLE_PROPERTIES),
)


_TEXT_ONLY = nh3.Cleaner(tags=set(), clean_content_tags=_DROPPED, attributes={}, link_rel=None)


_CLEANED: MemoSlot[str] = MemoSlot("sanitize.cleaned", 4096)


def clean_html(fragment: str) -> str:
    """``fragment`` with everything outside the allow-list removed (text is kept, escaped)."""
    return _CLEANED.get(lambda: str(_CLEANER.clean(fragment)), fragment)


def clean_title(title: str) -> str:
    """A page or section title as themes print it (HTML): no tag at all, the text escaped exactly once."""
    return " ".join(str(_TEXT_ONLY.clean(title)).split())


def clean_attribute(text: str) -> str:
    """Text for an attribute the theme prints as is (the page description): no tag, quotes escaped."""
    return html.escape(html.unescape(clean_title(text)), quote=True)


__all__ = ["ATTRIBUTES", "TAGS", "URL_SCHEMES", "clean_attribute", "clean_html", "clean_title"]
