"""The compiled search kernels (spatial._dijkstra, through spatial.traveltime) against scipy csgraph, bit for bit.

The reference is built here from the network's raw arrays (reverse the edges, keep the fastest of
parallel edges, one virtual seed node per source carrying its offset) and searched with
``scipy.sparse.csgraph.dijkstra`` — the engine used before the kernels, independent of them.
Minutes must be *identical* (both compute the smallest left-to-right float sum over all paths);
the reported source must achieve the minimum.  Real networks: Kunming (≈57k nodes, undirected)
and the directed Haikou DiDi network; small graphs from hypothesis cover zero-minute and parallel
edges, unreachable nodes, duplicate sources, wide offsets, long edges and limits.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from spatial import traveltime as tt
from spatial.network import Network
from test_traveltime import make_net



@pytest.fixture(autouse=True, scope="module")
def _kernels_only():
    """This module tests the compiled kernels: every call goes to them, however small the work."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tt, "HEAP_MAX_WORK", -1)
        yield
def reference_reverse(net: Network) -> sp.csr_matrix:
    """Reversed graph from the raw arrays: entry (v, u) = fastest u→v minutes; stored zeros kept (csgraph edges)."""
    n = net.n_nodes
    rows, cols, w = net.head.astype(np.int64), net.tail.astype(np.int64), np.asarray(net.minutes, dtype=float)
    order = np.lexsort((w, cols, rows))
    rows, cols, w = rows[order], cols[order], w[order]
    keep = np.r_[True, (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])] if rows.size else np.zeros(0, bool)
    rows, cols, w = rows[keep], cols[keep], w[keep]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return sp.csr_matrix((w, cols, indptr), shape=(n, n))


def reference_nearest(graph: sp.csr_matrix, sources, offsets, limit: float) -> np.ndarray:
    """csgraph minutes to the nearest source: virtual seed rows with one edge (weight = offset) each."""
    n, k = graph.shape[0], len(sources)
    indptr = np.r_[graph.indptr, graph.indptr[-1] + np.arange(1, k + 1)]
    indices = np.r_[graph.indices, np.asarray(sources, dtype=graph.indices.dtype)]
    data = np.r_[graph.data, np.asarray(offsets, dtype=float)]
    seeded = sp.csr_matrix((data, indices, indptr), shape=(n + k, n + k))
    dist = dijkstra(seeded, indices=np.arange(n, n + k), min_only=True, limit=limit)
    return dist[:n]


def check_against_csgraph(net, graph, sources, offsets, limit, *, per_source=None):
    """nearest_minutes equals csgraph exactly; each node's source achieves its time."""
    minutes, source = tt.nearest_minutes(net, sources, source_offset_min=offsets, limit_min=limit)
    ref = reference_nearest(graph, sources, offsets, limit)
    assert minutes.dtype == np.float64 and source.dtype == np.int32
    assert np.array_equal(minutes, ref)  # bit for bit, inf where csgraph has inf
    assert np.array_equal(source == -1, np.isinf(ref))
    if per_source is None:  # per-source times (no offset), csgraph, one row per source
        per_source = dijkstra(graph, indices=np.asarray(sources))
    reached = np.flatnonzero(source >= 0)
    achieved = per_source[source[reached], reached] + np.asarray(offsets)[source[reached]]
    assert np.allclose(achieved, minutes[reached], rtol=1e-12, atol=1e-12)
    return minutes, source


# ---------------------------------------------------------------------------------------------
# real networks, all nodes


@pytest.mark.parametrize("which", ["kunming", "haikou"])
def test_real_network_equals_csgraph(which, kunming_net, haikou_net):
    net = kunming_net if which == "kunming" else haikou_net
    graph = reference_reverse(net)
    rng = np.random.default_rng(21)
    short, long_ = (15.0, 30.0) if which == "kunming" else (2.0, 4.0)
    for n_src in (1, 5, 20, 60):
        sources = rng.choice(net.n_nodes, n_src, replace=False)
        per_source = dijkstra(graph, indices=sources)
        zero = np.zeros(n_src)
        offsets = rng.uniform(0.0, 8.0, n_src)
        for offs, limit in ((zero, np.inf), (offsets, np.inf), (offsets, long_), (zero, short), (offsets, 0.0)):
            minutes, _ = check_against_csgraph(net, graph, sources, offs, limit, per_source=per_source)
            if n_src == 1 and limit == short:
                assert 0 < np.isfinite(minutes).sum() < net.n_nodes  # the limit really cut the search
    # duplicate sources: the same node listed twice with different offsets; the smaller offset wins
    s = rng.choice(net.n_nodes, 4, replace=False)
    sources, offsets = np.r_[s, s[:2]], np.r_[3.0, 3.0, 1.0, 1.0, 0.5, 2.5]
    minutes, source = check_against_csgraph(net, graph, sources, offsets, np.inf)
    assert source[s[0]] == 4 and minutes[s[0]] == 0.5 and source[s[1]] == 5 and minutes[s[1]] == 2.5


