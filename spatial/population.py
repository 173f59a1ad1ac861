"""Gridded population: read a GeoTIFF (WorldPop, GHS-POP) or build one from the 2020 census by county.

``PopulationGrid`` holds only the populated cells of a regular grid in ``metric_crs``.  Each cell has
its centre in WGS84 and metres, its people, the urban part of them, the 60+ part, and its county.

Two builders share one grid per region (origin snapped to multiples of the cell size in the region's
equal-area ``metric_crs``) and one county raster (a cell belongs to the county its centre falls in; a
county too small to hold a cell centre is given the cell under its representative point):

* ``from_census`` — a dasymetric model of the 2020 census (see its docstring for the weights).  Every
  county's census total, urban total and 60+ total are kept exactly (per-county rescaling).
* ``read_geotiff`` — any gridded population raster in any CRS, warped area-weighted (density × cell
  area) onto the region grid, then rescaled so the region's total equals the raster's own total over
  the region's counties.  Urban and 60+ parts come from the census shares of each county.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import rasterio
import scipy
import shapely
from pyproj import CRS, Geod, Transformer
from rasterio.enums import Resampling
from rasterio.errors import CRSError, RasterioError
from rasterio.features import rasterize
from rasterio.transform import Affine
from rasterio.warp import reproject, transform_bounds
from rasterio.windows import Window, from_bounds
from scipy.ndimage import gaussian_filter

from spatial import picklecache
from spatial.census import CENSUS_CSV, CENSUS_DATE, CENSUS_SOURCE, county_totals
from spatial.counties import county_index
from spatial.errors import InputFileError, OptionError
from spatial.facilities import county_seats
from spatial.network import Network
from spatial.regions import Region, resolve
from spatial.settings import CELL_M_RANGE, FACILITIES_DIR, GRID_M, cache_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class PopulationGrid:
    """Populated cells of a regular metric grid (persons per cell, with urban and 60+ parts)."""

    lon: np.ndarray  # float64 (k,) cell centre, WGS84 degrees
    lat: np.ndarray  # float64 (k,)
    x_m: np.ndarray  # float64 (k,) cell centre in metric_crs
    y_m: np.ndarray  # float64 (k,)
    row: np.ndarray  # int32 (k,) raster row of the cell
    col: np.ndarray  # int32 (k,) raster column
    pop: np.ndarray  # float64 (k,) persons
    urban: np.ndarray  # float64 (k,) urban persons (≤ pop)
    pop60: np.ndarray  # float64 (k,) persons aged 60+
    county: np.ndarray  # int64 (k,) 6-digit adcode of the county the cell centre falls in
    cell_m: float  # cell size in metres
    metric_crs: str  # PROJ string of the grid's projection
    transform: tuple[float, float, float, float, float, float]  # affine (a, b, c, d, e, f) of the raster
    shape: tuple[int, int]  # (rows, cols) of the full raster
    provenance: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def by_county(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted distinct county adcodes and each cell's index into them (computed once per grid, read-only)."""
        codes, inv = county_index(self.county)
        codes.setflags(write=False)
        inv.setflags(write=False)
        return codes, inv

    @property
    def n_cells(self) -> int:
        """Number of populated cells."""
        return int(self.pop.shape[0])

    @property
    def rural(self) -> np.ndarray:
        """Rural persons per cell."""
        return self.pop - self.urban


# ---------------------------------------------------------------------------------------------------
# Model parameters of the census dasymetric surface (assumptions, not statistics; see from_census).

#: Share of a county's urban (城镇) people placed around the county seat; the rest live in towns (镇区)
#: spread like the rural people.  The census gives 城区人口 (city proper) only for cities: 城区/城镇 is
#: 0.48–0.75 for Hainan's county-level cities (文昌 0.48 … 五指山 0.75), 0.65 for 沅江 — hence 0.6.
URBAN_SEAT_SHARE: float = 0.6

#: Persons per km² of the built-up core that sets the seat kernel's scale: the core's radius is
#: sqrt(seat urban people / (π · density)), and the exponential kernel's length is half that radius.
URBAN_CORE_DENSITY_PER_KM2: float = 10_000.0

#: Limits of the seat kernel's length (metres).
SEAT_KERNEL_MIN_M: float = 300.0
SEAT_KERNEL_MAX_M: float = 8_000.0

#: Roads are smoothed with a Gaussian of this sigma (metres): people live beside roads, not on them.
ROAD_SMOOTH_M: float = 1_000.0

#: Every cell of a county gets this share of the county's mean road weight, so that villages off the
#: (often incomplete) network are not dropped.
RURAL_FLOOR: float = 0.2

#: Near the seat, cells without roads still get this share of the mean urban road weight.
URBAN_ROAD_FLOOR: float = 0.5

#: Road-class weights for urban density (arterials carry the built-up area) and for rural settlement
#: (access-controlled motorways have no roadside villages).  Unlisted classes weigh 1.
URBAN_CLASS_WEIGHT: dict[str, float] = {
    "arterial": 3.0, "secondary": 2.0, "branch": 1.0, "internal": 1.0,
    "motorway": 0.3, "motorway_trunk": 0.5, "trunk": 1.5, "national_primary": 1.5, "primary": 2.0,
    "tertiary": 1.5, "residential": 1.0,
}
RURAL_CLASS_WEIGHT: dict[str, float] = {"motorway": 0.1, "motorway_trunk": 0.3}

#: Most persons per km² a population pixel may hold: the densest city blocks on Earth reach ≈ 150,000.
MAX_DENSITY_PER_KM2: float = 500_000.0

