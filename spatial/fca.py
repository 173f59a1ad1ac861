"""Two-step floating catchment accessibility (2SFCA, 两步移动搜索法) and its enhanced form (E2SFCA).

On the cells × facilities travel-time matrix (``odmatrix``), with a catchment ``d0`` in minutes and a
distance-decay weight ``W(t)`` (1 for plain 2SFCA):

1. each facility j's supply-to-demand ratio ``R_j = S_j / Σ_{i: t_ij ≤ d0} P_i · W(t_ij)`` — supply
   (beds, doctors …) over the decay-weighted population within its catchment;
2. each cell i's score ``A_i = Σ_{j: t_ij ≤ d0} R_j · W(t_ij)`` — supply per person in reach.

E2SFCA (Luo & Qi 2009, *Health & Place* 15: 1100–1107) splits the catchment into sub-zones with
weights; their Gaussian-derived step weights 1, 0.68, 0.22 on three equal sub-zones are the default
here (thirds of ``d0``), or a Gaussian ``W(t) = exp(−t² / 2σ²)``.  Definitions follow PySAL
``access`` exactly (``access.fca.two_stage_fca`` and ``access.weights``): the catchment test is
``t ≤ d0``; a step weight applies to ``t ≤`` its upper break (the first break that holds), 0 beyond
the last; the Gaussian is not normalised (W(0) = 1); the same weight enters both steps; and the
normalised score divides by the population-weighted mean score.  One difference, on purpose: a
facility with no weighted population in its catchment gets ``R_j = 0`` (PySAL divides by zero).
Cells with no facility in reach score 0 (PySAL leaves them NaN).  County scores are
population-weighted means of the cell scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike

from spatial import traveltime
from spatial.errors import HealthplanError
from spatial.network import Network
from spatial.odmatrix import TravelMatrix, cell_facility_minutes
from spatial.population import PopulationGrid
from spatial.settings import TERTIARY_THRESHOLD_MIN

#: Luo & Qi's (2009) sub-zone weights for three equal sub-zones of the catchment.
LUO_QI_WEIGHTS: tuple[float, float, float] = (1.0, 0.68, 0.22)

DECAYS: tuple[str, ...] = ("none", "step", "gaussian")


# --------------------------------------------------------------------------------------------------
# Distance decay


@dataclass(frozen=True)
class Decay:
    """A distance-decay weight of travel minutes: none (1), stepwise, or Gaussian."""

    kind: str = "none"
    steps: tuple[tuple[float, float], ...] = ()  # (upper break in minutes, weight), breaks ascending
    sigma_min: float = float("nan")  # Gaussian width in minutes

    def __post_init__(self) -> None:
        if self.kind not in DECAYS:
            raise HealthplanError(f"unknown decay {self.kind!r}: use one of {', '.join(DECAYS)}")
        if self.kind == "step":
            if not self.steps:
                raise HealthplanError("a stepwise decay needs at least one (upper minutes, weight) step")
            breaks = [b for b, _ in self.steps]
            if any(w < 0 or not np.isfinite(w) for _, w in self.steps) or breaks != sorted(set(breaks)):
                raise HealthplanError(
                    "stepwise decay: upper breaks must be distinct and ascending (minutes) and weights finite ≥ 0, "
                    f"got {list(self.steps)}"
                )
        if self.kind == "gaussian" and not (np.isfinite(self.sigma_min) and self.sigma_min > 0):
            raise HealthplanError(f"Gaussian decay needs sigma_min > 0 minutes, got {self.sigma_min!r}")

    def weight(self, minutes: np.ndarray) -> np.ndarray:
        """Weight of each travel time (float64, same shape; minutes ≥ 0)."""
        t = np.asarray(minutes, dtype=np.float64)
        if self.kind == "none":
            return np.ones_like(t)
        if self.kind == "gaussian":
            return np.exp(-t * t / (2.0 * self.sigma_min**2))
        breaks = np.array([b for b, _ in self.steps], dtype=np.float64)
        values = np.array([w for _, w in self.steps] + [0.0], dtype=np.float64)
        # first break with t ≤ break (PySAL step_fn); beyond the last break: weight 0
        return values[np.searchsorted(breaks, t, side="left")]

    def describe(self) -> str:
        """Short text for tables and provenance, e.g. 'step 20:1, 40:0.68, 60:0.22 min'."""
        if self.kind == "step":
            return "step " + ", ".join(f"{b:g}:{w:g}" for b, w in self.steps) + " min"
        if self.kind == "gaussian":
            return f"gaussian sigma {self.sigma_min:g} min"
        return "none"


def step_decay(steps: Sequence[tuple[float, float]]) -> Decay:
    """Stepwise decay from (upper break in minutes, weight) pairs, e.g. ((20, 1), (40, 0.68), (60, 0.22))."""
    return Decay("step", tuple((float(b), float(w)) for b, w in sorted(steps)))


def luo_qi_steps(catchment_min: float) -> Decay:
    """Luo & Qi's weights 1, 0.68, 0.22 on three equal sub-zones of the catchment (minutes)."""
    third = float(catchment_min) / 3.0
    return step_decay([(third, LUO_QI_WEIGHTS[0]), (2 * third, LUO_QI_WEIGHTS[1]), (float(catchment_min), LUO_QI_WEIGHTS[2])])


