"""Coverage metrics: hand-built cases with hand-computed answers, properties, and real data.

The hand-built world: a straight road of 11 nodes 1 km apart driven at 60 km/h (1 min per km) and a
facility on node 0.  County 1 has a cell on every node (no access leg); county 2 a cell 1 km south
of every node (access leg 1000 m × 1.3 at 20 km/h = 3.9 min).  Every cell holds 100 persons.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from spatial import coverage as cov
from spatial import gaps as gaps_mod
from spatial import traveltime
from spatial import traveltime as tt
from spatial.errors import InputFileError
from spatial.network import Network
from spatial.population import PopulationGrid

CRS = (
    "+proj=aea +lat_1=19.5 +lat_2=20.3 +lat_0=19.9 +lon_0=110.3 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
)
TO_LL = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
LEG_1KM = 1000.0 * 1.3 / (20.0 * 1000.0 / 60.0)  # 3.9 minutes


def make_net(x_m, y_m, edges: list[tuple[int, int, float]]) -> Network:
    """A Network from node metric coordinates and (u, v, minutes) directed edges."""
    x, y = np.asarray(x_m, float), np.asarray(y_m, float)
    n = x.size
    u = np.array([e[0] for e in edges], dtype=np.int64)
    v = np.array([e[1] for e in edges], dtype=np.int32)
    w = np.array([e[2] for e in edges], dtype=np.float64)
    order = np.argsort(u, kind="stable")
    u, v, w = u[order], v[order], w[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    lon, lat = TO_LL.transform(x, y)
    return Network(
        lon=np.asarray(lon),
        lat=np.asarray(lat),
        x_m=x,
        y_m=y,
        indptr=indptr,
        head=v,
        length_m=w * 1000.0,
        minutes=w,
        road_class=np.zeros(v.size, dtype=np.int16),
        classes=("test",),
        metric_crs=CRS,
        directed=False,
    )


def line_net(n: int = 11, spacing_m: float = 1000.0, minutes_per_edge: float = 1.0) -> Network:
    """Nodes 0..n-1 on the x axis, two-way edges between neighbours."""
    edges = [(i, i + 1, minutes_per_edge) for i in range(n - 1)] + [
        (i + 1, i, minutes_per_edge) for i in range(n - 1)
    ]
    return make_net(np.arange(n) * spacing_m, np.zeros(n), edges)


def make_grid(x_m, y_m, pop, *, urban=None, county=None, cell_m: float = 1000.0) -> PopulationGrid:
    """A PopulationGrid of cells centred at (x_m, y_m) on a grid whose cell (0, 0) is centred at (0, 0)."""
    x, y = np.asarray(x_m, float), np.asarray(y_m, float)
    pop = np.asarray(pop, float)
    x0, y1 = -cell_m / 2 - 5 * cell_m, cell_m / 2 + 5 * cell_m
    col = np.floor((x - x0) / cell_m).astype(np.int32)
    row = np.floor((y1 - y) / cell_m).astype(np.int32)
    lon, lat = TO_LL.transform(x, y)
    return PopulationGrid(
        lon=np.asarray(lon),
        lat=np.asarray(lat),
        x_m=x,
        y_m=y,
        row=row,
        col=col,
        pop=pop,
        urban=np.zeros_like(pop) if urban is None else np.asarray(urban, float),
        pop60=pop * 0.2,
        county=np.full(pop.size, 1, np.int64) if county is None else np.asarray(county, np.int64),
        cell_m=cell_m,
        metric_crs=CRS,
        transform=(cell_m, 0.0, x0, 0.0, -cell_m, y1),
        shape=(int(row.max()) + 1, int(col.max()) + 1),
    )


def ll(x, y):
    """WGS84 lon/lat arrays of metric points."""
    lon, lat = TO_LL.transform(np.atleast_1d(np.asarray(x, float)), np.atleast_1d(np.asarray(y, float)))
    return np.asarray(lon), np.asarray(lat)


# ---------------------------------------------------------------------------------------------
# the pipeline's composition (cells snapped once, one search from the facilities, a metric), for tests


def cell_times(net, grid, lon, lat, *, limit_min=np.inf, access=None):
    """Minutes from each cell to its nearest facility and that facility's row, as the pipeline computes them."""
    per_node, source = tt.node_minutes(net, lon, lat, limit_min=limit_min)
    cells = access if access is not None else tt.snap(net, grid.lon, grid.lat)
    return tt.place_minutes(cells, per_node, source, limit_min=limit_min)


