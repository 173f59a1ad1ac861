"""``healthplan access capacity|fca|referral|scale`` and ``healthplan targets`` on the Hainan backbone (3 km grid).

Each command writes one output set through the one pipeline; the files are read back with independent
readers and checked against the summary line and against each other.  The template facility file of
issue 14 (English and Chinese headers) goes through ``healthplan targets``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from clitools import common, invoke, ok
from spatial import census, facilities
from spatial.export import read_geojson, read_gpkg
from spatial.settings import PACKAGE_ROOT

TEMPLATES = PACKAGE_ROOT / "data" / "templates"


@pytest.fixture(scope="module")
def beds_file(tmp_path_factory) -> Path:
    """Hainan's named tertiary hospitals with beds (800 each) and doctors (300 each), Chinese headers."""
    tert = facilities.default_facilities("hainan", kind="tertiary")
    table = pd.DataFrame({"名称": tert["name"], "经度": tert.geometry.x, "纬度": tert.geometry.y, "床位": 800,
                          "医生": 300})
    path = tmp_path_factory.mktemp("beds") / "医院床位.csv"
    table.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def test_capacity_with_beds_writes_a_consistent_set(hainan_dir, beds_file, tmp_path):
    out = tmp_path / "cap"
    result = invoke("access", "capacity", *common(hainan_dir), "--facilities", beds_file, "--out", out,
                    "--save-scenario", tmp_path / "cap.json")
    assert result.exit_code == 0, result.output
    s = result.summary["access"]["capacity"]
    assert s["facilities_assumed"] == 0 and "assumed" not in result.stderr
    assert s["capacity_total"] == pytest.approx(10 * 800 * 1000 / 6.5, abs=1)
    assert s["served"] + s["over_capacity"] + s["beyond_reach"] == pytest.approx(s["population_total"], abs=2)
    counties = pd.read_csv(out / "capacity_counties.csv", encoding="utf-8-sig")
    assert len(counties) == 18 and counties["served"].sum() == pytest.approx(s["served"], abs=1)
    fac = pd.read_csv(out / "capacity_facilities.csv", encoding="utf-8-sig")
    assert (fac["served"] <= fac["capacity"] + 1e-6).all() and fac["capacity_units"].eq(800).all()
    catch = read_gpkg(out / "results.gpkg", "catchments")
    assert len(catch) == len(read_geojson(out / "catchments.geojson")) > 0
    assert catch.attrs["provenance"]["methods"]["capacity_coverage"].count("AccessMod") >= 1
    # the saved scenario replays to the same figures
    again = ok("scenario", "run", tmp_path / "cap.json", "--out", tmp_path / "replay")
    assert again["access"]["capacity"] == s


def test_capacity_without_beds_says_what_it_assumed(hainan_dir, tmp_path):
    result = invoke("access", "capacity", *common(hainan_dir), "--out", tmp_path / "o", "--order", "capacity")
    assert result.exit_code == 0, result.output
    assert "500 beds each are assumed" in result.stderr
    assert result.summary["access"]["capacity"]["facilities_assumed"] == 10
    assert "capacity_assumed" in {n["code"] for n in result.summary["notices"]}


def test_fca_2sfca_counts_facilities_without_decay(hainan_dir, tmp_path):
    out = tmp_path / "fca"
    s = ok("access", "fca", *common(hainan_dir), "--method", "2sfca", "--supply", "count", "--catchment", "45",
           "--out", out)["access"]["fca"]
    assert s["method"] == "2sfca" and s["decay"] == "none" and s["catchment_min"] == 45.0
    counties = pd.read_csv(out / "fca_counties.csv", encoding="utf-8-sig")
    # 2SFCA conserves supply: Σ persons × score = Σ supply of facilities with anyone in reach (here all 10)
    facs = pd.read_csv(out / "fca_facilities.csv", encoding="utf-8-sig")
    reached = facs.loc[facs["weighted_demand"] > 0, "supply"].sum()
    assert (counties["population"] * counties["score"]).sum() == pytest.approx(reached, rel=1e-9)
    assert read_geojson(out / "access_counties.geojson")["fca_score_per_1000"].notna().all()


def test_referral_with_uploaded_primary_care(hainan_dir, tmp_path):
    primary = tmp_path / "clinics.csv"
    primary.write_text("name,lon,lat\n龙华卫生院,110.33,20.03\n三亚某卫生院,109.51,18.25\n五指山某卫生院,109.52,18.78\n",
                       encoding="utf-8")
    out = tmp_path / "ref"
    result = invoke("access", "referral", *common(hainan_dir), "--primary", primary, "--out", out)
    assert result.exit_code == 0, result.output
    s = result.summary["access"]["referral"]
    assert s["n_points"] == 3 and not s["primary_stand_in"] and s["county_hospitals_stand_in"]
    assert "county seats stand in" in result.stderr
    points = pd.read_csv(out / "referral_points.csv", encoding="utf-8-sig")
    assert (points["chain_min"] >= points["direct_tertiary_min"] - 1e-9).all()
    lines = read_gpkg(out / "results.gpkg", "referral_links")
    assert set(lines.geom_type) == {"LineString"} and len(lines) >= 3 + 1


