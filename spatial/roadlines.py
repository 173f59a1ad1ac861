"""Road lines → Network: GeoPackage, Shapefile, GeoJSON or FileGDB lines with a road-class field.

What Chinese planning offices hold.  Lines that share endpoints connect; near-misses are bridged by
``spatial.topology`` (endpoint joins and T-junctions within ``snap_m``); lengths are measured in a
metric CRS fitted to the data; speeds come from the road class through ``spatial.speeds``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from numpy.typing import ArrayLike
from pyproj import CRS, Transformer

from spatial.coords import metric_crs as fit_metric_crs
from spatial.coords import DATUMS, is_datum, to_wgs84
from spatial.errors import InputFileError, NetworkError
from spatial.network import Network, assemble, file_identity, travel_minutes
from spatial.osm import MEMORY_SHARE, machine_memory_bytes
from spatial.settings import SNAP_M
from spatial.speeds import class_speeds, resolve_speeds, speed_provenance
from spatial.topology import build_topology

log = logging.getLogger(__name__)

#: Largest endpoint-snapping tolerance accepted (metres): beyond a few hundred metres roads that merely
#: pass near each other get junctions they do not have, and edges multiply (1,000 km gave 13 million).
MAX_SNAP_TOLERANCE_M: float = 2_000.0

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


def _read_lines(path: Path, *, class_field: str | None, layer: str | int | None,
                oneway_field: str | None) -> tuple[gpd.GeoDataFrame, str | int]:
    """Read the line layer as a GeoDataFrame (WGS84), with helpful errors for the usual mistakes."""
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
    _check_size(path, int(info["features"]))
    columns = [c for c in (class_field, oneway_field) if c]
    try:
        frame = pyogrio.read_dataframe(path, layer=layer, columns=columns, use_arrow=True)
    except Exception as exc:  # pyogrio/GDAL raise many types for damaged files
        raise InputFileError(f"{path}: the road lines cannot be read ({type(exc).__name__}); is the file complete?") from None
    for c in columns:  # Arrow converts text lazily: bad bytes must fail here, naming the field
        try:
            frame[c] = frame[c].to_numpy(dtype=object)
        except Exception:  # noqa: BLE001 — pyarrow raises ArrowException for text that is not UTF-8
            raise InputFileError(f"{path}: field {c!r} holds text that is not valid UTF-8 (saved in another "
                                 "encoding, or damaged); save the file again as UTF-8") from None
    if len(frame) == 0:
        raise InputFileError(f"{path}: layer {layer or layers[0][0]!r} has no features")
    return frame, (layer if layer is not None else str(layers[0][0]))


#: Peak memory of a road-lines build: ≈ 0.2 GB plus ≈ 2,100 bytes per line feature (measured on Kunming's
#: 79,568 lines: 163 MB above the interpreter's own).
LINES_BASE_BYTES: float = 0.2e9
LINES_BYTES_PER_FEATURE: float = 2_100.0


def _check_size(path: Path, features: int) -> None:
    """Refuse a road file whose build would not fit in memory, with the estimate and the way around."""
    need = LINES_BASE_BYTES + LINES_BYTES_PER_FEATURE * features
    have = machine_memory_bytes()
    if need > MEMORY_SHARE * have:
        raise NetworkError(
            f"{path}: {features:,} road lines need ≈ {need / 1e9:,.1f} GB of memory to build (≈ "
            f"{LINES_BYTES_PER_FEATURE:,.0f} bytes per line), more than {MEMORY_SHARE:.0%} of this machine's "
            f"{have / 1e9:,.1f} GB; clip the lines to the region first (ogr2ogr -clipsrc MINX MINY MAXX MAXY out.gpkg "
            "in.gpkg), or use an OSM .pbf extract, which is streamed")


def _feature_list(rows: np.ndarray) -> str:
    """'features 3, 8, 12 …' for 0-based row indices (1-based in the text, as GIS tools number features)."""
    shown = ", ".join(str(int(r) + 1) for r in rows[:5])
    return f"feature{'s' if rows.size > 1 else ''} {shown}{' …' if rows.size > 5 else ''}"


def _check_vertices(geoms: ArrayLike, ok: np.ndarray, path: Path, *, crs: CRS | None,
                    projected_from: CRS | None = None) -> None:
    """Refuse line vertices that are NaN/infinite, or not degrees where degrees are expected, naming the features."""
    xy, index = shapely.get_coordinates(np.asarray(geoms, dtype=object)[ok], return_index=True)
    rows = np.flatnonzero(ok)[index]
    finite = np.isfinite(xy).all(axis=1)
    if not finite.all():
        bad = np.unique(rows[~finite])
        why = (f"could not be converted from {projected_from.to_string()} to longitude/latitude"
               if projected_from is not None else "has vertices that are not numbers (NaN or infinite)")
        raise InputFileError(f"{path}: {_feature_list(bad)} {why}; fix or delete {'them' if bad.size > 1 else 'it'}")
    if crs is not None and not crs.is_geographic:
        return
    degrees = (np.abs(xy[:, 0]) <= 180) & (np.abs(xy[:, 1]) <= 90)
    if not degrees.all():
        bad = np.unique(rows[~degrees])
        x, y = xy[np.flatnonzero(~degrees)[0]]
        if crs is None and projected_from is None:
            raise InputFileError(
                f"{path}: the layer has no CRS and its coordinates are not longitude/latitude (e.g. {x:g}, {y:g} in "
                f"{_feature_list(bad)}: metres?); set its CRS (a .prj file, or ogr2ogr -a_srs EPSG:…)")
        verb = "lie" if bad.size > 1 else "lies"
        raise InputFileError(f"{path}: {_feature_list(bad)} {verb} outside −180…180 / −90…90 degrees (e.g. {x:g}, {y:g}); "
                             "check the layer's CRS and those vertices")


def _lines_to_wgs84(frame: gpd.GeoDataFrame, path: Path, datum: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Line geometries in WGS84 degrees as a numpy object array, plus the row (1-based) of each part."""
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
    _check_vertices(frame.geometry.values, ok, path, crs=frame.crs)
    if frame.crs is None:
        log.warning("%s has no CRS; its coordinates look like lon/lat, so EPSG:4326 is assumed", path)
    elif not frame.crs.equals("EPSG:4326"):
        try:
            frame = frame.to_crs("EPSG:4326")
        except Exception as exc:  # noqa: BLE001 — pyproj raises several types for a CRS it cannot convert
            raise InputFileError(f"{path}: the layer's CRS ({str(frame.crs)[:80]}) cannot be converted to "
                                 f"longitude/latitude ({type(exc).__name__}); reproject it to EPSG:4326") from None
        _check_vertices(frame.geometry.values, ok, path, crs=None, projected_from=frame.crs)
    parts = frame.geometry.values[ok]
    rows = np.flatnonzero(ok)
    if (gtype[ok] == 5).any():
        lines, index = shapely.get_parts(np.asarray(parts, dtype=object), return_index=True)
        rows = rows[index]
    else:
        lines = np.asarray(parts, dtype=object)
    lines = np.asarray(lines, dtype=object)
    if datum != "wgs84":
        if not is_datum(datum):
            raise ValueError(f"unknown datum {datum!r}; use one of {', '.join(DATUMS)}")
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
    path = Path(path)
    _check_options(path, class_field, uniform_speed_kmh, snap_m)
    frame, layer_name = _read_lines(path, class_field=class_field, layer=layer, oneway_field=oneway_field)
    return lines_to_network(frame, path, layer_name=layer_name, class_field=class_field, speeds=speeds,
                            uniform_speed_kmh=uniform_speed_kmh, snap_m=snap_m, oneway_field=oneway_field,
                            datum=datum, t_junctions=t_junctions)


