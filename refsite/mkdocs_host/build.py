"""Running MkDocs on a project: one of the adapter modules that import MkDocs.

:mod:`refsite.build` decides where a build goes and swaps it in; this module runs it.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import load_config
from ..problems import Problem

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

    from ..sitemodel import PrintPage, SiteModel

_FILE_ERROR = re.compile(r"Error (?:reading|building) page '.*': \[Errno \d+\]", re.S)
_LOCATED = re.compile(r"[^\s:]+:\d+:\d+: (?:error|warning): ")


class _Handler(logging.Handler):
    """Print MkDocs' own messages in its usual 'LEVEL - message' form, on stderr; the engine's
    located problems as they are, on stdout with the others."""

    def emit(self, record: logging.LogRecord) -> None:
        if _FILE_ERROR.match(record.getMessage()):
            return  # the OSError itself reaches build_site, which prints it as one line
        message = record.getMessage()
        if _LOCATED.match(message):  # the engine's own problems: one line each, where every problem goes
            print(message)
            return
        level = "WARNING" if record.levelno == logging.WARNING else record.levelname
        print(f"{level:<8}-  {message}", file=sys.stderr)


def quiet_logging() -> None:
    """Print MkDocs' warnings and errors in its usual form; nothing below that."""
    logger = logging.getLogger("mkdocs")
    if not any(isinstance(h, _Handler) for h in logger.handlers):
        handler = _Handler()
        handler.setLevel(logging.WARNING)
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def build_into(
    root: Path,
    out_dir: Path,
    *,
    strict: bool = True,
    runner: Callable[[MkDocsConfig], None] | None = None,
    print_pages: dict[str, PrintPage] | None = None,
    site_model: SiteModel | None = None,
    ahead: bool = True,
    problems: list[Problem] | None = None,
) -> int:
    """Run MkDocs for the project at ``root`` into ``out_dir``; print problems; return the status.

    ``runner`` builds from the loaded configuration (MkDocs' own build by default; the preview's
    is incremental). ``print_pages``, if given, receives every page's body as the engine finished
    it (for the PDF); ``site_model``, if given, receives the finished pages, files, navigation and
    redirects (for the export). ``ahead``: the generated pages are converted ahead by other
    processes (see :mod:`refsite.conversions`); a build that converts only what changed says no.
    ``problems``, if given, receives every located problem the build printed, as data."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config as mkdocs_load_config
    from mkdocs.exceptions import Abort, ConfigurationError, MkDocsException

    quiet_logging()
    printed: list[Problem] = [] if problems is None else problems
    if config_problems := load_config(root)[1]:  # before MkDocs' own loader reads mkdocs.yml
        for p in config_problems:
            printed.append(p)
            print(p)
        return 1

    def report(p: Problem) -> None:
        printed.append(p)
        print(p)

    plugin = None
    try:
        config = mkdocs_load_config(str(root / "mkdocs.yml"), site_dir=str(out_dir), strict=strict)
        plugin = config.plugins.get("refsite")
        if plugin is not None:
            plugin.report = report  # type: ignore[attr-defined]
            plugin.convert_ahead = ahead  # type: ignore[attr-defined]
            if print_pages is not None:
                plugin.print_pages = print_pages  # type: ignore[attr-defined]
            if site_model is not None:
                plugin.site_model = site_model  # type: ignore[attr-defined]
        (runner or build)(config)
    except ConfigurationError as exc:
        problem = Problem("mkdocs.yml", 1, 1, " ".join(str(exc).split()))
        printed.append(problem)
        print(problem)
        return 1
    except (Abort, MkDocsException) as exc:
        printed.extend(getattr(plugin, "warned", []))
        if not printed:
            print(f"build failed: {exc}", file=sys.stderr)
        else:
            errors = sum(p.is_error for p in printed)
            print(f"build failed: {errors} errors, {len(printed) - errors} warnings", file=sys.stderr)
        return 1
    except SystemExit as exc:  # mkdocs-macros exits on a template error it has already reported
        print(f"build failed (exit {exc.code})", file=sys.stderr)
        return 1
    printed.extend(getattr(plugin, "warned", []))
    return 0


__all__ = ["build_into", "quiet_logging"]
