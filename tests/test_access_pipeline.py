"""The access analyses through the one pipeline: the glue by hand on small worlds, then Hainan on a 3 km grid.

Hand-built cases check what spatial/access.py and spatial/plantargets.py add to the engine (capacities
stated or assumed, the decay a scenario names, notices that never call an unproven answer
optimal, targets measured at their own thresholds).  On Hainan every stage must equal the engine called
directly on the same inputs, conserve the census population, and be computed once per input.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import scipy.sparse as sp
from shapely.geometry import box

from healthplan import run as front
from layers import inputs as plan_inputs_mod
from layers.targets import TARGETS
from spatial import access, capacity, census, facilities, fca, plantargets, referral, scaling
from spatial.errors import InputFileError, OptionError
from spatial.population import PopulationGrid
from spatial.resources import resources_by_county
from spatial.scenario import (Access, CapacityAnalysis, FcaAnalysis, ReferralAnalysis, ScalingAnalysis, Scenario,
                              Source, from_dict, to_dict)

CELL_M = 3000.0


# --------------------------------------------------------------------------------------------------
# small worlds


def frame(**cols) -> gpd.GeoDataFrame:
    """Facilities at made-up points with the given columns."""
    n = len(next(iter(cols.values())))
    return gpd.GeoDataFrame(cols, geometry=gpd.points_from_xy(110 + 0.01 * np.arange(n), np.full(n, 20.0)),
                            crs="EPSG:4326")


def test_capacities_stated_assumed_or_refused():
    f = frame(name=["a", "b", "c"], beds=[200.0, np.nan, 0.0])
    c = access.facility_capacities(f, "beds", persons_per_unit=100.0)
    # the empty one gets the 500-bed tertiary lower bound, flagged; 0 beds stays 0 (a real value)
    assert c.units.tolist() == [200.0, 500.0, 0.0] and c.persons.tolist() == [20_000.0, 50_000.0, 0.0]
    assert c.assumed.tolist() == [False, True, False]
    code, message, values = c.notice("facilities")
    assert code == "capacity_assumed" and values["n"] == 1 and "500 beds" in message
    stated = access.facility_capacities(f, "beds", assumed_units=50.0)
    assert stated.units[1] == 50.0 and stated.persons_per_unit == pytest.approx(1000 / 6.5)
    with pytest.raises(OptionError, match="--assume-units"):  # no standard to fall back on for doctors
        access.facility_capacities(f, "doctors")
    counted = access.facility_capacities(f, "count")
    assert counted.units.tolist() == [1.0, 1.0, 1.0] and counted.notice("facilities") is None
    persons = access.facility_capacities(frame(name=["x"], capacity_persons=[1234.0]), "persons")
    assert persons.persons.tolist() == [1234.0]
    with pytest.raises(OptionError, match="unknown capacity column"):
        access.facility_capacities(f, "capacity")


def test_fca_decay_follows_the_method_unless_named():
    assert access.fca_decay(FcaAnalysis(method="2sfca"), 60).kind == "none"
    steps = access.fca_decay(FcaAnalysis(method="e2sfca"), 60)
    assert steps.steps == ((20.0, 1.0), (40.0, 0.68), (60.0, 0.22))
    g = access.fca_decay(FcaAnalysis(decay="gaussian"), 60)
    assert g.sigma_min == 30.0  # half the catchment by default
    assert access.fca_decay(FcaAnalysis(decay="gaussian", sigma_min=12.0), 60).sigma_min == 12.0


def random_world(seed: int, k: int = 200, m0: int = 2, n: int = 12):
    """A random cells × facilities world (as tests/test_scaling.py builds them)."""
    rng = np.random.default_rng(seed)
    def mat(m):
        dense = rng.uniform(0, 90, size=(k, m))
        dense[rng.random((k, m)) < 0.6] = np.inf
        r, c = np.nonzero(np.isfinite(dense))
        return sp.csr_matrix((dense[r, c], (r, c)), shape=(k, m))
    return mat(m0), mat(n), rng.uniform(10, 100, k), np.full(m0, 1500.0), np.full(n, 900.0)


def scaling_run(result: scaling.ScalingResult, n: int) -> access.ScalingRun:
    """A ScalingRun around an engine result (candidates all usable)."""
    cands = gpd.GeoDataFrame({"name": [f"c{j}" for j in range(n)], "status": "ok"},
                             geometry=gpd.points_from_xy(np.arange(n) * 0.01 + 110, np.full(n, 20.0)), crs="EPSG:4326")
    chosen = cands.iloc[result.chosen].reset_index(drop=True)
    return access.ScalingRun(result, cands, chosen, 0)


def test_a_solver_stopped_at_its_time_limit_is_never_called_optimal():
    a, b, pop, cap0, cap1 = random_world(3)
    p = scaling.scaling_problem(a, b, pop, cap0, cap1, threshold_min=45)
    r = scaling.best_k(p, 4, time_limit_s=0.0)
    res = access.AccessResults(scaling=scaling_run(r, 12))
    summary = res.summary()["scaling"]
    assert summary["proven_optimal"] is False and summary["mip_status"] == "Time limit reached"
    notes = {code: message for code, message, _ in res.notices()}
    said = notes.get("scaling_not_proven") or notes["scaling_greedy_fallback"]
    assert "not a proven optimum" in said
    proven = scaling.best_k(p, 4)
    assert proven.proven_optimal
    assert not access.AccessResults(scaling=scaling_run(proven, 12)).notices()


def test_unreachable_target_is_said_so():
    a, b, pop, cap0, cap1 = random_world(5)
    p = scaling.scaling_problem(a, b, pop, cap0, cap1, threshold_min=45)
    r = scaling.fewest_sites(p, 1.0)  # every person served: more than any set of sites reaches
    notes = {code: values for code, _, values in access.AccessResults(scaling=scaling_run(r, 12)).notices()}
    assert not r.feasible and notes["scaling_target_unreachable"]["best"] < 1.0


def tiny_grid() -> PopulationGrid:
    """Four cells in two counties (100101: cells 0, 1; 100102: cells 2, 3), persons 100, 300, 200, 400."""
    pop = np.array([100.0, 300.0, 200.0, 400.0])
    return PopulationGrid(lon=np.array([110.0, 110.01, 110.1, 110.11]), lat=np.full(4, 20.0),
                          x_m=np.array([0.0, 1000.0, 9000.0, 10000.0]), y_m=np.zeros(4),
                          row=np.zeros(4, np.int32), col=np.array([0, 1, 9, 10], np.int32), pop=pop,
                          urban=np.array([100.0, 0.0, 200.0, 0.0]), pop60=pop / 5,
                          county=np.array([100101, 100101, 100102, 100102]), cell_m=1000.0,
                          metric_crs="EPSG:3857", transform=(1000.0, 0.0, -500.0, 0.0, -1000.0, 500.0),
                          shape=(1, 11))


def targets_frame(*rows: dict) -> pd.DataFrame:
    base = {"plan": "p", "indicator_zh": "", "value_as_written": "", "unit": "", "resource": "", "per": "none",
            "per_count": 1.0, "scope": "region", "threshold_min": np.nan, "clause": "c", "section": "s",
            "status": "not spatial", "status_detail": "d", "input_file": "", "input_columns": "", "layer": "",
            "note": "", "comparator": ">=", "metric": ""}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_targets_measured_at_their_own_thresholds_by_hand():
    grid = tiny_grid()
    counties = pd.DataFrame({"adcode": [100101, 100102], "name_zh": ["甲", "乙"], "name_en": ["A", "B"]})
    minutes = np.array([10.0, 50.0, 70.0, np.inf])  # to the tertiary hospitals
    primary = np.array([5.0, 25.0, 14.0, 40.0])
    t = targets_frame(
        {"indicator": "circle60", "value": 90.0, "threshold_min": 60.0, "metric": "tertiary_circle",
         "status": "measured", "per": "total", "per_count": 100.0},
        {"indicator": "circle45", "value": np.nan, "threshold_min": 45.0, "metric": "tertiary_circle",
         "status": "measured"},
        {"indicator": "urban15", "value": 100.0, "threshold_min": 15.0, "metric": "urban_circle",
         "status": "measurable", "input_file": "clinics", "input_columns": "name, lon, lat"},
        {"indicator": "rate", "value": 1.0},
    )
    got = plantargets.plan_targets(t, grid=grid, minutes=minutes, primary_minutes=primary, primary_stand_in=False,
                                   counties=counties)
    table = got.table.set_index("indicator")
    # within 60: cells 0, 1 = 400 of 1,000 persons → 40 %; county 甲 100 %, 乙 0 %
    assert table.loc["circle60", "value"] == pytest.approx(40.0) and table.loc["circle60", "meets"] is False
    assert table.loc["circle60", "status"] == "measured" and table.loc["circle60", "units_meeting"] == 1
    # the 45-minute target is measured at 45 (only cell 0: 10 %), though no run threshold is 45; no value → no verdict
    assert table.loc["circle45", "value"] == pytest.approx(10.0) and table.loc["circle45", "meets"] is None
    # urban persons within 15 min of primary care: cell 0 (100) and cell 2 (200) of 300 urban → 100 %
    assert table.loc["urban15", "value"] == pytest.approx(100.0) and table.loc["urban15", "meets"] is True
    assert table.loc["rate", "status"] == "not spatial" and np.isnan(table.loc["rate", "value"])
    by = got.by_county[got.by_county["indicator"] == "circle60"].set_index("name_zh")
    assert by.loc["甲", "value"] == pytest.approx(100.0) and by.loc["乙", "value"] == pytest.approx(0.0)
    assert got.summary()["measured"] == 3 and got.summary()["not_spatial"] == 1
    # with county seats standing in for primary care the health circle is an estimate, not a measurement
    stand_in = plantargets.plan_targets(t, grid=grid, minutes=minutes, primary_minutes=primary, primary_stand_in=True,
                                        counties=counties).table.set_index("indicator")
    assert stand_in.loc["urban15", "status"] == "measurable" and stand_in.loc["urban15", "meets"] is None
    assert stand_in.loc["urban15", "input_needed"] == "clinics; columns: name, lon, lat"


def test_resources_per_plan_and_the_gap_by_hand():
    counties = gpd.GeoDataFrame({"adcode": [100101, 100102], "name_zh": ["甲", "乙"], "name_en": ["A", "B"]},
                                geometry=[box(110.0, 19.9, 110.05, 20.1), box(110.05, 19.9, 110.2, 20.1)],
                                crs="EPSG:4326")
    fac = gpd.GeoDataFrame({"name": ["a", "b"], "beds": [40.0, 20.0]},
                           geometry=gpd.points_from_xy([110.02, 110.1], [20.0, 20.0]), crs="EPSG:4326")
    t = targets_frame(
        {"plan": "old", "indicator": "beds_per_1000", "value": 6.0, "resource": "beds", "per": "total",
         "per_count": 1000.0, "status": "measurable"},
        {"plan": "new", "indicator": "beds_per_1000", "value": 6.5, "resource": "beds", "per": "total",
         "per_count": 1000.0, "status": "measurable"},
        {"plan": "new", "indicator": "nurses_per_1000", "value": 3.6, "resource": "nurses", "per": "total",
         "per_count": 1000.0, "status": "measurable", "input_file": "facility file", "input_columns": "nurses"},
    )
    population = pd.DataFrame({"pop_total": [10_000, 5_000], "pop_0to14": [0, 0], "pop_60plus": [0, 0]},
                              index=pd.Index([100101, 100102], name="adcode"))
    measured = {plan: resources_for(fac, part, counties, population) for plan, part in t.groupby("plan")}
    grid = tiny_grid()
    got = plantargets.plan_targets(t, grid=grid, minutes=np.zeros(4), primary_minutes=np.zeros(4),
                                   primary_stand_in=False, counties=counties, resources=measured,
                                   resources_source="f.csv")
    table = got.table.set_index(["plan", "indicator"])
    # 60 beds for 15,000 persons = 4 per 1,000 in both plans, each against its own target (6 and 6.5)
    assert table.loc[("old", "beds_per_1000"), "value"] == pytest.approx(4.0)
    assert table.loc[("old", "beds_per_1000"), "gap"] == pytest.approx(6.0 * 15 - 60)
    assert table.loc[("new", "beds_per_1000"), "gap"] == pytest.approx(6.5 * 15 - 60)
    # no nurses column: still measurable, with the input named
    assert table.loc[("new", "nurses_per_1000"), "status"] == "measurable"
    by = got.by_county[(got.by_county["plan"] == "new")].set_index("name_zh")
    assert by.loc["甲", "value"] == pytest.approx(4.0) and by.loc["乙", "value"] == pytest.approx(4.0)
    assert by.loc["乙", "gap"] == pytest.approx(6.5 * 5 - 20)


def resources_for(fac, part, counties, population):
    """spatial.resources with hand-set denominators (what measure_resources does with the census)."""
    return resources_by_county(fac, part, counties=counties, population=population)


def test_scenario_access_block_round_trips_and_names_keys():
    s = Scenario(access=Access(capacity=CapacityAnalysis(column="doctors", assumed_units=80.0, order="capacity"),
                               fca=FcaAnalysis(method="2sfca", catchment_min=45.0),
                               referral=ReferralAnalysis(limit_min=120.0),
                               scaling=ScalingAnalysis(budget=10.0, pool=(Source("seats"),), method="greedy")),
                 resources=Source("file", "/tmp/x.csv", {"datum": "wgs84"}))
    assert from_dict(to_dict(s)) == s
    raw = to_dict(Scenario())
    assert from_dict(raw).access == Access() and not from_dict(raw).access.any
    for bad, key in [({"capacity": {"band_min": 61}}, "access.capacity.band_min"),
                     ({"fca": {"catchment_min": 0}}, "access.fca.catchment_min"),
                     ({"scaling": {"k": 2, "budget": 5}}, "access.scaling"),
                     ({"referral": {"county_hospitals": {"kind": "default", "options": {"kind": "clinic"}}}},
                      "access.referral.county_hospitals.options.kind")]:
        with pytest.raises(InputFileError, match=key.replace(".", r"\.")):
            from_dict({**raw, "access": bad})


# --------------------------------------------------------------------------------------------------
# Hainan, 3 km grid, through the pipeline


@pytest.fixture(scope="module")
def beds_file(tmp_path_factory) -> Path:
    """Hainan's named tertiary hospitals with beds 600, 700, … (a facility file with capacities)."""
    tert = facilities.default_facilities("hainan", kind="tertiary")
    table = pd.DataFrame({"name": tert["name"], "lon": tert.geometry.x, "lat": tert.geometry.y,
                          "beds": 600 + 100 * np.arange(len(tert)), "nurses": 300.0})
    path = tmp_path_factory.mktemp("beds") / "hainan_beds.csv"
    table.to_csv(path, index=False, encoding="utf-8-sig")
    return path


