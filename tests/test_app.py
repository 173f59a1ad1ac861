"""The Streamlit app's flows, headless through streamlit.testing (AppTest): what a planner sees matches the engine.

The app runs the same pipeline as the CLI; these tests compare its cards and tables with ``healthplan.run``
on the scenario its state describes, check that a Chinese page says everything in Chinese, and check the
map the app draws (its layers, titles, order and colours) without a browser (tests/test_browser.py has one).
"""

from __future__ import annotations

import io
import json
import re
import time
import zipfile

import numpy as np
import pandas as pd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from apptools import fresh, no_exception
from clitools import ok
from conftest import data_file
from healthplan import run as front
from layers import registry
from spatial import traveltime
from spatial.candidates import CHECKS
from spatial.pipeline import Pipeline
from spatial.regions import resolve
from spatial.scenario import save_scenario
from views import plans, report, style
from views.app import export_tab, foliummap, mapview, state
from views.strings import OVERLAYS, REJECTIONS, reason_text

pytestmark = pytest.mark.slow  # every flow runs the whole page (AppTest); the development loop leaves them out


def metrics(at: AppTest) -> dict[str, tuple[str, str | None]]:
    """Metric label → (value, delta)."""
    return {m.label: (m.value, m.delta) for m in at.metric}


def metric_help(at: AppTest, label: str) -> str:
    """The help text of the card ``label``."""
    return next(m.proto.help for m in at.metric if m.label == label)


def engine(at: AppTest, **extra):
    """The pipeline's results for the scenario the app's state describes."""
    s = state.scenario_from_state({**{k: at.session_state[k] for k in state.defaults()}, **extra})
    return front.run(s, pipeline=Pipeline())


def frames(at: AppTest) -> list[pd.DataFrame]:
    """Every table on the page."""
    return [d.value for d in at.dataframe]


#: ASCII words a Chinese page may show: proper names, formats, units and the command's name.
ALLOWED_WORDS = {
    "healthplan", "GeoJSON", "GeoPackage", "CSV", "JSON", "HTML", "RFC", "OpenStreetMap", "Overpass", "PBF", "OSM",
    "XML", "GCJ", "WGS", "AMap", "GPS", "Tencent", "Baidu", "CartoDB", "positron", "MIT", "Excel", "GeoTIFF", "HiGHS",
    "MILP", "zip", "km", "cnmaps", "Dijkstra", "leiii", "scenario", "run", "min", "AccessMod", "SFCA",
}


def english_words(text: str) -> list[str]:
    """ASCII words of three letters or more that are not paths, identifiers or allowed names."""
    kept = []
    for token in re.split(r"[\s，。；：（）()、“”,;:]+", text):
        if not token or any(c in token for c in "/_.*`"):
            continue  # a path, a file name, a column or class identifier, code: data, not words
        kept += [w for w in re.findall(r"[A-Za-z]{3,}", token) if w not in ALLOWED_WORDS]
    return kept


def page_texts(at: AppTest) -> list[str]:
    """What the main page says in words: headings, captions, boxes, cards, table headers and text, buttons, tabs."""
    out = [m.value for m in at.markdown] + [c.value for c in at.caption]
    out += [b.value for b in (*at.warning, *at.info, *at.error, *at.success)]
    out += [f"{m.label} {m.value} {m.delta or ''} {m.proto.help}" for m in at.metric]
    out += [b.label for b in at.button] + [t.label for t in at.tabs] + [e.label for e in at.expander]
    out += [b.proto.label for b in at.get("download_button")]
    for f in frames(at):
        out += [str(c) for c in f.columns] + [str(i) for i in f.index]
        out += [str(v) for col in f.columns if f[col].dtype == object for v in f[col]]
    return out


@pytest.fixture(scope="module")
def gap_site(hainan_results) -> tuple[float, float]:
    """The road node nearest the most populous 1-hour gap (a site that must add people)."""
    top = hainan_results.gap_table().iloc[0]
    net = hainan_results.inputs.network
    s = traveltime.snap(net, [float(top["lon"])], [float(top["lat"])])
    node = int(s.node[0])
    return float(net.lon[node]), float(net.lat[node])


