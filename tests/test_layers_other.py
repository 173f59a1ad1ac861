"""Yunnan, Yiyang and Haikou plan layers checked against the plans' own text and the project's boundaries."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point

from conftest import PLANS_DIR, plan_file
from layers import haikou, registry, yiyang, yunnan
from layers._common import precision_km
from layers.schema import COLUMNS
from spatial import boundaries
from spatial.coords import metric_crs
from spatial.errors import RegionError
from spatial.settings import FACILITIES_DIR

MODULES = (yunnan, yiyang, haikou)

#: The official 25 沿边县（市） of Yunnan (bordering Myanmar, Laos, Vietnam).
OFFICIAL_BORDER_COUNTIES = {
    "贡山独龙族怒族自治县", "福贡县", "泸水市", "腾冲市", "盈江县", "陇川县", "瑞丽市", "芒市", "龙陵县", "镇康县",
    "耿马傣族佤族自治县", "沧源佤族自治县", "西盟佤族自治县", "孟连傣族拉祜族佤族自治县", "澜沧拉祜族自治县", "勐海县",
    "景洪市", "勐腊县", "江城哈尼族彝族自治县", "绿春县", "金平苗族瑶族傣族自治县", "河口瑶族自治县", "马关县", "麻栗坡县",
    "富宁县",
}  # fmt: skip


@pytest.fixture(scope="module")
def built() -> dict[str, gpd.GeoDataFrame]:
    """Every layer of the three plans, built once, keyed "plan/layer"."""
    return {f"{m.PLAN}/{k}": f() for m in MODULES for k, f in m.LAYERS.items()}


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    """The plans' original Chinese text by plan id."""
    return {m.PLAN: plan_file(m.PLAN_FILE).read_text(encoding="utf-8") for m in MODULES}


@pytest.fixture(scope="module")
def pref() -> gpd.GeoDataFrame:
    """Yunnan's prefectures by adcode."""
    return yunnan.prefectures()


@pytest.fixture(scope="module")
def cty() -> gpd.GeoDataFrame:
    """Yunnan's counties by adcode."""
    return yunnan.counties()


def _area_km2(geom: shapely.Geometry) -> float:
    """Area of a WGS84 geometry in km² (equal-area CRS fitted to it)."""
    if geom.is_empty:
        return 0.0
    crs = metric_crs(*geom.bounds)
    return float(gpd.GeoSeries([geom], crs="EPSG:4326").to_crs(crs).area.iloc[0]) / 1e6


# ---------------------------------------------------------------- schema and text


def test_every_layer_follows_the_schema(built):
    for key, frame in built.items():
        plan, layer = key.split("/")
        assert list(frame.columns[: len(COLUMNS)]) == list(COLUMNS), key
        assert frame.crs.to_epsg() == 4326, key
        assert len(frame) > 0, key
        assert (frame["plan"] == plan).all() and (frame["layer"] == layer).all(), key
        assert frame.geometry.is_valid.all() and not frame.geometry.is_empty.any(), key
        assert frame["name_zh"].str.len().gt(0).all() and frame["name_en"].str.len().gt(0).all(), key
        assert frame["location_source"].str.len().gt(0).all(), key
        assert all(isinstance(m, list) for m in frame["members"]), key


def test_every_clause_is_quoted_from_the_plan(built, texts):
    for key, frame in built.items():
        text = texts[key.split("/")[0]]
        for name, clause in zip(frame["name_zh"], frame["clause"], strict=True):
            pieces = [p.strip() for p in clause.split(" … ")]
            assert pieces and all(pieces), (key, name)
            for piece in pieces:
                assert piece in text, f"{key} {name}: {piece!r} is not in {PLANS_DIR}"


def test_layers_match_module_listing(built):
    assert set(built) == {f"{m.PLAN}/{k}" for m in MODULES for k in m.LAYERS}
    assert yunnan.PLAN == "yunnan-14th" and yiyang.PLAN == "yiyang" and haikou.PLAN == "haikou-2020"


# ---------------------------------------------------------------- Yunnan


