"""Capacity-aware coverage: hand-computed small worlds, then conservation and properties on Hainan.

Small worlds are cells × facilities minutes matrices written out by hand (rows = cells).
"""

from __future__ import annotations


import numpy as np
import pytest
import scipy.sparse as sp

from spatial import census, facilities, odmatrix, population, regions, traveltime
from spatial import capacity as C
from spatial.errors import HealthplanError
from spatial.odmatrix import TravelMatrix



def mat(rows: list[list[float | None]]) -> sp.csr_matrix:
    """Cells × facilities minutes from a dense list, None = not within reach (0.0 is a real stored zero)."""
    data, ind, ptr = [], [], [0]
    for r in rows:
        for j, v in enumerate(r):
            if v is not None:
                data.append(float(v))
                ind.append(j)
        ptr.append(len(data))
    return sp.csr_matrix((np.array(data), np.array(ind, dtype=np.int32), np.array(ptr)), shape=(len(rows), len(rows[0])))


def conserved(r: C.CapacityCoverage) -> None:
    """served + over capacity + beyond reach = population, cell by cell (to the last rounding)."""
    np.testing.assert_allclose(r.served + r.over_capacity + r.beyond_reach, r.population, rtol=1e-12, atol=0)
    assert np.all(r.served >= 0) and np.all(r.over_capacity >= 0) and np.all(r.beyond_reach >= 0)


# --------------------------------------------------------------------------------------------------
# hand-computed worlds


def test_partial_last_zone_is_shared_in_proportion():
    # cell 0: 100 persons at 5 min; cells 1, 2: 150 and 50 at 10 min (one zone); cell 3 out of reach
    m = mat([[5.0], [10.0], [9.5], [None]])
    r = C.allocate(m, [100, 150, 50, 1000], [200], threshold_min=60)
    # zone 5 fits whole (100); zone 10 holds 200, 100 capacity left → each cell gives half
    np.testing.assert_allclose(r.served, [100, 75, 25, 0])
    np.testing.assert_allclose(r.over_capacity, [0, 75, 25, 0])
    np.testing.assert_allclose(r.beyond_reach, [0, 0, 0, 1000])
    assert r.facility.tolist() == [0, 0, 0, -1]
    conserved(r)
    row = r.facilities().iloc[0]
    assert row["served"] == pytest.approx(200) and row["utilisation"] == pytest.approx(1.0)
    assert row["demand_population"] == pytest.approx(300) and row["load_factor"] == pytest.approx(1.5)
    assert row["catchment_min"] == pytest.approx(10.0) and row["cells_served"] == 3


def test_exact_times_split_the_zone_at_9_5():
    # with band_min=0 the 9.5-min cell is its own, nearer zone: it is served whole before the 10-min one
    m = mat([[5.0], [10.0], [9.5], [None]])
    r = C.allocate(m, [100, 150, 50, 1000], [200], threshold_min=60, band_min=0)
    np.testing.assert_allclose(r.served, [100, 50, 50, 0])


def test_ties_at_the_same_minutes_share_equally():
    # three cells at exactly 7 min; capacity 60 of 120 persons → every cell served half, whatever the band
    m = mat([[7.0], [7.0], [7.0]])
    for band in (0.0, 1.0, 5.0):
        r = C.allocate(m, [20, 40, 60], [60], threshold_min=30, band_min=band)
        np.testing.assert_allclose(r.served, [10, 20, 30])
        np.testing.assert_allclose(r.over_capacity, [10, 20, 30])


def test_two_facilities_compete_for_one_town():
    # town T (1000) is 10 min from A and 20 min from B; village V (300) is 5 min from B only
    m = mat([[10.0, 20.0], [None, 5.0]])
    pop, cap = [1000, 300], [600, 800]
    # "demand" order: B reaches 1300 persons, A 1000 → B first.  B takes V (300) and half of the
    # 20-min zone (500 of T's 1000); A then takes the 500 left in T.
    r = C.allocate(m, pop, cap, threshold_min=60, names=["A", "B"])
    assert r.order.tolist() == [1, 0]
    np.testing.assert_allclose(r.served, [1000, 300])
    np.testing.assert_allclose(r.facility_served, [500, 800])
    assert r.facility.tolist() == [1, 1]  # T split 500/500: the tie goes to B, processed first
    # "given" order: A first takes 600 of T; B takes V, then the 400 left in T
    g = C.allocate(m, pop, cap, threshold_min=60, order="given")
    np.testing.assert_allclose(g.facility_served, [600, 700])
    np.testing.assert_allclose(g.allocation.toarray(), [[600, 400], [0, 300]])
    assert g.facility.tolist() == [0, 1]
    frame = r.facilities().set_index("name")
    assert frame.loc["B", "order"] == 1 and frame.loc["A", "order"] == 2
    assert frame.loc["B", "residual_demand"] == pytest.approx(1300) and frame.loc["A", "residual_demand"] == pytest.approx(500)


