"""``python -m refsite export``: the finished pages as a plain tree that plain MkDocs + Material and
Zensical (which runs no third-party plugin) both build into the same pages, with the same notes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from refsite.export import body_markdown, page_source
from refsite.sitemodel import SitePage

from conftest import REPO, article, copy_root, require, run_cli


class _Page(HTMLParser):
    """The notes (text of each ``div.footnote`` item, in order), links and ids of an article."""

    def __init__(self) -> None:
        super().__init__()
        self.notes: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self._in_notes = 0
        self._note: list[str] | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a" and a.get("href") and "md-content__button" not in (a.get("class") or ""):  # not the edit link
            self.links.append(str(a["href"]))
        if tag in ("img", "script") and a.get("src"):
            self.links.append(str(a["src"]))
        if tag == "div" and "footnote" in (a.get("class") or "").split():
            self._in_notes = 1
            return
        if self._in_notes and tag not in ("br", "hr", "img"):
            self._in_notes += 1
            if tag == "li" and self._in_notes == 3:  # div > ol > li
                self._note = []

    def handle_endtag(self, tag: str) -> None:
        if not self._in_notes or tag in ("br", "hr", "img"):
            return
        if tag == "li" and self._in_notes == 3 and self._note is not None:
            self.notes.append(" ".join("".join(self._note).replace("\u21a9", "").split()))
            self._note = None
        self._in_notes -= 1

    def handle_data(self, data: str) -> None:
        if self._note is not None:
            self._note.append(data)


def _pages(site: Path) -> dict[str, str]:
    """Every content page of a built site (redirect stubs and the not-found page left out), by address."""
    pages = {}
    for path in site.rglob("index.html"):
        text = path.read_text(encoding="utf-8")
        if "<article" not in text:
            continue  # a redirect page
        pages[path.parent.relative_to(site).as_posix() + "/" if path.parent != site else ""] = text
    return pages


_COVERAGE = re.compile(r'<p class="refsite-coverage">.*?</p>', re.S)


def _read(html_text: str) -> _Page:
    """The article's notes, links and ids; the line above the title (coverage and the error report,
    which the reference's theme shows and the export writes into the page) aside."""
    parser = _Page()
    parser.feed(_COVERAGE.sub("", article(html_text)))
    return parser


def _broken_links(site: Path, pages: dict[str, str]) -> list[str]:
    """Links in the pages' articles to a file or an anchor the built site does not have."""
    ids = {addr: _read(text).ids for addr, text in pages.items()}
    broken = []
    for addr, text in pages.items():
        for href in _read(text).links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith("/"):
                continue
            target = (site / addr / unquote(parts.path)).resolve() if parts.path else site / addr
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{addr}: {href}")
                continue
            if parts.fragment and target.name == "index.html":
                top = site.resolve()
                taddr = target.parent.relative_to(top).as_posix() + "/" if target.parent != top else ""
                if taddr in ids and parts.fragment not in ids[taddr]:
                    broken.append(f"{addr}: {href} (no such anchor)")
    return broken


