"""Export of ALL plan layers through the CLI: RFC 7946 GeoJSON and GeoPackage, checked by GDAL and a round trip."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess

import geopandas as gpd
import pyogrio
import pytest
import shapely

from layers.registry import all_layers
from clitools import invoke
from spatial.outputs import plan_table as table_name
from spatial.export import read_geojson, read_gpkg



@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    """Every layer of every plan, built once."""
    return all_layers("all")


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, object]:
    """GeoJSON and GeoPackage of region "all" written by `healthplan layers export`, with the CLI summaries."""
    folder = tmp_path_factory.mktemp("layers_export")
    out = {}
    for fmt, name in (("geojson", "all.geojson"), ("gpkg", "all.gpkg")):
        path = folder / name
        result = invoke(*["layers", "export", "--region", "all", "--format", fmt, "--out", str(path)]
        )
        assert result.exit_code == 0, result.output
        out[fmt] = path
        out[f"{fmt}_summary"] = json.loads(result.output.strip().splitlines()[-1])
    return out


def _no_nan(value: str) -> None:
    """json.loads hook: fail on NaN/Infinity, which RFC 8259 JSON does not allow."""
    raise AssertionError(f"non-JSON number {value} in the GeoJSON")


def _rings(geom: dict):
    """(is_exterior, coordinates) for every polygon ring of a GeoJSON geometry dict."""
    polys = (
        [geom["coordinates"]]
        if geom["type"] == "Polygon"
        else geom["coordinates"]
        if geom["type"] == "MultiPolygon"
        else []
    )
    for poly in polys:
        for i, ring in enumerate(poly):
            yield i == 0, ring


def test_geojson_is_rfc7946(exported, layers):
    raw = json.loads(exported["geojson"].read_text(encoding="utf-8"), parse_constant=_no_nan)
    assert raw["type"] == "FeatureCollection" and "crs" not in raw  # RFC 7946: WGS84 implied, no crs member
    assert raw["provenance"]["layers"] == {k: len(v) for k, v in layers.items()}
    assert (
        len(raw["features"])
        == sum(len(v) for v in layers.values())
        == exported["geojson_summary"]["features"]
    )
    n_rings = 0
    for feature in raw["features"]:
        geom = feature["geometry"]
        coords = shapely.get_coordinates(shapely.geometry.shape(geom))
        assert ((coords[:, 0] > 97) & (coords[:, 0] < 113) & (coords[:, 1] > 18) & (coords[:, 1] < 30)).all()
        assert all(abs(round(c, 6) - c) < 1e-12 for c in coords.ravel()[:50])  # 6 decimals
        for exterior, ring in _rings(geom):
            ccw = shapely.is_ccw(shapely.LinearRing(ring))
            assert ccw == exterior  # right-hand rule: exteriors counter-clockwise, holes clockwise
            n_rings += 1
        for value in feature["properties"].values():
            assert not (isinstance(value, float) and not math.isfinite(value))
    assert n_rings > 50  # the check really ran over the polygons


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs gdal-bin (ogrinfo)")
@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_ogrinfo_opens_the_export(exported, layers, fmt):
    result = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-so", str(exported[fmt])],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    counts = [int(n) for n in re.findall(r"Feature Count: (\d+)", result.stdout)]
    # GeoJSON: one layer with every feature; GeoPackage: one table per layer (+ the provenance table)
    if fmt == "geojson":
        assert counts == [sum(len(v) for v in layers.values())]
        assert 'EPSG",4326' in result.stdout or "WGS 84" in result.stdout
    else:
        assert sorted(counts) == sorted([len(v) for v in layers.values()] + [len(_provenance_rows(exported))])
    assert "ERROR" not in result.stderr


def _provenance_rows(exported) -> list:
    """Rows of the GeoPackage provenance table."""
    return list(pyogrio.read_dataframe(exported["gpkg"], layer="provenance")["key"])


def test_geojson_round_trips_through_geopandas(exported, layers):
    back = read_geojson(exported["geojson"])
    assert back.crs.to_epsg() == 4326
    original = gpd.pd.concat(list(layers.values()), ignore_index=True)
    assert len(back) == len(original)
    assert list(back["name_zh"]) == list(original["name_zh"]) and list(back["layer"]) == list(
        original["layer"]
    )
    for got, want in zip(back["members"], original["members"], strict=True):
        assert got == list(want)  # lists survive as lists, order kept
    assert list(back["geometry_approximate"].astype(bool)) == list(
        original["geometry_approximate"].astype(bool)
    )
    assert list(back["clause"]) == list(original["clause"])
    same = shapely.equals_exact(
        shapely.normalize(back.geometry.values), shapely.normalize(original.geometry.values), tolerance=1e-6
    )
    assert same.all()  # only the 6-decimal rounding (and ring orientation) differs


def test_gpkg_has_one_table_per_layer_and_round_trips(exported, layers):
    tables = {name for name, _ in pyogrio.list_layers(exported["gpkg"])}
    assert tables == {table_name(k) for k in layers} | {"provenance"}
    for key, frame in layers.items():
        back = read_gpkg(exported["gpkg"], table_name(key))
        assert len(back) == len(frame), key
        assert list(back["name_zh"]) == list(frame["name_zh"]), key
        assert [list(m) for m in back["members"]] == [list(m) for m in frame["members"]], key
        assert back.crs.to_epsg() == 4326


def test_region_filter_and_bad_input(tmp_path):
    path = tmp_path / "yiyang.geojson"
    result = invoke(*["layers", "export", "--region", "yiyang", "--out", str(path)]
    )  # format from suffix
    assert result.exit_code == 0, result.output
    assert {f["properties"]["plan"] for f in json.loads(path.read_text(encoding="utf-8"))["features"]} == {
        "yiyang"
    }
    bad = invoke(*["layers", "export", "--region", "yiyang", "--format", "shp", "--out", str(tmp_path / "x")]
    )
    assert bad.exit_code == 2 and "geojson" in bad.output
    bad = invoke(*["layers", "export", "--region", "atlantis", "--out", str(tmp_path / "x.gpkg")])
    assert bad.exit_code == 2 and "atlantis" in bad.output
    listed = invoke(*["layers", "list", "--region", "haikou"])
    assert listed.exit_code == 0 and "haikou-2020/wellness" in listed.output
    assert json.loads(listed.output.strip().splitlines()[-1])["layers"] == 2
