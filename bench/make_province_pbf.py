"""Write a seeded synthetic province-size OSM PBF laid over Hainan island (for the province-scale benchmark).

Run: ``python bench/make_province_pbf.py [--out /tmp/province.osm.pbf] [--seed 13] [--scale 1.0]``.
Prints the counts (nodes, ways, highway mix, one-way ways, interior-point share) and a final JSON line.

The model (all distances in metres in Hainan's fitted equal-area projection, written as WGS84 degrees):

* **Extent.** Settlements are drawn inside Hainan's land outline (``spatial.regions.resolve("hainan")``,
  ≈ 34,000 km², ≈ 290 × 215 km), so the file is "Hainan-sized" and lies where a 100 m population grid
  of Hainan falls on it.
* **Settlements.** 14 cities within 12 km of the coast (where Hainan's cities are), 220 × scale towns
  and 5,200 × scale villages uniformly over land.  Each gets a jittered, rotated street grid: cities
  5–8 km across at 150 m spacing, towns 1.2–2.4 km at 120 m, villages 150–450 m at 90 m, with a point
  every ≈ 20 m.  Grid lines are ways split at crossings (a new way starts at a crossing with
  probability 0.85, as OSM splits streets at blocks), so crossings are shared junction nodes and most
  ways are one block long.  Classes: cities have primary/secondary arterials every 12th line, tertiary
  every 3rd, residential otherwise (2 % living_street); towns a tertiary main street; villages
  residential (70 %) or unclassified.
* **One-way streets.** 15 % of city residential/tertiary lines (5 % in towns) are one-way
  (``oneway=yes`` 60 %, ``-1`` 30 %, ``1``/``true`` 10 %); 2 % of lines say ``oneway=no``.  Motorways
  are two carriageways of opposite direction, 15 m apart, mostly with *implied* one-way (no tag; 30 %
  of their ways say ``oneway=yes``); their ramps are ``motorway_link`` (implied one-way too).
  Roundabouts (``junction=roundabout``, closed 12-node counter-clockwise rings of radius 25 m, no
  oneway tag) sit mid-way on 8 % of the roads between settlements longer than 2 km.
* **Roads between settlements**, two levels.  Cities and towns among themselves: the minimum spanning
  tree of their Delaunay graph is the trunk (at a city) / primary backbone, other Delaunay edges
  shorter than 40 km are kept with probability 0.35 as primary (city–town) or secondary (town–town).
  Villages: the spanning tree of all settlements' Delaunay graph plus 35 % of its edges shorter than
  12 km, tertiary to a town or city, unclassified between villages.  Each road wiggles (a random sum
  of three half-sines, ≤ ~4 % of its length sideways) with a point every ≈ 30 m and is split into ways
  of 0.4–1.5 km (upper level) or 0.8–2.5 km (villages).
* **Motorway.** A ring through points 3 km inland of every city, a point every 50 m, split into ways of
  ≈ 1 km, with an interchange at each city (an off-ramp and an on-ramp per carriageway to a junction
  joined to the city centre by a primary road).
* **Service roads and tracks.** Service spurs (40–200 m) hang off 60 % of residential ways
  (``service=driveway`` 30 %, ``parking_aisle`` 20 %; 10 % ``access=private``); 30,000 × scale tracks
  (0.3–3 km, a point every 25 m) leave villages and rural roads.  Footways/paths/cycleways hang off
  6 % of the residential ways (sharing a node, so a reader must ignore them when finding junctions).
* **Several components.** 2 % of villages are joined to no road (islands), 300 × scale clusters of an
  unclassified road with tracks stand alone, and one-way streets make small strong components.
* **Interior points.** Every way is densified, so ≈ 90 % of the nodes are interior points of exactly
  one way (degree 2), as in real extracts.
* 40,000 tagged point nodes (amenities) that belong to no way.

Node ids are 1..N in file order, way ids 1..W; nodes are written before ways (PBF order).  The
default (seed 13, scale 0.7) writes 3,959,328 nodes and 317,938 ways (18 MB) in ≈ 80 s; ``--scale``
multiplies the number of towns, villages, tracks and clusters.  The file is written aside and moved into place.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import osmium
import shapely
from osmium.osm import mutable
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from spatial import regions  # noqa: E402  (the repository root is put on sys.path first)


class _Province:
    """Growing node coordinates (metres) and ways (node-id arrays with tags)."""

    def __init__(self, rng: np.random.Generator, land: shapely.Geometry) -> None:
        self.rng = rng
        self.land = land
        self.chunks: list[np.ndarray] = []
        self.n = 0
        self.ways: list[tuple[np.ndarray, dict[str, str]]] = []
        self.pois: list[np.ndarray] = []
        self.cached_xy: np.ndarray | None = None

    def nodes(self, xy: np.ndarray) -> np.ndarray:
        """New nodes at ``xy`` (k, 2) metres; returns their ids (1-based)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        ids = np.arange(self.n + 1, self.n + 1 + len(xy), dtype=np.int64)
        self.chunks.append(xy)
        self.n += len(xy)
        return ids

    def way(self, ids: np.ndarray, tags: dict[str, str]) -> None:
        """Record a way (≥ 2 node ids)."""
        if len(ids) >= 2:
            self.ways.append((np.asarray(ids, dtype=np.int64), tags))

    def xy(self) -> np.ndarray:
        """All node coordinates so far, (n, 2) metres."""
        return np.concatenate(self.chunks)

    def on_land(self, xy: np.ndarray) -> np.ndarray:
        """Which points (k, 2) lie on the island."""
        xy = np.asarray(xy).reshape(-1, 2)
        return shapely.contains_xy(self.land, xy[:, 0], xy[:, 1])


