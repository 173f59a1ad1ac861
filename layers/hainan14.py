"""海南省“十四五”卫生健康规划: regional medical centres, “一核两极三区”, “2+3+N”, 专栏4 projects as layers.

Content is kept as small tables quoting the plan.  Areas are unions of the project's own county
boundaries (``spatial.regions.resolve("hainan").counties``, land only); points come from the
named-institution table (``layers.institutions``) or, for county hospitals the plan does not name,
from county seats (data/facilities/county_seats.csv) as stand-ins.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, cast

import geopandas as gpd
import shapely
from shapely.geometry import Point

from layers.institutions import PlaceholderFlags, institution, is_approximate, placeholder_flags, precision_km
from layers.schema import layer_frame
from spatial import facilities, regions
from spatial.errors import InputFileError
from spatial.settings import FACILITIES_DIR

PLAN = "hainan-14th"
PLAN_FILE = "hainan_health_14th_fyp.txt"

# ---------------------------------------------------------------------------------------------
# 第五章第一节: five regional medical centres.  The plan names them but does not list their
# counties; memberships follow Hainan's common planning definition (see the plans digest), which
# partitions the 18 county-level units of the main island.  Anchor hospitals as in hainan13.FIVE_CENTRES.
REGIONAL_CENTRES_CLAUSE = "推进“海澄文定”、“大三亚”、东部、中部、西部五个区域医疗中心协同发展"
_HCWD = ["海口市", "澄迈县", "文昌市", "定安县"]
_SANYA = ["三亚市", "陵水黎族自治县", "保亭黎族苗族自治县", "乐东黎族自治县"]
_EAST = ["琼海市", "万宁市"]  # 文昌 is counted in 海澄文定
_CENTRE = ["五指山市", "琼中黎族苗族自治县", "白沙黎族自治县", "屯昌县"]
_WEST = ["儋州市", "东方市", "临高县", "昌江黎族自治县"]  # 儋州 includes 洋浦 (no polygon of its own)
_HCWD_SOURCE = "abbreviation 海澄文定 = 海口·澄迈·文昌·定安; common definition"
REGIONAL_CENTRES: list[dict[str, Any]] = [
    {"key": "海澄文定", "name_zh": "“海澄文定”区域医疗中心", "name_en": "Hai-Cheng-Wen-Ding regional medical centre",
     "members": _HCWD, "anchor": "海口市", "anchor_institution": "海口市人民医院", "membership_source": _HCWD_SOURCE},
    {"key": "大三亚", "name_zh": "“大三亚”区域医疗中心", "name_en": "Greater Sanya regional medical centre",
     "members": _SANYA, "anchor": "三亚市", "anchor_institution": "三亚市人民医院",
     "membership_source": "common definition"},
    {"key": "东部", "name_zh": "东部区域医疗中心", "name_en": "Eastern regional medical centre",
     "members": _EAST, "anchor": "琼海市", "anchor_institution": "琼海市人民医院", "membership_source": "common definition"},
    {"key": "中部", "name_zh": "中部区域医疗中心", "name_en": "Central regional medical centre",
     "members": _CENTRE, "anchor": "五指山市", "anchor_institution": "海南省第二人民医院",
     "membership_source": "common definition"},
    {"key": "西部", "name_zh": "西部区域医疗中心", "name_en": "Western regional medical centre",
     "members": _WEST, "anchor": "儋州市", "anchor_institution": "海南西部中心医院",
     "membership_source": "common definition"},
]

# ---------------------------------------------------------------------------------------------
# Note 9 (第八章): 健康产业“一核两极三区”.
CORE_POLES_ZONES_CLAUSE = (
    "以博鳌乐城国际医疗旅游先行区为核心，以海澄文定一体化综合经济圈和大三亚旅游经济圈为两大增长极，"
    "有序带动全省东部、中部、西部三区协同发展。"
)
CORE = {"name_zh": "海南博鳌乐城国际医疗旅游先行区", "name_en": "Boao Lecheng pilot zone (core)"}
#: 专栏8 乐城先行区建设 projects: all inside the zone, attached to the core feature, not placed one by one.
LECHENG_PROJECTS_CLAUSE = (
    "博鳌研究型医院项目、“华西乐城医院+华西乐城研究院”项目、乐城先行区国家健康旅游示范基地和科学监管基地、"
    "中以海南国际康复医学中心项目、生殖医学服务中心建设工程、健康产业国际开放合作平台、真实世界数据平台建设工程"
)
POLES_ZONES: list[dict[str, Any]] = [
    {"role": "pole", "name_zh": "海澄文定一体化综合经济圈", "name_en": "Hai-Cheng-Wen-Ding integrated economic circle",
     "members": _HCWD, "membership_source": _HCWD_SOURCE},
    {"role": "pole", "name_zh": "大三亚旅游经济圈", "name_en": "Greater Sanya tourism economic circle",
     "members": _SANYA, "membership_source": "common definition"},
    {"role": "zone", "name_zh": "东部区", "name_en": "Eastern zone", "members": _EAST,
     "membership_source": "common definition"},
    {"role": "zone", "name_zh": "中部区", "name_en": "Central zone", "members": _CENTRE,
     "membership_source": "common definition"},
    {"role": "zone", "name_zh": "西部区", "name_en": "Western zone", "members": _WEST,
     "membership_source": "common definition"},
]

# ---------------------------------------------------------------------------------------------
# 第四章第二节 and note 5: public-health “2+3+N” treatment network.
PROVINCIAL_CLAUSE = "加强省公共卫生临床中心和三亚市公共卫生临床中心2家省级定点救治医疗机构建设"
PROVINCIAL: list[str] = ["海南省公共卫生临床中心", "三亚市公共卫生临床中心"]
REGIONAL_CLAUSE = "在儋州、琼海、五指山3个市县依托区域医疗中心建设相对独立的综合医院传染病区，作为区域内重大传染病救治中心"
#: (county-level unit, the regional-centre hospital hosting the infectious-disease ward)
REGIONAL: list[tuple[str, str]] = [("儋州市", "海南西部中心医院"), ("琼海市", "琼海市人民医院"), ("五指山市", "海南省第二人民医院")]
#: “其余市县”: every county-level unit not hosting a provincial or regional centre.
COUNTY_CLAUSE = "其余市县重点加强县级综合医院传染病科和可转换病房建设，增加传染病收治床位"
HOSTS: tuple[str, ...] = ("海口市", "三亚市", "儋州市", "琼海市", "五指山市")
# ---------------------------------------------------------------------------------------------
# 专栏4 医疗卫生基础建设升级工程 — 医疗机构基础建设: (as the plan writes it, institution name_zh in the CSV).
BUILDING_PROJECTS: list[tuple[str, str]] = [
    ("海南省人民医院南院（观澜湖）项目", "海南省人民医院南院（观澜湖）"),
    ("海南医学院第一附属医院江东新院区项目", "海南医学院第一附属医院江东新院区"),
    ("中部区域医疗中心基建项目", "中部区域医疗中心"),
    ("海口市人民医院西院项目", "海口市人民医院西院"),
    ("海口市第三人民医院江东院区", "海口市第三人民医院江东院区"),
    ("海口市第四人民医院新院二期项目", "海口市第四人民医院新院"),
    ("海口市第二人民医院项目", "海口市第二人民医院"),
    ("儋州市滨海新区医院项目", "儋州市滨海新区医院"),
    ("三亚崖州湾科技城综合医院", "三亚崖州湾科技城综合医院"),
    ("北大口腔医院三亚分院", "北大口腔医院三亚分院"),
    ("三亚市人民医院分院", "三亚市人民医院分院"),
    ("万宁市人民医院新院二期项目（在建）", "万宁市人民医院新院"),
    ("海南省第五人民医院", "海南省第五人民医院"),
    ("省干部疗养院改扩建项目", "省干部疗养院"),
]


def counties() -> gpd.GeoDataFrame:
    """The 18 county-level units of Hainan's main island (project boundaries, WGS84, land only)."""
    return regions.resolve("hainan").counties


