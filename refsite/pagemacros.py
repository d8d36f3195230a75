"""Narrative pages as templates: the sandbox they render in, and the macros they call.

Engine code, with no host type in it: :class:`PageSandbox` is the Jinja environment of narrative
pages (refsite's macros, ``extra`` and the page's title and metadata, nothing else; every refusal
and runtime error one located problem), :func:`render_template` renders one page's text in it,
and :class:`PageMacros` are the macros, as functions of the page being rendered (a
:class:`MacroHost` says which) and the dataset. Every call's arguments are checked with the same
rules as ``make check``. MkDocs reaches these through mkdocs-macros and a thin shim,
:mod:`refsite.mkdocs_host.macros`.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from .context import MemoSlot
from .dataset import Dataset, locate
from .macro_args import SIGNATURES, ArgProblem, bind, check_args
from .model import Record, as_text
from .problems import Problem
from .render import grid, svg_map, timeline_svg, views
from .render.pages import remembered
from .render.text import PageContext, date_format, esc, quote_text


def _template_line() -> int | None:
    """The line of the page template now running (a macro called in a loop or branch included)."""
    frame = sys._getframe(1)
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None and frame.f_code.co_filename == "<template>":
            try:
                return int(template.get_corresponding_lineno(frame.f_lineno))
            except (AttributeError, ValueError):
                return None
        frame = frame.f_back  # type: ignore[assignment]
    return None


PAGE_ATTRIBUTES = frozenset({"title", "meta", "url", "canonical_url", "is_homepage", "edit_url"})
"""What a page template may read of its page: no file paths, no build objects."""
_HIDDEN_MODULES = ("mkdocs", "material", "mkdocs_macros", "refsite", "super_collections", "jinja2.environment")
_QUOTED = re.compile(r"'([^']+)'")
_CLASS_NAME = re.compile(r"'(?:[A-Za-z_][\w]*\.)+(\w+) object'")


_COMPILED: MemoSlot[Any] = MemoSlot("macros.compiled", 1024)


class _DocsLoader(jinja2.FileSystemLoader):
    """Includes and imports come from files inside docs/ only (no symlink out, no absolute path)."""

    def __init__(self, docs: Path) -> None:
        super().__init__(str(docs))
        self.docs = docs

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        if not Path(filename).resolve().is_relative_to(self.docs):
            raise jinja2.TemplateNotFound(template)
        return source, filename, uptodate


@dataclass(frozen=True)
class PageView:
    """What a page template may read of its page: its title, metadata and addresses."""

    title: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    url: str = ""
    canonical_url: str | None = None
    is_homepage: bool = False
    edit_url: str | None = None

    def __getattr__(self, name: str) -> Any:
        """Any other attribute exists, as nothing: the sandbox then refuses it by name."""
        if name.startswith("__"):
            raise AttributeError(name)
        return None

    @classmethod
    def of(cls, page: Any) -> PageView:
        """The view of a host's page object (only the attributes named here are read)."""
        return cls(
            title=getattr(page, "title", None),
            meta=dict(getattr(page, "meta", None) or {}),
            url=str(getattr(page, "url", "") or ""),
            canonical_url=getattr(page, "canonical_url", None),
            is_homepage=bool(getattr(page, "is_homepage", False)),
            edit_url=getattr(page, "edit_url", None),
        )


class MacroHost(Protocol):
    """What the macros ask of the site builder running them."""

    def dataset(self) -> Dataset: ...
    def docs_rel(self) -> str: ...
    def page_uri(self) -> str: ...
    def page_text(self, uri: str) -> str: ...
    def context_for(self, uri: str) -> PageContext: ...
    def add_problem(self, problem: Problem) -> None: ...


def render_template(sandbox: PageSandbox, source: str, variables: Mapping[str, Any]) -> str:
    """A page's text rendered in the sandbox; a problem goes to the sandbox's ``report`` and the
    page renders as far as it can (an unparsable page renders empty)."""
    return str(sandbox.from_string(source).render(**variables))


