"""What readers see differently: the built pages of two states compared block by block."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from .site import Block, Page
from .text import Segments, word_diff


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
    status: str  # added, removed, changed, or "redirected to ADDRESS"
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
            parts.append(f"{self.renumbered} notes renumbered")
        return ", ".join(parts) or self.status


def _blocks(old: list[Block], new: list[Block]) -> list[BlockChange]:
    a, b = [x.plain for x in old], [x.plain for x in new]
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
                out.append(
                    BlockChange(
                        "changed", y.tag, x.text, y.text, word_diff(x.text, y.text), len(x.notes), len(y.notes), y.cls
                    )
                )
                paired += 1
        out += [
            BlockChange("removed", x.tag, old=x.text, citations_before=len(x.notes), cls=x.cls) for x in olds[paired:]
        ]
        out += [BlockChange("added", y.tag, new=y.text, citations_after=len(y.notes), cls=y.cls) for y in news[paired:]]
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
        n = min(len(olds), len(news)) if tag == "replace" else 0
        out += [NoteChange("changed", x, y, word_diff(x, y)) for x, y in zip(olds[:n], news[:n], strict=True)]
        out += [NoteChange("removed", old=x) for x in olds[n:]]
        out += [NoteChange("added", new=y) for y in news[n:]]
    kept = [t for t in b if t in a]
    renumbered = sum(1 for t in kept if a.index(t) != b.index(t))
    return out, renumbered


def compare_sites(old: dict[str, Page], new: dict[str, Page]) -> list[PageDiff]:
    """Every page that reads differently, added or removed, in address order."""
    diffs = []
    for url in sorted(set(old) | set(new)):
        before, after = old.get(url), new.get(url)
        if before is None and after is not None:
            diffs.append(
                PageDiff(
                    url,
                    after.title,
                    "added",
                    [
                        BlockChange("added", b.tag, new=b.text, citations_after=len(b.notes), cls=b.cls)
                        for b in after.blocks
                    ],
                    [NoteChange("added", new=t) for t in after.note_texts()],
                )
            )
        elif after is None and before is not None:
            diffs.append(PageDiff(url, before.title, "removed"))
        elif before is not None and after is not None and after.redirect and not before.redirect:
            diffs.append(PageDiff(url, before.title, f"redirected to {after.redirect}"))
        elif before is not None and after is not None:
            blocks = _blocks(before.blocks, after.blocks)
            notes, renumbered = _notes(before, after)
            if blocks or notes:
                diffs.append(PageDiff(url, after.title, "changed", blocks, notes, renumbered))
    return diffs
