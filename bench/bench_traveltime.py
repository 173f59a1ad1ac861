"""Benchmark of the travel-time engine on a real network (default: Kunming), against networkx and pandana.

Run ``healthplan bench [--network DIR] [--repeat N] [--experiments]`` or ``python bench/bench_traveltime.py``.
Measured, each the median of several runs on the same graph:

* minutes from every node to the nearest of 20 facilities (random nodes, fixed seed):
  ours (``traveltime.nearest_minutes``; the cached reverse graph built beforehand, as networkx's
  graph construction is excluded too) vs networkx ``multi_source_dijkstra_path_length`` on the
  reversed graph vs pandana (``Network`` preparation — contraction hierarchies — + ``set_pois`` +
  ``nearest_pois``; compared with ours *including* our own preparation) and pandana's query alone
  (``nearest_pois``);
* the reach set of one site within 30 min (``traveltime.reach``), median over many random sites;
* loading the network from its cache (``spatial.network.save``/``load``).

Agreement: the largest absolute difference of the per-node minutes against networkx and pandana.
Prints a table, then LAST one JSON line.  Timings are wall clock on whatever machine runs it; the
graph code uses no BLAS, so the machine's OPENBLAS_* settings do not affect it.  ``--experiments``
adds the variants tried beyond plain csgraph (node order, float32, limits, heapq reach, graph core).
"""

from __future__ import annotations

import contextlib
import heapq
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra, reverse_cuthill_mckee

from spatial import traveltime as tt
from spatial.network import Network


