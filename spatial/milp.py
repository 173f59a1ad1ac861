"""The exact siting models in HiGHS (highspy), passed straight from the sparse matrix.

Maximal covering: max Σ w_g·y_g s.t. y_g ≤ Σ_j a_gj·x_j, Σ x_j ≤ k; partial set covering: min Σ x_j
s.t. Σ w_g·y_g ≥ need.  Cells reached by exactly the same candidates are merged first (fewer rows), the
greedy answer is passed as a warm start, and the outcome says whether HiGHS *proved* optimality: at its
time limit it reports the incumbent, the bound and the gap, never a claim it did not prove.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MilpOutcome:
    """What HiGHS returned: chosen candidates, model status, whether optimality was proven, gap and bound."""

    sites: np.ndarray  # int64 candidate indices of the incumbent (empty when none was found)
    status: str  # HiGHS model status text, e.g. "Optimal", "Time limit reached"
    optimal: bool  # True only when HiGHS proved the incumbent optimal (within mip_rel_gap)
    gap: float | None  # relative MIP gap of the incumbent (None when unknown)
    objective: float | None  # the incumbent's objective value
    bound: float | None  # the best bound HiGHS proved (dual bound)


def aggregate_rows(a: sp.csc_array, w: np.ndarray) -> tuple[sp.csc_array, np.ndarray]:
    """Merge cells reached by exactly the same candidates (summing persons): fewer MILP rows.

    Parameters
    ----------
    a : scipy.sparse.csc_array
        Open cells × candidates coverage.
    w : numpy.ndarray
        Persons in each open cell.

    Returns
    -------
    rows : scipy.sparse.csc_array
        One row per distinct set of candidates.
    weight : numpy.ndarray
        float64 persons per merged row.
    """
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
def quiet_stdout() -> Iterator[None]:
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


def highs_model(time_limit_s: float, mip_rel_gap: float) -> highspy.Highs:
    """A quiet HiGHS instance with a time limit (s) and relative MIP gap.

    Parameters
    ----------
    time_limit_s : float
        Solver time limit, seconds.
    mip_rel_gap : float
        Relative MIP gap at which HiGHS stops (e.g. 1e-4).

    Returns
    -------
    highspy.Highs
    """
    # The banner would otherwise land on stdout, where the CLI prints its JSON summary.
    with quiet_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    return h


def pass_cover_model(
    h: highspy.Highs,
    a: sp.csc_array,
    w: np.ndarray,
    *,
    maximise: bool,
    k: int | None = None,
    need: float | None = None,
) -> None:
    """Pass the MCLP (max Σw·y, Σx ≤ k) or partial set cover (min Σx, Σw·y ≥ need) to HiGHS.

    Columns are the candidates x (binary) then the cell groups y (continuous 0–1).

    Parameters
    ----------
    h : highspy.Highs
        The solver instance (:func:`highs_model`).
    a : scipy.sparse.csc_array
        Cell groups × candidates coverage (:func:`aggregate_rows`).
    w : numpy.ndarray
        Persons per cell group.
    maximise : bool
        True for the MCLP (needs ``k``), False for the partial set cover (needs ``need``).
    k : int, optional
        Most new sites (MCLP).
    need : float, optional
        Persons to cover newly (set cover).
    """
    m, n = a.shape
    # Columns: x_j (binary, candidates) then y_g (continuous 0–1, cell groups).
    # Rows 0..m-1: y_g − Σ_j a_gj x_j ≤ 0; row m: Σ x_j = k (MCLP) or Σ w_g y_g ≥ need (cover).
    if maximise:
        if k is None:
            raise TypeError("pass_cover_model(maximise=True) needs k")
        extra_x, extra_y = np.ones((1, n)), np.zeros((1, m))
        cost = np.concatenate([np.zeros(n), w])
        # Σx ≤ k rather than = k: when fewer sites already reach everyone reachable, extra ones add nobody.
        row_lo = np.concatenate([np.full(m, -np.inf), [-np.inf]])
        row_hi = np.concatenate([np.zeros(m), [float(k)]])
        sense = highspy.ObjSense.kMaximize
    else:
        if need is None:
            raise TypeError("pass_cover_model(maximise=False) needs need")
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


def warm_start(h: highspy.Highs, a: sp.csc_array, sites: Sequence[int]) -> None:
    """Give HiGHS a feasible start (the greedy sites) so its incumbent is never worse than greedy.

    Parameters
    ----------
    h : highspy.Highs
        The solver with the model passed.
    a : scipy.sparse.csc_array
        The model's coverage matrix (cell groups × candidates).
    sites : sequence of int
        Candidate columns of the start.
    """
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


def solve(h: highspy.Highs, n: int) -> MilpOutcome:
    """Run HiGHS on a model passed by ``pass_cover_model``; the first ``n`` columns are the candidates.

    Parameters
    ----------
    h : highspy.Highs
        The solver with the model passed.
    n : int
        Number of candidate columns.

    Returns
    -------
    MilpOutcome
        The incumbent's sites (empty when none was found), status, whether optimality was proven, gap,
        objective and bound.
    """
    h.run()
    model_status = h.getModelStatus()
    status = h.modelStatusToString(model_status)
    info = h.getInfo()

    def finite(value: float) -> float | None:
        return float(value) if np.isfinite(value) and abs(value) < 1e300 else None

    optimal = model_status == highspy.HighsModelStatus.kOptimal
    if int(info.primal_solution_status) == 0:  # no feasible solution at all
        sites = np.zeros(0, dtype=np.int64)
        objective = None
    else:
        x = np.asarray(h.getSolution().col_value[:n])
        sites = np.flatnonzero(x > 0.5).astype(np.int64)
        objective = finite(info.objective_function_value)
    return MilpOutcome(sites=sites, status=status, optimal=bool(optimal), gap=finite(info.mip_gap),
                       objective=objective, bound=finite(info.mip_dual_bound))
