"""Markdown for one page per record and one index page per kind."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..cite import Cite
from ..context import StoreSlot, current
from ..dataset import Dataset, Reads
from ..inline import has_citation
from ..model import KIND_TITLES, KINDS, PLURAL, Record, as_text
from .grid import island_comparison
from .meta import SEARCH_BOOST, cut_description, plain_text
from .names import side_names
from .svg_map import locator_map, outcome_word
from .text import PageContext, date_span, esc, fmt_date, prose, quote_text, src_uri, with_calls
from .timeline_svg import timeline_chart
from .views import (
    islands_table,
    positions_by_actor,
    positions_list,
    record_list,
    ref_link,
    ref_links,
    stance_matrix,
    stance_table,
    stance_text,
    timeline,
)

LANG_LABELS = {
    "en": "English",
    "ja": "Japanese",
    "ja-Latn": "Japanese (romanized)",
    "ru": "Russian",
    "ru-Latn": "Russian (romanized)",
    "zh": "Chinese",
    "zh-Latn": "Chinese (romanized)",
}
SINGULAR = {k: k.capitalize() for k in KINDS}


def page_meta(title: str, description: str = "", boost: float = 1.0) -> dict[str, Any]:
    """A generated page's metadata, handed to the site builder as data, never as front matter text.

    The title and description are HTML-escaped once (themes print them as they are), and
    ``render_macros`` is off: nothing on a generated page is ever a template.
    """
    meta: dict[str, Any] = {"render_macros": False, "title": _inert(html.escape(" ".join(title.split()), quote=False))}
    if description:
        meta["description"] = _inert(html.escape(description, quote=True))
    if boost != 1.0:
        meta["search"] = {"boost": boost}
    return meta


def _inert(text: str) -> str:
    """Braces as character references: the same text on the page, and never template syntax."""
    return text.replace("{", "&#123;").replace("}", "&#125;")


def record_meta(rec: Record) -> dict[str, Any]:
    """The metadata of a record's page: its label, the start of its summary (cut at a word) as the
    description, and its search boost (a record is found first by its own name)."""
    return page_meta(rec.label, record_description(rec), SEARCH_BOOST[rec.kind])


def record_description(rec: Record) -> str:
    """The start of a record's summary as plain text, cut at a word."""
    return cut_description(plain_text(as_text(rec.get("summary"))))


def index_meta(kind: str) -> dict[str, Any]:
    """The metadata of the index page of one kind."""
    return page_meta(KIND_TITLES[kind])


def _section(title: str, body: str) -> str:
    return f"\n## {title}\n\n{body}" if body.strip() else ""


def _list_section(ctx: PageContext, ds: Dataset, title: str, recs: list[Record]) -> str:
    """A section listing records, left out when there are none."""
    return _section(title, record_list(ctx, ds, recs)) if recs else ""


def _notes(ctx: PageContext, rec: Record) -> str:
    notes = rec.get("notes") or []
    lines = [f"- {ctx.prose(n.get('text'), inline=True)}{ctx.sources(n.get('sources'))}" for n in notes]
    if rec.get("date_note"):
        lines.insert(0, f"- **Date:** {ctx.prose(rec.get('date_note'), inline=True)}")
    return "\n".join(lines) + "\n" if lines else ""


def _names(ctx: PageContext, ds: Dataset, rec: Record) -> str:
    names = rec.get("names") or []
    trivial = all(n.get("lang") == "en" and not n.get("used_by") and not n.get("note") for n in names)
    if not names or (trivial and len(names) == 1 and as_text(names[0].get("name")) == rec.label):
        return ""
    rows = ["| Name | Language | Used by |", "| --- | --- | --- |"]
    for n in names:
        note = f" ({ctx.plain(n.get('note'))})" if n.get("note") else ""
        rows.append(
            f"| {esc(n.get('name'))}{note} | {LANG_LABELS.get(as_text(n.get('lang')), esc(n.get('lang')))} | "
            f"{ref_link(ctx, ds, n.get('used_by'))} |"
        )
    return "\n".join(rows) + "\n"