def test_facility_exactly_at_capacity_and_the_rest_over_capacity():
    # AccessMod's case D: the capacity equals the inner zone, the next zone gets nothing
    m = mat([[5.0], [10.0], [80.0]])
    r = C.allocate(m, [100, 100, 100], [100], threshold_min=60)
    np.testing.assert_allclose(r.served, [100, 0, 0])
    np.testing.assert_allclose(r.over_capacity, [0, 100, 0])
    np.testing.assert_allclose(r.beyond_reach, [0, 0, 100])  # 80 min > threshold: beyond reach
    assert r.facility.tolist() == [0, -1, -1]
    conserved(r)


def test_capacity_larger_than_demand_leaves_capacity_and_threshold_limits():
    m = mat([[5.0], [59.9], [60.0], [60.2]])
    r = C.allocate(m, [10, 20, 30, 40], [1000], threshold_min=60)
    np.testing.assert_allclose(r.served, [10, 20, 30, 0])  # 60.0 is within, 60.2 is not
    assert r.facilities().iloc[0]["capacity_left"] == pytest.approx(940)


def test_unlimited_capacity_is_plain_coverage_and_zero_capacity_serves_nobody():
    m = mat([[5.0, None], [None, 30.0], [None, None]])
    r = C.allocate(m, [1, 2, 3], [np.inf, 0.0], threshold_min=60)
    np.testing.assert_allclose(r.served, [1, 0, 0])
    np.testing.assert_allclose(r.over_capacity, [0, 2, 0])
    np.testing.assert_allclose(r.beyond_reach, [0, 0, 3])


def test_stored_zero_minutes_count_as_within_reach():
    m = mat([[0.0]])
    assert m.nnz == 1
    r = C.allocate(m, [5], [10], threshold_min=15)
    assert r.served[0] == 5


def test_order_ties_keep_the_input_order_and_value_orders():
    demand = np.array([5.0, 7.0, 5.0])
    cap = np.array([1.0, 1.0, 2.0])
    assert C.facility_order("demand", demand=demand, capacity=cap).tolist() == [1, 0, 2]
    assert C.facility_order("capacity", demand=demand, capacity=cap).tolist() == [2, 0, 1]
    assert C.facility_order([3, 1, 3], demand=demand, capacity=cap).tolist() == [0, 2, 1]
    assert C.facility_order([3, 1, 3], demand=demand, capacity=cap, ascending=True).tolist() == [1, 0, 2]


def test_county_rows_sum_the_cells():
    m = mat([[5.0], [10.0], [None]])
    r = C.allocate(m, [100, 100, 50], [150], threshold_min=60, county=[460100, 460200, 460200])
    c = r.counties().set_index("adcode")
    assert c.loc[460100, "served"] == pytest.approx(100)
    assert c.loc[460200, "served"] == pytest.approx(50)
    assert c.loc[460200, "over_capacity"] == pytest.approx(50)
    assert c.loc[460200, "beyond_reach"] == pytest.approx(50)
    assert c.loc[460200, "served_share"] == pytest.approx(1 / 3)


def test_capacity_helpers_and_validation():
    np.testing.assert_allclose(C.capacity_persons([10, 0], 1000 / 6.5), [10 * 1000 / 6.5, 0])
    with pytest.raises(HealthplanError, match="facility 2"):
        C.capacity_persons([1, np.nan], 100)
    with pytest.raises(HealthplanError, match="positive"):
        C.capacity_persons([1], 0)
    with pytest.raises(HealthplanError, match="one capacity"):
        C.allocate(mat([[1.0]]), [1], [1, 2])
    with pytest.raises(HealthplanError, match="exceeds"):
        C.allocate(TravelMatrix(mat([[1.0]]), 30.0), [1], [1], threshold_min=60)
    with pytest.raises(HealthplanError, match="unknown facility order"):
        C.allocate(mat([[1.0]]), [1], [1], order="nearest")


