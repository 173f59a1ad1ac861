"""The plans' coverage metrics from each cell's minutes: circles, health circles, travel-time bands, emergency circle.

Each metric is a pure function of the population grid and the minutes from every cell centre to its
nearest facility (``spatial.traveltime``: the cell's access leg + network + the facility's access leg),
so one shortest-path search feeds all of them.  A cell counts with all its persons when its centre is
within the threshold.  Per-county sums use ``np.bincount`` over county indices (``spatial.counties``).

Definitions (the provenance quotes ``METHODS``):

* ``circle`` — persons within T minutes (1小时三级医院服务圈: T = 60 to the tertiary hospitals);
* ``health_circles`` — urban persons within the urban threshold plus rural persons within the rural one
  (15分钟城市健康圈、30分钟乡村健康圈, to primary care);
* ``bands`` — persons by band 0–15–30–60–90–> 90 min, with the weighted mean and 90th percentile;
* ``emergency_circle`` — named sites (4A+ scenic areas) within 10 minutes of an emergency destination.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial import traveltime
from spatial.counties import county_names, finite_or_none, share, sum_by
from spatial.errors import HealthplanError
from spatial.network import Network
from spatial.population import PopulationGrid
from spatial.settings import BANDS_MIN, EMERGENCY_THRESHOLD_MIN, RURAL_THRESHOLD_MIN, URBAN_THRESHOLD_MIN

#: One definition per metric, quoted in every result's provenance.
METHODS: dict[str, str] = {
    "travel_time": (
        "cell centre → nearest road node on an access leg (straight line × detour factor at the access speed) "
        "+ shortest network time (Dijkstra on the reversed road graph, so one-way streets count) + the facility's "
        "own access leg"
    ),
    "tertiary_circle": "persons in cells whose centre is within the threshold of the nearest tertiary hospital",
    "health_circles": (
        "urban persons of cells within the urban threshold plus rural persons of cells within the rural threshold "
        "of the nearest primary-care point"
    ),
    "bands": "persons by travel-time band to the nearest tertiary hospital; population-weighted mean and 90th percentile",
    "gaps": "4-connected clusters of populated cells beyond the threshold, split at county lines, largest first",
    "isochrones": "contours of the same travel-time model on a raster (never a convex hull), nested",
    "emergency_circle": "minutes from each named site to its nearest emergency destination; share within the threshold",
}


@dataclass(frozen=True, eq=False)
class Coverage:
    """One metric's result: per-county rows and regional totals (persons, shares 0–1, minutes)."""

    metric: str
    threshold_min: float | dict[str, float]
    counties: pd.DataFrame  # adcode, name_zh, name_en, population, covered, share, …
    total: dict[str, Any]


def _check_minutes(grid: PopulationGrid, minutes: np.ndarray) -> np.ndarray:
    """The minutes as float64, one per cell (NaN counts as unreachable)."""
    minutes = np.asarray(minutes, dtype=np.float64)
    if minutes.shape != (grid.n_cells,):
        raise HealthplanError(f"got {minutes.size} cell minutes for a grid of {grid.n_cells} cells")
    return np.nan_to_num(minutes, nan=np.inf, posinf=np.inf)


def _check_threshold(value: float, name: str) -> float:
    """A threshold in minutes: finite and not negative."""
    value = float(value)
    if not (np.isfinite(value) and value >= 0):
        raise HealthplanError(f"{name} must be a finite number of minutes ≥ 0, got {value}")
    return value


