"""Scaling up with capacity: which new sites serve the most people when every facility has a capacity.

AccessMod's scaling-up adds facilities one at a time where they cover the most unserved people, each
with a capacity; PlanWise suggests sites the same way.  Here the choice is exact: a capacitated
maximal-covering MILP solved by HiGHS, with a greedy solution as its warm start, its yardstick and
its fallback.  Three forms:

* :func:`best_k` — the k new sites that serve the most persons;
* :func:`fewest_sites` — the fewest new sites so that a target share of all persons is served;
* :func:`within_budget` — each candidate has a cost; the most persons served within a budget.

"Served" counts capacity: a person is served when a facility within the threshold has capacity
left for them.  For a set S of open sites (today's facilities always open, with their capacities),
served(S) is the largest flow of persons from cells to facilities within the threshold with each
cell sending at most its population and each facility receiving at most its capacity (a
transportation problem).  This is the best assignment of people to facilities, so it is at least
what AccessMod's facility-by-facility rule (``spatial.capacity``) serves with the same sites; the
result reports both.

Model (HiGHS, ``y_j`` binary per candidate, ``x_gf ≥ 0`` persons of cell group g served by f, only
for pairs within the threshold): max Σ x  s.t.  Σ_f x_gf ≤ w_g;  Σ_g x_gf ≤ cap_f (today's) or
≤ cap_j · y_j (new);  x_gj ≤ min(w_g, cap_j) · y_j (tightening);  Σ y ≤ k, or Σ cost·y ≤ budget; or
min Σ y s.t. Σ x ≥ target.  Cells reached by exactly the same facilities are merged into one group
(summing persons): the allocation cannot tell them apart, so the merge is exact and keeps the
model small.  served(S) is submodular (a max-flow as a function of the open sources), so the lazy
greedy is sound.

Where HiGHS proves its answer within ``mip_rel_gap`` the result says ``proven_optimal`` with the gap;
where it stops at the time limit the result carries the incumbent, the bound and the gap, and
``proven_optimal`` is false; where it finds nothing better the greedy solution is returned, and the
``method`` says so.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike

from spatial import traveltime
from spatial.capacity import allocate
from spatial.errors import HealthplanError
from spatial.network import Network
from spatial.odmatrix import TravelMatrix, cell_facility_minutes
from spatial.population import PopulationGrid
from spatial.settings import TERTIARY_THRESHOLD_MIN

log = logging.getLogger(__name__)

#: Persons below which a gain is float noise, relative to the total population.
_REL_TOL = 1e-9


# --------------------------------------------------------------------------------------------------
# The problem: cell groups, pairs within the threshold, capacities


@dataclass(frozen=True, eq=False)
class ScalingProblem:
    """Merged cell groups and their (group, facility) pairs within the threshold; facilities = today's then candidates."""

    weight: np.ndarray  # float64 (g,) persons per group
    pair_group: np.ndarray  # int64 (p,) group of each pair
    pair_facility: np.ndarray  # int64 (p,) facility of each pair: 0..m0-1 today's, m0.. candidates
    existing_capacity: np.ndarray  # float64 (m0,) persons
    candidate_capacity: np.ndarray  # float64 (n,) persons
    candidate_cost: np.ndarray  # float64 (n,)
    total_population: float  # persons in all cells (also those no facility reaches)
    threshold_min: float
    names: tuple[str, ...] = ()  # candidate names
    n_cells: int = 0

    @property
    def n_existing(self) -> int:
        """Number of today's facilities."""
        return int(self.existing_capacity.shape[0])

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites."""
        return int(self.candidate_capacity.shape[0])

    @property
    def n_groups(self) -> int:
        """Number of merged cell groups (rows of the model)."""
        return int(self.weight.shape[0])


def scaling_problem(
    existing: TravelMatrix | sp.spmatrix | sp.sparray,
    candidates: TravelMatrix | sp.spmatrix | sp.sparray,
    population: ArrayLike,
    existing_capacity: ArrayLike,
    candidate_capacity: float | ArrayLike,
    *,
    threshold_min: float = TERTIARY_THRESHOLD_MIN,
    candidate_cost: ArrayLike | None = None,
    names: Sequence[str] = (),
) -> ScalingProblem:
    """Build the scaling-up problem from two cells × facilities minutes matrices (today's, candidates).

    Parameters
    ----------
    existing, candidates : TravelMatrix or sparse matrix
        Minutes from each cell to today's facilities and to the candidate sites (stored zeros real).
    population : array-like
        Persons per cell.
    existing_capacity : array-like
        Persons each of today's facilities can serve (``inf`` = unlimited).
    candidate_capacity : float or array-like
        Persons each new site can serve (one value for all, or one per candidate; ``inf`` = unlimited).
    threshold_min : float
        Travel-time threshold in minutes.
    candidate_cost : array-like, optional
        Cost of each candidate (any unit; ≥ 0) for :func:`within_budget`; 1 each when omitted.
    names : sequence of str, optional
        Candidate names.
    """
    a = _within(existing, threshold_min)
    b = _within(candidates, threshold_min)
    pop = np.asarray(population, dtype=np.float64).ravel()
    k = pop.size
    if a.shape[0] != k or b.shape[0] != k:
        raise HealthplanError(f"{k} cell populations but travel matrices of {a.shape[0]} and {b.shape[0]} cells")
    if not np.all(np.isfinite(pop) & (pop >= 0)):
        raise HealthplanError("cell populations must be finite and ≥ 0 persons")
    m0, n = a.shape[1], b.shape[1]
    cap0 = _capacities(existing_capacity, m0, "today's facilities")
    cap1 = _capacities(np.broadcast_to(np.asarray(candidate_capacity, dtype=np.float64), (n,)), n, "candidate sites")
    cost = np.ones(n) if candidate_cost is None else np.asarray(candidate_cost, dtype=np.float64).ravel()
    if cost.shape != (n,) or not np.all(np.isfinite(cost) & (cost >= 0)):
        raise HealthplanError(f"give one finite cost ≥ 0 per candidate site ({n}), got {cost.size} values")
    if names and len(names) != n:
        raise HealthplanError(f"{len(names)} candidate names for {n} candidates")
    pattern = sp.hstack([_pattern(a), _pattern(b)], format="csr")
    pattern.sort_indices()
    keep = (np.diff(pattern.indptr) > 0) & (pop > 0)
    groups, weight = _merge_rows(pattern[np.flatnonzero(keep)], pop[keep])
    coo = groups.tocoo()
    srt = np.lexsort((coo.col, coo.row))
    return ScalingProblem(
        weight=weight,
        pair_group=coo.row[srt].astype(np.int64),
        pair_facility=coo.col[srt].astype(np.int64),
        existing_capacity=cap0,
        candidate_capacity=cap1,
        candidate_cost=cost,
        total_population=float(pop.sum()),
        threshold_min=float(threshold_min),
        names=tuple(str(x) for x in names),
        n_cells=k,
    )


def _within(m: TravelMatrix | sp.spmatrix | sp.sparray, threshold_min: float) -> sp.csr_matrix:
    """Entries ≤ threshold as CSR (stored zeros kept)."""
    tm = m if isinstance(m, TravelMatrix) else TravelMatrix(sp.csr_matrix(m), float(np.inf))  # type: ignore[call-overload]  # scipy-stubs: csr_matrix() takes _spbase, not the public spmatrix/sparray
    return tm.within(threshold_min)


def _pattern(m: sp.csr_matrix) -> sp.csr_matrix:
    """Boolean (as float 1.0) sparsity pattern of a CSR matrix, stored zeros included."""
    return sp.csr_matrix((np.ones(m.indices.size), m.indices, m.indptr), shape=m.shape)


def _capacities(values: ArrayLike, m: int, what: str) -> np.ndarray:
    """Capacities as float64 (m,), persons ≥ 0 (inf allowed)."""
    cap = np.atleast_1d(np.asarray(values, dtype=np.float64)).ravel()
    if cap.shape != (m,):
        raise HealthplanError(f"{cap.size} capacities for {m} {what}; give one capacity (persons) each")
    if np.any(np.isnan(cap) | (cap < 0)):
        raise HealthplanError(f"capacities of the {what} must be persons ≥ 0 (inf for unlimited)")
    return cap.copy()


def _merge_rows(pattern: sp.csr_matrix, w: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Merge rows with the same facility set (summing persons): (one row per distinct set, persons per set)."""
    if pattern.shape[0] == 0:
        return sp.csr_matrix((0, pattern.shape[1])), np.zeros(0)
    rng = np.random.default_rng(20240611)
    # two random projections and the row length fingerprint each row's set; then checked exactly below
    keys = np.column_stack([pattern @ rng.random(pattern.shape[1]), pattern @ rng.random(pattern.shape[1]),
                            np.diff(pattern.indptr)])
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    rep = pattern[first]
    # scipy-stubs type sparse != sparse as bool; it is a sparse matrix of the differing entries
    if (rep[inverse] != pattern).nnz:  # type: ignore[attr-defined]  # a fingerprint collision (never seen): keep every row
        log.warning("scaling: cell groups could not be merged safely; the model keeps one row per cell")
        return pattern, w.copy()
    return rep, np.bincount(inverse, weights=w, minlength=first.size)


# --------------------------------------------------------------------------------------------------
# HiGHS: a quiet instance, the model, and the LP that evaluates a fixed set of sites


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Send C-level stdout to the null device for a moment (HiGHS prints its banner on construction).

    Not to stderr: stdout carries the CLI's JSON summary and stderr its progress and errors; a solver's
    banner belongs in neither.
    """
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real stdout (embedded interpreter): nothing to protect
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def _highs(*, time_limit_s: float = np.inf, mip_rel_gap: float = 1e-4) -> highspy.Highs:
    """A HiGHS instance that prints nothing on stdout (the CLI prints JSON there)."""
    with _quiet_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if np.isfinite(time_limit_s):
        h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    return h


@dataclass(frozen=True)
class _Model:
    """The MILP in column-wise arrays: columns y (n candidates) then x (pairs); rows as built by _model."""

    matrix: sp.csc_matrix
    col_lo: np.ndarray
    col_hi: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    cost: np.ndarray
    n_y: int


def _model(p: ScalingProblem) -> _Model:
    """Demand, capacity and tightening rows (selection row added by the caller)."""
    n, m0, g = p.n_candidates, p.n_existing, p.n_groups
    pairs = p.pair_group.size
    fac = p.pair_facility
    # effective capacity of a new site: never more than the persons it can reach
    reach_w = np.bincount(fac, weights=p.weight[p.pair_group], minlength=m0 + n)
    cap_new = np.minimum(p.candidate_capacity, reach_w[m0:])
    x_cols = n + np.arange(pairs)
    rows, cols, vals = [], [], []
    # demand: Σ_f x_gf ≤ w_g
    rows.append(p.pair_group)
    cols.append(x_cols)
    vals.append(np.ones(pairs))
    # capacity: Σ_g x_gf (− cap_j y_j for a candidate) ≤ cap_f (today's) or 0
    rows.append(g + fac)
    cols.append(x_cols)
    vals.append(np.ones(pairs))
    rows.append(g + m0 + np.arange(n))
    cols.append(np.arange(n))
    vals.append(-cap_new)
    # tightening: x_gj − min(w_g, cap_j) y_j ≤ 0 for candidate pairs
    cand = np.flatnonzero(fac >= m0)
    link0 = g + m0 + n
    link_rows = link0 + np.arange(cand.size)
    j = fac[cand] - m0
    rows += [link_rows, link_rows]
    cols += [x_cols[cand], j]
    vals += [np.ones(cand.size), -np.minimum(p.weight[p.pair_group[cand]], cap_new[j])]
    n_rows = link0 + cand.size
    mat = sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, n + pairs)
    )
    mat.eliminate_zeros()
    row_hi = np.concatenate([p.weight, p.existing_capacity, np.zeros(n), np.zeros(cand.size)])
    return _Model(
        matrix=mat,
        col_lo=np.zeros(n + pairs),
        col_hi=np.concatenate([np.ones(n), np.full(pairs, np.inf)]),
        row_lo=np.full(n_rows, -np.inf),
        row_hi=row_hi,
        cost=np.concatenate([np.zeros(n), np.ones(pairs)]),
        n_y=n,
    )


def _pass(h: highspy.Highs, mdl: _Model, *, maximise: bool, integer: bool,
          extra_row: tuple[np.ndarray, float, float] | None = None, cost: np.ndarray | None = None) -> None:
    """Pass the model (plus an optional dense selection row over all columns) to HiGHS."""
    mat, row_lo, row_hi = mdl.matrix, mdl.row_lo, mdl.row_hi
    if extra_row is not None:
        coef, lo, hi = extra_row
        mat = sp.vstack([mat, sp.csr_matrix(coef[None, :])], format="csc")
        mat.eliminate_zeros()
        row_lo, row_hi = np.r_[row_lo, lo], np.r_[row_hi, hi]
    n_cols = mat.shape[1]
    integrality = np.zeros(n_cols, dtype=np.int32)
    if integer:
        integrality[: mdl.n_y] = 1
    sense = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
    h.passModel(
        int(n_cols), int(mat.shape[0]), int(mat.nnz), int(highspy.MatrixFormat.kColwise.value), int(sense.value), 0.0,
        (mdl.cost if cost is None else cost).astype(np.float64), mdl.col_lo.astype(np.float64),
        mdl.col_hi.astype(np.float64), row_lo.astype(np.float64), row_hi.astype(np.float64),
        mat.indptr.astype(np.int32), mat.indices.astype(np.int32), mat.data.astype(np.float64), integrality,
    )


class _Evaluator:
    """Persons served with a fixed set of new sites open (an LP re-solved warm as the set changes)."""

    def __init__(self, p: ScalingProblem, mdl: _Model) -> None:
        self.mdl = mdl
        self.h = _highs()
        _pass(self.h, mdl, maximise=True, integer=False)
        self.calls = 0
        self._cache: dict[frozenset[int], float] = {}

    def served(self, sites: Sequence[int]) -> float:
        """Persons served (max flow) with today's facilities and ``sites`` open."""
        key = frozenset(int(s) for s in sites)
        if key not in self._cache:
            self._cache[key] = self._solve(key)[0]
        return self._cache[key]

    def solution(self, sites: Sequence[int]) -> np.ndarray:
        """Column values (y then x) of an optimal allocation with ``sites`` open."""
        return self._solve(frozenset(int(s) for s in sites))[1]

    def _solve(self, key: frozenset[int]) -> tuple[float, np.ndarray]:
        """Fix y to the set, solve the LP, return (objective, column values)."""
        n = self.mdl.n_y
        hi = np.zeros(n)
        hi[list(key)] = 1.0
        if n:
            self.h.changeColsBounds(n, np.arange(n, dtype=np.int32), hi, hi)
        self.h.run()
        self.calls += 1
        status = self.h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise HealthplanError(f"HiGHS could not evaluate a set of sites ({self.h.modelStatusToString(status)})")
        return float(self.h.getInfo().objective_function_value), np.asarray(self.h.getSolution().col_value)


# --------------------------------------------------------------------------------------------------
# Greedy (lazy: served() is submodular)


def _lazy_greedy(ev: _Evaluator, p: ScalingProblem, *, k_max: int, need: float = np.inf,
                 cost: np.ndarray | None = None, budget: float = np.inf) -> tuple[list[int], list[float]]:
    """Sites in greedy order with each one's gain (persons); by gain, or gain per cost within a budget."""
    chosen: list[int] = []
    gains: list[float] = []
    base = ev.served([])
    tol = _REL_TOL * max(p.total_population, 1.0)
    spent = 0.0

    def key(j: int, gain: float) -> float:
        """Priority: gain, or gain per unit cost (free sites first)."""
        if cost is None:
            return gain
        return np.inf if cost[j] == 0 else gain / cost[j]

    heap = []
    for j in range(p.n_candidates):
        if cost is not None and cost[j] > budget:
            continue
        g = ev.served([j]) - base
        if g > tol:
            heap.append((-key(j, g), j, g, 0))
    heapq.heapify(heap)
    current = base
    while heap and len(chosen) < k_max and current - ev.served([]) < need - tol:
        _, j, g, stamp = heapq.heappop(heap)
        if cost is not None and spent + cost[j] > budget * (1 + 1e-12):
            continue  # no longer affordable
        if stamp == len(chosen):
            chosen.append(j)
            gains.append(g)
            spent += cost[j] if cost is not None else 0.0
            current += g
            continue
        g = ev.served(chosen + [j]) - current
        if g > tol:
            heapq.heappush(heap, (-key(j, g), j, g, len(chosen)))
    return chosen, gains


def _order_by_gain(ev: _Evaluator, sites: Sequence[int]) -> tuple[list[int], list[float]]:
    """Order a fixed set of sites greedily: (sites, persons each adds given those before it)."""
    rest = [int(s) for s in sites]
    order: list[int] = []
    gains: list[float] = []
    current = ev.served([])
    while rest:
        values = [ev.served(order + [s]) for s in rest]
        best = int(np.argmax(values))
        gains.append(values[best] - current)
        current = values[best]
        order.append(rest.pop(best))
    return order, gains


# --------------------------------------------------------------------------------------------------
# Result


@dataclass
class ScalingResult:
    """Chosen new sites, persons served before/after (capacity counted), solver status and the greedy yardstick."""

    chosen: np.ndarray  # int64 candidate indices, in greedy order of marginal gain
    gain: np.ndarray  # float64 persons each adds given those before it
    served_before: float  # persons served by today's facilities alone (best assignment)
    served_after: float  # with the chosen sites added
    total_population: float
    form: str  # "best_k" | "fewest_sites" | "within_budget"
    method: str  # "exact-highs", "greedy", or a fallback statement
    proven_optimal: bool  # HiGHS closed the gap to mip_rel_gap
    mip_status: str | None = None
    mip_gap: float | None = None  # relative gap at the end (None when HiGHS did not run)
    mip_objective: float | None = None  # the incumbent's objective
    mip_bound: float | None = None  # HiGHS's dual bound on the objective
    greedy_chosen: np.ndarray | None = None
    greedy_served_after: float | None = None
    feasible: bool = True  # fewest_sites: the target can be reached
    cost_total: float = 0.0
    solve_s: float = 0.0
    names: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def served_share_before(self) -> float:
        """Share of all persons served by today's facilities (0–1)."""
        return self.served_before / self.total_population if self.total_population else 0.0

    @property
    def served_share_after(self) -> float:
        """Share of all persons served with the chosen sites (0–1)."""
        return self.served_after / self.total_population if self.total_population else 0.0

    def sites(self) -> pd.DataFrame:
        """One row per chosen site: rank, candidate, name, persons it adds (given those above), cumulative served."""
        frame = pd.DataFrame(
            {
                "rank": np.arange(1, self.chosen.size + 1),
                "candidate": self.chosen,
                "gain_population": self.gain,
                "served_after": self.served_before + np.cumsum(self.gain),
            }
        )
        if self.names:
            frame.insert(2, "name", [self.names[j] for j in self.chosen])
        return frame

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary: form, method, served before/after, solver status, gap and bound, greedy's value."""
        return {
            "form": self.form,
            "method": self.method,
            "proven_optimal": self.proven_optimal,
            "n_sites": int(self.chosen.size),
            "chosen": [int(j) for j in self.chosen],
            "chosen_names": [self.names[j] for j in self.chosen] if self.names else None,
            "gain_population": [round(float(g), 1) for g in self.gain],
            "total_population": round(self.total_population, 1),
            "served_before": round(self.served_before, 1),
            "served_after": round(self.served_after, 1),
            "served_share_before": round(self.served_share_before, 6),
            "served_share_after": round(self.served_share_after, 6),
            "feasible": self.feasible,
            "cost_total": self.cost_total,
            "mip_status": self.mip_status,
            "mip_gap": self.mip_gap,
            "mip_objective": None if self.mip_objective is None else round(self.mip_objective, 3),
            "mip_bound": None if self.mip_bound is None else round(self.mip_bound, 3),
            "greedy_chosen": None if self.greedy_chosen is None else [int(j) for j in self.greedy_chosen],
            "greedy_served_after": None if self.greedy_served_after is None else round(self.greedy_served_after, 1),
            "solve_s": round(self.solve_s, 4),
            **self.extra,
        }


# --------------------------------------------------------------------------------------------------
# The three forms


def _check_method(method: str) -> None:
    """Reject an unknown method."""
    if method not in ("exact", "greedy"):
        raise HealthplanError(f"unknown scaling-up method {method!r}: use 'exact' (HiGHS MILP) or 'greedy'")


def _solve_milp(p: ScalingProblem, mdl: _Model, ev: _Evaluator, greedy: Sequence[int], *, maximise: bool,
                extra_row: tuple[np.ndarray, float, float], cost: np.ndarray | None,
                time_limit_s: float, mip_rel_gap: float) -> dict[str, Any]:
    """Run the MILP warm-started from greedy; chosen sites, status, gap, objective, bound."""
    h = _highs(time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
    _pass(h, mdl, maximise=maximise, integer=True, extra_row=extra_row, cost=cost)
    start = highspy.HighsSolution()
    start.col_value = list(ev.solution(greedy))
    start.value_valid = True
    if h.setSolution(start) != highspy.HighsStatus.kOk:
        log.debug("HiGHS did not accept the greedy warm start; solving cold")
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    has = int(info.primal_solution_status) == 2  # a feasible incumbent exists
    chosen = np.flatnonzero(np.asarray(h.getSolution().col_value[: p.n_candidates]) > 0.5) if has else None
    return {
        "chosen": chosen,
        "status": h.modelStatusToString(status),
        "optimal": status == highspy.HighsModelStatus.kOptimal,
        "gap": float(info.mip_gap) if has and np.isfinite(info.mip_gap) else None,
        "objective": float(info.objective_function_value) if has else None,
        "bound": float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None,
    }


def _finish(p: ScalingProblem, ev: _Evaluator, sites: Sequence[int], *, form: str, method: str, proven: bool,
            t0: float, milp: dict[str, Any] | None, greedy: Sequence[int] | None, **kw: Any) -> ScalingResult:
    """Order the chosen sites by gain and assemble the result."""
    order, gains = _order_by_gain(ev, sites)
    before = ev.served([])
    res = ScalingResult(
        chosen=np.asarray(order, dtype=np.int64),
        gain=np.asarray(gains, dtype=np.float64),
        served_before=before,
        served_after=ev.served(order),
        total_population=p.total_population,
        form=form,
        method=method,
        proven_optimal=proven,
        cost_total=float(p.candidate_cost[order].sum()) if order else 0.0,
        names=p.names,
        greedy_chosen=None if greedy is None else np.asarray(greedy, dtype=np.int64),
        greedy_served_after=None if greedy is None else ev.served(greedy),
        **kw,
    )
    if milp is not None:
        res.mip_status, res.mip_gap = milp["status"], milp["gap"]
        res.mip_objective, res.mip_bound = milp["objective"], milp["bound"]
    res.extra.update({"model_groups": p.n_groups, "model_pairs": int(p.pair_group.size), "lp_evaluations": ev.calls})
    res.solve_s = time.perf_counter() - t0
    return res


def _exact_or_greedy(p: ScalingProblem, ev: _Evaluator, mdl: _Model, greedy: list[int], *, form: str,
                     maximise: bool, extra_row: tuple[np.ndarray, float, float], cost: np.ndarray | None,
                     better: Callable[[list[int], list[int]], bool], time_limit_s: float, mip_rel_gap: float, t0: float, **kw: Any) -> ScalingResult:
    """Solve the MILP; keep its incumbent when it is at least as good as greedy, else greedy (said so)."""
    milp = _solve_milp(p, mdl, ev, greedy, maximise=maximise, extra_row=extra_row, cost=cost,
                       time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
    if milp["chosen"] is None:
        return _finish(p, ev, greedy, form=form, proven=False, t0=t0, milp=milp, greedy=greedy,
                       method=f"greedy (fallback: HiGHS found no solution, status {milp['status']})", **kw)
    if not better(milp["chosen"], greedy):
        return _finish(p, ev, greedy, form=form, proven=False, t0=t0, milp=milp, greedy=greedy,
                       method=f"greedy (fallback: HiGHS's incumbent was not better, status {milp['status']})", **kw)
    method = "exact-highs" if milp["optimal"] else (
        f"exact-highs stopped ({milp['status']}): incumbent with bound and gap, optimality not proven")
    return _finish(p, ev, milp["chosen"], form=form, proven=bool(milp["optimal"]), t0=t0, milp=milp,
                   greedy=greedy, method=method, **kw)


def best_k(p: ScalingProblem, k: int, *, method: str = "exact", time_limit_s: float = 60.0,
           mip_rel_gap: float = 1e-4) -> ScalingResult:
    """The ``k`` new sites (at most) that serve the most persons, capacity counted (today's facilities kept).

    Fewer than k come back when further sites would serve nobody more.

    Parameters
    ----------
    p : ScalingProblem
        Cells, facilities, candidates and capacities (:func:`scaling_problem`).
    k : int
        Most new sites (≥ 1).
    method : str
        "exact" (HiGHS MILP warm-started from greedy; greedy's answer stands when the solver does no
        better) or "greedy".
    time_limit_s : float
        Solver time limit, seconds.
    mip_rel_gap : float
        Relative MIP gap at which HiGHS stops.

    Returns
    -------
    ScalingResult
    """
    _check_method(method)
    if int(k) != k or k < 1:
        raise HealthplanError(f"the number of new sites must be a positive whole number, got {k!r}")
    t0 = time.perf_counter()
    mdl = _model(p)
    ev = _Evaluator(p, mdl)
    greedy, _ = _lazy_greedy(ev, p, k_max=int(k))
    if method == "greedy" or p.n_candidates == 0:
        return _finish(p, ev, greedy, form="best_k", method="greedy", proven=False, t0=t0, milp=None, greedy=greedy)
    coef = np.r_[np.ones(p.n_candidates), np.zeros(mdl.matrix.shape[1] - p.n_candidates)]
    tol = _REL_TOL * max(p.total_population, 1.0)
    return _exact_or_greedy(
        p, ev, mdl, greedy, form="best_k", maximise=True, extra_row=(coef, -np.inf, float(k)), cost=None,
        better=lambda s, g: ev.served(s) >= ev.served(g) - tol, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap,
        t0=t0,
    )


def within_budget(p: ScalingProblem, budget: float, *, method: str = "exact", time_limit_s: float = 60.0,
                  mip_rel_gap: float = 1e-4) -> ScalingResult:
    """New sites whose costs add up to at most ``budget`` that serve the most persons (capacity counted).

    The greedy yardstick is the better of (a) sites by persons gained per unit cost while affordable
    and (b) the single best affordable site.

    Parameters
    ----------
    p : ScalingProblem
        Cells, facilities, candidates, capacities and candidate costs (:func:`scaling_problem`).
    budget : float
        Most total cost of the new sites (the candidates' cost unit; ≥ 0).
    method : str
        "exact" (HiGHS MILP warm-started from greedy; greedy's answer stands when the solver does no
        better) or "greedy".
    time_limit_s : float
        Solver time limit, seconds.
    mip_rel_gap : float
        Relative MIP gap at which HiGHS stops.

    Returns
    -------
    ScalingResult
    """
    _check_method(method)
    if not (np.isfinite(budget) and budget >= 0):
        raise HealthplanError(f"the budget must be a finite number ≥ 0 (in the candidates' cost unit), got {budget!r}")
    t0 = time.perf_counter()
    mdl = _model(p)
    ev = _Evaluator(p, mdl)
    cost = p.candidate_cost
    ratio, _ = _lazy_greedy(ev, p, k_max=p.n_candidates, cost=cost, budget=float(budget))
    affordable = np.flatnonzero(cost <= budget)
    single = max(affordable.tolist(), key=lambda j: (ev.served([j]), -j), default=None)
    greedy = ratio if single is None or ev.served(ratio) >= ev.served([single]) else [int(single)]
    kw = {"extra": {"budget": float(budget)}}
    if method == "greedy" or p.n_candidates == 0:
        return _finish(p, ev, greedy, form="within_budget", method="greedy", proven=False, t0=t0, milp=None,
                       greedy=greedy, **kw)
    coef = np.r_[cost, np.zeros(mdl.matrix.shape[1] - p.n_candidates)]
    tol = _REL_TOL * max(p.total_population, 1.0)
    return _exact_or_greedy(
        p, ev, mdl, greedy, form="within_budget", maximise=True, extra_row=(coef, -np.inf, float(budget)), cost=None,
        better=lambda s, g: ev.served(s) >= ev.served(g) - tol and cost[s].sum() <= budget * (1 + 1e-9),
        time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, t0=t0, **kw,
    )


def fewest_sites(p: ScalingProblem, target_share: float, *, method: str = "exact", time_limit_s: float = 60.0,
                 mip_rel_gap: float = 1e-4) -> ScalingResult:
    """The fewest new sites so that ``target_share`` (0–1) of all persons are served (capacity counted).

    When even every candidate together cannot reach the target, ``feasible`` is false and the result
    lists every site that adds anyone, in greedy order, with the share they reach.

    Parameters
    ----------
    p : ScalingProblem
        Cells, facilities, candidates and capacities (:func:`scaling_problem`).
    target_share : float
        Share of all persons to serve, in (0, 1].
    method : str
        "exact" (HiGHS MILP warm-started from greedy; greedy's answer stands when the solver does no
        better) or "greedy".
    time_limit_s : float
        Solver time limit, seconds.
    mip_rel_gap : float
        Relative MIP gap at which HiGHS stops.

    Returns
    -------
    ScalingResult
    """
    _check_method(method)
    if not 0.0 < target_share <= 1.0:
        raise HealthplanError(f"target share must be between 0 and 1 (e.g. 0.95), got {target_share!r}")
    t0 = time.perf_counter()
    mdl = _model(p)
    ev = _Evaluator(p, mdl)
    tol = _REL_TOL * max(p.total_population, 1.0)
    need_total = target_share * p.total_population - tol  # "reach 95 %" must not fail on summation order
    before = ev.served([])
    kw = {"extra": {"target_share": float(target_share)}}
    if before >= need_total:
        return _finish(p, ev, [], form="fewest_sites", method="none needed", proven=True, t0=t0, milp=None,
                       greedy=[], **kw)
    everything = ev.served(range(p.n_candidates))
    if everything < need_total:
        greedy, _ = _lazy_greedy(ev, p, k_max=p.n_candidates)
        return _finish(p, ev, greedy, form="fewest_sites", method="infeasible: every site that adds anyone, greedy order",
                       proven=False, t0=t0, milp=None, greedy=greedy, feasible=False,
                       **{"extra": {**kw["extra"], "best_share": everything / p.total_population}})
    greedy, _ = _lazy_greedy(ev, p, k_max=p.n_candidates, need=need_total - before)
    if method == "greedy":
        return _finish(p, ev, greedy, form="fewest_sites", method="greedy", proven=False, t0=t0, milp=None,
                       greedy=greedy, **kw)
    n_cols = mdl.matrix.shape[1]
    coef = np.r_[np.zeros(p.n_candidates), np.ones(n_cols - p.n_candidates)]
    cost = np.r_[np.ones(p.n_candidates), np.zeros(n_cols - p.n_candidates)]
    return _exact_or_greedy(
        p, ev, mdl, greedy, form="fewest_sites", maximise=False, extra_row=(coef, float(need_total), np.inf), cost=cost,
        better=lambda s, g: len(s) <= len(g) and ev.served(s) >= need_total - tol,
        time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, t0=t0, **kw,
    )


# --------------------------------------------------------------------------------------------------
# From the road network


def scale_up(
    net: Network,
    grid: PopulationGrid,
    existing: gpd.GeoDataFrame,
    existing_capacity: ArrayLike,
    candidates: gpd.GeoDataFrame,
    candidate_capacity: float | ArrayLike,
    *,
    threshold_min: float = TERTIARY_THRESHOLD_MIN,
    k: int | None = None,
    target_share: float | None = None,
    budget: float | None = None,
    candidate_cost: ArrayLike | None = None,
    method: str = "exact",
    weight: str = "pop",
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-4,
    access: traveltime.Snap | None = None,
) -> ScalingResult:
    """Scaling-up on the road network: give exactly one of ``k``, ``target_share`` or ``budget``.

    One bounded search per existing facility and per candidate (``odmatrix``); cells' minutes add
    their access legs.  The summary also carries ``served_after_sequential``: persons served with the
    chosen sites under AccessMod's facility-by-facility rule (``spatial.capacity``, default order).

    Parameters
    ----------
    net : Network
        The road network.
    grid : PopulationGrid
        The populated cells.
    existing : geopandas.GeoDataFrame
        Today's facilities (points).
    existing_capacity : array-like
        Persons each of today's facilities can serve (``inf`` = unlimited).
    candidates : geopandas.GeoDataFrame
        Candidate sites (points; names from a ``name`` column when present).
    candidate_capacity : float or array-like
        Persons each new site can serve (one value for all, or one per candidate).
    threshold_min : float
        A facility serves only cells within this many minutes.
    k, target_share, budget : optional
        The form: :func:`best_k`, :func:`fewest_sites` (share 0–1) or :func:`within_budget` (cost units).
    candidate_cost : array-like, optional
        Cost of each candidate (≥ 0); 1 each when omitted.
    method : str
        "exact" (HiGHS MILP warm-started from greedy; greedy's answer stands when the solver does no
        better) or "greedy".
    time_limit_s : float
        Solver time limit, seconds.
    mip_rel_gap : float
        Relative MIP gap at which HiGHS stops.
    weight : str
        The population column to serve: pop, urban, rural or pop60.
    access : traveltime.Snap, optional
        The cells' snap, when already computed.

    Returns
    -------
    ScalingResult
    """
    forms = [x is not None for x in (k, target_share, budget)]
    if sum(forms) != 1:
        raise HealthplanError("give exactly one of k (number of new sites), target_share (0–1) or budget")
    if weight not in ("pop", "urban", "rural", "pop60"):
        raise HealthplanError(f"unknown population weight {weight!r}: use pop, urban, rural or pop60")
    access = access if access is not None else traveltime.snap(net, grid.lon, grid.lat)
    a = cell_facility_minutes(net, grid, existing, limit_min=threshold_min, access=access)
    b = cell_facility_minutes(net, grid, candidates, limit_min=threshold_min, access=access)
    names = [str(n) for n in candidates["name"]] if "name" in candidates.columns else ()
    pop = np.asarray(getattr(grid, weight), dtype=np.float64)
    p = scaling_problem(a, b, pop, existing_capacity, candidate_capacity, threshold_min=threshold_min,
                        candidate_cost=candidate_cost, names=names)
    if k is not None:
        res = best_k(p, k, method=method, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
    elif target_share is not None:
        res = fewest_sites(p, target_share, method=method, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
    else:
        assert budget is not None  # exactly one of k, target_share, budget (checked above)
        res = within_budget(p, float(budget), method=method, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
    cols = sp.hstack([a.minutes, b.minutes[:, res.chosen]], format="csr")
    caps = np.r_[p.existing_capacity, p.candidate_capacity[res.chosen]]
    seq = allocate(TravelMatrix(cols, float(threshold_min)), pop, caps, threshold_min=threshold_min)
    res.extra["served_after_sequential"] = round(float(seq.served.sum()), 1)
    return res
