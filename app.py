"""healthplan — the Streamlit app: plan layers, travel-time coverage, candidate sites, your own data, exports.

UI only: every figure comes from the engine (spatial.scenario stages, spatial.report, layers.*).
Run with ``streamlit run app.py`` (or ``scripts/run_app.sh`` on a fresh machine).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.express as px
import streamlit as st
from streamlit_folium import st_folium

from spatial import report, settings
from spatial import scenario as sc
from spatial.errors import HealthplanError

# --------------------------------------------------------------------------------------------------
# UI strings (中文 / English)
# --------------------------------------------------------------------------------------------------

STRINGS: dict[str, tuple[str, str]] = {
    "title": ("healthplan 医疗卫生服务空间规划", "healthplan — spatial planning of health services"),
    "language": ("语言 / Language", "Language / 语言"),
    "region": ("规划区域", "Region"),
    "area": ("覆盖计算范围（州市）", "Coverage area (prefecture)"),
    "yunnan_note": (("本机只有昆明市的路网数据（roads/kunming_roads.gpkg），云南的覆盖默认只算昆明市 530100；"
                     "其他州市需要先建路网。"),
                    ("The only Yunnan road network here is Kunming's (roads/kunming_roads.gpkg), so Yunnan coverage "
                     "defaults to Kunming (530100); other prefectures need a network built first.")),
    "haikou_note": ("海口使用海南主干路网（高速/国道/省道，较粗）。",
                    "Haikou uses the Hainan backbone network (motorway/trunk/primary only — coarse)."),
    "data_dir": ("数据文件夹", "Data folder"),
    "data_dir_help": ("含 roads/、population/ 的文件夹；也可用环境变量 HEALTHPLAN_DATA 设置。",
                      "Folder with roads/, population/ …; also settable with the HEALTHPLAN_DATA environment variable."),
    "basemap": ("底图", "Basemap"),
    "amap_note": ("高德底图为 GCJ-02 坐标，所有图层已平移对齐。", "AMap tiles are GCJ-02: every overlay is shifted to match."),
    "layers": ("结果图层", "Result layers"),
    "plan_layers": ("规划图层", "Plan layers"),
    "thresholds": ("阈值（分钟）", "Thresholds (minutes)"),
    "t_tertiary": ("三级医院服务圈", "Tertiary-hospital circle"),
    "t_urban": ("城市健康圈", "Urban health circle"),
    "t_rural": ("乡村健康圈", "Rural health circle"),
    "m_population": ("人口", "Population"),
    "m_tertiary": ("{t:g} 分钟三级医院服务圈", "{t:g}-minute tertiary circle"),
    "m_urban": ("{t:g} 分钟城市健康圈", "{t:g}-minute urban circle"),
    "m_rural": ("{t:g} 分钟乡村健康圈", "{t:g}-minute rural circle"),
    "m_with_cand": ("加入候选点后", "With candidate sites"),
    "m_help_primary": ("到基层医疗点的时间；本机没有村卫生室/社区卫生服务中心位置，以县城代替（stand-in）。",
                       "Minutes to primary care; no clinic locations here, so county seats stand in for them."),
    "tab_coverage": ("覆盖分析", "Coverage"),
    "tab_sites": ("候选院址", "Candidate sites"),
    "tab_data": ("我的数据", "Your data"),
    "tab_export": ("导出", "Export"),
    "county_table": ("分县结果", "By county"),
    "bar_title": ("{t:g} 分钟内人口占比（分县）", "Share within {t:g} minutes, by county"),
    "hist_title": ("各出行时间带人口", "Population by travel-time band"),
    "gap_table": ("覆盖空白区（超过 {t:g} 分钟，按人口排序，前 20）", "Coverage gaps (beyond {t:g} min, most people first, top 20)"),
    "sources": ("数据来源与假设", "Data sources and assumptions"),
    "click_adds": ("点击地图添加候选院址", "Click on the map to add a candidate site"),
    "snap_click": ("点击点移到最近道路节点", "Move clicked sites onto the nearest road node"),
    "add_site": ("添加候选点", "Add site"),
    "lon": ("经度", "Longitude"),
    "lat": ("纬度", "Latitude"),
    "site_name": ("名称", "Name"),
    "upload_sites": ("上传候选点（CSV / GeoJSON，含经纬度）", "Upload candidate sites (CSV / GeoJSON with lon/lat)"),
    "clear_sites": ("清除候选点", "Clear candidate sites"),
    "no_sites": ("还没有候选点：点击地图、输入坐标或上传文件。", "No candidate sites yet: click the map, type coordinates or upload a file."),
    "gain_table": ("候选点新增覆盖人口", "People newly covered by the candidate sites"),
    "optimiser": ("优化选址", "Optimise new sites"),
    "k": ("新增院址数 k", "New sites k"),
    "method": ("方法", "Method"),
    "run_opt": ("运行优化", "Run the optimiser"),
    "opt_result": ("优化结果", "Optimiser result"),
    "compare": ("方案比较", "Compare scenarios"),
    "scenario_name": ("方案名称", "Scenario name"),
    "keep": ("保存到比较表", "Keep for comparison"),
    "save_json": ("下载方案 JSON（可用 healthplan scenario run 重放）",
                  "Download the scenario JSON (replay with healthplan scenario run)"),
    "clear_compare": ("清空比较表", "Clear the comparison"),
    "up_fac": ("上传医疗机构（CSV / Excel / GeoJSON；可含床位、医生、护士）",
               "Upload facilities (CSV / Excel / GeoJSON; may carry beds, doctors, nurses)"),
    "datum": ("坐标系", "Coordinate datum"),
    "up_roads": ("上传路网（OSM .pbf，或道路线 GeoPackage / GeoJSON）",
                 "Upload a road network (OSM .pbf, or road lines as GeoPackage / GeoJSON)"),
    "class_field": ("道路等级字段（道路线文件）", "Road-class field (road-line files)"),
    "up_pop": ("上传人口栅格 GeoTIFF（每像元人数）", "Upload a population GeoTIFF (persons per pixel)"),
    "use_file": ("使用此文件", "Use this file"),
    "reset_data": ("恢复默认数据", "Back to the default data"),
    "resources": ("每千人资源与规划目标", "Resources per 1,000 residents vs plan targets"),
    "no_resources": ("上传的机构表含床位/医生/护士列时，这里显示每千人指标。",
                     "Upload facilities with beds/doctors/nurses columns to see per-1,000 figures here."),
    "too_big": ("{name} 有 {mb:.0f} MB，超过此类文件的上限 {limit} MB；请裁剪到规划区域后再上传。",
                "{name} is {mb:.0f} MB, over the {limit} MB limit for this kind of file; clip it to the region first."),
    "no_network": ("数据文件夹 {d} 中没有 {r} 的路网：图层照常显示，覆盖分析需要先建路网。",
                   "No road network for {r} in the data folder {d}: the layers show, coverage needs a network first."),
    "build_geofabrik": ("下载 Geofabrik {p} 省 OSM 数据并建网", "Download the Geofabrik {p} extract and build"),
    "build_overpass": ("从 Overpass 下载（地名）", "Download from Overpass (place name)"),
    "place": ("地名", "Place name"),
    "build_upload": ("或在“我的数据”页上传路网文件。", "Or upload a road file in the Your data tab."),
    "internet": ("需要联网；首次建网需几分钟，之后从缓存读取。",
                 "Needs the internet; the first build takes minutes, later runs load it from the cache."),
    "loading_net": ("读取路网（首次会建网并缓存）…", "Loading the road network (built and cached the first time)…"),
    "computing": ("计算覆盖…", "Computing coverage…"),
    "exports": ("导出给其他 GIS 软件", "Exports for other GIS tools"),
    "gpkg": ("全部图层 GeoPackage", "All layers as one GeoPackage"),
    "map_html": ("地图（独立 HTML）", "Map (standalone HTML)"),
    "report": ("简要报告（HTML）", "Short report (HTML)"),
    "csv_counties": ("分县表 CSV", "County table CSV"),
    "csv_gaps": ("空白区表 CSV", "Gap table CSV"),
    "geojson_of": ("GeoJSON：{n}", "GeoJSON: {n}"),
    "error": ("无法完成：", "Could not finish: "),
    "rejected": ("不可用的候选点", "Rejected candidate sites"),
    "opt_progress": ("优化中…", "Optimising…"),
    "candidates_source": ("候选点：{n} 个缺口中心点 + 你的候选点，需在陆地、区域内、离道路 ≤ {km:g} km。",
                          ("Candidates: {n} gap centres + your own sites; each must be on land, inside the region "
                           "and ≤ {km:g} km from a road.")),
}

REGION_NAMES = {"hainan": ("海南省", "Hainan"), "yunnan": ("云南省", "Yunnan"), "yiyang": ("益阳市", "Yiyang"),
                "haikou": ("海口市", "Haikou")}
#: Option labels stay the same in both languages (a widget keeps its value only while its labels do).
METHOD_NAMES = {"greedy": "贪心+交换 greedy + interchange", "exact": "精确 exact MILP (HiGHS)"}
BASEMAP_NAMES = {"osm": "OpenStreetMap", "positron": "CartoDB positron", "amap": "高德 AMap (GCJ-02)"}
DATUMS = {"wgs84": "WGS84 (GPS/OSM)", "gcj02": "GCJ-02 (高德/腾讯 AMap/Tencent)", "bd09": "BD-09 (百度 Baidu)"}

#: Explicit upload limits (MB) per kind of file, below server.maxUploadSize in .streamlit/config.toml.
UPLOAD_LIMIT_MB: dict[str, int] = {"facilities": 50, "candidates": 20, "roads": 1000, "population": 500}
UPLOAD_DIR: Path = settings.CACHE_DIR / "uploads"


def t(key: str, **kw: Any) -> str:
    """A UI string in the chosen language."""
    zh, en = STRINGS[key]
    text = zh if st.session_state.get("lang", "zh") == "zh" else en
    return text.format(**kw) if kw else text


def lang() -> str:
    """'zh' or 'en'."""
    return st.session_state.get("lang", "zh")


def pick(pair: tuple[str, str]) -> str:
    """The zh or en half of a pair."""
    return pair[0] if lang() == "zh" else pair[1]


# --------------------------------------------------------------------------------------------------
# Cached engine calls
# --------------------------------------------------------------------------------------------------


@st.cache_resource(max_entries=4, show_spinner=False)
def cached_network(key: str, _scenario: sc.Scenario) -> Any:
    """The scenario's network (keyed on its source, data folder and area)."""
    return sc.load_network(_scenario)


