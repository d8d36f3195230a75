"""The stance view (proposal by proposal, each actor's stance) and the island-by-island comparison,
as HTML tables.

Both are plain tables that read without JavaScript and mark every value with a symbol and a word
as well as a colour; the stance view is two columns wide, so it reads on a phone as on a desktop,
and the comparison scrolls sideways with its first column kept in view.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from .. import inline
from ..dataset import Dataset
from ..model import Record, as_text
from .names import name_usage
from .notices import coverage_date
from .svg_map import NOT_ADDRESSED, OUTCOME_STYLE, outcome_word, sides, status_text, url_to
from .text import PageContext, attr, fmt_date

#: stance -> (symbol, word)
STANCE_MARKS = {
    "supports": ("✔", "supports"),
    "open": ("◐", "open to"),
    "ambiguous": ("?", "ambiguous"),
    "opposes": ("✖", "opposes"),
}
AREA_NOTE = (
    " Areas are the figures the place records give, summed only where every island's outcome and area are known."
)
NOT_COMPUTABLE = '<span class="refsite-grid-none">not computable from the sources</span>'
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
INFERRED_MARK = '<span class="refsite-stance-basis refsite-basis-inferred">inferred</span>'


def _stance(pos: Record) -> str:
    symbol, word = STANCE_MARKS.get(as_text(pos.get("stance")), ("·", as_text(pos.get("stance"))))
    inferred = pos.get("stance_basis") == "inferred"
    return (
        f'<span class="refsite-stance refsite-stance-{attr(pos.get("stance"))}'
        f'{" refsite-stance-inferred" if inferred else ""}">'
        f'<span class="refsite-stance-symbol" aria-hidden="true">{symbol}</span> {html.escape(word)}</span>'
    )


def _basis(pos: Record) -> str:
    """Whether the actor stated the stance or the editors read it from a passage, when the position
    says (``stance_basis``); the cell and its row carry it as a class, so an inferred stance looks
    different. Empty when the record does not say."""
    basis = as_text(pos.get("stance_basis"))
    if not basis:
        return ""
    return f' <span class="refsite-stance-basis refsite-basis-{attr(basis)}">{html.escape(basis)}</span>'


def _cell(ctx: PageContext, held: Sequence[Record]) -> str:
    """One actor's stances on one proposal, oldest first: the latest shown, the earlier in a detail."""
    latest = held[-1]
    out = [
        _stance(latest) + _basis(latest),
        f'<a class="refsite-stance-date" href="{attr(url_to(ctx, latest))}">{html.escape(fmt_date(latest.date))}</a>',
    ]
    notes = [plain(n.get("text")) for n in latest.get("notes") or []]
    earlier = held[:-1]
    if notes or earlier:
        inner = [f'<p class="refsite-stance-note">{n}</p>' for n in notes]
        if earlier:
            items = "".join(
                f'<li>{_stance(p)}{_basis(p)} <a href="{attr(url_to(ctx, p))}">{html.escape(fmt_date(p.date))}</a></li>'
                for p in reversed(earlier)
            )
            inner.append(f"<p>Earlier:</p><ul>{items}</ul>")
        label = "note and earlier stances" if notes and earlier else ("note" if notes else "earlier stances")
        out.append(f"<details><summary>{label}</summary>{''.join(inner)}</details>")
    basis = as_text(latest.get("stance_basis"))
    classes = f"refsite-grid-cell refsite-stance-{attr(latest.get('stance'))}" + (
        f" refsite-basis-{attr(basis)}" if basis else ""
    )
    return f'<td class="{classes}">{" ".join(out)}</td>'