def gaussian_decay(sigma_min: float) -> Decay:
    """Gaussian decay exp(−t² / 2σ²) of travel minutes t (σ in minutes; W(0) = 1)."""
    return Decay("gaussian", sigma_min=float(sigma_min))


# --------------------------------------------------------------------------------------------------
# Result


@dataclass(frozen=True, eq=False)
class FcaResult:
    """Floating-catchment scores per cell, each facility's ratio, and the inputs that define them."""

    score: np.ndarray  # float64 (k,) supply per person in reach (A_i); 0 where no facility is in reach
    ratio: np.ndarray  # float64 (m,) supply per decay-weighted person in the facility's catchment (R_j)
    weighted_demand: np.ndarray  # float64 (m,) Σ P_i W(t_ij) within the catchment
    supply: np.ndarray  # float64 (m,)
    population: np.ndarray  # float64 (k,)
    reached: np.ndarray  # bool (k,) at least one facility within the catchment
    catchment_min: float
    decay: Decay
    method: str  # "2sfca" | "e2sfca"
    county: np.ndarray | None = None
    names: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def mean_score(self) -> float:
        """Population-weighted mean score over all cells (the normaliser PySAL uses)."""
        total = float(self.population.sum())
        return float(self.population @ self.score) / total if total else 0.0

    def normalized(self) -> np.ndarray:
        """Cell scores divided by the population-weighted mean score (1 = the region's average)."""
        mean = self.mean_score
        return self.score / mean if mean > 0 else np.zeros_like(self.score)

    def cells(self) -> pd.DataFrame:
        """One row per cell: adcode, population, score, score_per_1000, normalized, reached."""
        frame = pd.DataFrame(
            {
                "cell": np.arange(self.score.size, dtype=np.int64),
                "population": self.population,
                "score": self.score,
                "score_per_1000": self.score * 1000.0,
                "normalized": self.normalized(),
                "reached": self.reached,
            }
        )
        if self.county is not None:
            frame.insert(1, "adcode", self.county)
        return frame

    def counties(self, counties: pd.DataFrame | None = None) -> pd.DataFrame:
        """Per county: population, population-weighted mean score (and per 1,000), normalized, share reached."""
        if self.county is None:
            raise HealthplanError("this result has no county per cell; pass county= when computing it")
        codes, inv = np.unique(self.county, return_inverse=True)
        inv = inv.ravel()
        pop = np.bincount(inv, weights=self.population, minlength=codes.size)
        weighted = np.bincount(inv, weights=self.population * self.score, minlength=codes.size)
        reached = np.bincount(inv, weights=self.population * self.reached, minlength=codes.size)
        score = np.divide(weighted, pop, out=np.zeros(codes.size), where=pop > 0)
        mean = self.mean_score
        frame = pd.DataFrame(
            {
                "adcode": codes,
                "population": pop,
                "score": score,
                "score_per_1000": score * 1000.0,
                "normalized": score / mean if mean > 0 else np.zeros(codes.size),
                "reached_share": np.divide(reached, pop, out=np.zeros(codes.size), where=pop > 0),
            }
        )
        if counties is not None:
            names = pd.DataFrame(counties).drop(columns="geometry", errors="ignore")
            keep = [c for c in ("adcode", "name_zh", "name_en") if c in names.columns]
            frame = names[keep].assign(adcode=names["adcode"].astype("int64")).merge(frame, on="adcode", how="right")
        return frame

    def facilities(self) -> pd.DataFrame:
        """Per facility: supply, decay-weighted demand in its catchment, ratio R_j (and per 1,000)."""
        frame = pd.DataFrame(
            {
                "facility": np.arange(self.supply.size, dtype=np.int64),
                "supply": self.supply,
                "weighted_demand": self.weighted_demand,
                "ratio": self.ratio,
                "ratio_per_1000": self.ratio * 1000.0,
            }
        )
        if self.names:
            frame.insert(1, "name", list(self.names))
        return frame

    def summary(self) -> dict[str, Any]:
        """JSON-ready: method, catchment, decay, mean score, share of persons with a facility in reach."""
        total = float(self.population.sum())
        return {
            "method": self.method,
            "catchment_min": self.catchment_min,
            "decay": self.decay.describe(),
            "n_facilities": int(self.supply.size),
            "supply_total": float(self.supply.sum()),
            "mean_score": self.mean_score,
            "mean_score_per_1000": self.mean_score * 1000.0,
            "reached_share": float(self.population[self.reached].sum()) / total if total else 0.0,
            **self.extra,
        }


