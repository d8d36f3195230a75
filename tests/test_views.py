"""The views (map, timeline chart, stance grid, island comparison): geography extraction, the
location field, and the built pages of the 'views' sample project."""

from __future__ import annotations

import itertools
import json
import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from refsite import geodata
from refsite.dataset import load_project
from refsite.render.grid import island_comparison, stance_grid
from refsite.render.svg_map import locator_map
from refsite.render.text import PageContext
from refsite.render.timeline_svg import LinearScale, timeline_chart, year_of
from refsite.sanitize import clean_html
from refsite.tools import geodata as extraction

from conftest import REPO, article, copy_root, run_cli, shared_build

# -- geography ------------------------------------------------------------------------------------


def _topology(polygons: list[list[tuple[float, float]]]) -> dict[str, object]:
    """A quantized TopoJSON topology (scale 0.001 degree) holding ``polygons``, one arc each."""
    arcs = []
    for ring in polygons:
        q = [(round((x + 180) * 1000), round((y + 90) * 1000)) for x, y in ring]
        arcs.append([list(q[0])] + [[b[0] - a[0], b[1] - a[1]] for a, b in itertools.pairwise(q)])
    return {
        "type": "Topology",
        "transform": {"scale": [0.001, 0.001], "translate": [-180, -90]},
        "arcs": arcs,
        "objects": {
            "land": {
                "type": "GeometryCollection",
                "geometries": [{"type": "MultiPolygon", "arcs": [[[i]] for i in range(len(polygons))]}],
            }
        },
    }