def _median_s(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time (s) of ``repeat`` calls of ``fn`` and the last result."""
    times, out = [], None
    for _ in range(max(repeat, 1)):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


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


def bench_vs_networkx(net: Network, sources: np.ndarray, repeat: int) -> dict[str, Any]:
    """Median seconds of ours and of networkx multi-source Dijkstra (graphs built beforehand), interleaved.

    Runs alternate (networkx once, ours five times) so that both see the same machine load.
    """
    import networkx as nx

    g = nx_reversed_graph(net)
    src = {int(s) for s in sources}
    tt.nearest_minutes(net, sources)  # prepare (and cache) our reverse graph, as g is prepared
    nx_times, our_times = [], []
    for _ in range(max(repeat, 1)):
        s, lengths = _median_s(lambda: nx.multi_source_dijkstra_path_length(g, src, weight="weight"), 1)
        nx_times.append(s)
        for _ in range(5):
            s, (ours, _) = _median_s(lambda: tt.nearest_minutes(net, sources), 1)
            our_times.append(s)
    nx_min = np.full(net.n_nodes, np.inf)
    nx_min[np.fromiter(lengths.keys(), dtype=np.int64)] = np.fromiter(lengths.values(), dtype=np.float64)
    return {"networkx_s": statistics.median(nx_times), "ours_s": statistics.median(our_times),
            "ours_minutes": ours, "networkx_minutes": nx_min}


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

    full_s, (p, _) = _median_s(full, repeat)
    query_s, frame = _median_s(lambda: p.nearest_pois(maxdist_min, "facility", num_pois=1, include_poi_ids=True),
                               max(repeat, 3))
    minutes = frame[1].reindex(range(net.n_nodes)).to_numpy(dtype=np.float64)
    return {"full_s": full_s, "query_s": query_s, "minutes": minutes}


def bench_reach(net: Network, limit_min: float, n_sites: int, seed: int) -> dict[str, float]:
    """Reach sets of random sites within ``limit_min``: median/p90/max milliseconds and median set size."""
    rng = np.random.default_rng(seed + 1)
    sites = rng.choice(net.n_nodes, size=n_sites, replace=True)
    tt.reach(net, int(sites[0]), limit_min)  # warm the prepared graph
    times, sizes = [], []
    for s in sites:
        t0 = time.perf_counter()
        nodes, _ = tt.reach(net, int(s), limit_min)
        times.append(time.perf_counter() - t0)
        sizes.append(nodes.size)
    ms = np.array(times) * 1e3
    return {
        "median_ms": float(np.median(ms)),
        "p90_ms": float(np.percentile(ms, 90)),
        "max_ms": float(ms.max()),
        "median_nodes": float(np.median(sizes)),
        "max_nodes": int(max(sizes)),
    }


def bench_load(net: Network, network_dir: Path | None, repeat: int) -> float | None:
    """Median seconds of ``spatial.network.load`` (from ``network_dir`` or a fresh save of ``net``)."""
    try:
        from spatial.network import load, save
    except ImportError:  # the network package's save/load not delivered
        return None
    if network_dir is not None:
        return _median_s(lambda: load(network_dir), repeat)[0]
    with tempfile.TemporaryDirectory() as tmp:
        save(net, Path(tmp) / "net")
        return _median_s(lambda: load(Path(tmp) / "net"), repeat)[0]


# ------------------------------------------------------------------------------------------------
# engineering experiments (--experiments): what was tried beyond plain csgraph, and what it gave


def _heapq_reach(graph: sp.csr_matrix, node: int, limit: float) -> dict[int, float]:
    """Plain-Python bounded Dijkstra over CSR arrays (touches only reached nodes)."""
    ip, ix, w = graph.indptr, graph.indices, graph.data
    best = {node: 0.0}
    heap = [(0.0, node)]
    done: set[int] = set()
    while heap:
        d, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        for e in range(ip[u], ip[u + 1]):
            v, nd = int(ix[e]), d + float(w[e])
            if nd <= limit and nd < best.get(v, np.inf):
                best[v] = nd
                heapq.heappush(heap, (nd, v))
    return best


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


def experiments(net: Network, sources: np.ndarray, repeat: int, seed: int) -> dict[str, float]:
    """Time variants of the nearest-facility search and of reach; returns milliseconds by variant."""
    graph = tt.reverse_graph(net)
    n = net.n_nodes
    out: dict[str, float] = {}

    variants: dict[str, Callable[[], Any]] = {
        "csgraph_min_only_ms": lambda: dijkstra(graph, indices=sources, min_only=True),
        "nearest_minutes_ms": lambda: tt.nearest_minutes(net, sources),
        "nearest_minutes_offsets_ms": lambda: tt.nearest_minutes(
            net, sources, source_offset_min=np.full(sources.size, 1.0)),
        "limit_30min_ms": lambda: tt.nearest_minutes(net, sources, limit_min=30.0),
        "limit_60min_ms": lambda: tt.nearest_minutes(net, sources, limit_min=60.0),
    }
    g32 = graph.astype(np.float32)
    variants["float32_weights_ms"] = lambda: dijkstra(g32, indices=sources, min_only=True)
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
        g_p, s_p = _permuted(graph, perm), inv[sources]
        variants[name] = lambda g_p=g_p, s_p=s_p: dijkstra(g_p, indices=s_p, min_only=True)
    # round-robin, so that every variant sees the same machine load
    times: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(max(repeat * 5, 15)):
        for name, fn in variants.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    out.update({k: statistics.median(v) * 1e3 for k, v in times.items()})
    # degree-2 chain contraction only pays if many nodes are plain pass-through nodes
    pattern = sp.csr_matrix((np.ones(graph.nnz), graph.indices, graph.indptr), shape=graph.shape)
    sym = (pattern + pattern.T).tocsr()  # undirected neighbour structure (values are counts, never 0)
    nbrs = np.diff(sym.indptr)
    out["pass_through_node_share"] = float(np.mean(nbrs == 2))
    out["dead_end_node_share"] = float(np.mean(nbrs == 1))
    out["core_node_share"] = _core_share(sym)
    sites = rng.choice(n, size=50, replace=True)
    heap_times, cs_times = [], []
    for s in sites:
        t0 = time.perf_counter()
        _heapq_reach(graph, int(s), 30.0)
        heap_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        tt.reach(net, int(s), 30.0)
        cs_times.append(time.perf_counter() - t0)
    out["reach_heapq_median_ms"] = float(np.median(heap_times) * 1e3)
    out["reach_csgraph_median_ms"] = float(np.median(cs_times) * 1e3)
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
) -> dict[str, Any]:
    """Run the benchmark on ``net``; returns a dict of figures (seconds, milliseconds, ratios)."""
    rng = np.random.default_rng(seed)
    sources = np.sort(rng.choice(net.n_nodes, size=n_facilities, replace=False)).astype(np.int32)
    res: dict[str, Any] = {"nodes": net.n_nodes, "edges": net.n_edges, "directed": net.directed,
                           "facilities": n_facilities, "seed": seed, "repeat": repeat}

    def cold() -> Any:
        tt.clear_caches(net)  # so that the call builds (and caches) the reverse graph again
        return tt.nearest_minutes(net, sources)

    res["ours_with_prep_s"], _ = _median_s(cold, max(repeat, 5))
    vs = bench_vs_networkx(net, sources, repeat)
    res["ours_s"], res["networkx_s"], ours_min = vs["ours_s"], vs["networkx_s"], vs["ours_minutes"]
    nx_min = vs["networkx_minutes"]
    res["speedup_vs_networkx"] = res["networkx_s"] / res["ours_s"]
    res["max_abs_diff_networkx_min"] = float(np.max(np.abs(ours_min - nx_min)))

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
        f"{'  ours (csgraph, prepared graph)':<48}{f('ours_s', ' ms', 1e3):>14}",
        f"{'  ours incl. preparing the reverse graph':<48}{f('ours_with_prep_s', ' ms', 1e3):>14}",
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
        f"agreement: max |ours − networkx| = {res['max_abs_diff_networkx_min']:.3g} min"
        + (f", max |ours − pandana| = {res['max_abs_diff_pandana_min']:.3g} min"
           if "max_abs_diff_pandana_min" in res else ""),
        (f"reach set within 30 min: median {res['reach_30min_ms']:.3f} ms, p90 {res['reach_p90_ms']:.3f} ms, "
        f"max {res['reach_max_ms']:.3f} ms (median {res['reach_median_nodes']:.0f} nodes, max {res['reach_max_nodes']:,})"),
        f"cache load: {f('cache_load_s', ' s', 1, '{:.4f}')}",
    ]
    if "experiments" in res:
        lines += ["", "experiments (ms unless a share):"]
        lines += [f"  {k:<34}{v:>10.3f}" for k, v in res["experiments"].items()]
    return "\n".join(lines)


def summary_json(res: dict[str, Any]) -> str:
    """The one-line JSON summary (the required keys first)."""
    keys = ["nodes", "speedup_vs_networkx", "speedup_vs_pandana", "speedup_vs_pandana_query_only",
            "reach_30min_ms", "cache_load_s"]
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
              with_experiments=experiments_too)
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
