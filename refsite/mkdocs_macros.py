"""Macros for narrative pages, registered by the project's ``macros.py``.

One of the two modules that import MkDocs (through mkdocs-macros); the views
they return are rendered by the plain-Python engine.
"""

from __future__ import annotations

from typing import Any

from .model import KINDS, Record, as_text
from .problems import Problem, did_you_mean
from .render import views
from .render.text import PageContext, esc, quote_text
from .render.views import neutral_name
from .validate import check_date, check_locator


def _plugin(env: Any) -> Any:
    plugin = env.conf["plugins"].get("refsite")
    if plugin is None:
        raise RuntimeError("the 'refsite' plugin must be listed in mkdocs.yml plugins, after 'macros'")
    return plugin


def define_env(env: Any) -> None:
    """Register the refsite macros with mkdocs-macros."""
    m = _Macros(env)
    for name in ("link", "cite", "positions", "records", "timeline", "stances", "names", "count", "quote"):
        env.macro(getattr(m, name), name)


class _Macros:
    def __init__(self, env: Any) -> None:
        self.env = env

    # -- helpers ---------------------------------------------------------------

    @property
    def plugin(self) -> Any:
        return _plugin(self.env)

    @property
    def ds(self) -> Any:
        return self.plugin.dataset

    def ctx(self) -> PageContext:
        page = self.env.page
        ctx: PageContext = self.plugin.context_for(page.file.src_uri)
        return ctx

    def problem(self, needle: str, message: str) -> str:
        """Record a located problem for the current page; the build fails once, at the end."""
        page = self.env.page
        path = f"{self.plugin.docs_rel}/{page.file.src_uri}"
        line, col = 1, 1
        fallback = None
        for i, text in enumerate(self._source().splitlines(), 1):
            pos = text.find(needle)
            if pos < 0:
                continue
            if "{{" in text or "{%" in text:
                line, col = i, pos + 1
                break
            fallback = fallback or (i, pos + 1)
        else:
            if fallback:
                line, col = fallback
        self.plugin.problems.append(Problem(path, line, col, message))
        return f"**{esc(message)}**"

    def record(self, rid: str, kinds: tuple[str, ...] = KINDS) -> Record | None:
        rec: Record | None = self.ds.get(rid)
        if rec is None or rec.kind not in kinds:
            pool = [r.id for r in self.ds.records.values() if r.kind in kinds]
            what = "/".join(kinds) if kinds != KINDS else "record"
            self.problem(rid, f"unknown {what} '{rid}'{did_you_mean(rid, pool)}")
            return None
        return rec

    def _source(self) -> str:
        try:
            return str(self.env.page.file.content_string)
        except Exception:
            return ""

    def _filter(self, kind: str, **filters: Any) -> list[Record] | None:
        recs = list(self.ds.of_kind(kind))
        for name, kinds in (
            ("actor", ("actor",)),
            ("topic", ("topic",)),
            ("place", ("place",)),
            ("proposal", ("proposal",)),
        ):
            value = filters.get(name)
            if value is None:
                continue
            if self.record(value, kinds) is None:
                return None
            recs = [
                r
                for r in recs
                if value in r.refs(name)
                or value in r.refs(name + "s")
                or (name == "actor" and value in r.refs("proposed_by"))
                or (name == "place" and value in (r.get("islands") or {}))
            ]
        since, until = filters.get("since"), filters.get("until")
        for bound in (since, until):
            if bound is not None and (msg := check_date(bound)):
                self.problem(as_text(bound), msg)
                return None
        if since is not None or until is not None:
            recs = [r for r in recs if r.date]  # an undated record is in no date range
        if since is not None:
            recs = [r for r in recs if r.date[: len(as_text(since))] >= as_text(since)]
        if until is not None:
            recs = [r for r in recs if r.date[: len(as_text(until))] <= as_text(until)]
        return recs

    # -- macros ------------------------------------------------------------------

    def link(self, rid: str, text: str | None = None) -> str:
        """A link to a record's page: ``{{ link("abe-shinzo") }}``."""
        rec = self.record(rid)
        if rec is None:
            return esc(rid)
        return self.ctx().link(rec, text)

    def cite(self, key: str, locator: str = "", note: str = "") -> str:
        """A footnote citing a bibliography entry: ``{{ cite("pajon2013", "p. 15") }}``."""
        if key not in self.ds.bib:
            return self.problem(key, f"unknown citation key '{key}'{did_you_mean(key, self.ds.bib)}")
        if locator and (msg := check_locator(locator)):
            return self.problem(locator, msg)
        return self.ctx().cite(key, locator, note)

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
        if recs is None:
            return ""
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
        if kind not in KINDS:
            return self.problem(kind, f"unknown record kind '{kind}'{did_you_mean(kind, KINDS)}")
        recs = self._filter(kind, actor=actor, topic=topic, place=place, since=since, until=until)
        if recs is None:
            return ""
        return views.record_list(self.ctx(), self.ds, recs)

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
        if recs is None:
            return ""
        return views.timeline(self.ctx(), self.ds, recs)

    def stances(self, proposal: str) -> str:
        """Every actor's recorded stance on a proposal, and what it means per island."""
        rec = self.record(proposal, ("proposal",))
        if rec is None:
            return ""
        return views.islands_table(self.ctx(), self.ds, rec) + "\n" + views.stance_table(self.ctx(), self.ds, rec)

    def names(self, place: str) -> str:
        """A place's names, each with the side that uses it: 'Etorofu (Japan's name) / Iturup (Russia's name)'."""
        rec = self.record(place, ("place",))
        if rec is None:
            return ""
        label = esc(neutral_name(self.ds, rec))
        return self.ctx().link(rec, None).replace(f"[{esc(rec.label)}]", f"[{label}]", 1)

    def count(self, kind: str) -> str:
        """How many records of a kind the reference holds."""
        if kind not in KINDS:
            return self.problem(kind, f"unknown record kind '{kind}'{did_you_mean(kind, KINDS)}")
        return str(len(self.ds.of_kind(kind)))

    def quote(self, text: str) -> str:
        """A short quotation, marked as one."""
        return quote_text(text)
