"""The chronology as a picture: events on a time axis, one lane per kind, eras shaded, as inline SVG.

The SVG is complete without JavaScript (the whole span, decades marked); a small script in the
site's assets zooms it to one decade at a time. Events the sources give no date for stand in a
group of their own at the right, never dropped. A list of the same events is the text equivalent.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from ..dataset import Dataset
from ..model import EVENT_KINDS, Record, as_text
from .svg_map import url_to
from .text import PageContext, attr, date_span

WIDTH = 760.0
LEFT = 112.0
RIGHT = 12.0
UNDATED_W = 124.0
LANE = 30.0
TOP = 40.0
#: every text of the chart, in map units: 12 CSS px or more where the chart is 620 px wide or wider
FONT = 15
#: the radius of an event's mark (a larger target for a finger)
MARK_R = 7.0
START_YEAR = 1855
#: Kinds of events that open an era when they name a place in the dispute.
ERA_KINDS = ("treaty", "declaration", "military")
KIND_FILL = {
    "treaty": "#b03a2e",
    "agreement": "#d35400",
    "declaration": "#8e44ad",
    "visit": "#2e86c1",
    "summit": "#1f618d",
    "meeting": "#5d6d7e",
    "statement": "#17a589",
    "sanction": "#c0392b",
    "exercise": "#7d6608",
    "deal": "#ca6f1e",
    "military": "#6e2c00",
    "election": "#884ea0",
    "policy": "#28b463",
    "incident": "#e74c3c",
    "other": "#7f8c8d",
}


class LinearScale:
    """Time to x, linear: equal spans of time take equal widths over the whole axis."""

    def __init__(self, t0: float, t1: float, left: float, right: float) -> None:
        self.t0, self.t1, self.left, self.right = t0, t1, left, right

    def __call__(self, t: float) -> float:
        t = min(max(t, self.t0), self.t1)
        span = (self.t1 - self.t0) or 1.0
        return round(self.left + (t - self.t0) / span * (self.right - self.left), 1)


def year_of(date: str) -> float:
    """``2013-04-29`` -> 2013.32: the date as a fractional year (mid-month or mid-year when that is all it gives)."""
    parts = date.split("-")
    year = int(parts[0])
    if len(parts) == 1:
        return year + 0.5
    month = int(parts[1])
    day = int(parts[2]) if len(parts) > 2 else 15
    return year + (month - 1) / 12 + (day - 1) / 365


def _in_dispute(ds: Dataset, place_ids: Sequence[str]) -> bool:
    """True if a place is claimed by someone, or holds (through ``part_of``) a claimed place."""
    claimed = {p.id for p in ds.of_kind("place") if p.get("claimed_by")}
    holders = set(claimed)
    for pid in claimed:
        seen = set()
        rec = ds.get(pid)
        while rec and as_text(rec.get("part_of")) and rec.id not in seen:
            seen.add(rec.id)
            holders.add(as_text(rec.get("part_of")))
            rec = ds.get(as_text(rec.get("part_of")))
    return any(p in holders for p in place_ids)


def eras(ds: Dataset, events: Sequence[Record]) -> list[tuple[float, Record]]:
    """Where eras begin: each dated treaty, declaration or military event that names a place in the dispute."""
    out = [
        (year_of(e.date), e)
        for e in events
        if e.date and as_text(e.get("kind")) in ERA_KINDS and _in_dispute(ds, e.refs("places"))
    ]
    return sorted(out, key=lambda pair: pair[0])


def timeline_chart(
    ctx: PageContext, ds: Dataset, events: Sequence[Record], *, since: str | None = None, until: str | None = None
) -> str:
    """The events as an SVG timeline with a zoom control and a list of the same events."""
    dated = sorted((e for e in events if e.date), key=lambda e: (e.date, e.id))
    undated = sorted((e for e in events if not e.date), key=lambda e: e.id)
    if not dated and not undated:
        return "*No events recorded.*\n"
    first = int(as_text(since)[:4]) if since else min([START_YEAR] + [int(e.date[:4]) for e in dated[:1]])
    last = int(as_text(until)[:4]) if until else max([first] + [int(e.date[:4]) for e in dated[-1:]])
    t0, t1 = float(first), float(last + 1)
    kinds = [k for k in EVENT_KINDS if any(e.get("kind") == k for e in (*dated, *undated))]
    lanes = {k: i for i, k in enumerate(kinds)}
    plot_right = WIDTH - RIGHT - (UNDATED_W if undated else 0)
    height = TOP + LANE * len(kinds) + 14 + FONT

    x = LinearScale(t0, t1, LEFT, plot_right)

    out = [
        f'<svg class="refsite-timeline-svg" viewBox="0 0 {WIDTH:g} {height:g}" role="group" '
        f'aria-label="Timeline of {len(dated) + len(undated)} events, {first} to {last}" '
        f'data-t0="{t0:g}" data-t1="{t1:g}" data-left="{LEFT:g}" data-right="{plot_right:g}">'
    ]
    # eras: shaded bands behind the lanes, each named by the event that opens it
    starts = [(t, e) for t, e in eras(ds, ds.of_kind("event")) if t < t1]
    out.append('<g class="refsite-tl-eras">')
    for i, (t, ev) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else t1
        if end <= t0:
            continue
        a, b = max(t, t0), min(end, t1)
        shade = "#eef0f6" if i % 2 == 0 else "#f7f3ea"
        out.append(
            f'<g class="refsite-tl-era" data-a="{a:g}" data-b="{b:g}"><title>Era from {attr(ev.label)} '
            f"({attr(date_span(ev.date))})</title>"
            f'<rect class="refsite-tl-era-{i % 2}" x="{x(a):g}" y="{TOP - 14:g}" width="{max(x(b) - x(a), 0.5):g}" '
            f'height="{LANE * len(kinds) + 14:g}" fill="{shade}"/>'
            + (
                f'<text x="{x(a) + 2:g}" y="{TOP - 4:g}" font-size="{FONT}" class="refsite-tl-era-label">'
                f"{attr(label)}</text>"
                if (label := _era_label(ev.label, x(b) - x(a)))
                else ""
            )
            + "</g>"
        )
    out.append("</g>")
    # lanes
    for kind, i in lanes.items():
        y = TOP + LANE * i + LANE / 2
        out.append(
            f'<line class="refsite-tl-lane" x1="{LEFT:g}" y1="{y:g}" x2="{plot_right:g}" y2="{y:g}" stroke="#c8c8c8" '
            'stroke-width="0.5"/>'
            f'<text class="refsite-tl-kind" x="{LEFT - 6:g}" y="{y + 5:g}" font-size="{FONT}" text-anchor="end">'
            f"{attr(kind)}</text>"
        )
    # axis: a tick every decade, labelled every decade or every other one when they crowd
    axis_y = TOP + LANE * len(kinds) + 4
    out.append(f'<g class="refsite-tl-axis" data-y="{axis_y:g}">')
    out.append(
        f'<line x1="{LEFT:g}" y1="{axis_y:g}" x2="{plot_right:g}" y2="{axis_y:g}" stroke="#555" stroke-width="0.8"/>'
    )
    # a label every 10, 20 or 50 years, whichever first leaves room for a year's four digits
    step = next((n for n in (1, 2, 5, 10, 20, 50, 100) if x(t0 + n) - x(t0) >= FONT * 3), 100)
    for year in range(int(t0) + (-int(t0)) % 10 if t1 - t0 > 10 else int(t0), int(t1) + 1):
        xx = x(year)
        decade = year % 10 == 0
        wide = x(year + 1) - xx >= 14 if year < t1 else False
        if not decade and not wide:
            continue
        out.append(
            f'<line x1="{xx:g}" y1="{axis_y:g}" x2="{xx:g}" y2="{axis_y + (4 if decade else 2):g}" stroke="#555"/>'
        )
        if year % step == 0:
            out.append(
                f'<text x="{xx:g}" y="{axis_y + 6 + FONT:g}" font-size="{FONT}" text-anchor="middle">{year}</text>'
            )
    out.append("</g>")
    # marks: one per event, linked to it; marks that would overlap in a lane are nudged up and down
    taken: dict[int, list[float]] = {}
    out.append('<g class="refsite-tl-marks">')
    for ev in dated:
        t = year_of(ev.date)
        lane = lanes[as_text(ev.get("kind"))]
        xx = x(t)
        near = sum(1 for other in taken.setdefault(lane, []) if abs(other - xx) < MARK_R)
        taken[lane].append(xx)
        dy = (0.0, -6.0, 6.0, -10.0, 10.0)[near % 5]
        out.append(_mark(ctx, ev, xx, TOP + LANE * lane + LANE / 2 + dy, t))
    for i, ev in enumerate(undated):
        lane = lanes[as_text(ev.get("kind"))]
        out.append(_mark(ctx, ev, plot_right + 18 + (i % 3) * 16, TOP + LANE * lane + LANE / 2, None))
    out.append("</g>")
    if undated:
        out.append(
            f'<text class="refsite-tl-undated" x="{plot_right + 4:g}" y="{axis_y + 6 + FONT:g}" font-size="{FONT}">'
            "date not given</text>"
        )
    out.append("</svg>")
    zoom = '<p class="refsite-timeline-zoom" hidden></p>'  # the script adds a choice of decade
    items = [_item(ctx, ev) for ev in dated] + [_item(ctx, ev) for ev in undated]
    caption = (
        f"{len(dated)} dated events from {first} to {last}, one lane per kind, on an even time scale"
        + (f", and {len(undated)} the sources give no date for, at the right" if undated else "")
        + (f"; shaded eras begin at {', '.join(html.escape(e.label) for _t, e in starts)}" if starts else "")
        + "."
    )
    return (
        f'\n<figure class="refsite-view refsite-timeline">{zoom}<div class="refsite-tl-scroll">{"".join(out)}</div>'
        f'<figcaption>{caption}<details class="refsite-tl-list" open><summary>The events of this chart as a list'
        f"</summary><ol>{''.join(items)}</ol></details></figcaption></figure>\n"
    )


def _era_label(label: str, width: float) -> str:
    """An era's name where its band has room for all of it, else nothing (the band's title and the
    caption name it): no label is cut."""
    return label if len(label) * FONT * 0.55 <= width - 4 else ""


def _mark(ctx: PageContext, ev: Record, xx: float, yy: float, t: float | None) -> str:
    kind = as_text(ev.get("kind"))
    when = date_span(ev.date, ev.get("end_date")) if ev.date else "date not given in the sources"
    data_t = f' data-t="{t:.3f}"' if t is not None else ' data-undated=""'
    return (
        f'<a href="{attr(url_to(ctx, ev))}" class="refsite-tl-mark refsite-tl-{attr(kind)}"{data_t}>'
        f"<title>{attr(when)}: {attr(ev.label)} ({attr(kind)})</title>"
        f'<circle cx="{xx:g}" cy="{yy:g}" r="{MARK_R:g}" fill="{KIND_FILL.get(kind, "#777")}" stroke="#fff" '
        'stroke-width="1"/></a>'
    )


def _item(ctx: PageContext, ev: Record) -> str:
    when = date_span(ev.date, ev.get("end_date")) if ev.date else "Date not given in the sources"
    data_t = f' data-t="{year_of(ev.date):.3f}"' if ev.date else ""
    return (
        f'<li{data_t}>{html.escape(when)} — <a href="{attr(url_to(ctx, ev))}">{html.escape(ev.label)}</a> '
        f"({html.escape(as_text(ev.get('kind')))})</li>"
    )