def test_one_core_is_kunming_yuxi_chuxiong(built, pref):
    core = built["yunnan-14th/one-core"]
    assert len(core) == 1
    assert set(core["members"].iloc[0]) == {"昆明市", "玉溪市", "楚雄彝族自治州"}
    expected = sum(_area_km2(pref.loc[a].geometry) for a in (530100, 530400, 532300))
    assert _area_km2(core.geometry.iloc[0]) == pytest.approx(expected, rel=0.01)
    assert not core.geometry.iloc[0].contains(
        pref.loc[532900].geometry.representative_point()
    )  # 大理 is not in it
    for short in ("昆明", "玉溪", "楚雄"):
        assert short in core["clause"].iloc[0]


def test_six_zones_roles_cores_and_members(built, pref):
    zones = built["yunnan-14th/six-zones"].set_index("name_zh")
    assert len(zones) == 6
    assert (zones["role"] == "agglomeration").sum() == 4 and (zones["role"] == "border-radiation").sum() == 2
    cores = {"滇东北": "昭通市", "滇东健": "曲靖市", "滇西健": "大理白族自治州", "滇南健": "红河哈尼族彝族自治州",
             "滇西边境": "德宏傣族景颇族自治州", "滇南边境": "西双版纳傣族自治州"}  # fmt: skip
    for prefix, core in cores.items():
        (name,) = [n for n in zones.index if n.startswith(prefix)]
        assert zones.loc[name, "core_city"] == core
        assert zones.loc[name, "members"][0] == core
    assert set(zones.loc["滇西健康医疗服务业集聚区", "members"]) == {
        "大理白族自治州", "丽江市", "迪庆藏族自治州", "怒江傈僳族自治州", "保山市", "临沧市"}  # fmt: skip
    assert set(zones.loc["滇南健康医疗服务业集聚区", "members"]) == {
        "红河哈尼族彝族自治州",
        "普洱市",
        "文山壮族苗族自治州",
    }
    assert set(zones.loc["滇南边境健康医疗服务辐射区", "members"]) == {"西双版纳傣族自治州", "普洱市"}
    assert zones.loc["滇东北健康医疗服务业集聚区", "members"] == ["昭通市"]
    for name, row in zones.iterrows():
        # every member is named in the quoted clause, and the polygon is exactly the union of the members
        for code in row["member_adcodes"]:
            short = next(k for k, v in yunnan.PREFECTURE.items() if v == code)
            assert short in row["clause"], (name, short)
        union = shapely.union_all(pref.loc[row["member_adcodes"]].geometry.values)
        assert _area_km2(union.symmetric_difference(row.geometry)) < 1.0, name


def _path_positions(line: shapely.Geometry, points: list[Point]) -> list[float]:
    """Distance along ``line`` of each point (degrees), asserting each point lies on the line."""
    out = []
    for p in points:
        assert line.distance(p) < 1e-9
        out.append(line.project(p))
    return out


def test_belts_pass_their_places_in_the_plans_order(built, texts):
    belts = built["yunnan-14th/four-belts"].set_index("belt_no")
    assert len(belts) == 4 and (belts["role"] == "belt").all()
    # belt 1 and both axes of belt 3: the order is read from the plan's "A—B—C" chains
    text = texts["yunnan-14th"]
    chain1 = re.search(r"发挥((?:[\u4e00-\u9fff]+—)+[\u4e00-\u9fff]+)等旅游环线", text).group(1).split("—")
    axes3 = [a.split("—") for a in re.search(r"以(昆明—[^等]+)等骨干交通为轴线", text).group(1).split("、")]
    assert chain1 == ["大理", "丽江", "迪庆", "怒江", "保山", "德宏"]
    line1 = belts.loc[1].geometry
    assert line1.is_ring  # closed: a 旅游环线
    pos = _path_positions(line1, [Point(yunnan.ANCHORS[c][:2]) for c in chain1])
    assert pos == sorted(pos) and len(set(pos)) == 6
    line3 = belts.loc[3].geometry
    assert line3.geom_type == "MultiLineString" and len(line3.geoms) == len(axes3) == 2
    for part, axis in zip(line3.geoms, axes3, strict=True):
        pos = _path_positions(part, [Point(yunnan.ANCHORS[c][:2]) for c in axis])
        assert pos == sorted(pos) and len(set(pos)) == len(axis)
    # belt 2 runs downstream (north to south) through 普洱, 景迈山, 景洪
    lats = [c[1] for c in belts.loc[2].geometry.coords]
    assert lats == sorted(lats, reverse=True) and "景迈山" in belts.loc[2, "clause"]