# ---------------------------------------------------------------------------------------------------
# the page


def test_default_view_shows_what_the_engine_computes_in_chinese(monkeypatch, hainan_results):
    at = fresh(monkeypatch)
    no_exception(at)
    got = metrics(at)
    s = hainan_results.summary()
    assert got["常住人口"][0] == f"{s['population_total'] / 1e4:,.1f} 万"
    assert got["60 分钟三级医院"] == (f"{100 * s['covered_share']:.1f}%", "三级综合医院")
    # the 15/30 cards say on their face that county seats stand in; the tertiary card says what it counts
    assert got["15 分钟城市健康圈"] == (f"{100 * s['health_circles']['urban_share']:.1f}%", "县城代替基层医疗点")
    assert got["30 分钟乡村健康圈"][1] == "县城代替基层医疗点"
    tertiary = metric_help(at, "60 分钟三级医院")
    for name in hainan_results.inputs.facilities["name"]:
        assert name in tertiary
    assert "专科" in tertiary and "counts_for_tertiary_circle" in tertiary and f"{s['covered_population']:,}" in tertiary
    assert 0.4 < s["covered_share"] < 1.0  # a real, partial circle on the backbone network
    assert any("县城代替" in w.value for w in at.warning)  # the notices reach the page, in Chinese
    # the coverage tab: the county table with Hainan's 18 county-level units, headed in Chinese, no English column
    counties = next(f for f in frames(at) if len(f) == 18 and "覆盖率" in f.columns)
    assert "英文名" not in counties.columns and all(v.endswith("%") for v in counties["覆盖率"])
    assert all("." not in v for v in counties["人口"])  # persons as whole numbers
    # the gap table says gaps are split at county lines, and each gap holds no more than its county's people
    assert any("县界" in m.value for m in at.markdown)
    pop = dict(zip(hainan_results.county_table()["adcode"], hainan_results.county_table()["population"], strict=True))
    gaps = hainan_results.gap_table()
    assert all(g <= pop[a] + 1e-6 for g, a in zip(gaps["population"], gaps["adcode"], strict=True))
    # the sources box speaks Chinese: no English sentence from the provenance reaches the page
    leaks = [(text, english_words(text)) for text in page_texts(at) if english_words(text)]
    assert not leaks, leaks[:5]


def test_english_page_speaks_english(monkeypatch):
    at = fresh(monkeypatch)
    at.radio(key="lang").set_value("en").run()
    no_exception(at)
    assert "60 min to tertiary" in metrics(at)
    assert metrics(at)["15-min urban circle"][1] == "county seats stand in"
    assert any(m.value.startswith("### healthplan —") for m in at.markdown)
    assert not any("县城" in w.value for w in at.warning)  # no Chinese leaks into English notices
    counties = next(f for f in frames(at) if len(f) == 18 and "Share" in f.columns)
    assert list(counties.columns[:2]) == ["Name (en)", "Name (zh)"]
    assert any("Road network" in c.value for c in at.caption)
    at.radio(key="basemap").set_value("amap").run()
    no_exception(at)
    assert any("GCJ-02" in c.value for c in at.caption)


def test_method_keeps_its_value_across_a_language_switch(monkeypatch):
    at = fresh(monkeypatch)
    at.selectbox(key="opt_method_zh").set_value("exact").run()
    at.radio(key="lang").set_value("en").run()
    no_exception(at)
    assert at.session_state["opt_method"] == "exact"
    widget = at.selectbox(key="opt_method_en")
    assert widget.value == "exact" and "贪心" not in " ".join(widget.options)  # said in English, value kept


