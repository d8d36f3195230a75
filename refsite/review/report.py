"""The review as a pull-request comment (Markdown, capped), as JSON, and as GitHub annotations."""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from . import mechanical
from .flags import RISKS, Flag
from .pages import PageDiff
from .records import BibDiff, ItemChange, RecordDiff
from .text import annotation_data, annotation_property, code, html_text, md, md_diff
from .visual import Visual

MARKER = "<!-- refsite-review -->"
LIMIT = 65_000  # GitHub refuses a comment longer than 65,536 characters
PER_PAGE = 15
OPEN_PAGES = 3


@dataclass
class Review:
    """Everything the review found."""

    base: str
    head: str
    base_ref: str
    merge_base: str
    site_url: str = ""
    pages: list[PageDiff] = field(default_factory=list)
    records: list[RecordDiff] = field(default_factory=list)
    bib: list[BibDiff] = field(default_factory=list)
    config: list[ItemChange] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    built: bool = True
    note: str = ""
    trusted: bool = False  # built with the base's code
    visual: Visual | None = None  # the screenshots compared, when asked for

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.flags)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.flags)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["errors"] = self.errors
        data["warnings"] = self.warnings
        data["flags"] = [{**asdict(f), "line_text": str(f)} for f in self.flags]
        return data


def annotation_lines(review: Review, *, only_review: bool = False) -> list[str]:
    """One ``::error``/``::warning`` workflow command per new problem and flag (or per new review flag only).

    What was already on the base is not the change's: it is counted in the comment, never annotated.
    """
    out = []
    for f in review.flags:
        if (only_review and f.source == "check") or not f.new or f.severity == "notice":
            continue
        level = "error" if f.severity == "error" else "warning"
        title = "refsite review" if f.source == "review" else f"refsite {f.source}"
        props = ",".join(
            f"{k}={annotation_property(str(v))}"
            for k, v in (("file", f.path), ("line", f.line), ("col", f.col), ("title", title))
        )
        out.append(f"::{level} {props}::{annotation_data(f.message)}")
    return out


def _link(review: Review, url: str, title: str) -> str:
    """A page's title linked to its published address, as HTML (it stands in a ``<summary>``)."""
    label = html_text(title, 90)
    href = html.escape(review.site_url + url, quote=True)
    return f'<a href="{href}">{label}</a>' if review.site_url else label


def _code(text: str) -> str:
    return f"<code>{html_text(text)}</code>"


def _page_body(d: PageDiff) -> list[str]:
    lines = []
    shown = d.blocks[:PER_PAGE]
    for b in shown:
        if b.kind == "changed" and b.tag == "tr" and any("|" in words for op, words in b.diff if op != "="):
            # a value moved between columns: the whole row before and after reads better than a word diff
            lines.append(f"- row changed: ~~{md(b.old, 400)}~~ → **{md(b.new, 400)}**")
        elif b.kind == "changed" and not _edits(b.diff):
            links = [
                f"'{md(t, 80)}' {code(h)} → {code(dict(b.links_after).get(t, '(no link)'))}"
                for t, h in b.links_before
                if dict(b.links_after).get(t) != h
            ]
            links += [f"'{md(t, 80)}' new link to {code(h)}" for t, h in b.links_after if t not in dict(b.links_before)]
            lines.append(f"- links changed, same words: {'; '.join(links) or md(b.new, 200)}")
        elif b.kind == "changed":
            lines.append(f"- changed: {md_diff(b.diff, 600)}")
        elif b.kind == "moved" and b.diff:
            lines.append(f"- moved and changed: {md_diff(b.diff, 600)}")
        elif b.kind == "moved":
            lines.append(f"- moved: {md(b.new, 300)}")
        elif b.kind == "added":
            lines.append(f"- added: **{md(b.new, 400)}**")
        else:
            lines.append(f"- removed: ~~{md(b.old, 400)}~~")
    if len(d.blocks) > PER_PAGE:
        lines.append(f"- … and {len(d.blocks) - PER_PAGE} more paragraphs (in the full review)")
    notes = d.notes[:PER_PAGE]
    if notes:
        lines.append("")
        lines.append("Notes:")
        for n in notes:
            if n.kind == "changed":
                lines.append(f"- note changed: {md_diff(n.diff, 300)}")
            elif n.kind == "added":
                lines.append(f"- note added: {md(n.new, 300)}")
            else:
                lines.append(f"- note removed: ~~{md(n.old, 300)}~~")
    if len(d.notes) > PER_PAGE:
        lines.append(f"- … and {len(d.notes) - PER_PAGE} more notes (in the full review)")
    if d.renumbered:
        lines.append(f"- {d.renumbered} later notes keep their text under a new number")
    return lines