@st.cache_data(max_entries=8, show_spinner=False)
def cached_population(key: str, _scenario: sc.Scenario, _net: Any) -> Any:
    """The population grid (keyed on network key, population source and cell size)."""
    return sc.load_population(_scenario, sc.region_of(_scenario), _net)


@st.cache_data(max_entries=8, show_spinner=False)
def cached_facilities(key: str, _source: sc.Source, area: str) -> Any:
    """Facilities of a source for an area."""
    from spatial import regions

    return sc.load_facilities(_source, regions.resolve(area))


@st.cache_data(max_entries=8, show_spinner=False)
def cached_coverage(key: str, _scenario: sc.Scenario, _net: Any, _grid: Any, _fac: Any, _primary: Any) -> Any:
    """Today's coverage (circle, bands, gaps, isochrones, health circles, surface)."""
    return sc.coverage_stage(_scenario, _net, _grid, sc.region_of(_scenario), _fac, _primary)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_candidates(key: str, _scenario: sc.Scenario, _net: Any, _grid: Any, _fac: Any) -> Any:
    """What-if of the candidate sites (gains and isochrones)."""
    cells = sc.site_cells(_net, _grid, _fac)
    return sc.candidate_stage(_scenario, _net, cells, sc.region_of(_scenario))


@st.cache_data(max_entries=4, show_spinner=False)
def cached_plan_layers(region: str) -> dict[str, Any]:
    """Every plan layer of the region (layers.registry)."""
    from layers import registry

    return registry.all_layers(region)