def circle(
    grid: PopulationGrid,
    minutes: np.ndarray,
    threshold_min: float,
    *,
    metric: str = "tertiary_circle",
    counties: pd.DataFrame | None = None,
) -> Coverage:
    """Persons within ``threshold_min`` minutes, by county and in total.

    Parameters
    ----------
    grid : PopulationGrid
        Populated cells (persons per cell).
    minutes : numpy.ndarray
        Minutes from each cell centre to its nearest facility (inf or NaN where unreachable).
    threshold_min : float
        The circle's radius in minutes (60 for the 1-hour tertiary circle).
    metric : str
        Name recorded in the result.
    counties : pandas.DataFrame, optional
        adcode, name_zh, name_en of the region's counties, for the names in the rows.

    Returns
    -------
    Coverage
        Rows per county (population, covered persons, share 0–1) and totals (population_total,
        covered_population, covered_share, threshold_min).
    """
    minutes = _check_minutes(grid, minutes)
    threshold = _check_threshold(threshold_min, "the threshold")
    codes, inv = grid.by_county
    pop = np.asarray(grid.pop, dtype=float)
    population = sum_by(inv, codes.size, pop)
    covered = sum_by(inv, codes.size, np.where(minutes <= threshold, pop, 0.0))
    rows = county_names(codes, counties)
    rows["population"] = population
    rows["covered"] = covered
    rows["share"] = share(covered, population)
    total_pop, total_cov = float(pop.sum()), float(covered.sum())
    total = {
        "population_total": total_pop,
        "covered_population": total_cov,
        "covered_share": float(share(total_cov, total_pop)),
        "threshold_min": threshold,
    }
    return Coverage(metric, threshold, rows, total)


def health_circles(
    grid: PopulationGrid,
    minutes: np.ndarray,
    *,
    urban_threshold_min: float = URBAN_THRESHOLD_MIN,
    rural_threshold_min: float = RURAL_THRESHOLD_MIN,
    counties: pd.DataFrame | None = None,
) -> Coverage:
    """15分钟城市健康圈 / 30分钟乡村健康圈: urban persons covered within the urban threshold, rural within the rural one.

    Parameters
    ----------
    grid : PopulationGrid
        Populated cells; a cell's urban persons are ``grid.urban``, its rural persons the rest.
    minutes : numpy.ndarray
        Minutes from each cell to its nearest primary-care point (inf or NaN where unreachable).
    urban_threshold_min, rural_threshold_min : float
        Minutes within which the cell's urban and its rural persons count as covered (15 and 30).
    counties : pandas.DataFrame, optional
        adcode, name_zh, name_en of the region's counties, for the names in the rows.

    Returns
    -------
    Coverage
        Rows per county with persons, covered persons and shares (0–1) in total, urban and rural; the
        same in the totals, with both thresholds.
    """
    minutes = _check_minutes(grid, minutes)
    t_urban = _check_threshold(urban_threshold_min, "the urban threshold")
    t_rural = _check_threshold(rural_threshold_min, "the rural threshold")
    codes, inv = grid.by_county
    n = codes.size
    urban = np.asarray(grid.urban, dtype=float)
    rural = np.asarray(grid.pop, dtype=float) - urban
    urban_cov = np.where(minutes <= t_urban, urban, 0.0)
    rural_cov = np.where(minutes <= t_rural, rural, 0.0)
    rows = county_names(codes, counties)
    rows["population"] = sum_by(inv, n, urban + rural)
    rows["covered"] = sum_by(inv, n, urban_cov + rural_cov)
    rows["share"] = share(rows["covered"].to_numpy(), rows["population"].to_numpy())
    rows["urban"] = sum_by(inv, n, urban)
    rows["urban_covered"] = sum_by(inv, n, urban_cov)
    rows["urban_share"] = share(rows["urban_covered"].to_numpy(), rows["urban"].to_numpy())
    rows["rural"] = sum_by(inv, n, rural)
    rows["rural_covered"] = sum_by(inv, n, rural_cov)
    rows["rural_share"] = share(rows["rural_covered"].to_numpy(), rows["rural"].to_numpy())
    tot = {c: float(rows[c].sum()) for c in ("population", "covered", "urban", "urban_covered", "rural", "rural_covered")}
    total = {
        "population_total": tot["population"],
        "covered_population": tot["covered"],
        "covered_share": float(share(tot["covered"], tot["population"])),
        "urban_population": tot["urban"],
        "urban_covered": tot["urban_covered"],
        "urban_share": float(share(tot["urban_covered"], tot["urban"])),
        "rural_population": tot["rural"],
        "rural_covered": tot["rural_covered"],
        "rural_share": float(share(tot["rural_covered"], tot["rural"])),
        "urban_threshold_min": t_urban,
        "rural_threshold_min": t_rural,
    }
    return Coverage("health_circles", {"urban": t_urban, "rural": t_rural}, rows, total)