@pytest.mark.parametrize("region,units", [("yunnan", 14), ("haikou", 4)])
def test_switch_region(monkeypatch, region, units):
    if region == "yunnan":
        data_file("roads/kunming_roads.gpkg")  # Yunnan's coverage is measured on Kunming's roads
    at = fresh(monkeypatch)
    at.session_state["candidates"] = [{"name": "Hainan site", "lon": 110.3, "lat": 20.0}]
    at.selectbox(key="region").set_value(region).run()
    no_exception(at)
    assert at.session_state["candidates"] == []  # a new region starts without the old region's sites
    assert any(len(f) == units and "覆盖率" in f.columns for f in frames(at))


def test_kunming_shows_the_emergency_circle_of_the_scenic_areas(monkeypatch):
    data_file("roads/kunming_roads.gpkg")  # the circle is measured on Kunming's roads
    at = fresh(monkeypatch)
    at.selectbox(key="region").set_value("yunnan").run()
    no_exception(at)
    s = state.scenario_from_state({k: at.session_state[k] for k in state.defaults()})
    res = front.run(s, pipeline=Pipeline())
    e = res.metrics.emergency
    assert e is not None and e.total["sites"] > 0
    table = next(f for f in frames(at) if "最近的急救目的地" in f.columns)
    assert len(table) == e.total["sites"] and set(table["达标"]) <= {"是", "否"}
    assert (table["达标"] == "是").sum() == e.total["sites_within"]
    assert any("紧急医学救援圈" in m.value for m in at.markdown)
    assert "emergency_sites" in res.layers()  # … and the map draws them (static layers, see test_map_* below)
    assert "4A级及以上旅游景区建立10分钟紧急医学救援圈" in res.summary()["emergency_circle"]["plan_clause"]


def test_yiyang_has_no_network_but_shows_its_layers_and_the_way_to_one(monkeypatch):
    at = fresh(monkeypatch)
    at.selectbox(key="region").set_value("yiyang").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("益阳" in w.value for w in at.warning)
    assert "湖南" in at.button(key="btn_fetch").label  # the province's extract, named in Chinese
    assert "Yiyang" in at.text_input(key="overpass_place_yiyang").value  # the area, not another region
    assert not at.metric
    t0 = time.perf_counter()
    at.button(key="btn_fetch").click().run()  # offline here: one sentence, fast, in Chinese
    assert time.perf_counter() - t0 < 20
    assert not at.exception
    assert any("无法下载" in e.value and "湖南" in e.value for e in at.error), [e.value for e in at.error]


def test_a_yunnan_prefecture_is_named_everywhere(monkeypatch):
    at = fresh(monkeypatch)
    at.selectbox(key="region").set_value("yunnan").run()
    at.selectbox(key="area_yunnan").set_value("532900").run()  # 大理 has no network here
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "大理" in warning and "云南省" not in warning and "昆明" not in warning
    assert at.text_input(key="overpass_place_532900").value.startswith("Dali")
    assert "云南" in at.button(key="btn_fetch").label


# ---------------------------------------------------------------------------------------------------
# candidate sites


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
    # the gain by county, as the README promises: a table whose persons add up to the site's gain
    by = next(f for f in frames(at) if list(f.columns) == ["名称", "县区", "新增人口"])
    assert by["新增人口"].str.replace(",", "").astype(float).sum() > 0


def test_sites_can_be_removed_and_a_point_added_twice_is_one_site(monkeypatch, gap_site):
    at = fresh(monkeypatch)
    for _ in range(2):  # the same point twice (a file used twice) is one site
        state.add_site(at.session_state, *gap_site)
    state.add_site(at.session_state, gap_site[0] + 0.1, gap_site[1], name="second")
    at.run()
    assert [c["name"] for c in at.session_state["candidates"]] == ["#1", "second"]
    at.button(key="rm_second").click().run()
    no_exception(at)
    assert [c["name"] for c in at.session_state["candidates"]] == ["#1"]


