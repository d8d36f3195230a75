"""Characters a reader can't see: bidi controls, control and invisible format characters."""

from __future__ import annotations

import unicodedata

#: Bidirectional-text controls: they reorder what a reader sees (``U+202E`` turns text around).
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def hidden_char(text: str, *, markdown: bool = False) -> str | None:
    """Describe the first character of ``text`` that a reader can't see or that reorders text, if any.

    Bidi controls and control characters (but line breaks and tabs) are refused everywhere;
    other invisible format characters (zero-width space, joiners, soft hyphen, line
    separators) everywhere but in Markdown.
    """
    if text.isprintable() or text.replace("\n", "").replace("\t", "").isprintable():
        return None  # every bidi control, control and format character is unprintable
    for ch in text:
        if ch in BIDI:
            return f"a bidirectional-text control U+{ord(ch):04X} ({unicodedata.name(ch, 'unnamed')})"
        cat = unicodedata.category(ch)
        if cat == "Cc" and ch not in "\n\t":
            return f"a control character U+{ord(ch):04X}"
        if cat in ("Cf", "Zl", "Zp") and not markdown:
            return f"an invisible character U+{ord(ch):04X} ({unicodedata.name(ch, 'format character')})"
    return None


MAX_OPEN_BRACKETS = 50
"""Unclosed ``[`` a Markdown text may hold: Python-Markdown looks for the end of each link text
from every ``[`` to the end of its paragraph, in time that grows with their square."""

MAX_LINE_NESTING = 20
"""Lists and quotes opened on one line (``* * * x``, ``> > x``): each one is a level of recursion."""


def markdown_bomb(text: str) -> tuple[int, str] | None:
    """The offset and description of Markdown that would take the renderer minutes or overflow its stack, if any."""
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch == "[":
            stack.append(i)
        elif ch == "]" and stack:
            stack.pop()
    if len(stack) > MAX_OPEN_BRACKETS:
        return stack[0], f"{len(stack)} '[' are never closed (at most {MAX_OPEN_BRACKETS}); close them or write \\["
    offset = 0
    for line in text.splitlines(keepends=True):
        if _nesting(line) > MAX_LINE_NESTING:
            return offset, f"lists or quotes nested more than {MAX_LINE_NESTING} deep on one line"
        offset += len(line)
    return None


def _nesting(line: str) -> int:
    """How many list items and quotes open at the start of ``line`` (counting stops past the limit)."""
    depth, i, n = 0, 0, len(line)
    while i < n and depth <= MAX_LINE_NESTING:
        while i < n and line[i] in " \t":
            i += 1
        if i < n and line[i] == ">":
            depth, i = depth + 1, i + 1
            continue
        if i + 1 < n and line[i] in "*+-" and line[i + 1] in " \t":
            depth, i = depth + 1, i + 2
            continue
        j = i
        while j < n and j - i < 10 and line[j].isdigit():
            j += 1
        if i < j and j + 1 < n and line[j] in ".)" and line[j + 1] in " \t":
            depth, i = depth + 1, j + 2
            continue
        break
    return depth
