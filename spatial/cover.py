"""The maximal-covering model: cells (persons, covered today or not) × candidate sites, as a sparse matrix.

Cells already within the threshold of an existing facility contribute nothing, so only *newly covered*
people count; the solvers (``spatial.greedy``, ``spatial.milp``, called by ``spatial.siting``) work on the
open cells only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from spatial.errors import HealthplanError


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

    def covered_with(self, sites: Sequence[int] | np.ndarray) -> float:
        """Persons covered with today's facilities plus the given candidate sites."""
        idx = np.asarray(sites, dtype=np.int64)
        if idx.size == 0:
            return self.covered_before
        hit = np.asarray(self.open_matrix[:, idx].sum(axis=1)).ravel() > 0
        return self.covered_before + float(self.open_weight[hit].sum())


def problem_from_minutes(
    weight: np.ndarray,
    current_min: np.ndarray,
    cover: sp.spmatrix | sp.sparray,
    *,
    threshold_min: float,
    names: Sequence[str] = (),
) -> CoverProblem:
    """A coverage problem from cell persons, today's minutes per cell and a boolean coverage matrix.

    Parameters
    ----------
    weight : numpy.ndarray
        Persons per cell (the chosen weight: all, urban, rural or 60+).
    current_min : numpy.ndarray
        Minutes from each cell to today's nearest facility (inf or NaN where unreachable).
    cover : scipy sparse matrix
        Cells × candidates; non-zero where the candidate is within ``threshold_min`` of the cell.
    threshold_min : float
        Cells within this many minutes today count as covered already.
    names : sequence of str
        Candidate names.

    Returns
    -------
    CoverProblem
    """
    weight = np.asarray(weight, dtype=np.float64)
    current_min = np.asarray(current_min, dtype=np.float64)
    covered0 = np.nan_to_num(current_min, nan=np.inf, posinf=np.inf) <= threshold_min
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
