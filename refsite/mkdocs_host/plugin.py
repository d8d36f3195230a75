"""The MkDocs plugin: hands generated pages, footnotes, bibliography and downloads to MkDocs.

One of the modules that import MkDocs. The work is the engine's (:mod:`refsite.citations`,
:mod:`refsite.render`); each hook below only passes pages in and out.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from ..citations import BIB_TOKEN, PageRef, Session
from ..cite import CiteError
from ..conversions import Conversions
from ..dataset import Dataset
from ..editions import BuildInfo, build_info
from ..engine import (
    SCRIPT_URI,
    edit_url,
    finish_ahead,
    finished_page,
    generated,
    link_problem,
    page_head,
    render_problem,
    site_version,
    source_of,
    start,
)
from ..history import History, read_history
from ..markdown_html import Converted
from ..options import OPTIONS, Option, Options
from ..problems import Problem, summary_line
from ..render.notices import NOTICE_KEYS, page_notices
from ..sanitize import clean_attribute, clean_title
from ..sitemodel import NavItem, PrintPage, SiteModel, SitePage
from ..templatecache import use_theme_cache
from .internals import set_title_from_render
from .macros import sandbox

log = logging.getLogger("mkdocs.plugins.refsite")


def _config_option(option: Option) -> Any:
    """MkDocs' form of one of the engine's options (:data:`refsite.options.OPTIONS`)."""
    if option.choices is not None:
        return c.Choice(option.choices, default=option.default)
    if option.default is None:
        return c.Optional(c.Type(option.kind))
    return c.Type(option.kind, default=option.default)


RefsiteConfig = type(
    "RefsiteConfig",
    (base.Config,),
    {"__doc__": "Options of the ``refsite`` plugin in mkdocs.yml, made from the engine's list."}
    | {o.name: _config_option(o) for o in OPTIONS},
)


class RefsitePlugin(BasePlugin[RefsiteConfig]):  # type: ignore[valid-type]
    """Turns data/ and bib/ into pages, footnotes and a bibliography."""

    def __init__(self) -> None:
        self.report: Callable[[Problem], None] = self._log_problem
        self.problems: list[Problem] = []
        self.warned: list[Problem] = []
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
        # set by a build that hands its finished pages on (the export): the engine's page model
        self.site_model: SiteModel | None = None
        self._version: str | None = None
        self.options = Options()
        self.address = ""  # the published address: "" when none is configured (see published_address)
        self.info: BuildInfo | None = None
        self.history: History | None = None
        self.addresses: tuple[Files, dict[str, str]] | None = None
        self.ahead = Conversions([], {}, [], {})
        # set False by a build that converts only what changed (the preview's)
        self.convert_ahead = True
        self.extensions: tuple[list[Any], dict[str, Any]] = ([], {})

    @staticmethod
    def _log_problem(p: Problem) -> None:
        (log.error if p.is_error else log.warning)(str(p))

    def fail(self, problems: list[Problem]) -> NoReturn:
        """Report every problem, then stop the build once."""
        for p in problems:
            self.report(p)
        raise PluginError(f"refsite: {summary_line(problems)}")

    def warn(self, problem: Problem) -> None:
        """A warning found while a page is made: logged, so strict builds count it and the preview gives
        it again when it uses the page's earlier conversion, and kept as data (:attr:`warned`)."""
        log.warning(str(problem))
        self.warned.append(problem)

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
        self.warned = []
        self._version = None
        self.info = None
        self.history = None
        self.record_of = {}
        self.meta_of = {}
        self.pages = {}
        self.session = None
        self.addresses = None
        self.extensions = (list(config.markdown_extensions), dict(config.mdx_configs or {}))
        begun, problems = start(
            self.root,
            self.docs_rel,
            Options.from_values(dict(self.config)),
            site_name=config.site_name,
            site_url=config.site_url or "",
            site_author=config.site_author or "",
            strict=bool(config.strict),
        )
        if begun is None:
            self.fail(problems)
        for p in problems:
            self.report(p)
        if begun.site_url != (config.site_url or ""):
            config.site_url = begun.site_url
        self.options, self.dataset, self.session = begun.options, begun.ds, begun.session
        self.info, self._version, self.address = begun.info, begun.version, begun.address
        if self.options.cite_page and SCRIPT_URI not in [str(s) for s in config.extra_javascript]:
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
        return edit_url(self.options, config.repo_url, config.edit_uri, self.docs_rel, path)

    # -- generated pages ----------------------------------------------------------

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        ds, session = self.dataset, self.session
        assert ds is not None and session is not None
        pages, made = generated(
            session,
            ds,
            self.options,
            lambda uri: files.get_file_from_path(uri) is not None,
            attr_list="attr_list" in config.markdown_extensions,
            version=self.version(),
            licence=self.licence(config),
            history=self._history(ds),
            info=self._info(),
            site=(config.site_name, config.site_description or "", self.address),
        )
        for page in pages:
            self.meta_of[page.uri] = dict(page.meta)
            if page.record is not None:
                self.record_of[page.uri] = page.record
            inclusion = InclusionLevel.UNDEFINED if page.in_nav else InclusionLevel.NOT_IN_NAV
            files.append(File.generated(config, page.uri, content=page.content, inclusion=inclusion))
        for name, text in made.items():
            files.append(File.generated(config, name, content=text))
        # The generated pages (most of a large site) are converted ahead by other processes where
        # there are processors for them; the preview converts only what changed, where it stands.
        ahead = [(g.uri, g.content, files.src_uris[g.uri].url) for g in pages] if self.convert_ahead else []
        self.ahead.close()
        self.ahead = Conversions(ahead, self._addresses(files), *self.extensions)
        self.top_level = sorted({f.dest_uri.split("/", 1)[0] for f in files if "/" in f.dest_uri} | {"search"})
        return files

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
        page.render = partial(self._convert, page)  # type: ignore[method-assign]
        return markdown

    on_page_markdown = CombinedEvent(_page_meta, _page_markdown)

    def _convert(self, page: Page, config: MkDocsConfig, files: Files) -> None:
        """The engine converts the page where MkDocs would: its HTML, table of contents, title and
        anchors, within its budget of processor time; a link to nothing is a located warning."""
        assert self.dataset is not None and page.markdown is not None
        uri = page.file.src_uri
        record = self.record_of.get(uri)
        done = self.ahead.convert((uri, page.markdown, page.url), self._addresses(files))
        if not isinstance(done, Converted):  # over its budget of processor time
            made = page.file.generated_by is not None
            self.fail([render_problem(self.dataset, self.docs_rel, uri, page.url, record, made, done)])
        if done.unknown_links:
            text = "" if page.file.generated_by or record is not None else page.file.content_string
            where = source_of(self.root, self.dataset, self.docs_rel, uri, record, text)
            for link, message in done.unknown_links:
                self.warn(link_problem(*where, link, message))
        page.content, page.toc = done.html, get_toc(done.toc)  # type: ignore[arg-type]
        set_title_from_render(page, done.title)
        page.present_anchor_ids = set(done.anchors)
        linked: dict[File, dict[str, str]] = {}
        for target, anchor, link in done.anchor_links:
            if (file := files.get_file_from_path(target)) is not None:
                linked.setdefault(file, {})[anchor] = link
        page.links_to_anchors = linked

    def _addresses(self, files: Files) -> dict[str, str]:
        """Every file's address by its source path (made once per build)."""
        if self.addresses is None or self.addresses[0] is not files:
            self.addresses = (files, {f.src_uri: f.url for f in files})
        return self.addresses[1]

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

    def on_build_error(self, error: Exception) -> None:
        self.ahead.close()

    def on_post_build(self, config: MkDocsConfig) -> None:
        self.ahead.close()  # every page is finished by now

    def on_env(self, env: Any, config: MkDocsConfig, files: Files) -> Any:
        # the installed theme's templates are compiled once and kept; the project's own, each build
        own = config.theme.custom_dir
        use_theme_cache(env, [Path(d) for d in config.theme.dirs if d != own])
        self._clean_titles()
        if self.problems:
            self.fail(sorted(set(self.problems)))
        assert self.session is not None
        try:
            self.session.format()
        except CiteError as exc:
            self.fail([self.style_problem(f"the citation style could not be used: {exc}")])
        self.refs = {uri: _ref(p) for uri, p in self.pages.items()}  # every page is rendered: titles are known
        # The workers that converted pages ahead now finish them, in the order MkDocs writes them.
        pages = ((p.content or "", self.refs[uri]) for uri, p in self.pages.items())
        if not finish_ahead(self.ahead, self.session, self._info(), pages):
            self.ahead.close()
        if self.site_model is not None:
            self._describe_site(self.site_model, config, files)
        return env

    def _describe_site(self, model: SiteModel, config: MkDocsConfig, files: Files) -> None:
        """The site's settings, files, navigation and redirects, as plain data for the page model."""
        docs_dir = Path(config.docs_dir).resolve()
        model.directory_urls = bool(config.use_directory_urls)
        theme = config.theme
        model.settings = {
            "site_name": config.site_name,
            "site_url": self.address,
            "site_description": config.site_description or "",
            "site_author": config.site_author or "",
            "copyright": config.copyright or "",
            "repo_url": config.repo_url or "",
            "theme": {
                "name": theme.name,
                "language": theme.get("language") or "en",
                "features": list(theme.get("features") or []),
                "palette": theme.get("palette"),
                "font": theme.get("font"),
            },
            "extra_css": [str(s) for s in config.extra_css],
            "extra_javascript": [str(s) for s in config.extra_javascript],
        }
        for f in files:
            if f.is_documentation_page():
                continue
            made_here = f.generated_by is not None or (
                f.abs_src_path is not None and Path(f.abs_src_path).resolve().is_relative_to(docs_dir)
            )
            if made_here:
                model.files[f.dest_uri] = f.content_bytes
        model.nav = [_nav_item(item) for item in (self.nav.items if self.nav is not None else [])]
        redirects = config.plugins.get("redirects")
        maps = redirects.config.get("redirect_maps") if redirects is not None else None
        model.redirects = {str(k): str(v) for k, v in (maps or {}).items()}

    def context_key(self, page: Page) -> str | None:
        """What :meth:`on_page_context` makes of a page besides its HTML: its notes, "cite this page"
        and the date; None for the bibliography page (it depends on every page)."""
        if self.session is None or not page.content or BIB_TOKEN in page.content:
            return None
        return self.session.finish_key(_ref(page))

    @event_priority(50)
    def on_page_context(self, context: Any, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        if self.dataset is not None:  # what the theme shows beside the title (over any front matter)
            rid = self.record_of.get(page.file.src_uri)
            where = (self.address or urlsplit(config.site_url or "/").path or "/") + page.url
            page.meta.update(
                page_notices(
                    self.dataset,
                    self.dataset.records.get(rid) if rid is not None else None,
                    repo_url=config.repo_url or "",
                    page_address=where,
                    title=page_title(page) or config.site_name,
                )
            )
        notices = {k: str(v) for k, v in page.meta.items() if k in NOTICE_KEYS}
        if page.content and self.session is not None:
            # notes, bibliography and "cite this page" included: all of the page passes the allow-list
            page.content = finished_page(self.ahead, self.session, self._info(), page.content, _ref(page), self.refs)
            if self.print_pages is not None:  # the print edition takes the body as the engine finished it
                self.print_pages[page.url] = PrintPage(page.url, page_title(page), page.content)
            if self.site_model is not None:
                description = page.meta.get("description")
                self.site_model.add(
                    SitePage(
                        src=page.file.src_uri,
                        url=page.url,
                        title=page_title(page),
                        description=html.unescape(description) if isinstance(description, str) else "",
                        body=page.content,
                        homepage=page.is_homepage,
                        in_nav=page.file.inclusion.is_in_nav(),
                        notices=notices,
                        head=self._head(page, config),
                    )
                )
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
        """OpenGraph and JSON-LD go at the end of ``<head>``, whatever the theme's templates; with no
        published address the theme's canonical link (made from a placeholder) is left out."""
        head = self._head(page, config)
        if not self.address:
            output = _CANONICAL.sub("", output, count=1)
        at = output.find("</head>")
        return output[:at] + head + "\n" + output[at:] if at >= 0 else output

    def _head(self, page: Page, config: MkDocsConfig) -> str:
        """The engine's OpenGraph tags and JSON-LD for the page's ``<head>``."""
        assert self.dataset is not None
        site = {
            "address": self.address,
            "name": config.site_name,
            "description": config.site_description or "",
            "licence": self.licence(config),
            "language": str(config.theme.get("language") or ""),
        }
        rid = self.record_of.get(page.file.src_uri)
        return page_head(
            self.dataset, rid, page.url, page_title(page), page.is_homepage, site=site, version=self.version()
        )

    def _info(self) -> BuildInfo:
        """What this build is (an edition, or the live site at a commit): read from git once."""
        if self.info is None:
            self.info = build_info(self.root)
        return self.info

    def _history(self, ds: Dataset) -> History:
        """What changed in each record, edition by edition: read from git once per build."""
        self.history = read_history(self.root, self._info(), ds)
        return self.history

    def licence(self, config: MkDocsConfig) -> str:
        """The licence statement of the data: the ``licence`` option, else the site's copyright line."""
        return self.options.licence or (config.copyright or "")

    def version(self) -> str:
        """The one version of the site, the PDF and the dataset: the ``version`` option, else the edition's
        tag, else the commit's date and id (see :class:`refsite.editions.BuildInfo`)."""
        if self._version is None:
            self._version = site_version(self.options, self._info())
        return self._version


_CANONICAL = re.compile(r'[ \t]*<link rel="canonical" href="[^"]*">\n?')

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


def _nav_item(item: Any) -> NavItem:
    """A navigation entry of MkDocs as the page model's (titles as plain text)."""
    title = html.unescape(str(item.title or ""))
    if isinstance(item, Page):
        return NavItem(title, url=item.url)
    children = getattr(item, "children", None)
    if children is not None:
        return NavItem(title, children=tuple(_nav_item(c) for c in children))
    return NavItem(title, link=str(getattr(item, "url", "") or ""))


def _ref(page: Page) -> PageRef:
    return PageRef(page.file.src_uri, page.url, page_title(page))


__all__ = ["RefsitePlugin"]
