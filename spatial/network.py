"""The compact routable road network: node coordinates plus CSR edge arrays (metres and minutes).

Builders: ``from_road_lines`` (GeoPackage/Shapefile/GeoJSON/FileGDB lines with a road-class field),
``from_edge_csv`` (node + directed edge tables, e.g. the Haikou DiDi network), ``from_pbf`` /
``from_place`` / ``from_osm_xml`` (OpenStreetMap, in ``spatial/osm.py``); ``save``/``load`` a built
network (uncompressed .npz + JSON, loads in milliseconds) and ``cached_network`` (build once per
source + options, load from the disk cache after).

CONTRACT (other modules code against this; the builders live beside it and are filled in by the
network work):

* ``Network`` is immutable; nodes are ``0..n-1``; edges are stored as CSR *out*-edges:
  the edges leaving node ``u`` are ``indptr[u]:indptr[u+1]``, each going to ``head[e]`` with
  ``length_m[e]`` metres and ``minutes[e]`` minutes.  Undirected roads appear as two directed edges.
* ``lon``/``lat`` are WGS84 (EPSG:4326) degrees; ``x_m``/``y_m`` the same nodes in ``metric_crs``
  (a projection suited to the region, for snapping and buffering).
* ``provenance`` is a JSON-serialisable dict: source file/place, its date, speed table, snap
  tolerance, share of nodes dropped outside the largest component, build time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from spatial.errors import InputFileError, NetworkError
from spatial.settings import CACHE_DIR, SNAP_M


@dataclass(frozen=True, eq=False)
class Network:
    """A directed road graph in CSR form, WGS84 node coordinates, edge lengths (m) and times (min)."""

    lon: np.ndarray  # float64 (n,) degrees
    lat: np.ndarray  # float64 (n,) degrees
    x_m: np.ndarray  # float64 (n,) metres in metric_crs
    y_m: np.ndarray  # float64 (n,) metres in metric_crs
    indptr: np.ndarray  # int64 (n+1,)
    head: np.ndarray  # int32 (m,) target node of each out-edge
    length_m: np.ndarray  # float64 (m,)
    minutes: np.ndarray  # float64 (m,)
    road_class: np.ndarray  # int16 (m,) index into `classes`
    classes: tuple[str, ...]  # road-class names, e.g. ("motorway", "primary", …)
    metric_crs: str  # PROJ/EPSG string of the metric projection used for x_m/y_m
    directed: bool  # True when at least one road is one-way
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.lon.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.head.shape[0])

    @cached_property
    def tail(self) -> np.ndarray:
        """Source node of each edge (int32, m)."""
        return np.repeat(np.arange(self.n_nodes, dtype=np.int32), np.diff(self.indptr))

    @cached_property
    def graph_minutes(self) -> sp.csr_matrix:
        """Forward graph weighted by minutes: entry (u, v) is the time from u to v."""
        return sp.csr_matrix((self.minutes, self.head, self.indptr), shape=(self.n_nodes, self.n_nodes))

    @cached_property
    def reverse_minutes(self) -> sp.csr_matrix:
        """Transposed graph: a search from facilities on it gives times *to* the facilities."""
        return self.graph_minutes.T.tocsr()


# ----------------------------------------------------------------------------------------------
# Assembly: edge lists → compact CSR Network (shared by every builder)
# ----------------------------------------------------------------------------------------------

log = logging.getLogger(__name__)

#: Smallest edge time (min): csgraph treats explicit zeros as missing edges, so zero-length edges get this.
MIN_EDGE_MINUTES: float = 1e-6

#: Bump when the on-disk layout or the builders' output changes (invalidates caches).
FORMAT_VERSION: int = 2

_ARRAYS = ("lon", "lat", "x_m", "y_m", "indptr", "head", "length_m", "minutes", "road_class")


def travel_minutes(length_m: np.ndarray, speed_kmh: np.ndarray | float) -> np.ndarray:
    """Minutes to drive ``length_m`` metres at ``speed_kmh`` (length_m * 0.06 / speed_kmh)."""
    return np.asarray(length_m, dtype=float) * 0.06 / speed_kmh


def project(lon: np.ndarray, lat: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 degrees → metres in ``crs``."""
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = tr.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def assemble(
    lon: np.ndarray,
    lat: np.ndarray,
    tail: np.ndarray,
    head: np.ndarray,
    length_m: np.ndarray,
    minutes: np.ndarray,
    road_class: np.ndarray,
    classes: tuple[str, ...],
    *,
    directed: bool,
    metric_crs: str | None = None,
    provenance: dict[str, Any] | None = None,
    keep_largest: bool = True,
) -> Network:
    """Directed edge arrays → Network: drop self-loops, keep the fastest parallel edge, keep the largest component.

    The component is strongly connected for directed networks (every kept node can reach and be
    reached from every other), weakly otherwise.  The share of nodes dropped is logged and recorded.
    """
    from spatial.coords import metric_crs as fit_metric_crs

    prov = dict(provenance or {})
    tail, head = np.asarray(tail, dtype=np.int64), np.asarray(head, dtype=np.int64)
    length_m = np.asarray(length_m, dtype=float)
    minutes = np.maximum(np.asarray(minutes, dtype=float), MIN_EDGE_MINUTES)
    road_class = np.asarray(road_class, dtype=np.int16)
    n = len(lon)
    if n == 0 or len(tail) == 0:
        raise NetworkError("the road data gave an empty network (no nodes or no edges)")
    bad = ~(np.isfinite(length_m) & np.isfinite(minutes)) | (length_m < 0)
    if bad.any():
        raise NetworkError(f"{int(bad.sum())} edges have a missing, infinite or negative length/time")

    loop = tail == head
    tail, head, length_m, minutes, road_class = (
        a[~loop] for a in (tail, head, length_m, minutes, road_class)
    )
    # parallel edges: scipy's csr would SUM duplicates, so keep the fastest of each (tail, head) pair
    order = np.lexsort((length_m, minutes, head, tail))
    tail, head, length_m, minutes, road_class = (
        a[order] for a in (tail, head, length_m, minutes, road_class)
    )
    first = np.r_[True, (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])]
    n_parallel = int((~first).sum())
    tail, head, length_m, minutes, road_class = (
        a[first] for a in (tail, head, length_m, minutes, road_class)
    )

    graph = sp.csr_matrix((np.ones(len(tail), dtype=np.int8), (tail, head)), shape=(n, n))
    n_comp, label = connected_components(
        graph, directed=directed, connection="strong" if directed else "weak"
    )
    # nodes touched by no edge form singleton components; count components among used nodes only
    used = np.zeros(n, dtype=bool)
    used[tail] = used[head] = True
    sizes = np.bincount(label[used], minlength=n_comp)
    n_used = int(used.sum())
    if keep_largest:
        big = int(np.argmax(sizes))
        keep = used & (label == big)
    else:
        keep = used
    n_kept = int(keep.sum())
    dropped_share = 1.0 - n_kept / n_used
    new_id = np.full(n, -1, dtype=np.int64)
    new_id[keep] = np.arange(n_kept)
    ek = keep[tail] & keep[head]
    tail, head, length_m, minutes, road_class = (a[ek] for a in (tail, head, length_m, minutes, road_class))
    tail, head = new_id[tail], new_id[head]
    # already sorted by tail (lexsort above, and the relabelling preserves order)
    indptr = np.zeros(n_kept + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=n_kept), out=indptr[1:])

    lon_k, lat_k = np.asarray(lon, dtype=float)[keep], np.asarray(lat, dtype=float)[keep]
    crs = metric_crs or fit_metric_crs(lon_k.min(), lat_k.min(), lon_k.max(), lat_k.max())
    x_m, y_m = project(lon_k, lat_k, crs)
    # a two-way road is two opposite edges of equal time; directed if any edge lacks such a twin
    if directed:
        g = sp.csr_matrix((minutes, (tail, head)), shape=(n_kept, n_kept))
        is_directed = bool((g != g.T).nnz > 0)
    else:
        is_directed = False
    n_comp_used = int((sizes > 0).sum())
    prov.update(
        nodes=n_kept,
        edges=len(head),
        components=n_comp_used,
        component_kind="strong" if directed else "weak",
        nodes_before_component_filter=n_used,
        dropped_node_share=round(dropped_share, 6),
        parallel_edges_dropped=n_parallel,
        self_loops_dropped=int(loop.sum()),
    )
    log.info(
        "network: %d nodes, %d edges; kept the largest of %d %s components, dropping %.1f%% of %d nodes",
        n_kept,
        len(head),
        n_comp_used,
        prov["component_kind"],
        100 * dropped_share,
        n_used,
    )
    return Network(
        lon=lon_k,
        lat=lat_k,
        x_m=x_m,
        y_m=y_m,
        indptr=indptr,
        head=head.astype(np.int32),
        length_m=length_m,
        minutes=minutes,
        road_class=road_class,
        classes=tuple(str(c) for c in classes),
        metric_crs=crs,
        directed=is_directed,
        provenance=prov,
    )


