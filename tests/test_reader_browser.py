"""What a reader meets on the real site, in a real browser at desktop and phone widths: a short
note's preview with the full reference, and the map's legend and data line within reach."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import open_page, serve_folder

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 390}
FULL = "Pajon, Céline. ‘Japan-Russia: Toward a Strategic Partnership?’"


@pytest.fixture(scope="module")
def server(real_site: Path) -> Iterator[str]:
    with serve_folder(real_site) as url:
        yield url


def _short_call(page: Any) -> tuple[Any, str]:
    """The call of the first note on the page that cites the Ifri paper in short ('Pajon, 13.')."""
    note_id = page.evaluate(
        """() => [...document.querySelectorAll('.footnote li')].find(li =>
             /^Pajon, \\d/.test(li.querySelector('p').firstChild.textContent)).id"""
    )
    return page.locator(f'sup a.footnote-ref[href$="#{note_id}"]').first, note_id


@pytest.mark.parametrize("how", ["hover", "focus"])
@pytest.mark.parametrize("size", list(WIDTHS))
def test_a_short_notes_preview_gives_the_full_reference(server: str, browser: Any, size: str, how: str) -> None:
    page = open_page(browser, server + "places/etorofu-iturup/", WIDTHS[size])
    call, note_id = _short_call(page)
    short = page.locator(f"li[id='{note_id}'] > p").first.evaluate("p => p.firstChild.textContent").strip()
    assert re.fullmatch(r"Pajon, \d+(n\d+)?(, \d+(n\d+)?)*\.", short), short
    # on the page the note reads short: its full reference waits, hidden, for the preview
    assert page.locator(f"li[id='{note_id}']").inner_text().strip().startswith(short)
    assert FULL not in page.locator(f"li[id='{note_id}']").inner_text()
    call.scroll_into_view_if_needed()
    if how == "hover":
        call.hover()
    else:
        call.focus()
    tip = page.locator(".md-tooltip2").filter(has_text=short).first
    tip.wait_for(state="visible", timeout=10000)
    text = tip.inner_text()
    # the short note with its pinpoint, then the work in full, as the bibliography gives it
    assert text.index(short) < text.index(FULL), text
    assert "Translated by Andrew Fanko. Russie.Nei.Visions. Paris: Ifri" in text and "September 2013." in text
    box = tip.locator(".md-tooltip2__inner").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS[size] + 1  # the preview fits the screen
    bib = page.evaluate("() => fetch('../../bibliography/').then(r => r.text())")
    assert "Pajon, Céline. ‘Japan-Russia: Toward a Strategic Partnership?’ Translated by Andrew Fanko." in bib
    page.close()


def test_without_javascript_the_notes_read_short_and_whole(server: str, browser: Any) -> None:
    page = open_page(browser, server + "places/etorofu-iturup/", 390, js=False)
    notes = page.locator(".footnote li")
    assert notes.count() >= 3
    first, later = notes.nth(0).inner_text(), notes.nth(1).inner_text()
    assert "Céline Pajon, ‘Japan-Russia: Toward a Strategic Partnership?’" in first  # the first note in full
    assert later.startswith("Pajon, ") and FULL not in later  # short after it, with nothing hidden shown
    page.close()


_INSIDE = """([sel, box]) => { const r = document.querySelector(sel).getBoundingClientRect();
  const b = document.querySelector(box).getBoundingClientRect();
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, boxLeft: b.left, boxRight: b.right,
          width: window.innerWidth}; }"""


@pytest.mark.parametrize("js", [True, False], ids=["script", "no-script"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(WIDTHS))
@pytest.mark.parametrize("path", ["places/etorofu-iturup/", "proposals/two-islands-1956-declaration/"])
def test_the_maps_key_and_scale_are_in_view(
    server: str, browser: Any, path: str, size: str, scheme: str, js: bool
) -> None:
    page = open_page(browser, server + path, WIDTHS[size], scheme, js)
    figure = page.locator("figure.refsite-map")
    figure.scroll_into_view_if_needed()
    page.wait_for_timeout(100)  # the script opens a scrolling map on its middle
    for part in (".refsite-map-legend", ".refsite-map-scale"):
        at = page.evaluate(_INSIDE, [f"figure.refsite-map svg {part}", "figure.refsite-map .refsite-map-scroll"])
        # wholly inside the screen and inside the map's visible box, without scrolling sideways
        assert 0 <= at["left"] < at["right"] <= at["width"], (part, at)
        assert at["boxLeft"] - 0.5 <= at["left"] and at["right"] <= at["boxRight"] + 0.5, (part, at)
    # every entry of the key reads in full, at 12 CSS px or more
    words = figure.locator(".refsite-map-legend text")
    assert words.count() >= 3
    for i in range(words.count()):
        box = words.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS[size] and box["height"] >= 12
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(WIDTHS))
@pytest.mark.parametrize(
    ("path", "as_of"),
    [("places/etorofu-iturup/", "This record states what its sources said as of September 2013."), ("overview/", "")],
)
def test_the_first_screen_says_what_the_sources_cover(
    server: str, browser: Any, path: str, as_of: str, size: str, scheme: str
) -> None:
    page = open_page(browser, server + path, WIDTHS[size], scheme)
    line = page.locator("article .refsite-coverage")
    text = line.inner_text()
    assert text.startswith("Sources cover events to 9 September 2014.") and as_of in text
    # above the title (the edition line and the breadcrumb between them), both on the first screen, legible
    box, title = line.bounding_box(), page.locator("article h1").bounding_box()
    assert box["y"] + box["height"] <= title["y"] and title["y"] + title["height"] <= 900
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS[size]
    assert line.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 12
    report = line.locator("a.refsite-report")
    assert report.is_visible() and report.inner_text() == "Report an error"
    assert f"japan-russia%2F{path.replace('/', '%2F')}" in report.get_attribute("href")
    # the edit pencil names the record's file in its title, not in the page's words
    edit = page.locator("article a.md-content__button[rel=edit]")
    if as_of:
        assert edit.get_attribute("title") == "Edit the record etorofu-iturup (file data/places/etorofu-iturup.yaml)"
        assert "data/places/" not in page.locator("article").inner_text()
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") <= 1
    page.close()


def test_an_islands_names_are_explained_once_and_on_hover(server: str, browser: Any) -> None:
    page = open_page(browser, server + "territorial-dispute/", 390)
    # every link to the island in the page's text and tables (the map labels its islands on its own)
    links = page.locator("article a[href$='places/etorofu-iturup/']:not(figure.refsite-map a)")
    assert links.count() >= 2
    assert {links.nth(i).inner_text() for i in range(links.count())} == {"Etorofu / Iturup"}
    titled = {links.nth(i).get_attribute("title") for i in range(links.count())}
    assert titled == {"Etorofu is Japan's name, Iturup Russia's"}
    prose = page.locator("article").inner_text()
    assert prose.count("Etorofu / Iturup (Etorofu is Japan's name, Iturup Russia's)") == 1
    page.close()


@pytest.mark.parametrize("size", list(WIDTHS))
def test_who_stands_behind_it_and_where_it_lives(server: str, browser: Any, size: str) -> None:
    """The footer's licences and, with no published address set, citations that name none."""
    page = open_page(browser, server + "places/etorofu-iturup/", WIDTHS[size], "dark")
    footer = page.locator(".md-copyright__highlight")
    footer.scroll_into_view_if_needed()
    text = footer.inner_text()
    assert "CC BY 4.0" in text and "code: MIT" in text
    box = footer.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS[size]
    assert page.locator("link[rel=canonical]").count() == 0
    assert page.locator("meta[property='og:url']").count() == 0
    assert all('"url"' not in s.lower() for s in page.locator("script[type='application/ld+json']").all_text_contents())
    cite = page.locator("details.refsite-cite-page")
    cite.locator("summary").click()
    assert "[address not set]" in cite.locator("#refsite-cite-text").inner_text()
    assert "has no published address set" in cite.inner_text()
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") <= 1
    page.close()
