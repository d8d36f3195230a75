"""Pages converted and finished ahead, in other processes, while this one works on the rest.

Converting Markdown is most of a large build's work, and each page's conversion depends only on
its own Markdown and on the addresses of the site's files. :class:`Conversions` hands the later
part of a build's pages to worker processes (forked, so they start with the data already in
memory) before the build reaches them; the build converts the earlier part itself meanwhile, and
takes each later page's result when it gets there. A page whose Markdown or address is not what
was handed over is converted where it stands, so the output is the same with or without workers.

Once the notes are formatted, the same workers finish the pages (:meth:`Conversions.finish_ahead`:
notes in place, "cite this page", the allow-list) while this process hands the finished ones to the
theme, again checked against what it would finish itself.

``REFSITE_JOBS`` sets how many processes convert (1: this one alone); by default, one per
processor. Fewer than :data:`MIN_PAGES` pages are converted here alone: a worker would cost more
than it saves.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Mapping, Sequence
from multiprocessing.pool import AsyncResult, Pool
from typing import Any

from .budget import OverBudget, cpu_budget, render_seconds
from .markdown_html import Converted, convert

#: Below this many pages, no worker process is started.
MIN_PAGES = 100
#: Pages a worker converts per task.
CHUNK = 40
#: How much lower a worker's priority is than the build's.
NICENESS = 10

Page = tuple[str, str, str]  # (source path, Markdown, address)
Outcome = Converted | float  # the conversion, or the budget in seconds it went over


def jobs() -> int:
    """How many processes convert pages: ``REFSITE_JOBS`` (1 or more), else one per processor."""
    value = os.environ.get("REFSITE_JOBS", "").strip()
    if value.isdigit() and int(value) >= 1:
        return int(value)
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def convert_within_budget(
    page: Page, addresses: Mapping[str, str], extensions: list[Any], settings: Mapping[str, Mapping[str, Any]]
) -> Outcome:
    """One page converted within its budget of processor time (the budget's seconds when over it)."""
    src, text, address = page
    try:
        with cpu_budget(render_seconds()):
            return convert(text, src, address, addresses, extensions, settings)
    except OverBudget as exc:
        return exc.seconds


def _lower_priority() -> None:
    """A worker's start: the lowest useful priority, so the build's own processes come first."""
    with contextlib.suppress(OSError):
        os.nice(NICENESS)


def _convert_chunk(
    pages: list[Page], addresses: Mapping[str, str], extensions: list[Any], settings: Mapping[str, Mapping[str, Any]]
) -> list[Outcome]:
    return [convert_within_budget(page, addresses, extensions, settings) for page in pages]


class Conversions:
    """The later part of ``pages`` (in the order the build converts them) converted by worker
    processes; :meth:`take` gives a page's result if it was handed over with the same input."""

    def __init__(
        self,
        pages: Sequence[Page],
        addresses: Mapping[str, str],
        extensions: list[Any],
        settings: Mapping[str, Mapping[str, Any]],
        processes: int | None = None,
    ) -> None:
        self.given, self.addresses = addresses, dict(addresses)
        self.extensions, self.settings = extensions, settings
        self.handed: dict[str, tuple[Page, AsyncResult[list[Outcome]], int]] = {}
        self.finishing: dict[str, tuple[object, AsyncResult[list[str]], int]] = {}
        self.pool: Pool | None = None
        workers = (processes if processes is not None else jobs()) - 1
        if workers < 1 or len(pages) < MIN_PAGES or "fork" not in multiprocessing.get_all_start_methods():
            return
        # This process converts its share first; the workers take the rest, chunk by chunk.
        later = list(pages[len(pages) // (workers + 1) :])
        # The workers yield to the build's own processes (pandoc formatting the notes beside it, above
        # all): they take a processor only when nothing else of the build wants it.
        self.pool = multiprocessing.get_context("fork").Pool(workers, initializer=_lower_priority)
        for start in range(0, len(later), CHUNK):
            chunk = later[start : start + CHUNK]
            result = self.pool.apply_async(_convert_chunk, (chunk, self.addresses, extensions, settings))
            for i, page in enumerate(chunk):
                self.handed[page[0]] = (page, result, i)

    def take(self, page: Page, addresses: Mapping[str, str]) -> Outcome | None:
        """The result for ``page`` if a worker converted it from the same Markdown, address and
        addresses; None otherwise (convert it here)."""
        handed = self.handed.pop(page[0], None)
        if handed is None or handed[0] != page or (addresses is not self.given and addresses != self.addresses):
            return None
        _, result, i = handed
        return result.get()[i]

    def convert(self, page: Page, addresses: Mapping[str, str]) -> Outcome:
        """``page`` converted: a worker's result when it has one, else converted here."""
        found = self.take(page, addresses)
        if found is not None:
            return found
        return convert_within_budget(page, addresses, self.extensions, self.settings)

    def finish_ahead(self, finish: Callable[[list[Any]], list[str]], pages: Sequence[tuple[str, object]]) -> bool:
        """Hand each page's finishing to the workers, in the order the build takes the pages:
        ``finish`` (a module-level function, or a partial of one over plain data) finishes a chunk
        of the pages' inputs. False, and nothing handed, where there are no workers."""
        if self.pool is None:
            return False
        self.handed.clear()  # a page not converted ahead by now never will be
        for start in range(0, len(pages), CHUNK):
            chunk = pages[start : start + CHUNK]
            result = self.pool.apply_async(finish, ([given for _, given in chunk],))
            for i, (key, given) in enumerate(chunk):
                self.finishing[key] = (given, result, i)
        return True

    def finished(self, key: str, given: object) -> str | None:
        """The page ``key`` as a worker finished it from the same input; None otherwise (finish it here)."""
        handed = self.finishing.pop(key, None)
        if handed is None or handed[0] != given:
            return None
        _, result, i = handed
        return result.get()[i]

    def close(self) -> None:
        """Stop the workers (those still at work are ended)."""
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
        self.handed.clear()
        self.finishing.clear()


__all__ = ["CHUNK", "MIN_PAGES", "Conversions", "convert_within_budget", "jobs"]