def test_belt_anchors_lie_in_their_units(pref, cty):
    for name, (lon, lat, code, _) in yunnan.ANCHORS.items():
        unit = pref if code in pref.index else cty
        assert unit.loc[code].geometry.contains(Point(lon, lat)), name


def test_border_belt_follows_the_border_counties(built):
    belt4 = built["yunnan-14th/four-belts"].set_index("belt_no").loc[4]
    members = belt4["members"]
    assert set(members) == OFFICIAL_BORDER_COUNTIES and len(members) == 25
    assert members[0] == "贡山独龙族怒族自治县" and members[-1] == "富宁县"
    order = [
        members.index(n) for n in ("腾冲市", "瑞丽市", "景洪市", "河口瑶族自治县")
    ]  # the plan's border cities
    assert order == sorted(order)
    for city in ("瑞丽", "河口", "腾冲", "景洪"):
        assert city in belt4["clause"]


def test_belt_areas(built):
    areas = built["yunnan-14th/four-belts-area"].set_index("belt_no")
    lines = built["yunnan-14th/four-belts"].set_index("belt_no")
    border = built["yunnan-14th/border-counties"]
    outline = boundaries.outline("yunnan")
    crs = metric_crs(*outline.bounds)
    for no in (1, 2, 3):
        area = gpd.GeoSeries([areas.loc[no].geometry], crs=4326).to_crs(crs).iloc[0]
        line = gpd.GeoSeries([lines.loc[no].geometry], crs=4326).to_crs(crs).iloc[0]
        ring_points = shapely.get_coordinates(area.boundary)
        far = shapely.distance(shapely.points(ring_points), line).max()
        assert far <= yunnan.BELT_BUFFER_KM * 1000 * 1.01  # nothing farther than the buffer from the line
        assert area.buffer(1.0).contains(
            line.intersection(gpd.GeoSeries([outline], crs=4326).to_crs(crs).iloc[0])
        )
    union = shapely.union_all(border.geometry.values)
    assert _area_km2(union.symmetric_difference(areas.loc[4].geometry)) < 1.0


def test_border_counties_are_the_official_25(built, cty):
    border = built["yunnan-14th/border-counties"]
    assert len(border) == 25 and (border["role"] == "border-county").all()
    assert set(border["name_zh"]) == OFFICIAL_BORDER_COUNTIES
    assert cty.loc[border["adcode"], "is_border_county"].astype(bool).all()
    assert border["border_order"].tolist() == list(range(1, 26))


def test_medical_centres_sit_in_their_cities(built, pref):
    centres = built["yunnan-14th/medical-centres"].set_index("name_zh")
    national = centres[centres["role"] == "national-centre"]
    assert set(national.index) == {"云南省第一人民医院", "云南省阜外心血管病医院", "云南省肿瘤医院"}
    assert national.geometry.within(pref.loc[530100].geometry).all()  # all three in Kunming
    provincial = {"滇东北省级区域医疗中心（昭通）": 530600, "滇东省级区域医疗中心（曲靖）": 530300,
                  "滇西省级区域医疗中心（大理）": 532900, "滇南省级区域医疗中心（红河）": 532500}  # fmt: skip
    for name, code in provincial.items():
        assert pref.loc[code].geometry.contains(centres.loc[name].geometry), name
    assert (centres.loc[list(provincial), "geometry_approximate"]).all()


# ---------------------------------------------------------------- facility tables