def file_identity(path: Path) -> dict[str, Any]:
    """Absolute path, size (bytes) and modification time of a source file, for provenance and cache keys."""
    st = path.stat()
    return {
        "path": str(path.resolve()),
        "size": st.st_size,
        "mtime": datetime.fromtimestamp(st.st_mtime, tz=UTC).isoformat(timespec="seconds"),
        "mtime_ns": st.st_mtime_ns,
    }


def _speed_provenance(
    classes: tuple[str, ...], speed_kmh: np.ndarray, speeds: Mapping | None, uniform_speed_kmh: float | None
) -> dict[str, Any]:
    """Which speed each class got and from which table."""
    from spatial.speeds import DEFAULT_SPEEDS_CSV, load_speeds, speeds_digest

    if uniform_speed_kmh is not None:
        table = "uniform"
    elif speeds is None:
        table = f"default {DEFAULT_SPEEDS_CSV.name} ({speeds_digest(load_speeds())})"
    else:
        table = f"user table ({speeds_digest(speeds)})"
    return {
        "speed_table": table,
        "uniform_speed_kmh": uniform_speed_kmh,
        "class_speeds_kmh": {c: float(s) for c, s in zip(classes, speed_kmh)},
    }


def _resolve_speeds(speeds: Mapping[str, float] | str | Path | None) -> Mapping[str, float] | None:
    """A speed table given as a mapping, a file path, or None (the default table)."""
    from spatial.speeds import load_speeds

    if speeds is None or isinstance(speeds, Mapping):
        return speeds
    return load_speeds(speeds)


