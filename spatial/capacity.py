"""Capacity-aware geographic coverage (WHO AccessMod's "geographic coverage analysis" with capacity).

Each facility can serve a stated number of persons (its *capacity*; :func:`capacity_persons` derives it
from beds or doctors × a persons-per-unit ratio the user states).  Facilities are processed one after
another; each takes the population still unserved, in increasing order of travel time, until its
capacity is used up or the threshold is reached; what it takes is removed before the next facility
(AccessMod manual, Appendix 4 "Calculation details — Geographic coverage analysis", and its
``amCapacityAnalysis`` / ``amCatchmentAnalyst`` code).  Rules, all deterministic:

* **Facility order** (``order=``): ``"demand"`` (default) — most persons within the threshold first
  (AccessMod's "population in the catchment" order, descending, counted on the full population);
  ``"capacity"`` — largest capacity first; ``"given"`` — the order of the input rows; or an array of
  values (e.g. a priority column), processed in ``ascending`` or descending order.  Ties keep the
  input order (stable sort on the row index).
* **Order within a facility**: travel-time zones of ``band_min`` minutes, zone = ⌈minutes / band_min⌉
  (AccessMod counts whole minutes rounded up: ``band_min=1``, the default); ``band_min=0`` makes each
  distinct travel time its own zone.  Zones are taken nearest first, each whole while the capacity
  allows.
* **Tie rule / the partial last zone**: the first zone that does not fit entirely is served in
  proportion — every cell in it gives up the same share (capacity left ÷ unserved persons in the
  zone) of its unserved persons, as AccessMod's "outer ring" does.  Cells at the same travel time are
  therefore never ranked against each other.

Result, per cell (persons): ``served`` + ``over_capacity`` (within the threshold of some facility
but left unserved because the facilities in reach were full) + ``beyond_reach`` (within the
threshold of none) = ``population``, cell by cell.  A cell split between facilities (a partial zone)
names the facility that served most of it (ties: the earlier one in the processing order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import scipy.sparse as sp
import shapely
from rasterio.transform import Affine
from numpy.typing import ArrayLike

from spatial import traveltime
from spatial.errors import HealthplanError
from spatial.network import Network
from spatial.odmatrix import TravelMatrix, cell_facility_minutes
from spatial.population import PopulationGrid
from spatial.settings import TERTIARY_THRESHOLD_MIN

#: Processing orders understood by ``order=`` (besides an array of values).
ORDERS: tuple[str, ...] = ("demand", "capacity", "given")

#: AccessMod counts travel time in whole minutes (rounded up); the default zone width.
BAND_MIN: float = 1.0


# --------------------------------------------------------------------------------------------------
# Capacities


def capacity_persons(units: ArrayLike, persons_per_unit: float, *, what: str = "beds") -> np.ndarray:
    """Persons each facility can serve: ``units`` (beds, doctors …) × ``persons_per_unit``.

    Parameters
    ----------
    units : array-like
        Resource count per facility (≥ 0; NaN is refused — give every facility a value).
    persons_per_unit : float
        Persons one unit serves, a ratio the user states (> 0), e.g. 1000 / 6.5 ≈ 154 persons per bed
        for the Hainan 14th plan's 6.5 beds per 1,000 residents.
    what : str
        Name of the resource, for messages.

    Returns
    -------
    numpy.ndarray
        float64 persons per facility.
    """
    u = np.atleast_1d(np.asarray(units, dtype=np.float64))
    if not (np.isfinite(persons_per_unit) and persons_per_unit > 0):
        raise HealthplanError(f"persons per {what} unit must be a positive number, got {persons_per_unit!r}")
    bad = ~(np.isfinite(u) & (u >= 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise HealthplanError(
            f"facility {i + 1} (1-based) has {what} = {u[i]!r}; give every facility a count ≥ 0 "
            f"(or state its capacity in persons directly)"
        )
    return u * float(persons_per_unit)


# --------------------------------------------------------------------------------------------------
# Result


@dataclass(frozen=True, eq=False)
class CapacityCoverage:
    """Who is served, by which facility, who is within reach but over capacity, who is beyond reach."""

    population: np.ndarray  # float64 (k,) persons per cell
    served: np.ndarray  # float64 (k,) persons served
    over_capacity: np.ndarray  # float64 (k,) within the threshold of a facility, not served (facilities full)
    beyond_reach: np.ndarray  # float64 (k,) within the threshold of no facility
    facility: np.ndarray  # int64 (k,) facility that served most of the cell, −1 if none
    allocation: sp.csr_matrix  # (k × m) persons of cell i served by facility j
    minutes: sp.csr_matrix  # (k × m) minutes cell → facility within the threshold (stored zeros real)
    capacity: np.ndarray  # float64 (m,) persons each facility can serve
    order: np.ndarray  # int64 (m,) facility indices in processing order
    demand: np.ndarray  # float64 (m,) persons within the threshold of the facility (whole population)
    residual_demand: np.ndarray  # float64 (m,) of them still unserved when the facility's turn came
    threshold_min: float
    band_min: float
    county: np.ndarray | None = None  # int64 (k,) county adcode of each cell
    names: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return int(self.population.shape[0])

    @property
    def n_facilities(self) -> int:
        """Number of facilities."""
        return int(self.capacity.shape[0])

    @property
    def facility_served(self) -> np.ndarray:
        """Persons each facility served (float64, m)."""
        return np.asarray(self.allocation.sum(axis=0)).ravel()

    def cells(self) -> pd.DataFrame:
        """One row per cell: adcode, population, served, over_capacity, beyond_reach, facility (−1 none), name, minutes."""
        fac = self.facility
        m = self.minutes.tocsr()
        # minutes to the main facility: look the (cell, facility) entry up in the sorted CSR
        mins = np.full(self.n_cells, np.nan)
        has = np.flatnonzero(fac >= 0)
        if has.size:
            mins[has] = _lookup(m, has, fac[has])
        frame = pd.DataFrame(
            {
                "cell": np.arange(self.n_cells, dtype=np.int64),
                "population": self.population,
                "served": self.served,
                "over_capacity": self.over_capacity,
                "beyond_reach": self.beyond_reach,
                "facility": fac,
                "minutes": mins,
            }
        )
        if self.county is not None:
            frame.insert(1, "adcode", np.asarray(self.county, dtype=np.int64))
        if self.names:
            names = np.asarray(self.names, dtype=object)
            frame.insert(list(frame.columns).index("facility") + 1, "facility_name", np.where(fac >= 0, names[fac], None))
        return frame

    def counties(self, counties: pd.DataFrame | None = None) -> pd.DataFrame:
        """Per county (adcode): population, served, over_capacity, beyond_reach and their shares (0–1).

        ``counties`` (adcode, name_zh, name_en …, e.g. ``Region.counties``) adds the names.
        """
        if self.county is None:
            raise HealthplanError("this capacity result has no county per cell; pass county= to allocate()")
        codes, inv = np.unique(np.asarray(self.county, dtype=np.int64), return_inverse=True)
        inv = inv.ravel()
        sums = {
            col: np.bincount(inv, weights=getattr(self, col), minlength=codes.size)
            for col in ("population", "served", "over_capacity", "beyond_reach")
        }
        frame = pd.DataFrame({"adcode": codes, **sums})
        pop = frame["population"].to_numpy()
        for col in ("served", "over_capacity", "beyond_reach"):
            frame[f"{col}_share"] = np.divide(frame[col].to_numpy(), pop, out=np.zeros(codes.size), where=pop > 0)
        if counties is not None:
            names = pd.DataFrame(counties).drop(columns="geometry", errors="ignore")
            keep = [c for c in ("adcode", "name_zh", "name_en") if c in names.columns]
            names = names[keep].assign(adcode=names["adcode"].astype("int64"))
            frame = names.merge(frame, on="adcode", how="right")
        return frame

    def facilities(self) -> pd.DataFrame:
        """Per facility: order, capacity, demand within the threshold, served, capacity left, load factor …

        ``load_factor`` = persons within the threshold (whole population) ÷ capacity (> 1: more people
        in reach than the facility can serve); ``utilisation`` = served ÷ capacity (0–1);
        ``catchment_min`` = the farthest minutes of a cell it served (AccessMod's catchment time).
        """
        m = self.n_facilities
        served = self.facility_served
        rank = np.empty(m, dtype=np.int64)
        rank[self.order] = np.arange(1, m + 1)
        alloc = self.allocation.tocsc()
        n_cells = np.diff(alloc.indptr)
        # farthest minutes among the cells each facility served (allocation and minutes share the pattern)
        catch = np.full(m, np.nan)
        mins = _pattern_values(self.minutes.tocsc(), alloc)
        if alloc.nnz:
            col = np.repeat(np.arange(m), n_cells)
            np.fmax.at(catch, col, mins)
        cap = self.capacity
        frame = pd.DataFrame(
            {
                "facility": np.arange(m, dtype=np.int64),
                "order": rank,
                "capacity": cap,
                "demand_population": self.demand,
                "residual_demand": self.residual_demand,
                "served": served,
                "capacity_left": np.maximum(cap - served, 0.0),
                "load_factor": np.divide(self.demand, cap, out=np.full(m, np.inf), where=cap > 0),
                "utilisation": np.divide(served, cap, out=np.zeros(m), where=cap > 0),
                "cells_served": n_cells.astype(np.int64),
                "catchment_min": catch,
            }
        )
        if self.names:
            frame.insert(1, "name", list(self.names))
        return frame

    def summary(self) -> dict[str, Any]:
        """JSON-ready totals (persons and shares) and the rules used."""
        total = float(self.population.sum())
        served, over, beyond = (float(a.sum()) for a in (self.served, self.over_capacity, self.beyond_reach))
        return {
            "threshold_min": self.threshold_min,
            "band_min": self.band_min,
            "n_facilities": self.n_facilities,
            "capacity_total": round(float(self.capacity.sum()), 1),
            "population_total": round(total, 1),
            "served": round(served, 1),
            "over_capacity": round(over, 1),
            "beyond_reach": round(beyond, 1),
            "served_share": round(served / total, 6) if total else 0.0,
            "over_capacity_share": round(over / total, 6) if total else 0.0,
            "beyond_reach_share": round(beyond / total, 6) if total else 0.0,
            **self.extra,
        }


def _lookup(m: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Values of the stored entries (rows[i], cols[i]) of a CSR matrix (each must be stored)."""
    m = m.copy()
    m.sort_indices()
    out = np.empty(rows.size)
    starts, ends = m.indptr[rows], m.indptr[rows + 1]
    # global position = row start + position of the column within the row's sorted indices
    keys = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr)) * m.shape[1] + m.indices
    pos = np.searchsorted(keys, rows.astype(np.int64) * m.shape[1] + cols)
    ok = (pos >= starts) & (pos < ends)
    out[ok] = m.data[pos[ok]]
    out[~ok] = np.nan
    return out


