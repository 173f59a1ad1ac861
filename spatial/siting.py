"""Candidate hospital sites: what-if gains, greedy ranking and optimal siting on a sparse coverage matrix.

The core works on arrays.  Cells carry a population weight, the minutes to today's nearest facility
(``coverage.cell_minutes``) and a road node with an access leg.  Each candidate's own bounded search
(``traveltime.reach_many``: node minutes including the site's access leg) gives the cells it would serve
(node minutes + the cell's leg ≤ threshold) — existing facilities are never searched again.  Those
columns form a sparse cells × candidates boolean matrix; cells already within the threshold of an
existing facility contribute nothing, so only *newly covered* people count.  On that matrix:

* ``what_if`` — persons each candidate newly brings within 15/30/60 min, alone and together, by county;
* ``rank_candidates`` — all candidates in greedy order of marginal gain (overlap counted once);
* ``maximal_covering`` — k new sites: lazy greedy (priority queue) + Teitz–Bart interchange with a few
  restarts, or ``method="exact"``: a MILP passed to HiGHS straight from the sparse matrix (cells with
  the same candidate set merged), warm-started from greedy, with HiGHS's MIP gap reported;
* ``set_covering`` — the fewest new sites reaching a target share of the population, or, when the
  candidates cannot reach it, ``feasible=False`` with the best share they allow.

Why HiGHS directly and not spopt: on Kunming (500 candidates, 84k cells, k = 10) the direct model solved
in 3.6 s, spopt's ``MCLP.from_cost_matrix`` through PuLP on the same merged rows in 35 s (its model
build loops over every pair in Python); both found the same optimum (``bench/bench_siting.py --spopt``).
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from spatial import traveltime
from spatial.errors import HealthplanError
from spatial.network import Network
from spatial.population import PopulationGrid
from spatial.settings import GAP_CANDIDATES_N, MAX_ROAD_M

log = logging.getLogger(__name__)

#: Relative improvement below which an interchange move is not worth making (guards float noise).
_SWAP_TOL = 1e-9


# --------------------------------------------------------------------------------------------------
# The coverage problem: weights, today's coverage and the candidates' sparse coverage matrix
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CoverProblem:
    """Cells (persons, covered today or not) and the cells × candidates boolean coverage matrix."""

    weight: np.ndarray  # float64 (k,) persons per cell
    covered0: np.ndarray  # bool (k,) within the threshold of an existing facility
    cover: sp.csc_array  # bool (k, n) candidate j would reach cell i within the threshold
    threshold_min: float = float("nan")
    names: tuple[str, ...] = ()  # candidate names (optional, for reports)

    def __post_init__(self) -> None:
        k = self.weight.shape[0]
        if self.covered0.shape != (k,) or self.cover.shape[0] != k:
            raise HealthplanError(
                f"coverage problem shapes disagree: {k} cell weights, {self.covered0.shape[0]} covered flags, "
                f"a {self.cover.shape[0]}-row coverage matrix"
            )
        if np.any(~np.isfinite(self.weight)) or np.any(self.weight < 0):
            raise HealthplanError("cell populations must be finite and non-negative")

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return int(self.weight.shape[0])

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites."""
        return int(self.cover.shape[1])

    @property
    def total_population(self) -> float:
        """Persons in all cells."""
        return float(self.weight.sum())

    @property
    def covered_before(self) -> float:
        """Persons already within the threshold of an existing facility."""
        return float(self.weight[self.covered0].sum())

    @cached_property
    def open_rows(self) -> np.ndarray:
        """Cells not covered today that at least one candidate reaches (int64 indices)."""
        reached = np.diff(self.cover.tocsr().indptr) > 0
        return np.flatnonzero(reached & ~self.covered0 & (self.weight > 0))

    @cached_property
    def open_matrix(self) -> sp.csc_array:
        """Coverage restricted to the open cells, as float64 ones (rows follow ``open_rows``)."""
        sub = self.cover.tocsr()[self.open_rows].astype(np.float64)
        return sp.csc_array(sub)

    @cached_property
    def open_weight(self) -> np.ndarray:
        """Persons in each open cell (float64)."""
        return self.weight[self.open_rows].astype(np.float64)

    def gains(self) -> np.ndarray:
        """Persons each candidate would newly cover on its own (float64, n)."""
        return self.open_matrix.T @ self.open_weight

    def covered_with(self, sites: Sequence[int]) -> float:
        """Persons covered with today's facilities plus the given candidate sites."""
        sites = np.asarray(sites, dtype=np.int64)
        if sites.size == 0:
            return self.covered_before
        hit = np.asarray(self.open_matrix[:, sites].sum(axis=1)).ravel() > 0
        return self.covered_before + float(self.open_weight[hit].sum())


