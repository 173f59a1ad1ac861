"""海南省“十四五”卫生健康规划: regional medical centres, “一核两极三区”, “2+3+N”, 专栏4 projects as layers.

Content is kept as small tables quoting the plan.  Areas are unions of the project's own county
boundaries (``spatial.regions.resolve("hainan").counties``, land only); points come from the
named-institution table (``layers.institutions``) or, for county hospitals the plan does not name,
from county seats (data/facilities/county_seats.csv) as stand-ins.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import Point

from layers.institutions import institution, is_approximate, placeholder_flags, precision_km
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


def _placeholder(name_zh: str) -> dict[str, object]:
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
    adcode = int(counties().set_index("name_zh").loc[name_zh, "adcode"])
    hit = _seat_stand_ins()
    hit = hit[hit["adcode"] == adcode]
    if len(hit) != 1:
        raise InputFileError(f"{FACILITIES_DIR / 'county_seats.csv'}: expected one seat for {name_zh} ({adcode}), "
                             f"found {len(hit)}; rebuild it with `python scripts/build_county_seats.py`")
    return hit.geometry.iloc[0], f"county seat from data/facilities/county_seats.csv: {hit['location_source'].iloc[0]}"


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


LAYERS: dict[str, Callable[[], gpd.GeoDataFrame]] = {
    "regional-medical-centres": regional_medical_centres,
    "one-core-two-poles-three-zones": one_core_two_poles_three_zones,
    "public-health-2-3-n": public_health_2_3_n,
    "building-projects": building_projects,
}
