"""A small element tree for the page bodies the engine finishes (sanitized HTML), so the print
edition reshapes them by structure: find, remove, rename and re-attribute elements, then write
them back as HTML.

Bodies have passed the allow-list sanitizer, so every element is closed and no raw-text element
(script, style) occurs; the parser still copes with a stray end tag or an unclosed element.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
_CASED = {"viewbox": "viewBox"}  # the parser lowercases attribute names; SVG needs these cased


@dataclass(eq=False)
class Element:
    """An element (or, with ``tag == ""``, a fragment: a list of nodes without a tag of its own)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        """The element's classes."""
        return set(self.attrs.get("class", "").split())

    def iter(self) -> Iterator[Element]:
        """Every element below this one, in document order (this one first unless a fragment)."""
        if self.tag:
            yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find(self, match: Callable[[Element], bool]) -> Element | None:
        """The first element (this one or below) that matches."""
        return next((e for e in self.iter() if match(e)), None)

    def remove_where(self, match: Callable[[Element], bool]) -> None:
        """Remove every element below this one that matches, with all it holds."""
        kept: list[Node] = []
        for child in self.children:
            if isinstance(child, Element):
                if match(child):
                    continue
                child.remove_where(match)
            kept.append(child)
        self.children = kept

    def replace_where(self, change: Callable[[Element], list[Node] | None]) -> None:
        """Put ``change(e)`` in place of each element below this one for which it is not None
        (what replaces an element is not searched again)."""
        out: list[Node] = []
        for child in self.children:
            if isinstance(child, Element):
                new = change(child)
                if new is not None:
                    out.extend(new)
                    continue
                child.replace_where(change)
            out.append(child)
        self.children = out

    def text(self) -> str:
        """The text content."""
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def html(self) -> str:
        """The element written back as HTML."""
        return to_html([self])

    def inner_html(self) -> str:
        """What the element holds, written back as HTML."""
        return to_html(self.children)


Node = Element | str


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {_CASED.get(k, k): v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {_CASED.get(k, k): v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return  # an end tag without its start is ignored

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(text: str) -> Element:
    """A fragment holding the parsed nodes of ``text``."""
    builder = _Builder()
    builder.feed(text)
    builder.close()
    return builder.root


def to_html(nodes: list[Node]) -> str:
    """Nodes written as HTML: text and attribute values escaped, void elements without an end tag."""
    out: list[str] = []

    def write(node: Node) -> None:
        if isinstance(node, str):
            out.append(html.escape(node, quote=False))
            return
        if not node.tag:
            for child in node.children:
                write(child)
            return
        attrs = "".join(f' {k}="{html.escape(v)}"' for k, v in node.attrs.items())
        out.append(f"<{node.tag}{attrs}>")
        if node.tag in VOID:
            return
        for child in node.children:
            write(child)
        out.append(f"</{node.tag}>")

    for node in nodes:
        write(node)
    return "".join(out)