def problem_from_minutes(
    weight: np.ndarray,
    current_min: np.ndarray,
    cover: sp.spmatrix | sp.sparray,
    *,
    threshold_min: float,
    names: Sequence[str] = (),
) -> CoverProblem:
    """A coverage problem from cell persons, today's minutes per cell and a boolean coverage matrix."""
    weight = np.asarray(weight, dtype=np.float64)
    current_min = np.asarray(current_min, dtype=np.float64)
    covered0 = np.nan_to_num(current_min, nan=np.inf) <= threshold_min
    return CoverProblem(
        weight=weight,
        covered0=covered0,
        cover=sp.csc_array(cover, dtype=bool),
        threshold_min=float(threshold_min),
        names=tuple(str(n) for n in names),
    )


# --------------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------------


@dataclass
class SitingResult:
    """Chosen sites in order with each one's marginal gain, coverage before/after, method and gap."""

    chosen: np.ndarray  # int64 (p,) candidate indices, in greedy order of marginal gain
    gain_population: np.ndarray  # float64 (p,) persons newly covered by each, given those before it
    covered_before: float  # persons covered by today's facilities
    covered_after: float  # persons covered with the chosen sites added
    total_population: float
    threshold_min: float
    method: str  # "greedy+interchange" | "exact-highs"
    solve_s: float
    feasible: bool = True
    target_share: float | None = None  # set covering only
    best_share: float | None = None  # the share all candidates together could reach
    mip_gap: float | None = None  # relative MIP gap reported by HiGHS (exact only)
    mip_status: str | None = None
    greedy_covered_after: float | None = None  # greedy's covered_after, for comparison with exact
    greedy_vs_exact: float | None = None  # (exact − greedy) / exact newly-covered persons; ≥ 0
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
            "gap": self.mip_gap,
            "mip_status": self.mip_status,
            "greedy_covered_population_after": (
                None if self.greedy_covered_after is None else round(self.greedy_covered_after, 1)
            ),
            "greedy_vs_exact": self.greedy_vs_exact,
            "greedy_n_sites": self.greedy_n_sites,
            "solve_s": round(self.solve_s, 4),
            **self.extra,
        }


# --------------------------------------------------------------------------------------------------
# Greedy (lazy, priority queue) and Teitz–Bart interchange on the open matrix
# --------------------------------------------------------------------------------------------------


def _column_rows(a: sp.csc_array, j: int) -> np.ndarray:
    """Row indices of the non-zeros of column j."""
    return a.indices[a.indptr[j] : a.indptr[j + 1]]


def _lazy_greedy(
    a: sp.csc_array,
    w: np.ndarray,
    *,
    k_max: int,
    need: float = np.inf,
    among: np.ndarray | None = None,
    start: Sequence[int] = (),
) -> tuple[list[int], list[float]]:
    """Greedy maximal coverage with lazy gain updates: (sites in order, persons gained by each)."""
    # Gains only shrink as sites are added (submodularity), so a stale heap top that still beats the
    # next entry after refreshing is the true best: most candidates are never re-evaluated.
    hit = np.zeros(a.shape[0], dtype=bool)
    chosen: list[int] = []
    gains: list[float] = []
    total = 0.0
    for j in start:  # forced first sites (multi-start)
        rows = _column_rows(a, int(j))
        gains.append(float(w[rows][~hit[rows]].sum()))
        hit[rows] = True
        chosen.append(int(j))
        total += gains[-1]
    cols = np.arange(a.shape[1]) if among is None else np.asarray(among, dtype=np.int64)
    cols = np.setdiff1d(cols, chosen) if chosen else cols
    first = a[:, cols].T @ (w * ~hit) if cols.size else np.zeros(0)
    heap = [(-float(g), int(j), len(chosen)) for g, j in zip(first, cols) if g > 0]
    heapq.heapify(heap)
    while heap and len(chosen) < k_max and total < need:
        neg, j, stamp = heapq.heappop(heap)
        if stamp == len(chosen):
            rows = _column_rows(a, j)
            hit[rows] = True
            chosen.append(j)
            gains.append(-neg)
            total += -neg
            continue
        rows = _column_rows(a, j)
        g = float(w[rows][~hit[rows]].sum())
        if g > 0:
            heapq.heappush(heap, (-g, j, len(chosen)))
    return chosen, gains


def _cover_count(a: sp.csc_array, sites: Sequence[int]) -> np.ndarray:
    """How many of the given sites reach each open cell (int64)."""
    count = np.zeros(a.shape[0], dtype=np.int64)
    for j in sites:
        count[_column_rows(a, j)] += 1
    return count


def _interchange(
    a: sp.csc_array, w: np.ndarray, sites: Sequence[int], *, max_moves: int = 1000
) -> tuple[list[int], int]:
    """Teitz–Bart vertex substitution: best improving swap until none improves; (sites, swaps made)."""
    sites = [int(s) for s in sites]
    if not sites or len(sites) >= a.shape[1]:
        return sites, 0
    at = sp.csr_array(a.T)
    count = _cover_count(a, sites)
    moves = 0
    while moves < max_moves:
        objective = float(w[count > 0].sum())
        add_gain = at @ (w * (count == 0))  # (n,) persons c adds to the current set
        lone = w * (count == 1)  # persons held by exactly one chosen site
        a_s = a[:, sites]  # (m, p)
        loss = a_s.T @ lone  # (p,) persons lost if site s is removed
        # Swapping s for c also gives c the cells only s held and c reaches: (n, p) overlap.
        overlap = (at @ sp.csc_array(a_s.multiply(lone[:, None]))).toarray()
        delta = add_gain[:, None] + np.asarray(overlap) - loss[None, :]
        delta[sites, :] = -np.inf
        c, s_pos = np.unravel_index(int(np.argmax(delta)), delta.shape)
        if not delta[c, s_pos] > _SWAP_TOL * max(1.0, objective):
            break
        count[_column_rows(a, sites[s_pos])] -= 1
        count[_column_rows(a, int(c))] += 1
        sites[s_pos] = int(c)
        moves += 1
    return sites, moves