def check_bands(bands_min: Sequence[float]) -> tuple[float, ...]:
    """Band edges in minutes: at least one, positive, finite and strictly increasing (e.g. 15, 30, 60, 90)."""
    try:
        edges = tuple(float(b) for b in bands_min)
    except (TypeError, ValueError):
        raise HealthplanError(f"band edges must be numbers of minutes such as 15,30,60,90, got {bands_min!r}") from None
    if not edges or any(not (np.isfinite(b) and b > 0) for b in edges) or list(edges) != sorted(set(edges)):
        raise HealthplanError(
            f"band edges must be increasing positive minutes such as 15,30,60,90, got {','.join(f'{b:g}' for b in edges)}"
        )
    return edges


def band_labels(bands_min: Sequence[float] = BANDS_MIN) -> list[str]:
    """Column names of the bands, e.g. pop_0_15 … pop_gt_90."""
    edges = [0.0, *check_bands(bands_min)]
    labels = [f"pop_{edges[i]:g}_{edges[i + 1]:g}" for i in range(len(edges) - 1)]
    return [*labels, f"pop_gt_{edges[-1]:g}"]


def band_of(minutes: np.ndarray, bands_min: Sequence[float]) -> np.ndarray:
    """Band index of each minute value: band i holds edges[i-1] < minutes ≤ edges[i]; inf falls in the last band.

    Parameters
    ----------
    minutes : numpy.ndarray
        Minutes (inf where unreachable).
    bands_min : sequence of float
        Band edges in minutes, checked by :func:`check_bands`.

    Returns
    -------
    numpy.ndarray
        Band index per value, 0 … len(bands_min).
    """
    return np.searchsorted(np.asarray(check_bands(bands_min)), minutes, side="left")


def _weighted_quantile_by(inv: np.ndarray, n: int, values: np.ndarray, weights: np.ndarray, q: float) -> np.ndarray:
    """Per-group weighted q-quantile (the smallest value with ≥ q of the group's weight at or below it)."""
    order = np.lexsort((values, inv))
    g, v, w = inv[order], values[order], weights[order]
    cum = np.cumsum(w)
    totals = np.bincount(g, weights=w, minlength=n)
    starts = np.searchsorted(g, np.arange(n), side="left")
    before = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0.0)  # weight of the groups before
    target = before + q * totals
    # the first position in the group whose cumulative weight reaches the target (tiny slack for rounding)
    pos = np.searchsorted(cum, target - 1e-9 * np.maximum(totals, 1.0), side="left")
    pos = np.minimum(pos, v.size - 1)
    return np.where(totals > 0, v[pos], np.nan)