def _head(ctx: PageContext, ds: Dataset, rec: Record, facts: list[str]) -> str:
    crumbs = f"[{KIND_TITLES[rec.kind]}]({ctx.href(f'{PLURAL[rec.kind]}/index.md')}) › {esc(rec.label)}"
    meta = " · ".join(f for f in facts if f)
    return (
        f'<p class="refsite-crumbs" data-search-exclude="" markdown>{crumbs}</p>\n\n# {esc(rec.label)}\n\n'
        + (f'<p class="refsite-meta" markdown>{meta}</p>\n\n' if meta else "")
        + _summary(ctx, rec)
    )


def _summary(ctx: PageContext, rec: Record) -> str:
    """The summary, its claims cited where they stand; the record's general sources under it, once.

    A summary that cites nothing inline keeps its sources' note at its end."""
    summary = rec.get("summary")
    if not has_citation(as_text(summary)):
        return with_calls(prose(summary), ctx.sources(rec.get("sources"))) + "\n"
    text = ctx.prose(summary)
    calls = ctx.sources(rec.get("sources"))
    return f'{text}\n\n<p class="refsite-sources" markdown>Sources for the whole record.{calls}</p>\n'


def actor_page(ctx: PageContext, ds: Dataset, rec: Record) -> str:
    facts = [esc(as_text(rec.get("kind")).replace("-", " ").capitalize()), ref_link(ctx, ds, rec.get("country"))]
    out = [_head(ctx, ds, rec, facts)]
    out.append(_section("Names", _names(ctx, ds, rec)))
    roles = rec.get("roles") or []
    if roles:
        rows = ["| Role | From | To |", "| --- | --- | --- |"]
        for r in roles:
            of = f", {ref_link(ctx, ds, r.get('of'))}" if r.get("of") else ""
            note = f" ({ctx.plain(r.get('note'))})" if r.get("note") else ""
            rows.append(
                f"| {esc(r.get('title'))}{of}{note}{ctx.sources(r.get('sources'))} | "
                f"{fmt_date(r.get('from'))} | {fmt_date(r.get('to'))} |"
            )
        out.append(_section("Roles", "\n".join(rows) + "\n"))
    positions = sorted(ds.referring(rec.id, "position", "actor"), key=lambda p: (p.date, p.id), reverse=True)
    out.append(_section("Positions", positions_list(ctx, ds, positions, actor=False) if positions else ""))
    out.append(_list_section(ctx, ds, "Proposals made", ds.referring(rec.id, "proposal", "proposed_by")))
    events = sorted(ds.referring(rec.id, "event", "actors"), key=lambda e: (e.date or "9999", e.id))
    out.append(_list_section(ctx, ds, "Events", events))
    members = ds.referring(rec.id, "actor", "country") + ds.referring(rec.id, "actor", "roles")
    out.append(_list_section(ctx, ds, "Related actors", sorted(set(members), key=lambda r: r.label)))
    places = ds.referring(rec.id, "place", "administered_by") + ds.referring(rec.id, "place", "claimed_by")
    out.append(_list_section(ctx, ds, "Places administered or claimed", list(dict.fromkeys(places))))
    named = ds.referring(rec.id, "place", "names")
    out.append(_list_section(ctx, ds, "Place names used", named))
    return "".join(out)


def place_page(ctx: PageContext, ds: Dataset, rec: Record) -> str:
    facts = [
        esc(as_text(rec.get("kind")).replace("-", " ").capitalize()),
        f"part of {ref_link(ctx, ds, rec.get('part_of'))}" if rec.get("part_of") else "",
        f"administered by {ref_link(ctx, ds, rec.get('administered_by'))}" if rec.get("administered_by") else "",
        f"claimed by {ref_links(ctx, ds, rec.refs('claimed_by'))}" if rec.get("claimed_by") else "",
    ]
    out = [_head(ctx, ds, rec, facts)]
    if rec.get("location"):
        caption = f"Where {' / '.join(name for name, _side in side_names(ds, rec)) or rec.label} lies."
        out.append(_section("Map", locator_map(ctx, ds, highlight=rec.id, caption=caption)))
    out.append(_section("Names", _names(ctx, ds, rec)))
    figures = rec.get("figures") or []
    if figures:
        rows = ["| Figure | Value | As of |", "| --- | --- | --- |"]
        for f in figures:
            value = f"{f.get('value'):,}" if isinstance(f.get("value"), int) else esc(f.get("value"))
            unit = f" {esc(f.get('unit'))}" if f.get("unit") else ""
            note = f" ({ctx.plain(f.get('note'))})" if f.get("note") else ""
            rows.append(
                f"| {esc(f.get('label'))}{note} | {value}{unit}{ctx.sources(f.get('sources'))} | "
                f"{fmt_date(f.get('as_of'))} |"
            )
        out.append(_section("Figures", "\n".join(rows) + "\n"))
    out.append(_list_section(ctx, ds, "Parts", ds.referring(rec.id, "place", "part_of")))
    proposals = ds.referring(rec.id, "proposal", "islands")
    if proposals:
        rows = ["| Proposal | Date | Outcome for this island |", "| --- | --- | --- |"]
        for p in proposals:
            outcome = outcome_word((p.get("islands") or {}).get(rec.id), ds)
            rows.append(f"| {ctx.link(p)} | {fmt_date(p.date)} | {esc(outcome)} |")
        out.append(_section("Proposals", "\n".join(rows) + "\n"))
    events = sorted(ds.referring(rec.id, "event", "places"), key=lambda e: (e.date or "9999", e.id))
    out.append(_list_section(ctx, ds, "Events", events))
    return "".join(out)


