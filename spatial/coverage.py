"""The plans' coverage metrics by county: circles, health circles, emergency circle, bands, resources, gaps.

Travel-time model (the same everywhere in healthplan, see ``spatial.traveltime``): a place reaches its
nearest network node on an *access leg* (straight line × DETOUR_FACTOR at ACCESS_SPEED_KMH), drives
the network, and leaves it on the facility's own access leg.  A cell's minutes are taken at its
centre.  Every metric is a pure function of (network, facilities, population, threshold); the
``*_from_minutes`` variants take the per-cell minutes so one shortest-path search feeds several
metrics.  Per-county sums use ``np.bincount`` over county indices — no per-cell Python loops.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import ndimage

from spatial import traveltime
from spatial.errors import InputFileError
from spatial.network import Network
from spatial.population import PopulationGrid
from spatial.settings import (
    ACCESS_SPEED_KMH,
    BANDS_MIN,
    DETOUR_FACTOR,
    EMERGENCY_THRESHOLD_MIN,
    MAX_SNAP_M,
    RURAL_THRESHOLD_MIN,
    TERTIARY_THRESHOLD_MIN,
    URBAN_THRESHOLD_MIN,
)

log = logging.getLogger(__name__)

#: Resource targets per 1,000 residents the Hainan plans set, one row per (plan, resource), with the clause.
PLAN_TARGETS: pd.DataFrame = pd.DataFrame(
    [
        (
            "hainan-14th",
            2025,
            "beds",
            6.5,
            "第二章 “十四五”卫生与健康规划主要指标：每千人口医疗卫生机构床位数（张）≥6.5",
        ),
        (
            "hainan-14th",
            2025,
            "doctors",
            3.1,
            "第二章 “十四五”卫生与健康规划主要指标：每千人口执业（助理）医师数 ≥3.1",
        ),
        (
            "hainan-14th",
            2025,
            "nurses",
            3.6,
            "第二章 “十四五”卫生与健康规划主要指标：每千人口注册护士数（人）≥3.6",
        ),
        ("hainan-13th", 2020, "beds", 6.0, "二（三）发展目标：全省常住人口每千人医疗卫生机构床位数达到6张"),
        ("hainan-13th", 2020, "doctors", 2.5, "二（三）发展目标：执业(助理)医师2.5人"),
        ("hainan-13th", 2020, "nurses", 3.14, "二（三）发展目标：注册护士3.14人"),
    ],
    columns=["plan", "year", "resource", "per_1000", "clause"],
)

RESOURCES: tuple[str, ...] = ("beds", "doctors", "nurses")


# --------------------------------------------------------------------------------------------
# Cell travel times
# --------------------------------------------------------------------------------------------


def cell_access(
    net: Network, grid: PopulationGrid, *, detour: float = DETOUR_FACTOR, access_kmh: float = ACCESS_SPEED_KMH
) -> traveltime.Snap:
    """Snap every cell centre to its nearest node once (access leg per cell, minutes)."""
    return traveltime.snap(net, grid.lon, grid.lat, detour=detour, access_kmh=access_kmh)


def cell_times(
    net: Network,
    grid: PopulationGrid,
    fac_lon: np.ndarray,
    fac_lat: np.ndarray,
    *,
    access: traveltime.Snap | None = None,
    limit_min: float = np.inf,
) -> tuple[np.ndarray, np.ndarray]:
    """Minutes from each cell centre to its nearest facility (float64, inf if unreachable) and that facility (-1)."""
    access = access if access is not None else cell_access(net, grid)
    per_node, source = traveltime.node_minutes(net, fac_lon, fac_lat, limit_min=limit_min)
    return traveltime.place_minutes(access, per_node, source, limit_min=limit_min)


def cell_minutes(
    net: Network,
    grid: PopulationGrid,
    fac_lon: np.ndarray,
    fac_lat: np.ndarray,
    *,
    access: traveltime.Snap | None = None,
    limit_min: float = np.inf,
) -> np.ndarray:
    """Minutes (float64, inf if unreachable) from each cell centre to its nearest facility: access + network + access."""
    return cell_times(net, grid, fac_lon, fac_lat, access=access, limit_min=limit_min)[0]


# --------------------------------------------------------------------------------------------
# Per-county aggregation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Coverage:
    """One metric's result: per-county rows, regional totals and (for cell metrics) the cells' minutes."""

    metric: str
    threshold_min: float | dict[str, float]
    counties: pd.DataFrame  # adcode, name_zh, name_en, population, covered, share, …
    total: dict[str, Any]
    minutes: np.ndarray | None = field(default=None, repr=False)


def _county_index(grid: PopulationGrid) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct county adcodes of the grid and each cell's index into them."""
    codes, inv = np.unique(np.asarray(grid.county, dtype=np.int64), return_inverse=True)
    return codes, inv.astype(np.int64)


