"""Node and edge tables → a directed Network (the Haikou DiDi network and tables like it)."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Geod

from spatial import textfile
from spatial.coords import DATUMS, is_datum, to_wgs84
from spatial.errors import InputFileError
from spatial.network import Network, assemble, file_identity, travel_minutes
from spatial.settings import SPEED_RANGE_KMH
from spatial.speeds import URBAN_DEFAULT_CLASS, class_speeds, resolve_speeds

log = logging.getLogger(__name__)

#: Longest single edge accepted (metres): a ferry crossing is tens of kilometres; more is a unit error.
MAX_EDGE_M: float = 1_000_000.0

#: Columns holding node ids (compared as text, so 7 and "7" are the same node).
_ID_COLUMNS = ("id", "from", "to", "head_ver", "tail_ver")


def _read_table(path: Path) -> pd.DataFrame:
    """A node or edge CSV (UTF-8, GBK, UTF-16 or Latin-1) as a frame; ids as stripped text."""
    text = textfile.read_text(path, what="node or edge table")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype={c: str for c in _ID_COLUMNS}, keep_default_na=False,
                            na_values={"lon": [""], "lat": [""], "length": [""]})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise InputFileError(f"{path}: not a readable CSV table ({str(exc).splitlines()[0][:200]})") from None
    if len(frame) == 0:
        raise InputFileError(f"{path}: no rows")
    frame.columns = [str(c).strip() for c in frame.columns]
    for c in _ID_COLUMNS:
        if c in frame.columns:
            frame[c] = frame[c].astype(str).str.strip()
    return frame


def _numbers(frame: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    """A numeric column as float; InputFileError naming the first row (spreadsheet numbering) that is not a number."""
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(np.isnan(values))
    if bad.size:
        raise InputFileError(f"{path}, row {int(bad[0]) + 2}, column {column!r}: "
                             f"{textfile.quoted(frame[column].iloc[bad[0]])} is not a number "
                             f"({bad.size:,} such rows)")
    return values


def _parse_xy_list(values: pd.Series, path: Path, column: str) -> np.ndarray:
    """Parse '[lon, lat]' strings into an (n, 2) float array; errors name the row."""
    out = np.empty((len(values), 2))
    for i, text in enumerate(values):
        try:
            pair = np.asarray(json.loads(text), dtype=float).reshape(2)
        except (TypeError, ValueError):
            raise InputFileError(f"{path}, row {i + 2}, column {column!r}: {textfile.quoted(text)} is not a "
                                 "'[lon, lat]' pair") from None
        out[i] = pair
    return out


def _polylines(values: pd.Series, path: Path) -> list[np.ndarray]:
    """'[[lon, lat], …]' strings → (k, 2) arrays of at least one point; errors name the row."""
    out = []
    for i, text in enumerate(values):
        try:
            line = np.asarray(json.loads(text), dtype=float).reshape(-1, 2)
        except (TypeError, ValueError):
            raise InputFileError(f"{path}, row {i + 2}, column 'polyline': not a list of [lon, lat] points") from None
        if line.shape[0] == 0 or not np.isfinite(line).all():
            raise InputFileError(f"{path}, row {i + 2}, column 'polyline': needs finite [lon, lat] points")
        out.append(line)
    return out


def _check_coordinates(xy: np.ndarray, path: Path) -> None:
    """Refuse node coordinates that are not finite WGS84/GCJ-02 degrees, naming the first bad row."""
    bad = np.flatnonzero(~(np.isfinite(xy).all(axis=1) & (np.abs(xy[:, 0]) <= 180) & (np.abs(xy[:, 1]) <= 90)))
    if bad.size:
        lon, lat = xy[bad[0]]
        raise InputFileError(f"{path}, row {int(bad[0]) + 2}: longitude {lon:g} / latitude {lat:g} is not a point in "
                             f"degrees (−180…180 / −90…90); {bad.size:,} such rows")


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
    the table's urban arterial (``主干路``) speed.  Tables may be UTF-8, GBK, UTF-16 or Latin-1; a bad
    cell is refused naming its file, row and column.
    """
    t0 = time.perf_counter()
    nodes_csv, edges_csv = Path(nodes_csv), Path(edges_csv)
    for p in (nodes_csv, edges_csv):
        if not p.is_file():
            raise InputFileError(f"{p} not found")
    if not is_datum(datum):
        raise InputFileError(f"{nodes_csv}: unknown datum {datum!r}; use one of {', '.join(DATUMS)}")
    lo, hi = SPEED_RANGE_KMH
    if speed_kmh is not None and not (np.isfinite(speed_kmh) and lo <= speed_kmh <= hi):
        raise InputFileError(f"the speed of every edge must be {lo:g}…{hi:g} km/h, got {speed_kmh}")
    nodes, edges = _read_table(nodes_csv), _read_table(edges_csv)
    # column names are the table's schema, not its content: naming them helps and reveals nothing
    if "id" not in nodes.columns:
        raise InputFileError(f"{nodes_csv}: needs an 'id' column (found {len(nodes.columns)} columns, none named id)")
    if "coor" in nodes.columns:
        xy = _parse_xy_list(nodes["coor"], nodes_csv, "coor")
    elif {"lon", "lat"} <= set(nodes.columns):
        xy = np.column_stack([_numbers(nodes, "lon", nodes_csv), _numbers(nodes, "lat", nodes_csv)])
    else:
        raise InputFileError(f"{nodes_csv}: needs 'coor' ('[lon, lat]') or 'lon' and 'lat' columns")
    _check_coordinates(xy, nodes_csv)
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1], datum)
    ids = nodes["id"].to_numpy(dtype=object).astype(str)
    order = np.argsort(ids, kind="stable")
    repeated = ids[order][1:][ids[order][1:] == ids[order][:-1]]
    if repeated.size:
        raise InputFileError(f"{nodes_csv}: node id {str(repeated[0])[:40]} is used by more than one row "
                             f"({np.unique(repeated).size:,} repeated ids); every node needs its own id")

    def index_of(col: str) -> np.ndarray:
        """Row index of each edge end id in the node table (errors name the first bad row)."""
        vals = edges[col].to_numpy(dtype=object).astype(str)
        pos = np.searchsorted(ids, vals, sorter=order).clip(0, len(ids) - 1)
        found = ids[order][pos] == vals
        if not found.all():
            row = int(np.flatnonzero(~found)[0]) + 2
            raise InputFileError(
                f"{edges_csv}, row {row}: {col} {str(vals[~found][0])[:40]} is not a node id in {nodes_csv}"
            )
        return order[pos]

    polyline = None
    if "polyline" in edges.columns:
        polyline = _polylines(edges["polyline"], edges_csv)
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
        raise InputFileError(f"{edges_csv}: needs head_ver/tail_ver or from/to columns")
    if "length" in edges.columns:
        length_m = _numbers(edges, "length", edges_csv)
        length_source = "length column (m)"
    elif polyline is not None:
        geod = Geod(ellps="WGS84")
        length_m = np.array([geod.line_length(*to_wgs84(p[:, 0], p[:, 1], datum)) for p in polyline])
        length_source = "polyline geodesic length"
    else:
        raise InputFileError(f"{edges_csv}: needs a 'length' column (metres) or a 'polyline'")
    bad = ~(np.isfinite(length_m) & (length_m >= 0) & (length_m <= MAX_EDGE_M))
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 2
        raise InputFileError(f"{edges_csv}, row {row}: length must be 0…{MAX_EDGE_M:,.0f} metres, got "
                             f"{length_m[row - 2]:g}")
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