class PageSandbox(SandboxedEnvironment):
    """The Jinja environment of narrative pages: refsite's macros, ``extra`` and the page's title and
    metadata, nothing else. Python internals, build objects, files outside docs/ and dumps of the
    configuration are refused; every refusal and runtime error is one located problem."""

    def __init__(
        self,
        docs: Path,
        macros: Mapping[str, Callable[..., str]],
        extra: Mapping[str, Any],
        report: Callable[[str, int, str, str], None],
        syntax: jinja2.Environment | None = None,
    ) -> None:
        """``docs``: the folder includes come from; ``macros``: the functions pages call; ``extra``:
        the ``extra`` settings of the site; ``report(source, line, message, needle)``: where a
        problem of the page being rendered goes; ``syntax``: an environment whose delimiters and
        handling of undefined names to keep (the host's)."""
        like = syntax or jinja2.Environment(undefined=jinja2.StrictUndefined)
        super().__init__(
            loader=_DocsLoader(docs.resolve()),
            undefined=like.undefined,
            block_start_string=like.block_start_string,
            block_end_string=like.block_end_string,
            variable_start_string=like.variable_start_string,
            variable_end_string=like.variable_end_string,
            comment_start_string=like.comment_start_string,
            comment_end_string=like.comment_end_string,
        )
        self.extra = dict(extra)
        self._report = report
        self.globals.pop("lipsum", None)
        self.globals.update({name: macros[name] for name in SIGNATURES if name in macros})
        self.filters = {name: _bounded(f, self.MAX_SIZE) for name, f in self.filters.items()}
        self.template_class = _PageTemplate

    intercepted_binops = frozenset({"*", "**", "%"})
    MAX_SIZE = 100_000
    MAX_OUTPUT = 4_000_000

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """``*``, ``**`` and ``%`` may not build a huge string, list or number (memory and time)."""
        if operator == "**" and isinstance(right, int) and abs(right) > 1000 and abs(left) > 1:
            raise SecurityError(f"the power {right} is too large")
        if operator == "*" and isinstance(left, int) != isinstance(right, int):
            seq, times = (right, left) if isinstance(left, int) else (left, right)
            if hasattr(seq, "__len__") and isinstance(times, int) and len(seq) * times > self.MAX_SIZE:
                raise SecurityError(f"a value longer than {self.MAX_SIZE} characters or items")
        if operator == "%" and isinstance(left, str):
            _check_format(left)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """A call from a page: no number above the size limit as an argument, no huge format width."""
        _check_sizes(args, kwargs, __self.MAX_SIZE)
        target = getattr(__obj, "__wrapped__", __obj)
        if getattr(target, "__name__", "") in ("format", "format_map") and isinstance(
            getattr(target, "__self__", None), str
        ):
            _check_format(target.__self__)
        return super().call(__context, __obj, *args, **kwargs)

    def concat(self, pieces: Any) -> str:  # type: ignore[override]
        """The page's text, refused once it grows past the output limit (a loop that never stops writing)."""
        out: list[str] = []
        size = 0
        for piece in pieces:
            size += len(piece)
            if size > self.MAX_OUTPUT:
                raise SecurityError(f"the page grows past {self.MAX_OUTPUT // 1_000_000} MB of text")
            out.append(piece)
        return "".join(out)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, PageView):
            return attr in PAGE_ATTRIBUTES
        if type(obj).__module__.startswith(_HIDDEN_MODULES) and not isinstance(obj, dict):
            return False
        return bool(super().is_safe_attribute(obj, attr, value))

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
        try:
            if isinstance(source, str):  # compiled once per text (the preview renders every page on every edit)
                code = _COMPILED.get(lambda: self.compile(source), self._compile_settings(), source)
                cls = template_class or self.template_class
                template = cls.from_code(self, code, self.make_globals(globals), None)
            else:
                template = super().from_string(source, globals, template_class)
        except jinja2.TemplateSyntaxError as exc:
            self.report(str(source), exc.lineno or 1, f"template syntax error: {exc.message}")
            return _Empty()
        if isinstance(template, _PageTemplate):
            template.refsite_source = str(source)
        return template

    def _compile_settings(self) -> str:
        """What compiled code depends on besides the text: the syntax and what the sandbox intercepts."""
        names = [
            "block_start_string",
            "block_end_string",
            "variable_start_string",
            "variable_end_string",
            "comment_start_string",
            "comment_end_string",
            "line_statement_prefix",
            "line_comment_prefix",
            "trim_blocks",
            "lstrip_blocks",
            "newline_sequence",
            "keep_trailing_newline",
            "optimized",
            "intercepted_binops",
            "intercepted_unops",
            "autoescape",
            "finalize",
            "is_async",
        ]
        settings = [repr(sorted(v) if isinstance(v, frozenset) else v) for v in (getattr(self, n) for n in names)]
        return repr([type(self).__qualname__, sorted(e for e in self.extensions), *settings])

    def variables(self, given: dict[str, Any]) -> dict[str, Any]:
        """The names a page may use: ``extra`` of mkdocs.yml, the page (title, metadata) and its own
        front matter. A host's page object is shown as a :class:`PageView`: nothing else of it."""
        page = given.get("page")
        view = page if isinstance(page, PageView) or page is None else PageView.of(page)
        meta = dict(view.meta) if view is not None else {}
        allowed = {"extra", "page", *self.extra, *meta}
        shown = {k: v for k, v in given.items() if k in allowed}
        if view is not None:
            shown["page"] = view
        return shown

    def report(self, source: str, lineno: int, message: str, needle: str = "") -> None:
        """One problem at ``lineno`` of the rendered text (the host locates it in the page's file)."""
        self._report(source, lineno, _CLASS_NAME.sub(r"'\1'", " ".join(message.split())), needle)


