"""Siting: hand-built instances with known optima, properties, and real Hainan/Kunming instances.

The hand-built set-cover trap (cells x0..x5, one person each):
  S0 = {x1, x2, x3, x4}, S1 = {x0, x1, x2}, S2 = {x3, x4, x5}.
For k = 2 plain greedy takes S0 (4) then S1 or S2 (+1) = 5 persons; the optimum S1 + S2 covers all 6.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from spatial import candidates as cands
from spatial import cover as cover_model
from spatial import greedy, siting, traveltime, whatif
from spatial import reach as reach_mod
from spatial.errors import HealthplanError
from spatial.network import Network
from spatial.population import PopulationGrid

# --------------------------------------------------------------------------------------------------
# helpers


def cell_minutes(net, grid, lon, lat):
    """Minutes from each cell to its nearest facility (a full recompute: cells snapped, one search)."""
    per_node, source = traveltime.node_minutes(net, lon, lat)
    return traveltime.place_minutes(traveltime.snap(net, grid.lon, grid.lat), per_node, source)[0]


def site_cells(net, grid, facilities, *, weight="pop"):
    """Cells as the pipeline hands them to siting: snapped once, timed to today's facilities."""
    snapped = traveltime.snap(net, grid.lon, grid.lat)
    per_node, source = traveltime.node_minutes(net, *traveltime.point_lonlat(facilities))
    current, _ = traveltime.place_minutes(snapped, per_node, source)
    return reach_mod.site_cells(grid, snapped, current, weight=weight)


def matrix(sets: list[list[int]], n_cells: int) -> sp.csc_array:
    """Boolean cells × candidates matrix from each candidate's covered cells."""
    rows = [r for s in sets for r in s]
    cols = [j for j, s in enumerate(sets) for _ in s]
    return sp.csc_array((np.ones(len(rows), bool), (rows, cols)), shape=(n_cells, len(sets)))


def trap(weights=(1, 1, 1, 1, 1, 1), current=None) -> cover_model.CoverProblem:
    """The greedy trap above (current minutes 99 = not covered today unless given)."""
    cur = np.full(len(weights), 99.0) if current is None else np.asarray(current, float)
    cover = matrix([[1, 2, 3, 4], [0, 1, 2], [3, 4, 5]], len(weights))
    return cover_model.problem_from_minutes(np.asarray(weights, float), cur, cover, threshold_min=30.0, names=["S0", "S1", "S2"])


def random_problem(seed: int, n_cells: int = 250, n_cand: int = 24, density: float = 0.08) -> cover_model.CoverProblem:
    """Random instance: sparse coverage, integer persons, a third of cells already covered."""
    rng = np.random.default_rng(seed)
    cover = sp.random(n_cells, n_cand, density=density, random_state=rng, format="csc") != 0
    weight = rng.integers(1, 100, n_cells).astype(float)
    current = np.where(rng.random(n_cells) < 0.3, 10.0, 100.0)
    return cover_model.problem_from_minutes(weight, current, cover, threshold_min=60.0)


def brute_force(problem: cover_model.CoverProblem, k: int) -> float:
    """Best covered population over every set of k candidates."""
    return max(problem.covered_with(c) for c in itertools.combinations(range(problem.n_candidates), k))


# --------------------------------------------------------------------------------------------------
# hand-built optimum


def test_trap_greedy_alone_is_suboptimal_interchange_finds_optimum():
    p = trap()
    plain = siting.maximal_covering(p, 2, interchange=False)
    assert plain.covered_after == 5.0
    swapped = siting.maximal_covering(p, 2, starts=0)  # Teitz–Bart alone, from greedy's {S0, S1|S2}
    assert swapped.covered_after == 6.0 and swapped.extra["interchange_swaps"] == 1
    best = siting.maximal_covering(p, 2)
    assert best.covered_after == 6.0
    assert sorted(best.chosen.tolist()) == [1, 2]
    exact = siting.maximal_covering(p, 2, method="exact")
    assert exact.covered_after == 6.0 and exact.mip_gap is not None and exact.mip_gap <= 1e-4
    assert exact.greedy_covered_after == 6.0 and exact.greedy_vs_exact == 0.0