def stance_grid(ctx: PageContext, ds: Dataset, proposals: Sequence[Record]) -> str:
    """Who stands where, proposal by proposal: for each proposal with recorded stances, each actor's
    latest stance in the sources (earlier ones in a detail); then the proposals with none, in one line.

    One two-column table, a group of rows per proposal, reads on a phone as on a desktop; the
    script adds filters by actor kind and country."""
    if not proposals:
        return "*No proposals recorded.*\n"
    by: dict[tuple[str, str], list[Record]] = {}
    for prop in proposals:
        for pos in sorted(ds.referring(prop.id, "position", "proposal"), key=lambda p: (p.date, p.id)):
            by.setdefault((as_text(pos.get("actor")), prop.id), []).append(pos)
    actors = [a for a in (ds.get(aid) for aid in dict.fromkeys(k[0] for k in by)) if a]
    actors.sort(key=lambda a: ((c.label if (c := _country(ds, a)) else "~"), a.get("kind") != "state", a.label))
    groups = []
    for prop in (p for p in proposals if any((a.id, p.id) in by for a in actors)):
        makers = ", ".join(html.escape(r.label) for r in map(ds.get, prop.refs("proposed_by")) if r)
        rows = [
            f'<tr class="refsite-stance-proposal"><th colspan="2" scope="rowgroup" id="stances-{attr(prop.id)}">'
            f'<a href="{attr(url_to(ctx, prop))}">{html.escape(prop.label)}</a> '
            f'<span class="refsite-grid-date">{html.escape(fmt_date(prop.date))}'
            f"{' · proposed by ' + makers if makers else ''}</span></th></tr>"
        ]
        for actor in actors:
            held = by.get((actor.id, prop.id))
            if not held:
                continue
            country = _country(ds, actor)
            kind = as_text(actor.get("kind"))
            cid = country.id if country else "none"
            where = f", {country.label}" if country and country is not actor else ""
            rows.append(
                f'<tr data-kind="{attr(kind)}" data-kind-label="{attr(kind.replace("-", " "))}" '
                f'data-country="{attr(cid)}" data-country-label="{attr(country.label if country else "no country")}">'
                f'<th scope="row"><a href="{attr(url_to(ctx, actor))}">{html.escape(actor.label)}</a> '
                f'<span class="refsite-grid-date">{html.escape(kind.replace("-", " ") + where)}</span></th>'
                f"{_cell(ctx, held)}</tr>"
            )
        groups.append(f'<tbody class="refsite-stance-group">{"".join(rows)}</tbody>')
    legend = " ".join(
        f'<span class="refsite-stance refsite-stance-{s}"><span aria-hidden="true">{sym}</span> {word}</span>'
        for s, (sym, word) in STANCE_MARKS.items()
    )
    latest = coverage_date(ds)
    until = f" (the sources cover events to {html.escape(fmt_date(latest))})" if latest else ""
    none = [p for p in proposals if not any((a.id, p.id) in by for a in actors)]
    without = (
        '<p class="refsite-stance-none">No stance recorded in the sources on: '
        + "; ".join(
            f'<a href="{attr(url_to(ctx, p))}">{html.escape(p.label)}</a> ({html.escape(fmt_date(p.date))})'
            for p in none
        )
        + ".</p>"
        if none
        else ""
    )
    # the script fills in a choice of actor kind and of country from the rows' labels
    filters = '<div class="refsite-grid-filters" hidden></div>'
    table = (
        '<table class="refsite-grid refsite-stance-table"><caption>Each actor&#8217;s latest stance in the sources'
        f"{until} on each proposal, proposal by proposal; earlier stances under each stance&#8217;s details."
        '</caption><thead><tr><th scope="col">Actor</th><th scope="col">Latest stance and its date</th></tr></thead>'
        f"{''.join(groups)}</table>"
        if groups
        else ""
    )
    return (
        f'\n<div class="refsite-view refsite-stance-grid" data-refsite-filter>'
        f'<p class="refsite-grid-legend">Key: {legend}; '
        f"{INFERRED_MARK} the editors' reading of a "
        "passage, not a stance the actor stated (the position's page gives the passage)</p>"
        f"{filters}{table}{without}</div>\n"
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
        usage = name_usage(ds, place)  # which side uses which name, on hover, as every island link says
        title = f' title="{attr(usage)}"' if usage else ""
        head.append(f'<th scope="col"><a href="{attr(url_to(ctx, place))}"{title}>{html.escape(names)}</a>{size}</th>')
    # the area to each side, only when the place records give it for at least one proposal
    shares = {p.id: _shares(ds, places, p.get("islands") or {}, areas) for p in with_islands}
    if any(shares.values()):
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
                cells.append(f'<td class="refsite-outcome-none">{NOT_ADDRESSED}</td>')
                continue
            cls = OUTCOME_STYLE[outcome][0] if outcome in OUTCOME_STYLE else "unspecified"
            cells.append(
                f'<td class="refsite-grid-cell refsite-outcome-{cls}"><span class="refsite-outcome">'
                f"{html.escape(outcome_word(outcome, ds))}</span></td>"
            )
        if any(shares.values()):
            cells.append(f"<td>{shares[prop.id] or NOT_COMPUTABLE}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        '\n<div class="refsite-view refsite-island-comparison"><div class="refsite-grid-scroll" tabindex="0" '
        'role="region" aria-label="Island comparison, scrolls sideways"><table class="refsite-grid">'
        f"<caption>What each proposal would do with each island; {NOT_ADDRESSED}: the proposal says nothing of "
        f"the island.{AREA_NOTE if any(shares.values()) else ''}</caption><thead><tr>{''.join(head)}</tr>"
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
    """'Japan: 5,000 km²; Russia: 0 km²' (the claimant's, then the holder's: see :func:`sides`) where
    every island's outcome is transfer or keep and has an area,
    else empty."""
    claimant = holder = 0.0
    units = set()
    for place in places:
        outcome = as_text(outcome_of.get(place.id, ""))
        area = areas.get(place.id)
        if outcome not in ("transfer", "keep") or area is None:
            return ""
        units.add(area[1])
        if outcome == "transfer":
            claimant += area[0]
        else:
            holder += area[0]
    unit = html.escape(units.pop() if len(units) == 1 else "")
    who = sides(ds)
    return f"{html.escape(who['claimant'])}: {claimant:,.0f} {unit}; {html.escape(who['holder'])}: {holder:,.0f} {unit}"


__all__ = ["island_comparison", "plain", "stance_grid", "status_text"]
