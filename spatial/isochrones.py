"""Isochrones: the area within T minutes of facilities, built from the road network (never a convex hull).

Method — a travel-time surface and its contours, on the same access-leg model as every other
travel time in healthplan (``spatial.traveltime``): one multi-source shortest-path search gives each
node its minutes to the nearest facility (network + facility access leg); every cell of a raster laid
over the reached area (in the network's metric CRS) takes its nearest node's minutes plus its own
access leg (straight line × DETOUR_FACTOR at ACCESS_SPEED_KMH); the cells ≤ T are traced into
polygons (``rasterio.features.shapes``) and dissolved.  So a point inside the T-minute isochrone is
within T minutes by the same model the coverage metrics use, up to the raster's resolution: the
access leg across half a cell diagonal (``tolerance_min``).  Thresholds give nested polygons (each
holds the smaller ones).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry.base import BaseGeometry
from rasterio.transform import Affine

from spatial import traveltime
from spatial.coverage import band_of, check_bands
from spatial.network import Network
from spatial.population import PopulationGrid
from spatial.settings import ACCESS_SPEED_KMH, DETOUR_FACTOR, ISOCHRONES_MIN
from spatial.trace import trace_cells, trace_labels

log = logging.getLogger(__name__)

#: Cap on the raster cells of one isochrone surface; the cell size grows to respect it (≈ 0.3 s of work).
MAX_RASTER_CELLS: int = 500_000
#: Finest raster cell (metres): below this the access-leg model is no longer the limiting error.
MIN_RASTER_CELL_M: float = 25.0

def _m_per_min(access_kmh: float) -> float:
    """Access speed in metres per minute."""
    return access_kmh * 1000.0 / 60.0


def tolerance_min(
    cell_m: float, *, detour: float = DETOUR_FACTOR, access_kmh: float = ACCESS_SPEED_KMH
) -> float:
    """Largest minutes error of a raster surface of ``cell_m`` cells: the access leg over half a cell diagonal.

    Parameters
    ----------
    cell_m : float
        Raster cell size, metres.
    detour, access_kmh : float
        The access-leg model (circuity ≥ 1; speed in km/h).

    Returns
    -------
    float
        Minutes.
    """
    return cell_m * np.sqrt(2.0) / 2.0 * detour / _m_per_min(access_kmh)


def surface(
    net: Network,
    per_node_min: np.ndarray,
    limit_min: float,
    *,
    cell_m: float | None = None,
    detour: float = DETOUR_FACTOR,
    access_kmh: float = ACCESS_SPEED_KMH,
) -> tuple[np.ndarray, Affine, float]:
    """Minutes raster (float32, inf beyond ``limit_min``) over the area reachable within the limit; transform; cell_m.

    Each cell takes its nearest node's minutes plus the access leg from the cell centre to that node.

    Parameters
    ----------
    net : Network
        The road network.
    per_node_min : numpy.ndarray
        Minutes from each node to the nearest facility (``traveltime.node_minutes``).
    limit_min : float
        Minutes beyond which cells are ``inf``.
    cell_m : float, optional
        Cell size, metres; chosen from the reachable area (at least MIN_RASTER_CELL_M, about
        MAX_RASTER_CELLS cells at most) when None.
    detour, access_kmh : float
        The access-leg model (circuity ≥ 1; speed in km/h).

    Returns
    -------
    minutes : numpy.ndarray
        float32 (rows, cols) minutes raster in the network's metric CRS.
    transform : Affine
        The raster's affine transform.
    cell_m : float
        The cell size used, metres.
    """
    reached = np.flatnonzero(per_node_min <= limit_min)
    if reached.size == 0:
        return (
            np.full((1, 1), np.inf, dtype=np.float32),
            Affine.identity(),
            float(cell_m or MIN_RASTER_CELL_M),
        )
    speed = _m_per_min(access_kmh)
    radius = (limit_min - per_node_min[reached]) * speed / detour  # how far off the network one can still go
    x0 = float(np.min(net.x_m[reached] - radius))
    x1 = float(np.max(net.x_m[reached] + radius))
    y0 = float(np.min(net.y_m[reached] - radius))
    y1 = float(np.max(net.y_m[reached] + radius))
    if cell_m is None:
        cell_m = max(MIN_RASTER_CELL_M, float(np.sqrt((x1 - x0) * (y1 - y0) / MAX_RASTER_CELLS)))
        cell_m = float(np.ceil(cell_m))
    n_cols = max(1, int(np.ceil((x1 - x0) / cell_m)))
    n_rows = max(1, int(np.ceil((y1 - y0) / cell_m)))
    transform = Affine(cell_m, 0.0, x0, 0.0, -cell_m, y1)
    cx = x0 + (np.arange(n_cols) + 0.5) * cell_m
    cy = y1 - (np.arange(n_rows) + 0.5) * cell_m
    xx, yy = np.meshgrid(cx, cy)
    found = traveltime.node_tree(net).query(
        np.c_[xx.ravel(), yy.ravel()], distance_upper_bound=float(radius.max()) + cell_m, workers=-1
    )
    dist, node = np.asarray(found[0]), np.asarray(found[1])
    ok = np.isfinite(dist)
    minutes = np.full(dist.size, np.inf)
    minutes[ok] = per_node_min[node[ok]] + dist[ok] * detour / speed
    minutes[minutes > limit_min] = np.inf
    return minutes.reshape(n_rows, n_cols).astype(np.float32), transform, cell_m


def _polygons(raster: np.ndarray, transform: Affine, threshold_min: float) -> shapely.Polygon | shapely.MultiPolygon:
    """Union of the raster cells ≤ threshold as one (multi)polygon in the raster's CRS."""
    traced = trace_labels((raster <= threshold_min).astype(np.int32), transform)
    return traced.get(1, shapely.MultiPolygon())


