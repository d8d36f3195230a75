"""The engine's own build: every page of the site finished, with no host.

:func:`build_pages` does in explicit passes what a host's plugin events do: load and check the
project, collect the generated pages (an index per kind, a page per record, the bibliography),
render the narrative pages' templates in the page sandbox, collect their citations, convert
every page's Markdown, format all notes in one run, and finish each page (notes in place, the
bibliography, "cite this page", the allow-list). The result is a
:class:`~refsite.sitemodel.SiteModel`: what the export writes, and what any builder serves.

:func:`generated` is the part the MkDocs plugin shares: the generated pages and files, made the
same way for both.
"""

from __future__ import annotations

import html
import json
import posixpath
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .bibcsl import ConversionError
from .citations import BIB_TOKEN, STYLES, Finisher, PageRef, Session, SiteInfo, formatter_for, resolve_style
from .cite import CiteError
from .config import (
    SITE_URL_ENV,
    config_problem,
    is_web_address,
    load_config,
    option_problem,
    plugin_options,
    published_address,
    site_url_override,
)
from .config import docs_dir as config_docs_dir
from .context import MemoSlot
from .conversions import Conversions
from .dataset import Dataset, load_project, read_front_matter
from .editions import BuildInfo, build_info, edition_root_url
from .files import PAGE_LIMIT, STYLE_LIMIT, read_input, read_text_input, walk_files
from .history import History, read_history
from .markdown_html import Converted, extensions_of, missing_anchors, page_address
from .model import KINDS, PLURAL
from .opendata import open_data
from .options import Options
from .pagemacros import PageMacros, PageSandbox, PageView, render_template, template_problem
from .problems import Problem
from .render.editions import EDITIONS_URI, edition_line, editions_page, history_section
from .render.meta import dataset_json, dataset_ld, json_ld, opengraph, record_ld
from .render.notices import page_notices
from .render.pages import index_meta, page_meta, record_description, record_meta, record_page, remembered
from .render.pages import index_page as make_index_page
from .render.text import PageContext, date_format, set_date_format, src_uri
from .sanitize import clean_html, clean_title
from .schema import dataset_schema
from .sitemodel import NavItem, SiteModel, SitePage

SCRIPT = Path(__file__).parent / "assets" / "refsite.js"
SCRIPT_URI = "assets/refsite.js"


@dataclass(frozen=True)
class Generated:
    """A page the engine makes: its source path, Markdown, metadata, and whether the nav lists it."""

    uri: str
    content: str
    meta: Mapping[str, Any]
    in_nav: bool = True
    record: str | None = None


def bibliography_stub(web_only: bool) -> str:
    """The bibliography page; the download links are marked for the website only (not printed)."""
    mark = "\n{: .web-only }" if web_only else ""
    return (
        "# Bibliography\n\nEvery work the reference cites, in the citation style's order, "
        "with the pages that cite it.\n\nDownload it as "
        "[BibTeX](downloads/references.bib) or [CSL-JSON](downloads/references.json); "
        "the whole dataset is [JSON](downloads/dataset.json), and a table per kind of record in CSV, "
        f"described by its [data package](downloads/datapackage.json).{mark}\n\n"
        f"{BIB_TOKEN}\n"
    )


def generated(
    session: Session,
    ds: Dataset,
    options: Options,
    existing: Callable[[str], bool],
    *,
    attr_list: bool,
    version: str,
    licence: str,
    history: History,
    info: BuildInfo,
    site: tuple[str, str, str],
) -> tuple[list[Generated], dict[str, str]]:
    """The pages the engine makes (those a docs page does not replace) and its files by path;
    ``history`` gives each record page its History, ``info`` the editions page, ``site`` the site's
    name, description and published address (for the data package).

    A page made in an earlier build of this process (the preview's) is used again when nothing
    it read changed: see :func:`refsite.render.pages.remembered`."""
    pages: list[Generated] = []
    settings = f"{date_format()}|{ds.geo_fingerprint()}"
    for kind in KINDS:
        uri = f"{PLURAL[kind]}/index.md"
        if not existing(uri):
            ctx = session.context_for(uri)
            content = remembered(ctx, ds, settings, partial(make_index_page, ctx, ds, kind))
            pages.append(Generated(uri, content, index_meta(kind)))
        for rec in ds.of_kind(kind):
            uri = src_uri(rec)
            ctx = session.context_for(uri)
            changes = history_section(history, rec.id)
            own = f"{settings}|{ds.fingerprint(rec.id)}|{changes}"
            content = remembered(ctx, ds, own, partial(record_page, ctx, ds, rec, changes))
            # Record pages are reached from indexes and links, never from the nav.
            pages.append(Generated(uri, content, record_meta(rec), in_nav=False, record=rec.id))
    if not existing(EDITIONS_URI):
        listing = editions_page(info, history, "../", ds.records)
        pages.append(Generated(EDITIONS_URI, listing, page_meta("Editions"), in_nav=False))
    if not existing(options.bibliography_page):
        pages.append(Generated(options.bibliography_page, bibliography_stub(attr_list), page_meta("Bibliography")))
    files = {f"downloads/{name}": text for name, text in session.downloads().items()}
    records = [rec for kind in KINDS for rec in ds.of_kind(kind)]
    files["downloads/dataset.json"] = dataset_json(records, version, licence)
    files["downloads/dataset.schema.json"] = json.dumps(dataset_schema(), indent=1)
    name, description, address = site
    data = open_data(records, name, description, address, version, options.data_licence)
    files.update({f"downloads/{file}": text for file, text in data.items()})
    if options.cite_page:
        files[SCRIPT_URI] = SCRIPT.read_text(encoding="utf-8")
    return pages, files


