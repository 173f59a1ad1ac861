"""Referral chain: a hand-timed line of roads (and the lines the access analyses export), then properties on Hainan."""

from __future__ import annotations


import geopandas as gpd
import numpy as np
import pytest

from spatial import access, facilities, population, referral, regions, traveltime
from spatial.errors import HealthplanError
from spatial.network import assemble


# Nodes 0..5 on a line near Haikou: P1, Ha, X, T, Hb, P2.  Two-way edges with their minutes:
#   0–1 10, 1–2 20, 2–3 5, 3–4 8, 4–5 4, and a shortcut 0–2 25.
LON = 110.30 + 0.01 * np.arange(6)
LAT = np.full(6, 20.02)
EDGES = [(0, 1, 10.0), (1, 2, 20.0), (2, 3, 5.0), (3, 4, 8.0), (4, 5, 4.0), (0, 2, 25.0)]


@pytest.fixture(scope="module")
def line_net():
    tail = np.array([a for a, b, _ in EDGES] + [b for a, b, _ in EDGES])
    head = np.array([b for a, b, _ in EDGES] + [a for a, b, _ in EDGES])
    minutes = np.array([t for *_, t in EDGES] * 2)
    return assemble(LON, LAT, tail, head, minutes * 1000.0, minutes, np.zeros(tail.size), ("road",), directed=False)


def points(nodes: list[int], names: list[str], **cols) -> gpd.GeoDataFrame:
    """Points exactly on the given nodes (no access leg)."""
    return gpd.GeoDataFrame({"name": names, **cols}, geometry=gpd.points_from_xy(LON[nodes], LAT[nodes]), crs="EPSG:4326")


def test_chain_by_hand(line_net):
    primary = points([0, 5, 2], ["P1", "P2", "P3"], adcode=[1, 2, 1])
    chain = referral.referral_chain(line_net, primary, points([1, 4], ["Ha", "Hb"]), points([3], ["T"]))
    pts = chain.points().set_index("name")
    # P1: Ha in 10 (Hb would be 25+5+8 = 38); Ha → T 20+5 = 25; direct P1 → T by the shortcut 25+5 = 30
    assert pts.loc["P1", "county_hospital_name"] == "Ha"
    assert pts.loc["P1", "to_county_hospital_min"] == pytest.approx(10)
    assert pts.loc["P1", "county_hospital_to_tertiary_min"] == pytest.approx(25)
    assert pts.loc["P1", "chain_min"] == pytest.approx(35)
    assert pts.loc["P1", "direct_tertiary_min"] == pytest.approx(30)
    # P2: Hb in 4, then 8 → 12, direct 12;  P3 (node X): Hb in 13 (Ha 20), chain 21, direct 5
    assert pts.loc["P2", "chain_min"] == pytest.approx(12) and pts.loc["P2", "direct_tertiary_min"] == pytest.approx(12)
    assert pts.loc["P3", "county_hospital_name"] == "Hb" and pts.loc["P3", "chain_min"] == pytest.approx(21)
    counties = chain.counties()
    assert counties["adcode"].tolist() == [1, 2]  # county 1 has the slowest chain (35)
    assert counties.iloc[0]["slowest_point"] == "P1" and counties.iloc[0]["slowest_chain_min"] == pytest.approx(35)
    assert counties.iloc[0]["points"] == 2 and counties.iloc[0]["median_chain_min"] == pytest.approx(28)
    links = chain.slowest_links(top=4)
    one = links[links["adcode"] == 1]
    assert one["minutes"].tolist() == pytest.approx([25, 13, 10, 8])
    assert one["level"].tolist()[0] == referral.LEVELS[1] and one["rank"].tolist() == [1, 2, 3, 4]


def test_ties_go_to_the_first_listed_hospital(line_net):
    chain = referral.referral_chain(line_net, points([0], ["P"]), points([1, 1], ["H1", "H1bis"]), points([3], ["T"]))
    assert chain.county_hospital.tolist() == [0]


def test_limit_makes_links_unreachable_and_they_rank_slowest(line_net):
    primary = points([0, 5], ["P1", "P2"], adcode=[1, 2])
    chain = referral.referral_chain(line_net, primary, points([1, 4], ["Ha", "Hb"]), points([3], ["T"]), limit_min=20)
    pts = chain.points().set_index("name")
    assert not pts.loc["P1", "reachable"] and np.isnan(pts.loc["P1", "chain_min"])  # Ha → T is 25 > 20
    assert pts.loc["P2", "reachable"]
    assert chain.counties().iloc[0]["adcode"] == 1 and chain.counties().iloc[0]["unreachable_points"] == 1


