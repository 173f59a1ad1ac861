"""海南省医疗健康产业发展“十三五”规划: “五中心、四集群、多点分布” (section 三 产业空间布局) as layers.

Content is kept as small tables quoting the plan; coordinates come from the named-institution table
(data/facilities/hainan_institutions.csv, via ``layers.institutions``) and are never repeated here.
Every point is approximate (general knowledge of the address or area, precision in ``location_source`` and
``precision_km``); ``geometry_approximate`` flags planned sites and points stated no better than 5 km.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
from shapely.geometry import MultiPoint, Point

from layers.institutions import PlaceholderFlags, institution, is_approximate, placeholder_flags, precision_km
from layers.schema import layer_frame

PLAN = "hainan-13th"
PLAN_FILE = "hainan_medical_health_industry_13th_fyp.txt"

# ---------------------------------------------------------------------------------------------
# 三(一) “五中心”: the plan names the five cities and “东西南北中”; which city is which direction
# is geographic (and matches the 14th plan's 东部 琼海 / 中部 五指山 / 西部 儋州).  The plan names no
# hospital: the anchor is the hospital designated as each city's regional centre, per stored news pages
# (Xinhua 2009-12: 琼海市人民医院, 儋州市农垦那大医院 (now 海南西部中心医院), 海南省第二人民医院;
# 海口网 2012-10: “北部医疗中心的海口市人民医院”, and all five were 市县 hospitals).
FIVE_CENTRES_CLAUSE = (
    "依托海口、三亚、琼海、儋州、五指山的医疗卫生资源，打造“东西南北中”五大区域医疗卫生中心，"
    "构建起更加完善的“1小时三级医院服务圈”"
)
_NEWS_2009 = "Xinhua 2009-12 (stored page) names it the island's {} medical centre"
FIVE_CENTRES: list[dict[str, str]] = [
    {"city": "海口市", "direction": "north", "name_zh": "海口（北）区域医疗卫生中心",
     "name_en": "Haikou (north) regional medical centre", "anchor": "海口市人民医院",
     "anchor_source": "海口网 2012-10 (stored page): “北部医疗中心的海口市人民医院”"},
    {"city": "三亚市", "direction": "south", "name_zh": "三亚（南）区域医疗卫生中心",
     "name_en": "Sanya (south) regional medical centre", "anchor": "三亚市人民医院",
     "anchor_source": "inferred, not confirmed: the 2012 page says the five centres were 市县 hospitals, "
                      "and 三亚市人民医院 is Sanya's city hospital"},
    {"city": "琼海市", "direction": "east", "name_zh": "琼海（东）区域医疗卫生中心",
     "name_en": "Qionghai (east) regional medical centre", "anchor": "琼海市人民医院",
     "anchor_source": _NEWS_2009.format("eastern")},
    {"city": "儋州市", "direction": "west", "name_zh": "儋州（西）区域医疗卫生中心",
     "name_en": "Danzhou (west) regional medical centre", "anchor": "海南西部中心医院",
     "anchor_source": _NEWS_2009.format("western") + " (as 儋州市农垦那大医院)"},
    {"city": "五指山市", "direction": "centre", "name_zh": "五指山（中）区域医疗卫生中心",
     "name_en": "Wuzhishan (centre) regional medical centre", "anchor": "海南省第二人民医院",
     "anchor_source": _NEWS_2009.format("central")},
]

# ---------------------------------------------------------------------------------------------
# 三(二) “四集群”: members are (institution name_zh in the CSV, the words the plan uses for it).
# The first member is the cluster's lead (龙头) or centre.  “海口市中医药/三亚市中医药等资源” are
# represented by the city TCM hospital.
FOUR_CLUSTERS: list[dict[str, Any]] = [
    {"name_zh": "东部医疗健康产业集群", "name_en": "Eastern medical-health industry cluster", "centre": "琼海市",
     "clause": "以博鳌乐城国际医疗旅游先行区为中心的东部医疗健康产业集群。",
     "members": [("海南博鳌乐城国际医疗旅游先行区", "博鳌乐城国际医疗旅游先行区")]},
    {"name_zh": "北部医疗健康产业集群", "name_en": "Northern medical-health industry cluster", "centre": "海口市",
     "clause": "以海南省人民医院为龙头，依托海南医学院第一、二附属医院，以及海南省儿童医院、海南省肿瘤医院、"
               "海南省眼科医院、海口市人民医院和海口市中医药等资源发展北部医疗健康产业集群。",
     "members": [("海南省人民医院", "海南省人民医院"),
                 ("海南医学院第一附属医院", "海南医学院第一、二附属医院"),
                 ("海南医学院第二附属医院", "海南医学院第一、二附属医院"),
                 ("海南省儿童医院", "海南省儿童医院"),
                 ("海南省肿瘤医院", "海南省肿瘤医院"),
                 ("海南省眼科医院", "海南省眼科医院"),
                 ("海口市人民医院", "海口市人民医院"),
                 ("海口市中医院", "海口市中医药")]},
    {"name_zh": "南部医疗健康产业集群", "name_en": "Southern medical-health industry cluster", "centre": "三亚市",
     "clause": "以解放军301医院海南分院为龙头，依托海南省第三医院、三亚市人民医院和三亚市中医药等资源发展南部医疗健康产业集群。",
     "members": [("解放军301医院海南分院", "解放军301医院海南分院"),
                 ("海南省第三人民医院", "海南省第三医院"),
                 ("三亚市人民医院", "三亚市人民医院"),
                 ("三亚市中医院", "三亚市中医药")]},
    {"name_zh": "西部医疗健康产业集群", "name_en": "Western medical-health industry cluster", "centre": "儋州市",
     "clause": "以西部中心医院、儋州市人民医院、东方医院等为依托，打造西部医疗健康产业集群。",
     "members": [("海南西部中心医院", "西部中心医院"),
                 ("儋州市人民医院", "儋州市人民医院"),
                 ("东方医院", "东方医院")]},
]

#: 专栏1 projects of the eastern cluster: all inside the pilot zone, not placed one by one.
BOAO_PROJECTS_CLAUSE = (
    "重点打造博鳌健康数据中心、博鳌国际产婴医院、博鳌干细胞移植中心、博鳌再生医学中心、博鳌转化医学中心、"
    "博鳌国际医学美容中心、博鳌国际抗衰老中心、博鳌国际健康体检中心、博鳌呼吸系统疾病治疗中心、博鳌老年病医院、"
    "博鳌国际健康养老（护）中心、博鳌骨科（关节）医疗中心、博鳌牙科医疗中心、博鳌中西医医疗中心、博鳌血液病中心、"
    "博鳌抗癌治疗中心、博鳌心血管病医院、博鳌国际健康管理中心、博鳌国际康复中心、博鳌国际医学检测诊断中心、博鳌健康论坛等"
)
BOAO_PROJECTS: list[str] = BOAO_PROJECTS_CLAUSE.removeprefix("重点打造").removesuffix("等").split("、")

# ---------------------------------------------------------------------------------------------
# 三(三) “多点分布”: themes, and the 专栏 projects that can be placed under each.  Themes with no
# placeable named project (hot springs, leisure, sports, 南药/芳香药 planting: the plan names no
# place for them) get no feature — there is nothing in the plan to put on the map.
MULTI_POINT_CLAUSE = "结合各市县和农垦优质、特色资源，发展温泉疗养、医学美容、健康养生（老）、休闲、康体运动、南药和芳香药种植等特色医疗健康产业"
THEMES: dict[str, str] = {  # role → the plan's words (三(三), plus the 四 sections the 专栏 belong to)
    "hot_springs": "温泉疗养",
    "medical_beauty": "医学美容",
    "wellness_elderly_care": "健康养生（老）",
    "leisure": "休闲",
    "sports": "康体运动",
    "southern_medicine": "南药和芳香药种植",
    "tcm_health_tourism": "中医药健康旅游",  # 四(二)2, 专栏2
    "medical_tourism": "医疗旅游",  # 四(六)3, 专栏6
}
#: (role, feature name as the plan writes it (a substring of the 专栏), institution name_zh in the CSV, section)
MULTI_POINT: list[tuple[str, str, str, str]] = [
    ("medical_beauty", "博鳌国际医学美容中心", "博鳌国际医学美容中心", "专栏1"),
    ("tcm_health_tourism", "三亚市中医院中医药健康旅游基地国际合作项目", "三亚市中医院", "专栏2"),
    ("wellness_elderly_care", "海口美孝古村落旅游养生度假区", "海口美孝古村落旅游养生度假区", "专栏2"),
    ("wellness_elderly_care", "中国·冯塘火山雨林旅游养生度假区", "冯塘火山雨林旅游养生度假区", "专栏2"),
    ("wellness_elderly_care", "三亚国医养生院", "三亚国医养生院", "专栏2"),
    ("wellness_elderly_care", "三亚市老年服务中心", "三亚市老年服务中心", "专栏3"),
    ("wellness_elderly_care", "东方市养生（老）服务指导中心", "东方市养生（老）服务指导中心", "专栏3"),
    ("wellness_elderly_care", "儋州市白马井福利中心项目", "儋州市白马井福利中心", "专栏3"),
    ("wellness_elderly_care", "保亭黎族苗族自治县中心养老服务机构项目", "保亭中心养老服务机构", "专栏3"),
    ("wellness_elderly_care", "三亚市国际医疗养生产业园", "三亚市国际医疗养生产业园", "专栏3"),
    ("wellness_elderly_care", "文昌市海南科森养生养老园", "文昌市海南科森养生养老园", "专栏3"),
    ("wellness_elderly_care", "陵水黎族自治县张仲景医疗养生健康产业园", "陵水张仲景医疗养生健康产业园", "专栏3"),
    ("wellness_elderly_care", "三亚海棠国际养生社区一期项目（齐瓦颂·海棠）", "三亚海棠国际养生社区", "专栏6"),
    ("medical_tourism", "海棠湾医疗公园", "海棠湾医疗公园", "专栏6"),
    ("medical_tourism", "恒大三亚国际合作医院", "恒大三亚国际合作医院", "专栏6"),
]
#: English names where the feature is a project at an institution rather than the institution itself.
_NAME_EN: dict[str, str] = {
    "三亚市中医院中医药健康旅游基地国际合作项目": "Sanya TCM Hospital TCM health-tourism base (international cooperation project)",
}
#: Named 专栏 items left unplaced because neither the plan nor a cited source names their city (the placeholder
#: rule places an item at its city's seat only when the city is known; see layers.institutions.PLACEHOLDER_RULE).
UNPLACED: tuple[str, ...] = (
    "南平医疗养生产业园", "海南国际医疗养生中心", "国医（养生）书院海南分院",
    "标准化种子种苗繁育基地", "热带药用植物基因资源库", "南药规范化生产基地", "南药健康旅游产品体验项目",
)

# ---------------------------------------------------------------------------------------------
# 四(五) 专栏5: public-health and hospital projects.  (as the plan writes it, institution name_zh in the CSV)
PROJECTS_5: list[tuple[str, str]] = [
    ("省疾控中心新院区", "海南省疾病预防控制中心新院区"),
    ("南部精神卫生中心", "南部精神卫生中心"),
    ("省儿童医院", "海南省儿童医院"),
    ("省第五人民医院新院区", "海南省第五人民医院"),
    ("海医附院门急诊大楼和临床教学实验大楼", "海南医学院第一附属医院"),
    ("三亚哈尔滨医科大学鸿森医院", "三亚哈尔滨医科大学鸿森医院"),
    ("三亚国康医院", "三亚国康医院"),
]
#: 专栏5 items not placed: no city is named (东部 is a region of several cities), or a programme, not a site.
PROJECTS_5_UNPLACED: tuple[str, ...] = (
    "东部精神卫生中心", "省结核病医院", "省传染病医院二期工程", "海南优联医院", "海南潮滩湾医院", "海南颐仁医院",
)


def _point(name_zh: str) -> tuple[Point, str]:
    """Point and location_source of a named institution from the CSV."""
    row = institution(name_zh, region="hainan")
    return Point(row["lon"], row["lat"]), str(row["location_source"])


class _Flags(PlaceholderFlags):
    """What a named institution's point brings to a feature."""

    geometry_approximate: bool
    precision_km: float | None  # stated precision of the coordinate, None when not stated