# ----------------------------------------------------------------------------------------------
# Road lines (GeoPackage, Shapefile, GeoJSON, FileGDB …)
# ----------------------------------------------------------------------------------------------

#: One-way codes, lower-cased.  Forward = the line's digitised direction only; backward = against it.
#: FT/TF/B are the ESRI and HERE street conventions.  Single-letter T/F (HERE's towards/from, but
#: PostgreSQL's true/false) and NavInfo's 0–3 codes are ambiguous and refused with the values found, so a
#: one-way street is never silently taken as two-way or reversed.
_ONEWAY_FORWARD = frozenset({"yes", "y", "true", "1", "forward", "ft", "是", "正向", "顺向"})
_ONEWAY_BACKWARD = frozenset({"-1", "reverse", "backward", "tf", "逆向", "反向"})
_ONEWAY_BOTH = frozenset({"", "no", "n", "false", "0", "both", "b", "双向", "否", "none", "nan"})


def _oneway_codes(values: np.ndarray, *, path: Path, field: str) -> tuple[np.ndarray, np.ndarray]:
    """(forward-only, backward-only) masks from a one-way column; unknown codes raise naming their rows."""
    codes = np.array(["" if v is None else str(v).strip().lower() for v in values], dtype=object)
    known = np.isin(codes, list(_ONEWAY_FORWARD | _ONEWAY_BACKWARD | _ONEWAY_BOTH))
    if not known.all():
        bad = np.flatnonzero(~known)
        found = sorted({str(values[i]) for i in bad})[:10]
        raise InputFileError(
            f"{path}: one-way field {field!r} has values healthplan cannot read: {found} "
            f"(features {', '.join(str(i + 1) for i in bad[:5])}{' …' if bad.size > 5 else ''}). "
            "Recode them: yes/FT = one-way in the digitised direction, -1/TF = against it, "
            "no/B/empty = both ways"
        )
    return np.isin(codes, list(_ONEWAY_FORWARD)), np.isin(codes, list(_ONEWAY_BACKWARD))