def _interior(a: np.ndarray, b: np.ndarray, spacing: float, rng: np.random.Generator, wiggle: float) -> np.ndarray:
    """Interior points of a wiggly line a → b, about ``spacing`` metres apart (endpoints excluded), (k, 2)."""
    d = b - a
    length = float(np.hypot(*d))
    n = max(int(round(length / spacing)), 1)
    if n == 1:
        return np.empty((0, 2))
    t = np.linspace(0.0, 1.0, n + 1)[1:-1]
    normal = np.array([-d[1], d[0]]) / max(length, 1e-9)
    side = np.zeros_like(t)
    if wiggle > 0:
        for k in (1, 2, 3):
            side += rng.normal(0.0, wiggle * length / (k * 2.0)) * np.sin(np.pi * k * t)
    side += rng.normal(0.0, min(2.0, spacing * 0.05), size=t.shape)
    return a + t[:, None] * d + side[:, None] * normal


def _grid(p: _Province, centre: np.ndarray, side: float, spacing: float, classes: list[str],
          oneway_share: float) -> tuple[int, list[np.ndarray]]:
    """A jittered rotated street grid around ``centre``; returns (centre node id, interior-id arrays of its ways)."""
    rng = p.rng
    g = max(int(side / spacing) + 1, 2)
    theta = rng.uniform(0, np.pi / 2)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    ii, jj = np.meshgrid(np.arange(g), np.arange(g), indexing="ij")
    local = np.column_stack([ii.ravel(), jj.ravel()]) * spacing - (g - 1) * spacing / 2
    local = local + rng.normal(0, spacing * 0.12, size=local.shape)
    xy = centre + local @ rot.T
    land = p.on_land(xy)
    ids = p.nodes(xy).reshape(g, g)
    xy = xy.reshape(g, g, 2)
    land = land.reshape(g, g)
    interiors: list[np.ndarray] = []
    for axis in (0, 1):
        for line in range(g):
            cls = classes[line % len(classes)] if len(classes) > 1 else classes[0]
            if cls == "residential" and rng.random() < 0.02:
                cls = "living_street"
            tags = {"highway": cls}
            r = rng.random()
            if cls in ("residential", "tertiary") and r < oneway_share:
                tags["oneway"] = rng.choice(["yes", "-1", "1", "true"], p=[0.6, 0.3, 0.05, 0.05])
            elif r > 0.98:
                tags["oneway"] = "no"
            cur: list[np.ndarray] = []
            for k in range(g - 1):
                a_idx = (line, k) if axis == 0 else (k, line)
                b_idx = (line, k + 1) if axis == 0 else (k + 1, line)
                if not (land[a_idx] and land[b_idx]):
                    if cur:
                        p.way(np.concatenate(cur), tags)
                        interiors.append(np.concatenate(cur)[1:-1])
                    cur = []
                    continue
                inner = p.nodes(_interior(xy[a_idx], xy[b_idx], 20.0, rng, 0.01))
                if not cur:
                    cur = [np.array([ids[a_idx]])]
                cur += [inner, np.array([ids[b_idx]])]
                if rng.random() < 0.85 or k == g - 2:
                    way = np.concatenate(cur)
                    p.way(way, tags)
                    if cls in ("residential", "living_street"):
                        interiors.append(way[1:-1])
                    cur = []
    return int(ids[g // 2, g // 2]), interiors


def _road(p: _Province, ids_ab: tuple[int, int], xy_ab: tuple[np.ndarray, np.ndarray], cls: str, *,
          spacing: float = 30.0, way_km: tuple[float, float] = (1.0, 3.0), roundabout: bool = False,
          extra: dict[str, str] | None = None) -> np.ndarray:
    """A wiggly road between two existing nodes, split into ways; returns its interior node ids."""
    rng = p.rng
    a, b = xy_ab
    pts = _interior(a, b, spacing, rng, 0.04)
    inner = p.nodes(pts)
    seq = np.concatenate([[ids_ab[0]], inner, [ids_ab[1]]])
    tags = {"highway": cls, **(extra or {})}
    pieces = [seq]
    if roundabout and len(seq) > 12:
        m = len(seq) // 2
        centre = pts[m - 1]
        ang = np.linspace(0, 2 * np.pi, 12, endpoint=False) + rng.uniform(0, 2 * np.pi)
        ring_xy = centre + 25.0 * np.column_stack([np.cos(ang), np.sin(ang)])  # counter-clockwise
        ring = p.nodes(ring_xy)
        all_xy = p.xy()
        before, after = all_xy[seq[m - 3] - 1], all_xy[seq[m + 3] - 1]
        enter = int(np.argmin(np.hypot(*(ring_xy - before).T)))
        leave = int(np.argmin(np.hypot(*(ring_xy - after).T)))
        if enter == leave:
            leave = (enter + 6) % 12
        p.way(np.r_[ring, ring[0]], {"highway": cls, "junction": "roundabout"})
        pieces = [np.r_[seq[: m - 2], ring[enter]], np.r_[ring[leave], seq[m + 3 :]]]
    for piece in pieces:
        start = 0
        while start < len(piece) - 1:
            n = max(int(rng.uniform(*way_km) * 1000 / spacing), 2)
            p.way(piece[start : start + n + 1], tags)
            start += n
    return inner


def _spur_from(p: _Province, at: int, origin: np.ndarray, length: float, spacing: float,
               tags: dict[str, str]) -> np.ndarray:
    """A dead-end wiggly way of ``length`` metres from node ``at`` at ``origin``."""
    rng = p.rng
    ang = rng.uniform(0, 2 * np.pi)
    end = origin + length * np.array([np.cos(ang), np.sin(ang)])
    pts = np.vstack([_interior(origin, end, spacing, rng, 0.06), end[None]])
    new = p.nodes(pts)
    p.way(np.r_[at, new], tags)
    return new


def _settlements(p: _Province, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Settlement centres (k, 2) metres and ranks (3 city, 2 town, 1 village)."""
    rng = p.rng
    minx, miny, maxx, maxy = p.land.bounds

    def draw(n: int, coastal: bool) -> np.ndarray:
        out: list[np.ndarray] = []
        got = 0
        while got < n:
            xy = np.column_stack([rng.uniform(minx, maxx, 4 * n), rng.uniform(miny, maxy, 4 * n)])
            if coastal:  # near the coast: on land but within 12 km of the sea
                ok = p.on_land(xy) & ~shapely.contains_xy(shapely.buffer(p.land, -12_000), xy[:, 0], xy[:, 1])
            else:
                ok = p.on_land(xy)
            out.append(xy[ok])
            got += int(ok.sum())
        return np.concatenate(out)[:n]

    cities = draw(14, True)
    towns = draw(int(220 * scale), False)
    villages = draw(int(5200 * scale), False)
    xy = np.vstack([cities, towns, villages])
    rank = np.r_[np.full(len(cities), 3), np.full(len(towns), 2), np.full(len(villages), 1)]
    return xy, rank


def build(seed: int = 13, scale: float = 0.7) -> _Province:
    """Generate the synthetic province (nodes and ways in metres, Hainan's metric CRS)."""
    rng = np.random.default_rng(seed)
    region = regions.resolve("hainan")
    land = _project(region, Transformer.from_crs("EPSG:4326", region.metric_crs, always_xy=True))
    shapely.prepare(land)
    p = _Province(rng, land)
    centres, rank = _settlements(p, scale)

    centre_ids = np.zeros(len(centres), dtype=np.int64)
    residential_interiors: list[np.ndarray] = []
    for i, (c, r) in enumerate(zip(centres, rank)):
        if r == 3:
            classes = ["primary", "residential", "residential", "tertiary", "residential", "residential",
                       "secondary", "residential", "residential", "tertiary", "residential", "residential"]
            cid, inter = _grid(p, c, rng.uniform(5000, 8000), 150.0, classes, 0.15)
        elif r == 2:
            side = rng.uniform(1200, 2400)
            g = int(side / 120) + 1
            classes = ["residential"] * g
            classes[g // 2] = "tertiary"
            cid, inter = _grid(p, c, side, 120.0, classes, 0.05)
        else:
            cls = "residential" if rng.random() < 0.7 else "unclassified"
            cid, inter = _grid(p, c, rng.uniform(150, 450), 90.0, [cls], 0.0)
        centre_ids[i] = cid
        residential_interiors += inter
    p.cached_xy = p.xy()

    # roads between settlements, two levels: cities and towns among themselves (trunk/primary/secondary),
    # then every settlement (tertiary/unclassified to villages); each level the MST of its Delaunay graph
    # plus a share of its short edges
    island = (rank == 1) & (rng.random(len(rank)) < 0.02)
    names = {(3, 3): "trunk", (3, 2): "primary", (2, 2): "secondary", (3, 1): "tertiary", (2, 1): "tertiary",
             (1, 1): "unclassified"}
    rural_interiors: list[np.ndarray] = []
    for level, members, short_m, way_km in (
        ("upper", np.flatnonzero(rank >= 2), 40_000, (0.4, 1.5)),
        ("lower", np.flatnonzero(~island), 12_000, (0.8, 2.5)),
    ):
        for ia, ib, backbone in _links(centres, members, short_m, rng):
            ra, rb = sorted((rank[ia], rank[ib]), reverse=True)
            if level == "lower" and rb >= 2:
                continue  # joined on the upper level
            cls = names[(ra, rb)]
            if level == "upper" and backbone:  # the towns' spanning tree is the trunk/primary backbone
                cls = "trunk" if ra == 3 else "primary"
            L = float(np.hypot(*(centres[ia] - centres[ib])))
            inner = _road(p, (centre_ids[ia], centre_ids[ib]), (p.cached_xy[centre_ids[ia] - 1],
                          p.cached_xy[centre_ids[ib] - 1]), cls, way_km=way_km,
                          roundabout=L > 2000 and rng.random() < 0.08)
            if cls in ("unclassified", "tertiary"):
                rural_interiors.append(inner)

    _motorway(p, centres[rank == 3], centre_ids[rank == 3])
    p.cached_xy = p.xy()

    # service spurs off residential streets, footways across them
    for inter in residential_interiors:
        if len(inter) and rng.random() < 0.6:
            at = int(rng.choice(inter))
            tags = {"highway": "service"}
            r = rng.random()
            if r < 0.3:
                tags["service"] = "driveway"
            elif r < 0.5:
                tags["service"] = "parking_aisle"
            if rng.random() < 0.1:
                tags["access"] = "private"
            _spur_from(p, at, p.cached_xy[at - 1], rng.uniform(40, 200), 20.0, tags)
        if len(inter) and rng.random() < 0.06:
            at = int(rng.choice(inter))
            kind = rng.choice(["footway", "path", "cycleway"])
            _spur_from(p, at, p.cached_xy[at - 1], rng.uniform(50, 300), 15.0, {"highway": str(kind)})
    # tracks off villages and rural roads
    rural = np.concatenate(rural_interiors + [centre_ids[rank == 1]])
    for at in rng.choice(rural, size=int(30_000 * scale)):
        _spur_from(p, int(at), p.cached_xy[at - 1], rng.uniform(300, 3000), 25.0,
                   {"highway": "track", "tracktype": f"grade{rng.integers(1, 6)}"})
    # stand-alone clusters: a rural road with tracks off it, joined to nothing
    minx, miny, maxx, maxy = p.land.bounds
    placed = 0
    while placed < int(300 * scale):
        a = np.array([rng.uniform(minx, maxx), rng.uniform(miny, maxy)])
        b = a + rng.normal(0, 1500, 2)
        if not p.on_land(np.vstack([a, b])).all():
            continue
        ends = p.nodes(np.vstack([a, b]))
        inner = _road(p, (ends[0], ends[1]), (a, b), "unclassified", spacing=25.0)
        p.cached_xy = None
        for at in rng.choice(np.r_[ends, inner], size=3):
            origin = a if at == ends[0] else b if at == ends[1] else None
            if origin is None:
                origin = _node_xy(p, int(at))
            _spur_from(p, int(at), origin, rng.uniform(300, 1500), 25.0, {"highway": "track"})
        placed += 1
    # point features on no way
    poi_xy = centres[rng.integers(0, len(centres), 40_000)] + rng.normal(0, 300, (40_000, 2))
    p.pois.append(p.nodes(poi_xy))
    return p


def _links(centres: np.ndarray, members: np.ndarray, short_m: float,
           rng: np.random.Generator) -> list[tuple[int, int, bool]]:
    """Settlements to join (a, b, in the MST): the MST of the members' Delaunay graph plus 35 % of its edges < ``short_m``."""
    tri = Delaunay(centres[members])
    e = np.vstack([tri.simplices[:, [0, 1]], tri.simplices[:, [1, 2]], tri.simplices[:, [0, 2]]])
    e = np.unique(np.sort(e, axis=1), axis=0)
    length = np.hypot(*(centres[members[e[:, 0]]] - centres[members[e[:, 1]]]).T)
    n = len(members)
    mst = minimum_spanning_tree(coo_matrix((length + 1e-3, (e[:, 0], e[:, 1])), shape=(n, n))).tocoo()
    in_mst = {(min(a, b), max(a, b)) for a, b in zip(mst.row, mst.col)}
    return [(int(members[a]), int(members[b]), (a, b) in in_mst) for (a, b), L in zip(e, length)
            if (a, b) in in_mst or (L < short_m and rng.random() < 0.35)]


def _node_xy(p: _Province, node: int) -> np.ndarray:
    """Coordinates (m) of node id ``node`` (searching the chunks from the end)."""
    base = p.n
    for chunk in reversed(p.chunks):
        base -= len(chunk)
        if node - 1 >= base:
            return chunk[node - 1 - base]
    raise KeyError(node)


def _project(region: regions.Region, to_m: Transformer) -> shapely.Geometry:
    """The region's land outline in its metric CRS."""
    return shapely.transform(region.outline, lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])))


def _motorway(p: _Province, cities: np.ndarray, city_ids: np.ndarray) -> None:
    """A dual-carriageway ring 3 km inland of the cities, with an interchange at each city."""
    rng = p.rng
    centre = np.asarray(shapely.centroid(p.land).coords[0])
    ang = np.arctan2(*(cities - centre).T[::-1])
    order = np.argsort(ang)
    inland = cities + 3000 * (centre - cities) / np.hypot(*(centre - cities).T)[:, None]
    loop = inland[order]
    line = [loop[0]]
    for a, b in zip(loop, np.roll(loop, -1, axis=0)):
        line += list(_interior(a, b, 50.0, rng, 0.01)) + [b]
    line = np.asarray(line[:-1])  # closed: the last point is the first
    d = np.roll(line, -1, axis=0) - np.roll(line, 1, axis=0)
    normal = np.column_stack([-d[:, 1], d[:, 0]]) / np.hypot(*d.T)[:, None]
    carriage = {+1: line - 7.5 * normal, -1: line + 7.5 * normal}
    n = len(line)
    per_way = 20
    ids = {}
    for sense, pts in carriage.items():
        ids[sense] = p.nodes(pts)
        seq = np.r_[ids[sense], ids[sense][0]] if sense == 1 else np.r_[ids[sense], ids[sense][0]][::-1]
        for start in range(0, n, per_way):
            tags = {"highway": "motorway"}
            if rng.random() < 0.3:
                tags["oneway"] = "yes"
            p.way(seq[start : start + per_way + 1], tags)
    all_pts = {s: carriage[s] for s in carriage}
    for c, cid, k in zip(cities[order], city_ids[order], _nearest_index(line, inland[order])):
        junction_xy = line[k] + 400 * (c - line[k]) / max(np.hypot(*(c - line[k])), 1.0)
        junction = p.nodes(junction_xy[None])
        for sense in (+1, -1):
            before, after = (k - 20) % n, (k + 20) % n
            if sense == -1:
                before, after = after, before
            off_a, on_b = ids[sense][before], ids[sense][after]
            off = p.nodes(_interior(all_pts[sense][before], junction_xy, 20.0, rng, 0.02))
            on = p.nodes(_interior(junction_xy, all_pts[sense][after], 20.0, rng, 0.02))
            p.way(np.r_[off_a, off, junction], {"highway": "motorway_link"})
            p.way(np.r_[junction, on, on_b], {"highway": "motorway_link"})
        city_xy = p.xy()[cid - 1]
        inner = p.nodes(_interior(junction_xy, city_xy, 30.0, rng, 0.03))
        p.way(np.r_[junction, inner, cid], {"highway": "primary"})


def _nearest_index(line: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Index of the nearest ``line`` point to each of ``points``."""
    return np.array([int(np.argmin(np.hypot(*(line - q).T))) for q in points])


def write(p: _Province, path: Path, crs: str) -> dict[str, object]:
    """Write the province as an OSM PBF (WGS84 degrees, 7 decimals) aside, then move it into place."""
    xy = p.xy()
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(xy[:, 0], xy[:, 1])
    poi = np.zeros(p.n + 1, dtype=bool)
    for ids in p.pois:
        poi[ids] = True
    kinds = ["hospital", "school", "restaurant", "shop", "clinic"]
    tmp = path.with_name(path.name + ".part.osm.pbf")
    if tmp.exists():
        tmp.unlink()
    w = osmium.SimpleWriter(str(tmp), overwrite=True)
    try:
        for i in range(p.n):
            if poi[i + 1]:
                w.add_node(mutable.Node(id=i + 1, location=(lon[i], lat[i]), tags={"amenity": kinds[i % 5]}))
            else:
                w.add_node(mutable.Node(id=i + 1, location=(lon[i], lat[i])))
        for j, (ids, tags) in enumerate(p.ways, start=1):
            w.add_way(mutable.Way(id=j, nodes=ids.tolist(), tags=tags))
    finally:
        w.close()
    os.replace(tmp, path)
    refs = np.concatenate([ids for ids, _ in p.ways])
    count = np.bincount(refs, minlength=p.n + 1)
    ends = np.zeros(p.n + 1, dtype=bool)
    for ids, _ in p.ways:
        ends[ids[0]] = ends[ids[-1]] = True
    mix = Counter(t["highway"] for _, t in p.ways)
    oneway = sum(1 for _, t in p.ways if t.get("oneway") in ("yes", "-1", "1", "true")
                 or t.get("junction") == "roundabout" or (t["highway"] in ("motorway", "motorway_link")
                                                          and t.get("oneway") != "no"))
    return {
        "path": str(path),
        "bytes": path.stat().st_size,
        "nodes": int(p.n),
        "ways": len(p.ways),
        "way_node_refs": int(len(refs)),
        "interior_degree2_share": round(float(((count == 1) & ~ends).sum() / p.n), 4),
        "oneway_ways": oneway,
        "roundabouts": sum(1 for _, t in p.ways if t.get("junction") == "roundabout"),
        "highway_mix": {k: round(v / len(p.ways), 4) for k, v in mix.most_common()},
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: generate and write the province, print counts and a JSON line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/healthplan_province.osm.pbf"))
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--scale", type=float, default=0.7)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    p = build(args.seed, args.scale)
    t1 = time.perf_counter()
    stats = write(p, args.out, regions.resolve("hainan").metric_crs)
    stats.update(seed=args.seed, scale=args.scale, generate_s=round(t1 - t0, 1),
                 write_s=round(time.perf_counter() - t1, 1))
    for key in ("nodes", "ways", "way_node_refs", "interior_degree2_share", "oneway_ways", "roundabouts", "bytes"):
        print(f"{key:24s} {stats[key]:,}" if isinstance(stats[key], int) else f"{key:24s} {stats[key]}")
    print("highway mix (share of ways): " + ", ".join(f"{k} {v:.1%}" for k, v in stats["highway_mix"].items()))
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