def _square(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    return [(cx - r, cy - r), (cx + r, cy - r), (cx + r, cy + r), (cx - r, cy + r), (cx - r, cy - r)]


def test_decode_reads_delta_encoded_arcs() -> None:
    polys = extraction.decode(_topology([_square(10, 20, 1)]))
    assert len(polys) == 1
    ring = polys[0][0]
    assert ring[0] == pytest.approx((9, 19)) and ring[2] == pytest.approx((11, 21))


def test_decode_refuses_what_is_not_a_topology() -> None:
    with pytest.raises(extraction.GeoDataError, match="not a quantized TopoJSON"):
        extraction.decode({"objects": {}})


def test_clip_keeps_the_part_inside_the_box() -> None:
    ring = extraction.clip(_square(139, 45, 2))  # straddles the western edge at 139°E
    assert min(p[0] for p in ring) == pytest.approx(139)
    assert max(p[0] for p in ring) == pytest.approx(141)
    assert extraction.clip(_square(0, 0, 1)) == []  # wholly outside


def test_simplify_drops_points_on_a_straight_line_and_keeps_corners() -> None:
    line = [(0.0, 0.0), (0.5, 0.0001), (1.0, 0.0), (1.0, 1.0)]
    assert extraction.simplify(line, 0.01) == [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]


def test_extract_names_the_shapes_and_takes_every_point_from_the_data() -> None:
    squares = {name: _square((b[0] + b[2]) / 2, (b[1] + b[3]) / 2, 0.05) for name, b in extraction.PICKS.items()}
    other = _square(150.0, 46.0, 0.05)  # a chain island nobody picks
    result = extraction.extract(_topology([*squares.values(), other]), {"package": "npm:world-atlas"})
    features = result["features"]
    for name, (w, s, e, n) in extraction.PICKS.items():
        lon, lat = features[name]["point"]
        assert w <= lon <= e and s <= lat <= n
        assert features[name]["rings"]
    assert features["northern-territories-southern-kurils"]["parts"] == list(
        extraction.GROUPS["northern-territories-southern-kurils"]
    )
    assert len(result["land"]) == 1  # only the unpicked island is plain land
    assert features["kuril-islands"]["point"][0] > 145.5
    assert result["provenance"]["bbox"] == list(extraction.BBOX)


def test_extract_says_which_place_it_cannot_find() -> None:
    with pytest.raises(extraction.GeoDataError, match="no land shape found for 'hokkaido'"):
        extraction.extract(_topology([_square(150.0, 46.0, 0.05)]), {})


def test_geodata_command_reports_a_missing_package_on_one_line(tmp_path: Path) -> None:
    proc = run_cli("geodata", "--from", str(tmp_path / "nowhere"), "--root", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and re.match(r"^\S+land-10m\.json:1:1: error: ", lines[0]), lines


def test_geodata_command_writes_the_file_from_a_package(tmp_path: Path) -> None:
    pkg = tmp_path / "world-atlas"
    pkg.mkdir()
    squares = [_square((b[0] + b[2]) / 2, (b[1] + b[3]) / 2, 0.05) for b in extraction.PICKS.values()]
    (pkg / "land-10m.json").write_text(json.dumps(_topology(squares)))
    (pkg / "package.json").write_text(json.dumps({"name": "world-atlas", "version": "9.9.9", "license": "ISC"}))
    (pkg / "README.md").write_text("Natural Earth's vector data, version 4.1.0 as TopoJSON.")
    proc = run_cli("geodata", "--from", str(pkg), "--root", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((tmp_path / "data/geo/kurils.json").read_text())
    assert data["provenance"]["version"] == "9.9.9"
    assert "version 4.1.0" in data["provenance"]["data"]
    assert set(extraction.PICKS) <= set(data["features"])


def test_committed_geography_and_place_locations_agree() -> None:
    """The real project's places take their points from the committed file, which says where it came from."""
    geo = geodata.load(REPO)
    assert geo is not None
    prov = geo["provenance"]
    assert prov["package"] == "npm:world-atlas" and prov["file"] == "land-10m.json" and prov["version"]
    assert "public domain" in prov["data"]
    ds, problems = load_project(REPO)
    assert not [p for p in problems if p.is_error]
    located = {r.id: r.get("location") for r in ds.of_kind("place") if r.get("location")}
    for island in ("etorofu-iturup", "kunashiri-kunashir", "shikotan", "habomai", "hokkaido", "sakhalin"):
        assert island in located, island
        assert [located[island]["lon"], located[island]["lat"]] == geo["features"][island]["point"]
        assert located[island]["shape"] == island
        assert {c["key"] for c in located[island]["sources"]} == {"worldatlas"}
    assert "worldatlas" in ds.bib
    w, s, e, n = prov["bbox"]
    for feature in geo["features"].values():
        lon, lat = feature["point"]
        assert w <= lon <= e and s <= lat <= n


# -- the location field -----------------------------------------------------------------------------

LOCATION = 'location:\n  lon: {lon}\n  lat: {lat}\n  shape: {shape}\n  sources: [{{key: pajon2013, locator: "p. 5"}}]\n'
LOCATION_CASES = [
    ("longitude as text", {"lon": '"east"'}, ":24:8: error: field 'lon' must be a number, found 'east'"),
    ("latitude out of range", {"lat": "95"}, ":25:8: error: field 'lat' must be between -90 and 90, found 95"),
    ("longitude true/false", {"lon": "yes"}, ":24:8: error: field 'lon' must be a number, found 'True'"),
    (
        "unknown shape",
        {"shape": "etorofu"},
        ":26:10: error: unknown shape 'etorofu' in data/geo/kurils.json (did you mean 'etorofu-iturup'?)",
    ),
]


@pytest.mark.parametrize(("name", "values", "expected"), LOCATION_CASES, ids=[c[0] for c in LOCATION_CASES])
def test_bad_location_is_one_located_error(tmp_path: Path, name: str, values: dict[str, str], expected: str) -> None:
    root = copy_root("views", tmp_path)
    path = root / "data/places/etorofu-iturup.yaml"
    text = path.read_text()
    start = text.index("location:")
    fields = {"lon": "147.5", "lat": "45.0", "shape": "etorofu-iturup", **values}
    path.write_text(text[:start] + LOCATION.format(**fields))
    _, problems = load_project(root)
    errors = [str(p) for p in problems if p.is_error]
    assert errors == ["data/places/etorofu-iturup.yaml" + expected], errors


def test_unreadable_geography_is_a_located_error(tmp_path: Path) -> None:
    root = copy_root("views", tmp_path)
    (root / "data/geo/kurils.json").write_text("{not json")
    _, problems = load_project(root)
    errors = [str(p) for p in problems if p.is_error]
    assert "data/geo/kurils.json:1:1: error: not the map geography written by 'refsite geodata'" in errors


# -- the built views ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def views_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_build(tmp_path_factory, "views")


def _page(site: Path, url: str) -> str:
    return article((site / url / "index.html").read_text(encoding="utf-8"))


def _hrefs_resolve(site: Path, url: str, fragment: str) -> list[str]:
    """Every link in ``fragment`` of page ``url``, checked to lead to a built page."""
    hrefs = re.findall(r'href="([^"#]+)"', fragment)
    for href in hrefs:
        target = posixpath.normpath(posixpath.join(url, href))
        assert (site / target / "index.html").is_file(), f"{url}: {href} -> {target}"
    return hrefs


def test_island_page_shows_the_map_with_that_island_highlighted(views_site: Path) -> None:
    html = _page(views_site, "places/shikotan")
    fig = html[html.index('<figure class="refsite-view refsite-map"') : html.index("</figure>")]
    # the map holds links: a group, never an image role (axe: nested-interactive)
    assert '<svg class="refsite-map-svg" viewBox="0 0 600 ' in fig and 'role="group"' in fig
    highlighted = re.findall(r'<a href="([^"]+)" class="([^"]*refsite-map-hl[^"]*)"', fig)
    assert highlighted == [("./", "refsite-map-place refsite-map-disputed refsite-map-hl")]
    assert "refsite-map-ring" in fig
    # both names of the disputed island, attributed, on the map and in its text equivalent
    assert "Etorofu (Japan's name)</tspan>" in fig and "Iturup (Russia's name)</tspan>" in fig
    assert "administered by Russia, claimed by Japan; highlighted" in fig
    assert set(_hrefs_resolve(views_site, "places/shikotan/", fig)) == {"../etorofu-iturup/", "./", "../hokkaido/"}
    # the dataset is credited with a footnote
    assert 'class="refsite-map-credit"' in html and "footnote-ref" in html.split("refsite-map-credit")[1][:400]


def test_proposal_page_shades_the_islands_by_outcome_with_a_legend(views_site: Path) -> None:
    html = _page(views_site, "proposals/two-islands")
    fig = html[html.index('<figure class="refsite-view refsite-map"') : html.index("</figure>")]
    assert re.search(r'class="refsite-map-place refsite-map-disputed refsite-map-keep"', fig)
    assert re.search(r'class="refsite-map-place refsite-map-disputed refsite-map-transfer"', fig)
    legend = fig[fig.index('class="refsite-map-legend"') :]
    assert "stays with Russia" in legend and "to Japan" in legend
    assert "under this proposal: to Japan" in fig
    _hrefs_resolve(views_site, "proposals/two-islands/", fig)


def test_place_without_location_has_no_map(views_site: Path) -> None:
    root = views_site.parent
    assert not (root / "data/places/russia.yaml").exists()
    assert "refsite-map" not in _page(views_site, "actors/russia")


def test_stance_view_goes_proposal_by_proposal(views_site: Path) -> None:
    html = _page(views_site, "proposals")
    grid = html[html.index('<div class="refsite-view refsite-stance-grid"') :]
    grid = grid[: grid.index("</div>", grid.index('class="refsite-stance-none"'))]
    # one group of rows per proposal with stances: its heading, then one row per actor who took one
    groups = re.findall(r'<tbody class="refsite-stance-group">(.*?)</tbody>', grid, re.S)
    assert len(groups) == 1
    heading = re.search(r'<th colspan="2" scope="rowgroup" id="stances-two-islands">(.*?)</th>', groups[0], re.S)
    assert heading is not None and "Return of two islands" in heading.group(1)
    rows = re.findall(r'<tr data-kind="([^"]+)" data-kind-label="[^"]+" data-country="([^"]+)"', groups[0])
    assert sorted(rows) == [("person", "japan"), ("state", "russia")]
    russia = groups[0][groups[0].index('data-country="russia"') :]
    # latest: opposes (2014), with symbol and word; earlier: supports (1956) in the detail
    assert re.search(
        r'aria-hidden="true">✖</span> opposes</span> <span class="refsite-stance-basis refsite-basis-stated">'
        r'stated</span> <a class="refsite-stance-date" '
        r'href="../positions/russia-2014-two-islands/">May 2014</a>',
        russia,
    )
    details = russia[russia.index("<details>") : russia.index("</details>")]
    assert "earlier stances" in details and "supports" in details and "../positions/russia-1956-two-islands/" in details
    # "latest" is qualified by what the sources cover; proposals without a stance are one line, not a column
    caption = re.search(r"<caption>(.*?)</caption>", grid, re.S)
    assert caption is not None and "latest stance in the sources (the sources cover events to " in caption.group(1)
    none = grid[grid.index('class="refsite-stance-none"') :]
    assert none.startswith('class="refsite-stance-none">No stance recorded in the sources on: <a href=')
    assert "Joint use of the islands" in none and "Joint use of the islands" not in grid[: grid.index(none)]
    assert "refsite-grid-empty" not in grid and "refsite-basis-stated" in grid  # every stance says its basis
    assert '<div class="refsite-grid-filters" hidden=""></div>' in grid
    assert 'data-country-label="Russia"' in grid
    assert "position: sticky" not in grid  # presentation stays in the stylesheet
    _hrefs_resolve(views_site, "proposals/", grid)


def test_stance_view_marks_a_stance_by_its_basis(tmp_path: Path) -> None:
    root = copy_root("views", tmp_path)
    ds, _ = load_project(root)
    latest, earlier = ds.get("russia-2014-two-islands"), ds.get("russia-1956-two-islands")
    assert latest is not None and earlier is not None
    object.__setattr__(latest, "data", {**latest.data, "stance_basis": "inferred"})
    object.__setattr__(earlier, "data", {**earlier.data, "stance_basis": "stated"})
    grid = stance_grid(PageContext("proposals/index.md", 0), ds, ds.of_kind("proposal"))
    cell = re.search(r'<td class="refsite-grid-cell refsite-stance-opposes refsite-basis-inferred">(.*?)</td>', grid)
    assert cell is not None
    assert '</span> <span class="refsite-stance-basis refsite-basis-inferred">inferred</span>' in cell.group(1)
    assert '<span class="refsite-stance-basis refsite-basis-stated">stated</span>' in cell.group(1)  # the earlier one
    abe = grid[grid.index('data-country="japan"') :].split("</tr>")[0]
    assert '<span class="refsite-stance-basis refsite-basis-stated">stated</span>' in abe  # as its record says


def test_island_comparison_sums_areas_only_where_all_are_known(views_site: Path) -> None:
    html = _page(views_site, "proposals")
    table = html[html.index('<div class="refsite-view refsite-island-comparison"') :]
    table = table[: table.index("</table>")]
    assert "3000 km²" in table and "250 km²" in table
    two = table[table.index("Return of two islands") :]
    assert "Japan: 250 km²; Russia: 3,000 km²" in two.split("</tr>")[0]
    joint = table[table.index("Joint use of the islands") :]
    assert "joint arrangement" in joint and "not specified" in joint
    assert "not computable from the sources" in joint.split("</tr>")[0]


def test_timeline_chart_marks_every_event_and_keeps_the_undated(views_site: Path) -> None:
    html = _page(views_site, "events")
    svg = html[html.index('<svg class="refsite-timeline-svg"') : html.index("</svg>")]
    marks = re.findall(
        r'<a href="([^"]+)" class="refsite-tl-mark refsite-tl-(\w+)"( data-t="[\d.]+"| data-undated="")', svg
    )
    assert sorted(m[0] for m in marks) == ["shimoda-1855/", "undated-treaty/", "visit-2013/"]
    assert [m for m in marks if "undated" in m[2]] == [("undated-treaty/", "treaty", ' data-undated=""')]
    assert "date not given" in svg
    assert "Era from Treaty of Shimoda (1855)" in svg
    lanes = re.findall(r'<text class="refsite-tl-kind"[^>]*>(\w+)</text>', svg)
    assert lanes == ["treaty", "visit"]
    listing = html[html.index('<details class="refsite-tl-list" open="">') :]  # open: every event named, no hover
    assert "Date not given in the sources — " in listing and 'data-t="2013.327"' in listing
    assert '<p class="refsite-timeline-zoom" hidden=""></p>' in html  # the script adds the choice of decade
    assert 'data-t0="1855" data-t1="2014"' in html


def test_timeline_chart_macro_takes_a_range(views_site: Path) -> None:
    html = _page(views_site, "views")
    charts = html.split('<svg class="refsite-timeline-svg"')[1:]
    assert len(charts) == 2
    ranged = charts[0][: charts[0].index("</svg>")]
    assert "shimoda-1855" in ranged and "visit-2013" not in ranged and "undated-treaty" in ranged
    assert 'aria-label="Timeline of 2 events, 1850 to 1900"' in ranged
    assert html.count('<figure class="refsite-view refsite-map"') == 3
    assert "All the islands." in html
    assert html.count('class="refsite-view refsite-stance-grid"') == 1
    assert html.count('class="refsite-view refsite-island-comparison"') == 1


def test_time_scale_is_linear() -> None:
    scale = LinearScale(1850.0, 2020.0, 0.0, 170.0)
    assert scale(1850.0) == 0.0 and scale(2020.0) == 170.0
    # equal spans, equal widths, however many events fall in them
    assert scale(1930.0) - scale(1920.0) == scale(2020.0) - scale(2010.0) == 10.0
    assert scale(1800.0) == 0.0 and scale(2100.0) == 170.0  # clamped to the axis
    assert year_of("2013-04-29") == pytest.approx(2013.32, abs=0.01)
    assert year_of("1855") == 1855.5


def test_bad_view_macro_argument_is_located(tmp_path: Path) -> None:
    root = copy_root("views", tmp_path)
    page = root / "docs/views.md"
    page.write_text(page.read_text().replace('map(place="shikotan")', 'map(place="shikotn")'))
    proc = run_cli("build", cwd=root)
    assert proc.returncode == 1
    assert "docs/views.md:5:15: error: unknown place 'shikotn' (did you mean 'shikotan'?)" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_names_from_data_are_escaped_in_the_svg(tmp_path: Path) -> None:
    root = copy_root("views", tmp_path)
    path = root / "data/places/shikotan.yaml"
    path.write_text(
        path.read_text().replace("name: Shikotan, used_by: russia", 'name: "Ши & \\"ко\\" 3 < 4", used_by: russia')
    )
    proc = run_cli("build", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = _page(root / "site", "places/shikotan")
    fig = html[html.index('<figure class="refsite-view refsite-map"') : html.index("</figure>")]
    assert 'Ши &amp; "ко" 3 &lt; 4 (Russia\'s name)</tspan>' in fig
    assert "3 < 4" not in fig


# -- the views pass the sanitizer whole ----------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.seen: list[tuple[str, tuple[tuple[str, str], ...]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, tuple(sorted((k, v or "") for k, v in attrs))))


def _tags(fragment: str) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    parser = _Tags()
    parser.feed(fragment)
    return parser.seen


def test_every_tag_and_attribute_of_the_views_passes_the_sanitizer(tmp_path: Path) -> None:
    root = copy_root("views", tmp_path)
    ds, _ = load_project(root)
    ctx = PageContext("views.md", 0)
    proposals = ds.of_kind("proposal")
    fragments = [
        locator_map(ctx, ds, highlight="shikotan"),
        locator_map(ctx, ds, outcomes=ds.get("two-islands").get("islands"), caption="c"),
        timeline_chart(ctx, ds, ds.of_kind("event")),
        stance_grid(ctx, ds, proposals),
        island_comparison(ctx, ds, proposals),
    ]
    for fragment in fragments:
        # as Markdown leaves it: footnote calls and md_in_html's markdown attribute taken out
        html_only = re.sub(r"\[\^cite-\d+\]| markdown(?=>)", "", fragment)
        kept = _tags(clean_html(html_only))
        # boolean attributes come back as hidden=""; everything else exactly as written
        assert kept == _tags(html_only), [t for t in _tags(html_only) if t not in kept][:5]


HOSTILE_SVG = {
    '<svg onload="alert(1)" viewBox="0 0 1 1"></svg>': '<svg viewBox="0 0 1 1"></svg>',
    '<svg><a href="javascript:alert(1)"><text x="1">t</text></a></svg>': '<svg><a><text x="1">t</text></a></svg>',
    '<svg><path d="M0,0" fill="url(javascript:x)" style="x"/></svg>': '<svg><path d="M0,0"></path></svg>',
    '<svg><use href="#a"/><image href="x.png"/><foreignObject><p>x</p></foreignObject></svg>': "<svg></svg>",
    '<svg><script>alert(1)</script><animate attributeName="href" to="javascript:x"/></svg>': "<svg></svg>",
    '<div tabindex="3" role="button" hidden>x</div>': '<div hidden="">x</div>',
    '<tr data-md-component="x" data-kind="k"><td>1</td></tr>': "1",
}


@pytest.mark.parametrize("dirty", HOSTILE_SVG)
def test_sanitizer_keeps_only_the_views_svg(dirty: str) -> None:
    assert clean_html(dirty) == HOSTILE_SVG[dirty]