# --------------------------------------------------------------------------------------------------
# real data: Hainan


@pytest.fixture(scope="module")
def hainan(hainan_net):
    """Hainan at 2 km, default tertiary hospitals, a 60-min travel matrix."""
    reg = regions.resolve("hainan")
    grid = population.from_census(reg, network=hainan_net, cell_m=2000.0)
    fac = facilities.default_facilities(reg, kind="tertiary")
    access = traveltime.snap(hainan_net, grid.lon, grid.lat)
    matrix = odmatrix.cell_facility_minutes(hainan_net, grid, fac, limit_min=60.0, access=access)
    return reg, grid, fac, access, matrix


def test_hainan_conservation_against_the_census(hainan, hainan_net):
    reg, grid, fac, access, matrix = hainan
    cap = np.full(len(fac), 300_000.0)  # 16 × 300k = 4.8 M < the ≈ 5.9 M within an hour: some are full
    r = C.capacity_coverage(hainan_net, grid, fac, cap, matrix=matrix)
    conserved(r)
    counties = r.counties(reg.counties).set_index("adcode")
    expected = census.county_totals(counties.index)["pop_total"].astype(float)
    parts = counties["served"] + counties["over_capacity"] + counties["beyond_reach"]
    np.testing.assert_allclose(parts.to_numpy(), expected.to_numpy(), rtol=1e-9)
    assert (counties["name_zh"].notna()).all()
    # no facility serves more than its capacity, and the full ones leave people over capacity
    table = r.facilities()
    assert np.all(table["served"] <= table["capacity"] * (1 + 1e-12))
    assert (table["utilisation"] > 0.999).any() and r.over_capacity.sum() > 0
    assert r.beyond_reach.sum() > 0
    # within reach (served or over capacity) is exactly the plain 60-min circle of the engine
    per_node, source = traveltime.node_minutes(hainan_net, *traveltime.point_lonlat(fac))
    within = traveltime.place_minutes(access, per_node, source)[0] <= 60.0
    np.testing.assert_array_equal(r.beyond_reach == 0, within)
    assert (r.served + r.over_capacity).sum() == pytest.approx(grid.pop[within].sum(), rel=1e-12)


def test_hainan_unlimited_capacity_equals_the_nearest_facility_circle(hainan, hainan_net):
    reg, grid, fac, access, matrix = hainan
    r = C.capacity_coverage(hainan_net, grid, fac, np.full(len(fac), np.inf), matrix=matrix)
    # independent engine path: all-node nearest-facility minutes (one multi-source search)
    per_node, source = traveltime.node_minutes(hainan_net, *traveltime.point_lonlat(fac))
    minutes, _ = traveltime.place_minutes(access, per_node, source)
    within = minutes <= 60.0
    np.testing.assert_array_equal(r.served > 0, within)
    assert r.served.sum() == pytest.approx(grid.pop[within].sum(), rel=1e-12)
    assert r.over_capacity.sum() == 0


def test_hainan_more_capacity_never_serves_fewer(hainan, hainan_net):
    reg, grid, fac, access, matrix = hainan
    served = [
        C.capacity_coverage(hainan_net, grid, fac, np.full(len(fac), c), matrix=matrix).served.sum()
        for c in (50_000.0, 200_000.0, 1_000_000.0)
    ]
    assert served[0] < served[1] < served[2]
    assert served[0] == pytest.approx(len(fac) * 50_000.0, rel=1e-9)  # every hospital full at 50k


def test_hainan_catchment_polygons_cover_the_served_cells(hainan, hainan_net):
    reg, grid, fac, access, matrix = hainan
    r = C.capacity_coverage(hainan_net, grid, fac, np.full(len(fac), 300_000.0), matrix=matrix)
    polys = C.catchment_polygons(grid, r)
    assert polys.crs.to_epsg() == 4326 and len(polys) == len(fac)
    area_m2 = polys.to_crs(grid.metric_crs).area.to_numpy()
    np.testing.assert_allclose(area_m2, r.facilities()["cells_served"].to_numpy() * grid.cell_m**2, rtol=1e-9)
    main = C.catchment_polygons(grid, r, main_only=True).to_crs(grid.metric_crs)
    # main-facility catchments do not overlap: their areas add up to the served cells
    assert main.area.sum() == pytest.approx(np.count_nonzero(r.facility >= 0) * grid.cell_m**2, rel=1e-9)