def test_empty_level_is_refused(line_net):
    with pytest.raises(HealthplanError, match="tertiary"):
        referral.referral_chain(line_net, points([0], ["P"]), points([1], ["H"]), points([], []))


def test_hainan_chain_properties(hainan_net):
    reg = regions.resolve("hainan")
    grid = population.from_census(reg, network=hainan_net, cell_m=5000.0)
    pick = np.argsort(-grid.pop, kind="stable")[:200]  # the 200 most populous 5 km cells stand in for townships
    primary = gpd.GeoDataFrame({"name": [f"cell {i}" for i in pick]},
                               geometry=gpd.points_from_xy(grid.lon[pick], grid.lat[pick]), crs="EPSG:4326")
    hosp = facilities.default_facilities(reg, kind="county_hospital")
    tert = facilities.default_facilities(reg, kind="tertiary")
    chain = referral.referral_chain(hainan_net, primary, hosp, tert, counties=reg.counties)
    pts = chain.points()
    # the county of each point comes from the polygons; it agrees with the grid's own county raster
    assert (pts["adcode"].to_numpy() == grid.county[pick]).mean() > 0.95
    # going through a county hospital is never faster than driving to the nearest tertiary hospital
    ok = pts["reachable"].to_numpy()
    assert ok.mean() > 0.9
    assert np.all(pts["chain_min"][ok] >= pts["direct_tertiary_min"][ok] - 1e-9)
    # the first leg agrees with the engine's place-to-nearest-facility minutes
    lon, lat = traveltime.point_lonlat(hosp)
    first, which = traveltime.facility_minutes(hainan_net, lon, lat, grid.lon[pick], grid.lat[pick])
    np.testing.assert_allclose(chain.to_county_min, first)
    np.testing.assert_array_equal(chain.county_hospital, which)
    counties = chain.counties(reg.counties)
    assert counties["rank"].tolist() == list(range(1, len(counties) + 1))
    assert counties["slowest_chain_min"].is_monotonic_decreasing
    assert counties["points"].sum() == len(pick)
    # the county seats themselves: their own stand-in hospital is nearest, and the first leg is the
    # seat's access leg twice (off the network to its node, and back to the hospital at the same spot)
    seats = facilities.default_facilities(reg, kind="primary")
    own = referral.referral_chain(hainan_net, seats, hosp, tert)
    leg = traveltime.snap(hainan_net, *traveltime.point_lonlat(seats)).access_min
    np.testing.assert_allclose(own.to_county_min, 2 * leg, rtol=1e-12)
    np.testing.assert_array_equal(own.county_hospital, np.arange(len(seats)))


# the referral lines the access analyses export (spatial/access.py)


def test_referral_lines_join_the_points_with_road_minutes(line_net):
    run = access.run_referral(line_net, points([0, 5, 2], ["P1", "P2", "P3"], adcode=[1, 2, 1]),
                              points([1, 4], ["Ha", "Hb"]), points([3], ["T"]), counties=None, limit_min=None)
    lines = access.referral_lines(run)
    first = lines[lines["level"] == referral.LEVELS[0]].set_index("from_name")
    # P1 → Ha 10 min; P3 (node X) → Hb 13 min; each line runs from the point to its hospital
    assert first.loc["P1", "to_name"] == "Ha" and first.loc["P1", "minutes"] == pytest.approx(10)
    assert first.loc["P3", "minutes"] == pytest.approx(13)
    assert list(first.loc["P1"].geometry.coords) == [(LON[0], LAT[0]), (LON[1], LAT[1])]
    second = lines[lines["level"] == referral.LEVELS[1]].set_index("from_name")
    # both hospitals are used, each once: Ha → T 25, Hb → T 8
    assert sorted(second.index) == ["Ha", "Hb"]
    assert second.loc["Ha", "minutes"] == pytest.approx(25) and second.loc["Hb", "minutes"] == pytest.approx(8)
    assert len(lines) == 3 + 2


def test_referral_limit_leaves_unreachable_points_without_lines(line_net):
    run = access.run_referral(line_net, points([0, 5], ["P1", "P2"]), points([4], ["Hb"]), points([3], ["T"]),
                              counties=None, limit_min=10.0)
    lines = access.referral_lines(run)
    # P1 is 38 min from Hb (beyond 10): no line; P2 → Hb 4, Hb → T 8
    assert sorted(lines["from_name"]) == ["Hb", "P2"]
    assert access.AccessResults(referral=run).summary()["referral"]["unreachable_points"] == 1
