"""A site study as tables: candidates checked, tested (what-if, ranked) or chosen (optimal siting).

The pipeline calls these two functions for every front end, so a site tested in the CLI gives the same
figures as in the app.  The arithmetic lives in ``spatial.whatif``, ``spatial.greedy`` and
``spatial.siting``; this module assembles their answers into one row per candidate, never dropping a
rejected one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial import candidates as cands
from spatial import greedy, siting, whatif
from spatial.errors import HealthplanError
from spatial.network import Network
from spatial.reach import SiteCells, candidate_reach, coverage_problem
from spatial.regions import Region
from spatial.settings import MAX_ROAD_M, SOLVER_TIME_LIMIT_S, Progress, no_progress


@dataclass(eq=False)
class SiteEvaluation:
    """Every candidate with its checks and what-if gains (persons), plus gains by county and all together."""

    sites: gpd.GeoDataFrame  # name, status, reason, first_failure, node, snap_m, access_min, new_population_<T>min,
    #                          alone_population, rank, gain_population (given the better-ranked), covered_population_after
    by_county: pd.DataFrame  # candidate (−1 = all together), name, threshold_min, adcode, county, new_population
    combined: pd.DataFrame  # threshold_min, covered_population_before, new_population (all ok sites together)
    threshold_min: float
    covered_before: float  # persons within threshold_min today
    covered_after: float  # … with every ok candidate built
    total: float  # persons in the region

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask of the candidates that passed the checks."""
        return (self.sites["status"] == "ok").to_numpy()


@dataclass(eq=False)
class SiteChoice:
    """The optimiser's pick: chosen sites in order with their marginal gains, and every candidate considered."""

    chosen: gpd.GeoDataFrame  # order, name, …, gain_population, covered_population_after, covered_share_after
    candidates: gpd.GeoDataFrame  # every candidate: status, reason, alone_population, chosen_order
    result: siting.SitingResult


def candidate_names(frame: pd.DataFrame) -> list[str]:
    """Candidate names; "candidate N" (1-based row) where a file gives none."""
    names = frame["name"] if "name" in frame else pd.Series([None] * len(frame))
    return [str(n) if n is not None and str(n) not in ("", "nan", "None") else f"candidate {i + 1}"
            for i, n in enumerate(names)]


def _checked(net: Network, candidates: gpd.GeoDataFrame, region: Region, max_road_m: float) -> gpd.GeoDataFrame:
    """Candidates checked (``spatial.candidates.check_candidates``), named and reindexed."""
    if len(candidates) == 0:
        raise HealthplanError("no candidate sites were given")
    checked = cands.check_candidates(net, candidates, region=region, max_road_m=max_road_m).reset_index(drop=True)
    checked["name"] = candidate_names(checked)
    return checked


def _check_threshold(threshold_min: float) -> None:
    """Reject a threshold that is not positive finite minutes."""
    if not (np.isfinite(threshold_min) and threshold_min > 0):
        raise HealthplanError(f"the threshold must be a positive number of minutes, got {threshold_min}")


def evaluate_sites(
    net: Network,
    cells: SiteCells,
    candidates: gpd.GeoDataFrame,
    *,
    region: Region,
    threshold_min: float,
    thresholds_min: Sequence[float] = (),
    max_road_m: float = MAX_ROAD_M,
) -> SiteEvaluation:
    """What if each candidate were built: new persons within each threshold, by county, ranked by marginal gain.

    Parameters
    ----------
    net, cells : Network, SiteCells
        The road network and the populated cells with today's minutes.
    candidates : geopandas.GeoDataFrame
        Candidate points (WGS84) with an optional ``name``.
    region : Region
        For the on-land and inside-region checks and the county names.
    threshold_min : float
        The threshold (minutes) whose marginal gains rank the candidates.
    thresholds_min : sequence of float
        Further thresholds at which each candidate's new coverage is reported.
    max_road_m : float
        Candidates farther than this (metres) from a road node are rejected.
    """
    _check_threshold(threshold_min)
    levels = tuple(sorted({float(t) for t in thresholds_min} | {float(threshold_min)}))
    sites = _checked(net, candidates, region, max_road_m)
    ok = np.flatnonzero((sites["status"] == "ok").to_numpy())
    for col in [f"new_population_{t:g}min" for t in levels]:
        sites[col] = np.where((sites["status"] == "ok").to_numpy(), 0.0, np.nan)
    for col in ("alone_population", "rank", "gain_population", "covered_population_after"):
        sites[col] = np.nan
    covered_before = float(cells.weight[cells.current_min <= threshold_min].sum())
    covered_after = covered_before
    by_county = pd.DataFrame(columns=["candidate", "name", "threshold_min", "adcode", "county", "new_population"])
    combined = pd.DataFrame(columns=["threshold_min", "covered_population_before", "new_population"])
    if ok.size:
        sub = sites.iloc[ok]
        names = sub["name"].tolist()
        w = whatif.what_if(net, cells, sub.geometry.x.to_numpy(), sub.geometry.y.to_numpy(),
                           thresholds_min=levels, names=names)
        for t in levels:
            sites.loc[ok, f"new_population_{t:g}min"] = w.candidates[f"new_population_{t:g}min"].to_numpy()
        # rank by marginal gain at the main threshold, overlap counted once
        problem = coverage_problem(cells, w.reach, threshold_min=threshold_min, names=names)
        ranked = greedy.rank_candidates(problem)
        rows = ok[ranked["candidate"].to_numpy()]
        for col in ("alone_population", "rank", "gain_population", "covered_population_after"):
            sites.loc[rows, col] = ranked[col].to_numpy()
        covered_after = float(ranked["covered_population_after"].iloc[-1])
        by_county = w.by_county.copy()
        by_county.insert(1, "name", [None if j < 0 else names[j] for j in by_county["candidate"]])
        county_names = region.counties.set_index("adcode")["name_zh"]
        by_county.insert(4, "county", by_county["adcode"].map(county_names).to_numpy())
        combined = w.combined
    sites["rank"] = sites["rank"].astype("Int64")
    return SiteEvaluation(sites, by_county, combined, float(threshold_min), covered_before, covered_after,
                          float(cells.weight.sum()))


