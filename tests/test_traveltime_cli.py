"""``healthplan traveltime`` and ``healthplan bench`` on the small real Haikou network."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow.parquet as pq
import pytest

from spatial import traveltime as tt
from clitools import invoke
from spatial.coords import from_wgs84
from spatial.export import read_provenance_gpkg
from spatial.network import Network, save



@pytest.fixture(scope="module")
def haikou_dir(haikou_net: Network, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Haikou network saved as a network folder."""
    return save(haikou_net, tmp_path_factory.mktemp("haikou") / "net")


@pytest.fixture(scope="module")
def facilities_csv(haikou_net: Network, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three facilities near Haikou nodes, written in GCJ-02 as AMap would give them."""
    idx = [10, 300, 600]
    lon, lat = from_wgs84(haikou_net.lon[idx] + 0.001, haikou_net.lat[idx], "gcj02")
    path = tmp_path_factory.mktemp("fac") / "hospitals.csv"
    lines = ["name,lon,lat"] + [f"医院{i},{x:.7f},{y:.7f}" for i, (x, y) in enumerate(zip(lon, lat, strict=True))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


@pytest.mark.parametrize("suffix", [".gpkg", ".parquet"])
def test_traveltime_cli_writes_nodes_with_minutes(haikou_net, haikou_dir, facilities_csv, tmp_path, suffix):
    out = tmp_path / f"tt{suffix}"
    result = invoke(*["traveltime", "--network", str(haikou_dir), "--facilities", str(facilities_csv),
                                 "--facility-crs", "gcj02", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = _last_json(result.output)
    assert summary["nodes"] == haikou_net.n_nodes and summary["facilities"] == 3
    frame = gpd.read_file(out, layer="traveltime") if suffix == ".gpkg" else gpd.read_parquet(out)
    assert len(frame) == haikou_net.n_nodes and frame.crs.to_epsg() == 4326
    # same answer as the engine, with facility coordinates converted from GCJ-02
    idx = [10, 300, 600]
    expect, src = tt.facility_minutes(haikou_net, haikou_net.lon[idx] + 0.001, haikou_net.lat[idx],
                                      haikou_net.lon, haikou_net.lat)
    assert np.allclose(frame["minutes"].to_numpy(), expect, rtol=0, atol=1e-4)  # CSV keeps 7 decimals (≈ 1 cm)
    assert frame["facility"].tolist() == [f"医院{i}" for i in src]
    assert summary["median_min"] == pytest.approx(float(np.median(expect)), abs=1e-3)
    assert summary["share_within_15"] == pytest.approx(float(np.mean(expect <= 15)), abs=1e-4)
    if suffix == ".gpkg":
        prov = read_provenance_gpkg(out)
    else:
        prov = json.loads(pq.read_schema(out).metadata[b"healthplan_provenance"])
    assert prov["facility_crs"] == "gcj02" and "reversed graph" in prov["method"]


def test_traveltime_cli_refuses_far_facility_and_bad_suffix(haikou_dir, tmp_path):
    far = tmp_path / "far.csv"
    far.write_text("name,lon,lat\nA,110.3,20.0\nB,109.5,18.3\n", encoding="utf-8")  # B is in Sanya, ≈ 200 km away
    result = invoke(*["traveltime", "--network", str(haikou_dir), "--facilities", str(far),
                                 "--out", str(tmp_path / "x.gpkg")])
    assert result.exit_code == 2
    assert "row 3" in result.output and "km" in result.output
    assert not (tmp_path / "x.gpkg").exists()
    result = invoke(*["traveltime", "--network", str(haikou_dir), "--facilities", str(far),
                                 "--out", str(tmp_path / "x.shp")])
    assert result.exit_code == 2 and ".gpkg" in result.output


def test_bench_reports_agreement_and_keys(haikou_net, haikou_dir):
    spec = importlib.util.spec_from_file_location(
        "bench_traveltime", Path(__file__).resolve().parent.parent / "bench" / "bench_traveltime.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    res = bench.run(haikou_net, repeat=1, n_facilities=5, reach_sites=5, network_dir=haikou_dir, with_pandana=False)
    assert res["max_abs_diff_networkx_min"] < 1e-9  # same minutes as networkx on the directed network
    line = json.loads(bench.summary_json(res))
    assert list(line)[:6] == ["nodes", "speedup_vs_networkx", "speedup_vs_pandana",
                              "speedup_vs_pandana_query_only", "reach_30min_ms", "cache_load_s"]
    assert line["nodes"] == haikou_net.n_nodes and line["cache_load_s"] > 0
    assert "networkx" in bench.table(res)
