"""Population surfaces: census fact table, dasymetric model (conservation), GeoTIFF in/out, cell frames."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from pyproj import Geod, Transformer
from rasterio.transform import from_origin

from spatial import population as P
from spatial import regions
from spatial.census import CENSUS_CSV, county_totals, load_census, region_census_total
from spatial.errors import InputFileError

ROOT = Path(__file__).resolve().parent.parent

# ------------------------------------------------------------------------------------------------ census


def test_fact_table_matches_published_totals():
    t = load_census()
    prov = t["adcode"] // 10000
    assert t.loc[prov == 46, "pop_total"].sum() == 10_081_232
    assert t.loc[prov == 53, "pop_total"].sum() == 47_209_277
    assert t.loc[t["adcode"] // 100 == 4601, "pop_total"].sum() == 2_873_358  # 海口's 4 districts
    assert t.loc[t["adcode"] // 100 == 4309, "pop_total"].sum() == 3_851_564
    assert county_totals([460100])["pop_total"].iloc[0] == 2_873_358
    assert (t["pop_urban"] + t["pop_rural"] == t["pop_total"]).all()
    assert ((t["pop_80plus"] <= t["pop_65plus"]) & (t["pop_65plus"] <= t["pop_60plus"])
            & (t["pop_60plus"] < t["pop_total"])).all()
    assert not t["adcode"].duplicated().any()


def test_fact_table_is_what_the_script_builds_from_the_workbook(shared_data):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_census_table as b
    finally:
        sys.path.pop(0)
    raw = b.read_census(shared_data / "population" / "census_county_2020_v1.xlsx")
    built = b.leaves(raw)
    b.check(raw, built)  # raises unless every prefecture/province sum row equals its leaves
    committed = pd.read_csv(CENSUS_CSV, dtype={"note": str})
    assert built["adcode"].tolist() == committed["adcode"].tolist()
    for col in ("pop_total", "pop_urban", "pop_rural", "pop_60plus", "pop_65plus", "pop_80plus"):
        assert built[col].tolist() == committed[col].tolist(), col


def test_management_zones_and_recodes_land_in_a_polygon():
    t = load_census().set_index("adcode")
    assert t.loc[430971, "polygon_adcode"] == 430921  # 大通湖管理区 → 南县
    assert t.loc[430972, "polygon_adcode"] == 430903  # 益阳高新区 → 赫山区
    assert 532302 in t.index and 532331 not in t.index  # 禄丰 re-coded
    assert pd.isna(t.loc[460300, "polygon_adcode"])  # 三沙: no land polygon


@pytest.mark.parametrize("name, expected", [
    ("hainan", 10_081_232 - 2_333),  # minus 三沙 (islands outside the land polygons)
    ("yunnan", 47_209_277),
    ("yiyang", 3_851_564),  # incl. 大通湖管理区 and 高新区 placed in their parent counties
    ("haikou", 2_873_358),
    (530100, 8_460_088),
])
def test_every_census_person_lands_in_a_region_polygon(name, expected):
    region = regions.resolve(name)
    assert region_census_total(region.counties["adcode"]) == expected


# ------------------------------------------------------------------------------------------- dasymetric


def _check_conservation(grid: P.PopulationGrid, region) -> dict[str, float]:
    """Assert per-county totals equal the census (rel. 1e-9) and the cell invariants; return the errors."""
    codes = region.counties["adcode"].astype("int64").to_numpy()
    census = county_totals(codes)
    assert set(np.unique(grid.county)) == set(codes), "every county gets at least one populated cell"
    pos = np.searchsorted(np.sort(codes), grid.county)
    order = np.argsort(codes)
    got = {col: np.bincount(pos, weights=v, minlength=len(codes))
           for col, v in (("pop_total", grid.pop), ("pop_urban", grid.urban), ("pop_60plus", grid.pop60))}
    errs = {}
    for col, values in got.items():
        want = census[col].to_numpy(float)[order]
        rel = np.abs(values - want) / want
        errs[col] = float(rel.max())
        assert rel.max() < 1e-9, (col, rel.max())
    assert grid.pop.sum() == pytest.approx(census["pop_total"].sum(), rel=1e-12)
    assert (grid.pop > 0).all()
    assert (grid.urban >= 0).all() and (grid.urban <= grid.pop * (1 + 1e-12)).all()
    assert (grid.pop60 >= 0).all() and (grid.pop60 <= grid.pop * (1 + 1e-12)).all()
    assert grid.lon.shape == grid.lat.shape == grid.row.shape == grid.county.shape == (grid.n_cells,)
    assert grid.county.dtype == np.int64 and grid.row.dtype == np.int32
    return errs


@pytest.fixture(scope="module")
def kunming():
    return regions.resolve(530100)


@pytest.fixture(scope="module")
def hainan():
    return regions.resolve("hainan")


@pytest.fixture(scope="module")
def kunming_grid(kunming, kunming_net):
    return P.from_census(kunming, network=kunming_net, cell_m=500)


def test_kunming_with_network_conserves_every_county(kunming, kunming_grid):
    errs = _check_conservation(kunming_grid, kunming)
    assert kunming_grid.pop.sum() == pytest.approx(8_460_088)
    assert kunming_grid.cell_m == 500 and kunming_grid.provenance["cell_m"] == 500
    assert kunming_grid.provenance["date"] == "2020-11-01" and "NBS" in kunming_grid.provenance["source"]
    assert max(errs.values()) < 1e-9


def test_hainan_18_units_with_network_conserves_every_county(hainan, hainan_net):
    grid = P.from_census(hainan, network=hainan_net)
    _check_conservation(grid, hainan)
    assert len(hainan.counties) == 18
    assert grid.pop.sum() == pytest.approx(10_078_899)


@pytest.mark.parametrize("name, cell_m", [("yiyang", 1000.0), ("hainan", 1000.0), (530100, 1000.0),
                                          ("haikou", 500.0), ("yunnan", 2000.0)])
def test_without_network_conserves_every_county(name, cell_m):
    region = regions.resolve(name)
    grid = P.from_census(region, cell_m=cell_m)
    _check_conservation(grid, region)
    assert "without a network" in grid.provenance["method"]


def test_network_surface_is_denser_along_roads(kunming, kunming_net, kunming_grid):
    """Cells crossed by a road hold more people per cell, on average, than road-free cells of their county."""
    t = kunming_grid.transform
    tr = Transformer.from_crs("EPSG:4326", kunming_grid.metric_crs, always_xy=True)
    x, y = tr.transform(kunming_net.lon, kunming_net.lat)
    cols = np.floor((np.asarray(x) - t[2]) / t[0]).astype(int)
    rows = np.floor((np.asarray(y) - t[5]) / t[4]).astype(int)
    with_node = np.zeros(kunming_grid.shape, dtype=bool)
    ok = (rows >= 0) & (rows < kunming_grid.shape[0]) & (cols >= 0) & (cols < kunming_grid.shape[1])
    with_node[rows[ok], cols[ok]] = True
    on = with_node[kunming_grid.row, kunming_grid.col]
    assert kunming_grid.pop[on].mean() > 3 * kunming_grid.pop[~on].mean()


def _seats_at_surface_points(region) -> pd.DataFrame:
    """Hand-picked seats: each county's representative point (deterministic, independent of seat tables)."""
    pts = region.counties.geometry.representative_point()
    return pd.DataFrame({"adcode": region.counties["adcode"].astype("int64"), "lon": pts.x, "lat": pts.y})


