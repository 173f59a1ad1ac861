"""Facility points: read a planner's file (CSV/Excel/GeoJSON/GeoPackage), check it, and default sets.

``read_facilities`` accepts the column names Chinese health offices actually use (经度/纬度, 名称,
床位 …), UTF-8 or GBK/GB18030 CSVs and a title row above the header in Excel, converts GCJ-02 or
BD-09 coordinates to WGS84, and refuses bad rows with an ``InputFileError`` that names the file,
row (1-based, as a spreadsheet shows it: header = row 1) and column.  No row is dropped silently.

``default_facilities`` gives the named tertiary hospitals of data/facilities/*_institutions.csv or,
where no real list exists, county seats from data/facilities/county_seats.csv as a stand-in for
county hospitals / primary care (flagged ``stand_in=True``).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.coords import DATUMS, Datum, is_datum, to_wgs84
from spatial import textfile
from spatial.errors import InputFileError
from spatial.network import Network
from spatial.regions import Region, resolve
from spatial.land import offshore_m
from spatial.settings import FACILITIES_DIR, MAX_OFFSHORE_M, MAX_SNAP_M
from spatial.traveltime import snap

log = logging.getLogger(__name__)

#: Mainland China + Hainan + South China Sea islands, degrees (lon_min, lat_min, lon_max, lat_max).
CHINA_BBOX: tuple[float, float, float, float] = (73.0, 3.0, 135.5, 54.0)

#: Accepted header names (compared lower-case, spaces/underscores removed) for each output column.
LON_NAMES = ("lon", "lng", "long", "longitude", "x", "经度", "东经", "经度(e)", "经度e")
LAT_NAMES = ("lat", "latitude", "y", "纬度", "北纬", "纬度(n)", "纬度n")
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name", "name_zh", "名称", "机构名称", "医院名称", "单位名称", "医疗机构名称", "机构", "医院", "facility", "hospital"),
    "kind": ("kind", "type", "类型", "机构类型", "机构类别", "类别", "医院类型"),
    "tier": ("tier", "grade", "level", "等级", "级别", "医院等级", "机构等级"),
}
NUMBER_FIELDS: dict[str, tuple[str, ...]] = {
    "beds": ("beds", "床位", "床位数", "编制床位", "实有床位", "实有床位数", "开放床位"),
    "doctors": ("doctors", "医生", "医生数", "医师", "执业医师", "执业(助理)医师", "执业医师数"),
    "nurses": ("nurses", "护士", "护士数", "注册护士", "注册护士数"),
    # capacities the plans set targets for (layers/targets.py; data/templates/facilities_template.csv)
    "tcm_doctors": ("tcm_doctors", "中医类执业(助理)医师", "中医类执业医师", "中医执业医师", "中医医师", "中医师"),
    "gps": ("gps", "general_practitioners", "全科医师", "全科医生", "全科医师数"),
    "public_health_doctors": ("public_health_doctors", "公共卫生医师", "公卫医师", "公共卫生医师数"),
    "paediatric_beds": ("paediatric_beds", "pediatric_beds", "儿科床位", "儿科床位数"),
    "elderly_nursing_beds": ("elderly_nursing_beds", "老年护理床位", "老年护理床位数"),
    "elderly_beds": ("elderly_beds", "养老床位", "养老床位数", "养生(老)床位"),
    "rehab_beds": ("rehab_beds", "康复疗养床位", "康复床位"),
    "childcare_places": ("childcare_places", "托位", "托位数"),
    "township_emergency_stations": ("township_emergency_stations", "乡镇卫生院急救站", "急救站"),
    "integrated_care_demo": ("integrated_care_demo", "省级医养结合示范机构", "医养结合示范机构"),
    "county_tcm_hospitals": ("county_tcm_hospitals", "县级中医医院", "县级公立中医医院"),
    "tertiary_tcm_hospitals": ("tertiary_tcm_hospitals", "三级中医医院"),
    "sports_area_m2": ("sports_area_m2", "体育场地面积", "体育场地面积(平方米)", "场地面积"),
    "sports_instructors": ("sports_instructors", "社会体育指导员", "体育指导员"),
    "fitness_venues": ("fitness_venues", "健身场地", "健身设施"),
    "hyperbaric_chambers": ("hyperbaric_chambers", "高压氧舱"),
    "elevation_m": ("elevation_m", "海拔", "海拔(米)", "海拔(m)"),
    # the access analyses (spatial/access.py): a capacity stated in persons, and a candidate site's cost
    "capacity_persons": ("capacity_persons", "服务人口", "服务人口数", "服务能力(人)"),
    "cost": ("cost", "造价", "投资", "投资额", "成本", "建设费用"),
}
OUTPUT_COLUMNS = ["name", "kind", "tier", "beds", "doctors", "nurses", "source_row", "geometry"]
#: Number fields beyond OUTPUT_COLUMNS: kept in the output only when the file has a column for them.
OPTIONAL_NUMBER_FIELDS: tuple[str, ...] = tuple(f for f in NUMBER_FIELDS if f not in OUTPUT_COLUMNS)
HEADER_SCAN_ROWS = 10  # a header may sit below a title row or two in office spreadsheets
MAX_LISTED_ROWS = 15  # rows quoted in one error message
MAX_NAME_CHARS = 500  # a longer "name" is a wrong column or a broken file
MAX_SHEET_ROWS = 1_000_000  # rows read from one worksheet
#: Range of a capacity (beds, doctors, nurses … of one facility), and of the fields that are not counts.
COUNT_RANGE: tuple[float, float] = (0.0, 100_000.0)
NUMBER_RANGES: dict[str, tuple[float, float]] = {"sports_area_m2": (0.0, 1e8), "elevation_m": (-500.0, 9_000.0),
                                                 "capacity_persons": (0.0, 1e8), "cost": (0.0, 1e15)}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
KINDS = ("tertiary", "county_hospital", "primary")


# --------------------------------------------------------------------------------------------------
# reading


def _key(header: Any) -> str:
    """Normalised header for matching: lower-case, no spaces/underscores, full-width brackets folded."""
    text = "" if header is None else str(header)
    text = text.replace("（", "(").replace("）", ")")
    return re.sub(r"[\s_]+", "", text).lower()


def _find(headers: Sequence[Any], names: Iterable[str]) -> int | None:
    """Index of the first header matching one of ``names`` (normalised), else None."""
    wanted = [_key(n) for n in names]
    keys = [_key(h) for h in headers]
    for w in wanted:  # priority order of the candidate names
        if w in keys:
            return keys.index(w)
    return None


def _fail(path: Path, problems: list[str], *, fix: str = "") -> None:
    """Raise one InputFileError listing up to MAX_LISTED_ROWS problems."""
    shown = problems[:MAX_LISTED_ROWS]
    more = f"\n  … and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    tail = f"\nFix: {fix}" if fix else ""
    raise InputFileError(f"{path}: {len(problems)} problem(s):\n  " + "\n  ".join(shown) + more + tail)


def _csv_rows(path: Path) -> list[tuple[int, list[Any]]]:
    """(row number, cells) of a CSV (UTF-8, GBK, UTF-16 or Latin-1); the row number is the record's 1-based position."""
    text = textfile.read_text(path, what="table of facilities")
    return textfile.csv_records(path, text, textfile.delimiter_of(text))