def _pattern_values(values: sp.csc_matrix, pattern: sp.csc_matrix) -> np.ndarray:
    """Entries of ``values`` at the stored positions of ``pattern`` (CSC, column-major order)."""
    col = np.repeat(np.arange(pattern.shape[1]), np.diff(pattern.indptr))
    return _lookup(values.T.tocsr(), col, pattern.indices)


# --------------------------------------------------------------------------------------------------
# The allocation


def facility_order(
    order: str | ArrayLike, *, demand: np.ndarray, capacity: np.ndarray, ascending: bool = False
) -> np.ndarray:
    """Facility indices in processing order (stable: ties keep the input order).

    Parameters
    ----------
    order : str or array-like
        "demand" (persons within the threshold, most first), "capacity" (largest first), "given" (input
        order) or an array of one value per facility, sorted ``ascending`` or descending.
    demand : numpy.ndarray
        Persons within the threshold of each facility.
    capacity : numpy.ndarray
        Persons each facility can serve.
    ascending : bool
        Sort an array ``order`` ascending (True) or descending (False).

    Returns
    -------
    numpy.ndarray
        int64 facility indices in processing order.
    """
    m = capacity.shape[0]
    if isinstance(order, str):
        if order not in ORDERS:
            raise HealthplanError(f"unknown facility order {order!r}: use one of {', '.join(ORDERS)} or a column of values")
        if order == "given":
            return np.arange(m, dtype=np.int64)
        key = demand if order == "demand" else capacity
        return np.argsort(-key, kind="stable").astype(np.int64)
    values = np.asarray(order, dtype=np.float64).ravel()
    if values.shape != (m,) or not np.all(np.isfinite(values)):
        raise HealthplanError(f"the facility order needs one finite value per facility ({m}), got {values.size}")
    return np.argsort(values if ascending else -values, kind="stable").astype(np.int64)


