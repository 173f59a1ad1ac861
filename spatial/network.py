"""The compact routable road network: node coordinates plus CSR edge arrays (metres and minutes).

* ``Network`` is immutable; nodes are ``0..n-1``; edges are stored as CSR *out*-edges:
  the edges leaving node ``u`` are ``indptr[u]:indptr[u+1]``, each going to ``head[e]`` with
  ``length_m[e]`` metres and ``minutes[e]`` minutes.  Undirected roads appear as two directed edges.
* ``lon``/``lat`` are WGS84 (EPSG:4326) degrees; ``x_m``/``y_m`` the same nodes in ``metric_crs``
  (a projection suited to the region, for snapping and buffering).
* ``provenance`` is a JSON-serialisable dict: source file/place, its date, speed table, snap
  tolerance, share of nodes dropped outside the largest component, build time.

Every builder (``spatial.roadlines``, ``spatial.edgetable``, ``spatial.osm``) ends in ``assemble``;
``save``/``load`` are the disk format (uncompressed .npz + JSON, loads in milliseconds);
``spatial.netcache`` builds once per source and loads from the disk cache after.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from pyproj import CRS, Transformer
from scipy.sparse.csgraph import connected_components

from spatial import atomic
from spatial.coords import metric_crs as fit_metric_crs
from spatial.errors import NetworkError, OutputError


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


# ----------------------------------------------------------------------------------------------
# Assembly: edge lists → compact CSR Network (shared by every builder)
# ----------------------------------------------------------------------------------------------

log = logging.getLogger(__name__)

#: Smallest edge time (min): csgraph treats explicit zeros as missing edges, so zero-length edges get this.
MIN_EDGE_MINUTES: float = 1e-6

#: A network whose largest (strongly) connected part keeps less than this share of the nodes is refused:
#: it would silently measure a fragment (Hainan's backbone keeps 72 % even with exact endpoint joins only).
MIN_KEPT_SHARE: float = 0.5

#: Bump when the on-disk layout or the builders' output changes (invalidates caches).
FORMAT_VERSION: int = 2

_ARRAYS = ("lon", "lat", "x_m", "y_m", "indptr", "head", "length_m", "minutes", "road_class")


def travel_minutes(length_m: np.ndarray, speed_kmh: np.ndarray | float) -> np.ndarray:
    """Minutes to drive ``length_m`` metres at ``speed_kmh`` (length_m * 0.06 / speed_kmh).

    Parameters
    ----------
    length_m : numpy.ndarray
        Lengths, metres.
    speed_kmh : numpy.ndarray or float
        Speeds, km/h (one per length, or one for all).

    Returns
    -------
    numpy.ndarray
        float64 minutes.
    """
    return np.asarray(length_m, dtype=float) * 0.06 / speed_kmh


def project(lon: np.ndarray, lat: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 degrees → metres in ``crs``.

    Parameters
    ----------
    lon, lat : numpy.ndarray
        WGS84 degrees.
    crs : str
        Target CRS (metric, e.g. the network's ``metric_crs``).

    Returns
    -------
    x, y : numpy.ndarray
        float64 coordinates in ``crs`` (metres).
    """
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = tr.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def assemble(
    lon: np.ndarray,
    lat: np.ndarray,
    tail: np.ndarray,
    head: np.ndarray,
    length_m: np.ndarray,
    minutes: np.ndarray,
    road_class: np.ndarray,
    classes: tuple[str, ...],
    *,
    directed: bool,
    metric_crs: str | None = None,
    provenance: dict[str, Any] | None = None,
    keep_largest: bool = True,
) -> Network:
    """Directed edge arrays → Network: drop self-loops, keep the fastest parallel edge, keep the largest component.

    The component is strongly connected for directed networks (every kept node can reach and be
    reached from every other), weakly otherwise.  The share of nodes dropped is logged and recorded;
    NetworkError when the edges are empty or invalid, or the largest component keeps too little.
    Edge times below ``MIN_EDGE_MINUTES`` are raised to it.

    Parameters
    ----------
    lon, lat : numpy.ndarray
        Node coordinates, WGS84 degrees (n,).
    tail, head : numpy.ndarray
        First and last node of each directed edge (indices into lon/lat).
    length_m : numpy.ndarray
        Edge lengths, metres (finite, ≥ 0).
    minutes : numpy.ndarray
        Edge travel times, minutes (finite).
    road_class : numpy.ndarray
        Each edge's road class, an index into ``classes``.
    classes : tuple of str
        Road-class names.
    directed : bool
        Keep the largest strongly (True) or weakly (False) connected component.  The network is
        marked directed only if some edge then lacks an opposite edge of equal time.
    metric_crs : str, optional
        Metric CRS for x_m/y_m; fitted to the kept nodes (``spatial.coords.metric_crs``) when None.
    provenance : dict, optional
        Provenance to carry; node, edge and component counts are added.
    keep_largest : bool
        Keep only the largest component (False keeps every node touched by an edge).

    Returns
    -------
    Network
    """
    prov = dict(provenance or {})
    tail, head = np.asarray(tail, dtype=np.int64), np.asarray(head, dtype=np.int64)
    length_m = np.asarray(length_m, dtype=float)
    minutes = np.maximum(np.asarray(minutes, dtype=float), MIN_EDGE_MINUTES)
    road_class = np.asarray(road_class, dtype=np.int16)
    n = len(lon)
    if n == 0 or len(tail) == 0:
        raise NetworkError("the road data gave an empty network (no nodes or no edges)")
    bad = ~(np.isfinite(length_m) & np.isfinite(minutes)) | (length_m < 0)
    if bad.any():
        raise NetworkError(f"{int(bad.sum())} edges have a missing, infinite or negative length/time")

    loop = tail == head
    tail, head, length_m, minutes, road_class = (
        a[~loop] for a in (tail, head, length_m, minutes, road_class)
    )
    # parallel edges: scipy's csr would SUM duplicates, so keep the fastest of each (tail, head) pair
    order = np.lexsort((length_m, minutes, head, tail))
    tail, head, length_m, minutes, road_class = (
        a[order] for a in (tail, head, length_m, minutes, road_class)
    )
    first = np.r_[True, (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])]
    n_parallel = int((~first).sum())
    tail, head, length_m, minutes, road_class = (
        a[first] for a in (tail, head, length_m, minutes, road_class)
    )

    graph = sp.csr_matrix((np.ones(len(tail), dtype=np.int8), (tail, head)), shape=(n, n))
    n_comp, label = connected_components(
        graph, directed=directed, connection="strong" if directed else "weak"
    )
    # nodes touched by no edge form singleton components; count components among used nodes only
    used = np.zeros(n, dtype=bool)
    used[tail] = used[head] = True
    sizes = np.bincount(label[used], minlength=n_comp)
    n_used = int(used.sum())
    if keep_largest:
        big = int(np.argmax(sizes))
        keep = used & (label == big)
    else:
        keep = used
    n_kept = int(keep.sum())
    dropped_share = 1.0 - n_kept / n_used
    kept_edges = int((keep[tail] & keep[head]).sum())
    if keep_largest and (kept_edges == 0 or n_kept / n_used < MIN_KEPT_SHARE):
        kind = "strongly connected (every node reaching every other along one-way streets)" if directed else "connected"
        cause = ("; most likely the one-way codes are wrong (every road one-way, or reversed)" if directed
                 else "; most likely the lines do not meet (raise --snap-m) or the file holds scattered pieces")
        raise NetworkError(
            f"the largest {kind} part of the road data keeps only {n_kept:,} of {n_used:,} nodes "
            f"({n_kept / n_used:.1%}) and {kept_edges:,} edges — not a usable network{cause}"
        )
    new_id = np.full(n, -1, dtype=np.int64)
    new_id[keep] = np.arange(n_kept)
    ek = keep[tail] & keep[head]
    tail, head, length_m, minutes, road_class = (a[ek] for a in (tail, head, length_m, minutes, road_class))
    tail, head = new_id[tail], new_id[head]
    # already sorted by tail (lexsort above, and the relabelling preserves order)
    indptr = np.zeros(n_kept + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=n_kept), out=indptr[1:])

    lon_k, lat_k = np.asarray(lon, dtype=float)[keep], np.asarray(lat, dtype=float)[keep]
    crs = metric_crs or fit_metric_crs(lon_k.min(), lat_k.min(), lon_k.max(), lat_k.max())
    x_m, y_m = project(lon_k, lat_k, crs)
    # a two-way road is two opposite edges of equal time; directed if any edge lacks such a twin
    if directed:
        g = sp.csr_matrix((minutes, (tail, head)), shape=(n_kept, n_kept))
        # scipy-stubs type sparse != sparse as bool; it is a sparse matrix of the differing entries
        is_directed = bool((g != g.T).nnz > 0)  # type: ignore[attr-defined]
    else:
        is_directed = False
    n_comp_used = int((sizes > 0).sum())
    prov.update(
        nodes=n_kept,
        edges=len(head),
        components=n_comp_used,
        component_kind="strong" if directed else "weak",
        nodes_before_component_filter=n_used,
        dropped_node_share=round(dropped_share, 6),
        parallel_edges_dropped=n_parallel,
        self_loops_dropped=int(loop.sum()),
    )
    log.info(
        "network: %d nodes, %d edges; kept the largest of %d %s components, dropping %.1f%% of %d nodes",
        n_kept,
        len(head),
        n_comp_used,
        prov["component_kind"],
        100 * dropped_share,
        n_used,
    )
    return Network(
        lon=lon_k,
        lat=lat_k,
        x_m=x_m,
        y_m=y_m,
        indptr=indptr,
        head=head.astype(np.int32),
        length_m=length_m,
        minutes=minutes,
        road_class=road_class,
        classes=tuple(str(c) for c in classes),
        metric_crs=crs,
        directed=is_directed,
        provenance=prov,
    )