@st.cache_data(max_entries=2, show_spinner=False)
def yunnan_prefectures() -> dict[str, str]:
    """Yunnan prefecture adcode → '昆明市 Kunming'."""
    from spatial import boundaries

    pref = boundaries.counties("yunnan_prefectures")
    return {str(int(c)): f"{zh} {en}" for c, zh, en in pref[["adcode", "name_zh", "name_en"]].itertuples(index=False)}


# --------------------------------------------------------------------------------------------------
# Session state and the scenario it describes
# --------------------------------------------------------------------------------------------------


def default_state() -> dict[str, Any]:
    """The session's starting values (widgets and app state)."""
    state: dict[str, Any] = {
        "lang": "zh", "region": "hainan", "area_yunnan": "530100",
        "data_dir": os.environ.get("HEALTHPLAN_DATA") or str(settings.DATA_DIR), "basemap": "osm",
        "candidates": [],  # list of {name, lon, lat} WGS84
        "last_click": None, "compare": {},
        "optimised": None,  # (key, OptimiseStage)
        "src_network": {}, "src_facilities": None, "src_population": {},  # region → Source dict (facilities: one)
        "click_adds": True, "snap_click": True, "plan_layers": [],
        "t_tertiary": float(settings.TERTIARY_THRESHOLD_MIN), "t_urban": float(settings.URBAN_THRESHOLD_MIN),
        "t_rural": float(settings.RURAL_THRESHOLD_MIN), "opt_k": 2, "opt_method": "greedy",
    }  # fmt: skip
    for key in report.OVERLAYS:
        state[f"show_{key}"] = key in ("surface", "isochrones", "gaps", "facilities", "candidates",
                                       "candidate_isochrones", "optimised_sites")
    return state


def init_state() -> None:
    """Initialise session state once."""
    for key, value in default_state().items():
        st.session_state.setdefault(key, value)


def scenario_from_state(state: Any) -> sc.Scenario:
    """The scenario a session's state describes (pure: a dict works too)."""
    region = state["region"]
    # Only a data folder the user changed goes into the scenario, so a saved file replays on another machine.
    default_dir = os.environ.get("HEALTHPLAN_DATA") or str(settings.DATA_DIR)
    given = (state["data_dir"] or "").strip()
    s = sc.Scenario(region=region, area=state["area_yunnan"] if region == "yunnan" else None,
                    name=state.get("scenario_name") or "", data_dir=given if given and given != default_dir else None)
    if region in state["src_network"]:
        s.network = sc.Source(**state["src_network"][region])
    if state["src_facilities"]:
        s.facilities = sc.Source(**state["src_facilities"])
    if region in state["src_population"]:
        s.population = sc.Source(**state["src_population"][region])
    s.thresholds = sc.Thresholds(tertiary_min=float(state["t_tertiary"]), urban_min=float(state["t_urban"]),
                                 rural_min=float(state["t_rural"]))
    s.candidates = [sc.Candidate(c["name"], float(c["lon"]), float(c["lat"])) for c in state["candidates"]]
    s.optimiser = sc.Optimiser(k=int(state["opt_k"]), method=state["opt_method"],
                               threshold_min=float(state["t_tertiary"]))
    return s


def current_scenario() -> sc.Scenario:
    """The scenario the widgets describe."""
    return scenario_from_state(st.session_state)