def test_trap_gains_are_marginal_in_order():
    res = siting.maximal_covering(trap(), 2)
    assert res.gain_population.tolist() == [3.0, 3.0]
    r1 = siting.maximal_covering(trap(), 1)
    assert r1.chosen.tolist() == [0] and r1.gain_population.tolist() == [4.0]


def test_existing_coverage_contributes_nothing():
    # x1..x4 already covered: only S1's x0 and S2's x5 are new.
    p = trap(current=[99, 10, 10, 10, 10, 99])
    assert p.covered_before == 4.0
    assert p.gains().tolist() == [0.0, 1.0, 1.0]
    res = siting.maximal_covering(p, 1)
    assert res.covered_before == 4.0 and res.covered_after == 5.0 and res.chosen[0] in (1, 2)
    ranked = greedy.rank_candidates(p)
    assert ranked["gain_population"].tolist() == [1.0, 1.0, 0.0]
    assert ranked["name"].iloc[-1] == "S0"  # adds nobody: ranked last, still listed


def test_set_covering_fewest_sites_and_infeasible():
    full = siting.set_covering(trap(), 1.0)
    assert full.feasible and full.chosen.size == 2 and full.covered_after == 6.0
    exact = siting.set_covering(trap(), 1.0, method="exact")
    assert exact.chosen.size == 2 and exact.greedy_n_sites == 2
    # a seventh person nobody can reach: 100 % is impossible, 6/7 is the best share
    p = cover_model.problem_from_minutes(
        np.ones(7), np.full(7, 99.0), sp.vstack([trap().cover, sp.csc_array((1, 3), dtype=bool)]).tocsc(), threshold_min=30
    )
    res = siting.set_covering(p, 1.0)
    assert not res.feasible and res.best_share == pytest.approx(6 / 7) and res.covered_after == 6.0
    assert siting.set_covering(p, 0.5).chosen.size == 1  # S0 alone holds 4/7
    with pytest.raises(HealthplanError, match="share in \\(0, 1\\]"):
        siting.set_covering(p, 95)


def test_bad_inputs_raise_planner_errors():
    with pytest.raises(HealthplanError, match="whole number ≥ 1"):
        siting.maximal_covering(trap(), 0)
    with pytest.raises(HealthplanError, match="unknown siting method"):
        siting.maximal_covering(trap(), 1, method="magic")
    with pytest.raises(HealthplanError, match="shapes disagree"):
        cover_model.CoverProblem(np.ones(3), np.zeros(2, bool), sp.csc_array((3, 1), dtype=bool))


# --------------------------------------------------------------------------------------------------
# random instances: exact = brute force; greedy + interchange within 1 % of exact


@pytest.mark.parametrize("seed", range(12))
def test_exact_matches_brute_force_and_greedy_within_one_percent(seed):
    p = random_problem(seed)
    for k in (2, 3, 5):
        exact = siting.maximal_covering(p, k, method="exact")
        assert exact.mip_status == "Optimal" and exact.mip_gap is not None and exact.mip_gap <= 1e-4
        if k <= 3:
            assert exact.covered_after == pytest.approx(brute_force(p, k))
        greedy = siting.maximal_covering(p, k)
        new_exact = exact.covered_after - exact.covered_before
        assert greedy.covered_after <= exact.covered_after + 1e-6
        assert exact.covered_after - greedy.covered_after <= 0.01 * new_exact
        assert exact.greedy_vs_exact is not None and 0.0 <= exact.greedy_vs_exact <= 0.01


