"""Load the committed boundary files (data/boundaries/, built by scripts/build_boundaries.py).

All layers are WGS84 GeoDataFrames with ``adcode`` (int), ``name_zh``, ``name_en``, ``level``
(province | prefecture | county) and ``parent_adcode``; Hainan layers are land only (sea belt
clipped) and exclude 三沙.  Files are read once per process and copies handed out.
"""

from __future__ import annotations

import hashlib
import json
import logging
from functools import cache
from pathlib import Path

import geopandas as gpd
import shapely

from spatial import picklecache
from spatial.errors import RegionError
from spatial.settings import BOUNDARIES_DIR, cache_dir

log = logging.getLogger(__name__)

#: Layer name → committed file (without extension).
COUNTY_LAYERS: dict[str, str] = {
    "hainan": "hainan_counties18",  # 18 county-level units: 海口/三亚/儋州 whole + 15 直辖县市
    "hainan_districts": "hainan_districts24",  # 海口 and 三亚 split into their 4 districts each
    "yunnan": "yunnan_counties129",
    "yunnan_prefectures": "yunnan_prefectures16",
    "yiyang": "yiyang_counties6",
}
OUTLINE_LAYERS: dict[str, str] = {
    "hainan": "hainan_outline",  # main island and near-shore islets
    "yunnan": "yunnan_outline",
    "yiyang": "yiyang_outline",
}
PROVINCES_LAYER = "china_provinces"
COLUMNS = ["adcode", "name_zh", "name_en", "level", "parent_adcode"]
_CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def _entry(stem: str, directory: str, what: str) -> Path:
    """Cache file of something derived from a committed GeoJSON: named by the file as it is now and this code."""
    path = Path(directory) / f"{stem}.geojson"
    if not path.is_file():
        raise RegionError(f"boundary file {path} is missing; rebuild it with `python scripts/build_boundaries.py`")
    stat = path.stat()
    digest = hashlib.sha256(f"{path.resolve()} {stat.st_size} {stat.st_mtime_ns} {_CODE}".encode()).hexdigest()[:16]
    return cache_dir() / "boundaries" / f"{stem}-{what}-{digest}.pickle"


@cache
def _read(stem: str, directory: str) -> gpd.GeoDataFrame:
    """One committed GeoJSON, read once per process and pickled in the user's cache for the next."""
    return picklecache.load_or_build(_entry(stem, directory, "frame"),
                                     lambda: _parse(Path(directory) / f"{stem}.geojson"), kind=gpd.GeoDataFrame,
                                     what=f"boundary file {stem}.geojson")


@cache
def _union(stem: str, directory: str) -> shapely.Geometry:
    """The union of a committed layer's polygons, computed once and pickled (Hainan's outline: 30 ms)."""
    return picklecache.load_or_build(_entry(stem, directory, "union"),
                                     lambda: shapely.union_all(_read(stem, directory).geometry.values),
                                     kind=shapely.Geometry, what=f"outline of {stem}.geojson")


def _parse(path: Path) -> gpd.GeoDataFrame:
    """A committed boundary GeoJSON as a WGS84 frame with integer adcodes."""
    frame = gpd.read_file(path)
    frame = frame.set_crs("EPSG:4326", allow_override=True)
    for col in ("adcode", "parent_adcode"):
        frame[col] = frame[col].astype("int64")
    return frame


def layer(stem: str, *, directory: Path = BOUNDARIES_DIR) -> gpd.GeoDataFrame:
    """A copy of a committed boundary layer by file stem (e.g. "yunnan_counties129"), WGS84."""
    return _read(stem, str(directory)).copy()


def _choose(name: str, table: dict[str, str]) -> str:
    """File stem for a layer name, or RegionError listing the valid ones."""
    key = name.strip().lower()
    if key not in table:
        raise RegionError(f"no boundary layer {name!r}; valid: {', '.join(table)}")
    return table[key]


def counties(province_or_region: str, *, directory: Path = BOUNDARIES_DIR) -> gpd.GeoDataFrame:
    """County-level units of "hainan" (18), "hainan_districts" (24), "yunnan" (129), "yunnan_prefectures" (16) or "yiyang" (6)."""
    return layer(_choose(province_or_region, COUNTY_LAYERS), directory=directory)


def outline(province_or_region: str, *, directory: Path = BOUNDARIES_DIR) -> shapely.Geometry:
    """Outline polygon (WGS84) of "hainan" (main island, land), "yunnan" or "yiyang"."""
    return _union(_choose(province_or_region, OUTLINE_LAYERS), str(directory))


def provinces(*, directory: Path = BOUNDARIES_DIR) -> gpd.GeoDataFrame:
    """China's 34 provincial units, coarsely simplified (≈ 1 km), for context maps only."""
    return layer(PROVINCES_LAYER, directory=directory)


def manifest(*, directory: Path = BOUNDARIES_DIR) -> dict:
    """The build manifest (source package versions, method, sha256 of every file)."""
    return json.loads((directory / "MANIFEST.json").read_text(encoding="utf-8"))
