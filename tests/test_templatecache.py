"""The theme's templates compiled once and kept between builds, in the user's cache folder."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
import pytest

from refsite.templatecache import theme_cache

from conftest import cli_in_process, copy_root


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def _build(root: Path, compiled: list[str]) -> dict[str, bytes]:
    """Build ``root`` in this process; the names of the templates Jinja compiled are added to ``compiled``."""
    compiled.clear()
    proc = cli_in_process("build", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return _files(root / "site")


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """Every template the theme's environment compiles from now on, by name (other environments,
    such as the search plugin's, keep nothing); the user's cache folder is a new one."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    names: list[str] = []
    original = jinja2.Environment.compile

    def compile(self: jinja2.Environment, source: str, name: str | None = None, *args: object, **kw: object) -> object:
        if self.bytecode_cache is not None:
            names.append(str(name))
        return original(self, source, name, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(jinja2.Environment, "compile", compile)
    return names


def test_a_second_build_compiles_none_of_the_themes_templates(tmp_path: Path, compiled: list[str]) -> None:
    root = copy_root("basic", tmp_path)
    first = _build(root, compiled)
    assert "main.html" in compiled and len(compiled) > 10
    kept = list((tmp_path / "cache" / "refsite" / "templates").glob("*/*.cache"))
    assert len(kept) == len(set(compiled))
    second = _build(root, compiled)
    assert compiled == [] and second == first  # the same pages, none of the templates compiled again


def test_a_projects_own_templates_are_compiled_each_time_and_never_kept(tmp_path: Path, compiled: list[str]) -> None:
    root = copy_root("basic", tmp_path)
    config = root / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("  name: material\n", "  name: material\n  custom_dir: overrides\n")
    )
    (root / "overrides").mkdir()
    own = root / "overrides" / "main.html"
    own.write_text('{% extends "base.html" %}\n{% block footer %}<p>First footer</p>{% endblock %}\n')
    assert "First footer" in _build(root, compiled)["index.html"].decode()
    assert _build(root, compiled) and compiled == ["main.html"]  # the project's own, again; the theme's, kept
    own.write_text('{% extends "base.html" %}\n{% block footer %}<p>Second footer</p>{% endblock %}\n')
    page = _build(root, compiled)["index.html"].decode()
    assert "Second footer" in page and "First footer" not in page
    kept = [p.read_bytes() for p in (tmp_path / "cache" / "refsite" / "templates").glob("*/*.cache")]
    assert kept and not any(b"footer</p>" in code for code in kept)


def test_a_damaged_cache_file_is_passed_over(tmp_path: Path, compiled: list[str]) -> None:
    root = copy_root("basic", tmp_path)
    first = _build(root, compiled)
    kept = sorted((tmp_path / "cache" / "refsite" / "templates").glob("*/*.cache"))
    for i, path in enumerate(kept):
        path.write_bytes(path.read_bytes()[: 40 + i] if i % 2 else b"not compiled code")
    assert _build(root, compiled) == first and len(compiled) == len(kept)  # each compiled again
    assert _build(root, compiled) == first and compiled == []  # and kept again, whole


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="folder ownership is a POSIX notion")
def test_a_cache_folder_others_can_write_or_a_link_is_not_used(tmp_path: Path) -> None:
    env = jinja2.Environment()
    home = tmp_path / "home"
    assert theme_cache(env, [tmp_path], home) is not None
    (home / "templates").chmod(0o777)
    assert theme_cache(env, [tmp_path], home) is None
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (tmp_path / "linked").symlink_to(elsewhere)
    assert theme_cache(env, [tmp_path], tmp_path / "linked") is None
    assert theme_cache(env, [], tmp_path / "fresh") is None  # no installed theme: nothing to keep