def _read_lines(path: Path, *, class_field: str, layer: str | int | None, oneway_field: str | None):
    """Read the line layer as a GeoDataFrame (WGS84), with helpful errors for the usual mistakes."""
    import pyogrio

    if not path.exists():
        raise InputFileError(f"road file {path} not found")
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise InputFileError(f"{path}: cannot be read as a GIS vector file ({exc})") from exc
    if len(layers) == 0:
        raise InputFileError(f"{path}: the file has no layers")
    if layer is None and len(layers) > 1:
        line_layers = [str(name) for name, geom in layers if geom and "line" in str(geom).lower()]
        if len(line_layers) != 1:
            raise InputFileError(
                f"{path} has several layers ({', '.join(str(x) for x in layers[:, 0])}); choose one with --layer"
            )
        layer = line_layers[0]
    try:
        info = pyogrio.read_info(path, layer=layer)
    except Exception as exc:
        raise InputFileError(
            f"{path}: cannot open layer {layer!r} ({exc}); layers: {list(layers[:, 0])}"
        ) from exc
    fields = [str(f) for f in info["fields"]]
    for name, what in ((class_field, "road-class"), (oneway_field, "one-way")):
        if name is not None and name not in fields:
            raise InputFileError(
                f"{path}: no {what} field {name!r}; the fields are {', '.join(fields) or '(none)'}. "
                "Pass the right one with --class-field (or use --uniform-speed with any field)"
            )
    if info["features"] == 0:
        raise InputFileError(f"{path}: layer {layer or layers[0][0]!r} has no features")
    columns = [c for c in (class_field, oneway_field) if c]
    frame = pyogrio.read_dataframe(path, layer=layer, columns=columns, use_arrow=True)
    if len(frame) == 0:
        raise InputFileError(f"{path}: layer {layer or layers[0][0]!r} has no features")
    return frame, (layer if layer is not None else str(layers[0][0]))


def _lines_to_wgs84(frame, path: Path, datum: str):
    """Line geometries in WGS84 degrees as a numpy object array, plus the row (1-based) of each part."""
    import shapely

    from spatial.coords import to_wgs84

    geoms = frame.geometry.values
    gtype = shapely.get_type_id(np.asarray(geoms, dtype=object))
    missing = (gtype < 0) | np.asarray(shapely.is_empty(np.asarray(geoms, dtype=object)))
    ok = np.isin(gtype, [1, 5])  # LineString, MultiLineString
    wrong = ~ok & ~missing
    if wrong.any():
        rows = np.flatnonzero(wrong)[:5] + 1
        kinds = sorted(set(shapely.get_type_id(np.asarray(geoms, dtype=object)[wrong]).tolist()))
        names = {
            0: "Point",
            2: "LinearRing",
            3: "Polygon",
            4: "MultiPoint",
            6: "MultiPolygon",
            7: "GeometryCollection",
        }
        raise InputFileError(
            f"{path}: {int(wrong.sum())} features are not lines ({', '.join(names.get(k, str(k)) for k in kinds)}), "
            f"e.g. rows {', '.join(map(str, rows))}; a road network needs LineString/MultiLineString features"
        )
    if frame.crs is None:
        b = frame.total_bounds
        if not (-180 <= b[0] <= b[2] <= 180 and -90 <= b[1] <= b[3] <= 90):
            raise InputFileError(
                f"{path}: the layer has no CRS and its coordinates are not lon/lat; set the CRS (.prj)"
            )
        log.warning("%s has no CRS; its coordinates look like lon/lat, so EPSG:4326 is assumed", path)
    elif not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    parts = frame.geometry.values[ok]
    rows = np.flatnonzero(ok)
    if (gtype[ok] == 5).any():
        lines, index = shapely.get_parts(np.asarray(parts, dtype=object), return_index=True)
        rows = rows[index]
    else:
        lines = np.asarray(parts, dtype=object)
    lines = np.asarray(lines, dtype=object)
    if datum != "wgs84":
        lines = shapely.transform(lines, lambda c: np.column_stack(to_wgs84(c[:, 0], c[:, 1], datum)))
    return lines, rows, int(missing.sum())


