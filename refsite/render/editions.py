"""What pages show of editions and history: the edition line, a record's History, the editions page."""

from __future__ import annotations

import html
import posixpath
from collections.abc import Collection

from ..editions import EDITIONS_DIR, BuildInfo
from ..history import Change, History, Point
from ..model import KIND_TITLES, KINDS, PLURAL
from .text import esc, fmt_date

EDITIONS_URI = f"{EDITIONS_DIR}/index.md"


def _point_html(p: Point) -> str:
    tag = html.escape(p.tag)
    if p.tag:
        return f"Edition {tag} ({html.escape(fmt_date(p.date))})" if p.date else f"Edition {tag}"
    return f"{html.escape(fmt_date(p.date))}, commit <code>{html.escape(p.commit[:7])}</code>"


def history_section(hist: History, rid: str) -> str:
    """A record page's "History": one line of meaning per edition or commit that changed it.

    Written as an HTML block, which Markdown passes through untouched: nothing in it is Markdown."""
    if not hist.available:
        body = f"<p>History unavailable: {html.escape(hist.reason)}.</p>"
    else:
        entries = hist.by_record.get(rid, [])
        if not entries:
            body = "<p>No change recorded in the project's history.</p>"
        else:
            items = "".join(f"<li>{_point_html(p)}: {html.escape(c.text)}</li>" for p, c in entries)
            body = f"<ul>{items}</ul>"
    return (
        '\n<div class="refsite-history web-only" data-search-exclude>\n'
        f'<h2 id="history">History</h2>\n{body}\n</div>\n\n'
    )


def editions_page(info: BuildInfo, hist: History, home: str, known: Collection[str]) -> str:
    """The list of editions, newest first, each with what changed since the one before, by kind;
    on the live site, the changes since the last edition first. ``home`` leads to the live site's root;
    records in ``known`` (those of this build) are linked."""
    out = ["# Editions\n"]
    out.append(
        "Each edition is a fixed text with a permanent address: cite an edition to point at words that "
        "will not change. The live site changes with every accepted correction.\n"
    )
    if not hist.available:
        out.append(f"What changed between editions is unavailable: {esc(hist.reason)}.\n")
    if not info.tag and hist.available:
        since = [p for p in hist.points if not p.tag]
        changes = [c for p in since for c in hist.by_point.get(p.commit, [])]
        title = "Since the last edition" if info.editions else "Changes so far"
        out.append(f"## {title}\n")
        out.append(_by_kind(changes, known) if changes else "No change to the records.\n")
    if not info.editions:
        out.append("No edition has been released yet.\n")
    for i, e in reversed(list(enumerate(info.editions))):
        link = f"{home}{EDITIONS_DIR}/{html.escape(e.tag)}/"
        out.append(f"## Edition {esc(e.tag)}\n")
        out.append(
            f"Released {fmt_date(e.date)}; commit <code>{esc(e.commit[:7])}</code>. "
            f'<a href="{link}">Read this edition</a>.\n'
        )
        if not hist.available:
            continue
        found = hist.by_point.get(e.tag)
        if found is None:
            out.append("The same text as the edition before it.\n")
        elif i == 0:
            counts = [f"{sum(c.kind == k for c in found)} {KIND_TITLES[k].lower()}" for k in KINDS]
            out.append(f"The first edition: {', '.join(counts)}.\n")
        else:
            out.append(f"What changed since edition {esc(info.editions[i - 1].tag)}:\n")
            out.append(_by_kind(found, known) if found else "No change to the records.\n")
    return "\n".join(out)


def _by_kind(changes: list[Change], known: Collection[str]) -> str:
    """Changes grouped by kind, one line per record (its changes in order, each told once)."""
    out = []
    for kind in KINDS:
        merged: dict[str, list[Change]] = {}
        for c in changes:
            if c.kind == kind:
                merged.setdefault(c.id, []).append(c)
        if not merged:
            continue
        out.append(f"**{KIND_TITLES[kind]}**\n")
        for rid, rows in sorted(merged.items(), key=lambda item: (item[1][-1].label.lower(), item[0])):
            name = esc(rows[-1].label)
            link = f"[{name}](../{PLURAL[kind]}/{rid}.md)" if rid in known else name
            out.append(f"- {link}: {esc('; '.join(dict.fromkeys(c.text for c in rows)))}")
        out.append("")
    return "\n".join(out) + "\n"


def edition_line(info: BuildInfo, page_url: str) -> str:
    """The line every page opens with: which edition or version it is, the latest edition, all editions.

    Links are relative to the page (``page_url``); an edition built for ``editions/<tag>/`` leads
    back to the live site two folders up."""
    depth = page_url.count("/")
    up = "../" * depth
    live = up + ("../../" if info.frozen else "")
    parts = []
    if info.tag:
        when = f" of {fmt_date(info.date)}" if info.date else ""
        parts.append(f"Edition <strong>{html.escape(info.tag)}</strong>{when}")
        if info.frozen:
            parts.append(f'<a href="{live}">the live site</a>')
    else:
        when = f" ({fmt_date(info.date)}, commit <code>{html.escape(info.commit[:7])}</code>)" if info.commit else ""
        parts.append(f"Live version{when}: it changes with every correction")
        latest = info.latest
        if latest is not None:
            tag = html.escape(latest.tag)
            parts.append(f'latest edition <a href="{up}{EDITIONS_DIR}/{tag}/">{tag}</a>')
    parts.append(f'<a href="{posixpath.join(live, EDITIONS_DIR) + "/"}">all editions</a>')
    return f'<p class="refsite-edition web-only" data-search-exclude>{" · ".join(parts)}</p>\n'