def _edits(diff: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The words a diff removes and adds, without their context: the edit itself."""
    return [(op, words) for op, words in diff if op != "="]


def _signature(d: PageDiff) -> str:
    """Pages with the same edit (the same words changed, the same notes) get the same signature."""
    blocks = [(b.kind, b.tag, _edits(b.diff)) if b.kind == "changed" else asdict(b) for b in d.blocks]
    notes = [(n.kind, _edits(n.diff)) if n.kind == "changed" else asdict(n) for n in d.notes]
    return json.dumps([blocks, notes, d.status == "changed"])


def _record_signature(d: RecordDiff) -> str:
    """Records changed by the same edit (the same words in the same fields) get the same signature."""
    if d.status != "changed":
        return f"{d.status}:{d.id}"
    return json.dumps(
        [
            d.kind,
            [
                (c.field.split("[")[0], c.kind, _edits(c.diff) if c.kind == "changed" else (c.old, c.new))
                for c in d.items
            ],
        ]
    )


def _pages_sections(review: Review, pages: list[PageDiff]) -> list[str]:
    groups: dict[str, list[PageDiff]] = {}
    for d in pages:
        key = _signature(d) if d.status == "changed" else d.url
        groups.setdefault(key, []).append(d)
    out = []
    for group in groups.values():
        first = group[0]
        if first.status == "removed" or first.status.startswith("redirected"):
            status = "removed" if first.status == "removed" else md(first.status)
            out.append(f"- page {status}: {md(first.title, 90)} ({code(first.url or '/')})\n")
            continue
        if len(group) == 1:
            where = _code(first.url or "/")
            head = f"{_link(review, first.url, first.title)} ({where}): {first.status}, {first.summary}"
        else:
            names = ", ".join(_link(review, d.url, d.title) for d in group[:10])
            more = f" and {len(group) - 10} more" if len(group) > 10 else ""
            head = f"the same change on {len(group)} pages: {names}{more}: {first.summary}"
        body = "\n".join(_page_body(first))
        shown = " open" if len(out) < OPEN_PAGES else ""  # the first pages read open, the rest a click away
        out.append(f"<details{shown}><summary>{head}</summary>\n\n{body}\n\n</details>\n")
    return out


def _items(items: list[ItemChange]) -> list[str]:
    out = []
    for c in items:
        if c.kind == "changed":
            out.append(f"- {code(c.field)}: {md_diff(c.diff, 400)}")
        elif c.kind == "added":
            out.append(f"- {code(c.field)} added: **{md(c.new, 400)}**")
        else:
            out.append(f"- {code(c.field)} removed: ~~{md(c.old, 400)}~~")
    return out


def _record_sections(review: Review, records: list[RecordDiff]) -> list[str]:
    groups: dict[str, list[RecordDiff]] = {}
    for d in records:
        groups.setdefault(_record_signature(d), []).append(d)
    out = []
    for group in groups.values():
        d = group[0]
        if len(group) > 1:
            names = ", ".join(_link(review, f"{r.kind}s/{r.id}/", r.label) for r in group[:10])
            more = f" and {len(group) - 10} more" if len(group) > 10 else ""
            head = f"the same edit in {len(group)} {d.kind}s: {names}{more}"
            body = ["Shown for the first:", *_items(d.items)]
            out.append(f"<details><summary>{head}</summary>\n\n" + "\n".join(body) + "\n\n</details>\n")
            continue
        title = (
            _link(review, f"{d.kind}s/{d.id}/", d.label)
            if d.status not in ("removed", "unreadable")
            else html_text(d.label, 90)
        )
        if d.status == "renamed":
            head = f"{d.kind} {title}: renamed {_code(d.old_id)} → {_code(d.id)}" + (
                " (old address redirects)" if d.redirect else " (no redirect from the old address)"
            )
        elif d.status == "unreadable":
            head = f"{d.kind} {title} ({_code(d.path)}): does not load any more (see the problems), so it is left out"
        else:
            head = f"{d.kind} {title} ({_code(d.path)}): {d.status}"
        body = []
        if d.shown:
            body += [f"- {code(k)}: {md(v, 600)}" for k, v in d.shown]
        if d.notes:
            body += ["", "Notes as readers see them:", *(f"{i}. {md(t, 400)}" for i, t in enumerate(d.notes, 1))]
        body += _items(d.items)
        out.append(f"<details><summary>{head}</summary>\n\n" + "\n".join(body) + "\n\n</details>\n")
    return out


def _bib_lines(review: Review) -> list[str]:
    out = []
    for b in review.bib:
        where = ", ".join(code(u or "/") for u in b.cited_on[:8])
        more = f" and {len(b.cited_on) - 8} more" if len(b.cited_on) > 8 else ""
        cited = f" Cited on: {where}{more}." if b.cited_on else ""
        if b.status == "changed":
            out.append(f"- {code(b.key)} changed: ~~{md(b.old, 500)}~~ → **{md(b.new, 500)}**.{cited}")
        elif b.status == "added":
            out.append(f"- {code(b.key)} added: {md(b.new, 500)}.{cited}")
        else:
            out.append(f"- {code(b.key)} removed: ~~{md(b.old, 500)}~~.{cited}")
    return out


def _flag_table(flags: list[Flag]) -> list[str]:
    rows = ["| | Where | What |", "| --- | --- | --- |"]
    for f in flags:
        icon = f.severity
        rows.append(f"| {icon} | {code(f'{f.path}:{f.line}:{f.col}')} | {md(f.message, 400)} |")
    return rows


RISK_LINES = 30


def maintainer_files(review: Review) -> list[str]:
    """The changed files (and mkdocs.yml settings) that are code or policy, for the banner."""
    out: list[str] = []
    for f in review.flags:
        if f.risk == "code or policy" and f.new:
            label = f"{code(f.path)} ({md(f.before, 100)} → {md(f.after, 100)})" if f.before else code(f.path)
            if label not in out:
                out.append(label)
    return out


def risk_lines(review: Review, limit: int = RISK_LINES) -> list[str]:
    """The ranked summary: each new risk with where it is and one line of before → after."""
    order = {r: i for i, r in enumerate(RISKS)}
    risks = sorted(
        (f for f in review.flags if f.new and f.risk and f.risk != "code or policy"),
        key=lambda f: (order.get(f.risk, len(order)), f.path, f.line, f.col),
    )
    out = []
    for n, f in enumerate(risks[:limit], 1):
        change = f"{md(f.before, 160)} → {md(f.after, 200)}" if f.before else md(f.message, 200)
        out.append(f"{n}. **{f.risk}** {code(f'{f.path}:{f.line}:{f.col}')}: {change}")
    if len(risks) > limit:
        out.append(f"- … and {len(risks) - limit} more (all in the table below and the full review)")
    return out


def markdown(review: Review, limit: int = LIMIT) -> str:
    """The comment: code or policy banner, ranked risks, counts; then collapsible sections, cut to fit ``limit``.

    ``limit`` 0 means no cap. The comment is cut between whole sections and rows, never inside a
    ``<details>`` block.
    """
    limit = limit or 10**12
    new = [f for f in review.flags if f.new and f.severity != "notice"]
    old = [f for f in review.flags if not f.new]
    added = sum(d.status == "added" for d in review.pages)
    removed = sum(d.status == "removed" for d in review.pages)
    head = [MARKER, f"## Reference review: {md(review.head)} against {md(review.base)}", ""]
    maintainer = maintainer_files(review)
    if maintainer:
        head += [
            "> [!CAUTION]",
            "> **Needs a maintainer: changes code or policy.** " + ", ".join(maintainer),
            "",
        ]
    risks = risk_lines(review)
    if risks:
        head += ["### Risks first", "", *risks, ""]
    base_line = (
        f" · {_plural(len(old), 'problem')} already on the base (not this change's, not annotated)" if old else ""
    )
    head += [
        f"**{_plural(len(review.pages), 'page')} read differently** ({added} added, {removed} removed) · "
        f"records: {_count(review.records)} · bibliography: {_count(review.bib)} · "
        + (f"configuration: {_plural(len(review.config), 'setting')} changed · " if review.config else "")
        + f"{_plural(sum(f.severity == 'error' for f in new), 'error')}, "
        + f"{_plural(sum(f.severity == 'warning' for f in new), 'warning')} in this change"
        + base_line,
        "",
        f"Compared from the merge base {code(review.merge_base[:12])} of {md(review.base_ref)}, "
        "so only this branch's changes show"
        + ("; built with the base's code, so none of the change's code ran." if review.trusted else "."),
        "",
    ]
    if review.note:
        head += [f"> {md(review.note, 1000)}", ""]
    if review.visual is not None:
        v = review.visual
        if v.compared:
            listed = ", ".join(code(u or "/") for u in v.differ[:10]) + (" …" if len(v.differ) > 10 else "")
            looks = f": {listed}" if v.differ else ""
            head += [
                f"**Screenshots**: {len(v.differ)} of {_plural(len(v.compared), 'page')} look different{looks}"
                + (" (base, head and difference pictures in the artifact)" if v.differ else "")
                + (f"; {md(v.note)}" if v.note else ""),
                "",
            ]
        elif v.note:
            head += [f"**Screenshots**: {md(v.note)}", ""]
    replacements = mechanical.find(review.pages, review.records)
    pages, records = mechanical.without(review.pages, review.records, replacements)
    if replacements:
        head += ["**Mechanical edits**, each shown once; the pages and records below are the exceptions:", ""]
        for r in replacements[:10]:
            pages_text = _plural(len(r.pages), "page")
            where = f"in {_plural(len(r.records), 'record')} ({pages_text})" if r.records else f"on {pages_text}"
            head.append(f"- ~~{md(r.old, 120)}~~ → **{md(r.new, 120)}** {where}")
        if len(replacements) > 10:
            head.append(f"- … and {len(replacements) - 10} more (in the full review)")
        head.append("")
    sections: list[tuple[str, list[str]]] = []
    if new:
        table = _flag_table(new)
        sections.append(("### New problems and flags\n\n" + "\n".join(table[:2]), [*table[2:], ""]))
    elif not risks:
        head += ["No new problems or flags.", ""]
    if review.config:
        sections.append(("### Configuration changes that alter the output", [*_items(review.config), ""]))
    if pages:
        sections.append(("### What readers see", _pages_sections(review, pages)))
    if records:
        sections.append(("### Records", _record_sections(review, records)))
    if review.bib:
        sections.append(("### Bibliography", [*_bib_lines(review), ""]))
    text = "\n".join(head) + "\n"
    omitted = 0
    footer_room = 400
    for title, parts in sections:
        if title and len(text) + len(title) + 2 + footer_room < limit:
            text += f"\n{title}\n" if title.endswith("| --- |") else f"\n{title}\n\n"
        elif title:
            omitted += len(parts)
            continue
        for part in parts:
            if len(text) + len(part) + 1 + footer_room < limit:
                text += part + "\n"
            else:
                omitted += 1
    if omitted:
        text += (
            f"\n> {omitted} more sections or rows did not fit in a comment; the full review is in the "
            "workflow's `review` artifact (review.md and review.json), and every problem is an annotation.\n"
        )
    return text.rstrip() + "\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _count(items: list[Any]) -> str:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.status] = counts.get(item.status, 0) + 1
    return ", ".join(f"{v} {k}" for k, v in counts.items()) or "no change"