def saved_scenario(s: sc.Scenario, res: sc.ScenarioResults | None) -> sc.Scenario:
    """What "save scenario" writes: the optimiser only when it was run for this scenario (else k = 0)."""
    if res is not None and res.optimised is not None:
        return s
    return dataclasses.replace(s, optimiser=dataclasses.replace(s.optimiser, k=0))


def keys(s: sc.Scenario) -> dict[str, str]:
    """Cache keys of the stages of a scenario."""
    net = sc.network_key(s)
    pop = sc.key_of(net, dataclasses.asdict(s.population), s.cell_m)
    fac = sc.key_of(dataclasses.asdict(s.facilities), s.coverage_area())
    prim = sc.key_of(dataclasses.asdict(s.primary), s.coverage_area())
    cov = sc.key_of(pop, fac, prim, dataclasses.asdict(s.thresholds))
    cand = sc.key_of(cov, [dataclasses.asdict(c) for c in s.candidates])
    opt = sc.key_of(cov, [dataclasses.asdict(c) for c in s.candidates], dataclasses.asdict(s.optimiser))
    return {"net": net, "pop": pop, "fac": fac, "prim": prim, "cov": cov, "cand": cand, "opt": opt}


def save_upload(upload: Any, kind: str) -> Path | None:
    """Store an uploaded file under the cache's uploads/ (content-hashed name); None (with an error) if too big."""
    size_mb = upload.size / 1e6
    if size_mb > UPLOAD_LIMIT_MB[kind]:
        st.error(t("too_big", name=upload.name, mb=size_mb, limit=UPLOAD_LIMIT_MB[kind]))
        return None
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()[:16]
    safe = re.sub(r"[^0-9A-Za-z_.-]+", "_", upload.name)[-60:]
    UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    path = UPLOAD_DIR / f"{digest}-{safe}"
    if not path.exists():
        path.write_bytes(data)
    return path


# --------------------------------------------------------------------------------------------------
# Sidebar
# --------------------------------------------------------------------------------------------------


def new_region() -> None:
    """A new region starts without the previous region's candidate sites and optimiser result."""
    st.session_state["candidates"] = []
    st.session_state["optimised"] = None
    st.session_state["last_click"] = None


def sidebar(plan_keys: list[str]) -> None:
    """Language, region, data folder, basemap, layer toggles, thresholds."""
    ss = st.session_state
    with st.sidebar:
        st.radio(t("language"), ["zh", "en"], key="lang", horizontal=True,
                 format_func=lambda v: "中文" if v == "zh" else "English")
        st.selectbox(t("region"), list(REGION_NAMES), key="region", on_change=new_region,
                     format_func=lambda r: f"{REGION_NAMES[r][0]} {REGION_NAMES[r][1]}")
        if ss["region"] == "yunnan":
            prefs = yunnan_prefectures()
            st.selectbox(t("area"), list(prefs), key="area_yunnan", format_func=lambda c: f"{c} {prefs.get(c, '')}")
            st.caption(t("yunnan_note"))
        if ss["region"] == "haikou":
            st.caption(t("haikou_note"))
        st.text_input(t("data_dir"), key="data_dir", help=t("data_dir_help"))
        st.radio(t("basemap"), list(report.BASEMAPS), key="basemap", format_func=BASEMAP_NAMES.get)
        if ss["basemap"] == "amap":
            st.caption(t("amap_note"))
        st.subheader(t("layers"))
        for key in report.OVERLAYS:
            st.checkbox(report.overlay_name(key, lang()), key=f"show_{key}")  # type: ignore[arg-type]
        st.subheader(t("plan_layers"))
        ss["plan_layers"] = [k for k in ss["plan_layers"] if k in plan_keys]
        st.multiselect(t("plan_layers"), plan_keys, key="plan_layers", label_visibility="collapsed")
        with st.expander(t("thresholds")):
            st.number_input(t("t_tertiary"), 5.0, 240.0, step=5.0, key="t_tertiary")
            st.number_input(t("t_urban"), 5.0, 120.0, step=5.0, key="t_urban")
            st.number_input(t("t_rural"), 5.0, 120.0, step=5.0, key="t_rural")


# --------------------------------------------------------------------------------------------------
# Map
# --------------------------------------------------------------------------------------------------


def draw_map(layers: dict[str, Any], plan: dict[str, Any], bounds: tuple, bands_min: Any, net: Any) -> None:
    """Render the folium map; a click adds a candidate site when that is switched on."""
    ss = st.session_state
    shown = {k: v for k, v in layers.items() if ss.get(f"show_{k}", False)}
    chosen_plan = {k: plan[k] for k in ss["plan_layers"] if k in plan}
    m = report.results_map(shown, plan_layers=chosen_plan, lang=lang(), basemap=ss["basemap"],  # type: ignore[arg-type]
                           bounds=bounds, bands_min=bands_min)
    out = st_folium(m, key="map", height=560, use_container_width=True, returned_objects=["last_clicked"])
    click = (out or {}).get("last_clicked")
    if click and ss["click_adds"] and net is not None and click != ss["last_click"]:
        ss["last_click"] = click
        lon, lat = float(click["lng"]), float(click["lat"])
        if report.BASEMAPS[ss["basemap"]]["datum"] == "gcj02":  # the click is in the tiles' datum
            from spatial.coords import to_wgs84

            lon, lat = (float(v[0]) for v in to_wgs84([lon], [lat], "gcj02"))
        add_candidate(lon, lat, net=net)
        st.rerun()


