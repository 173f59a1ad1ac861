"""Road lines → graph topology: endpoints become nodes; near-misses are bridged by short connector edges.

Pure array code in a metric CRS (metres).  Only line endpoints and split points become nodes —
interior vertices stay inside the edge's length — so a 79k-line city network has ~56k nodes.

Endpoints with identical coordinates are one node.  Two tolerant joins, both within ``snap_m``:

* endpoint ↔ endpoint: every pair of endpoints closer than ``snap_m`` gets a connector edge as long
  as the gap (cKDTree pairs).  Connectivity is that of union-find snapping, but no node moves, so no
  path can become shorter than the straight line between its ends (merging endpoints would allow
  that: at 450 m a chain of merges let Hainan paths run at 0.65 × the straight-line distance);
* dangling endpoint → line (T-junction): an endpoint used by one line only, lying within ``snap_m``
  of another line's interior, splits that line at the projected point; a connector bridges the gap.
  Junction nodes (degree ≥ 2) are not snapped onto lines: they already connect roads, and snapping
  them would invent junctions at over- and underpasses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree

log = logging.getLogger(__name__)

#: A T-junction projection within this distance of a line's end counts as that end (metres).
_END_TOL_M = 0.01


@dataclass(frozen=True)
class Topology:
    """Undirected edge list: node x/y (m), edge endpoints, length (m), source line, connector flag."""

    node_x: np.ndarray  # float64 (n,)
    node_y: np.ndarray  # float64 (n,)
    node_endpoint: (
        np.ndarray
    )  # int64 (n,) endpoint a node sits on (i: line i's start, L+i: its end; -1: split)
    u: np.ndarray  # int64 (m,) from node (in line direction)
    v: np.ndarray  # int64 (m,) to node
    length_m: np.ndarray  # float64 (m,)
    line: np.ndarray  # int64 (m,) source line; for a connector the line whose class it takes
    connector: np.ndarray  # bool (m,) True for gap edges added by snapping
    n_endpoint_joins: int  # endpoint pairs bridged (closer than snap_m, not identical)
    n_t_junctions: int  # dangling endpoints joined onto another line's interior


def _dangling_splits(
    lines: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    node_xy: np.ndarray,
    snap_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For dangling ends near another line's interior: (target line, distance along it in m, dangling node).

    An end bridged to another *endpoint* still counts as dangling: two carriageways ending side by side
    at a crossing road must both reach it.
    """
    n_nodes = len(node_xy)
    degree = np.bincount(start, minlength=n_nodes) + np.bincount(end, minlength=n_nodes)
    loops = start == end
    degree -= np.bincount(start[loops], minlength=n_nodes) * 2  # a closed ring is not an attachment
    dangling = np.flatnonzero(degree == 1)
    empty = (np.empty(0, np.int64), np.empty(0, float), np.empty(0, np.int64))
    if len(dangling) == 0 or snap_m <= 0:
        return empty
    points = np.asarray(shapely.points(node_xy[dangling]))
    pi, lj = shapely.STRtree(lines).query(points, predicate="dwithin", distance=float(snap_m))
    node = dangling[pi]
    keep = (start[lj] != node) & (end[lj] != node)  # not the node's own line
    pi, lj, node = pi[keep], lj[keep], node[keep]
    if len(pi) == 0:
        return empty
    along = np.asarray(shapely.line_locate_point(lines[lj], points[pi]))
    # a projection onto a line's end is an endpoint-to-endpoint case: the endpoint join covers it
    interior = (along > _END_TOL_M) & (along < shapely.length(lines[lj]) - _END_TOL_M)
    pi, lj, node, along = pi[interior], lj[interior], node[interior], along[interior]
    dist = shapely.distance(points[pi], lines[lj])
    order = np.lexsort((dist, pi))  # nearest line first for each point
    pi, lj, node, along = pi[order], lj[order], node[order], along[order]
    first = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.zeros(0, dtype=bool)
    return lj[first].astype(np.int64), along[first], node[first].astype(np.int64)


def _best_line_per_node(
    start: np.ndarray, end: np.ndarray, line_rank: np.ndarray, n_nodes: int
) -> np.ndarray:
    """For each node, the incident line with the highest rank (-1 if none)."""
    nodes = np.concatenate([start, end])
    lines = np.concatenate([np.arange(len(start)), np.arange(len(end))])
    order = np.lexsort((-line_rank[lines], nodes))
    first = np.r_[True, nodes[order][1:] != nodes[order][:-1]]
    best = np.full(n_nodes, -1, dtype=np.int64)
    best[nodes[order][first]] = lines[order][first]
    return best


