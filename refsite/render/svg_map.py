"""A locator map of the disputed islands as inline SVG, drawn from the committed geography.

The map is static: land and the places with a ``location`` are drawn from the map geography in ``data/geo/``;
each place with a record links to it; the disputed islands carry both names, each attributed. A
figure caption lists the same facts as text for screen readers and print.
"""

from __future__ import annotations

import math
import posixpath
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from ..config import docs_dir
from ..dataset import Dataset
from ..model import Record, as_text
from .names import name_usage, neutral_name, side_names
from .text import PageContext, attr

WIDTH = 600.0
#: Outcome of a proposal for an island -> (CSS class suffix, fill, word shown on the map).
#: The one vocabulary of what a proposal does with an island (its ``islands`` values): the class and
#: colour of the maps, and the words every page, table, map and caption uses for it.
OUTCOME_STYLE = {
    "transfer": ("transfer", "#d9822b", "to {claimant}"),
    "keep": ("keep", "#3b6fb6", "stays with {holder}"),
    "split": ("split", "#8e5ea2", "divided"),
    "joint": ("joint", "#3a9a6a", "joint arrangement"),
    "unspecified": ("unspecified", "#9a9a9a", "not specified in the source"),
}
#: an island a proposal says nothing of
NOT_ADDRESSED = "not addressed"


def sides(ds: Dataset) -> dict[str, str]:
    """The two sides of the reference's dispute, as its places record them: ``claimant``, the one
    most often in a disputed place's ``claimed_by``, and ``holder``, the one most often in its
    ``administered_by`` (each by its label)."""
    return ds.derive(("sides",), partial(_sides, ds))


def _sides(ds: Dataset) -> dict[str, str]:
    claimants: Counter[str] = Counter()
    holders: Counter[str] = Counter()
    for place in ds.of_kind("place"):
        claimed = [as_text(c) for c in place.get("claimed_by") or []]
        if claimed:
            claimants.update(claimed)
            holders.update([as_text(place.get("administered_by"))] if place.get("administered_by") else [])

    def label(counts: Counter[str], fallback: str) -> str:
        rec = ds.records.get(counts.most_common(1)[0][0]) if counts else None
        return rec.label if rec is not None else fallback

    return {"claimant": label(claimants, "the claimant"), "holder": label(holders, "the administering side")}


def outcome_word(value: object, ds: Dataset) -> str:
    """The words for an ``islands`` value (the value itself if it is not one of the vocabulary), with
    the dispute's own sides (see :func:`sides`)."""
    text = as_text(value)
    return OUTCOME_STYLE[text][2].format(**sides(ds)) if text in OUTCOME_STYLE else text


#: Where the labels of the disputed islands stand (map units), clear of the chain, with a leader line.
CALLOUTS = {
    "etorofu-iturup": (330.0, 270.0),
    "kunashiri-kunashir": (330.0, 330.0),
    "shikotan": (330.0, 400.0),
    "habomai": (330.0, 455.0),
}
#: Offsets (map units) and anchor of the labels of other located places.
_PLAIN_LABELS = {
    "hokkaido": (-10.0, 30.0, "start"),
    "sakhalin": (-8.0, 0.0, "end"),
    "kamchatka": (-8.0, -10.0, "end"),
    "kuril-islands": (-12.0, -40.0, "end"),
}

#: The SVG elements and attributes the views use (for the HTML sanitizer's allow-list).
SVG_ELEMENTS = frozenset({"svg", "g", "path", "text", "tspan", "a", "title", "line", "circle", "rect"})
SVG_ATTRIBUTES = frozenset(
    {
        "viewBox",
        "class",
        "d",
        "x",
        "y",
        "x1",
        "y1",
        "x2",
        "y2",
        "cx",
        "cy",
        "r",
        "width",
        "height",
        "role",
        "aria-label",
        "aria-hidden",
        "href",
        "text-anchor",
        "fill",
        "stroke",
        "stroke-width",
        "stroke-dasharray",
        "font-size",
        "font-weight",
        "focusable",
        "preserveAspectRatio",
    }
)


def page_dir(ctx: PageContext) -> str:
    """The URL folder of the page being rendered: ``places/shikotan.md`` -> ``places/shikotan/``."""
    stem = ctx.uri.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        stem = stem.removesuffix("index").rstrip("/")
    return stem + "/" if stem else ""


def url_to(ctx: PageContext, rec: Record) -> str:
    """A link from the page being rendered to a record's page, as the built site serves it."""
    return posixpath.relpath("/" + rec.url, "/" + (page_dir(ctx) or ".")) + "/"