def cell_minutes(net, grid, lon, lat, *, limit_min=np.inf, access=None):
    """Minutes only."""
    return cell_times(net, grid, lon, lat, limit_min=limit_min, access=access)[0]


def tertiary_circle(net, fac, grid, threshold=60.0, *, counties=None, access=None):
    """The 1-hour circle of facilities given as a frame or a (lon, lat) pair."""
    return cov.circle(grid, cell_minutes(net, grid, *tt.point_lonlat(fac), access=access), threshold, counties=counties)


def health_circles(net, fac, grid, **kw):
    """The health circles to facilities given as a frame or a (lon, lat) pair."""
    access = kw.pop("access", None)
    return cov.health_circles(grid, cell_minutes(net, grid, *tt.point_lonlat(fac), access=access), **kw)


def bands(net, fac, grid, **kw):
    """The bands to facilities given as a frame or a (lon, lat) pair."""
    access = kw.pop("access", None)
    return cov.bands(grid, cell_minutes(net, grid, *tt.point_lonlat(fac), access=access), **kw)


@pytest.fixture(scope="module")
def world():
    """The line road, the two-county grid and the facility at node 0."""
    net = line_net()
    xs = np.arange(11) * 1000.0
    grid = make_grid(
        np.r_[xs, xs],
        np.r_[np.zeros(11), np.full(11, -1000.0)],
        np.full(22, 100.0),
        urban=np.r_[np.full(11, 100.0), np.zeros(11)],
        county=np.r_[np.full(11, 1), np.full(11, 2)],
    )
    names = pd.DataFrame({"adcode": [1, 2], "name_zh": ["一县", "二县"], "name_en": ["One", "Two"]})
    return net, grid, ll(0.0, 0.0), names


# ---------------------------------------------------------------------------------------------
# hand-computed answers


def test_cell_minutes_hand(world):
    net, grid, fac, _ = world
    minutes = cell_minutes(net, grid, *fac)
    expected = np.r_[np.arange(11.0), np.arange(11.0) + LEG_1KM]
    np.testing.assert_allclose(minutes, expected, atol=1e-6)


def test_cell_times_nearest_facility_and_limit(world):
    net, grid, _, _ = world
    fac = ll([0.0, 10_000.0], [0.0, 0.0])
    minutes, nearest = cell_times(net, grid, *fac, limit_min=4.0)
    # node i is nearest to facility 0 for i < 5, to facility 1 for i > 5; ≤ 4 min only
    np.testing.assert_array_equal(nearest[:11], [0, 0, 0, 0, 0, -1, 1, 1, 1, 1, 1])
    assert np.isinf(minutes[5]) and minutes[4] == pytest.approx(4.0)
    assert nearest[11] == 0 and np.all(
        nearest[12:21] == -1
    )  # county-2 cells: 3.9 min only next to a facility


def test_circle_hand(world):
    net, grid, fac, names = world
    r = tertiary_circle(net, fac, grid, 5.0, counties=names)
    rows = r.counties.set_index("adcode")
    assert rows.loc[1, "covered"] == 600.0  # nodes 0..5
    assert rows.loc[2, "covered"] == 200.0  # 3.9 and 4.9 min
    assert rows.loc[1, "name_en"] == "One" and rows.loc[2, "name_zh"] == "二县"
    assert r.total["population_total"] == 2200.0
    assert r.total["covered_population"] == 800.0
    assert r.total["covered_share"] == pytest.approx(800 / 2200)