def _flags(name_zh: str) -> _Flags:
    """geometry_approximate, precision_km and the placeholder flag/reason of a named institution."""
    row = institution(name_zh, region="hainan")
    return {"geometry_approximate": is_approximate(row), "precision_km": precision_km(row), **placeholder_flags(row)}


def _worst_precision_km(members: list[str]) -> float | None:
    """The largest stated precision (km) of the members' points; None when a member states none."""
    stated = [_flags(m)["precision_km"] for m in members]
    return None if any(p is None for p in stated) else max(p for p in stated if p is not None)


def _members_placeholder(members: list[str]) -> dict[str, object]:
    """A multi-member feature is a placeholder when any member's point is; the reason names those members."""
    held = [m for m in members if _flags(m)["placeholder"]]
    reason = "; ".join(f"{m}: {_flags(m)['placeholder_reason']}" for m in held)
    return {"placeholder": bool(held), "placeholder_reason": reason}


def five_centres() -> gpd.GeoDataFrame:
    """三(一) 五中心: 5 points (role centre) at each city's regional-centre hospital."""
    rows = []
    for c in FIVE_CENTRES:
        geom, source = _point(c["anchor"])
        rows.append({
            "plan": PLAN, "layer": "five-centres", "role": "centre", "name_zh": c["name_zh"], "name_en": c["name_en"],
            "members": [c["city"]], "clause": FIVE_CENTRES_CLAUSE,
            "location_source": f"point = the city's regional-centre hospital {c['anchor']} (the plan names only the "
                               f"city; anchor: {c['anchor_source']}): {source}",
            **_flags(c["anchor"]), "direction": c["direction"], "anchor": c["anchor"], "institution": c["anchor"],
            "anchor_source": c["anchor_source"], "geometry": geom,
        })
    return layer_frame(rows)