#: Classes of the three line lists of the Hainan backbone JSON (the embedded default network).
BACKBONE_CLASSES: dict[str, str] = {"e": "motorway_trunk", "n": "national_primary", "p": "primary"}


def read_backbone_json(path: str | Path) -> gpd.GeoDataFrame:
    """The Hainan OSM backbone as shipped in data/roads/hainan_trunk_roads.json: lines with ``road_class``.

    The file is ``{"e": [...], "n": [...], "p": [...]}``, each a list of [[lon, lat], …] lines (WGS84):
    motorway/trunk, primary roads with a national (G) ref, and other primary roads.
    """
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        classes = [BACKBONE_CLASSES[key] for key in BACKBONE_CLASSES for _ in raw[key]]
        lines = [shapely.LineString(coords) for key in BACKBONE_CLASSES for coords in raw[key]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputFileError(f"{path}: not a backbone road file (lists 'e', 'n', 'p' of lon/lat lines): {exc}") from None
    return gpd.GeoDataFrame({"road_class": classes}, geometry=lines, crs="EPSG:4326")


def from_backbone_json(path: str | Path, *, snap_m: float = SNAP_M,
                       speeds: Mapping[str, float] | str | Path | None = None) -> Network:
    """Routable network from the backbone JSON (``read_backbone_json``), built as road lines are."""
    path = Path(path)
    _check_options(path, "road_class", None, snap_m)
    return lines_to_network(read_backbone_json(path), path, layer_name="backbone", class_field="road_class",
                            speeds=speeds, snap_m=snap_m)


def _check_options(path: Path, class_field: str | None, uniform_speed_kmh: float | None, snap_m: float) -> None:
    """Refuse options that cannot build a network, naming the option and its range."""
    if not (np.isfinite(snap_m) and 0 <= snap_m <= MAX_SNAP_TOLERANCE_M):
        raise NetworkError(f"--snap-m must be 0…{MAX_SNAP_TOLERANCE_M:g} metres (road ends joined within it), "
                           f"got {snap_m}")
    if class_field is None and uniform_speed_kmh is None:
        raise InputFileError(f"{path}: name the road-class field (--class-field), or give --uniform-speed KMH")


def lines_to_network(
    frame: gpd.GeoDataFrame,
    path: Path,
    *,
    layer_name: str | int,
    class_field: str | None,
    speeds: Mapping[str, float] | str | Path | None = None,
    uniform_speed_kmh: float | None = None,
    snap_m: float = SNAP_M,
    oneway_field: str | None = None,
    datum: str = "wgs84",
    t_junctions: bool = True,
) -> Network:
    """Routable network from a frame of road lines read from ``path`` (see ``from_road_lines``)."""
    t0 = time.perf_counter()
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
    class_names, class_idx = np.unique(class_str.astype(str), return_inverse=True)
    classes = tuple(str(c) for c in class_names)
    table = resolve_speeds(speeds)
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
        **speed_provenance(classes, speed_of_class, table, uniform_speed_kmh),
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