def _names(codes: np.ndarray, counties: pd.DataFrame | None) -> pd.DataFrame:
    """adcode, name_zh, name_en for the given codes (blank names when no county table is given)."""
    frame = pd.DataFrame({"adcode": codes.astype(np.int64)})
    if counties is None or len(counties) == 0:
        frame["name_zh"] = ""
        frame["name_en"] = ""
        return frame
    table = pd.DataFrame(counties)[["adcode", "name_zh", "name_en"]].copy()
    table["adcode"] = table["adcode"].astype(np.int64)
    frame = frame.merge(table.drop_duplicates("adcode"), on="adcode", how="left")
    return frame.fillna({"name_zh": "", "name_en": ""})


def _sum_by(inv: np.ndarray, n: int, weights: np.ndarray) -> np.ndarray:
    """Per-county sums of ``weights`` (float64 (n,))."""
    return np.bincount(inv, weights=weights, minlength=n).astype(np.float64)


def _share(part: np.ndarray | float, whole: np.ndarray | float) -> np.ndarray:
    """part / whole, 0 where whole is 0."""
    part, whole = np.asarray(part, dtype=float), np.asarray(whole, dtype=float)
    return np.divide(part, whole, out=np.zeros_like(part), where=whole > 0)


def _finite_or_none(value: float) -> float | None:
    """A float for JSON: None for inf/NaN."""
    return float(value) if np.isfinite(value) else None


def circle_from_minutes(
    grid: PopulationGrid,
    minutes: np.ndarray,
    threshold_min: float,
    *,
    metric: str = "circle",
    counties: pd.DataFrame | None = None,
) -> Coverage:
    """Population within ``threshold_min`` minutes, per county and in total."""
    codes, inv = _county_index(grid)
    pop = np.asarray(grid.pop, dtype=float)
    within = minutes <= threshold_min
    population = _sum_by(inv, codes.size, pop)
    covered = _sum_by(inv, codes.size, np.where(within, pop, 0.0))
    rows = _names(codes, counties)
    rows["population"] = population
    rows["covered"] = covered
    rows["share"] = _share(covered, population)
    total_pop, total_cov = float(pop.sum()), float(covered.sum())
    total = {
        "population_total": total_pop,
        "covered_population": total_cov,
        "covered_share": float(_share(total_cov, total_pop)),
        "threshold_min": float(threshold_min),
    }
    return Coverage(metric, float(threshold_min), rows, total, minutes)


def tertiary_circle(
    net: Network,
    facilities: Any,
    grid: PopulationGrid,
    threshold_min: float = TERTIARY_THRESHOLD_MIN,
    *,
    access: traveltime.Snap | None = None,
    counties: pd.DataFrame | None = None,
) -> Coverage:
    """1小时三级医院服务圈: population within ``threshold_min`` (60) minutes of a tertiary hospital, by county."""
    minutes = cell_minutes(net, grid, *traveltime.point_lonlat(facilities), access=access)
    return circle_from_minutes(grid, minutes, threshold_min, metric="tertiary_circle", counties=counties)


def health_circles_from_minutes(
    grid: PopulationGrid,
    minutes: np.ndarray,
    *,
    urban_threshold_min: float = URBAN_THRESHOLD_MIN,
    rural_threshold_min: float = RURAL_THRESHOLD_MIN,
    counties: pd.DataFrame | None = None,
) -> Coverage:
    """15-minute urban and 30-minute rural health circles: urban persons covered at ≤ 15 min, rural at ≤ 30 min."""
    codes, inv = _county_index(grid)
    n = codes.size
    urban = np.asarray(grid.urban, dtype=float)
    rural = np.asarray(grid.pop, dtype=float) - urban
    urban_cov = np.where(minutes <= urban_threshold_min, urban, 0.0)
    rural_cov = np.where(minutes <= rural_threshold_min, rural, 0.0)
    rows = _names(codes, counties)
    rows["population"] = _sum_by(inv, n, urban + rural)
    rows["covered"] = _sum_by(inv, n, urban_cov + rural_cov)
    rows["share"] = _share(rows["covered"].to_numpy(), rows["population"].to_numpy())
    rows["urban"] = _sum_by(inv, n, urban)
    rows["urban_covered"] = _sum_by(inv, n, urban_cov)
    rows["urban_share"] = _share(rows["urban_covered"].to_numpy(), rows["urban"].to_numpy())
    rows["rural"] = _sum_by(inv, n, rural)
    rows["rural_covered"] = _sum_by(inv, n, rural_cov)
    rows["rural_share"] = _share(rows["rural_covered"].to_numpy(), rows["rural"].to_numpy())
    tot = {
        c: float(rows[c].sum())
        for c in ("population", "covered", "urban", "urban_covered", "rural", "rural_covered")
    }
    total = {
        "population_total": tot["population"],
        "covered_population": tot["covered"],
        "covered_share": float(_share(tot["covered"], tot["population"])),
        "urban_population": tot["urban"],
        "urban_covered": tot["urban_covered"],
        "urban_share": float(_share(tot["urban_covered"], tot["urban"])),
        "rural_population": tot["rural"],
        "rural_covered": tot["rural_covered"],
        "rural_share": float(_share(tot["rural_covered"], tot["rural"])),
        "urban_threshold_min": float(urban_threshold_min),
        "rural_threshold_min": float(rural_threshold_min),
    }
    thresholds = {"urban": float(urban_threshold_min), "rural": float(rural_threshold_min)}
    return Coverage("health_circles", thresholds, rows, total, minutes)