@pytest.mark.parametrize("with_network", [False, True])
def test_more_people_near_seats_than_far(kunming, kunming_net, with_network):
    seats = _seats_at_surface_points(kunming)
    grid = P.from_census(kunming, network=kunming_net if with_network else None, cell_m=500, seats=seats)
    tr = Transformer.from_crs("EPSG:4326", grid.metric_crs, always_xy=True)
    sx, sy = tr.transform(seats["lon"].to_numpy(), seats["lat"].to_numpy())
    seat_of = dict(zip(seats["adcode"], zip(sx, sy)))
    xy = np.array([seat_of[c] for c in grid.county])
    d = np.hypot(grid.x_m - xy[:, 0], grid.y_m - xy[:, 1])
    for code in np.unique(grid.county):
        m = grid.county == code
        near, far = m & (d < 3000), m & (d > 15000)
        if far.sum() >= 10 and near.sum() >= 1:
            assert grid.pop[near].mean() > grid.pop[far].mean(), code


def _square_region(cells: list[tuple[int, float, float, float]], name="synthetic"):
    """A hand-built region of squares (adcode, lon, lat, side in degrees) in WGS84."""
    frame = gpd.GeoDataFrame(
        {"adcode": [c[0] for c in cells], "name_zh": [str(c[0]) for c in cells]},
        geometry=[shapely.box(lon, lat, lon + side, lat + side) for _, lon, lat, side in cells], crs="EPSG:4326",
    )
    return regions._make(name, name, name, 0, frame)  # as resolve() builds a Region from its units


