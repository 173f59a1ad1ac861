"""Writers for GIS tools (GeoJSON, GeoPackage, CSV) that always carry the result's provenance.

* GeoJSON follows RFC 7946: WGS84 lon/lat, exterior rings counter-clockwise (right-hand rule),
  6 decimals (≈ 0.1 m), no ``crs`` member; provenance is a top-level foreign member ``provenance``.
* GeoPackage: one table per layer plus a ``provenance`` attribute table (key, value as JSON); list
  properties (e.g. a zone's ``members``) are stored as JSON text and restored by ``read_gpkg``.
* CSV: UTF-8 with BOM (Excel opens Chinese text correctly) plus ``<file>.provenance.json`` beside it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

import spatial

_DECIMALS = 6
PROVENANCE_TABLE = "provenance"


def make_provenance(**parts: Any) -> dict[str, Any]:
    """Provenance record: the given parts (sources, method, parameters …) plus software and UTC time."""
    record: dict[str, Any] = {
        "software": f"healthplan {spatial.__version__}",
        "created_utc": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "crs": "EPSG:4326 (WGS84 lon/lat)",
    }
    record.update(parts)
    return _jsonable(record)


def _jsonable(value: Any) -> Any:
    """Convert numpy/pandas scalars, arrays, paths and NaN into plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, np.ndarray, pd.Index)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    return value


def rfc7946_geometries(geoms: gpd.GeoSeries) -> np.ndarray:
    """Geometries in WGS84 with counter-clockwise exterior rings and coordinates rounded to 6 decimals."""
    if geoms.crs is None:
        raise ValueError("geometries have no CRS; set one (e.g. .set_crs('EPSG:4326')) before exporting")
    arr = geoms.to_crs("EPSG:4326").values
    arr = shapely.transform(arr, lambda xy: np.round(xy, _DECIMALS))
    return shapely.orient_polygons(arr, exterior_cw=False)


def _properties(frame: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Per-feature property dicts with numpy scalars, NaN and timestamps turned into JSON values."""
    props = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    records = props.to_dict("records")
    simple = all(props[c].dtype.kind in "iufb" for c in props.columns)
    if simple:  # fast path for big numeric tables (e.g. 100k grid cells): only NaN needs care
        return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()}
                for r in records]
    return [{str(k): _jsonable(v) for k, v in r.items()} for r in records]


def _geojson_text(frame: gpd.GeoDataFrame, provenance: Mapping[str, Any] | None) -> str:
    """The frame as RFC 7946 FeatureCollection text; geometry JSON comes vectorised from GEOS."""
    geoms = rfc7946_geometries(frame.geometry)
    geom_text = shapely.to_geojson(geoms)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    parts = []
    for gtext, is_empty, props in zip(geom_text, empty, _properties(frame), strict=True):
        gjson = "null" if is_empty else gtext
        parts.append(
            '{"type":"Feature","properties":'
            + json.dumps(props, ensure_ascii=False, allow_nan=False)
            + ',"geometry":' + gjson + "}"
        )
    head = '{"type":"FeatureCollection",'
    if provenance is not None:
        head += '"provenance":' + json.dumps(_jsonable(dict(provenance)), ensure_ascii=False) + ","
    return head + '"features":[' + ",".join(parts) + "]}"


def geojson_dict(frame: gpd.GeoDataFrame, *, provenance: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The frame as an RFC 7946 FeatureCollection dict with an optional ``provenance`` foreign member."""
    return json.loads(_geojson_text(frame, provenance))


def write_geojson(frame: gpd.GeoDataFrame, path: str | Path, *, provenance: Mapping[str, Any]) -> Path:
    """Write an RFC 7946 GeoJSON file with a top-level ``provenance`` member; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_geojson_text(frame, provenance), encoding="utf-8")
    return path


def read_geojson(path: str | Path) -> gpd.GeoDataFrame:
    """Read a GeoJSON written here (or elsewhere); list properties come back as lists, provenance in attrs."""
    path = Path(path)
    frame = gpd.read_file(path)
    for col in frame.columns:
        if frame[col].dtype == object and col != frame.geometry.name:
            frame[col] = [v.tolist() if isinstance(v, np.ndarray) else v for v in frame[col]]
    raw = json.loads(path.read_text(encoding="utf-8"))
    frame.attrs["provenance"] = raw.get("provenance", {})
    return frame


def _list_columns(frame: pd.DataFrame) -> list[str]:
    """Columns whose values are lists/tuples/dicts (not representable natively in a GeoPackage)."""
    return [
        c
        for c in frame.columns
        if frame[c].dtype == object and any(isinstance(v, (list, tuple, dict, np.ndarray)) for v in frame[c])
    ]


def write_gpkg(
    layers: Mapping[str, gpd.GeoDataFrame], path: str | Path, *, provenance: Mapping[str, Any]
) -> Path:
    """Write one GeoPackage table per layer (WGS84) plus a ``provenance`` table; overwrites the file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    json_columns: dict[str, list[str]] = {}
    for name, frame in layers.items():
        if name == PROVENANCE_TABLE:
            raise ValueError(f"layer name {PROVENANCE_TABLE!r} is reserved")
        out = frame.to_crs("EPSG:4326").copy()
        cols = _list_columns(out)
        for c in cols:
            out[c] = [json.dumps(_jsonable(v), ensure_ascii=False) for v in out[c]]
        json_columns[name] = cols
        out = out.set_geometry(rfc7946_geometries(out.geometry), crs="EPSG:4326")
        pyogrio.write_dataframe(out, path, layer=name, driver="GPKG")
    record = {**_jsonable(dict(provenance)), "json_columns": json_columns}
    table = pd.DataFrame(
        {"key": list(record), "value": [json.dumps(v, ensure_ascii=False) for v in record.values()]}
    )
    pyogrio.write_dataframe(table, path, layer=PROVENANCE_TABLE, driver="GPKG")
    return path


def read_provenance_gpkg(path: str | Path) -> dict[str, Any]:
    """The provenance record stored in a GeoPackage written by ``write_gpkg``."""
    table = pyogrio.read_dataframe(path, layer=PROVENANCE_TABLE)
    return {k: json.loads(v) for k, v in zip(table["key"], table["value"], strict=True)}


def read_gpkg(path: str | Path, layer: str) -> gpd.GeoDataFrame:
    """Read one layer of a GeoPackage written by ``write_gpkg``, restoring list columns and provenance."""
    frame = pyogrio.read_dataframe(path, layer=layer)
    provenance = read_provenance_gpkg(path)
    for c in provenance.get("json_columns", {}).get(layer, []):
        frame[c] = [json.loads(v) if isinstance(v, str) else v for v in frame[c]]
    frame.attrs["provenance"] = {k: v for k, v in provenance.items() if k != "json_columns"}
    return frame


def write_csv(frame: pd.DataFrame, path: str | Path, *, provenance: Mapping[str, Any]) -> Path:
    """Write a CSV (UTF-8 with BOM, no geometry column) and ``<file>.provenance.json`` beside it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    for c in _list_columns(out):
        out[c] = [";".join(map(str, v)) if isinstance(v, (list, tuple)) else v for v in out[c]]
    out.to_csv(path, index=False, encoding="utf-8-sig")
    sidecar = path.with_name(path.name + ".provenance.json")
    sidecar.write_text(json.dumps(_jsonable(dict(provenance)), ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def write_json(data: Mapping[str, Any], path: str | Path) -> Path:
    """Write a JSON document (e.g. summary.json) with numpy values converted and NaN as null."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_jsonable(dict(data)), ensure_ascii=False, indent=2), encoding="utf-8")
    return path