def health_circles(
    net: Network,
    facilities: Any,
    grid: PopulationGrid,
    *,
    urban_threshold_min: float = URBAN_THRESHOLD_MIN,
    rural_threshold_min: float = RURAL_THRESHOLD_MIN,
    access: traveltime.Snap | None = None,
    counties: pd.DataFrame | None = None,
) -> Coverage:
    """15分钟城市健康圈 / 30分钟乡村健康圈 to primary care, using each cell's urban/rural split."""
    minutes = cell_minutes(net, grid, *traveltime.point_lonlat(facilities), access=access)
    return health_circles_from_minutes(
        grid,
        minutes,
        urban_threshold_min=urban_threshold_min,
        rural_threshold_min=rural_threshold_min,
        counties=counties,
    )


def emergency_circle(
    net: Network,
    hospitals: Any,
    sites: Any,
    threshold_min: float = EMERGENCY_THRESHOLD_MIN,
    *,
    names: Sequence[str] | None = None,
) -> Coverage:
    """10分钟紧急医学救援圈: minutes from each named site (4A+ scenic area) to its nearest hospital, and the share ≤ 10."""
    site_lon, site_lat = traveltime.point_lonlat(sites)
    h_lon, h_lat = traveltime.point_lonlat(hospitals)
    per_node, source = traveltime.node_minutes(net, h_lon, h_lat)
    s = traveltime.snap(net, site_lon, site_lat)
    node = np.asarray(s.node)
    minutes = np.asarray(s.access_min, dtype=float) + per_node[node]
    if names is None and isinstance(sites, gpd.GeoDataFrame):
        for col in ("name_zh", "name"):
            if col in sites.columns:
                names = [str(v) for v in sites[col]]
                break
    rows = pd.DataFrame(
        {
            "name": list(names) if names is not None else [f"site {i + 1}" for i in range(site_lon.size)],
            "lon": site_lon,
            "lat": site_lat,
            "snap_m": np.asarray(s.dist_m, dtype=float),
            "minutes": minutes,
            "within": minutes <= threshold_min,
            "nearest_hospital": source[node],
        }
    )
    if isinstance(sites, gpd.GeoDataFrame) and "county" in sites.columns:
        rows.insert(1, "county", sites["county"].to_numpy())
    n_within = int(rows["within"].sum())
    total = {
        "sites": int(site_lon.size),
        "sites_within": n_within,
        "share_within": float(_share(n_within, site_lon.size)),
        "median_min": _finite_or_none(float(np.median(minutes))) if minutes.size else None,
        "threshold_min": float(threshold_min),
    }
    return Coverage("emergency_circle", float(threshold_min), rows, total, minutes)


# --------------------------------------------------------------------------------------------
# Travel-time bands
# --------------------------------------------------------------------------------------------


def band_labels(bands_min: Sequence[float] = BANDS_MIN) -> list[str]:
    """Column names of the bands, e.g. pop_0_15 … pop_gt_90."""
    edges = [0.0, *bands_min]
    labels = [f"pop_{edges[i]:g}_{edges[i + 1]:g}" for i in range(len(bands_min))]
    return [*labels, f"pop_gt_{bands_min[-1]:g}"]


def _weighted_quantile_by(
    inv: np.ndarray, n: int, values: np.ndarray, weights: np.ndarray, q: float
) -> np.ndarray:
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
    out = np.where(totals > 0, v[pos], np.nan)
    return out


