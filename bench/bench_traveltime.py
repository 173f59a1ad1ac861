"""Benchmark of the travel-time engine on a real network (default: Kunming), against csgraph, networkx and pandana.

Run ``healthplan bench [--network DIR] [--repeat N] [--experiments]`` or ``python bench/bench_traveltime.py``.
Measured, each the median of several runs on the same graph:

* minutes from every node to the nearest of 20 facilities (random nodes, fixed seed):
  ours (``traveltime.nearest_minutes``: the numba kernel, the cached reverse graph built
  beforehand, as networkx's graph construction is excluded too) vs plain scipy
  ``csgraph.dijkstra(min_only=True)`` on the same prepared graph (the baseline our engineering is
  measured against) vs networkx ``multi_source_dijkstra_path_length`` on the reversed graph vs
  pandana (``Network`` preparation — contraction hierarchies — + ``set_pois`` + ``nearest_pois``;
  compared with ours *including* our own preparation) and pandana's query alone (``nearest_pois``);
  ours, csgraph and networkx take turns so that they share the machine's load;
* the reach set of a site within 30 min (``traveltime.reach``), median over many random sites,
  against csgraph with ``limit``; and all those sites at once (``reach_many``) against a loop of
  csgraph searches;
* loading the network from its cache (``spatial.network.save``/``load``);
* the kernels' compile time (once per machine; excluded from every timing above).

"Ours" is always the compiled kernel here: the benchmark sets ``traveltime.HEAP_MAX_WORK`` to −1,
where a command would send work this small to csgraph to save a fresh process the kernels' load
(``bench/bench_cli.py`` times that side).

Agreement: the largest absolute difference of the per-node minutes against networkx, csgraph
(expected bit-identical) and pandana.  Prints a table, then LAST one JSON line.  Timings are wall
clock on whatever machine runs it; the graph code uses no BLAS.  ``--experiments`` adds the
variants tried (heaps, bucket widths, scratch reuse, index width, node orders, limits, graph core).
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from numba import njit
from scipy.sparse.csgraph import dijkstra, reverse_cuthill_mckee

from spatial import traveltime as tt
from spatial.network import Network

# `healthplan bench` loads this file by path, so bench/ (with timing.py) is not on the path by itself
sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import median_s  # noqa: E402


@contextlib.contextmanager
def _quiet_stdout():
    """Silence pandana's C++ progress output (written straight to file descriptor 1)."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


def nx_reversed_graph(net: Network):
    """networkx DiGraph of the reversed network (edge v→u for each road u→v), fastest parallel edge kept."""
    import networkx as nx

    rev = tt.reverse_graph(net).tocoo()
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    g.add_weighted_edges_from(zip(rev.row.tolist(), rev.col.tolist(), rev.data.tolist(), strict=True))
    return g


def _max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |a − b| over nodes finite in both; inf when the two disagree on which nodes are reachable."""
    fa, fb = np.isfinite(a), np.isfinite(b)
    if not np.array_equal(fa, fb):
        return float("inf")
    return float(np.max(np.abs(a[fa] - b[fa]))) if fa.any() else 0.0


def csgraph_nearest(graph: sp.csr_matrix, sources: np.ndarray) -> np.ndarray:
    """The plain-scipy recipe: csgraph's multi-source Dijkstra (``min_only``) on the prepared reverse graph."""
    return dijkstra(graph, indices=sources, min_only=True)