def _nested(
    net: Network,
    per_node_min: np.ndarray,
    thresholds_min: Sequence[float],
    *,
    cell_m: float | None,
    clip_m: shapely.Geometry | None,
    detour: float,
    access_kmh: float,
) -> list[dict[str, Any]]:
    """Rows (threshold_min, cell_m, tolerance_min, area_km2, geometry in metric CRS) for each threshold."""
    limit = float(max(thresholds_min))
    raster, transform, used_cell_m = surface(
        net, per_node_min, limit, cell_m=cell_m, detour=detour, access_kmh=access_kmh
    )
    rows = []
    for t in sorted(thresholds_min):
        geom: BaseGeometry = _polygons(raster, transform, t)
        if clip_m is not None and not geom.is_empty:
            geom = shapely.intersection(geom, clip_m)
        rows.append(
            {
                "threshold_min": float(t),
                "cell_m": used_cell_m,
                "tolerance_min": tolerance_min(used_cell_m, detour=detour, access_kmh=access_kmh),
                "area_km2": float(shapely.area(geom)) / 1e6,
                "geometry": geom,
            }
        )
    return rows


def isochrones(
    net: Network,
    facilities: gpd.GeoDataFrame | gpd.GeoSeries | tuple[ArrayLike, ArrayLike],
    thresholds_min: Sequence[float] = ISOCHRONES_MIN,
    *,
    per_facility: bool = False,
    merged: bool = True,
    names: Sequence[str] | None = None,
    cell_m: float | None = None,
    clip: shapely.Geometry | None = None,
    detour: float = DETOUR_FACTOR,
    access_kmh: float = ACCESS_SPEED_KMH,
) -> gpd.GeoDataFrame:
    """Nested polygons (WGS84) within each threshold (min) of the nearest facility (facility = -1), and/or per facility.

    Polygons trace a minutes raster (:func:`surface`), so their edges are uncertain by ``tolerance_min``.

    Parameters
    ----------
    net : Network
        The road network.
    facilities : GeoDataFrame, GeoSeries or (lon, lat)
        Facility points (WGS84 degrees for a lon/lat pair).
    thresholds_min : sequence of float
        Thresholds, minutes.
    per_facility : bool
        Add each facility's own polygons (facility = its row).
    merged : bool
        Give the area around the nearest of all facilities (facility = -1).
    names : sequence of str, optional
        Facility names; taken from a frame's ``name`` (or ``name_zh``) column when None.
    cell_m : float, optional
        Raster cell size, metres (chosen from the area when None).
    clip : shapely.Geometry, optional
        WGS84 area to clip to (e.g. the region outline: trims sea and neighbours).
    detour, access_kmh : float
        The access-leg model (circuity ≥ 1; speed in km/h).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns facility, name, threshold_min, cell_m (raster, metres), tolerance_min (the raster's
        minutes error), area_km2 (in the network's metric CRS), geometry; EPSG:4326.
    """
    fac_lon, fac_lat = traveltime.point_lonlat(facilities)
    if names is None and isinstance(facilities, gpd.GeoDataFrame):
        names = [str(v) for v in facilities.get("name", facilities.get("name_zh", range(len(facilities))))]
    names = list(names) if names is not None else [f"facility {i + 1}" for i in range(fac_lon.size)]
    clip_m = None
    if clip is not None:
        clip_m = gpd.GeoSeries([clip], crs="EPSG:4326").to_crs(net.metric_crs).iloc[0]
    limit = float(max(thresholds_min))
    rows: list[dict[str, Any]] = []
    if merged:
        per_node, _ = traveltime.node_minutes(net, fac_lon, fac_lat, limit_min=limit, detour=detour,
                                              access_kmh=access_kmh)
        for row in _nested(net, per_node, thresholds_min, cell_m=cell_m, clip_m=clip_m, detour=detour,
                           access_kmh=access_kmh):
            rows.append({"facility": -1, "name": "", **row})
    if per_facility and fac_lon.size:
        s = traveltime.snap(net, fac_lon, fac_lat, detour=detour, access_kmh=access_kmh)
        for i in range(fac_lon.size):
            nodes, minutes = traveltime.reach(net, int(s.node[i]), limit, offset_min=float(s.access_min[i]))
            one = np.full(net.n_nodes, np.inf)
            one[np.asarray(nodes)] = np.asarray(minutes, dtype=float)
            for row in _nested(
                net, one, thresholds_min, cell_m=cell_m, clip_m=clip_m, detour=detour, access_kmh=access_kmh
            ):
                rows.append({"facility": i, "name": names[i], **row})
    if not rows:
        columns = ["facility", "name", "threshold_min", "cell_m", "tolerance_min", "area_km2"]
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs="EPSG:4326")
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=net.metric_crs)
    return frame.to_crs("EPSG:4326")


