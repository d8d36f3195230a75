"""Pages converted and finished ahead by worker processes: the same pages as converted and finished
here, page for page, and a page over its budget in a worker is the same located error."""

from __future__ import annotations

from pathlib import Path

import pytest

from refsite.context import BuildContext, using
from refsite.conversions import MIN_PAGES, Conversions, convert_within_budget, jobs
from refsite.engine import build_pages
from refsite.markdown_html import Converted
from refsite.mkdocs_host.build import build_into
from refsite.sitemodel import SiteModel
from refsite.tools.synth import write_project

EXTENSIONS = ["toc", "tables", "fenced_code", "footnotes"]


def _pages(count: int) -> list[tuple[str, str, str]]:
    return [
        (f"p{i}.md", f"# Page {i}\n\nSee [the next](p{i + 1}.md#page-{i + 1}).[^1]\n\n[^1]: A note.\n", f"p{i}/")
        for i in range(count)
    ]


def test_workers_convert_the_later_pages_as_this_process_would() -> None:
    pages = _pages(MIN_PAGES + 20)
    addresses = {src: address for src, _, address in pages}
    ahead = Conversions(pages, addresses, EXTENSIONS, {}, processes=2)
    try:
        assert ahead.pool is not None and len(ahead.handed) == len(pages) - len(pages) // 2
        got = [ahead.convert(page, addresses) for page in pages]
    finally:
        ahead.close()
    here = [convert_within_budget(page, addresses, EXTENSIONS, {}) for page in pages]
    assert got == here
    last = len(pages) - 1
    assert (
        isinstance(got[-2], Converted)
        and (f"p{last}.md", f"page-{last}", f"p{last}.md#page-{last}") in got[-2].anchor_links
    )
    assert isinstance(got[-1], Converted) and got[-1].unknown_links[0][0] == f"p{last + 1}.md#page-{last + 1}"


def test_a_page_changed_since_it_was_handed_over_is_converted_here() -> None:
    pages = _pages(MIN_PAGES)
    addresses = {src: address for src, _, address in pages}
    ahead = Conversions(pages, addresses, EXTENSIONS, {}, processes=2)
    try:
        src, _, address = pages[-1]
        changed = (src, "# Changed\n", address)
        assert ahead.take(changed, addresses) is None
        done = ahead.convert(pages[-2], {**addresses, "new.md": "new/"})  # the site's files changed
        assert isinstance(done, Converted) and done.title == f"Page {MIN_PAGES - 2}"
    finally:
        ahead.close()
    assert ahead.pool is None and not ahead.handed


def _shout(texts: list[str]) -> list[str]:
    return [text.upper() + "!" for text in texts]


def test_workers_finish_what_they_were_handed_and_nothing_else() -> None:
    pages = _pages(MIN_PAGES)
    addresses = {src: address for src, _, address in pages}
    ahead = Conversions(pages, addresses, EXTENSIONS, {}, processes=2)
    try:
        assert ahead.finish_ahead(_shout, [(src, f"body of {src}") for src, _, _ in pages])
        assert not ahead.handed  # a page not converted ahead by now is converted here
        assert ahead.finished("p0.md", "body of p0.md") == "BODY OF P0.MD!"
        assert ahead.finished("p1.md", "changed since") is None  # finished here instead
        assert ahead.finished("p1.md", "body of p1.md") is None  # asked for once
        assert ahead.finished("other.md", "body of other.md") is None
        assert ahead.finished(f"p{MIN_PAGES - 1}.md", f"body of p{MIN_PAGES - 1}.md") == f"BODY OF P{MIN_PAGES - 1}.MD!"
    finally:
        ahead.close()
    assert ahead.pool is None and not ahead.finishing
    alone = Conversions(pages, addresses, EXTENSIONS, {}, processes=1)
    assert not alone.finish_ahead(_shout, [("p0.md", "body")]) and alone.finished("p0.md", "body") is None


def test_few_pages_or_one_job_start_no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    pages = _pages(MIN_PAGES)
    assert Conversions(pages[:-1], {}, EXTENSIONS, {}, processes=2).pool is None
    assert Conversions(pages, {}, EXTENSIONS, {}, processes=1).pool is None
    monkeypatch.setenv("REFSITE_JOBS", "3")
    assert jobs() == 3
    monkeypatch.setenv("REFSITE_JOBS", "none")
    assert jobs() >= 1


def test_a_page_over_its_budget_in_a_worker_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFSITE_RENDER_BUDGET", "1")
    pages = _pages(MIN_PAGES)
    pages[-1] = (pages[-1][0], "[a](" * 20_000, pages[-1][2])
    ahead = Conversions(pages, {}, EXTENSIONS, {}, processes=2)
    try:
        assert pages[-1][0] in ahead.handed
        assert ahead.convert(pages[-1], {}) == 1.0
    finally:
        ahead.close()


def test_a_large_project_builds_the_same_with_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "synthetic"
    write_project(root, MIN_PAGES + 10)
    models = []
    taken: list[str] = []
    take, finished = Conversions.take, Conversions.finished
    by_worker: list[str] = []

    def counted(self: Conversions, page: tuple[str, str, str], addresses: dict[str, str]) -> object:
        found = take(self, page, addresses)
        if found is not None:
            taken.append(page[0])
        return found

    def counted_finished(self: Conversions, key: str, given: object) -> str | None:
        found = finished(self, key, given)
        if found is not None:
            by_worker.append(key)
        return found

    monkeypatch.setattr(Conversions, "finished", counted_finished)
    for count in ("1", "2"):
        monkeypatch.setenv("REFSITE_JOBS", count)
        with using(BuildContext()):
            model, problems = build_pages(root)
        assert problems == [] and model is not None and len(model.pages) > MIN_PAGES
        models.append(model)
    assert models[0] == models[1]
    # with a worker, every page but the bibliography (it depends on every page) is finished by it
    assert len(by_worker) == len(models[1].pages) - 1 and "bibliography.md" not in by_worker

    monkeypatch.setattr(Conversions, "take", counted)
    by_worker.clear()
    hosted = SiteModel()  # MkDocs, its generated pages converted ahead and every page finished by a worker
    with using(BuildContext()):
        assert build_into(root, tmp_path / "site", site_model=hosted) == 0
    assert hosted.pages == models[0].pages
    assert len(taken) >= MIN_PAGES // 2 and all(src.endswith(".md") for src in taken)
    assert len(by_worker) == len(hosted.pages) - 1 and "bibliography.md" not in by_worker
