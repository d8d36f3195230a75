"""The map's geography extracted once from Natural Earth's land (as packaged in the npm package
``world-atlas``) into a small committed file, ``data/geo/kurils.json``, that the build reads
(:mod:`refsite.geodata`).

``python -m refsite geodata --from node_modules/world-atlas`` re-runs the extraction: it decodes
the TopoJSON, clips it to the region between Hokkaido, Sakhalin and Kamchatka, simplifies the
coastlines, names the shapes of the places the site has records for, and writes the file with its
provenance. Nothing is fetched: the package is installed from the registry beforehand.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

Point = tuple[float, float]
Ring = list[Point]

#: The region drawn: west, south, east, north, in degrees.
BBOX = (139.0, 41.0, 160.0, 53.0)
SOURCE_FILE = "land-10m.json"
TOLERANCE = 0.01  # degrees, Douglas-Peucker
DIGITS = 3

#: Which land shapes are which place: a shape belongs to a place when its centre (the mean of
#: its vertices) lies in the place's box (west, south, east, north). Boxes, not coordinates of
#: the places: every coordinate written to the output comes from the dataset.
PICKS: dict[str, tuple[float, float, float, float]] = {
    "hokkaido": (141.0, 42.0, 144.0, 44.5),
    "sakhalin": (141.5, 46.0, 144.5, 54.0),
    "etorofu-iturup": (147.0, 44.5, 148.5, 45.5),
    "kunashiri-kunashir": (145.5, 43.8, 146.6, 44.6),
    "shikotan": (146.6, 43.7, 147.0, 43.9),
    "habomai": (145.8, 43.3, 146.45, 43.7),
}
#: Places drawn as the union of other shapes: the four disputed islands, and the Kuril chain
#: (every island shape east of Hokkaido and south of Kamchatka's tip).
GROUPS: dict[str, tuple[str, ...]] = {
    "northern-territories-southern-kurils": ("etorofu-iturup", "kunashiri-kunashir", "shikotan", "habomai"),
}
CHAIN_BOX = (145.5, 43.2, 157.0, 51.0)


class GeoDataError(Exception):
    """The package's file is missing or not the TopoJSON expected."""


def decode(topology: dict[str, Any], name: str = "land") -> list[list[Ring]]:
    """Polygons (lists of rings of lon/lat points) of one object of a quantized TopoJSON topology."""
    try:
        sx, sy = topology["transform"]["scale"]
        tx, ty = topology["transform"]["translate"]
        arcs: list[Ring] = []
        for arc in topology["arcs"]:
            x = y = 0
            pts: Ring = []
            for dx, dy in arc:
                x += dx
                y += dy
                pts.append((x * sx + tx, y * sy + ty))
            arcs.append(pts)

        def ring(indexes: Iterable[int]) -> Ring:
            out: Ring = []
            for i in indexes:
                pts = arcs[i] if i >= 0 else arcs[~i][::-1]
                out.extend(pts if not out else pts[1:])
            return out

        polygons: list[list[Ring]] = []
        obj = topology["objects"][name]
        geoms = obj["geometries"] if obj["type"] == "GeometryCollection" else [obj]
        for geom in geoms:
            if geom["type"] == "Polygon":
                polygons.append([ring(r) for r in geom["arcs"]])
            elif geom["type"] == "MultiPolygon":
                polygons.extend([ring(r) for r in poly] for poly in geom["arcs"])
        return polygons
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise GeoDataError(f"not a quantized TopoJSON topology with a '{name}' object: {exc!r}") from exc


def _clip_edge(ring: Ring, inside: Any, cross: Any) -> Ring:
    out: Ring = []
    for i, cur in enumerate(ring):
        prev = ring[i - 1]
        if inside(cur):
            if not inside(prev):
                out.append(cross(prev, cur))
            out.append(cur)
        elif inside(prev):
            out.append(cross(prev, cur))
    return out


def clip(ring: Ring, bbox: Sequence[float] = BBOX) -> Ring:
    """A ring clipped to a box (Sutherland-Hodgman)."""
    w, s, e, n = bbox

    def at_x(x0: float) -> Any:
        return lambda p, q: (x0, p[1] + (q[1] - p[1]) * (x0 - p[0]) / (q[0] - p[0]))

    def at_y(y0: float) -> Any:
        return lambda p, q: (p[0] + (q[0] - p[0]) * (y0 - p[1]) / (q[1] - p[1]), y0)

    out = ring[:-1] if ring and ring[0] == ring[-1] else list(ring)
    for inside, cross in (
        (lambda p: p[0] >= w, at_x(w)),
        (lambda p: p[0] <= e, at_x(e)),
        (lambda p: p[1] >= s, at_y(s)),
        (lambda p: p[1] <= n, at_y(n)),
    ):
        if not out:
            break
        out = _clip_edge(out, inside, cross)
    return out


def simplify(ring: Ring, tolerance: float = TOLERANCE) -> Ring:
    """Douglas-Peucker simplification of a closed or open line (iterative)."""
    if len(ring) < 4:
        return list(ring)
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    stack = [(0, len(ring) - 1)]
    while stack:
        a, b = stack.pop()
        (x1, y1), (x2, y2) = ring[a], ring[b]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        best, index = 0.0, -1
        for i in range(a + 1, b):
            px, py = ring[i]
            d = abs(dy * (px - x1) - dx * (py - y1)) / norm if norm else math.hypot(px - x1, py - y1)
            if d > best:
                best, index = d, i
        if index > 0 and best > tolerance:
            keep[index] = True
            stack.extend([(a, index), (index, b)])
    return [p for p, k in zip(ring, keep, strict=True) if k]


