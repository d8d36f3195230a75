"""Bounded cost for any input: content a pull request controls cannot make a check or a build run
for minutes or take the machine's memory. Every case here finishes in seconds."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import refsite.cite as cite_mod
from refsite.bib import parse_bib
from refsite.bibcsl import csl_items
from refsite.citations import STYLES
from refsite.cite import Cite, CiteError, Formatter
from refsite.inline import find

from conftest import check_in_process, copy_root

#: Far above what each case takes (a few seconds), far below what the unbounded cases took (minutes).
LIMIT = 60


def run_limited(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m refsite ARGS`` in ``root``, failing the test instead of waiting past LIMIT seconds."""
    import os

    return subprocess.run(
        [sys.executable, "-m", "refsite", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=LIMIT,
        env={**os.environ, **(env or {})},
        check=False,
    )


def set_summary(root: Path, rel: str, summary: str) -> None:
    path = root / "data" / rel
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["summary"] = summary
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1 << 30), encoding="utf-8")


def test_citations_are_found_past_a_long_run_of_backticks() -> None:
    start = time.process_time()
    groups = find("x [@key, p. 5] " + "`" * 100_000 + " y [@other]")
    assert [g.items[0].key for g in groups] == ["key", "other"]  # no closing run: no code span
    assert time.process_time() - start < 5  # took minutes with a backtracking pattern
    # as Python-Markdown reads them: closed by a run of the same length, or a shorter opening closed
    assert [g.items[0].key for g in find("`[@no]` ``[@no]`` ```[@a]`` [@b]")] == ["b"]
    assert [g.items[0].key for g in find("``[@no]` [@a]")] == ["a"]


def test_a_summary_of_100000_backticks_builds_in_seconds(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    set_summary(root, "actors/japan.yaml", "The Japanese state [@pajon2013, p. 5] " + "`" * 100_000)
    proc = run_limited(root, "build")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = (root / "site" / "actors" / "japan" / "index.html").read_text(encoding="utf-8")
    assert "`" * 1000 in page and 'class="footnote-ref"' in page


BACKTRACKING = "[a](" * 20_000  # Python-Markdown needs minutes for it (its time grows with the square)
BUDGET = {"REFSITE_RENDER_BUDGET": "2"}


def over_budget(path: str, line: int, col: int, url: str) -> str:
    return (
        f"{path}:{line}:{col}: error: the page '{url}' took more than 2 s of processor time to render (the limit); "
        "Markdown such as thousands of unclosed '(' or '<' makes the renderer backtrack: escape them"
    )


def test_a_summary_that_makes_the_renderer_backtrack_is_a_located_error(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    set_summary(root, "actors/japan.yaml", "The Japanese state [@pajon2013, p. 5] " + BACKTRACKING)
    line = next(
        n for n, text in enumerate((root / "data/actors/japan.yaml").read_text().splitlines(), 1) if "summary" in text
    )
    proc = run_limited(root, "build", env=BUDGET)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [over_budget("data/actors/japan.yaml", line, 10, "actors/japan/")]
    assert "Traceback" not in proc.stderr
    assert not (root / "site").exists()


def test_a_narrative_page_that_makes_the_renderer_backtrack_is_a_located_error(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    page = root / "docs" / "index.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n" + BACKTRACKING + "\n", encoding="utf-8")
    proc = run_limited(root, "build", env=BUDGET)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [over_budget("docs/index.md", 1, 1, "/")]
    assert "Traceback" not in proc.stderr


# -- files content can name: each has a size limit, checked before it is read -----------------------


def style_line(root: Path, style: str) -> int:
    """Name ``style`` as the project's citation style; the line of ``style:`` in mkdocs.yml."""
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("  - refsite\n", f"  - refsite:\n      style: {style}\n"), encoding="utf-8")
    return text.splitlines().index("  - refsite") + 2


def test_a_30_mb_citation_style_is_refused_before_pandoc_sees_it(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    line = style_line(root, "huge.csl")
    bundled = (STYLES / "chicago-fullnote-bibliography.csl").read_text(encoding="utf-8")
    padding = "<!-- " + "x" * (30 * 1024 * 1024) + " -->\n"
    (root / "huge.csl").write_text(bundled.replace("<info>", padding + "<info>", 1), encoding="utf-8")
    proc = run_limited(root, "build")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    size = (root / "huge.csl").stat().st_size
    assert proc.stdout.splitlines() == [
        f"mkdocs.yml:{line}:7: error: citation style huge.csl: file is too large ({size:,} bytes; "
        "the limit is 1 MiB); it is not read"
    ]


def test_a_citation_style_outside_the_project_is_not_read(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path / "p")
    (tmp_path / "outside.csl").write_bytes((STYLES / "apa.csl").read_bytes())
    (root / "linked.csl").symlink_to(tmp_path / "outside.csl")
    line = style_line(root, "linked.csl")
    proc = run_limited(root, "build")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    [shown] = proc.stdout.splitlines()
    assert shown.startswith(f"mkdocs.yml:{line}:7: error: citation style linked.csl: symlink")


def test_a_project_style_within_the_limit_is_used(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    (root / "mine.csl").write_bytes((STYLES / "apa.csl").read_bytes())
    style_line(root, "mine.csl")
    proc = run_limited(root, "build")
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b" " * (4 * 1024 * 1024 + 1), "file is too large (4,194,305 bytes; the limit is 4 MiB); it is not read"),
        (b"[" * 200_000, "not the map geography written by 'refsite geodata'"),
    ],
    ids=["over 4 MiB", "nested 200,000 deep"],
)
def test_a_hostile_map_geography_is_one_located_error(tmp_path: Path, content: bytes, expected: str) -> None:
    root = copy_root("basic", tmp_path)
    (root / "data" / "geo").mkdir()
    (root / "data" / "geo" / "kurils.json").write_bytes(content)
    proc = check_in_process(root)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [f"data/geo/kurils.json:1:1: error: {expected}"]