def bands_from_minutes(
    grid: PopulationGrid,
    minutes: np.ndarray,
    *,
    bands_min: Sequence[float] = BANDS_MIN,
    counties: pd.DataFrame | None = None,
) -> Coverage:
    """Population by travel-time band (0–15, 15–30, 30–60, 60–90, > 90), weighted mean and 90th percentile minutes."""
    codes, inv = _county_index(grid)
    n = codes.size
    pop = np.asarray(grid.pop, dtype=float)
    edges = np.asarray(bands_min, dtype=float)
    # band i holds edges[i-1] < minutes ≤ edges[i]; unreachable (inf) falls in the last band
    band = np.searchsorted(edges, minutes, side="left")
    labels = band_labels(bands_min)
    counts = np.bincount(inv * len(labels) + band, weights=pop, minlength=n * len(labels)).reshape(
        n, len(labels)
    )
    rows = _names(codes, counties)
    rows["population"] = _sum_by(inv, n, pop)
    for j, label in enumerate(labels):
        rows[label] = counts[:, j]
    reachable = np.isfinite(minutes)
    w_reach = np.where(reachable, pop, 0.0)
    rows["unreachable"] = _sum_by(inv, n, np.where(reachable, 0.0, pop))
    rows["mean_min"] = np.divide(
        _sum_by(inv, n, np.where(reachable, minutes, 0.0) * w_reach),
        _sum_by(inv, n, w_reach),
        out=np.full(n, np.nan),
        where=_sum_by(inv, n, w_reach) > 0,
    )
    rows["p90_min"] = _weighted_quantile_by(inv, n, minutes, pop, 0.9)
    all_inv = np.zeros(pop.size, dtype=np.int64)
    total: dict[str, Any] = {"population_total": float(pop.sum())}
    for j, label in enumerate(labels):
        total[label] = float(counts[:, j].sum())
    total["unreachable"] = float(rows["unreachable"].sum())
    total["mean_min"] = (
        _finite_or_none(float(np.sum(np.where(reachable, minutes, 0.0) * w_reach) / w_reach.sum()))
        if w_reach.sum() > 0
        else None
    )
    total["p90_min"] = (
        _finite_or_none(float(_weighted_quantile_by(all_inv, 1, minutes, pop, 0.9)[0])) if pop.size else None
    )
    total["bands_min"] = [float(b) for b in bands_min]
    return Coverage("bands", float(bands_min[-1]), rows, total, minutes)


def bands(
    net: Network,
    facilities: Any,
    grid: PopulationGrid,
    *,
    bands_min: Sequence[float] = BANDS_MIN,
    access: traveltime.Snap | None = None,
    counties: pd.DataFrame | None = None,
) -> Coverage:
    """Population by travel-time band to the nearest facility, with weighted mean and p90 minutes, by county."""
    minutes = cell_minutes(net, grid, *traveltime.point_lonlat(facilities), access=access)
    return bands_from_minutes(grid, minutes, bands_min=bands_min, counties=counties)


# --------------------------------------------------------------------------------------------
# Resources per 1,000 residents
# --------------------------------------------------------------------------------------------


def _facility_counties(facilities: gpd.GeoDataFrame, counties: gpd.GeoDataFrame | None) -> np.ndarray:
    """County adcode of each facility: its ``county``/``adcode`` column or the polygon it falls in (0 if none)."""
    for col in ("county", "adcode"):
        if col in facilities.columns:
            codes = pd.to_numeric(facilities[col], errors="coerce")
            bad = codes.isna() & facilities[col].notna()
            if bad.any():
                rows = facilities.get("source_row", pd.Series(np.arange(len(facilities)) + 2, index=facilities.index))
                raise InputFileError(
                    f"the facilities' {col!r} column must hold 6-digit adcodes; rows "
                    f"{', '.join(str(int(r)) for r in rows[bad].head(5))} do not (e.g. {facilities[col][bad].iloc[0]!r})"
                )
            return codes.fillna(0).astype(np.int64).to_numpy()
    if counties is None:
        raise InputFileError(
            "facilities carry no county column; give the region's county polygons (counties=) or add an adcode column"
        )
    pts = facilities.geometry.to_crs("EPSG:4326")
    polys = counties.to_crs("EPSG:4326")
    hit_pt, hit_poly = polys.sindex.query(pts.values, predicate="within")
    out = np.zeros(len(facilities), dtype=np.int64)
    out[hit_pt] = polys["adcode"].to_numpy(dtype=np.int64)[hit_poly]
    return out


