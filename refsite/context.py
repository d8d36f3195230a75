"""The build context: the one owner of every cache and per-build setting of the engine.

No module of the engine keeps state of its own. A module that memoises declares a named slot
(:class:`MemoSlot`, :class:`StoreSlot`: immutable handles), and the values live in the
:class:`BuildContext` in force, so that one call, :meth:`BuildContext.forget`, drops them all.
A build runs in the context of its thread; the live preview keeps one context for its builder
between rebuilds (:func:`using`), and an edit of mkdocs.yml, ``overrides/`` or macros.py forgets it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .memo import Memo

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")


class BuildContext:
    """Every cache of the engine (by slot name), the date format of pages and tables, and the
    sets that note which record fields a page reads (see ``Dataset.reading``)."""

    def __init__(self) -> None:
        self._slots: dict[str, Any] = {}
        self.date_format = "long"
        self.field_readers: list[set[tuple[str, str]]] = []

    def slot(self, name: str, make: Callable[[], T]) -> T:
        """The value of slot ``name``, made by ``make()`` the first time."""
        value = self._slots.get(name)
        if value is None:
            value = self._slots[name] = make()
        return value  # type: ignore[no-any-return]

    def tally(self, name: str) -> None:
        """Count one more of ``name`` (a pandoc run, say) in this context."""
        counts: dict[str, int] = self.slot("tallies", dict)
        counts[name] = counts.get(name, 0) + 1

    def tallied(self, name: str) -> int:
        """How many of ``name`` were counted in this context since it was made or forgotten."""
        counts: dict[str, int] = self.slot("tallies", dict)
        return counts.get(name, 0)

    def slots(self) -> list[str]:
        """The names of the slots that hold something."""
        return sorted(self._slots)

    def forget(self) -> None:
        """Drop every cache: what is asked next is worked out again."""
        self._slots.clear()


_CURRENT: ContextVar[BuildContext] = ContextVar("refsite_build_context")


def current() -> BuildContext:
    """The context in force (a thread that set none gets its own on first use)."""
    ctx = _CURRENT.get(None)
    if ctx is None:
        ctx = BuildContext()
        _CURRENT.set(ctx)
    return ctx


@contextlib.contextmanager
def using(ctx: BuildContext) -> Iterator[BuildContext]:
    """Run the block in ``ctx`` (the preview's builder keeps its own between rebuilds)."""
    token = _CURRENT.set(ctx)
    try:
        yield ctx
    finally:
        _CURRENT.reset(token)


@dataclass(frozen=True)
class MemoSlot(Generic[T]):
    """A named :class:`~refsite.memo.Memo` in the context in force."""

    name: str
    size: int = 8192

    def memo(self) -> Memo[T]:
        """This slot's memo in the context in force."""
        return current().slot(self.name, lambda: Memo[T](self.size))

    def get(self, make: Callable[[], T], *key: str | bytes) -> T:
        """The value for ``key``, made by ``make()`` the first time in this context."""
        return self.memo().get(make, *key)


@dataclass(frozen=True)
class StoreSlot(Generic[K, V]):
    """A named dictionary in the context in force: ``SLOT()`` is it."""

    name: str

    def __call__(self) -> dict[K, V]:
        return current().slot(self.name, dict)


__all__ = ["BuildContext", "MemoSlot", "StoreSlot", "current", "using"]
