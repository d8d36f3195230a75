"""Word-level differences and inert text for Markdown, and GitHub annotation escaping."""

from __future__ import annotations

import difflib
import html
import re

#: A word diff: ("=", kept words), ("-", removed words), ("+", added words); "…" stands for elided words.
Segments = list[tuple[str, str]]

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~=^$])")
# what GitHub would link: an @mention (or a citation key written ``@key``) and a ``#123`` issue reference
_MENTION = re.compile(r"(?<!\w)[@#][\w][\w:.#$%&+?~/-]*(?<![.:])")


_NOTE_MARK = re.compile(r"\[\d+\]")


def word_diff(old: str, new: str, context: int = 5) -> Segments:
    """The changed words of a text with a little context around each change.

    Note numbers (``[12]``) are compared as one mark, so a note renumbered is no change.
    """
    a, b = old.split(), new.split()
    out: Segments = []
    ka = [_NOTE_MARK.sub("[*]", w) for w in a]
    kb = [_NOTE_MARK.sub("[*]", w) for w in b]
    ops = difflib.SequenceMatcher(a=ka, b=kb, autojunk=False).get_opcodes()
    for n, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            words = b[j1:j2]
            first, last = n == 0, n == len(ops) - 1
            if len(words) > (1 if first or last else 2) * context:
                head = [] if first else words[:context]
                tail = [] if last else words[-context:]
                out.append(("=", " ".join([*head, "…", *tail])))
            else:
                out.append(("=", " ".join(words)))
            continue
        if i2 > i1:
            out.append(("-", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("+", " ".join(b[j1:j2])))
    return out


def md(text: str, limit: int = 0) -> str:
    """Data text made inert in GitHub Markdown: one line, no HTML, no table break, no mention or issue link."""
    text = " ".join(str(text).split())
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    # an @key or #123 becomes a code span, where GitHub links no user, team or issue and the
    # reader copies the key as it is written
    parts = []
    for i, piece in enumerate(re.split(f"({_MENTION.pattern})", text)):
        if i % 2:
            parts.append(code(piece))
        else:
            piece = piece.replace("&", "&amp;")
            piece = _MD_SPECIAL.sub(r"\\\1", piece)
            parts.append(piece.replace("\\<", "&lt;").replace("\\>", "&gt;"))
    return "".join(parts)


def html_text(text: str, limit: int = 0) -> str:
    """Data text made inert inside an HTML block (a ``<summary>``), where Markdown is not read."""
    text = " ".join(str(text).split())
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    # an @key or #123 in <code>, where GitHub links nothing; the rest escaped (an apostrophe
    # becomes &#x27;, which must stay whole)
    parts = []
    for i, piece in enumerate(re.split(f"({_MENTION.pattern})", text)):
        parts.append(f"<code>{html.escape(piece, quote=True)}</code>" if i % 2 else html.escape(piece, quote=True))
    return "".join(parts)


def code(text: str) -> str:
    """A code span for a file name or id, whatever backticks it holds."""
    text = " ".join(str(text).split()).replace("|", "\\|")
    run = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (run + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_diff(segments: Segments, limit: int = 0) -> str:
    """A word diff as Markdown: removed words struck through, added words bold."""
    parts = []
    for op, words in segments:
        body = md(words, limit)
        parts.append(f"~~{body}~~" if op == "-" else f"**{body}**" if op == "+" else body)
    return " ".join(p for p in parts if p)


def annotation_data(text: str) -> str:
    """Escape the message of a ``::error ...::message`` workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def annotation_property(text: str) -> str:
    """Escape a property value (``file=...``) of a workflow command."""
    return annotation_data(text).replace(":", "%3A").replace(",", "%2C")


def same_citation(a: str, b: str) -> bool:
    """Two formatted notes cite the same place: the same text, or the full and the short form of one citation.

    The short form (``Pajon, Japan-Russia, 15.``) is clearly shorter, every word of it stands in the
    full form, and both end with the same page.
    """
    if a == b:
        return True
    short, full = sorted((a, b), key=len)
    words = re.findall(r"\w[\w'-]*", short)
    last_a, last_b = re.findall(r"\d+", a)[-1:], re.findall(r"\d+", b)[-1:]
    return (
        bool(words)
        and bool(last_a)
        and last_a == last_b
        and len(short) < 0.8 * len(full)
        and set(words) <= set(re.findall(r"\w[\w'-]*", full))
    )