def test_tiny_county_smaller_than_a_cell_still_gets_its_people():
    # 秀英区-coded big square and 龙华区-coded 300 m square inside no cell centre (1 km cells)
    region = _square_region([(460105, 110.0, 19.5, 0.3), (460106, 110.4013, 19.6013, 0.0027)])
    grid = P.from_census(region, cell_m=1000)
    small = grid.county == 460106
    assert small.sum() == 1
    assert grid.pop[small].sum() == pytest.approx(797_684)
    assert grid.pop[grid.county == 460105].sum() == pytest.approx(567_108)


def test_hand_built_seat_kernel_and_rural_floor():
    region = _square_region([(469025, 109.0, 19.0, 0.2)])
    seats = pd.DataFrame({"adcode": [469025], "lon": [109.05], "lat": [19.05]})
    grid = P.from_census(region, cell_m=1000, seats=seats)
    census = county_totals([469025]).iloc[0]
    assert grid.pop.sum() == pytest.approx(census["pop_total"])
    assert grid.urban.sum() == pytest.approx(census["pop_urban"])
    assert (grid.pop > 0).all()  # remote cells keep people
    lon_max = grid.lon[np.argmax(grid.urban)]
    lat_max = grid.lat[np.argmax(grid.urban)]
    assert abs(lon_max - 109.05) < 0.01 and abs(lat_max - 19.05) < 0.01  # densest urban cell at the seat
    assert (grid.pop60 / grid.pop == pytest.approx(census["pop_60plus"] / census["pop_total"]))


# --------------------------------------------------------------------------------------------- GeoTIFF


