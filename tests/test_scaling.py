"""Scaling-up with capacity: hand-built worlds, MILP against brute force, greedy ≤ exact, Hainan."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from spatial import facilities, population, regions, scaling
from spatial.errors import HealthplanError



def served_by_lp(a: sp.csr_matrix, b: sp.csr_matrix, pop, cap0, cap1, sites, threshold) -> float:
    """Persons served with today's facilities and ``sites`` open: an independent LP over every cell pair (scipy)."""
    full = sp.hstack([a, b], format="csc")[:, list(range(a.shape[1])) + [a.shape[1] + s for s in sites]].tocoo()
    keep = full.data <= threshold
    r, c = full.row[keep], full.col[keep]
    if r.size == 0:
        return 0.0
    n = r.size
    rows = sp.vstack([sp.csr_matrix((np.ones(n), (r, np.arange(n))), shape=(a.shape[0], n)),
                      sp.csr_matrix((np.ones(n), (c, np.arange(n))), shape=(full.shape[1], n))])
    bounds = np.r_[pop, cap0, np.asarray(cap1)[list(sites)]]
    res = linprog(-np.ones(n), A_ub=rows, b_ub=bounds, bounds=(0, None), method="highs")
    assert res.status == 0
    return -res.fun


def random_world(seed: int, k: int = 40, m0: int = 2, n: int = 7):
    """Random cells, two existing facilities and seven candidates, integer persons and capacities."""
    rng = np.random.default_rng(seed)
    a = sp.random(k, m0, density=0.3, random_state=rng, format="csr")
    a.data *= 60
    b = sp.random(k, n, density=0.25, random_state=rng, format="csr")
    b.data *= 60
    pop = rng.integers(1, 100, k).astype(float)
    cap0 = rng.integers(50, 300, m0).astype(float)
    cap1 = rng.integers(50, 400, n).astype(float)
    cost = rng.integers(1, 5, n).astype(float)
    return a, b, pop, cap0, cap1, cost


# --------------------------------------------------------------------------------------------------
# hand-built


def test_capacity_decides_between_sites():
    # today's hospital H (capacity 100) reaches the town (1000) only.  Candidate S1 (capacity 600)
    # reaches the town; S2 (capacity 500) the town and a village (300); S3 (capacity 10_000) only the village
    a = sp.csr_matrix((np.array([20.0]), np.array([0]), np.array([0, 1, 1])), shape=(2, 1))
    b = sp.csr_matrix((np.array([10.0, 30.0, 15.0, 5.0]), np.array([0, 1, 1, 2]), np.array([0, 2, 4])), shape=(2, 3))
    p = scaling.scaling_problem(a, b, [1000.0, 300.0], [100.0], [600.0, 500.0, 10_000.0], threshold_min=60,
                                names=["S1", "S2", "S3"])
    r1 = scaling.best_k(p, 1)
    # S1 adds 600; S2 adds 500 (town or village, either way); S3 adds 300 → S1
    assert r1.names[r1.chosen[0]] == "S1" and r1.served_after == pytest.approx(700)
    assert r1.served_before == pytest.approx(100) and r1.proven_optimal and r1.mip_gap is not None
    r2 = scaling.best_k(p, 2)
    # S1 + S2: town 100 + 600 + 300 of S2, village 200 of S2 → 1200; S1 + S3: 700 + 300 = 1000
    assert sorted(r2.names[j] for j in r2.chosen) == ["S1", "S2"] and r2.served_after == pytest.approx(1200)
    r3 = scaling.best_k(p, 3)
    assert r3.served_after == pytest.approx(1300)
    # capacity ignored (a plain maximal cover) would prefer S2 for k = 1: it reaches everyone
    plain = scaling.scaling_problem(a, b, [1000.0, 300.0], [np.inf], np.inf, threshold_min=60)
    assert scaling.best_k(plain, 1).chosen.tolist() == [1]


def test_budget_and_target_by_hand():
    a = sp.csr_matrix((2, 0))
    b = sp.csr_matrix((np.array([5.0, 5.0]), np.array([0, 1]), np.array([0, 1, 2])), shape=(2, 2))
    p = scaling.scaling_problem(a, b, [100.0, 300.0], [], [1000.0, 1000.0], threshold_min=60,
                                candidate_cost=[1.0, 4.0])
    assert scaling.within_budget(p, 3.0).chosen.tolist() == [0]  # only site 0 is affordable
    assert scaling.within_budget(p, 4.0).chosen.tolist() == [1]  # 300 > 100
    assert sorted(scaling.within_budget(p, 5.0).chosen.tolist()) == [0, 1]
    t = scaling.fewest_sites(p, 0.75)
    assert t.chosen.tolist() == [1] and t.feasible
    both = scaling.fewest_sites(p, 1.0)
    assert both.chosen.size == 2 and both.served_share_after == pytest.approx(1.0)


def test_unreachable_target_is_said_so():
    a = sp.csr_matrix((2, 0))
    b = sp.csr_matrix((np.array([5.0]), np.array([0]), np.array([0, 1, 1])), shape=(2, 1))
    p = scaling.scaling_problem(a, b, [100.0, 300.0], [], [1000.0], threshold_min=60)
    r = scaling.fewest_sites(p, 0.5)
    assert not r.feasible and r.method.startswith("infeasible") and r.extra["best_share"] == pytest.approx(0.25)