def _union(names: list[str], units: gpd.GeoDataFrame) -> shapely.Geometry:
    """Union of the named counties' polygons; KeyError naming any county not in the boundaries."""
    missing = sorted(set(names) - set(units["name_zh"]))
    if missing:
        raise KeyError(f"counties {missing} are not in the Hainan boundaries ({sorted(units['name_zh'])})")
    return shapely.union_all(units[units["name_zh"].isin(names)].geometry.values)


def _point(name_zh: str) -> tuple[Point, str, str]:
    """Point, location_source and name_en of a named institution from the CSV."""
    row = institution(name_zh, region="hainan")
    return Point(row["lon"], row["lat"]), str(row["location_source"]), str(row["name_en"])


def _approx(name_zh: str) -> bool:
    """geometry_approximate of a named institution: planned, or stated precision ≥ 5 km."""
    return is_approximate(institution(name_zh, region="hainan"))


def _placeholder(name_zh: str) -> PlaceholderFlags:
    """placeholder and placeholder_reason of a named institution (layers.institutions.PLACEHOLDER_RULE)."""
    return placeholder_flags(institution(name_zh, region="hainan"))


def _precision_km(name_zh: str) -> float | None:
    """Stated precision (km) of a named institution's coordinate."""
    return precision_km(institution(name_zh, region="hainan"))


