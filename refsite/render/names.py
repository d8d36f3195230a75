"""The names of a place, each side's attributed: one module for every view that names a place."""

from __future__ import annotations

from ..dataset import Dataset
from ..model import Record, as_text

_LANG_PREFERENCE = ("en", "ja-Latn", "ru-Latn", "zh-Latn", "ja", "ru", "zh")


def side_names(ds: Dataset, place: Record) -> list[tuple[str, str]]:
    """Each side's name for a place with the side's label: ``[("Etorofu", "Japan"), ("Iturup", "Russia")]``.

    One name per side (English, then romanized, then native script); empty when no name says which side
    uses it, one pair when both sides use the same name."""
    chosen: dict[str, str] = {}
    for name in sorted(
        place.get("names") or [],
        key=lambda n: _LANG_PREFERENCE.index(n.get("lang", "en")) if n.get("lang", "en") in _LANG_PREFERENCE else 99,
    ):
        user = as_text(name.get("used_by"))
        if user and user not in chosen:
            chosen[user] = as_text(name.get("name"))
    if len(set(chosen.values())) == 1:
        return [(next(iter(chosen.values())), "")]
    return [(name, actor.label if (actor := ds.get(user)) else "") for user, name in chosen.items()]


def neutral_name(ds: Dataset, place: Record) -> str:
    """Each side's name for a place, attributed: 'Etorofu (Japan's name) / Iturup (Russia's name)'.

    A name both sides share is given once."""
    pairs = side_names(ds, place)
    if not pairs:
        return place.label
    return " / ".join(f"{name} ({side}'s name)" if side else name for name, side in pairs)


def name_usage(ds: Dataset, place: Record) -> str:
    """Which side uses which name: 'Etorofu is Japan's name, Iturup Russia's' (empty for a shared name)."""
    pairs = [(name, side) for name, side in side_names(ds, place) if side]
    if len(pairs) < 2:
        return ""
    first, *rest = pairs
    return f"{first[0]} is {first[1]}'s name, " + ", ".join(f"{name} {side}'s" for name, side in rest)


__all__ = ["name_usage", "neutral_name", "side_names"]