#: Most raster pixels read at once (band × rows × columns over the region, ≈ 16 bytes each while warping).
MAX_RASTER_PIXELS: int = 200_000_000

GRID_NODATA: float = -99999.0  # nodata of the GeoTIFFs written here (WorldPop's convention)
BANDS: tuple[str, ...] = ("pop", "urban", "pop60")


# ---------------------------------------------------------------------------------------------------
# Region grid and county raster (shared by both builders so that they align cell for cell).


def _resolve(region: Region | str | int) -> Region:
    """A Region from a name or adcode; anything else is taken as a Region (tests build synthetic ones)."""
    return resolve(region) if isinstance(region, str | int) else region


def region_grid(counties_m: gpd.GeoDataFrame, cell_m: float) -> tuple[Affine, tuple[int, int]]:
    """Affine transform and (rows, cols) of the grid covering the counties, origin on multiples of cell_m.

    Parameters
    ----------
    counties_m : geopandas.GeoDataFrame
        The region's counties in its metric CRS.
    cell_m : float
        Cell size, metres.

    Returns
    -------
    transform : Affine
        The grid's affine transform (metric CRS, north up).
    shape : tuple of int
        (rows, cols), each at least 1.
    """
    xmin, ymin, xmax, ymax = counties_m.total_bounds
    x0, y0 = math.floor(xmin / cell_m) * cell_m, math.floor(ymin / cell_m) * cell_m
    x1, y1 = math.ceil(xmax / cell_m) * cell_m, math.ceil(ymax / cell_m) * cell_m
    shape = (max(round((y1 - y0) / cell_m), 1), max(round((x1 - x0) / cell_m), 1))
    return Affine(cell_m, 0.0, x0, 0.0, -cell_m, y1), shape


def county_raster(geoms_m: np.ndarray, transform: Affine, shape: tuple[int, int]) -> np.ndarray:
    """Index (0..n-1) of the county each cell centre falls in, -1 outside; every county gets ≥ 1 cell.

    A county too small to hold a cell centre is given the cell under its representative point (or the
    nearest free cell around it).

    Parameters
    ----------
    geoms_m : numpy.ndarray
        County polygons in the grid's metric CRS.
    transform : Affine
        The grid's affine transform.
    shape : tuple of int
        (rows, cols) of the grid.

    Returns
    -------
    numpy.ndarray
        int32 raster of county indices, -1 outside every county.
    """
    n = len(geoms_m)
    idx = rasterize(
        ((g, i) for i, g in enumerate(geoms_m) if g is not None and not g.is_empty),
        out_shape=shape, transform=transform, fill=-1, dtype="int32", all_touched=False,
    )
    counts = np.bincount(idx[idx >= 0], minlength=n)
    missing = np.flatnonzero(counts == 0)
    inv = ~transform
    forced: set[tuple[int, int]] = set()
    for i in missing:  # a loop over the few tiny counties, never over cells
        p = geoms_m[i].representative_point()
        c0, r0 = (math.floor(v) for v in inv @ (p.x, p.y))
        # the cell under the point, else the nearest free one around it (two tiny counties may share a cell)
        candidates = sorted(
            ((r0 + dr, c0 + dc) for dr in range(-2, 3) for dc in range(-2, 3)),
            key=lambda rc: (rc[0] - r0) ** 2 + (rc[1] - c0) ** 2,
        )
        for r, c in candidates:
            if 0 <= r < shape[0] and 0 <= c < shape[1] and (r, c) not in forced:
                owner = idx[r, c]
                if owner < 0 or counts[owner] > 1:
                    if owner >= 0:
                        counts[owner] -= 1
                    idx[r, c] = i
                    counts[i] = 1
                    forced.add((r, c))
                    break
        else:
            raise RuntimeError(f"county #{i} could not be given a grid cell")
        log.info("county #%d smaller than a %.0f m cell: given the cell under its representative point", i,
                 transform.a)
    return idx


@dataclass(frozen=True)
class _Layout:
    """The region's counties in metric CRS and the cells (centre in a county) of its grid."""

    adcodes: np.ndarray  # int64 (n,) county codes
    geoms_m: np.ndarray  # shapely geometries in metric CRS
    crs: str
    cell_m: float
    transform: Affine
    shape: tuple[int, int]
    flat: np.ndarray  # int64 (k,) flat raster index of each in-county cell
    cid: np.ndarray  # int32 (k,) county index of each cell
    x_m: np.ndarray  # float64 (k,) cell centres
    y_m: np.ndarray


#: Most cells of the raster laid over a region's bounding box (about 100 bytes of working memory each):
#: Hainan at 100 m (WorldPop's resolution) needs 7.5 million.
MAX_GRID_CELLS: int = 40_000_000


def check_grid_size(region: Region, cell_m: float) -> int:
    """Cells of the region's grid at ``cell_m`` metres; OptionError when it would not fit in memory.

    Parameters
    ----------
    region : Region
        The region (its counties' bounds in its metric CRS set the grid).
    cell_m : float
        Cell size, metres (> 0).

    Returns
    -------
    int
        Number of cells of the raster over the region's bounding box (at most ``MAX_GRID_CELLS``).
    """
    if not (np.isfinite(cell_m) and cell_m > 0):
        raise OptionError(f"the cell size must be a positive number of metres (e.g. 500 or 1000), got {cell_m}")
    b = region.bounds_m
    cells = math.ceil((b[2] - b[0]) / cell_m + 1) * math.ceil((b[3] - b[1]) / cell_m + 1)
    if cells > MAX_GRID_CELLS:
        smallest = math.ceil(math.sqrt((b[2] - b[0]) * (b[3] - b[1]) / MAX_GRID_CELLS))
        raise OptionError(
            f"a {cell_m:g} m grid over {region.name_zh} ({region.name}) would have {cells:,} cells (≈ {cells * 100 / 2**30:,.1f} "
            f"GiB of working memory); use a cell size of at least {smallest:,} m"
        )
    return int(cells)


