"""Optimal siting: the k new sites that bring most people within the threshold, or the fewest reaching a target.

Both work on a ``spatial.cover.CoverProblem`` (existing facilities kept).  ``method="greedy"``: lazy
greedy with Teitz–Bart interchange and restarts (``spatial.greedy``); ``method="exact"``: the MILP in
HiGHS (``spatial.milp``), warm-started from greedy.  The result says what was proven: an exact run that
stops at its time limit reports the incumbent, the bound and the gap and is never labelled optimal.

Why HiGHS directly and not spopt: on Kunming (500 candidates, 84k cells, k = 10) the direct model solved
in 3.6 s, spopt's ``MCLP.from_cost_matrix`` through PuLP on the same merged rows in 35 s (its model
build loops over every pair in Python); both found the same optimum (``bench/bench_siting.py --spopt``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spatial import greedy, milp
from spatial.cover import CoverProblem
from spatial.errors import HealthplanError
from spatial.settings import SOLVER_TIME_LIMIT_S

log = logging.getLogger(__name__)

METHODS: tuple[str, ...] = ("greedy", "exact")


@dataclass
class SitingResult:
    """Chosen sites in order with each one's marginal gain (persons), coverage before/after, and what was proven."""

    chosen: np.ndarray  # int64 (p,) candidate indices, in greedy order of marginal gain
    gain_population: np.ndarray  # float64 (p,) persons newly covered by each, given those before it
    covered_before: float  # persons covered by today's facilities
    covered_after: float  # persons covered with the chosen sites added
    total_population: float
    threshold_min: float
    method: str  # "greedy+interchange" | "exact-highs" | "none-needed" | "infeasible"
    solve_s: float
    proven_optimal: bool = False  # True only when HiGHS proved optimality (exact method)
    feasible: bool = True
    target_share: float | None = None  # set covering only
    best_share: float | None = None  # the share all candidates together could reach
    mip_status: str | None = None  # HiGHS model status text
    mip_gap: float | None = None  # relative MIP gap of the incumbent (exact only)
    mip_bound: float | None = None  # best bound HiGHS proved: persons newly covered (max) or sites (min)
    greedy_covered_after: float | None = None  # greedy's covered_after, for comparison with exact
    greedy_vs_exact: float | None = None  # (exact − greedy) / exact new persons, only when exact is proven
    greedy_n_sites: int | None = None  # set covering: greedy's number of sites
    names: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def share_before(self) -> float:
        """Share of the population covered today (0–1)."""
        return self.covered_before / self.total_population if self.total_population else 0.0

    @property
    def share_after(self) -> float:
        """Share of the population covered with the chosen sites (0–1)."""
        return self.covered_after / self.total_population if self.total_population else 0.0

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (no arrays longer than the chosen list)."""
        return {
            "method": self.method,
            "proven_optimal": self.proven_optimal,
            "threshold_min": self.threshold_min,
            "n_sites": int(self.chosen.size),
            "chosen": [int(j) for j in self.chosen],
            "chosen_names": [self.names[j] for j in self.chosen] if self.names else None,
            "gain_population": [round(float(g), 1) for g in self.gain_population],
            "total_population": round(self.total_population, 1),
            "covered_population_before": round(self.covered_before, 1),
            "covered_population_after": round(self.covered_after, 1),
            "covered_share_before": round(self.share_before, 6),
            "covered_share_after": round(self.share_after, 6),
            "feasible": self.feasible,
            "target_share": self.target_share,
            "best_share": None if self.best_share is None else round(self.best_share, 6),
            "mip_status": self.mip_status,
            "gap": self.mip_gap,
            "bound": None if self.mip_bound is None else round(self.mip_bound, 1),
            "greedy_covered_population_after": (
                None if self.greedy_covered_after is None else round(self.greedy_covered_after, 1)
            ),
            "greedy_vs_exact": self.greedy_vs_exact,
            "greedy_n_sites": self.greedy_n_sites,
            "solve_s": round(self.solve_s, 4),
            **self.extra,
        }


def _check(problem: CoverProblem, method: str) -> None:
    """Reject an unknown method."""
    if method not in METHODS:
        raise HealthplanError(f"unknown siting method {method!r}: use one of {', '.join(METHODS)}")


def _result(problem: CoverProblem, sites: Sequence[int] | np.ndarray, *, method: str, solve_s: float, **kw: Any) -> SitingResult:
    """Assemble a result: greedy order of the sites, their marginal gains, covered before/after."""
    order, gains = greedy.order_by_gain(problem.open_matrix, problem.open_weight, sites)
    if np.any(gains <= 0):  # a site that adds nobody given the others is not worth building: leave it out
        log.info("%d chosen site(s) add nobody given the others; left out", int(np.sum(gains <= 0)))
        order, gains = order[gains > 0], gains[gains > 0]
    before = problem.covered_before
    return SitingResult(chosen=order, gain_population=gains, covered_before=before,
                        covered_after=before + float(gains.sum()), total_population=problem.total_population,
                        threshold_min=problem.threshold_min, method=method, solve_s=solve_s, names=problem.names,
                        **kw)


def maximal_covering(
    problem: CoverProblem,
    k: int,
    *,
    method: str = "greedy",
    interchange: bool = True,
    starts: int = 8,
    time_limit_s: float = SOLVER_TIME_LIMIT_S,
    mip_rel_gap: float = 1e-4,
) -> SitingResult:
    """Best k new sites (existing facilities kept): greedy + interchange, or the exact MILP in HiGHS.

    Parameters
    ----------
    problem : CoverProblem
        Cells, today's coverage and the candidates' coverage at one threshold.
    k : int
        Number of new sites (≥ 1).  Fewer come back when the rest would add nobody.
    method : {"greedy", "exact"}
        Greedy with Teitz–Bart interchange, or HiGHS warm-started from greedy.
    interchange : bool
        Improve greedy's sites by Teitz–Bart swaps (also the start HiGHS gets).
    starts : int
        Interchange restarts from greedy sets forced to open with other strong sites.
    time_limit_s : float
        HiGHS time limit (seconds); at the limit the incumbent is reported with its bound and gap.
    mip_rel_gap : float
        Relative MIP gap at which HiGHS stops.

    Returns
    -------
    SitingResult
        The sites in greedy order with their marginal persons; for "exact" also the solver status,
        bound and gap, and how far greedy fell short when optimality was proven.
    """
    _check(problem, method)
    if isinstance(k, bool) or int(k) != k or k < 1:
        raise HealthplanError(f"the number of new sites must be a whole number ≥ 1, got {k!r}")
    a, w = problem.open_matrix, problem.open_weight
    t0 = time.perf_counter()
    sites, _ = greedy.lazy_greedy(a, w, k_max=int(k))
    moves = 0
    if interchange:
        sites, moves = greedy.multistart_interchange(a, w, sites, starts=starts)
    if method == "greedy":
        return _result(problem, sites, method="greedy+interchange" if interchange else "greedy",
                       solve_s=time.perf_counter() - t0, extra={"interchange_swaps": moves})
    greedy_after = problem.covered_with(sites)
    agg, agg_w = milp.aggregate_rows(a, w)
    h = milp.highs_model(time_limit_s, mip_rel_gap)
    milp.pass_cover_model(h, agg, agg_w, maximise=True, k=min(int(k), problem.n_candidates))
    milp.warm_start(h, agg, sites)
    out = milp.solve(h, problem.n_candidates)
    chosen = out.sites
    if chosen.size == 0 or problem.covered_with(chosen) < greedy_after:
        chosen = np.asarray(sites, dtype=np.int64)  # the incumbent never beats greedy: keep greedy
    res = _result(problem, chosen, method="exact-highs", solve_s=time.perf_counter() - t0,
                  proven_optimal=out.optimal, mip_status=out.status, mip_gap=out.gap, mip_bound=out.bound,
                  greedy_covered_after=greedy_after,
                  extra={"milp_rows": int(agg.shape[0]), "milp_candidates": int(agg.shape[1]),
                         "interchange_swaps": moves})
    if out.optimal:  # only a proven optimum says how far greedy fell short
        new_exact = res.covered_after - res.covered_before
        rel = (res.covered_after - greedy_after) / new_exact if new_exact > 0 else 0.0
        res.greedy_vs_exact = round(max(rel, 0.0), 9)  # float summation noise is not a gap
    else:
        log.warning("HiGHS stopped (%s) without proving optimality: incumbent %.0f new persons, bound %s, gap %s",
                    out.status, res.covered_after - res.covered_before, out.bound, out.gap)
    return res


def set_covering(
    problem: CoverProblem,
    target_share: float,
    *,
    method: str = "greedy",
    starts: int = 8,
    time_limit_s: float = SOLVER_TIME_LIMIT_S,
    mip_rel_gap: float = 1e-4,
) -> SitingResult:
    """Fewest new sites so that ``target_share`` (0–1] of all persons are covered; infeasible → the best share.

    Parameters
    ----------
    problem : CoverProblem
        Cells, today's coverage and the candidates' coverage at one threshold.
    target_share : float
        Share of the whole population to cover, in (0, 1].
    method : {"greedy", "exact"}
        Greedy (then shrunk by interchange), or HiGHS warm-started from greedy.
    starts : int
        Interchange restarts while shrinking greedy's set.
    time_limit_s : float
        HiGHS time limit (seconds).
    mip_rel_gap : float
        Relative MIP gap at which HiGHS stops.

    Returns
    -------
    SitingResult
        The fewest sites found, in greedy order; when the target cannot be reached, the sites that
        add anyone and the best share they reach.
    """
    _check(problem, method)
    if not (isinstance(target_share, int | float) and 0.0 < target_share <= 1.0):
        raise HealthplanError(f"the target coverage must be a share in (0, 1], e.g. 0.95, got {target_share!r}")
    a, w = problem.open_matrix, problem.open_weight
    total = problem.total_population
    need = target_share * total - problem.covered_before
    best_share = (problem.covered_before + float(w.sum())) / total if total else 0.0
    t0 = time.perf_counter()
    if need <= 0:
        return _result(problem, [], method="none-needed", solve_s=0.0, target_share=target_share,
                       best_share=best_share)
    need_tol = need - 1e-9 * total  # "reach 95 %" must not fail on 94.99999999 % from summation order
    if w.sum() < need_tol:
        sites, _ = greedy.lazy_greedy(a, w, k_max=a.shape[1])
        log.info("target %.1f%% unreachable: all candidates give %.2f%%", 100 * target_share, 100 * best_share)
        return _result(problem, sites, method="infeasible", solve_s=time.perf_counter() - t0, feasible=False,
                       target_share=target_share, best_share=best_share)
    by_greedy = greedy.fewest_sites_greedy(a, w, need_tol, starts=starts)
    if method == "greedy":
        return _result(problem, by_greedy, method="greedy+interchange", solve_s=time.perf_counter() - t0,
                       target_share=target_share, best_share=best_share)
    agg, agg_w = milp.aggregate_rows(a, w)
    h = milp.highs_model(time_limit_s, mip_rel_gap)
    milp.pass_cover_model(h, agg, agg_w, maximise=False, need=need_tol)
    milp.warm_start(h, agg, by_greedy)
    out = milp.solve(h, problem.n_candidates)
    chosen = out.sites
    if chosen.size == 0 or chosen.size > len(by_greedy) or problem.covered_with(chosen) < problem.covered_before + need_tol:
        chosen = np.asarray(by_greedy, dtype=np.int64)
    res = _result(problem, chosen, method="exact-highs", solve_s=time.perf_counter() - t0, proven_optimal=out.optimal,
                  target_share=target_share, best_share=best_share, mip_status=out.status, mip_gap=out.gap,
                  mip_bound=out.bound, greedy_n_sites=len(by_greedy),
                  greedy_covered_after=problem.covered_with(by_greedy),
                  extra={"milp_rows": int(agg.shape[0]), "milp_candidates": int(agg.shape[1])})
    if out.optimal:
        res.greedy_vs_exact = (len(by_greedy) - res.chosen.size) / res.chosen.size if res.chosen.size else 0.0
    return res
