"""The data sources, methods and assumptions of a run, said for people in the page's language.

The provenance (``Results.provenance``) is English and exact — it travels with every exported file.  On the
page the same facts are said again from its structured parts (kinds, counts, paths, parameters) in 中文
or English, so a Chinese page carries no English sentences; paths and file names stay as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spatial.results import Results

#: The plans by id: (中文名, English name), as the documents title themselves.
PLANS: dict[str, tuple[str, str]] = {
    "hainan-13th": ("海南省医疗健康产业发展“十三五”规划", "Hainan medical and health industry, 13th five-year plan"),
    "hainan-14th": ("海南省“十四五”卫生健康规划", "Hainan health, 14th five-year plan"),
    "yunnan-14th": ("云南省“十四五”健康服务业发展规划", "Yunnan health service industry, 14th five-year plan"),
    "haikou-2020": ("海口市卫健委关于创新推进海口康养旅居产业建议的答复（海卫健复字〔2020〕27号）",
                    "Haikou health commission's reply on wellness and residence tourism (2020)"),
    "yiyang": ("益阳市促进五大融合加快发展健康产业实施方案", "Yiyang plan for the health industry (2017–2020)"),
}

#: Network kinds (``Source.kind`` / network provenance ``kind``) in both languages.
NETWORK_KINDS: dict[str, tuple[str, str]] = {
    "roads": ("道路线文件", "road lines"), "pbf": ("OpenStreetMap PBF 文件", "OpenStreetMap PBF extract"),
    "place": ("OpenStreetMap（Overpass 下载）", "OpenStreetMap (Overpass)"), "osm_xml": ("OSM XML 文件", "OSM XML"),
    "edge_csv": ("路段表", "edge table"), "saved": ("已保存的路网", "saved network"),
}

#: The methods, keyed as ``spatial.coverage.METHODS``, in both languages.
METHODS: dict[str, tuple[str, str]] = {
    "travel_time": ("网格中心沿直线（× 绕行系数，按接驳速度）到最近道路节点，加路网最短时间（在反向路网上求 Dijkstra，"
                    "单行道计入），再加医疗机构自身的接驳段。",
                    "Cell centre to the nearest road node on an access leg (straight line × detour factor at the "
                    "access speed), plus the shortest network time (Dijkstra on the reversed graph, so one-way "
                    "streets count), plus the facility's own access leg."),
    "tertiary_circle": ("网格中心在阈值内可达最近三级综合医院的网格人口。",
                        "Persons in cells whose centre is within the threshold of the nearest tertiary hospital."),
    "health_circles": ("城镇人口按城市圈阈值、乡村人口按乡村圈阈值，计到最近基层医疗点。",
                       "Urban persons within the urban threshold plus rural persons within the rural threshold of "
                       "the nearest primary-care point."),
    "bands": ("按到最近三级医院的出行时间分带统计人口，并给出人口加权平均和 90 分位。",
              "Persons by travel-time band to the nearest tertiary hospital, with the population-weighted mean "
              "and 90th percentile."),
    "gaps": ("超过阈值的有人口网格按四邻接聚成片，并在县界处分开，按人口排序。",
             "4-connected clusters of populated cells beyond the threshold, split at county lines, largest first."),
    "isochrones": ("同一出行时间模型在栅格上的等值线（不是凸包），逐级嵌套。",
                   "Contours of the same travel-time model on a raster (never a convex hull), nested."),
    "emergency_circle": ("每个景区到最近急救目的地的分钟数，以及阈值内的比例。",
                         "Minutes from each named site to its nearest emergency destination; share within the threshold."),
}

#: Row labels.
LABELS: dict[str, tuple[str, str]] = {
    "network": ("路网", "Road network"), "facilities": ("三级医院", "Tertiary hospitals"),
    "primary_care": ("基层医疗点", "Primary care"), "population": ("人口", "Population"),
    "plans": ("规划", "Plans"), "assumptions": ("假设", "Assumptions"), "thresholds": ("阈值", "Thresholds"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    """The zh or en half."""
    return pair[0] if lang == "zh" else pair[1]


def _network(res: Results, lang: str) -> str:
    """Which network, how big, from where."""
    prov: Mapping[str, Any] = res.inputs.network.provenance or {}
    net = res.inputs.network
    kind = str(prov.get("kind") or res.scenario.network.kind)
    src = prov.get("source")
    path = src.get("path") if isinstance(src, Mapping) else (src or res.scenario.network.path or "")
    name = _pick(NETWORK_KINDS.get(kind, (kind, kind)), lang)
    backbone = "backbone" in str(prov.get("default_network", "")) or "backbone" in res.inputs.network_note
    speeds = prov.get("class_speeds_kmh") or {}
    # road classes are the data's own identifiers: shown as code, in either language
    speed_text = ("、" if lang == "zh" else ", ").join(f"`{k}` {v:g} km/h" for k, v in speeds.items())
    if lang == "zh":
        text = f"{name}，{net.n_nodes:,} 个节点、{net.n_edges:,} 条路段"
        if backbone:
            text += "；只有高速、国道、省道等主干路，远离主干路处的可达性被低估"
        if speed_text:
            text += f"；各级道路速度：{speed_text}"
        return text + (f"（{path}）" if path else "")
    text = f"{name}, {net.n_nodes:,} nodes, {net.n_edges:,} edges"
    if backbone:
        text += "; backbone roads only (motorway/trunk/primary), so access away from them is understated"
    if speed_text:
        text += f"; speeds by road class: {speed_text}"
    return text + (f" ({path})" if path else "")


def _facilities(res: Results, lang: str) -> str:
    """Which hospitals the circle counts."""
    n = len(res.inputs.facilities)
    src = res.scenario.facilities
    if src.kind != "default":
        return f"上传的文件 {src.path}（{n} 家）" if lang == "zh" else f"your file {src.path} ({n})"
    return (f"项目自带机构表 data/facilities/*_institutions.csv 中计入服务圈的 {n} 家三级综合医院" if lang == "zh"
            else f"the {n} general tertiary hospitals of data/facilities/*_institutions.csv that count for the circle")


def _primary(res: Results, lang: str) -> str:
    """Which primary-care points the 15/30-minute circles use."""
    n = len(res.inputs.primary)
    src = res.scenario.primary
    if src.kind != "default":
        return f"上传的文件 {src.path}（{n} 个）" if lang == "zh" else f"your file {src.path} ({n})"
    return (f"以 {n} 个县城驻地代替（data/facilities/county_seats.csv），并非真实的基层医疗点位置" if lang == "zh"
            else f"{n} county seats standing in (data/facilities/county_seats.csv), not real clinic locations")


def _population(res: Results, lang: str) -> str:
    """Where the people come from and how they are spread."""
    cell = f"{res.inputs.grid.cell_m:g}"
    src = res.scenario.population
    if src.kind == "geotiff":
        return (f"人口栅格 {src.path}，按面积重采样到 {cell} 米网格，总数保持不变" if lang == "zh"
                else f"population raster {src.path}, warped area-weighted onto a {cell} m grid (total kept)")
    return ("2020 年第七次全国人口普查分县数据（国家统计局《中国人口普查分县资料-2020》，经公开仓库 leiii/census 整理，MIT 许可；"
            f"data/census/census_2020_county.csv），按县城驻地和路网分配到 {cell} 米网格，各县总数与普查一致"
            if lang == "zh" else
            "2020 census, county volume (NBS, tabulated by leiii/census, MIT; data/census/census_2020_county.csv), "
            f"spread on a {cell} m grid around county seats and along roads; every county keeps its census total")


def rows(res: Results, lang: str) -> list[tuple[str, str]]:
    """(label, text) rows: sources, plans, thresholds, assumptions, then one row per method."""
    th = res.scenario.thresholds
    a = res.provenance["assumptions"]
    plans = [_pick(PLANS.get(p, (p, p)), lang) for p in (res.plan.plans if res.plan else ())]
    sep = "；" if lang == "zh" else "; "
    if lang == "zh":
        thresholds = (f"三级医院服务圈 {th.tertiary_min:g} 分钟，城市健康圈 {th.urban_min:g} 分钟，乡村健康圈 "
                      f"{th.rural_min:g} 分钟，急救圈 {th.emergency_min:g} 分钟")
        assumptions = (f"绕行系数 × {a['detour_factor']:g}，接驳速度 {a['access_kmh']:g} km/h，网格 {a['cell_m']:g} 米，"
                       f"候选点离道路节点不超过 {a['max_road_m_for_candidates']:g} 米")
    else:
        thresholds = (f"tertiary circle {th.tertiary_min:g} min, urban circle {th.urban_min:g} min, rural circle "
                      f"{th.rural_min:g} min, emergency circle {th.emergency_min:g} min")
        assumptions = (f"detour × {a['detour_factor']:g}, access {a['access_kmh']:g} km/h, {a['cell_m']:g} m cells, "
                       f"candidates within {a['max_road_m_for_candidates']:g} m of a road node")
    out = [(_pick(LABELS["network"], lang), _network(res, lang)),
           (_pick(LABELS["facilities"], lang), _facilities(res, lang)),
           (_pick(LABELS["primary_care"], lang), _primary(res, lang)),
           (_pick(LABELS["population"], lang), _population(res, lang))]
    if plans:
        out.append((_pick(LABELS["plans"], lang), sep.join(plans)))
    out += [(_pick(LABELS["thresholds"], lang), thresholds), (_pick(LABELS["assumptions"], lang), assumptions)]
    methods = res.provenance["methods"]
    out += [(_pick(METHOD_LABELS.get(k, (k, k)), lang), _pick(METHODS[k], lang)) for k in methods if k in METHODS]
    return out


#: Method labels.
METHOD_LABELS: dict[str, tuple[str, str]] = {
    "travel_time": ("出行时间", "Travel time"), "tertiary_circle": ("三级医院服务圈", "Tertiary circle"),
    "health_circles": ("15/30 分钟健康圈", "Health circles"), "bands": ("出行时间带", "Travel-time bands"),
    "gaps": ("覆盖空白区", "Coverage gaps"), "isochrones": ("等时圈", "Isochrones"),
    "emergency_circle": ("10 分钟急救圈", "Emergency circle"),
}