def from_road_lines(
    path: str | Path,
    *,
    class_field: str | None,
    layer: str | int | None = None,
    speeds: Mapping[str, float] | str | Path | None = None,
    uniform_speed_kmh: float | None = None,
    snap_m: float = SNAP_M,
    oneway_field: str | None = None,
    datum: str = "wgs84",
    t_junctions: bool = True,
) -> Network:
    """Routable network from road lines with a road-class field (any format pyogrio reads).

    Endpoints closer than ``snap_m`` metres are bridged by a gap edge; a dangling end within ``snap_m``
    of another line splits it (T-junction) and is bridged to the split point (``spatial.topology``).
    Lengths are measured in a metric CRS fitted to the data.  Roads are two-way unless
    ``oneway_field`` says otherwise (yes/FT = digitised direction, -1/TF = against, no/B = both;
    other codes, such as single-letter T/F, are refused).
    ``class_field=None`` is allowed with ``uniform_speed_kmh`` (every road in one class, "road").
    """
    import shapely
    from pyproj import Transformer

    from spatial.coords import metric_crs as fit_metric_crs
    from spatial.speeds import class_speeds
    from spatial.topology import build_topology

    t0 = time.perf_counter()
    path = Path(path)
    if snap_m < 0:
        raise NetworkError(f"snap tolerance must be ≥ 0 metres, got {snap_m}")
    if class_field is None and uniform_speed_kmh is None:
        raise InputFileError(
            f"{path}: name the road-class field (--class-field), or give --uniform-speed KMH"
        )
    frame, layer_name = _read_lines(path, class_field=class_field, layer=layer, oneway_field=oneway_field)
    lines, rows, n_missing = _lines_to_wgs84(frame, path, datum)
    if n_missing:
        log.warning("%s: %d features without geometry were skipped", path, n_missing)
    if len(lines) == 0:
        raise InputFileError(f"{path}: no line geometries to build a network from")
    raw_class = (
        frame[class_field].to_numpy(dtype=object)[rows]
        if class_field
        else np.full(len(rows), "road", dtype=object)
    )
    null = np.array(
        [c is None or (isinstance(c, float) and np.isnan(c)) or str(c).strip() == "" for c in raw_class]
    )
    if null.any() and uniform_speed_kmh is None:
        bad_rows = np.unique(rows[null])[:5] + 1
        raise InputFileError(
            f"{path}: {int(null.sum())} roads have an empty {class_field!r}, e.g. rows "
            f"{', '.join(map(str, bad_rows))}; fill them in or use --uniform-speed"
        )
    class_str = np.where(null, "unknown", np.array([str(c).strip() for c in raw_class], dtype=object))
    classes, class_idx = np.unique(class_str.astype(str), return_inverse=True)
    classes = tuple(str(c) for c in classes)
    table = _resolve_speeds(speeds)
    speed_of_class = class_speeds(classes, table, uniform_speed_kmh=uniform_speed_kmh, source=str(path))

    lon_min, lat_min, lon_max, lat_max = shapely.total_bounds(lines)
    crs = fit_metric_crs(lon_min, lat_min, lon_max, lat_max)
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    metric = shapely.transform(lines, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))
    bad_len = shapely.length(metric) <= 0
    if bad_len.all():
        raise InputFileError(f"{path}: all lines have zero length")
    log.info("%s: %d lines, building topology (snap %.0f m)", path.name, len(lines), snap_m)
    topo = build_topology(metric, snap_m=snap_m, t_junctions=t_junctions, line_rank=speed_of_class[class_idx])

    # endpoint nodes take their lon/lat straight from the input; T-junction split points are projected back
    ends = np.vstack(
        [
            shapely.get_coordinates(shapely.get_point(lines, 0)),
            shapely.get_coordinates(shapely.get_point(lines, -1)),
        ]
    )
    on_end = topo.node_endpoint >= 0
    node_lon, node_lat = np.empty(len(on_end)), np.empty(len(on_end))
    node_lon[on_end], node_lat[on_end] = (
        ends[topo.node_endpoint[on_end], 0],
        ends[topo.node_endpoint[on_end], 1],
    )
    inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    node_lon[~on_end], node_lat[~on_end] = inv.transform(topo.node_x[~on_end], topo.node_y[~on_end])

    line_class = class_idx[topo.line]
    minutes = travel_minutes(topo.length_m, speed_of_class[line_class])
    u, v, length_m = topo.u, topo.v, topo.length_m
    if oneway_field is not None:
        fwd_rows, back_rows = _oneway_codes(frame[oneway_field].to_numpy(dtype=object), path=path, field=oneway_field)
        fwd_only, back_only = fwd_rows[rows][topo.line], back_rows[rows][topo.line]
    else:
        fwd_only = back_only = np.zeros(len(u), dtype=bool)
    f, b = ~back_only, ~fwd_only
    tail = np.concatenate([u[f], v[b]])
    head = np.concatenate([v[f], u[b]])
    prov = {
        "kind": "roads",
        "source": file_identity(path),
        "layer": layer_name,
        "class_field": class_field,
        "oneway_field": oneway_field,
        "datum": datum,
        "snap_m": float(snap_m),
        "lines": len(lines),
        "features_without_geometry": n_missing,
        "t_junction_snapping": t_junctions,
        "t_junctions": topo.n_t_junctions,
        "endpoint_joins": topo.n_endpoint_joins,
        **_speed_provenance(classes, speed_of_class, table, uniform_speed_kmh),
    }
    net = assemble(
        np.asarray(node_lon),
        np.asarray(node_lat),
        tail,
        head,
        np.concatenate([length_m[f], length_m[b]]),
        np.concatenate([minutes[f], minutes[b]]),
        np.concatenate([line_class[f], line_class[b]]),
        classes,
        directed=bool(fwd_only.any() or back_only.any()),
        metric_crs=crs,
        provenance=prov,
    )
    net.provenance["build_seconds"] = round(time.perf_counter() - t0, 3)
    return net