def _excel_rows(path: Path) -> list[tuple[int, list[Any]]]:
    """(row number, cells) of the first worksheet that has coordinate columns (else the first one)."""
    import openpyxl  # lazy: 0.2 s to import, and only Excel files need it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for corrupt/foreign files
        raise InputFileError(f"{path}: cannot be opened as an .xlsx workbook ({exc}); save it as .xlsx") from exc
    try:
        sheets = []
        for ws in book.worksheets:
            rows = []
            for i, r in enumerate(ws.iter_rows(values_only=True), start=1):
                if i > MAX_SHEET_ROWS:  # a compressed workbook can hold far more rows than its size suggests
                    raise InputFileError(f"{path}: sheet {ws.title!r} has more than {MAX_SHEET_ROWS:,} rows; keep one "
                                         "row per facility (or split the file)")
                rows.append((i, list(r)))
            sheets.append(rows)
            if _header_index(rows) is not None:
                return rows
        return sheets[0] if sheets else []
    except InputFileError:
        raise
    except Exception as exc:  # noqa: BLE001 — a damaged sheet fails inside openpyxl in many ways
        raise InputFileError(f"{path}: a worksheet cannot be read ({type(exc).__name__}); open it in Excel or WPS "
                             "and save it again as .xlsx") from None
    finally:
        book.close()


