"""2SFCA / E2SFCA: hand-computed scores, and equality with PySAL ``access`` on the same inputs."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from spatial import facilities, fca, population, regions
from spatial.errors import HealthplanError
from spatial.odmatrix import TravelMatrix, cell_facility_minutes

access = pytest.importorskip("access", reason="PySAL access (pip install access, the dev extra) is not installed")


logging.getLogger("access").setLevel(logging.WARNING)
# PySAL access 1.1.10 calls set_index(inplace=True), deprecated in pandas: not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:Warning")


def pysal_scores(matrix: TravelMatrix, pop: np.ndarray, supply: np.ndarray, *, catchment: float,
                 weight_fn=None, enhanced: bool, normalize: bool = False) -> np.ndarray:
    """PySAL access's 2SFCA/E2SFCA on the long form of ``matrix`` (cells with no facility in reach → 0)."""
    demand = pd.DataFrame({"geoid": np.arange(pop.size), "pop": pop})
    sup = pd.DataFrame({"geoid": np.arange(supply.size), "beds": supply})
    a = access.Access(demand_df=demand, demand_index="geoid", demand_value="pop", supply_df=sup, supply_index="geoid",
                      supply_value="beds", cost_df=matrix.to_frame(), cost_origin="origin", cost_dest="dest",
                      cost_name="minutes")
    if enhanced:
        out = a.enhanced_two_stage_fca(name="s", max_cost=catchment, weight_fn=weight_fn, normalize=normalize)
    else:
        out = a.two_stage_fca(name="s", max_cost=catchment, weight_fn=weight_fn, normalize=normalize)
    return out["s_beds"].reindex(np.arange(pop.size)).fillna(0.0).to_numpy()


def random_matrix(seed: int, k: int = 400, m: int = 15, top: float = 90.0) -> TravelMatrix:
    """Random sparse minutes (some exact step breaks and stored zeros included)."""
    rng = np.random.default_rng(seed)
    m_ = sp.random(k, m, density=0.25, random_state=rng, format="csr")
    m_.data = np.round(m_.data * top, 1)  # rounding puts some times exactly on 20/40/60
    m_.data[:5] = 0.0  # stored zeros: cells on a facility's node
    return TravelMatrix(m_, top)


# --------------------------------------------------------------------------------------------------
# hand-computed


def test_two_cells_one_facility_by_hand():
    m = sp.csr_matrix(np.array([[5.0], [25.0]]))
    pop, sup = np.array([100.0, 300.0]), np.array([10.0])
    plain = fca.two_step_fca(m, pop, sup, catchment_min=60)
    np.testing.assert_allclose(plain.score, [10 / 400, 10 / 400])
    # E2SFCA, thirds of 60 min: 5 min → 1, 25 min → 0.68; demand 100 + 0.68·300 = 304
    e = fca.enhanced_two_step_fca(m, pop, sup, catchment_min=60)
    r = 10 / 304
    np.testing.assert_allclose(e.ratio, [r])
    np.testing.assert_allclose(e.score, [r, 0.68 * r])
    # catchment 20 min: the far cell is out; only the near one shares the supply
    short = fca.two_step_fca(m, pop, sup, catchment_min=20)
    np.testing.assert_allclose(short.score, [0.1, 0.0])
    assert short.reached.tolist() == [True, False]


def test_two_facilities_share_a_town():
    # town (1000) reaches A (10 beds) and B (30 beds); village (1000) reaches B only
    m = sp.csr_matrix((np.array([10.0, 10.0, 10.0]), np.array([0, 1, 1]), np.array([0, 2, 3])), shape=(2, 2))
    r = fca.two_step_fca(m, [1000.0, 1000.0], [10.0, 30.0], catchment_min=30)
    np.testing.assert_allclose(r.ratio, [10 / 1000, 30 / 2000])
    np.testing.assert_allclose(r.score, [10 / 1000 + 30 / 2000, 30 / 2000])
    # conservation of supply (no decay): Σ P_i A_i = total supply
    assert float(r.population @ r.score) == pytest.approx(40.0)


def test_step_breaks_are_inclusive_and_zero_beyond():
    d = fca.step_decay([(20, 1.0), (40, 0.68), (60, 0.22)])
    np.testing.assert_allclose(d.weight(np.array([0, 20, 20.0001, 40, 60, 60.5])), [1, 1, 0.68, 0.68, 0.22, 0])
    g = fca.gaussian_decay(20)
    np.testing.assert_allclose(g.weight(np.array([0.0, 20.0])), [1.0, np.exp(-0.5)])