def _zones(minutes: np.ndarray, band_min: float) -> np.ndarray:
    """Zone key of each travel time: ⌈minutes / band_min⌉ (float), or the minutes themselves for band 0."""
    return np.ceil(minutes / band_min) if band_min > 0 else minutes


def allocate(
    matrix: TravelMatrix | sp.spmatrix | sp.sparray,
    population: ArrayLike,
    capacity: ArrayLike,
    *,
    threshold_min: float = TERTIARY_THRESHOLD_MIN,
    order: str | ArrayLike = "demand",
    ascending: bool = False,
    band_min: float = BAND_MIN,
    county: ArrayLike | None = None,
    names: Sequence[str] = (),
) -> CapacityCoverage:
    """Capacity-aware coverage on a cells × facilities travel-time matrix (rules in the module docstring).

    Parameters
    ----------
    matrix : TravelMatrix or sparse matrix
        Minutes from each cell to each facility (stored entries only; stored zeros real).
    population : array-like
        Persons per cell (float, ≥ 0).
    capacity : array-like
        Persons each facility can serve (≥ 0; ``inf`` = unlimited, plain coverage).
    threshold_min : float
        Travel-time threshold in minutes: a facility serves only cells within it.
    order, ascending : see :func:`facility_order`.
    band_min : float
        Width of the travel-time zones in minutes (1 = AccessMod's whole minutes; 0 = exact times).
    county : array-like, optional
        County adcode of each cell, for :meth:`CapacityCoverage.counties`.
    names : sequence of str, optional
        Facility names, for the tables.

    Returns
    -------
    CapacityCoverage
    """
    minutes = matrix.within(threshold_min) if isinstance(matrix, TravelMatrix) else _within(matrix, threshold_min)
    pop = np.asarray(population, dtype=np.float64).ravel()
    cap = np.atleast_1d(np.asarray(capacity, dtype=np.float64)).ravel()
    k, m = minutes.shape
    _check_inputs(pop, cap, k, m, band_min, names)
    cols = minutes.tocsc()
    cols.sort_indices()
    # Demand within the threshold (whole population): the "demand" order and the load factor.
    reach_pop = np.bincount(np.repeat(np.arange(m), np.diff(cols.indptr)), weights=pop[cols.indices], minlength=m)
    sequence = facility_order(order, demand=reach_pop, capacity=cap, ascending=ascending)
    residual = pop.copy()
    residual_demand = np.zeros(m)
    alloc_data = np.zeros(cols.nnz)  # persons, in the CSC layout of ``cols``
    for j in sequence:  # facilities one after another: each depends on what the earlier ones took
        lo, hi = int(cols.indptr[j]), int(cols.indptr[j + 1])
        if hi == lo:
            continue
        rows, t = cols.indices[lo:hi], cols.data[lo:hi]
        residual_demand[j] = float(residual[rows].sum())
        take = _take(residual[rows], _zones(t, band_min), rows, cap[j])
        alloc_data[lo:hi] = take
        # a whole zone takes r·1.0 = r: the residual drops to exactly 0
        residual[rows] -= take
    alloc = sp.csc_matrix((alloc_data, cols.indices, cols.indptr), shape=(k, m)).tocsr()
    alloc.eliminate_zeros()  # a cell in reach that got nobody served is not in the catchment
    reached = np.diff(minutes.tocsr().indptr) > 0
    unserved = np.maximum(residual, 0.0)
    served = pop - unserved
    return CapacityCoverage(
        population=pop,
        served=served,
        over_capacity=np.where(reached, unserved, 0.0),
        beyond_reach=np.where(reached, 0.0, unserved),
        facility=_main_facility(alloc, sequence),
        allocation=alloc,
        minutes=minutes.tocsr(),
        capacity=cap,
        order=sequence,
        demand=reach_pop,
        residual_demand=residual_demand,
        threshold_min=float(threshold_min),
        band_min=float(band_min),
        county=None if county is None else np.asarray(county, dtype=np.int64).ravel(),
        names=tuple(str(n) for n in names),
    )