def _covered(a: sp.csc_array, w: np.ndarray, sites: Sequence[int]) -> float:
    """Persons in open cells reached by at least one of the sites."""
    return float(w[_cover_count(a, sites) > 0].sum())


def _multistart_interchange(
    a: sp.csc_array, w: np.ndarray, greedy: Sequence[int], *, starts: int
) -> tuple[list[int], int]:
    """Interchange from the greedy set and from greedy sets forced to open with other strong sites."""
    # One Teitz–Bart descent can stall in a local optimum; restarting greedy from each of the next
    # best single sites explores other basins at the cost of a few more descents.
    best, moves = _interchange(a, w, greedy)
    best_cov = _covered(a, w, best)
    k = len(greedy)
    if k < 2 or starts <= 0:
        return best, moves
    alone = a.T @ w
    seeds = [int(j) for j in np.argsort(-alone, kind="stable")[: starts + 1] if int(j) != int(greedy[0])][:starts]
    for seed in seeds:
        trial, _ = _lazy_greedy(a, w, k_max=k, start=[seed])
        trial, m = _interchange(a, w, trial)
        moves += m
        cov = _covered(a, w, trial)
        if cov > best_cov * (1 + _SWAP_TOL):
            best, best_cov = trial, cov
    return best, moves


def _order_by_gain(a: sp.csc_array, w: np.ndarray, sites: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Order a fixed set of sites greedily: (sites, marginal persons of each given those before it)."""
    sites = np.asarray(sites, dtype=np.int64)
    if sites.size == 0:
        return sites, np.zeros(0)
    order, gains = _lazy_greedy(a, w, k_max=sites.size, among=sites)
    # Sites that add nobody (fully overlapped) are still chosen: list them last with gain 0.
    rest = [int(s) for s in sites if int(s) not in set(order)]
    return np.array(order + rest, dtype=np.int64), np.array(gains + [0.0] * len(rest), dtype=np.float64)


def _check_k(problem: CoverProblem, k: int) -> None:
    """Reject a site count that is not a positive integer."""
    if int(k) != k or k < 1:
        raise HealthplanError(f"the number of new sites must be a positive whole number, got {k!r}")


def _result(
    problem: CoverProblem, sites: Sequence[int], *, method: str, solve_s: float, **kw: Any
) -> SitingResult:
    """Assemble a result: greedy order of the sites, their marginal gains, covered before/after."""
    order, gains = _order_by_gain(problem.open_matrix, problem.open_weight, sites)
    if np.any(gains <= 0):  # a site that adds nobody given the others is not worth building: leave it out
        log.info("%d chosen site(s) add nobody given the others; left out", int(np.sum(gains <= 0)))
        order, gains = order[gains > 0], gains[gains > 0]
    before = problem.covered_before
    return SitingResult(
        chosen=order,
        gain_population=gains,
        covered_before=before,
        covered_after=before + float(gains.sum()),
        total_population=problem.total_population,
        threshold_min=problem.threshold_min,
        method=method,
        solve_s=solve_s,
        names=problem.names,
        **kw,
    )


def rank_candidates(problem: CoverProblem) -> pd.DataFrame:
    """All candidates in greedy order: rank, alone_population, gain_population (given those above), cumulative."""
    a, w = problem.open_matrix, problem.open_weight
    order, gains = _lazy_greedy(a, w, k_max=problem.n_candidates)
    alone = problem.gains()
    rest = np.setdiff1d(np.arange(problem.n_candidates), order)  # add nobody new
    rest = rest[np.argsort(-alone[rest], kind="stable")]
    idx = np.concatenate([np.asarray(order, dtype=np.int64), rest])
    gain = np.concatenate([np.asarray(gains), np.zeros(rest.size)])
    frame = pd.DataFrame(
        {
            "candidate": idx,
            "rank": np.arange(1, idx.size + 1),
            "alone_population": alone[idx],
            "gain_population": gain,
            "covered_population_after": problem.covered_before + np.cumsum(gain),
        }
    )
    if problem.names:
        frame.insert(1, "name", [problem.names[j] for j in idx])
    return frame


# --------------------------------------------------------------------------------------------------
# Exact MILP in HiGHS, built straight from the sparse matrix
# --------------------------------------------------------------------------------------------------


def _aggregate_rows(a: sp.csc_array, w: np.ndarray) -> tuple[sp.csc_array, np.ndarray]:
    """Merge cells reached by exactly the same candidates (summing persons): fewer MILP rows."""
    csr = sp.csr_array(a)
    csr.sort_indices()
    rng = np.random.default_rng(20240611)
    # Two random projections fingerprint each row's candidate set; equal sets give equal sums exactly
    # (same terms, same order), and distinct sets collide with negligible probability.
    keys = np.column_stack([csr @ rng.random(a.shape[1]), csr @ rng.random(a.shape[1]), np.diff(csr.indptr)])
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    weight = np.bincount(inverse.ravel(), weights=w, minlength=first.size)
    return sp.csc_array(csr[first]), weight


@contextlib.contextmanager
def _stdout_to_stderr() -> Any:
    """Send C-level stdout to stderr for a moment (HiGHS prints its banner on construction)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real stdout (embedded interpreter): nothing to protect
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _highs(time_limit_s: float, mip_rel_gap: float) -> Any:
    """A quiet HiGHS instance with a time limit (s) and relative MIP gap."""
    import highspy

    # The banner would otherwise land on stdout, where the CLI prints its JSON summary.
    with _stdout_to_stderr():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    return h


def _pass_cover_model(
    h: Any,
    a: sp.csc_array,
    w: np.ndarray,
    *,
    maximise: bool,
    k: int | None = None,
    need: float | None = None,
) -> None:
    """Pass the MCLP (max Σw·y, Σx = k) or partial set cover (min Σx, Σw·y ≥ need) to HiGHS."""
    import highspy

    m, n = a.shape
    # Columns: x_j (binary, candidates) then y_g (continuous 0–1, cell groups).
    # Rows 0..m-1: y_g − Σ_j a_gj x_j ≤ 0; row m: Σ x_j = k (MCLP) or Σ w_g y_g ≥ need (cover).
    if maximise:
        extra_x, extra_y = np.ones((1, n)), np.zeros((1, m))
        cost = np.concatenate([np.zeros(n), w])
        # Σx ≤ k rather than = k: when fewer sites already reach everyone reachable, extra ones add nobody.
        row_lo = np.concatenate([np.full(m, -np.inf), [-np.inf]])
        row_hi = np.concatenate([np.zeros(m), [float(k)]])
        sense = highspy.ObjSense.kMaximize
    else:
        extra_x, extra_y = np.zeros((1, n)), w[None, :]
        cost = np.concatenate([np.ones(n), np.zeros(m)])
        row_lo = np.concatenate([np.full(m, -np.inf), [float(need)]])
        row_hi = np.concatenate([np.zeros(m), [np.inf]])
        sense = highspy.ObjSense.kMinimize
    mat = sp.csc_array(
        sp.vstack(
            [
                sp.hstack([-sp.csc_array(a, dtype=np.float64), sp.identity(m, format="csc")]),
                sp.hstack([sp.csc_array(extra_x), sp.csc_array(extra_y)]),
            ],
            format="csc",
        )
    )
    mat.eliminate_zeros()
    integrality = np.concatenate([np.ones(n), np.zeros(m)]).astype(np.int32)
    h.passModel(
        n + m,
        m + 1,
        int(mat.nnz),
        int(highspy.MatrixFormat.kColwise.value),
        int(sense.value),
        0.0,
        cost.astype(np.float64),
        np.zeros(n + m),
        np.ones(n + m),
        row_lo.astype(np.float64),
        row_hi.astype(np.float64),
        mat.indptr.astype(np.int32),
        mat.indices.astype(np.int32),
        mat.data.astype(np.float64),
        integrality,
    )


def _warm_start(h: Any, a: sp.csc_array, sites: Sequence[int]) -> None:
    """Give HiGHS a feasible start (the greedy sites) so its incumbent is never worse than greedy."""
    import highspy

    _m, n = a.shape
    x = np.zeros(n)
    x[np.asarray(sites, dtype=np.int64)] = 1.0
    y = np.minimum(1.0, a @ x)
    sol = highspy.HighsSolution()
    sol.col_value = list(np.concatenate([x, y]))
    sol.value_valid = True
    status = h.setSolution(sol)
    if status != highspy.HighsStatus.kOk:
        log.debug("HiGHS did not accept the greedy warm start (%s); solving cold", status)


def _solve(h: Any, n: int) -> tuple[np.ndarray, float | None, str]:
    """Run HiGHS; (chosen candidate indices, relative MIP gap, model status text)."""
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    gap = float(info.mip_gap) if np.isfinite(info.mip_gap) else None
    if int(info.primal_solution_status) == 0:  # no feasible solution at all
        return np.zeros(0, dtype=np.int64), gap, status
    x = np.asarray(h.getSolution().col_value[:n])
    return np.flatnonzero(x > 0.5).astype(np.int64), gap, status


# --------------------------------------------------------------------------------------------------
# Public solvers
# --------------------------------------------------------------------------------------------------


def maximal_covering(
    problem: CoverProblem,
    k: int,
    *,
    method: str = "greedy",
    interchange: bool = True,
    starts: int = 8,
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-4,
) -> SitingResult:
    """Best k new sites (existing facilities kept): greedy+interchange, or an exact HiGHS MILP.

    Fewer than k sites come back when the rest would add nobody (everyone the candidates reach is covered).
    """
    _check_k(problem, k)
    a, w = problem.open_matrix, problem.open_weight
    t0 = time.perf_counter()
    greedy, _ = _lazy_greedy(a, w, k_max=k)
    moves = 0
    if interchange:
        greedy, moves = _multistart_interchange(a, w, greedy, starts=starts)
    if method == "greedy":
        return _result(
            problem,
            greedy,
            method="greedy+interchange" if interchange else "greedy",
            solve_s=time.perf_counter() - t0,
            extra={"interchange_swaps": moves},
        )
    if method != "exact":
        raise HealthplanError(f"unknown siting method {method!r}: use 'greedy' or 'exact'")
    greedy_after = problem.covered_with(greedy)
    agg, agg_w = _aggregate_rows(a, w)
    h = _highs(time_limit_s, mip_rel_gap)
    kk = min(int(k), problem.n_candidates)
    _pass_cover_model(h, agg, agg_w, maximise=True, k=kk)
    _warm_start(h, agg, greedy)
    sites, gap, status = _solve(h, problem.n_candidates)
    if sites.size == 0 or problem.covered_with(sites) < greedy_after:
        sites = np.asarray(greedy, dtype=np.int64)  # the incumbent never beats greedy: keep greedy
    res = _result(problem, sites, method="exact-highs", solve_s=time.perf_counter() - t0, mip_gap=gap, mip_status=status)
    res.greedy_covered_after = greedy_after
    new_exact = res.covered_after - res.covered_before
    rel = (res.covered_after - greedy_after) / new_exact if new_exact > 0 else 0.0
    res.greedy_vs_exact = round(max(rel, 0.0), 9)  # float summation noise is not a gap
    res.extra = {"milp_rows": int(agg.shape[0]), "milp_candidates": int(agg.shape[1]), "interchange_swaps": moves}
    return res


def _fewest_sites_greedy(a: sp.csc_array, w: np.ndarray, need: float, *, starts: int) -> list[int]:
    """Greedy sites until ``need`` persons are newly covered, then shrink by interchange at k−1, k−2 …"""
    sites, gains = _lazy_greedy(a, w, k_max=a.shape[1], need=need)
    if sum(gains) < need:
        return sites
    best = sites
    # A smaller set may reach the target once sites are swapped: try k−1 with greedy+interchange.
    while len(best) > 1:
        trial, _ = _lazy_greedy(a, w, k_max=len(best) - 1)
        trial, _ = _multistart_interchange(a, w, trial, starts=starts)
        if _covered(a, w, trial) >= need:
            best = trial
        else:
            break
    return best


def set_covering(
    problem: CoverProblem,
    target_share: float,
    *,
    method: str = "greedy",
    starts: int = 8,
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-4,
) -> SitingResult:
    """Fewest new sites so that ``target_share`` (0–1) of all persons are covered; infeasible → best share."""
    if not 0.0 < target_share <= 1.0:
        raise HealthplanError(f"target coverage must be a share between 0 and 1 (e.g. 0.95), got {target_share!r}")
    a, w = problem.open_matrix, problem.open_weight
    total = problem.total_population
    need = target_share * total - problem.covered_before
    best_share = (problem.covered_before + float(w.sum())) / total if total else 0.0
    t0 = time.perf_counter()
    if need <= 0:
        return _result(problem, [], method="none-needed", solve_s=0.0, target_share=target_share, best_share=best_share)
    # Float tolerance: "reach 95 %" must not fail on 94.99999999 % from summation order.
    need_tol = need - 1e-9 * total
    if w.sum() < need_tol:
        sites, _ = _lazy_greedy(a, w, k_max=a.shape[1])
        log.info("target %.1f%% unreachable: all candidates give %.2f%%", 100 * target_share, 100 * best_share)
        return _result(
            problem,
            sites,
            method="infeasible: every site that adds anyone, greedy order",
            solve_s=time.perf_counter() - t0,
            feasible=False,
            target_share=target_share,
            best_share=best_share,
        )
    greedy = _fewest_sites_greedy(a, w, need_tol, starts=starts)
    if method == "greedy":
        return _result(
            problem,
            greedy,
            method="greedy+interchange",
            solve_s=time.perf_counter() - t0,
            target_share=target_share,
            best_share=best_share,
        )
    if method != "exact":
        raise HealthplanError(f"unknown siting method {method!r}: use 'greedy' or 'exact'")
    agg, agg_w = _aggregate_rows(a, w)
    h = _highs(time_limit_s, mip_rel_gap)
    _pass_cover_model(h, agg, agg_w, maximise=False, need=need_tol)
    _warm_start(h, agg, greedy)
    sites, gap, status = _solve(h, problem.n_candidates)
    if sites.size == 0 or sites.size > len(greedy) or problem.covered_with(sites) < problem.covered_before + need_tol:
        sites = np.asarray(greedy, dtype=np.int64)
    res = _result(
        problem,
        sites,
        method="exact-highs",
        solve_s=time.perf_counter() - t0,
        target_share=target_share,
        best_share=best_share,
        mip_gap=gap,
        mip_status=status,
    )
    res.greedy_n_sites = len(greedy)
    res.greedy_covered_after = problem.covered_with(greedy)
    res.greedy_vs_exact = (len(greedy) - res.chosen.size) / res.chosen.size if res.chosen.size else 0.0
    res.extra = {"milp_rows": int(agg.shape[0]), "milp_candidates": int(agg.shape[1])}
    return res


# --------------------------------------------------------------------------------------------------
# From the road network: cells, candidate checks, each candidate's bounded search → coverage matrix
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SiteCells:
    """Populated cells as siting sees them: road node, access leg (min), persons, county, today's minutes."""

    node: np.ndarray  # int32 (k,) nearest network node of each cell centre
    access_min: np.ndarray  # float64 (k,) access leg cell centre → node, minutes
    weight: np.ndarray  # float64 (k,) persons (or the chosen sub-population)
    county: np.ndarray  # int64 (k,) county adcode
    current_min: np.ndarray  # float64 (k,) minutes to the nearest existing facility (inf if none)
    lon: np.ndarray | None = None  # float64 (k,) cell centres, WGS84 (for gap candidates and maps)
    lat: np.ndarray | None = None

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return int(self.node.shape[0])


def site_cells(
    net: Network,
    grid: PopulationGrid,
    facilities: Any,
    *,
    weight: str = "pop",
    access: Any | None = None,
) -> SiteCells:
    """Snap the grid's cells once and time them to today's facilities (coverage.cell_minutes)."""
    from spatial import coverage

    if weight not in ("pop", "urban", "rural", "pop60"):
        raise HealthplanError(f"unknown population weight {weight!r}: use pop, urban, rural or pop60")
    access = access if access is not None else coverage.cell_access(net, grid)
    fac_lon, fac_lat = traveltime.point_lonlat(facilities)
    current = coverage.cell_minutes(net, grid, fac_lon, fac_lat, access=access)
    return SiteCells(
        node=np.asarray(access.node, dtype=np.int32),
        access_min=np.asarray(access.access_min, dtype=np.float64),
        weight=np.asarray(getattr(grid, weight), dtype=np.float64),
        county=np.asarray(grid.county, dtype=np.int64),
        current_min=np.asarray(current, dtype=np.float64),
        lon=np.asarray(grid.lon, dtype=np.float64),
        lat=np.asarray(grid.lat, dtype=np.float64),
    )


@dataclass(frozen=True, eq=False)
class CandidateReach:
    """Minutes from each cell to each candidate (cell leg + network + site leg), kept only ≤ ``limit_min``."""

    minutes: sp.csr_matrix  # (cells × candidates); stored zeros are real (cell on the site's node)
    limit_min: float

    def cover(self, threshold_min: float) -> sp.csc_array:
        """Boolean cells × candidates matrix: the candidate is within ``threshold_min`` of the cell."""
        if threshold_min > self.limit_min + 1e-9:
            raise HealthplanError(
                f"threshold {threshold_min:g} min exceeds the {self.limit_min:g} min the candidate searches ran to"
            )
        m = self.minutes
        keep = m.data <= threshold_min
        row = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))[keep]
        return sp.csc_array(
            (np.ones(int(keep.sum()), dtype=bool), (row, m.indices[keep])), shape=m.shape
        )


