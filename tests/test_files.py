"""Safe reading of project input, the mkdocs.yml reader, and one-line problems."""

from __future__ import annotations

import os
from pathlib import Path

from refsite.config import docs_dir, load_config, option_problem, plugin_options, site_url
from refsite.files import read_input
from refsite.problems import Problem


def test_regular_file_is_read_and_a_racing_symlink_is_not(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / "a.yaml").write_bytes(b"id: a\n")
    assert read_input(root, root / "a.yaml", 100) == (b"id: a\n", [])
    secret = tmp_path / "secret"
    secret.write_text("SECRET")
    (root / "b.yaml").symlink_to(secret)
    raw, problems = read_input(root, root / "b.yaml", 100)
    assert raw is None
    assert [str(p) for p in problems] == ["b.yaml:1:1: error: symlink leads outside the project; it is not read"]


def test_limit_is_checked_before_reading(tmp_path: Path) -> None:
    (tmp_path / "big.bib").write_bytes(b"x" * 101)
    raw, problems = read_input(tmp_path, tmp_path / "big.bib", 100)
    assert raw is None
    assert [str(p) for p in problems] == [
        "big.bib:1:1: error: file is too large (101 bytes; the limit is 100 bytes); it is not read"
    ]


def test_file_in_a_folder_that_leaves_the_project(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x.yaml").write_text("id: x\n")
    root.mkdir()
    os.symlink(tmp_path / "out", root / "sub")
    raw, problems = read_input(root, root / "sub" / "x.yaml", 100)
    assert raw is None
    assert problems[0].message == "folder leads outside the project through a symlink; it is not read"


def test_problem_lines_escape_control_characters() -> None:
    p = Problem("data/a\nb.yaml", 1, 2, "unknown field 'x\r\x1b[2J\u202e\u2028'")
    assert str(p) == "data/a\\nb.yaml:1:2: error: unknown field 'x\\r\\x1b[2J\\u202e\\u2028'"
    assert str(Problem("docs/日本.md", 1, 1, "’ok’")) == "docs/日本.md:1:1: error: ’ok’"


def test_config_reader(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: S\ndocs_dir: pages\ncopyright: C\n"
        "plugins:\n  - search\n  - refsite:\n      style: x.csl\n"
        "markdown_extensions:\n  - footnotes:\n"
        "      USE_DEFINITION_ORDER: false\n",
        encoding="utf-8",
    )
    (tmp_path / "pages").mkdir()
    config, problems = load_config(tmp_path)
    assert problems == []
    assert config["copyright"] == "C"
    assert config["markdown_extensions"][0]["footnotes"]["USE_DEFINITION_ORDER"] is False
    assert docs_dir(tmp_path) == "pages"
    assert site_url(config) == ""
    assert site_url({"site_url": "https://example.org/ref"}) == "https://example.org/ref/"
    assert plugin_options(config, "refsite") == {"style": "x.csl"}
    assert plugin_options(config, "search") == {}
    assert str(option_problem(tmp_path, "refsite", "style", "no such style")) == "mkdocs.yml:7:7: error: no such style"


def test_docs_dir_may_not_leave_the_project(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: S\ndocs_dir: ../elsewhere\n", encoding="utf-8")
    assert docs_dir(tmp_path) == "docs"
    assert [str(p) for p in load_config(tmp_path)[1]] == [
        "mkdocs.yml:2:11: error: docs_dir '../elsewhere' leads outside the project"
    ]