@pytest.mark.parametrize(
    ("csv", "outline_of"),
    [
        ("yunnan_institutions.csv", "yunnan"),
        ("yiyang_institutions.csv", "yiyang"),
        ("yunnan_scenic_4a.csv", "yunnan"),
    ],
)
def test_points_lie_in_their_province_with_a_stated_precision(csv, outline_of):
    table = pd.read_csv(FACILITIES_DIR / csv)
    assert table["name_zh"].is_unique
    outline = boundaries.outline(outline_of)
    inside = shapely.contains_xy(outline, table["lon"].to_numpy(), table["lat"].to_numpy())
    assert inside.all(), table.loc[~inside, "name_zh"].tolist()
    stated = [precision_km(s) for s in table["location_source"]]
    if "placeholder" in table:  # the institution tables: precision_m rules; placeholders stand for a whole unit
        assert (table["precision_m"] > 0).all()
        stated = [p / 1000 for p, ph in zip(table["precision_m"], table["placeholder"], strict=True) if not ph]
    assert all(s is not None and 0 < s <= 25 for s in stated)


def test_haikou_places_lie_in_haikou():
    districts = boundaries.counties("hainan_districts")
    haikou_poly = shapely.union_all(districts[districts["parent_adcode"] == 460100].geometry.values)
    frame = haikou.wellness()
    assert frame.geometry.within(haikou_poly).all()
    table = pd.read_csv(FACILITIES_DIR / "haikou_institutions.csv")
    assert shapely.contains_xy(haikou_poly, table["lon"].to_numpy(), table["lat"].to_numpy()).all()


def test_scenic_points_lie_in_their_county_with_the_stated_precision(cty):
    table = pd.read_csv(FACILITIES_DIR / "yunnan_scenic_4a.csv")
    for r in table.itertuples():
        assert cty.loc[r.adcode].geometry.contains(Point(r.lon, r.lat)), r.name_zh
        assert cty.loc[r.adcode, "name_zh"] == r.county
        assert precision_km(r.location_source) * 1000 == r.precision_m <= 5000, r.name_zh


def test_scenic_table_has_the_plans_5a_areas():
    table = pd.read_csv(FACILITIES_DIR / "yunnan_scenic_4a.csv")
    assert set(table["level"]) == {"5A", "4A"}
    five_a = table.loc[table["level"] == "5A", "name_zh"].tolist()
    for named in (
        "崇圣寺",
        "玉龙雪山",
        "丽江古城",
        "普达措",
        "腾冲火山热海",
    ):  # 5A areas the plan names (四带 1)
        assert any(named in n for n in five_a), named
    assert len(five_a) >= 9 and (table["level"] == "4A").sum() >= 30


# ---------------------------------------------------------------- Yiyang


def _table_members(text: str) -> dict[str, list[str]]:
    """Zone → member areas, parsed from the plan's layout table (我市健康产业空间布局)."""
    block = text[text.index("我市健康产业空间布局") : text.index("二、主要任务")]
    zones: dict[str, list[str]] = {}
    current = None
    for line in (s.strip() for s in block.splitlines()):
        if line in ("核心区", "拓展区", "特色区"):
            current = zones.setdefault(line, [])
        elif current is not None and re.fullmatch(r"[\u4e00-\u9fff]{1,4}[区县市]", line):
            current.append(line)
    return zones


def test_yiyang_zones_match_the_plan_table(built, texts):
    zones = built["yiyang/zones"].set_index("name_zh")
    table = _table_members(texts["yiyang"])
    assert set(zones.index) == set(table) and len(zones) == 3
    for name, members in table.items():
        assert zones.loc[name, "members"] == members
    assert dict(zip(zones.index, zones["role"], strict=True)) == {
        "核心区": "core",
        "拓展区": "extension",
        "特色区": "feature",
    }
    assert set(zones.loc["核心区", "members"]) == {"赫山区", "资阳区", "高新区", "东部新区"}
    assert set(zones.loc["特色区", "members"]) == {"安化县", "南县", "大通湖区"}


