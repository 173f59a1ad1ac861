"""Travel times on a ``Network``: snapping places to nodes, nearest-facility minutes, bounded reach sets.

Time always runs FROM a place TO a facility (a patient travelling to hospital).  On a directed
network that is a search from the facilities over the *reversed* graph; the engine always searches
the reversed graph, so one-way streets are honoured whether or not ``net.directed`` is set.

Engine: compiled kernels in ``spatial._dijkstra`` (numba; a bucket-queue shortest-path search over
the reversed CSR graph, prepared once per network and cached: parallel edges reduced to their
minimum, int32 node ids, float64 minutes, and reusable scratch arrays).  The answers are bit for bit
those of ``scipy.sparse.csgraph.dijkstra`` (the tests cross-check on the real networks).  On Kunming
(``healthplan bench``): all-node minutes to the nearest of 20 facilities in ≈ 2.3 ms against
csgraph's ≈ 6.7 ms and networkx's ≈ 125 ms; a bounded ``reach`` touches only the nodes it reaches,
and ``reach_many`` runs all candidates in one compiled call.  The kernels compile on first use
(≈ 5 s for all of them, once per machine: numba caches the machine code next to the module; a
later process loads them in ≈ 0.13 s).

Small work goes to csgraph instead: importing numba and loading the cached kernels costs a fresh
process 0.3–0.45 s, more than all the searches of a one-shot command on a network of Kunming's size
take through csgraph's binary heap (Kunming, all nodes to 30 facilities: heap ≈ 10 ms, kernel
≈ 3.5 ms; 200 bounded candidate searches: heap ≈ 400 ms, kernel ≈ 160 ms).  So a call whose work
(nodes × searches) is at most ``HEAP_MAX_WORK`` runs on csgraph and the kernels are imported only
when a bigger one comes.  The minutes are the same either way (tested on both paths); only a source
tied to the last bit with another may be labelled differently, and the rule depends on the network
and the call alone, so every front end gets the same answer.

Tried and not kept (``healthplan bench --experiments``, Kunming): binary and 4-ary heaps (≈ 5.6 and
4.6 ms, the bucket queue ≈ 2.2 ms); int64 node ids (no gain); renumbering nodes (reverse
Cuthill–McKee, Morton order: the bare kernel gained 0–15 % in different runs, less than mapping
the results back to network ids costs); contracting degree-2 chains and dead-end trees (77 % of
the nodes would remain, and contracted chain sums would no longer be bit-identical to a plain
search).  What also pays: a known threshold passed as ``limit_min`` (the search stops there:
≈ 1.1 ms at 30 min).

A facility's own access leg (its distance off the network) is an *offset*: its source node starts
the search at that many minutes instead of 0, and each node is labelled with its nearest source.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import platform
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph
from numpy.typing import ArrayLike
from pyproj import Transformer
from scipy.spatial import cKDTree

from spatial.errors import HealthplanError, InputFileError, NetworkError
from spatial.network import Network
from spatial.settings import ACCESS_SPEED_KMH, DETOUR_FACTOR, Progress, no_progress

log = logging.getLogger(__name__)

#: Snap distances below this (metres) are projection round-off, not a real access leg.
_ON_NODE_M = 1e-6

#: Bucket width of the search queue as a share of the median edge time (Kunming: 1/16–1/2 all within
#: 3 %, 1 → +7 %, 4 → +40 %; healthplan bench --experiments).
_BUCKET_SHARE = 0.25
#: Most buckets in the queue's ring; a wider spread of times widens the buckets instead.
_MAX_BUCKETS = 1 << 22

#: Calls whose work (network nodes × searches) is at most this run on csgraph's heap, not the kernels
#: (see the module notes; the break-even of loading the kernels, measured on Hainan and Kunming).
HEAP_MAX_WORK = 1_000_000

#: An empty touched-list: a full search does not record which nodes it reached.
_NO_TOUCHED = np.empty(0, dtype=np.int32)

_REVERSE_CACHE: weakref.WeakKeyDictionary[Network, sp.csr_matrix] = weakref.WeakKeyDictionary()
_PREPARED_CACHE: weakref.WeakKeyDictionary[Network, _Prepared] = weakref.WeakKeyDictionary()
_TREE_CACHE: weakref.WeakKeyDictionary[Network, cKDTree] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Snap:
    """Places snapped to their nearest network node, with the straight-line gap and its access time."""

    node: np.ndarray  # int32 (k,) nearest node of each place
    dist_m: np.ndarray  # float64 (k,) straight-line distance place → node in the network's metric CRS
    access_min: np.ndarray  # float64 (k,) access leg: dist_m × detour at the access speed, minutes


# --------------------------------------------------------------------------------------------------
# prepared graphs (cached per network)


def clear_caches(net: Network | None = None) -> None:
    """Forget the prepared reverse graph and KD-tree of ``net`` (or of every network), e.g. for benchmarks."""
    for cache in (_REVERSE_CACHE, _PREPARED_CACHE, _TREE_CACHE):
        if net is None:
            cache.clear()
        else:
            cache.pop(net, None)


def reverse_graph(net: Network) -> sp.csr_matrix:
    """Reversed graph in minutes (entry (v, u) = time u→v), parallel edges reduced to their minimum."""
    cached = _REVERSE_CACHE.get(net)
    if cached is None:
        cached = _build_reverse(net)
        _REVERSE_CACHE[net] = cached
    return cached


def _build_reverse(net: Network) -> sp.csr_matrix:
    """Build the reversed, de-duplicated, validated CSR graph (float64 minutes, int32 indices)."""
    n = net.n_nodes
    minutes = np.asarray(net.minutes, dtype=np.float64)
    if minutes.shape[0] and not (np.all(np.isfinite(minutes)) and minutes.min() >= 0.0):
        bad = int(np.flatnonzero(~(np.isfinite(minutes) & (minutes >= 0.0)))[0])
        raise NetworkError(
            f"edge {bad} of the network has travel time {minutes[bad]!r} min; times must be finite and "
            "≥ 0 — rebuild the network (check the speed table for zero or missing speeds)"
        )
    # the transpose of a CSR matrix comes out with sorted column indices in every row
    rev = sp.csr_matrix((minutes, net.head, net.indptr), shape=(n, n)).T.tocsr()
    indices = rev.indices
    same = indices[1:] == indices[:-1]
    starts = rev.indptr[1:-1]
    starts = starts[(starts > 0) & (starts < indices.shape[0])]
    same[starts - 1] = False  # a row's first entry never duplicates the previous row's last
    if same.any():  # parallel roads: keep the fastest (scipy would otherwise sum duplicates in places)
        rows = np.repeat(np.arange(n), np.diff(rev.indptr))
        order = np.lexsort((rev.data, indices, rows))
        rows, cols, w = rows[order], indices[order], rev.data[order]
        keep = np.r_[True, (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])]
        indptr = np.zeros(n + 1, dtype=rev.indptr.dtype)
        np.cumsum(np.bincount(rows[keep], minlength=n), out=indptr[1:])
        rev = sp.csr_matrix((w[keep], cols[keep], indptr), shape=(n, n))
        log.debug("reverse graph: %d parallel edges reduced to the fastest", int(same.sum()))
    rev.has_sorted_indices = True
    if rev.indices.dtype != np.int32 and n < 2**31 and rev.nnz < 2**31:  # csgraph's index type: no copy per call
        rev = sp.csr_matrix((rev.data, rev.indices.astype(np.int32), rev.indptr.astype(np.int32)), shape=(n, n))
        rev.has_sorted_indices = True
    return rev


class _Scratch:
    """Work arrays of one search (n nodes), left clean after each: dist inf, label −1, bucket −1, head −1."""

    def __init__(self, n: int, ring: int) -> None:
        self.dist = np.full(n, np.inf)
        self.label = np.full(n, -1, dtype=np.int32)
        self.bucket = np.full(n, -1, dtype=np.int32)
        self.nxt = np.empty(n, dtype=np.int32)
        self.prv = np.empty(n, dtype=np.int32)
        self.touched = np.empty(n, dtype=np.int32)
        self.head = np.full(ring, -1, dtype=np.int32)

    def ensure_ring(self, ring: int) -> None:
        """Grow the bucket ring to at least ``ring`` slots (a power of two)."""
        if self.head.shape[0] < ring:
            self.head = np.full(ring, -1, dtype=np.int32)


@dataclass
class _Prepared:
    """The reversed graph as kernel arrays plus the bucket width and reusable scratch (one per network)."""

    indptr: np.ndarray  # int64 (n+1,)
    indices: np.ndarray  # int32 (m,)
    weights: np.ndarray  # float64 (m,) minutes
    delta_min: float  # bucket width, minutes
    max_edge_min: float
    total_min: float  # sum of all edge times: no search result can exceed max offset + this
    scratch: _Scratch
    lock: threading.Lock

    @property
    def n(self) -> int:
        """Number of nodes."""
        return int(self.indptr.shape[0] - 1)

    def plan(self, spread_min: float, top_min: float) -> tuple[float, int]:
        """Inverse bucket width and ring size (power of two) for seeds spread over ``spread_min``, times ≤ ``top_min``."""
        span = max(self.max_edge_min, spread_min)
        inv = 1.0 / self.delta_min
        # (comparisons written as divisions: inv may be huge on absurdly short edges, and must not overflow)
        if span > (_MAX_BUCKETS - 3) / inv:  # a very long edge or spread of offsets: wider buckets, still exact
            inv = (_MAX_BUCKETS - 3) / span
        top = min(top_min, np.finfo(float).max)
        if top > 2.0**60 / inv:  # keep bucket numbers inside int64
            inv = 2.0**60 / top
        ring = 1 << int(np.ceil(np.log2(int(np.ceil(span * inv)) + 3)))
        return inv, ring

    def too_wide(self, spread_min: float) -> bool:
        """True when edges (or seed offsets) span more than the bucket ring holds at the natural width.

        The buckets would then have to widen so far that the search turns into repeated relaxation
        (Kunming with one edge 10⁷× the median: 80 ms against csgraph's 9 ms; 10⁹×: 1.3 s), so the
        searches fall back to csgraph's binary heap, whose cost does not depend on the weights.
        """
        return max(self.max_edge_min, spread_min) > (_MAX_BUCKETS - 3) * self.delta_min

    @contextmanager
    def borrow(self, ring: int) -> Iterator[_Scratch]:
        """The shared scratch arrays, or fresh ones while another thread holds them."""
        if not self.lock.acquire(blocking=False):
            yield _Scratch(self.n, ring)
            return
        try:
            self.scratch.ensure_ring(ring)
            yield self.scratch
        except BaseException:
            self.scratch = _Scratch(self.n, ring)  # an interrupted search may leave it dirty
            raise
        finally:
            self.lock.release()


def _prepared(net: Network) -> _Prepared:
    """Kernel arrays of the reversed graph (cached per network)."""
    cached = _PREPARED_CACHE.get(net)
    if cached is None:
        graph = reverse_graph(net)
        # the built node order is kept: on Kunming a Z-order renumbering made the bare kernel 0–15 %
        # faster in different runs (1.86 vs 2.17 ms at best), and mapping every result back to network
        # ids cost more (a renumbered nearest_minutes measured 2.68 vs 2.35 ms)
        indptr = np.ascontiguousarray(graph.indptr, dtype=np.int64)
        indices = np.ascontiguousarray(graph.indices, dtype=np.int32)
        weights = np.ascontiguousarray(graph.data, dtype=np.float64)
        positive = weights[weights > 0.0]
        # (at least the smallest normal float, so that 1 / delta stays finite on absurdly short edges)
        delta = max(float(np.median(positive)) * _BUCKET_SHARE, np.finfo(float).tiny) if positive.size else 1.0
        max_edge = float(weights.max()) if weights.size else 0.0
        cached = _Prepared(
            indptr=indptr,
            indices=indices,
            weights=weights,
            delta_min=delta,
            max_edge_min=max_edge,
            total_min=float(weights.sum()),
            scratch=_Scratch(net.n_nodes, 4),
            lock=threading.Lock(),
        )
        _PREPARED_CACHE[net] = cached
    return cached


def _kernels() -> ModuleType:
    """The compiled search kernels (``spatial._dijkstra``), imported on first use.

    Imported here, not at the top, on purpose: numba and the kernels' machine code cost a fresh
    process 0.3–0.45 s, which a command on a small network never needs (module notes).
    """
    from spatial import _dijkstra  # start-up laziness (see the docstring), not a cycle

    return _dijkstra


def warm_up() -> float:
    """Compile (or load from numba's on-disk cache) every search kernel; returns the seconds it took."""
    t0 = time.perf_counter()
    _dijkstra = _kernels()
    indptr = np.array([0, 1, 2], dtype=np.int64)
    indices = np.array([1, 0], dtype=np.int32)
    weights = np.array([1.0, 1.0])
    scratch = _Scratch(2, 4)
    parts = (scratch.dist, scratch.label, scratch.bucket, scratch.nxt, scratch.prv, scratch.head, scratch.touched)
    seeds, zero = np.zeros(1, dtype=np.int32), np.zeros(1)
    dist, label = np.full(2, np.inf), np.full(2, -1, dtype=np.int32)
    _dijkstra.search(indptr, indices, weights, seeds, zero, np.inf, 1.0, dist, label, *parts[2:])
    _dijkstra.reach(indptr, indices, weights, 0, 0.0, 1.0, 1.0, 1.0, *parts)
    _dijkstra.reach_many(indptr, indices, weights, seeds, zero, 1.0, np.ones(1), 1.0, *parts, False)
    return time.perf_counter() - t0


#: What a first run on a new machine says while numba compiles the kernels (timed here: 5–15 s).
COMPILE_NOTE = "compiling the travel-time kernels for this machine (once, about 5–15 s; later runs load them in 0.2 s)"


def _ready_marker() -> Path:
    """File that says this kernel source was compiled by this numba and Python in numba's cache folder."""
    h = hashlib.sha256(Path(__file__).with_name("_dijkstra.py").read_bytes())
    h.update(f"{importlib.metadata.version('numba')} {sys.version} {platform.machine()}".encode())
    return Path(os.environ.get("NUMBA_CACHE_DIR", ".")) / f"healthplan-kernels-{h.hexdigest()[:16]}.ready"


def uses_kernels(net: Network, searches: int) -> bool:
    """True when one call of ``searches`` searches on ``net`` runs on the compiled kernels, not csgraph."""
    return net.n_nodes * searches > HEAP_MAX_WORK


def prepare_kernels(progress: Progress = no_progress) -> float:
    """On a machine without compiled kernels, compile them now and say so; seconds taken (0 when cached).

    Cached kernels are left to load on first use (≈ 0.1 s each), so a run loads only those it calls.
    """
    marker = _ready_marker()
    if marker.is_file():
        return 0.0
    progress(COMPILE_NOTE, None)
    seconds = warm_up()
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(f"compiled in {seconds:.1f} s\n", encoding="utf-8")
    except OSError as exc:  # a read-only cache only means the note is said again next time
        log.debug("could not write %s: %s", marker, exc)
    return seconds


# --------------------------------------------------------------------------------------------------
# snapping


@lru_cache(maxsize=16)
def _to_metric(crs: str) -> Transformer:
    """Cached WGS84 → metric transformer (lon/lat order)."""
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def node_tree(net: Network) -> cKDTree:
    """KD-tree of the network's node coordinates in its metric CRS (metres; built once per network)."""
    tree = _TREE_CACHE.get(net)
    if tree is None:
        tree = cKDTree(np.column_stack([net.x_m, net.y_m]))
        _TREE_CACHE[net] = tree
    return tree


def snap(
    net: Network,
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    detour: float = DETOUR_FACTOR,
    access_kmh: float = ACCESS_SPEED_KMH,
) -> Snap:
    """Snap WGS84 points to their nearest node; access leg = straight line × ``detour`` at ``access_kmh``.

    Distances are measured in ``net.metric_crs``; a point on a node (to 1 µm of projection round-off)
    has a zero leg.

    Parameters
    ----------
    net : Network
        The road network.
    lon, lat : array-like
        Points, WGS84 degrees (scalars or arrays of one shape).
    detour : float
        Circuity of the unmapped first/last stretch (≥ 1; ``settings.DETOUR_FACTOR``).
    access_kmh : float
        Speed on that stretch, km/h (> 0; ``settings.ACCESS_SPEED_KMH``).

    Returns
    -------
    Snap
        Nearest node (int32), straight-line distance (metres) and access leg (minutes) of each point.
    """
    lon_a = np.atleast_1d(np.asarray(lon, dtype=np.float64)).ravel()
    lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64)).ravel()
    if lon_a.shape != lat_a.shape:
        raise HealthplanError(f"snap: {lon_a.shape[0]} longitudes but {lat_a.shape[0]} latitudes")
    bad = ~(np.isfinite(lon_a) & np.isfinite(lat_a))
    if bad.any():
        raise HealthplanError(
            f"point {int(np.flatnonzero(bad)[0]) + 1} (1-based) has no valid coordinates "
            f"(lon={lon_a[bad][0]}, lat={lat_a[bad][0]}); fill in WGS84 degrees"
        )
    if not detour >= 1.0:
        raise HealthplanError(f"detour factor {detour} must be ≥ 1 (1 = straight line)")
    if not access_kmh > 0.0:
        raise HealthplanError(f"access speed {access_kmh} km/h must be > 0")
    if net.n_nodes == 0:
        raise NetworkError("the network has no nodes; rebuild it from a road file that covers the area")
    x, y = _to_metric(net.metric_crs).transform(lon_a, lat_a)
    dist_m, node = node_tree(net).query(np.column_stack([x, y]), workers=-1)
    dist_m = np.where(dist_m < _ON_NODE_M, 0.0, dist_m).astype(np.float64)
    access_min = dist_m * detour / (access_kmh * 1000.0 / 60.0)
    return Snap(node=np.asarray(node).astype(np.int32), dist_m=dist_m, access_min=access_min)


