"""``healthplan sites test`` / ``sites optimize`` on the real Hainan backbone (3 km census grid)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spatial import network as network_mod
from spatial.cli import app
from spatial.export import read_geojson

runner = CliRunner()


@pytest.fixture(scope="module")
def hainan_dir(hainan_net, tmp_path_factory) -> Path:
    """The session's Hainan network saved to a folder for --network."""
    return network_mod.save(hainan_net, tmp_path_factory.mktemp("hainan_net"))


def run(args: list[str]) -> dict:
    """Invoke the CLI; assert success; the last stdout line parsed as JSON."""
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def common(hainan_dir: Path) -> list[str]:
    return ["--region", "hainan", "--network", str(hainan_dir), "--cell-m", "3000"]


def test_sites_test_reports_every_candidate(hainan_dir, tmp_path):
    cand = tmp_path / "cand.csv"
    cand.write_text(
        "name,lon,lat\n"
        "琼中 seat,109.84,19.03\n"
        "sea south of sanya,109.45,17.90\n"
        "haikou centre,110.33,20.03\n",
        encoding="utf-8",
    )
    out = tmp_path / "test.geojson"
    summary = run(["sites", "test", *common(hainan_dir), "--candidates", str(cand), "--threshold", "30",
                   "--thresholds", "15,60", "--out", str(out), "--no-isochrones"])
    frame = read_geojson(out).set_index("name")
    assert len(frame) == 3  # the failing candidate is kept, with its reason
    assert frame.loc["sea south of sanya", "status"] == "rejected"
    assert "not on land" in frame.loc["sea south of sanya", "reason"]
    assert summary["n_rejected"] == 1 and summary["rejected"][0]["name"] == "sea south of sanya"
    ok = frame[frame["status"] == "ok"]
    assert ok["gain_population"].sum() == pytest.approx(
        summary["covered_population_after"] - summary["covered_population_before"], abs=0.2
    )
    assert summary["covered_population_after"] >= summary["covered_population_before"]
    assert (ok["new_population_30min"] >= ok["gain_population"] - 0.1).all()  # alone ≥ marginal
    assert {"new_population_15min", "new_population_60min"} <= set(frame.columns)
    on_file = json.loads((tmp_path / "test.summary.json").read_text(encoding="utf-8"))
    assert on_file["covered_population_before"] == summary["covered_population_before"]
    assert "provenance" in on_file and on_file["method"].startswith("what-if")
    counties = (tmp_path / "test.counties.csv").read_text(encoding="utf-8-sig").splitlines()
    assert counties[0].startswith("candidate,name,threshold_min,adcode,county,new_population")


def test_sites_optimize_k_and_target(hainan_dir, tmp_path):
    out = tmp_path / "opt.geojson"
    summary = run(["sites", "optimize", *common(hainan_dir), "--candidates", "gaps", "--n-gaps", "60",
                   "--k", "3", "--threshold", "30", "--out", str(out)])
    sites = read_geojson(out)
    assert len(sites) == 3 and sites["order"].tolist() == [1, 2, 3]
    assert sites["gain_population"].sum() == pytest.approx(
        summary["covered_population_after"] - summary["covered_population_before"], abs=0.5
    )
    assert summary["method"] == "greedy+interchange" and summary["gap"] is None
    exact = run(["sites", "optimize", *common(hainan_dir), "--candidates", "gaps", "--n-gaps", "60",
                 "--k", "3", "--threshold", "30", "--method", "exact", "--out", str(tmp_path / "exact.geojson")])
    assert exact["method"] == "exact-highs" and exact["gap"] is not None
    new = exact["covered_population_after"] - exact["covered_population_before"]
    assert exact["covered_population_after"] - summary["covered_population_after"] <= 0.01 * new
    # an unreachable target is reported as infeasible with the best share the candidates allow
    far = run(["sites", "optimize", *common(hainan_dir), "--candidates", "gaps", "--n-gaps", "20",
               "--target-coverage", "99.9", "--threshold", "15", "--out", str(tmp_path / "far.geojson")])
    assert far["feasible"] is False and far["best_share"] < 0.999
    assert far["covered_share_after"] == pytest.approx(far["best_share"], abs=1e-6)


def test_sites_errors_exit_2(hainan_dir, tmp_path):
    result = runner.invoke(app, ["sites", "optimize", *common(hainan_dir), "--out", str(tmp_path / "x.geojson")])
    assert result.exit_code == 2 and "exactly one of --k" in result.output
    result = runner.invoke(app, ["sites", "test", *common(hainan_dir), "--candidates", str(tmp_path / "none.csv"),
                                 "--out", str(tmp_path / "x.geojson")])
    assert result.exit_code == 2 and "no such file" in result.output