def _within(m: sp.spmatrix | sp.sparray, threshold_min: float) -> sp.csr_matrix:
    """Entries ≤ threshold of any sparse matrix as CSR (stored zeros kept)."""
    csr = sp.csr_matrix(m)  # type: ignore[call-overload]  # scipy-stubs: csr_matrix() takes _spbase, not the public spmatrix/sparray
    return TravelMatrix(csr, float(np.inf)).within(threshold_min)


def _check_inputs(pop: np.ndarray, cap: np.ndarray, k: int, m: int, band_min: float, names: Sequence[str]) -> None:
    """Validate shapes and values at the boundary (one sentence each)."""
    if pop.shape != (k,):
        raise HealthplanError(f"{pop.size} cell populations for a travel matrix of {k} cells")
    if cap.shape != (m,):
        raise HealthplanError(f"{cap.size} capacities for {m} facilities; give one capacity (persons) per facility")
    if not np.all(np.isfinite(pop) & (pop >= 0)):
        raise HealthplanError("cell populations must be finite and ≥ 0 persons")
    if np.any(np.isnan(cap) | (cap < 0)):
        i = int(np.flatnonzero(np.isnan(cap) | (cap < 0))[0])
        raise HealthplanError(f"facility {i + 1} (1-based) has capacity {cap[i]!r}; capacities are persons ≥ 0")
    if not (np.isfinite(band_min) and band_min >= 0):
        raise HealthplanError(f"band_min {band_min!r} must be ≥ 0 minutes (1 = whole minutes, 0 = exact times)")
    if names and len(names) != m:
        raise HealthplanError(f"{len(names)} facility names for {m} facilities")