def _layout(region: Region, cell_m: float) -> _Layout:
    """Grid and county assignment of a region at cell_m metres."""
    check_grid_size(region, cell_m)
    counties = region.counties
    if counties.crs is None:
        raise ValueError("region counties have no CRS")
    crs = str(region.metric_crs)
    counties_m = counties.to_crs(crs)
    transform, shape = region_grid(counties_m, cell_m)
    geoms = counties_m.geometry.to_numpy()
    idx = county_raster(geoms, transform, shape)
    flat = np.flatnonzero(idx.ravel() >= 0)
    rows, cols = np.divmod(flat, shape[1])
    x = transform.c + (cols + 0.5) * transform.a
    y = transform.f + (rows + 0.5) * transform.e
    return _Layout(
        adcodes=counties["adcode"].astype("int64").to_numpy(), geoms_m=geoms, crs=crs, cell_m=float(cell_m),
        transform=transform, shape=shape, flat=flat, cid=idx.ravel()[flat].astype(np.int32), x_m=x, y_m=y,
    )


def _grid(lay: _Layout, keep: np.ndarray, pop: np.ndarray, urban: np.ndarray, pop60: np.ndarray,
          provenance: dict[str, Any]) -> PopulationGrid:
    """Assemble a PopulationGrid from the kept cells of a layout."""
    flat = lay.flat[keep]
    rows, cols = np.divmod(flat, lay.shape[1])
    x, y = lay.x_m[keep], lay.y_m[keep]
    lon, lat = Transformer.from_crs(lay.crs, "EPSG:4326", always_xy=True).transform(x, y)
    t = lay.transform
    return PopulationGrid(
        lon=np.asarray(lon, dtype=float), lat=np.asarray(lat, dtype=float), x_m=x, y_m=y,
        row=rows.astype(np.int32), col=cols.astype(np.int32),
        pop=pop[keep].astype(float), urban=np.minimum(urban[keep], pop[keep]).astype(float),
        pop60=np.minimum(pop60[keep], pop[keep]).astype(float),
        county=lay.adcodes[lay.cid[keep]].astype(np.int64),
        cell_m=lay.cell_m, metric_crs=lay.crs, transform=(t.a, t.b, t.c, t.d, t.e, t.f), shape=lay.shape,
        provenance=provenance,
    )


def _per_county(values: np.ndarray, cid: np.ndarray, n: int) -> np.ndarray:
    """Sum of cell values per county index."""
    return np.bincount(cid, weights=values, minlength=n)


def _share(weights: np.ndarray, cid: np.ndarray, n: int) -> np.ndarray:
    """Each cell's share of its county's weight (uniform where a county's weights sum to 0)."""
    total = _per_county(weights, cid, n)
    count = np.bincount(cid, minlength=n).astype(float)
    flat_share = 1.0 / count[cid]
    return np.where(total[cid] > 0, weights / np.where(total[cid] > 0, total[cid], 1.0), flat_share)


# ---------------------------------------------------------------------------------------------------
# Census dasymetric model.


def _seat_table(adcodes: np.ndarray) -> pd.DataFrame:
    """adcode, lon, lat of the county seats of the given polygons (``spatial.facilities.county_seats``)."""
    seats = county_seats(adcodes)
    return pd.DataFrame({"adcode": seats["adcode"].to_numpy(), "lon": seats.geometry.x.to_numpy(),
                         "lat": seats.geometry.y.to_numpy()})


def _seat_distance(lay: _Layout, seats: pd.DataFrame) -> tuple[np.ndarray, list[int]]:
    """Metres from each cell to the nearest seat of its county; counties without a seat use a surface point."""
    n = len(lay.adcodes)
    pos = {int(a): i for i, a in enumerate(lay.adcodes)}
    sx, sy = Transformer.from_crs("EPSG:4326", lay.crs, always_xy=True).transform(
        seats["lon"].to_numpy(float), seats["lat"].to_numpy(float))
    ci = np.array([pos[int(a)] for a in seats["adcode"]], dtype=np.int64)
    no_seat = sorted(set(range(n)) - set(ci.tolist()))
    if no_seat:
        pts = [lay.geoms_m[i].representative_point() for i in no_seat]
        sx = np.concatenate([sx, [p.x for p in pts]])
        sy = np.concatenate([sy, [p.y for p in pts]])
        ci = np.concatenate([ci, np.asarray(no_seat, dtype=np.int64)])
    order = np.argsort(lay.cid, kind="stable")
    bounds = np.searchsorted(lay.cid[order], np.arange(n + 1))
    dist = np.full(lay.cid.shape[0], np.inf)
    for k in range(len(ci)):  # loop over seats; each touches only its county's cells
        cells = order[bounds[ci[k]]:bounds[ci[k] + 1]]
        d = np.hypot(lay.x_m[cells] - sx[k], lay.y_m[cells] - sy[k])
        dist[cells] = np.minimum(dist[cells], d)
    return dist, [int(lay.adcodes[i]) for i in no_seat]