def candidate_reach(
    net: Network,
    cells: SiteCells,
    site_node: np.ndarray,
    site_access_min: np.ndarray,
    *,
    limit_min: float,
    progress: Callable[[int, int], None] | None = None,
    chunk: int = 64,
) -> CandidateReach:
    """One bounded search per candidate (traveltime.reach_many), mapped to cells through their node and leg.

    ``progress(done, total)`` is called after each ``chunk`` of candidates (for a progress bar).
    """
    from spatial import traveltime

    site_node = np.atleast_1d(np.asarray(site_node)).astype(np.int32)
    site_access_min = np.atleast_1d(np.asarray(site_access_min, dtype=np.float64))
    if site_node.size == 0:
        return CandidateReach(sp.csr_matrix((cells.n_cells, 0)), float(limit_min))
    # Nodes × candidates minutes (site leg included); a cell then adds its own leg at its node.
    parts = []
    for start in range(0, site_node.size, chunk):
        stop = min(start + chunk, site_node.size)
        parts.append(
            traveltime.reach_many(net, site_node[start:stop], limit_min, offsets=site_access_min[start:stop])
        )
        if progress is not None:
            progress(stop, site_node.size)
    # hstack of CSR blocks keeps stored zeros (a cell on the candidate's own node)
    per_node = parts[0] if len(parts) == 1 else sp.hstack(parts, format="csr")
    per_cell = per_node[cells.node]  # fancy row indexing keeps the stored zeros
    counts = np.diff(per_cell.indptr)
    minutes = per_cell.data + np.repeat(cells.access_min, counts)
    keep = minutes <= limit_min
    row = np.repeat(np.arange(cells.n_cells), counts)
    kept_per_row = np.bincount(row[keep], minlength=cells.n_cells)
    indptr = np.zeros(cells.n_cells + 1, dtype=np.int64)
    np.cumsum(kept_per_row, out=indptr[1:])
    out = sp.csr_matrix((minutes[keep], per_cell.indices[keep], indptr), shape=(cells.n_cells, site_node.size))
    return CandidateReach(out, float(limit_min))


