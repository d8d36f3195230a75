"""MkDocs' private interface is used in one module only, and only with the MkDocs it was read from."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import mkdocs

from refsite.mkdocs_host import internals as mkdocs_internals

from conftest import REPO

HOSTS = (
    "mkdocs.livereload",
    "mkdocs.structure.pages",
    "mkdocs.structure.files",
    "mkdocs.structure.nav",
    "mkdocs.config.defaults",
    "mkdocs.commands.build",
    "mkdocs_macros.plugin",
)


def _private_names() -> set[str]:
    """Every private name the host modules define: their functions, and their classes' attributes."""
    names: set[str] = set()
    for name in HOSTS:
        source = inspect.getsource(importlib.import_module(name))
        names |= set(re.findall(r"\bself\.(_[a-z]\w*)", source))
        names |= set(re.findall(r"^\s*def (_[a-z]\w*)", source, re.M))
        names |= set(re.findall(r"^    (_[a-z]\w*)\s*[:=]", source, re.M))  # class attributes
    return names


def _reaches(path: Path, private: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    own |= {
        t.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign | ast.AnnAssign)
        for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
    }
    found = []
    for node in ast.walk(tree):
        mine = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
        if isinstance(node, ast.Attribute) and node.attr in private and not (mine and node.attr in own):
            found.append(f"{path.name}:{node.lineno}: .{node.attr}")
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("mkdocs", "material")):
            found += [f"{path.name}:{node.lineno}: import {a.name}" for a in node.names if a.name.startswith("_")]
    return found


def test_private_names_of_mkdocs_are_reached_in_one_module() -> None:
    private = _private_names()
    assert {"_build_loop", "_current_page", "_title_from_render", "_env", "_watched_paths"} <= private
    modules = [p for p in (REPO / "refsite").rglob("*.py") if p != REPO / "refsite" / "mkdocs_host" / "internals.py"]
    assert [hit for path in modules for hit in _reaches(path, private)] == []
    documented = mkdocs_internals.__doc__ or ""
    used = _reaches(REPO / "refsite" / "mkdocs_host" / "internals.py", private)
    assert used, "the module reaches MkDocs' private names"
    for hit in used:
        name = hit.split(".")[-1].split()[-1]
        assert f"``{name}``" in documented or f".{name}``" in documented, name


def test_mkdocs_is_the_version_the_internals_were_read_from() -> None:
    assert mkdocs.__version__ == mkdocs_internals.MKDOCS_VERSION
    assert mkdocs_internals.version_problem() is None
    lock = (REPO / "requirements.lock").read_text(encoding="utf-8")
    assert f"mkdocs=={mkdocs_internals.MKDOCS_VERSION}" in lock.splitlines()
    project = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"mkdocs=={mkdocs_internals.MKDOCS_VERSION}"' in project
