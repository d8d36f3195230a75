"""Rebuilding one site folder again and again, redoing only what an edit affects.

The live preview builds with :class:`Incremental`. Every rebuild runs MkDocs' whole sequence of
events over every page, as a clean build does, so what depends on what never has to be declared
by hand; each step is skipped where its inputs are what they were:

- the data is loaded again, unchanged files from memory; a generated page (a record's, an
  index) is made again only when a field, back-link list or kind list it read changed (see
  :func:`refsite.render.pages.remembered`), and so is each macro call of a narrative page;
- a page's Markdown is converted to HTML only if it (or the set of files it may link to)
  changed; the warnings that conversion gave are given again when it is skipped;
- a page's context and template are made, and its file written, only if something it shows
  changed: its HTML, notes, table of contents, title, metadata, address, neighbours and
  sections, or the navigation; its search entries are used again otherwise;
- citations are formatted only where a form is new (see :mod:`refsite.cite`);
- static files are copied only when their source is newer, and files no build makes any more
  are removed.

A change to mkdocs.yml, ``overrides/`` or ``macros.py`` forgets everything: the next rebuild is a
full one. The output is the same as a clean build's, file for file (the test suite compares them
after a series of edits).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
from mkdocs.commands.build import get_context
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.structure.files import File, Files, InclusionLevel, get_files, set_exclusions
from mkdocs.structure.nav import Navigation, get_navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import TableOfContents
from mkdocs.utils import CountHandler

from ..context import BuildContext
from ..memo import digest
from .internals import (
    build_extra_template,
    build_theme_template,
    set_current_page,
    set_title_from_render,
    title_from_render,
)

log = logging.getLogger("mkdocs")
_SENTINEL = "<html><head></head><body></body></html>"


def _toc(toc: TableOfContents) -> str:
    def walk(items: Any) -> list[Any]:
        return [[i.title, i.url, i.level, walk(i.children)] for i in items]

    return json.dumps(walk(toc.items))


def _nav(nav: Navigation) -> str:
    def walk(items: Any) -> list[Any]:
        return [[type(i).__name__, str(i.title), getattr(i, "url", None), walk(i.children or [])] for i in items]

    return json.dumps(walk(nav.items))


def _meta(meta: Mapping[str, Any]) -> str:
    return json.dumps(meta, sort_keys=True, default=str)


class _Bytecode(jinja2.BytecodeCache):
    """Compiled templates in memory (checked against their source's checksum when loaded)."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self.store.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


class _Recorder(logging.Handler):
    """Keeps the log records of one step, to give them again when the step is skipped."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class _Rendered:
    """What converting one page's Markdown gave."""

    key: str
    content: str
    toc: TableOfContents
    title: str | None
    anchors: set[str] | None
    links: dict[str, dict[str, str]] | None
    records: list[logging.LogRecord] = field(default_factory=list)


@dataclass
class Stats:
    """What the last rebuild did: pages seen, converted, rendered and written."""

    pages: int = 0
    converted: int = 0
    rendered: int = 0
    written: int = 0


class Incremental:
    """Builds a project into one folder, again and again; see the module's description."""

    def __init__(self, root: Path, site_dir: Path) -> None:
        self.root = root
        self.site_dir = site_dir
        self.signature = ""
        self.rendered: dict[str, _Rendered] = {}
        self.searched: dict[str, tuple[str, list[Any]]] = {}
        self.shown: dict[str, tuple[str, str]] = {}  # dest path -> (template inputs, written output)
        self.search_index: Any = None
        self.pending: list[tuple[str, bytes, str, str]] = []  # pages to write: path, bytes, inputs, digest
        self.deferred = False  # True: pages are written by commit(), not at the end of build()
        self.stats = Stats()
        self.bytecode = _Bytecode()
        self.templates: list[str] = []
        self.filtered: dict[str, list[str]] = {}
        self.context = BuildContext()  # the engine's caches, kept between rebuilds (see refsite.context)

    def _project_signature(self) -> str:
        """What, when changed, makes everything be done again: the configuration and the theme code."""
        parts = []
        for name in ("mkdocs.yml", "macros.py"):
            path = self.root / name
            parts.append(path.read_text(encoding="utf-8", errors="replace") if path.is_file() else "")
        overrides = self.root / "overrides"
        if overrides.is_dir():
            for path in sorted(overrides.rglob("*")):
                if path.is_file():
                    st = path.stat()
                    parts.append(f"{path.relative_to(self.root)}:{st.st_mtime_ns}:{st.st_size}")
        return digest(*parts)

    def forget(self) -> None:
        """Drop every cache, the engine's included: the next build does everything again."""
        self.context.forget()
        self.rendered.clear()
        self.searched.clear()
        self.shown.clear()
        self.templates.clear()
        self.filtered.clear()

    def build(self, config: MkDocsConfig) -> None:
        """Build the project (``config`` freshly loaded, its site_dir this builder's folder)."""
        signature = self._project_signature()
        if signature != self.signature:
            self.forget()
            self.signature = signature
        self.stats = Stats()
        self.pending.clear()
        counter = CountHandler()
        counter.setLevel(logging.WARNING)
        if config.strict:
            log.addHandler(counter)
        try:
            self._build(config)
            if counts := counter.get_counts():
                raise Abort(f"Aborted with {', '.join(f'{v} {k.lower()}s' for k, v in counts)} in strict mode!")
        except Exception as exc:
            self.pending.clear()
            config.plugins.on_build_error(error=exc)
            raise
        finally:
            log.removeHandler(counter)
        if not self.deferred:
            self.commit()

    def commit(self) -> None:
        """Write the pages the last build changed (each file whole). The preview does it at the
        moment it shows the build's problems, so a page and its banner always agree."""
        for dest, data, key, written in self.pending:
            _write(dest, data)
            self.shown[dest] = (key, written)
        self.pending.clear()

    def _build(self, config: MkDocsConfig) -> None:
        before = _snapshot(self.site_dir)
        self._theme_caches(config)
        config = config.plugins.on_config(config)
        config.plugins.on_pre_build(config=config)
        files = get_files(config)
        env = config.theme.get_env()
        files.add_files_from_theme(env, config)
        files = config.plugins.on_files(files, config=config)
        set_exclusions(files, config)
        nav = get_navigation(files, config)
        nav = config.plugins.on_nav(nav, config=config, files=files)
        files_key = digest(*sorted(f"{f.src_uri}>{f.dest_uri}:{f.inclusion.name}" for f in files))
        self._cache_search(config)

        pages = files.documentation_pages(inclusion=InclusionLevel.is_included)
        for file in pages:
            if file.page is None:
                Page(None, file, config)
            assert file.page is not None
            self._populate(file.page, config, files, files_key)
        env = config.plugins.on_env(env, config=config, files=files)

        files.copy_static_files(dirty=True, inclusion=InclusionLevel.is_included)
        for template in config.theme.static_templates:
            build_theme_template(template, env, files, config, nav)
        for template in config.extra_templates:
            build_extra_template(template, files, config, nav)
        nav_key = _nav(nav)
        kept: set[str] = set()
        for file in pages:
            assert file.page is not None
            if self._build_page(file.page, config, pages, nav, env, nav_key):
                kept.add(file.abs_dest_path)
        level = config.validation.links.anchors
        for file in pages:
            assert file.page is not None
            file.page.validate_anchor_links(files=files, log_level=level)
        config.plugins.on_post_build(config=config)
        kept.update(f.abs_dest_path for f in files if f.inclusion.is_included())
        self._remove_stale(kept, before)

    def _theme_caches(self, config: MkDocsConfig) -> None:
        """The theme's templates compiled once, and its files listed once (until the theme changes)."""
        theme = config.theme
        get_env = theme.get_env

        def env_with_caches() -> jinja2.Environment:
            env = get_env()
            env.bytecode_cache = self.bytecode  # a template whose source changed is compiled again
            loader = env.loader
            if loader is not None:
                listed = self.templates
                list_templates = loader.list_templates

                def cached_list() -> list[str]:
                    if not listed:
                        listed.extend(list_templates())
                    return list(listed)

                loader.list_templates = cached_list  # type: ignore[method-assign]
            list_filtered = env.list_templates
            filtered = self.filtered

            def cached_filtered(extensions: Any = None, filter_func: Any = None) -> list[str]:
                key = repr([extensions, getattr(filter_func, "__qualname__", None)])
                if key not in filtered:
                    filtered[key] = list_filtered(extensions, filter_func)
                return list(filtered[key])

            env.list_templates = cached_filtered  # type: ignore[method-assign]
            return env

        theme.get_env = env_with_caches  # type: ignore[method-assign]

    # -- Markdown ------------------------------------------------------------------------------

    def _populate(self, page: Page, config: MkDocsConfig, files: Files, files_key: str) -> None:
        """Read the page and run the Markdown events; convert it only if its Markdown changed."""
        set_current_page(config, page)
        try:
            page = config.plugins.on_pre_page(page, config=config, files=files)
            page.read_source(config)
            assert page.markdown is not None
            page.markdown = config.plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
            key = digest(page.url, files_key, page.markdown)
            hit = self.rendered.get(page.file.src_uri)
            self.stats.pages += 1
            if hit is not None and hit.key == key:
                for record in hit.records:
                    logging.getLogger(record.name).handle(record)
                page.content, page.toc = hit.content, hit.toc
                set_title_from_render(page, hit.title)
                page.present_anchor_ids = set(hit.anchors) if hit.anchors is not None else None
                page.links_to_anchors = _links_from(hit.links, files)
            else:
                with _recording() as records:
                    page.render(config, files)
                assert page.content is not None
                self.stats.converted += 1
                self.rendered[page.file.src_uri] = _Rendered(
                    key,
                    page.content,
                    page.toc,
                    title_from_render(page),
                    set(page.present_anchor_ids) if page.present_anchor_ids is not None else None,
                    _links_to(page.links_to_anchors),
                    records,
                )
            page.content = config.plugins.on_page_content(page.content, page=page, config=config, files=files)
        except Exception as e:
            log.error(f"Error reading page '{page.file.src_uri}': {e}")
            raise
        finally:
            set_current_page(config, None)

    # -- search ----------------------------------------------------------------------------------

    def _cache_search(self, config: MkDocsConfig) -> None:
        """Material's search index makes a page's entries again only when the page's HTML changed."""
        plugin = config.plugins.get("material/search") or config.plugins.get("search")
        index = getattr(plugin, "search_index", None)
        self.search_index = index if index is not None and hasattr(index, "entries") else None
        if index is None or not hasattr(index, "add_entry_from_context"):
            return
        add = index.add_entry_from_context
        searched = self.searched

        def cached(page: Page) -> None:
            key = digest(page.content or "", _page_inputs(page))
            hit = searched.get(page.file.src_uri)
            if hit is not None and hit[0] == key:
                index.entries.extend(hit[1])
                return
            before = len(index.entries)
            add(page)
            searched[page.file.src_uri] = (key, list(index.entries[before:]))

        index.add_entry_from_context = cached

    # -- templates -------------------------------------------------------------------------------

    def _build_page(
        self, page: Page, config: MkDocsConfig, pages: Sequence[File], nav: Navigation, env: Any, nav_key: str
    ) -> bool:
        """Render the page's template and write it, unless nothing it shows changed. True if the
        page's file is (still) part of the site."""
        set_current_page(config, page)
        try:
            page.active = True
            name = page.meta.get("template", "main.html")
            dest = page.file.abs_dest_path
            shown = self.shown.get(dest)
            # What the page shows, known before its context is made: when it is what the page showed
            # last time, nothing about the page is done again (its search entries are used again).
            head = config.plugins.on_post_page(_SENTINEL, page=page, config=config)
            before = self._before_context(page, config, name, nav_key, head)
            if (
                before is not None
                and shown is not None
                and shown[0] == before
                and page.file.src_uri in self.searched
                and os.path.isfile(dest)
            ):
                self._search_again(page)
                return True
            context = get_context(nav, pages, config, page)
            template = env.get_template(name)
            context = config.plugins.on_page_context(context, page=page, config=config, nav=nav)
            key = before or digest(name, nav_key, page.content or "", _page_inputs(page), head)
            if shown is not None and shown[0] == key and os.path.isfile(dest):
                return True
            output = template.render(context)
            self.stats.rendered += 1
            output = config.plugins.on_post_page(output, page=page, config=config)
            if not output.strip():
                return False
            data = output.encode("utf-8", errors="xmlcharrefreplace")
            written = digest(data)
            if shown is None or shown[1] != written or not os.path.isfile(dest):
                self.pending.append((dest, data, key, written))
                self.stats.written += 1
            else:
                self.shown[dest] = (key, written)
            return True
        except Exception as e:
            log.error(f"Error building page '{page.file.src_uri}': {e}")
            raise
        finally:
            page.active = False
            set_current_page(config, None)

    def _before_context(self, page: Page, config: MkDocsConfig, name: str, nav_key: str, head: str) -> str | None:
        """A fingerprint of everything the page's context and template are made from, or None when a
        plugin changes the context in a way it does not describe (then the context is always made).

        A plugin describes its part with a ``context_key(page)`` method; Material's search plugin
        needs none (its part depends on the page's HTML, table of contents and metadata alone)."""
        keys = []
        for plugin_name, plugin in config.plugins.items():
            if getattr(type(plugin), "on_page_context", None) is None:
                continue
            if plugin_name in ("search", "material/search"):
                continue
            describe = getattr(plugin, "context_key", None)
            key = describe(page) if callable(describe) else None
            if not isinstance(key, str):
                return None
            keys.append(f"{plugin_name}={key}")
        return digest("before", name, nav_key, page.content or "", _page_inputs(page), head, *keys)

    def _search_again(self, page: Page) -> None:
        if self.search_index is not None:
            self.search_index.entries.extend(self.searched[page.file.src_uri][1])

    def _remove_stale(self, kept: set[str], before: dict[str, tuple[int, int, int]]) -> None:
        """Remove what no build makes any more: files this build neither kept nor wrote."""
        for path, stat in _snapshot(self.site_dir).items():
            if path not in kept and before.get(path) == stat:
                os.unlink(path)
                self.shown.pop(path, None)
        for folder, dirs, _ in os.walk(self.site_dir, topdown=False):
            for name in dirs:
                with contextlib.suppress(OSError):
                    os.rmdir(os.path.join(folder, name))  # only an empty one


def _snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every file under ``folder`` with what changes when it is written (time, size, inode)."""
    out = {}
    for base, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(base, name)
            with contextlib.suppress(FileNotFoundError):
                st = os.lstat(path)
                out[path] = (st.st_mtime_ns, st.st_size, st.st_ino)
    return out


def _page_inputs(page: Page) -> str:
    """What a page's template shows of it besides its HTML: address, title, metadata, table of
    contents, edit link, neighbours and sections."""
    return json.dumps(
        [
            page.url,
            str(page.title),
            str(page.canonical_url),
            str(page.edit_url),
            _toc(page.toc),
            _meta(page.meta),
            _neighbours(page),
        ]
    )


def _neighbours(page: Page) -> str:
    def ref(p: Any) -> Any:
        return [str(p.title), p.url] if p is not None else None

    parents = []
    item = page.parent
    while item is not None:
        parents.append(str(item.title))
        item = item.parent
    return json.dumps([ref(page.previous_page), ref(page.next_page), parents])


def _links_to(links: dict[File, dict[str, str]] | None) -> dict[str, dict[str, str]] | None:
    return {f.src_uri: dict(v) for f, v in links.items()} if links is not None else None


def _links_from(links: dict[str, dict[str, str]] | None, files: Files) -> dict[File, dict[str, str]] | None:
    if links is None:
        return None
    out: dict[File, dict[str, str]] = {}
    for uri, anchors in links.items():
        target = files.get_file_from_path(uri)
        if target is not None:
            out[target] = dict(anchors)
    return out


class _recording:
    """Keeps the log records given meanwhile (and lets them through)."""

    def __enter__(self) -> list[logging.LogRecord]:
        self.handler = _Recorder()
        logging.getLogger().addHandler(self.handler)
        log.addHandler(self.handler)
        return self.handler.records

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self.handler)
        log.removeHandler(self.handler)


def _write(path: str, data: bytes) -> None:
    """Write a file whole: readers see the old content or the new one, never a part."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


__all__ = ["Incremental", "Stats"]