@lru_cache(maxsize=1)
def _seat_stand_ins() -> gpd.GeoDataFrame:
    """County-hospital stand-ins (county seats, data/facilities/county_seats.csv) from ``spatial.facilities``."""
    return facilities.default_facilities("hainan", kind="county_hospital")


def county_seat(name_zh: str) -> tuple[Point, str]:
    """WGS84 point and location_source of a county-level unit's seat (data/facilities/county_seats.csv)."""
    adcode = int(counties().set_index("name_zh")["adcode"].loc[name_zh])
    hit = _seat_stand_ins()
    hit = hit[hit["adcode"] == adcode]
    if len(hit) != 1:
        raise InputFileError(f"{FACILITIES_DIR / 'county_seats.csv'}: expected one seat for {name_zh} ({adcode}), "
                             f"found {len(hit)}; rebuild it with `python scripts/build_county_seats.py`")
    seat = cast(Point, hit.geometry.iloc[0])  # the county-seat table holds points
    return seat, f"county seat from data/facilities/county_seats.csv: {hit['location_source'].iloc[0]}"


def _base(layer: str, role: str, name_zh: str, name_en: str, members: list[str], clause: str,
          location_source: str, approximate: bool, geometry: shapely.Geometry, **extra: Any) -> dict[str, Any]:
    """One feature dict with the schema columns."""
    return {"plan": PLAN, "layer": layer, "role": role, "name_zh": name_zh, "name_en": name_en, "members": members,
            "clause": clause, "location_source": location_source, "geometry_approximate": approximate,
            **extra, "geometry": geometry}


_UNION_SOURCE = "union of the member counties' land polygons (project boundaries, data/boundaries)"


def regional_medical_centres() -> gpd.GeoDataFrame:
    """第五章第一节: 5 regional medical centres (role centre), polygons = union of member counties."""
    units = counties()
    rows = [
        _base("regional-medical-centres", "centre", c["name_zh"], c["name_en"], list(c["members"]),
              REGIONAL_CENTRES_CLAUSE, _UNION_SOURCE, False, _union(c["members"], units),
              anchor=c["anchor"], anchor_institution=c["anchor_institution"], membership_source=c["membership_source"])
        for c in REGIONAL_CENTRES
    ]
    return layer_frame(rows)


def one_core_two_poles_three_zones() -> gpd.GeoDataFrame:
    """Note 9 一核两极三区: core (pilot-zone point), 2 poles and 3 zones (county unions)."""
    units = counties()
    geom, source, _ = _point(CORE["name_zh"])
    rows = [_base("one-core-two-poles-three-zones", "core", CORE["name_zh"], CORE["name_en"], [],
                  CORE_POLES_ZONES_CLAUSE, source, _approx(CORE["name_zh"]), geom, membership_source="",
                  projects=LECHENG_PROJECTS_CLAUSE.split("、"), institution=CORE["name_zh"],
                  **_placeholder(CORE["name_zh"]))]
    rows += [
        _base("one-core-two-poles-three-zones", p["role"], p["name_zh"], p["name_en"], list(p["members"]),
              CORE_POLES_ZONES_CLAUSE, _UNION_SOURCE, False, _union(p["members"], units),
              membership_source=p["membership_source"], projects=[])
        for p in POLES_ZONES
    ]
    return layer_frame(rows)


