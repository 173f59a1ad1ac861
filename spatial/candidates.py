"""Candidate hospital sites: where they come from (a file, county seats, the coverage gaps) and their checks.

Every candidate is checked — on land, inside the region, within ``MAX_ROAD_M`` of a road node — and a
failing one is kept with its reasons, never dropped silently.  The plans' own candidate sites come from
``layers`` (the engine does not read plans): a front end passes them in as a GeoDataFrame.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial import facilities, traveltime
from spatial.errors import HealthplanError
from spatial.land import known_land
from spatial.network import Network
from spatial.population import PopulationGrid
from spatial.regions import Region
from spatial.settings import GAP_CANDIDATES_N, MAX_CANDIDATES, MAX_ROAD_M

#: The checks in the order a candidate is tested; a rejected candidate is counted under its first failure.
CHECKS: tuple[str, ...] = ("not_on_land", "outside_region", "far_from_road")


def check_candidates(
    net: Network,
    candidates: gpd.GeoDataFrame,
    *,
    region: Region | None = None,
    max_road_m: float = MAX_ROAD_M,
) -> gpd.GeoDataFrame:
    """Snap candidates and mark each ok or rejected, with every failed check (``CHECKS``) and its reason.

    Parameters
    ----------
    net : Network
        The road network.
    candidates : geopandas.GeoDataFrame
        Candidate points (any CRS; at most MAX_CANDIDATES).
    region : Region, optional
        When given, candidates must lie on land and inside its outline.
    max_road_m : float
        Candidates farther than this from their nearest road node are rejected, metres.

    Returns
    -------
    geopandas.GeoDataFrame
        The candidates (EPSG:4326) with node, snap_m (metres to the nearest road node), access_min,
        status ("ok" | "rejected"), reason (all failures, readable) and first_failure (the first of
        ``CHECKS`` it failed, "" if ok).
    """
    if len(candidates) > MAX_CANDIDATES:
        raise HealthplanError(
            f"{len(candidates):,} candidate sites is more than the {MAX_CANDIDATES:,} one run can test; "
            "split the file or choose candidates over the gaps (--candidates gaps)"
        )
    if not (np.isfinite(max_road_m) and max_road_m > 0):
        raise HealthplanError(f"the road distance limit must be a positive number of metres, got {max_road_m}")
    frame = candidates.copy()
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs("EPSG:4326")
    lon, lat = traveltime.point_lonlat(frame) if len(frame) else (np.zeros(0), np.zeros(0))
    failures: list[list[tuple[str, str]]] = [[] for _ in range(len(frame))]
    if region is not None and len(frame):
        on_land = shapely.contains_xy(known_land(region), lon, lat)
        inside = shapely.contains_xy(region.outline, lon, lat)
        for i in np.flatnonzero(~on_land):
            failures[i].append(("not_on_land", "not on land (in the sea or outside the mapped provinces)"))
        for i in np.flatnonzero(on_land & ~inside):
            failures[i].append(("outside_region", f"outside the region {region.name_zh} ({region.name})"))
    if len(frame):
        snapped = traveltime.snap(net, lon, lat)
        for i in np.flatnonzero(snapped.dist_m > max_road_m):
            # rounded up, so a distance just over the limit never reads as the limit itself
            failures[i].append(("far_from_road", f"{math.ceil(snapped.dist_m[i]):,} m from the nearest road node "
                                                 f"(limit {max_road_m:,.0f} m)"))
        frame["node"], frame["snap_m"] = snapped.node, np.round(snapped.dist_m, 1)
        frame["access_min"] = np.round(snapped.access_min, 3)
    else:
        frame["node"], frame["snap_m"], frame["access_min"] = [], [], []
    order = {c: i for i, c in enumerate(CHECKS)}
    frame["status"] = ["rejected" if f else "ok" for f in failures]
    frame["reason"] = ["; ".join(text for _, text in sorted(f, key=lambda x: order[x[0]])) for f in failures]
    frame["first_failure"] = [min((code for code, _ in f), key=lambda code: order[code]) if f else "" for f in failures]
    return frame


def rejected_counts(checked: pd.DataFrame) -> dict[str, int]:
    """How many candidates were rejected, by their first failed check (the counts add up to the rejected)."""
    first = checked.get("first_failure", pd.Series(dtype=str))
    return {code: int((first == code).sum()) for code in CHECKS}


def _blocks(x_m: np.ndarray, y_m: np.ndarray, block_m: float) -> np.ndarray:
    """Index (0..b-1) of the square block of side ``block_m`` each point falls in."""
    bx = np.floor((x_m - x_m.min()) / block_m).astype(np.int64)
    by = np.floor((y_m - y_m.min()) / block_m).astype(np.int64)
    return np.unique(bx * (int(by.max()) + 1) + by, return_inverse=True)[1].ravel()


def from_gaps(
    grid: PopulationGrid,
    current_min: np.ndarray,
    *,
    threshold_min: float,
    n: int = GAP_CANDIDATES_N,
    weight: str = "pop",
) -> gpd.GeoDataFrame:
    """One candidate per block of gap cells (> ``threshold_min`` today), the ``n`` most populous blocks.

    Blocks are sized so the gaps split into about ``n`` pieces; each block's candidate is the centre of
    its populated cell nearest to the block's population-weighted centre — a real cell on land, never a
    point in the sea between two coasts.

    Parameters
    ----------
    grid : PopulationGrid
        The populated cells.
    current_min : numpy.ndarray
        Minutes from each cell to today's nearest facility (inf or NaN where unreachable).
    threshold_min : float
        Cells beyond this many minutes are gap cells.
    n : int
        Most candidates (1 … MAX_CANDIDATES).
    weight : str
        Whom to count: pop, urban, rural or pop60.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns name, gap_population (persons in the block), source ("gaps"); points in EPSG:4326.
    """
    if isinstance(n, bool) or int(n) != n or not 1 <= n <= MAX_CANDIDATES:
        raise HealthplanError(f"the number of gap candidates must be a whole number in 1…{MAX_CANDIDATES}, got {n!r}")
    w_all = np.asarray(getattr(grid, weight), dtype=np.float64)
    gap = ~(np.nan_to_num(np.asarray(current_min, float), nan=np.inf, posinf=np.inf) <= threshold_min) & (w_all > 0)
    if not gap.any():
        return gpd.GeoDataFrame({"name": [], "gap_population": [], "source": []}, geometry=[], crs="EPSG:4326")
    idx = np.flatnonzero(gap)
    x, y, w = grid.x_m[idx], grid.y_m[idx], w_all[idx]
    span = max(float(np.ptp(x) + grid.cell_m) * float(np.ptp(y) + grid.cell_m), 1.0)
    block_m = max(float(grid.cell_m), float(np.sqrt(span / n)))
    block = _blocks(x, y, block_m)
    # gaps rarely fill their bounding box: refine until there are n blocks or blocks are single cells
    while block.max() + 1 < n and block_m > grid.cell_m:
        block_m = max(float(grid.cell_m), block_m / np.sqrt(2.0))
        block = _blocks(x, y, block_m)
    pop = np.bincount(block, weights=w)
    cx, cy = np.bincount(block, weights=w * x) / pop, np.bincount(block, weights=w * y) / pop
    dist = np.hypot(x - cx[block], y - cy[block])
    order = np.lexsort((dist, block))
    first = order[np.r_[True, block[order][1:] != block[order][:-1]]]  # nearest cell of each block
    top = np.argsort(-pop, kind="stable")[: int(n)]
    cell = idx[first[top]]
    return gpd.GeoDataFrame(
        {"name": [f"gap {i + 1}" for i in range(top.size)], "gap_population": pop[top], "source": "gaps"},
        geometry=gpd.points_from_xy(grid.lon[cell], grid.lat[cell]), crs="EPSG:4326",
    )


def from_seats(region: Region) -> gpd.GeoDataFrame:
    """County seats of the region (data/facilities/county_seats.csv) as candidate sites."""
    seats = facilities.county_seats(region.counties["adcode"])
    return gpd.GeoDataFrame({"name": seats["name_zh"] + "驻地", "adcode": seats["adcode"].to_numpy(),
                             "source": "county seats"}, geometry=seats.geometry.values, crs="EPSG:4326")


def from_file(path: str, *, datum: str = "wgs84") -> gpd.GeoDataFrame:
    """A user's candidate sites (CSV/Excel/GeoJSON/GPKG, read as facilities are) with ``source`` = the file.

    Candidates at sea are kept (and reported by :func:`check_candidates`), not refused.

    Parameters
    ----------
    path : str
        The file.
    datum : str
        Datum of its coordinates: "wgs84", "gcj02" (AMap/Tencent) or "bd09" (Baidu).

    Returns
    -------
    geopandas.GeoDataFrame
        The sites in WGS84 (columns as ``facilities.read_facilities`` gives them) with ``source``.
    """
    # candidates at sea are kept and reported (check_candidates), not refused; the cap bites before any check
    frame = facilities.read_facilities(path, datum=datum, offshore_limit_m=None, max_rows=MAX_CANDIDATES,
                                       what="candidate sites")
    frame["source"] = str(path)
    return frame
