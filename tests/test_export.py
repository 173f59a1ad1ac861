"""Exports: RFC 7946 GeoJSON, GeoPackage and CSV keep attributes and carry provenance."""

from __future__ import annotations

import json
import shutil
import subprocess

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, Polygon

from spatial import export


@pytest.fixture()
def frame() -> gpd.GeoDataFrame:
    """Two features: a clockwise polygon with a members list, and a point with a NaN value."""
    cw = Polygon([(110.0, 20.0), (110.0, 20.1), (110.1, 20.1), (110.1, 20.0)])  # clockwise exterior
    assert not cw.exterior.is_ccw
    return gpd.GeoDataFrame(
        {
            "name_zh": ["海澄文定", "海口"],
            "members": [["海口市", "澄迈县"], []],
            "value": [1.5, np.nan],
            "count": np.array([3, 4], dtype=np.int64),
        },
        geometry=[cw, Point(110.33, 20.03)],
        crs="EPSG:4326",
    )


def test_geojson_is_rfc7946_and_round_trips(tmp_path, frame):
    path = export.write_geojson(frame, tmp_path / "a.geojson", provenance={"method": "test"})
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert "crs" not in raw
    assert raw["provenance"]["method"] == "test"
    ring = raw["features"][0]["geometry"]["coordinates"][0]
    assert Polygon(ring).exterior.is_ccw  # right-hand rule
    assert raw["features"][1]["properties"]["value"] is None  # NaN → null, never invalid JSON
    back = export.read_geojson(path)
    assert back["members"].tolist() == [["海口市", "澄迈县"], []]
    assert back["name_zh"].tolist() == frame["name_zh"].tolist()
    assert back["count"].tolist() == [3, 4]
    assert back.attrs["provenance"]["method"] == "test"
    assert shapely.equals_exact(back.geometry.iloc[1], frame.geometry.iloc[1], tolerance=1e-6)


def test_gpkg_one_table_per_layer_with_provenance(tmp_path, frame):
    path = export.write_gpkg({"zones": frame.iloc[:1], "points": frame.iloc[1:]}, tmp_path / "a.gpkg",
                             provenance={"method": "test"})
    import pyogrio

    names = {row[0] for row in pyogrio.list_layers(path)}
    assert names == {"zones", "points", "provenance"}
    zones = export.read_gpkg(path, "zones")
    assert zones["members"].tolist() == [["海口市", "澄迈县"]]
    assert zones.attrs["provenance"]["method"] == "test"


def test_csv_has_sidecar_provenance(tmp_path, frame):
    path = export.write_csv(frame, tmp_path / "a.csv", provenance={"method": "test"})
    text = path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "name_zh,members,value,count"
    assert "海口市;澄迈县" in text
    side = json.loads((tmp_path / "a.csv.provenance.json").read_text(encoding="utf-8"))
    assert side["method"] == "test"


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="gdal-bin (ogrinfo) not installed")
def test_geojson_opens_in_gdal(tmp_path, frame):
    path = export.write_geojson(frame, tmp_path / "a.geojson", provenance={"method": "test"})
    out = subprocess.run(["ogrinfo", "-ro", "-al", "-so", str(path)], capture_output=True, text=True, check=True)
    assert "Feature Count: 2" in out.stdout


def test_missing_crs_is_refused(tmp_path, frame):
    with pytest.raises(ValueError, match="no CRS"):
        export.write_geojson(frame.set_crs(None, allow_override=True), tmp_path / "x.geojson", provenance={})