def remaining_counties() -> list[str]:
    """“其余市县”: the county-level units hosting neither a provincial nor a regional centre."""
    return [n for n in counties().sort_values("adcode")["name_zh"] if n not in HOSTS]


def public_health_2_3_n() -> gpd.GeoDataFrame:
    """第四章第二节 “2+3+N”: 2 provincial centres, 3 regional wards, N county general hospitals (seat stand-ins)."""
    layer = "public-health-2-3-n"
    rows = []
    for name in PROVINCIAL:
        geom, source, name_en = _point(name)
        rows.append(_base(layer, "provincial", name, name_en, [], PROVINCIAL_CLAUSE, source, _approx(name), geom,
                          institution=name, stand_in=False, precision_km=_precision_km(name), **_placeholder(name)))
    for county, host in REGIONAL:
        geom, source, _ = _point(host)
        rows.append(_base(layer, "regional", f"{county.removesuffix('市')}区域重大传染病救治中心（依托{host}）",
                          f"{county} regional infectious-disease treatment centre (ward of {host})", [host],
                          REGIONAL_CLAUSE, f"point = the host hospital {host}: {source}", _approx(host), geom,
                          institution=host, stand_in=False, precision_km=_precision_km(host), **_placeholder(host)))
    names_en = counties().set_index("name_zh")["name_en"]
    for county in remaining_counties():
        geom, source = county_seat(county)
        rows.append(_base(layer, "county", f"{county}县级综合医院", f"{names_en[county]} county general hospital",
                          [county], COUNTY_CLAUSE, f"stand-in: the plan names no hospital; {source}", True, geom,
                          institution="", stand_in=True, precision_km=None, placeholder=True,
                          placeholder_reason="the plan names no hospital, only 其余市县: placed at the county seat"))
    return layer_frame(rows)


def building_projects() -> gpd.GeoDataFrame:
    """专栏4: the hospital building projects (role candidate), points for the siting tool."""
    rows = []
    for as_written, name in BUILDING_PROJECTS:
        geom, source, name_en = _point(name)
        rows.append(_base("building-projects", "candidate", as_written, name_en, [], as_written, source, _approx(name),
                          geom, institution=name, precision_km=_precision_km(name),
                          section="专栏4 医疗卫生基础建设升级工程 — 医疗机构基础建设", **_placeholder(name)))
    return layer_frame(rows)


# ---------------------------------------------------------------------------------------------
# Note 5: the port cities of the 2+3+N network.  The plan counts 7 but names only 海口, 洋浦, 东方.
PORT_CLAUSE = "完善海口、洋浦、东方等7个口岸所在地公共卫生应急救治服务网络"
PORT_COUNT = 7
#: (name as written, county-level unit whose polygon stands for it, or the institution row of a place without one)
PORTS: list[tuple[str, str]] = [("海口", "海口市"), ("洋浦", "洋浦经济开发区"), ("东方", "东方市")]

# 专栏3: five regional CDC centres and five regional emergency command centres, named by city only.
CDC_CLAUSE = "5个区域中心级：建设海口、三亚、儋州、琼海、五指山5个区域疾控中心"
EMERGENCY_CLAUSE = "建设海口、三亚、儋州、琼海、五指山五大区域公共卫生紧急救援指挥中心"
CENTRE_CITIES: tuple[str, ...] = ("海口市", "三亚市", "儋州市", "琼海市", "五指山市")