def bench_vs_networkx(net: Network, sources: np.ndarray, repeat: int) -> dict[str, Any]:
    """Median seconds of ours, of plain csgraph and of networkx multi-source Dijkstra (graphs built beforehand).

    Rounds alternate (networkx once, then five runs of ours in a row and five of csgraph, the two
    taking turns going first) so that all three see the same machine load; within a block of five
    the later runs find the graph in cache, so each median is a warm-cache figure, as for repeated
    queries (measured on Kunming: ours took 3.9 ms when every run followed a csgraph or networkx
    run, 2.2–2.5 ms in a row).
    """
    import networkx as nx

    g = nx_reversed_graph(net)
    graph = tt.reverse_graph(net)
    src = {int(s) for s in sources}
    tt.nearest_minutes(net, sources)  # prepare (and cache) our reverse graph, as g is prepared
    nx_times, our_times, cs_times = [], [], []
    for _ in range(max(repeat, 1)):
        s, lengths = median_s(lambda: nx.multi_source_dijkstra_path_length(g, src, weight="weight"), 1)
        nx_times.append(s)
        for who in ((0, 1) if len(nx_times) % 2 else (1, 0)):  # take turns going first after networkx
            for _ in range(5):  # five in a row: the median is a warm-cache run, as for repeated queries
                if who == 0:
                    s, (ours, _) = median_s(lambda: tt.nearest_minutes(net, sources), 1)
                    our_times.append(s)
                else:
                    s, cs = median_s(lambda: csgraph_nearest(graph, sources), 1)
                    cs_times.append(s)
    nx_min = np.full(net.n_nodes, np.inf)
    nx_min[np.fromiter(lengths.keys(), dtype=np.int64)] = np.fromiter(lengths.values(), dtype=np.float64)
    return {"networkx_s": statistics.median(nx_times), "ours_s": statistics.median(our_times),
            "csgraph_s": statistics.median(cs_times), "ours_minutes": ours, "networkx_minutes": nx_min,
            "csgraph_minutes": cs}


def bench_pandana(net: Network, sources: np.ndarray, maxdist_min: float, repeat: int) -> dict[str, Any]:
    """Median seconds of pandana with preparation (Network + set_pois + nearest_pois) and of the query alone."""
    import pandana
    import pandas as pd

    x, y = pd.Series(net.x_m), pd.Series(net.y_m)
    # pandana searches from each node towards the POIs; give it the roads as they run (tail → head)
    tail, head = pd.Series(net.tail.astype(np.int64)), pd.Series(net.head.astype(np.int64))
    weights = pd.DataFrame({"minutes": net.minutes})

    def prepare() -> Any:
        with _quiet_stdout():
            p = pandana.Network(x, y, tail, head, weights, twoway=False)
            p.set_pois("facility", maxdist_min, 1, x.iloc[sources].reset_index(drop=True),
                       y.iloc[sources].reset_index(drop=True))
        return p

    def full() -> Any:
        p = prepare()
        return p, p.nearest_pois(maxdist_min, "facility", num_pois=1, include_poi_ids=True)

    full_s, (p, _) = median_s(full, repeat)
    query_s, frame = median_s(lambda: p.nearest_pois(maxdist_min, "facility", num_pois=1, include_poi_ids=True),
                               max(repeat, 3))
    minutes = frame[1].reindex(range(net.n_nodes)).to_numpy(dtype=np.float64)
    return {"full_s": full_s, "query_s": query_s, "minutes": minutes}