def test_yiyang_zone_polygons(built):
    zones = built["yiyang/zones"].set_index("name_zh")
    cty = yiyang.counties()
    for name, row in zones.iterrows():
        for m in row["members"]:
            if m in yiyang.COUNTY:
                assert row.geometry.buffer(1e-9).contains(cty.loc[m].geometry), (name, m)
    assert zones.loc["核心区", "geometry_approximate"] and zones.loc["特色区", "geometry_approximate"]
    # the feature zone = 安化 + 南县 + a small flagged circle for 大通湖区
    extra = (
        _area_km2(zones.loc["特色区"].geometry)
        - _area_km2(cty.loc["安化县"].geometry)
        - _area_km2(cty.loc["南县"].geometry)
    )
    circle = np.pi * yiyang.MANAGEMENT_RADIUS_KM**2
    assert 0 < extra <= circle * 1.01


def test_yiyang_management_areas_are_flagged_and_placed(built):
    areas = built["yiyang/management-areas"].set_index("name_zh")
    cty = yiyang.counties()
    assert set(areas.index) == {"高新区", "东部新区", "大通湖区"} and areas["geometry_approximate"].all()
    for name in ("高新区", "东部新区"):
        assert cty.loc["赫山区"].geometry.contains(areas.loc[name].geometry)
    crs = metric_crs(*cty.total_bounds)
    p = gpd.GeoSeries([areas.loc["大通湖区"].geometry], crs=4326).to_crs(crs).iloc[0]
    for parent in ("南县", "沅江市"):  # between the two
        assert gpd.GeoSeries([cty.loc[parent].geometry], crs=4326).to_crs(crs).iloc[0].distance(p) < 5000


def test_yiyang_carriers_come_from_the_table(built, texts):
    carriers = built["yiyang/carriers"]
    table = _table_members(texts["yiyang"])
    text = texts["yiyang"]
    for row in carriers.itertuples():
        assert row.area in table[row.zone]
        cell = text[text.index(f"\t{row.area}\n") :].split("\n", 2)[1]  # the table cell after the area
        for piece in row.clause.split(" … "):
            assert piece in cell, (row.name_zh, piece)
    assert set(carriers["area"]) == {m for ms in table.values() for m in ms}  # every area has carriers
    cty = yiyang.counties()
    for row in carriers[carriers["area"].isin(list(yiyang.COUNTY))].itertuples():
        assert cty.loc[row.area].geometry.contains(row.geometry), row.name_zh


def test_yiyang_hospitals_and_chronic_areas(built):
    cty = yiyang.counties()
    hospitals = built["yiyang/county-hospitals"]
    assert len(hospitals) == 4
    for row in hospitals.itertuples():
        county = row.name_zh.removesuffix("人民医院")
        assert cty.loc[county].geometry.contains(row.geometry)
    assert set(built["yiyang/chronic-disease-areas"]["name_zh"]) == {"赫山区", "桃江县", "安化县"}


# ---------------------------------------------------------------- Haikou


def test_haikou_wellness_names_the_replys_places(built):
    names = " ".join(built["haikou-2020/wellness"]["name_zh"]) + " ".join(
        built["haikou-2020/wellness"]["clause"]
    )
    for place in ("美安", "药谷", "桂林洋", "观澜湖", "永兴镇", "中医"):
        assert place in names, place
    assert len(built["haikou-2020/platform-hospitals"]) == 5


# ---------------------------------------------------------------- helpers and registry (small hand-built cases)


@pytest.mark.parametrize(
    ("text", "km"),
    [
        ("precision ≈ 2 km", 2.0),
        ("≈ 5 km at best, 25 km if …; ≈ 1.5 km", 5.0),
        ("no figure", None),
        ("≈25 km", 25.0),
    ],
)
def test_precision_parser(text, km):
    assert precision_km(text) == km


def test_registry_regions():
    assert [m.PLAN for m in registry.modules("hainan")] == ["hainan-13th", "hainan-14th"]
    assert set(registry.builders("yunnan")) == {f"yunnan-14th/{k}" for k in yunnan.LAYERS}
    assert {k.split("/")[0] for k in registry.builders("all")} == {
        "hainan-13th", "hainan-14th", "yunnan-14th", "yiyang", "haikou-2020"}  # fmt: skip
    with pytest.raises(RegionError, match="hainan, yunnan"):
        registry.modules("guangdong")