# --------------------------------------------------------------------------------------------------
# searches


def _check_nodes(net: Network, nodes: ArrayLike, what: str) -> np.ndarray:
    """Validate node ids (int, within 0..n-1) and return them as an int32 1-D array."""
    arr = np.atleast_1d(np.asarray(nodes))
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise HealthplanError(f"{what} must be integer node ids, got dtype {arr.dtype}")
    arr = arr.astype(np.int64).ravel()
    if arr.size and (arr.min() < 0 or arr.max() >= net.n_nodes):
        raise HealthplanError(f"{what} holds node ids outside 0..{net.n_nodes - 1}")
    return arr.astype(np.int32)


def nearest_minutes(
    net: Network,
    source_nodes: ArrayLike,
    *,
    source_offset_min: ArrayLike | None = None,
    limit_min: float = np.inf,
) -> tuple[np.ndarray, np.ndarray]:
    """Minutes from every node TO its nearest source, and which source (index into ``source_nodes``, −1 if none).

    The search runs on the reversed graph, so times run from each node to the source.

    Parameters
    ----------
    net : Network
        The road network.
    source_nodes : array-like of int
        Node ids of the sources (facilities).
    source_offset_min : array-like of float, optional
        Minutes added at each source (one per source, ≥ 0), e.g. a facility's own access leg; with
        duplicate nodes the smaller offset wins.
    limit_min : float
        Nodes farther than this (offset included) get ``inf`` and −1; a finite limit makes the search
        stop early.

    Returns
    -------
    minutes : numpy.ndarray
        float64 (n_nodes,), minutes to the nearest source (``inf`` beyond the limit).
    source : numpy.ndarray
        int32 (n_nodes,), index into ``source_nodes`` of that source, −1 if none.
    """
    src = _check_nodes(net, source_nodes, "source_nodes")
    n = net.n_nodes
    if src.size == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int32)
    limit = _check_limit(limit_min)
    if source_offset_min is None:
        offsets = np.zeros(src.size)
    else:
        offsets = np.atleast_1d(np.asarray(source_offset_min, dtype=np.float64)).ravel()
        if offsets.shape != src.shape:
            raise HealthplanError(f"source_offset_min has {offsets.size} values for {src.size} sources")
        if not np.all(np.isfinite(offsets) & (offsets >= 0.0)):
            raise HealthplanError("source_offset_min must be finite and ≥ 0 minutes")
    prep = _prepared(net)
    spread = float(offsets.max() - offsets.min())
    if not uses_kernels(net, 1) or prep.too_wide(spread):
        return _heap_nearest(net, src, offsets, limit)
    inv, ring = prep.plan(spread, min(limit, float(offsets.max()) + prep.total_min))
    dist = np.full(n, np.inf)
    source = np.full(n, -1, dtype=np.int32)
    with prep.borrow(ring) as s:
        # seeds in the order given: on a tie at one node the first listing wins
        _kernels().search(prep.indptr, prep.indices, prep.weights, src, offsets, limit, inv,
                         dist, source, s.bucket, s.nxt, s.prv, s.head, _NO_TOUCHED)
    return dist, source


