"""Files for other GIS tools — GeoJSON, GeoPackage, CSV, JSON — each carrying the run's provenance, never half-written.

* GeoJSON as RFC 7946 asks: WGS84 lon/lat, counter-clockwise exterior rings, 6 decimals (≈ 0.1 m), no
  ``crs`` member; the provenance is a top-level foreign member ``provenance``; list properties (a zone's
  ``members``) stay JSON arrays.  Geometries are written by GEOS (``shapely.to_geojson``), 4× faster than
  GDAL's writer and read back identically (``bench/bench_export.py``, ``tests/test_export.py``); a layer
  spanning more than 180° of longitude goes through GDAL (``RFC7946=YES``), which splits it at the antimeridian.
* GeoPackage: one table per layer plus a ``provenance`` attribute table (key, value as JSON); list
  properties are stored as JSON text and restored by ``read_gpkg``.
* CSV: UTF-8 with BOM (Excel opens Chinese text correctly) plus ``<file>.provenance.json`` beside it;
  cells a spreadsheet would run as a formula (starting with = + - @) are prefixed with ' so they stay text.

Every writer writes to a temporary file in the destination folder and moves it into place, so a reader
never sees a half-written file; ``output_set`` does the same for a whole folder of results.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pyogrio.errors
import shapely

from spatial import atomic, picklecache
from spatial.errors import OutputError
from spatial.provenance import jsonable
from spatial.settings import cache_dir

log = logging.getLogger(__name__)

PROVENANCE_TABLE = "provenance"
_DECIMALS = 6
#: GeoPackage tables with more features than this get a spatial index (R-tree).
SPATIAL_INDEX_FROM = 1000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --------------------------------------------------------------------------------------------------
# atomic files and folders


def _why(path: Path, exc: BaseException) -> str:
    """What went wrong writing at ``path``: the system's words, or "no space left" when the disk is (nearly) full."""
    said = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError:
        return said
    if free < 1_000_000 and "no space" not in said.lower():  # GDAL often says only "Write failed"
        return f"no space left on the disk ({free / 1e3:,.0f} kB free; {said})"
    return said


def _fail(path: Path, exc: BaseException) -> OutputError:
    """An OutputError naming the path and what the system said."""
    return OutputError(f"cannot write {path}: {_why(path, exc)}; choose another --out (a writable folder "
                       "with free space)")