# --------------------------------------------------------------------------------------------------
# The two steps


def floating_catchment(
    matrix: TravelMatrix | sp.spmatrix | sp.sparray,
    population: ArrayLike,
    supply: ArrayLike,
    *,
    catchment_min: float,
    decay: Decay | None = None,
    method: str = "2sfca",
    county: ArrayLike | None = None,
    names: Sequence[str] = (),
) -> FcaResult:
    """Two-step floating catchment scores on a cells × facilities minutes matrix (module docstring).

    Parameters
    ----------
    matrix : TravelMatrix or sparse matrix
        Minutes from each cell to each facility, stored entries only (stored zeros real).
    population : array-like
        Persons per cell (≥ 0).
    supply : array-like
        Supply per facility (beds, doctors, or 1 to count facilities; ≥ 0).
    catchment_min : float
        Catchment d0 in minutes (pairs with t ≤ d0 count).
    decay : Decay, optional
        Weight of travel minutes; none (plain 2SFCA) when omitted.
    method : str
        Label for the result ("2sfca" or "e2sfca").
    county, names : optional
        County adcode per cell; facility names.

    Returns
    -------
    FcaResult
        Scores in supply units per person (e.g. beds per person).
    """
    decay = decay if decay is not None else Decay()
    if isinstance(matrix, TravelMatrix):
        m = matrix.within(catchment_min)
    else:
        m = TravelMatrix(sp.csr_matrix(matrix), float(np.inf)).within(catchment_min)  # type: ignore[call-overload]  # scipy-stubs: csr_matrix() takes _spbase, not the public spmatrix/sparray
    pop = np.asarray(population, dtype=np.float64).ravel()
    sup = np.atleast_1d(np.asarray(supply, dtype=np.float64)).ravel()
    k, n = m.shape
    if pop.shape != (k,) or sup.shape != (n,):
        raise HealthplanError(f"{pop.size} cell populations and {sup.size} supplies for a {k} × {n} travel matrix")
    if not (np.all(np.isfinite(pop) & (pop >= 0)) and np.all(np.isfinite(sup) & (sup >= 0))):
        raise HealthplanError("populations and supplies must be finite and ≥ 0")
    if not (np.isfinite(catchment_min) and catchment_min > 0):
        raise HealthplanError(f"catchment {catchment_min!r} must be > 0 minutes")
    if names and len(names) != n:
        raise HealthplanError(f"{len(names)} facility names for {n} facilities")
    w = sp.csr_matrix((decay.weight(m.data), m.indices, m.indptr), shape=m.shape)
    demand = w.T @ pop  # step 1: decay-weighted persons in each facility's catchment
    ratio = np.divide(sup, demand, out=np.zeros(n), where=demand > 0)
    score = w @ ratio  # step 2: the ratios in reach of each cell, weighted again
    return FcaResult(
        score=np.asarray(score, dtype=np.float64),
        ratio=ratio,
        weighted_demand=np.asarray(demand, dtype=np.float64),
        supply=sup,
        population=pop,
        reached=np.diff(m.indptr) > 0,
        catchment_min=float(catchment_min),
        decay=decay,
        method=method,
        county=None if county is None else np.asarray(county, dtype=np.int64).ravel(),
        names=tuple(str(x) for x in names),
    )