@pytest.mark.parametrize("which", ["kunming", "haikou"])
def test_real_network_reach_equals_csgraph_with_limit(which, kunming_net, haikou_net):
    net = kunming_net if which == "kunming" else haikou_net
    graph = reference_reverse(net)
    rng = np.random.default_rng(22)
    nodes = rng.choice(net.n_nodes, 6, replace=False)
    limits = (5.0, 30.0) if which == "kunming" else (2.0, 6.0)
    for node in nodes:
        for limit in limits:
            for offset in (0.0, 1.25):
                got, mins = tt.reach(net, int(node), limit, offset_min=offset)
                dist = dijkstra(graph, indices=int(node), limit=limit)
                expect = np.flatnonzero(dist + offset <= limit)
                assert np.array_equal(got, expect) and got.dtype == np.int32
                assert np.array_equal(mins, dist[expect] + offset)
    # reach_many: the same sets, column by column, stored zeros included
    offsets = rng.uniform(0.0, 3.0, nodes.size)
    mat = tt.reach_many(net, nodes, limits[1], offsets=offsets).tocsc()
    assert mat.shape == (net.n_nodes, nodes.size)
    for j, node in enumerate(nodes):
        got, mins = tt.reach(net, int(node), limits[1], offset_min=float(offsets[j]))
        col = slice(mat.indptr[j], mat.indptr[j + 1])
        assert np.array_equal(np.sort(mat.indices[col]), got)
        assert np.array_equal(mat.data[col][np.argsort(mat.indices[col])], mins)


def test_scratch_is_left_clean_and_threads_agree(kunming_net):
    net = kunming_net
    rng = np.random.default_rng(23)
    nodes = rng.choice(net.n_nodes, 24, replace=False)
    expect = [tt.reach(net, int(v), 20.0) for v in nodes]
    tt.nearest_minutes(net, nodes[:5], limit_min=10.0)
    scratch = tt._prepared(net).scratch
    assert np.all(np.isinf(scratch.dist)) and np.all(scratch.label == -1)
    assert np.all(scratch.bucket == -1) and np.all(scratch.head == -1)
    # several threads at once: one borrows the shared scratch, the others get their own
    results: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def work(i: int) -> None:
        for _ in range(3):
            results[i] = tt.reach(net, int(nodes[i]), 20.0)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(nodes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(len(nodes)):
        assert np.array_equal(results[i][0], expect[i][0]) and np.array_equal(results[i][1], expect[i][1])


# ---------------------------------------------------------------------------------------------
# random small graphs


@st.composite
def cases(draw):
    n = draw(st.integers(1, 12))
    weight = st.one_of(
        st.just(0.0),
        st.floats(0.0, 10.0, allow_nan=False),
        st.floats(100.0, 1e7, allow_nan=False),  # long edges: the bucket ring must still hold them
    )
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), weight), max_size=40))
    edges = [e for e in edges if e[0] != e[1]]  # parallel edges stay; self-loops are dropped by the builders
    sources = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=5))  # duplicates allowed
    offset = st.one_of(st.just(0.0), st.floats(0.0, 5.0, allow_nan=False), st.floats(0.0, 1e12, allow_nan=False))
    offsets = draw(st.lists(offset, min_size=len(sources), max_size=len(sources)))
    limit = draw(st.one_of(st.just(np.inf), st.just(0.0), st.floats(0.0, 30.0, allow_nan=False)))
    return make_net(n, edges), sources, offsets, limit


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_random_graphs_equal_csgraph(case):
    net, sources, offsets, limit = case
    graph = reference_reverse(net)
    minutes, source = check_against_csgraph(net, graph, sources, offsets, limit)
    # a node listed as a source keeps its own listing when no other source beats it (ties: the first
    # listing with the smallest offset; a search never replaces a time by an equal one)
    for s in set(sources):
        own = min(o for t, o in zip(sources, offsets, strict=True) if t == s)
        if minutes[s] == own:
            first = next(j for j, (t, o) in enumerate(zip(sources, offsets, strict=True)) if t == s and o == own)
            assert source[s] == first
    # reach from the first source equals csgraph with a limit, offsets included
    node, off = int(sources[0]), float(min(offsets[0], 5.0))
    lim = 12.0 if np.isinf(limit) else limit
    dist = dijkstra(graph, indices=node, limit=lim)
    expect = np.flatnonzero(dist + off <= lim)
    got, mins = tt.reach(net, node, lim, offset_min=off)
    assert np.array_equal(got, expect) and np.array_equal(mins, dist[expect] + off)
    col = tt.reach_many(net, [node, node], lim, offsets=[off, off]).tocsc()
    for j in range(2):
        part = slice(col.indptr[j], col.indptr[j + 1])
        assert np.array_equal(col.indices[part], expect) and np.array_equal(col.data[part], dist[expect] + off)