@dataclass
class Start:
    """What every build of a project starts from, whichever host runs it: the options, the data,
    the citation session, what the build is (:class:`~refsite.editions.BuildInfo`), the one version,
    the site's address (``site_url``, ``REFSITE_SITE_URL`` over mkdocs.yml's) and its published
    address (``address``: "" when none is configured)."""

    options: Options
    ds: Dataset
    session: Session
    info: BuildInfo
    version: str
    site_url: str
    address: str


def start(
    root: Path,
    docs_rel: str,
    options: Options,
    *,
    site_name: str,
    site_url: str,
    site_author: str,
    strict: bool = True,
) -> tuple[Start | None, list[Problem]]:
    """Load and check the project at ``root`` and open its citation session. None with the problems
    when it can't be built; warnings alone stop it only when ``strict``."""
    set_date_format(options.date_format)
    override = site_url_override()
    if override is not None:
        if not is_web_address(override):
            return None, [config_problem(root, ("site_url",), f"{SITE_URL_ENV} is not an http(s) address: {override}")]
        site_url = override
    ds, problems = load_project(root, docs_rel)
    if any(p.is_error for p in problems) or (problems and strict):
        return None, problems
    style = resolve_style(root, options.style)
    if not style.is_file():
        return None, [option_problem(root, "refsite", "style", f"citation style file not found: {options.style}")]
    if not style.is_relative_to(STYLES):  # the project's own: inside it, a file, not too large for pandoc
        _, found = read_input(root, style, STYLE_LIMIT)
        if found:
            message = f"citation style {options.style}: {found[0].message}"
            return None, [option_problem(root, "refsite", "style", message)]
    info = build_info(root)
    version = site_version(options, info)
    address = published_address(site_url)
    site = site_info(site_name, address, site_author, version, info)
    try:
        session = Session(root, ds, formatter_for(style, options.lang), site, cite_page=options.cite_page)
    except ConversionError as exc:
        return None, [Problem("bib", 1, 1, f"the bibliography could not be read: {exc}")]
    return Start(options, ds, session, info, version, site_url, address), problems


def edit_url(options: Options, repo_url: str | None, edit_uri: str | None, docs_rel: str, path: str) -> str | None:
    """Where an editor changes a project file: under ``edit_root``, else made from the repository's
    address and ``edit_uri`` (whose docs folder part is dropped: ``path`` is from the project's root)."""
    root = options.edit_root
    if root is None and repo_url and edit_uri:
        suffix = docs_rel.rstrip("/") + "/"
        base = edit_uri[: -len(suffix)] if edit_uri.endswith(suffix) else edit_uri
        root = repo_url.rstrip("/") + "/" + base.lstrip("/")
    return root.rstrip("/") + "/" + path if root else None


def site_version(options: Options, info: BuildInfo) -> str:
    """The one version of the site, the PDF and the dataset: the option, else the edition's tag,
    else the commit's date and id (see :mod:`refsite.editions`)."""
    return options.version or info.version


def site_info(name: str, address: str, author: str, version: str, info: BuildInfo) -> SiteInfo:
    """What "cite this page" says of the site, the edition included when the build is one."""
    return SiteInfo(
        title=name,
        url=address,
        editor=author,
        version=version,
        edition=info.tag,
        edition_date=info.date if info.tag else "",
        edition_url=info.permanent_url or (edition_root_url(address, info.tag) if info.tag else ""),
    )


