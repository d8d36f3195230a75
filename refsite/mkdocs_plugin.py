"""The MkDocs plugin: generated pages, footnotes, bibliography, downloads.

This is one of the two modules that import MkDocs; the engine underneath is plain Python.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from .bibcsl import ConversionError, bib_source, bib_texts, csl_items
from .cite import Batch, CiteError, Formatter, Pending, Result, join_notes, style_digest
from .dataset import Dataset, load_project
from .footnotes import in_reading_order
from .inline import has_citation, replace_in_page
from .model import KIND_TITLES, KINDS, PLURAL
from .problems import Problem, summary_line
from .render.pages import front_matter, index_page, record_page
from .render.text import PageContext, src_uri

log = logging.getLogger("mkdocs.plugins.refsite")

DEFAULT_STYLE = Path(__file__).parent / "styles" / "chicago-fullnote-bibliography.csl"
TOKEN_RE = re.compile(r"zRSCITE(\d+)n(\d+)z")
BIB_TOKEN = "zRSBIBLIOGRAPHYz"
TITLE_SLOT = "zRSPAGETITLEz"
URL_SLOT = "https://refsite.invalid/zRSPAGEURLz"
_FORMATTERS: dict[tuple[str, str], Formatter] = {}


def resolve_style(root: Path, value: str | None) -> Path:
    """A CSL file: a path relative to the project, or the name of a bundled style ('apa')."""
    if not value:
        return DEFAULT_STYLE
    bundled = DEFAULT_STYLE.parent / (value if value.endswith(".csl") else f"{value}.csl")
    if "/" not in value and bundled.is_file():
        return bundled
    path = Path(value)
    return path if path.is_absolute() else root / path


class RefsiteConfig(base.Config):
    """Options of the ``refsite`` plugin in mkdocs.yml."""

    style = c.Optional(c.Type(str))
    lang = c.Type(str, default="en-US")
    edit_root = c.Optional(c.Type(str))
    bibliography_page = c.Type(str, default="bibliography.md")
    cite_page = c.Type(bool, default=True)
    require_claim_citations = c.Type(bool, default=False)


def formatter_for(style: Path, lang: str) -> Formatter:
    """One formatter per style and language, kept across serve rebuilds (its cache too)."""
    key = (str(style.resolve()), lang)
    fmt = _FORMATTERS.get(key)
    if fmt is None or fmt.style_hash != style_digest(style):
        fmt = _FORMATTERS[key] = Formatter(style, lang)
    return fmt


class RefsitePlugin(BasePlugin[RefsiteConfig]):
    """Turns data/ and bib/ into pages, footnotes and a bibliography."""

    def __init__(self) -> None:
        self.report: Callable[[Problem], None] = self._log_problem
        self.problems: list[Problem] = []
        self.dataset: Dataset | None = None
        self.contexts: dict[str, PageContext] = {}
        self.record_of: dict[str, str] = {}
        self.result: Result | None = None
        self.pages: dict[str, Page] = {}
        self.cited_by: dict[str, list[str]] = {}
        self.page_item: dict[str, Any] = {}
        self.pending: Pending | None = None
        self.order: list[PageContext] = []

    @staticmethod
    def _log_problem(p: Problem) -> None:
        (log.error if p.is_error else log.warning)(str(p))

    def fail(self, problems: list[Problem]) -> None:
        """Report every problem, then stop the build once."""
        for p in problems:
            self.report(p)
        raise PluginError(f"refsite: {summary_line(problems)}")

    # -- configuration and data -------------------------------------------------

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.root = Path(config.config_file_path).resolve().parent
        docs_dir = Path(config.docs_dir).resolve()
        self.docs_rel = docs_dir.relative_to(self.root).as_posix() if docs_dir.is_relative_to(self.root) else "docs"
        self.problems = []
        self.contexts = {}
        self.record_of = {}
        self.pages = {}
        self.result = None
        self.pending = None
        dataset, problems = load_project(self.root, self.docs_rel)
        if any(p.is_error for p in problems) or (problems and config.strict):
            self.fail(problems)
        for p in problems:
            self.report(p)
        self.dataset = dataset
        style = resolve_style(self.root, self.config.style)
        if not style.is_file():
            self.fail([self.style_problem(f"citation style file not found: {self.config.style}")])
        self.formatter = formatter_for(style, self.config.lang)
        texts = bib_texts(self.root)
        try:
            self.csl = csl_items(texts, dataset.bib)
        except ConversionError as exc:
            self.fail([Problem("bib", 1, 1, f"the bibliography could not be read by pandoc: {exc}")])
        self.bib_source = bib_source(texts, dataset.bib)
        return config

    def style_problem(self, message: str) -> Problem:
        """A problem located at the ``style:`` line of mkdocs.yml (or its first line)."""
        config_file = self.root / "mkdocs.yml"
        lines = config_file.read_text(encoding="utf-8").splitlines() if config_file.is_file() else []
        for i, line in enumerate(lines, 1):
            if line.strip().startswith("style:"):
                return Problem("mkdocs.yml", i, line.index("style:") + 1, message)
        return Problem("mkdocs.yml", 1, 1, message)

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        for sub in ("data", "bib"):
            if (self.root / sub).is_dir():
                server.watch(str(self.root / sub))
        return server

    def context_for(self, uri: str) -> PageContext:
        """The citation context of a page (created on first use)."""
        ctx = self.contexts.get(uri)
        if ctx is None:
            ctx = self.contexts[uri] = PageContext(uri, len(self.contexts))
        return ctx

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
        ds = self.dataset
        assert ds is not None
        for kind in KINDS:
            uri = f"{PLURAL[kind]}/index.md"
            if files.get_file_from_path(uri) is None:
                ctx = self.context_for(uri)
                files.append(File.generated(config, uri, content=index_page(ctx, ds, kind)))
            for rec in ds.of_kind(kind):
                uri = src_uri(rec)
                ctx = self.context_for(uri)
                self.record_of[uri] = rec.id
                content = record_page(ctx, ds, rec, self.edit_url(config, rec.path))
                # Record pages are reached from indexes and links, never from the nav.
                files.append(File.generated(config, uri, content=content, inclusion=InclusionLevel.NOT_IN_NAV))
        bib_uri = self.config.bibliography_page
        if files.get_file_from_path(bib_uri) is None:
            files.append(File.generated(config, bib_uri, content=self._bibliography_stub()))
        for name, text in self.downloads().items():
            files.append(File.generated(config, f"downloads/{name}", content=text))
        return files

    def _bibliography_stub(self) -> str:
        return (
            front_matter("Bibliography")
            + "# Bibliography\n\nEvery work the reference cites, in the citation style's order, "
            "with the pages that cite it. Download it as "
            "[BibTeX](downloads/references.bib) or [CSL-JSON](downloads/references.json); "
            "the whole dataset is [JSON](downloads/dataset.json).\n\n"
            f"{BIB_TOKEN}\n"
        )

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        uri = page.file.src_uri
        self.pages[uri] = page
        if page.file.generated_by and self.pending is None and not self.problems:
            # Narrative pages come first; from here on every citation is known, so the one
            # formatting batch starts now and runs beside MkDocs' own work.
            self.pending = self.formatter.submit(self._batch(config))
        if uri in self.record_of and self.dataset is not None:
            rec = self.dataset.records[self.record_of[uri]]
            page.edit_url = self.edit_url(config, rec.path)
        elif not page.file.generated_by and (uri in self.contexts or has_citation(markdown)):
            ctx = self.context_for(uri)
            markdown = ctx.merge_adjacent(replace_in_page(markdown, ctx.group))
            markdown = markdown.rstrip("\n") + "\n\n" + ctx.footnotes() + "\n"
        return markdown

    # -- one formatting batch ---------------------------------------------------------

    def _batch(self, config: MkDocsConfig) -> Batch:
        """Everything to format: each page's citations, the cited keys, the page-citation template."""
        order = sorted(self.contexts.values(), key=lambda ctx: ctx.index)
        cited_by: dict[str, list[str]] = {}
        for ctx in order:
            for cite in ctx.cites:
                pages = cited_by.setdefault(cite.key, [])
                if not pages or pages[-1] != ctx.uri:
                    pages.append(ctx.uri)
        self.cited_by = cited_by
        self.order = order
        self.page_item = {
            "id": "refsite-page",
            "type": "webpage",
            "author": [{"literal": config.site_name}],
            "title": TITLE_SLOT,
            "URL": URL_SLOT,
            "accessed": dt.date.today().isoformat(),
        }
        # Every page's citation has the same shape: format one template, fill in title and address per page.
        extra = [self.page_item] if self.config.cite_page else []
        return Batch([ctx.cites for ctx in order], self.csl, sorted(cited_by), extra, self.bib_source)

    def on_env(self, env: Any, config: MkDocsConfig, files: Files) -> Any:
        if self.problems:
            self.fail(sorted(set(self.problems)))
        batch = self._batch(config)
        try:
            self.formatter.collect(self.pending)
            self.pending = None
            try:
                result = self.formatter.assemble(batch)
            except KeyError:  # a page added citations after the batch started: format what is missing
                self.formatter.collect(self.formatter.submit(batch))
                result = self.formatter.assemble(batch)
        except CiteError as exc:
            self.fail([self.style_problem(f"the citation style could not be used: {exc}")])
        self.result = result
        pairs = zip(self.order, result.notes, strict=True)
        self.notes = {ctx.index: join_notes(ctx.notes, texts) for ctx, texts in pairs}
        return env

    def _note(self, match: re.Match[str]) -> str:
        notes = self.notes.get(int(match.group(1)), [])
        n = int(match.group(2))
        return notes[n - 1] if 0 < n <= len(notes) else match.group(0)

    @event_priority(50)
    def on_page_context(self, context: Any, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        if page.content:
            content = in_reading_order(TOKEN_RE.sub(self._note, page.content))
            if BIB_TOKEN in content:
                content = content.replace(f"<p>{BIB_TOKEN}</p>", self._bibliography_html(page))
            if self.config.cite_page:
                content += self._cite_this(page, config)
            page.content = content
        return context

    def _bibliography_html(self, page: Page) -> str:
        assert self.result is not None
        parts = ['<div class="refsite-bibliography">']
        section_of = {PLURAL[k]: title for k, title in KIND_TITLES.items()}
        for key, text in self.result.bibliography:
            groups: dict[str, list[str]] = {}
            for uri in self.cited_by.get(key, []):
                target = self.pages.get(uri)
                if target is None:
                    continue
                href = _relative_url(page.url, target.url)
                group = section_of.get(uri.split("/", 1)[0], "Guide") if "/" in uri else "Guide"
                groups.setdefault(group, []).append(
                    f'<a href="{html.escape(href)}">{html.escape(page_title(target) or uri)}</a>'
                )
            count = sum(len(v) for v in groups.values())
            order = ["Guide", *KIND_TITLES.values()]
            listed = "; ".join(f"{name}: {', '.join(groups[name])}" for name in sorted(groups, key=order.index))
            parts.append(
                f'<div class="refsite-entry" id="{html.escape(key)}"><p>{text}</p>'
                f'<p class="refsite-citedby">Cited on {count} page{"s" if count != 1 else ""}. {listed}.</p></div>'
            )
        parts.append("</div>")
        return "\n".join(parts)

    def _cite_this(self, page: Page, config: MkDocsConfig) -> str:
        assert self.result is not None
        title = page_title(page)
        url = (config.site_url or "") + page.url
        template = self.result.extra.get(self.page_item["id"], "")
        formatted = template.replace(TITLE_SLOT, html.escape(title)).replace(URL_SLOT, html.escape(url))
        slug = re.sub(r"[^a-z0-9]+", "-", page.file.src_uri.lower().removesuffix(".md")).strip("-") or "home"
        bibtex = (
            f"@online{{refsite-{slug},\n  title = {{{title}}},\n  organization = {{{config.site_name}}},\n"
            f"  url = {{{url}}},\n  urldate = {{{self.page_item['accessed']}}}\n}}"
        )
        return (
            '\n<details class="refsite-cite-page"><summary>Cite this page</summary>'
            f"<p>{formatted}</p><pre><code>{html.escape(bibtex)}</code></pre></details>\n"
        )

    # -- downloads ------------------------------------------------------------------

    def downloads(self) -> dict[str, str]:
        """The bibliography as BibTeX and CSL-JSON, and the whole dataset as JSON."""
        ds = self.dataset
        assert ds is not None
        bib_text = "\n".join(p.read_text(encoding="utf-8") for p in sorted((self.root / "bib").glob("*.bib")))
        records = [
            {"kind": rec.kind, "id": rec.id, "path": rec.path, "url": rec.url, **dict(rec.data)}
            for kind in KINDS
            for rec in ds.of_kind(kind)
        ]
        return {
            "references.bib": bib_text,
            "references.json": json.dumps(list(self.csl.values()), ensure_ascii=False, indent=1),
            "dataset.json": json.dumps(records, ensure_ascii=False, indent=1),
        }


def page_title(page: Page) -> str:
    """A page's title as plain text (record pages carry it HTML-escaped for the theme)."""
    return html.unescape(page.title or "")


def _relative_url(from_url: str, to_url: str) -> str:
    import posixpath

    base_dir = posixpath.dirname("/" + from_url) if not from_url.endswith("/") else "/" + from_url.rstrip("/")
    rel = posixpath.relpath("/" + to_url, base_dir or "/")
    return rel + ("/" if to_url.endswith("/") and not rel.endswith("/") else "")


__all__ = ["RefsitePlugin"]
