"""What if a hospital were built here: persons each candidate newly brings within 15/30/60 minutes, by county.

Nothing is rerun: each candidate's bounded search (``spatial.reach.candidate_reach``) is compared with
today's minutes per cell, so only people not within a threshold today count as new at that threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from numpy.typing import ArrayLike

from spatial import isochrones, traveltime
from spatial.network import Network
from spatial.reach import CandidateReach, SiteCells, candidate_reach
from spatial.settings import ISOCHRONES_MIN


@dataclass(frozen=True, eq=False)
class WhatIf:
    """Per-candidate and combined new coverage at several thresholds, and the same by county."""

    candidates: pd.DataFrame  # one row per candidate: candidate, name, new_population_<T>min …
    combined: pd.DataFrame  # one row per threshold: all candidates together
    by_county: pd.DataFrame  # candidate (−1 = all together), threshold_min, adcode, new_population
    reach: CandidateReach


def _tmin(t: float) -> str:
    """Column suffix for a threshold, e.g. 60 → '60min', 7.5 → '7.5min'."""
    return f"{t:g}min"


def what_if(
    net: Network,
    cells: SiteCells,
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    thresholds_min: Sequence[float] = ISOCHRONES_MIN,
    names: Sequence[str] | None = None,
) -> WhatIf:
    """Persons each candidate (lon/lat, WGS84) would newly bring within each threshold, alone and together.

    Parameters
    ----------
    net : Network
        The road network.
    cells : SiteCells
        Populated cells with today's minutes (``spatial.reach.site_cells``).
    lon, lat : array-like
        Candidate sites, WGS84 degrees.
    thresholds_min : sequence of float
        Thresholds (minutes) at which new coverage is counted; one bounded search per candidate runs to
        the largest.
    names : sequence of str, optional
        Candidate names for the tables.

    Returns
    -------
    WhatIf
        New persons per candidate (new_population_<T>min columns, with node, snap_m, access_min), all
        together per threshold, and by county; plus the candidates' reach.
    """
    lon = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    lat = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    names = [f"candidate {i + 1}" for i in range(lon.size)] if names is None else [str(n) for n in names]
    thresholds = sorted(float(t) for t in thresholds_min)
    s = traveltime.snap(net, lon, lat)
    reach = candidate_reach(net, cells, s.node, s.access_min, limit_min=max(thresholds))
    codes, county_idx = np.unique(cells.county, return_inverse=True)
    county_matrix = sp.csr_array(
        (np.ones(cells.n_cells), (county_idx.ravel(), np.arange(cells.n_cells))), shape=(codes.size, cells.n_cells)
    )
    per_cand: dict[str, Any] = {"candidate": np.arange(lon.size), "name": names}
    combined_rows, county_rows = [], []
    for t in thresholds:
        cover = reach.cover(t).astype(np.float64)
        open_w = cells.weight * ~(cells.current_min <= t)  # persons not within t minutes today
        per_cand[f"new_population_{_tmin(t)}"] = cover.T @ open_w
        hit = np.diff(sp.csr_array(cover).indptr) > 0
        combined_rows.append(
            {
                "threshold_min": t,
                "covered_population_before": float(cells.weight[cells.current_min <= t].sum()),
                "new_population": float(open_w[hit].sum()),
            }
        )
        by_c = (county_matrix @ cover.multiply(open_w[:, None])).toarray() if lon.size else np.zeros((codes.size, 0))
        together = np.bincount(county_idx.ravel(), weights=open_w * hit, minlength=codes.size)
        for j in range(-1, lon.size):  # per candidate (small loop over sites, not over pairs)
            values = together if j < 0 else by_c[:, j]
            nz = np.flatnonzero(values > 0)
            county_rows.append(
                pd.DataFrame({"candidate": j, "threshold_min": t, "adcode": codes[nz], "new_population": values[nz]})
            )
    cand = pd.DataFrame(per_cand)
    cand["node"], cand["snap_m"], cand["access_min"] = s.node, s.dist_m, s.access_min
    by_county = pd.concat(county_rows, ignore_index=True) if county_rows else pd.DataFrame()
    return WhatIf(cand, pd.DataFrame(combined_rows), by_county, reach)


def candidate_isochrones(
    net: Network,
    sites: gpd.GeoDataFrame,
    *,
    thresholds_min: Sequence[float] = ISOCHRONES_MIN,
    clip: shapely.Geometry | None = None,
) -> gpd.GeoDataFrame:
    """Each candidate's own nested isochrones (WGS84; facility = row of ``sites``), from its bounded search.

    Parameters
    ----------
    net : Network
        The road network.
    sites : geopandas.GeoDataFrame
        Candidate points (names from a ``name`` column).
    thresholds_min : sequence of float
        Thresholds, minutes.
    clip : shapely.Geometry, optional
        WGS84 area to clip to (e.g. the region outline).

    Returns
    -------
    geopandas.GeoDataFrame
        As ``spatial.isochrones.isochrones`` with ``per_facility=True, merged=False``.
    """
    names = [str(v) for v in sites["name"]] if "name" in sites.columns else None
    return isochrones.isochrones(net, sites, thresholds_min, per_facility=True, merged=False, names=names, clip=clip)