def test_a_rejected_site_shows_its_whole_reason_in_chinese(monkeypatch):
    at = fresh(monkeypatch)
    state.add_site(at.session_state, 108.2, 17.6, name="海上")  # at sea, far from any road, outside Hainan
    at.run()
    no_exception(at)
    res = engine(at)
    reason = res.evaluation.sites.set_index("name").loc["海上", "reason"]
    assert reason.count(";") >= 1  # the engine lists every failed check …
    line = next(m.value for m in at.markdown if "海上" in m.value)
    assert reason_text(reason, "zh") in line  # … and the page says all of them, in Chinese
    assert "不在陆地上" in line and "距最近道路节点" in line and not english_words(line.replace("**", ""))
    assert metrics(at)["加入候选点后"][1] == "+0"
    assert set(REJECTIONS) == set(CHECKS)  # every check the engine makes has its words in both languages


def test_optimiser_table_moves_the_card_and_stays_until_the_settings_change(monkeypatch):
    at = fresh(monkeypatch)
    at.number_input(key="opt_k").set_value(2).run()
    at.button(key="run_opt").click().run()
    no_exception(at)
    opt = at.session_state["optimised"]
    r = opt["result"]
    assert r.chosen.size == 2 and r.covered_after > r.covered_before
    assert metrics(at)["优化 2 个新院址后"][0] == f"{100 * r.share_after:.1f}%"
    table = next(f for f in frames(at) if "建成后覆盖率" in f.columns and "次序" in f.columns)
    assert list(table.columns) == ["次序", "名称", "县区", "边际新增人口", "建成后覆盖率"]
    assert table["名称"].str.startswith("空白区候选点").all() and (table["县区"] != "").all()
    assert table["建成后覆盖率"].iloc[-1] == f"{100 * r.share_after:.1f}%"
    at.run()  # a later run keeps it
    assert "优化 2 个新院址后" in metrics(at)
    at.text_input(key="scenario_name").input("k2")
    at.button(key="keep_scenario").click().run()
    no_exception(at)
    at.number_input(key="t_tertiary").set_value(75.0).run()  # new settings: the card goes, the table says why
    no_exception(at)
    assert not any(k.startswith("优化 ") for k in metrics(at))
    assert any("设置" in w.value and "重新运行" in w.value for w in at.warning)
    at.text_input(key="scenario_name").input("75 分钟")
    at.button(key="keep_scenario").click().run()
    side = next(f for f in frames(at) if "k2" in f.columns)
    assert list(side.columns) == ["k2", "75 分钟"]  # side by side, one column per scenario
    assert side.loc["优化选址后覆盖率", "k2"].startswith(f"{100 * r.share_after:.1f}%")
    assert side.loc["阈值（三级 / 城市 / 乡村，分钟）", "75 分钟"] == "75 / 15 / 30"


def test_export_buttons_report_and_csv_provenance(monkeypatch, gap_site, hainan_results):
    at = fresh(monkeypatch)
    at.session_state["candidates"] = [{"name": "缺口点", "lon": gap_site[0], "lat": gap_site[1]}]
    at.text_input(key="scenario_name").input("方案甲")
    at.run()
    no_exception(at)
    assert len(at.get("download_button")) >= 10  # gpkg, 3 csv zips, map, report, summary, plans, scenario JSON, one GeoJSON per layer
    res = engine(at)
    assert res.scenario.name == "方案甲"
    doc = report.report_html(res, front.plan_layers(res.region), lang="zh")
    assert "方案甲" in doc and "plotly" in doc.lower() and "覆盖空白区" in doc and "缺口点" in doc
    assert "按县界分开" in doc
    data = export_tab.csv_zip(res.tables(), res.provenance)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        assert {"counties.csv", "counties.csv.provenance.json", "gaps.csv", "gaps.csv.provenance.json"} <= names
        prov = json.loads(z.read("counties.csv.provenance.json"))
        back = pd.read_csv(z.open("counties.csv"), encoding="utf-8-sig")
    assert prov["scenario"]["name"] == "方案甲" and prov["region"]["name"] == "hainan"
    np.testing.assert_allclose(back["covered"], res.county_table()["covered"], rtol=1e-9)


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


# ---------------------------------------------------------------------------------------------------
# the map the app draws (no browser: the prepared component arguments)


