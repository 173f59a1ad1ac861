"""The named-institution tables: every point in the unit its address names, one placeholder rule, the circle choice."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point

from layers import registry
from layers.institutions import institutions
from spatial.facilities import default_facilities
from spatial.settings import FACILITIES_DIR, PACKAGE_ROOT

BOUNDARIES = PACKAGE_ROOT / "data" / "boundaries"
GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def units() -> gpd.GeoDataFrame:
    """County-level units (and Haikou/Sanya districts) of the three regions, read straight from data/boundaries."""
    files = ("hainan_districts24", "hainan_counties18", "yunnan_counties129", "yiyang_counties6")
    frame = pd.concat([gpd.read_file(BOUNDARIES / f"{f}.geojson") for f in files], ignore_index=True)
    return frame.drop_duplicates("adcode").set_index("adcode")


@pytest.fixture(scope="module")
def table() -> gpd.GeoDataFrame:
    return institutions()


@pytest.fixture(scope="module")
def seats() -> pd.DataFrame:
    return pd.read_csv(FACILITIES_DIR / "county_seats.csv", encoding="utf-8-sig")


def _unit(units: gpd.GeoDataFrame, code: int) -> shapely.Geometry:
    """The polygon of ``code``; a prefecture-level code is the union of its children."""
    if code in units.index:
        return units.loc[code, "geometry"]
    children = units[units["parent_adcode"] == code]
    assert len(children), f"no polygon for adcode {code}"
    return shapely.union_all(children.geometry.values)


def test_every_point_lies_in_the_unit_its_address_names(table, units):
    assert table["unit_adcode"].notna().all()
    outside = [
        (r.name_zh, r.unit_adcode) for r in table.itertuples() if not _unit(units, int(r.unit_adcode)).contains(r.geometry)
    ]
    assert not outside, outside
    for r in table.itertuples():  # the address (where one is given) names the unit's short name
        if r.address and not r.placeholder and int(r.unit_adcode) in units.index:
            short = re.sub(r"(黎族|苗族|自治县|县|市|区)+$", "", units.loc[int(r.unit_adcode), "name_zh"])[:2]
            assert short in r.address, (r.name_zh, r.address)


def test_every_row_states_address_method_and_a_consistent_precision(table):
    for r in table.itertuples():
        assert r.location_method.strip(), r.name_zh
        assert r.placeholder or r.address.strip(), r.name_zh
        found = re.findall(r"precision ≈ ([0-9.]+) km", r.location_source)
        assert found and float(found[-1]) * 1000 == pytest.approx(r.precision_m), r.name_zh
        if not r.placeholder:
            assert 500 <= r.precision_m <= 25_000, r.name_zh


def _reach_m(lon: float, lat: float, geom: shapely.Geometry) -> float:
    """Largest geodesic distance (m) from (lon, lat) to the polygon's boundary vertices."""
    xy = shapely.get_coordinates(geom.boundary)
    _, _, dist = GEOD.inv(np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1])
    return float(dist.max())


def test_placeholders_follow_one_rule(table, units, seats):
    held = table[table["placeholder"]]
    assert len(held) >= 25
    seat_xy = set(zip(seats["lon"].round(6), seats["lat"].round(6), strict=True))
    for r in held.itertuples():
        assert r.placeholder_reason.strip(), r.name_zh
        assert (round(r.geometry.x, 6), round(r.geometry.y, 6)) in seat_xy, f"{r.name_zh} is not at a county seat"
        geom = _unit(units, int(r.unit_adcode))
        # the precision covers the whole unit (geodesic check, independent of the table's equal-area computation)
        assert r.precision_m >= 0.99 * _reach_m(r.geometry.x, r.geometry.y, geom), r.name_zh
    # no point outside the rule sits on a seat while claiming street-level precision
    exact = table[~table["placeholder"] & (table["precision_m"] < 3000)]
    at_seat = [r.name_zh for r in exact.itertuples() if (round(r.geometry.x, 6), round(r.geometry.y, 6)) in seat_xy]
    assert not at_seat, at_seat
    # the Sanya-named projects are placed by the same rule as the other Sanya items
    for name in ("三亚哈尔滨医科大学鸿森医院", "三亚国康医院", "恒大三亚国际合作医院", "三亚国医养生院"):
        row = table.set_index("name_zh").loc[name]
        assert row["placeholder"] and int(row["unit_adcode"]) == 460200


