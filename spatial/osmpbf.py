"""Streaming OSM PBF reader: drivable ways → road pieces between junctions, interior points summed into lengths.

One pass over the file with pyosmium (libosmium's C++ reader and node-location index; Python sees
only the ways whose ``highway`` tag is a drivable value).  A way's node ids and coordinates come out in bulk (its
WKB line), so Python does a few operations per *way*, not per node.  Then, in numpy:

* a node is kept when it ends a drivable way or is used more than once by drivable ways (a junction,
  or where a way touches itself); every other node is an interior point of exactly one way;
* each way is cut at its kept nodes into *pieces*; a piece's length is the sum of the great-circle
  lengths of its segments (haversine, R = 6,371,009 m, the formula OSMnx uses), added in order: exactly
  what contracting the unsimplified graph's degree-2 chains would give.

Peak memory is a few hundred bytes per way node (the node-location index, the ids, the coordinates and
the WKB text of the kept ways), never a pandas frame of the whole file.  Ways whose nodes lie outside
the file (a clipped extract) or outside ``bounding_box`` are cut there; the count is logged and
returned.  Which ways are drivable follows pyrosm's and OSMnx's "driving" filter (no service roads
or tracks, no ``area=yes``, access by the most specific of ``motorcar``/``motor_vehicle``/``vehicle``/
``access``, closed when ``no`` or ``private``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import cast

import numpy as np
import osmium
from osmium.geom import WKBFactory, use_nodes

from spatial.errors import InputFileError

log = logging.getLogger(__name__)

#: Earth radius (m) of the great-circle lengths: OSMnx's ``distance.EARTH_RADIUS_M``.
EARTH_RADIUS_M: float = 6_371_009.0

#: Access keys from the most specific for a car to the general one.
_ACCESS_KEYS: tuple[str, ...] = ("motorcar", "motor_vehicle", "vehicle", "access")
_CLOSED = frozenset({"no", "private"})


def reader_version() -> str:
    """The reader's name and pyosmium version, for provenance."""
    return f"pyosmium {version('osmium')} (streaming, interior points contracted)"


@dataclass(frozen=True)
class WayPieces:
    """Road pieces between kept nodes, one per stretch of a drivable way (undirected; tags per piece)."""

    node_id: np.ndarray  # int64 (n,) OSM ids of the kept nodes
    lon: np.ndarray  # float64 (n,) WGS84 degrees
    lat: np.ndarray  # float64 (n,)
    u: np.ndarray  # int64 (p,) first node of each piece (index into node arrays), in way direction
    v: np.ndarray  # int64 (p,) last node of each piece
    length_m: np.ndarray  # float64 (p,) sum of the piece's great-circle segment lengths
    way: np.ndarray  # int64 (p,) index into the per-way arrays below
    highway: np.ndarray  # str (w,) per drivable way
    oneway: np.ndarray  # str (w,) the oneway tag ('' when absent)
    junction: np.ndarray  # str (w,) the junction tag ('' when absent)
    counts: dict[str, int]  # ways read, kept, dropped by reason; node references; cut points


def _closed_to_cars(tags: osmium.osm.TagList) -> bool:
    """Whether the most specific car access tag present is ``no``/``private`` (also one of several values)."""
    for key in _ACCESS_KEYS:
        value = tags.get(key)
        if value is not None:
            return any(part.strip() in _CLOSED for part in value.split(";"))
    return False


def _excluded(tags: osmium.osm.TagList, highways: frozenset[str]) -> str | None:
    """Why a highway way is not drivable (a short reason), or None when it is."""
    if tags.get("highway") not in highways:
        return "not a drivable highway value"
    if tags.get("area") == "yes":
        return "area=yes"
    if _closed_to_cars(tags):
        return "closed to cars (access)"
    return None