@pytest.fixture(scope="module")
def hainan_map(hainan_results) -> foliummap.Prepared:
    """The app's static map of the default Hainan run, made by the app's own (cached) function."""
    return mapview.static_map("test_app-hainan", hainan_results, registry.all_layers("hainan"), "zh", "positron")


def test_map_plan_layers_are_on_and_titled_in_the_page_language(hainan_map):
    titles = {t: on for t, _, on in hainan_map.overlays}
    for key, frame in registry.all_layers("hainan").items():
        assert frame.attrs["title_zh"] != key, f"{key} has no title in layers/registry.py TITLES"
        assert titles.get(frame.attrs["title_zh"]) is True, key  # listed under its Chinese name and switched on
    assert not any("/" in t for t in titles)  # no slugs
    assert titles[OVERLAYS["surface"][0]] and titles[OVERLAYS["gaps"][0]] and titles[OVERLAYS["counties_outline"][0]]
    assert titles[OVERLAYS["counties"][0]] is False  # the choropleth waits in the control


def test_map_draws_points_over_lines_over_areas_and_areas_let_the_mouse_through(hainan_map):
    script = hainan_map.script
    z = {name: int(v) for name, v in re.findall(r'createPane\(\s*"(hp-[a-z-]+)"\);\s*\w+\.style\.zIndex = (\d+)', script)}
    assert z["hp-surface"] < z["hp-counties"] < z["hp-plan-areas"] < z["hp-gaps"] < z["hp-lines"] \
        < z["hp-plan-points"] < z["hp-points"] < z["hp-facilities"] < z["hp-sites"] < 650  # below tooltips
    assert "pointer-events:visibleStroke" in hainan_map.header  # plan areas answer on their outline only
    # the region outline, the county outlines and the isochrones never take the mouse from the surface
    assert script.count('"interactive": false') >= 3


def test_map_colours_do_not_collide():
    frames = list(registry.all_layers("hainan").values())
    looks = plans.looks_for(frames)
    pairs = {(plans.layer_key(f), str(r)) for f in frames for r in f["role"]}
    assert set(looks) == pairs
    assert len({(v.colour, v.dot) for v in looks.values()}) == len(looks)  # each (layer, role) its own look
    reserved = {s.fill for s in style.SYMBOLS.values()} | {style.GAP_COLOUR, *style.VIRIDIS, *style.SHARE_COLOURS}
    assert not reserved & set(style.PLAN_PALETTE)


def test_map_payload_is_light(hainan_map):
    size_mb = (len(hainan_map.script) + len(hainan_map.header) + sum(map(len, hainan_map.js_links))) / 1e6
    assert size_mb < 1.3, size_mb  # the first cut sent 1.7 MB (and the same again on every click)
    geometry = "".join(re.findall(r'"coordinates": ([-\d.,\[\] ]+)', hainan_map.script))
    assert max(len(x) for x in re.findall(r"\.(\d+)", geometry)) <= 5  # no 15-digit coordinates


def test_region_without_network_still_draws_its_outline_and_counties():
    region = resolve("yiyang")
    prepared = mapview.base_map("test_app-yiyang", region, registry.all_layers("yiyang"), "zh", "positron")
    titles = [t for t, _, _ in prepared.overlays]
    assert OVERLAYS["outline"][0] in titles and OVERLAYS["counties_outline"][0] in titles
    for name in region.counties["name_zh"]:
        assert json.dumps(name)[1:-1] in prepared.script or name in prepared.script
    assert shapely.get_num_geometries(region.outline) >= 1


def test_a_network_belongs_to_its_prefecture_not_to_yunnan():
    base = {**state.defaults(), "region": "yunnan", "area_yunnan": "532900"}
    kept = {**base, "src_network": {"532900": {"kind": "pbf", "path": "/x/dali.osm.pbf", "options": {}}}}
    assert state.scenario_from_state(kept).network.path == "/x/dali.osm.pbf"  # 大理 uses its own network …
    assert state.scenario_from_state({**kept, "area_yunnan": "530100"}).network.kind == "default"  # … 昆明 not