def coverage_problem(
    cells: SiteCells, reach: CandidateReach, *, threshold_min: float, names: Sequence[str] = ()
) -> CoverProblem:
    """The coverage problem at one threshold from the cells and the candidates' reach."""
    return problem_from_minutes(
        cells.weight, cells.current_min, reach.cover(threshold_min), threshold_min=threshold_min, names=names
    )


# --------------------------------------------------------------------------------------------------
# Candidate checks: on land, inside the region, near a road
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _provinces_land() -> Any:
    """Union of China's province polygons with Hainan's land-only outline in place of its sea belt (prepared)."""
    from spatial import boundaries

    provinces = boundaries.provinces()
    # The province polygons (AMap) carry a near-shore sea belt of 1–5 km; Hainan's outline is clipped to land.
    hainan = provinces["adcode"].astype(int) == 460000
    land = shapely.union_all(list(provinces.geometry[~hainan]) + [boundaries.outline("hainan")])
    shapely.prepare(land)
    return land


def known_land(region: Any | None = None) -> Any:
    """Land the project knows (WGS84 polygons): China's provinces (Hainan land-only) plus the region itself."""
    land = _provinces_land()
    if region is None:
        return land
    return shapely.union(land, region.outline)


def check_candidates(
    net: Network,
    candidates: gpd.GeoDataFrame,
    *,
    region: Any | None = None,
    land: Any | None = None,
    max_road_m: float = MAX_ROAD_M,
) -> gpd.GeoDataFrame:
    """Snap candidates and flag each ok/rejected with a reason (not on land, outside region, far from road)."""
    from spatial import traveltime

    frame = candidates.copy()
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs("EPSG:4326")
    if len(frame) and not (frame.geometry.geom_type == "Point").all():
        bad = int(np.flatnonzero((frame.geometry.geom_type != "Point").to_numpy())[0]) + 1
        raise HealthplanError(f"candidate row {bad} is not a point; give each candidate site one lon/lat point")
    lon = frame.geometry.x.to_numpy(dtype=np.float64)
    lat = frame.geometry.y.to_numpy(dtype=np.float64)
    snapped = traveltime.snap(net, lon, lat) if len(frame) else None
    reasons: list[list[str]] = [[] for _ in range(len(frame))]
    if region is not None:
        land_geom = land if land is not None else known_land(region)
        on_land = shapely.contains_xy(land_geom, lon, lat)
        inside = shapely.contains_xy(region.outline, lon, lat)
        for i in np.flatnonzero(~on_land):
            reasons[i].append("not on land (in the sea or outside the mapped provinces)")
        for i in np.flatnonzero(on_land & ~inside):
            reasons[i].append(f"outside the region {region.name_zh} ({region.name})")
    if snapped is not None:
        far = snapped.dist_m > max_road_m
        for i in np.flatnonzero(far):
            reasons[i].append(
                f"{snapped.dist_m[i] / 1000:.1f} km from the nearest road node (limit {max_road_m / 1000:g} km)"
            )
        frame["node"] = snapped.node
        frame["snap_m"] = np.round(snapped.dist_m, 1)
        frame["access_min"] = np.round(snapped.access_min, 3)
    else:
        frame["node"], frame["snap_m"], frame["access_min"] = [], [], []
    frame["status"] = ["rejected" if r else "ok" for r in reasons]
    frame["reason"] = ["; ".join(r) for r in reasons]
    return frame


