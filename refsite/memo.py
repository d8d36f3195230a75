"""Fingerprints of text, and a bounded memo for pure functions of text, kept across the rebuilds of
one process (the preview)."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def _hash(parts: tuple[str | bytes, ...]) -> hashlib.blake2b:
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part)
        h.update(b"\x00")
    return h


def digest(*parts: str | bytes) -> str:
    """A fingerprint of the parts, in order (none can run into the next)."""
    return _hash(parts).hexdigest()


class Memo(Generic[T]):
    """Results of a pure function, keyed by a digest of its text arguments; the oldest go first."""

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        self.values: OrderedDict[bytes, T] = OrderedDict()

    def get(self, make: Callable[[], T], *key: str | bytes) -> T:
        """The value for ``key``, made by ``make()`` the first time."""
        found = _hash(key).digest()
        value = self.values.get(found)
        if value is None:
            value = self.values[found] = make()
            if len(self.values) > self.size:
                self.values.popitem(last=False)
        else:
            self.values.move_to_end(found)
        return value

    def clear(self) -> None:
        """Forget every value."""
        self.values.clear()


__all__ = ["Memo", "digest"]
