"""A site study as tables: candidates checked, tested (what-if, ranked) or chosen (optimal siting).

The CLI (`healthplan sites`) and the app's scenarios both call these two functions, so a site tested
in one gives the same figures in the other.  The arithmetic lives in ``spatial.siting``; this module
only assembles its answers into one row per candidate, never dropping a rejected one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial import siting
from spatial.errors import HealthplanError
from spatial.network import Network
from spatial.settings import MAX_ROAD_M


@dataclass(eq=False)
class SiteEvaluation:
    """Every candidate with its checks and what-if gains (persons), plus gains by county and all together."""

    sites: gpd.GeoDataFrame  # name, status, reason, node, snap_m, access_min, new_population_<T>min, alone_population,
    #                          rank, gain_population (given the better-ranked sites), covered_population_after
    by_county: pd.DataFrame  # candidate (-1 = all together), name, threshold_min, adcode, county, new_population
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

    chosen: gpd.GeoDataFrame  # order, name, …, gain_population, covered_population_after, covered_share_after, alone_population
    candidates: gpd.GeoDataFrame  # every candidate: status, reason, alone_population, chosen_order
    result: siting.SitingResult


def candidate_names(frame: pd.DataFrame) -> list[str]:
    """Candidate names, "candidate N" (1-based row) where a file gives none."""
    names = frame["name"] if "name" in frame else pd.Series([None] * len(frame))
    return [
        str(n) if n is not None and str(n) not in ("", "nan", "None") else f"candidate {i + 1}"
        for i, n in enumerate(names)
    ]


def _checked(net: Network, candidates: gpd.GeoDataFrame, region: Any, max_road_m: float) -> gpd.GeoDataFrame:
    """Candidates with node, snap_m, access_min, status and reason (siting.check_candidates), named, reindexed."""
    if len(candidates) == 0:
        raise HealthplanError("no candidate sites were given")
    checked = siting.check_candidates(net, candidates, region=region, max_road_m=max_road_m).reset_index(drop=True)
    checked["name"] = candidate_names(checked)
    return checked


def evaluate_sites(
    net: Network,
    cells: siting.SiteCells,
    candidates: gpd.GeoDataFrame,
    *,
    region: Any,
    threshold_min: float,
    thresholds_min: Sequence[float] = (),
    max_road_m: float = MAX_ROAD_M,
) -> SiteEvaluation:
    """What if each candidate were built: new persons within each threshold, by county, ranked by marginal gain."""
    if not threshold_min > 0:
        raise HealthplanError(f"the threshold must be positive minutes, got {threshold_min}")
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
        w = siting.what_if(net, cells, sub.geometry.x.to_numpy(), sub.geometry.y.to_numpy(),
                           thresholds_min=levels, names=names)
        for t in levels:
            sites.loc[ok, f"new_population_{t:g}min"] = w.candidates[f"new_population_{t:g}min"].to_numpy()
        # rank by marginal gain at the main threshold, overlap counted once
        problem = siting.coverage_problem(cells, w.reach, threshold_min=threshold_min, names=names)
        ranked = siting.rank_candidates(problem)
        rows = ok[ranked["candidate"].to_numpy()]
        for col in ("alone_population", "rank", "gain_population", "covered_population_after"):
            sites.loc[rows, col] = ranked[col].to_numpy()
        covered_after = float(ranked["covered_population_after"].iloc[-1])
        by_county = w.by_county.copy()
        by_county.insert(1, "name", ["all candidates together" if j < 0 else names[j] for j in by_county["candidate"]])
        county_names = region.counties.set_index("adcode")["name_zh"]
        by_county.insert(4, "county", by_county["adcode"].map(county_names).to_numpy())
        combined = w.combined
    sites["rank"] = sites["rank"].astype("Int64")
    return SiteEvaluation(sites, by_county, combined, float(threshold_min), covered_before, covered_after,
                    float(cells.weight.sum()))


def choose_sites(
    net: Network,
    cells: siting.SiteCells,
    candidates: gpd.GeoDataFrame,
    *,
    region: Any,
    threshold_min: float,
    k: int | None = None,
    target_share: float | None = None,
    method: str = "greedy",
    max_road_m: float = MAX_ROAD_M,
    time_limit_s: float = 120.0,
    progress: Callable[[int, int], None] | None = None,
) -> SiteChoice:
    """The k candidates covering most new people, or the fewest reaching ``target_share`` (existing facilities kept)."""
    if (k is None) == (target_share is None):
        raise HealthplanError("give exactly one of k (number of new sites) or a target coverage share")
    if method not in ("greedy", "exact"):
        raise HealthplanError(f"the method must be greedy or exact, got {method!r}")
    if not threshold_min > 0:
        raise HealthplanError(f"the threshold must be positive minutes, got {threshold_min}")
    if k is not None and k < 1:
        raise HealthplanError(f"k must be at least 1 new site, got {k}")
    checked = _checked(net, candidates, region, max_road_m)
    ok = np.flatnonzero((checked["status"] == "ok").to_numpy())
    if ok.size == 0:
        raise HealthplanError(
            f"none of the {len(checked)} candidates passed the checks (on land, inside the region, within "
            f"{max_road_m / 1000:g} km of a road); add candidate sites or see their reasons with 'sites test'"
        )
    sub = checked.iloc[ok].reset_index(drop=True)
    reach = siting.candidate_reach(net, cells, sub["node"].to_numpy(), sub["access_min"].to_numpy(),
                                   limit_min=threshold_min, progress=progress)
    problem = siting.coverage_problem(cells, reach, threshold_min=threshold_min, names=sub["name"].tolist())
    if k is not None:
        result = siting.maximal_covering(problem, min(k, problem.n_candidates), method=method, time_limit_s=time_limit_s)
    else:
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
