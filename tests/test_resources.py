"""Resources per denominator against targets (spatial/resources.py): a hand-computed case, the template, the census."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from layers import targets as plan_targets
from spatial import regions, resources
from spatial.census import CENSUS_CSV
from spatial.errors import InputFileError
from spatial.facilities import read_facilities
from spatial.settings import PACKAGE_ROOT

TEMPLATES = PACKAGE_ROOT / "data" / "templates"


def _target(indicator, resource, value, per, per_count, scope="region", comparator=">="):
    return {"indicator": indicator, "resource": resource, "value": value, "comparator": comparator, "per": per,
            "per_count": per_count, "scope": scope, "clause": f"clause of {indicator}"}  # fmt: skip


@pytest.fixture()
def two_counties() -> gpd.GeoDataFrame:
    """Counties A (100101) and B (100102) side by side, both in prefecture 100100."""
    return gpd.GeoDataFrame(
        {"adcode": [100101, 100102], "name_zh": ["甲县", "乙县"]},
        geometry=[box(110.0, 20.0, 110.1, 20.1), box(110.1, 20.0, 110.2, 20.1)],
        crs="EPSG:4326",
    )


@pytest.fixture()
def population() -> pd.DataFrame:
    """Hand-set denominators (persons) per county."""
    return pd.DataFrame(
        {"pop_total": [10_000, 5_000], "pop_0to14": [2_000, 500], "pop_60plus": [1_000, 2_000]},
        index=pd.Index([100101, 100102], name="adcode"),
    )


@pytest.fixture()
def facilities() -> gpd.GeoDataFrame:
    """Two facilities in A, one in B, one outside both (east of B)."""
    return gpd.GeoDataFrame(
        {"name": ["a1", "a2", "b1", "far"], "beds": [40.0, 30.0, 20.0, 100.0],
         "paediatric_beds": [4.0, np.nan, 0.0, 9.0], "elderly_beds": [30.0, 0.0, 100.0, 0.0],
         "township_emergency_stations": [1.0, 0.0, 0.0, 1.0]},
        geometry=[Point(110.02, 20.05), Point(110.07, 20.05), Point(110.15, 20.05), Point(110.5, 20.05)],
        crs="EPSG:4326",
    )  # fmt: skip


def test_hand_computed_rates_gaps_and_outside(two_counties, population, facilities):
    targets = pd.DataFrame([
        _target("beds_per_1000", "beds", 6.0, "total", 1000),
        _target("paed_per_1000_children", "paediatric_beds", 2.2, "children", 1000),
        _target("elderly_per_1000_60plus", "elderly_beds", 35.0, "60plus", 1000),
        _target("stations_each_county", "township_emergency_stations", 1.0, "none", 1, scope="each county"),
        _target("stations_each_prefecture", "township_emergency_stations", 1.0, "none", 1, scope="each prefecture"),
        _target("nurses_per_1000", "nurses", 3.0, "total", 1000),  # no such column: skipped
    ])  # fmt: skip
    out = resources.resources_by_county(facilities, targets, counties=two_counties, population=population)
    by = out.by_county.set_index(["indicator", "adcode"])
    # beds: A = 70 beds / 10,000 persons = 7.0 per 1,000 (meets 6); B = 20 / 5,000 = 4.0, short of 6 × 5 = 30 by 10
    assert by.loc[("beds_per_1000", 100101), ["amount", "rate", "meets", "gap"]].tolist() == [
        70.0,
        7.0,
        True,
        0.0,
    ]
    assert by.loc[("beds_per_1000", 100102), ["amount", "rate", "meets", "gap"]].tolist() == [
        20.0,
        4.0,
        False,
        10.0,
    ]
    total = out.total.set_index("indicator")
    # region: 90 / 15,000 = 6.0 per 1,000 (meets, no gap); the 100 beds outside are reported, not counted
    assert total.loc["beds_per_1000", ["amount", "rate", "meets", "gap", "amount_outside"]].tolist() == [
        90.0, 6.0, True, 0.0, 100.0]  # fmt: skip
    # paediatric beds per 1,000 children: A 4 / 2,000 = 2.0 (gap 0.4), B 0 / 500 = 0 (gap 1.1)
    assert by.loc[("paed_per_1000_children", 100101), "rate"] == pytest.approx(2.0)
    assert by.loc[("paed_per_1000_children", 100101), "gap"] == pytest.approx(0.4)
    assert by.loc[("paed_per_1000_children", 100102), "gap"] == pytest.approx(1.1)
    assert total.loc["paed_per_1000_children", "rate"] == pytest.approx(4 / 2500 * 1000)
    # elderly beds per 1,000 aged 60+: A 30 / 1,000 = 30 (gap 5), B 100 / 2,000 = 50
    assert by.loc[("elderly_per_1000_60plus", 100101), ["rate", "gap"]].tolist() == [30.0, 5.0]
    assert by.loc[("elderly_per_1000_60plus", 100102), ["rate", "meets"]].tolist() == [50.0, True]
    # a station in each county: A has one, B none → not met, 1 missing; the prefecture as a whole has one
    assert total.loc["stations_each_county", ["meets", "gap", "units_meeting", "units"]].tolist() == [
        False,
        1.0,
        1,
        2,
    ]
    assert total.loc["stations_each_prefecture", ["meets", "gap", "units"]].tolist() == [True, 0.0, 1]
    assert "nurses_per_1000" not in total.index
    assert out.outside["name"].tolist() == ["far"]


def test_adcode_column_places_facilities_and_area_denominator(two_counties, population, facilities):
    placed = facilities.assign(adcode=[100102, 100102, 100102, 999999])
    targets = pd.DataFrame([_target("beds_per_km2", "beds", 1.0, "area", 1)])
    out = resources.resources_by_county(placed, targets, counties=two_counties, population=population)
    row = out.by_county.set_index("adcode").loc[100102]
    area_km2 = float(two_counties.to_crs("EPSG:6933").area.iloc[1]) / 1e6  # an independent equal-area CRS
    assert row["amount"] == 90.0 and row["denominator"] == pytest.approx(area_km2, rel=1e-3)
    assert out.total["amount_outside"].iloc[0] == 100.0


def test_bad_targets_and_files_are_refused(two_counties, population, facilities):
    with pytest.raises(InputFileError, match="column per"):
        resources.resources_by_county(
            facilities,
            pd.DataFrame([_target("x", "beds", 1, "households", 1000)]),
            counties=two_counties,
            population=population,
        )
    with pytest.raises(InputFileError, match="no column with values"):
        resources.resources_by_county(
            facilities,
            pd.DataFrame([_target("x", "nurses", 1, "total", 1000)]),
            counties=two_counties,
            population=population,
        )


@pytest.fixture(scope="module")
def hainan() -> regions.Region:
    return regions.resolve("hainan")


def _census_by_polygon() -> pd.DataFrame:
    """The census fact table read directly (not through spatial.census), summed per Hainan county polygon."""
    table = pd.read_csv(CENSUS_CSV)
    table = table[table["polygon_adcode"].notna() & table["adcode"].astype(str).str.startswith("46")]
    code = table["polygon_adcode"].astype("int64")
    code = code.where(code // 100 != 4601, 460100)  # 海口's districts form the one 海口市 polygon
    return table.assign(unit=code).groupby("unit")[["pop_total", "pop_0to14", "pop_60plus"]].sum()


@pytest.mark.parametrize("template", ["facilities_template.csv", "facilities_template_zh.csv"])
def test_template_through_resources_against_the_census(template, hainan):
    facilities = read_facilities(TEMPLATES / template)
    assert facilities["name"].str.startswith("EXAMPLE").all()  # only marked example rows ship
    targets = plan_targets.resource_targets("hainan-14th")
    out = resources.resources_by_county(facilities, targets, counties=hainan.counties)
    census = _census_by_polygon()
    counties = hainan.counties.set_index("adcode")
    by = out.by_county.set_index(["indicator", "adcode"])
    checked = 0
    for _, fac in facilities.iterrows():
        code = int(counties.index[counties.geometry.contains(fac.geometry)][0])
        for t in targets.itertuples():
            if t.scope != "region" or pd.isna(fac.get(t.resource)):
                continue
            row = by.loc[(t.indicator, code)]
            denom = (
                float(
                    census.loc[
                        code,
                        {"total": "pop_total", "children": "pop_0to14", "60plus": "pop_60plus"}.get(
                            t.per, "pop_total"
                        ),
                    ]
                )
                if t.per != "none"
                else 1.0
            )
            amount = (
                facilities.loc[
                    [
                        code == int(counties.index[counties.geometry.contains(g)][0])
                        for g in facilities.geometry
                    ],
                    t.resource,
                ]
                .fillna(0)
                .sum()
            )
            assert row["denominator"] == denom
            assert row["rate"] == pytest.approx(amount / denom * t.per_count)
            checked += 1
    assert checked >= 20
    # the region's denominator is the census total of the island's counties (三沙 has no polygon)
    total = out.total.set_index("indicator")
    assert total.loc["beds_per_1000", "denominator"] == census["pop_total"].sum() == 10_078_899
