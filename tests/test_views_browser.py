"""The views in a real browser, on the real site: at desktop and phone widths, light and dark, with
and without JavaScript; what is drawn, what it links to, and that it fits or scrolls."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, open_page, serve_folder

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 390}
SHOTS = os.environ.get("REFSITE_SHOTS")  # a folder to keep screenshots in, when set


@pytest.fixture(scope="module")
def server(real_site: Path) -> Iterator[str]:
    with serve_folder(real_site) as url:
        yield url


def _shot(page: Any, selector: str, name: str) -> None:
    if SHOTS:
        page.locator(selector).first.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def _page_fits(page: Any) -> None:
    """The page itself never scrolls sideways: wide views scroll inside their own box."""
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"page is {overflow}px wider than the viewport"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(WIDTHS))
def test_island_page_map(server: str, browser: Any, size: str, scheme: str) -> None:
    page = open_page(browser, server + "places/etorofu-iturup/", WIDTHS[size], scheme)
    svg = page.locator("figure.refsite-map svg.refsite-map-svg")
    svg.wait_for()
    box = svg.bounding_box()
    assert box["width"] >= 540  # its labels stay legible: a narrow screen scrolls it inside its box
    frame = page.locator("figure.refsite-map .refsite-map-scroll").bounding_box()
    assert frame["width"] <= WIDTHS[size] and box["width"] > 0.6 * min(WIDTHS[size], 700)
    labels = svg.locator("text").all_text_contents()
    joined = " ".join(labels)
    for name in (
        "Etorofu (Japan's name)",
        "Iturup (Russia's name)",
        "Kunashir (Russia's name)",
        "Hokkaido",
        "Sakhalin",
    ):
        assert name in joined, joined
    hl = svg.locator("a.refsite-map-hl")
    assert hl.count() == 1 and hl.get_attribute("href") == "./"
    assert svg.locator("a.refsite-map-disputed").count() >= 4
    # the highlighted island is drawn in a colour of its own in either scheme
    fills = page.evaluate(
        """() => [...document.querySelectorAll('.refsite-map-place path')].map(p => getComputedStyle(p).fill)"""
    )
    hl_fill = page.evaluate("getComputedStyle(document.querySelector('.refsite-map-hl path')).fill")
    assert fills.count(hl_fill) == 1
    sea = page.evaluate("getComputedStyle(document.querySelector('.refsite-map-sea')).fill")
    assert sea == ("rgb(23, 33, 44)" if scheme == "dark" else "rgb(219, 232, 243)")
    # text equivalent: the list under the map names every disputed island with its status
    caption = page.locator("figure.refsite-map figcaption").inner_text()
    assert "Etorofu / Iturup: administered by Russia, claimed by Japan; highlighted" in caption
    # the list names the islands as every link does, which side uses which name on hover
    listed = page.locator("figure.refsite-map figcaption a[href='./']")
    assert listed.get_attribute("title") == "Etorofu is Japan's name, Iturup Russia's"
    _page_fits(page)
    _shot(page, "figure.refsite-map", f"map-island-{size}-{scheme}")
    # a mark leads to its record
    page.locator("figure.refsite-map svg a[href='../shikotan/'] text").first.click()
    page.wait_for_url("**/places/shikotan/")
    page.close()


@pytest.mark.parametrize("size", list(WIDTHS))
def test_proposal_page_map_legend(server: str, browser: Any, size: str) -> None:
    page = open_page(browser, server + "proposals/two-islands-1956-declaration/", WIDTHS[size])
    svg = page.locator("figure.refsite-map svg")
    svg.wait_for()
    assert svg.locator("a.refsite-map-transfer").count() == 2
    legend = " ".join(svg.locator(".refsite-map-legend text").all_text_contents())
    assert "to Japan" in legend
    assert page.locator("figure.refsite-map .refsite-map-scroll").bounding_box()["width"] <= WIDTHS[size]
    _shot(page, "figure.refsite-map", f"map-proposal-{size}")
    page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(WIDTHS))
def test_stance_view(server: str, browser: Any, size: str, scheme: str) -> None:
    page = open_page(browser, server + "proposals/", WIDTHS[size], scheme)
    grid = page.locator(".refsite-stance-grid")
    grid.wait_for()
    rows = grid.locator("table.refsite-grid tbody tr[data-kind]")
    total = rows.count()
    assert total >= 15
    groups = grid.locator("tbody.refsite-stance-group")
    assert groups.count() >= 10
    cells = grid.locator("td.refsite-grid-cell")
    assert cells.count() == total
    first = cells.first
    # the latest stance: one symbol and a dated link; earlier stances wait in the cell's detail
    assert first.locator(":scope > .refsite-stance .refsite-stance-symbol").count() == 1
    assert "/positions/" in first.locator(":scope > a.refsite-stance-date").get_attribute("href")
    words = set(grid.locator("td.refsite-grid-cell .refsite-stance").all_inner_texts())
    assert any("supports" in w for w in words)
    assert grid.locator(".refsite-stance-none a").count() >= 1  # proposals with no stance, in one line
    # every part of the view is inside the column: nothing to scroll sideways, the caption whole
    table = grid.locator("table.refsite-stance-table")
    box, column = table.bounding_box(), page.locator("article").bounding_box()
    assert box["x"] >= column["x"] - 1 and box["x"] + box["width"] <= column["x"] + column["width"] + 1
    assert table.evaluate("t => t.scrollWidth <= t.clientWidth + 1")
    caption = grid.locator("caption")
    assert caption.evaluate("c => c.scrollWidth <= c.clientWidth + 1")
    assert "latest stance in the sources (the sources cover events to 9 September 2014)" in caption.inner_text()
    # each stance's cell sits beside its actor, on the same line, at either width
    actor, cell = rows.first.locator("th").bounding_box(), rows.first.locator("td").bounding_box()
    assert abs(actor["y"] - cell["y"]) < 1 and actor["x"] + actor["width"] <= cell["x"] + 1
    # text stays legible: no text of the view under 12 CSS px
    smallest = grid.evaluate(
        """g => Math.min(...[...g.querySelectorAll('*')].filter(e => e.childNodes.length &&
            [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())).map(e =>
            parseFloat(getComputedStyle(e).fontSize)))"""
    )
    assert smallest >= 12, smallest
    _page_fits(page)
    _shot(page, ".refsite-stance-grid", f"grid-{size}-{scheme}")
    # filters: shown by the script, they hide the rows of other countries and proposals left empty
    filters = grid.locator(".refsite-grid-filters")
    assert filters.is_visible()
    grid.locator("select[data-filter='country']").select_option("russia")
    shown = grid.locator("table.refsite-grid tbody tr[data-kind]:visible")
    assert 0 < shown.count() < total
    assert all(c == "russia" for c in shown.evaluate_all("rs => rs.map(r => r.dataset.country)"))
    visible = grid.locator("tbody.refsite-stance-group:visible")
    assert 0 < visible.count() < groups.count()
    assert visible.evaluate_all("gs => gs.every(g => g.querySelector('tr[data-kind]:not([hidden])'))")
    page.close()


def test_stance_view_without_javascript_shows_every_row(server: str, browser: Any) -> None:
    page = open_page(browser, server + "proposals/", 390, js=False)
    grid = page.locator(".refsite-stance-grid")
    assert not grid.locator(".refsite-grid-filters").is_visible()
    rows = grid.locator("table.refsite-grid tbody tr")
    assert rows.count() == grid.locator("table.refsite-grid tbody tr:visible").count() >= 25
    page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(WIDTHS))
def test_timeline_chart(server: str, browser: Any, size: str, scheme: str) -> None:
    page = open_page(browser, server + "events/", WIDTHS[size], scheme)
    fig = page.locator("figure.refsite-timeline")
    fig.wait_for()
    marks = fig.locator("a.refsite-tl-mark")
    total = marks.count()
    assert total == len(list((REPO / "data" / "events").glob("*.yaml")))  # every event has its mark
    assert fig.locator("a.refsite-tl-mark[data-undated]").count() >= 1
    axis = " ".join(fig.locator(".refsite-tl-axis text").all_text_contents())
    assert "1860" in axis and "2000" in axis
    assert fig.locator(".refsite-tl-era").count() >= 2
    assert fig.locator(".refsite-tl-scroll").bounding_box()["width"] <= WIDTHS[size]
    # a linear axis: the labelled years stand at equal distances for equal spans of time
    ticks = fig.evaluate(
        """f => [...f.querySelectorAll('.refsite-tl-axis text')].map(t => [Number(t.textContent),
             t.getBoundingClientRect().x + t.getBoundingClientRect().width / 2])"""
    )
    per_year = [(b[1] - a[1]) / (b[0] - a[0]) for a, b in itertools.pairwise(ticks)]
    assert len(per_year) >= 5 and max(per_year) - min(per_year) < 0.05 * max(per_year), per_year
    # every text at 12 CSS px or more; every mark a target of 10 px or more
    svg = fig.locator("svg.refsite-timeline-svg")
    sizes = svg.evaluate(_LABEL_PX)
    assert min(sizes) >= 12, min(sizes)
    smallest = svg.evaluate(
        "s => Math.min(...[...s.querySelectorAll('a.refsite-tl-mark circle')]"
        ".map(c => c.getBoundingClientRect().width))"
    )
    assert smallest >= 10, smallest
    # every event named without hover: the list beside the chart is open, one linked item per mark
    listing = fig.locator("details.refsite-tl-list")
    assert listing.evaluate("d => d.open")
    assert listing.locator("li a:visible").count() == total
    # era labels are whole or absent (the band's title and the caption name the era), never cut
    eras = fig.evaluate(
        """f => [...f.querySelectorAll('.refsite-tl-era')].map(g => [g.querySelector('rect').getBoundingClientRect(),
             g.querySelector('text') && g.querySelector('text').getBoundingClientRect()])
             .filter(p => p[1]).map(p => p[1].right <= p[0].right + 1)"""
    )
    assert eras and all(eras)
    _page_fits(page)
    _shot(page, "figure.refsite-timeline", f"timeline-{size}-{scheme}")
    # zoom to the 2010s: only that decade's marks (and the undated) stay, spread over the width
    fig.locator(".refsite-timeline-zoom select").select_option(label="2010s")
    visible = fig.locator("a.refsite-tl-mark:visible")
    assert 0 < visible.count() < total
    years = visible.evaluate_all("ms => ms.filter(m => m.dataset.t).map(m => Number(m.dataset.t))")
    assert years and all(2010 <= y < 2020 for y in years)
    zoomed_axis = " ".join(fig.locator(".refsite-tl-axis-zoomed text").all_text_contents())
    assert "2012" in zoomed_axis
    assert fig.locator(".refsite-tl-list li:visible").count() < fig.locator(".refsite-tl-list li").count()
    _shot(page, "figure.refsite-timeline", f"timeline-2010s-{size}-{scheme}")
    fig.locator(".refsite-timeline-zoom select").select_option(label="whole span")
    assert fig.locator("a.refsite-tl-mark:visible").count() == total
    page.close()


def test_timeline_without_javascript_is_complete(server: str, browser: Any) -> None:
    page = open_page(browser, server + "history/", 1280, js=False)
    figs = page.locator("figure.refsite-timeline")
    assert figs.count() == 2
    assert not page.locator(".refsite-timeline-zoom").first.is_visible()
    assert figs.first.locator("a.refsite-tl-mark").count() >= 3
    page.close()


@pytest.mark.parametrize("size", list(WIDTHS))
def test_island_comparison(server: str, browser: Any, size: str) -> None:
    page = open_page(browser, server + "proposals/", WIDTHS[size])
    table = page.locator(".refsite-island-comparison table")
    table.wait_for()
    head = " ".join(table.locator("thead th").all_inner_texts())
    for name in ("Etorofu / Iturup", "Kunashiri / Kunashir", "Shikotan", "Habomai"):
        assert name in head, head
    body = table.locator("tbody").inner_text()
    assert "to Japan" in body and "not specified" in body
    _page_fits(page)
    _shot(page, ".refsite-island-comparison", f"comparison-{size}")
    page.close()


_LABEL_PX = """svg => { const k = svg.getScreenCTM().a;
  return [...svg.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * k); }"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(WIDTHS))