def template_problem(
    path: str, text: str, source: str, lineno: int, message: str, needle: str, starts: Sequence[str]
) -> Problem:
    """A problem at ``lineno`` of ``source`` (the text rendered: the page's file ``text`` without its
    front matter), located in the file at ``path``: at ``needle`` on that line, else at the first
    template delimiter of ``starts``, else at the line's start."""
    offset = text.count("\n") - source.count("\n") if source and text.endswith(source) else 0
    lines = text.splitlines()
    line = min(max(lineno + offset, 1), max(len(lines), 1))
    src = lines[line - 1] if lines else ""
    col = src.find(needle) if needle else -1
    if col < 0:
        col = min((i for i in (src.find(s) for s in starts) if i >= 0), default=0)
    return Problem(path, line, col + 1, message)


class _Empty:
    """What a page that cannot be parsed renders to (its problem is already reported)."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        return ""


class _PageTemplate(jinja2.Template):
    """A page template: rendered with the page's allowed names; a runtime error becomes a located problem."""

    refsite_source = ""

    def render(self, *args: Any, **kwargs: Any) -> str:
        env = self.environment
        assert isinstance(env, PageSandbox)
        try:
            return str(super().render(**env.variables(dict(*args, **kwargs))))
        except RecursionError:
            env.report(
                self.refsite_source,
                _template_lineno(sys.exc_info()[2]),
                "template error: a macro or include calls itself without end",
            )
        except jinja2.TemplateNotFound as exc:
            name = exc.name if isinstance(exc.name, str) else str(exc)
            env.report(
                self.refsite_source,
                _template_lineno(exc.__traceback__),
                f"template refused: '{name}' is not a file in docs/",
                name,
            )
        except SecurityError as exc:
            needle = m.group(1) if (m := _QUOTED.search(str(exc))) else ""
            env.report(self.refsite_source, _template_lineno(exc.__traceback__), f"template refused: {exc}", needle)
        except Exception as exc:  # any runtime error of a page template is the page's problem, located
            needle = m.group(1) if (m := _QUOTED.search(str(exc))) else ""
            env.report(self.refsite_source, _template_lineno(exc.__traceback__), f"template error: {exc}", needle)
        return ""


_FORMAT_WIDTH = re.compile(r"[%:{][^%{}]*?\d{6,}")


def _check_format(text: str) -> None:
    if _FORMAT_WIDTH.search(text):
        raise SecurityError("a format width above the size limit")


def _check_sizes(args: Any, kwargs: Any, limit: int) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > limit:
            raise SecurityError(f"the number {value} is above the size limit ({limit})")


def _bounded(f: Callable[..., Any], limit: int) -> Callable[..., Any]:
    """A filter refusing numbers above the size limit in its arguments (``center(10**9)``)."""

    @functools.wraps(f)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_sizes(args, kwargs, limit)
        if f.__name__ == "do_format" and args and isinstance(args[0], str):
            _check_format(args[0])
        return f(*args, **kwargs)

    return bounded