# --------------------------------------------------------------------------------------------------
# What if: the people each candidate would newly bring within 15/30/60 minutes, by county
# --------------------------------------------------------------------------------------------------


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
    lon: Any,
    lat: Any,
    *,
    thresholds_min: Sequence[float] = (15.0, 30.0, 60.0),
    names: Sequence[str] | None = None,
) -> WhatIf:
    """Persons each candidate (lon/lat, WGS84) would newly bring within each threshold, alone and together."""
    from spatial import traveltime

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


def what_if_isochrones(
    net: Network, lon: Any, lat: Any, *, thresholds_min: Sequence[float] = (15.0, 30.0, 60.0), names: Sequence[str] | None = None
) -> gpd.GeoDataFrame:
    """Each candidate's own nested isochrones (WGS84), from its bounded search (coverage's isochrones module)."""
    from spatial import isochrones

    lon = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    lat = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    iso = isochrones.isochrones(net, (lon, lat), thresholds_min, per_facility=True, names=names)
    return iso[iso["facility"] >= 0].reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# Candidate sources: gaps (generated here), file, county seats, plan projects
# --------------------------------------------------------------------------------------------------


def _blocks(x_m: np.ndarray, y_m: np.ndarray, block_m: float) -> np.ndarray:
    """Index (0..b-1) of the square block of side ``block_m`` each point falls in."""
    bx = np.floor((x_m - x_m.min()) / block_m).astype(np.int64)
    by = np.floor((y_m - y_m.min()) / block_m).astype(np.int64)
    return np.unique(bx * (int(by.max()) + 1) + by, return_inverse=True)[1].ravel()


