"""The engine builds every page on its own: the same pages, titles, bodies (notes included), files,
navigation and redirects as the build hosted by MkDocs, page for page."""

from __future__ import annotations

from pathlib import Path

import pytest

from refsite.context import BuildContext, using
from refsite.engine import build_pages
from refsite.mkdocs_build import build_into
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


def test_a_link_to_nothing_is_located(tmp_path: Path) -> None:
    root = copy_root("views", tmp_path)
    page = root / "docs" / "views.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text + "\nSee [gone](missing.md).\n", encoding="utf-8")
    with using(BuildContext()):
        model, problems = build_pages(root)
    assert model is None
    line = text.count("\n") + 2
    message = "a link to 'missing.md', which is not among the site's files"
    assert [str(p) for p in problems] == [f"docs/views.md:{line}:12: warning: {message}"]