def resources_per_1000(
    facilities: gpd.GeoDataFrame,
    population: PopulationGrid | pd.Series,
    *,
    counties: gpd.GeoDataFrame | None = None,
    plan: str = "hainan-14th",
    targets: pd.DataFrame = PLAN_TARGETS,
) -> Coverage:
    """Beds, doctors, nurses per 1,000 residents by county vs a plan's targets (``population``: grid or adcode→persons)."""
    present = [r for r in RESOURCES if r in facilities.columns and facilities[r].notna().any()]
    if not present:
        raise InputFileError(
            "the facilities file has no beds, doctors or nurses column with values; add at least one to compare "
            "against the plan's per-1,000 targets"
        )
    if isinstance(population, PopulationGrid):
        codes, inv = _county_index(population)
        persons = pd.Series(_sum_by(inv, codes.size, np.asarray(population.pop, float)), index=codes)
    else:
        persons = population.astype(float)
        persons.index = persons.index.astype(np.int64)
    fac_county = _facility_counties(facilities, counties)
    outside = fac_county == 0
    if outside.any():
        log.warning("%d facilities fall in no county of the region and are left out of its figures",
                    int(outside.sum()))
    rows = _names(np.asarray(persons.index, dtype=np.int64), counties)
    rows["population"] = persons.to_numpy()
    plan_targets = targets[targets["plan"] == plan].set_index("resource")
    total: dict[str, Any] = {
        "population_total": float(persons.sum()),
        "plan": plan,
        "facilities_outside": int(outside.sum()),
    }
    pos = pd.Index(persons.index).get_indexer(fac_county)
    for r in present:
        amount = pd.to_numeric(facilities[r], errors="coerce").fillna(0.0).to_numpy(dtype=float)
        inside = pos >= 0
        per = np.bincount(pos[inside], weights=amount[inside], minlength=len(persons))
        rows[r] = per
        rows[f"{r}_per_1000"] = _share(per, rows["population"].to_numpy() / 1000.0)
        # only what lies in the region serves its residents; the rest is reported apart
        total[r] = float(amount[inside].sum())
        total[f"{r}_outside"] = float(amount[~inside].sum())
        total[f"{r}_per_1000"] = float(_share(total[r], persons.sum() / 1000.0))
        if r in plan_targets.index:
            target = float(plan_targets.loc[r, "per_1000"])
            rows[f"{r}_target"] = target
            rows[f"{r}_meets"] = rows[f"{r}_per_1000"] >= target
            total[f"{r}_target"] = target
            total[f"{r}_meets"] = bool(total[f"{r}_per_1000"] >= target)
            total[f"{r}_clause"] = str(plan_targets.loc[r, "clause"])
    return Coverage("resources_per_1000", float("nan"), rows, total)


# --------------------------------------------------------------------------------------------
# Gaps
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Gaps:
    """Populated cells beyond a threshold, clustered into connected gap areas (rook adjacency on the raster)."""

    threshold_min: float
    cell_label: np.ndarray  # int32 (k,) cluster id per grid cell, 0 = not a gap cell
    clusters: pd.DataFrame  # one row per cluster, largest population first
    population: float  # population beyond the threshold (= clusters.population.sum())


