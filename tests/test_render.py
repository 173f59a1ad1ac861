"""Folium rendering of every plan layer: bilingual names in the HTML, role styles, GCJ-02 shift for AMap tiles."""

from __future__ import annotations

import json

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon

from layers import render
from layers.registry import all_layers
from layers.schema import layer_frame
from spatial.coords import gcj02_to_wgs84, wgs84_to_gcj02


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    """Every layer of every plan, built once."""
    return all_layers("all")


@pytest.fixture(scope="module")
def html_by_lang(layers) -> dict[str, str]:
    """The full map HTML in each language (GCJ-02 overlays, as drawn on AMap tiles)."""
    return {
        lang: render.layers_map(layers, lang=lang, datum="gcj02").get_root().render() for lang in ("zh", "en")
    }


def _in_html(text: str, html: str) -> bool:
    """True if ``text`` appears in the HTML, literally or as jinja's HTML-safe JSON (folium embeds GeoJSON via tojson)."""
    escaped = json.dumps(text)[1:-1]
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        escaped = escaped.replace(char, code)
    return text in html or escaped in html


def _frame(role: str, geometry, *, approximate: bool = False, **extra) -> gpd.GeoDataFrame:
    """A one-feature hand-built layer."""
    return layer_frame(
        [
            {
                "plan": "yunnan-14th", "layer": "test", "role": role, "name_zh": "测试区", "name_en": "Test zone",
                "members": ["甲", "乙"], "clause": "原文", "location_source": "hand-built",
                "geometry_approximate": approximate, "geometry": geometry, **extra,
            }
        ]
    )  # fmt: skip


def test_map_html_carries_both_names_of_every_feature(layers, html_by_lang):
    for lang, html in html_by_lang.items():
        for key, frame in layers.items():
            for zh, en in zip(frame["name_zh"], frame["name_en"], strict=True):
                assert _in_html(zh, html) and _in_html(en, html), (lang, key, zh)
        assert "dashArray" in html  # approximate geometries are dashed
    assert "图例" in html_by_lang["zh"] and "Legend" in html_by_lang["en"]
    assert "边境健康医疗服务辐射区" in html_by_lang["zh"] and "border radiation zone" in html_by_lang["en"]
    assert _in_html("规划/图层", html_by_lang["zh"]) and _in_html("Plan/layer", html_by_lang["en"])


def test_every_layer_is_added_with_its_title(layers):
    m = folium.Map(tiles=None)
    added = [render.add_layer(m, frame, lang="en") for frame in layers.values()]
    assert [a.layer_name for a in added] == list(layers)  # titles are "plan/layer"
    assert all(len(a.data["features"]) == len(f) for a, f in zip(added, layers.values(), strict=True))


def test_gcj02_shift_moves_by_the_published_offset():
    lon, lat = 102.7100, 25.0400  # central Kunming
    frame = _frame("core", Polygon([(lon, lat), (lon + 0.1, lat), (lon + 0.1, lat + 0.1), (lon, lat)]))
    shifted = render.shift_geometries(frame.geometry, "gcj02").iloc[0]
    got = shapely.get_coordinates(shifted)
    want = np.column_stack(wgs84_to_gcj02(*shapely.get_coordinates(frame.geometry.iloc[0]).T))
    np.testing.assert_allclose(got, want, atol=1e-12)
    # the offset is a few hundred metres in Kunming, and the inverse brings it back
    dlon_m = (got[0, 0] - lon) * 111_320 * np.cos(np.radians(lat))
    dlat_m = (got[0, 1] - lat) * 110_574
    assert 100 < np.hypot(dlon_m, dlat_m) < 800
    back = np.column_stack(gcj02_to_wgs84(got[:, 0], got[:, 1]))
    np.testing.assert_allclose(back, shapely.get_coordinates(frame.geometry.iloc[0]), atol=1e-8)
    assert render.shift_geometries(frame.geometry, "wgs84").iloc[0].equals(frame.geometry.iloc[0])
    with pytest.raises(ValueError, match="gcj02"):
        render.shift_geometries(frame.geometry, "bd-09")


def test_added_layer_holds_the_shifted_coordinates():
    m = folium.Map(tiles=None)
    layer = render.add_layer(m, _frame("national-centre", Point(102.70, 25.03)), datum="gcj02")
    x, y = layer.data["features"][0]["geometry"]["coordinates"]
    gx, gy = wgs84_to_gcj02(102.70, 25.03)
    assert (x, y) == pytest.approx((float(gx), float(gy)), abs=1e-9)


@pytest.mark.parametrize(
    ("geometry", "approximate"),
    [(Point(100.0, 25.0), False), (LineString([(100, 25), (101, 26)]), True), (Point(100.0, 25.0), True)],
)
def test_style_by_role_and_dashes_for_approximate(geometry, approximate):
    frame = _frame("agglomeration", geometry, approximate=approximate)
    feature = json.loads(render.display_frame(frame).to_json())["features"][0]
    style = render._style(feature)
    assert style["color"] == render.PALETTE["agglomeration"]
    assert ("dashArray" in style) == approximate
    if geometry.geom_type == "LineString":
        assert style["fillOpacity"] == 0


def test_display_text_and_legend():
    frame = _frame("belt", LineString([(100, 25), (101, 26)]), approximate=True)
    shown = render.display_frame(frame, lang="en")
    assert shown["members"].iloc[0] == "甲、乙" and shown["approximate"].iloc[0] == "yes"
    assert render.legend_entries([frame], "zh") == [("带（近似）", render.PALETTE["belt"], True)]
    assert "dashed" in render.legend_html([frame], "en") and "belt (approximate)" in render.legend_html(
        [frame], "en"
    )
    # unknown roles still get a stable colour
    assert render.role_colour("something-new") == render.role_colour("something-new")
    assert render.role_colour("something-new") in render.FALLBACK
