"""Planning regions by name or adcode: the counties, outline, bounding box and metric CRS of each.

Named regions: "hainan" (18 county-level units, land only, no 三沙), "haikou" and "sanya" (their
4 districts each), "yunnan" (129 counties), "yiyang" (6 counties).  Any prefecture or county adcode
of Hainan, Yunnan or Yiyang also resolves (e.g. 530100 昆明市 → its 14 counties), as do the
Chinese or English names of those units when they are unambiguous ("昆明市", "Kunming").
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import pandas as pd
import shapely

from spatial import boundaries
from spatial.coords import metric_crs
from spatial.errors import RegionError

log = logging.getLogger(__name__)

#: Named regions → (layer, parent adcode to filter on or None for the whole layer, adcode, 中文名).
NAMED: dict[str, tuple[str, int | None, int, str]] = {
    "hainan": ("hainan", None, 460000, "海南省"),
    "haikou": ("hainan_districts", 460100, 460100, "海口市"),
    "sanya": ("hainan_districts", 460200, 460200, "三亚市"),
    "yunnan": ("yunnan", None, 530000, "云南省"),
    "yiyang": ("yiyang", None, 430900, "益阳市"),
}
_NAMED_BY_CODE = {code: name for name, (_, _, code, _) in NAMED.items()}
_SUFFIX = re.compile(r"\s+(district|county|city|autonomous prefecture)$")


@dataclass(frozen=True, eq=False)
class Region:
    """A planning region: its county-level units (WGS84), outline, bbox (degrees) and metric CRS."""

    name: str  # canonical key: a NAMED key or the adcode as a string
    name_zh: str
    name_en: str
    adcode: int
    counties: gpd.GeoDataFrame  # adcode, name_zh, name_en, level, parent_adcode, geometry (+ extras)
    outline: shapely.Geometry
    bbox: tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max
    metric_crs: str  # Albers equal-area PROJ string fitted to bbox
    bounds_m: tuple[float, float, float, float]  # the counties' bounds in metric_crs (m): xmin, ymin, xmax, ymax
    outline_m: shapely.Geometry  # the outline in metric_crs


@lru_cache(maxsize=1)
def _units() -> gpd.GeoDataFrame:
    """Every resolvable unit: counties (incl. Hainan districts) and Yunnan prefectures, one row per adcode."""
    frames = [boundaries.counties(k) for k in ("hainan", "hainan_districts", "yunnan", "yunnan_prefectures", "yiyang")]
    frames.append(boundaries.layer("yiyang_outline"))
    units = pd.concat(frames, ignore_index=True).drop_duplicates("adcode")
    return gpd.GeoDataFrame(units, geometry="geometry", crs="EPSG:4326")


def _names() -> dict[str, int]:
    """Unambiguous lower-case Chinese/English names (with and without 市/县/区 or County/City suffix) → adcode."""
    seen: dict[str, set[int]] = {}
    for code, zh, en in _units()[["adcode", "name_zh", "name_en"]].itertuples(index=False):
        for key in {zh, zh.rstrip("市县区") if len(zh) > 2 else zh, en.lower(), _SUFFIX.sub("", en.lower())}:
            seen.setdefault(key, set()).add(int(code))
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


def list_regions(*, include_adcodes: bool = False) -> list[str]:
    """Named regions, and optionally every prefecture/county adcode that ``resolve`` accepts."""
    names = list(NAMED)
    if include_adcodes:
        names += [str(c) for c in sorted(_units()["adcode"]) if int(c) not in _NAMED_BY_CODE]
    return names


def _code_of(name_or_adcode: str | int) -> int | str:
    """A NAMED key, or the adcode a name/adcode refers to; RegionError if unknown."""
    if isinstance(name_or_adcode, (int,)) or str(name_or_adcode).strip().isdigit():
        code = int(name_or_adcode)
        if code in _NAMED_BY_CODE:
            return _NAMED_BY_CODE[code]
        if code in set(_units()["adcode"]) or (_units()["parent_adcode"] == code).any():
            return code
    else:
        key = str(name_or_adcode).strip().lower()
        if key in NAMED:
            return key
        names = _names()
        if key in names:
            return _code_of(names[key])
    raise RegionError(
        f"unknown region {name_or_adcode!r}; valid names: {', '.join(NAMED)}, or a prefecture/county adcode "
        "(6 digits) of Hainan, Yunnan or Yiyang, e.g. 530100 (昆明市), 469025 (白沙黎族自治县); "
        "see spatial.regions.list_regions(include_adcodes=True)"
    )


def _make(name: str, name_zh: str, name_en: str, adcode: int, units: gpd.GeoDataFrame,
          outline: shapely.Geometry | None = None) -> Region:
    """Assemble a Region from its units; the outline defaults to their union."""
    units = units.sort_values("adcode").reset_index(drop=True)
    if outline is None:
        outline = shapely.union_all(units.geometry.values)
    lon_min, lat_min, lon_max, lat_max = (float(v) for v in units.total_bounds)
    bbox = (lon_min, lat_min, lon_max, lat_max)
    crs = metric_crs(*bbox)
    xmin, ymin, xmax, ymax = (float(v) for v in units.to_crs(crs).total_bounds)
    outline_m = gpd.GeoSeries([outline], crs="EPSG:4326").to_crs(crs).iloc[0]
    return Region(name=name, name_zh=name_zh, name_en=name_en, adcode=adcode, counties=units,
                  outline=outline, bbox=bbox, metric_crs=crs, bounds_m=(xmin, ymin, xmax, ymax), outline_m=outline_m)


@lru_cache(maxsize=64)
def _resolve_cached(key: int | str) -> Region:
    """Build (once) the Region for a NAMED key or an adcode."""
    if isinstance(key, str):
        layer, parent, code, zh = NAMED[key]
        units = boundaries.counties(layer)
        if parent is not None:
            units = units[units["parent_adcode"] == parent]
        outline = boundaries.outline(layer) if layer in boundaries.OUTLINE_LAYERS else None
        return _make(key, zh, key.capitalize(), code, units, outline)
    everything = _units()
    own = everything[everything["adcode"] == key]
    # A Yunnan prefecture → its counties; a county (or undivided city such as 儋州) → itself.
    children = boundaries.counties("yunnan")
    children = children[children["parent_adcode"] == key]
    units = children if len(children) else own
    name_zh, name_en = str(own["name_zh"].iloc[0]), str(own["name_en"].iloc[0])
    return _make(str(key), name_zh, name_en, key, units)


def resolve(name_or_adcode: str | int) -> Region:
    """The Region for a name ("hainan", "haikou", "yunnan", "yiyang", "昆明市" …) or adcode (530100 …)."""
    region = _resolve_cached(_code_of(name_or_adcode))
    # Hand out a fresh frame so callers cannot corrupt the cache by mutating it.
    return Region(**{**region.__dict__, "counties": region.counties.copy()})
