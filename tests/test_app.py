"""The Streamlit app's flows, headless through streamlit.testing (AppTest): what a planner sees matches the engine.

The app runs the same pipeline as the CLI; these tests compare its cards and tables with ``healthplan.run``
on the scenario its state describes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from clitools import ok
from healthplan import run as front
from spatial import traveltime
from spatial.pipeline import Pipeline
from spatial.scenario import save_scenario
from views.app import state

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT_S = 180


def fresh(monkeypatch: pytest.MonkeyPatch, data_dir: Path | None = None) -> AppTest:
    """A new app session (reading ``data_dir`` when given), already run once."""
    if data_dir is not None:
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


def engine(at: AppTest, **extra):
    """The pipeline's results for the scenario the app's state describes."""
    s = state.scenario_from_state({**{k: at.session_state[k] for k in state.defaults()}, **extra})
    return front.run(s, pipeline=Pipeline())


@pytest.fixture(scope="module")
def gap_site(hainan_results) -> tuple[float, float]:
    """The road node nearest the most populous 1-hour gap (a site that must add people)."""
    top = hainan_results.gap_table().iloc[0]
    net = hainan_results.inputs.network
    s = traveltime.snap(net, [float(top["lon"])], [float(top["lat"])])
    node = int(s.node[0])
    return float(net.lon[node]), float(net.lat[node])


def test_default_view_shows_what_the_engine_computes(monkeypatch, hainan_results):
    at = fresh(monkeypatch)
    no_exception(at)
    got = metrics(at)
    s = hainan_results.summary()
    assert got["常住人口"][0] == f"{s['population_total'] / 1e4:,.1f} 万"
    assert got["60 分钟三级医院"][0] == f"{100 * s['covered_share']:.1f}%"
    assert got["15 分钟城市健康圈"] == (f"{100 * s['health_circles']['urban_share']:.1f}%", "县城代替基层医疗点")
    assert 0.4 < s["covered_share"] < 1.0  # a real, partial circle on the backbone network
    # the notices reach the page, in Chinese
    assert any("县城代替" in w.value for w in at.warning)
    # the coverage tab shows the county table with Hainan's 18 county-level units, headed in Chinese
    frames = [d.value for d in at.dataframe]
    assert any(len(f) == 18 and "覆盖率" in f.columns for f in frames)


@pytest.mark.parametrize("region,units", [("yunnan", 14), ("haikou", 4)])
def test_switch_region(monkeypatch, region, units):
    at = fresh(monkeypatch)
    at.session_state["candidates"] = [{"name": "Hainan site", "lon": 110.3, "lat": 20.0}]
    at.selectbox(key="region").set_value(region).run()
    no_exception(at)
    assert at.session_state["candidates"] == []  # a new region starts without the old region's sites
    frames = [d.value for d in at.dataframe]
    assert any(len(f) == units and "覆盖率" in f.columns for f in frames)


def test_yiyang_has_no_network_but_shows_its_layers_and_the_way_to_one(monkeypatch):
    at = fresh(monkeypatch)
    at.selectbox(key="region").set_value("yiyang").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("益阳" in w.value for w in at.warning)
    assert "湖南" in at.button(key="btn_fetch").label  # the province's extract, named in Chinese
    assert "Yiyang" in at.text_input(key="overpass_place").value  # the area, not another region
    assert not at.metric


def test_language_and_basemap(monkeypatch):
    at = fresh(monkeypatch)
    at.radio(key="lang").set_value("en").run()
    no_exception(at)
    assert "60 min to tertiary" in metrics(at)
    assert any(m.value.startswith("### healthplan —") for m in at.markdown)
    assert not any("县" in w.value for w in at.warning)  # no Chinese leaks into English notices
    at.radio(key="basemap").set_value("amap").run()
    no_exception(at)
    assert any("GCJ-02" in c.value for c in at.caption)


def test_typed_site_is_snapped_and_changes_the_card(monkeypatch, gap_site):
    at = fresh(monkeypatch)
    assert metrics(at)["加入候选点后"][0] == "—"
    lon, lat = gap_site
    at.number_input(key="new_lon").set_value(lon + 0.002)  # a little off the road: snapped back onto the node
    at.number_input(key="new_lat").set_value(lat)
    next(b for b in at.button if b.label == "添加候选点").click().run()
    no_exception(at)
    site = at.session_state["candidates"][0]
    assert (site["lon"], site["lat"]) == pytest.approx((lon, lat), abs=1e-6)
    res = engine(at)
    new = res.summary()["candidates"]["new_population"]
    assert new > 0
    value, delta = metrics(at)["加入候选点后"]
    assert value == f"{100 * res.summary()['candidates']['covered_share_after']:.1f}%"
    assert delta.startswith("+")


def test_sites_can_be_removed_and_files_do_not_duplicate(monkeypatch, gap_site, tmp_path):
    at = fresh(monkeypatch)
    for _ in range(2):  # the same point twice is one site
        state.add_site(at.session_state, *gap_site)
    state.add_site(at.session_state, gap_site[0] + 0.1, gap_site[1], name="second")
    at.run()
    assert [c["name"] for c in at.session_state["candidates"]] == ["#1", "second"]
    next(b for b in at.button if b.key == "rm_second").click().run()
    no_exception(at)
    assert [c["name"] for c in at.session_state["candidates"]] == ["#1"]


def test_optimiser_table_moves_the_card_and_stays(monkeypatch):
    at = fresh(monkeypatch)
    at.number_input(key="opt_k").set_value(2).run()
    next(b for b in at.button if b.label == "运行优化").click().run()
    no_exception(at)
    opt = at.session_state["optimised"]
    assert opt["result"].chosen.size == 2 and opt["result"].covered_after > opt["result"].covered_before
    label = next(k for k in metrics(at) if k.startswith("优化 "))
    assert metrics(at)[label][0] == f"{100 * opt['result'].share_after:.1f}%"
    assert any(len(d.value) == 2 and "边际新增人口" in d.value.columns for d in at.dataframe)
    at.run()  # a later run keeps it
    assert at.session_state["optimised"] is not None
    at.text_input(key="scenario_name").input("k2")
    next(b for b in at.button if b.label == "保存到比较表").click().run()
    no_exception(at)
    assert "k2" in at.session_state["compare"]


def test_export_buttons_present(monkeypatch):
    at = fresh(monkeypatch)
    buttons = at.get("download_button")
    assert len(buttons) >= 8  # gpkg, 2 csv, map, report, summary, scenario JSON, one GeoJSON per layer


def test_fresh_clone_without_data_opens_on_the_embedded_backbone(monkeypatch, tmp_path):
    empty = tmp_path / "data"
    empty.mkdir()
    at = fresh(monkeypatch, empty)
    no_exception(at)
    assert "60 分钟三级医院" in metrics(at)  # the 1-hour circle is computed …
    assert any("随程序附带" in w.value for w in at.warning)  # … and the page says on which network


def test_saved_scenario_replays_in_the_cli_to_what_the_app_shows(monkeypatch, gap_site, tmp_path):
    candidates = [{"name": "gap site", "lon": gap_site[0], "lat": gap_site[1]}]
    at = fresh(monkeypatch)
    at.session_state["candidates"] = candidates
    at.run()
    no_exception(at)
    value, delta = metrics(at)["加入候选点后"]
    s = state.scenario_from_state({k: at.session_state[k] for k in state.defaults()})
    path = save_scenario(s, tmp_path / "from_app.json")
    printed = ok("scenario", "run", path, "--out", tmp_path / "out")
    assert value == f"{100 * printed['candidates']['covered_share_after']:.1f}%"
    assert np.isclose(printed["covered_share"], engine(at).summary()["covered_share"])