def _blank(value: Any) -> bool:
    """True for an empty cell."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def _header_index(rows: list[tuple[int, list[Any]]]) -> int | None:
    """Position in ``rows`` of the header (first row within HEADER_SCAN_ROWS with lon and lat columns)."""
    for pos, (_, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        if _find(cells, LON_NAMES) is not None and _find(cells, LAT_NAMES) is not None:
            return pos
    return None


def _table_frame(path: Path, rows: list[tuple[int, list[Any]]]) -> pd.DataFrame:
    """Rows of a CSV/Excel sheet → a frame of raw cells with lon, lat, optional fields and source_row."""
    nonblank = [(n, cells) for n, cells in rows if not all(_blank(c) for c in cells)]
    if not nonblank:
        raise InputFileError(f"{path}: the file is empty; expected a header row with longitude/latitude columns "
                             f"({', '.join(LON_NAMES[:5])} / {', '.join(LAT_NAMES[:4])}) and one row per facility")
    pos = _header_index(nonblank)
    if pos is None:
        first_n, first = nonblank[0]
        # the cells are not quoted: a wrong file named in a scenario must not show its content on a page
        found = sum(not _blank(c) for c in first)
        raise InputFileError(
            f"{path}: row {first_n}: no longitude/latitude columns found in the first {HEADER_SCAN_ROWS} rows "
            f"(the first has {found} filled cells); expected one of "
            f"{', '.join(LON_NAMES)} and one of {', '.join(LAT_NAMES)}")
    header_n, header = nonblank[pos]
    data = [(n, cells) for n, cells in rows if n > header_n]
    blank_rows = [n for n, cells in data if all(_blank(c) for c in cells)]
    data = [(n, cells) for n, cells in data if not all(_blank(c) for c in cells)]
    if blank_rows:
        log.warning("%s: ignoring %d completely blank row(s): %s", path, len(blank_rows), blank_rows[:20])
    if not data:
        raise InputFileError(f"{path}: the file has a header (row {header_n}) but no data rows")
    columns = {"lon": _find(header, LON_NAMES), "lat": _find(header, LAT_NAMES)}
    for field, names in {**TEXT_FIELDS, **NUMBER_FIELDS}.items():
        columns[field] = _find(header, names)
    out: dict[str, list[Any]] = {f: [] for f in columns}
    for _, cells in data:
        for field, idx in columns.items():
            out[field].append(cells[idx] if idx is not None and idx < len(cells) else None)
    frame = pd.DataFrame(out)
    frame["source_row"] = [n for n, _ in data]
    frame.attrs["columns"] = {f: (str(header[i]) if i is not None else None) for f, i in columns.items()}
    return frame


def _vector_frame(path: Path) -> pd.DataFrame:
    """A GeoJSON/GeoPackage of points → raw frame (lon/lat from the geometry, source_row = feature number)."""
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises DataSourceError & co.
        raise InputFileError(f"{path}: cannot be read as {path.suffix} ({exc})") from exc
    if len(gdf) == 0:
        raise InputFileError(f"{path}: the file has no features; expected one point per facility")
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        try:
            gdf = gdf.to_crs("EPSG:4326")
        except Exception as exc:  # noqa: BLE001 — pyproj raises several types for a CRS it cannot convert
            raise InputFileError(f"{path}: its CRS ({str(gdf.crs)[:80]}) cannot be converted to longitude/latitude "
                                 f"({type(exc).__name__}); reproject it to EPSG:4326") from None
    headers = list(gdf.columns)
    frame = pd.DataFrame({"source_row": np.arange(1, len(gdf) + 1)})
    problems = []
    lon: list[float | None] = []
    lat: list[float | None] = []
    for n, geom in zip(frame["source_row"], gdf.geometry):
        if geom is None or geom.is_empty:
            problems.append(f"feature {n}: has no geometry")
            lon.append(None)
            lat.append(None)
        elif not isinstance(geom, shapely.Point):
            problems.append(f"feature {n}: is a {geom.geom_type}, expected a Point (one location per facility)")
            lon.append(None)
            lat.append(None)
        else:
            lon.append(geom.x)
            lat.append(geom.y)
    if problems:
        _fail(path, problems, fix="give every facility a point geometry")
    frame["lon"], frame["lat"] = lon, lat
    columns: dict[str, str | None] = {"lon": "geometry", "lat": "geometry"}
    for field, names in {**TEXT_FIELDS, **NUMBER_FIELDS}.items():
        idx = _find(headers, names)
        frame[field] = gdf.iloc[:, idx].to_numpy() if idx is not None and headers[idx] != "geometry" else None
        columns[field] = headers[idx] if idx is not None else None
    frame.attrs["columns"] = columns
    frame.attrs["row_word"] = "feature"
    return frame


def _number(value: Any, *, thousands: bool = False) -> float | None:
    """A cell as float (full-width digits, a trailing °; '1,234' if ``thousands``), None if blank; ValueError if not."""
    if _blank(value):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().translate(str.maketrans("０１２３４５６７８９．－，", "0123456789.-,"))
    text = text.rstrip("°")
    if thousands:
        text = text.replace(",", "")
    return float(text)


def _tier(value: Any) -> str | None:
    """Hospital tier normalised to tertiary/secondary/primary when recognisable (三级甲等 → tertiary)."""
    if _blank(value):
        return None
    text = str(value).strip()
    low = text.lower()
    for prefix, tier in (("三级", "tertiary"), ("二级", "secondary"), ("一级", "primary"),
                         ("3", "tertiary"), ("2", "secondary"), ("1", "primary"),
                         ("tertiary", "tertiary"), ("secondary", "secondary"), ("primary", "primary")):
        if low.startswith(prefix):
            return tier
    return text


def _clean(value: Any) -> str:
    """A text cell stripped, with control characters (line breaks, terminal escapes) turned into spaces."""
    return _CONTROL.sub(" ", str(value)).strip()


def _check_duplicates(path: Path, word: str, names: list[str], lons: np.ndarray, lats: np.ndarray,
                      rows: np.ndarray) -> None:
    """Refuse rows repeating another's name and point (to 6 decimals): their beds and staff would count twice."""
    key = pd.DataFrame({"name": names, "lon": np.round(lons, 6), "lat": np.round(lats, 6), "row": rows})
    dup = key[key.duplicated(["name", "lon", "lat"], keep=False)]
    if dup.empty:
        return
    problems = [f"{word}s {', '.join(str(r) for r in group['row'])}: the same facility ({textfile.quoted(name)} at "
                f"{lon:g}, {lat:g}) {len(group)} times"
                for (name, lon, lat), group in dup.groupby(["name", "lon", "lat"], sort=False)]
    _fail(path, problems, fix="delete the repeated rows (their beds, doctors and nurses would count twice), or "
                              "give different units of one hospital different names")


