"""Two costs of WeasyPrint that grow with the square of what the reference holds, made linear
while the print edition renders (measured on the real reference: about a third of the PDF's time).

- **Notes.** Each time a note is placed on a page, WeasyPrint copies and lays out the page's
  whole footnote area again to learn its height, so a page with *n* notes lays out
  n(n+1)/2 notes, and again whenever a paragraph is laid out anew. Here each note is laid out
  once (alone, in the same area) and the area's height is the sum of its notes' heights. That
  sum is exact when nothing in the area collapses or clips: notes without vertical margins in an
  area of automatic height; otherwise WeasyPrint's own method runs.
- **Waiting notes.** For every piece of every line, WeasyPrint asks whether it calls a note that
  is still waiting to be placed, by searching the list of all waiting notes (thousands at the
  start); here that list also counts its members, so the question takes one step.
- **Tags.** A tagged PDF refers to the page of every tagged element, and pydyf builds the list of
  all page references anew for each lookup; here the list is built once per page count.

Both are switched on only inside :func:`linear_layout`, for the print edition's own rendering.
The test suite renders a document both ways and compares the pages.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from math import inf
from typing import Any


def _note_height(context: Any, area: Any, note: Any) -> float | None:
    """The height ``note`` takes in the footnote area ``area`` (cached), or None if it cannot be
    added to other notes' heights (it has vertical margins, which would collapse)."""
    from weasyprint.formatting_structure import build
    from weasyprint.layout.block import block_level_layout

    cache: dict[tuple[Any, float, int], float | None] = context.__dict__.setdefault("_refsite_note_heights", {})
    key = (note, area.page.width, id(area.style))
    if key not in cache:
        alone = build.create_anonymous_boxes(area.copy_with_children([note]).deepcopy())
        laid = block_level_layout(context, alone, -inf, None, area.page)[0]
        cache[key] = None  # unless the note is the area's one child, without vertical margins
        if len(laid.children) == 1:
            child = laid.children[0]
            if not child.margin_top and not child.margin_bottom:
                cache[key] = float(child.margin_height())
    return cache[key]


def _simple_area(area: Any) -> bool:
    """An area whose height is the sum of its notes': automatic height, no minimum or maximum."""
    style = area.style
    least = style["min_height"]
    return bool(
        style["height"] == "auto"
        and getattr(style["max_height"], "value", None) == inf
        and (least == "auto" or getattr(least, "value", None) == 0)
    )


def _update_footnote_area(original: Any) -> Any:
    def update(self: Any) -> bool:
        area = self.current_footnote_area
        notes = self.current_page_footnotes
        if not notes or not _simple_area(area):
            return bool(original(self))
        heights = [_note_height(self, area, note) for note in notes]
        if any(h is None for h in heights):
            return bool(original(self))
        if area.height != "auto" and not self.in_column:
            self.page_bottom += area.margin_height()
        area.children = notes
        area.height = sum(h for h in heights if h is not None)
        if not self.in_column:
            self.page_bottom -= area.margin_height()
        return False  # an area of automatic height holds all its notes

    return update


class _Waiting(list):  # type: ignore[type-arg]
    """WeasyPrint's list of notes waiting to be placed, answering ``in`` from a count of its members
    (notes are boxes, equal only to themselves). The list's other mutators are not used on it."""

    def __init__(self, items: Any = ()) -> None:
        super().__init__(items)
        self._count: dict[int, int] = {}
        for item in self:
            self._count[id(item)] = self._count.get(id(item), 0) + 1

    def __contains__(self, item: object) -> bool:
        return self._count.get(id(item), 0) > 0

    def append(self, item: Any) -> None:
        super().append(item)
        self._count[id(item)] = self._count.get(id(item), 0) + 1

    def remove(self, item: Any) -> None:
        super().remove(item)
        self._count[id(item)] -= 1

    def copy(self) -> _Waiting:
        return _Waiting(self)


def _waiting_notes() -> property:
    def get(self: Any) -> _Waiting:
        notes: _Waiting = self.__dict__["_refsite_waiting"]
        return notes

    def put(self: Any, value: Any) -> None:
        self.__dict__["_refsite_waiting"] = value if isinstance(value, _Waiting) else _Waiting(value)

    return property(get, put)


def _page_references(pdf: Any) -> tuple[bytes, ...]:
    kids = pdf.pages["Kids"]
    cached = pdf.__dict__.get("_refsite_page_references")
    if cached is None or cached[0] != len(kids):
        cached = (len(kids), tuple(f"{number} 0 R".encode("ascii") for number in kids[::3]))
        pdf.__dict__["_refsite_page_references"] = cached
    refs: tuple[bytes, ...] = cached[1]
    return refs


@contextlib.contextmanager
def linear_layout() -> Iterator[None]:
    """Within the block, WeasyPrint places notes and tags pages in linear time (see the module)."""
    import pydyf
    from weasyprint.layout import LayoutContext

    saved_update = LayoutContext.__dict__.get("_update_footnote_area")
    saved_refs = pydyf.PDF.__dict__.get("page_references")
    if saved_update is None or not isinstance(saved_refs, property) or "footnotes" in LayoutContext.__dict__:
        yield  # another WeasyPrint than the one this was written for: its own methods run
        return
    LayoutContext._update_footnote_area = _update_footnote_area(saved_update)
    LayoutContext.footnotes = _waiting_notes()
    pydyf.PDF.page_references = property(_page_references)
    try:
        yield
    finally:
        LayoutContext._update_footnote_area = saved_update
        del LayoutContext.footnotes
        pydyf.PDF.page_references = saved_refs