def _csgraph_reach(graph: sp.csr_matrix, node: int, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """The plain-scipy reach: csgraph Dijkstra with ``limit`` from one node, then the nodes within it."""
    dist = dijkstra(graph, indices=node, limit=limit)
    nodes = np.flatnonzero(dist <= limit).astype(np.int32)
    return nodes, dist[nodes]


def bench_reach(net: Network, limit_min: float, n_sites: int, seed: int) -> dict[str, float]:
    """Reach sets of random sites within ``limit_min``: ours (median/p90/max ms, set sizes) and csgraph's median.

    Also the same sites in one ``reach_many`` call against a loop of csgraph searches (ms for all sites).
    Ours and csgraph alternate site by site, taking turns going first (the second search of a site
    runs in a warm cache); every set is checked to be identical.
    """
    rng = np.random.default_rng(seed + 1)
    sites = rng.choice(net.n_nodes, size=n_sites, replace=True)
    graph = tt.reverse_graph(net)
    tt.reach(net, int(sites[0]), limit_min)  # warm the prepared graph
    times, cs_times, sizes, same = [], [], [], True
    for i, s in enumerate(sites):
        # the second search of a site finds its part of the graph in cache: take turns going first
        for who in ((0, 1) if i % 2 == 0 else (1, 0)):
            t0 = time.perf_counter()
            if who == 0:
                nodes, mins = tt.reach(net, int(s), limit_min)
                times.append(time.perf_counter() - t0)
            else:
                ref_nodes, ref_mins = _csgraph_reach(graph, int(s), limit_min)
                cs_times.append(time.perf_counter() - t0)
        same &= bool(np.array_equal(nodes, ref_nodes) and np.array_equal(mins, ref_mins))
        sizes.append(nodes.size)
    ms, cs_ms = np.array(times) * 1e3, np.array(cs_times) * 1e3
    many_s, mat = median_s(lambda: tt.reach_many(net, sites, limit_min), 3)
    loop_s, _ = median_s(lambda: [_csgraph_reach(graph, int(s), limit_min) for s in sites], 3)
    return {
        "median_ms": float(np.median(ms)),
        "p90_ms": float(np.percentile(ms, 90)),
        "max_ms": float(ms.max()),
        "median_nodes": float(np.median(sizes)),
        "max_nodes": int(max(sizes)),
        "csgraph_median_ms": float(np.median(cs_ms)),
        "identical_to_csgraph": same and mat.nnz == int(sum(sizes)),
        "many_ms": many_s * 1e3,
        "many_csgraph_loop_ms": loop_s * 1e3,
        "many_sites": int(n_sites),
    }


def jit_compile_s() -> float | None:
    """Seconds to compile every search kernel from scratch, in a fresh process with an empty numba cache."""
    code = "from spatial import traveltime as tt; print(tt.warm_up())"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "NUMBA_CACHE_DIR": tmp}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    try:
        return float(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def bench_load(net: Network, network_dir: Path | None, repeat: int) -> float | None:
    """Median seconds of ``spatial.network.load`` (from ``network_dir`` or a fresh save of ``net``)."""
    try:
        from spatial.network import load, save
    except ImportError:  # the network package's save/load not delivered
        return None
    if network_dir is not None:
        return median_s(lambda: load(network_dir), repeat)[0]
    with tempfile.TemporaryDirectory() as tmp:
        save(net, Path(tmp) / "net")
        return median_s(lambda: load(Path(tmp) / "net"), repeat)[0]


# ------------------------------------------------------------------------------------------------
# engineering experiments (--experiments): what was tried beyond plain csgraph, and what it gave


def _make_heap_search(arity: int) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """Textbook Dijkstra with a lazy-deletion ``arity``-ary heap (a power of two), the arity a compile-time constant."""
    shift = arity.bit_length() - 1  # children of j: (j << shift) + 1 …; parent: (j − 1) >> shift

    @njit(nogil=True)  # no disk cache: this file is loaded under varying module names (healthplan bench, tests)
    def heap_search(indptr, indices, weights, seeds):  # pragma: no cover - compiled
        n = indptr.shape[0] - 1
        dist = np.full(n, np.inf)
        label = np.full(n, -1, dtype=np.int32)
        cap = indices.shape[0] + seeds.shape[0] + 1
        hk = np.empty(cap)
        hv = np.empty(cap, dtype=np.int32)
        size = 0
        for i in range(seeds.shape[0]):
            s = seeds[i]
            if 0.0 < dist[s]:
                dist[s] = 0.0
                label[s] = i
                hk[size] = 0.0
                hv[size] = s
                size += 1
        while size > 0:
            d = hk[0]
            u = hv[0]
            size -= 1
            lk = hk[size]
            lv = hv[size]
            j = 0
            while True:  # sift the last entry down from the root
                c = (j << shift) + 1
                if c >= size:
                    break
                best = c
                best_key = hk[c]
                for q in range(c + 1, min(c + arity, size)):
                    if hk[q] < best_key:
                        best_key = hk[q]
                        best = q
                if best_key >= lk:
                    break
                hk[j] = best_key
                hv[j] = hv[best]
                j = best
            hk[j] = lk
            hv[j] = lv
            if d > dist[u]:
                continue
            lu = label[u]
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                nd = d + weights[e]
                if nd < dist[v]:
                    dist[v] = nd
                    label[v] = lu
                    j = size
                    size += 1
                    while j > 0:  # sift up
                        p = (j - 1) >> shift
                        if hk[p] <= nd:
                            break
                        hk[j] = hk[p]
                        hv[j] = hv[p]
                        j = p
                    hk[j] = nd
                    hv[j] = v
        return dist, label

    return heap_search


_heap_searches: dict[int, Callable[..., Any]] = {}


def _heap_search(indptr, indices, weights, seeds, arity: int):
    """The alternative to the bucket queue: Dijkstra with a binary (2) or 4-ary heap."""
    if arity not in _heap_searches:
        _heap_searches[arity] = _make_heap_search(arity)
    return _heap_searches[arity](indptr, indices, weights, seeds)


def _bucket_search(indptr, indices, weights, seeds, delta):
    """Our kernel with every work array allocated for this call (no reuse), bucket width ``delta`` minutes."""
    from spatial import _dijkstra

    n = indptr.shape[0] - 1
    ring = 1 << int(np.ceil(np.log2(int(np.ceil(weights.max() / delta)) + 3)))
    dist, label = np.full(n, np.inf), np.full(n, -1, dtype=np.int32)
    bucket = np.full(n, -1, dtype=np.int32)
    nxt, prv, touched = (np.empty(n, dtype=np.int32) for _ in range(3))
    head = np.full(ring, -1, dtype=np.int32)
    _dijkstra.search(indptr, indices, weights, seeds, np.zeros(seeds.size), np.inf, 1.0 / delta,
                     dist, label, bucket, nxt, prv, head, touched)
    return dist, label


def _core_share(sym: sp.csr_matrix) -> float:
    """Share of nodes left after peeling dead-end trees and contracting pass-through (degree-2) nodes."""
    deg = np.diff(sym.indptr).astype(np.int64)
    alive = np.ones(sym.shape[0], dtype=bool)
    stack = list(np.flatnonzero(deg == 1))
    while stack:
        v = stack.pop()
        if not alive[v] or deg[v] != 1:
            continue
        alive[v] = False
        for u in sym.indices[sym.indptr[v]:sym.indptr[v + 1]]:
            if alive[u]:
                deg[u] -= 1
                if deg[u] == 1:
                    stack.append(u)
    return float(np.mean(alive & (deg != 2)))


def _permuted(graph: sp.csr_matrix, perm: np.ndarray) -> sp.csr_matrix:
    """The graph with nodes renumbered so that new node i is old node perm[i]."""
    g = graph[perm][:, perm].tocsr()
    g.sort_indices()
    return g


def _kernel_arrays(graph: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays in the kernel's dtypes (int64 indptr, int32 indices, float64 minutes)."""
    return graph.indptr.astype(np.int64), graph.indices.astype(np.int32), graph.data.astype(np.float64)


def experiments(net: Network, sources: np.ndarray, repeat: int, seed: int) -> dict[str, float]:
    """Time variants of the nearest-facility search (all checked identical to csgraph); ms by variant."""
    graph = tt.reverse_graph(net)
    n = net.n_nodes
    ip, ix, w = _kernel_arrays(graph)
    median_w = float(np.median(w[w > 0]))
    ref = dijkstra(graph, indices=sources, min_only=True)
    out: dict[str, float] = {}

    variants: dict[str, Callable[[], Any]] = {
        "csgraph_min_only_ms": lambda: dijkstra(graph, indices=sources, min_only=True),
        "binary_heap_ms": lambda: _heap_search(ip, ix, w, sources, 2),
        "quaternary_heap_ms": lambda: _heap_search(ip, ix, w, sources, 4),
        "nearest_minutes_ms": lambda: tt.nearest_minutes(net, sources),
        "bucket_no_scratch_reuse_ms": lambda: _bucket_search(ip, ix, w, sources, median_w * 0.25),
        "bucket_int64_indices_ms": lambda: _bucket_search(ip, ix.astype(np.int64), w, sources, median_w * 0.25),
        "nearest_minutes_offsets_ms": lambda: tt.nearest_minutes(
            net, sources, source_offset_min=np.full(sources.size, 1.0)),
        "limit_30min_ms": lambda: tt.nearest_minutes(net, sources, limit_min=30.0),
        "limit_60min_ms": lambda: tt.nearest_minutes(net, sources, limit_min=60.0),
    }
    for share in (0.0625, 0.125, 0.5, 1.0, 4.0):
        variants[f"bucket_width_{share:g}x_median_ms"] = (
            lambda share=share: _bucket_search(ip, ix, w, sources, median_w * share))
    rcm = reverse_cuthill_mckee(graph, symmetric_mode=False)
    # spatial (Morton / Z-order) sort of the nodes
    q = 1 << 16
    xi = ((net.x_m - net.x_m.min()) / (np.ptp(net.x_m) + 1e-9) * (q - 1)).astype(np.uint64)
    yi = ((net.y_m - net.y_m.min()) / (np.ptp(net.y_m) + 1e-9) * (q - 1)).astype(np.uint64)
    z = np.zeros(n, dtype=np.uint64)
    for b in range(16):
        z |= (((xi >> np.uint64(b)) & np.uint64(1)) << np.uint64(2 * b)) | (
            ((yi >> np.uint64(b)) & np.uint64(1)) << np.uint64(2 * b + 1))
    rng = np.random.default_rng(seed)
    orders = {"rcm_order_ms": rcm, "morton_order_ms": np.argsort(z, kind="stable"),
              "random_order_ms": rng.permutation(n)}
    for name, perm in orders.items():
        inv = np.empty(n, dtype=np.int64)
        inv[perm] = np.arange(n)
        arrays, s_p = _kernel_arrays(_permuted(graph, perm)), inv[sources].astype(np.int32)
        variants[name] = lambda arrays=arrays, s_p=s_p: _bucket_search(*arrays, s_p, median_w * 0.25)
    for name, fn in variants.items():  # compile, and check every variant gives csgraph's minutes
        got = fn()
        got = got[0] if isinstance(got, tuple) else got
        if "order" not in name and "limit" not in name and "offsets" not in name and not np.array_equal(got, ref):
            raise AssertionError(f"experiment {name} disagrees with csgraph")
    times: dict[str, list[float]] = {k: [] for k in variants}
    # rounds in a fresh random order; within a round each variant runs three times in a row and the
    # first (cold-cache: it follows a variant with other arrays) run is dropped, as in the main timing
    names = list(variants)
    for _ in range(max(repeat * 3, 9)):
        for i in rng.permutation(len(names)):
            for r in range(3):
                t0 = time.perf_counter()
                variants[names[i]]()
                if r:
                    times[names[i]].append(time.perf_counter() - t0)
    out.update({k: statistics.median(v) * 1e3 for k, v in times.items()})
    # degree-2 chain contraction only pays if many nodes are plain pass-through nodes
    pattern = sp.csr_matrix((np.ones(graph.nnz), graph.indices, graph.indptr), shape=graph.shape)
    sym = (pattern + pattern.T).tocsr()  # undirected neighbour structure (values are counts, never 0)
    nbrs = np.diff(sym.indptr)
    out["pass_through_node_share"] = float(np.mean(nbrs == 2))
    out["dead_end_node_share"] = float(np.mean(nbrs == 1))
    out["core_node_share"] = _core_share(sym)
    return out


# ------------------------------------------------------------------------------------------------


def run(
    net: Network,
    *,
    repeat: int = 3,
    n_facilities: int = 20,
    seed: int = 0,
    reach_limit_min: float = 30.0,
    reach_sites: int = 200,
    network_dir: Path | None = None,
    with_pandana: bool = True,
    with_experiments: bool = False,
    with_jit_compile: bool = False,
) -> dict[str, Any]:
    """Run the benchmark on ``net``; returns a dict of figures (seconds, milliseconds, ratios)."""
    tt.HEAP_MAX_WORK = -1  # the kernels themselves are timed here, however small the work (module notes)
    rng = np.random.default_rng(seed)
    sources = np.sort(rng.choice(net.n_nodes, size=n_facilities, replace=False)).astype(np.int32)
    res: dict[str, Any] = {"nodes": net.n_nodes, "edges": net.n_edges, "directed": net.directed,
                           "facilities": n_facilities, "seed": seed, "repeat": repeat}
    # compile time is excluded from every timing below, and reported on its own
    res["jit_warmup_s"] = tt.warm_up()  # loads numba's on-disk cache when present, else compiles
    if with_jit_compile:
        res["jit_compile_s"] = jit_compile_s()

    def cold() -> Any:
        tt.clear_caches(net)  # so that the call builds (and caches) the reverse graph again
        return tt.nearest_minutes(net, sources)

    res["ours_with_prep_s"], _ = median_s(cold, max(repeat, 5))
    vs = bench_vs_networkx(net, sources, repeat)
    res["ours_s"], res["networkx_s"], ours_min = vs["ours_s"], vs["networkx_s"], vs["ours_minutes"]
    res["csgraph_s"] = vs["csgraph_s"]
    res["speedup_vs_networkx"] = res["networkx_s"] / res["ours_s"]
    res["speedup_vs_csgraph"] = res["csgraph_s"] / res["ours_s"]
    res["csgraph_speedup_vs_networkx"] = res["networkx_s"] / res["csgraph_s"]
    res["max_abs_diff_networkx_min"] = _max_abs_diff(ours_min, vs["networkx_minutes"])
    res["max_abs_diff_csgraph_min"] = _max_abs_diff(ours_min, vs["csgraph_minutes"])
    res["identical_to_csgraph"] = bool(np.array_equal(ours_min, vs["csgraph_minutes"]))

    if with_pandana:
        finite = ours_min[np.isfinite(ours_min)]
        maxdist = float(np.ceil(finite.max()) + 10.0)  # covers every reachable node
        pdn = bench_pandana(net, sources, maxdist, repeat)
        res["pandana_with_prep_s"] = pdn["full_s"]
        res["pandana_query_s"] = pdn["query_s"]
        res["speedup_vs_pandana"] = pdn["full_s"] / (res["ours_with_prep_s"])
        res["speedup_vs_pandana_query_only"] = pdn["query_s"] / res["ours_s"]
        both = np.isfinite(ours_min)
        res["max_abs_diff_pandana_min"] = float(np.max(np.abs(ours_min[both] - pdn["minutes"][both])))

    reach = bench_reach(net, reach_limit_min, reach_sites, seed)
    res["reach_30min_ms"] = reach["median_ms"]
    res.update({f"reach_{k}": v for k, v in reach.items() if k != "median_ms"})
    res["cache_load_s"] = bench_load(net, network_dir, max(repeat, 5))
    if with_experiments:
        res["experiments"] = experiments(net, sources, repeat, seed)
    return res


def table(res: dict[str, Any]) -> str:
    """Human-readable table of a ``run`` result."""

    def f(key: str, unit: str, scale: float = 1.0, fmt: str = "{:.3f}") -> str:
        v = res.get(key)
        return "n/a" if v is None else fmt.format(v * scale) + unit

    lines = [
        (f"network: {res['nodes']:,} nodes, {res['edges']:,} edges, directed={res['directed']}; "
        f"{res['facilities']} facilities (seed {res['seed']}), median of {res['repeat']}+ runs"),
        "",
        f"{'nearest-facility minutes, all nodes':<48}{'time':>14}  {'ours is':<14}",
        f"{'  ours (numba bucket queue, prepared graph)':<48}{f('ours_s', ' ms', 1e3):>14}",
        f"{'  ours incl. preparing the reverse graph':<48}{f('ours_with_prep_s', ' ms', 1e3):>14}",
        (f"{'  plain scipy csgraph dijkstra (min_only)':<48}{f('csgraph_s', ' ms', 1e3):>14}"
         f"  {f('speedup_vs_csgraph', '× faster', 1, '{:.1f}'):<14}"
         f"(csgraph is {f('csgraph_speedup_vs_networkx', '× networkx', 1, '{:.1f}')})"),
        (f"{'  networkx multi_source_dijkstra':<48}{f('networkx_s', ' ms', 1e3):>14}"
        f"  {f('speedup_vs_networkx', '× faster', 1, '{:.1f}'):<14}"),
    ]
    if "pandana_with_prep_s" in res:
        lines += [
            (f"{'  pandana incl. Network preparation':<48}{f('pandana_with_prep_s', ' s', 1):>14}"
            f"  {f('speedup_vs_pandana', '× faster', 1, '{:.0f}'):<14}"),
            (f"{'  pandana nearest_pois query only':<48}{f('pandana_query_s', ' ms', 1e3):>14}"
            f"  {f('speedup_vs_pandana_query_only', '× faster', 1, '{:.1f}'):<14}"),
        ]
    lines += [
        "",
        (f"agreement: max |ours − networkx| = {res['max_abs_diff_networkx_min']:.3g} min, "
         f"max |ours − csgraph| = {res['max_abs_diff_csgraph_min']:.3g} min "
         f"(bit-identical: {res['identical_to_csgraph']})")
        + (f", max |ours − pandana| = {res['max_abs_diff_pandana_min']:.3g} min"
           if "max_abs_diff_pandana_min" in res else ""),
        (f"reach set within 30 min: median {res['reach_30min_ms']:.3f} ms, p90 {res['reach_p90_ms']:.3f} ms, "
        f"max {res['reach_max_ms']:.3f} ms (median {res['reach_median_nodes']:.0f} nodes, max {res['reach_max_nodes']:,}); "
        f"csgraph with limit: median {res['reach_csgraph_median_ms']:.3f} ms; "
        f"identical sets: {res['reach_identical_to_csgraph']}"),
        (f"reach sets of all {res['reach_many_sites']} sites: reach_many {res['reach_many_ms']:.1f} ms, "
         f"loop of csgraph searches {res['reach_many_csgraph_loop_ms']:.1f} ms"),
        f"cache load: {f('cache_load_s', ' s', 1, '{:.4f}')}",
        (f"JIT: kernels ready in {f('jit_warmup_s', ' s', 1, '{:.2f}')} in this process (numba disk cache); "
         f"compiling from scratch: {f('jit_compile_s', ' s', 1, '{:.2f}')} (once per machine; excluded above)"),
    ]
    if "experiments" in res:
        lines += ["", "experiments (ms unless a share):"]
        lines += [f"  {k:<34}{v:>10.3f}" for k, v in res["experiments"].items()]
    return "\n".join(lines)


def summary_json(res: dict[str, Any]) -> str:
    """The one-line JSON summary (the required keys first)."""
    keys = ["nodes", "speedup_vs_networkx", "speedup_vs_pandana", "speedup_vs_pandana_query_only",
            "reach_30min_ms", "cache_load_s", "speedup_vs_csgraph"]
    out = {k: res.get(k) for k in keys}
    for k, v in res.items():
        if k not in out and k != "experiments":
            out[k] = v
    rounded = {k: (round(v, 6) if isinstance(v, float) else v) for k, v in out.items()}
    return json.dumps(rounded)


def main(network_dir: Path | None = None, *, repeat: int = 3, experiments_too: bool = False,
         pandana_too: bool = True) -> dict[str, Any]:
    """Load the network (``network_dir`` or Kunming from the data folder), run, print table then JSON."""
    if network_dir is not None:
        from spatial.network import load

        net = load(network_dir)
    else:
        from spatial.datafolder import default_network

        net = default_network("kunming")
    res = run(net, repeat=repeat, network_dir=network_dir, with_pandana=pandana_too,
              with_experiments=experiments_too, with_jit_compile=True)
    print(table(res))
    print(summary_json(res), flush=True)
    return res


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", type=Path, default=None, help="saved network directory (default: Kunming)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--experiments", action="store_true")
    args = parser.parse_args()
    main(args.network, repeat=args.repeat, experiments_too=args.experiments)