class Projection:
    """Equirectangular, scaled by the cosine of the middle latitude, into a viewBox ``WIDTH`` wide."""

    def __init__(self, bbox: Sequence[float]) -> None:
        self.w, self.s, self.e, self.n = (float(v) for v in bbox)
        self.kx = math.cos(math.radians((self.s + self.n) / 2))
        self.scale = WIDTH / ((self.e - self.w) * self.kx)
        self.height = round((self.n - self.s) * self.scale, 1)

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return (round((lon - self.w) * self.kx * self.scale, 1), round((self.n - lat) * self.scale, 1))

    def path(self, rings: Sequence[Sequence[Sequence[float]]]) -> str:
        parts = []
        for ring in rings:
            pts = [self(p[0], p[1]) for p in ring]
            if len(pts) >= 3:
                parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in pts) + "Z")
        return "".join(parts)


def _names(ds: Dataset, place: Record) -> list[str]:
    return list(ds.derive(("map-names", place.id), lambda: neutral_name(ds, place).split(" / ")))


def status_text(ds: Dataset, place: Record) -> str:
    """'administered by Russia, claimed by Japan', as the record says (empty if it says neither)."""
    return ds.derive(("map-status", place.id), lambda: _status_text(ds, place))


def _status_text(ds: Dataset, place: Record) -> str:
    parts = []
    if admin := ds.get(as_text(place.get("administered_by"))):
        parts.append(f"administered by {admin.label}")
    claimants = [c.label for c in map(ds.get, place.refs("claimed_by")) if c]
    if claimants:
        parts.append(f"claimed by {', '.join(claimants)}")
    return ", ".join(parts)


def _rings(geo: Mapping[str, Any], name: str) -> list[Any]:
    feature = geo["features"].get(name) or {}
    rings = list(feature.get("rings") or [])
    for part in feature.get("parts") or []:
        rings.extend(_rings(geo, part))
    return rings


def _path(ds: Dataset, proj: Projection, shape: str) -> str:
    """The projected outline of a shape of the geography (``""``: the land), worked out once per build."""
    geo = ds.geo or {}
    key = ("map-path", proj.w, proj.s, proj.e, proj.n, shape)
    return ds.derive(key, lambda: proj.path(_rings(geo, shape) if shape else geo.get("land") or []))


def _ring_radius(proj: Projection, rings: Sequence[Any]) -> float:
    """A circle around a highlighted place: its shape's extent plus a margin, at least 12 units."""
    pts = [proj(p[0], p[1]) for ring in rings for p in ring]
    if not pts:
        return 14.0
    span = max(max(p[0] for p in pts) - min(p[0] for p in pts), max(p[1] for p in pts) - min(p[1] for p in pts))
    return round(max(12.0, span / 2 + 8), 1)


def _text(x: float, y: float, lines: Sequence[str], cls: str, anchor: str = "start", size: int = 14) -> str:
    spans = "".join(
        f'<tspan x="{x:g}" y="{y + i * (size + 2):g}">{attr(line)}</tspan>' for i, line in enumerate(lines) if line
    )
    return f'<text class="{cls}" text-anchor="{anchor}" font-size="{size}">{spans}</text>'


