"""A budget of processor time for one piece of work, so that content cannot keep a build busy for
minutes: Markdown that makes the renderer backtrack (thousands of ``[a](`` or ``<a ``, say) is a
located error once a page has used its budget, not a hang.

The budget counts the processor time of this process (``ITIMER_PROF``), not the clock, so a busy
machine does not make a good page fail. It needs a POSIX system and the main thread (where Python
runs signal handlers); elsewhere the work runs unbounded.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

#: Processor seconds one page may take to render when ``REFSITE_RENDER_BUDGET`` does not say.
RENDER_SECONDS = 20.0


class OverBudget(Exception):
    """The work used up its budget of processor time."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"over its budget of {seconds:g} s of processor time")
        self.seconds = seconds


def render_seconds() -> float:
    """The budget of one page: ``REFSITE_RENDER_BUDGET`` (seconds, above 0) or :data:`RENDER_SECONDS`."""
    try:
        value = float(os.environ.get("REFSITE_RENDER_BUDGET", ""))
    except ValueError:
        return RENDER_SECONDS
    return value if 0 < value < float("inf") else RENDER_SECONDS


@contextlib.contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Raise :class:`OverBudget` inside the block once it has used ``seconds`` of processor time."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def over(signum: int, frame: FrameType | None) -> None:
        raise OverBudget(seconds)

    previous = signal.signal(signal.SIGPROF, over)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


__all__ = ["RENDER_SECONDS", "OverBudget", "cpu_budget", "render_seconds"]