def choose_sites(
    net: Network,
    cells: SiteCells,
    candidates: gpd.GeoDataFrame,
    *,
    region: Region,
    threshold_min: float,
    k: int | None = None,
    target_share: float | None = None,
    method: str = "greedy",
    max_road_m: float = MAX_ROAD_M,
    time_limit_s: float = SOLVER_TIME_LIMIT_S,
    progress: Progress = no_progress,
) -> SiteChoice:
    """The k candidates covering most new people, or the fewest reaching ``target_share`` (existing facilities kept).

    Parameters
    ----------
    k : int, optional
        Number of new sites (maximal covering).  Give exactly one of ``k`` and ``target_share``.
    target_share : float, optional
        Share (0–1] of the whole population to cover with the fewest new sites (set covering).
    method : {"greedy", "exact"}
        Greedy with interchange, or the HiGHS MILP (``time_limit_s`` seconds; see ``spatial.siting``).
    """
    if (k is None) == (target_share is None):
        raise HealthplanError("give exactly one of k (number of new sites) or a target coverage share")
    if method not in siting.METHODS:
        raise HealthplanError(f"the method must be one of {', '.join(siting.METHODS)}, got {method!r}")
    _check_threshold(threshold_min)
    if k is not None and (isinstance(k, bool) or int(k) != k or k < 1):
        raise HealthplanError(f"k must be a whole number ≥ 1 of new sites, got {k!r}")
    if not (np.isfinite(time_limit_s) and time_limit_s > 0):
        raise HealthplanError(f"the solver time limit must be a positive number of seconds, got {time_limit_s}")
    checked = _checked(net, candidates, region, max_road_m)
    ok = np.flatnonzero((checked["status"] == "ok").to_numpy())
    if ok.size == 0:
        raise HealthplanError(
            f"none of the {len(checked)} candidates passed the checks (on land, inside the region, within "
            f"{max_road_m:,.0f} m of a road node); add candidate sites or see their reasons with 'sites test'"
        )
    sub = checked.iloc[ok].reset_index(drop=True)
    reach = candidate_reach(net, cells, sub["node"].to_numpy(), sub["access_min"].to_numpy(),
                            limit_min=threshold_min, progress=progress)
    problem = coverage_problem(cells, reach, threshold_min=threshold_min, names=sub["name"].tolist())
    if k is not None:
        result = siting.maximal_covering(problem, min(int(k), problem.n_candidates), method=method,
                                         time_limit_s=time_limit_s)
    else:
        assert target_share is not None  # exactly one of k and target_share (checked above)
        result = siting.set_covering(problem, float(target_share), method=method, time_limit_s=time_limit_s)
    alone = problem.gains()
    chosen = sub.iloc[result.chosen].copy()
    chosen.insert(0, "order", np.arange(1, result.chosen.size + 1))
    chosen["gain_population"] = result.gain_population
    chosen["covered_population_after"] = result.covered_before + np.cumsum(result.gain_population)
    chosen["covered_share_after"] = chosen["covered_population_after"] / result.total_population
    chosen["alone_population"] = alone[result.chosen]
    checked["alone_population"] = np.nan
    checked.loc[ok, "alone_population"] = alone
    checked["chosen_order"] = np.nan
    checked.loc[ok[result.chosen], "chosen_order"] = np.arange(1, result.chosen.size + 1)
    return SiteChoice(gpd.GeoDataFrame(chosen.reset_index(drop=True), geometry="geometry", crs="EPSG:4326"),
                      checked, result)
