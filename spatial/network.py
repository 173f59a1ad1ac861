"""The compact routable road network: node coordinates plus CSR edge arrays (metres and minutes).

CONTRACT (other modules code against this; the builders live beside it and are filled in by the
network work):

* ``Network`` is immutable; nodes are ``0..n-1``; edges are stored as CSR *out*-edges:
  the edges leaving node ``u`` are ``indptr[u]:indptr[u+1]``, each going to ``head[e]`` with
  ``length_m[e]`` metres and ``minutes[e]`` minutes.  Undirected roads appear as two directed edges.
* ``lon``/``lat`` are WGS84 (EPSG:4326) degrees; ``x_m``/``y_m`` the same nodes in ``metric_crs``
  (a projection suited to the region, for snapping and buffering).
* ``provenance`` is a JSON-serialisable dict: source file/place, its date, speed table, snap
  tolerance, share of nodes dropped outside the largest component, build time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True, eq=False)
class Network:
    """A directed road graph in CSR form, WGS84 node coordinates, edge lengths (m) and times (min)."""

    lon: np.ndarray  # float64 (n,) degrees
    lat: np.ndarray  # float64 (n,) degrees
    x_m: np.ndarray  # float64 (n,) metres in metric_crs
    y_m: np.ndarray  # float64 (n,) metres in metric_crs
    indptr: np.ndarray  # int64 (n+1,)
    head: np.ndarray  # int32 (m,) target node of each out-edge
    length_m: np.ndarray  # float64 (m,)
    minutes: np.ndarray  # float64 (m,)
    road_class: np.ndarray  # int16 (m,) index into `classes`
    classes: tuple[str, ...]  # road-class names, e.g. ("motorway", "primary", …)
    metric_crs: str  # PROJ/EPSG string of the metric projection used for x_m/y_m
    directed: bool  # True when at least one road is one-way
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.lon.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.head.shape[0])

    @cached_property
    def tail(self) -> np.ndarray:
        """Source node of each edge (int32, m)."""
        return np.repeat(np.arange(self.n_nodes, dtype=np.int32), np.diff(self.indptr))

    @cached_property
    def graph_minutes(self) -> sp.csr_matrix:
        """Forward graph weighted by minutes: entry (u, v) is the time from u to v."""
        return sp.csr_matrix((self.minutes, self.head, self.indptr), shape=(self.n_nodes, self.n_nodes))

    @cached_property
    def reverse_minutes(self) -> sp.csr_matrix:
        """Transposed graph: a search from facilities on it gives times *to* the facilities."""
        return self.graph_minutes.T.tocsr()