def road_km(net: Network) -> float:
    """Kilometres of road: each two-way road counted once (the shorter of its two directed edges)."""
    lo = np.minimum(net.tail, net.head).astype(np.int64)
    hi = np.maximum(net.tail, net.head).astype(np.int64)
    key = lo * net.n_nodes + hi
    order = np.lexsort((net.length_m, key))
    first = np.r_[True, key[order][1:] != key[order][:-1]]
    return float(net.length_m[order][first].sum()) / 1000.0


def file_identity(path: Path) -> dict[str, Any]:
    """Absolute path, size (bytes) and modification time of a source file, for provenance and cache keys."""
    st = path.stat()
    return {
        "path": str(path.resolve()),
        "size": st.st_size,
        "mtime": datetime.fromtimestamp(st.st_mtime, tz=UTC).isoformat(timespec="seconds"),
        "mtime_ns": st.st_mtime_ns,
    }


# ----------------------------------------------------------------------------------------------
# Disk format
# ----------------------------------------------------------------------------------------------


#: The files of a saved network folder.
NETWORK_FILES: frozenset[str] = frozenset({"arrays.npz", "network.json"})


def foreign_entries(directory: Path) -> list[str]:
    """Names in ``directory`` other than a saved network's files (empty: it may be replaced whole)."""
    return sorted(e.name for e in directory.iterdir() if e.name not in NETWORK_FILES or not e.is_file())


