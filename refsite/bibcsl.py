"""BibTeX to CSL-JSON by pandoc: one conversion per build, cached by the content of the .bib files.

pandoc's biblatex reader splits names as BibTeX does (particles, suffixes, corporate
authors in braces) and decodes LaTeX; bibtexparser stays for the located checks. What
pandoc leaves out or keeps that a reader should not see is settled here: the working
notes (``annote``) are dropped and an entry type pandoc does not map gets one.

The notes themselves are formatted from the same .bib text, read by pandoc inside the
formatting process, so what CSL-JSON cannot hold (a link from ``\\href{url}{text}``, a
quotation inside a title) reaches the notes intact; the CSL-JSON offered for download is
that same reading, written out.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .bib import BibEntry
from .cite import LUA, BibSource, pandoc_command, pandoc_failure, tools_digest
from .citecache import DiskCache
from .context import StoreSlot, current

#: How many conversions this process has run (the tests read it).
PANDOC_RUNS = "bibcsl.pandoc"  # the tally of conversions (see refsite.context)

#: Fields dropped from what readers see: the project's working notes on an entry.
PRIVATE = ("annote", "annotation", "abstract", "file")

_TYPES = {"misc": "document", "online": "webpage", "www": "webpage"}
_SUBTYPES = {"interview": "interview", "newspaper": "article-newspaper", "magazine": "article-magazine"}
_CACHE: StoreSlot[str, list[dict[str, Any]]] = StoreSlot("bibcsl.converted")


class ConversionError(Exception):
    """pandoc could not read the bibliography: a bug or a broken pandoc, not bad data (checked before)."""


def digest(texts: Sequence[str]) -> str:
    """A fingerprint of the bibliography's content."""
    h = hashlib.sha1()
    for text in texts:
        h.update(text.encode())
        h.update(b"\0")
    return h.hexdigest()


def _pandoc(texts: Sequence[str], types: Mapping[str, str]) -> list[dict[str, Any]]:
    current().tally(PANDOC_RUNS)
    payload = {"convert": True, "bibtex": "\n\n".join(texts), "types": dict(types), "private": list(PRIVATE)}
    with tempfile.TemporaryDirectory(prefix="refsite-bib-") as tmp:
        src, dst = Path(tmp, "in.json"), Path(tmp, "out.json")
        src.write_text(json.dumps(payload), encoding="utf-8")
        proc = subprocess.run(pandoc_command("lua", str(LUA), str(src), str(dst)), capture_output=True, text=True)
        if proc.returncode != 0 or not dst.exists():
            raise ConversionError(pandoc_failure(proc.returncode, proc.stderr))
        items = json.loads(dst.read_text(encoding="utf-8") or "[]")
    return [it for it in items if isinstance(it, dict)]


def convert(
    texts: Sequence[str], types: Mapping[str, str] | None = None, store: DiskCache | None = None
) -> list[dict[str, Any]]:
    """Every entry of the .bib texts as pandoc reads and the formatter settles it, in CSL-JSON
    (cached by content: one conversion per change of the bibliography, kept in ``store`` too)."""
    types = types or {}
    key = digest([*texts, json.dumps(types, sort_keys=True)])
    converted = _CACHE()
    if key not in converted:
        name = digest([key, json.dumps(PRIVATE), tools_digest(), "csl-json"])
        kept = store.load(name) if store is not None else None
        items = kept.get("items") if kept is not None else None
        if isinstance(items, list) and all(isinstance(it, dict) and isinstance(it.get("id"), str) for it in items):
            converted[key] = items
        else:
            converted[key] = _pandoc(texts, types)
            if store is not None:
                store.save(name, {"items": converted[key]})
    return converted[key]


def fallback_type(entry: BibEntry) -> str:
    """The CSL type of an entry pandoc leaves untyped (a ``@misc``, say)."""
    return _SUBTYPES.get(entry.get("entrysubtype").lower()) or _TYPES.get(entry.type, "document")


def csl_items(
    texts: Sequence[str], entries: Mapping[str, BibEntry], store: DiskCache | None = None
) -> dict[str, dict[str, Any]]:
    """The CSL-JSON items of the entries bibtexparser accepted, keyed by id, in the files' order."""
    types = {k: fallback_type(e) for k, e in entries.items()}
    return {str(it["id"]): it for it in convert(texts, types, store) if it.get("id") in entries}


def bib_source(texts: Sequence[str], entries: Mapping[str, BibEntry]) -> BibSource:
    """What the formatter reads the works from: the .bib text itself, settled as :func:`csl_items` is."""
    return BibSource("\n\n".join(texts), {k: fallback_type(e) for k, e in entries.items()}, PRIVATE)
