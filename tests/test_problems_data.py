"""A build's problems as data: ``refsite build --problems FILE`` writes them as JSON, and the review
reads them from there, not from what the build printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refsite.problems import PROBLEMS_ENV, Problem
from refsite.review import site as review_site

from conftest import cli_in_process, copy_root

MISSING = "a link to 'missing.md', which is not among the site's files"


def _broken(tmp_path: Path) -> tuple[Path, int]:
    root = copy_root("views", tmp_path)
    page = root / "docs" / "views.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text + "\nSee [gone](missing.md).\n", encoding="utf-8")
    return root, text.count("\n") + 2


def test_build_writes_its_problems_as_json(tmp_path: Path) -> None:
    root, line = _broken(tmp_path)
    listed = tmp_path / "problems.json"
    proc = cli_in_process("build", "--problems", str(listed), cwd=root)
    assert proc.returncode == 1
    assert json.loads(listed.read_text(encoding="utf-8")) == [
        {"path": "docs/views.md", "line": line, "col": 12, "message": MISSING, "severity": "warning"}
    ]
    assert f"docs/views.md:{line}:12: warning: {MISSING}" in proc.stdout
    (root / "docs" / "views.md").write_text("# Views\n", encoding="utf-8")
    assert cli_in_process("build", "--problems", str(listed), cwd=root).returncode == 0
    assert json.loads(listed.read_text(encoding="utf-8")) == []
    assert cli_in_process("build", "--pdf", "--problems", str(listed), cwd=root).returncode == 2


def test_the_review_reads_a_builds_problems_as_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, line = _broken(tmp_path)
    monkeypatch.delenv(PROBLEMS_ENV, raising=False)
    built = review_site.build(root, tmp_path / "out")
    assert built.site is None
    assert built.problems == [Problem("docs/views.md", line, 12, MISSING, "warning")]
    assert (tmp_path / "out.problems.json").is_file()


def test_problems_printed_by_older_code_are_still_read() -> None:
    printed = "docs/a.md:3:4: error: unknown record 'x'\nbuild failed: 1 error\n"
    assert review_site._printed_problems(printed) == [Problem("docs/a.md", 3, 4, "unknown record 'x'")]


def test_a_problems_file_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    root = copy_root("views", tmp_path)
    target = tmp_path / "missing" / "problems.json"
    proc = cli_in_process("build", "--problems", str(target), cwd=root)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == (
        f"refsite build: the problems were not written: no such file or directory while writing {target}"
    )
    assert "Traceback" not in proc.stderr