def test_health_circles_hand(world):
    net, grid, fac, _ = world
    r = health_circles(net, fac, grid, urban_threshold_min=3.0, rural_threshold_min=6.0)
    rows = r.counties.set_index("adcode")
    assert rows.loc[1, "urban_covered"] == 400.0  # urban cells at 0, 1, 2, 3 min
    assert rows.loc[1, "rural"] == 0.0
    assert rows.loc[2, "rural_covered"] == 300.0  # rural cells at 3.9, 4.9, 5.9 min
    assert r.total["covered_population"] == 700.0
    assert r.total["urban_share"] == pytest.approx(400 / 1100)
    assert r.total["rural_share"] == pytest.approx(300 / 1100)


def test_health_circles_split_cell():
    # one cell 2 km along the road (2 min) holding 60 urban + 40 rural persons
    net = line_net(3)
    grid = make_grid([2000.0], [0.0], [100.0], urban=[60.0])
    fac = ll(0.0, 0.0)
    both = health_circles(net, fac, grid, urban_threshold_min=2.5, rural_threshold_min=2.5)
    rural_only = health_circles(net, fac, grid, urban_threshold_min=1.5, rural_threshold_min=2.5)
    assert both.total["covered_population"] == 100.0
    assert rural_only.total["covered_population"] == 40.0


def test_bands_hand(world):
    net, grid, fac, _ = world
    r = bands(net, fac, grid, bands_min=(2.0, 5.0, 8.0))
    rows = r.counties.set_index("adcode")
    # county 1: 0..10 min; county 2: 3.9..13.9 min (band i is (edge i-1, edge i])
    assert list(rows.loc[1, ["pop_0_2", "pop_2_5", "pop_5_8", "pop_gt_8"]]) == [300.0, 300.0, 300.0, 200.0]
    assert list(rows.loc[2, ["pop_0_2", "pop_2_5", "pop_5_8", "pop_gt_8"]]) == [0.0, 200.0, 300.0, 600.0]
    assert rows.loc[1, "mean_min"] == pytest.approx(5.0)
    assert rows.loc[2, "mean_min"] == pytest.approx(5.0 + LEG_1KM)
    assert rows.loc[1, "p90_min"] == pytest.approx(9.0)  # 10 of 11 cells (1000 ≥ 990 persons) by 9 min
    assert rows.loc[2, "p90_min"] == pytest.approx(9.0 + LEG_1KM)
    assert r.total["p90_min"] == pytest.approx(8.0 + LEG_1KM)  # the 20th of 22 sorted times
    assert r.total["mean_min"] == pytest.approx(5.0 + LEG_1KM / 2)


def test_bands_unreachable_counted_in_last_band():
    # node 2 is not connected: its cell is unreachable
    net = make_net([0.0, 1000.0, 5000.0], [0.0, 0.0, 0.0], [(0, 1, 1.0), (1, 0, 1.0)])
    grid = make_grid([0.0, 1000.0, 5000.0], [0.0, 0.0, 0.0], [10.0, 20.0, 30.0])
    r = bands(net, ll(0.0, 0.0), grid, bands_min=(15.0, 30.0))
    assert r.total["unreachable"] == 30.0
    assert r.total["pop_gt_30"] == 30.0
    assert r.total["mean_min"] == pytest.approx(20.0 / 30.0)  # over reachable persons only
    assert r.total["p90_min"] is None  # 90 % of persons are reached only with the unreachable cell


def test_weighted_quantile_groups():
    inv = np.array([0, 0, 0, 1, 1, 2])
    values = np.array([3.0, 1.0, 2.0, 5.0, 4.0, 7.0])
    weights = np.array([1.0, 1.0, 8.0, 1.0, 1.0, 0.0])
    q = cov._weighted_quantile_by(inv, 3, values, weights, 0.5)
    assert q[0] == 2.0 and q[1] == 4.0 and np.isnan(q[2])


