"""Presentation (``views``): plan layers and results on folium maps, legends, escaping, AMap shift, the report;
band polygons by hand (engine) and the exports the app offers, reopened.
"""

from __future__ import annotations

import io
import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon

from healthplan import run as front
from layers.registry import all_layers
from layers.schema import layer_frame
from spatial import export, isochrones
from spatial.coords import from_wgs84, gcj02_to_wgs84, wgs84_to_gcj02
from spatial.population import PopulationGrid
from spatial.scenario import Candidate, Scenario, Sites
from views import maps, offline, plans, report, strings, style, tables

ALBERS = "+proj=aea +lat_1=18 +lat_2=21 +lat_0=19 +lon_0=110 +datum=WGS84 +units=m +no_defs"


# ---------------------------------------------------------------------------------------------------
# plan layers


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    """Every layer of every plan, built once."""
    return all_layers("all")


def _in_html(text: str, page: str) -> bool:
    """True if ``text`` appears in the page, literally or as jinja's HTML-safe JSON (folium embeds GeoJSON via tojson)."""
    escaped = json.dumps(text)[1:-1]
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        escaped = escaped.replace(char, code)
    return text in page or escaped in page


def _frame(role: str, geometry, *, approximate: bool = False, name: str = "测试区") -> gpd.GeoDataFrame:
    """A one-feature hand-built layer."""
    row = {"plan": "yunnan-14th", "layer": "test", "role": role, "name_zh": name, "name_en": "Test zone",
           "members": ["甲", "乙"], "clause": "原文", "location_source": "hand-built",
           "geometry_approximate": approximate, "geometry": geometry}
    if "placeholder" in layer_frame.__code__.co_names:  # the schema may add columns; layer_frame checks them
        row.update(placeholder=False, placeholder_reason="")
    return layer_frame([row])


def test_plan_map_carries_both_names_and_titles_of_every_layer(layers):
    for lang in ("zh", "en"):
        m = maps.results_map({}, layers, bounds=(97.0, 18.0, 112.0, 29.5), lang=lang, bands_min=(15.0, 30.0))
        page = maps.map_html(m)
        for key, frame in layers.items():
            for zh, en in zip(frame["name_zh"], frame["name_en"], strict=True):
                assert _in_html(str(plans.text(zh)), page) and _in_html(str(plans.text(en)), page), (lang, key, zh)
            assert _in_html(frame.attrs["title_zh" if lang == "zh" else "title_en"], page), key
        assert "dashArray" in page  # approximate geometries are dashed
    assert "规划图层" in maps.legend_html([], [], layers.values(), lang="zh")
    assert "border radiation zone" in maps.legend_html([], [], layers.values(), lang="en")


def test_gcj02_shift_moves_by_the_published_offset():
    lon, lat = 102.7100, 25.0400  # central Kunming
    frame = _frame("core", Polygon([(lon, lat), (lon + 0.1, lat), (lon + 0.1, lat + 0.1), (lon, lat)]))
    got = shapely.get_coordinates(plans.shift_geometries(frame.geometry, "gcj02").iloc[0])
    want = np.column_stack(wgs84_to_gcj02(*shapely.get_coordinates(frame.geometry.iloc[0]).T))
    np.testing.assert_allclose(got, want, atol=1e-12)
    dlon_m = (got[0, 0] - lon) * 111_320 * np.cos(np.radians(lat))
    dlat_m = (got[0, 1] - lat) * 110_574
    assert 100 < np.hypot(dlon_m, dlat_m) < 800  # a few hundred metres in Kunming
    back = np.column_stack(gcj02_to_wgs84(got[:, 0], got[:, 1]))
    np.testing.assert_allclose(back, shapely.get_coordinates(frame.geometry.iloc[0]), atol=1e-8)
    with pytest.raises(ValueError, match="gcj02"):
        plans.shift_geometries(frame.geometry, "bd-09")


@pytest.mark.parametrize(("geometry", "approximate"),
                         [(Polygon([(100, 25), (101, 25), (101, 26)]), False), (LineString([(100, 25), (101, 26)]), True)])
def test_style_by_role_and_dashes_for_approximate(geometry, approximate):
    frame = _frame("agglomeration", geometry, approximate=approximate)
    feature = json.loads(plans.display_frame(frame, lang="zh").to_json())["features"][0]
    got = plans._style(feature)
    assert got["color"] == style.plan_colour("agglomeration", point=False)
    assert ("dashArray" in got) == approximate
    if geometry.geom_type == "LineString":
        assert got["fillOpacity"] == 0


def test_legend_symbols_match_the_geometry():
    rows = "".join(plans.legend_rows([_frame("belt", LineString([(100, 25), (101, 26)]), approximate=True),
                                      _frame("centre", Point(100, 25)),
                                      _frame("zone", Polygon([(100, 25), (101, 25), (101, 26)]))], "en"))
    assert "border-top:4px dashed" in rows and "belt (approximate)" in rows  # a line for a line
    assert "<circle" in rows and "regional medical centre" in rows  # a ring for a point
    assert "height:11px" in rows and "zone" in rows  # a swatch for an area
    legend = maps.legend_html(["surface", "gaps", "facilities", "candidates"], (15.0, 30.0), [], lang="zh")
    assert legend.count("<svg") == 2  # facilities and candidates as their markers, not as dots of one kind