@pytest.fixture(scope="module")
def hainan_access(pipeline, beds_file):
    """All four analyses on Hainan (3 km) with the beds file; the run and its scenario."""
    s = Scenario(region="hainan", cell_m=CELL_M, facilities=Source("file", str(beds_file), {"datum": "wgs84"}),
                 access=Access(capacity=CapacityAnalysis(), fca=FcaAnalysis(), referral=ReferralAnalysis(),
                               scaling=ScalingAnalysis(k=2, pool=(Source("seats"),))))
    return front.run(s, pipeline=pipeline), s


def test_hainan_capacity_equals_the_engine_and_conserves_the_census(hainan_access, pipeline):
    res, s = hainan_access
    run = res.access.capacity
    grid, fac = res.inputs.grid, res.inputs.facilities
    direct = capacity.capacity_coverage(res.inputs.network, grid, fac, fac["beds"].to_numpy() * (1000 / 6.5),
                                        threshold_min=60.0)
    assert np.array_equal(run.result.served, direct.served)
    assert np.array_equal(run.result.over_capacity, direct.over_capacity)
    c = run.result
    np.testing.assert_allclose(c.served + c.over_capacity + c.beyond_reach, grid.pop, rtol=0, atol=1e-6)
    total = float(census.county_totals(res.region.counties["adcode"])["pop_total"].sum())
    # conservation against the census of the 18 county-level units (三沙 has no land polygon and is not one)
    assert c.served.sum() + c.over_capacity.sum() + c.beyond_reach.sum() == pytest.approx(total, abs=1)
    assert not run.capacities.assumed.any()
    assert "capacity_assumed" not in {n.code for n in res.notices}
    # beyond reach = exactly the people outside today's 60-minute circle
    assert c.beyond_reach.sum() == pytest.approx(grid.pop.sum() - res.metrics.circle.total["covered_population"],
                                                 rel=1e-12)
    counties = res.tables()["capacity_counties"]
    assert counties["served"].sum() == pytest.approx(c.served.sum()) and len(counties) == 18


