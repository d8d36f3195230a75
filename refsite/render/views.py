"""Listings shared by record pages and narrative-page macros."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..dataset import Dataset
from ..model import Record, as_text
from .names import name_usage, side_names
from .svg_map import outcome_word, url_to
from .text import PageContext, attr, date_span, esc, fmt_date, quote_text

STANCE_LABELS = {"supports": "supports", "opposes": "opposes", "open": "open to", "ambiguous": "ambiguous on"}


def ref_link(ctx: PageContext, ds: Dataset, rid: str | None) -> str:
    """A link to a record by id, or an empty string; a place with a name for each side says which
    side uses which in the link's title."""
    if not rid:
        return ""
    rec = ds.get(rid)
    if rec is None:
        return esc(rid)
    usage = name_usage(ds, rec) if rec.kind == "place" else ""
    return _titled_link(ctx, rec, rec.label, usage) if usage else ctx.link(rec)


def _titled_link(ctx: PageContext, rec: Record, text: str, title: str) -> str:
    """A link to a record's page with a title (shown on hover), as inline HTML: whatever the data
    holds, the title is one attribute value and the text is shown as written."""
    return f'<a href="{attr(url_to(ctx, rec))}" title="{attr(title)}">{esc(text)}</a>'


def ref_links(ctx: PageContext, ds: Dataset, ids: Iterable[str]) -> str:
    return ", ".join(ref_link(ctx, ds, i) for i in ids)


def stance_text(ctx: PageContext, ds: Dataset, pos: Record) -> str:
    """``supports [proposal]`` for a position with a proposal, else ''."""
    prop = pos.get("proposal")
    if not prop:
        return ""
    inferred = " (inferred)" if pos.get("stance_basis") == "inferred" else ""
    return (
        f"{STANCE_LABELS.get(as_text(pos.get('stance')), esc(pos.get('stance')))} {ref_link(ctx, ds, prop)}{inferred}"
    )


def quote_line(pos: Record) -> str:
    """' In their words: “…”.' for the actor's own words; ' As the source puts it: “…”.' for the source's."""
    if not pos.get("quote"):
        return ""
    lead = "In their words" if pos.get("quote_by") == "actor" else "As the source puts it"
    return f" {lead}: {quote_text(pos.get('quote'))}."


def names_link(ctx: PageContext, ds: Dataset, place: Record) -> str:
    """A link to a place under both sides' names, 'Etorofu / Iturup', which side uses which in the
    link's title (on hover), and in words after the link on its first mention on the page."""
    pairs = side_names(ds, place)
    text = " / ".join(name for name, _side in pairs) if pairs else place.label
    usage = name_usage(ds, place)
    if not usage:
        return ctx.link(place, text)
    link = _titled_link(ctx, place, text, usage)
    if place.id in ctx.named:
        return link
    ctx.named.add(place.id)
    return f"{link} ({esc(usage)})"


def positions_list(
    ctx: PageContext, ds: Dataset, positions: Sequence[Record], *, actor: bool = True, topic: bool = True
) -> str:
    """Positions as a list: date, actor, title, topic, stance, summary and sources."""
    if not positions:
        return "*No positions recorded.*\n"
    lines = []
    for pos in positions:
        head = [f"**{fmt_date(pos.date)}**"]
        if actor:
            head.append(ref_link(ctx, ds, pos.get("actor")))
        title = ctx.link(pos)
        extras = []
        if topic:
            extras.append(f"on {ref_link(ctx, ds, pos.get('topic'))}")
        if st := stance_text(ctx, ds, pos):
            extras.append(st)
        quote = quote_line(pos)
        detail = f" ({'; '.join(extras)})" if extras else ""
        lines.append(
            f"- {' · '.join(head)} — {title}{detail}: {ctx.prose(pos.get('summary'), inline=True)}{quote}"
            f"{ctx.sources(pos.get('sources'))}"
        )
    return "\n".join(lines) + "\n"


def positions_by_actor(ctx: PageContext, ds: Dataset, positions: Sequence[Record]) -> str:
    """Positions grouped under their actor, newest first in each group."""
    groups: dict[str, list[Record]] = {}
    for pos in positions:
        groups.setdefault(as_text(pos.get("actor")), []).append(pos)
    parts = []

    def label(actor_id: str) -> str:
        rec = ds.get(actor_id)
        return rec.label.lower() if rec else actor_id

    for actor_id in sorted(groups, key=label):
        group = sorted(groups[actor_id], key=lambda p: p.date, reverse=True)
        parts.append(f"### {ref_link(ctx, ds, actor_id)}\n\n{positions_list(ctx, ds, group, actor=False, topic=False)}")
    return "\n".join(parts) if parts else "*No positions recorded.*\n"


def timeline(ctx: PageContext, ds: Dataset, events: Sequence[Record]) -> str:
    """Events grouped by year, oldest first, each with its summary and sources."""
    if not events:
        return "*No events recorded.*\n"
    out: list[str] = []
    year = None
    for ev in sorted(events, key=lambda e: (e.date or "9999", e.id)):
        y = ev.date[:4] or "Undated"
        if y != year:
            out.append(f"\n**{y}**\n")
            year = y
        when = date_span(ev.date, ev.get("end_date")) if ev.date else "Date not given in the sources"
        summary = ctx.prose(ev.get("summary"), inline=True)
        out.append(f"- **{when}** — {ctx.link(ev)}: {summary}{ctx.sources(ev.get('sources'))}")
    return "\n".join(out).lstrip("\n") + "\n"


def record_list(ctx: PageContext, ds: Dataset, recs: Sequence[Record]) -> str:
    """A compact bulleted list of links, with dates for dated records."""
    if not recs:
        return "*None recorded.*\n"
    lines = []
    for rec in recs:
        undated = rec.kind == "event" and not rec.date  # listed last, and said to be undated
        date = f"{date_span(rec.date, rec.get('end_date'))} — " if rec.date else "Undated — " if undated else ""
        lines.append(f"- {date}{ctx.link(rec)}")
    return "\n".join(lines) + "\n"


def stance_table(ctx: PageContext, ds: Dataset, proposal: Record) -> str:
    """Every actor's recorded stance on a proposal."""
    positions = sorted(ds.referring(proposal.id, "position", "proposal"), key=lambda p: (p.date, p.id))
    if not positions:
        return "*No stances recorded.*\n"
    rows = ["| Actor | Stance | Date | Position |", "| --- | --- | --- | --- |"]
    for pos in positions:
        rows.append(
            f"| {ref_link(ctx, ds, pos.get('actor'))} | {esc(pos.get('stance'))}"
            f"{' (inferred)' if pos.get('stance_basis') == 'inferred' else ''} | {fmt_date(pos.date)} | "
            f"{ctx.link(pos)}{ctx.sources(pos.get('sources'))} |"
        )
    return "\n".join(rows) + "\n"


def islands_table(ctx: PageContext, ds: Dataset, proposal: Record) -> str:
    """What a proposal would mean for each island."""
    islands = proposal.get("islands") or {}
    if not islands:
        return ""
    rows = ["| Island | Outcome |", "| --- | --- |"]
    for pid, outcome in islands.items():
        rows.append(f"| {ref_link(ctx, ds, pid)} | {esc(outcome_word(outcome, ds))} |")
    return "\n".join(rows) + "\n"


def stance_matrix(ctx: PageContext, ds: Dataset, proposals: Sequence[Record]) -> str:
    """Who stands where: the stance grid, actors by proposals (latest position of each actor on each)."""
    from .grid import stance_grid

    return stance_grid(ctx, ds, proposals)