def test_names_are_escaped_everywhere():
    evil = "<img src=x onerror=alert(1)>"
    frame = _frame("centre", Point(110.3, 20.0), name=evil)
    page = maps.map_html(maps.static_map({}, {"x": frame}, bounds=(110.0, 19.5, 110.6, 20.2), lang="zh",
                                         bands_min=(15.0,)))
    assert evil not in page and "&lt;img" in page or "\\u0026lt;img" in page
    fac = gpd.GeoDataFrame({"name": [evil]}, geometry=[Point(110.3, 20.0)], crs="EPSG:4326")
    page = maps.map_html(maps.results_map({"facilities": fac}, bounds=(110.0, 19.5, 110.6, 20.2), bands_min=(15.0,)))
    assert evil not in page and "onerror=alert(1)>" not in page


def test_palette_has_no_collisions():
    marks = [s.fill for s in style.SYMBOLS.values()]
    assert len(set(marks)) == len(marks)  # every point kind has its own colour
    assert style.GAP_COLOUR not in style.VIRIDIS and style.SYMBOLS["facilities"].fill not in style.VIRIDIS
    assert len({s.shape for k, s in style.SYMBOLS.items() if k != "rejected"}) == len(style.SYMBOLS) - 1
    assert style.band_colours(5) == [style.VIRIDIS[i] for i in (0, 1, 2, 4, 5)] or len(style.band_colours(5)) == 5


# ---------------------------------------------------------------------------------------------------
# the travel-time surface by hand


def tiny_grid() -> PopulationGrid:
    """A 2 × 3 grid of 1 km cells near Haikou (one cell empty), persons 1..5."""
    rows, cols = np.array([0, 0, 0, 1, 1], dtype=np.int32), np.array([0, 1, 2, 0, 1], dtype=np.int32)
    cell, x0, y0 = 1000.0, 0.0, 100_000.0
    x, y = x0 + (cols + 0.5) * cell, y0 - (rows + 0.5) * cell
    lon, lat = Transformer.from_crs(ALBERS, "EPSG:4326", always_xy=True).transform(x, y)
    pop = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    return PopulationGrid(lon=np.asarray(lon), lat=np.asarray(lat), x_m=x, y_m=y, row=rows, col=cols, pop=pop,
                          urban=pop / 2, pop60=pop / 10, county=np.full(5, 460100, dtype=np.int64), cell_m=cell,
                          metric_crs=ALBERS, transform=(cell, 0.0, x0, 0.0, -cell, y0), shape=(2, 3))


def test_band_polygons_by_hand():
    grid = tiny_grid()
    minutes = np.array([5.0, 20.0, 20.0, 70.0, np.inf])  # bands: 0–15, 15–30, 15–30, 60–90, > 90
    bands = isochrones.band_polygons(grid, minutes, (15.0, 30.0, 60.0, 90.0))
    assert list(bands["band"]) == [0, 1, 3, 4]
    assert list(bands["population"]) == [1.0, 5.0, 4.0, 5.0] and list(bands["cells"]) == [1, 2, 1, 1]
    assert bands["to_min"].iloc[-1] is None or not np.isfinite(bands["to_min"].iloc[-1])
    np.testing.assert_allclose(bands.to_crs(ALBERS).area.to_numpy() / 1e6, [1.0, 2.0, 1.0, 1.0], rtol=1e-6)
    assert shapely.get_num_geometries(bands.geometry.iloc[1]) == 1  # adjacent cells dissolve
    pts = gpd.GeoSeries(gpd.points_from_xy(grid.lon, grid.lat), crs="EPSG:4326")
    for i, b in enumerate([0, 1, 1, 3, 4]):
        assert bands.geometry[bands["band"] == b].iloc[0].contains(pts.iloc[i])


# ---------------------------------------------------------------------------------------------------
# a real run: exports, the map, the report


@pytest.fixture(scope="module")
def run(haikou_net, pipeline):
    """Haikou (2 km grid) with one candidate site on a road node."""
    from spatial import regions

    reg = regions.resolve("haikou")
    inside = shapely.contains_xy(reg.outline, haikou_net.lon, haikou_net.lat)
    node = int(np.flatnonzero(inside)[0])
    s = Scenario(region="haikou", cell_m=2000.0,
                 sites=Sites(points=(Candidate("路网节点", float(haikou_net.lon[node]), float(haikou_net.lat[node])),)))
    return front.run(s, pipeline=pipeline)