def test_map_reads_on_any_screen(server: str, browser: Any, size: str, scheme: str) -> None:
    page = open_page(browser, server + "proposals/two-islands-1956-declaration/", WIDTHS[size], scheme)
    svg = page.locator("figure.refsite-map svg.refsite-map-svg")
    svg.wait_for()
    # every label, legend word and the scale at 12 CSS px or more
    sizes = svg.evaluate(_LABEL_PX)
    assert sizes and min(sizes) >= 12, min(sizes)
    # a legend of every class drawn: the outcomes shown, the islands left as they are, other land
    drawn = set(
        svg.evaluate(
            """s => [...s.querySelectorAll('a.refsite-map-place')].flatMap(a => [...a.classList])
                 .filter(c => ['refsite-map-transfer', 'refsite-map-disputed'].includes(c))"""
        )
    )
    legend = svg.locator(".refsite-map-legend text").all_text_contents()
    assert legend == ["to Japan", "disputed island", "other land"], legend
    assert drawn == {"refsite-map-transfer", "refsite-map-disputed"}
    # the colours of the legend are the colours of the map, and "to Japan" differs from the others
    fill = "e => getComputedStyle(e).fill"
    swatches = [s.evaluate(fill) for s in svg.locator(".refsite-map-swatch").all()]
    assert len(set(swatches)) == 3
    assert svg.locator("a.refsite-map-transfer path").first.evaluate(fill) == swatches[0]
    untouched = svg.locator("a.refsite-map-disputed:not(.refsite-map-transfer) path").first.evaluate(fill)
    assert untouched == swatches[1] != swatches[0]
    # a scale bar with its distance
    assert re.fullmatch(r"\d+ km", (svg.locator(".refsite-map-scale text").text_content() or "").strip())
    # one attribution line, to the note on the map data; no package name for readers
    credit = page.locator(".refsite-map-credit")
    assert credit.count() == 1
    assert credit.locator("a", has_text="about the map data").get_attribute("href").endswith("about/#map-data")
    assert "npm" not in page.locator("figure.refsite-map").inner_text() + credit.inner_text()
    _page_fits(page)
    page.close()


def test_map_links_take_the_keyboard(server: str, browser: Any) -> None:
    page = open_page(browser, server + "places/etorofu-iturup/", 1280)
    svg = page.locator("figure.refsite-map svg.refsite-map-svg")
    svg.wait_for()
    assert svg.get_attribute("role") == "group"  # not an image: its links stay reachable
    reached = set()
    page.locator("figure.refsite-map .refsite-map-scroll").focus()
    for _ in range(12):
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.closest('svg') ? document.activeElement.getAttribute('href') : ''")
        if href:
            reached.add(href)
    assert {"../kunashiri-kunashir/", "../shikotan/", "../habomai/"} <= reached, reached
    page.close()
