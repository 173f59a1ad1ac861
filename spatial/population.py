"""Gridded population: read a GeoTIFF (WorldPop, GHS-POP) or build one from the 2020 census by county.

CONTRACT (coverage and siting code against this; the builders are filled in by the population work):

``PopulationGrid`` holds only the populated cells of a regular grid in ``metric_crs``.  Each cell has
its centre in WGS84 and metres, its people, the urban part of them, the 60+ part, and its county.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True, eq=False)
class PopulationGrid:
    """Populated cells of a regular metric grid (persons per cell, with urban and 60+ parts)."""

    lon: np.ndarray  # float64 (k,) cell centre, WGS84 degrees
    lat: np.ndarray  # float64 (k,)
    x_m: np.ndarray  # float64 (k,) cell centre in metric_crs
    y_m: np.ndarray  # float64 (k,)
    row: np.ndarray  # int32 (k,) raster row of the cell
    col: np.ndarray  # int32 (k,) raster column
    pop: np.ndarray  # float64 (k,) persons
    urban: np.ndarray  # float64 (k,) urban persons (≤ pop)
    pop60: np.ndarray  # float64 (k,) persons aged 60+
    county: np.ndarray  # int64 (k,) 6-digit adcode of the county the cell centre falls in
    cell_m: float  # cell size in metres
    metric_crs: str  # PROJ string of the grid's projection
    transform: tuple[float, float, float, float, float, float]  # affine (a, b, c, d, e, f) of the raster
    shape: tuple[int, int]  # (rows, cols) of the full raster
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def n_cells(self) -> int:
        """Number of populated cells."""
        return int(self.pop.shape[0])

    @property
    def rural(self) -> np.ndarray:
        """Rural persons per cell."""
        return self.pop - self.urban

    @property
    def urban_share(self) -> np.ndarray:
        """Urban share of each cell's people (0–1)."""
        return np.divide(self.urban, self.pop, out=np.zeros_like(self.pop), where=self.pop > 0)
