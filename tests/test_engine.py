"""The engine builds every page on its own: the same pages, titles, bodies (notes included), files,
navigation and redirects as the build hosted by MkDocs, page for page."""

from __future__ import annotations

from pathlib import Path

import pytest

from refsite.context import BuildContext, using
from refsite.engine import build_pages
from refsite.mkdocs_host.build import build_into
from refsite.sitemodel import SiteModel

from conftest import REPO, copy_root


def _both(root: Path, tmp: Path) -> tuple[SiteModel, SiteModel]:
    with using(BuildContext()):
        engine, problems = build_pages(root)
    assert problems == [] and engine is not None
    hosted = SiteModel()
    with using(BuildContext()):
        assert build_into(root, tmp / "hosted", site_model=hosted) == 0
    return engine, hosted


def _assert_same(engine: SiteModel, hosted: SiteModel) -> None:
    assert sorted(engine.pages) == sorted(hosted.pages)
    for url, page in hosted.pages.items():
        assert engine.pages[url] == page, url
    assert engine.files == hosted.files
    assert engine.nav == hosted.nav
    assert engine.redirects == hosted.redirects


def test_the_engine_builds_the_sample_as_mkdocs_does(tmp_path: Path) -> None:
    engine, hosted = _both(copy_root("views", tmp_path), tmp_path)
    assert len(engine.pages) > 20
    _assert_same(engine, hosted)


@pytest.mark.slow
def test_the_engine_builds_the_reference_as_mkdocs_does(tmp_path: Path) -> None:
    engine, hosted = _both(REPO, tmp_path)
    assert len(engine.pages) > 250  # the whole reference (300 pages)
    _assert_same(engine, hosted)


def test_problems_stop_the_engine_build(tmp_path: Path) -> None:
    root = copy_root("views", tmp_path)
    page = root / "docs" / "views.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text + '\n{{ link("nobody") }}\n', encoding="utf-8")
    with using(BuildContext()):
        model, problems = build_pages(root)
    assert model is None
    assert [str(p) for p in problems] == [f"docs/views.md:{text.count(chr(10)) + 2}:10: error: unknown record 'nobody'"]


def _with_line(tmp_path: Path, added: str) -> tuple[list[str], int]:
    """The engine's problems with ``added`` as a new last line of the views sample's page, and that line."""
    root = copy_root("views", tmp_path)
    page = root / "docs" / "views.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(f"{text}\n{added}\n", encoding="utf-8")
    with using(BuildContext()):
        model, problems = build_pages(root)
    assert model is None
    return [str(p) for p in problems], text.count("\n") + 2


def test_a_link_to_nothing_is_located(tmp_path: Path) -> None:
    problems, line = _with_line(tmp_path, "See [gone](missing.md).")
    message = "a link to 'missing.md', which is not among the site's files"
    assert problems == [f"docs/views.md:{line}:12: warning: {message}"]


def test_a_link_to_a_missing_anchor_is_located(tmp_path: Path) -> None:
    problems, line = _with_line(tmp_path, "See [there](index.md#nowhere) and [here](#gone).")
    assert problems == [
        f"docs/views.md:{line}:13: warning: a link to 'index.md#nowhere', but 'index.md' has no anchor '#nowhere'",
        f"docs/views.md:{line}:42: warning: a link to '#gone', but there is no such anchor on this page",
    ]


def test_mkdocs_hands_the_pages_to_the_engine_to_convert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Under MkDocs the engine converts every page: a link to nothing is the engine's located line,
    and the page's table of contents and anchors are the engine's (MkDocs checks anchors with them)."""
    root = copy_root("views", tmp_path)
    config = root / "mkdocs.yml"
    links = "    unrecognized_links: warn\n"
    config.write_text(config.read_text().replace(links, links + "    anchors: warn\n"))
    page = root / "docs" / "views.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text + "\n## A heading of its own\n\nSee [gone](missing.md) and [x](index.md#nowhere).\n")
    with using(BuildContext()):
        assert build_into(root, tmp_path / "site") == 1
    out, err = capsys.readouterr()
    line = text.count("\n") + 4
    assert f"docs/views.md:{line}:12: warning: a link to 'missing.md', which is not among the site's files\n" in out
    assert "does not contain an anchor '#nowhere'" in err
    assert "Doc file 'views.md' contains a link 'missing.md'" not in err
    page.write_text(text + "\n## A heading of its own\n\nSee [it](#a-heading-of-its-own).\n")
    hosted = SiteModel()
    with using(BuildContext()):
        assert build_into(root, tmp_path / "site", site_model=hosted) == 0
    built = (tmp_path / "site" / "views" / "index.html").read_text(encoding="utf-8")
    assert 'href="#a-heading-of-its-own"' in built and 'id="a-heading-of-its-own"' in built
    assert built.count("A heading of its own") >= 2  # in the page and in its table of contents