def _check_on_land(path: Path, word: str, names: list[str], lon: np.ndarray, lat: np.ndarray, rows: np.ndarray,
                   limit_m: float) -> None:
    """Refuse points more than ``limit_m`` metres out at sea (off every known coast)."""
    off = offshore_m(lon, lat)
    far = np.flatnonzero(off > limit_m)
    if far.size:
        problems = [f"{word} {rows[i]} ({textfile.quoted(names[i])}): ≈ {off[i] / 1000:,.1f} km out at sea"
                    for i in far]
        _fail(path, problems, fix=f"a facility must lie on land (within {limit_m / 1000:g} km of the coast): check "
                                  "the coordinates and their datum (AMap/Tencent → gcj02, Baidu → bd09)")


def _parse(path: Path, raw: pd.DataFrame, datum: Datum, bbox: tuple[float, float, float, float] | None,
           offshore_limit_m: float | None = MAX_OFFSHORE_M) -> gpd.GeoDataFrame:
    """Validate raw cells row by row and build the output frame; every problem names its row."""
    word = raw.attrs.get("row_word", "row")
    cols = raw.attrs.get("columns", {})
    problems: list[str] = []
    lons = np.full(len(raw), np.nan)
    lats = np.full(len(raw), np.nan)
    numbers = {f: np.full(len(raw), np.nan) for f in NUMBER_FIELDS}
    for i, rec in enumerate(raw.itertuples(index=False)):
        n = rec.source_row
        ok = True
        for axis, store in (("lon", lons), ("lat", lats)):
            value = getattr(rec, axis)
            try:
                number = _number(value)
            except ValueError:
                problems.append(f"{word} {n}, column {cols.get(axis)!r}: {textfile.quoted(value)} is not a number")
                ok = False
                continue
            if number is None or not math.isfinite(number):
                problems.append(f"{word} {n}, column {cols.get(axis)!r}: coordinate is missing")
                ok = False
                continue
            store[i] = number
        if ok:
            lon, lat = lons[i], lats[i]
            if bbox is not None and _inside(lat, lon, bbox) and not _inside(lon, lat, bbox):
                problems.append(f"{word} {n}: longitude {lon} / latitude {lat} look swapped (as lat/lon it lies in "
                                f"China); swap the columns {cols.get('lon')!r} and {cols.get('lat')!r}")
            elif not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
                problems.append(f"{word} {n}: longitude {lon} / latitude {lat} out of range (−180…180 / −90…90)")
            elif bbox is not None and not _inside(lon, lat, bbox):
                problems.append(f"{word} {n}: longitude {lon} / latitude {lat} is outside China "
                                f"({bbox[0]}–{bbox[2]} E, {bbox[1]}–{bbox[3]} N); a missing value typed as 0?")
        for field in NUMBER_FIELDS:
            value = getattr(rec, field)
            try:
                number = _number(value, thousands=True)
            except ValueError:
                problems.append(f"{word} {n}, column {cols.get(field)!r}: {textfile.quoted(value)} is not a number")
                continue
            lo, hi = NUMBER_RANGES.get(field, COUNT_RANGE)
            if number is not None and not (math.isfinite(number) and lo <= number <= hi):
                kind = "a value" if field in NUMBER_RANGES else "a count"
                problems.append(f"{word} {n}, column {cols.get(field)!r}: {textfile.quoted(value)} must be {kind} "
                                f"in {lo:,g}…{hi:,g}")
            elif number is not None:
                numbers[field][i] = number
    if problems:
        swapped = sum("look swapped" in p for p in problems)
        fix = "correct or delete these rows; coordinates are decimal degrees (e.g. 110.35, 20.02)"
        if swapped == len(raw):
            fix = (f"longitude and latitude look swapped in every row: rename column {cols.get('lon')!r} to the "
                   f"latitude and {cols.get('lat')!r} to the longitude (China: longitude 73–135, latitude 3–54)")
        _fail(path, problems, fix=fix)
    wlon, wlat = to_wgs84(lons, lats, datum)
    names = [_clean(v) if not _blank(v) else f"row {n}" for v, n in zip(raw["name"], raw["source_row"])]
    long_names = [f"{word} {n}, column {cols.get('name')!r}: a name of {len(v):,} characters (at most "
                  f"{MAX_NAME_CHARS})" for v, n in zip(names, raw["source_row"]) if len(v) > MAX_NAME_CHARS]
    if long_names:
        _fail(path, long_names, fix="shorten the names; is the name column the right one?")
    _check_duplicates(path, word, names, lons, lats, raw["source_row"].to_numpy())
    if bbox is not None and offshore_limit_m is not None:
        _check_on_land(path, word, names, wlon, wlat, raw["source_row"].to_numpy(), offshore_limit_m)
    text = {f: [None if _blank(v) else _clean(v) for v in raw[f]] for f in ("kind",)}
    frame = gpd.GeoDataFrame(
        {"name": names, "kind": text["kind"], "tier": [_tier(v) for v in raw["tier"]],
         **numbers, "source_row": raw["source_row"].astype("int64").to_numpy()},
        geometry=gpd.points_from_xy(wlon, wlat), crs="EPSG:4326")
    frame.attrs.update({"source": str(path), "datum_in": datum, "columns": cols})
    present = [f for f in OPTIONAL_NUMBER_FIELDS if cols.get(f)]
    return frame[[*OUTPUT_COLUMNS[:-2], *present, *OUTPUT_COLUMNS[-2:]]]