def topic_page(ctx: PageContext, ds: Dataset, rec: Record) -> str:
    facts = [f"part of {ref_link(ctx, ds, rec.get('parent'))}" if rec.get("parent") else ""]
    out = [_head(ctx, ds, rec, facts)]
    out.append(_list_section(ctx, ds, "Subtopics", ds.referring(rec.id, "topic", "parent")))
    positions = ds.referring(rec.id, "position", "topic")
    out.append(_section("Positions by actor", positions_by_actor(ctx, ds, positions) if positions else ""))
    out.append(_list_section(ctx, ds, "Proposals", ds.referring(rec.id, "proposal", "topic")))
    events = sorted(ds.referring(rec.id, "event", "topics"), key=lambda e: (e.date or "9999", e.id))
    out.append(_section("Timeline", timeline(ctx, ds, events) if events else ""))
    return "".join(out)


def position_page(ctx: PageContext, ds: Dataset, rec: Record) -> str:
    facts = [
        fmt_date(rec.date),
        f"held by {ref_link(ctx, ds, rec.get('actor'))}" + (f" as {esc(rec.get('role'))}" if rec.get("role") else ""),
        f"on {ref_link(ctx, ds, rec.get('topic'))}",
        stance_text(ctx, ds, rec),
    ]
    out = [_head(ctx, ds, rec, facts)]
    if rec.get("quote"):
        actor = ds.get(as_text(rec.get("actor")))
        whose = (
            ""
            if rec.get("quote_by") == "actor"
            else f" (the source's words, not {esc(actor.label) if actor else 'the actor'}'s own)"
        )
        out.append(f"\n> {quote_text(rec.get('quote'))}{whose}{ctx.sources(rec.get('sources')[:1])}\n")
    if rec.get("stance_basis") == "inferred" and rec.get("stance_reading"):
        reading = (
            "The source does not report this stance in so many words; the site reads it from this passage:\n\n"
            f"{ctx.prose(rec.get('stance_reading'))}"
        )
        out.append(_section("How this stance is read", reading))
    if rec.get("supersedes"):
        out.append(_list_section(ctx, ds, "Replaces", [r for r in [ds.get(rec.get("supersedes"))] if r]))
    out.append(_list_section(ctx, ds, "Replaced by", ds.referring(rec.id, "position", "supersedes")))
    return "".join(out)


def proposal_page(ctx: PageContext, ds: Dataset, rec: Record) -> str:
    facts = [
        fmt_date(rec.date),
        f"proposed by {ref_links(ctx, ds, rec.refs('proposed_by'))}",
        f"status: {esc(rec.get('status'))}",
        f"on {ref_link(ctx, ds, rec.get('topic'))}" if rec.get("topic") else "",
    ]
    out = [_head(ctx, ds, rec, facts)]
    out.append(_section("What it would mean for each island", islands_table(ctx, ds, rec)))
    if rec.get("islands"):
        caption = "The islands shaded by what this proposal would do with each."
        out.append(locator_map(ctx, ds, outcomes=rec.get("islands"), caption=caption))
    if ds.referring(rec.id, "position", "proposal"):
        out.append(_section("Stances", stance_table(ctx, ds, rec)))
    return "".join(out)


