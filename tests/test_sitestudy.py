"""Site studies on the real Hainan backbone: every candidate kept, gains add up, choice agrees with the test."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from layers import inputs as plan_inputs
from spatial import facilities, population, reach, regions, sitestudy, traveltime
from spatial.errors import HealthplanError


def site_cells(net, grid, facilities, *, weight="pop"):
    """Cells as the pipeline hands them to siting: snapped once, timed to today's facilities."""
    snapped = traveltime.snap(net, grid.lon, grid.lat)
    per_node, source = traveltime.node_minutes(net, *traveltime.point_lonlat(facilities))
    current, _ = traveltime.place_minutes(snapped, per_node, source)
    return reach.site_cells(grid, snapped, current, weight=weight)



@pytest.fixture(scope="module")
def hainan_world(hainan_net):
    """Hainan region, 2 km census grid on the backbone, its tertiary hospitals, cells timed to them."""
    reg = regions.resolve("hainan")
    grid = population.from_census(reg, network=hainan_net, cell_m=2000.0)
    fac = facilities.default_facilities(reg, kind="tertiary")
    return reg, grid, fac, site_cells(hainan_net, grid, fac)


@pytest.fixture(scope="module")
def hainan_cells(hainan_world):
    """The region and its cells."""
    reg, _, _, cells = hainan_world
    return reg, cells


@pytest.fixture(scope="module")
def candidates(hainan_cells) -> gpd.GeoDataFrame:
    """The 14th plan's building projects, one point in the sea and one unnamed inland point (东方 area)."""
    reg, _ = hainan_cells
    plan = plan_inputs.candidates(reg)[["name", "geometry"]]
    extra = gpd.GeoDataFrame({"name": ["南海中 in the sea", None]},
                             geometry=gpd.points_from_xy([111.5, 108.80], [19.0, 19.10]), crs="EPSG:4326")
    return gpd.GeoDataFrame(pd.concat([plan, extra], ignore_index=True), geometry="geometry", crs="EPSG:4326")


def test_evaluate_keeps_every_candidate_and_gains_add_up(hainan_net, hainan_cells, candidates):
    reg, cells = hainan_cells
    study = sitestudy.evaluate_sites(hainan_net, cells, candidates, region=reg, threshold_min=60.0,
                                     thresholds_min=(30.0,))
    sites = study.sites
    assert len(sites) == len(candidates)  # nothing dropped
    assert sites["name"].iloc[-1] == f"candidate {len(candidates)}"  # unnamed row gets its row number
    sea = sites.iloc[-2]
    assert sea["status"] != "ok" and "land" in sea["reason"]
    assert np.isnan(sea["new_population_60min"]) and np.isnan(sea["gain_population"])
    ok = sites[study.ok]
    # marginal gains in rank order add up to the joint gain, which no single site exceeds
    assert ok["gain_population"].sum() == pytest.approx(study.covered_after - study.covered_before, rel=1e-9)
    assert ok["alone_population"].max() <= study.covered_after - study.covered_before + 1e-6
    assert (ok["gain_population"] <= ok["alone_population"] + 1e-6).all()
    assert (ok["new_population_30min"] >= 0).all()
    together = study.combined.set_index("threshold_min").loc[60.0, "new_population"]
    assert together == pytest.approx(study.covered_after - study.covered_before, rel=1e-9)
    assert study.covered_before == pytest.approx(cells.weight[cells.current_min <= 60.0].sum())


def test_choose_agrees_with_evaluation(hainan_net, hainan_cells, candidates):
    reg, cells = hainan_cells
    study = sitestudy.evaluate_sites(hainan_net, cells, candidates, region=reg, threshold_min=60.0)
    choice = sitestudy.choose_sites(hainan_net, cells, candidates, region=reg, threshold_min=60.0, k=3,
                                    method="exact")
    chosen = choice.chosen
    assert list(chosen["order"]) == [1, 2, 3]
    assert chosen["gain_population"].sum() == pytest.approx(choice.result.covered_after - choice.result.covered_before)
    # the exact best three cover at least what the greedy ranking's first three do
    greedy3 = study.sites.sort_values("rank").head(3)["gain_population"].sum()
    assert choice.result.covered_after - choice.result.covered_before >= greedy3 - 1e-6
    assert len(choice.candidates) == len(candidates)
    assert choice.candidates["chosen_order"].notna().sum() == 3
    assert set(chosen["name"]) <= set(study.sites.loc[study.ok, "name"])


def test_choose_refuses_bad_requests(hainan_net, hainan_cells, candidates):
    reg, cells = hainan_cells
    with pytest.raises(HealthplanError, match="exactly one of k"):
        sitestudy.choose_sites(hainan_net, cells, candidates, region=reg, threshold_min=60.0)
    sea_only = candidates.iloc[[-2]]
    with pytest.raises(HealthplanError, match="none of the 1 candidates passed the checks"):
        sitestudy.choose_sites(hainan_net, cells, sea_only, region=reg, threshold_min=60.0, k=1)


def test_chosen_sites_cover_what_a_full_recompute_says(hainan_net, hainan_world, candidates):
    """Independent check: rerun coverage from scratch with the chosen sites added as facilities."""
    reg, grid, fac, cells = hainan_world
    choice = sitestudy.choose_sites(hainan_net, cells, candidates, region=reg, threshold_min=60.0, k=2)
    lon = np.r_[fac.geometry.x.to_numpy(), choice.chosen.geometry.x.to_numpy()]
    lat = np.r_[fac.geometry.y.to_numpy(), choice.chosen.geometry.y.to_numpy()]
    per_node, source = traveltime.node_minutes(hainan_net, lon, lat)
    minutes, _ = traveltime.place_minutes(traveltime.snap(hainan_net, grid.lon, grid.lat), per_node, source)
    assert float(grid.pop[minutes <= 60.0].sum()) == pytest.approx(choice.result.covered_after, rel=1e-9)
    study = sitestudy.evaluate_sites(hainan_net, cells, choice.chosen[["name", "geometry"]], region=reg,
                                     threshold_min=60.0)
    assert study.covered_after == pytest.approx(choice.result.covered_after, rel=1e-9)