def save(net: Network, directory: str | Path) -> Path:
    """Write ``arrays.npz`` (uncompressed) and ``network.json`` to ``directory``, replacing it whole.

    Both files are written to a new folder beside ``directory`` and swapped in at the end, so an
    interrupted save leaves the previous network (or nothing), never half of one.  A folder holding
    anything but a saved network is refused (OutputError), as is one that cannot be written.

    Parameters
    ----------
    net : Network
        The network to save.
    directory : str or Path
        The folder to write (created, or replaced whole).

    Returns
    -------
    Path
        ``directory``.
    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise OutputError(f"{directory} is a file; give a folder to save the network in")
    if directory.is_dir() and (other := foreign_entries(directory)):
        raise OutputError(f"{directory} holds {len(other)} file(s) that are not a saved network (e.g. {other[0]!r}); "
                          "the network replaces the whole folder, so give a new or empty folder")
    tmp: Path | None = None
    try:
        atomic.sweep(directory)  # what a killed earlier save left beside it
        tmp = atomic.fresh_dir(directory)
        np.savez(tmp / "arrays.npz", **{name: getattr(net, name) for name in _ARRAYS})
        meta = {
            "format_version": FORMAT_VERSION,
            "classes": list(net.classes),
            "metric_crs": net.metric_crs,
            "directed": net.directed,
            "n_nodes": net.n_nodes,
            "n_edges": net.n_edges,
            "provenance": net.provenance,
        }
        (tmp / "network.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1, default=str),
                                          encoding="utf-8")
        atomic.swap(tmp, directory)
    except OSError as exc:
        raise OutputError(f"cannot save the network in {directory}: {exc.strerror or exc}; choose a writable "
                          "folder with free space") from None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return directory


def load(directory: str | Path) -> Network:
    """Read a network written by ``save`` (milliseconds: plain .npz + JSON); NetworkError if it is damaged."""
    directory = Path(directory)
    meta_path, arr_path = directory / "network.json", directory / "arrays.npz"
    if not meta_path.is_file() or not arr_path.is_file():
        raise NetworkError(
            f"{directory} does not hold a built network (expected network.json and arrays.npz); "
            "build one with 'healthplan network build … --out DIR'"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        with np.load(arr_path, allow_pickle=False) as z:
            arrays = {name: z[name] for name in _ARRAYS}
        crs = str(meta["metric_crs"])
        CRS.from_user_input(crs)  # a damaged CRS fails here, not in a later step
        net = Network(**arrays, classes=tuple(str(c) for c in meta["classes"]), metric_crs=crs,
                      directed=bool(meta["directed"]), provenance=dict(meta.get("provenance", {})))
    except Exception as exc:  # noqa: BLE001 — a damaged file fails in many ways (zip, npy header, JSON, CRS): all are damage
        raise NetworkError(f"{directory}: the saved network is damaged ({type(exc).__name__}); rebuild it") from None
    if meta.get("format_version") != FORMAT_VERSION:
        raise NetworkError(
            f"{directory}: saved with format {meta.get('format_version')}, this version reads {FORMAT_VERSION}; rebuild it"
        )
    n, m = net.n_nodes, net.n_edges
    sound = (
        n == meta.get("n_nodes") and m == meta.get("n_edges") and net.indptr.shape == (n + 1,)
        and all(getattr(net, a).shape == (n,) for a in ("lat", "x_m", "y_m"))
        and all(getattr(net, a).shape == (m,) for a in ("length_m", "minutes", "road_class"))
        and int(net.indptr[0]) == 0 and int(net.indptr[-1]) == m and bool(np.all(np.diff(net.indptr) >= 0))
        and (m == 0 or (int(net.head.min()) >= 0 and int(net.head.max()) < n))
        and bool(np.all(np.isfinite(net.minutes) & (net.minutes >= 0)))
        and bool(np.all(np.isfinite(net.length_m) & (net.length_m >= 0)))
        and bool(np.all((np.abs(net.lon) <= 180) & (np.abs(net.lat) <= 90)))
        and bool(np.all(np.isfinite(net.x_m) & np.isfinite(net.y_m)))
        and (m == 0 or (int(net.road_class.min()) >= 0 and int(net.road_class.max()) < len(net.classes)))
    )
    if not sound:
        raise NetworkError(f"{directory}: the saved arrays are inconsistent (damaged or edited); rebuild the network")
    return net