def test_cells_with_the_same_facilities_merge():
    b = sp.csr_matrix(np.array([[5.0, 7.0], [6.0, 8.0], [9.0, 1.0]]))
    p = scaling.scaling_problem(sp.csr_matrix((3, 0)), b, [1.0, 2.0, 4.0], [], 10.0, threshold_min=60)
    assert p.n_groups == 1 and p.weight.tolist() == [7.0]
    p2 = scaling.scaling_problem(sp.csr_matrix((3, 0)), b, [1.0, 2.0, 4.0], [], 10.0, threshold_min=6.5)
    assert p2.n_groups == 2 and sorted(p2.weight.tolist()) == [3.0, 4.0]


def test_validation():
    b = sp.csr_matrix(np.array([[5.0]]))
    with pytest.raises(HealthplanError, match="capacities"):
        scaling.scaling_problem(sp.csr_matrix((1, 1)), b, [1.0], [1.0, 2.0], 1.0)
    p = scaling.scaling_problem(sp.csr_matrix((1, 0)), b, [1.0], [], 1.0)
    with pytest.raises(HealthplanError, match="positive whole"):
        scaling.best_k(p, 0)
    with pytest.raises(HealthplanError, match="method"):
        scaling.best_k(p, 1, method="magic")


# --------------------------------------------------------------------------------------------------
# exact against brute force; greedy ≤ exact


@pytest.mark.parametrize("seed", range(5))
def test_best_k_matches_brute_force(seed):
    a, b, pop, cap0, cap1, _ = random_world(seed)
    p = scaling.scaling_problem(a, b, pop, cap0, cap1, threshold_min=45)
    for k in (1, 2, 3):
        brute = max(served_by_lp(a, b, pop, cap0, cap1, s, 45) for s in itertools.combinations(range(7), k))
        exact = scaling.best_k(p, k)
        greedy = scaling.best_k(p, k, method="greedy")
        assert exact.proven_optimal and exact.method == "exact-highs"
        assert exact.served_after == pytest.approx(brute, abs=1e-6)
        assert served_by_lp(a, b, pop, cap0, cap1, list(exact.chosen), 45) == pytest.approx(exact.served_after, abs=1e-6)
        assert greedy.served_after <= exact.served_after + 1e-6
        assert exact.greedy_served_after == pytest.approx(greedy.served_after)
        assert exact.gain.sum() == pytest.approx(exact.served_after - exact.served_before)


@pytest.mark.parametrize("seed", range(4))
def test_budget_and_fewest_sites_match_brute_force(seed):
    a, b, pop, cap0, cap1, cost = random_world(seed + 10)
    p = scaling.scaling_problem(a, b, pop, cap0, cap1, threshold_min=45, candidate_cost=cost)
    subsets = [s for r in range(8) for s in itertools.combinations(range(7), r)]
    value = {s: served_by_lp(a, b, pop, cap0, cap1, s, 45) for s in subsets}
    budget = 5.0
    best = max(v for s, v in value.items() if cost[list(s)].sum() <= budget)
    r = scaling.within_budget(p, budget)
    assert r.served_after == pytest.approx(best, abs=1e-6) and r.cost_total <= budget
    assert scaling.within_budget(p, budget, method="greedy").served_after <= r.served_after + 1e-6
    target = (value[()] + 0.8 * (value[tuple(range(7))] - value[()])) / p.total_population
    fewest = min(len(s) for s, v in value.items() if v >= target * p.total_population - 1e-6)
    f = scaling.fewest_sites(p, target)
    assert f.chosen.size == fewest and f.served_share_after >= target - 1e-9
    assert scaling.fewest_sites(p, target, method="greedy").chosen.size >= fewest


def test_time_limit_reports_incumbent_and_never_claims_optimality():
    a, b, pop, cap0, cap1, _ = random_world(3, k=200, n=12)
    p = scaling.scaling_problem(a, b, pop, cap0, cap1, threshold_min=45)
    r = scaling.best_k(p, 4, time_limit_s=0.0)
    assert not r.proven_optimal
    assert "optimality not proven" in r.method or r.method.startswith("greedy (fallback")
    assert r.mip_status == "Time limit reached"
    assert r.served_after >= r.greedy_served_after - 1e-6


def test_solver_prints_nothing_on_stdout(capfd):
    a, b, pop, cap0, cap1, _ = random_world(1)
    scaling.best_k(scaling.scaling_problem(a, b, pop, cap0, cap1, threshold_min=45), 2)
    assert capfd.readouterr().out == ""


# --------------------------------------------------------------------------------------------------
# Hainan


def test_hainan_new_county_hospitals_with_capacity(hainan_net):
    reg = regions.resolve("hainan")
    grid = population.from_census(reg, network=hainan_net, cell_m=4000.0)
    tert = facilities.default_facilities(reg, kind="tertiary")
    seats = facilities.default_facilities(reg, kind="county_hospital")
    r = scaling.scale_up(hainan_net, grid, tert, np.full(len(tert), 300_000.0), seats, 250_000.0, k=3)
    g = scaling.scale_up(hainan_net, grid, tert, np.full(len(tert), 300_000.0), seats, 250_000.0, k=3, method="greedy")
    assert r.chosen.size == 3 and r.proven_optimal
    assert g.served_after <= r.served_after + 1e-6
    # each new site adds at most its capacity; the sequential (AccessMod) rule never beats the best assignment
    assert np.all(r.gain <= 250_000.0 * (1 + 1e-9))
    assert r.extra["served_after_sequential"] <= r.served_after + 1.0
    assert r.served_before < r.served_after <= grid.pop.sum()
    assert r.extra["model_groups"] < grid.n_cells  # merged cells keep the model small