def _take(residual: np.ndarray, zone: np.ndarray, rows: np.ndarray, capacity: float) -> np.ndarray:
    """Persons one facility takes from each of its cells: whole zones nearest first, the last one in proportion."""
    srt = np.lexsort((rows, zone))  # zone, then cell index (only for a reproducible summation order)
    r, z = residual[srt], zone[srt]
    starts = np.flatnonzero(np.r_[True, z[1:] != z[:-1]])
    zone_pop = np.add.reduceat(r, starts)
    before = np.concatenate([[0.0], np.cumsum(zone_pop)])  # persons in the zones nearer than each
    share = np.zeros(starts.size)
    if np.isinf(capacity):
        share[:] = 1.0
    else:
        full = before[1:] <= capacity
        share[full] = 1.0
        first_short = np.flatnonzero(~full)
        if first_short.size:
            f = int(first_short[0])
            if zone_pop[f] > 0:
                share[f] = (capacity - before[f]) / zone_pop[f]
            # (zones after the first that does not fit get nothing)
    per_cell = np.repeat(share, np.diff(np.r_[starts, r.size]))
    out = np.empty_like(residual)
    out[srt] = np.where(per_cell >= 1.0, r, r * per_cell)
    return out


def _main_facility(alloc: sp.csr_matrix, sequence: np.ndarray) -> np.ndarray:
    """Per cell, the facility that served most of it (ties: earlier in ``sequence``), −1 if none."""
    k = alloc.shape[0]
    out = np.full(k, -1, dtype=np.int64)
    a = alloc.tocoo()
    keep = a.data > 0
    row, col, val = a.row[keep], a.col[keep], a.data[keep]
    if row.size == 0:
        return out
    rank = np.empty(sequence.size, dtype=np.int64)
    rank[sequence] = np.arange(sequence.size)
    srt = np.lexsort((rank[col], -val, row))
    first = np.r_[True, row[srt][1:] != row[srt][:-1]]
    out[row[srt][first]] = col[srt][first]
    return out


# --------------------------------------------------------------------------------------------------
# From the road network, and catchments as polygons