@pytest.mark.parametrize("seed", range(6))
def test_set_covering_exact_never_more_sites_than_greedy(seed):
    p = random_problem(100 + seed, n_cells=200, n_cand=20, density=0.1)
    target = 0.5 * (p.covered_before + p.open_weight.sum()) / p.total_population + 0.5 * p.covered_before / p.total_population
    g = siting.set_covering(p, target)
    e = siting.set_covering(p, target, method="exact")
    assert g.feasible and e.feasible
    assert g.share_after >= target - 1e-9 and e.share_after >= target - 1e-9
    assert e.chosen.size <= g.chosen.size and e.greedy_n_sites == g.chosen.size
    # fewer sites cannot reach the target (checked by brute force on the exact count − 1)
    if e.chosen.size >= 2:
        assert brute_force(p, e.chosen.size - 1) < target * p.total_population - 1e-9


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), k=st.integers(1, 6))
def test_properties_gains_sum_and_monotone(seed, k):
    p = random_problem(seed, n_cells=120, n_cand=15, density=0.12)
    res = siting.maximal_covering(p, k)
    assert res.gain_population.sum() == pytest.approx(res.covered_after - res.covered_before)
    assert np.all(np.diff(res.gain_population) <= 1e-9)  # greedy order: gains never grow
    assert res.covered_after == pytest.approx(p.covered_with(res.chosen))
    # adding any site never decreases coverage
    for j in range(p.n_candidates):
        assert p.covered_with(list(res.chosen) + [j]) >= res.covered_after - 1e-9
    assert siting.maximal_covering(p, k + 1).covered_after >= res.covered_after - 1e-9
    ranked = greedy.rank_candidates(p)
    assert ranked["covered_population_after"].iloc[-1] == pytest.approx(p.covered_with(range(p.n_candidates)))


# --------------------------------------------------------------------------------------------------
# on a hand-built road: incremental per-candidate reach = full recompute

CRS = "+proj=aea +lat_1=19.5 +lat_2=20.3 +lat_0=19.9 +lon_0=110.3 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
TO_LL = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
LEG_1KM = 1000.0 * 1.3 / (20.0 * 1000.0 / 60.0)  # 3.9 min access leg for 1 km