def test_county_scores_are_population_weighted():
    m = sp.csr_matrix((np.array([5.0, 5.0]), np.array([0, 0]), np.array([0, 1, 2, 2])), shape=(3, 1))
    r = fca.two_step_fca(m, [100.0, 300.0, 600.0], [4.0], catchment_min=30, county=[1, 1, 2])
    c = r.counties().set_index("adcode")
    assert c.loc[1, "score"] == pytest.approx(0.01)
    assert c.loc[2, "score"] == 0.0 and c.loc[2, "reached_share"] == 0.0
    assert r.mean_score == pytest.approx(4.0 / 1000.0)


def test_validation():
    with pytest.raises(HealthplanError, match="ascending"):
        fca.step_decay([(20, 1.0), (20, 0.5)])
    with pytest.raises(HealthplanError, match="sigma"):
        fca.gaussian_decay(0)
    with pytest.raises(HealthplanError, match="supplies"):
        fca.two_step_fca(sp.csr_matrix(np.ones((2, 2))), [1, 1], [1], catchment_min=30)


# --------------------------------------------------------------------------------------------------
# PySAL access on the same inputs


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("form", ["2sfca", "e2sfca-step", "e2sfca-gauss", "2sfca-step"])
def test_equals_pysal_access_on_random_matrices(seed, form):
    tm = random_matrix(seed)
    rng = np.random.default_rng(seed + 100)
    pop = rng.integers(1, 5000, tm.n_places).astype(float)
    sup = rng.integers(1, 800, tm.n_facilities).astype(float)
    if form == "2sfca":
        ours = fca.two_step_fca(tm, pop, sup, catchment_min=60)
        theirs = pysal_scores(tm, pop, sup, catchment=60, enhanced=False)
    elif form == "2sfca-step":  # PySAL's two_stage_fca with a weight is the same computation
        ours = fca.two_step_fca(tm, pop, sup, catchment_min=60, decay=fca.luo_qi_steps(60))
        theirs = pysal_scores(tm, pop, sup, catchment=60, enhanced=False,
                              weight_fn=access.weights.step_fn({20: 1, 40: 0.68, 60: 0.22}))
    elif form == "e2sfca-step":
        ours = fca.enhanced_two_step_fca(tm, pop, sup, catchment_min=60)
        theirs = pysal_scores(tm, pop, sup, catchment=60, enhanced=True,
                              weight_fn=access.weights.step_fn({20: 1, 40: 0.68, 60: 0.22}))
    else:
        ours = fca.enhanced_two_step_fca(tm, pop, sup, catchment_min=45, decay=fca.gaussian_decay(15))
        theirs = pysal_scores(tm, pop, sup, catchment=45, enhanced=True, weight_fn=access.weights.gaussian(15))
    assert np.count_nonzero(theirs) > 0.5 * tm.n_places
    np.testing.assert_allclose(ours.score, theirs, rtol=1e-12, atol=0)


def test_normalized_equals_pysal_normalize():
    tm = random_matrix(7)
    rng = np.random.default_rng(7)
    pop, sup = rng.integers(1, 5000, tm.n_places).astype(float), rng.integers(1, 800, tm.n_facilities).astype(float)
    ours = fca.enhanced_two_step_fca(tm, pop, sup, catchment_min=60)
    fn = access.weights.step_fn({20: 1, 40: 0.68, 60: 0.22})
    theirs = pysal_scores(tm, pop, sup, catchment=60, enhanced=True, weight_fn=fn, normalize=True)
    reached = ours.reached
    np.testing.assert_allclose(ours.normalized()[reached], theirs[reached], rtol=1e-12)


def test_equals_pysal_on_hainan(hainan_net):
    reg = regions.resolve("hainan")
    grid = population.from_census(reg, network=hainan_net, cell_m=3000.0)
    fac = facilities.default_facilities(reg, kind="tertiary")
    beds = np.linspace(500, 2500, len(fac))  # assumed beds (the data carries none)
    r = fca.fca_scores(hainan_net, grid, fac, beds, catchment_min=60)
    tm = cell_facility_minutes(hainan_net, grid, fac, limit_min=60)
    theirs = pysal_scores(tm, grid.pop, beds, catchment=60, enhanced=True,
                          weight_fn=access.weights.step_fn({20: 1, 40: 0.68, 60: 0.22}))
    np.testing.assert_allclose(r.score, theirs, rtol=1e-12, atol=0)
    # real-data properties: a cell scores above 0 exactly when a hospital lies within the catchment
    reached = np.diff(tm.within(60.0).tocsr().indptr) > 0
    np.testing.assert_array_equal(r.score > 0, reached)
    c = r.counties(reg.counties).set_index("adcode")
    assert c["population"].sum() == pytest.approx(grid.pop.sum(), rel=1e-12)
    # no decay: every bed is spread over the persons in reach, so Σ P·A = beds of facilities reaching anyone
    plain = fca.two_step_fca(tm, grid.pop, beds, catchment_min=60)
    assert float(grid.pop @ plain.score) == pytest.approx(beds[plain.weighted_demand > 0].sum(), rel=1e-9)