def candidates_from_gaps(
    grid: PopulationGrid,
    current_min: np.ndarray,
    *,
    threshold_min: float,
    n: int = GAP_CANDIDATES_N,
    block_m: float | None = None,
    weight: str = "pop",
) -> gpd.GeoDataFrame:
    """Candidate points at the population-weighted centres of blocks of gap cells (> threshold), the ``n`` most populous."""
    w_all = np.asarray(getattr(grid, weight), dtype=np.float64)
    gap = ~(np.asarray(current_min) <= threshold_min) & (w_all > 0)
    if not gap.any() or n < 1:
        return gpd.GeoDataFrame({"name": [], "gap_population": [], "source": []}, geometry=[], crs="EPSG:4326")
    x, y, w = grid.x_m[gap], grid.y_m[gap], w_all[gap]
    if block_m is None:
        # Blocks sized so the gaps' extent splits into about n pieces, never finer than one cell.
        span = max(float(np.ptp(x) + grid.cell_m) * float(np.ptp(y) + grid.cell_m), 1.0)
        block_m = max(float(grid.cell_m), float(np.sqrt(span / n)))
        block = _blocks(x, y, block_m)
        # Gaps rarely fill their bounding box: refine until there are n blocks or blocks are single cells.
        while block.max() + 1 < n and block_m > grid.cell_m:
            block_m = max(float(grid.cell_m), block_m / np.sqrt(2.0))
            block = _blocks(x, y, block_m)
    else:
        block = _blocks(x, y, block_m)
    pop = np.bincount(block, weights=w)
    cx = np.bincount(block, weights=w * x) / pop
    cy = np.bincount(block, weights=w * y) / pop
    top = np.argsort(-pop, kind="stable")[:n]
    pts = gpd.GeoSeries(gpd.points_from_xy(cx[top], cy[top]), crs=grid.metric_crs).to_crs("EPSG:4326")
    return gpd.GeoDataFrame(
        {"name": [f"gap {i + 1}" for i in range(top.size)], "gap_population": pop[top], "source": "gaps"},
        geometry=pts.values,
        crs="EPSG:4326",
    )


