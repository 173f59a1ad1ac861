"""The Hainan plans' layouts as layers: counts, memberships and quotes checked against the plan texts."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from layers import hainan13, hainan14
from layers.institutions import institution, institutions, is_approximate, precision_km, read_institutions
from layers.schema import COLUMNS
from spatial import regions
from spatial.errors import InputFileError
from spatial.settings import FACILITIES_DIR

PLANS_DIR = Path(__file__).resolve().parents[2] / "shared" / "plans"
CSV = FACILITIES_DIR / "hainan_institutions.csv"
SHORT = {  # county-level unit → the short form names start with
    "海口市": "海口", "三亚市": "三亚", "儋州市": "儋州", "五指山市": "五指山", "琼海市": "琼海", "文昌市": "文昌",
    "万宁市": "万宁", "东方市": "东方", "定安县": "定安", "屯昌县": "屯昌", "澄迈县": "澄迈", "临高县": "临高",
    "白沙黎族自治县": "白沙", "昌江黎族自治县": "昌江", "乐东黎族自治县": "乐东", "陵水黎族自治县": "陵水",
    "保亭黎族苗族自治县": "保亭", "琼中黎族苗族自治县": "琼中",
}


@pytest.fixture(scope="module")
def plan_text() -> dict[str, str]:
    """The two Chinese originals, by plan id."""
    assert PLANS_DIR.is_dir(), f"expected the plans at {PLANS_DIR}"
    return {m.PLAN: (PLANS_DIR / m.PLAN_FILE).read_text(encoding="utf-8") for m in (hainan13, hainan14)}


@pytest.fixture(scope="module")
def built() -> dict[tuple[str, str], gpd.GeoDataFrame]:
    """Every layer of both plans, built once."""
    return {(m.PLAN, k): f() for m in (hainan13, hainan14) for k, f in m.LAYERS.items()}


@pytest.fixture(scope="module")
def counties() -> gpd.GeoDataFrame:
    """Project boundaries of the 18 county-level units, indexed by name_zh."""
    return regions.resolve("hainan").counties.set_index("name_zh")


@pytest.fixture(scope="module")
def island(shared_data: Path) -> shapely.Geometry:
    """The reference main-island land polygon (third-party, read from ../shared/data)."""
    path = shared_data / "boundaries_reference" / "hainan_province_main_island_land_wgs84.geojson"
    return shapely.union_all(gpd.read_file(path).geometry.values)


@pytest.fixture(scope="module")
def table() -> gpd.GeoDataFrame:
    """The Hainan institutions table."""
    return read_institutions(CSV)


def _area_km2(geom: shapely.Geometry, crs: str) -> float:
    """Area of a WGS84 geometry in km² in an equal-area CRS."""
    return float(gpd.GeoSeries([geom], crs="EPSG:4326").to_crs(crs).area.iloc[0]) / 1e6


# ----------------------------------------------------------------------------- institutions table
def test_institutions_are_on_island_land(table, island, counties):
    outline = regions.resolve("hainan").outline
    off = table[~table.geometry.within(island)]["name_zh"].tolist()
    assert not off, f"not on the reference main-island land: {off}"
    assert table.geometry.within(outline).all()
    assert len(counties) == 18


def test_institution_named_after_a_county_lies_in_it(table, counties):
    checked = 0
    for _, row in table.iterrows():
        for county, short in SHORT.items():
            if row["name_zh"].startswith(short):
                assert counties.loc[county, "geometry"].contains(row.geometry), (row["name_zh"], county)
                checked += 1
    assert checked >= 20  # most named places carry their city's name


def test_precision_is_stated_and_consistent(table):
    for _, row in table.iterrows():
        found = re.findall(r"precision ≈ (\d+(?:\.\d+)?) km", row["location_source"])
        assert len(found) == 1, f"{row['name_zh']}: location_source must state one 'precision ≈ N km'"
        assert float(found[0]) * 1000 == pytest.approx(row["precision_m"]), row["name_zh"]
        assert 500 <= row["precision_m"] <= (200_000 if row["placeholder"] else 25_000), row["name_zh"]


def test_points_placed_at_a_city_seat_agree_with_the_seats_table(table, counties):
    seats = pd.read_csv(FACILITIES_DIR / "county_seats.csv", encoding="utf-8-sig").set_index("adcode")
    at_seat = table[table["location_method"].str.startswith("town named") & table["address"].str.contains("seat")]
    assert len(at_seat) >= 5
    crs = regions.resolve("hainan").metric_crs
    for _, row in at_seat.iterrows():
        county = counties[counties.geometry.contains(row.geometry)].iloc[0]
        seat = seats.loc[int(county["adcode"])]
        pts = gpd.GeoSeries([row.geometry, shapely.Point(seat["lon"], seat["lat"])], crs="EPSG:4326").to_crs(crs)
        assert pts.iloc[0].distance(pts.iloc[1]) <= row["precision_m"], row["name_zh"]


def test_names_and_aliases_are_unique_across_the_table(table):
    names = [n for _, r in table.iterrows() for n in {r["name_zh"], *filter(None, r["aliases"].split("|"))}]
    dupes = pd.Series(names)[pd.Series(names).duplicated()].tolist()
    assert not dupes, dupes
    assert set(table["tier"]) <= {"tertiary", "secondary", "other", "planned"}


def test_named_tertiary_hospitals_are_tertiary_and_every_centre_city_has_one(table, counties):
    named = ["海南省人民医院", "海南医学院第一附属医院", "海南医学院第二附属医院", "海南省儿童医院", "海南省肿瘤医院",
             "解放军301医院海南分院", "海南省第三人民医院", "三亚市人民医院", "海南西部中心医院", "琼海市人民医院",
             "海南省第二人民医院"]
    tiers = table.set_index("name_zh")["tier"]
    assert (tiers[named] == "tertiary").all()
    general = table[(table["tier"] == "tertiary") & (table["kind"] == "general-hospital")]
    for city in ("海口市", "三亚市", "琼海市", "儋州市", "五指山市"):
        assert general.geometry.within(counties.loc[city, "geometry"]).any(), city
    # planned projects are never counted as existing tertiary capacity
    assert (table[table["kind"] == "project"]["tier"] == "planned").all()


def test_institution_lookup_by_alias_and_region():
    assert institution("海南省第三医院", region="hainan")["name_zh"] == "海南省第三人民医院"
    assert institution("乐城先行区")["name_zh"] == "海南博鳌乐城国际医疗旅游先行区"
    with pytest.raises(KeyError, match="no institution"):
        institution("不存在的医院", region="hainan")
    assert set(institutions()["source_file"]) >= {"hainan_institutions.csv"}


def test_read_institutions_rejects_bad_rows_with_file_row_and_column(tmp_path):
    good = "name_zh,name_en,kind,tier,lon,lat,location_source,plan_refs\n甲医院,A,general-hospital,tertiary,110.3,20.0,x,p\n"
    (tmp_path / "a_institutions.csv").write_text(good + "乙医院,B,general-hospital,tertiary,abc,20.0,x,p\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"row 3, column lon"):
        read_institutions(tmp_path / "a_institutions.csv")
    (tmp_path / "b_institutions.csv").write_text(good + "甲医院,A2,general-hospital,tertiary,110.4,20.1,x,p\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="more than once"):
        read_institutions(tmp_path / "b_institutions.csv")
    (tmp_path / "c_institutions.csv").write_text(good.replace("tertiary", "三级"), encoding="utf-8")
    with pytest.raises(InputFileError, match="column tier"):
        read_institutions(tmp_path / "c_institutions.csv")


def test_lookup_is_ambiguous_across_files_unless_a_region_is_given(tmp_path):
    row = "name_zh,name_en,kind,tier,lon,lat,location_source,plan_refs\n甲医院,A,general-hospital,tertiary,{},20.0,x,p\n"
    (tmp_path / "p_institutions.csv").write_text(row.format(110.1), encoding="utf-8")
    (tmp_path / "q_institutions.csv").write_text(row.format(110.2), encoding="utf-8")
    with pytest.raises(KeyError, match="region="):
        institution("甲医院", directory=tmp_path)
    assert institution("甲医院", region="q", directory=tmp_path)["lon"] == 110.2


def test_precision_and_approximate_flag_on_hand_built_rows():
    row = pd.Series({"tier": "tertiary", "location_source": "from the address; precision ≈ 1.5 km"})
    assert precision_km(row) == 1.5 and not is_approximate(row)
    assert precision_km(pd.Series({"tier": "other", "precision_m": 8000, "location_source": "x"})) == 8.0
    assert is_approximate(pd.Series({"tier": "other", "precision_m": 5000, "location_source": ""}))
    assert is_approximate(pd.Series({"tier": "planned", "precision_m": 1000, "location_source": ""}))
    assert is_approximate(pd.Series({"tier": "tertiary", "location_source": "no stated precision"}))


# ----------------------------------------------------------------------------- every feature
def test_every_feature_has_the_schema_and_quotes_its_plan(built, plan_text):
    for (plan, layer_id), frame in built.items():
        assert list(frame.columns[: len(COLUMNS)]) == list(COLUMNS)
        assert frame.crs.to_epsg() == 4326
        assert (frame["plan"] == plan).all() and (frame["layer"] == layer_id).all()
        for _, f in frame.iterrows():
            assert f["clause"] and f["clause"] in plan_text[plan], (layer_id, f["name_zh"], f["clause"])
            assert isinstance(f["members"], list) and all(isinstance(m, str) for m in f["members"])
            assert f["location_source"].strip() and f.geometry.is_valid and not f.geometry.is_empty
            assert isinstance(f["geometry_approximate"], bool)


def test_points_are_on_land(built, island):
    for key, frame in built.items():
        pts = frame[frame.geometry.geom_type.isin(["Point", "MultiPoint"])]
        assert pts.geometry.within(island).all(), key


def test_referenced_institutions_exist_once_in_the_csv(built, table):
    counts = table["name_zh"].value_counts()
    refs: list[str] = []
    for (_, layer_id), frame in built.items():
        if "institution" in frame:
            refs += [n for n in frame["institution"] if isinstance(n, str) and n]
        if layer_id in ("four-clusters", "five-centres"):
            refs += [n for ms in frame["members"] for n in ms if not n.endswith("市")]
        if "anchor_institution" in frame:
            refs += list(frame["anchor_institution"])
    assert len(refs) > 40
    assert all(counts.get(n, 0) == 1 for n in refs), [n for n in refs if counts.get(n, 0) != 1]


# ----------------------------------------------------------------------------- 13th plan
def test_five_centres(built, counties, plan_text):
    frame = built[("hainan-13th", "five-centres")]
    assert len(frame) == 5 and set(frame["role"]) == {"centre"}
    assert {m for ms in frame["members"] for m in ms} == {"海口市", "三亚市", "琼海市", "儋州市", "五指山市"}
    assert set(frame["direction"]) == {"north", "south", "east", "west", "centre"}
    for _, f in frame.iterrows():
        city = f["members"][0]
        assert SHORT[city] in f["clause"]
        assert counties.loc[city, "geometry"].contains(f.geometry), city  # anchor lies in its city
    # the five cities are the ones the 14th plan says were achieved (第一章)
    assert "海口、三亚、儋州、琼海、五指山“五大区域医疗卫生中心”" in plan_text["hainan-14th"]


def test_four_clusters_members_as_the_plan_names_them(built):
    frame = built[("hainan-13th", "four-clusters")].set_index("name_zh")
    assert len(frame) == 4 and set(frame["role"]) == {"cluster"}
    north = ["海南省人民医院", "海南医学院第一附属医院", "海南医学院第二附属医院", "海南省儿童医院", "海南省肿瘤医院",
             "海南省眼科医院", "海口市人民医院", "海口市中医院"]
    assert frame.loc["北部医疗健康产业集群", "members"] == north
    assert frame.loc["南部医疗健康产业集群", "members"] == ["解放军301医院海南分院", "海南省第三人民医院", "三亚市人民医院", "三亚市中医院"]
    assert frame.loc["西部医疗健康产业集群", "members"] == ["海南西部中心医院", "儋州市人民医院", "东方医院"]
    assert frame.loc["东部医疗健康产业集群", "members"] == ["海南博鳌乐城国际医疗旅游先行区"]
    for c in hainan13.FOUR_CLUSTERS:  # each member appears in the clause in the plan's own words
        assert all(as_written in c["clause"] for _, as_written in c["members"]), c["name_zh"]
    for _name, f in frame.iterrows():
        assert len(f.geometry.geoms) == len(f["members"])


def test_boao_project_list_is_the_plans_21(plan_text):
    assert hainan13.BOAO_PROJECTS_CLAUSE in plan_text["hainan-13th"]
    assert len(hainan13.BOAO_PROJECTS) == 21 and len(set(hainan13.BOAO_PROJECTS)) == 21


def test_multi_point_themes_and_projects(built, plan_text):
    frame = built[("hainan-13th", "multi-point")]
    assert set(frame["role"]) <= set(hainan13.THEMES)
    for zh in ("温泉疗养", "医学美容", "健康养生（老）", "休闲", "康体运动", "南药和芳香药种植"):
        assert zh in hainan13.MULTI_POINT_CLAUSE
    assert hainan13.MULTI_POINT_CLAUSE in plan_text["hainan-13th"]
    for name in hainan13.UNPLACED:  # left out only what the plan really names
        assert name in plan_text["hainan-13th"], name
    assert len(frame) == len(hainan13.MULTI_POINT) == 15
    assert frame["name_zh"].is_unique


# ----------------------------------------------------------------------------- 14th plan
def test_regional_centres_partition_the_island(built, counties):
    frame = built[("hainan-14th", "regional-medical-centres")]
    assert len(frame) == 5 and {"海澄文定", "大三亚", "东部", "中部", "西部"} == {c["key"] for c in hainan14.REGIONAL_CENTRES}
    members = [m for ms in frame["members"] for m in ms]
    assert sorted(members) == sorted(counties.index)  # every county exactly once
    assert frame.set_index("anchor")["members"].to_dict()["海口市"] == ["海口市", "澄迈县", "文昌市", "定安县"]
    assert frame.set_index("anchor")["members"].to_dict()["三亚市"] == ["三亚市", "陵水黎族自治县", "保亭黎族苗族自治县", "乐东黎族自治县"]
    assert (frame["membership_source"].str.contains("common definition")).all()
    crs = regions.resolve("hainan").metric_crs
    for _, f in frame.iterrows():
        expected = sum(_area_km2(counties.loc[m, "geometry"], crs) for m in f["members"])
        assert _area_km2(f.geometry, crs) == pytest.approx(expected, rel=1e-3)
        assert f["anchor"] in f["members"]
        anchor = institution(f["anchor_institution"], region="hainan")
        assert f.geometry.contains(shapely.Point(anchor["lon"], anchor["lat"])), f["name_zh"]
    # the 海澄文定 members are what the abbreviation spells
    assert [SHORT[m][0] for m in frame.iloc[0]["members"]] == list("海澄文定")


def test_one_core_two_poles_three_zones(built):
    frame = built[("hainan-14th", "one-core-two-poles-three-zones")]
    assert frame["role"].value_counts().to_dict() == {"zone": 3, "pole": 2, "core": 1}
    core = frame[frame["role"] == "core"].iloc[0]
    east = frame[frame["name_zh"] == "东部区"].iloc[0]
    assert east.geometry.contains(core.geometry)  # 乐城 lies in 琼海, the eastern zone
    centres = built[("hainan-14th", "regional-medical-centres")]
    poles = frame[frame["role"] == "pole"]
    for (_, p), (_, c) in zip(poles.iterrows(), centres.iloc[:2].iterrows()):
        assert p["members"] == c["members"] and p.geometry.equals(c.geometry)
    for name in ("海澄文定一体化综合经济圈", "大三亚旅游经济圈", "东部、中部、西部三区"):
        assert name in core["clause"]


def test_public_health_2_3_n(built, counties, plan_text):
    frame = built[("hainan-14th", "public-health-2-3-n")]
    roles = frame["role"].value_counts().to_dict()
    n = len(counties) - len(hainan14.HOSTS)  # “其余市县”
    assert roles == {"provincial": 2, "regional": 3, "county": n} and n == 13
    assert "2+3+N" in plan_text["hainan-14th"]
    regional = frame[frame["role"] == "regional"]
    for (_, f), county in zip(regional.iterrows(), ("儋州市", "琼海市", "五指山市")):
        assert SHORT[county] in f["clause"] and counties.loc[county, "geometry"].contains(f.geometry)
    county_rows = frame[frame["role"] == "county"]
    assert sorted(m for ms in county_rows["members"] for m in ms) == sorted(set(counties.index) - set(hainan14.HOSTS))
    for _, f in county_rows.iterrows():  # seat stand-ins lie in their own county
        assert f["stand_in"] and counties.loc[f["members"][0], "geometry"].contains(f.geometry), f["name_zh"]
    provincial = frame[frame["role"] == "provincial"]
    assert counties.loc["海口市", "geometry"].contains(provincial.geometry.iloc[0])
    assert counties.loc["三亚市", "geometry"].contains(provincial.geometry.iloc[1])


def test_building_projects_are_the_plans_list(built, plan_text):
    line = re.search(r"医疗机构基础建设。([^。]+)。", plan_text["hainan-14th"]).group(1)
    frame = built[("hainan-14th", "building-projects")]
    assert frame["name_zh"].tolist() == line.split("、")
    assert len(frame) == 14 and set(frame["role"]) == {"candidate"}
    assert frame["geometry_approximate"].all()  # planned sites are never drawn as exact
