"""The MkDocs plugin: hands generated pages, footnotes, bibliography and downloads to MkDocs.

One of the modules that import MkDocs. The work is the engine's (:mod:`refsite.citations`,
:mod:`refsite.render`); each hook below only passes pages in and out.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from .bibcsl import ConversionError
from .citations import BIB_TOKEN, PageRef, Session, SiteInfo, formatter_for, resolve_style
from .cite import CiteError
from .dataset import Dataset, load_project
from .editions import BuildInfo, build_info, edition_root_url
from .history import History, read_history
from .memo import Memo
from .mkdocs_macros import sandbox
from .model import KINDS, PLURAL
from .opendata import LICENCES, open_data
from .pdf import PrintPage
from .problems import Problem, summary_line
from .render.editions import EDITIONS_URI, edition_line, editions_page, history_section
from .render.meta import dataset_json, dataset_ld, json_ld, opengraph, record_ld
from .render.pages import (
    index_meta,
    index_page,
    page_meta,
    record_description,
    record_meta,
    record_page,
    remembered,
)
from .render.text import DATE_FORMATS, date_format, set_date_format, src_uri
from .sanitize import clean_attribute, clean_html, clean_title
from .schema import dataset_schema

log = logging.getLogger("mkdocs.plugins.refsite")
SCRIPT = Path(__file__).parent / "assets" / "refsite.js"
SCRIPT_URI = "assets/refsite.js"


class RefsiteConfig(base.Config):
    """Options of the ``refsite`` plugin in mkdocs.yml."""

    style = c.Optional(c.Type(str))
    lang = c.Type(str, default="en-US")
    edit_root = c.Optional(c.Type(str))
    bibliography_page = c.Type(str, default="bibliography.md")
    cite_page = c.Type(bool, default=True)
    require_claim_citations = c.Type(bool, default=False)
    version = c.Optional(c.Type(str))
    date_format = c.Choice(tuple(DATE_FORMATS), default="long")
    licence = c.Type(str, default="")
    data_licence = c.Choice(("", *LICENCES), default="")  # SPDX id, named in datapackage.json


class RefsitePlugin(BasePlugin[RefsiteConfig]):
    """Turns data/ and bib/ into pages, footnotes and a bibliography."""

    def __init__(self) -> None:
        self.report: Callable[[Problem], None] = self._log_problem
        self.problems: list[Problem] = []
        self.dataset: Dataset | None = None
        self.session: Session | None = None
        self.top_level: list[str] = []
        self.record_of: dict[str, str] = {}
        self.meta_of: dict[str, dict[str, Any]] = {}
        self.nav: Navigation | None = None
        self.pages: dict[str, Page] = {}
        self.refs: dict[str, PageRef] = {}
        # set by a build that makes the print edition: every page's finished body, by address
        self.print_pages: dict[str, PrintPage] | None = None
        self._version: str | None = None
        self.info: BuildInfo | None = None
        self.history: History | None = None

    @staticmethod
    def _log_problem(p: Problem) -> None:
        (log.error if p.is_error else log.warning)(str(p))

    def fail(self, problems: list[Problem]) -> None:
        """Report every problem, then stop the build once."""
        for p in problems:
            self.report(p)
        raise PluginError(f"refsite: {summary_line(problems)}")

    def config_problem(self, needle: str, message: str) -> Problem:
        """A problem located at the first line of mkdocs.yml holding ``needle`` (or its first line)."""
        config_file = self.root / "mkdocs.yml"
        lines = config_file.read_text(encoding="utf-8").splitlines() if config_file.is_file() else []
        for i, line in enumerate(lines, 1):
            if line.strip().startswith(needle):
                return Problem("mkdocs.yml", i, line.index(needle) + 1, message)
        return Problem("mkdocs.yml", 1, 1, message)

    def style_problem(self, message: str) -> Problem:
        """A problem located at the ``style:`` line of mkdocs.yml."""
        return self.config_problem("style:", message)

    # -- configuration and data -------------------------------------------------

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.root = Path(config.config_file_path).resolve().parent
        docs_dir = Path(config.docs_dir).resolve()
        self.docs_rel = docs_dir.relative_to(self.root).as_posix() if docs_dir.is_relative_to(self.root) else "docs"
        self.problems = []
        self._version = None
        self.info = build_info(self.root)
        self.history = None
        self.record_of = {}
        self.meta_of = {}
        self.pages = {}
        self.session = None
        set_date_format(self.config.date_format)
        dataset, problems = load_project(self.root, self.docs_rel)
        if any(p.is_error for p in problems) or (problems and config.strict):
            self.fail(problems)
        for p in problems:
            self.report(p)
        self.dataset = dataset
        style = resolve_style(self.root, self.config.style)
        if not style.is_file():
            self.fail([self.style_problem(f"citation style file not found: {self.config.style}")])
        site = SiteInfo(
            title=config.site_name,
            url=config.site_url or "",
            editor=config.site_author or "",
            version=self.version(),
            edition=self.info.tag,
            edition_date=self.info.date if self.info.tag else "",
            edition_url=self.info.permanent_url
            or (edition_root_url(config.site_url or "", self.info.tag) if self.info.tag else ""),
        )
        try:
            self.session = Session(
                self.root, dataset, formatter_for(style, self.config.lang), site, cite_page=self.config.cite_page
            )
        except ConversionError as exc:
            self.fail([Problem("bib", 1, 1, f"the bibliography could not be read: {exc}")])
        if self.config.cite_page and SCRIPT_URI not in [str(s) for s in config.extra_javascript]:
            config.extra_javascript.append(SCRIPT_URI)
        return config

    def on_pre_build(self, config: MkDocsConfig) -> None:
        """Narrative pages render in the page sandbox (every plugin's configuration is done by now)."""
        macros = config.plugins.get("macros")
        if macros is not None:
            sandbox(macros, self)

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        for sub in ("data", "bib"):
            if (self.root / sub).is_dir():
                server.watch(str(self.root / sub))
        return server

    def context_for(self, uri: str) -> Any:
        """The citation context of a page (the macros use it)."""
        assert self.session is not None
        return self.session.context_for(uri)

    def edit_url(self, config: MkDocsConfig, path: str) -> str | None:
        """Where an editor changes a data file, from repo_url and edit_uri."""
        root = self.config.edit_root
        if root is None and config.repo_url and config.edit_uri:
            edit_uri = config.edit_uri
            suffix = self.docs_rel.rstrip("/") + "/"
            root = (
                config.repo_url.rstrip("/")
                + "/"
                + (edit_uri[: -len(suffix)] if edit_uri.endswith(suffix) else edit_uri).lstrip("/")
            )
        return root.rstrip("/") + "/" + path if root else None

    # -- generated pages ----------------------------------------------------------

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        ds, session = self.dataset, self.session
        assert ds is not None and session is not None
        # A page made in an earlier build of this process (the preview's) is used again when nothing
        # it read changed: see refsite.render.pages.remembered.
        settings = f"{date_format()}|{ds.geo_fingerprint()}"
        assert self.info is not None
        self.history = hist = read_history(self.root, self.info, ds)
        for kind in KINDS:
            uri = f"{PLURAL[kind]}/index.md"
            if files.get_file_from_path(uri) is None:
                self.meta_of[uri] = index_meta(kind)
                ctx = session.context_for(uri)
                content = remembered(ctx, ds, settings, partial(index_page, ctx, ds, kind))
                files.append(File.generated(config, uri, content=content))
            for rec in ds.of_kind(kind):
                uri = src_uri(rec)
                self.record_of[uri] = rec.id
                self.meta_of[uri] = record_meta(rec)
                ctx, edit = session.context_for(uri), self.edit_url(config, rec.path)
                history = history_section(hist, rec.id)
                own = f"{settings}|{edit}|{ds.fingerprint(rec.id)}|{history}"
                content = remembered(ctx, ds, own, partial(record_page, ctx, ds, rec, edit, history))
                # Record pages are reached from indexes and links, never from the nav.
                files.append(File.generated(config, uri, content=content, inclusion=InclusionLevel.NOT_IN_NAV))
        if files.get_file_from_path(EDITIONS_URI) is None:
            self.meta_of[EDITIONS_URI] = page_meta("Editions")
            page = editions_page(self.info, hist, "../", ds.records)
            files.append(File.generated(config, EDITIONS_URI, content=page, inclusion=InclusionLevel.NOT_IN_NAV))
        bib_uri = self.config.bibliography_page
        if files.get_file_from_path(bib_uri) is None:
            self.meta_of[bib_uri] = page_meta("Bibliography")
            web_only = "\n{: .web-only }" if "attr_list" in config.markdown_extensions else ""
            files.append(File.generated(config, bib_uri, content=self._bibliography_stub(web_only)))
        downloads = session.downloads()
        records = [rec for kind in KINDS for rec in ds.of_kind(kind)]
        downloads["dataset.json"] = dataset_json(records, self.version(), self.licence(config))
        downloads["dataset.schema.json"] = json.dumps(dataset_schema(), indent=1)
        downloads.update(
            open_data(
                records,
                config.site_name,
                config.site_description or "",
                config.site_url or "",
                self.version(),
                self.config.data_licence,
            )
        )
        for name, text in downloads.items():
            files.append(File.generated(config, f"downloads/{name}", content=text))
        if self.config.cite_page:
            files.append(File.generated(config, SCRIPT_URI, content=SCRIPT.read_text(encoding="utf-8")))
        self.top_level = sorted({f.dest_uri.split("/", 1)[0] for f in files if "/" in f.dest_uri} | {"search"})
        return files

    def _bibliography_stub(self, web_only: str = "") -> str:
        """The bibliography page; the download links are marked for the website only (not printed)."""
        return (
            "# Bibliography\n\nEvery work the reference cites, in the citation style's order, "
            "with the pages that cite it.\n\nDownload it as "
            "[BibTeX](downloads/references.bib) or [CSL-JSON](downloads/references.json); "
            "the whole dataset is [JSON](downloads/dataset.json), and a table per kind of record in CSV, "
            f"described by its [data package](downloads/datapackage.json).{web_only}\n\n"
            f"{BIB_TOKEN}\n"
        )

    @event_priority(100)
    def _page_meta(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        """A generated page's metadata, set on the page itself before any other plugin sees it
        (mkdocs-macros reads ``render_macros`` from it): data, never front matter text."""
        meta = self.meta_of.get(page.file.src_uri)
        if meta is not None and page.file.generated_by:
            page.meta = dict(meta)
        return markdown

    # Runs after every other plugin's Markdown step (mkdocs-macros' above all), wherever it is listed.
    @event_priority(-100)
    def _page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        assert self.session is not None
        uri = page.file.src_uri
        self.pages[uri] = page
        if page.file.generated_by and not self.problems:
            # Narrative pages come first; from here on every citation is known, so the one
            # formatting batch starts now and runs beside MkDocs' own work.
            self.session.submit()
        if uri in self.record_of and self.dataset is not None:
            page.edit_url = self.edit_url(config, self.dataset.records[self.record_of[uri]].path)
        elif not page.file.generated_by:
            markdown = self.session.narrative(uri, markdown)
        return markdown

    on_page_markdown = CombinedEvent(_page_meta, _page_markdown)

    def on_nav(self, nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
        self.nav = nav
        return nav

    def _clean_titles(self) -> None:
        """Titles and descriptions as the theme prints them (HTML, as is): no tag, text escaped once.
        Done for every page before any is written, since each page's template shows others' titles."""
        for page in self.pages.values():
            meta = page.meta
            if isinstance(meta.get("title"), str):
                meta["title"] = clean_title(meta["title"])
            if isinstance(meta.get("description"), str):
                meta["description"] = clean_attribute(meta["description"])
            if page.title:
                page.title = clean_title(page.title)
                if not page.is_homepage:  # the theme un-escapes a title not in the metadata (striptags)
                    meta["title"] = page.title
        stack: list[Any] = list(self.nav.items) if self.nav is not None else []
        while stack:
            item = stack.pop()
            if not isinstance(item, Page) and isinstance(item.title, str):
                item.title = clean_title(item.title)
            stack.extend(getattr(item, "children", None) or [])

    def on_env(self, env: Any, config: MkDocsConfig, files: Files) -> Any:
        self._clean_titles()
        if self.problems:
            self.fail(sorted(set(self.problems)))
        assert self.session is not None
        try:
            self.session.format()
        except CiteError as exc:
            self.fail([self.style_problem(f"the citation style could not be used: {exc}")])
        self.refs = {uri: _ref(p) for uri, p in self.pages.items()}  # every page is rendered: titles are known
        return env

    def context_key(self, page: Page) -> str | None:
        """What :meth:`on_page_context` makes of a page besides its HTML: its notes, "cite this page"
        and the date; None for the bibliography page (it depends on every page)."""
        if self.session is None or not page.content or BIB_TOKEN in page.content:
            return None
        return self.session.finish_key(_ref(page))

    @event_priority(50)
    def on_page_context(self, context: Any, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        if page.content and self.session is not None:
            # notes, bibliography and "cite this page" included: all of the page passes the allow-list
            finished = self.session.finish(page.content, _ref(page), self.refs)
            if self.info is not None:
                finished = edition_line(self.info, page.url) + finished
            page.content = clean_html(finished)
            if self.print_pages is not None:  # the print edition takes the body as the engine finished it
                self.print_pages[page.url] = PrintPage(page.url, page_title(page), page.content)
        return context

    def on_template_context(self, context: Any, template_name: str, config: MkDocsConfig) -> Any:
        """The not-found page links relative to a base it finds from its own address (see
        :func:`not_found_base`), not to site_url's path: it works wherever the site is served."""
        if template_name == "404.html":
            context["base_url"] = "."
        return context

    def on_post_template(self, output: str, template_name: str, config: MkDocsConfig) -> str:
        if template_name != "404.html":
            return output
        at = output.find("<head>")
        if at < 0:
            return output
        at += len("<head>")
        base = urlsplit(config.site_url or "/").path or "/"
        output = output[:at] + not_found_base(self.top_level, base) + output[at:]
        # the theme's scripts take their root from its configuration: the same base
        conf = output.find('<script id="__config"')
        end = output.find("</script>", conf) + len("</script>") if conf >= 0 else -1
        if end > conf >= 0:
            output = output[:end] + _REBASE_CONFIG + output[end:]
        return output

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        """OpenGraph and JSON-LD go at the end of ``<head>``, whatever the theme's templates."""
        head = self._head(page, config)
        at = output.find("</head>")
        return output[:at] + head + "\n" + output[at:] if at >= 0 else output

    def _head(self, page: Page, config: MkDocsConfig) -> str:
        """OpenGraph tags and schema.org JSON-LD for ``<head>``: the reference as a Dataset on the
        home page, each record as what it is on its own page."""
        rid = self.record_of.get(page.file.src_uri)
        record = self.dataset.fingerprint(rid) if rid is not None and self.dataset is not None else ""
        lang = str(config.theme.get("language") or "")
        settings = [config.site_url or "", config.site_name, config.site_description or "", self.licence(config), lang]
        key = (page.url, page_title(page), str(page.is_homepage), record, self.version(), *settings)
        return _HEADS.get(lambda: self._make_head(page, config), *key)

    def _make_head(self, page: Page, config: MkDocsConfig) -> str:
        site = config.site_url or ""
        url = site + page.url if site else ""
        title = page_title(page)
        rid = self.record_of.get(page.file.src_uri)
        rec = self.dataset.records.get(rid) if rid is not None and self.dataset is not None else None
        description = record_description(rec) if rec is not None else (config.site_description or "")
        parts = [
            opengraph(
                title if not page.is_homepage else config.site_name,
                description,
                url,
                config.site_name,
                "article" if rec is not None else "website",
            )
        ]
        if rec is not None:
            parts.append(json_ld(record_ld(rec, url, description, config.site_name, site)))
        elif page.is_homepage:
            lang = config.theme.get("language") or "en"
            parts.append(
                json_ld(
                    dataset_ld(
                        config.site_name,
                        config.site_description or "",
                        site,
                        self.licence(config),
                        self.version(),
                        lang,
                    )
                )
            )
        return "\n".join(parts)

    def licence(self, config: MkDocsConfig) -> str:
        """The licence statement of the data: the ``licence`` option, else the site's copyright line."""
        return self.config.licence or (config.copyright or "")

    def version(self) -> str:
        """The one version of the site, the PDF and the dataset: the ``version`` option, else the edition's
        tag, else the commit's date and id (see :class:`refsite.editions.BuildInfo`)."""
        if self._version is None:
            self._version = self.config.version or (self.info.version if self.info else "unversioned")
        return self._version


_HEADS: Memo[str] = Memo(8192)  # each page's OpenGraph and JSON-LD (the preview makes every page's again)

_REBASE_CONFIG = (
    "<script>(function(c){var j=JSON.parse(c.textContent);j.base=document.baseURI;"
    "c.textContent=JSON.stringify(j)})(document.getElementById('__config'))</script>"
)


def not_found_base(top_level: list[str], fallback: str) -> str:
    """A script for the not-found page's ``<head>``: a ``<base>`` at the site's root, found in the
    address as the part before the first of the site's top-level folders (else ``fallback``, the
    path of site_url, when the address starts with it, else ``/``)."""
    data = json.dumps([top_level, fallback]).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (
        f"<script>(function(d){{var t=d[0],p=location.pathname.split('/'),r=null,i;"
        "for(i=1;i<p.length-1;i++){if(t.indexOf(p[i])>=0){r=p.slice(0,i).join('/')+'/';break}}"
        "if(r===null){r=location.pathname.indexOf(d[1])===0?d[1]:'/'}"
        f"var b=document.createElement('base');b.href=r;document.head.appendChild(b)}})({data})</script>"
    )


def page_title(page: Page) -> str:
    """A page's title as plain text (record pages carry it HTML-escaped for the theme)."""
    return html.unescape(page.title or "")


def _ref(page: Page) -> PageRef:
    return PageRef(page.file.src_uri, page.url, page_title(page))


__all__ = ["RefsitePlugin"]
