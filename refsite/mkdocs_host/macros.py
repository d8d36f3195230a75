"""The macros of narrative pages, handed to mkdocs-macros: a thin shim over :mod:`refsite.pagemacros`.

One of the modules that import MkDocs (through mkdocs-macros). mkdocs-macros stays the MkDocs
host's macro runner: the project's ``macros.py`` registers the engine's macros with it
(:func:`define_env`), and its Jinja environment is replaced by the engine's page sandbox
(:func:`sandbox`). Everything else is the engine's: which page is rendered, where its problems go.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..dataset import Dataset
from ..pagemacros import PageMacros, PageSandbox, template_problem
from ..problems import Problem
from ..render.text import PageContext
from .internals import replace_macros_env


def _plugin(env: Any) -> Any:
    plugin = env.conf["plugins"].get("refsite")
    if plugin is None:
        raise RuntimeError("the 'refsite' plugin must be listed in mkdocs.yml plugins, after 'macros'")
    return plugin


def _page_text(page: Any, fallback: str = "") -> str:
    try:
        return str(page.file.content_string)
    except (OSError, UnicodeDecodeError):
        return fallback


class _Host:
    """The engine's :class:`~refsite.pagemacros.MacroHost`, answered from mkdocs-macros and the plugin."""

    def __init__(self, env: Any) -> None:
        self.env = env

    def dataset(self) -> Dataset:
        ds: Dataset = _plugin(self.env).dataset
        return ds

    def docs_rel(self) -> str:
        return str(_plugin(self.env).docs_rel)

    def page_uri(self) -> str:
        return str(self.env.page.file.src_uri)

    def page_text(self, uri: str) -> str:
        return _page_text(self.env.page) if self.env.page.file.src_uri == uri else ""

    def context_for(self, uri: str) -> PageContext:
        ctx: PageContext = _plugin(self.env).context_for(uri)
        return ctx

    def add_problem(self, problem: Problem) -> None:
        _plugin(self.env).problems.append(problem)


def sandbox(macros_plugin: Any, refsite_plugin: Any) -> None:
    """Replace mkdocs-macros' Jinja environment by the engine's page sandbox (after its configuration)."""
    old = macros_plugin.env
    if isinstance(old, PageSandbox):
        return

    def report(source: str, lineno: int, message: str, needle: str) -> None:
        page = macros_plugin.page
        path = f"{refsite_plugin.docs_rel}/{page.file.src_uri}"
        starts = (old.variable_start_string, old.block_start_string)
        refsite_plugin.problems.append(
            template_problem(path, _page_text(page, source), source, lineno, message, needle, starts)
        )

    sandboxed = PageSandbox(
        Path(macros_plugin.conf["docs_dir"]),
        macros_plugin.macros,
        macros_plugin.conf.get("extra") or {},
        report,
        syntax=old,
    )
    replace_macros_env(macros_plugin, sandboxed)


def define_env(env: Any) -> None:
    """Register the refsite macros with mkdocs-macros."""
    for name, macro in PageMacros(_Host(env)).functions().items():
        env.macro(macro, name)


__all__ = ["define_env", "sandbox"]