def road_rasters(network: Network, crs: str, transform: Affine, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Road metres per cell weighted for urban and for rural settlement, each smoothed (ROAD_SMOOTH_M).

    Each road (one direction of a two-way pair) is sampled every half cell along the straight line
    between its nodes and its network length shared among the samples.

    Parameters
    ----------
    network : Network
        The road network.
    crs : str
        The grid's metric CRS.
    transform : Affine
        The grid's affine transform.
    shape : tuple of int
        (rows, cols) of the grid.

    Returns
    -------
    urban, rural : numpy.ndarray
        float64 rasters of ``shape``: road metres per cell, weighted by road class for urban and for
        rural settlement, Gaussian-smoothed.
    """
    tail = network.tail.astype(np.int64)
    head = network.head.astype(np.int64)
    a, b = np.minimum(tail, head), np.maximum(tail, head)
    _, first = np.unique(a * network.n_nodes + b, return_index=True)  # two-way roads counted once
    tail, head = tail[first], head[first]
    length = np.asarray(network.length_m, dtype=float)[first]
    klass = np.asarray(network.road_class, dtype=np.int64)[first]
    names = list(network.classes)
    w_urban = np.array([URBAN_CLASS_WEIGHT.get(c, 1.0) for c in names])[klass] if names else np.ones_like(length)
    w_rural = np.array([RURAL_CLASS_WEIGHT.get(c, 1.0) for c in names])[klass] if names else np.ones_like(length)
    if CRS.from_user_input(network.metric_crs) == CRS.from_user_input(crs):
        nx, ny = np.asarray(network.x_m, float), np.asarray(network.y_m, float)
    else:
        nx, ny = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(
            np.asarray(network.lon, float), np.asarray(network.lat, float))
    x0, y0, x1, y1 = nx[tail], ny[tail], nx[head], ny[head]
    cell = transform.a
    n_s = np.maximum(1, np.ceil(np.hypot(x1 - x0, y1 - y0) / (cell / 2.0))).astype(np.int64)
    e = np.repeat(np.arange(len(n_s)), n_s)
    j = np.arange(e.shape[0]) - np.repeat(np.cumsum(n_s) - n_s, n_s)
    t = (j + 0.5) / n_s[e]
    xs, ys = x0[e] + t * (x1[e] - x0[e]), y0[e] + t * (y1[e] - y0[e])
    cols = np.floor((xs - transform.c) / cell).astype(np.int64)
    rows = np.floor((transform.f - ys) / cell).astype(np.int64)
    inside = (rows >= 0) & (rows < shape[0]) & (cols >= 0) & (cols < shape[1])
    flat = rows[inside] * shape[1] + cols[inside]
    seg = (length / n_s)[e][inside]
    size = shape[0] * shape[1]
    sigma = ROAD_SMOOTH_M / cell
    urban = gaussian_filter(np.bincount(flat, weights=seg * w_urban[e][inside], minlength=size).reshape(shape), sigma)
    rural = gaussian_filter(np.bincount(flat, weights=seg * w_rural[e][inside], minlength=size).reshape(shape), sigma)
    return urban, rural


def dasymetric(lay: _Layout, totals: pd.DataFrame, seats: pd.DataFrame, network: Network | None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """Persons, urban persons and 60+ persons per layout cell, keeping each county's census totals exactly.

    Parameters
    ----------
    lay : _Layout
        The region's grid and each cell's county.
    totals : pandas.DataFrame
        Census totals per county in layout order (pop_total, pop_urban, pop_rural, pop_60plus; persons).
    seats : pandas.DataFrame
        County seats (adcode, lon, lat in WGS84 degrees).
    network : Network or None
        Roads that place the people (see :func:`from_census`); None uses distance decay instead.

    Returns
    -------
    pop, urban, pop60 : numpy.ndarray
        float64 persons per layout cell.
    no_seat : list of int
        Adcodes of counties without a seat (their surface point stood in).
    """
    n = len(lay.adcodes)
    cid = lay.cid
    urban_c = totals["pop_urban"].to_numpy(float)
    rural_c = totals["pop_rural"].to_numpy(float)
    share60_c = totals["pop_60plus"].to_numpy(float) / np.maximum(totals["pop_total"].to_numpy(float), 1.0)
    dist, no_seat = _seat_distance(lay, seats)
    # seat kernel: exp(-d/λ), λ = half the radius of a core holding the seat's urban people at the core density
    core_km2 = URBAN_SEAT_SHARE * urban_c / URBAN_CORE_DENSITY_PER_KM2
    lam = np.clip(0.5 * np.sqrt(core_km2 / math.pi) * 1000.0, SEAT_KERNEL_MIN_M, SEAT_KERNEL_MAX_M)
    kernel = np.exp(-dist / lam[cid])
    if network is not None:
        road_u, road_r = road_rasters(network, lay.crs, lay.transform, lay.shape)
        ru, rr = road_u.ravel()[lay.flat], road_r.ravel()[lay.flat]
        count = np.bincount(cid, minlength=n).astype(float)
        mean_u = _per_county(ru, cid, n) / count
        mean_r = _per_county(rr, cid, n) / count
        w_seat = kernel * (np.divide(ru, mean_u[cid], out=np.zeros_like(ru), where=mean_u[cid] > 0)
                           + URBAN_ROAD_FLOOR)
        w_rural = np.divide(rr, mean_r[cid], out=np.zeros_like(rr), where=mean_r[cid] > 0) + RURAL_FLOOR
    else:
        # no network: rural people thin out from the seat over the county's equivalent radius
        area_m2 = np.array([g.area for g in lay.geoms_m])
        radius = np.maximum(np.sqrt(area_m2 / math.pi), lay.cell_m)
        w_seat = kernel
        w_rural = np.exp(-dist / radius[cid])
    s_seat, s_rural = _share(w_seat, cid, n), _share(w_rural, cid, n)
    urban = urban_c[cid] * (URBAN_SEAT_SHARE * s_seat + (1.0 - URBAN_SEAT_SHARE) * s_rural)
    pop = urban + rural_c[cid] * s_rural
    return pop, urban, pop * share60_c[cid], no_seat


def from_census(region: Region | str | int, *, network: Network | None = None, cell_m: float = GRID_M,
                seats: pd.DataFrame | None = None) -> PopulationGrid:
    """A dasymetric 2020-census population surface of a region on a cell_m-metre grid (persons per cell).

    Per county (cells by centre-in-polygon; tiny counties get ≥ 1 cell):
      * URBAN_SEAT_SHARE of the urban people around the county seat(s): weight exp(-d/λ) × (urban road
        density / county mean + URBAN_ROAD_FLOOR), λ from the seat's urban people (URBAN_CORE_DENSITY_PER_KM2);
      * the rest of the urban people (towns) and all rural people along roads: weight rural road density
        (smoothed, motorways discounted) / county mean + RURAL_FLOOR, so off-network villages stay;
      * 60+ = the county's 60+ share × cell persons.
    Each weight is normalised per county, so every county keeps its census total, urban and 60+ exactly.
    Without a network: urban by the seat kernel, rural by exp(-d / county equivalent radius).
    Seats come from data/facilities/county_seats.csv (or ``seats``: adcode, lon, lat); a county without
    one uses a point on its surface (listed in provenance).

    Parameters
    ----------
    region : Region, str or int
        The region, or its name or adcode (``spatial.regions.resolve``).
    network : Network, optional
        The road network that places the people along roads.
    cell_m : float
        Cell size, metres.
    seats : pandas.DataFrame, optional
        County seats (adcode, lon, lat in WGS84 degrees) instead of the committed table.

    Returns
    -------
    PopulationGrid
        The populated cells (persons per cell), with provenance.
    """
    reg = _resolve(region)
    lay = _layout(reg, cell_m)
    totals = county_totals(lay.adcodes)
    seats = _seat_table(lay.adcodes) if seats is None else seats
    pop, urban, pop60, no_seat = dasymetric(lay, totals, seats, network)
    if no_seat:
        log.warning("no county seat for %s: surface point used as the centre", no_seat)
    keep = pop > 0
    provenance = {
        "source": CENSUS_SOURCE,
        "date": CENSUS_DATE,
        "method": (
            "dasymetric: urban people around county seats (exponential kernel × road density) and along roads; "
            "rural people along roads with a floor for off-network cells; per-county rescaling keeps census totals"
            if network is not None else
            "dasymetric without a network: urban people by an exponential kernel around the county seat, "
            "rural people by distance decay over the county's equivalent radius; per-county rescaling keeps totals"
        ),
        "parameters": {
            "urban_seat_share": URBAN_SEAT_SHARE, "urban_core_density_per_km2": URBAN_CORE_DENSITY_PER_KM2,
            "road_smooth_m": ROAD_SMOOTH_M, "rural_floor": RURAL_FLOOR, "urban_road_floor": URBAN_ROAD_FLOOR,
        },
        "network": (network.provenance.get("source", "given") if network is not None
                    and isinstance(getattr(network, "provenance", None), dict) else None),
        "seats": "data/facilities/county_seats.csv",
        "counties_without_seat": no_seat,
        "region": str(getattr(reg, "name", region)),
        "cell_m": float(cell_m),
        "crs": lay.crs,
    }
    return _grid(lay, keep, pop, urban, pop60, provenance)


#: Largest grid (raster cells over the region's bounds) whose census surface is cached: ≈ 70 bytes a populated
#: cell on disk, so at most ≈ 140 MB an entry; larger grids are spread again (≈ 1 s per million cells).
CACHE_MAX_CELLS: int = 2_000_000
#: Census grids kept in the cache (the most recently used; the others are removed).
CACHE_KEEP: int = 16
#: Modules whose code shapes a census grid (a change to any of them means a new cache entry).
_CENSUS_CODE = ("population", "census", "counties", "facilities", "regions")


def census_grid(region: Region, *, network: Network | None = None, cell_m: float = GRID_M) -> PopulationGrid:
    """``from_census``, kept in the user's cache folder under a digest of everything it reads.

    Hainan's 1 km grid: read in a few ms instead of built in ≈ 0.15 s at every run of a command.  Grids of
    more than ``CACHE_MAX_CELLS`` raster cells are built every time (their entries would be large).

    Parameters
    ----------
    region : Region
        The region.
    network : Network, optional
        The road network that places the people along roads.
    cell_m : float
        Cell size, metres.

    Returns
    -------
    PopulationGrid
        The populated cells (persons per cell), with provenance.
    """
    if check_grid_size(region, cell_m) > CACHE_MAX_CELLS:
        return from_census(region, network=network, cell_m=cell_m)
    path = cache_dir() / "population" / f"census-{_census_digest(region, network, cell_m)}.pickle"
    grid = picklecache.load_or_build(path, lambda: from_census(region, network=network, cell_m=cell_m),
                                     kind=PopulationGrid, what=f"census grid of {region.name} at {cell_m:g} m")
    picklecache.prune(path.parent, "census-*.pickle", keep=CACHE_KEEP)
    return grid


def _census_digest(region: Region, network: Network | None, cell_m: float) -> str:
    """Digest of what ``from_census`` reads: counties, network, cell size, census and seat tables, and its code."""
    h = hashlib.blake2b(digest_size=16)
    h.update(np.asarray(region.counties["adcode"], dtype=np.int64).tobytes())
    for wkb in shapely.to_wkb(region.counties.geometry.to_numpy()):
        h.update(wkb)
    h.update(repr((region.name, str(region.metric_crs), float(cell_m))).encode())
    # the libraries that rasterise, smooth and project the grid
    h.update(repr((rasterio.__version__, rasterio.__gdal_version__, scipy.__version__, pyproj.__version__,
                   pyproj.proj_version_str)).encode())
    if network is not None:
        for array in (network.lon, network.lat, network.indptr, network.head, network.length_m, network.road_class):
            h.update(np.ascontiguousarray(array).tobytes())
        h.update(repr((network.classes, network.metric_crs, network.provenance.get("source"))).encode())
    code = Path(__file__).parent  # this module and those it reads the census, the counties and the seats with
    for path in (CENSUS_CSV, FACILITIES_DIR / "county_seats.csv", *(code / f"{m}.py" for m in _CENSUS_CODE)):
        h.update(path.read_bytes())
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------------
# GeoTIFF in and out.


def _pixel_area_m2(crs: CRS, transform: Affine, window_shape: tuple[int, int]) -> np.ndarray:
    """Area (m²) of each source pixel, per row for geographic CRSs (ellipsoidal), constant for projected."""
    rows = window_shape[0]
    if crs.is_geographic:
        geod = Geod(ellps="WGS84")
        lat_top = transform.f + np.arange(rows) * transform.e
        lat_bot = lat_top + transform.e
        lon0, lon1 = transform.c, transform.c + transform.a
        # area of a lon/lat rectangle: (Δλ in rad) · b²-ish authalic term; Geod gives it exactly per row
        areas = np.array([abs(geod.polygon_area_perimeter([lon0, lon1, lon1, lon0], [a, a, b, b])[0])
                          for a, b in zip(lat_top, lat_bot)])
        return areas[:, None]
    return np.full((1, 1), abs(transform.a * transform.e - transform.b * transform.d))


def _cell_tag(value: str | None) -> float | None:
    """The healthplan_cell_m tag as metres within CELL_M_RANGE, None when absent or not such a number."""
    try:
        cell = float(value) if value is not None else None
    except ValueError:
        return None
    lo, hi = CELL_M_RANGE
    return cell if cell is not None and math.isfinite(cell) and lo <= cell <= hi else None


def native_cell_m(path: Path | str) -> float | None:
    """The cell size (m) a GeoTIFF written by ``write_geotiff`` records, None for other rasters, bad tags or unreadable files."""
    try:
        with rasterio.open(path) as src:
            value = src.tags().get("healthplan_cell_m")
    except (RasterioError, OSError):
        return None
    return _cell_tag(value)


def read_geotiff(path: Path | str, region: Region | str | int, *, cell_m: float | None = None) -> PopulationGrid:
    """A population GeoTIFF (persons per pixel, any CRS) warped onto the region's grid, total kept.

    The raster is read over the region's bounds, converted to persons per m², warped area-weighted
    (Resampling.average) onto the region grid, multiplied by the cell area and rescaled so the region
    total equals the raster's persons in pixels whose centre lies in one of the region's counties.
    Nodata, NaN and negative values count as 0 people.  Band 1 is persons; a file written by
    ``write_geotiff`` also brings its urban and pop60 bands, otherwise they are the census county shares.
    InputFileError names the file when it cannot be read or used.

    Parameters
    ----------
    path : Path or str
        The GeoTIFF.
    region : Region, str or int
        The region, or its name or adcode.
    cell_m : float, optional
        Cell size, metres; defaults to the file's own healthplan cell size, else GRID_M.

    Returns
    -------
    PopulationGrid
        The populated cells (persons per cell), with provenance.
    """
    path = Path(path)
    reg = _resolve(region)
    if path.is_dir():
        raise InputFileError(f"{path} is a folder; give a population GeoTIFF (.tif)")
    try:
        src = rasterio.open(path)
    except (RasterioError, OSError) as exc:
        raise InputFileError(f"{path}: cannot be opened as a GeoTIFF ({exc}); give a population raster "
                             "such as a WorldPop or GHS-POP .tif") from exc
    try:
        with src:
            read = _read_window(path, src, reg, region, cell_m)
    except InputFileError:
        raise
    except (RasterioError, CRSError, OSError, ValueError) as exc:  # damaged tiles, bad tags or CRS
        raise InputFileError(f"{path}: the raster cannot be read ({type(exc).__name__}: {str(exc)[:200]}); "
                             "is the file complete? Re-export it as a GeoTIFF") from None
    data, src_transform, src_crs, tags, names, ours, bands, cell_m = read
    values = np.ma.filled(data, np.float32(0.0))
    area = _pixel_area_m2(src_crs, src_transform, values.shape[1:])
    _check_density(path, values, area)  # before NaN → 0: an infinite count is refused, not dropped
    bad = ~np.isfinite(values) | (values < 0)
    if bad[0].any():
        log.warning("%s: %d pixels with NaN or negative persons counted as 0", path, int(bad[0].sum()))
    values[bad] = 0.0
    return _warp(path, reg, region, values, area, src_transform, src_crs, tags, names, ours, bands, cell_m)


def check_geotiff(path: Path | str, region: Region | str | int) -> None:
    """Check a population GeoTIFF without reading its pixels: it opens, has a CRS, overlaps the region, fits.

    Parameters
    ----------
    path : Path or str
        The GeoTIFF.
    region : Region, str or int
        The region, or its name or adcode.

    Raises
    ------
    InputFileError
        Naming the file and what to fix, when a check fails.
    """
    path = Path(path)
    reg = _resolve(region)
    if path.is_dir():
        raise InputFileError(f"{path} is a folder; give a population GeoTIFF (.tif)")
    try:
        with rasterio.open(path) as src:
            _window(path, src, reg, region)
    except InputFileError:
        raise
    except (RasterioError, CRSError, OSError, ValueError) as exc:
        raise InputFileError(f"{path}: cannot be opened as a GeoTIFF ({type(exc).__name__}: {str(exc)[:200]}); give "
                             "a population raster such as a WorldPop or GHS-POP .tif") from None


def _read_window(path: Path, src: Any, reg: Region, region: Region | str | int, cell_m: float | None) -> tuple:
    """Band values (masked, float32) over the region's bounds and what describes them; refuses what cannot fit."""
    tags = src.tags()
    if cell_m is None:
        cell_m = _cell_tag(tags.get("healthplan_cell_m")) or GRID_M
    names = [d or "" for d in src.descriptions]
    win, bands, ours = _window(path, src, reg, region)
    data = src.read(bands, window=win, masked=True).astype(np.float32)  # float32: WorldPop rasters are big
    return data, src.window_transform(win), src.crs, tags, names, ours, bands, float(cell_m)


def _window(path: Path, src: Any, reg: Region, region: Region | str | int) -> tuple[Window, list[int], bool]:
    """The window over the region's bounds (plus a pixel), the bands to read, whether the file is ours."""
    if src.crs is None:
        raise InputFileError(f"{path}: the raster has no coordinate reference system; set one "
                             "(e.g. gdal_edit.py -a_srs EPSG:4326 file.tif) and try again")
    if src.count < 1 or src.width == 0 or src.height == 0:
        raise InputFileError(f"{path}: the raster is empty (no bands or no pixels)")
    ours = src.tags().get("healthplan_bands", "").split(",")[:3] == list(BANDS) and src.count >= 3
    # read only the part of the raster over the region (plus one pixel of margin)
    west, south, east, north = transform_bounds("EPSG:4326", src.crs, *reg.counties.total_bounds,
                                                densify_pts=21)
    sb = src.bounds
    if src.crs.is_geographic and not (-181 <= sb.left <= sb.right <= 361 and -91 <= sb.bottom <= sb.top <= 91):
        raise InputFileError(f"{path}: the raster's CRS ({src.crs.to_string()}) is in degrees but its bounds "
                             f"{tuple(round(v, 4) for v in sb)} are not; set the CRS it was made in")
    if west >= sb.right or east <= sb.left or south >= sb.top or north <= sb.bottom:
        raise InputFileError(
            f"{path}: the raster (bounds {tuple(round(v, 4) for v in sb)} in {src.crs.to_string()}) does not "
            f"overlap region {getattr(reg, 'name', region)!r}; give a raster that covers it")
    win = from_bounds(west, south, east, north, transform=src.transform)
    win = win.round_offsets(op="floor").round_lengths(op="ceil")
    win = Window(win.col_off - 1, win.row_off - 1, win.width + 2, win.height + 2)
    win = win.intersection(Window(0, 0, src.width, src.height))
    bands = [1, 2, 3] if ours else [1]
    pixels = int(win.width) * int(win.height) * len(bands)
    if pixels > MAX_RASTER_PIXELS:
        res = abs(src.transform.a)
        raise InputFileError(
            f"{path}: the part over {getattr(reg, 'name', region)!r} holds {pixels:,} pixels (≈ "
            f"{pixels * 16 / 2**30:,.1f} GiB to read and warp), more than the {MAX_RASTER_PIXELS:,} read at once; "
            f"resample it coarser first (e.g. gdalwarp -tr {res * 4:g} {res * 4:g} -r sum) or clip it to the region")
    return win, bands, ours


def _check_density(path: Path, values: np.ndarray, area_m2: np.ndarray) -> None:
    """Refuse pixels holding more people than MAX_DENSITY_PER_KM2 (an unmarked nodata, or not persons)."""
    limit = area_m2 * (MAX_DENSITY_PER_KM2 / 1e6)  # persons per pixel at the cap, per row (geographic) or one value
    over = values > limit[None]
    if over.any():
        worst = float(values[over].max())
        raise InputFileError(
            f"{path}: {int(over.sum()):,} pixels hold more than {MAX_DENSITY_PER_KM2:,.0f} persons per km² (up to "
            f"{worst:.3g} persons in one pixel of ≈ {float(np.median(area_m2)) / 1e6:.3g} km²); a population raster "
            f"holds persons per pixel, 0…{MAX_DENSITY_PER_KM2:,.0f} per km² — is it the right file, and is its nodata "
            "value set?")


def _warp(path: Path, reg: Region, region: Region | str | int, values: np.ndarray, area: np.ndarray, src_transform: Affine,
          src_crs: Any, tags: Mapping[str, str], names: list[str], ours: bool, bands: list[int],
          cell_m: float) -> PopulationGrid:
    """The checked persons (and urban, 60+ bands of our own files) warped onto the region grid, total kept."""
    lay = _layout(reg, cell_m)
    # persons in the raster over the region's counties: the total to keep
    geoms_src = reg.counties.to_crs(src_crs).geometry.to_numpy()
    inside = rasterize(((g, 1) for g in geoms_src if g is not None and not g.is_empty),
                       out_shape=values.shape[1:], transform=src_transform, fill=0, dtype="uint8") > 0
    total_in = float(values[0][inside].sum(dtype=np.float64))
    if not total_in > 0:
        raise InputFileError(f"{path}: no people inside region {getattr(reg, 'name', region)!r} "
                             "(all pixels there are 0 or nodata); check the raster and the region")
    warped = np.zeros((len(bands),) + lay.shape)
    for b in range(len(bands)):
        dst = np.full(lay.shape, np.nan)
        reproject((values[b] / area).astype(np.float32), dst, src_transform=src_transform, src_crs=src_crs,
                  dst_transform=lay.transform, dst_crs=lay.crs, resampling=Resampling.average,
                  src_nodata=None, dst_nodata=np.nan)
        warped[b] = np.nan_to_num(dst, nan=0.0) * cell_m * cell_m
    pop = warped[0].ravel()[lay.flat]
    got = pop.sum()
    if not got > 0:
        raise InputFileError(f"{path}: the raster's people fall outside region {getattr(reg, 'name', region)!r} "
                             "grid cells; check its extent and CRS")
    factor = total_in / got
    pop = pop * factor
    if ours:
        urban = np.minimum(warped[1].ravel()[lay.flat] * factor, pop)
        pop60 = np.minimum(warped[2].ravel()[lay.flat] * factor, pop)
        shares = "bands urban and pop60 of the file"
    else:
        totals = county_totals(lay.adcodes)
        tot = np.maximum(totals["pop_total"].to_numpy(float), 1.0)
        urban = pop * (totals["pop_urban"].to_numpy(float) / tot)[lay.cid]
        pop60 = pop * (totals["pop_60plus"].to_numpy(float) / tot)[lay.cid]
        shares = f"county urban and 60+ shares of the {CENSUS_SOURCE.split(';')[0]} ({CENSUS_DATE})"
    keep = pop > 0
    provenance = {
        "source": str(path),
        "source_crs": src_crs.to_string(),
        "source_tags": {k: v for k, v in tags.items() if k != "provenance"},
        "source_provenance": _provenance_tag(tags.get("provenance")),
        "band_names": names,
        "method": ("area-weighted warp (persons/m², Resampling.average) to the region grid, rescaled to the "
                   "raster's total over the region's counties"),
        "rescale_factor": float(factor),
        "urban_and_60plus": shares,
        "region": str(getattr(reg, "name", region)),
        "cell_m": cell_m,
        "crs": lay.crs,
    }
    return _grid(lay, keep, pop, urban, pop60, provenance)


def _provenance_tag(text: str | None) -> Any:
    """The provenance tag of a raster written here (JSON), its first 2,000 characters when it is not JSON."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text[:2000]


def write_geotiff(grid: PopulationGrid, path: Path | str, *, extra: Mapping[str, np.ndarray] | None = None,
                  provenance: Mapping[str, Any] | None = None) -> Path:
    """Write the grid as a float32 GeoTIFF: pop, urban, pop60 (persons per cell), then the ``extra`` bands.

    Tags carry the band names, the cell size and the provenance.  Written aside and moved into place.

    Parameters
    ----------
    grid : PopulationGrid
        The populated cells (the raster covers the grid's shape; other cells are nodata).
    path : Path or str
        The file to write (its folder is created).
    extra : mapping of str to numpy.ndarray, optional
        Band name → one value per cell (e.g. minutes to the nearest hospital; inf and NaN become nodata).
    provenance : mapping, optional
        Provenance to record instead of the grid's.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows, cols = grid.shape
    layers = {"pop": grid.pop, "urban": grid.urban, "pop60": grid.pop60, **dict(extra or {})}
    stack = np.full((len(layers), rows, cols), GRID_NODATA, dtype=np.float32)
    for b, values in enumerate(layers.values()):
        v = np.asarray(values, dtype=np.float64)
        stack[b, grid.row, grid.col] = np.where(np.isfinite(v), v, GRID_NODATA).astype(np.float32)
    profile = {
        "driver": "GTiff", "width": cols, "height": rows, "count": len(layers), "dtype": "float32",
        "crs": CRS.from_user_input(grid.metric_crs), "transform": Affine(*grid.transform),
        "nodata": GRID_NODATA, "compress": "deflate", "predictor": 3, "tiled": True,
        "blockxsize": 256, "blockysize": 256,
    }
    if rows < 256 or cols < 256:
        profile.update(tiled=False)
        profile.pop("blockxsize")
        profile.pop("blockysize")
    prov = dict(provenance if provenance is not None else grid.provenance)
    tmp = path.with_name(f".{path.stem}.part{path.suffix}")
    try:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(stack)
            for b, name in enumerate(layers, start=1):
                dst.set_band_description(b, name)
            dst.update_tags(
                healthplan_bands=",".join(layers), healthplan_cell_m=str(grid.cell_m),
                units="persons per cell (pop, urban, pop60); minutes for *minutes bands",
                method=str(grid.provenance.get("method", "")), source=str(grid.provenance.get("source", "")),
                date=str(grid.provenance.get("date", "")),
                provenance=json.dumps(prov, ensure_ascii=False, default=str),
            )
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