# ----------------------------------------------------------------------------------------------
# Node + edge tables (the Haikou DiDi network and similar)
# ----------------------------------------------------------------------------------------------


def _parse_xy_list(values, path: Path, column: str) -> np.ndarray:
    """Parse '[lon, lat]' strings into an (n, 2) float array."""
    try:
        return np.array([json.loads(s) for s in values], dtype=float).reshape(-1, 2)
    except (TypeError, ValueError) as exc:
        raise InputFileError(f"{path}: column {column!r} must hold '[lon, lat]' pairs ({exc})") from exc


def from_edge_csv(
    nodes_csv: str | Path,
    edges_csv: str | Path,
    *,
    datum: str = "gcj02",
    speed_kmh: float | None = None,
    speeds: Mapping[str, float] | str | Path | None = None,
) -> Network:
    """Directed network from a node table (id, coor '[lon, lat]' or lon/lat) and an edge table.

    Edge columns: ``head_ver``/``tail_ver`` (DiDi layout; which one is the start is detected by
    comparing with the polyline's first point) or ``from``/``to``; ``length`` in metres (else the
    polyline's geodesic length).  There is no road class: every edge gets ``speed_kmh``, by default
    the table's urban arterial (``主干路``) speed.
    """
    import pandas as pd
    from pyproj import Geod

    from spatial.coords import to_wgs84
    from spatial.speeds import URBAN_DEFAULT_CLASS, class_speeds

    t0 = time.perf_counter()
    nodes_csv, edges_csv = Path(nodes_csv), Path(edges_csv)
    for p in (nodes_csv, edges_csv):
        if not p.is_file():
            raise InputFileError(f"{p} not found")
    try:
        nodes = pd.read_csv(nodes_csv)
        edges = pd.read_csv(edges_csv)
    except Exception as exc:
        raise InputFileError(f"cannot read the node/edge CSVs {nodes_csv}, {edges_csv}: {exc}") from exc
    if len(nodes) == 0 or len(edges) == 0:
        raise InputFileError(f"{nodes_csv if len(nodes) == 0 else edges_csv}: no rows")
    if "id" not in nodes.columns:
        raise InputFileError(f"{nodes_csv}: needs an 'id' column (found {list(nodes.columns)})")
    if "coor" in nodes.columns:
        xy = _parse_xy_list(nodes["coor"], nodes_csv, "coor")
    elif {"lon", "lat"} <= set(nodes.columns):
        xy = nodes[["lon", "lat"]].to_numpy(dtype=float)
    else:
        raise InputFileError(f"{nodes_csv}: needs 'coor' ('[lon, lat]') or 'lon' and 'lat' columns")
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1], datum)
    ids = nodes["id"].to_numpy()
    order = np.argsort(ids, kind="stable")

    def index_of(col: str) -> np.ndarray:
        """Row index of each edge end id in the node table (errors name the first bad row)."""
        vals = edges[col].to_numpy()
        pos = np.searchsorted(ids, vals, sorter=order).clip(0, len(ids) - 1)
        found = ids[order][pos] == vals
        if not found.all():
            row = int(np.flatnonzero(~found)[0]) + 2
            raise InputFileError(
                f"{edges_csv}, row {row}: {col} {vals[~found][0]} is not a node id in {nodes_csv}"
            )
        return order[pos]

    polyline = None
    if "polyline" in edges.columns:
        polyline = [np.array(json.loads(s), dtype=float).reshape(-1, 2) for s in edges["polyline"]]
    if {"head_ver", "tail_ver"} <= set(edges.columns):
        a, b = index_of("head_ver"), index_of("tail_ver")
        orientation = "head_ver is the start"
        if polyline is not None:
            first = np.array([p[0] for p in polyline])
            da = np.abs(xy[a] - first).max(axis=1)
            db = np.abs(xy[b] - first).max(axis=1)
            if np.mean(db < da) > 0.5:
                a, b = b, a
                orientation = "tail_ver is the start"
            match = float(np.mean(np.minimum(da, db) < 1e-5))
            log.info(
                "%s: %s (polyline first point matches %.1f%% of edges)",
                edges_csv.name,
                orientation,
                100 * match,
            )
    elif {"from", "to"} <= set(edges.columns):
        a, b = index_of("from"), index_of("to")
        orientation = "from → to"
    else:
        raise InputFileError(
            f"{edges_csv}: needs head_ver/tail_ver or from/to columns (found {list(edges.columns)})"
        )
    if "length" in edges.columns:
        length_m = edges["length"].to_numpy(dtype=float)
        length_source = "length column (m)"
    elif polyline is not None:
        geod = Geod(ellps="WGS84")
        length_m = np.array([geod.line_length(*to_wgs84(p[:, 0], p[:, 1], datum)) for p in polyline])
        length_source = "polyline geodesic length"
    else:
        raise InputFileError(f"{edges_csv}: needs a 'length' column (metres) or a 'polyline'")
    if not np.all(np.isfinite(length_m)) or (length_m < 0).any():
        row = int(np.flatnonzero(~(np.isfinite(length_m) & (length_m >= 0)))[0]) + 2
        raise InputFileError(f"{edges_csv}, row {row}: length must be a non-negative number of metres")
    table = _resolve_speeds(speeds)
    speed = (
        float(speed_kmh) if speed_kmh is not None else float(class_speeds([URBAN_DEFAULT_CLASS], table)[0])
    )
    cls_name = URBAN_DEFAULT_CLASS if speed_kmh is None else "uniform"
    prov = {
        "kind": "edge_csv",
        "source": {"nodes": file_identity(nodes_csv), "edges": file_identity(edges_csv)},
        "datum": datum,
        "orientation": orientation,
        "length_source": length_source,
        "speed_kmh": speed,
        "speed_note": (
            f"no road classes in the data: every edge at the default urban arterial speed ({URBAN_DEFAULT_CLASS}, "
            f"{speed:g} km/h)"
            if speed_kmh is None
            else f"every edge at {speed:g} km/h (given)"
        ),
    }
    net = assemble(
        lon,
        lat,
        a,
        b,
        length_m,
        travel_minutes(length_m, speed),
        np.zeros(len(a), dtype=np.int16),
        (cls_name,),
        directed=True,
        provenance=prov,
    )
    net.provenance["build_seconds"] = round(time.perf_counter() - t0, 3)
    return net


