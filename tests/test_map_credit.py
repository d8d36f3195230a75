"""Every map of the reference carries one data line, and it leads to the About page's note on the map data."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path


def test_every_map_has_one_data_line_to_the_about_pages_note(real_site: Path) -> None:
    about = (real_site / "about/index.html").read_text(encoding="utf-8")
    assert re.search(r'<h2 id="map-data">Map data', about)
    assert "Natural Earth" in about[about.index('id="map-data"') :][:1500]
    maps = 0
    for page in sorted(real_site.rglob("index.html")):
        if "editions" in page.relative_to(real_site).parts:
            continue
        html = page.read_text(encoding="utf-8")
        figures = html.count('<figure class="refsite-view refsite-map')
        credits = re.findall(r'<p class="refsite-map-credit">(.*?)</p>', html, re.S)
        assert len(credits) == figures, page
        for credit in credits:
            links = re.findall(r'<a href="([^"]*#map-data)">about the map data</a>', credit)
            assert len(links) == 1 and credit.startswith("Map data: Natural Earth"), credit
            here = posixpath.dirname("/" + str(page.relative_to(real_site)))
            assert posixpath.normpath(posixpath.join(here, links[0].split("#")[0])) == "/about", links[0]
            assert "npm" not in credit and "world-atlas" not in credit
        maps += figures
    assert maps >= 10