# ---------------------------------------------------------------------------------------------
# extreme weight ranges: the heap fallback


def lattice(side: int, rng: np.random.Generator) -> list[tuple[int, int, float]]:
    """A directed side × side grid of streets with random minutes (0.1–2) both ways."""
    edges = []
    for r in range(side):
        for c in range(side):
            v = r * side + c
            for w in ([v + 1] if c + 1 < side else []) + ([v + side] if r + 1 < side else []):
                edges += [(v, w, float(rng.uniform(0.1, 2.0))), (w, v, float(rng.uniform(0.1, 2.0)))]
    return edges


@pytest.mark.parametrize("factor", [1e3, 1e7, 1e9])
def test_extreme_edges_fall_back_to_the_heap_and_stay_exact(factor, hainan_net):
    rng = np.random.default_rng(7)
    edges = lattice(40, rng)
    median = float(np.median([w for *_, w in edges]))
    edges[::97] = [(u, v, median * factor) for u, v, _ in edges[::97]]  # ferries of absurd length
    net = make_net(40 * 40, edges)
    graph = reference_reverse(net)
    assert tt._prepared(net).too_wide(0.0) == (factor > 1e6)
    sources = rng.choice(net.n_nodes, 6, replace=False)
    for limit in (np.inf, 25.0):
        check_against_csgraph(net, graph, sources, [0.0, 1.0, 0.0, 2.5, 0.0, 0.0], limit)
    dist = dijkstra(graph, indices=int(sources[0]), limit=20.0)
    expect = np.flatnonzero(dist + 0.5 <= 20.0)
    got, mins = tt.reach(net, int(sources[0]), 20.0, offset_min=0.5)
    assert np.array_equal(got, expect) and np.array_equal(mins, dist[expect] + 0.5)
    many = tt.reach_many(net, sources, 20.0, offsets=np.full(6, 0.5)).tocsc()
    part = slice(many.indptr[0], many.indptr[1])
    assert np.array_equal(many.indices[part], expect) and np.array_equal(many.data[part], dist[expect] + 0.5)
    assert not tt._prepared(hainan_net).too_wide(0.0)  # a real network keeps the bucket kernel


def _coverage_run(out: Path, numba_dir: Path, heap_max_work: int | None) -> subprocess.CompletedProcess:
    """``healthplan coverage`` on Hainan (3 km grid) in a fresh process with its own kernel cache."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(numba_dir)}
    patch = "" if heap_max_work is None else f"import spatial.traveltime as t; t.HEAP_MAX_WORK = {heap_max_work}; "
    code = f"{patch}from healthplan.cli import _run; raise SystemExit(_run({['coverage', '--region', 'hainan', '--cell-m', '3000', '--out', str(out)]!r}))"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)


@pytest.mark.slow
def test_kernels_compile_only_when_a_run_needs_them_and_once(tmp_path: Path):
    """Hainan's searches go to csgraph: nothing compiled.  Forced onto the kernels, a machine without them says
    it compiles, the next run is silent, and all three runs give the same answer.  (One test: a compile
    costs ≈ 12 s of the suite.)"""
    numba_dir = tmp_path / "numba"
    plain = _coverage_run(tmp_path / "out0", numba_dir, None)
    assert tt.COMPILE_NOTE not in plain.stderr
    assert not numba_dir.exists() or not any(numba_dir.rglob("*.nbi"))
    first, second = (_coverage_run(tmp_path / f"out{i}", numba_dir, -1) for i in (1, 2))
    assert tt.COMPILE_NOTE in first.stderr
    assert tt.COMPILE_NOTE not in second.stderr
    assert plain.stdout == first.stdout.replace("out1", "out0") == second.stdout.replace("out2", "out0")