def build_topology(
    lines: np.ndarray, *, snap_m: float, t_junctions: bool = True, line_rank: np.ndarray | None = None
) -> Topology:
    """Graph topology of metric-CRS LineStrings: endpoint nodes, split points, connectors; lengths in m.

    ``line_rank`` (e.g. each line's speed) picks the class of an endpoint connector: that of the
    highest-ranked line at either end.  A T-junction connector takes the dangling road's class.
    """
    lines = np.asarray(lines, dtype=object)
    n_lines = len(lines)
    rank = np.zeros(n_lines) if line_rank is None else np.asarray(line_rank, dtype=float)
    length = shapely.length(lines)
    xy = np.vstack(
        [
            shapely.get_coordinates(shapely.get_point(lines, 0)),
            shapely.get_coordinates(shapely.get_point(lines, -1)),
        ]
    )
    uniq, first, label = np.unique(xy, axis=0, return_index=True, return_inverse=True)
    label = label.ravel().astype(np.int64)
    start, end = label[:n_lines], label[n_lines:]
    n_nodes = len(uniq)
    node_x, node_y = uniq[:, 0].copy(), uniq[:, 1].copy()
    node_endpoint = first.astype(np.int64)

    # endpoint ↔ endpoint connectors
    if snap_m > 0 and n_nodes > 1:
        pairs = cKDTree(uniq).query_pairs(r=float(snap_m), output_type="ndarray").astype(np.int64)
    else:
        pairs = np.empty((0, 2), dtype=np.int64)
    best = _best_line_per_node(start, end, rank, n_nodes)
    pa, pb = pairs[:, 0], pairs[:, 1]
    pair_line = np.where(rank[best[pa]] >= rank[best[pb]], best[pa], best[pb])

    # T-junctions: split the target line at the projected point, bridge the gap with a connector
    if t_junctions:
        sl, sd, dangling = _dangling_splits(lines, start, end, uniq, snap_m)
    else:
        sl, sd, dangling = np.empty(0, np.int64), np.empty(0, float), np.empty(0, np.int64)
    sd = np.clip(sd, 0.0, length[sl])
    split_node = n_nodes + np.arange(len(sl), dtype=np.int64)
    split_xy = shapely.get_coordinates(shapely.line_interpolate_point(lines[sl], sd)).reshape(-1, 2)
    node_x, node_y = np.concatenate([node_x, split_xy[:, 0]]), np.concatenate([node_y, split_xy[:, 1]])
    node_endpoint = np.concatenate([node_endpoint, np.full(len(sl), -1, dtype=np.int64)])

    # pieces between consecutive breakpoints along every line: start (0), split points, end (length)
    bl = np.concatenate([np.arange(n_lines), sl, np.arange(n_lines)])
    bd = np.concatenate([np.zeros(n_lines), sd, length])
    bn = np.concatenate([start, split_node, end])
    order_key = np.concatenate(
        [np.zeros(n_lines), np.ones(len(sl)), np.full(n_lines, 2.0)]
    )  # start<split<end
    order = np.lexsort((order_key, bd, bl))
    bl, bd, bn = bl[order], bd[order], bn[order]
    same = bl[1:] == bl[:-1]
    piece_u, piece_v = bn[:-1][same], bn[1:][same]
    piece_len = (bd[1:] - bd[:-1])[same]
    piece_line = bl[:-1][same]

    u = np.concatenate([piece_u, pa, dangling])
    v = np.concatenate([piece_v, pb, split_node])
    line = np.concatenate([piece_line, pair_line, best[dangling]])
    gap = np.hypot(node_x[u] - node_x[v], node_y[u] - node_y[v])
    n_pieces = len(piece_len)
    connector = np.r_[np.zeros(n_pieces, dtype=bool), np.ones(len(pa) + len(sl), dtype=bool)]
    # connectors are as long as their gap; a piece is never shorter than its chord (guards rounding)
    length_m = np.maximum(np.concatenate([piece_len, np.zeros(len(pa) + len(sl))]), gap)
    return Topology(node_x, node_y, node_endpoint, u, v, length_m, line, connector, len(pa), len(sl))