def page_head(
    ds: Dataset,
    record: str | None,
    url: str,
    title: str,
    homepage: bool,
    *,
    site: Mapping[str, str],
    version: str,
) -> str:
    """A page's OpenGraph tags and schema.org JSON-LD, for the end of its ``<head>``: the reference as
    a Dataset on the home page, a record as what it is on its own page. ``site`` gives the published
    ``address`` ("" when none), ``name``, ``description``, ``licence`` and ``language``."""
    fingerprint = ds.fingerprint(record) if record is not None else ""
    key = (url, title, str(homepage), fingerprint, version, *(site.get(k, "") for k in _SITE_KEYS))
    return _HEADS.get(lambda: _make_head(ds, record, url, title, homepage, site, version), *key)


_SITE_KEYS = ("address", "name", "description", "licence", "language")
# each page's OpenGraph and JSON-LD (the preview makes every page's again)
_HEADS: MemoSlot[str] = MemoSlot("engine.heads", 8192)


def _make_head(
    ds: Dataset, record: str | None, url: str, title: str, homepage: bool, site: Mapping[str, str], version: str
) -> str:
    address, name, description = site.get("address", ""), site.get("name", ""), site.get("description", "")
    full = address + url if address else ""
    rec = ds.records.get(record) if record is not None else None
    said = record_description(rec) if rec is not None else description
    kind = "article" if rec is not None else "website"
    parts = [opengraph(title if not homepage else name, said, full, name, kind)]
    if rec is not None:
        parts.append(json_ld(record_ld(rec, full, said, name, address)))
    elif homepage:
        language = site.get("language") or "en"
        parts.append(json_ld(dataset_ld(name, description, address, site.get("licence", ""), version, language)))
    return "\n".join(parts)


def finish_page(session: Session, info: BuildInfo, html_body: str, page: PageRef, refs: Mapping[str, PageRef]) -> str:
    """A converted page finished: its notes, the bibliography, "cite this page", the edition line,
    then the allow-list over all of it."""
    return clean_html(edition_line(info, page.url) + session.finish(html_body, page, refs))


FinishInput = tuple[str, PageRef, list[str], list[str]]  # a page's HTML, itself, its notes and their previews


def finish_input(session: Session, html_body: str, page: PageRef) -> FinishInput | None:
    """What finishing a page takes besides the session's plain data; None for the bibliography
    page (it depends on every page) or before the notes are formatted."""
    if BIB_TOKEN in html_body or session.result is None:
        return None
    return (html_body, page, *session.notes_of(page.uri))


def finish_pages(finisher: Finisher, info: BuildInfo, pages: list[FinishInput]) -> list[str]:
    """Pages finished as :func:`finish_page` finishes them, from plain data: another process runs it."""
    return [clean_html(edition_line(info, ref.url) + finisher.finish(body, ref, n, p)) for body, ref, n, p in pages]


def finish_ahead(ahead: Conversions, session: Session, info: BuildInfo, pages: Iterable[tuple[str, PageRef]]) -> bool:
    """Hand the finishing of ``pages`` (HTML and page, in the order they will be asked for) to the
    workers that converted pages ahead; False where there are none."""
    todo = [(ref.uri, given) for body, ref in pages if (given := finish_input(session, body, ref)) is not None]
    return ahead.finish_ahead(partial(finish_pages, session.finisher(), info), todo)


def finished_page(
    ahead: Conversions, session: Session, info: BuildInfo, html_body: str, page: PageRef, refs: Mapping[str, PageRef]
) -> str:
    """A page finished: as a worker finished it from the same input, else here (:func:`finish_page`)."""
    given = finish_input(session, html_body, page)
    done = ahead.finished(page.uri, given) if given is not None else None
    return done if done is not None else finish_page(session, info, html_body, page, refs)


def render_problem(
    ds: Dataset, docs_rel: str, src: str, url: str, record: str | None, made: bool, seconds: float
) -> Problem:
    """A page over its rendering budget, located at the text that makes it: a record's summary
    (``record``), a narrative page, or the data folder of a page the engine ``made`` (an index)."""
    message = (
        f"the page '{url or '/'}' took more than {seconds:g} s of processor time to render (the limit); "
        "Markdown such as thousands of unclosed '(' or '<' makes the renderer backtrack: escape them"
    )
    if record is not None:
        rec = ds.records[record]
        line, col = rec.src.pos(("summary",))
        return Problem(rec.path, line, col, message)
    if made:
        return Problem(f"data/{src.split('/')[0]}", 1, 1, message)
    return Problem(f"{docs_rel}/{src}", 1, 1, message)