def read_candidates(path: Any, *, datum: str = "wgs84") -> gpd.GeoDataFrame:
    """A user's candidate sites (CSV/Excel/GeoJSON/GPKG, via facilities.read_facilities) with ``source``."""
    from spatial import facilities

    frame = facilities.read_facilities(path, datum=datum)
    frame["source"] = "file"
    return frame


def candidates_from_seats(region: Any) -> gpd.GeoDataFrame:
    """County seats of the region (data/facilities/county_seats.csv) as candidate sites."""
    from spatial import facilities

    seats = facilities.default_facilities(region, kind="county_hospital")
    frame = seats[["source_row", "geometry"]].copy()
    frame.insert(0, "name", seats["name"].str.replace(r" \(county hospital stand-in: county seat\)$", "", regex=True) + "驻地")
    frame["adcode"] = seats["adcode"].to_numpy()
    frame["source"] = "county seats"
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


#: Province adcode prefix → the layer registry's region whose plans may list candidate sites.
_PLAN_REGIONS: dict[str, tuple[str, ...]] = {"46": ("hainan", "haikou"), "53": ("yunnan",), "43": ("yiyang",)}


def candidates_from_plan(region: Any) -> gpd.GeoDataFrame:
    """Point features the region's plans mark ``role == "candidate"`` (e.g. hainan-14th/building-projects)."""
    from layers import registry

    keys = _PLAN_REGIONS.get(str(int(region.adcode))[:2], ())
    frames = []
    for key in keys:
        for layer_key, build in registry.builders(key).items():
            layer = build()
            if "role" not in layer:
                continue
            pick = layer[(layer["role"] == "candidate") & (layer.geometry.geom_type == "Point")]
            if len(pick):
                frames.append(
                    gpd.GeoDataFrame(
                        {
                            "name": pick["name_zh"].to_numpy(),
                            "name_en": pick.get("name_en", pd.Series([None] * len(pick))).to_numpy(),
                            "location_source": pick.get("location_source", pd.Series([None] * len(pick))).to_numpy(),
                            "source": f"plan {layer_key}",
                        },
                        geometry=pick.geometry.to_numpy(),
                        crs=layer.crs,
                    ).to_crs("EPSG:4326")
                )
    if not frames:
        raise HealthplanError(
            f"the plans of {region.name_zh} ({region.name}) mark no candidate sites; give --candidates FILE, "
            "'seats' (county seats) or 'gaps' (points over the coverage gaps)"
        )
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326")