def add_candidate(lon: float, lat: float, *, name: str | None = None, net: Any = None) -> None:
    """Add a candidate site (WGS84), moved onto the nearest road node when that option is on and one is near.

    Only within the candidate check's road distance (settings.MAX_ROAD_M): a click farther off — in the sea,
    deep in a forest — stays where it was, so the checks can say why it is unusable.
    """
    ss = st.session_state
    if net is not None and ss.get("snap_click", True):
        from spatial import traveltime

        s = traveltime.snap(net, [lon], [lat])
        if float(s.dist_m[0]) <= settings.MAX_ROAD_M:
            lon, lat = float(net.lon[int(s.node[0])]), float(net.lat[int(s.node[0])])
    n = len(ss["candidates"]) + 1
    ss["candidates"] = [*ss["candidates"], {"name": name or f"site {n}", "lon": round(lon, 6), "lat": round(lat, 6)}]


# --------------------------------------------------------------------------------------------------
# Panels
# --------------------------------------------------------------------------------------------------


def metric_cards(res: sc.ScenarioResults) -> None:
    """Headline metric cards: population, 1-hour circle, 15/30-minute circles, with the candidates."""
    s = res.summary()
    th = res.scenario.thresholds
    cols = st.columns(5)
    cols[0].metric(t("m_population"), f"{s['population_total']:,}")
    cols[1].metric(t("m_tertiary", t=th.tertiary_min), f"{100 * s['covered_share']:.1f}%",
                   help=f"{s['covered_population']:,}")
    cols[2].metric(t("m_urban", t=th.urban_min), f"{100 * s['urban_share_15min']:.1f}%", help=t("m_help_primary"))
    cols[3].metric(t("m_rural", t=th.rural_min), f"{100 * s['rural_share_30min']:.1f}%", help=t("m_help_primary"))
    if "covered_share_with_candidates" in s:
        delta = s["covered_population_with_candidates"] - s["covered_population"]
        cols[4].metric(t("m_with_cand"), f"{100 * s['covered_share_with_candidates']:.1f}%", delta=f"+{delta:,}")
    else:
        cols[4].metric(t("m_with_cand"), "—")


def sources_box(res: sc.ScenarioResults) -> None:
    """Data sources and assumptions from the provenance."""
    p = res.provenance
    st.markdown(f"**{t('sources')}**")
    for k, v in p.get("sources", {}).items():
        st.caption(f"**{k}**: {v if not isinstance(v, dict) else json.dumps(v, ensure_ascii=False)}")
    a = p.get("assumptions", {})
    st.caption(f"detour × {a.get('detour_factor')}, access {a.get('access_kmh')} km/h, cell {a.get('cell_m'):g} m")
    st.caption(str(p.get("method", "")))
    pop_method = (p.get("population") or {}).get("method")
    if pop_method:
        st.caption(f"population: {pop_method}")


def coverage_panel(res: sc.ScenarioResults) -> None:
    """County table, bar chart, band histogram; sources and assumptions beside them."""
    table = report.county_table(res)
    th = res.scenario.thresholds
    name_col = "name_zh" if lang() == "zh" else "name_en"
    left, right = st.columns([3, 1])
    with left:
        fig = px.bar(table.sort_values("share"), x="share", y=name_col, orientation="h",
                     title=t("bar_title", t=th.tertiary_min), range_x=[0, 1], height=max(300, 22 * len(table)))
        fig.update_layout(xaxis_tickformat=".0%", yaxis_title=None, xaxis_title=None, margin={"l": 10, "r": 10, "t": 40, "b": 10})
        st.plotly_chart(fig, width="stretch")
        bands = res.coverage.report.summary["bands"]
        labels = [c for c in bands if c.startswith("pop_")]
        edges = [0.0, *th.bands_min]
        names = [report.band_label(edges[i], edges[i + 1] if i + 1 < len(edges) else None, lang())  # type: ignore[arg-type]
                 for i in range(len(labels))]
        hist = pd.DataFrame({"band": names, "population": [bands[c] for c in labels]})
        fig2 = px.bar(hist, x="band", y="population", title=t("hist_title"), color="band",
                      color_discrete_sequence=list(report.BAND_COLOURS))
        fig2.update_layout(showlegend=False, xaxis_title=None, margin={"l": 10, "r": 10, "t": 40, "b": 10})
        st.plotly_chart(fig2, width="stretch")
        st.markdown(f"**{t('county_table')}**")
        st.dataframe(table, hide_index=True, width="stretch")
        st.markdown(f"**{t('gap_table', t=th.tertiary_min)}**")
        st.dataframe(res.coverage.report.gap_table.head(20), hide_index=True, width="stretch")
    with right:
        sources_box(res)


