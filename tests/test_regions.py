"""regions.resolve: named regions, adcodes, names, errors."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import pytest
import shapely

from spatial import regions
from spatial.coords import metric_crs
from spatial.errors import RegionError

COLUMNS = ["adcode", "name_zh", "name_en", "level", "parent_adcode", "geometry"]


@pytest.mark.parametrize(
    "key, n_units, name_zh",
    [
        ("hainan", 18, "海南省"),
        ("HAINAN", 18, "海南省"),
        (460000, 18, "海南省"),
        ("yunnan", 129, "云南省"),
        ("yiyang", 6, "益阳市"),
        ("430900", 6, "益阳市"),
        ("haikou", 4, "海口市"),
        (460100, 4, "海口市"),
        ("海口市", 4, "海口市"),
        ("sanya", 4, "三亚市"),
        (530100, 14, "昆明市"),
        ("530100", 14, "昆明市"),
        ("昆明市", 14, "昆明市"),
        ("Kunming", 14, "昆明市"),
        (532800, 3, "西双版纳傣族自治州"),
        (469025, 1, "白沙黎族自治县"),
        (460400, 1, "儋州市"),
        (532302, 1, "禄丰市"),
        (430981, 1, "沅江市"),
    ],
)
def test_resolve(key, n_units, name_zh):
    region = regions.resolve(key)
    assert len(region.counties) == n_units
    assert region.name_zh == name_zh
    assert list(region.counties.columns[:5]) == COLUMNS[:5] and "geometry" in region.counties
    assert region.counties.crs.to_epsg() == 4326
    assert region.counties["adcode"].is_unique


def test_region_geometry_is_consistent():
    region = regions.resolve("hainan")
    lon_min, lat_min, lon_max, lat_max = region.bbox
    assert (lon_min, lat_min, lon_max, lat_max) == pytest.approx((108.6, 18.15, 111.25, 20.15), abs=0.1)  # 七洲列岛 reach 111.27 E
    assert region.metric_crs == metric_crs(*region.bbox)
    assert shapely.box(*region.bbox).buffer(1e-9).contains(region.outline)
    # the outline covers its counties (up to simplification slivers)
    units = region.counties.to_crs(region.metric_crs)
    outline = gpd.GeoSeries([region.outline], crs=4326).to_crs(region.metric_crs).iloc[0]
    assert units.union_all().difference(outline).area < 1e-4 * outline.area
    assert outline.area / 1e6 == pytest.approx(33_000, rel=0.05)  # Hainan island ≈ 33,900 km²


def test_prefecture_region_is_its_counties_only():
    kunming = regions.resolve(530100)
    assert (kunming.counties["parent_adcode"] == 530100).all()
    assert kunming.name == "530100" and kunming.name_en == "Kunming"
    # a named region and its adcode give the same units
    assert set(regions.resolve("haikou").counties["adcode"]) == {460105, 460106, 460107, 460108}


def test_region_is_frozen_and_its_frame_is_a_copy():
    region = regions.resolve("yiyang")
    with pytest.raises(dataclasses.FrozenInstanceError):
        region.name = "x"  # type: ignore[misc]
    region.counties["adcode"] = -1  # mutate the handed-out frame …
    assert (regions.resolve("yiyang").counties["adcode"] > 0).all()  # … the cache is untouched


@pytest.mark.parametrize("bad", ["beijing", 110000, 532331, "", "Yiliang", 999999, "53010"])
def test_unknown_region_lists_valid_names(bad):
    with pytest.raises(RegionError) as info:
        regions.resolve(bad)
    message = str(info.value)
    assert repr(bad) in message
    for name in ("hainan", "haikou", "yunnan", "yiyang"):
        assert name in message


def test_list_regions():
    assert regions.list_regions() == ["hainan", "haikou", "sanya", "yunnan", "yiyang"]
    everything = regions.list_regions(include_adcodes=True)
    assert {"530100", "532302", "469025", "430902"} <= set(everything)
    assert "460100" not in everything  # reachable as "haikou"
    for key in everything[:8] + everything[-3:]:
        assert len(regions.resolve(key).counties) >= 1


@pytest.mark.parametrize("key", ["hainan", "530100", "yiyang"])
def test_metric_bounds_and_outline_are_the_projected_ones(key):
    """What a Region carries in its metric CRS equals projecting its counties and outline afresh."""
    r = regions.resolve(key)
    assert r.bounds_m == pytest.approx(tuple(r.counties.to_crs(r.metric_crs).total_bounds), abs=1e-6)
    fresh = gpd.GeoSeries([r.outline], crs="EPSG:4326").to_crs(r.metric_crs).iloc[0]
    assert shapely.equals_exact(r.outline_m, fresh, tolerance=1e-6)
    assert r.outline_m.area == pytest.approx(fresh.area) and r.outline_m.area > 1e9  # m², a real region