def _template_lineno(tb: TracebackType | None) -> int:
    """The line of the page template where an error was raised (the innermost frame of the page)."""
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


class PageMacros:
    """The macros of narrative pages, as functions of the page being rendered and the dataset.

    ``host`` says which page is being rendered, its citation context, its source text, the
    dataset and where problems go (see :class:`MacroHost`); :meth:`functions` are what a page's
    template calls, each checking its arguments first."""

    def __init__(self, host: MacroHost) -> None:
        self.host = host
        self._sources: dict[str, list[str]] = {}
        self._count: dict[tuple[str, str, int], int] = {}

    # -- plumbing --------------------------------------------------------------------

    @property
    def ds(self) -> Any:
        return self.host.dataset()

    def settings(self) -> str:
        """What every macro's text depends on besides the dataset: the date format and the map."""
        return f"{date_format()}|{self.ds.geo_fingerprint()}"

    def ctx(self) -> PageContext:
        return self.host.context_for(self.host.page_uri())

    def _lines(self, uri: str) -> list[str]:
        """The page's source lines, read once per page and only when a problem needs locating."""
        if uri not in self._sources:
            self._sources[uri] = self.host.page_text(uri).splitlines()
        return self._sources[uri]

    def functions(self) -> dict[str, Callable[..., str]]:
        """Every macro by name, its arguments checked before it runs."""
        return {name: self.checked(name) for name in SIGNATURES}

    def checked(self, name: str) -> Callable[..., str]:
        """The macro ``name``, its arguments checked before it runs."""
        impl: Callable[..., str] = getattr(self, name)

        def macro(*args: Any, **kwargs: Any) -> str:
            uri = self.host.page_uri()
            lineno = _template_line() or 1
            nth = self._count.get((uri, name, lineno), 0)  # a loop repeats the calls of one line
            self._count[(uri, name, lineno)] = nth + 1
            bound, problems = bind(name, args, kwargs)
            if not problems:
                problems = check_args(name, bound, self.ds.records, self.ds.bib)
            if problems:
                return self._report(uri, lineno, nth, name, problems)
            # made again only when what it read changed (a rebuild in the preview)
            call = f"{name}:{lineno}:{nth}:{sorted(bound.items())!r}"
            return remembered(self.ctx(), self.ds, self.settings(), partial(impl, **bound), call)

        macro.__name__ = name
        macro.__doc__ = impl.__doc__
        return macro

    def _report(self, uri: str, lineno: int, nth: int, name: str, problems: list[ArgProblem]) -> str:
        """Record each problem at its call: the ``nth`` call of ``name`` on line ``lineno``."""
        lines = self._lines(uri)
        text = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
        col = -1
        for _ in range(nth % max(1, text.count(f"{name}(")) + 1):
            col = text.find(f"{name}(", col + 1)
        path = f"{self.host.docs_rel()}/{uri}"
        for p in problems:
            needle = str(p.value) if p.param else f"{name}("
            line, column = locate(lines, lineno, needle, max(col, 0))
            self.host.add_problem(Problem(path, line, column, p.message))
        return f"**{esc(problems[0].message)}**"

    def _filter(self, kind: str, **filters: Any) -> list[Record]:
        recs = list(self.ds.of_kind(kind))
        for name in ("actor", "topic", "place", "proposal"):
            value = filters.get(name)
            if value is None:
                continue
            recs = [
                r
                for r in recs
                if value in r.refs(name)
                or value in r.refs(name + "s")
                or (name == "actor" and value in r.refs("proposed_by"))
                or (name == "place" and value in (r.get("islands") or {}))
            ]
        since, until = filters.get("since"), filters.get("until")
        if since is not None or until is not None:
            recs = [r for r in recs if r.date]  # an undated record is in no date range
        if since is not None:
            recs = [r for r in recs if r.date[: len(as_text(since))] >= as_text(since)]
        if until is not None:
            recs = [r for r in recs if r.date[: len(as_text(until))] <= as_text(until)]
        return recs

    # -- macros (arguments already checked) ---------------------------------------------

    def link(self, id: str, text: str | None = None) -> str:
        """A link to a record's page: ``{{ link("abe-shinzo") }}``."""
        return self.ctx().link(self.ds.get(id), text)

    def cite(self, key: str, locator: str = "", note: str = "") -> str:
        """A footnote citing a bibliography entry: ``{{ cite("pajon2013", "p. 15") }}``."""
        return self.ctx().cite(key, locator or "", note or "")

    def positions(
        self,
        actor: str | None = None,
        topic: str | None = None,
        proposal: str | None = None,
        since: Any = None,
        until: Any = None,
        group: bool = False,
    ) -> str:
        """Positions filtered by actor, topic, proposal and date, newest first."""
        recs = self._filter("position", actor=actor, topic=topic, proposal=proposal, since=since, until=until)
        recs = sorted(recs, key=lambda p: (p.date, p.id), reverse=True)
        if group:
            return views.positions_by_actor(self.ctx(), self.ds, recs)
        return views.positions_list(self.ctx(), self.ds, recs, actor=actor is None, topic=topic is None)

    def records(
        self,
        kind: str,
        actor: str | None = None,
        topic: str | None = None,
        place: str | None = None,
        since: Any = None,
        until: Any = None,
    ) -> str:
        """A list of records of one kind, filtered by actor, topic, place and date."""
        recs = self._filter(kind, actor=actor, topic=topic, place=place, since=since, until=until)
        return views.record_list(self.ctx(), self.ds, recs) if recs else "*None recorded.*\n"

    def timeline(
        self,
        since: Any = None,
        until: Any = None,
        topic: str | None = None,
        actor: str | None = None,
        place: str | None = None,
    ) -> str:
        """Events in date order, grouped by year, with summaries and footnotes."""
        recs = self._filter("event", actor=actor, topic=topic, place=place, since=since, until=until)
        return views.timeline(self.ctx(), self.ds, recs)

    def timeline_chart(
        self,
        since: Any = None,
        until: Any = None,
        topic: str | None = None,
        actor: str | None = None,
        place: str | None = None,
    ) -> str:
        """The events as a picture: a time axis, one lane per kind, eras shaded; undated events apart."""
        recs = self._filter("event", actor=actor, topic=topic, place=place, since=since, until=until)
        if since is not None or until is not None:  # events without a date stay, in their own group
            undated = self._filter("event", actor=actor, topic=topic, place=place)
            recs += [r for r in undated if not r.date]
        return timeline_svg.timeline_chart(self.ctx(), self.ds, recs, since=since, until=until)

    def map(self, place: str | None = None, proposal: str | None = None, caption: str | None = None) -> str:
        """The locator map: a place highlighted, or the islands shaded by what a proposal would do."""
        outcomes = self.ds.get(proposal).get("islands") if proposal else None
        return svg_map.locator_map(self.ctx(), self.ds, highlight=place, outcomes=outcomes, caption=caption or "")

    def island_comparison(self) -> str:
        """Proposals side by side against the islands: who would hold each, and the areas where given."""
        return grid.island_comparison(self.ctx(), self.ds, self.ds.of_kind("proposal"))

    def stances(self, proposal: str) -> str:
        """Every actor's recorded stance on a proposal, and what it means per island."""
        rec = self.ds.get(proposal)
        return views.islands_table(self.ctx(), self.ds, rec) + "\n" + views.stance_table(self.ctx(), self.ds, rec)

    def stance_matrix(self) -> str:
        """Who stands where on every proposal: the actors under each stance, latest position of each."""
        return views.stance_matrix(self.ctx(), self.ds, self.ds.of_kind("proposal"))

    def names(self, place: str) -> str:
        """A link to a place under both sides' names, 'Etorofu / Iturup': which side uses which in its
        title, and in words after it on the page's first mention."""
        return views.names_link(self.ctx(), self.ds, self.ds.get(place))

    def count(self, kind: str) -> str:
        """How many records of a kind the reference holds."""
        return str(len(self.ds.of_kind(kind)))

    def quote(self, text: str) -> str:
        """A short quotation, marked as one."""
        return quote_text(text)


__all__ = ["MacroHost", "PageMacros", "PageSandbox", "PageView", "render_template", "template_problem"]