# 专栏6 and 第六章: TCM building projects and regional TCM centres.  (as written, role, institution row or the
# county-level unit whose seat stands in for an unknown site, clause)
TCM_NEW_CLAUSE = "实施海南省中医院新院区、陵水黎族自治县中医院新院区、儋州市中医院新院区、海口市国际中医中心等新建项目"
TCM_OPEN_CLAUSE = "完成乐东、澄迈、琼中、屯昌、五指山、保亭等中医院新建启用"
TCM_REGIONAL_CLAUSE = "加强海口、三亚、儋州、琼海、琼中等市县中医院基础设施和软件建设，构建省级中医区域医疗中心"
TCM_LEAD_CLAUSE = "推动由省中医院、三亚中医院牵头组建具有示范带动作用的中医医疗集团"
TCM_PROJECTS: list[tuple[str, str, str, str]] = [
    ("海南省中医院新院区", "new-campus", "海南省中医院新院区", TCM_NEW_CLAUSE),
    ("陵水黎族自治县中医院新院区", "new-campus", "陵水黎族自治县", TCM_NEW_CLAUSE),
    ("儋州市中医院新院区", "new-campus", "儋州市", TCM_NEW_CLAUSE),
    ("海口市国际中医中心", "new-build", "海口市", TCM_NEW_CLAUSE),
    *[(f"{c}中医院", "new-county-tcm-hospital", u, TCM_OPEN_CLAUSE) for c, u in (
        ("乐东", "乐东黎族自治县"), ("澄迈", "澄迈县"), ("琼中", "琼中黎族苗族自治县"), ("屯昌", "屯昌县"),
        ("五指山", "五指山市"), ("保亭", "保亭黎族苗族自治县"))],
    ("海口市中医院", "regional-tcm-centre", "海口市中医院", TCM_REGIONAL_CLAUSE),
    ("三亚市中医院", "regional-tcm-centre", "三亚市中医院", TCM_REGIONAL_CLAUSE),
    ("儋州市中医院", "regional-tcm-centre", "儋州市", TCM_REGIONAL_CLAUSE),
    ("琼海市中医院", "regional-tcm-centre", "琼海市", TCM_REGIONAL_CLAUSE),
    ("琼中中医院", "regional-tcm-centre", "琼中黎族苗族自治县", TCM_REGIONAL_CLAUSE),
    ("海南省中医院", "tcm-group-lead", "海南省中医院", TCM_LEAD_CLAUSE),
]  # fmt: skip
#: Named in 专栏6 but with no city: left unplaced.
TCM_UNPLACED: tuple[str, ...] = ("国家中医疫病防治及紧急医学救援基地",)

# 专栏8: the three health-industry clusters and the 三亚 TCM export base.
CLUSTERS: list[dict[str, Any]] = [
    {"name_zh": "乐城先行区健康服务业集群", "name_en": "Lecheng health-services cluster", "role": "health-services-cluster",
     "clause": "依托乐城先行区打造健康服务业集群", "members": ["海南博鳌乐城国际医疗旅游先行区"]},
    {"name_zh": "海口高新区医药制造业集群", "name_en": "Haikou high-tech zone pharmaceutical manufacturing cluster",
     "role": "pharma-cluster", "clause": "依托海口高新区打造医药制造业集群",
     "members": ["海口国家高新技术产业开发区", "美安生态科技新城"]},
    {"name_zh": "三亚中医药服务贸易集群", "name_en": "Sanya TCM service-trade cluster", "role": "tcm-trade-cluster",
     "clause": "依托三亚打造中医药服务贸易集群", "members": [], "county": "三亚市"},
]
EXPORT_BASE_CLAUSE = "全力支持三亚市中医院建设国家中医药服务出口基地"
_SEAT_REASON = "the plan names only the city/county ({}); the site is not known, so the point is its seat"


def _seat_feature(layer: str, role: str, name_zh: str, name_en: str, county: str, clause: str,
                  **extra: Any) -> dict[str, Any]:
    """A placeholder feature at a county-level unit's seat (layers.institutions.PLACEHOLDER_RULE)."""
    geom, source = county_seat(county)
    return _base(layer, role, name_zh, name_en, [county], clause, f"placeholder: {source}", True, geom,
                 institution="", placeholder=True, placeholder_reason=_SEAT_REASON.format(county), **extra)


def _institution_feature(layer: str, role: str, name_zh: str, name: str, clause: str, **extra: Any) -> dict[str, Any]:
    """A feature at a named institution's point, carrying its precision and placeholder flags."""
    geom, source, name_en = _point(name)
    return _base(layer, role, name_zh, name_en, [], clause, source, _approx(name), geom, institution=name,
                 precision_km=_precision_km(name), **_placeholder(name), **extra)