def _inside(lon: float, lat: float, bbox: tuple[float, float, float, float]) -> bool:
    """True if (lon, lat) is in the box."""
    return bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]


def read_facilities(path: str | Path, *, datum: str = "wgs84",
                    bbox: tuple[float, float, float, float] | None = CHINA_BBOX,
                    offshore_limit_m: float | None = MAX_OFFSHORE_M, max_rows: int | None = None,
                    what: str = "facilities") -> gpd.GeoDataFrame:
    """Read facility points from CSV/XLSX/GeoJSON/GPKG in ``datum`` → WGS84 frame (name, kind, tier, beds, doctors, nurses, source_row).

    Exact duplicates (same name and point) are refused: their capacities would count twice.  Every
    problem raises InputFileError naming the file, row and column.

    Parameters
    ----------
    path : str or Path
        The table or vector file.
    datum : str
        Datum of the coordinates: "wgs84" (GPS/OSM), "gcj02" (AMap/Tencent) or "bd09" (Baidu).
    bbox : tuple of float, optional
        (west, south, east, north) in WGS84 degrees where coordinates must lie (China by default; None
        to accept anywhere).
    offshore_limit_m : float, optional
        Points farther out at sea than this many metres from known land are refused; None keeps them
        (candidate sites are kept and reported instead).
    max_rows : int, optional
        Refuse a file with more rows than this before checking any.
    what : str
        What the rows are, for the messages.

    Returns
    -------
    geopandas.GeoDataFrame
        One WGS84 point per row with name, kind, tier, beds, doctors, nurses and source_row.
    """
    path = Path(path)
    if not is_datum(datum):
        raise InputFileError(f"{path}: unknown datum {datum!r}; use one of {', '.join(DATUMS)} "
                             "(AMap/Tencent coordinates are gcj02, Baidu bd09, GPS/OSM wgs84)")
    if path.is_dir():
        raise InputFileError(f"{path} is a folder; give a CSV, Excel, GeoJSON or GeoPackage file of points")
    if not path.is_file():
        raise InputFileError(f"{path}: file not found")
    size = path.stat().st_size
    if size == 0:
        raise InputFileError(f"{path}: the file is empty (0 bytes)")
    if size > textfile.MAX_TEXT_BYTES:
        raise InputFileError(f"{path}: {size / 1e6:,.0f} MB is too large for a file of {what} (at most "
                             f"{textfile.MAX_TEXT_BYTES / 1e6:,.0f} MB); split it")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        raw = _table_frame(path, _csv_rows(path))
    elif suffix in (".xlsx", ".xlsm"):
        raw = _table_frame(path, _excel_rows(path))
    elif suffix in (".geojson", ".json", ".gpkg"):
        raw = _vector_frame(path)
    elif suffix == ".xls":
        raise InputFileError(f"{path}: old Excel .xls is not supported; open it in Excel/WPS and save as .xlsx or CSV")
    else:
        raise InputFileError(f"{path}: unknown file type {suffix!r}; use .csv, .xlsx, .geojson or .gpkg")
    if max_rows is not None and len(raw) > max_rows:
        raise InputFileError(f"{path}: {len(raw):,} rows is more than the {max_rows:,} {what} one run takes; "
                             "split the file or keep the most promising rows")
    frame = _parse(path, raw, datum, bbox, None if bbox is None else offshore_limit_m)
    log.info("%s: %d facilities read (datum %s)", path, len(frame), datum)
    return frame