@settings(max_examples=80, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.integers(0, 3), st.floats(0.0, 100.0), st.floats(0.01, 50.0)), min_size=1, max_size=40
    ),
    q=st.sampled_from([0.1, 0.5, 0.9]),
)
def test_weighted_quantile_matches_loop(data, q):
    inv = np.array([d[0] for d in data])
    values = np.array([d[1] for d in data])
    weights = np.array([d[2] for d in data])
    got = cov._weighted_quantile_by(inv, 4, values, weights, q)
    for g in range(4):
        sel = inv == g
        if not sel.any():
            assert np.isnan(got[g])
            continue
        order = np.argsort(values[sel], kind="stable")
        v, w = values[sel][order], weights[sel][order]
        need = q * w.sum()
        expected = v[np.flatnonzero(np.cumsum(w) >= need * (1 - 1e-12))[0]]
        assert got[g] == expected


def test_gaps_hand(world):
    net, grid, fac, names = world
    minutes = cell_minutes(net, grid, *fac)
    g = gaps_mod.gaps(grid, minutes, 5.0, counties=names)
    # county 1 cells 6..10 (row 0) and county 2 cells 2..10 (row 1) touch, but a gap never crosses a county
    # line: two gaps, each naming its own county and holding only that county's people
    assert len(g.clusters) == 2
    big, small = g.clusters.iloc[0], g.clusters.iloc[1]
    assert big["population"] == 900.0 and big["cells"] == 9 and big["area_km2"] == pytest.approx(9.0)
    assert big["adcode"] == 2 and big["name_en"] == "Two" and big["rank"] == 1
    assert small["population"] == 500.0 and small["adcode"] == 1 and small["name_zh"] == "一县"
    assert big["worst_min"] == pytest.approx(10.0 + LEG_1KM) and small["worst_min"] == pytest.approx(10.0)
    assert g.population == pytest.approx(1400.0)
    polys = gaps_mod.gap_polygons(grid, g)
    areas = polys.to_crs(CRS).area.to_numpy() / 1e6
    np.testing.assert_allclose(areas, [9.0, 5.0], rtol=1e-3)
    assert set(polys.geometry.geom_type) == {"Polygon"}


def test_gaps_separate_clusters_ranked():
    # one row of cells: a covered cell in the middle splits the gap in two
    xs = np.arange(11) * 1000.0
    pop = np.where(xs == 5000.0, 1.0, 10.0)
    pop[8:] = 50.0
    grid = make_grid(xs, np.zeros(11), pop)
    minutes = np.where(xs == 5000.0, 0.0, 100.0)  # only the middle cell is covered
    g = gaps_mod.gaps(grid, minutes, 30.0)
    assert list(g.clusters["population"]) == [170.0, 50.0]  # cells 6..10 = 10+10+50*3, cells 0..4 = 5*10
    assert list(g.clusters["rank"]) == [1, 2]
    assert g.population == 220.0
    polys = gaps_mod.gap_polygons(grid, g, top=1)
    assert len(polys) == 1 and polys.to_crs(CRS).area.iloc[0] == pytest.approx(5e6, rel=1e-3)


def test_no_gaps(world):
    _, grid, _, _ = world
    g = gaps_mod.gaps(grid, np.zeros(grid.n_cells), 5.0)
    assert g.clusters.empty and g.population == 0.0
    assert gaps_mod.gap_polygons(grid, g).empty


def test_emergency_circle_hand():
    net = line_net()
    sites = gpd.GeoDataFrame(
        {"name": ["on the road", "off the road", "far"]},
        geometry=gpd.points_from_xy(*ll([3000.0, 3000.0, 10_000.0], [0.0, 1000.0, 0.0])),
        crs="EPSG:4326",
    )
    hospitals = ll([0.0], [0.0])
    r = cov.emergency_circle(net, hospitals, sites, 10.0)
    np.testing.assert_allclose(r.counties["minutes"], [3.0, 3.0 + LEG_1KM, 10.0], atol=1e-6)
    assert list(r.counties["within"]) == [True, True, True]
    r7 = cov.emergency_circle(net, hospitals, sites, 6.0)
    assert list(r7.counties["within"]) == [True, False, False]
    assert r7.total["sites_within"] == 1 and r7.total["share_within"] == pytest.approx(1 / 3)
    assert list(r7.counties["name"]) == ["on the road", "off the road", "far"]


