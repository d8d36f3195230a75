"""The stance grid (actors by proposals) and the island-by-island comparison, as HTML tables.

Both are plain tables that read without JavaScript, scroll sideways on a phone with the first
column kept in view, and mark every value with a symbol and a word as well as a colour.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from .. import inline
from ..dataset import Dataset
from ..model import Record, as_text
from .svg_map import OUTCOME_STYLE, status_text, url_to
from .text import PageContext, attr, fmt_date

#: stance -> (symbol, word)
STANCE_MARKS = {
    "supports": ("✔", "supports"),
    "open": ("◐", "open to"),
    "ambiguous": ("?", "ambiguous"),
    "opposes": ("✖", "opposes"),
}
EMPTY_CELL = '<td class="refsite-grid-empty"></td>'
NO_STANCE = '<span class="refsite-grid-none">no stance recorded</span>'
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_MARK = re.compile(r"[*_`]+")


def plain(text: object) -> str:
    """Markdown from data as plain, escaped text for an HTML cell (links keep their words).

    Citation brackets are left out: a cell links to the position, whose page carries them as notes."""
    bare = inline.replace(as_text(text), lambda _group: "")
    return html.escape(_MD_MARK.sub("", _MD_LINK.sub(r"\1", bare)).strip(), quote=False)


def _country(ds: Dataset, actor: Record) -> Record | None:
    if actor.get("kind") == "state":
        return actor
    return ds.get(as_text(actor.get("country")))


#: the mark of a stance the editors read from a passage rather than one the actor stated
INFERRED_MARK = '<span class="refsite-stance-inferred-mark">inferred</span>'


def _stance(pos: Record) -> str:
    symbol, word = STANCE_MARKS.get(as_text(pos.get("stance")), ("·", as_text(pos.get("stance"))))
    inferred = pos.get("stance_basis") == "inferred"
    return (
        f'<span class="refsite-stance refsite-stance-{attr(pos.get("stance"))}'
        f'{" refsite-stance-inferred" if inferred else ""}">'
        f'<span class="refsite-stance-symbol" aria-hidden="true">{symbol}</span> {html.escape(word)}'
        f"{(' ' + INFERRED_MARK) if inferred else ''}</span>"
    )


def _cell(ctx: PageContext, held: Sequence[Record]) -> str:
    """One actor's stances on one proposal, oldest first: the latest shown, the earlier in a detail."""
    latest = held[-1]
    out = [
        _stance(latest),
        f'<a class="refsite-stance-date" href="{attr(url_to(ctx, latest))}">{html.escape(fmt_date(latest.date))}</a>',
    ]
    notes = [plain(n.get("text")) for n in latest.get("notes") or []]
    earlier = held[:-1]
    if notes or earlier:
        inner = [f'<p class="refsite-stance-note">{n}</p>' for n in notes]
        if earlier:
            items = "".join(
                f'<li>{_stance(p)} <a href="{attr(url_to(ctx, p))}">{html.escape(fmt_date(p.date))}</a></li>'
                for p in reversed(earlier)
            )
            inner.append(f"<p>Earlier:</p><ul>{items}</ul>")
        label = "note and earlier stances" if notes and earlier else ("note" if notes else "earlier stances")
        out.append(f"<details><summary>{label}</summary>{''.join(inner)}</details>")
    return f'<td class="refsite-grid-cell refsite-stance-{attr(latest.get("stance"))}">{" ".join(out)}</td>'