# --------------------------------------------------------------------------------------------------
# checks against a network


def check_on_network(facilities: gpd.GeoDataFrame, net: Network, *, max_snap_m: float = MAX_SNAP_M) -> np.ndarray:
    """Snap distances (m) of the facilities to ``net``; InputFileError naming the rows farther than ``max_snap_m``.

    Parameters
    ----------
    facilities : geopandas.GeoDataFrame
        Facility points (any CRS).
    net : Network
        The road network.
    max_snap_m : float
        Most metres from a facility to its nearest road node.

    Returns
    -------
    numpy.ndarray
        float64 metres from each facility to its nearest node.
    """
    if len(facilities) == 0:
        return np.zeros(0)
    pts = facilities.geometry.to_crs("EPSG:4326")
    dist_m = np.asarray(snap(net, pts.x.to_numpy(), pts.y.to_numpy()).dist_m, dtype=float)
    far = np.flatnonzero(dist_m > max_snap_m)
    if far.size:
        source = facilities.attrs.get("source", "facilities")
        rows = facilities["source_row"].to_numpy() if "source_row" in facilities else np.arange(1, len(facilities) + 1)
        names = facilities["name"].to_numpy() if "name" in facilities else [""] * len(facilities)
        problems = [f"row {rows[i]} ({names[i]}): {dist_m[i] / 1000:.1f} km from the nearest road node"
                    for i in far]
        _fail(Path(str(source)), problems,
              fix=f"these lie more than {max_snap_m / 1000:.1f} km outside the road network: check the coordinates "
                  "and their datum (AMap → gcj02, Baidu → bd09), or use a network that covers them")
    return dist_m