def test_the_tertiary_circle_counts_general_tertiary_hospitals_only(table):
    counted = table["counts_for_tertiary_circle"]
    assert (counted == ((table["tier"] == "tertiary") & (table["kind"] == "general-hospital"))).all()
    assert table["circle_reason"].str.len().gt(0).all()
    dali2 = table.set_index("name_zh").loc["大理白族自治州第二人民医院"]
    assert dali2["kind"] == "psychiatric-hospital" and not dali2["counts_for_tertiary_circle"]
    for region in ("hainan", "yunnan", "yiyang"):
        frame = default_facilities(region, kind="tertiary")
        names = set(table.loc[counted, "name_zh"])
        assert len(frame) and set(frame["name"]) <= names, region
        assert frame["circle_reason"].str.contains("general").all()


def test_the_points_the_issue_names_are_fixed(table, units):
    rows = table.set_index("name_zh")
    dali2 = rows.loc["大理白族自治州第二人民医院"]
    _, _, d = GEOD.inv(dali2.geometry.x, dali2.geometry.y, 100.28008, 25.62234)  # zh.wikipedia coordinate
    assert d < 1.0 and "红山路" in dali2["address"] and units.loc[532901, "geometry"].contains(dali2.geometry)
    assert units.loc[460204, "geometry"].contains(rows.loc["海南省第三人民医院"].geometry)  # 天涯区 解放路
    assert units.loc[460108, "geometry"].contains(rows.loc["海口市人民医院"].geometry)  # 美兰区 海甸岛
    community, south = rows.loc["观澜湖体育休闲社区"], rows.loc["海南省人民医院南院（观澜湖）"]
    _, _, d = GEOD.inv(community.geometry.x, community.geometry.y, south.geometry.x, south.geometry.y)
    assert d > 4000 and "same point" not in community["location_source"]
    assert "NOT the point" in community["location_source"]


@pytest.fixture(scope="module")
def built() -> dict[str, gpd.GeoDataFrame]:
    return registry.all_layers("all")


def test_every_layer_feature_from_a_placeholder_is_flagged(built, table):
    flags = table.set_index("name_zh")["placeholder"].to_dict()
    checked = 0
    for key, frame in built.items():
        assert {"placeholder", "placeholder_reason"} <= set(frame.columns), key
        assert frame["placeholder_reason"].astype(str).str.len().gt(0)[frame["placeholder"]].all(), key
        for r in frame.itertuples():
            names = [n for n in (getattr(r, "institution", None), getattr(r, "anchor_institution", None)) if
                     isinstance(n, str) and n in flags]  # fmt: skip
            names += [m for m in r.members if m in flags] if key.endswith("four-clusters") else []
            if names:
                assert bool(r.placeholder) == any(flags[n] for n in names), (key, r.name_zh)
                checked += 1
    assert checked >= 80


def test_every_institution_row_is_used_by_a_layer(built, table):
    used: set[str] = set()
    for frame in built.values():
        for col in ("institution", "anchor_institution", "host"):
            if col in frame:
                used |= {n for n in frame[col] if isinstance(n, str)}
        used |= {m for ms in frame["members"] for m in ms}
    unused = sorted(set(table["name_zh"]) - used)
    assert not unused, unused


def test_port_cities_and_centres(built):
    ports = built["hainan-14th/port-cities"]
    assert ports["name_as_written"].tolist() == ["海口", "洋浦", "东方"] and (ports["ports_counted"] == 7).all()
    centres = built["hainan-14th/emergency-and-disease-control-centres"]
    assert centres["role"].value_counts().to_dict() == {"regional-cdc-centre": 5, "regional-emergency-command-centre": 5}
    assert centres["placeholder"].all()
    clusters = built["hainan-14th/industry-clusters"]
    assert "三亚中医药服务贸易集群" in set(clusters["name_zh"]) and len(clusters) == 4
    yn = built["yunnan-14th/partner-hospitals"]["name_zh"].str.cat()
    for name in ("中日友好医院", "北京大学肿瘤医院", "中山大学澄江附属医院"):
        assert name in yn
    assert built["yunnan-14th/health-city"]["members"].iloc[0] == ["昆明市"]
    assert point_in(built["yiyang/anchor-hospitals"])


def point_in(frame: gpd.GeoDataFrame) -> bool:
    """All features are points inside the Yiyang counties."""
    yiyang = shapely.union_all(gpd.read_file(BOUNDARIES / "yiyang_counties6.geojson").geometry.values)
    return bool(frame.geometry.geom_type.eq("Point").all() and frame.geometry.within(yiyang).all())


def test_institution_points_are_wgs84_points(table):
    assert table.crs.to_epsg() == 4326 and table.geometry.geom_type.eq("Point").all()
    assert all(isinstance(g, Point) for g in table.geometry)
