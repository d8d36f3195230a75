"""What readers see differently: the built pages of two states compared block by block."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from .site import Block, Page
from .text import Segments, same_citation, word_diff


@dataclass
class BlockChange:
    """One block added, removed, changed or moved on a page."""

    kind: str  # added, removed, changed, moved
    tag: str
    old: str = ""
    new: str = ""
    diff: Segments = field(default_factory=list)
    citations_before: int = 0
    citations_after: int = 0
    cls: str = ""  # the block's class: refsite-meta, refsite-crumbs ... (the engine's own lines)
    notes_before: list[str] = field(default_factory=list)  # the formatted notes the block calls, in order
    notes_after: list[str] = field(default_factory=list)
    links_before: list[tuple[str, str]] = field(default_factory=list)  # (link text, address) in order
    links_after: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class NoteChange:
    """A footnote added, removed or changed (with its formatted text)."""

    kind: str
    old: str = ""
    new: str = ""
    diff: Segments = field(default_factory=list)


@dataclass
class PageDiff:
    """How one page reads differently."""

    url: str
    title: str
    status: str  # added, removed, changed, "renamed from ADDRESS", or "redirected to ADDRESS"
    blocks: list[BlockChange] = field(default_factory=list)
    notes: list[NoteChange] = field(default_factory=list)
    renumbered: int = 0

    @property
    def summary(self) -> str:
        counts: dict[str, int] = {}
        for b in self.blocks:
            counts[f"paragraphs {b.kind}"] = counts.get(f"paragraphs {b.kind}", 0) + 1
        for n in self.notes:
            counts[f"notes {n.kind}"] = counts.get(f"notes {n.kind}", 0) + 1
        parts = [
            f"{v} {k if v != 1 else k.replace('paragraphs', 'paragraph').replace('notes', 'note')}"
            for k, v in counts.items()
        ]
        if self.renumbered:
            parts.append(f"{self.renumbered} note{'s' if self.renumbered != 1 else ''} renumbered")
        return ", ".join(parts) or self.status


def _change(kind: str, x: Block | None, y: Block | None, before: Page, after: Page) -> BlockChange:
    """A block change with the notes and links of each side."""
    shown = y if y is not None else x
    c = BlockChange(kind, shown.tag if shown else "", cls=shown.cls if shown else "")
    if x is not None:
        c.old, c.citations_before = x.text, len(x.notes)
        c.notes_before = [before.notes.get(n, "") for n in x.notes]
        c.links_before = list(x.links)
    if y is not None:
        c.new, c.citations_after = y.text, len(y.notes)
        c.notes_after = [after.notes.get(n, "") for n in y.notes]
        c.links_after = list(y.links)
    if x is not None and y is not None:
        c.diff = word_diff(x.text, y.text)
    return c


def _blocks(before: Page, after: Page) -> list[BlockChange]:
    old, new = before.blocks, after.blocks
    # a block is the same when its words and the addresses of its links are
    a = [x.plain + "\0" + " ".join(h for _, h in x.links) for x in old]
    b = [y.plain + "\0" + " ".join(h for _, h in y.links) for y in new]
    out: list[BlockChange] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        olds, news = old[i1:i2], new[j1:j2]
        paired = 0
        if tag == "replace":
            for x, y in zip(olds, news, strict=False):
                ratio = difflib.SequenceMatcher(a=x.plain.split(), b=y.plain.split(), autojunk=False).ratio()
                if ratio < 0.4:
                    break
                out.append(_change("changed", x, y, before, after))
                paired += 1
        out += [_change("removed", x, None, before, after) for x in olds[paired:]]
        out += [_change("added", None, y, before, after) for y in news[paired:]]
    # a block removed in one place and added in another is a move (a chronology reordered), maybe reworded
    removed = [c for c in out if c.kind == "removed"]
    moved: list[BlockChange] = []
    for c in out:
        if c.kind != "added" or not removed:
            continue
        new_words = Block(c.tag, c.new).plain.split()
        best, score = None, 0.0
        for r in removed:
            if r.tag != c.tag:
                continue
            ratio = difflib.SequenceMatcher(a=Block(r.tag, r.old).plain.split(), b=new_words, autojunk=False).ratio()
            if ratio > score:
                best, score = r, ratio
        if best is not None and score >= 0.8:
            removed.remove(best)
            moved.append(best)
            c.kind, c.old, c.citations_before = "moved", best.old, best.citations_before
            c.notes_before, c.links_before = best.notes_before, best.links_before
            if score < 1:
                c.diff = word_diff(best.old, c.new)
    return [c for c in out if not any(c is m for m in moved)]


def _notes(old: Page, new: Page) -> tuple[list[NoteChange], int]:
    a, b = old.note_texts(), new.note_texts()
    out: list[NoteChange] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        olds, news = a[i1:i2], b[j1:j2]
        # a note that only changed form (full at the work's first citation, short after) cites the same place
        for y in list(news):
            x = next((x for x in olds if same_citation(x, y)), None)
            if x is not None:
                olds.remove(x)
                news.remove(y)
        n = min(len(olds), len(news))
        out += [NoteChange("changed", x, y, word_diff(x, y)) for x, y in zip(olds[:n], news[:n], strict=True)]
        out += [NoteChange("removed", old=x) for x in olds[n:]]
        out += [NoteChange("added", new=y) for y in news[n:]]
    kept = [t for t in b if t in a]
    renumbered = sum(1 for t in kept if a.index(t) != b.index(t))
    return out, renumbered


def compare_sites(old: dict[str, Page], new: dict[str, Page], moved: dict[str, str] | None = None) -> list[PageDiff]:
    """Every page that reads differently, added or removed, in address order.

    ``moved`` maps a new address to the old one of the same page (a renamed record): the page is
    compared with its old self rather than shown as all added.
    """
    diffs = []
    moved = moved or {}
    for url in sorted(set(old) | set(new)):
        before, after = old.get(url), new.get(url)
        if before is None and after is not None and moved.get(url) in old:
            was = old[moved[url]]
            notes, renumbered = _notes(was, after)
            status = f"renamed from {moved[url]}"
            diffs.append(PageDiff(url, after.title, status, _blocks(was, after), notes, renumbered))
        elif before is None and after is not None:
            diffs.append(
                PageDiff(
                    url,
                    after.title,
                    "added",
                    [_change("added", None, b, after, after) for b in after.blocks],
                    [NoteChange("added", new=t) for t in after.note_texts()],
                )
            )
        elif after is None and before is not None:
            diffs.append(PageDiff(url, before.title, "removed"))
        elif before is not None and after is not None and after.redirect and not before.redirect:
            diffs.append(PageDiff(url, before.title, f"redirected to {after.redirect}"))
        elif before is not None and after is not None:
            blocks = _blocks(before, after)
            notes, renumbered = _notes(before, after)
            if blocks or notes:
                diffs.append(PageDiff(url, after.title, "changed", blocks, notes, renumbered))
    return diffs