def event_page(ctx: PageContext, ds: Dataset, rec: Record) -> str:
    facts = [date_span(rec.date, rec.get("end_date")), esc(as_text(rec.get("kind")).capitalize())]
    out = [_head(ctx, ds, rec, facts)]
    out.append(_list_section(ctx, ds, "Actors", [r for r in map(ds.get, rec.refs("actors")) if r]))
    out.append(_list_section(ctx, ds, "Places", [r for r in map(ds.get, rec.refs("places")) if r]))
    out.append(_list_section(ctx, ds, "Topics", [r for r in map(ds.get, rec.refs("topics")) if r]))
    return "".join(out)


RENDERERS: dict[str, Callable[[PageContext, Dataset, Record], str]] = {
    "actor": actor_page,
    "place": place_page,
    "topic": topic_page,
    "position": position_page,
    "proposal": proposal_page,
    "event": event_page,
}


def record_page(ctx: PageContext, ds: Dataset, rec: Record, history: str = "") -> str:
    """The whole Markdown page of one record, footnote definitions included; ``history`` (Markdown,
    see :func:`refsite.render.editions.history_section`) stands after its notes."""
    body = RENDERERS[rec.kind](ctx, ds, rec)
    notes = _notes(ctx, rec)
    if notes:
        body += _section("Notes", notes)
    body = ctx.merge_adjacent(body)
    # The record's id, file and edit link are no text of the page: the theme's edit link carries
    # them in its title, and its as-of date stands beside the title (refsite.render.notices).
    return body + history + "\n" + ctx.footnotes() + "\n"


def _count(ds: Dataset, rec: Record, kind: str, field: str) -> int:
    return len(ds.referring(rec.id, kind, field))


def _span(ds: Dataset, rec: Record, *links: tuple[str, str]) -> str:
    """The years a record's dated positions and events cover: '2006–2014'."""
    years = sorted({r.date[:4] for kind, name in links for r in ds.referring(rec.id, kind, name) if r.date})
    if not years:
        return ""
    return years[0] if years[0] == years[-1] else f"{years[0]}–{years[-1]}"


def index_page(ctx: PageContext, ds: Dataset, kind: str) -> str:
    """A table of every record of one kind."""
    recs = ds.of_kind(kind)
    title = KIND_TITLES[kind]
    if kind == "actor":
        head = "| Name | Kind | Country | Dates | Positions | Events |\n| --- | --- | --- | --- | --: | --: |"
        rows = [
            f"| {ctx.link(r)} | {esc(r.get('kind'))} | {ref_link(ctx, ds, r.get('country'))} | "
            f"{_span(ds, r, ('position', 'actor'), ('event', 'actors'))} | "
            f"{_count(ds, r, 'position', 'actor')} | {_count(ds, r, 'event', 'actors')} |"
            for r in recs
        ]
    elif kind == "place":
        head = "| Name | Kind | Administered by | Claimed by | Dates | Events |\n| --- | --- | --- | --- | --- | --: |"
        rows = [
            f"| {ctx.link(r)} | {esc(r.get('kind'))} | {ref_link(ctx, ds, r.get('administered_by'))} | "
            f"{ref_links(ctx, ds, r.refs('claimed_by'))} | {_span(ds, r, ('event', 'places'))} | "
            f"{_count(ds, r, 'event', 'places')} |"
            for r in recs
        ]
    elif kind == "topic":
        head = "| Name | Part of | Dates | Positions | Events |\n| --- | --- | --- | --: | --: |"
        rows = [
            f"| {ctx.link(r)} | {ref_link(ctx, ds, r.get('parent'))} | "
            f"{_span(ds, r, ('position', 'topic'), ('event', 'topics'))} | {_count(ds, r, 'position', 'topic')} | "
            f"{_count(ds, r, 'event', 'topics')} |"
            for r in recs
        ]
    elif kind == "position":
        head = "| Date | Actor | Position | Topic | Stance |\n| --- | --- | --- | --- | --- |"
        rows = [
            f"| {fmt_date(r.date)} | {ref_link(ctx, ds, r.get('actor'))} | {ctx.link(r)} | "
            f"{ref_link(ctx, ds, r.get('topic'))} | {stance_text(ctx, ds, r)} |"
            for r in sorted(recs, key=lambda p: (p.date, p.id), reverse=True)
        ]
    elif kind == "proposal":
        head = "| Date | Proposal | Proposed by | Status | Stances |\n| --- | --- | --- | --- | --: |"
        rows = [
            f"| {fmt_date(r.date)} | {ctx.link(r)} | {ref_links(ctx, ds, r.refs('proposed_by'))} | "
            f"{esc(r.get('status'))} | {_count(ds, r, 'position', 'proposal')} |"
            for r in recs
        ]
    else:
        head = "| Date | Event | Kind | Actors |\n| --- | --- | --- | --- |"
        rows = [
            f"| {date_span(r.date, r.get('end_date'))} | {ctx.link(r)} | {esc(r.get('kind'))} | "
            f"{ref_links(ctx, ds, r.refs('actors')[:4])}{' …' if len(r.refs('actors')) > 4 else ''} |"
            for r in recs
        ]
    intro = f"{len(recs)} {title.lower()} in the reference."
    if kind == "event" and recs:
        intro += "\n\n" + timeline_chart(ctx, ds, recs)
    table = "\n".join([head, *rows]) if rows else "*None yet.*"
    extra = ""
    if kind == "proposal" and recs:
        matrix = stance_matrix(ctx, ds, recs)
        extra = (
            f"\n## Who stands where\n\nEach actor's latest stance in the sources, proposal by proposal.\n\n{matrix}"
            f"\n## Island by island\n\nWho would hold each island under each proposal.\n\n"
            f"{island_comparison(ctx, ds, recs)}"
        )
    return f"# {title}\n\n{intro}\n\n{table}\n{extra}"


