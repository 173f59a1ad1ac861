"""Places × facilities travel-time matrix: one bounded search per facility, mapped to places through their leg.

The capacity, floating-catchment and scaling-up analyses all start from the same matrix: minutes from
each place (a population cell centre, a primary-care point) TO each facility, stored only where they
are ≤ a limit.  Each facility gets one bounded search on the reversed graph
(``traveltime.reach_many``, the facility's own access leg as its offset); a place then adds its own
access leg at its snapped node.  Facilities are never searched per place, and places never searched
at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike

from spatial import traveltime
from spatial.errors import HealthplanError
from spatial.network import Network
from spatial.population import PopulationGrid


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Minutes from each place to each facility (place leg + network + facility leg), kept only ≤ ``limit_min``.

    ``minutes`` is a CSR (places × facilities) float64 matrix.  Stored zeros are real (a place on the
    facility's own node): test the sparsity pattern, never ``value != 0``.
    """

    minutes: sp.csr_matrix
    limit_min: float

    @property
    def n_places(self) -> int:
        """Number of places (rows)."""
        return int(self.minutes.shape[0])

    @property
    def n_facilities(self) -> int:
        """Number of facilities (columns)."""
        return int(self.minutes.shape[1])

    def within(self, threshold_min: float) -> sp.csr_matrix:
        """The entries ≤ ``threshold_min`` (minutes; at most ``limit_min``), same shape, stored zeros kept."""
        if not threshold_min <= self.limit_min + 1e-9:
            raise HealthplanError(
                f"threshold {threshold_min:g} min exceeds the {self.limit_min:g} min the facility searches ran to; "
                "build the travel matrix with a larger limit_min"
            )
        m = self.minutes
        if threshold_min >= self.limit_min:
            return m
        return _keep(m, m.data <= threshold_min)

    def to_frame(self, threshold_min: float | None = None) -> pd.DataFrame:
        """Long form: one row per (place, facility) pair within the threshold — ``origin``, ``dest``, ``minutes``.

        This is the ``cost_df`` layout PySAL ``access`` takes (origin = place, dest = facility).
        """
        m = self.minutes if threshold_min is None else self.within(threshold_min)
        origin = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
        return pd.DataFrame({"origin": origin, "dest": m.indices.astype(np.int64), "minutes": m.data})


def _keep(m: sp.csr_matrix, keep: np.ndarray) -> sp.csr_matrix:
    """The stored entries of ``m`` where ``keep`` is true (explicit zeros survive), same shape."""
    row = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    indptr = np.zeros(m.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(row[keep], minlength=m.shape[0]), out=indptr[1:])
    return sp.csr_matrix((m.data[keep], m.indices[keep], indptr), shape=m.shape)


def place_facility_minutes(
    net: Network,
    places: traveltime.Snap,
    facility_node: ArrayLike,
    facility_access_min: ArrayLike,
    *,
    limit_min: float,
) -> TravelMatrix:
    """Minutes from snapped places to facilities, within ``limit_min``: one bounded search per facility.

    Parameters
    ----------
    net : Network
        The road network.
    places : traveltime.Snap
        Places snapped once (node and access leg in minutes), e.g. ``traveltime.snap(net, grid.lon, grid.lat)``.
    facility_node, facility_access_min : array-like
        Each facility's snapped node and its own access leg (minutes).
    limit_min : float
        Largest minutes kept (place leg + network + facility leg); a finite limit bounds each search.

    Returns
    -------
    TravelMatrix
        (places × facilities) CSR of minutes ≤ ``limit_min``.
    """
    node = np.atleast_1d(np.asarray(facility_node)).astype(np.int32)
    leg = np.atleast_1d(np.asarray(facility_access_min, dtype=np.float64))
    if node.shape != leg.shape:
        raise HealthplanError(f"{node.size} facility nodes but {leg.size} facility access legs")
    limit = float(limit_min)
    if not limit >= 0.0:
        raise HealthplanError(f"limit_min {limit_min} must be ≥ 0 minutes")
    n_places = int(places.node.shape[0])
    if node.size == 0:
        return TravelMatrix(sp.csr_matrix((n_places, 0)), limit)
    per_node = traveltime.reach_many(net, node, limit, offsets=leg)  # nodes × facilities, facility leg included
    per_place = per_node[np.asarray(places.node)]  # fancy row indexing keeps the stored zeros
    counts = np.diff(per_place.indptr)
    minutes = per_place.data + np.repeat(np.asarray(places.access_min, dtype=np.float64), counts)
    kept = sp.csr_matrix((minutes, per_place.indices, per_place.indptr), shape=per_place.shape)
    return TravelMatrix(_keep(kept, minutes <= limit), limit)


def cell_facility_minutes(
    net: Network,
    grid: PopulationGrid,
    facilities: gpd.GeoDataFrame | gpd.GeoSeries | tuple[ArrayLike, ArrayLike],
    *,
    limit_min: float,
    access: traveltime.Snap | None = None,
) -> TravelMatrix:
    """Minutes from each populated cell centre to each facility (WGS84 points), within ``limit_min``.

    ``facilities`` is a point GeoDataFrame/GeoSeries or a (lon, lat) pair in WGS84 degrees;
    ``access`` the cells snapped once (``traveltime.snap(net, grid.lon, grid.lat)``), computed when omitted.
    """
    access = access if access is not None else traveltime.snap(net, grid.lon, grid.lat)
    lon, lat = traveltime.point_lonlat(facilities)
    if lon.size == 0:
        return TravelMatrix(sp.csr_matrix((grid.n_cells, 0)), float(limit_min))
    fac = traveltime.snap(net, lon, lat)
    return place_facility_minutes(net, access, fac.node, fac.access_min, limit_min=limit_min)