@pytest.mark.slow
def test_scale_best_k_exact_and_budget(hainan_dir, tmp_path):
    s = ok("access", "scale", *common(hainan_dir), "--candidates", "seats", "--k", "2", "--out",
           tmp_path / "k")["access"]["scaling"]
    assert s["form"] == "best_k" and s["n_sites"] == 2 and s["proven_optimal"] and s["mip_gap"] <= 1e-4
    assert s["served_after"] - s["served_before"] == pytest.approx(sum(s["gain_population"]), abs=2)
    sites = pd.read_csv(tmp_path / "k" / "scaling_sites.csv", encoding="utf-8-sig")
    assert sites["name"].tolist() == s["sites"]
    # a budget: three candidates with costs, 5 to spend
    cands = tmp_path / "cands.csv"
    cands.write_text("name,lon,lat,cost,beds\nA,109.84,19.03,4,800\nB,110.46,19.20,2,800\nC,109.51,18.80,3,800\n",
                     encoding="utf-8")
    summary = ok("access", "scale", *common(hainan_dir), "--candidates", cands, "--budget", "5", "--out", tmp_path / "b")
    b = summary["access"]["scaling"]
    assert b["form"] == "within_budget" and b["cost_total"] <= 5 and b["budget"] == 5.0
    codes = {n["code"] for n in summary["notices"]}
    assert "scaling_costs_assumed" not in codes and "scaling_capacity_assumed" not in codes  # the file states both
    table = pd.read_csv(tmp_path / "b" / "scaling_candidates.csv", encoding="utf-8-sig")
    assert table["cost"].tolist() == [4, 2, 3] and table["capacity_units"].eq(800).all()


def test_targets_measure_the_template_file(hainan_dir, tmp_path):
    template = "facilities_template.csv"
    out = tmp_path / "targets"
    result = invoke("targets", *common(hainan_dir), "--facilities", TEMPLATES / template, "--out", out)
    assert result.exit_code == 0, result.output
    s = result.summary
    assert "hainan-14th/beds_per_1000" in s["measured_indicators"] and s["resources_file"].endswith(template)
    assert s["measured"] + s["measurable"] + s["not_spatial"] == s["targets"] == 85
    table = pd.read_csv(out / "plan_targets.csv", encoding="utf-8-sig").set_index(["plan", "indicator"])
    # the template's two example rows: 500 + 30 beds for Hainan's census residents
    total = float(census.county_totals(pd.read_csv(out / "counties.csv")["adcode"])["pop_total"].sum())
    assert table.loc[("hainan-14th", "beds_per_1000"), "value"] == pytest.approx(530 / total * 1000, rel=1e-9)
    assert table.loc[("hainan-14th", "beds_per_1000"), "gap"] == pytest.approx(6.5 * total / 1000 - 530, rel=1e-9)
    by = pd.read_csv(out / "plan_targets_by_county.csv", encoding="utf-8-sig")
    beds = by[(by["plan"] == "hainan-14th") & (by["indicator"] == "beds_per_1000")]
    assert beds["amount"].sum() == 530 and len(beds) == 18
    # the printed table comes before the summary line
    lines = result.stdout.strip().splitlines()
    assert any(line.split()[0] == "measured" and "beds_per_1000" in line for line in lines[:-1])


def test_targets_read_the_chinese_template_alike(hainan_dir):
    zh = ok("targets", *common(hainan_dir), "--facilities", TEMPLATES / "facilities_template_zh.csv")
    en = ok("targets", *common(hainan_dir), "--facilities", TEMPLATES / "facilities_template.csv")
    assert zh["measured_indicators"] == en["measured_indicators"] and len(zh["measured_indicators"]) == 19
    assert {k: v for k, v in zh.items() if k != "resources_file"} == {k: v for k, v in en.items()
                                                                     if k != "resources_file"}


def test_targets_without_a_file_prints_the_table(hainan_dir):
    result = invoke("targets", *common(hainan_dir), "--status", "measurable")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["status", "plan", "indicator"]
    assert all(line.split()[0] == "measurable" for line in lines[1:-1])
    assert json.loads(lines[-1])["measured"] == 2  # the 1-hour circle of the 13th and 14th plans


@pytest.mark.parametrize("args,says", [
    (["access", "capacity", "--persons-per-unit", "-1"], "--persons-per-unit must be in"),
    (["access", "capacity", "--order", "nearest"], "--order must be one of demand, capacity, given"),
    (["access", "capacity", "--capacity", "doctors"], "--assume-units"),
    (["access", "fca", "--decay", "cubic"], "--decay must be one of none, step, gaussian"),
    (["access", "fca", "--catchment", "0"], "--catchment must be in 1…600 minutes"),
    (["access", "scale", "--k", "2", "--budget", "3"], "exactly one of --k N"),
    (["access", "scale", "--k", "2", "--time-limit", "0"], "--time-limit must be in 1…3600 seconds"),
    (["access", "referral", "--county-hospitals", "nope.csv"], "--county-hospitals nope.csv: no such file"),
    (["targets", "--facilities", "nope.csv"], "--facilities nope.csv: no such file"),
    (["targets", "--status", "done"], "--status must be measured"),
])
def test_bad_options_are_named(hainan_dir, tmp_path, args, says):
    result = invoke(*args, *common(hainan_dir), *(["--out", str(tmp_path / "x")] if args[0] == "access" else []))
    assert result.exit_code == 2, result.output
    assert says in result.stderr
    assert not (tmp_path / "x").exists()