def sites_panel(res: sc.ScenarioResults | None, s: sc.Scenario, net: Any, grid: Any, fac: Any, k: dict) -> None:
    """Add candidate sites, see their gains; run the optimiser; compare and save scenarios."""
    ss = st.session_state
    c1, c2 = st.columns(2)
    c1.checkbox(t("click_adds"), key="click_adds")
    c2.checkbox(t("snap_click"), key="snap_click")
    # typed and uploaded sites may come from AMap/Baidu: convert them like the facilities
    cand_datum = st.selectbox(t("datum"), list(DATUMS), format_func=DATUMS.get, key="cand_datum")
    with st.form("add_site", clear_on_submit=False):
        f1, f2, f3 = st.columns([2, 2, 2])
        region = res.region if res is not None else sc.region_of(s)
        cx, cy = (region.bbox[0] + region.bbox[2]) / 2, (region.bbox[1] + region.bbox[3]) / 2
        lon = f1.number_input(t("lon"), -180.0, 180.0, value=round(cx, 4), format="%.5f", key="new_lon")
        lat = f2.number_input(t("lat"), -90.0, 90.0, value=round(cy, 4), format="%.5f", key="new_lat")
        name = f3.text_input(t("site_name"), key="new_name")
        if st.form_submit_button(t("add_site")):
            from spatial.coords import to_wgs84

            wlon, wlat = to_wgs84(float(lon), float(lat), cand_datum)
            add_candidate(float(wlon), float(wlat), name=name or None, net=None)
            st.rerun()
    up = st.file_uploader(t("upload_sites"), type=["csv", "geojson", "json"], key="up_sites")
    if up is not None and st.button(t("use_file"), key="use_sites"):
        path = save_upload(up, "candidates")
        if path is not None:
            try:
                from spatial import facilities as fm

                frame = fm.read_facilities(path, datum=cand_datum)
                for i, (nm, g) in enumerate(zip(frame["name"], frame.geometry, strict=True)):
                    add_candidate(g.x, g.y, name=str(nm) if pd.notna(nm) else f"{up.name} {i + 1}", net=None)
                st.rerun()
            except HealthplanError as exc:
                st.error(f"{t('error')}{exc}")
    if ss["candidates"] and st.button(t("clear_sites")):
        ss["candidates"] = []
        st.rerun()
    if res is None:
        return
    if res.candidates is None:
        st.info(t("no_sites"))
    else:
        st.markdown(f"**{t('gain_table')}**")
        frame = pd.DataFrame(res.candidates.sites.drop(columns="geometry"))
        frame.insert(1, "lon", res.candidates.sites.geometry.x.round(5))
        frame.insert(2, "lat", res.candidates.sites.geometry.y.round(5))
        st.dataframe(frame, hide_index=True, width="stretch")
        if not res.candidates.combined.empty:
            st.dataframe(res.candidates.combined, hide_index=True)
    st.subheader(t("optimiser"))
    o1, o2, o3 = st.columns([1, 2, 2])
    o1.number_input(t("k"), 1, 50, step=1, key="opt_k")
    o2.selectbox(t("method"), list(METHOD_NAMES), key="opt_method", format_func=METHOD_NAMES.get)
    st.caption(t("candidates_source", n=settings.GAP_CANDIDATES_N, km=settings.MAX_ROAD_M / 1000))
    if o3.button(t("run_opt"), type="primary"):
        bar = st.progress(0.0, text=t("opt_progress"))
        try:
            cells = sc.site_cells(net, grid, fac)
            stage = sc.optimise_stage(s, net, grid, cells, res.region,
                                      progress=lambda msg, f: bar.progress(min(max(f, 0.0), 1.0), text=msg)
                                      if f is not None else None)
            ss["optimised"] = (k["opt"], stage)
            st.rerun()
        except HealthplanError as exc:
            st.error(f"{t('error')}{exc}")
    if res.optimised is not None:
        st.markdown(f"**{t('opt_result')}**")
        st.json(res.summary().get("optimiser", {}), expanded=False)
        st.dataframe(pd.DataFrame(res.optimised.sites.assign(lon=res.optimised.sites.geometry.x.round(5),
                                                              lat=res.optimised.sites.geometry.y.round(5))
                                  .drop(columns="geometry")), hide_index=True)
    st.subheader(t("compare"))
    n1, n2, n3 = st.columns([2, 1, 1])
    n1.text_input(t("scenario_name"), key="scenario_name", placeholder="A")
    if n2.button(t("keep")):
        label = ss.get("scenario_name") or f"#{len(ss['compare']) + 1}"
        ss["compare"] = {**ss["compare"], label: flat_summary(res.summary())}
    if ss["compare"] and n3.button(t("clear_compare")):
        ss["compare"] = {}
    if ss["compare"]:
        st.dataframe(pd.DataFrame(ss["compare"]), width="stretch")
    st.download_button(t("save_json"), data=sc.dumps(saved_scenario(s, res)), file_name=f"scenario-{s.region}.json",
                       mime="application/json", key="dl_scenario")


def flat_summary(summary: dict) -> dict:
    """A summary flattened to one column of a comparison table."""
    out = {k: v for k, v in summary.items() if not isinstance(v, (dict, list))}
    for k, v in (summary.get("optimiser") or {}).items():
        out[f"optimiser_{k}"] = ", ".join(map(str, v)) if isinstance(v, list) else v
    return {k: str(v) for k, v in out.items()}