def port_cities() -> gpd.GeoDataFrame:
    """Note 5: the port cities the plan names (海口, 东方 as county polygons; 洋浦 as a point, it has no polygon)."""
    units = counties().set_index("name_zh")
    rows = []
    for written, where in PORTS:
        extra = {"ports_counted": PORT_COUNT, "ports_named": len(PORTS),
                 "note": f"the plan counts {PORT_COUNT} port cities and names {len(PORTS)}; the other "
                         f"{PORT_COUNT - len(PORTS)} are unnamed"}  # fmt: skip
        if where in units.index:
            rows.append(_base("port-cities", "port-city", where, str(units.loc[where, "name_en"]), [where], PORT_CLAUSE,
                              _UNION_SOURCE.replace("member counties'", "city's"), False, units.geometry.loc[where],
                              institution="", **extra))
        else:
            rows.append(_institution_feature("port-cities", "port-city", where, where, PORT_CLAUSE, **extra))
        rows[-1]["name_as_written"] = written
    return layer_frame(rows)


def emergency_and_disease_control_centres() -> gpd.GeoDataFrame:
    """专栏3: the 5 regional CDC centres and 5 regional emergency command centres (placeholders at the city seats)."""
    names_en = counties().set_index("name_zh")["name_en"]
    rows = []
    for city in CENTRE_CITIES:
        short = city.removesuffix("市")
        rows.append(_seat_feature("emergency-and-disease-control-centres", "regional-cdc-centre",
                                  f"{short}区域疾控中心", f"{names_en[city]} regional CDC centre", city, CDC_CLAUSE))
        rows.append(_seat_feature("emergency-and-disease-control-centres", "regional-emergency-command-centre",
                                  f"{short}区域公共卫生紧急救援指挥中心",
                                  f"{names_en[city]} regional public-health emergency command centre", city,
                                  EMERGENCY_CLAUSE))
    return layer_frame(rows)


def tcm_projects() -> gpd.GeoDataFrame:
    """专栏6 and 第六章: TCM building projects, new county TCM hospitals, regional TCM centres and the group lead."""
    units = counties().set_index("name_zh")
    rows = []
    for written, role, where, clause in TCM_PROJECTS:
        if where in units.index:
            rows.append(_seat_feature("tcm-projects", role, written, f"{written} ({units['name_en'].loc[where]})",
                                      where, clause))
        else:
            rows.append(_institution_feature("tcm-projects", role, written, where, clause))
    return layer_frame(rows)


def industry_clusters() -> gpd.GeoDataFrame:
    """专栏8: the Lecheng, Haikou high-tech zone and Sanya TCM-trade clusters, and Sanya's TCM export base."""
    units = counties().set_index("name_zh")
    rows = []
    for c in CLUSTERS:
        if c["members"]:
            pts = [_point(m)[0] for m in c["members"]]
            geom = pts[0] if len(pts) == 1 else shapely.MultiPoint(pts)
            held = [m for m in c["members"] if _placeholder(m)["placeholder"]]
            rows.append(_base("industry-clusters", c["role"], c["name_zh"], c["name_en"], list(c["members"]), c["clause"],
                              "; ".join(f"{m}: {_point(m)[1]}" for m in c["members"]),
                              any(_approx(m) for m in c["members"]), geom, institution=c["members"][0],
                              placeholder=bool(held), placeholder_reason="; ".join(held)))
        else:
            rows.append(_base("industry-clusters", c["role"], c["name_zh"], c["name_en"], [c["county"]], c["clause"],
                              f"the city's polygon ({_UNION_SOURCE})", False, units.loc[c["county"], "geometry"],
                              institution=""))
    rows.append(_institution_feature("industry-clusters", "tcm-export-base", "三亚市中医院（国家中医药服务出口基地）",
                                     "三亚市中医院", EXPORT_BASE_CLAUSE))
    return layer_frame(rows)


LAYERS: dict[str, Callable[[], gpd.GeoDataFrame]] = {
    "regional-medical-centres": regional_medical_centres,
    "one-core-two-poles-three-zones": one_core_two_poles_three_zones,
    "public-health-2-3-n": public_health_2_3_n,
    "building-projects": building_projects,
    "port-cities": port_cities,
    "emergency-and-disease-control-centres": emergency_and_disease_control_centres,
    "tcm-projects": tcm_projects,
    "industry-clusters": industry_clusters,
}
