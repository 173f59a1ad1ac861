"""Node and edge tables → a directed Network (the Haikou DiDi network and tables like it)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Geod

from spatial.coords import to_wgs84
from spatial.errors import InputFileError
from spatial.network import Network, assemble, file_identity, travel_minutes
from spatial.speeds import URBAN_DEFAULT_CLASS, class_speeds, resolve_speeds

log = logging.getLogger(__name__)

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
    table = resolve_speeds(speeds)
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