def test_hainan_one_matrix_per_facility_set_and_threshold(hainan_access, pipeline):
    res, s = hainan_access
    key = pipeline._k_matrix(s, 60.0)
    assert key in pipeline._cache["odmatrix"]  # capacity, fca and scaling (all at 60 min) share it
    matrix = pipeline.travel_matrix(s, 60.0)
    assert pipeline.travel_matrix(s, 60.0) is matrix
    n_before = len(pipeline._cache["odmatrix"])
    s45 = dataclasses.replace(s, access=Access(fca=FcaAnalysis(catchment_min=45.0)))
    f45 = pipeline.fca(s45)
    assert len(pipeline._cache["odmatrix"]) == n_before + 1  # a new threshold, a new matrix
    # the 45-minute matrix is the 60-minute one cut at 45 (same searches, same legs)
    cut = matrix.within(45.0)
    m45 = pipeline.travel_matrix(s45, 45.0).minutes
    assert (cut != m45).nnz == 0 and cut.nnz == m45.nnz
    assert f45.result.catchment_min == 45.0
    # a second run of the same scenario recomputes nothing
    again = front.run(s, pipeline=pipeline)
    assert again.access.capacity is res.access.capacity and again.access.scaling is res.access.scaling


def test_hainan_fca_and_referral_equal_the_engine(hainan_access):
    res, _ = hainan_access
    net, grid, fac = res.inputs.network, res.inputs.grid, res.inputs.facilities
    direct = fca.fca_scores(net, grid, fac, fac["beds"].to_numpy(), catchment_min=60.0, method="e2sfca")
    np.testing.assert_allclose(res.access.fca.result.score, direct.score, rtol=1e-12, atol=0)
    chain = referral.referral_chain(net, res.inputs.primary, facilities.default_facilities(res.region, kind="county_hospital"),
                                    fac, counties=res.region.counties)
    np.testing.assert_array_equal(res.access.referral.chain.chain_min, chain.chain_min)
    lines = res.layers()["referral_links"]
    assert len(lines) == 18 + len(np.unique(chain.county_hospital))
    assert "referral_stand_in" in {n.code for n in res.notices}
    assert "Luo W & Qi Y (2009)" in res.provenance["methods"]["fca"]
    assert "AccessMod" in res.provenance["methods"]["capacity_coverage"]