# --------------------------------------------------------------------------------------------------
# default facility sets


#: Why a hospital without a counts_for_tertiary_circle column is counted (tables that predate the column).
_TIER_REASON = "tier tertiary (the table has no counts_for_tertiary_circle column)"


def _circle_members(table: pd.DataFrame) -> pd.Series:
    """Rows counted for the 1-hour tertiary circle: the table's counts_for_tertiary_circle flag, else tier tertiary."""
    if "counts_for_tertiary_circle" in table.columns:
        return table["counts_for_tertiary_circle"].astype(str).str.strip().str.lower().isin({"true", "1", "yes"})
    return table["tier"].astype(str).str.strip().str.lower() == "tertiary"


def _tertiary(region: Region, directory: Path) -> gpd.GeoDataFrame:
    """Hospitals counted for the 1-hour tertiary circle (general tertiary, see circle_reason) inside the region outline."""
    frames = []
    for path in sorted(directory.glob("*_institutions.csv")):
        table = pd.read_csv(path, encoding="utf-8-sig")
        missing = {"name_zh", "tier", "lon", "lat"} - set(table.columns)
        if missing:
            raise InputFileError(f"{path}: missing columns {sorted(missing)}; found {list(table.columns)}")
        table["source_row"] = np.arange(2, len(table) + 2)
        table["source_file"] = path.name
        if "circle_reason" not in table.columns:
            table["circle_reason"] = _TIER_REASON
        if "placeholder" not in table.columns:
            table["placeholder"] = False
        frames.append(table[_circle_members(table)])
    if not frames:
        raise InputFileError(f"{directory}: no *_institutions.csv files (named hospitals) found")
    table = pd.concat(frames, ignore_index=True)
    pts = gpd.GeoSeries(gpd.points_from_xy(table["lon"], table["lat"]), crs="EPSG:4326")
    inside = pts.to_crs(region.metric_crs).distance(region.outline_m).to_numpy() <= 1000.0  # coarse coordinates near the shore
    table = table[inside].reset_index(drop=True)
    return gpd.GeoDataFrame(
        {"name": table["name_zh"], "name_en": table.get("name_en"), "kind": table.get("kind"), "tier": "tertiary",
         "beds": np.nan, "doctors": np.nan, "nurses": np.nan, "source_row": table["source_row"].astype("int64"),
         "source_file": table["source_file"], "location_source": table.get("location_source"), "stand_in": False,
         "circle_reason": table["circle_reason"].astype(str),
         "placeholder": table["placeholder"].astype(str).str.strip().str.lower().isin({"true", "1", "yes"})},
        geometry=gpd.points_from_xy(table["lon"], table["lat"]), crs="EPSG:4326")