def test_no_facilities_covers_nobody(world):
    net, grid, _, _ = world
    r = tertiary_circle(net, (np.array([]), np.array([])), grid, 60.0)
    assert r.total["covered_population"] == 0.0


def test_facility_polygon_rejected(world):
    net, grid, _, _ = world
    bad = gpd.GeoDataFrame(geometry=[shapely.box(110.0, 19.0, 110.1, 19.1)], crs="EPSG:4326")
    with pytest.raises(InputFileError, match="row 1"):
        tertiary_circle(net, bad, grid)


# ---------------------------------------------------------------------------------------------
# properties on random small worlds


@st.composite
def small_world(draw):
    """A random connected-ish planar network, random populated cells and a few facilities."""
    n = draw(st.integers(3, 12))
    xs = np.array(draw(st.lists(st.integers(0, 9), min_size=n, max_size=n))) * 1000.0
    ys = np.array(draw(st.lists(st.integers(0, 9), min_size=n, max_size=n))) * -1000.0 + 0.0
    xs = xs + np.arange(n) * 7.0  # keep nodes distinct
    m = draw(st.integers(n - 1, 3 * n))
    edges = []
    for _ in range(m):
        u, v = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if u != v:
            w = draw(st.floats(0.5, 20.0))
            edges.append((u, v, w))
            if draw(st.booleans()):
                edges.append((v, u, w))
    if not edges:
        edges = [(0, 1, 1.0)]
    net = make_net(xs, ys, edges)
    k = draw(st.integers(1, 25))
    cells = draw(
        st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=k, max_size=k, unique=True)
    )
    cx = np.array([c[0] for c in cells]) * 1000.0
    cy = np.array([c[1] for c in cells]) * -1000.0
    pop = np.array(draw(st.lists(st.floats(0.5, 1000.0), min_size=k, max_size=k)))
    urban = pop * np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=k, max_size=k)))
    county = np.array(draw(st.lists(st.integers(1, 3), min_size=k, max_size=k)))
    grid = make_grid(cx, cy, pop, urban=urban, county=county)
    f = draw(st.integers(1, 4))
    fx = np.array(draw(st.lists(st.floats(0, 9000), min_size=f, max_size=f)))
    fy = np.array(draw(st.lists(st.floats(-9000, 0), min_size=f, max_size=f)))
    return net, grid, fx, fy


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=small_world(), t1=st.floats(0.0, 60.0), dt=st.floats(0.0, 60.0))
def test_monotone_and_conservation(world, t1, dt):
    net, grid, fx, fy = world
    access = tt.snap(net, grid.lon, grid.lat)
    some = ll(fx[:-1], fy[:-1]) if fx.size > 1 else (np.array([]), np.array([]))
    allf = ll(fx, fy)
    m_some = cell_minutes(net, grid, *some, access=access)
    m_all = cell_minutes(net, grid, *allf, access=access)
    assert np.all(m_all <= m_some)  # adding a facility never lengthens a trip
    lo = cov.circle(grid, m_all, t1)
    hi = cov.circle(grid, m_all, t1 + dt)
    fewer = cov.circle(grid, m_some, t1)
    # MONOTONE: per county, coverage never falls as the threshold grows or a facility is added
    assert np.all(hi.counties["covered"].to_numpy() >= lo.counties["covered"].to_numpy() - 1e-9)
    assert np.all(lo.counties["covered"].to_numpy() >= fewer.counties["covered"].to_numpy() - 1e-9)
    hc_lo = cov.health_circles(grid, m_all, urban_threshold_min=t1, rural_threshold_min=t1)
    hc_hi = cov.health_circles(
        grid, m_all, urban_threshold_min=t1 + dt, rural_threshold_min=t1 + dt
    )
    assert hc_hi.total["covered_population"] >= hc_lo.total["covered_population"] - 1e-9
    # CONSERVATION: counties add up to the total, covered ≤ population
    total = float(grid.pop.sum())
    for r in (lo, hi, hc_lo):
        assert r.counties["population"].sum() == pytest.approx(total)
        assert r.counties["covered"].sum() == pytest.approx(r.total["covered_population"])
        assert np.all(r.counties["covered"] <= r.counties["population"] + 1e-9)
    b = cov.bands(grid, m_all)
    labels = cov.band_labels()
    assert b.counties[labels].to_numpy().sum() == pytest.approx(total)
    assert np.allclose(b.counties[labels].sum(axis=1), b.counties["population"])
    # gaps hold exactly the population beyond the threshold
    g = gaps_mod.gaps(grid, m_all, t1)
    assert g.population == pytest.approx(float(grid.pop[m_all > t1].sum()))
    assert (
        g.clusters["population"].sum() == pytest.approx(g.population)
        if len(g.clusters)
        else g.population == 0
    )