def four_clusters() -> gpd.GeoDataFrame:
    """三(二) 四集群: 4 features (role cluster); geometry = MultiPoint of the member institutions."""
    rows = []
    for c in FOUR_CLUSTERS:
        members = [m for m, _ in c["members"]]
        points = [_point(m)[0] for m in members]
        rows.append({
            "plan": PLAN, "layer": "four-clusters", "role": "cluster", "name_zh": c["name_zh"], "name_en": c["name_en"],
            "members": members, "clause": c["clause"],
            "location_source": "MultiPoint of the member institutions' approximate points (precision per member in "
                               "data/facilities/hainan_institutions.csv); the first member is the lead/centre",
            "geometry_approximate": any(_flags(m)["geometry_approximate"] for m in members),
            "precision_km": _worst_precision_km(members), "centre": c["centre"], "lead": members[0],
            **_members_placeholder(members),
            "projects": BOAO_PROJECTS if c["centre"] == "琼海市" else [],
            "geometry": MultiPoint(points),
        })
    return layer_frame(rows)


def multi_point() -> gpd.GeoDataFrame:
    """三(三) 多点分布: the placeable 专栏 projects as points, role = theme."""
    rows = []
    for role, as_written, name, section in MULTI_POINT:
        geom, source = _point(name)
        rows.append({
            "plan": PLAN, "layer": "multi-point", "role": role, "name_zh": as_written,
            "name_en": _NAME_EN.get(as_written, str(institution(name, region="hainan")["name_en"])),
            "members": [], "clause": as_written,
            "location_source": source, **_flags(name), "theme_zh": THEMES[role],
            "section": f"三(三) 多点分布; {section} 重点项目", "institution": name, "geometry": geom,
        })
    return layer_frame(rows)


def hospital_projects() -> gpd.GeoDataFrame:
    """四(五) 专栏5: the public-health and hospital projects whose city is known (points; placeholders flagged)."""
    rows = []
    for as_written, name in PROJECTS_5:
        geom, source = _point(name)
        inst = institution(name, region="hainan")
        rows.append({
            "plan": PLAN, "layer": "hospital-projects", "role": "project", "name_zh": as_written,
            "name_en": str(inst["name_en"]), "members": [], "clause": as_written, "location_source": source,
            **_flags(name), "section": "四(五) 公共卫生和基本医疗; 专栏5 重点项目", "institution": name, "geometry": geom,
        })
    return layer_frame(rows)


LAYERS: dict[str, Callable[[], gpd.GeoDataFrame]] = {
    "five-centres": five_centres,
    "four-clusters": four_clusters,
    "multi-point": multi_point,
    "hospital-projects": hospital_projects,
}