def haversine_m(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Great-circle distance (m) between WGS84 points, OSMnx's formula and radius."""
    y1, y2 = np.deg2rad(lat1), np.deg2rad(lat2)
    dy = y2 - y1
    dx = np.deg2rad(lon2) - np.deg2rad(lon1)
    h = np.sin(dy / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin(dx / 2) ** 2
    h = np.minimum(1.0, h)
    return 2 * np.arcsin(np.sqrt(h)) * EARTH_RADIUS_M


def _wkb_coords(hex_lines: list[str], n_points: np.ndarray) -> np.ndarray:
    """Coordinates (k, 2) of many WKB linestrings given as hex text with ``n_points`` points each."""
    if not hex_lines:
        return np.empty((0, 2))
    buf = np.frombuffer(bytes.fromhex("".join(hex_lines)), dtype=np.uint8)
    size = 9 + 16 * n_points  # byte order (1) + type (4) + count (4) + x, y doubles
    starts = np.r_[0, np.cumsum(size)[:-1]]
    body = np.ones(buf.shape[0], dtype=bool)
    body[(starts[:, None] + np.arange(9)).ravel()] = False
    return buf[body].view(np.float64).reshape(-1, 2)


def _way_nodes_one_by_one(nodes: Iterable) -> tuple[list[int], list[float]]:
    """Ids and flat lon/lat of a way whose nodes may lack locations (NaN there), one node at a time."""
    ids, xy = [], []
    for nd in nodes:
        ids.append(nd.ref)
        loc = nd.location
        xy += [loc.lon, loc.lat] if loc.valid() else [np.nan, np.nan]
    return ids, xy


def read_way_pieces(
    path: str | Path, *, highways: frozenset[str], bounding_box: list[float] | None = None
) -> WayPieces:
    """Read the drivable ways of an OSM PBF in one streaming pass and cut them into pieces at kept nodes.

    Parameters
    ----------
    path : OSM PBF file (also .osm/.osm.bz2: libosmium reads them alike).
    highways : ``highway`` values that are drivable.
    bounding_box : optional [min lon, min lat, max lon, max lat] (WGS84 degrees); ways are cut where they
        leave it.

    Returns
    -------
    WayPieces : kept nodes (WGS84 degrees), pieces with lengths in metres, tags per way, counts.
    """
    path = Path(path)
    refs: list[int] = []
    n_nodes: list[int] = []
    hex_lines: list[str] = []
    slow: dict[int, list[float]] = {}  # way index → flat lon/lat, for ways with missing node locations
    hw: list[str] = []
    ow: list[str] = []
    jn: list[str] = []
    dropped: dict[str, int] = {}
    seen = 0
    wkb = WKBFactory()
    try:
        fp = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            # (in C++: ways with another highway value never reach Python)
            .with_filter(osmium.filter.TagFilter(*(("highway", h) for h in sorted(highways))))
        )
        for entity in fp:
            w = cast(osmium.osm.Way, entity)  # the entity filter lets only ways through
            seen += 1
            tags = w.tags
            why = _excluded(tags, highways)
            if why is not None:
                dropped[why] = dropped.get(why, 0) + 1
                continue
            nodes = w.nodes
            ids = [nd.ref for nd in nodes]
            if len(ids) < 2:
                dropped["fewer than 2 nodes"] = dropped.get("fewer than 2 nodes", 0) + 1
                continue
            try:
                hex_lines.append(wkb.create_linestring(nodes, use_nodes.ALL))
            except osmium.InvalidLocationError:
                slow[len(hw)] = _way_nodes_one_by_one(nodes)[1]
            refs += ids
            n_nodes.append(len(ids))
            hw.append(tags["highway"])  # present: _excluded refuses ways without it
            ow.append((tags.get("oneway") or "").strip().lower())
            jn.append((tags.get("junction") or "").strip().lower())
    except (RuntimeError, OSError) as exc:  # libosmium reports unreadable input as RuntimeError
        raise InputFileError(f"{path}: cannot be read as an OSM PBF ({exc})") from exc

    counts = np.asarray(n_nodes, dtype=np.int64)
    ref = np.asarray(refs, dtype=np.int64)
    del refs
    xy = _coords(hex_lines, counts, slow)
    del hex_lines
    lon, lat = xy[:, 0], xy[:, 1]
    way_of = np.repeat(np.arange(len(counts)), counts)
    valid = np.isfinite(lon) & np.isfinite(lat)
    n_missing = int((~valid).sum())
    if bounding_box is not None:
        x0, y0, x1, y1 = bounding_box
        valid &= (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    n_cut = int((~valid).sum())
    if slow:  # said, as every slower path: libosmium's bulk line needs every node's location
        log.warning("%s: %d ways reference nodes missing from the file; read node by node and cut there",
                    path.name, len(slow))
    if n_cut:
        log.info("%s: %d way nodes have no location in the file, %d lie outside the bounding box; ways are cut there",
                 path.name, n_missing, n_cut - n_missing)
    pieces = _pieces(ref, lon, lat, way_of, counts, valid)
    stats = {
        "drivable_highway_ways_read": seen,
        "drivable_ways": len(hw),
        "way_node_refs": int(ref.shape[0]),
        "way_nodes_without_location": n_missing,
        "ways_read_node_by_node": len(slow),
        "way_nodes_outside_bounding_box": n_cut - n_missing,
        "kept_nodes": int(pieces[0].shape[0]),
        "pieces": int(pieces[3].shape[0]),
        **{f"ways_dropped: {k}": v for k, v in sorted(dropped.items())},
    }
    return WayPieces(
        *pieces,
        highway=np.asarray(hw, dtype=str),
        oneway=np.asarray(ow, dtype=str),
        junction=np.asarray(jn, dtype=str),
        counts=stats,
    )


def _coords(hex_lines: list[str], counts: np.ndarray, slow: dict[int, list[float]]) -> np.ndarray:
    """All way-node coordinates (k, 2) in way order: bulk WKB for most ways, the per-node read for the rest."""
    if not slow:
        return _wkb_coords(hex_lines, counts)
    fast = np.ones(len(counts), dtype=bool)
    fast[list(slow)] = False
    out = np.empty((int(counts.sum()), 2))
    start = np.r_[0, np.cumsum(counts)[:-1]]
    fast_rows = np.repeat(fast, counts)
    out[fast_rows] = _wkb_coords(hex_lines, counts[fast])
    for i, flat in slow.items():
        out[start[i] : start[i] + counts[i]] = np.asarray(flat).reshape(-1, 2)
    return out


def _pieces(
    ref: np.ndarray, lon: np.ndarray, lat: np.ndarray, way_of: np.ndarray, counts: np.ndarray, valid: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut ways at kept nodes: (node ids, lon, lat, u, v, length_m, way) — see ``WayPieces``."""
    # runs of consecutive usable nodes of one way act as ways of their own
    first = np.zeros(ref.shape[0], dtype=bool)
    first[np.r_[0, np.cumsum(counts)[:-1]]] = True
    first[1:] |= ~valid[:-1]
    run = np.cumsum(first)[valid]
    ref, lon, lat, way_of = ref[valid], lon[valid], lat[valid], way_of[valid]
    # a run of one node is no road
    run_len = np.bincount(run)
    long = run_len[run] >= 2
    ref, lon, lat, way_of, run = ref[long], lon[long], lat[long], way_of[long], run[long]
    n = ref.shape[0]
    if n == 0:
        empty_i, empty_f = np.empty(0, dtype=np.int64), np.empty(0)
        return empty_i, empty_f, empty_f, empty_i, empty_i, empty_f, empty_i
    start = np.r_[True, run[1:] != run[:-1]]
    end = np.r_[run[1:] != run[:-1], True]
    uniq, inv, used = np.unique(ref, return_inverse=True, return_counts=True)
    kept = start | end | (used[inv] >= 2)
    seg = np.zeros(n)
    seg[:-1] = haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:])
    pos = np.flatnonzero(kept)
    length = np.add.reduceat(seg, pos)  # sum of seg[pos[j]:pos[j+1]], in order
    piece = ~end[pos]  # a kept node that does not end its run starts a piece
    keep_node = np.zeros(uniq.shape[0], dtype=bool)
    keep_node[inv[pos]] = True
    new_id = np.cumsum(keep_node) - 1
    node_lon = np.empty(uniq.shape[0])
    node_lat = np.empty(uniq.shape[0])
    node_lon[inv], node_lat[inv] = lon, lat
    u = new_id[inv[pos[:-1][piece[:-1]]]]
    v = new_id[inv[pos[1:][piece[:-1]]]]
    return (
        uniq[keep_node],
        node_lon[keep_node],
        node_lat[keep_node],
        u,
        v,
        length[:-1][piece[:-1]],
        way_of[pos[:-1][piece[:-1]]],
    )


__all__ = ["EARTH_RADIUS_M", "WayPieces", "haversine_m", "read_way_pieces", "reader_version"]