def data_panel(res: sc.ScenarioResults | None, s: sc.Scenario) -> None:
    """Upload facilities, a road network, a population GeoTIFF; resources per 1,000 vs targets."""
    ss = st.session_state
    region = ss["region"]
    st.markdown(f"**{t('up_fac')}**")
    f1, f2 = st.columns([3, 1])
    up = f1.file_uploader(t("up_fac"), type=["csv", "xlsx", "geojson", "json", "gpkg"], key="up_fac",
                          label_visibility="collapsed")
    datum = f2.selectbox(t("datum"), list(DATUMS), format_func=DATUMS.get, key="fac_datum")
    if up is not None and st.button(t("use_file"), key="use_fac"):
        path = save_upload(up, "facilities")
        if path is not None:
            try:
                from spatial import facilities as fm

                fm.read_facilities(path, datum=datum)  # validate now: errors name the row and column
                ss["src_facilities"] = {"kind": "file", "path": str(path), "options": {"datum": datum}}
                st.rerun()
            except HealthplanError as exc:
                st.error(f"{t('error')}{exc}")
    st.markdown(f"**{t('up_roads')}**")
    r1, r2 = st.columns([3, 1])
    up_r = r1.file_uploader(t("up_roads"), type=["pbf", "gpkg", "geojson", "json"], key="up_roads",
                            label_visibility="collapsed")
    field = r2.text_input(t("class_field"), value="highway", key="road_class_field")
    if up_r is not None and st.button(t("use_file"), key="use_roads"):
        path = save_upload(up_r, "roads")
        if path is not None:
            if path.name.endswith(".pbf"):
                src = {"kind": "pbf", "path": str(path), "options": {}}
            else:
                src = {"kind": "roads", "path": str(path), "options": {"class_field": field}}
            try:
                trial = dataclasses.replace(s, network=sc.Source(**src))
                with st.spinner(t("loading_net")):
                    cached_network(sc.network_key(trial), trial)
                ss["src_network"] = {**ss["src_network"], region: src}
                st.rerun()
            except HealthplanError as exc:
                st.error(f"{t('error')}{exc}")
    st.markdown(f"**{t('up_pop')}**")
    up_p = st.file_uploader(t("up_pop"), type=["tif", "tiff"], key="up_pop", label_visibility="collapsed")
    if up_p is not None and st.button(t("use_file"), key="use_pop"):
        path = save_upload(up_p, "population")
        if path is not None:
            try:
                from spatial import population

                population.read_geotiff(path, sc.region_of(s), cell_m=s.cell_m)  # validate
                ss["src_population"] = {**ss["src_population"], region: {"kind": "geotiff", "path": str(path),
                                                                         "options": {}}}
                st.rerun()
            except HealthplanError as exc:
                st.error(f"{t('error')}{exc}")
    own_data = ss["src_facilities"] or region in ss["src_network"] or region in ss["src_population"]
    if own_data and st.button(t("reset_data")):
        ss["src_facilities"] = None
        ss["src_network"] = {k: v for k, v in ss["src_network"].items() if k != region}
        ss["src_population"] = {k: v for k, v in ss["src_population"].items() if k != region}
        st.rerun()
    st.markdown(f"**{t('resources')}**")
    if res is None:
        return
    fac = res.facilities
    if not any(c in fac.columns and fac[c].notna().any() for c in ("beds", "doctors", "nurses")):
        st.caption(t("no_resources"))
        return
    from spatial import coverage

    try:
        per = coverage.resources_per_1000(fac, res.grid, counties=res.region.counties)
        st.json(per.total, expanded=False)
        st.dataframe(per.counties, hide_index=True, width="stretch")
    except HealthplanError as exc:
        st.error(f"{t('error')}{exc}")


def export_panel(res: sc.ScenarioResults, m_bounds: tuple) -> None:
    """Download buttons: GeoJSON per layer, one GeoPackage, county/gap CSV, map HTML, report HTML."""
    st.subheader(t("exports"))
    layers = res.layers()
    prov = res.provenance
    stem = f"healthplan-{res.region.name}"
    c1, c2, c3 = st.columns(3)
    c1.download_button(t("gpkg"), data=lambda: report.gpkg_bytes(layers, provenance=prov),
                       file_name=f"{stem}.gpkg", mime="application/geopackage+sqlite3", key="dl_gpkg")
    c2.download_button(t("csv_counties"), data=report.csv_bytes(report.county_table(res), provenance=prov),
                       file_name=f"{stem}-counties.csv", mime="text/csv", key="dl_counties")
    c3.download_button(t("csv_gaps"), data=report.csv_bytes(res.coverage.report.gap_table, provenance=prov),
                       file_name=f"{stem}-gaps.csv", mime="text/csv", key="dl_gaps")

    def the_map() -> str:
        return report.map_html(report.results_map(layers, lang=lang(), basemap="osm", bounds=m_bounds,  # type: ignore[arg-type]
                                                  bands_min=res.scenario.thresholds.bands_min))

    c1.download_button(t("map_html"), data=the_map, file_name=f"{stem}-map.html", mime="text/html", key="dl_map")
    c2.download_button(t("report"), data=lambda: report.report_html(res, lang=lang()),  # type: ignore[arg-type]
                       file_name=f"{stem}-report.html", mime="text/html", key="dl_report")
    c3.download_button("summary.json", data=json.dumps({**res.summary(), "provenance": prov}, ensure_ascii=False,
                                                      indent=1), file_name=f"{stem}-summary.json",
                       mime="application/json", key="dl_summary")
    cols = st.columns(3)
    for i, (name, frame) in enumerate(layers.items()):
        cols[i % 3].download_button(t("geojson_of", n=f"{name} ({len(frame)})"),
                                    data=lambda frame=frame: report.geojson_bytes(frame, provenance=prov),
                                    file_name=f"{stem}-{name}.geojson", mime="application/geo+json",
                                    key=f"dl_geojson_{name}")


