"""Write a complete, valid synthetic project of N records, for benchmarks and scale tests."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import yaml

from ..model import ACTOR_KINDS, EVENT_KINDS, OUTCOMES, PLACE_KINDS, STANCES, STATUSES

MKDOCS_YML = """\
site_name: Synthetic Reference
site_url: https://example.org/synthetic/
repo_url: https://github.com/example/synthetic
edit_uri: edit/main/docs/
theme:
  name: material
  features:
    - navigation.instant
    - content.footnote.tooltips
    - content.action.edit
plugins:
  - search
  - macros:
      module_name: macros
      on_error_fail: true
      on_undefined: strict
  - refsite
markdown_extensions:
  - footnotes:
      USE_DEFINITION_ORDER: false
  - tables
  - attr_list
  - md_in_html
nav:
  - Home: index.md
  - Actors: actors/index.md
  - Places: places/index.md
  - Topics: topics/index.md
  - Positions: positions/index.md
  - Proposals: proposals/index.md
  - Events: events/index.md
  - Bibliography: bibliography.md
"""

MACROS_PY = (
    '"""mkdocs-macros entry point."""\n\n'
    "from refsite.mkdocs_host.macros import define_env\n\n"
    '__all__ = ["define_env"]\n'
)

WORDS = [
    "treaty",
    "negotiation",
    "island",
    "energy",
    "pipeline",
    "summit",
    "minister",
    "delegation",
    "sanction",
    "fishery",
    "border",
    "investment",
    "security",
    "dialogue",
    "exercise",
    "frigate",
    "declaration",
    "cabinet",
    "parliament",
    "survey",
    "region",
    "strategy",
    "partnership",
    "gas",
    "oil",
    "port",
    "airport",
    "railway",
    "council",
    "ministry",
    "agreement",
    "visit",
    "statement",
]
SHARES = {"actor": 0.2, "place": 0.05, "topic": 0.02, "position": 0.3, "proposal": 0.05, "event": 0.38}


def _sentence(rng: random.Random, n: int = 14) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _date(rng: random.Random) -> str:
    y = rng.randint(1855, 2014)
    form = rng.random()
    if form < 0.3:
        return str(y)
    if form < 0.6:
        return f"{y}-{rng.randint(1, 12):02d}"
    return f"{y}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _bib(rng: random.Random, n: int) -> tuple[str, list[str]]:
    entries, keys = [], []
    templates = (
        "@book{{{key},\n  author = {{Author{i}, A.}},\n  title = {{The Book Number {i}}},\n"
        "  publisher = {{University Press}},\n  address = {{Tokyo}},\n  year = {{{y}}},\n}}\n",
        "@article{{{key},\n  author = {{Writer{i}, B. and Coauthor{i}, C.}},\n  title = {{An Article on Topic {i}}},\n"
        "  journal = {{Journal of Studies}},\n  volume = {{{v}}},\n  number = {{2}},\n  year = {{{y}}},\n"
        "  pages = {{1--20}},\n}}\n",
        "@report{{{key},\n  author = {{Analyst{i}, D.}},\n  title = {{Policy Paper {i}}},\n"
        "  institution = {{Institute}},\n  date = {{{y}-05}},\n}}\n",
        "@online{{{key},\n  title = {{Press Release {i}}},\n  organization = {{Agency}},\n"
        "  url = {{https://example.org/release/{i}}},\n  date = {{{y}-06-07}},\n}}\n",
        "@article{{{key},\n  author = {{Reporter{i}, E.}},\n  title = {{News Story {i}}},\n"
        "  journal = {{Daily News}},\n  entrysubtype = {{newspaper}},\n  date = {{{y}-03-18}},\n}}\n",
    )
    for i in range(n):
        key = f"src{i:05d}"
        keys.append(key)
        entries.append(templates[i % len(templates)].format(key=key, i=i, y=rng.randint(1990, 2014), v=i % 30 + 1))
    return "\n".join(entries), keys


def _blob(rng: random.Random, lon: float, lat: float, size: float = 0.2) -> list[list[float]]:
    """A closed ring of 24 points around a centre: a made-up coastline."""
    ring = []
    for i in range(24):
        angle = 2 * math.pi * i / 24
        r = size * rng.uniform(0.6, 1.0)
        ring.append([round(lon + r * math.cos(angle), 3), round(lat + r * math.sin(angle), 3)])
    return [*ring, ring[0]]


def write_project(out: Path, records: int, seed: int = 1) -> None:
    """Write mkdocs.yml, macros.py, data/, bib/ and docs/ for ``records`` records into ``out``."""
    rng = random.Random(seed)
    counts = {k: max(3, int(records * share)) for k, share in SHARES.items()}
    counts["event"] += records - sum(counts.values())
    counts["event"] = max(3, counts["event"])
    ids = {kind: [f"{kind}-{i:05d}" for i in range(n)] for kind, n in counts.items()}
    bib_text, keys = _bib(rng, max(10, records // 8))
    (out / "bib").mkdir(parents=True, exist_ok=True)
    (out / "bib" / "references.bib").write_text(bib_text, encoding="utf-8")
    (out / "docs").mkdir(parents=True, exist_ok=True)
    (out / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    (out / "macros.py").write_text(MACROS_PY, encoding="utf-8")
    used_keys: set[str] = set()
    actor_of: dict[str, str] = {}

    def sources() -> list[dict[str, str]]:
        out_ = []
        for _ in range(rng.randint(2, 4)):
            key = rng.choice(keys)
            used_keys.add(key)
            cit = {"key": key}
            if rng.random() < 0.8:
                cit["locator"] = rng.choice(["p. ", "n. ", "para. "]) + str(rng.randint(1, 300))
            out_.append(cit)
        return out_

    def common(kind: str, rid: str, label: str) -> dict[str, object]:
        return {
            "id": rid,
            label: f"{kind.capitalize()} {rid.split('-')[1]} {rng.choice(WORDS)}",
            "summary": _sentence(rng) + " " + _sentence(rng),
            "sources": sources(),
        }

    states = ids["actor"][:3]
    geo_features: dict[str, dict[str, object]] = {}
    for kind, kind_ids in ids.items():
        folder = out / "data" / f"{kind}s"
        folder.mkdir(parents=True, exist_ok=True)
        for n, rid in enumerate(kind_ids):
            if kind == "actor":
                rec = common(kind, rid, "name")
                rec["kind"] = "state" if rid in states else rng.choice(ACTOR_KINDS)
                if rid not in states:
                    rec["country"] = rng.choice(states)
                    rec["roles"] = [{"title": "Minister", "from": _date(rng), "of": rng.choice(states)}]
            elif kind == "place":
                rec = common(kind, rid, "name")
                rec["kind"] = rng.choice(PLACE_KINDS)
                rec["names"] = [
                    {"lang": "ja-Latn", "name": f"Name{n}ja", "used_by": states[0]},
                    {"lang": "ru-Latn", "name": f"Name{n}ru", "used_by": states[1]},
                ]
                rec["administered_by"] = states[1]
                rec["claimed_by"] = [states[0]]
                if n:
                    rec["part_of"] = ids["place"][0]
                lon, lat = round(rng.uniform(140.0, 159.0), 3), round(rng.uniform(42.0, 52.0), 3)
                rec["location"] = {"lon": lon, "lat": lat, "shape": rid, "sources": sources()}
                geo_features[rid] = {"point": [lon, lat], "rings": [_blob(rng, lon, lat)]}
            elif kind == "topic":
                rec = common(kind, rid, "name")
                if n:
                    rec["parent"] = ids["topic"][0]
            elif kind == "position":
                rec = common(kind, rid, "title")
                rec.update(actor=rng.choice(ids["actor"]), topic=rng.choice(ids["topic"]), date=_date(rng))
                if rng.random() < 0.5:
                    rec.update(proposal=rng.choice(ids["proposal"]), stance=rng.choice(STANCES), stance_basis="stated")
                if n and rng.random() < 0.1:
                    prev = kind_ids[n - 1]
                    rec["supersedes"] = prev
                    rec["actor"] = actor_of.get(prev, rec["actor"])
                actor_of[rid] = str(rec["actor"])
            elif kind == "proposal":
                rec = common(kind, rid, "title")
                proposer = rng.choice(ids["actor"])
                _date(rng)  # drawn as before, so the rest of the project stays the same
                rec.update(
                    proposed_by=[proposer],
                    date="1855",  # the earliest year: a position may not predate the proposal it takes a stance on
                    status=rng.choice(STATUSES),
                    islands={p: rng.choice(OUTCOMES) for p in rng.sample(ids["place"], 2)},
                )
            else:
                rec = common(kind, rid, "title")
                rec.update(
                    date=_date(rng),
                    kind=rng.choice(EVENT_KINDS),
                    actors=rng.sample(ids["actor"], 2),
                    places=[rng.choice(ids["place"])],
                    topics=[rng.choice(ids["topic"])],
                )
            (folder / f"{rid}.yaml").write_text(
                yaml.safe_dump(rec, sort_keys=False, allow_unicode=True), encoding="utf-8"
            )
    geo = {
        "provenance": {
            "package": "synthetic",
            "version": "0",
            "file": "",
            "data": "random shapes",
            "bbox": [139, 41, 160, 53],
        },
        "land": [_blob(rng, rng.uniform(140.0, 159.0), rng.uniform(42.0, 52.0), 1.5) for _ in range(20)],
        "features": geo_features,
    }
    (out / "data" / "geo").mkdir(parents=True, exist_ok=True)
    (out / "data" / "geo" / "kurils.json").write_text(json.dumps(geo), encoding="utf-8")
    # every entry cited somewhere: the home page cites the rest
    rest = [k for k in keys if k not in used_keys]
    cites = "".join(f'{{{{ cite("{k}", "p. 1") }}}}' for k in rest)
    (out / "docs" / "index.md").write_text(
        "# Synthetic reference\n\n"
        f'A generated project with {records} records.{{{{ cite("{keys[0]}", "p. 1") }}}}{cites}\n\n'
        f'The first actor is {{{{ link("{ids["actor"][0]}") }}}}.\n\n'
        f'{{{{ positions(topic="{ids["topic"][0]}", since=2010) }}}}\n\n{{{{ timeline(since=2013) }}}}\n',
        encoding="utf-8",
    )