# ----------------------------------------------------------------------------------------------
# OpenStreetMap builders (implemented in spatial/osm.py)
# ----------------------------------------------------------------------------------------------


def from_pbf(path: str | Path, **options: Any) -> Network:
    """Driving network from an OSM PBF extract (e.g. Geofabrik); see ``spatial.osm.from_pbf``."""
    from spatial import osm

    return osm.from_pbf(path, **options)


def from_place(name: str, **options: Any) -> Network:
    """Driving network of a named place from Overpass through osmnx (needs internet); see ``spatial.osm``."""
    from spatial import osm

    return osm.from_place(name, **options)


def from_osm_xml(path: str | Path, **options: Any) -> Network:
    """Driving network from an OSM XML file through osmnx (same conversion as ``from_place``)."""
    from spatial import osm

    return osm.from_osm_xml(path, **options)


# ----------------------------------------------------------------------------------------------
# Disk format and cache
# ----------------------------------------------------------------------------------------------


def save(net: Network, directory: str | Path) -> Path:
    """Write ``arrays.npz`` (uncompressed) and ``network.json`` (classes, CRS, provenance) to ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    np.savez(directory / "arrays.npz", **{name: getattr(net, name) for name in _ARRAYS})
    meta = {
        "format_version": FORMAT_VERSION,
        "classes": list(net.classes),
        "metric_crs": net.metric_crs,
        "directed": net.directed,
        "n_nodes": net.n_nodes,
        "n_edges": net.n_edges,
        "provenance": net.provenance,
    }
    (directory / "network.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    return directory


def load(directory: str | Path) -> Network:
    """Read a network written by ``save`` (milliseconds: plain .npz + JSON)."""
    directory = Path(directory)
    meta_path, arr_path = directory / "network.json", directory / "arrays.npz"
    if not meta_path.is_file() or not arr_path.is_file():
        raise NetworkError(
            f"{directory} does not hold a built network (expected network.json and arrays.npz); "
            "build one with 'healthplan network build … --out DIR'"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        with np.load(arr_path, allow_pickle=False) as z:
            arrays = {name: z[name] for name in _ARRAYS}
    except (OSError, ValueError, KeyError) as exc:
        raise NetworkError(f"{directory}: the saved network is unreadable ({exc}); rebuild it") from exc
    if meta.get("format_version") != FORMAT_VERSION:
        raise NetworkError(
            f"{directory}: saved with format {meta.get('format_version')}, this version reads {FORMAT_VERSION}; rebuild it"
        )
    net = Network(
        **arrays,
        classes=tuple(meta["classes"]),
        metric_crs=meta["metric_crs"],
        directed=bool(meta["directed"]),
        provenance=meta.get("provenance", {}),
    )
    if (
        net.n_nodes != meta.get("n_nodes")
        or net.n_edges != meta.get("n_edges")
        or len(net.indptr) != net.n_nodes + 1
    ):
        raise NetworkError(f"{directory}: arrays and network.json disagree; rebuild the network")
    return net


_BUILDERS = ("roads", "pbf", "place", "osm_xml", "edge_csv")


@lru_cache(maxsize=1)
def _builder_digest() -> str:
    """Hash of the code that builds networks, so a changed builder never serves a stale cached network."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in ("network.py", "topology.py", "osm.py", "speeds.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()[:12]


