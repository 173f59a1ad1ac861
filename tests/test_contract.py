"""Degree-2 chain contraction (spatial.contract): a hand-computed graph, the real networks against the
uncontracted search, and random graphs (hypothesis) where the sums are exact."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spatial import contract
from spatial import traveltime as tt
from spatial.network import assemble


def graph(n, edges, *, lon=None):
    """A Network from (tail, head, minutes, metres) tuples; nodes on a small grid near Haikou."""
    t, h, mi, le = (np.array(x) for x in zip(*edges))
    lon = 110.3 + 0.001 * np.arange(n) if lon is None else lon
    lat = 20.0 + 0.0007 * (np.arange(n) % 7)
    return assemble(lon, lat, t, h, le, mi, np.zeros(len(t), dtype=np.int16), ("residential",),
                    directed=True, keep_largest=False)


def both(a, b, mi, le):
    """A two-way road a–b."""
    return [(a, b, mi, le), (b, a, mi, le)]


def hand_made():
    """0–1–2–3 two-way (1, 2, 3 min; 10, 20, 30 m), 3–6 two-way, and a one-way loop 3 → 4 → 5 → 0."""
    edges = both(0, 1, 1.0, 10.0) + both(1, 2, 2.0, 20.0) + both(2, 3, 3.0, 30.0) + both(3, 6, 1.0, 5.0)
    edges += [(3, 4, 1.0, 100.0), (4, 5, 1.0, 100.0), (5, 0, 1.0, 100.0)]
    return graph(7, edges)


def test_hand_made_chains() -> None:
    net = hand_made()
    c = contract.contract(net)
    assert sorted(c.kept.tolist()) == [0, 3, 6] and sorted(c.removed.tolist()) == [1, 2, 4, 5]
    e = {(int(c.kept[t]), int(c.kept[h])): (le, mi) for t, h, le, mi in
         zip(c.net.tail, c.net.head, c.net.length_m, c.net.minutes)}
    assert e[(0, 3)] == (60.0, 6.0)  # the two-way chain, summed
    assert e[(3, 0)] == (300.0, 3.0)  # the one-way chain 3 → 4 → 5 → 0 is faster than the two-way one back
    assert e[(3, 6)] == (5.0, 1.0) and e[(6, 3)] == (5.0, 1.0)
    pos = {int(v): i for i, v in enumerate(c.removed)}
    i1, i4 = pos[1], pos[4]
    ends = (int(c.kept[c.tail[c.chain[i1]]]), int(c.kept[c.head[c.chain[i1]]]))
    assert ends == (0, 3)
    assert (c.to_head_min[i1], c.to_tail_min[i1], c.to_head_m[i1], c.to_tail_m[i1]) == (5.0, 1.0, 50.0, 10.0)
    # node 4 lies on a chain walked from 0: it can only go on towards 0 (2 min, 200 m), not back to 3
    assert int(c.kept[c.tail[c.chain[i4]]]) == 0 and c.to_tail_min[i4] == 2.0 and c.to_tail_m[i4] == 200.0
    assert np.isinf(c.to_head_min[i4]) and c.to_head_m[i4] == 100.0

    # a facility on kept node 6: 1 → 2 → 3 → 6 is 6 min; 4 → 5 → 0 → 1 → 2 → 3 → 6 is 9 min
    minutes, src = contract.nearest_minutes(c, [6])
    assert minutes.tolist() == [7.0, 6.0, 4.0, 1.0, 9.0, 8.0, 0.0] and (src == 0).all()
    # a facility on removed node 2 with a 0.5 min access leg: 1 reaches it along the chain in 2 min
    minutes, src = contract.nearest_minutes(c, [2], source_offset_min=[0.5])
    assert minutes.tolist() == [3.5, 2.5, 0.5, 3.5, 5.5, 4.5, 4.5]
    ref, _ = tt.nearest_minutes(net, [2], source_offset_min=[0.5])
    assert minutes.tolist() == ref.tolist()
    # a limit: nodes past it are unreached
    minutes, src = contract.nearest_minutes(c, [2], source_offset_min=[0.5], limit_min=3.5)
    assert np.isinf(minutes[[4, 5, 6]]).all() and (src[[4, 5, 6]] == -1).all() and minutes[0] == 3.5


def ulps(a, b):
    """|a − b| in units in the last place of a (finite entries), and whether both agree on what is finite."""
    fin = np.isfinite(a)
    same = np.array_equal(fin, np.isfinite(b))
    return np.abs(a[fin] - b[fin]) / np.spacing(np.abs(a[fin]).clip(min=np.finfo(float).tiny)), same


@pytest.mark.parametrize("name", ["kunming_net", "hainan_net", "haikou_net"])
def test_equals_the_uncontracted_search(name, request) -> None:
    """Minutes to the nearest of 12 facilities (some on removed nodes, with offsets) at every node."""
    net = request.getfixturevalue(name)
    c = contract.contract(net)
    assert c.net.n_nodes + c.n_removed == net.n_nodes and c.n_removed > 0
    assert c.net.length_m.sum() <= net.length_m.sum()
    rng = np.random.default_rng(7)
    src = np.r_[rng.choice(c.removed, 4, replace=False), rng.choice(net.n_nodes, 8, replace=False)]
    off = rng.uniform(0, 5, src.size)
    for limit in (np.inf, 30.0):
        want, want_src = tt.nearest_minutes(net, src, source_offset_min=off, limit_min=limit)
        got, got_src = contract.nearest_minutes(c, src, source_offset_min=off, limit_min=limit)
        err, same = ulps(want, got)
        assert same
        # the chain sums are added in another order than the search adds the edges: a few ulps at most
        assert err.max() <= 8, f"{name}: {err.max()} ulps"
        reached = got_src >= 0
        assert np.array_equal(reached, want_src >= 0)
        # the nearest source found is one at the same time (ties may pick another)
        assert (got_src[reached] == want_src[reached]).mean() > 0.999


@st.composite
def random_graphs(draw):
    """Random strongly-connected-ish directed graphs with dyadic edge times (sums exact in floats)."""
    n = draw(st.integers(3, 25))
    ring = draw(st.permutations(range(n)))
    edges = []
    for a, b in zip(ring, ring[1:] + ring[:1]):  # a ring keeps everything strongly connected
        w = draw(st.integers(1, 64)) / 8
        edges.append((a, b, w, w * 10))
        if draw(st.booleans()):
            edges.append((b, a, w, w * 10))
    for _ in range(draw(st.integers(0, n))):
        a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        w = draw(st.integers(1, 64)) / 8
        edges.append((a, b, w, w * 10))
    src = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
    off = [draw(st.integers(0, 16)) / 4 for _ in src]
    return n, edges, src, off


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(random_graphs())
def test_random_graphs_equal_exactly(case) -> None:
    n, edges, src, off = case
    net = graph(n, edges)
    c = contract.contract(net)
    want, want_src = tt.nearest_minutes(net, src, source_offset_min=off)
    got, got_src = contract.nearest_minutes(c, src, source_offset_min=off)
    np.testing.assert_array_equal(got, want)  # dyadic times: every sum is exact, so equal bit for bit
    assert np.array_equal(got_src >= 0, want_src >= 0)
    # the source named gives the time found (its offset plus the original search from it alone)
    for j in np.unique(got_src[got_src >= 0]):
        alone, _ = tt.nearest_minutes(net, [src[j]], source_offset_min=[off[j]])
        np.testing.assert_array_equal(got[got_src == j], alone[got_src == j])