def test_a_page_map_over_its_limit_is_not_read(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    maps = root / "bib" / "maps"
    maps.mkdir(exist_ok=True)
    (maps / "pajon2013.yaml").write_bytes(b"#" * (2 * 1024 * 1024 + 1))
    proc = check_in_process(root)
    assert proc.returncode == 1
    assert (
        "bib/maps/pajon2013.yaml:1:1: error: file is too large (2,097,153 bytes; the limit is 2 MiB); it is not read"
    ) in proc.stdout.splitlines()


# -- subprocesses: pandoc runs with a memory and a processor limit ----------------------------------


def test_pandoc_past_its_memory_limit_is_stopped_and_said_so(monkeypatch: pytest.MonkeyPatch) -> None:
    entries, problems = parse_bib("t.bib", BIB)
    assert problems == []
    items = csl_items([BIB], {e.key: e for e in entries})
    formatter = Formatter(STYLES / "chicago-fullnote-bibliography.csl")
    monkeypatch.setattr(cite_mod, "PANDOC_MEMORY_MB", 48)  # too little to start
    with pytest.raises(CiteError) as caught:
        formatter.format([[Cite("kimura2008", "p. 5")]], items)
    assert str(caught.value) in (
        "pandoc needed more than 48 MiB of memory and was stopped",
        "pandoc crashed (its memory is limited to 48 MiB)",
    )
    monkeypatch.setattr(cite_mod, "PANDOC_MEMORY_MB", 160)  # too little for its heap
    with pytest.raises(CiteError) as caught:
        formatter.format([[Cite("kimura2008", "p. 5")]], items)
    assert str(caught.value) == "pandoc needed more than 160 MiB of memory and was stopped"
    monkeypatch.setattr(cite_mod, "PANDOC_MEMORY_MB", 1024)
    assert formatter.format([[Cite("kimura2008", "p. 5")]], items).notes == [
        ["Hiroshi Kimura, <em>The Kurilian Knot</em> (Stanford: Stanford University Press, 2008), 5."]
    ]


def test_a_lua_filter_past_the_memory_limit_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cite_mod, "PANDOC_MEMORY_MB", 400)
    grow = "local t = {} for i = 1, 1e9 do t[i] = tostring(i) .. 'padding' end"
    proc = subprocess.run(cite_mod.pandoc_command("lua", "-e", grow), capture_output=True, text=True, timeout=LIMIT)
    assert proc.returncode != 0
    assert cite_mod.pandoc_failure(proc.returncode, proc.stderr) == (
        "pandoc needed more than 400 MiB of memory and was stopped"
    )


def test_pandoc_past_its_processor_limit_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cite_mod, "PANDOC_CPU_SECONDS", 1)
    proc = subprocess.run(
        cite_mod.pandoc_command("lua", "-e", "while true do end"), capture_output=True, text=True, timeout=LIMIT
    )
    assert proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL)
    assert cite_mod.pandoc_failure(proc.returncode, proc.stderr) == (
        "pandoc took more than 1 s of processor time and was stopped"
    )


BIB = """@book{kimura2008,
  author = {Kimura, Hiroshi},
  title = {The Kurilian Knot},
  publisher = {Stanford University Press},
  address = {Stanford},
  year = {2008},
}
"""


def test_a_reviewed_build_runs_within_memory_and_processor_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from refsite.review import site as review_site

    root = copy_root("basic", tmp_path)
    monkeypatch.setattr(review_site, "BUILD_MEMORY_MB", 16)  # too little for Python to load the engine
    built = review_site.build(root, tmp_path / "out")
    assert built.site is None
    assert built.output.splitlines()[-1] in (
        "the build needed more than 16 MiB of memory and was stopped",
        "the build crashed (its memory is limited to 16 MiB)",
    )
    monkeypatch.setattr(review_site, "BUILD_MEMORY_MB", 4096)
    assert review_site.build(root, tmp_path / "out").site == tmp_path / "out"

    busy = copy_root("basic", tmp_path / "busy")  # a page that keeps the renderer busy for minutes
    set_summary(busy, "actors/japan.yaml", "The Japanese state [@pajon2013, p. 5] " + BACKTRACKING)
    monkeypatch.setenv("REFSITE_RENDER_BUDGET", "600")
    monkeypatch.setattr(review_site, "BUILD_CPU_SECONDS", 2)
    start = time.monotonic()
    built = review_site.build(busy, tmp_path / "busy-out")
    assert built.site is None
    assert built.output.splitlines()[-1] == "the build took more than 2 s of processor time and was stopped"
    assert time.monotonic() - start < LIMIT


def test_reading_a_page_template_runs_no_filter_on_constants() -> None:
    """The check reads templates without running them: Jinja's compiler folds constant filter calls,
    and ``'x'|center(10**8)`` would make a 100 MB string before any limit is asked."""
    import tracemalloc

    from jinja2 import meta

    from refsite.dataset import _parse_only

    text = "{{ 'x'|center(100000000) }}{{ 'ab'|join|upper }}{{ later }}{% if 4 is divisibleby(2) %}{% endif %}"
    tracemalloc.start()
    try:
        names = meta.find_undeclared_variables(_parse_only().parse(text))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert names == {"later"}
    assert peak < 20 * 1024 * 1024, peak