def capacity_coverage(
    net: Network,
    grid: PopulationGrid,
    facilities: gpd.GeoDataFrame,
    capacity: ArrayLike,
    *,
    threshold_min: float = TERTIARY_THRESHOLD_MIN,
    order: str | ArrayLike = "demand",
    ascending: bool = False,
    band_min: float = BAND_MIN,
    weight: str = "pop",
    access: traveltime.Snap | None = None,
    matrix: TravelMatrix | None = None,
) -> CapacityCoverage:
    """Capacity-aware coverage of ``grid`` by ``facilities`` (WGS84 points) on ``net`` (see :func:`allocate`).

    One bounded search per facility builds the cells × facilities minutes (``odmatrix``).

    Parameters
    ----------
    net : Network
        The road network.
    grid : PopulationGrid
        The populated cells.
    facilities : geopandas.GeoDataFrame
        Facility points (names from a ``name`` column when present).
    capacity : array-like
        Persons each facility can serve (≥ 0; ``inf`` = unlimited).
    threshold_min : float
        A facility serves only cells within this many minutes.
    order, ascending : see :func:`facility_order`.
    band_min : float
        Width of the travel-time zones, minutes (0 = exact times).
    weight : str
        The population column to serve: pop, urban, rural or pop60.
    access : traveltime.Snap, optional
        The cells' snap, when already computed.
    matrix : TravelMatrix, optional
        A cells × facilities matrix built with a limit ≥ ``threshold_min``, to reuse.

    Returns
    -------
    CapacityCoverage
    """
    if weight not in ("pop", "urban", "rural", "pop60"):
        raise HealthplanError(f"unknown population weight {weight!r}: use pop, urban, rural or pop60")
    if matrix is None:
        matrix = cell_facility_minutes(net, grid, facilities, limit_min=threshold_min, access=access)
    names = [str(n) for n in facilities["name"]] if "name" in getattr(facilities, "columns", ()) else ()
    return allocate(
        matrix,
        getattr(grid, weight),
        capacity,
        threshold_min=threshold_min,
        order=order,
        ascending=ascending,
        band_min=band_min,
        county=grid.county,
        names=names,
    )


def catchment_polygons(grid: PopulationGrid, result: CapacityCoverage, *, main_only: bool = False) -> gpd.GeoDataFrame:
    """Each facility's catchment — the cells it served — traced into polygons (WGS84) with its table row.

    Parameters
    ----------
    grid : PopulationGrid
        The grid the coverage was computed on.
    result : CapacityCoverage
        The allocation.
    main_only : bool
        Count a cell only for the facility that served most of it, so catchments do not overlap (a map
        of "who serves here"); otherwise a cell split in a partial zone belongs to the catchment of every
        facility that served part of it.

    Returns
    -------
    geopandas.GeoDataFrame
        :meth:`CapacityCoverage.facilities` rows with their catchment polygons (None when a facility
        served nobody); EPSG:4326.
    """
    table = result.facilities()
    alloc = result.allocation.tocsc()
    rows_all, cols_all = np.asarray(grid.row), np.asarray(grid.col)
    transform0 = Affine(*grid.transform)
    geoms = []
    for j in range(result.n_facilities):  # one small raster per facility (a loop over facilities, not cells)
        cells: np.ndarray
        if main_only:
            cells = np.flatnonzero(result.facility == j)
        else:
            lo, hi = alloc.indptr[j], alloc.indptr[j + 1]
            cells = alloc.indices[lo:hi][alloc.data[lo:hi] > 0]
        geoms.append(_trace(rows_all[cells], cols_all[cells], transform0))
    # types-geopandas: a geometry list may hold None (a facility that served nobody has no catchment)
    frame = gpd.GeoDataFrame(table, geometry=geoms, crs=grid.metric_crs)  # type: ignore[arg-type]
    return frame.to_crs("EPSG:4326")


def _trace(rows: np.ndarray, cols: np.ndarray, transform: Affine) -> shapely.Geometry | None:
    """Union of the grid cells (raster row/col) as one (multi)polygon in the grid's CRS; None when empty."""
    if rows.size == 0:
        return None
    r0, c0 = int(rows.min()), int(cols.min())
    raster = np.zeros((int(rows.max()) - r0 + 1, int(cols.max()) - c0 + 1), dtype=np.uint8)
    raster[rows - r0, cols - c0] = 1
    sub = transform @ Affine.translation(c0, r0)
    parts = [shapely.geometry.shape(g) for g, _ in rasterio.features.shapes(raster, mask=raster > 0, transform=sub, connectivity=4)]
    return shapely.union_all(parts)