@contextlib.contextmanager
def _aside(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``; moved onto it when the block ends without error, removed otherwise."""
    if path.exists() and path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _fail(path, exc) from None
    atomic.sweep_parts(path)  # what a killed earlier writer of this file left beside it
    tmp = atomic.part_file(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise _fail(path, exc) from None
    except OutputError:
        raise
    except Exception as exc:
        if _io_failure(exc):  # GDAL and pyarrow raise their own types for a full disk
            raise _fail(path, exc) from None
        raise
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


#: Written into every output set: the names of its files, so a later run knows what it may replace.
MANIFEST = ".healthplan-output.json"
#: Suffixes of the files an output set holds (sets written before the manifest are recognised by them).
_SET_SUFFIXES = (".tif", ".geojson", ".gpkg", ".csv", ".json", ".html", ".parquet")
#: Free space a destination needs before any computing starts (bytes).
MIN_FREE_BYTES: int = 50_000_000
_NAME_BYTES = 200  # longest file/folder name accepted: the temporary names beside it add ≈ 30 bytes (limit 255)


def foreign_entries(folder: Path) -> list[str]:
    """Names in ``folder`` that no healthplan output set wrote there (empty: the folder may be replaced whole).

    A set lists its files in ``MANIFEST``; a set written before the manifest has ``summary.json`` and
    ``scenario.json`` and only result files.
    """
    entries = sorted(folder.iterdir())
    names = [e.name for e in entries]
    listed: set[str] | None = None
    try:
        listed = set(json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        listed = None
    if listed is not None:
        return [n for n in names if n not in listed and n != MANIFEST]
    if {"summary.json", "scenario.json"} <= set(names):
        return [e.name for e in entries if not (e.is_file() and e.suffix.lower() in _SET_SUFFIXES)]
    return names


def check_destination(path: str | Path, *, folder: bool,
                      foreign: Callable[[Path], list[str]] = foreign_entries, option: str = "--out") -> Path:
    """Check before any computing that ``path`` can be written (a folder or a file); OutputError if not.

    A folder that exists must be empty or hold only what healthplan wrote there (``foreign`` lists the
    rest): a whole folder is replaced, so ``--out ~/Documents`` must never be taken.  Writes and removes a
    probe file (``os.access`` says yes to root on a read-only file system) and wants MIN_FREE_BYTES free.

    Parameters
    ----------
    path : str or Path
        The folder or file to be written.
    folder : bool
        Whether ``path`` is a folder of results (else one file).
    foreign : callable
        Lists the entries of an existing folder that healthplan did not write.
    option : str
        The command-line option the path came from, for the messages.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    if not path.name or path.name in (".", ".."):
        raise OutputError(f"{option} {path}: give a named {'folder' if folder else 'file'}, e.g. results/run1")
    if len(path.name.encode("utf-8")) > _NAME_BYTES:
        raise OutputError(f"{option} {path.name[:40]}…: a name of {len(path.name.encode('utf-8'))} bytes is too long "
                          f"(at most {_NAME_BYTES}); choose a shorter one")
    if folder and path.exists() and not path.is_dir():
        raise OutputError(f"{option} {path} is an existing file; give a folder for the results")
    if not folder and path.is_dir():
        raise OutputError(f"{option} {path} is a folder; give a file name")
    if folder and path.is_dir():
        try:
            other = foreign(path)
        except OSError as exc:
            raise OutputError(f"{option} {path} cannot be listed ({exc.strerror or exc}); choose another folder") from None
        if other:
            raise OutputError(
                f"{option} {path} already holds {len(other)} file(s) healthplan did not write there (e.g. "
                f"{other[0]!r}); the results replace the whole folder, so give a new or empty folder, or one "
                "written by an earlier run")
    parent = path if folder and path.exists() else path.parent
    probe_dir = parent
    while not probe_dir.exists():
        probe_dir = probe_dir.parent
    if not probe_dir.is_dir():
        raise OutputError(f"{option} {path}: {probe_dir} is a file, not a folder; choose another {option}")
    try:
        with tempfile.NamedTemporaryFile(dir=probe_dir, prefix=".healthplan-probe-"):
            pass
        free = shutil.disk_usage(probe_dir).free
    except OSError as exc:
        raise OutputError(f"cannot write in {probe_dir} ({exc.strerror or exc}); choose a writable {option}") from None
    if free < MIN_FREE_BYTES:
        raise OutputError(f"only {free / 1e6:,.1f} MB free on the disk of {probe_dir} (at least "
                          f"{MIN_FREE_BYTES / 1e6:,.0f} MB needed); free some space or choose another {option}")
    return path


def _io_failure(exc: BaseException) -> bool:
    """True for a write failure of the system (disk full, read-only, permissions) raised by any writer library."""
    if isinstance(exc, OSError):
        return True
    text = str(exc).lower()
    return any(w in text for w in ("no space left", "disk space", "read-only file system", "permission denied",
                                   "disk quota", "file too large", "input/output error", "write failed"))


@contextlib.contextmanager
def output_set(folder: str | Path) -> Iterator[Path]:
    """Write a whole set of result files into a fresh folder, then swap it in place of ``folder`` at once.

    A reader of ``folder`` sees the old set or the new one, never a mix; an interrupted or failed run
    leaves the old set (or nothing) and no temporary folder behind.  The set lists its files in
    ``MANIFEST``.  A write failure of the system (full disk …) from any writer becomes an OutputError.
    """
    folder = Path(folder)
    check_destination(folder, folder=True)
    atomic.sweep(folder)  # what a killed earlier run left beside it
    try:
        tmp = atomic.fresh_dir(folder)
    except OSError as exc:
        raise _fail(folder, exc) from None
    try:
        yield tmp
        names = sorted(p.name for p in tmp.iterdir())
        (tmp / MANIFEST).write_text(json.dumps({"files": names}, ensure_ascii=False), encoding="utf-8")
        atomic.swap(tmp, folder)
    except OutputError:
        raise
    except Exception as exc:
        if _io_failure(exc):
            raise OutputError(f"cannot write the results into {folder}: {_why(folder, exc)}; nothing was replaced — "
                              "choose another --out (a writable folder with free space)") from None
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------------------------------
# GeoJSON


def _wgs84(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The frame in WGS84 (it must have a CRS), numpy list cells turned into plain lists; and those list columns."""
    if frame.crs is None:
        raise OutputError("geometries have no CRS; set one (e.g. .set_crs('EPSG:4326')) before exporting")
    out = frame.to_crs("EPSG:4326")
    cols = _list_columns(out)
    for col in cols:
        out[col] = [v.tolist() if isinstance(v, np.ndarray) else v for v in out[col]]
    return out, cols


def _list_columns(frame: pd.DataFrame) -> list[str]:
    """Columns whose values are lists/tuples/dicts (not representable natively in a GeoPackage or CSV)."""
    return [c for c, dtype in zip(frame.columns, frame.dtypes, strict=True)
            if pd.api.types.is_object_dtype(dtype) and any(isinstance(v, list | tuple | dict | np.ndarray) for v in frame[c])]


def _geojson_options(provenance: Mapping[str, Any] | None) -> dict[str, str]:
    """GDAL GeoJSON layer options: RFC 7946, 6 decimals, provenance as a foreign member."""
    options = {"RFC7946": "YES", "COORDINATE_PRECISION": str(_DECIMALS), "WRITE_NAME": "NO",
               "AUTODETECT_JSON_STRINGS": "NO"}  # a name such as "[1]" stays text
    if provenance is not None:
        options["FOREIGN_MEMBERS_COLLECTION"] = json.dumps({"provenance": jsonable(dict(provenance))},
                                                           ensure_ascii=False, allow_nan=False)
    return options


def _write_geojson_gdal(out: gpd.GeoDataFrame, path: Path, provenance: Mapping[str, Any] | None) -> None:
    """Write a WGS84 frame through GDAL's RFC 7946 writer (which splits geometries at the antimeridian)."""
    pyogrio.write_dataframe(out, path, driver="GeoJSON", use_arrow=True, layer_options=_geojson_options(provenance))


def _write_geojson_geos(out: gpd.GeoDataFrame, path: Path, provenance: Mapping[str, Any] | None) -> None:
    """Write a WGS84 frame as RFC 7946 GeoJSON: geometries by GEOS's writer, properties by ``json``.

    What GDAL's ``RFC7946=YES`` does, for geometries that do not cross the antimeridian: exterior rings
    counter-clockwise and holes clockwise, coordinates rounded to ``_DECIMALS`` places, no ``crs``
    member; a missing geometry is ``null``, an empty one has empty coordinates (as GDAL writes).  About
    4× faster than GDAL here (``bench/bench_export.py``): GEOS formats coordinates in C, where GDAL takes
    2–3 µs per coordinate.
    """
    geoms = shapely.orient_polygons(out.geometry.to_numpy(), exterior_cw=False)
    # include_z=None (shapely ≥ 2.1) keeps each geometry's own dimensions; the type stubs do not know it yet
    geoms = shapely.transform(geoms, lambda xyz: np.round(xyz, _DECIMALS), include_z=None)  # type: ignore[call-overload]
    texts = np.where(shapely.is_missing(geoms), "null", shapely.to_geojson(geoms)).astype(object)
    for i in np.flatnonzero(shapely.is_empty(geoms)):  # GEOS writes an empty polygon as [[]]
        texts[i] = _empty_geojson(geoms[i].geom_type)
    names = [c for c in out.columns if c != out.geometry.name]
    columns = [_plain(out[c]) for c in names]
    features = ",\n".join(
        f'{{"type":"Feature","properties":{_json_text(dict(zip(names, row, strict=True)))},"geometry":{geometry}}}'
        for row, geometry in zip(zip(*columns, strict=True) if names else ([()] * len(out)), texts, strict=True))
    head = '{"type":"FeatureCollection",'
    if provenance is not None:
        head += f'"provenance":{_json(dict(provenance))},'
    path.write_text(f'{head}"features":[\n{features}\n]}}\n', encoding="utf-8")


def _empty_geojson(kind: str) -> str:
    """GeoJSON of an empty geometry of ``kind``, as GDAL writes it (an empty point has no form: null)."""
    if kind == "Point":
        return "null"
    if kind == "GeometryCollection":
        return '{"type":"GeometryCollection","geometries":[]}'
    return f'{{"type":"{kind}","coordinates":[]}}'


def _json(value: Any) -> str:
    """Strict JSON text of a value (numpy scalars, NaN → null, dates as ISO text), non-ASCII kept."""
    return _json_text(jsonable(value))


def _json_text(plain: Any) -> str:
    """Strict JSON text of a value already made of plain JSON values, non-ASCII kept."""
    return json.dumps(plain, ensure_ascii=False, allow_nan=False)


def _plain(column: pd.Series) -> list[Any]:
    """A column's values as plain JSON values (``jsonable``), whole numeric columns at once."""
    if pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_integer_dtype(column.dtype):
        if not column.hasnans:
            return column.to_numpy().tolist()
    elif pd.api.types.is_float_dtype(column.dtype) and isinstance(column.dtype, np.dtype):
        values = column.to_numpy().astype(object)
        values[~np.isfinite(column.to_numpy())] = None  # NaN and ±inf → null, never invalid JSON
        return values.tolist()
    return [jsonable(v) for v in column]


def _crosses_antimeridian(frame: gpd.GeoDataFrame) -> bool:
    """True when the frame spans more than 180° of longitude (GDAL's writer then splits it, as RFC 7946 asks)."""
    if not len(frame) or frame.geometry.is_empty.all():
        return False
    xmin, _, xmax, _ = frame.total_bounds
    return bool(xmax - xmin > 180.0)


def _write_geojson_file(frame: gpd.GeoDataFrame, path: Path, provenance: Mapping[str, Any] | None) -> None:
    """Write the frame as RFC 7946 GeoJSON at ``path`` (no atomicity here): GEOS's writer, or GDAL's across 180°."""
    out, cols = _wgs84(frame)
    dicts = [c for c in cols if any(isinstance(v, dict) for v in out[c])]
    for c in dicts:  # a dict property is written as JSON text (Arrow, under GDAL's writer, cannot type mixed dicts)
        out[c] = [json.dumps(jsonable(v), ensure_ascii=False) if isinstance(v, dict) else v for v in out[c]]
    write = _write_geojson_gdal if _crosses_antimeridian(out) else _write_geojson_geos
    write(out, path, provenance)


def write_geojson(frame: gpd.GeoDataFrame, path: str | Path, *, provenance: Mapping[str, Any]) -> Path:
    """Write an RFC 7946 GeoJSON file with a top-level ``provenance`` member (aside, then moved); returns the path.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The layer (reprojected to WGS84 as RFC 7946 requires).
    path : str or Path
        The file to write.
    provenance : mapping
        Where the data came from and how it was computed (JSON-ready after ``jsonable``).

    Returns
    -------
    Path
    """
    path = Path(path)
    with _aside(path) as tmp:
        _write_geojson_file(frame, tmp, provenance)
    return path


def read_geojson(path: str | Path) -> gpd.GeoDataFrame:
    """Read a GeoJSON (written here or elsewhere); list properties come back as lists, provenance in ``attrs``."""
    path = Path(path)
    frame = gpd.read_file(path)
    for col in frame.columns:
        if frame[col].dtype == object and col != frame.geometry.name:
            frame[col] = [v.tolist() if isinstance(v, np.ndarray) else v for v in frame[col]]
    raw = json.loads(path.read_text(encoding="utf-8"))
    frame.attrs["provenance"] = raw.get("provenance", {})
    return frame


# --------------------------------------------------------------------------------------------------
# GeoPackage


def write_gpkg(layers: Mapping[str, gpd.GeoDataFrame], path: str | Path, *, provenance: Mapping[str, Any],
               fixed: Mapping[str, gpd.GeoDataFrame] | None = None) -> Path:
    """Write one GeoPackage table per layer (WGS84) plus a ``provenance`` table (aside, then moved).

    Parameters
    ----------
    layers : mapping of str to geopandas.GeoDataFrame
        Table name → layer; list-valued columns are stored as JSON text.
    path : str or Path
        The file to write.
    provenance : mapping
        Where the data came from and how it was computed (JSON-ready after ``jsonable``).
    fixed : mapping of str to geopandas.GeoDataFrame, optional
        More tables that are the same run after run (the plan layers): written once into the cache
        folder under a digest of their content, and copied from there (Hainan's 14: ≈ 0.1 s a run).

    Returns
    -------
    Path
    """
    path = Path(path)
    fixed = dict(fixed or {})
    if PROVENANCE_TABLE in layers or PROVENANCE_TABLE in fixed:
        raise OutputError(f"layer name {PROVENANCE_TABLE!r} is reserved for the provenance table")
    json_columns: dict[str, list[str]] = {}
    with _aside(path) as tmp, _sqlite_without_fsync():
        if fixed:
            json_columns.update(_copy_fixed_tables(fixed, tmp))
        for name, frame in layers.items():
            json_columns[name] = _write_gpkg_table(frame, tmp, name)
        record = {**jsonable(dict(provenance)), "json_columns": json_columns}
        table = pd.DataFrame({"key": list(record),
                              "value": [json.dumps(v, ensure_ascii=False) for v in record.values()]})
        pyogrio.write_dataframe(table, tmp, layer=PROVENANCE_TABLE, driver="GPKG")
    return path


def _write_gpkg_table(frame: gpd.GeoDataFrame, path: Path, name: str) -> list[str]:
    """Add ``frame`` as table ``name`` of the GeoPackage at ``path`` (WGS84); returns its columns stored as JSON text."""
    out, cols = _wgs84(frame)
    for c in cols:
        out[c] = [json.dumps(jsonable(v), ensure_ascii=False) for v in out[c]]
    # an R-tree for a few hundred features costs more to write (≈ 4 ms a table) than it saves a reader
    options = None if len(out) > SPATIAL_INDEX_FROM else {"SPATIAL_INDEX": "NO"}
    pyogrio.write_dataframe(out, path, layer=name, driver="GPKG", layer_options=options)
    return cols


def _copy_fixed_tables(tables: Mapping[str, gpd.GeoDataFrame], path: Path) -> dict[str, list[str]]:
    """Start the GeoPackage at ``path`` as a copy of the cached one holding ``tables``; their JSON-text columns.

    The cached file is named by a digest of the tables' content and of the code and GDAL that write them
    (``_tables_digest``), so changed plans never meet a stale file; it is written with SQLite's fsyncs and
    synced before it is moved into place, and one that lacks a table is written again.  A cache folder that
    cannot be written only costs time: the tables are written into ``path`` directly.
    """
    cached = cache_dir() / "gpkg" / f"{_tables_digest(tables)}.gpkg"
    try:
        if not _holds(cached, tables):
            with _aside(cached) as tmp:
                for name, frame in tables.items():
                    _write_gpkg_table(frame, tmp, name)
                _fsync(tmp)
            picklecache.prune(cached.parent, "*.gpkg", keep=FIXED_TABLES_KEEP)
        shutil.copyfile(cached, path)
        os.utime(cached)  # used now: the last to go when the folder is pruned
    except (OSError, OutputError, pyogrio.errors.DataSourceError) as exc:
        log.warning("could not use the cached plan tables (%s); writing them into %s", exc, path.name)
        path.unlink(missing_ok=True)
        return {name: _write_gpkg_table(frame, path, name) for name, frame in tables.items()}
    return {name: _list_columns(frame) for name, frame in tables.items()}  # as _write_gpkg_table found them


def _tables_digest(tables: Mapping[str, gpd.GeoDataFrame]) -> str:
    """Digest of the tables' names, columns, values, geometries and CRS, and of the code and GDAL writing them."""
    h = hashlib.blake2b(_WRITER_IDENTITY, digest_size=16)
    for name, frame in tables.items():
        geometry = frame.geometry.name
        h.update(_json_text([name, [str(c) for c in frame.columns], [str(t) for t in frame.dtypes],
                             frame.crs.to_wkt() if frame.crs is not None else None]).encode())
        for c in (c for c in frame.columns if c != geometry):
            h.update(_json([v.tolist() if isinstance(v, np.ndarray) else v for v in frame[c]]).encode())
        for wkb in shapely.to_wkb(frame.geometry.to_numpy()):
            h.update(b"-" if wkb is None else wkb)
    return h.hexdigest()


def _holds(path: Path, tables: Mapping[str, gpd.GeoDataFrame]) -> bool:
    """True when the GeoPackage at ``path`` exists, opens and has exactly these tables."""
    if not path.is_file():
        return False
    try:
        return set(pyogrio.list_layers(path)[:, 0]) == set(tables)
    except pyogrio.errors.DataSourceError:
        return False


def _fsync(path: Path) -> None:
    """Flush a file to the disk (a cache entry must survive a crash whole, as its name says it is)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


#: Cached plan-table GeoPackages kept (the most recently used: one per region and plan version in use).
FIXED_TABLES_KEEP: int = 16
#: What the cached plan tables depend on besides their content: this module's code (the table writer),
#: the JSON conversion it uses, and GDAL's version.
_WRITER_IDENTITY: bytes = (Path(__file__).read_bytes() + (Path(__file__).parent / "provenance.py").read_bytes()
                           + pyogrio.__gdal_version_string__.encode())


class _NoFsync:
    """Writers inside ``_sqlite_without_fsync`` right now (threads of the app), and the setting they replaced."""

    lock = threading.Lock()
    users = 0
    before: str | None = None


@contextlib.contextmanager
def _sqlite_without_fsync() -> Iterator[None]:
    """GDAL's SQLite writes without an fsync per transaction, for the duration of the block (thread-safe).

    Why: the file is written aside and moved only once whole (``_aside``), so an interrupted write never
    reaches the destination; the fsyncs (one per table, ≈ 6 ms each) bought nothing the other files of an
    output set have, and cost Hainan's 21-table GeoPackage 290 → 160 ms.  The setting is process-wide, so
    the first writer in turns it off and the last one out puts back what was there.
    """
    key = "OGR_SQLITE_SYNCHRONOUS"
    with _NoFsync.lock:
        if _NoFsync.users == 0:
            _NoFsync.before = pyogrio.get_gdal_config_option(key)
            pyogrio.set_gdal_config_options({key: "OFF"})
        _NoFsync.users += 1
    try:
        yield
    finally:
        with _NoFsync.lock:
            _NoFsync.users -= 1
            if _NoFsync.users == 0:
                pyogrio.set_gdal_config_options({key: _NoFsync.before})


def read_provenance_gpkg(path: str | Path) -> dict[str, Any]:
    """The provenance record stored in a GeoPackage written by ``write_gpkg``."""
    table = pyogrio.read_dataframe(path, layer=PROVENANCE_TABLE)
    return {k: json.loads(v) for k, v in zip(table["key"], table["value"], strict=True)}


def read_gpkg(path: str | Path, layer: str) -> gpd.GeoDataFrame:
    """Read one layer of a GeoPackage written by ``write_gpkg``, restoring list columns and provenance.

    Parameters
    ----------
    path : str or Path
        The GeoPackage.
    layer : str
        The table to read.

    Returns
    -------
    geopandas.GeoDataFrame
        The layer, with the provenance in ``attrs["provenance"]``.
    """
    frame = pyogrio.read_dataframe(path, layer=layer)
    record = read_provenance_gpkg(path)
    for c in record.get("json_columns", {}).get(layer, []):
        frame[c] = [json.loads(v) if isinstance(v, str) else v for v in frame[c]]
    frame.attrs["provenance"] = {k: v for k, v in record.items() if k != "json_columns"}
    return frame


def write_geoparquet(frame: gpd.GeoDataFrame, path: str | Path, *, provenance: Mapping[str, Any]) -> Path:
    """Write GeoParquet with the provenance in the file's key-value metadata (``healthplan_provenance``).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The layer (written in WGS84).
    path : str or Path
        The file to write.
    provenance : mapping
        Where the data came from and how it was computed (JSON-ready after ``jsonable``).

    Returns
    -------
    Path
    """
    path = Path(path)
    with _aside(path) as tmp:
        frame.to_crs("EPSG:4326").to_parquet(tmp, index=False)
        table = pq.read_table(tmp)  # GeoParquet's own "geo" metadata is kept beside ours
        meta = dict(table.schema.metadata or {})
        meta[b"healthplan_provenance"] = json_text(provenance).encode("utf-8")
        pq.write_table(table.replace_schema_metadata(meta), tmp)
    return path


# --------------------------------------------------------------------------------------------------
# CSV and JSON


def _safe_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, prefixed with ' so it stays text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as written to CSV: no geometry, lists joined with ';', formula-like text neutralised."""
    out = pd.DataFrame(frame.drop(columns="geometry", errors="ignore")).copy()
    for c in _list_columns(out):
        out[c] = [";".join(map(str, v)) if isinstance(v, list | tuple | np.ndarray) else v for v in out[c]]
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = [_safe_cell(v) for v in out[c]]
    return out


def write_csv(frame: pd.DataFrame, path: str | Path, *, provenance: Mapping[str, Any]) -> Path:
    """Write a CSV (UTF-8 with BOM, no geometry) and ``<file>.provenance.json`` beside it, each atomically.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (see :func:`csv_frame` for what is changed on the way).
    path : str or Path
        The CSV file to write.
    provenance : mapping
        Where the data came from and how it was computed (JSON-ready after ``jsonable``).

    Returns
    -------
    Path
    """
    path = Path(path)
    with _aside(path) as tmp:
        csv_frame(frame).to_csv(tmp, index=False, encoding="utf-8-sig")
    write_json(dict(provenance), path.with_name(path.name + ".provenance.json"))
    return path


def json_text(data: Mapping[str, Any]) -> str:
    """Strict JSON text (numpy values converted, NaN and inf as null)."""
    return json.dumps(jsonable(dict(data)), ensure_ascii=False, indent=2, allow_nan=False)


def write_json(data: Mapping[str, Any], path: str | Path) -> Path:
    """Write a JSON document (e.g. summary.json) atomically.

    Parameters
    ----------
    data : mapping
        The document (numpy values converted, NaN and inf as null).
    path : str or Path
        The file to write.

    Returns
    -------
    Path
    """
    path = Path(path)
    with _aside(path) as tmp:
        tmp.write_text(json_text(data), encoding="utf-8")
    return path


def write_text(text: str, path: str | Path) -> Path:
    """Write a text file (e.g. map.html) atomically.

    Parameters
    ----------
    text : str
        The contents (written as UTF-8).
    path : str or Path
        The file to write.

    Returns
    -------
    Path
    """
    path = Path(path)
    with _aside(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def as_bytes(write: Callable[[Path], Any], name: str) -> bytes:
    """The bytes a writer produces (for a download button): it writes into a temporary folder.

    Parameters
    ----------
    write : callable
        Writes one file at the path it is given.
    name : str
        File name to write under, e.g. results.gpkg.

    Returns
    -------
    bytes
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        write(path)
        return path.read_bytes()
