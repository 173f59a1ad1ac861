"""The analysis commands (``coverage``, ``sites test``, ``sites optimize``, ``scenario run``) on the Hainan backbone.

Every command writes one output set through the one pipeline; these tests read the files back with
independent readers (pandas, GDAL through geopandas, rasterio) and check the figures add up.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import rasterio

from clitools import common, invoke, ok
from spatial.export import read_geojson, read_gpkg, read_provenance_gpkg
from spatial.scenario import load_scenario


@pytest.fixture(scope="module")
def coverage_run(hainan_dir, tmp_path_factory) -> tuple[dict, Path]:
    """`healthplan coverage` on Hainan with the report, and its output folder."""
    out = tmp_path_factory.mktemp("cov") / "out"
    summary = ok("coverage", *common(hainan_dir), "--out", out, "--isochrones", "30,60", "--report",
                 "--save-scenario", out.parent / "saved.json")
    return summary, out


def test_coverage_writes_one_consistent_output_set(coverage_run):
    summary, out = coverage_run
    on_file = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert on_file["covered_population"] == summary["covered_population"]
    assert on_file["provenance"]["sources"]["network"].startswith("saved network")
    table = pd.read_csv(out / "counties.csv", encoding="utf-8-sig")
    assert len(table) == 18
    assert table["population"].sum() == pytest.approx(summary["population_total"], abs=1)
    assert table["covered"].sum() == pytest.approx(summary["covered_population"], abs=1)
    for layer in ("counties", "gaps", "isochrones", "surface", "facilities", "primary_care"):
        geo = read_geojson(out / f"{layer}.geojson")
        pkg = read_gpkg(out / "results.gpkg", layer)
        assert len(geo) == len(pkg) > 0, layer
        assert geo.attrs["provenance"]["methods"]["tertiary_circle"]
    assert list(read_geojson(out / "isochrones.geojson")["threshold_min"]) == [30.0, 60.0]
    assert any(t.startswith("plan__hainan_14th__") for t in read_provenance_gpkg(out / "results.gpkg")["json_columns"])
    # the cells raster holds the people and the minutes, and the people add up to the summary
    with rasterio.open(out / "cells.tif") as src:
        names = list(src.descriptions)
        pop = src.read(names.index("pop") + 1, masked=True)
        minutes = src.read(names.index("minutes") + 1, masked=True)
    assert float(pop.sum()) == pytest.approx(summary["population_total"], rel=1e-5)
    covered = float(pop[(minutes <= 60.0).filled(False)].sum())
    assert covered == pytest.approx(summary["covered_population"], rel=1e-5)
    assert (out / "map.html").stat().st_size > 10_000 and "<html" in (out / "report.html").read_text(encoding="utf-8")


def test_saved_scenario_replays_to_the_same_figures(coverage_run, tmp_path):
    summary, out = coverage_run
    saved = out.parent / "saved.json"
    assert load_scenario(saved).cell_m == 3000.0
    again = ok("scenario", "run", saved, "--out", tmp_path / "replay")
    for key in ("population_total", "covered_population", "covered_share", "health_circles", "bands", "gap_clusters"):
        assert again[key] == summary[key], key
    a = pd.read_csv(out / "counties.csv", encoding="utf-8-sig")
    b = pd.read_csv(tmp_path / "replay" / "counties.csv", encoding="utf-8-sig")
    pd.testing.assert_frame_equal(a, b)


def test_second_run_replaces_the_whole_set(coverage_run, hainan_dir, tmp_path):
    out = tmp_path / "o"
    ok("coverage", *common(hainan_dir), "--out", out, "--threshold", "30")
    first = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    (out / "stale.txt").write_text("left by hand", encoding="utf-8")
    refused = invoke("coverage", *common(hainan_dir), "--out", out, "--threshold", "60")
    assert refused.exit_code == 2 and "stale.txt" in refused.stderr  # a file healthplan did not write is never deleted
    assert (out / "stale.txt").exists() and json.loads((out / "summary.json").read_text(encoding="utf-8")) == first
    (out / "stale.txt").unlink()
    ok("coverage", *common(hainan_dir), "--out", out, "--threshold", "60")
    second = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (first["threshold_min"], second["threshold_min"]) == (30.0, 60.0)  # the folder is one run's set
    assert read_geojson(out / "gaps.geojson").attrs["provenance"]["thresholds_min"]["tertiary_min"] == 60.0
    assert not list(tmp_path.glob(".o-*"))  # no temporary folder left behind


def test_sites_test_reports_every_candidate(hainan_dir, tmp_path):
    cand = tmp_path / "cand.csv"
    cand.write_text("name,lon,lat\n东方北 gap,108.75,19.25\n琼中,109.84,19.03\nsea south of sanya,109.5,17.9\n",
                    encoding="utf-8")
    out = tmp_path / "sites"
    summary = ok("sites", "test", "--candidates", cand, *common(hainan_dir), "--out", out, "--threshold", "30")
    sites = read_geojson(out / "candidates.geojson").set_index("name")
    assert len(sites) == 3 and sites.loc["sea south of sanya", "status"] == "rejected"  # kept, with its reason
    assert sites.loc["sea south of sanya", "first_failure"] == "not_on_land"
    assert summary["candidates"] == {**summary["candidates"], "n": 3, "ok": 2, "rejected": 1}
    good = sites[sites["status"] == "ok"]
    assert good["gain_population"].sum() == pytest.approx(summary["candidates"]["new_population"], abs=1)
    assert (good["new_population_30min"] >= good["gain_population"] - 0.1).all()  # alone ≥ marginal
    by_county = pd.read_csv(out / "candidates_by_county.csv", encoding="utf-8-sig")
    together = by_county[(by_county["candidate"] == -1) & (by_county["threshold_min"] == 30.0)]
    assert together["new_population"].sum() == pytest.approx(summary["candidates"]["new_population"], abs=1)


def test_plan_sites_on_placeholder_points_are_said_to_be_approximate(hainan_dir, tmp_path):
    result = invoke("sites", "test", "--candidates", "plan", *common(hainan_dir), "--out", tmp_path / "plan")
    assert result.exit_code == 0, result.stderr
    sites = read_geojson(tmp_path / "plan" / "candidates.geojson")
    placed = sites[sites["placeholder"].astype(bool) & (sites["status"] == "ok")]["name"].tolist()
    assert placed  # the 14th plan's 专栏4 names several projects only by their city
    notice = next(n for n in result.summary["notices"] if n["code"] == "placeholder_sites")
    assert all(name in notice["message"] for name in placed) and "approximate" in notice["message"]
    assert "approximate" in result.stderr


def test_sites_optimize_k_exact_and_target(hainan_dir, tmp_path):
    g = ok("sites", "optimize", *common(hainan_dir), "--k", "3", "--out", tmp_path / "g")["optimiser"]
    chosen = read_geojson(tmp_path / "g" / "optimised_sites.geojson")
    assert chosen["order"].tolist() == list(range(1, g["n_sites"] + 1)) and g["method"] == "greedy+interchange"
    assert chosen["gain_population"].sum() == pytest.approx(sum(g["gain_population"]), abs=3)
    e = ok("sites", "optimize", *common(hainan_dir), "--k", "3", "--method", "exact",
           "--out", tmp_path / "e")["optimiser"]
    assert e["method"] == "exact-highs" and e["proven_optimal"] is True and e["gap"] is not None
    assert e["covered_population_after"] >= g["covered_population_after"] - 1  # exact is never worse
    far = ok("sites", "optimize", *common(hainan_dir), "--target-coverage", "99.9", "--n-gaps", "20",
             "--out", tmp_path / "t")
    assert far["optimiser"]["feasible"] is False and far["optimiser"]["best_share"] < 0.999
    assert any(n["code"] == "target_unreachable" for n in far["notices"])


@pytest.mark.parametrize("args,says", [
    (["sites", "optimize", "--region", "hainan", "--out", "X"], "exactly one of --k"),
    (["sites", "test", "--candidates", "nope.csv", "--region", "hainan", "--out", "X"], "no such file"),
    (["coverage", "--region", "atlantis", "--out", "X"], "unknown region"),
    (["coverage", "--region", "hainan", "--out", "X", "--bands", "90,60,30"], "--bands must be increasing"),
    (["coverage", "--region", "hainan", "--out", "X", "--threshold", "inf"], "--threshold must be a number"),
    (["coverage", "--region", "hainan", "--out", "X", "--cell-m", "1"], "--cell-m must be in"),
])
def test_bad_options_exit_2_with_one_sentence(args, says, tmp_path):
    result = invoke(*[str(tmp_path / a) if a == "X" else a for a in args])
    assert result.exit_code == 2 and says in result.stderr, result.stderr
    assert not (tmp_path / "X").exists()


def test_help_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("coverage", "sites", "scenario", "layers", "network", "data", "traveltime", "bench"):
        assert command in result.stdout


def test_outputs_carry_the_notices(coverage_run):
    summary, out = coverage_run
    codes = [n["code"] for n in summary["notices"]]
    assert "primary_stand_in" in codes  # county seats stand in for primary care: said, not hidden
    assert codes == [n["code"] for n in json.loads((out / "summary.json").read_text(encoding="utf-8"))["notices"]]




def test_garbage_collection_is_off_only_while_a_command_imports_the_engine():
    """The process entry turns collection off for the imports; the engine's arrival turns it on, imports frozen."""
    code = ("import gc; from healthplan import cli; gc.disable(); frozen = gc.get_freeze_count(); "
            "import healthplan.cli._common; print(gc.isenabled(), gc.get_freeze_count() > frozen)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
    code = ("import gc; frozen = gc.get_freeze_count(); import healthplan.cli._common; "
            "print(gc.isenabled(), gc.get_freeze_count() == frozen)")  # a test or the app: nothing changes
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
    # the command itself, as its console script runs it: off on entry, on again once the engine is imported
    code = ("import gc, sys; from healthplan import cli; run = cli._run; "
            "cli._run = lambda argv: (print('entry', gc.isenabled(), file=sys.stderr), run(argv), "
            "print('after', gc.isenabled(), file=sys.stderr))[1]; sys.argv[1:] = ['network', 'info', 'no-such-folder']; cli.main()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 2 and "no-such-folder" in out.stderr  # a user's error, said after the imports
    assert "entry False" in out.stderr and "after True" in out.stderr
