"""Travel-time engine: snapping, nearest-facility minutes, reach sets — checked against networkx.

Small hand-built graphs pin the semantics (direction, zero-minute and parallel edges, offsets);
hypothesis compares random small graphs with an independent networkx search; the real Haikou
(directed) and Kunming networks are compared with networkx on random samples of nodes.
"""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra

from spatial import traveltime as tt
from spatial.errors import HealthplanError, NetworkError
from spatial.network import Network

CRS = "+proj=aea +lat_1=24.8 +lat_2=26.1 +lat_0=25.5 +lon_0=102.9 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"


@pytest.fixture(autouse=True, scope="module", params=["kernel", "heap"])
def search_path(request: pytest.FixtureRequest):
    """Every test here runs on both search paths: the compiled kernels and csgraph's heap (``HEAP_MAX_WORK``)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tt, "HEAP_MAX_WORK", -1 if request.param == "kernel" else 1 << 62)
        yield request.param


def make_net(n: int, edges: list[tuple[int, int, float]], *, directed: bool = True, spacing_m: float = 1000.0) -> Network:
    """A Network from (u, v, minutes) edges; nodes on a line ``spacing_m`` apart near Kunming."""
    u = np.array([e[0] for e in edges], dtype=np.int64)
    v = np.array([e[1] for e in edges], dtype=np.int32)
    w = np.array([e[2] for e in edges], dtype=np.float64)
    order = np.argsort(u, kind="stable")
    u, v, w = u[order], v[order], w[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    x = np.arange(n, dtype=np.float64) * spacing_m
    y = np.zeros(n)
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(x, y)
    x, y = Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform(lon, lat)
    return Network(
        lon=np.asarray(lon), lat=np.asarray(lat), x_m=np.asarray(x), y_m=np.asarray(y),
        indptr=indptr, head=v, length_m=w * 500.0, minutes=w,
        road_class=np.zeros(len(edges), dtype=np.int16), classes=("test",),
        metric_crs=CRS, directed=directed,
    )


def nx_reversed(net: Network) -> nx.DiGraph:
    """Independent reference: the reversed graph in networkx, parallel edges reduced to their minimum."""
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    for u, v, w in zip(net.tail.tolist(), net.head.tolist(), net.minutes.tolist(), strict=True):
        if not g.has_edge(v, u) or g[v][u]["weight"] > w:
            g.add_edge(v, u, weight=w)
    return g


def nx_nearest(g: nx.DiGraph, n: int, sources, offsets=None) -> np.ndarray:
    """Minutes to the nearest source by networkx (super-source with offset edges when offsets given)."""
    out = np.full(n, np.inf)
    if offsets is None:
        lengths = nx.multi_source_dijkstra_path_length(g, {int(s) for s in sources})
    else:
        h = g.copy()
        for s, o in zip(sources, offsets, strict=True):
            if not h.has_edge("S", int(s)) or h["S"][int(s)]["weight"] > o:
                h.add_edge("S", int(s), weight=float(o))
        lengths = nx.single_source_dijkstra_path_length(h, "S")
        lengths.pop("S")
    for v, d in lengths.items():
        out[v] = d
    return out


# ---------------------------------------------------------------------------------------------
# hand-built cases


def test_direction_one_way_place_to_facility():
    # 0 → 1 → 2 one-way: a place at 0 reaches a facility at 2, but not the reverse
    net = make_net(3, [(0, 1, 2.0), (1, 2, 3.0)])
    minutes, source = tt.nearest_minutes(net, [2])
    assert minutes.tolist() == [5.0, 3.0, 0.0]
    assert source.tolist() == [0, 0, 0]
    minutes, source = tt.nearest_minutes(net, [0])
    assert minutes.tolist() == [0.0, np.inf, np.inf]
    assert source.tolist() == [0, -1, -1]
    nodes, mins = tt.reach(net, 2, 10.0)
    assert nodes.tolist() == [0, 1, 2] and mins.tolist() == [5.0, 3.0, 0.0]
    nodes, _ = tt.reach(net, 0, 10.0)
    assert nodes.tolist() == [0]


def test_zero_minute_and_parallel_edges():
    # a zero-minute edge is an edge (csgraph drops implicit zeros only); parallel edges use the faster
    net = make_net(4, [(0, 1, 0.0), (1, 2, 4.0), (1, 2, 1.5), (3, 2, 2.0), (3, 2, 7.0)])
    minutes, source = tt.nearest_minutes(net, [2])
    assert minutes.tolist() == [1.5, 1.5, 0.0, 2.0]
    assert source.tolist() == [0, 0, 0, 0]
    minutes, _ = tt.nearest_minutes(net, [1])
    assert minutes[0] == 0.0 and np.isinf(minutes[2])


def test_offsets_duplicates_and_limit():
    net = make_net(3, [(0, 1, 1.0), (1, 0, 1.0), (1, 2, 1.0), (2, 1, 1.0)])
    # node 2 listed twice: the smaller offset (index 2) wins; node 0's own offset is large
    minutes, source = tt.nearest_minutes(net, [2, 0, 2], source_offset_min=[5.0, 4.5, 0.5])
    assert minutes.tolist() == [2.5, 1.5, 0.5]
    assert source.tolist() == [2, 2, 2]
    minutes, source = tt.nearest_minutes(net, [2, 0, 2], source_offset_min=[5.0, 4.5, 0.5], limit_min=2.0)
    assert minutes.tolist() == [np.inf, 1.5, 0.5] and source.tolist() == [-1, 2, 2]
    # duplicates without offsets: the first listing is reported
    _, source = tt.nearest_minutes(net, [1, 1])
    assert source.tolist() == [0, 0, 0]
    nodes, mins = tt.reach(net, 2, 2.0, offset_min=0.5)
    assert nodes.tolist() == [1, 2] and mins.tolist() == [1.5, 0.5]
    assert tt.reach(net, 2, 2.0, offset_min=2.5)[0].size == 0


def test_bad_input_raises():
    net = make_net(2, [(0, 1, 1.0)])
    with pytest.raises(HealthplanError, match="outside"):
        tt.nearest_minutes(net, [5])
    with pytest.raises(HealthplanError, match="source_offset_min"):
        tt.nearest_minutes(net, [1], source_offset_min=[-1.0])
    with pytest.raises(HealthplanError, match="point 2"):
        tt.snap(net, [net.lon[0], np.nan], [net.lat[0], 25.0])
    with pytest.raises(HealthplanError, match="time limit"):
        tt.reach(net, 1, float("nan"))
    with pytest.raises(HealthplanError, match="time limit"):
        tt.nearest_minutes(net, [1], limit_min=-1.0)
    bad = make_net(2, [(0, 1, np.nan)])
    with pytest.raises(NetworkError, match="edge 0"):
        tt.nearest_minutes(bad, [1])


def test_snap_zero_leg_on_node_and_known_leg_off_node():
    net = make_net(3, [(0, 1, 1.0), (1, 2, 1.0)])
    s = tt.snap(net, net.lon, net.lat)
    assert s.node.dtype == np.int32 and s.node.tolist() == [0, 1, 2]
    assert s.dist_m.tolist() == [0.0, 0.0, 0.0] and s.access_min.tolist() == [0.0, 0.0, 0.0]
    # 300 m north of node 1 (in the metric CRS): leg = 300 × 1.3 m at 20 km/h
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(1000.0, 300.0)
    s = tt.snap(net, lon, lat)
    assert s.node.tolist() == [1]
    assert s.dist_m[0] == pytest.approx(300.0, abs=1e-6)
    assert s.access_min[0] == pytest.approx(300.0 * 1.3 / (20_000 / 60))
    s = tt.snap(net, lon, lat, detour=1.0, access_kmh=5.0)
    assert s.access_min[0] == pytest.approx(300.0 / (5000 / 60))


def test_facility_minutes_composes_legs():
    net = make_net(3, [(0, 1, 2.0), (1, 0, 2.0), (1, 2, 3.0), (2, 1, 3.0)])
    inv = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    fac_lon, fac_lat = inv.transform([2000.0, 0.0], [100.0, -50.0])  # 100 m off node 2, 50 m off node 0
    place_lon, place_lat = inv.transform([1000.0, 1900.0], [200.0, 0.0])  # 200 m off node 1, 100 m off node 2
    minutes, index = tt.facility_minutes(net, fac_lon, fac_lat, place_lon, place_lat)
    leg = 1.3 / (20_000 / 60)  # minutes per metre
    assert minutes[0] == pytest.approx(200 * leg + 2.0 + 50 * leg)  # via node 0: 2 + 0.195 < 3 + 0.39
    assert index.tolist() == [1, 0]
    assert minutes[1] == pytest.approx(100 * leg + 100 * leg)
    minutes, index = tt.facility_minutes(net, fac_lon, fac_lat, place_lon, place_lat, limit_min=1.0)
    assert np.isinf(minutes[0]) and index.tolist() == [-1, 0]


def test_reach_many_matches_reach():
    net = make_net(5, [(0, 1, 1.0), (1, 2, 0.0), (2, 3, 2.0), (3, 4, 1.0), (4, 0, 1.0)])
    mat = tt.reach_many(net, [2, 4, 2], 3.0, offsets=[0.0, 0.5, 1.0])
    assert mat.shape == (5, 3)
    for j, (node, off) in enumerate([(2, 0.0), (4, 0.5), (2, 1.0)]):
        nodes, mins = tt.reach(net, node, 3.0, offset_min=off)
        col = mat.tocsc()[:, j]
        assert sorted(col.indices.tolist()) == nodes.tolist()  # stored zeros count as reached
        assert np.allclose(col.toarray().ravel()[nodes], mins)


# ---------------------------------------------------------------------------------------------
# properties on random small graphs (independent networkx reference)


@st.composite
def graphs(draw):
    n = draw(st.integers(2, 9))
    weights = st.one_of(st.just(0.0), st.floats(0.0, 10.0, allow_nan=False))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), weights), max_size=30))
    edges = [e for e in edges if e[0] != e[1]]
    sources = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4))
    offsets = draw(st.lists(st.floats(0.0, 5.0, allow_nan=False), min_size=len(sources), max_size=len(sources)))
    return make_net(n, edges), sources, offsets


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.floats(0.0, 20.0, allow_nan=False))
def test_random_graphs_match_networkx(case, limit):
    net, sources, offsets = case
    g = nx_reversed(net)
    ref = nx_nearest(g, net.n_nodes, sources, offsets)
    minutes, source = tt.nearest_minutes(net, sources, source_offset_min=offsets)
    assert np.allclose(minutes, ref, rtol=1e-12, atol=1e-12)
    # the reported source achieves the minimum
    for v in np.flatnonzero(np.isfinite(minutes)):
        s = source[v]
        d = nx.shortest_path_length(g, sources[s], v, weight="weight")
        assert offsets[s] + d == pytest.approx(minutes[v], abs=1e-12)
    assert np.all((source == -1) == np.isinf(minutes))
    # limit: same answers inside, inf outside
    lim_minutes, _ = tt.nearest_minutes(net, sources, source_offset_min=offsets, limit_min=limit)
    inside = ref <= limit
    assert np.allclose(lim_minutes[inside], ref[inside], rtol=1e-12) and np.all(np.isinf(lim_minutes[~inside]))
    # reach(node, T) = {v : time(v → node) ≤ T} from a full search
    node, off = sources[0], offsets[0]
    full = nx.single_source_dijkstra_path_length(g, node)
    nodes, mins = tt.reach(net, node, limit, offset_min=off)
    expect = sorted(v for v, d in full.items() if d + off <= limit)
    assert nodes.tolist() == expect
    assert np.allclose(mins, [full[v] + off for v in expect], rtol=1e-12)
    # reach_many's column for the same candidate holds the same set
    col = tt.reach_many(net, [node], limit, offsets=[off]).tocsc()
    assert sorted(col.indices.tolist()) == expect


@settings(max_examples=100, deadline=None)
@given(graphs(), st.integers(0, 8), st.floats(0.0, 5.0, allow_nan=False))
def test_adding_a_facility_never_increases_time(case, extra, extra_offset):
    net, sources, offsets = case
    extra = extra % net.n_nodes
    before, _ = tt.nearest_minutes(net, sources, source_offset_min=offsets)
    after, _ = tt.nearest_minutes(net, [*sources, extra], source_offset_min=[*offsets, extra_offset])
    assert np.all(after <= before)
    assert after[extra] <= extra_offset


# ---------------------------------------------------------------------------------------------
# real networks: Haikou DiDi (directed, GCJ-02 source) and Kunming prefecture (undirected, ≈51k nodes)


@pytest.fixture(scope="module")
def kunming_nx(kunming_net: Network) -> nx.DiGraph:
    """networkx reference of the reversed Kunming graph."""
    return nx_reversed(kunming_net)


@pytest.fixture(scope="module")
def haikou_nx(haikou_net: Network) -> nx.DiGraph:
    """networkx reference of the reversed Haikou graph."""
    return nx_reversed(haikou_net)


def test_haikou_is_directed_and_matches_networkx(haikou_net, haikou_nx):
    net = haikou_net
    assert net.directed  # one-way streets: the direction of search matters here
    rng = np.random.default_rng(7)
    sources = rng.choice(net.n_nodes, 12, replace=False)
    offsets = rng.uniform(0.0, 3.0, sources.size)
    minutes, source = tt.nearest_minutes(net, sources, source_offset_min=offsets)
    ref = nx_nearest(haikou_nx, net.n_nodes, sources, offsets)
    assert np.allclose(minutes, ref, rtol=1e-9, atol=0.0)
    # searching the forward graph instead would give different answers on this network
    fwd = nx_nearest(haikou_nx.reverse(copy=False), net.n_nodes, sources, offsets)
    assert not np.allclose(fwd, ref, rtol=1e-9)
    # the reported facility achieves the minimum
    for v in rng.choice(net.n_nodes, 50, replace=False):
        s = source[v]
        d = nx.shortest_path_length(haikou_nx, int(sources[s]), int(v), weight="weight")
        assert offsets[s] + d == pytest.approx(minutes[v], rel=1e-9)


def test_haikou_reach_equals_full_search(haikou_net, haikou_nx):
    rng = np.random.default_rng(8)
    for node in rng.choice(haikou_net.n_nodes, 5, replace=False):
        full = nx.single_source_dijkstra_path_length(haikou_nx, int(node))
        for limit in (2.0, 5.0):
            nodes, mins = tt.reach(haikou_net, int(node), limit)
            expect = sorted(v for v, d in full.items() if d <= limit)
            assert nodes.tolist() == expect
            assert np.allclose(mins, [full[v] for v in expect], rtol=1e-9)


def test_kunming_matches_networkx(kunming_net, kunming_nx):
    net = kunming_net
    assert net.n_nodes > 40_000
    rng = np.random.default_rng(0)
    sources = rng.choice(net.n_nodes, 20, replace=False)
    minutes, source = tt.nearest_minutes(net, sources)
    ref = nx_nearest(kunming_nx, net.n_nodes, sources)
    sample = rng.choice(net.n_nodes, 5000, replace=False)
    assert np.allclose(minutes[sample], ref[sample], rtol=1e-9, atol=0.0)
    assert np.all(np.isfinite(minutes)) and np.all(source >= 0)  # one connected component
    # each facility is its own nearest, at zero minutes
    assert np.all(minutes[sources] == 0.0) and np.all(source[sources] == np.arange(sources.size))
    # adding a facility never increases anyone's time, and helps somebody
    more, _ = tt.nearest_minutes(net, np.r_[sources, rng.integers(net.n_nodes)])
    assert np.all(more <= minutes) and np.any(more < minutes)
    # a known threshold gives the same answers inside it
    lim, lim_src = tt.nearest_minutes(net, sources, limit_min=30.0)
    inside = minutes <= 30.0
    assert np.array_equal(lim[inside], minutes[inside]) and np.all(np.isinf(lim[~inside]))
    assert np.all(lim_src[~inside] == -1) and 0.05 < inside.mean() < 0.99


def test_uniform_speed_is_distance_over_speed(kunming_net, haikou_net):
    for net in (kunming_net, haikou_net):
        speed_kmh = 30.0
        uniform = dataclasses.replace(net, minutes=net.length_m * 60.0 / (speed_kmh * 1000.0))
        rng = np.random.default_rng(3)
        sources = rng.choice(net.n_nodes, 5, replace=False)
        minutes, _ = tt.nearest_minutes(uniform, sources)
        # independent: shortest distance in metres over the transposed length graph
        length_graph = net.graph_minutes.copy()
        length_graph.data = np.asarray(net.length_m, dtype=float)
        dist_m = dijkstra(length_graph.T.tocsr(), indices=sources, min_only=True)
        assert np.allclose(minutes, dist_m / (speed_kmh * 1000.0 / 60.0), rtol=1e-9)


def test_kunming_reach_equals_full_search(kunming_net):
    graph = kunming_net.graph_minutes.T.tocsr()  # from the raw arrays, not the engine's cache
    rng = np.random.default_rng(5)
    for node in rng.choice(kunming_net.n_nodes, 3, replace=False):
        full = dijkstra(graph, indices=int(node))
        nodes, mins = tt.reach(kunming_net, int(node), 30.0, offset_min=2.0)
        expect = np.flatnonzero(full + 2.0 <= 30.0)
        assert np.array_equal(nodes, expect)
        assert np.allclose(mins, full[expect] + 2.0, rtol=1e-12)
    cands = rng.choice(kunming_net.n_nodes, 4, replace=False)
    mat = tt.reach_many(kunming_net, cands, 15.0).tocsc()
    for j, node in enumerate(cands):
        nodes, mins = tt.reach(kunming_net, int(node), 15.0)
        col = mat[:, [j]]
        assert np.array_equal(np.sort(col.indices), nodes)


def test_real_nodes_snap_to_themselves(kunming_net, haikou_net):
    for net in (kunming_net, haikou_net):
        idx = np.random.default_rng(2).choice(net.n_nodes, min(net.n_nodes, 3000), replace=False)
        s = tt.snap(net, net.lon[idx], net.lat[idx])
        assert np.all(s.dist_m == 0.0) and np.all(s.access_min == 0.0)
        # the snapped node sits at the same place (coincident nodes may swap)
        assert np.allclose(net.x_m[s.node], net.x_m[idx]) and np.allclose(net.y_m[s.node], net.y_m[idx])


def test_kunming_facility_minutes_against_brute_force(kunming_net, kunming_nx):
    net = kunming_net
    rng = np.random.default_rng(11)
    inv = Transformer.from_crs(net.metric_crs, "EPSG:4326", always_xy=True)
    fi = rng.choice(net.n_nodes, 6, replace=False)
    fac_lon, fac_lat = inv.transform(net.x_m[fi] + rng.uniform(-800, 800, 6), net.y_m[fi] + rng.uniform(-800, 800, 6))
    pi = rng.choice(net.n_nodes, 8, replace=False)
    pl_lon, pl_lat = inv.transform(net.x_m[pi] + rng.uniform(-500, 500, 8), net.y_m[pi] + rng.uniform(-500, 500, 8))
    minutes, index = tt.facility_minutes(net, fac_lon, fac_lat, pl_lon, pl_lat)
    fs, ps = tt.snap(net, fac_lon, fac_lat), tt.snap(net, pl_lon, pl_lat)
    to_fac = [nx.single_source_dijkstra_path_length(kunming_nx, int(fs.node[j])) for j in range(6)]
    for i in range(8):
        per_fac = [ps.access_min[i] + to_fac[j][int(ps.node[i])] + fs.access_min[j] for j in range(6)]
        assert minutes[i] == pytest.approx(min(per_fac), rel=1e-9)
        assert per_fac[index[i]] == pytest.approx(minutes[i], rel=1e-9)
    assert np.all(ps.dist_m > 0)  # places really were off the network


def test_prepared_graph_is_cached_per_network():
    net = make_net(3, [(0, 1, 1.0), (1, 2, 1.0)])
    g = tt.reverse_graph(net)
    assert tt.reverse_graph(net) is g
    other = dataclasses.replace(net, minutes=net.minutes * 2)  # a new network gets its own graph
    assert tt.nearest_minutes(other, [2])[0].tolist() == [4.0, 2.0, 0.0]
    assert tt.nearest_minutes(net, [2])[0].tolist() == [2.0, 1.0, 0.0]
    tt.clear_caches(net)
    assert tt.reverse_graph(net) is not g