def test_geotiff_round_trip(kunming, kunming_grid, tmp_path):
    path = P.write_geotiff(kunming_grid, tmp_path / "kunming.tif")
    with rasterio.open(path) as src:
        assert src.count == 3 and src.dtypes == ("float32",) * 3
        assert src.descriptions == ("pop", "urban", "pop60")
        assert src.nodata == P.GRID_NODATA
        tags = src.tags()
        assert "dasymetric" in tags["method"] and json.loads(tags["provenance"])["date"] == "2020-11-01"
    back = P.read_geotiff(path, kunming)
    assert back.cell_m == 500 and back.shape == kunming_grid.shape and back.transform == kunming_grid.transform
    assert back.n_cells == kunming_grid.n_cells
    assert (back.county == kunming_grid.county).all() and (back.row == kunming_grid.row).all()
    np.testing.assert_allclose(back.pop, kunming_grid.pop, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(back.urban, kunming_grid.urban, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(back.pop60, kunming_grid.pop60, rtol=1e-5, atol=1e-3)
    assert back.pop.sum() == pytest.approx(8_460_088, rel=1e-6)


def _geographic_density_tif(path: Path, density_km2: float, bounds, res_deg: float) -> None:
    """A constant-density GeoTIFF in EPSG:4326 (persons per pixel = density × the pixel's ellipsoidal area)."""
    w, s, e, n = bounds
    cols, rows = round((e - w) / res_deg), round((n - s) / res_deg)
    geod = Geod(ellps="WGS84")
    tops = n - np.arange(rows) * res_deg
    area_km2 = np.array([abs(geod.polygon_area_perimeter([w, w + res_deg, w + res_deg, w],
                                                         [t, t, t - res_deg, t - res_deg])[0]) for t in tops]) / 1e6
    data = np.repeat((density_km2 * area_km2)[:, None], cols, axis=1).astype("float32")
    with rasterio.open(path, "w", driver="GTiff", width=cols, height=rows, count=1, dtype="float32",
                       crs="EPSG:4326", transform=from_origin(w, n, res_deg, res_deg), nodata=-99999.0) as dst:
        dst.write(data, 1)


def test_user_geotiff_in_wgs84_keeps_the_total(hainan, tmp_path):
    density = 300.0
    _geographic_density_tif(tmp_path / "wgs84.tif", density, (108.4, 18.0, 111.2, 20.3), 0.005)
    grid = P.read_geotiff(tmp_path / "wgs84.tif", hainan)
    land_km2 = hainan.counties.to_crs(hainan.metric_crs).area.sum() / 1e6
    assert grid.pop.sum() == pytest.approx(density * land_km2, rel=0.005)
    assert grid.cell_m == 1000 and set(np.unique(grid.county)) == set(hainan.counties["adcode"])
    # urban and 60+ from the census shares of each county
    census = county_totals(grid.county[:1])
    share = census["pop_urban"].iloc[0] / census["pop_total"].iloc[0]
    m = grid.county == grid.county[0]
    assert grid.urban[m].sum() / grid.pop[m].sum() == pytest.approx(share)
    assert (grid.urban <= grid.pop).all() and (grid.pop60 <= grid.pop).all()


def test_user_geotiff_in_utm_keeps_the_total(hainan, tmp_path):
    tr = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True)
    x0, y0 = tr.transform(108.4, 18.0)
    x1, y1 = tr.transform(111.2, 20.3)
    res = 250.0
    cols, rows = int((x1 - x0) / res), int((y1 - y0) / res)
    density = 150.0
    with rasterio.open(tmp_path / "utm.tif", "w", driver="GTiff", width=cols, height=rows, count=1,
                       dtype="float32", crs="EPSG:32649", transform=from_origin(x0, y1, res, res),
                       nodata=-99999.0) as dst:
        dst.write(np.full((rows, cols), density * res * res / 1e6, dtype="float32"), 1)
    grid = P.read_geotiff(tmp_path / "utm.tif", hainan, cell_m=2000)
    land_km2 = hainan.counties.to_crs(hainan.metric_crs).area.sum() / 1e6
    assert grid.cell_m == 2000
    assert grid.pop.sum() == pytest.approx(density * land_km2, rel=0.005)


def test_user_geotiff_inside_the_region_keeps_its_exact_sum_and_ignores_nodata(kunming, tmp_path):
    rng = np.random.default_rng(7)
    res = 0.001  # ~100 m, finer than the 1 km grid
    w, n = 102.60, 25.10  # a box in central Kunming, well inside the prefecture
    data = rng.gamma(0.5, 20.0, size=(150, 200)).astype("float32")
    data[:10, :10] = -99999.0  # nodata
    data[20, 20] = np.nan
    with rasterio.open(tmp_path / "box.tif", "w", driver="GTiff", width=200, height=150, count=1,
                       dtype="float32", crs="EPSG:4326", transform=from_origin(w, n, res, res),
                       nodata=-99999.0) as dst:
        dst.write(data, 1)
    grid = P.read_geotiff(tmp_path / "box.tif", kunming)
    valid = data[(data != -99999.0) & np.isfinite(data)].astype(float)
    assert grid.pop.sum() == pytest.approx(valid.sum(), rel=1e-6)
    # only cells the box reaches are kept (0.2° × 0.15° ≈ 20 × 17 km at 1 km: ~340 cells)
    assert 250 < grid.n_cells < 450
    assert (grid.lon > w - 0.01).all() and (grid.lon < w + 0.21).all()
    assert (grid.lat < n + 0.01).all() and (grid.lat > n - 0.16).all()


def test_bad_geotiffs_raise_input_file_errors(kunming, tmp_path):
    text = tmp_path / "notes.tif"
    text.write_text("not a raster")
    with pytest.raises(InputFileError, match="cannot be opened as a GeoTIFF"):
        P.read_geotiff(text, kunming)
    with pytest.raises(InputFileError, match="cannot be opened"):
        P.read_geotiff(tmp_path / "missing.tif", kunming)

    no_crs = tmp_path / "nocrs.tif"
    with rasterio.open(no_crs, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32",
                       transform=from_origin(102.6, 25.1, 0.01, 0.01)) as dst:
        dst.write(np.ones((10, 10), "float32"), 1)
    with pytest.raises(InputFileError, match="no coordinate reference system.*EPSG:4326"):
        P.read_geotiff(no_crs, kunming)

    empty = tmp_path / "empty.tif"
    with rasterio.open(empty, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32",
                       crs="EPSG:4326", transform=from_origin(102.6, 25.1, 0.01, 0.01), nodata=-1.0) as dst:
        dst.write(np.full((10, 10), -1.0, "float32"), 1)
    with pytest.raises(InputFileError, match="no people inside region"):
        P.read_geotiff(empty, kunming)

    beijing = tmp_path / "beijing.tif"
    with rasterio.open(beijing, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32",
                       crs="EPSG:4326", transform=from_origin(116.3, 40.0, 0.01, 0.01)) as dst:
        dst.write(np.ones((10, 10), "float32"), 1)
    with pytest.raises(InputFileError, match=r"beijing\.tif.*does not overlap region"):
        P.read_geotiff(beijing, kunming)


def test_census_grid_is_cached_under_what_it_reads(hainan_net, tmp_path, monkeypatch):
    """Built once, then read back equal; another network or cell size is another entry; huge grids are not kept."""
    monkeypatch.setattr(P, "cache_dir", lambda: tmp_path)
    built: list[float] = []
    real = P.from_census

    def counting(region, *, network=None, cell_m=1000.0):
        built.append(cell_m)
        return real(region, network=network, cell_m=cell_m)

    monkeypatch.setattr(P, "from_census", counting)
    region = regions.resolve("hainan")
    first = P.census_grid(region, network=hainan_net, cell_m=3000.0)
    again = P.census_grid(region, network=hainan_net, cell_m=3000.0)
    assert built == [3000.0] and again is not first
    for name in ("lon", "lat", "pop", "urban", "pop60", "county", "row", "col"):
        assert np.array_equal(getattr(again, name), getattr(first, name)), name
    assert again.provenance == first.provenance
    assert again.pop.sum() == pytest.approx(region_census_total(region.counties["adcode"]))  # the census, kept
    P.census_grid(region, network=None, cell_m=3000.0)  # no network: people placed otherwise, its own entry
    P.census_grid(region, network=hainan_net, cell_m=4000.0)
    assert built == [3000.0, 3000.0, 4000.0] and len(list((tmp_path / "population").glob("census-*.pickle"))) == 3
    monkeypatch.setattr(P, "CACHE_MAX_CELLS", 10)
    P.census_grid(region, network=hainan_net, cell_m=5000.0)
    P.census_grid(region, network=hainan_net, cell_m=5000.0)
    assert built[-2:] == [5000.0, 5000.0] and len(list((tmp_path / "population").glob("census-*.pickle"))) == 3