@dataclass
class _Made:
    """A generated page as it was last made: under which settings, from what it read, with its notes."""

    settings: str
    reads: Reads
    generation: int  # the last build whose dataset the page was made from or checked against
    markdown: str
    notes: list[list[Cite]]
    named: frozenset[str] = frozenset()  # the places whose names it explained (views.names_link)


@dataclass
class _Builds:
    """The dataset of the last build that made pages, and what changed in it since the one before."""

    dataset: Dataset | None = None
    generation: int = 0
    changes: Reads | None = None


_MADE: StoreSlot[str, _Made] = StoreSlot("pages.made")


def _builds() -> _Builds:
    return current().slot("pages.builds", _Builds)


def _changes(ds: Dataset) -> Reads | None:
    """What changed since the previous build's dataset (None on the first build of a process)."""
    builds, made = _builds(), _MADE()
    if builds.dataset is not ds:
        builds.changes = ds.changes_since(builds.dataset) if builds.dataset is not None else None
        builds.dataset = ds
        builds.generation += 1
        for name in [n for n, m in made.items() if m.generation < builds.generation - 1]:
            del made[name]  # not made or used in the last build: it can never be used again
    return builds.changes


def remembered(ctx: PageContext, ds: Dataset, settings: str, make: Callable[[], str], key: str = "") -> str:
    """``make()``, Markdown of the page of ``ctx`` (all of it, or the part ``key`` names: a macro
    call); or what it made last time, when the settings are the same and nothing it read of the
    dataset changed since (a rebuild in the preview).

    ``settings`` names what the text depends on besides what it reads through ``ds``: the record
    itself (``ds.fingerprint``), the edit link, the date format. The notes it added to the page come
    back with it; the number of notes before it is part of the settings (its calls are numbered).
    """
    changes = _changes(ds)
    # what the page said before it: how many notes, which places' names it explained
    settings = f"{settings}|{len(ctx.notes)}|{','.join(sorted(ctx.named))}"
    name = f"{ctx.uri}|{key}"
    builds, made = _builds(), _MADE()
    hit = made.get(name)
    if (
        hit is not None
        and changes is not None
        and hit.generation == builds.generation - 1
        and hit.settings == settings
        and not hit.reads.touches(changes)
    ):
        hit.generation = builds.generation
        ctx.notes = [*ctx.notes, *([*note] for note in hit.notes)]
        ctx.named |= hit.named
        return hit.markdown
    before, named = len(ctx.notes), frozenset(ctx.named)
    with ds.reading() as reads:
        markdown = make()
    notes = [list(n) for n in ctx.notes[before:]]
    made[name] = _Made(settings, reads, builds.generation, markdown, notes, frozenset(ctx.named - named))
    return markdown


__all__ = [
    "index_meta",
    "index_page",
    "page_meta",
    "record_meta",
    "record_page",
    "remembered",
    "src_uri",
    "timeline",
]