def no_network_panel(s: sc.Scenario, err: Exception) -> None:
    """The data folder has no network for the region: say so and offer to build one."""
    ss = st.session_state
    region = ss["region"]
    st.warning(t("no_network", d=str(sc.data_folder(s)), r=pick(REGION_NAMES[region])))
    st.caption(str(err))
    st.caption(t("internet"))
    c1, c2 = st.columns(2)
    province = sc.GEOFABRIK_PROVINCE[region]
    with c1:
        st.caption(sc.geofabrik_url(region))
        if st.button(t("build_geofabrik", p=province), key="btn_geofabrik"):
            bar = st.progress(0.0)
            try:
                dest = sc.geofabrik_path(region, sc.data_folder(s))
                if not os.access(dest.parent if dest.parent.exists() else sc.data_folder(s), os.W_OK):
                    dest = settings.CACHE_DIR / "osm" / dest.name
                sc.download(sc.geofabrik_url(region), dest,
                            progress=lambda msg, f: bar.progress(f if f is not None else 0.0, text=msg))
                ss["src_network"] = {**ss["src_network"], region: {"kind": "pbf", "path": str(dest), "options": {}}}
                st.rerun()
            except HealthplanError as exc:
                st.error(f"{t('error')}{exc}")
    with c2:
        default_place = {"yiyang": "Yiyang, Hunan, China", "haikou": "Haikou, Hainan, China",
                         "hainan": "Hainan, China", "yunnan": "Kunming, Yunnan, China"}[region]
        place = st.text_input(t("place"), value=default_place, key="overpass_place")
        if st.button(t("build_overpass"), key="btn_overpass"):
            src = {"kind": "place", "path": place, "options": {}}
            trial = dataclasses.replace(s, network=sc.Source(**src))
            try:
                with st.spinner(t("loading_net")):
                    cached_network(sc.network_key(trial), trial)
                ss["src_network"] = {**ss["src_network"], region: src}
                st.rerun()
            except HealthplanError as exc:
                st.error(f"{t('error')}{exc}")
    st.caption(t("build_upload"))


# --------------------------------------------------------------------------------------------------
# Page
# --------------------------------------------------------------------------------------------------


def main() -> None:
    """The single page: sidebar, metrics, map, tabs."""
    st.set_page_config(page_title="healthplan", page_icon="🏥", layout="wide")
    init_state()
    ss = st.session_state
    region = ss["region"]
    plan = cached_plan_layers(region)
    sidebar(list(plan))
    st.title(t("title"))
    s = current_scenario()
    k = keys(s)
    area = sc.region_of(s)
    net = grid = res = None
    net_error: Exception | None = None
    try:
        with st.spinner(t("loading_net")):
            net = cached_network(k["net"], s)
    except HealthplanError as exc:
        net_error = exc
        if region in ss["src_network"]:  # a user source that failed: say so, fall back to the default
            st.error(f"{t('error')}{exc}")
    try:
        fac = cached_facilities(k["fac"], s.facilities, s.coverage_area())
        primary = cached_facilities(k["prim"], s.primary, s.coverage_area())
        if net is not None:
            with st.spinner(t("computing")):
                grid = cached_population(k["pop"], s, net)
                cov = cached_coverage(k["cov"], s, net, grid, fac, primary)
                cand = cached_candidates(k["cand"], s, net, grid, fac) if s.candidates else None
            opt = ss["optimised"][1] if ss["optimised"] and ss["optimised"][0] == k["opt"] else None
            prov = sc.provenance_of(s, area, net, grid, fac, primary)
            res = sc.ScenarioResults(s, area, net, grid, fac, primary, cov, cand, opt, prov)
    except HealthplanError as exc:
        st.error(f"{t('error')}{exc}")
        fac = primary = None
    bounds = tuple(float(v) for v in area.bbox)
    if res is not None:
        metric_cards(res)
        layers = res.layers()
    else:
        if net_error is not None:
            no_network_panel(s, net_error)
        layers = {}
        if fac is not None:
            layers["facilities"] = fac
        if primary is not None:
            layers["primary_care"] = primary
    draw_map(layers, plan, bounds, s.thresholds.bands_min, net)
    tabs = st.tabs([t("tab_coverage"), t("tab_sites"), t("tab_data"), t("tab_export")])
    with tabs[0]:
        if res is not None:
            coverage_panel(res)
    with tabs[1]:
        sites_panel(res, s, net, grid, fac, k)
    with tabs[2]:
        data_panel(res, s)
    with tabs[3]:
        if res is not None:
            export_panel(res, bounds)


if __name__ == "__main__":  # streamlit run (and AppTest) execute the script as __main__; tests import it
    main()
