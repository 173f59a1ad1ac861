"""Road lines → Network: topology, snapping, T-junctions, speeds, bad inputs, real Kunming/Hainan/Haikou data."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod, Transformer
from scipy.sparse.csgraph import connected_components, dijkstra

from spatial import edgetable, roadlines
from spatial import network as nw
from spatial.coords import metric_crs, wgs84_to_gcj02
from spatial.errors import InputFileError, NetworkError
from spatial.speeds import load_speeds
from spatial.topology import build_topology

GEOD = Geod(ellps="WGS84")
UTM = "EPSG:32649"  # Hainan/Guangdong UTM zone: hand-built cases are drawn in metres here
X0, Y0 = 400_000.0, 2_210_000.0  # ≈ 110.05 E, 19.99 N


def write_lines(path, lines_m, classes, *, crs=UTM, **columns):
    """Write LineStrings given in metres (offsets from X0, Y0 in ``crs``) to a vector file."""
    geoms = [shapely.LineString([(X0 + x, Y0 + y) for x, y in pts]) for pts in lines_m]
    frame = gpd.GeoDataFrame({"kind": classes, **columns}, geometry=geoms, crs=crs)
    frame.to_file(path)
    return path


def geodesic_length(line_wgs84) -> float:
    """Length (m) of a WGS84 LineString on the ellipsoid."""
    return float(GEOD.geometry_length(line_wgs84))


def check_csr(net: nw.Network) -> None:
    """The structural invariants every Network must satisfy."""
    assert net.indptr[0] == 0 and net.indptr[-1] == net.n_edges and np.all(np.diff(net.indptr) >= 0)
    assert net.head.dtype == np.int32 and net.head.min() >= 0 and net.head.max() < net.n_nodes
    assert np.all(net.minutes > 0) and np.all(net.length_m >= 0)
    assert not np.any(net.tail == net.head)
    pairs = net.tail.astype(np.int64) * net.n_nodes + net.head
    assert len(np.unique(pairs)) == net.n_edges, "parallel edges left in"
    assert net.road_class.max() < len(net.classes)
    x, y = Transformer.from_crs("EPSG:4326", net.metric_crs, always_xy=True).transform(net.lon, net.lat)
    assert np.allclose(x, net.x_m, atol=1e-3) and np.allclose(y, net.y_m, atol=1e-3)
    # csr_matrix would have summed duplicates: the matrix holds exactly the edge times
    assert net.graph_minutes.nnz == net.n_edges
    assert np.isclose(net.graph_minutes.sum(), net.minutes.sum())


# ---------------------------------------------------------------------------------------------
# small hand-built cases
# ---------------------------------------------------------------------------------------------


def test_two_lines_sharing_an_end_make_three_nodes_with_geodesic_lengths(tmp_path) -> None:
    path = write_lines(
        tmp_path / "r.gpkg",
        [[(0, 0), (500, 0), (1000, 300)], [(1000, 300), (1000, 2000)]],
        ["primary", "residential"],
    )
    net = roadlines.from_road_lines(path, class_field="kind", snap_m=0)
    check_csr(net)
    assert (net.n_nodes, net.n_edges, net.directed) == (3, 4, False)  # interior vertex (500, 0) is not a node
    wgs = gpd.read_file(path).to_crs(4326).geometry
    expected = sorted([geodesic_length(g) for g in wgs] * 2)
    assert np.allclose(sorted(net.length_m), expected, rtol=2e-3)
    speed = load_speeds()
    for e in range(net.n_edges):
        cls = net.classes[net.road_class[e]]
        assert net.minutes[e] == pytest.approx(net.length_m[e] * 0.06 / speed[cls], rel=1e-12)


def test_endpoint_gap_is_bridged_only_within_the_snap_tolerance(tmp_path) -> None:
    path = write_lines(
        tmp_path / "r.gpkg", [[(0, 0), (1000, 0)], [(1010, 0), (2000, 0)]], ["residential", "primary"]
    )
    apart = roadlines.from_road_lines(path, class_field="kind", snap_m=5)
    assert apart.provenance["components"] == 2 and apart.n_nodes == 2
    assert apart.provenance["dropped_node_share"] == pytest.approx(0.5)
    joined = roadlines.from_road_lines(path, class_field="kind", snap_m=20)
    check_csr(joined)
    assert joined.provenance["components"] == 1 and joined.n_nodes == 4  # no node moves
    assert joined.provenance["endpoint_joins"] == 1
    gap = (joined.length_m > 5) & (joined.length_m < 15)
    assert gap.sum() == 2 and np.allclose(joined.length_m[gap], 10.0, rtol=2e-3)  # the gap, both ways
    assert {joined.classes[c] for c in joined.road_class[gap]} == {"primary"}  # the faster road's class


def test_snapping_never_creates_a_shortcut(tmp_path) -> None:
    # ends every 150 m along two parallel 2 km roads 100 m apart, snap 200 m: union-find merging would
    # collapse the lot into one node; bridging keeps every path at least as long as the straight line
    lines = [[(x, y), (x + 150, y)] for x in range(0, 2000, 150) for y in (0, 100)]
    path = write_lines(tmp_path / "r.gpkg", lines, ["primary"] * len(lines))
    net = roadlines.from_road_lines(path, class_field="kind", snap_m=200)
    check_csr(net)
    import scipy.sparse as sp

    lengths = sp.csr_matrix((net.length_m, net.head, net.indptr), shape=(net.n_nodes, net.n_nodes))
    d = dijkstra(lengths)
    straight = np.hypot(net.x_m[:, None] - net.x_m[None, :], net.y_m[:, None] - net.y_m[None, :])
    assert np.all(d >= straight * (1 - 1e-9) - 1e-6)
    assert net.n_nodes >= 2 * len(range(0, 2000 + 150, 150))  # every end is its own node


def test_t_junction_splits_the_through_road(tmp_path) -> None:
    # a side road ends 8 m short of the middle of a 2 km road
    path = write_lines(
        tmp_path / "r.gpkg", [[(0, 0), (2000, 0)], [(700, 8), (700, 900)]], ["primary", "residential"]
    )
    no_t = roadlines.from_road_lines(path, class_field="kind", snap_m=20, t_junctions=False)
    assert no_t.provenance["components"] == 2
    net = roadlines.from_road_lines(path, class_field="kind", snap_m=20)
    check_csr(net)
    assert net.provenance["t_junctions"] == 1 and net.provenance["components"] == 1
    assert (net.n_nodes, net.n_edges) == (5, 8)  # 4 ends + the split point; 3 pieces + the 8 m connector
    primary = net.road_class == net.classes.index("primary")
    pieces = np.sort(net.length_m[primary])
    assert np.allclose(pieces, [700, 700, 1300, 1300], rtol=2e-3)  # split where the side road meets it
    side = np.sort(net.length_m[~primary])
    assert np.allclose(side, [8, 8, 892, 892], rtol=2e-3)  # connector in the side road's class
    # the far end of the side road reaches both ends of the through road
    far = int(np.argmax(net.y_m))
    t = dijkstra(net.graph_minutes, indices=far)
    assert np.isfinite(t).all()


def test_t_junction_snapping_ignores_junction_nodes(tmp_path) -> None:
    # two roads meeting 10 m beside a third road: a real junction, not a dangling end
    path = write_lines(
        tmp_path / "r.gpkg",
        [[(0, 0), (2000, 0)], [(700, 10), (700, 900)], [(700, 10), (1500, 900)]],
        ["primary"] * 3,
    )
    net = roadlines.from_road_lines(path, class_field="kind", snap_m=20)
    assert net.provenance["t_junctions"] == 0


def test_parallel_edges_keep_the_fastest_and_zero_length_is_never_zero_minutes(tmp_path) -> None:
    path = write_lines(
        tmp_path / "r.gpkg",
        [[(0, 0), (1000, 0)], [(0, 0), (500, 50), (1000, 0)], [(1000, 0), (1000, 0)]],
        ["residential", "motorway", "primary"],
    )
    net = roadlines.from_road_lines(path, class_field="kind", snap_m=1)
    check_csr(net)
    assert net.n_nodes == 2 and net.n_edges == 2
    assert net.provenance["parallel_edges_dropped"] == 2 and net.provenance["self_loops_dropped"] == 2
    assert {net.classes[c] for c in net.road_class} == {"motorway"}  # 1005 m at 100 beats 1000 m at 20
    zero = nw.assemble(
        np.array([110.0, 110.0]),
        np.array([20.0, 20.0]),
        np.array([0, 1]),
        np.array([1, 0]),
        np.zeros(2),
        np.zeros(2),
        np.zeros(2),
        ("x",),
        directed=False,
    )
    assert np.all(zero.minutes == nw.MIN_EDGE_MINUTES) and zero.graph_minutes.nnz == 2


def test_uniform_speed_gives_minutes_exactly_length_over_speed(tmp_path) -> None:
    path = write_lines(
        tmp_path / "r.gpkg", [[(0, 0), (900, 0)], [(900, 0), (900, 700), (0, 700)]], ["x", "y"]
    )
    net = roadlines.from_road_lines(path, class_field="kind", uniform_speed_kmh=30.0, snap_m=0)
    np.testing.assert_array_equal(net.minutes, net.length_m * 0.06 / 30.0)
    no_field = roadlines.from_road_lines(path, class_field=None, uniform_speed_kmh=30.0, snap_m=0)
    np.testing.assert_array_equal(no_field.minutes, net.minutes)
    assert net.provenance["class_speeds_kmh"] == {"x": 30.0, "y": 30.0}


def test_oneway_field_makes_directed_edges(tmp_path) -> None:
    # a → b one-way, b ↔ c two-way, the third line drawn a → c but one-way against its drawing (c → a)
    path = write_lines(
        tmp_path / "r.gpkg",
        [[(0, 0), (1000, 0)], [(1000, 0), (1000, 1000)], [(0, 0), (1000, 1000)]],
        ["primary"] * 3,
        oneway=["yes", "no", "-1"],
    )
    net = roadlines.from_road_lines(path, class_field="kind", oneway_field="oneway", snap_m=0)
    assert net.directed and net.n_edges == 4
    a = int(np.argmin(net.x_m + net.y_m))  # (0, 0)
    b = int(np.argmax(net.x_m - net.y_m))  # (1000, 0)
    c = int(np.argmax(net.x_m + net.y_m))  # (1000, 1000)
    edges = set(zip(net.tail.tolist(), net.head.tolist()))
    assert edges == {(a, b), (b, c), (c, b), (c, a)}


def test_multilines_reprojection_and_datum(tmp_path) -> None:
    multi = shapely.MultiLineString([[(X0, Y0), (X0 + 1000, Y0)], [(X0 + 1000, Y0), (X0 + 1000, Y0 + 800)]])
    frame = gpd.GeoDataFrame({"kind": ["primary"]}, geometry=[multi], crs=UTM)
    frame.to_file(tmp_path / "utm.gpkg")
    frame.to_crs(4326).to_file(tmp_path / "wgs.geojson")
    a = roadlines.from_road_lines(tmp_path / "utm.gpkg", class_field="kind", snap_m=0)
    b = roadlines.from_road_lines(tmp_path / "wgs.geojson", class_field="kind", snap_m=0)
    assert a.n_nodes == b.n_nodes == 3
    assert np.allclose(np.sort(a.length_m), np.sort(b.length_m), rtol=1e-6)
    g = roadlines.from_road_lines(tmp_path / "wgs.geojson", class_field="kind", snap_m=0, datum="gcj02")
    glon, glat = wgs84_to_gcj02(
        g.lon, g.lat
    )  # read as GCJ-02, so back to GCJ-02 gives the file's coordinates
    assert np.allclose(np.sort(glon), np.sort(b.lon), atol=1e-7) and np.allclose(
        np.sort(glat), np.sort(b.lat), atol=1e-7
    )


@pytest.mark.parametrize(
    "case", ["missing_field", "unknown_class", "empty", "points", "no_file", "null_class", "not_gis"]
)
def test_bad_road_files_raise_helpful_errors(tmp_path, case: str) -> None:
    path = tmp_path / "r.gpkg"
    kwargs = {"class_field": "kind"}
    if case == "missing_field":
        write_lines(path, [[(0, 0), (10, 0)]], ["primary"])
        kwargs["class_field"] = "grade"
        err, frag = InputFileError, "no road-class field 'grade'; the fields are kind"
    elif case == "unknown_class":
        write_lines(path, [[(0, 0), (10, 0)], [(10, 0), (20, 0)]], ["primary", "cart_track"])
        err, frag = NetworkError, "'cart_track'"
    elif case == "empty":
        gpd.GeoDataFrame({"kind": []}, geometry=gpd.GeoSeries([], crs=4326)).to_file(path)
        err, frag = InputFileError, "no features"
    elif case == "points":
        gpd.GeoDataFrame(
            {"kind": ["primary"] * 2},
            geometry=[shapely.LineString([(110, 20), (110.01, 20)]), shapely.Point(110, 20)],
            crs=4326,
        ).to_file(path)
        err, frag = InputFileError, "not lines \\(Point\\), e.g. rows 2"
    elif case == "no_file":
        path = tmp_path / "missing.gpkg"
        err, frag = InputFileError, "not found"
    elif case == "null_class":
        write_lines(path, [[(0, 0), (10, 0)], [(10, 0), (20, 0)]], ["primary", None])
        err, frag = InputFileError, "empty 'kind', e.g. rows 2"
    else:
        path = tmp_path / "r.gpkg"
        path.write_text("not a geopackage", encoding="utf-8")
        err, frag = InputFileError, "cannot be read"
    with pytest.raises(err, match=frag):
        roadlines.from_road_lines(path, **kwargs)


# ---------------------------------------------------------------------------------------------
# real data: Kunming, Hainan, Haikou (../shared/data/roads)
# ---------------------------------------------------------------------------------------------


def test_kunming_network_matches_the_data_readme(kunming_net, shared_data) -> None:
    net = kunming_net
    check_csr(net)
    assert not net.directed
    assert set(net.classes) == {"arterial", "secondary", "branch", "internal"}
    # README: snapping endpoints gives ≈56k nodes, 97% in one component
    assert 54_000 <= net.n_nodes <= 58_000
    assert net.provenance["dropped_node_share"] <= 0.05
    assert net.provenance["nodes_before_component_filter"] > net.n_nodes
    n_comp, _ = connected_components(net.graph_minutes, directed=False)
    assert n_comp == 1
    speed = load_speeds()
    cls_speed = np.array([speed[c] for c in net.classes])
    expected = np.maximum(net.length_m * 0.06 / cls_speed[net.road_class], nw.MIN_EDGE_MINUTES)
    np.testing.assert_allclose(net.minutes, expected, rtol=1e-12)
    # ≈43,500 km of road in the file; the kept network holds almost all of it
    assert 40_000 < net.length_m.sum() / 2000 < 44_000
    assert net.provenance["source"]["path"].endswith("kunming_roads.gpkg")


def test_kunming_exact_endpoints_give_the_readme_figures(shared_data) -> None:
    net = roadlines.from_road_lines(shared_data / "roads/kunming_roads.gpkg", class_field="road_class", snap_m=0)
    assert 55_000 <= net.provenance["nodes_before_component_filter"] <= 57_000  # README: ≈56k nodes
    assert 0.96 <= 1 - net.provenance["dropped_node_share"] <= 0.98  # README: 97% in one component


def test_kunming_piece_lengths_equal_geodesic_line_lengths(shared_data) -> None:
    frame = gpd.read_file(shared_data / "roads/kunming_roads.gpkg", rows=slice(0, 20_000))
    crs = metric_crs(*frame.total_bounds)
    topo = build_topology(frame.to_crs(crs).geometry.values, snap_m=20)
    pieces = ~topo.connector
    per_line = np.bincount(topo.line[pieces], weights=topo.length_m[pieces], minlength=len(frame))
    geodesic = GEOD.geometry_length  # per feature: slow-ish, so a 2,000-line sample
    sample = np.random.default_rng(0).choice(len(frame), 2000, replace=False)
    expected = np.array([geodesic(frame.geometry.iloc[i]) for i in sample])
    np.testing.assert_allclose(per_line[sample], expected, rtol=0.005)
    assert topo.n_t_junctions > 0


def test_hainan_components_shrink_with_the_snap_tolerance(shared_data) -> None:
    path = shared_data / "roads/hainan_trunk_roads.gpkg"
    comps, kept = {}, {}
    for t_junctions in (False, True):
        for snap in (0, 300, 600):
            net = roadlines.from_road_lines(path, class_field="road_class", snap_m=snap, t_junctions=t_junctions)
            comps[t_junctions, snap] = net.provenance["components"]
            kept[t_junctions, snap] = 1 - net.provenance["dropped_node_share"]
    assert comps[False, 0] == 85  # README: exact endpoints → 85 components
    assert 0.70 <= kept[False, 0] <= 0.74  # README: largest 72%
    assert comps[False, 0] > comps[False, 300] > comps[False, 600]
    assert (comps[False, 300], comps[False, 600]) == (37, 23)  # README's endpoint snapping: 37 and 23
    for snap in (300, 600):
        assert comps[True, snap] < comps[False, snap]
        assert kept[True, snap] > kept[False, snap]


def test_hainan_edges_equal_geodesic_line_lengths(shared_data) -> None:
    path = shared_data / "roads/hainan_trunk_roads.gpkg"
    net = roadlines.from_road_lines(path, class_field="road_class", snap_m=0, t_junctions=False)
    lines = gpd.read_file(path).geometry
    start = shapely.get_coordinates(shapely.get_point(lines.values, 0))
    end = shapely.get_coordinates(shapely.get_point(lines.values, -1))
    node = {(lo, la): i for i, (lo, la) in enumerate(zip(net.lon, net.lat))}  # nodes sit on data endpoints
    edge = {(int(t), int(h)): float(length) for t, h, length in zip(net.tail, net.head, net.length_m)}
    keys = [(node.get(tuple(s)), node.get(tuple(e))) for s, e in zip(start, end)]
    counts = pd.Series(keys).value_counts()
    checked = 0
    for i, k in enumerate(keys):
        if None in k or k[0] == k[1] or counts[k] > 1 or (k[1], k[0]) in counts.index:
            continue  # dropped, closed or with a parallel line (only the fastest is kept)
        assert edge[k] == pytest.approx(geodesic_length(lines.iloc[i]), rel=0.005)
        assert edge[k[1], k[0]] == edge[k]
        checked += 1
    assert checked > 1500  # of 5,158 lines: the rest are dropped, closed or parallel


def test_hainan_default_network(hainan_net) -> None:
    check_csr(hainan_net)
    assert hainan_net.provenance["snap_m"] == 450.0
    assert hainan_net.provenance["dropped_node_share"] < 0.05 and hainan_net.provenance["components"] <= 25
    assert set(hainan_net.classes) == {"motorway_trunk", "national_primary", "primary"}
    assert 108.5 < hainan_net.lon.min() and hainan_net.lon.max() < 111.1


def test_haikou_didi_is_directed_with_one_way_edges(haikou_net, shared_data) -> None:
    net = haikou_net
    check_csr(net)
    assert net.directed and net.n_nodes == 724 and net.n_edges == 1955
    assert net.provenance["dropped_node_share"] == 0.0
    assert net.provenance["orientation"] == "head_ver is the start"
    edges = pd.read_csv(shared_data / "roads/haikou_didi/all_edges.csv")
    pairs = set(zip(edges.head_ver, edges.tail_ver))
    expected_oneway = sum((b, a) not in pairs for a, b in pairs)
    got = set(zip(net.tail.tolist(), net.head.tolist()))
    assert expected_oneway > 0 and sum((b, a) not in got for a, b in got) == expected_oneway
    # node table order is kept (all nodes survive) and GCJ-02 was converted: back-converting gives the file
    nodes = pd.read_csv(shared_data / "roads/haikou_didi/all_vertexes.csv")
    coor = np.array([json.loads(c) for c in nodes.coor])
    glon, glat = wgs84_to_gcj02(net.lon, net.lat)
    assert np.allclose(np.sort(glon), np.sort(coor[:, 0]), atol=1e-8)
    shift = GEOD.inv(net.lon, net.lat, glon, glat)[2]
    assert 200 < shift.min() and shift.max() < 800  # the GCJ-02 offset in Haikou
    assert set(np.round(net.minutes / net.length_m * 1000 / 60 * 60, 6)) == {round(60 / 35.0, 6)}  # 35 km/h


def test_haikou_route_lengths_match_their_polylines(shared_data) -> None:
    edges = pd.read_csv(shared_data / "roads/haikou_didi/all_edges.csv")
    routes = edges[edges["class"] < 2]  # class 2 are 20 m turn connectors
    geodesic = np.array([GEOD.line_length(*np.array(json.loads(p)).T) for p in routes.polyline])
    np.testing.assert_allclose(routes.length.to_numpy(), geodesic, rtol=0.005)


def test_bad_edge_csv(tmp_path, shared_data) -> None:
    nodes = tmp_path / "n.csv"
    nodes.write_text("id,lon,lat\n0,110.3,20.0\n1,110.31,20.0\n", encoding="utf-8")
    edges = tmp_path / "e.csv"
    edges.write_text("from,to,length\n0,1,1000\n1,7,1000\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="row 3: to 7 is not a node id"):
        edgetable.from_edge_csv(nodes, edges, datum="wgs84")
    edges.write_text("a,b\n0,1\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="head_ver/tail_ver or from/to"):
        edgetable.from_edge_csv(nodes, edges)
    edges.write_text("from,to,length\n0,1,1000\n1,0,1000\n", encoding="utf-8")
    net = edgetable.from_edge_csv(nodes, edges, datum="wgs84", speed_kmh=60)
    assert not net.directed and np.allclose(net.minutes, 1.0)


@pytest.mark.parametrize("codes", [["FT", "N", "TF"], ["yes", "B", "reverse"], ["是", "双向", "逆向"]])
def test_oneway_conventions(tmp_path, codes) -> None:
    """Forward, both ways, against the drawing — in ESRI/HERE codes, words, and Chinese."""
    path = write_lines(
        tmp_path / "r.gpkg",
        [[(0, 0), (1000, 0)], [(1000, 0), (1000, 1000)], [(0, 0), (1000, 1000)]],
        ["primary"] * 3,
        oneway=codes,
    )
    net = roadlines.from_road_lines(path, class_field="kind", oneway_field="oneway", snap_m=0)
    a, b, c = int(np.argmin(net.x_m + net.y_m)), int(np.argmax(net.x_m - net.y_m)), int(np.argmax(net.x_m + net.y_m))
    assert set(zip(net.tail.tolist(), net.head.tolist())) == {(a, b), (b, c), (c, b), (c, a)}


@pytest.mark.parametrize("bad", ["t", "2"])
def test_ambiguous_oneway_codes_are_refused_with_their_rows(tmp_path, bad) -> None:
    path = write_lines(
        tmp_path / "r.gpkg",
        [[(0, 0), (1000, 0)], [(1000, 0), (1000, 1000)]],
        ["primary"] * 2,
        oneway=["yes", bad],
    )
    with pytest.raises(InputFileError, match=rf"values healthplan cannot read: \['{bad}'\] \(features 2\)"):
        roadlines.from_road_lines(path, class_field="kind", oneway_field="oneway", snap_m=0)