def source_of(root: Path, ds: Dataset, docs_rel: str, src: str, record: str | None, text: str) -> tuple[str, str]:
    """Where a problem of the page ``src`` is located, and that file's text: the record's data file
    for a record's page, else the page in docs/ (``text``, its source)."""
    if record is not None:
        path = ds.records[record].path
        found, _ = read_text_input(root, root / path, PAGE_LIMIT)
        return path, found or ""
    return f"{docs_rel}/{src}", text


def link_problem(path: str, text: str, link: str, message: str) -> Problem:
    """A warning at the first place ``link`` stands in ``text``, the source at ``path`` (else its
    first line): a link to nothing, or to an anchor its page does not have."""
    at = text.find(f"({link}")
    at = at + 1 if at >= 0 else text.find(link)
    if at < 0:
        return Problem(path, 1, 1, message, "warning")
    line = text.count("\n", 0, at) + 1
    return Problem(path, line, at - (text.rfind("\n", 0, at) + 1) + 1, message, "warning")


# -- the engine's own build ----------------------------------------------------------------


class _Host:
    """What the macros ask of the engine while it renders the narrative pages."""

    def __init__(self, ds: Dataset, session: Session, docs_rel: str, texts: Mapping[str, str]) -> None:
        self.ds, self.session, self.docs, self.texts = ds, session, docs_rel, texts
        self.uri = ""
        self.problems: list[Problem] = []

    def dataset(self) -> Dataset:
        return self.ds

    def docs_rel(self) -> str:
        return self.docs

    def page_uri(self) -> str:
        return self.uri

    def page_text(self, uri: str) -> str:
        return self.texts.get(uri, "")

    def context_for(self, uri: str) -> PageContext:
        return self.session.context_for(uri)

    def add_problem(self, problem: Problem) -> None:
        self.problems.append(problem)


def _sort_key(src: str) -> tuple[list[str], bool, str]:
    """The order of a builder's files: by folder, an ``index`` first in each."""
    parts = src.split("/")
    name = parts[-1]
    return parts[:-1], posixpath.splitext(name)[0] not in ("index", "README"), name


def _nav(config_nav: Any, titles: Mapping[str, str], addresses: Mapping[str, str]) -> list[NavItem]:
    items: list[NavItem] = []
    for entry in config_nav if isinstance(config_nav, list) else []:
        title, value = next(iter(entry.items())) if isinstance(entry, dict) and len(entry) == 1 else (None, entry)
        if isinstance(value, list):
            items.append(NavItem(str(title or ""), children=tuple(_nav(value, titles, addresses))))
        elif isinstance(value, str) and value in addresses:
            items.append(NavItem(str(title) if title is not None else titles.get(value, value), url=addresses[value]))
        elif isinstance(value, str):
            items.append(NavItem(str(title or value), link=value))
    return items


def _auto_nav(pages: list[str], titles: Mapping[str, str], addresses: Mapping[str, str]) -> list[NavItem]:
    """The nav a builder makes when mkdocs.yml has none: the pages by folder, each folder a section."""
    top: list[NavItem] = []
    sections: dict[str, list[NavItem]] = {}
    for src in pages:
        folder = posixpath.dirname(src)
        item = NavItem(titles[src], url=addresses[src])
        if folder:
            sections.setdefault(folder, []).append(item)
        else:
            top.append(item)
    for folder, children in sections.items():
        title = folder.split("/")[-1].replace("-", " ").replace("_", " ")
        top.append(NavItem(title.capitalize() if title.lower() == title else title, children=tuple(children)))
    return top


def _title(src: str, meta: Mapping[str, Any], from_h1: str | None, nav_title: str | None) -> str:
    """A page's title as builders choose it: the nav's, the metadata's, its heading's, else its name."""
    if nav_title is not None:
        raw = nav_title
    elif isinstance(meta.get("title"), str):
        raw = meta["title"]
    elif from_h1:
        raw = html.escape(from_h1, quote=False)
    elif page_address(src) == "":
        raw = "Home"
    else:
        name = posixpath.splitext(posixpath.basename(src))[0].replace("-", " ").replace("_", " ")
        raw = name.capitalize() if name.lower() == name else name
    return html.unescape(clean_title(raw))


