"""Pull-request review: the report of what a content change does."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import copy_root, require, run_cli


def git(root: Path, *args: str) -> None:
    subprocess.run(
        [require("git"), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = copy_root("basic", tmp_path)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def test_review_of_a_content_change(repo: Path) -> None:
    japan = repo / "data/actors/japan.yaml"
    japan.write_text(japan.read_text().replace("The Japanese state.", "The Japanese state, as described in 2013."))
    (repo / "data/actors/china.yaml").write_text(
        "id: china\nname: China\nkind: state\nsummary: The Chinese state.\n"
        'sources:\n  - {key: pajon2013, locator: "p. 11"}\n',
        encoding="utf-8",
    )
    abe = repo / "data/positions/abe-2014-talks.yaml"
    abe.write_text(abe.read_text() + '  - {key: kimura2008kurilian, locator: "p. 9"}\n', encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")
    proc = run_cli("review", "HEAD~1", "HEAD", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = proc.stdout
    assert report.startswith("## Reference changes: HEAD~1 → HEAD\n")
    assert "1 records added, 2 changed, 0 removed" in report
    assert "| actor | [China](https://example.org/sample/actors/china/) | `data/actors/china.yaml` |" in report
    assert "| `summary` | The Japanese state. → The Japanese state, as described in 2013. |" in report
    assert "| `sources` | + kimura2008kurilian p. 9 |" in report
    # the pages that list the changed position change too
    assert "Also shown on: actors/abe-shinzo/, positions/abe-2013-talks/, topics/territorial-dispute/" in report
    assert "`make check` passes on the new state." in report


def test_review_of_the_working_tree_reports_new_problems(repo: Path) -> None:
    (repo / "data/actors/russia.yaml").unlink()
    (repo / "docs/index.md").write_text("# Home\n\nChanged.\n", encoding="utf-8")
    proc = run_cli("review", "main", cwd=repo)
    assert proc.returncode == 1
    report = proc.stdout
    assert "0 records added, 0 changed, 1 removed" in report
    assert "| actor | Russia | `data/actors/russia.yaml` |" in report
    assert "data/events/shimoda-1855.yaml:5:17: error: unknown actor 'russia'" in report
    assert "- changed: `docs/index.md`" in report


def test_review_of_an_unknown_ref(repo: Path) -> None:
    proc = run_cli("review", "no-such-ref", cwd=repo)
    assert proc.returncode == 2
    assert proc.stdout.startswith("review: cannot read git ref 'no-such-ref'")
    assert "Traceback" not in proc.stdout + proc.stderr