# ---------------------------------------------------------------------------------------------
# real data: Hainan backbone with the default tertiary hospitals, Kunming with its scenic sites


@pytest.fixture(scope="module")
def hainan(hainan_net):
    """Hainan region, 2 km census grid on the backbone, default tertiary hospitals, cell access."""
    from spatial import facilities, population, regions

    reg = regions.resolve("hainan")
    grid = population.from_census(reg, network=hainan_net, cell_m=2000.0)
    fac = facilities.default_facilities(reg, kind="tertiary")
    return reg, hainan_net, grid, fac, tt.snap(hainan_net, grid.lon, grid.lat)


def test_hainan_conservation(hainan):
    from spatial import census

    reg, net, grid, fac, access = hainan
    r = tertiary_circle(net, fac, grid, 60.0, access=access, counties=reg.counties)
    rows = r.counties.set_index("adcode")
    # every county keeps its 2020 census population, and the counties add up to the total
    expected = census.county_totals(rows.index)["pop_total"]
    np.testing.assert_allclose(rows["population"], expected.loc[rows.index], rtol=1e-9)
    assert rows["population"].sum() == pytest.approx(r.total["population_total"])
    assert rows["covered"].sum() == pytest.approx(r.total["covered_population"])
    assert np.all(rows["covered"] <= rows["population"] * (1 + 1e-12))
    assert len(rows) == len(reg.counties) and (rows["name_zh"] != "").all()
    assert 0.0 < r.total["covered_share"] < 1.0
    # Haikou hosts most tertiary hospitals: its share beats the island's
    assert rows.loc[460100, "share"] > r.total["covered_share"]


def test_hainan_monotone(hainan):
    reg, net, grid, fac, access = hainan
    minutes = cell_minutes(net, grid, *traveltime.point_lonlat(fac), access=access)
    previous = None
    for t in (15.0, 30.0, 45.0, 60.0, 90.0, 120.0):
        covered = cov.circle(grid, minutes, t).counties["covered"].to_numpy()
        if previous is not None:
            assert np.all(covered >= previous - 1e-6)
        previous = covered
    # one more hospital at the county seat of the least-covered county never lowers any county's coverage
    base = cov.circle(grid, minutes, 60.0, counties=reg.counties).counties
    worst = base.sort_values("share").iloc[0]
    cells = grid.county == worst["adcode"]
    k = int(np.argmax(np.where(cells, grid.pop, -1)))
    lon, lat = traveltime.point_lonlat(fac)
    more = cell_minutes(net, grid, np.r_[lon, grid.lon[k]], np.r_[lat, grid.lat[k]], access=access)
    assert np.all(more <= minutes)
    after = cov.circle(grid, more, 60.0, counties=reg.counties).counties
    assert np.all(after["covered"].to_numpy() >= base["covered"].to_numpy() - 1e-6)
    assert after.set_index("adcode").loc[worst["adcode"], "covered"] > worst["covered"]


def test_hainan_cell_minutes_match_traveltime(hainan):
    from spatial import traveltime

    _, net, grid, fac, access = hainan
    lon, lat = traveltime.point_lonlat(fac)
    mine, nearest = cell_times(net, grid, lon, lat, access=access)
    ref, ref_idx = traveltime.facility_minutes(net, lon, lat, grid.lon, grid.lat)
    np.testing.assert_allclose(mine, ref, rtol=1e-12)
    same = ref_idx == nearest
    # ties between facilities may pick either; the minutes agree regardless
    assert same.mean() > 0.99


