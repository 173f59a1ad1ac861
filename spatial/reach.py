"""Each candidate's reach over the population cells: one bounded search per candidate, as a sparse matrix.

Cells carry a road node and an access leg (``traveltime.snap`` of their centres) and today's minutes to
the nearest existing facility.  A candidate's own bounded search (``traveltime.reach_many``: node minutes
including the site's access leg) gives, after adding each cell's leg, the minutes from every cell it
reaches within the limit — existing facilities are never searched again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from spatial import traveltime
from spatial.cover import CoverProblem, problem_from_minutes
from spatial.errors import HealthplanError
from spatial.network import Network
from spatial.population import PopulationGrid
from spatial.settings import Progress, no_progress

#: Population columns siting can count.
WEIGHTS: tuple[str, ...] = ("pop", "urban", "rural", "pop60")


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


#: Candidates searched per call (one bounded search each); the progress callback hears after each.
CHUNK = 64

def site_cells(
    grid: PopulationGrid, snapped: traveltime.Snap, current_min: np.ndarray, *, weight: str = "pop"
) -> SiteCells:
    """Cells as siting sees them, from the grid, its cells' snap (``traveltime.snap``) and today's minutes.

    Parameters
    ----------
    grid : PopulationGrid
        The populated cells.
    snapped : traveltime.Snap
        The cells' centres snapped to the network.
    current_min : numpy.ndarray
        Minutes from each cell to today's nearest facility (inf or NaN where unreachable).
    weight : str
        Whom to count: pop (everyone), urban, rural or pop60 (aged 60+).

    Returns
    -------
    SiteCells
    """
    if weight not in WEIGHTS:
        raise HealthplanError(f"unknown population weight {weight!r}: use one of {', '.join(WEIGHTS)}")
    current = np.asarray(current_min, dtype=np.float64)
    if current.shape != (grid.n_cells,) or snapped.node.shape != (grid.n_cells,):
        raise HealthplanError(f"{grid.n_cells} cells but {current.size} minutes and {snapped.node.size} snapped cells")
    return SiteCells(
        node=np.asarray(snapped.node, dtype=np.int32),
        access_min=np.asarray(snapped.access_min, dtype=np.float64),
        weight=np.asarray(getattr(grid, weight), dtype=np.float64),
        county=np.asarray(grid.county, dtype=np.int64),
        current_min=np.nan_to_num(current, nan=np.inf, posinf=np.inf),
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
    progress: Progress = no_progress,
    chunk: int = CHUNK,
) -> CandidateReach:
    """One bounded search per candidate (traveltime.reach_many), mapped to cells through their node and leg.

    Parameters
    ----------
    net : Network
        The road network.
    cells : SiteCells
        The populated cells.
    site_node : numpy.ndarray
        Each candidate's snapped node.
    site_access_min : numpy.ndarray
        Each candidate's access leg, minutes.
    limit_min : float
        Searches stop here; minutes above it are not kept.
    progress : Progress
        Hears after each ``chunk`` of candidates how many have been searched.
    chunk : int
        Candidates per ``reach_many`` call.

    Returns
    -------
    CandidateReach
        Cells × candidates minutes (cell leg + network + site leg), kept only ≤ ``limit_min``.
    """
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
        progress(f"searched from {stop} of {site_node.size} candidate sites", stop / site_node.size)
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
    """The coverage problem at one threshold from the cells and the candidates' reach.

    Parameters
    ----------
    cells : SiteCells
        The populated cells.
    reach : CandidateReach
        Minutes from cells to candidates.
    threshold_min : float
        The coverage threshold, minutes (≤ ``reach.limit_min``).
    names : sequence of str
        Candidate names.

    Returns
    -------
    CoverProblem
    """
    return problem_from_minutes(
        cells.weight, cells.current_min, reach.cover(threshold_min), threshold_min=threshold_min, names=names
    )
