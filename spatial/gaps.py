"""Coverage gaps: populated cells beyond a threshold, clustered into areas, split at county lines, ranked.

A gap is a 4-connected cluster of populated cells whose minutes exceed the threshold *within one county*:
a cluster that straddles a county line becomes one gap per county, so every gap names exactly one
county and its people are that county's people (planners act county by county).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import ndimage

from spatial.counties import county_names
from spatial.population import PopulationGrid
from spatial.trace import trace_cells

COLUMNS: tuple[str, ...] = ("rank", "cluster", "population", "cells", "area_km2", "adcode", "name_zh", "name_en",
                            "lon", "lat", "worst_min")


@dataclass(frozen=True, eq=False)
class Gaps:
    """Gap clusters of a grid: each cell's cluster id (0 = not a gap) and one row per cluster, largest first."""

    threshold_min: float
    cell_label: np.ndarray  # int32 (k,) cluster id per grid cell, 0 = not a gap cell
    clusters: pd.DataFrame  # COLUMNS, one row per cluster, largest population first
    population: float  # persons beyond the threshold (= clusters.population.sum())


def gaps(
    grid: PopulationGrid,
    minutes: np.ndarray,
    threshold_min: float,
    *,
    counties: pd.DataFrame | None = None,
) -> Gaps:
    """Cluster populated cells with minutes > ``threshold_min`` into gaps split at county lines; rank by persons.

    Cells sharing an edge (rook connectivity) form one area; each area is split into one cluster per
    county it touches.

    Parameters
    ----------
    grid : PopulationGrid
        The populated cells.
    minutes : numpy.ndarray
        Minutes from each cell to its nearest facility (inf or NaN where unreachable).
    threshold_min : float
        Cells beyond this many minutes are gap cells.
    counties : pandas.DataFrame, optional
        adcode, name_zh, name_en of the region's counties, for the names in the rows.

    Returns
    -------
    Gaps
        Each cell's cluster id and one row per cluster (``COLUMNS``: persons, cells, area_km2, county,
        person-weighted centre in WGS84 degrees, worst minutes), largest population first.
    """
    pop = np.asarray(grid.pop, dtype=float)
    minutes = np.nan_to_num(np.asarray(minutes, dtype=float), nan=np.inf, posinf=np.inf)
    is_gap = (minutes > threshold_min) & (pop > 0)
    if not is_gap.any():
        empty = pd.DataFrame({c: pd.Series(dtype=float) for c in COLUMNS})
        return Gaps(float(threshold_min), np.zeros(pop.size, np.int32), empty, 0.0)
    rows, cols = np.asarray(grid.row)[is_gap], np.asarray(grid.col)[is_gap]
    r0, c0 = rows.min(), cols.min()
    mask = np.zeros((int(rows.max() - r0 + 1), int(cols.max() - c0 + 1)), dtype=bool)
    mask[rows - r0, cols - c0] = True
    connected, _ = ndimage.label(mask)  # rook (4-) connectivity: cells sharing an edge form one area
    codes, inv = grid.by_county
    # split each connected area at county lines: one cluster per (area, county) pair
    pair = connected[rows - r0, cols - c0].astype(np.int64) * codes.size + inv[is_gap]
    _, lab = np.unique(pair, return_inverse=True)
    lab = lab.ravel().astype(np.int64) + 1
    n = int(lab.max())
    cell_label = np.zeros(pop.size, dtype=np.int32)
    cell_label[is_gap] = lab
    w = pop[is_gap]
    cluster_pop = np.bincount(lab, weights=w, minlength=n + 1)[1:]
    cells = np.bincount(lab, minlength=n + 1)[1:]
    lon = np.bincount(lab, weights=w * grid.lon[is_gap], minlength=n + 1)[1:] / cluster_pop
    lat = np.bincount(lab, weights=w * grid.lat[is_gap], minlength=n + 1)[1:] / cluster_pop
    worst = np.full(n + 1, -np.inf)
    np.maximum.at(worst, lab, minutes[is_gap])
    county = np.zeros(n + 1, dtype=np.int64)
    county[lab] = codes[inv[is_gap]]
    names = county_names(county[1:], counties)
    frame = pd.DataFrame({
        "cluster": np.arange(1, n + 1, dtype=np.int32), "population": cluster_pop, "cells": cells,
        "area_km2": cells * (grid.cell_m ** 2) / 1e6, "adcode": county[1:],
        "name_zh": names["name_zh"].to_numpy(), "name_en": names["name_en"].to_numpy(),
        "lon": lon, "lat": lat, "worst_min": worst[1:],
    })  # fmt: skip
    frame = frame.sort_values(["population", "cluster"], ascending=[False, True]).reset_index(drop=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return Gaps(float(threshold_min), cell_label, frame, float(w.sum()))


def gap_polygons(grid: PopulationGrid, result: Gaps, *, top: int | None = None) -> gpd.GeoDataFrame:
    """Gap clusters as dissolved polygons (WGS84) with their attributes, largest population first.

    Parameters
    ----------
    grid : PopulationGrid
        The grid the gaps were found on.
    result : Gaps
        The clusters (:func:`gaps`).
    top : int, optional
        Only the ``top`` most populous clusters.

    Returns
    -------
    geopandas.GeoDataFrame
        The cluster rows with their cells traced into polygons; EPSG:4326.
    """
    clusters = result.clusters if top is None else result.clusters.head(top)
    if clusters.empty:
        return gpd.GeoDataFrame(clusters.assign(geometry=None), geometry="geometry", crs="EPSG:4326")
    wanted = np.where(np.isin(result.cell_label, clusters["cluster"].to_numpy()), result.cell_label, 0)
    polygons = trace_cells(grid.row, grid.col, wanted, grid.transform)
    geoms = [polygons[int(c)] for c in clusters["cluster"]]
    return gpd.GeoDataFrame(clusters.copy(), geometry=geoms, crs=grid.metric_crs).to_crs("EPSG:4326")
