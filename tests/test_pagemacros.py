"""Narrative pages render in the engine, with no host: the page sandbox and the macros are engine
functions of the page being rendered and the dataset (MkDocs reaches them through a thin shim)."""

from __future__ import annotations

from pathlib import Path

import pytest

from refsite.context import BuildContext, using
from refsite.dataset import Dataset, load_project
from refsite.pagemacros import PageMacros, PageSandbox, PageView, render_template, template_problem
from refsite.problems import Problem
from refsite.render.text import PageContext

from conftest import ROOTS


class Host:
    """A site builder of its own, as small as the engine lets it be."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ds, problems = load_project(root)
        assert not [p for p in problems if p.is_error]
        self.uri = "index.md"
        self.contexts: dict[str, PageContext] = {}
        self.problems: list[Problem] = []

    def dataset(self) -> Dataset:
        return self.ds

    def docs_rel(self) -> str:
        return "docs"

    def page_uri(self) -> str:
        return self.uri

    def page_text(self, uri: str) -> str:
        return (self.root / "docs" / uri).read_text(encoding="utf-8")

    def context_for(self, uri: str) -> PageContext:
        return self.contexts.setdefault(uri, PageContext(uri, len(self.contexts)))

    def add_problem(self, problem: Problem) -> None:
        self.problems.append(problem)


@pytest.fixture
def host() -> Host:
    return Host(ROOTS / "views")


def _sandbox(host: Host) -> PageSandbox:
    def report(source: str, lineno: int, message: str, needle: str) -> None:
        text = host.page_text(host.uri)
        host.add_problem(template_problem(f"docs/{host.uri}", text, source, lineno, message, needle, ("{{", "{%")))

    return PageSandbox(ROOTS / "views" / "docs", PageMacros(host).functions(), {"note": "x"}, report)


def test_a_page_renders_without_a_host(host: Host) -> None:
    with using(BuildContext()):
        source = host.page_text("index.md")
        out = render_template(_sandbox(host), source, {"page": PageView(title="Sample")})
    assert host.problems == []
    assert "{{" not in out
    assert "[Shinzo Abe](actors/abe-shinzo.md)" in out
    notes = host.contexts["index.md"].notes
    assert [[c.key for c in note] for note in notes][:3] == [["pajon2013"], ["pajon2013"], ["kimura2008kurilian"]]


def test_a_bad_call_is_located_in_the_page(host: Host) -> None:
    host.uri = "views.md"
    with using(BuildContext()):
        out = render_template(_sandbox(host), '{{ link("nobody") }}\n', {"page": PageView()})
    assert "unknown" in out.lower()
    assert [p.path for p in host.problems] == ["docs/views.md"]
    assert "nobody" in host.problems[0].message


def test_the_page_shows_only_its_view(host: Host) -> None:
    with using(BuildContext()):
        out = render_template(_sandbox(host), "{{ page.title }} {{ page.meta.k }}", {"page": PageView("T", {"k": 1})})
        render_template(_sandbox(host), "{{ page.file }}", {"page": PageView("T")})
    assert out == "T 1"
    assert "access to attribute 'file'" in host.problems[-1].message
