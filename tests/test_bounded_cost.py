"""Bounded cost for any input: content a pull request controls cannot make a check or a build run
for minutes or take the machine's memory. Every case here finishes in seconds."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import yaml

from refsite.inline import find

from conftest import copy_root

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
