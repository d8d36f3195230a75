"""Beside every page's title: the period the sources cover, a record's as-of date, an error report
link; and the record's id and file only in the title of its edit link."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from refsite.render.notices import report_url

from conftest import article


def test_report_url_prefills_a_new_issue() -> None:
    url = report_url("https://github.com/owner/ref/", "https://owner.github.io/ref/places/x/", "Etorofu / Iturup")
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("github.com", "/owner/ref/issues/new")
    query = parse_qs(parts.query)
    assert query["title"] == ["Error on “Etorofu / Iturup”"]
    assert query["body"][0].startswith("Page: https://owner.github.io/ref/places/x/\n")


def test_report_url_only_for_a_host_that_takes_a_prefilled_issue() -> None:
    assert report_url("https://gitlab.example/owner/ref", "/x/", "X") == ""
    assert report_url("https://github.com/owner", "/x/", "X") == ""
    assert report_url("http://github.com/owner/ref", "/x/", "X") == ""
    assert report_url("", "/x/", "X") == ""


def coverage_line(html: str) -> str:
    found = re.search(r'<p class="refsite-coverage">(.*?)</p>', html, re.S)
    assert found is not None
    return found.group(1)


def test_every_page_states_what_its_sources_cover(real_site: Path) -> None:
    for page in ("index.html", "overview/index.html", "actors/index.html", "bibliography/index.html"):
        line = coverage_line((real_site / page).read_text(encoding="utf-8"))
        assert "Sources cover events to 9 September 2014." in line, page
        assert "This record" not in line
    abe = (real_site / "actors/abe-shinzo/index.html").read_text(encoding="utf-8")
    line = coverage_line(abe)
    text = re.sub(r"<[^>]+>", "", line).strip()
    assert text.startswith("Sources cover events to 9 September 2014. This record states what its sources said as of ")
    # the line stands before the page's title
    assert abe.index('class="refsite-coverage"') < abe.index("<h1")


def test_every_page_has_a_prefilled_error_report(real_site: Path) -> None:
    html = (real_site / "places/etorofu-iturup/index.html").read_text(encoding="utf-8")
    link = re.search(r'<a class="refsite-report" href="([^"]+)">Report an error</a>', coverage_line(html))
    assert link is not None
    parts = urlsplit(unescape(link.group(1)))
    assert parts.path.endswith("/issues/new")
    query = parse_qs(parts.query)
    assert query["body"][0].startswith("Page: /japan-russia/places/etorofu-iturup/\n")  # no placeholder host
    assert "Etorofu" in query["title"][0]
    home = (real_site / "index.html").read_text(encoding="utf-8")
    assert 'class="refsite-report"' in coverage_line(home)


def test_a_records_id_and_file_are_in_its_edit_links_title_only(real_site: Path) -> None:
    html = (real_site / "places/etorofu-iturup/index.html").read_text(encoding="utf-8")
    edit = re.search(r'<a href="([^"]+)" title="([^"]+)" class="md-content__button md-icon" rel="edit">', html)
    assert edit is not None
    assert edit.group(1).endswith("/data/places/etorofu-iturup.yaml")
    assert edit.group(2) == "Edit the record etorofu-iturup (file data/places/etorofu-iturup.yaml)"
    body = article(html)
    text = re.sub(r"<[^>]+>", "", body.replace(edit.group(0), ""))
    assert "data/places/etorofu-iturup.yaml" not in text and "edit this record" not in text
    page = (real_site / "overview/index.html").read_text(encoding="utf-8")
    assert 'title="Edit this page" class="md-content__button md-icon" rel="edit"' in page