def _nav_titles(config_nav: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in config_nav if isinstance(config_nav, list) else []:
        if isinstance(entry, dict) and len(entry) == 1:
            title, value = next(iter(entry.items()))
            if isinstance(value, list):
                found.update(_nav_titles(value))
            elif isinstance(value, str) and title is not None:
                found.setdefault(value, str(title))
    return found


def build_pages(root: Path) -> tuple[SiteModel | None, list[Problem]]:
    """Every page of the project at ``root`` finished, with no host; or None and the problems.

    Problems that are warnings fail the build as errors do (builds are strict)."""
    config, problems = load_config(root)
    if problems:
        return None, problems
    docs_rel = config_docs_dir(root, config)
    site_name = str(config.get("site_name") or "")
    begun, problems = start(
        root,
        docs_rel,
        Options.from_values(plugin_options(config, "refsite")),
        site_name=site_name,
        site_url=str(config.get("site_url") or ""),
        site_author=str(config.get("site_author") or ""),
    )
    if begun is None:
        return None, problems
    options, ds, session, info, version = begun.options, begun.ds, begun.session, begun.info, begun.version
    site_url = begun.address
    extensions, ext_settings = extensions_of(config)
    directory_urls = config.get("use_directory_urls", True) is not False

    # pass 1: the project's files, and the pages and files the engine makes
    docs = root / docs_rel
    narrative: dict[str, str] = {}
    statics: dict[str, bytes] = {}
    for path in walk_files(root, docs, ""):
        rel = path.relative_to(docs).as_posix()
        if rel.endswith(".md"):
            text, found = read_text_input(root, path, PAGE_LIMIT)
            narrative[rel] = text or ""
        else:
            raw, found = read_input(root, path, PAGE_LIMIT)
            statics[rel] = raw or b""
        problems.extend(found)
    made, files = generated(
        session,
        ds,
        options,
        lambda uri: uri in narrative,
        attr_list="attr_list" in extensions,
        version=version,
        licence=options.licence or str(config.get("copyright") or ""),
        history=read_history(root, info, ds),
        info=info,
        site=(site_name, str(config.get("site_description") or ""), site_url),
    )
    order = sorted(narrative, key=_sort_key)
    sources = order + [g.uri for g in made]
    addresses = {src: page_address(src, directory_urls) for src in sources}
    addresses.update({name: name for name in [*statics, *files]})

    # pass 2: the narrative pages' templates, then their citations
    host = _Host(ds, session, docs_rel, narrative)
    macros = PageMacros(host).functions()
    extra = config.get("extra") if isinstance(config.get("extra"), dict) else {}

    def report(source: str, lineno: int, message: str, needle: str) -> None:
        path = f"{docs_rel}/{host.uri}"
        host.add_problem(template_problem(path, narrative[host.uri], source, lineno, message, needle, ("{{", "{%")))

    sandbox = PageSandbox(docs, macros, extra or {}, report)
    markdown_of: dict[str, str] = {}
    meta_of: dict[str, Mapping[str, Any]] = {}
    nav_titles = _nav_titles(config.get("nav"))
    for src in order:
        host.uri = src
        meta, _ = read_front_matter(f"{docs_rel}/{src}", narrative[src])
        body = _without_front_matter(narrative[src])
        if meta.get("render_macros", True) is not False:
            view = PageView(title=nav_titles.get(src, meta.get("title")), meta=meta, url=addresses[src])
            body = render_template(sandbox, body, {**(extra or {}), **meta, "page": view, "extra": extra or {}})
        markdown_of[src] = session.narrative(src, body)
        meta_of[src] = meta
    problems.extend(host.problems)
    for g in made:
        markdown_of[g.uri], meta_of[g.uri] = g.content, g.meta
    session.submit()
    records_of = {g.uri: g.record for g in made}

    def where_of(src: str) -> tuple[str, str]:
        """The file a page's problem is located in, and its text."""
        return source_of(root, ds, docs_rel, src, records_of.get(src), narrative.get(src, ""))

    # pass 3: every page's Markdown converted, its title known; every link to a page's anchor checked
    pages: dict[str, Converted] = {}
    titles: dict[str, str] = {}
    todo = [(src, markdown_of[src], addresses[src]) for src in sources]
    ahead = Conversions(todo, addresses, extensions, ext_settings)  # its workers finish the pages too
    try:
        for src, page in [(page[0], ahead.convert(page, addresses)) for page in todo]:
            if not isinstance(page, Converted):  # over its budget of processor time
                made_here, record = src not in narrative, records_of.get(src)
                problems.append(render_problem(ds, docs_rel, src, addresses[src], record, made_here, page))
                continue
            pages[src] = page
            titles[src] = _title(src, meta_of[src], page.title, nav_titles.get(src))
            problems.extend(link_problem(*where_of(src), link, message) for link, message in page.unknown_links)
        problems.extend(link_problem(*where_of(src), link, message) for src, link, message in missing_anchors(pages))
        if problems:
            return None, sorted(set(problems))

        # pass 4: all notes formatted at once; each page finished
        try:
            session.format()
        except CiteError as exc:
            message = f"the citation style could not be used: {exc}"
            return None, [option_problem(root, "refsite", "style", message)]
        refs = {src: PageRef(src, addresses[src], titles[src]) for src in sources}
        finish_ahead(ahead, session, info, ((pages[src].html, refs[src]) for src in sources))
        bodies = {src: finished_page(ahead, session, info, pages[src].html, refs[src], refs) for src in sources}
    finally:
        ahead.close()
    model = SiteModel(directory_urls=directory_urls)
    in_nav = {g.uri: g.in_nav for g in made}
    where = site_url or urlsplit(begun.site_url or "/").path or "/"
    theme = config.get("theme") if isinstance(config.get("theme"), dict) else {}
    head = {
        "address": site_url,
        "name": site_name,
        "description": str(config.get("site_description") or ""),
        "licence": options.licence or str(config.get("copyright") or ""),
        "language": str((theme or {}).get("language") or ""),
    }
    for src in sources:
        description = meta_of[src].get("description")
        rid = records_of.get(src)
        notices = page_notices(
            ds,
            ds.records.get(rid) if rid is not None else None,
            repo_url=str(config.get("repo_url") or ""),
            page_address=where + addresses[src],
            title=titles[src] or site_name,
        )
        model.add(
            SitePage(
                src=src,
                url=addresses[src],
                title=titles[src],
                description=html.unescape(clean_title(description)) if isinstance(description, str) else "",
                body=bodies[src],
                homepage=addresses[src] == "",
                in_nav=in_nav.get(src, True),
                notices=notices,
                head=page_head(ds, rid, addresses[src], titles[src], not addresses[src], site=head, version=version),
            )
        )
    model.files = {**statics, **{name: text.encode("utf-8") for name, text in files.items()}}
    model.nav = (
        _nav(config.get("nav"), titles, addresses)
        if config.get("nav")
        else _auto_nav([s for s in sources if in_nav.get(s, True)], titles, addresses)
    )
    redirects = plugin_options(config, "redirects").get("redirect_maps")
    model.redirects = {str(k): str(v) for k, v in (redirects or {}).items()} if isinstance(redirects, dict) else {}
    model.settings = _settings(config, options, site_url)
    return model, []


def _without_front_matter(text: str) -> str:
    from .dataset import FRONT_MATTER_RE

    m = FRONT_MATTER_RE.match(text)
    return text[m.end() :].lstrip("\n") if m else text


def _settings(config: Mapping[str, Any], options: Options, site_url: str) -> dict[str, Any]:
    """The site-wide values a builder of the same pages needs (``site_url``: the published address)."""
    theme = config.get("theme") if isinstance(config.get("theme"), dict) else {"name": config.get("theme")}
    scripts = [str(s) for s in config.get("extra_javascript") or []]
    if options.cite_page and SCRIPT_URI not in scripts:
        scripts.append(SCRIPT_URI)
    return {
        "site_name": str(config.get("site_name") or ""),
        "site_url": site_url,
        "site_description": str(config.get("site_description") or ""),
        "site_author": str(config.get("site_author") or ""),
        "copyright": str(config.get("copyright") or ""),
        "repo_url": str(config.get("repo_url") or ""),
        "theme": {
            "name": (theme or {}).get("name") or "material",
            "language": (theme or {}).get("language") or "en",
            "features": list((theme or {}).get("features") or []),
            "palette": (theme or {}).get("palette"),
            "font": (theme or {}).get("font"),
        },
        "extra_css": [str(s) for s in config.get("extra_css") or []],
        "extra_javascript": scripts,
    }


__all__ = [
    "Generated",
    "bibliography_stub",
    "build_pages",
    "edit_url",
    "generated",
    "link_problem",
    "page_head",
    "render_problem",
    "site_version",
    "source_of",
]