def area(ring: Ring) -> float:
    """Planar area of a ring in square degrees (absolute)."""
    return abs(sum(ring[i - 1][0] * p[1] - p[0] * ring[i - 1][1] for i, p in enumerate(ring))) / 2


def centre(rings: Sequence[Ring]) -> Point:
    """The mean of the vertices of the outer rings: a point for a label or a marker."""
    pts = [p for r in rings for p in r]
    return (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))


def _in(box: Sequence[float], p: Point) -> bool:
    return box[0] <= p[0] <= box[2] and box[1] <= p[1] <= box[3]


def _round(ring: Ring) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in ring:
        q = [round(x, DIGITS), round(y, DIGITS)]
        if not out or q != out[-1]:
            out.append(q)
    return out


def extract(topology: dict[str, Any], provenance: dict[str, Any]) -> dict[str, Any]:
    """The region's land, clipped and simplified, with named shapes and their centres."""
    w, s, e, n = BBOX
    land: list[list[list[float]]] = []
    named: dict[str, list[list[list[float]]]] = {name: [] for name in PICKS}
    chain: list[Ring] = []
    tip: Point | None = None
    for polygon in decode(topology):
        outer = polygon[0]
        xs = [p[0] for p in outer]
        ys = [p[1] for p in outer]
        if max(xs) < w or min(xs) > e or max(ys) < s or min(ys) > n:
            continue
        if min(xs) < -179 and max(xs) > 179:  # the mainland: Kamchatka's tip is its southernmost point east of 155°E
            east = [p for p in outer if 155.0 <= p[0] <= e and s <= p[1] <= n]
            if east:
                tip = min(east, key=lambda p: p[1])
        clipped = clip(outer)
        if len(clipped) < 3:
            continue
        tolerance = TOLERANCE if area(clipped) > 1 else TOLERANCE / 4
        ring = _round(simplify([*clipped, clipped[0]], tolerance))
        if len(ring) < 4:
            continue
        c = centre([outer])
        owner = next((name for name, box in PICKS.items() if _in(box, c)), None)
        if owner:
            named[owner].append(ring)
        else:
            land.append(ring)
        if _in(CHAIN_BOX, c):
            chain.append(outer)
    features: dict[str, dict[str, Any]] = {}
    for name, rings in named.items():
        if not rings:
            raise GeoDataError(f"no land shape found for '{name}' in the box {PICKS[name]}")
        lon, lat = centre([[(p[0], p[1]) for p in r] for r in rings])
        features[name] = {"point": [round(lon, DIGITS), round(lat, DIGITS)], "rings": rings}
    for name, parts in GROUPS.items():
        lon, lat = centre([[(p[0], p[1]) for p in r] for part in parts for r in named[part]])
        features[name] = {"point": [round(lon, DIGITS), round(lat, DIGITS)], "parts": list(parts)}
    if chain:
        lon, lat = centre(chain)
        features["kuril-islands"] = {"point": [round(lon, DIGITS), round(lat, DIGITS)], "rings": []}
    if tip:
        features["kamchatka"] = {"point": [round(tip[0], DIGITS), round(tip[1], DIGITS)], "rings": []}
    return {
        "provenance": {**provenance, "bbox": list(BBOX), "tolerance_degrees": TOLERANCE},
        "land": land,
        "features": features,
    }


def _ne_version(package_dir: Path) -> str:
    """The Natural Earth version the package's README states."""
    try:
        readme = (package_dir / "README.md").read_text(encoding="utf-8")
    except OSError:
        return "not stated"
    m = re.search(r"Natural Earth.{0,200}?version (\d+(?:\.\d+)+)", readme, re.S)
    return m.group(1) if m else "not stated"


def run(package_dir: Path, out: Path) -> int:
    """Extract from an installed ``world-atlas`` package into ``out``; returns the exit status."""
    meta_path = package_dir / "package.json"
    data_path = package_dir / SOURCE_FILE
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        topology = json.loads(data_path.read_text(encoding="utf-8"))
        if meta.get("name") != "world-atlas":
            raise GeoDataError(f"{meta_path}: not the package 'world-atlas' (name: {meta.get('name')!r})")
        provenance = {
            "package": f"npm:{meta['name']}",
            "version": meta["version"],
            "file": SOURCE_FILE,
            "package_license": meta.get("license", ""),
            "data": f"Natural Earth land, 1:10m (public domain), version {_ne_version(package_dir)} "
            "per the package's README",
            "repository": (meta.get("repository") or {}).get("url", ""),
            "command": "python -m refsite geodata --from PATH/TO/world-atlas",
        }
        result = extract(topology, provenance)
    except (OSError, ValueError, KeyError, GeoDataError) as exc:
        print(f"{data_path}:1:1: error: {exc}")
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, separators=(",", ":"), ensure_ascii=False)
    out.write_text(text.replace('"features":', '\n"features":').replace('"land":', '\n"land":') + "\n")
    print(f"{out}: {len(result['land'])} land shapes, {len(result['features'])} named places, {len(text)} bytes")
    return 0