def locator_map(
    ctx: PageContext,
    ds: Dataset,
    *,
    highlight: str | None = None,
    outcomes: Mapping[str, str] | None = None,
    caption: str = "",
) -> str:
    """The map as an HTML figure (empty when the project has no geography or no located place).

    ``highlight`` marks one place; ``outcomes`` (place id -> transfer/keep/split/joint/unspecified)
    shades the islands by what a proposal would do with them and adds a legend.
    """
    geo = ds.geo
    if not geo:
        return ""
    located = [r for r in ds.of_kind("place") if isinstance(r.get("location"), dict)]
    if not located:
        return ""
    proj = Projection(geo.get("provenance", {}).get("bbox") or (139, 41, 160, 53))
    w, h = WIDTH, proj.height
    out = [
        f'<svg class="refsite-map-svg" viewBox="0 0 {w:g} {h:g}" role="group" focusable="false" '
        f'aria-label="{attr(caption or "Locator map of the disputed islands")}">',
        f'<rect class="refsite-map-sea" x="0" y="0" width="{w:g}" height="{h:g}" fill="#dbe8f3"/>',
        f'<path class="refsite-map-land" d="{_path(ds, proj, "")}" fill="#e9e4d8" stroke="#8a8170" '
        'stroke-width="0.6"/>',
    ]
    outcomes = outcomes or {}
    items: list[str] = []
    for place in located:
        loc = place.get("location")
        shape = as_text(loc.get("shape"))
        rings = _rings(geo, shape) if shape else []
        x, y = proj(float(loc.get("lon")), float(loc.get("lat")))
        disputed = bool(place.get("claimed_by"))
        outcome = as_text(outcomes.get(place.id)) if place.id in outcomes else ""
        classes = ["refsite-map-place"]
        fill, stroke = "#e9e4d8", "#8a8170"
        if disputed:
            classes.append("refsite-map-disputed")
            fill, stroke = "#f3d9a4", "#7a5a1a"
        if outcome in OUTCOME_STYLE:
            cls, fill, _word = OUTCOME_STYLE[outcome]
            classes.append(f"refsite-map-{cls}")
        if place.id == highlight:
            classes.append("refsite-map-hl")
            fill, stroke = "#c0392b", "#5a120b"
        names = _names(ds, place)
        status = status_text(ds, place)
        tip = " / ".join(names) + (f" ({status})" if status else "")
        if outcome:
            tip += f": {outcome_word(outcome, ds)} under this proposal"
        body = [f"<title>{attr(tip)}</title>"]
        if rings and place.get("kind") != "island-group":
            width = 1.6 if disputed else 0.6
            body.append(f'<path d="{_path(ds, proj, shape)}" fill="{fill}" stroke="{stroke}" stroke-width="{width}"/>')
            body.append(f'<circle cx="{x:g}" cy="{y:g}" r="2" fill="{stroke}" aria-hidden="true"/>')
        if place.id == highlight:
            body.append(
                f'<circle class="refsite-map-ring" cx="{x:g}" cy="{y:g}" r="{_ring_radius(proj, rings):g}" '
                'fill="none" stroke="#c0392b" stroke-width="2.5" aria-hidden="true"/>'
            )
        if place.id in CALLOUTS:
            lx, ly = CALLOUTS[place.id]
            lines = names + ([outcome_word(outcome, ds)] if outcome else [])
            body.append(
                f'<line class="refsite-map-leader" x1="{x:g}" y1="{y:g}" x2="{lx - 4:g}" y2="{ly - 4:g}" '
                'stroke="#444" stroke-width="0.7"/>'
            )
            body.append(_text(lx, ly, lines, "refsite-map-label"))
        elif place.id in _PLAIN_LABELS:
            dx, dy, anchor = _PLAIN_LABELS[place.id]
            body.append(_text(x + dx, y + dy, names[:1], "refsite-map-label refsite-map-region", anchor))
        elif place.get("kind") == "island-group" and not rings:
            body.append(_text(x + 12, y - 6, names[:1], "refsite-map-label refsite-map-region"))
        else:
            continue
        items.append(f'<a href="{attr(url_to(ctx, place))}" class="{" ".join(classes)}">{"".join(body)}</a>')
    out.extend(items)
    out.append(_legend(_legend_entries(ds, located, highlight, outcomes)))
    out.append(_scale_bar(proj, h))
    out.append("</svg>")
    scroll = (
        '<div class="refsite-map-scroll" tabindex="0" role="region" aria-label="Map, scrolls sideways on a narrow '
        f'screen">{"".join(out)}</div>'
    )
    figure = _figure(scroll, _caption(ctx, ds, located, highlight, outcomes, caption))
    cited = next((r for r in located if r.id == highlight), None) or next(
        (r for r in located if r.id in outcomes), located[0]
    )
    credit = ctx.sources(cited.get("location", {}).get("sources"))
    data = attr(as_text(geo.get("provenance", {}).get("data", "Natural Earth")).split(",")[0])
    about = ""
    if (ds.root / docs_dir(ds.root) / MAP_NOTE[0]).is_file():  # the project's note on its map data
        about = f" ([about the map data]({ctx.href(MAP_NOTE[0], MAP_NOTE[1])}))"
    return f'\n{figure}\n\n<p class="refsite-map-credit" markdown>Map data: {data}{about}.{credit}</p>\n'


#: The page and section that say where the maps' coastlines come from (the one attribution line links there).
MAP_NOTE = ("about.md", "map-data")
#: Legend swatches of what is not an outcome: (class, fill, stroke, words)
_HL = ("hl", "#c0392b", "#5a120b", "this place")
_DISPUTED = ("disputed", "#f3d9a4", "#7a5a1a", "disputed island")
_LAND = ("land", "#e9e4d8", "#8a8170", "other land")