def cache_key(kind: str, source: str | Path | tuple, options: Mapping[str, Any]) -> str:
    """Hash of the source identity (path + size + mtime, or place name), the options and the speed table."""
    from spatial.speeds import load_speeds, speeds_digest

    def ident(s: Any) -> Any:
        p = Path(s)
        if kind != "place" and p.exists():
            st = p.stat()
            return [str(p.resolve()), st.st_size, st.st_mtime_ns]
        return str(s)

    src = [ident(s) for s in source] if isinstance(source, (tuple, list)) else ident(source)
    opts = {k: v for k, v in options.items() if k != "speeds"}
    if options.get("uniform_speed_kmh") is None and options.get("speed_kmh") is None:
        sp_ = options.get("speeds")
        table = load_speeds() if sp_ is None else (sp_ if isinstance(sp_, Mapping) else load_speeds(sp_))
        opts["speeds"] = speeds_digest(table)
    blob = json.dumps(
        {"v": FORMAT_VERSION, "code": _builder_digest(), "kind": kind, "source": src, "options": opts},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:20]


def build(kind: str, source: str | Path | tuple, **options: Any) -> Network:
    """Build a network of ``kind`` ("roads", "pbf", "place", "osm_xml", "edge_csv") from ``source``."""
    if kind == "roads":
        return from_road_lines(source, **options)
    if kind == "pbf":
        return from_pbf(source, **options)
    if kind == "place":
        return from_place(str(source), **options)
    if kind == "osm_xml":
        return from_osm_xml(source, **options)
    if kind == "edge_csv":
        if isinstance(source, (tuple, list)):
            nodes_csv, edges_csv = source
        else:
            nodes_csv, edges_csv = Path(source) / "all_vertexes.csv", Path(source) / "all_edges.csv"
        return from_edge_csv(nodes_csv, edges_csv, **options)
    raise NetworkError(f"unknown network source kind {kind!r}; use one of {', '.join(_BUILDERS)}")


def cached_network(
    kind: str, source: str | Path | tuple, *, cache_dir: str | Path = CACHE_DIR, **options: Any
) -> Network:
    """Build once per (source, options, speed table) and load from ``cache_dir`` afterwards."""
    if kind == "edge_csv" and not isinstance(source, (tuple, list)):
        source = (Path(source) / "all_vertexes.csv", Path(source) / "all_edges.csv")
    if kind != "place":
        for s in source if isinstance(source, (tuple, list)) else (source,):
            if not Path(s).exists():
                raise InputFileError(f"network source {s} not found")
    key = cache_key(kind, source, options)
    stem = Path(source[-1] if isinstance(source, (tuple, list)) else str(source)).stem
    slug = re.sub(r"[^0-9A-Za-z_.-]+", "_", stem)[:40] or "net"
    target = Path(cache_dir) / f"{kind}-{slug}-{key}"
    if (target / "network.json").is_file():
        try:
            t0 = time.perf_counter()
            net = load(target)
            log.info("loaded cached network %s in %.3f s", target, time.perf_counter() - t0)
            return net
        except NetworkError as exc:
            log.warning("cached network %s unusable (%s); rebuilding", target, exc)
            shutil.rmtree(target, ignore_errors=True)
    net = build(kind, source, **options)
    net.provenance["cache_key"] = key
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=cache_dir))
    try:
        save(net, tmp)
        os.replace(tmp, target) if not target.exists() else shutil.rmtree(tmp)
    except OSError:  # another process won the race: its copy is equivalent
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("built and cached network %s", target)
    return net
