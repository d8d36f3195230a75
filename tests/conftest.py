"""Shared helpers: sample projects under tests/roots/, built into temporary directories."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROOTS = HERE / "roots"
REPO = HERE.parent
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


def require(program: str) -> str:
    """The path of a program the test needs; skip (or fail in CI) when it is missing."""
    path = shutil.which(program)
    if path is None:
        if os.environ.get("REFSITE_REQUIRE_ALL"):
            pytest.fail(f"{program} is required here but not installed")
        pytest.skip(f"{program} is not installed")
    return path


def copy_root(name: str, dest: Path) -> Path:
    """Copy the sample project ``tests/roots/<name>`` to ``dest``."""
    target = dest / name
    shutil.copytree(ROOTS / name, target, ignore=shutil.ignore_patterns("site", ".site-*", ".refsite"))
    return target


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m refsite ARGS`` in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "refsite", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="session")
def basic_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 'basic' sample project, built once with --strict."""
    root = copy_root("basic", tmp_path_factory.mktemp("basic"))
    proc = run_cli("build", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root / "site"


def article(html: str) -> str:
    """The main article of a Material page."""
    start = html.index("<article")
    return html[start : html.index("</article>", start)]