def test_hainan_scaling_equals_the_engine_and_writes_its_sites(hainan_access):
    res, _ = hainan_access
    net, grid, fac = res.inputs.network, res.inputs.grid, res.inputs.facilities
    seats = res.access.scaling.candidates
    ok = seats[seats["status"] == "ok"].reset_index(drop=True)
    direct = scaling.scale_up(net, grid, fac, fac["beds"].to_numpy() * (1000 / 6.5), ok, 500 * (1000 / 6.5), k=2)
    r = res.access.scaling.result
    assert r.served_after == pytest.approx(direct.served_after, rel=1e-9)
    assert sorted(ok["name"].iloc[r.chosen]) == sorted(ok["name"].iloc[direct.chosen])
    s = res.summary()["access"]["scaling"]
    assert s["proven_optimal"] and s["n_sites"] == 2 and s["served_after"] >= s["served_before"]
    assert res.layers()["scaling_sites"]["name"].tolist() == s["sites"]
    # the seats carry no beds: the 500 assumed for each new site are said
    assert s["candidate_units_assumed"] == 500.0
    assert "scaling_capacity_assumed" in {n.code for n in res.notices}


def test_hainan_outputs_carry_the_access_layers_bands_and_tables(hainan_access, tmp_path):
    res, _ = hainan_access
    paths = front.write(res, tmp_path / "out")
    for name in ("catchments.geojson", "facility_load.geojson", "access_counties.geojson", "referral_links.geojson",
                 "capacity_counties.csv", "fca_counties.csv", "referral_slowest_links.csv", "scaling_sites.csv",
                 "plan_targets.csv"):
        assert name in paths, name
    with rasterio.open(paths["cells.tif"]) as src:
        names = list(src.descriptions)
        bands = {n: src.read(names.index(n) + 1, masked=True) for n in ("pop", "served", "over_capacity",
                                                                        "beyond_reach")}
    parts = bands["served"] + bands["over_capacity"] + bands["beyond_reach"]
    np.testing.assert_allclose(parts.compressed(), bands["pop"].compressed(), rtol=1e-5, atol=0.05)
    cells = res.access.cell_table()
    assert len(cells) == res.inputs.grid.n_cells and {"served", "facility_name", "fca_score"} <= set(cells.columns)
    catchments = gpd.read_file(paths["results.gpkg"], layer="catchments")
    assert set(catchments["name"]) <= set(res.inputs.facilities["name"]) and (catchments["load_factor"] > 0).all()


