"""Build the site into a temporary directory and swap it in only on success.

MkDocs itself runs in the adapter module :mod:`refsite.mkdocs_build`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from .mkdocs_build import build_into

MARKER = ".refsite-site"


def unsafe_target(root: Path, site: Path) -> str | None:
    """Why ``site`` must not be replaced by a build, or None if it may.

    A build replaces its output folder whole, so the folder must be one an earlier build made
    (it holds the marker file), or empty, or not exist yet; and it may not hold the project.
    """
    if site == root or root.is_relative_to(site):
        return f"{site} holds the project itself"
    if site.exists() and not site.is_dir():
        return f"{site} is a file, not a site folder"
    if site.is_dir() and any(site.iterdir()) and not (site / MARKER).exists():
        return f"{site} is not empty and was not made by a build; remove it or choose another folder"
    return None


def build_site(root: Path, site_dir: Path, *, strict: bool = True, after: Callable[[Path], None] | None = None) -> int:
    """Build into a temporary directory beside ``site_dir``; replace ``site_dir`` only on success.

    ``after`` runs on the finished temporary site before the swap (the PDF is made there).
    """
    site = (site_dir if site_dir.is_absolute() else root / site_dir).resolve()
    if refusal := unsafe_target(root.resolve(), site):
        print(f"build refused: {refusal}", file=sys.stderr)
        return 2
    site.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{site.name}-build-", dir=site.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; a published site must be readable
    try:
        status = build_into(root, tmp, strict=strict)
        if status == 0:
            (tmp / MARKER).write_text("built by refsite; replaced whole by the next build\n", encoding="utf-8")
        if status == 0 and after is not None:
            after(tmp)
        if status != 0:
            print(f"the previous {site.name}/ is left as it was", file=sys.stderr)
            return status
        old = None
        if site.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{site.name}-old-", dir=site.parent))
            site.rename(old / site.name)
        tmp.rename(site)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        print(f"site built in {site}")
        return 0
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def serve(root: Path, dev_addr: str) -> int:
    """Live preview; the plugin also watches data/ and bib/."""
    cmd = [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", dev_addr, "-f", str(root / "mkdocs.yml")]
    return subprocess.call(cmd, cwd=root)
