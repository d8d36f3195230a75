"""Footnotes of a rendered page, numbered in reading order.

Python-Markdown numbers a footnote when its inline pass meets the call, and that pass
reaches the cells of a table, the items of a list or the body of an admonition after the
paragraphs around them. The page's HTML is in reading order, so the numbers are set from it:
each call gets the number of its note's first call, and the notes are listed in that order.
"""

from __future__ import annotations

import re

_CALL = re.compile(r'(<sup id="fnref(\d*):([^"]+)"><a class="footnote-ref" href="#fn:[^"]+">)(\d+)(</a></sup>)')
_BLOCK = re.compile(r'(<div class="footnote">\s*<hr />\s*<ol>)(.*?)(</ol>\s*</div>)', re.S)
_ITEM_START = re.compile(r'(?=<li id="fn:)')
_ITEM_ID = re.compile(r'<li id="fn:([^"]+)"')


def in_reading_order(html: str) -> str:
    """``html`` with its footnote calls numbered 1..n in the order they stand, and the notes in that order."""
    block = _BLOCK.search(html)
    if block is None:
        return html
    body = html[: block.start()]
    order: dict[str, int] = {}
    for m in _CALL.finditer(body):
        order.setdefault(m.group(3), len(order) + 1)
    chunks = [c for c in _ITEM_START.split(block.group(2)) if c.strip()]
    items: dict[str, str] = {}
    lead = ""
    for chunk in chunks:
        found = _ITEM_ID.match(chunk)
        if found is None:
            lead += chunk
        else:
            items[found.group(1)] = chunk
    for name in items:
        order.setdefault(name, len(order) + 1)
    if list(order) == list(items) and all(m.group(4) == str(order[m.group(3)]) for m in _CALL.finditer(body)):
        return html
    body = _CALL.sub(lambda m: f"{m.group(1)}{order[m.group(3)]}{m.group(5)}", body)
    listed = sorted(items, key=lambda n: order[n])
    notes = "".join(_renumber_backlinks(items[name], order[name]) for name in listed)
    tail = html[block.end() :]
    trail = "" if notes.endswith("\n") else "\n"
    return body + block.group(1) + lead + notes + trail + block.group(3) + tail


def _renumber_backlinks(item: str, number: int) -> str:
    """The 'jump back to footnote N' titles of one note, with its new number."""
    return re.sub(
        r'(<a class="footnote-backref"[^>]*?title=")([^"]*)(")',
        lambda m: m.group(1) + re.sub(r"\d+", str(number), m.group(2), count=1) + m.group(3),
        item,
    )