def reach(
    net: Network, node: int, limit_min: float, *, offset_min: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Nodes from which ``node`` is reached within ``limit_min`` (``offset_min`` added), with their minutes.

    The search stops at the limit and costs O(nodes reached), not O(network).

    Parameters
    ----------
    net : Network
        The road network.
    node : int
        The target node (e.g. a candidate site's snapped node).
    limit_min : float
        Time budget, minutes (≥ 0, or ``inf``).
    offset_min : float
        Minutes added to every time (e.g. the site's own access leg, ≥ 0); nothing is returned when
        the offset alone exceeds the limit.

    Returns
    -------
    nodes : numpy.ndarray
        int32, ascending node ids within the limit.
    minutes : numpy.ndarray
        float64, minutes from each of those nodes to ``node``, offset included.
    """
    (target,) = _check_nodes(net, [node], "node")
    if not np.isfinite(offset_min) or offset_min < 0.0:
        raise HealthplanError(f"offset_min must be finite and ≥ 0 minutes, got {offset_min}")
    limit, offset = _check_limit(limit_min), float(offset_min)
    if offset > limit:
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float64)
    prep = _prepared(net)
    # search a hair beyond the budget, then apply the limit to the sum actually returned
    bound = _slack(limit - offset)
    if not uses_kernels(net, 1) or prep.too_wide(0.0):
        return _heap_reach(net, np.array([target]), np.array([offset]), limit, np.array([bound]))[0]
    inv, ring = prep.plan(0.0, min(bound, prep.total_min))
    with prep.borrow(ring) as s:
        return _kernels().reach(prep.indptr, prep.indices, prep.weights, int(target), offset, limit, bound, inv,
                               s.dist, s.label, s.bucket, s.nxt, s.prv, s.head, s.touched)


def _check_limit(limit_min: float) -> float:
    """A time limit as float: ≥ 0 minutes or inf (no limit)."""
    limit = float(limit_min)
    if not limit >= 0.0:
        raise HealthplanError(f"time limit {limit_min} must be ≥ 0 minutes (or inf for none)")
    return limit


def _slack(limit: float) -> float:
    """A search limit a few ulps looser than ``limit`` (rounding of limit − offset must not lose nodes)."""
    return limit * (1.0 + 1e-12) + 1e-12 if np.isfinite(limit) else limit


def reach_many(
    net: Network,
    nodes: ArrayLike,
    limit_min: float,
    *,
    offsets: ArrayLike | None = None,
) -> sp.csr_matrix:
    """Reach sets of many candidate nodes as a sparse (n_nodes × candidates) matrix of minutes.

    All candidates are searched in one compiled call, each search bounded by the limit and touching
    only the nodes it reaches.

    Parameters
    ----------
    net : Network
        The road network.
    nodes : array-like of int
        Node ids of the candidates.
    limit_min : float
        Time budget, minutes (≥ 0, or ``inf``).
    offsets : array-like of float, optional
        Minutes added to candidate j's times (one per candidate, ≥ 0), e.g. its access leg.

    Returns
    -------
    scipy.sparse.csr_matrix
        Entry (v, j) is the time in minutes from node v to candidate j plus ``offsets[j]``, stored only
        where it is ≤ ``limit_min``.  Stored zeros are real (a candidate's own node), so test the
        sparsity pattern (``.indices``/``.indptr``, ``.getrow``), never ``value != 0``; scipy operations
        that ``eliminate_zeros`` would drop them.
    """
    cand = _check_nodes(net, nodes, "nodes")
    k = cand.size
    off = np.zeros(k) if offsets is None else np.atleast_1d(np.asarray(offsets, dtype=np.float64)).ravel()
    if off.shape != cand.shape:
        raise HealthplanError(f"offsets has {off.size} values for {k} candidates")
    if not np.all(np.isfinite(off) & (off >= 0.0)):
        raise HealthplanError("offsets must be finite and ≥ 0 minutes")
    if k == 0:
        return sp.csr_matrix((net.n_nodes, 0))
    limit = _check_limit(limit_min)
    bounds = np.array([_slack(limit - o) if o <= limit else -1.0 for o in off.tolist()])
    prep = _prepared(net)
    if not uses_kernels(net, k) or prep.too_wide(0.0):
        sets = _heap_reach(net, cand, off, limit, bounds)
        colptr = np.concatenate([[0], np.cumsum([len(nodes) for nodes, _ in sets])]).astype(np.int64)
        rows = np.concatenate([nodes for nodes, _ in sets]).astype(np.int32)
        vals = np.concatenate([mins for _, mins in sets])
        return sp.csc_matrix((vals, rows, colptr), shape=(net.n_nodes, k)).tocsr()
    inv, ring = prep.plan(0.0, min(float(bounds.max()), prep.total_min) if bounds.max() >= 0 else 0.0)
    with prep.borrow(ring) as s:
        colptr, rows, vals = _kernels().reach_many(
            prep.indptr, prep.indices, prep.weights, cand, off, limit, bounds, inv,
            s.dist, s.label, s.bucket, s.nxt, s.prv, s.head, s.touched, False,
        )
    # built column by column (candidate j's nodes in search order) then converted — the conversion
    # leaves every row's entries in candidate order, and explicit zeros survive it
    return sp.csc_matrix((vals, rows, colptr), shape=(net.n_nodes, k)).tocsr()


def _heap_nearest(net: Network, src: np.ndarray, offsets: np.ndarray, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """``nearest_minutes`` through csgraph: one extra node per seed, linked to it by its offset (minutes)."""
    n = net.n_nodes
    # one seed per node, as the kernel sees them: the smallest offset, and of equal ones the first listing
    order = np.lexsort((np.arange(src.size), offsets, src))
    keep = order[np.r_[True, src[order][1:] != src[order][:-1]]]
    nodes, offs, k = src[keep], offsets[keep], keep.size
    graph = reverse_graph(net)
    seeds = sp.csr_matrix((offs, nodes, np.arange(k + 1)), shape=(k, n))  # explicit zeros are edges to csgraph
    aug = sp.vstack([sp.hstack([graph, sp.csr_matrix((n, k))]), sp.hstack([seeds, sp.csr_matrix((k, k))])],
                    format="csr")
    dist, _, label = csgraph.dijkstra(aug, indices=np.arange(n, n + k), min_only=True, limit=limit,
                                      return_predecessors=True)
    dist, label = dist[:n], label[:n] - n
    # as in the kernel, a seed node reached no sooner than its own offset is labelled with its own seed
    # (csgraph breaks such ties its own way)
    own = dist[nodes] == offs
    label[nodes[own]] = np.flatnonzero(own)
    source = keep[np.clip(label, 0, None)].astype(np.int32)
    source[~np.isfinite(dist)] = -1
    return dist, source


def _heap_reach(net: Network, nodes: np.ndarray, offsets: np.ndarray, limit: float,
                bounds: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Reach sets through csgraph, 64 candidates per call: (nodes ascending, minutes + offset ≤ limit) each."""
    graph = reverse_graph(net)
    out: list[tuple[np.ndarray, np.ndarray]] = []
    for lo in range(0, nodes.size, 64):
        chunk = slice(lo, lo + 64)
        live = bounds[chunk] >= 0.0
        dist = np.full((live.size, net.n_nodes), np.inf)
        if live.any():
            dist[live] = csgraph.dijkstra(graph, indices=nodes[chunk][live],
                                          limit=float(bounds[chunk][live].max())).reshape(int(live.sum()), -1)
        for row, offset, bound in zip(dist, offsets[chunk], bounds[chunk]):
            total = row + offset
            keep = np.flatnonzero((row <= bound) & (total <= limit)).astype(np.int32)
            out.append((keep, total[keep]))
    return out


def point_lonlat(points: gpd.GeoDataFrame | gpd.GeoSeries | tuple[ArrayLike, ArrayLike]) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon/lat arrays (degrees) of points given as a point GeoDataFrame/GeoSeries or a (lon, lat) pair."""
    if isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        if geoms.crs is not None:
            geoms = geoms.to_crs("EPSG:4326")
        if len(geoms) and not (geoms.geom_type == "Point").all():
            bad = int(np.flatnonzero((geoms.geom_type != "Point").to_numpy())[0]) + 1
            raise InputFileError(f"row {bad} is not a point; give each facility or site one lon/lat point")
        return np.asarray(geoms.x, dtype=float), np.asarray(geoms.y, dtype=float)
    lon, lat = points
    return np.atleast_1d(np.asarray(lon, dtype=float)), np.atleast_1d(np.asarray(lat, dtype=float))


def node_minutes(
    net: Network,
    fac_lon: ArrayLike,
    fac_lat: ArrayLike,
    *,
    limit_min: float = np.inf,
    detour: float = DETOUR_FACTOR,
    access_kmh: float = ACCESS_SPEED_KMH,
) -> tuple[np.ndarray, np.ndarray]:
    """Minutes from every node to its nearest facility (network + the facility's access leg) and that facility's index.

    Parameters
    ----------
    net : Network
        The road network.
    fac_lon, fac_lat : array-like
        Facilities, WGS84 degrees; snapped with :func:`snap`.
    limit_min : float
        Nodes beyond this many minutes get ``inf`` and −1.
    detour, access_kmh : float
        The access-leg model of :func:`snap` (circuity ≥ 1; speed in km/h).

    Returns
    -------
    minutes : numpy.ndarray
        float64 (n_nodes,), minutes to the nearest facility.
    source : numpy.ndarray
        int32 (n_nodes,), row of that facility, −1 if none within the limit.
    """
    fac_lon, fac_lat = np.atleast_1d(np.asarray(fac_lon, float)), np.atleast_1d(np.asarray(fac_lat, float))
    if fac_lon.size == 0:
        return np.full(net.n_nodes, np.inf), np.full(net.n_nodes, -1, dtype=np.int32)
    s = snap(net, fac_lon, fac_lat, detour=detour, access_kmh=access_kmh)
    return nearest_minutes(net, s.node, source_offset_min=s.access_min, limit_min=limit_min)


def place_minutes(
    places: Snap, per_node_min: np.ndarray, per_node_source: np.ndarray, *, limit_min: float = np.inf
) -> tuple[np.ndarray, np.ndarray]:
    """Minutes from snapped places to their nearest facility (place leg + node minutes) and its index (−1 if none).

    Parameters
    ----------
    places : Snap
        The places, snapped with :func:`snap`.
    per_node_min, per_node_source : numpy.ndarray
        Minutes and facility index per node, as :func:`node_minutes` returns them.
    limit_min : float
        Places beyond this many minutes (their own leg included) get ``inf`` and −1.

    Returns
    -------
    minutes : numpy.ndarray
        float64 (k,), minutes from each place to its nearest facility.
    source : numpy.ndarray
        int32 (k,), row of that facility, −1 if none within the limit.
    """
    minutes = places.access_min + per_node_min[places.node]
    nearest = per_node_source[places.node].astype(np.int32)
    beyond = ~(minutes <= limit_min)
    minutes[beyond] = np.inf
    nearest[beyond] = -1
    return minutes, nearest


def facility_minutes(
    net: Network,
    fac_lon: ArrayLike,
    fac_lat: ArrayLike,
    place_lon: ArrayLike,
    place_lat: ArrayLike,
    *,
    limit_min: float = np.inf,
    detour: float = DETOUR_FACTOR,
    access_kmh: float = ACCESS_SPEED_KMH,
) -> tuple[np.ndarray, np.ndarray]:
    """Minutes from each place to its nearest facility (place leg + network + facility leg) and its index.

    Parameters
    ----------
    net : Network
        The road network.
    fac_lon, fac_lat : array-like
        Facilities, WGS84 degrees.
    place_lon, place_lat : array-like
        Places, WGS84 degrees.
    limit_min : float
        Places beyond this many minutes get ``inf`` and index −1.
    detour, access_kmh : float
        The access-leg model of :func:`snap`, used for both places and facilities.

    Returns
    -------
    minutes : numpy.ndarray
        float64 (k,), minutes from each place to its nearest facility.
    source : numpy.ndarray
        int32 (k,), row of that facility, −1 if none within the limit.
    """
    per_node, source = node_minutes(net, fac_lon, fac_lat, limit_min=limit_min, detour=detour, access_kmh=access_kmh)
    place = snap(net, place_lon, place_lat, detour=detour, access_kmh=access_kmh)
    return place_minutes(place, per_node, source, limit_min=limit_min)


def node_layer(net: Network, minutes: np.ndarray, source: np.ndarray, names: list[str]) -> gpd.GeoDataFrame:
    """One WGS84 point per node: node, minutes to the nearest facility (NaN if unreachable), its name and row.

    Parameters
    ----------
    net : Network
        The road network (its nodes become the points).
    minutes, source : numpy.ndarray
        Minutes and facility index per node, as :func:`node_minutes` returns them.
    names : list of str
        Facility names, indexed by ``source``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns node, minutes, facility (name, None if unreachable), facility_index (−1 if none); EPSG:4326.
    """
    reachable = source >= 0
    name_arr = np.asarray(names, dtype=object)
    return gpd.GeoDataFrame(
        {"node": np.arange(net.n_nodes, dtype=np.int32),
         "minutes": np.where(np.isfinite(minutes), minutes, np.nan),
         "facility": np.where(reachable, name_arr[np.maximum(source, 0)], None) if len(names) else None,
         "facility_index": source.astype(np.int32)},
        geometry=gpd.points_from_xy(net.lon, net.lat), crs="EPSG:4326")