def test_exported_geojson_reopens_with_the_features_the_map_shows(run, tmp_path):
    layers = run.layers()
    assert {"counties", "gaps", "isochrones", "facilities", "surface", "candidates"} <= set(layers)
    for name in ("counties", "facilities", "candidates", "gaps", "surface", "isochrones"):
        frame = layers[name]
        path = export.write_geojson(frame, tmp_path / f"{name}.geojson", provenance=run.provenance)
        back = export.read_geojson(path)
        assert len(back) == len(frame) and back.attrs["provenance"]["region"]["name"] == "haikou", name
        for col in frame.columns.drop(frame.geometry.name):
            a, b = frame[col].reset_index(drop=True), back[col].reset_index(drop=True)
            if pd.api.types.is_numeric_dtype(a) and not pd.api.types.is_bool_dtype(a):
                np.testing.assert_allclose(pd.to_numeric(b, errors="coerce").to_numpy(dtype=float),
                                           a.to_numpy(dtype=float), rtol=1e-9, equal_nan=True, err_msg=f"{name}.{col}")
            else:
                assert [str(v) for v in b] == [str(v) for v in a], (name, col)
        dist = back.to_crs(run.region.metric_crs).geometry.hausdorff_distance(
            frame.to_crs(run.region.metric_crs).geometry.reset_index(drop=True))
        assert float(dist.max()) < 1.0, name  # 6 decimals ≈ 0.1 m


def test_gpkg_holds_every_layer_and_provenance(run, tmp_path):
    path = export.write_gpkg({k: v for k, v in run.layers().items() if len(v)}, tmp_path / "all.gpkg",
                             provenance=run.provenance)
    assert {*(k for k, v in run.layers().items() if len(v)), "provenance"} == {r[0] for r in pyogrio.list_layers(path)}
    assert export.read_provenance_gpkg(path)["scenario"]["region"] == "haikou"


def test_county_csv_has_a_bom_and_neutralised_formulas(run, tmp_path):
    data = export.as_bytes(lambda p: export.write_csv(run.county_table(), p, provenance=run.provenance), "c.csv")
    assert data.startswith("\ufeff".encode())  # Excel reads Chinese
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    np.testing.assert_allclose(back["covered"], run.county_table()["covered"], rtol=1e-9)
    evil = pd.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "安全"]})
    text = export.as_bytes(lambda p: export.write_csv(evil, p, provenance={}), "e.csv")
    cells = pd.read_csv(io.BytesIO(text), encoding="utf-8-sig")["name"].tolist()
    assert cells == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "安全"]


def test_amap_basemap_shifts_every_overlay_to_gcj02(run):
    fac = run.inputs.facilities.iloc[:1]

    def coords(page: str) -> list[float]:
        m = re.search(r'"coordinates": \[([-0-9.]+), ([-0-9.]+)\]', page)
        return [float(m.group(1)), float(m.group(2))]

    wgs = maps.map_html(maps.results_map({"facilities": fac}, basemap="osm", bounds=run.region.bbox, bands_min=(15.0,)))
    gcj = maps.map_html(maps.results_map({"facilities": fac}, basemap="amap", bounds=run.region.bbox, bands_min=(15.0,)))
    assert "autonavi" in gcj and "autonavi" not in wgs
    gx, gy = from_wgs84(np.array([fac.geometry.x.iloc[0]]), np.array([fac.geometry.y.iloc[0]]), "gcj02")
    assert coords(wgs) == pytest.approx([fac.geometry.x.iloc[0], fac.geometry.y.iloc[0]], abs=1e-5)
    assert coords(gcj) == pytest.approx([float(gx[0]), float(gy[0])], abs=1e-5)


def test_map_and_report_html(run):
    page = maps.map_html(maps.results_map(run.layers(), bounds=run.region.bbox, lang="en",
                                          bands_min=run.scenario.thresholds.bands_min))
    assert "Travel time to the nearest tertiary hospital" in page and "interactive\": false" in page.replace(" ", "")\
        or "\"interactive\":false" in page.replace(" ", "")  # isochrones do not swallow the mouse
    assert offline.local_leaflet() is not None  # standalone: Leaflet inside the page
    assert "data:text/javascript;base64," in page and "cdn.jsdelivr.net/npm/leaflet" not in page
    doc = report.report_html(run, lang="zh")
    s = run.summary()
    assert f"{s['covered_population']:,}" in doc and "海口市" in doc and "龙华区" in doc
    assert "srcdoc=" in doc and "plotly" in doc.lower()  # map and charts inside
    assert "数据来源与假设" in doc and "county_seats.csv" in doc  # provenance and the stand-in note
    assert strings.t("gain_table", "zh") in doc  # the candidate table


def test_tables_round_for_people_in_the_page_language(run):
    shown = tables.display(run.county_table(), "zh", tables.COUNTY_COLUMNS)
    assert list(shown.columns)[:4] == ["名称", "英文名", "人口", "覆盖人口"]
    assert all(v.endswith("%") for v in shown["覆盖率"])
    assert all("." not in v for v in shown["人口"])  # whole persons
    english = tables.display(run.county_table(), "en", ["pop_0_15", "pop_gt_90"])
    assert list(english.columns) == ["0–15 min", "> 90 min"]


def test_every_string_has_both_languages():
    for table in (strings.STRINGS, strings.OVERLAYS, strings.NOTICES, strings.COLUMNS):
        for key, pair in table.items():
            assert len(pair) == 2 and all(isinstance(v, str) and v for v in pair), key
    with pytest.raises(ValueError):
        strings.t("title", "fr")