def test_hainan_targets_with_a_facility_file_and_without(hainan_results, pipeline, beds_file):
    plain = hainan_results.targets.table.set_index(["plan", "indicator"])
    circle = plain.loc[("hainan-14th", "tertiary_1h_circle_share")]
    assert circle["status"] == "measured"
    assert circle["value"] == pytest.approx(100 * hainan_results.summary()["covered_share"], abs=0.01)
    assert plain.loc[("hainan-14th", "beds_per_1000"), "status"] == "measurable"
    assert (plain["status"] == "not spatial").sum() == hainan_results.summary()["plan_targets"]["not_spatial"]
    s = Scenario(region="hainan", cell_m=CELL_M, resources=Source("file", str(beds_file), {"datum": "wgs84"}))
    res = front.run(s, pipeline=pipeline)
    table = res.targets.table.set_index(["plan", "indicator"])
    beds = pd.read_csv(beds_file)["beds"].sum()
    total = float(census.county_totals(res.region.counties["adcode"])["pop_total"].sum())
    assert table.loc[("hainan-14th", "beds_per_1000"), "value"] == pytest.approx(beds / total * 1000)
    assert table.loc[("hainan-14th", "beds_per_1000"), "status"] == "measured"
    assert table.loc[("hainan-14th", "doctors_per_1000"), "status"] == "measurable"  # the file has no doctors
    by = res.targets.by_county
    assert by[by["indicator"] == "nurses_per_1000"]["adcode"].nunique() == 18