def stance_grid(ctx: PageContext, ds: Dataset, proposals: Sequence[Record]) -> str:
    """Actors by proposals: each actor's latest recorded stance on each proposal, with filters."""
    if not proposals:
        return "*No proposals recorded.*\n"
    by: dict[tuple[str, str], list[Record]] = {}
    for prop in proposals:
        for pos in sorted(ds.referring(prop.id, "position", "proposal"), key=lambda p: (p.date, p.id)):
            by.setdefault((as_text(pos.get("actor")), prop.id), []).append(pos)
    actors = [a for a in (ds.get(aid) for aid in dict.fromkeys(k[0] for k in by)) if a]
    actors.sort(key=lambda a: ((c.label if (c := _country(ds, a)) else "~"), a.get("kind") != "state", a.label))
    head = ['<th scope="col" class="refsite-grid-corner">Actor</th>']
    for prop in proposals:
        none = not any((a.id, prop.id) in by for a in actors)
        extra = '<span class="refsite-grid-none">no stance recorded</span>' if none else ""
        head.append(
            f'<th scope="col"><a href="{attr(url_to(ctx, prop))}">{html.escape(prop.label)}</a> '
            f'<span class="refsite-grid-date">{html.escape(fmt_date(prop.date))}</span>{extra}</th>'
        )
    rows = []
    kinds: dict[str, str] = {}
    countries: dict[str, str] = {}
    for actor in actors:
        country = _country(ds, actor)
        kind = as_text(actor.get("kind"))
        kinds[kind] = kind.replace("-", " ")
        cid = country.id if country else "none"
        countries[cid] = country.label if country else "no country"
        cells = [
            f'<th scope="row"><a href="{attr(url_to(ctx, actor))}">{html.escape(actor.label)}</a> '
            f'<span class="refsite-grid-date">{html.escape(kinds[kind])}'
            f"{', ' + html.escape(country.label) if country and country is not actor else ''}</span></th>"
        ]
        for prop in proposals:
            held = by.get((actor.id, prop.id))
            cells.append(
                _cell(ctx, held)
                if held
                else EMPTY_CELL  # the caption says what an empty cell means; it stays small on large grids
            )
        rows.append(
            f'<tr data-kind="{attr(kind)}" data-kind-label="{attr(kinds[kind])}" data-country="{attr(cid)}" '
            f'data-country-label="{attr(countries[cid])}">{"".join(cells)}</tr>'
        )
    legend = " ".join(
        f'<span class="refsite-stance refsite-stance-{s}"><span aria-hidden="true">{sym}</span> {word}</span>'
        for s, (sym, word) in STANCE_MARKS.items()
    )
    # the script fills in a choice of actor kind and of country from the rows' labels
    filters = '<div class="refsite-grid-filters" hidden></div>'
    table = (
        '<div class="refsite-grid-scroll" tabindex="0" role="region" aria-label="Stance grid, scrolls sideways">'
        '<table class="refsite-grid"><caption>Latest recorded stance of each actor (rows) on each proposal '
        "(columns); earlier stances under each cell's details; an empty cell: no recorded stance.</caption>"
        f"<thead><tr>{''.join(head)}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
    return (
        f'\n<div class="refsite-view refsite-stance-grid" data-refsite-filter>'
        f'<p class="refsite-grid-legend">Key: {legend}; <span aria-hidden="true">·</span> no recorded stance; '
        f'<span class="refsite-stance refsite-stance-inferred">{INFERRED_MARK}</span> the editors\' reading of a '
        "passage, not a stance the actor stated (the position's page gives the passage)</p>"
        f"{filters}{table}{_print_list(ctx, ds, proposals, by)}</div>\n"
    )


def _print_list(
    ctx: PageContext, ds: Dataset, proposals: Sequence[Record], by: dict[tuple[str, str], list[Record]]
) -> str:
    """The grid folded for paper (too wide for a page): one row per proposal, each actor's latest stance."""
    rows = []
    for prop in proposals:
        held = sorted(((aid, ps[-1]) for (aid, pid), ps in by.items() if pid == prop.id), key=lambda pair: pair[1].date)
        stances = "; ".join(
            f"{_stance(pos)} {html.escape(actor.label)} ({html.escape(fmt_date(pos.date))})"
            for aid, pos in held
            if (actor := ds.get(aid))
        )
        rows.append(
            f'<tr><th scope="row"><a href="{attr(url_to(ctx, prop))}">{html.escape(prop.label)}</a></th>'
            f"<td>{stances or NO_STANCE}</td></tr>"
        )
    return (
        '<table class="refsite-grid-print" aria-hidden="true"><thead><tr><th>Proposal</th>'
        f"<th>Latest stance of each actor</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def island_comparison(ctx: PageContext, ds: Dataset, proposals: Sequence[Record]) -> str:
    """Proposals side by side against the islands: who would hold each, and the area each side would hold."""
    with_islands = [p for p in proposals if p.get("islands")]
    if not with_islands:
        return "*No proposal says what it would mean for the islands.*\n"
    islands = list(dict.fromkeys(i for p in with_islands for i in (p.get("islands") or {})))
    places = [r for r in map(ds.get, islands) if r]
    # north to south where the places are located (the order of the chain), else as the proposals list them
    places.sort(
        key=lambda r: -float(r.get("location", {}).get("lat", -90)) if isinstance(r.get("location"), dict) else 90
    )
    areas = {r.id: _area(r) for r in places}
    head = ['<th scope="col" class="refsite-grid-corner">Proposal</th>']
    for place in places:
        area = areas[place.id]
        size = f'<span class="refsite-grid-date">{area[0]:g} {html.escape(area[1])}</span>' if area else ""
        names = " / ".join(_short_names(ds, place))
        head.append(f'<th scope="col"><a href="{attr(url_to(ctx, place))}">{html.escape(names)}</a>{size}</th>')
    head.append('<th scope="col">Area to each side</th>')
    rows = []
    for prop in with_islands:
        outcome_of = prop.get("islands") or {}
        cells = [
            f'<th scope="row"><a href="{attr(url_to(ctx, prop))}">{html.escape(prop.label)}</a> '
            f'<span class="refsite-grid-date">{html.escape(fmt_date(prop.date))}</span></th>'
        ]
        for place in places:
            outcome = as_text(outcome_of.get(place.id)) if place.id in outcome_of else ""
            if not outcome:
                cells.append('<td class="refsite-grid-empty">not addressed</td>')
                continue
            cls, _fill, word = OUTCOME_STYLE.get(outcome, ("unspecified", "", outcome))
            cells.append(
                f'<td class="refsite-grid-cell refsite-outcome-{cls}"><span class="refsite-outcome">{html.escape(word)}'
                "</span></td>"
            )
        cells.append(f"<td>{_shares(ds, places, outcome_of, areas)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        '\n<div class="refsite-view refsite-island-comparison"><div class="refsite-grid-scroll" tabindex="0" '
        'role="region" aria-label="Island comparison, scrolls sideways"><table class="refsite-grid">'
        "<caption>What each proposal would do with each island; areas are the figures the place records give, "
        f"summed only where every island's outcome and area are known.</caption><thead><tr>{''.join(head)}</tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table></div></div>\n"
    )


def _short_names(ds: Dataset, place: Record) -> list[str]:
    names: list[str] = []
    for n in place.get("names") or []:
        if n.get("used_by") and as_text(n.get("name")) not in names and as_text(n.get("lang")).endswith("Latn"):
            names.append(as_text(n.get("name")))
    return names or [place.label]


def _area(place: Record) -> tuple[float, str] | None:
    """The place's area from its figures (the first figure labelled as an area with a number)."""
    for f in place.get("figures") or []:
        value = f.get("value")
        if (
            "area" in as_text(f.get("label")).lower()
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
        ):
            return float(value), as_text(f.get("unit"))
    return None


def _shares(
    ds: Dataset, places: Sequence[Record], outcome_of: dict[str, str], areas: dict[str, tuple[float, str] | None]
) -> str:
    """'Japan: 5,000 km²; Russia: 0 km²' where every island's outcome is transfer or keep and has an area."""
    japan = russia = 0.0
    units = set()
    for place in places:
        outcome = as_text(outcome_of.get(place.id, ""))
        area = areas.get(place.id)
        if outcome not in ("transfer", "keep") or area is None:
            return '<span class="refsite-grid-none">not computable from the sources</span>'
        units.add(area[1])
        if outcome == "transfer":
            japan += area[0]
        else:
            russia += area[0]
    unit = units.pop() if len(units) == 1 else ""
    return f"Japan: {japan:,.0f} {html.escape(unit)}; Russia: {russia:,.0f} {html.escape(unit)}"


__all__ = ["island_comparison", "plain", "stance_grid", "status_text"]
