"""Every use of MkDocs' private interface, in one module.

MkDocs is pinned to the version below (pyproject.toml, requirements.lock) because of these; a
test fails when another module reaches a private name of MkDocs, mkdocs-macros or the livereload
server, or when the installed MkDocs is another version. The private names used, and why:

- ``mkdocs.commands.build._build_theme_template`` and ``_build_extra_template``: the preview's
  incremental build makes the theme's static templates (404.html, sitemap.xml) as MkDocs' does.
- ``MkDocsConfig._current_page``: the page being processed, set around each page's events as
  MkDocs' build sets it (plugins read it).
- ``Page._title_from_render``: the title a page's conversion found, kept with the preview's
  converted HTML and given back when the conversion is skipped.
- ``LiveReloadServer``: ``_watched_paths`` (pages get the reload script only while something is
  watched), ``_rebuild_cond`` and ``_want_rebuild`` (an edit asks for a rebuild), ``_build_loop``,
  ``_epoch_cond``, ``_wanted_epoch`` and ``_visible_epoch`` (requests are answered from the last
  good site while a rebuild runs), ``_serve_request`` and ``_inject_js_into_html`` (the problem
  banner and the not-found page): :class:`LiveReloadHooks` gives them public names.
- mkdocs-macros' ``MacrosPlugin._env``: its Jinja environment, replaced by the engine's page sandbox.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

import mkdocs
from mkdocs.commands.build import _build_extra_template, _build_theme_template
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.livereload import LiveReloadServer
from mkdocs.structure.pages import Page

MKDOCS_VERSION = "1.6.1"
"""The MkDocs release the private names above were read from."""


def version_problem() -> str | None:
    """Why the installed MkDocs may not be used with this module, or None."""
    if mkdocs.__version__ != MKDOCS_VERSION:
        return f"MkDocs {MKDOCS_VERSION} is required (its private interface is used); {mkdocs.__version__} is installed"
    return None


def build_theme_template(template: str, env: Any, files: Any, config: MkDocsConfig, nav: Any) -> None:
    """Build one of the theme's static templates (``404.html``, ``sitemap.xml``), as MkDocs does."""
    _build_theme_template(template, env, files, config, nav)


def build_extra_template(template: str, files: Any, config: MkDocsConfig, nav: Any) -> None:
    """Build one of the site's ``extra_templates``, as MkDocs does."""
    _build_extra_template(template, files, config, nav)


def set_current_page(config: MkDocsConfig, page: Page | None) -> None:
    """Mark ``page`` as the one being processed (None: no page)."""
    config._current_page = page


def title_from_render(page: Page) -> str | None:
    """The title the page's conversion found (its opening first-level heading)."""
    return page._title_from_render


def set_title_from_render(page: Page, title: str | None) -> None:
    """Give the page the title its (skipped) conversion found last time."""
    page._title_from_render = title


def replace_macros_env(macros_plugin: Any, env: Any) -> None:
    """Make ``env`` the Jinja environment mkdocs-macros renders pages in."""
    macros_plugin._env = env


class LiveReloadHooks(LiveReloadServer):
    """MkDocs' livereload server with public names for what the preview changes or calls."""

    def mark_watched(self, path: str) -> None:
        """Count ``path`` as watched (pages get the reload script only while something is)."""
        self._watched_paths[path] = 1

    def request_rebuild(self) -> None:
        """Ask the build loop for a rebuild, as a change the server watches does."""
        with self._rebuild_cond:
            self._want_rebuild = True
            self._rebuild_cond.notify_all()

    def run_build_loop(self) -> None:
        """Rebuild whenever asked, until the server stops."""
        self._build_loop()

    @contextlib.contextmanager
    def answering_meanwhile(self) -> Iterator[None]:
        """Run a rebuild while requests are answered at once from the site being served (MkDocs
        makes them wait, since it builds in place)."""
        with self._epoch_cond:
            wanted, self._wanted_epoch = self._wanted_epoch, self._visible_epoch
        try:
            yield
        finally:
            with self._epoch_cond:
                self._wanted_epoch = wanted

    def visible_epoch(self) -> int:
        """The number of the build the served pages come from."""
        return int(self._visible_epoch)

    def _serve_request(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes] | None:
        return self.answer_request(environ, start_response)

    def answer_request(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes] | None:
        """Answer one request (MkDocs' own answer unless a subclass changes it)."""
        return super()._serve_request(environ, start_response)  # type: ignore[no-any-return]

    def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
        return self.inject_reload_script(content, epoch)

    def inject_reload_script(self, content: bytes, epoch: int) -> bytes:
        """A page's HTML with the reload script in it (MkDocs' own unless a subclass changes it)."""
        return super()._inject_js_into_html(content, epoch)  # type: ignore[no-any-return]


__all__ = [
    "MKDOCS_VERSION",
    "LiveReloadHooks",
    "build_extra_template",
    "build_theme_template",
    "replace_macros_env",
    "set_current_page",
    "set_title_from_render",
    "title_from_render",
    "version_problem",
]