def two_step_fca(
    matrix: TravelMatrix | sp.spmatrix | sp.sparray,
    population: ArrayLike,
    supply: ArrayLike,
    *,
    catchment_min: float = TERTIARY_THRESHOLD_MIN,
    decay: Decay | None = None,
    county: ArrayLike | None = None,
    names: Sequence[str] = (),
) -> FcaResult:
    """Plain 2SFCA (Luo & Wang 2003): no decay unless one is given (then as PySAL's ``two_stage_fca``).

    Parameters
    ----------
    matrix : TravelMatrix or sparse matrix
        Minutes from each cell to each facility, stored entries only (stored zeros real).
    population : array-like
        Persons per cell (≥ 0).
    supply : array-like
        Supply per facility (beds, doctors, or 1 to count facilities; ≥ 0).
    catchment_min : float
        Catchment d0 in minutes (pairs with t ≤ d0 count).
    decay : Decay, optional
        Weight of travel minutes; none when omitted.
    county, names : optional
        County adcode per cell; facility names.

    Returns
    -------
    FcaResult
    """
    return floating_catchment(
        matrix, population, supply, catchment_min=catchment_min, decay=decay, method="2sfca", county=county, names=names
    )


def enhanced_two_step_fca(
    matrix: TravelMatrix | sp.spmatrix | sp.sparray,
    population: ArrayLike,
    supply: ArrayLike,
    *,
    catchment_min: float = TERTIARY_THRESHOLD_MIN,
    decay: Decay | None = None,
    county: ArrayLike | None = None,
    names: Sequence[str] = (),
) -> FcaResult:
    """E2SFCA (Luo & Qi 2009): Luo & Qi's step weights on thirds of the catchment unless ``decay`` is given.

    Parameters
    ----------
    matrix : TravelMatrix or sparse matrix
        Minutes from each cell to each facility, stored entries only (stored zeros real).
    population : array-like
        Persons per cell (≥ 0).
    supply : array-like
        Supply per facility (beds, doctors, or 1 to count facilities; ≥ 0).
    catchment_min : float
        Catchment d0 in minutes (pairs with t ≤ d0 count).
    decay : Decay, optional
        Weight of travel minutes; :func:`luo_qi_steps` of the catchment when omitted.
    county, names : optional
        County adcode per cell; facility names.

    Returns
    -------
    FcaResult
    """
    decay = decay if decay is not None else luo_qi_steps(catchment_min)
    return floating_catchment(
        matrix, population, supply, catchment_min=catchment_min, decay=decay, method="e2sfca", county=county, names=names
    )


def fca_scores(
    net: Network,
    grid: PopulationGrid,
    facilities: gpd.GeoDataFrame,
    supply: ArrayLike,
    *,
    catchment_min: float = TERTIARY_THRESHOLD_MIN,
    method: str = "e2sfca",
    decay: Decay | None = None,
    weight: str = "pop",
    access: traveltime.Snap | None = None,
    matrix: TravelMatrix | None = None,
) -> FcaResult:
    """2SFCA/E2SFCA of ``grid`` for ``facilities`` (WGS84 points) on ``net``: one bounded search per facility.

    Parameters
    ----------
    net : Network
        The road network.
    grid : PopulationGrid
        The populated cells (their counties label the result).
    facilities : geopandas.GeoDataFrame
        Facility points (names from a ``name`` column when present).
    supply : array-like
        Supply per facility (beds, doctors, or 1 to count facilities; ≥ 0).
    catchment_min : float
        Catchment, minutes.
    method : str
        "2sfca" or "e2sfca".
    decay : Decay, optional
        Weight of travel minutes (each method's default when omitted).
    weight : str
        The population column: pop, urban, rural or pop60.
    access : traveltime.Snap, optional
        The cells' snap, when already computed.
    matrix : TravelMatrix, optional
        A cells × facilities matrix built with a limit ≥ the catchment, to reuse.

    Returns
    -------
    FcaResult
    """
    if method not in ("2sfca", "e2sfca"):
        raise HealthplanError(f"unknown floating-catchment method {method!r}: use 2sfca or e2sfca")
    if weight not in ("pop", "urban", "rural", "pop60"):
        raise HealthplanError(f"unknown population weight {weight!r}: use pop, urban, rural or pop60")
    if matrix is None:
        matrix = cell_facility_minutes(net, grid, facilities, limit_min=catchment_min, access=access)
    names = [str(n) for n in facilities["name"]] if "name" in getattr(facilities, "columns", ()) else ()
    fn = two_step_fca if method == "2sfca" else enhanced_two_step_fca
    return fn(matrix, getattr(grid, weight), supply, catchment_min=catchment_min, decay=decay, county=grid.county, names=names)
