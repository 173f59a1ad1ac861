"""Named institutions the plans cite (data/facilities/*_institutions.csv), looked up by Chinese name or alias.

Each CSV holds one row per place a plan names, with WGS84 lon/lat, the precision of that coordinate and
how it was obtained.  Layer modules reference institutions by ``name_zh`` and never repeat coordinates.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TypedDict

import geopandas as gpd
import pandas as pd

from spatial.errors import InputFileError
from spatial.settings import FACILITIES_DIR

#: Columns every *_institutions.csv must have (``precision_m``, ``aliases``, ``notes`` are optional).
REQUIRED: tuple[str, ...] = ("name_zh", "name_en", "kind", "tier", "lon", "lat", "location_source", "plan_refs")
#: Columns the project's own tables carry on top (address, how the point was found, the unit the address names,
#: the placeholder rule and the 1-hour-circle choice); optional for other tables.
DOCUMENTED: tuple[str, ...] = (
    "precision_m", "address", "unit_adcode", "location_method", "placeholder", "placeholder_reason",
    "counts_for_tertiary_circle", "circle_reason",
)  # fmt: skip
#: The placeholder rule: a point placed at the seat of a city/county (data/facilities/county_seats.csv) because the
#: site is unknown is ``placeholder=True`` with the reason; its precision is the unit's farthest point from the seat.
PLACEHOLDER_RULE = (
    "placeholder: the site is unknown, so the point is the seat of the city/county the plan names "
    "(data/facilities/county_seats.csv); it stands for the whole unit"
)
_TRUE = {"true", "1", "yes"}
TIERS: tuple[str, ...] = ("tertiary", "secondary", "other", "planned")
ALIAS_SEP = "|"
#: A point stated this imprecise (or a planned site) is flagged ``geometry_approximate`` (same rule as layers/_common).
APPROXIMATE_FROM_KM: float = 5.0
_PRECISION = re.compile(r"precision\s*≈\s*([0-9]+(?:\.[0-9]+)?)\s*km")


def read_institutions(path: Path) -> gpd.GeoDataFrame:
    """Read and validate one institutions CSV (WGS84 lon/lat in degrees) into a point GeoDataFrame."""
    frame = pd.read_csv(path, dtype={"name_zh": str, "aliases": str}, keep_default_na=False, na_values={"lon": [""], "lat": [""]})
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputFileError(f"{path}: missing column(s) {missing}; every institutions CSV needs {list(REQUIRED)}")
    for i, (_, row) in enumerate(frame.iterrows()):
        where = f"{path}, row {i + 2}"  # 1-based with the header as row 1, as a spreadsheet shows it
        if not str(row["name_zh"]).strip():
            raise InputFileError(f"{where}, column name_zh: empty name; give the institution's Chinese name")
        for col, lo, hi in (("lon", -180.0, 180.0), ("lat", -90.0, 90.0)):
            value = pd.to_numeric(row[col], errors="coerce")
            if pd.isna(value) or not lo <= value <= hi:
                raise InputFileError(f"{where}, column {col}: {row[col]!r} is not a WGS84 degree value in [{lo}, {hi}]")
        if row["tier"] not in TIERS:
            raise InputFileError(f"{where}, column tier: {row['tier']!r}; use one of {TIERS}")
        if not str(row["location_source"]).strip():
            raise InputFileError(f"{where}, column location_source: empty; say how the coordinate was obtained")
    dupes = frame["name_zh"][frame["name_zh"].duplicated()].tolist()
    if dupes:
        raise InputFileError(f"{path}: name_zh listed more than once: {dupes}; keep one row per institution")
    frame["lon"], frame["lat"] = frame["lon"].astype(float), frame["lat"].astype(float)
    if "aliases" not in frame.columns:
        frame["aliases"] = ""
    for col in ("placeholder", "counts_for_tertiary_circle"):
        frame[col] = frame[col].astype(str).str.strip().str.lower().isin(_TRUE) if col in frame else False
    for col in ("placeholder_reason", "circle_reason", "address", "location_method"):
        if col not in frame.columns:
            frame[col] = ""
    bad = frame["placeholder"] & (frame["placeholder_reason"].astype(str).str.strip() == "")
    if bad.any():
        raise InputFileError(f"{path}, row {int(bad.to_numpy().argmax()) + 2}, column placeholder_reason: empty for a placeholder; "
                             "say why the site is unknown")
    frame["source_file"] = path.name
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326")


@lru_cache(maxsize=4)
def _load(directory: Path) -> gpd.GeoDataFrame:
    """All *_institutions.csv files in ``directory``, concatenated (cached per directory)."""
    paths = sorted(directory.glob("*_institutions.csv"))
    if not paths:
        raise InputFileError(f"no *_institutions.csv in {directory}")
    frames = [read_institutions(p) for p in paths]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326")


def institutions(*, directory: Path = FACILITIES_DIR) -> gpd.GeoDataFrame:
    """Every named institution of every plan (one row per CSV row; ``source_file`` says which CSV)."""
    return _load(Path(directory)).copy()


def _names(row: pd.Series) -> set[str]:
    """The name and aliases a row answers to."""
    return {row["name_zh"], *(a.strip() for a in str(row["aliases"]).split(ALIAS_SEP) if a.strip())}


@lru_cache(maxsize=16)
def _index(directory: Path, region: str | None) -> dict[str, list[int]]:
    """Name or alias → row positions in ``_load(directory)`` (optionally one region's CSV only)."""
    frame = _load(directory)
    index: dict[str, list[int]] = {}
    for pos, (name, aliases, source) in enumerate(zip(frame["name_zh"], frame["aliases"], frame["source_file"],
                                                      strict=True)):
        if region is not None and source != f"{region}_institutions.csv":
            continue
        for key in {name, *(a.strip() for a in str(aliases).split(ALIAS_SEP) if a.strip())}:
            index.setdefault(key, []).append(pos)
    return index


def institution(name_zh: str, *, region: str | None = None, directory: Path = FACILITIES_DIR) -> pd.Series:
    """The one institution row called ``name_zh`` (or having it as alias), optionally only from ``<region>_institutions.csv``."""
    frame = _load(Path(directory))
    index = _index(Path(directory), region)
    exact = [p for p in index.get(name_zh, []) if frame["name_zh"].iloc[p] == name_zh]
    hits = exact or index.get(name_zh, [])
    if len(hits) == 1:
        return frame.iloc[hits[0]]
    files = sorted({*frame["source_file"]})
    if not hits:
        raise KeyError(f"no institution called {name_zh!r} in {files} (region={region!r}); add a row or fix the name")
    raise KeyError(f"{name_zh!r} matches {len(hits)} rows ({frame['source_file'].iloc[hits].tolist()}); "
                   "pass region= to choose one")


def precision_km(row: pd.Series) -> float | None:
    """Stated precision of an institution's coordinate in km (``precision_m`` column, else "precision ≈ N km" text)."""
    raw = row.get("precision_m")
    value = pd.to_numeric(raw, errors="coerce") if raw is not None else None
    if value is not None and not pd.isna(value):
        return float(value) / 1000.0
    found = [float(v) for v in _PRECISION.findall(str(row.get("location_source", "")))]
    return max(found) if found else None


def is_placeholder(row: pd.Series) -> bool:
    """True for a point placed at a city/county seat because the site is unknown (see PLACEHOLDER_RULE)."""
    return str(row.get("placeholder", "")).strip().lower() in _TRUE


class PlaceholderFlags(TypedDict):
    """The placeholder attributes of a layer feature (see PLACEHOLDER_RULE)."""

    placeholder: bool
    placeholder_reason: str


def placeholder_flags(row: pd.Series) -> PlaceholderFlags:
    """The ``placeholder`` and ``placeholder_reason`` attributes a layer feature built from ``row`` carries."""
    flag = is_placeholder(row)
    return {"placeholder": flag, "placeholder_reason": str(row.get("placeholder_reason", "")) if flag else ""}


def is_approximate(row: pd.Series, *, from_km: float = APPROXIMATE_FROM_KM) -> bool:
    """True for placeholders, planned sites and coordinates stated no better than ``from_km`` (or not at all)."""
    stated = precision_km(row)
    return is_placeholder(row) or str(row.get("tier", "")) == "planned" or stated is None or stated >= from_km
