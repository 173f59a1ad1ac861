"""Maps, exports and the HTML report: band polygons by hand, exports reopened, AMap shift, report contents."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from spatial import export, report
from spatial import scenario as sc
from spatial.coords import from_wgs84
from spatial.population import PopulationGrid

ALBERS = "+proj=aea +lat_1=18 +lat_2=21 +lat_0=19 +lon_0=110 +datum=WGS84 +units=m +no_defs"


def tiny_grid() -> PopulationGrid:
    """A 2 × 3 grid of 1 km cells near Haikou (one cell empty), persons 1..5."""
    rows = np.array([0, 0, 0, 1, 1], dtype=np.int32)
    cols = np.array([0, 1, 2, 0, 1], dtype=np.int32)
    cell = 1000.0
    x0, y0 = 0.0, 100_000.0  # top-left corner in metres
    x = x0 + (cols + 0.5) * cell
    y = y0 - (rows + 0.5) * cell
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(ALBERS, "EPSG:4326", always_xy=True).transform(x, y)
    pop = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    return PopulationGrid(
        lon=np.asarray(lon), lat=np.asarray(lat), x_m=x, y_m=y, row=rows, col=cols, pop=pop, urban=pop / 2,
        pop60=pop / 10, county=np.full(5, 460100, dtype=np.int64), cell_m=cell, metric_crs=ALBERS,
        transform=(cell, 0.0, x0, 0.0, -cell, y0), shape=(2, 3),
    )


def test_band_polygons_by_hand():
    grid = tiny_grid()
    minutes = np.array([5.0, 20.0, 20.0, 70.0, np.inf])  # bands: 0–15, 15–30, 15–30, 60–90, > 90
    bands = report.band_polygons(grid, minutes, (15.0, 30.0, 60.0, 90.0))
    assert list(bands["band"]) == [0, 1, 3, 4]
    assert list(bands["population"]) == [1.0, 5.0, 4.0, 5.0]
    assert list(bands["cells"]) == [1, 2, 1, 1]
    assert bands["to_min"].iloc[-1] is None or not np.isfinite(bands["to_min"].iloc[-1])
    areas = bands.to_crs(ALBERS).area.to_numpy() / 1e6
    np.testing.assert_allclose(areas, [1.0, 2.0, 1.0, 1.0], rtol=1e-6)
    # the two 15–30 cells are adjacent, so they dissolve into one polygon
    assert shapely.get_num_geometries(bands.geometry.iloc[1]) == 1
    # every band polygon contains its cells' centres
    pts = gpd.GeoSeries(gpd.points_from_xy(grid.lon, grid.lat), crs="EPSG:4326")
    for i, b in enumerate([0, 1, 1, 3, 4]):
        assert bands.geometry[bands["band"] == b].iloc[0].contains(pts.iloc[i])


@pytest.fixture(scope="module")
def run(shared_data: Path) -> sc.ScenarioResults:
    """Haikou with one candidate site on a road node (small and quick)."""
    from spatial import datafolder

    net = datafolder.default_network("haikou", data_dir=shared_data)
    from spatial import regions

    reg = regions.resolve("haikou")
    inside = shapely.contains_xy(reg.outline, net.lon, net.lat)
    node = int(np.flatnonzero(inside)[0])
    s = sc.Scenario(region="haikou", data_dir=str(shared_data),
                    candidates=[sc.Candidate("路网节点", float(net.lon[node]), float(net.lat[node]))])
    return sc.run_scenario(s)


def test_exported_geojson_reopens_with_the_features_the_app_shows(run, tmp_path):
    layers = run.layers()
    assert {"cells", "counties", "gaps", "isochrones", "facilities", "surface", "candidates"} <= set(layers)
    for name in ("counties", "facilities", "candidates", "gaps", "surface", "isochrones"):
        frame = layers[name]
        path = tmp_path / f"{name}.geojson"
        path.write_bytes(report.geojson_bytes(frame, provenance=run.provenance))
        back = export.read_geojson(path)
        assert len(back) == len(frame), name
        assert back.attrs["provenance"]["region"]["name"] == "haikou"
        for col in frame.columns.drop(frame.geometry.name):
            assert col in back.columns, (name, col)
            a, b = frame[col].reset_index(drop=True), back[col].reset_index(drop=True)
            if pd.api.types.is_numeric_dtype(a) and not pd.api.types.is_bool_dtype(a):
                np.testing.assert_allclose(pd.to_numeric(b, errors="coerce").to_numpy(dtype=float),
                                           a.to_numpy(dtype=float), rtol=1e-9, equal_nan=True, err_msg=f"{name}.{col}")
            else:
                assert [str(v) for v in b] == [str(v) for v in a], (name, col)
        # same places (6 decimals ≈ 0.1 m)
        dist = back.to_crs(run.region.metric_crs).geometry.hausdorff_distance(
            frame.to_crs(run.region.metric_crs).geometry.reset_index(drop=True))
        assert float(dist.max()) < 1.0, name


def test_gpkg_holds_every_layer_and_provenance(run, tmp_path):
    path = tmp_path / "all.gpkg"
    path.write_bytes(report.gpkg_bytes(run.layers(), provenance=run.provenance))
    names = {row[0] for row in pyogrio.list_layers(path)}
    assert {*(k for k, v in run.layers().items() if len(v)), "provenance"} == names
    assert len(export.read_gpkg(path, "counties")) == len(run.region.counties)
    assert export.read_provenance_gpkg(path)["scenario"]["region"] == "haikou"


def test_county_csv_matches_the_table(run):
    data = report.csv_bytes(report.county_table(run), provenance=run.provenance)
    assert data.startswith("\ufeff".encode())  # BOM so Excel reads Chinese
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    table = report.county_table(run)
    assert list(back["adcode"]) == list(table["adcode"])
    np.testing.assert_allclose(back["covered"], table["covered"], rtol=1e-9)
    assert {"urban_share_15min", "rural_share_30min", "share"} <= set(back.columns)


def _feature_coords(page: str) -> list[list[float]]:
    """Point coordinates of every GeoJSON FeatureCollection embedded in a folium page."""
    out = []
    for m in re.finditer(r'"coordinates": \[([-0-9.]+), ([-0-9.]+)\]', page):
        out.append([float(m.group(1)), float(m.group(2))])
    return out


def test_amap_basemap_shifts_every_overlay_to_gcj02(run):
    fac = run.facilities.iloc[:1]
    wgs = report.map_html(report.results_map({"facilities": fac}, basemap="osm"))
    gcj = report.map_html(report.results_map({"facilities": fac}, basemap="amap"))
    assert "autonavi" in gcj and "autonavi" not in wgs
    (x0, y0), (x1, y1) = _feature_coords(wgs)[0], _feature_coords(gcj)[0]
    gx, gy = from_wgs84(np.array([fac.geometry.x.iloc[0]]), np.array([fac.geometry.y.iloc[0]]), "gcj02")
    assert (x0, y0) == pytest.approx((fac.geometry.x.iloc[0], fac.geometry.y.iloc[0]), abs=1e-5)
    assert (x1, y1) == pytest.approx((float(gx[0]), float(gy[0])), abs=1e-5)
    assert abs(x1 - x0) > 1e-3  # hundreds of metres in Haikou


def test_map_and_report_html(run):
    page = report.map_html(report.results_map(run.layers(), lang="en", bounds=run.region.bbox))
    assert "leaflet" in page.lower() and "Travel-time surface" in page
    # standalone: Leaflet inside the page (folium-offline is a dependency), nothing to fetch but tiles
    assert report.local_leaflet() is not None
    assert "data:text/javascript;base64," in page and "cdn.jsdelivr.net/npm/leaflet" not in page
    doc = report.report_html(run, lang="zh")
    s = run.summary()
    assert f"{s['covered_population']:,}" in doc
    assert "海口市" in doc and "龙华区" in doc  # title and a district of the county table
    assert "srcdoc=" in doc  # the map is embedded
    assert "数据来源与假设" in doc and "county_seats.csv" in doc  # provenance and the stand-in note


def test_write_outputs_files(run, tmp_path):
    written = report.write_outputs(run, tmp_path, lang="en")
    for name in ("report.html", "map.html", "results.gpkg", "counties.csv", "gaps.csv", "summary.json",
                 "scenario.json", "candidates.geojson", "surface.geojson"):
        assert written[name].is_file() and written[name].stat().st_size > 0, name
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["covered_population"] == run.summary()["covered_population"]
    assert sc.load_scenario(tmp_path / "scenario.json").candidates[0].name == "路网节点"