def test_hainan_bands_and_gaps(hainan):
    reg, net, grid, fac, access = hainan
    minutes = cell_minutes(net, grid, *traveltime.point_lonlat(fac), access=access)
    b = cov.bands(grid, minutes, counties=reg.counties)
    labels = cov.band_labels()
    assert b.counties[labels].to_numpy().sum() == pytest.approx(float(grid.pop.sum()))
    np.testing.assert_allclose(b.counties[labels].sum(axis=1), b.counties["population"], rtol=1e-9)
    assert b.total["pop_0_15"] + b.total["pop_15_30"] + b.total["pop_30_60"] == pytest.approx(
        cov.circle(grid, minutes, 60.0).total["covered_population"]
    )
    assert 0 < b.total["mean_min"] <= b.total["p90_min"]
    g = gaps_mod.gaps(grid, minutes, 60.0, counties=reg.counties)
    beyond = float(grid.pop[minutes > 60.0].sum())
    assert g.population == pytest.approx(beyond)
    assert g.clusters["population"].sum() == pytest.approx(beyond)
    assert g.clusters["population"].is_monotonic_decreasing
    assert np.all(g.clusters["worst_min"] > 60.0)
    polys = gaps_mod.gap_polygons(grid, g, top=5).to_crs(grid.metric_crs)
    np.testing.assert_allclose(polys.area / 1e6, polys["area_km2"], rtol=1e-6)
    # each polygon holds its cluster's cells and no covered cell centre
    covered = minutes <= 60.0
    pts = gpd.GeoSeries(gpd.points_from_xy(grid.x_m[covered], grid.y_m[covered]), crs=grid.metric_crs)
    assert not pts.intersects(shapely.union_all(polys.geometry.values)).any()


def test_hainan_isochrone_agrees_with_cells(hainan):
    from spatial import isochrones

    _, net, grid, fac, access = hainan
    minutes = cell_minutes(net, grid, *traveltime.point_lonlat(fac), access=access)
    frame = isochrones.isochrones(net, fac, (60.0,)).to_crs(grid.metric_crs)
    poly, tol = frame.geometry.iloc[0], frame["tolerance_min"].iloc[0]
    inside = shapely.contains_xy(poly, grid.x_m, grid.y_m)
    clear = np.abs(minutes - 60.0) > 5 * tol  # away from the edge, cells and isochrone agree …
    wrong = inside[clear] != (minutes <= 60.0)[clear]
    # … except where a cell centre and its raster cell's centre snap to different nodes (the model's jumps)
    assert wrong.mean() < 0.005
    # the polygon is not trivially empty or everything: its share of cells matches the cells' own minutes
    assert 0 < inside.sum() < inside.size
    assert abs(inside.mean() - (minutes <= 60.0).mean()) < 0.02


def test_kunming_emergency_circle(kunming_net):
    from spatial import facilities, regions, traveltime
    from spatial.settings import PACKAGE_ROOT

    reg = regions.resolve("530100")
    sites = facilities.read_facilities(PACKAGE_ROOT / "data" / "facilities" / "yunnan_scenic_4a.csv")
    sites = sites[sites.within(reg.outline)].reset_index(drop=True)
    hospitals = facilities.default_facilities(reg, kind="tertiary")
    assert len(sites) >= 3 and len(hospitals) >= 1
    r = cov.emergency_circle(kunming_net, hospitals, sites, 10.0)
    hx, hy = traveltime.point_lonlat(hospitals)
    ref, _ = traveltime.facility_minutes(kunming_net, hx, hy, sites.geometry.x, sites.geometry.y)
    np.testing.assert_allclose(r.counties["minutes"], ref, rtol=1e-12)
    assert r.total["sites"] == len(sites)
    assert r.total["sites_within"] == int((ref <= 10.0).sum())
    wider = cov.emergency_circle(kunming_net, hospitals, sites, 30.0)
    assert wider.total["sites_within"] >= r.total["sites_within"]
