"""Isochrones: hand-built geometry, nesting, and the bar on real networks.

The bar: random points inside the T-minute isochrone are within T minutes by the independent
``traveltime.facility_minutes`` (same access-leg model) up to the raster tolerance; points outside
take longer.  Points whose nearest node differs from their raster cell centre's sit on a boundary
between two nodes' access areas, where the nearest-node model itself jumps; they are counted, not hidden.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from test_coverage import CRS, TO_LL, line_net, ll, small_world

from spatial import isochrones as iso
from spatial import traveltime as tt
from spatial.trace import trace_cells

LEG_PER_M = 1.3 / (20.0 * 1000.0 / 60.0)  # access-leg minutes per metre


@pytest.fixture(scope="module")
def line_iso():
    """3- and 6-minute isochrones of a facility on node 0 of the 1-min-per-km line road, 10 m raster."""
    net = line_net()
    frame = iso.isochrones(net, ll(0.0, 0.0), (6.0, 3.0), cell_m=10.0, per_facility=True)
    return net, frame, frame.to_crs(CRS)


def test_hand_extent(line_iso):
    _, frame, metric = line_iso
    assert list(frame["threshold_min"][frame["facility"] == -1]) == [3.0, 6.0]
    g3 = metric.geometry[(metric["facility"] == -1) & (metric["threshold_min"] == 3.0)].iloc[0]
    minx, _, maxx, maxy = g3.bounds
    # west: 3 min of access leg from node 0 → 769 m; east: node 2 at 2 min, 1 min left → 256 m past it
    assert minx == pytest.approx(-3.0 / LEG_PER_M, abs=15)
    assert maxx == pytest.approx(2000.0 + 1.0 / LEG_PER_M, abs=15)
    assert maxy == pytest.approx(3.0 / LEG_PER_M, abs=15)


@pytest.mark.parametrize(
    ("x", "y", "inside"),
    [
        (2200.0, 0.0, True),  # node 2 (2 min) + 200 m leg = 2.78 min
        (2300.0, 0.0, False),  # 2 + 300 m leg = 3.17 min
        (-740.0, 0.0, True),  # 2.89 min
        (-800.0, 0.0, False),  # 3.12 min
        (0.0, 700.0, True),  # 2.73 min
        (500.0, 700.0, False),  # 860 m from nodes 0 and 1: 3.35 min
        (1000.0, 480.0, True),  # node 1 + 480 m = 2.87 min
        (1000.0, 545.0, False),  # 1 + 2.13 = 3.13 min
    ],
)
def test_hand_points(line_iso, x, y, inside):
    _, _, metric = line_iso
    g3 = metric.geometry[(metric["facility"] == -1) & (metric["threshold_min"] == 3.0)].iloc[0]
    assert g3.contains(shapely.Point(x, y)) is inside


def test_nested_and_not_a_hull(line_iso):
    _, _, metric = line_iso
    merged = metric[metric["facility"] == -1].sort_values("threshold_min")
    g3, g6 = merged.geometry.iloc[0], merged.geometry.iloc[1]
    assert g3.difference(g6).area < 1.0  # nested
    assert g3.area < g3.convex_hull.area * 0.95  # beads along the road, not a hull
    # per-facility equals merged with one facility
    one = metric[metric["facility"] == 0].sort_values("threshold_min")
    assert one.geometry.iloc[0].symmetric_difference(g3).area < 1.0
    assert merged["area_km2"].iloc[0] == pytest.approx(g3.area / 1e6)


def test_unreached_threshold_is_empty():
    net = line_net()
    far = ll(0.0, 50_000.0)  # 50 km off the road: a 195-minute access leg
    frame = iso.isochrones(net, far, (30.0,))
    assert frame.geometry.iloc[0].is_empty and frame["area_km2"].iloc[0] == 0.0


def test_clip(line_iso):
    net, _, _ = line_iso
    half = shapely.box(*np.r_[ll(-5000.0, 0.0)], *np.r_[ll(5000.0, 5000.0)])  # north of the road only
    frame = iso.isochrones(net, ll(0.0, 0.0), (3.0,), cell_m=10.0, clip=half).to_crs(CRS)
    assert frame.geometry.iloc[0].bounds[1] >= -1.0


# ---------------------------------------------------------------------------------------------
# the bar on real data


@pytest.mark.parametrize("which", ["haikou", "kunming"])
def test_isochrone_bar_real(request, which):
    net = request.getfixturevalue(f"{which}_net")
    rng = np.random.default_rng(1)
    fac_nodes = rng.choice(net.n_nodes, size=3, replace=False)
    fac_lon, fac_lat = net.lon[fac_nodes], net.lat[fac_nodes]
    threshold = 30.0 if which == "kunming" else 10.0
    frame = iso.isochrones(net, (fac_lon, fac_lat), (threshold,))
    row = frame.iloc[0]
    poly = frame.to_crs(net.metric_crs).geometry.iloc[0]
    assert not poly.is_empty
    minx, miny, maxx, maxy = poly.bounds
    x = rng.uniform(minx, maxx, 3000)
    y = rng.uniform(miny, maxy, 3000)
    inside = shapely.contains_xy(poly, x, y)
    assert 100 < inside.sum() < 2900  # both sides are sampled
    lon, lat = Transformer.from_crs(net.metric_crs, "EPSG:4326", always_xy=True).transform(x, y)
    minutes, _ = tt.facility_minutes(net, fac_lon, fac_lat, np.asarray(lon), np.asarray(lat))
    tol = row["tolerance_min"] + 1e-6
    # the same node as the raster cell's centre → the bound holds exactly (Lipschitz within one node's area)
    cell = row["cell_m"]
    x0, y1 = minx, maxy  # polygon edges lie on raster lines: shift by whole cells from them
    cx = x0 + (np.floor((x - x0) / cell) + 0.5) * cell
    cy = y1 - (np.floor((y1 - y) / cell) + 0.5) * cell
    clon, clat = Transformer.from_crs(net.metric_crs, "EPSG:4326", always_xy=True).transform(cx, cy)
    same = (
        tt.snap(net, np.asarray(lon), np.asarray(lat)).node
        == tt.snap(net, np.asarray(clon), np.asarray(clat)).node
    )
    assert same.mean() > 0.9
    assert np.all(minutes[inside & same] <= threshold + tol)
    assert np.all(minutes[~inside & same] > threshold - tol)
    # every point, boundary or not: the nearest-node jumps affect only a small share
    wrong = (inside & (minutes > threshold + tol)) | (~inside & (minutes <= threshold - tol))
    assert wrong.mean() < 0.02


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=small_world(), t1=st.floats(1.0, 20.0), dt=st.floats(0.5, 20.0))
def test_nested_and_sound_on_random_worlds(world, t1, dt):
    net, _, fx, fy = world
    fac = ll(fx, fy)
    frame = iso.isochrones(net, fac, (t1, t1 + dt), cell_m=50.0).to_crs(CRS)
    small, large = frame.geometry.iloc[0], frame.geometry.iloc[1]
    assert small.difference(large).area < 1.0  # nested
    assert frame["area_km2"].iloc[0] <= frame["area_km2"].iloc[1] + 1e-9
    # the surface is the travel-time model sampled at cell centres (checked against the independent engine) …
    per_node, _ = tt.node_minutes(net, *fac, limit_min=t1 + dt)
    raster, transform, cell = iso.surface(net, per_node, t1 + dt, cell_m=50.0)
    rows, cols = np.nonzero(np.isfinite(raster))
    if rows.size:
        cx, cy = transform * (cols + 0.5, rows + 0.5)
        lon, lat = TO_LL.transform(np.asarray(cx), np.asarray(cy))
        ref, _ = tt.facility_minutes(net, *fac, np.asarray(lon), np.asarray(lat))
        np.testing.assert_allclose(raster[rows, cols], ref, rtol=1e-5, atol=1e-4)  # float32 raster
    # … and the polygon is exactly the cells ≤ t1
    assert small.area == pytest.approx(float((raster <= t1).sum()) * cell * cell, rel=1e-6, abs=1e-6)


def test_traced_cells_are_valid_and_exact_on_a_checkerboard():
    """Cells of one label touching only at corners stay valid pieces; the area is the cells' own."""
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 3, size=(30, 30))
    labels[::2, ::2] = 1  # a diagonal lattice of label 1: pieces that meet only at their corners
    rows, cols = np.indices(labels.shape)
    traced = trace_cells(rows.ravel(), cols.ravel(), labels.ravel(), (100.0, 0.0, 0.0, 0.0, -100.0, 0.0))
    for label, geom in traced.items():
        assert geom.is_valid, shapely.is_valid_reason(geom)
        assert geom.area == pytest.approx(int((labels == label).sum()) * 100.0 * 100.0)