def gaps(
    grid: PopulationGrid,
    minutes: np.ndarray,
    threshold_min: float,
    *,
    counties: pd.DataFrame | None = None,
) -> Gaps:
    """Cluster populated cells with minutes > threshold into connected gaps; rank them by population."""
    pop = np.asarray(grid.pop, dtype=float)
    is_gap = (minutes > threshold_min) & (pop > 0)
    rows, cols = np.asarray(grid.row), np.asarray(grid.col)
    if not is_gap.any():
        empty = pd.DataFrame(
            columns=[
                "cluster",
                "population",
                "cells",
                "area_km2",
                "adcode",
                "name_zh",
                "name_en",
                "lon",
                "lat",
                "worst_min",
            ]
        )
        return Gaps(float(threshold_min), np.zeros(pop.size, np.int32), empty, 0.0)
    r0, c0 = rows[is_gap].min(), cols[is_gap].min()
    shape = (int(rows[is_gap].max() - r0 + 1), int(cols[is_gap].max() - c0 + 1))
    mask = np.zeros(shape, dtype=bool)
    mask[rows[is_gap] - r0, cols[is_gap] - c0] = True
    labels, n = ndimage.label(mask)  # rook (4-) connectivity: cells sharing an edge dissolve into one area
    cell_label = np.zeros(pop.size, dtype=np.int32)
    cell_label[is_gap] = labels[rows[is_gap] - r0, cols[is_gap] - c0]
    lab = cell_label[is_gap].astype(np.int64)
    w = pop[is_gap]
    cluster_pop = np.bincount(lab, weights=w, minlength=n + 1)[1:]
    cells = np.bincount(lab, minlength=n + 1)[1:]
    lon = np.bincount(lab, weights=w * grid.lon[is_gap], minlength=n + 1)[1:] / cluster_pop
    lat = np.bincount(lab, weights=w * grid.lat[is_gap], minlength=n + 1)[1:] / cluster_pop
    worst = np.full(n + 1, -np.inf)
    np.maximum.at(worst, lab, minutes[is_gap])
    # the county holding most of the cluster's people
    codes, inv = _county_index(grid)
    pair = lab * codes.size + inv[is_gap]
    by_pair = np.bincount(pair, weights=w, minlength=(n + 1) * codes.size).reshape(n + 1, codes.size)[1:]
    county = codes[np.argmax(by_pair, axis=1)]
    frame = pd.DataFrame(
        {
            "cluster": np.arange(1, n + 1, dtype=np.int32),
            "population": cluster_pop,
            "cells": cells,
            "area_km2": cells * (grid.cell_m**2) / 1e6,
            "adcode": county,
            "lon": lon,
            "lat": lat,
            "worst_min": worst[1:],
        }
    )
    names = _names(county, counties)
    frame.insert(5, "name_zh", names["name_zh"].to_numpy())
    frame.insert(6, "name_en", names["name_en"].to_numpy())
    frame = frame.sort_values(["population", "cluster"], ascending=[False, True]).reset_index(drop=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return Gaps(float(threshold_min), cell_label, frame, float(w.sum()))


def gap_polygons(grid: PopulationGrid, result: Gaps, *, top: int | None = None) -> gpd.GeoDataFrame:
    """Gap clusters as dissolved polygons (WGS84) with their attributes, largest population first."""
    import rasterio.features
    from affine import Affine

    clusters = result.clusters if top is None else result.clusters.head(top)
    if clusters.empty:
        return gpd.GeoDataFrame(clusters.assign(geometry=[]), geometry="geometry", crs="EPSG:4326")
    keep = np.isin(result.cell_label, clusters["cluster"].to_numpy()) & (result.cell_label > 0)
    rows, cols = np.asarray(grid.row)[keep], np.asarray(grid.col)[keep]
    r0, c0 = int(rows.min()), int(cols.min())
    raster = np.zeros((int(rows.max()) - r0 + 1, int(cols.max()) - c0 + 1), dtype=np.int32)
    raster[rows - r0, cols - c0] = result.cell_label[keep]
    transform = Affine(*grid.transform) @ Affine.translation(c0, r0)
    geoms: dict[int, list] = {}
    for geom, value in rasterio.features.shapes(raster, mask=raster > 0, transform=transform, connectivity=4):
        geoms.setdefault(int(value), []).append(shapely.geometry.shape(geom))
    polys = [shapely.union_all(geoms[int(c)]) for c in clusters["cluster"]]
    frame = gpd.GeoDataFrame(clusters.copy(), geometry=polys, crs=grid.metric_crs)
    return frame.to_crs("EPSG:4326")


# --------------------------------------------------------------------------------------------
# Cells as a frame (for export and maps)
# --------------------------------------------------------------------------------------------


def cells_with_minutes(grid: PopulationGrid, minutes: np.ndarray, threshold_min: float) -> gpd.GeoDataFrame:
    """Square cell polygons (WGS84) with population, urban, 60+, county, minutes and covered flag."""
    half = grid.cell_m / 2.0
    boxes = shapely.box(grid.x_m - half, grid.y_m - half, grid.x_m + half, grid.y_m + half)
    frame = gpd.GeoDataFrame(
        {
            "adcode": np.asarray(grid.county, dtype=np.int64),
            "pop": np.asarray(grid.pop, dtype=float),
            "urban": np.asarray(grid.urban, dtype=float),
            "pop60": np.asarray(grid.pop60, dtype=float),
            "minutes": np.where(np.isfinite(minutes), minutes, np.nan),
            "covered": minutes <= threshold_min,
        },
        geometry=boxes,
        crs=grid.metric_crs,
    )
    return frame.to_crs("EPSG:4326")


# --------------------------------------------------------------------------------------------
# One report: every metric for one facility set, as frames ready for export


@dataclass(frozen=True, eq=False)
class Report:
    """All metrics of one run: layers (WGS84 GeoDataFrames), the county table and the JSON summary."""

    layers: dict[str, gpd.GeoDataFrame]  # cells, counties, gaps, isochrones, facilities
    county_table: pd.DataFrame
    gap_table: pd.DataFrame
    summary: dict[str, Any]
    minutes: np.ndarray


def _prefixed(frame: pd.DataFrame, prefix: str, drop: Sequence[str]) -> pd.DataFrame:
    """The frame's metric columns with a prefix, indexed by adcode (for joining several metrics)."""
    out = frame.set_index("adcode").drop(columns=[c for c in drop if c in frame.columns and c != "adcode"])
    return out.add_prefix(prefix)


def report(
    net: Network,
    facilities: gpd.GeoDataFrame,
    grid: PopulationGrid,
    *,
    counties: gpd.GeoDataFrame,
    threshold_min: float = TERTIARY_THRESHOLD_MIN,
    urban_threshold_min: float | None = None,
    rural_threshold_min: float | None = None,
    bands_min: Sequence[float] = BANDS_MIN,
    isochrone_min: Sequence[float] = (15.0, 30.0, 60.0),
    per_facility_isochrones: bool = False,
    clip: Any = None,
    sites: gpd.GeoDataFrame | None = None,
    emergency_threshold_min: float = EMERGENCY_THRESHOLD_MIN,
    progress: Any = None,
) -> Report:
    """Circle, bands, gaps, isochrones for one facility set; health circles when an urban or rural threshold is given;
    the emergency circle when ``sites`` are given; resources per 1,000 when facilities carry beds/doctors/nurses."""
    from spatial import isochrones as iso

    say = progress or (lambda msg: log.info("%s", msg))
    t0 = time.perf_counter()
    say(f"snapping {grid.n_cells:,} cells and {len(facilities)} facilities to {net.n_nodes:,} nodes")
    access = cell_access(net, grid)
    far = access.dist_m > MAX_SNAP_M
    far_population = float(grid.pop[far].sum())
    if far_population > 0:
        # not an error (remote cells are real), but their minutes rest on a long straight-line access leg
        say(
            f"warning: {far_population:,.0f} persons ({far_population / max(float(grid.pop.sum()), 1.0):.1%}) live "
            f"more than {MAX_SNAP_M / 1000:g} km from the road network; their minutes are mostly access leg — "
            "use a network that covers the whole region"
        )
    minutes = cell_minutes(net, grid, *traveltime.point_lonlat(facilities), access=access)
    names = pd.DataFrame(counties)[["adcode", "name_zh", "name_en"]]
    circle = circle_from_minutes(grid, minutes, threshold_min, counties=names)
    want_circles = urban_threshold_min is not None or rural_threshold_min is not None
    circles = health_circles_from_minutes(
        grid,
        minutes,
        urban_threshold_min=URBAN_THRESHOLD_MIN if urban_threshold_min is None else urban_threshold_min,
        rural_threshold_min=RURAL_THRESHOLD_MIN if rural_threshold_min is None else rural_threshold_min,
        counties=names,
    )
    banded = bands_from_minutes(grid, minutes, bands_min=bands_min, counties=names)
    gap = gaps(grid, minutes, threshold_min, counties=names)
    say(
        f"metrics done in {time.perf_counter() - t0:.1f} s; tracing {len(gap.clusters)} gap clusters and isochrones"
    )
    gap_frame = gap_polygons(grid, gap)
    iso_frame = iso.isochrones(
        net,
        facilities,
        tuple(isochrone_min),
        per_facility=per_facility_isochrones,
        clip=clip,
        names=[str(v) for v in facilities["name"]] if "name" in facilities.columns else None,
    )
    table = circle.counties.set_index("adcode")
    if want_circles:
        table = table.join(_prefixed(circles.counties, "hc_", ("name_zh", "name_en", "population")))
    table = table.join(_prefixed(banded.counties, "", ("name_zh", "name_en", "population")))
    table = table.reset_index()
    summary: dict[str, Any] = {
        "population_total": circle.total["population_total"],
        "covered_population": circle.total["covered_population"],
        "covered_share": circle.total["covered_share"],
        "threshold_min": float(threshold_min),
        "circle": circle.total,
        "bands": banded.total,
        "gaps": {
            "threshold_min": gap.threshold_min,
            "population": gap.population,
            "clusters": len(gap.clusters),
            "largest": gap.clusters.head(10).to_dict(orient="records"),
        },
        "isochrones": iso_frame[iso_frame["facility"] == -1][
            ["threshold_min", "area_km2", "cell_m", "tolerance_min"]
        ].to_dict(orient="records"),
        "cells": grid.n_cells,
        "facilities": len(facilities),
        "population_far_from_network": far_population,
        "far_from_network_m": MAX_SNAP_M,
    }
    if want_circles:
        summary["health_circles"] = circles.total
    if sites is not None and len(sites):
        emergency = emergency_circle(net, facilities, sites, emergency_threshold_min)
        summary["emergency_circle"] = {
            **emergency.total,
            "sites_detail": emergency.counties.to_dict(orient="records"),
        }
    if any(c in facilities.columns and facilities[c].notna().any() for c in RESOURCES):
        resources = resources_per_1000(facilities, grid, counties=counties)
        summary["resources_per_1000"] = resources.total
        table = table.merge(
            resources.counties.drop(columns=["name_zh", "name_en", "population"]), on="adcode", how="left"
        )
    county_layer = gpd.GeoDataFrame(
        table.merge(pd.DataFrame(counties)[["adcode", "geometry"]], on="adcode", how="left"),
        geometry="geometry",
        crs="EPSG:4326",
    )
    layers = {
        "cells": cells_with_minutes(grid, minutes, threshold_min),
        "counties": county_layer,
        "gaps": gap_frame,
        "isochrones": iso_frame,
        "facilities": facilities.to_crs("EPSG:4326"),
    }
    say(f"coverage report done in {time.perf_counter() - t0:.1f} s")
    return Report(layers, table, gap.clusters, summary, minutes)


# --------------------------------------------------------------------------------------------
# Benchmark
# --------------------------------------------------------------------------------------------


def all_metrics(
    net: Network,
    facilities: Any,
    grid: PopulationGrid,
    *,
    threshold_min: float = TERTIARY_THRESHOLD_MIN,
    urban_threshold_min: float = URBAN_THRESHOLD_MIN,
    rural_threshold_min: float = RURAL_THRESHOLD_MIN,
    bands_min: Sequence[float] = BANDS_MIN,
    access: traveltime.Snap | None = None,
    counties: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The circle, health circles, bands and gaps for one facility set from a single shortest-path search."""
    access = access if access is not None else cell_access(net, grid)
    minutes = cell_minutes(net, grid, *traveltime.point_lonlat(facilities), access=access)
    return {
        "minutes": minutes,
        "circle": circle_from_minutes(grid, minutes, threshold_min, counties=counties),
        "health_circles": health_circles_from_minutes(
            grid,
            minutes,
            urban_threshold_min=urban_threshold_min,
            rural_threshold_min=rural_threshold_min,
            counties=counties,
        ),
        "bands": bands_from_minutes(grid, minutes, bands_min=bands_min, counties=counties),
        "gaps": gaps(grid, minutes, threshold_min, counties=counties),
    }


def bench_coverage(*, cell_m: float = 500.0, repeats: int = 5) -> dict[str, Any]:
    """Seconds for the full metric set on Kunming prefecture (530100) at ``cell_m`` once the network is loaded.

    Full set = snap every cell, one shortest-path search, circle, health circles, bands, gaps and gap
    polygons.  The reference measured side by side is that one shortest-path search alone
    (``traveltime.nearest_minutes``), so the ratio says what the metrics add on any machine.
    """
    from spatial import datafolder, population, regions
    from spatial import facilities as facilities_mod
    from spatial import isochrones as iso

    region = regions.resolve("530100")
    net = datafolder.default_network("530100")
    grid = population.from_census(region, network=net, cell_m=cell_m)
    fac = facilities_mod.default_facilities(region, kind="tertiary")
    fac_lon, fac_lat = traveltime.point_lonlat(fac)
    snap = traveltime.snap(net, fac_lon, fac_lat)
    full: list[float] = []
    reuse: list[float] = []
    search: list[float] = []
    result: dict[str, Any] = {}
    for _ in range(repeats):
        t0 = time.perf_counter()
        traveltime.nearest_minutes(net, snap.node, source_offset_min=snap.access_min)
        search.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        access = cell_access(net, grid)
        result = all_metrics(net, fac, grid, access=access, counties=region.counties)
        gap_polygons(grid, result["gaps"])
        full.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        all_metrics(net, fac, grid, access=access, counties=region.counties)
        reuse.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    iso.isochrones(net, fac, (15.0, 30.0, 60.0))
    iso_s = time.perf_counter() - t0
    return {
        "region": "530100 Kunming",
        "cells": grid.n_cells,
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "facilities": len(fac),
        "cell_m": cell_m,
        "repeats": repeats,
        "full_metric_set_s": round(float(np.median(full)), 3),
        "reusing_cell_access_s": round(float(np.median(reuse)), 3),
        "one_search_s": round(float(np.median(search)), 3),
        "full_set_vs_one_search": round(float(np.median(full) / np.median(search)), 1),
        "isochrones_15_30_60_s": round(iso_s, 2),
        "covered_share_60": round(float(result["circle"].total["covered_share"]), 4),
    }


if __name__ == "__main__":  # python -m spatial.coverage → the benchmark's one-line JSON
    import json

    logging.basicConfig(level=logging.INFO)
    print(json.dumps(bench_coverage()))
