"""Macros for narrative pages, registered by the project's ``macros.py``.

One of the two modules that import MkDocs (through mkdocs-macros). Every call's arguments
are checked with the same rules as ``make check``; a bad call becomes a located problem
and the build fails once, at the end, listing all of them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from .dataset import locate
from .macro_args import SIGNATURES, ArgProblem, bind, check_args
from .model import Record, as_text
from .problems import Problem
from .render import grid, svg_map, timeline_svg, views
from .render.text import PageContext, esc, quote_text
from .render.views import neutral_name


def _plugin(env: Any) -> Any:
    plugin = env.conf["plugins"].get("refsite")
    if plugin is None:
        raise RuntimeError("the 'refsite' plugin must be listed in mkdocs.yml plugins, after 'macros'")
    return plugin


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


def define_env(env: Any) -> None:
    """Register the refsite macros with mkdocs-macros."""
    macros = _Macros(env)
    for name in SIGNATURES:
        env.macro(macros.checked(name), name)


class _Macros:
    def __init__(self, env: Any) -> None:
        self.env = env
        self._sources: dict[str, list[str]] = {}
        self._count: dict[tuple[str, str, int], int] = {}

    # -- plumbing --------------------------------------------------------------------

    @property
    def plugin(self) -> Any:
        return _plugin(self.env)

    @property
    def ds(self) -> Any:
        return self.plugin.dataset

    def ctx(self) -> PageContext:
        ctx: PageContext = self.plugin.context_for(self.env.page.file.src_uri)
        return ctx

    def _lines(self, uri: str) -> list[str]:
        """The page's source lines, read once per page and only when a problem needs locating."""
        if uri not in self._sources:
            try:
                self._sources[uri] = str(self.env.page.file.content_string).splitlines()
            except (OSError, UnicodeDecodeError):
                self._sources[uri] = []
        return self._sources[uri]

    def checked(self, name: str) -> Callable[..., str]:
        """The macro ``name``, its arguments checked before it runs."""
        impl: Callable[..., str] = getattr(self, name)

        def macro(*args: Any, **kwargs: Any) -> str:
            uri = self.env.page.file.src_uri
            lineno = _template_line() or 1
            nth = self._count.get((uri, name, lineno), 0)  # a loop repeats the calls of one line
            self._count[(uri, name, lineno)] = nth + 1
            bound, problems = bind(name, args, kwargs)
            if not problems:
                problems = check_args(name, bound, self.ds.records, self.ds.bib)
            if problems:
                return self._report(uri, lineno, nth, name, problems)
            return impl(**bound)

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
        path = f"{self.plugin.docs_rel}/{uri}"
        for p in problems:
            needle = str(p.value) if p.param else f"{name}("
            line, column = locate(lines, lineno, needle, max(col, 0))
            self.plugin.problems.append(Problem(path, line, column, p.message))
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
        """A place's names, each with the side that uses it: 'Etorofu (Japan's name) / Iturup (Russia's name)'."""
        return self.ctx().link(self.ds.get(place), neutral_name(self.ds, self.ds.get(place)))

    def count(self, kind: str) -> str:
        """How many records of a kind the reference holds."""
        return str(len(self.ds.of_kind(kind)))

    def quote(self, text: str) -> str:
        """A short quotation, marked as one."""
        return quote_text(text)