def test_a_resources_file_without_capacities_is_refused(pipeline, tmp_path):
    path = tmp_path / "no_caps.csv"
    path.write_text("name,lon,lat\nA,110.3,20.0\n", encoding="utf-8")
    s = Scenario(region="hainan", cell_m=CELL_M, resources=Source("file", str(path), {"datum": "wgs84"}))
    with pytest.raises(InputFileError, match="no_caps.csv.*no column with values"):
        front.run(s, pipeline=pipeline)


def test_plan_inputs_carry_the_targets_with_their_metrics(hainan_results):
    t = plan_inputs_mod.targets(("yunnan-14th",))
    assert set(t["plan"]) == {"yunnan-14th"} and len(t) == (TARGETS["plan"] == "yunnan-14th").sum()
    assert t.set_index("indicator").loc["scenic_10min_emergency_circle", "metric"] == "emergency_circle"
    hainan = hainan_results.plan.targets
    assert set(hainan["plan"]) == set(hainan_results.plan.plans) == {"hainan-13th", "hainan-14th", "haikou-2020"}
    assert set(hainan.loc[hainan["metric"] != "", "indicator"]) == {
        "tertiary_1h_circle_share", "tertiary_1h_circle", "urban_15min_health_circle", "rural_30min_health_circle"}
