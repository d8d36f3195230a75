"""In a real browser: search the built site for an actor, follow the result, read the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import serve_folder

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(basic_site: Path) -> Iterator[str]:
    with serve_folder(basic_site) as url:
        yield url


def test_search_for_an_actor_and_open_the_page(server: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.goto(server)
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially("Shinzo", delay=30)
    result = page.locator(".md-search-result__item > a.md-search-result__link").first
    result.wait_for(timeout=15000)
    result.click()
    page.wait_for_url("**/actors/abe-shinzo/**", timeout=15000)
    assert page.locator("article h1").first.inner_text().startswith("Shinzo Abe")
    # the footnote of the summary is there, formatted
    assert "Pajon" in page.locator("div.footnote").inner_text()
    page.close()


def test_footnote_tooltip_and_dark_mode(server: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.goto(server + "actors/abe-shinzo/")
    page.locator("sup a.footnote-ref").first.hover()
    tip = page.locator(".md-tooltip2, .md-tooltip").first
    tip.wait_for(state="visible", timeout=10000)
    assert "Pajon" in tip.inner_text()
    page.goto(server + "no-such-page/")
    page.close()


def test_cite_this_page_gives_the_readers_date_and_copies(server: str, browser: object) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])  # type: ignore[attr-defined]
    page = context.new_page()
    page.clock.set_fixed_time("2031-02-03T10:00:00")
    page.goto(server + "actors/abe-shinzo/")
    page.locator("details.refsite-cite-page > summary").click()
    text = page.locator("#refsite-cite-text")
    assert "Accessed February 3, 2031." in text.inner_text()
    assert "urldate = {2031-02-03}" in page.locator("#refsite-cite-bibtex").inner_text()
    page.locator('button[data-copy="refsite-cite-text"]').click()
    page.wait_for_function("document.querySelector('button[data-copy=\"refsite-cite-text\"]').textContent === 'Copied'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Sample Reference. “Shinzo Abe.” Accessed February 3, 2031.")
    page.locator('button[data-copy="refsite-cite-bibtex"]').click()
    page.wait_for_timeout(200)
    assert page.evaluate("navigator.clipboard.readText()").startswith("@online{refsite-actors-abe-shinzo,")
    context.close()