def bands(
    grid: PopulationGrid,
    minutes: np.ndarray,
    *,
    bands_min: Sequence[float] = BANDS_MIN,
    counties: pd.DataFrame | None = None,
) -> Coverage:
    """Persons by travel-time band (0–15, 15–30, 30–60, 60–90, > 90 min), weighted mean and 90th percentile minutes.

    Parameters
    ----------
    grid : PopulationGrid
        Populated cells (persons per cell).
    minutes : numpy.ndarray
        Minutes from each cell to its nearest facility (inf or NaN where unreachable; counted in the
        last, open band).
    bands_min : sequence of float
        Band edges in minutes.
    counties : pandas.DataFrame, optional
        adcode, name_zh, name_en of the region's counties, for the names in the rows.

    Returns
    -------
    Coverage
        Rows per county: population, persons per band (:func:`band_labels`), unreachable persons,
        person-weighted mean minutes of the reachable and the weighted 90th percentile; the same totals.
    """
    minutes = _check_minutes(grid, minutes)
    edges = check_bands(bands_min)
    codes, inv = grid.by_county
    n = codes.size
    pop = np.asarray(grid.pop, dtype=float)
    band = band_of(minutes, edges)
    labels = band_labels(edges)
    counts = np.bincount(inv * len(labels) + band, weights=pop, minlength=n * len(labels)).reshape(n, len(labels))
    rows = county_names(codes, counties)
    rows["population"] = sum_by(inv, n, pop)
    for j, label in enumerate(labels):
        rows[label] = counts[:, j]
    reachable = np.isfinite(minutes)
    w_reach = np.where(reachable, pop, 0.0)
    reach_pop = sum_by(inv, n, w_reach)
    rows["unreachable"] = sum_by(inv, n, np.where(reachable, 0.0, pop))
    rows["mean_min"] = np.divide(sum_by(inv, n, np.where(reachable, minutes, 0.0) * w_reach), reach_pop,
                                 out=np.full(n, np.nan), where=reach_pop > 0)
    rows["p90_min"] = _weighted_quantile_by(inv, n, minutes, pop, 0.9)
    total: dict[str, Any] = {"population_total": float(pop.sum())}
    for j, label in enumerate(labels):
        total[label] = float(counts[:, j].sum())
    total["unreachable"] = float(rows["unreachable"].sum())
    total["mean_min"] = (finite_or_none(float(np.sum(np.where(reachable, minutes, 0.0) * w_reach) / w_reach.sum()))
                         if w_reach.sum() > 0 else None)
    one = np.zeros(pop.size, dtype=np.int64)
    total["p90_min"] = finite_or_none(float(_weighted_quantile_by(one, 1, minutes, pop, 0.9)[0])) if pop.size else None
    total["bands_min"] = list(edges)
    return Coverage("bands", edges[-1], rows, total)


def emergency_circle(
    net: Network,
    destinations: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    threshold_min: float = EMERGENCY_THRESHOLD_MIN,
) -> Coverage:
    """10分钟紧急医学救援圈: minutes from each named site (e.g. a 4A+ scenic area) to its nearest destination.

    Parameters
    ----------
    net : Network
        The road network.
    destinations : geopandas.GeoDataFrame
        Emergency stations (or, as a stated stand-in, hospitals), points.
    sites : geopandas.GeoDataFrame
        The named sites (points) with ``name`` or ``name_zh`` and optionally ``county``.
    threshold_min : float
        The circle's radius in minutes (10).

    Returns
    -------
    Coverage
        One row per site: name, lon, lat (WGS84 degrees), snap_m (metres to the road), minutes, within,
        nearest (row of the nearest destination, −1 if none); totals: sites, sites_within, share_within
        (0–1), median_min, threshold_min.
    """
    threshold = _check_threshold(threshold_min, "the emergency threshold")
    site_lon, site_lat = traveltime.point_lonlat(sites)
    per_node, source = traveltime.node_minutes(net, *traveltime.point_lonlat(destinations))
    snapped = traveltime.snap(net, site_lon, site_lat)
    minutes, nearest = traveltime.place_minutes(snapped, per_node, source)
    name_col = next((c for c in ("name_zh", "name") if c in sites.columns), None)
    names = [str(v) for v in sites[name_col]] if name_col else [f"site {i + 1}" for i in range(site_lon.size)]
    rows = pd.DataFrame({"name": names, "lon": site_lon, "lat": site_lat, "snap_m": snapped.dist_m,
                         "minutes": minutes, "within": minutes <= threshold, "nearest": nearest})
    if "county" in sites.columns:
        rows.insert(1, "county", sites["county"].to_numpy())
    n_within = int(rows["within"].sum())
    total = {
        "sites": int(site_lon.size),
        "sites_within": n_within,
        "share_within": float(share(n_within, site_lon.size)),
        "median_min": finite_or_none(float(np.median(minutes))) if minutes.size else None,
        "threshold_min": threshold,
    }
    return Coverage("emergency_circle", threshold, rows, total)
