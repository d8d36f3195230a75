"""Build the site in a workspace and swap it in only on success.

MkDocs itself runs in the adapter module :mod:`refsite.mkdocs_host.build`."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .mkdocs_host.build import build_into
from .pdf import PrintError, PrintPlan, pdf_into
from .problems import Problem, summary_line
from .sitemodel import PrintPage
from .typst_print import TypstFailure
from .workspace import MARKER, Workspace, clean_legacy, fault_message, open_workspace, replace_site


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


PDF_NAME = "reference.pdf"


def build_site(
    root: Path,
    site_dir: Path,
    *,
    strict: bool = True,
    after: Callable[[Path], None] | None = None,
    print_pages: dict[str, PrintPage] | None = None,
    before: Callable[[], None] | None = None,
    editions: bool = False,
    pdf: bool = False,
    problems: list[Problem] | None = None,
) -> int:
    """Build into a workspace in ``.refsite/`` beside ``site_dir``; replace ``site_dir`` only on success.

    ``before`` runs just before the website is built, ``after`` on the finished new site before the
    swap (the PDF is made there; its notes start formatting in ``before``), both with temporary files
    in the workspace; ``print_pages``, if given, receives every page's body as the engine finished
    it, for ``after``. With ``editions``, every release tag's edition (with its PDF if ``pdf``) is put
    under ``editions/<tag>/`` (see :mod:`refsite.edition_build`). A file system
    error (a full disk, say) is one line; the previous site stays and the workspace is removed.
    ``problems``, if given, receives the build's located problems as data.
    """
    site = (site_dir if site_dir.is_absolute() else root / site_dir).resolve()
    opened = _open_target(root, site, "build")
    if isinstance(opened, int):
        return opened
    work, shown = opened
    clean_legacy(site)
    new = work.path / "site"
    try:
        with work.temp_files():
            new.mkdir()
            if before is not None:
                before()
            status = build_into(root, new, strict=strict, print_pages=print_pages, problems=problems)
            if status != 0:
                print(f"the previous {shown}/ is left as it was", file=sys.stderr)
                return status
            if after is not None:
                after(new)
            if editions:
                from .edition_build import build_editions

                errors = build_editions(root, new, pdf=pdf)
                for line in errors:
                    print(line, file=sys.stderr)
                if errors:
                    print(
                        f"build failed: an edition does not build; the previous {shown}/ is left as it was",
                        file=sys.stderr,
                    )
                    return 1
            kept = site / PDF_NAME
            if not (new / PDF_NAME).exists() and kept.is_file() and not kept.is_symlink():
                shutil.copy2(kept, new / PDF_NAME)  # a build without the PDF keeps the last one: pages link to it
            (new / MARKER).write_text("built by refsite; replaced whole by the next build\n", encoding="utf-8")
            replace_site(new, site, work.path / "old")
    except OSError as exc:
        return _fault("build", exc, root, work, new, shown)
    finally:
        work.close()
    print(f"site built in {site}")
    return 0


def export_tree(root: Path, out_dir: Path) -> int:
    """Build the project's finished pages with the engine alone (no host) and write them as a plain
    tree into ``out_dir`` (see :mod:`refsite.export`); ``out_dir`` is replaced whole, and only when
    the export is complete. Every problem is printed; any problem, a warning too, fails it."""
    from .engine import build_pages
    from .export import write_export

    out = (out_dir if out_dir.is_absolute() else root / out_dir).resolve()
    opened = _open_target(root, out, "export")
    if isinstance(opened, int):
        return opened
    work, shown = opened
    new = work.path / "export"
    try:
        with work.temp_files():
            model, problems = build_pages(root)
            for p in problems:
                print(p)
            if model is None:
                print(
                    f"export failed: {summary_line(problems)}; the previous {shown}/ is left as it was", file=sys.stderr
                )
                return 1
            made_pdf = root / "site" / PDF_NAME  # the PDF of the last `make site`, which pages link to
            if made_pdf.is_file() and not made_pdf.is_symlink():
                model.files.setdefault(PDF_NAME, made_pdf.read_bytes())
            pages = write_export(model, new)
            (new / MARKER).write_text("written by refsite export; replaced whole by the next one\n", encoding="utf-8")
            replace_site(new, out, work.path / "old")
    except OSError as exc:
        return _fault("export", exc, root, work, new, shown)
    finally:
        work.close()
    print(f"exported {pages} pages to {out}: build them with 'mkdocs build' or 'zensical build' there")
    return 0


def build_pdf(root: Path, out: Path, *, paper: str = "a4", editions: bool = False) -> int:
    """Build the website (strict, swapped in on success) with the PDF inside it, made from the
    pages as the engine finished them during that build; with ``editions``, every edition too."""
    out = out if out.is_absolute() else root / out
    site = out.parent
    pages: dict[str, PrintPage] = {}
    plans: list[PrintPlan] = []
    made: list[tuple[int, float]] = []

    def before() -> None:
        plans.append(PrintPlan(root))  # the parts' notes are formatted while the website is built

    def after(new_site: Path) -> None:
        start = time.perf_counter()
        count = pdf_into(root, new_site, out.name, paper, pages, plans[0])
        made.append((count, time.perf_counter() - start))

    try:
        status = build_site(
            root, site, strict=True, print_pages=pages, before=before, after=after, editions=editions, pdf=True
        )
    except PrintError as exc:
        print(f"build failed: {exc}; the previous site is left as it was", file=sys.stderr)
        return 1
    except TypstFailure as exc:
        for line in exc.lines:
            print(line)
        print("build failed: the PDF could not be typeset; the previous site is left as it was", file=sys.stderr)
        return 1
    finally:
        for plan in plans:
            plan.close()
    if status == 0 and made:
        count, seconds = made[0]
        print(f"PDF written to {out}: {count} pages, made in {seconds:.1f} s")
    return status


def _open_target(root: Path, target: Path, verb: str) -> tuple[Workspace, str] | int:
    """A workspace for making ``target`` (a folder replaced whole) and the name it is shown by; or
    the exit status, once the refusal or the failure is printed."""
    if refusal := unsafe_target(root.resolve(), target):
        print(f"{verb} refused: {refusal}", file=sys.stderr)
        return 2
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return open_workspace(target.parent, "build", target), _shown_site(root, target)
    except OSError as exc:
        print(f"{verb} failed: {fault_message(exc, {})}", file=sys.stderr)
        return 1


def _fault(verb: str, exc: OSError, root: Path, work: Workspace, new: Path, shown: str) -> int:
    """Print a file system error met while making ``new`` in ``work`` as one line; the exit status."""
    where = {new: shown, work.path: f"{_shown_site(root, work.path)}"}
    print(f"{verb} failed: {fault_message(exc, where)}; the previous {shown}/ is left as it was", file=sys.stderr)
    return 1


def _shown_site(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def serve(root: Path, dev_addr: str) -> int:
    """Live preview of the project at ``root`` (see ``refsite.mkdocs_host.serve``)."""
    from .mkdocs_host.serve import serve as run

    return run(root, dev_addr)