def line_world(n: int = 61):
    """A two-way road of n nodes 1 km apart at 1 min per km; a cell of 100 persons on every node (county 1 then 2)."""
    x = np.arange(n) * 1000.0
    u = np.r_[np.arange(n - 1), np.arange(1, n)]
    v = np.r_[np.arange(1, n), np.arange(n - 1)]
    order = np.argsort(u, kind="stable")
    u, v = u[order], v[order]
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    lon, lat = TO_LL.transform(x, np.zeros(n))
    net = Network(
        lon=np.asarray(lon), lat=np.asarray(lat), x_m=x, y_m=np.zeros(n), indptr=indptr, head=v.astype(np.int32),
        length_m=np.full(v.size, 1000.0), minutes=np.ones(v.size), road_class=np.zeros(v.size, np.int16),
        classes=("test",), metric_crs=CRS, directed=False,
    )
    pop = np.full(n, 100.0)
    grid = PopulationGrid(
        lon=np.asarray(lon), lat=np.asarray(lat), x_m=x, y_m=np.zeros(n), row=np.zeros(n, np.int32),
        col=np.arange(n, dtype=np.int32), pop=pop, urban=pop / 2, pop60=pop / 5,
        county=np.where(np.arange(n) < n // 2, 1, 2).astype(np.int64), cell_m=1000.0, metric_crs=CRS,
        transform=(1000.0, 0.0, -500.0, 0.0, -1000.0, 500.0), shape=(1, n),
    )
    return net, grid


def ll(x, y=0.0):
    """WGS84 lon/lat arrays of metric points."""
    lon, lat = TO_LL.transform(np.atleast_1d(np.asarray(x, float)), np.atleast_1d(np.full(np.size(x), y, float)))
    return np.asarray(lon), np.asarray(lat)


@pytest.fixture(scope="module")
def line():
    net, grid = line_world()
    cells = site_cells(net, grid, ll(0.0))  # existing facility on node 0
    return net, grid, cells


def test_site_cells_current_minutes(line):
    _, _, cells = line
    np.testing.assert_allclose(cells.current_min, np.arange(61.0), atol=1e-6)


def test_what_if_by_hand(line):
    net, _, cells = line
    # candidate 1 km off the road beside node 40: site leg 3.9 min; reaches node i in |i−40| + 3.9 min.
    w = whatif.what_if(net, cells, *ll(40_000.0, -1000.0), thresholds_min=(15, 30, 60), names=["north"])
    row = w.candidates.iloc[0]
    # 15 min: |i−40| ≤ 11.1 → nodes 29..51 (23 cells); today's 15-min circle is nodes 0..15: all new
    assert row["new_population_15min"] == pytest.approx(2300.0)
    # 30 min: |i−40| ≤ 26.1 → nodes 14..60; today ≤ 30 is nodes 0..30 → new = 31..60 = 30 cells
    assert row["new_population_30min"] == pytest.approx(3000.0)
    # 60 min: today covers nodes 0..60 already
    assert row["new_population_60min"] == pytest.approx(0.0)
    by = w.by_county[(w.by_county.candidate == 0) & (w.by_county.threshold_min == 15)].set_index("adcode")["new_population"]
    assert by.to_dict() == pytest.approx({1: 100.0, 2: 2200.0})  # node 29 is the last of county 1
    assert w.combined.set_index("threshold_min").loc[30.0, "covered_population_before"] == pytest.approx(3100.0)


def test_incremental_reach_equals_full_recompute(line):
    net, grid, cells = line
    lon, lat = ll(np.array([5_000.0, 22_500.0, 40_000.0, 59_000.0]), -300.0)
    s = cands.check_candidates(net, gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326"))
    reach = reach_mod.candidate_reach(net, cells, s["node"].to_numpy(), s["access_min"].to_numpy(), limit_min=30.0)
    for t in (10.0, 20.0, 30.0):
        cover = reach.cover(t).toarray()
        for j in range(lon.size):
            full = cell_minutes(net, grid, lon[j : j + 1], lat[j : j + 1])
            np.testing.assert_array_equal(cover[:, j], full <= t)


def test_optimize_on_the_line(line):
    net, _grid, cells = line
    lon, lat = ll(np.arange(0, 61_000, 5_000.0))
    cand = cands.check_candidates(net, gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326"))
    reach = reach_mod.candidate_reach(net, cells, cand["node"].to_numpy(), cand["access_min"].to_numpy(), limit_min=10.0)
    p = reach_mod.coverage_problem(cells, reach, threshold_min=10.0)
    assert p.covered_before == pytest.approx(1100.0)  # nodes 0..10
    res = siting.maximal_covering(p, 2, method="exact")
    # each new site covers 21 nodes; two disjoint ones beyond node 10 add 42 cells, capped by the 50 left
    assert res.covered_after == pytest.approx(1100.0 + 4200.0)
    assert siting.maximal_covering(p, 2).covered_after == pytest.approx(res.covered_after)
    sc = siting.set_covering(p, 1.0)
    assert sc.feasible and sc.chosen.size == 3 and sc.covered_after == pytest.approx(6100.0)


def test_gap_candidates_sit_in_gaps(line):
    _, grid, cells = line
    gaps = cands.from_gaps(grid, cells.current_min, threshold_min=30.0, n=5)
    assert 1 <= len(gaps) <= 5
    pts = gaps.to_crs(CRS)
    assert (pts.geometry.x > 30_000.0).all()  # only beyond today's 30 minutes
    assert gaps["gap_population"].sum() <= 3000.0 + 1e-6
    assert gaps["gap_population"].is_monotonic_decreasing


# --------------------------------------------------------------------------------------------------
# real data: candidate checks on Hainan, a real siting instance


@pytest.fixture(scope="module")
def hainan(hainan_net):
    from spatial import facilities, population, regions

    region = regions.resolve("hainan")
    grid = population.from_census(region, network=hainan_net, cell_m=3000.0)
    fac = facilities.default_facilities(region, kind="tertiary")
    cells = site_cells(hainan_net, grid, fac)
    return hainan_net, region, grid, fac, cells


def test_candidate_checks_report_reasons(hainan):
    from scipy.spatial import cKDTree

    from spatial import regions

    net, region, *_ = hainan
    haikou = regions.resolve("haikou")
    pts = {
        "haikou centre": (110.33, 20.03),  # ok in both
        "sea south of sanya": (109.45, 17.90),
        "sanya city": (109.51, 18.25),  # on land, outside Haikou
        "wuzhishan forest": (109.60, 18.84),  # central mountains, away from the trunk roads
    }
    frame = gpd.GeoDataFrame({"name": list(pts)}, geometry=gpd.points_from_xy(*zip(*pts.values())), crs="EPSG:4326")
    checked = cands.check_candidates(net, frame, region=haikou).set_index("name")
    assert checked.loc["haikou centre", "status"] == "ok" and checked.loc["haikou centre", "reason"] == ""
    assert "not on land" in checked.loc["sea south of sanya", "reason"]
    assert "outside the region 海口市" in checked.loc["sanya city", "reason"]
    assert "not on land" not in checked.loc["sanya city", "reason"]
    # the road check agrees with an independent nearest-node distance
    xy = gpd.GeoSeries(frame.geometry.values, crs="EPSG:4326").to_crs(net.metric_crs)
    dist, _ = cKDTree(np.c_[net.x_m, net.y_m]).query(np.c_[xy.x, xy.y])
    far = dict(zip(pts, dist > 2000.0))
    assert far["wuzhishan forest"], "test point should be > 2 km from the backbone"
    for name, is_far in far.items():
        assert ("m from the nearest road node" in checked.loc[name, "reason"]) == is_far
    assert len(checked) == 4  # nothing dropped
    whole = cands.check_candidates(net, frame, region=region).set_index("name")
    assert "outside" not in whole.loc["sanya city", "reason"]  # inside Hainan province


def test_real_what_if_equals_full_recompute(hainan):
    net, _region, grid, fac, cells = hainan
    lon, lat = 109.60, 18.95  # an inland town area
    w = whatif.what_if(net, cells, [lon], [lat], thresholds_min=(30, 60))
    lon_all = np.r_[fac.geometry.x.to_numpy(), lon]
    lat_all = np.r_[fac.geometry.y.to_numpy(), lat]
    after = cell_minutes(net, grid, lon_all, lat_all)
    for t in (30, 60):
        expect = grid.pop[after <= t].sum() - grid.pop[cells.current_min <= t].sum()
        assert w.candidates.loc[0, f"new_population_{t}min"] == pytest.approx(expect, rel=1e-9)
    assert w.candidates.loc[0, "new_population_30min"] > 0


def test_real_greedy_within_one_percent_of_exact(hainan):
    net, region, grid, fac, cells = hainan
    cand = cands.check_candidates(
        net, cands.from_gaps(grid, cells.current_min, threshold_min=30.0, n=120), region=region
    )
    ok = cand[cand.status == "ok"]
    assert len(ok) > 20
    reach = reach_mod.candidate_reach(net, cells, ok["node"].to_numpy(), ok["access_min"].to_numpy(), limit_min=30.0)
    p = reach_mod.coverage_problem(cells, reach, threshold_min=30.0, names=ok["name"].tolist())
    for k in (3, 8):
        exact = siting.maximal_covering(p, k, method="exact", time_limit_s=60)
        greedy = siting.maximal_covering(p, k)
        assert exact.mip_gap is not None
        new = exact.covered_after - exact.covered_before
        assert new > 0 and exact.covered_after - greedy.covered_after <= 0.01 * new
        assert greedy.gain_population.sum() == pytest.approx(greedy.covered_after - greedy.covered_before)
        # the result matches an independent full recompute with the chosen sites added
        chosen = ok.iloc[greedy.chosen]
        after = cell_minutes(
            net, grid, np.r_[fac.geometry.x, chosen.geometry.x], np.r_[fac.geometry.y, chosen.geometry.y]
        )
        assert greedy.covered_after == pytest.approx(grid.pop[after <= 30.0].sum(), rel=1e-9)


def test_kunming_instance_greedy_vs_exact_and_recompute(kunming_net):
    from spatial import facilities, population, regions

    net = kunming_net
    region = regions.resolve("530100")
    grid = population.from_census(region, network=net, cell_m=2000.0)
    fac = facilities.default_facilities(region, kind="tertiary")
    cells = site_cells(net, grid, fac)
    cand = cands.check_candidates(
        net, cands.from_gaps(grid, cells.current_min, threshold_min=30.0, n=150), region=region
    )
    assert set(cand["status"]) <= {"ok", "rejected"} and len(cand) == 150  # nothing dropped
    ok = cand[cand.status == "ok"].reset_index(drop=True)
    reach = reach_mod.candidate_reach(net, cells, ok["node"].to_numpy(), ok["access_min"].to_numpy(), limit_min=30.0)
    p = reach_mod.coverage_problem(cells, reach, threshold_min=30.0)
    exact = siting.maximal_covering(p, 6, method="exact", time_limit_s=60)
    greedy = siting.maximal_covering(p, 6)
    new = exact.covered_after - exact.covered_before
    assert exact.mip_gap is not None and new > 0
    assert exact.covered_after - greedy.covered_after <= 0.01 * new
    # three candidates' incremental columns against a full recompute from the candidate alone
    cover = reach.cover(30.0)
    for j in (0, len(ok) // 2, len(ok) - 1):
        full = cell_minutes(net, grid, ok.geometry.x.to_numpy()[j : j + 1], ok.geometry.y.to_numpy()[j : j + 1])
        np.testing.assert_array_equal(cover[:, [j]].toarray().ravel(), full <= 30.0)


def test_k_larger_than_useful_sites():
    # S3 = {x0} lies inside S1: once everyone reachable is covered, further sites add nobody
    cover = matrix([[1, 2, 3, 4], [0, 1, 2], [3, 4, 5], [0]], 6)
    p = cover_model.problem_from_minutes(np.ones(6), np.full(6, 99.0), cover, threshold_min=30.0)
    for method in ("greedy", "exact"):
        res = siting.maximal_covering(p, 4, method=method)
        assert res.covered_after == 6.0 and res.chosen.size <= 3 and 3 not in res.chosen.tolist()
        assert np.all(res.gain_population > 0)


def test_what_if_isochrones_on_the_line(line):
    net, _, _ = line
    lon, lat = ll(40_000.0)
    site = gpd.GeoDataFrame({"name": ["north"]}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    iso = whatif.candidate_isochrones(net, site, thresholds_min=(15.0, 30.0))
    assert len(iso) == 2 and set(iso["name"]) == {"north"}
    fifteen = iso[iso["threshold_min"] == 15.0].geometry.iloc[0]
    thirty = iso[iso["threshold_min"] == 30.0].geometry.iloc[0]
    near, far = ll(np.array([45_000.0, 20_000.0]))
    import shapely

    assert shapely.contains_xy(fifteen, near[0], far[0])  # node 45: 5 min away
    assert not shapely.contains_xy(fifteen, near[1], far[1])  # node 20: 20 min away
    assert shapely.contains_xy(thirty, near[1], far[1])
    assert thirty.area > fifteen.area