def _legend_entries(
    ds: Dataset, located: Sequence[Record], highlight: str | None, outcomes: Mapping[str, str]
) -> list[tuple[str, str, str, str]]:
    """Every class the map draws, in the legend's order: the highlighted place, each outcome shown,
    the disputed islands left as they are, other land."""
    entries = []
    if highlight and any(r.id == highlight for r in located):
        entries.append(_HL)
    shown = {as_text(outcomes[r.id]) for r in located if r.id in outcomes and r.id != highlight}
    entries += [
        (cls, fill, "#333", outcome_word(key, ds)) for key, (cls, fill, _) in OUTCOME_STYLE.items() if key in shown
    ]
    if any(r.get("claimed_by") and r.id != highlight and r.id not in outcomes for r in located):
        entries.append(_DISPUTED)
    entries.append(_LAND)
    return entries


def _legend(entries: Sequence[tuple[str, str, str, str]]) -> str:
    """The key to the map's colours, top left; every swatch carries its class (the dark scheme recolours it).
    On a narrow screen the stylesheet moves it (and the scale bar) 150 units right, into the middle half
    of the map's ``WIDTH`` that the screen shows: so it stays under 300 units wide."""
    width = 34 + max(len(e[3]) for e in entries) * 7.6 + 8
    out = [
        '<g class="refsite-map-legend">',
        f'<rect x="8" y="6" width="{width:.0f}" height="{12 + 18 * len(entries):g}" fill="#ffffff" stroke="#888" '
        'stroke-width="0.5"/>',
    ]
    y = 17.0
    for cls, fill, stroke, word in entries:
        out.append(
            f'<rect class="refsite-map-swatch refsite-map-{cls}" x="14" y="{y - 9:g}" width="14" height="11" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="0.8"/>'
        )
        out.append(_text(34, y + 1, [word], "refsite-map-legend-text"))
        y += 18
    out.append("</g>")
    return "".join(out)


KM_PER_DEGREE = 111.32  # of latitude (and of longitude at the equator)


def _scale_bar(proj: Projection, height: float) -> str:
    """A scale bar, bottom left: the longest round distance (50, 100, 200 or 500 km) under 160 map units."""
    per_km = proj.scale / KM_PER_DEGREE  # map units per km, east-west and north-south alike
    km = max((d for d in (50, 100, 200, 500) if d * per_km <= 160), default=50)
    length, x, y = km * per_km, 14.0, height - 14
    return (
        '<g class="refsite-map-scale">'
        f'<rect x="{x - 6:g}" y="{y - 20:g}" width="{length + 12:.1f}" height="28" fill="#ffffff"/>'
        f'<line x1="{x:g}" y1="{y:g}" x2="{x + length:.1f}" y2="{y:g}" stroke="#333" stroke-width="2"/>'
        f'<line x1="{x:g}" y1="{y - 5:g}" x2="{x:g}" y2="{y:g}" stroke="#333" stroke-width="2"/>'
        f'<line x1="{x + length:.1f}" y1="{y - 5:g}" x2="{x + length:.1f}" y2="{y:g}" stroke="#333" stroke-width="2"/>'
        f"{_text(x, y - 8, [f'{km} km'], 'refsite-map-scale-text')}</g>"
    )


def _caption(
    ctx: PageContext,
    ds: Dataset,
    located: Sequence[Record],
    highlight: str | None,
    outcomes: Mapping[str, str],
    caption: str,
) -> str:
    """The map's text equivalent: what it shows, place by place, with links; and its source."""
    rows = []
    for place in located:
        if not place.get("claimed_by") and place.id != highlight and place.id not in outcomes:
            continue
        names = " / ".join(name for name, _side in side_names(ds, place)) or place.label
        usage = name_usage(ds, place)  # which side uses which name, on hover, as every island link says
        status = status_text(ds, place)
        what = [status] if status else []
        if place.id in outcomes:
            outcome = as_text(outcomes[place.id])
            what.append(f"under this proposal: {outcome_word(outcome, ds) if outcome in OUTCOME_STYLE else ''}")
        if place.id == highlight:
            what.append("highlighted")
        detail = ": " + attr("; ".join(what)) if what else ""
        title = f' title="{attr(usage)}"' if usage else ""
        rows.append(f'<li><a href="{attr(url_to(ctx, place))}"{title}>{attr(names)}</a>{detail}</li>')
    head = f"{attr(caption)} " if caption else ""
    return f'{head}<ul class="refsite-map-list">{"".join(rows)}</ul>'


def _figure(svg: str, caption: str) -> str:
    return f'<figure class="refsite-view refsite-map">{svg}<figcaption>{caption}</figcaption></figure>'