def _export(root: Path, out: Path) -> Path:
    proc = run_cli("export", str(out), cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "exported" in proc.stdout
    return out


def _mkdocs(export: Path) -> Path:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", "built-mkdocs"],
        cwd=export,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return export / "built-mkdocs"


def _zensical(export: Path) -> Path:
    zensical = Path(sys.executable).parent / "zensical"
    program = str(zensical) if zensical.exists() else require("zensical")
    proc = subprocess.run([program, "build"], cwd=export, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No issues found" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return export / "site"


def _without_pdf(broken: list[str]) -> list[str]:
    """The broken links ("page: target") but those to the PDF."""
    return [b for b in broken if b.rsplit("/", 1)[-1].rsplit(" ", 1)[-1] != "reference.pdf"]


def _compare(reference: Path, built: Path, search_index: str) -> None:
    ref_pages, got_pages = _pages(reference), _pages(built)
    assert set(got_pages) == set(ref_pages), set(ref_pages) ^ set(got_pages)
    for addr, text in ref_pages.items():
        want, got = _read(text), _read(got_pages[addr])
        assert got.notes == want.notes, addr
        # every link to another page or file, in order (in-page anchors differ only by the permalinks)
        assert [h for h in got.links if not h.startswith("#")] == [h for h in want.links if not h.startswith("#")], addr
    # no link broken that works on the site built as usual; the export carries the PDF the last
    # `make site` left in the project's site/, when there is one, and then no link to it is broken
    got_broken = _broken_links(built, got_pages)
    assert _without_pdf(got_broken) == _without_pdf(_broken_links(reference, ref_pages))
    if (built / "reference.pdf").is_file():
        assert got_broken == _without_pdf(got_broken)
    index = json.loads((built / search_index).read_text(encoding="utf-8"))
    items = index.get("docs") or index.get("items") or []
    located = {i["location"].split("#")[0] for i in items}
    assert set(ref_pages) <= located, set(ref_pages) - located


@pytest.fixture(scope="module")
def views_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The 'views' sample project built as usual, and exported."""
    tmp = tmp_path_factory.mktemp("export")
    root = copy_root("views", tmp)
    proc = run_cli("build", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root / "site", _export(root, tmp / "export")


def test_export_needs_no_plugin(views_export: tuple[Path, Path]) -> None:
    _, export = views_export
    config = yaml.safe_load((export / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["plugins"] == ["search"]
    assert config["theme"]["name"] == "material"
    assert not (export / "macros.py").exists()
    assert not list((export / "docs").rglob("*.yaml")) and not (export / "data").exists()


def test_plain_mkdocs_builds_the_same_pages(views_export: tuple[Path, Path]) -> None:
    reference, export = views_export
    built = _mkdocs(export)
    _compare(reference, built, "search/search_index.json")
    # text that looks like a template stays text: nothing renders it again
    assert "{{ z }}" in (built / "actors" / "odd-name" / "index.html").read_text(encoding="utf-8")


def test_zensical_builds_the_same_pages(views_export: tuple[Path, Path]) -> None:
    reference, export = views_export
    built = _zensical(export)
    _compare(reference, built, "search.json")
    assert _broken_links(built, _pages(built)) == []
    # what the theme shows above a title is part of the exported page: any builder shows it
    home = (built / "index.html").read_text(encoding="utf-8")
    assert "Sources cover events to" in home and 'class="refsite-report"' in home


@pytest.mark.slow
def test_the_reference_exports_and_builds_with_both(real_site: Path, tmp_path: Path) -> None:
    export = _export(REPO, tmp_path / "export")
    _compare(real_site, _mkdocs(export), "search/search_index.json")
    _compare(real_site, _zensical(export), "search.json")
    # the redirects of renamed records still lead on
    moved = (export / "docs" / "actors" / "tatsumi-yuki" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../actors/tatsumi/"' in moved


def test_export_replaces_only_its_own_folder(tmp_path: Path) -> None:
    root = copy_root("views", tmp_path)
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine", encoding="utf-8")
    proc = run_cli("export", str(taken), cwd=root)
    assert proc.returncode == 2
    assert "export refused" in proc.stderr and "Traceback" not in proc.stderr
    assert (taken / "notes.txt").read_text(encoding="utf-8") == "mine"
    out = _export(root, tmp_path / "out")
    _export(root, out)  # a second export replaces the first
    assert (out / "mkdocs.yml").is_file()


def test_a_broken_project_exports_nothing(tmp_path: Path) -> None:
    root = copy_root("views", tmp_path)
    record = next((root / "data" / "actors").glob("*.yaml"))
    record.write_text(record.read_text(encoding="utf-8") + "\nbogus_field: 1\n", encoding="utf-8")
    proc = run_cli("export", str(tmp_path / "out"), cwd=root)
    assert proc.returncode == 1
    assert f"data/actors/{record.name}:" in proc.stdout
    assert "error:" in proc.stdout and "Traceback" not in proc.stdout + proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("body", "markdown"),
    [
        (
            '<h2 id="a-b">A <em>b</em> * c<a class="headerlink" href="#a-b" title="Permanent link">¶</a></h2>',
            "## A <em>b</em> &#42; c {: #a-b }\n",
        ),
        ("<p>x</p>\n\n<svg><text>t</text></svg>", "<p>x</p>\n\n<div><svg><text>t</text></svg></div>\n"),
        ('<h3 class="x">T</h3>', '<h3 class="x">T</h3>\n'),
        ("<p>a</p>text<br>", "<p>a</p>\n\n<div>text</div>\n\n<div><br></div>\n"),
    ],
)
def test_body_markdown(body: str, markdown: str) -> None:
    assert body_markdown(body) == markdown


def test_page_source_keeps_the_address() -> None:
    page = SitePage("actors/x.md", "actors/x/", "X", "", "")
    assert page_source(page, True) == "actors/x/index.md"
    assert page_source(SitePage("index.md", "", "Home", "", "", homepage=True), True) == "index.md"
    assert page_source(SitePage("a/b.md", "a/b.html", "B", "", ""), False) == "a/b.md"


def test_a_style_that_cannot_be_used_is_one_located_line(tmp_path: Path) -> None:
    root = copy_root("views", tmp_path)
    (root / "bad.csl").write_text("<style>not csl</style>\n", encoding="utf-8")
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("  - refsite\n", "  - refsite:\n      style: bad.csl\n"), encoding="utf-8")
    proc = run_cli("export", str(tmp_path / "out"), cwd=root)
    assert proc.returncode == 1
    lines = [line for line in proc.stdout.splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("mkdocs.yml:18:7: error: the citation style could not be used")
    assert "Traceback (most recent call last)" not in proc.stdout + proc.stderr
    assert not (tmp_path / "out").exists()