def band_polygons(grid: PopulationGrid, minutes: np.ndarray, bands_min: Sequence[float]) -> gpd.GeoDataFrame:
    """The travel-time surface: grid cells dissolved by band (WGS84) with band, from_min, to_min (None = open), persons.

    Bands are those of ``spatial.coverage.bands`` (band i holds edges[i-1] < minutes ≤ edges[i]; unreachable
    cells fall in the last, open band), so the surface and the band table count the same persons.

    Parameters
    ----------
    grid : PopulationGrid
        The populated cells.
    minutes : numpy.ndarray
        Minutes from each cell to its nearest facility (inf or NaN where unreachable).
    bands_min : sequence of float
        Band edges, minutes.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per band present: band, from_min, to_min, population (persons), cells, geometry; EPSG:4326.
    """
    edges = check_bands(bands_min)
    minutes = np.nan_to_num(np.asarray(minutes, dtype=float), nan=np.inf, posinf=np.inf)
    band = band_of(minutes, edges)
    pop = np.asarray(grid.pop, dtype=float)
    lows = [0.0, *edges]
    highs: list[float | None] = [*edges, None]
    traced = trace_cells(grid.row, grid.col, band + 1, grid.transform)
    present = sorted(b - 1 for b in traced)
    frame = gpd.GeoDataFrame(
        {"band": present, "from_min": [lows[b] for b in present], "to_min": [highs[b] for b in present],
         "population": [float(pop[band == b].sum()) for b in present],
         "cells": [int((band == b).sum()) for b in present]},
        geometry=[traced[b + 1] for b in present], crs=grid.metric_crs,
    )
    return frame.to_crs("EPSG:4326")
