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