def county_seats(adcodes: Iterable[int], *, directory: Path = FACILITIES_DIR) -> gpd.GeoDataFrame:
    """County seats (adcode, name_zh, location_source; WGS84 points) of the given county polygons.

    From data/facilities/county_seats.csv (cpca's GCJ-02 seats converted to WGS84 by
    scripts/build_county_seats.py).  A polygon standing for a prefecture city without districts in the
    boundaries (code ending 00, e.g. 海口 460100 in Hainan's 18-unit map) takes the seats of its districts.

    Parameters
    ----------
    adcodes : iterable of int
        County adcodes; InputFileError when one has no seat.
    directory : Path
        The folder holding county_seats.csv.

    Returns
    -------
    geopandas.GeoDataFrame
        adcode, name_zh, location_source and the seat points; EPSG:4326.
    """
    path = directory / "county_seats.csv"
    if not path.is_file():
        raise InputFileError(f"{path} is missing; build it with `python scripts/build_county_seats.py`")
    seats = pd.read_csv(path, encoding="utf-8-sig")
    seats["adcode"] = seats["adcode"].astype("int64")
    wanted = [int(a) for a in adcodes]
    parts = []
    for code in wanted:
        own = seats[seats["adcode"] == code]
        if own.empty and code % 100 == 0:
            own = seats[(seats["adcode"] // 100) == code // 100].assign(adcode=code)
        parts.append(own)
    table = pd.concat(parts, ignore_index=True) if parts else seats.iloc[:0]
    missing = sorted(set(wanted) - set(table["adcode"]))
    if missing:
        raise InputFileError(f"{path}: no seat for adcode(s) {missing}; rebuild it with scripts/build_county_seats.py")
    return gpd.GeoDataFrame(table[["adcode", "name_zh", "location_source"]],
                            geometry=gpd.points_from_xy(table["lon"], table["lat"]), crs="EPSG:4326")


def _seats(region: Region, kind: str, directory: Path) -> gpd.GeoDataFrame:
    """County seats of the region's units as stand-in county hospitals / primary-care points (``stand_in`` True)."""
    seats = county_seats(region.counties["adcode"], directory=directory)
    label = {"county_hospital": "county hospital", "primary": "primary care"}[kind]
    return gpd.GeoDataFrame(
        {"name": seats["name_zh"] + f" ({label} stand-in: county seat)", "name_en": None, "kind": kind,
         "tier": "secondary" if kind == "county_hospital" else "primary", "beds": np.nan, "doctors": np.nan,
         "nurses": np.nan, "source_row": np.arange(1, len(seats) + 1, dtype=np.int64),
         "source_file": "county_seats.csv", "location_source": seats["location_source"], "stand_in": True,
         "adcode": seats["adcode"].astype("int64")},
        geometry=seats.geometry.values, crs="EPSG:4326")


def default_facilities(region: Region | str, *, kind: str, directory: Path = FACILITIES_DIR) -> gpd.GeoDataFrame:
    """Default facilities of a region: kind "tertiary" (named hospitals) or "county_hospital"/"primary" (county-seat stand-ins).

    Parameters
    ----------
    region : Region or str
        The region, or its name or adcode.
    kind : str
        "tertiary": hospitals counted for the 1-hour tertiary circle in data/facilities/*_institutions.csv
        within 1 km of the region's outline; "county_hospital" or "primary": county seats standing in
        (``stand_in`` True).
    directory : Path
        The folder of the facility tables.

    Returns
    -------
    geopandas.GeoDataFrame
        WGS84 points with name, kind, tier, beds, doctors, nurses, source_row and source columns.
    """
    if kind not in KINDS:
        raise InputFileError(f"unknown facility kind {kind!r}; use one of {', '.join(KINDS)}")
    region = region if isinstance(region, Region) else resolve(region)
    frame = _tertiary(region, directory) if kind == "tertiary" else _seats(region, kind, directory)
    frame.attrs.update({"source": str(directory), "region": region.name, "kind": kind})
    log.info("%s: %d default %s facilities", region.name, len(frame), kind)
    return frame
