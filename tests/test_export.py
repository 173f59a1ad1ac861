"""Exports: RFC 7946 GeoJSON, GeoPackage and CSV keep attributes and carry provenance."""

from __future__ import annotations

import json
import shutil
import subprocess

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
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


@pytest.fixture()
def rich() -> gpd.GeoDataFrame:
    """Every kind of property and geometry a layer carries: holes, parts, missing and empty geometries, NA cells."""
    hole = Polygon([(110.0, 20.0), (110.0, 20.2), (110.2, 20.2), (110.2, 20.0)],
                   [[(110.05, 20.05), (110.15, 20.05), (110.15, 20.15), (110.05, 20.15)]])  # exterior cw, hole ccw
    parts = shapely.MultiPolygon([Polygon([(109.0, 19.0), (109.1, 19.0), (109.1, 19.1)]),
                                  Polygon([(109.3, 19.3), (109.3, 19.4), (109.4, 19.4)])])
    return gpd.GeoDataFrame(
        {
            "name": ['引号 "quoted"\nline', "[1]", "=1+1", None, "海口"],
            "members": [["a", "b"], [], ["c"], [], ["海口市"]],
            "detail": [{"k": 1}, None, {"k": [1, 2]}, None, None],
            "share": [0.123456789012345, np.nan, np.inf, 1e-12, 2873358.0000000084],
            "count": np.array([1, 2, 3, 4, 5], dtype=np.int64),
            "rank": pd.array([1, None, 3, 4, 5], dtype="Int64"),  # a nullable integer with a missing cell
            "flag": [True, False, True, False, True],
            "when": pd.to_datetime(["2020-11-01", None, "2022-06-30", "2023-01-01", "2024-02-29"]),  # with a NaT
        },
        geometry=[hole, parts, None, Polygon(), Point(110.123456789, 20.987654321, 12.3456789)],  # a z kept
        crs="EPSG:4326",
    )


@pytest.mark.filterwarnings("ignore:NaN of Infinity:RuntimeWarning")  # GDAL says it writes inf as null
def test_geos_writer_reads_back_as_gdal_writes(tmp_path, rich):
    """The GEOS path and GDAL's RFC 7946 writer give the same layer when read back (GDAL reads both)."""
    out, _ = export._wgs84(rich)
    out["detail"] = [json.dumps(v) if isinstance(v, dict) else v for v in out["detail"]]
    export._write_geojson_geos(out, tmp_path / "geos.geojson", {"method": "test"})
    export._write_geojson_gdal(out, tmp_path / "gdal.geojson", {"method": "test"})
    a, b = (export.read_geojson(tmp_path / f"{n}.geojson") for n in ("geos", "gdal"))
    assert list(a.columns) == list(b.columns)
    for col in a.columns.drop("geometry"):
        assert a[col].tolist() == b[col].tolist() or np.allclose(a[col], b[col], rtol=1e-14, equal_nan=True), col
    assert a.geometry.isna().tolist() == b.geometry.isna().tolist() == [False, False, True, False, False]
    present = np.array([g is not None and not g.is_empty for g in a.geometry])
    assert shapely.equals_exact(a.geometry[present].values, b.geometry[present].values, tolerance=1e-9).all()
    assert a.attrs["provenance"] == b.attrs["provenance"] == {"method": "test"}


def test_geos_writer_keeps_the_rfc7946_rules(tmp_path, rich):
    path = export.write_geojson(rich, tmp_path / "a.geojson", provenance={"method": "test"})
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert set(raw) == {"type", "provenance", "features"}  # no crs, no name
    ring, hole = (np.array(r) for r in raw["features"][0]["geometry"]["coordinates"])
    assert Polygon(ring).exterior.is_ccw and not Polygon(hole).exterior.is_ccw  # right-hand rule, holes clockwise
    assert raw["features"][4]["geometry"]["coordinates"] == [110.123457, 20.987654, 12.345679]  # 6 decimals, z kept
    assert [f["geometry"] for f in raw["features"][2:4]] == [None, {"type": "Polygon", "coordinates": []}]  # as GDAL
    props = raw["features"][0]["properties"]
    assert props["members"] == ["a", "b"] and json.loads(props["detail"]) == {"k": 1}
    assert raw["features"][2]["properties"]["share"] is None  # inf → null, never invalid JSON
    assert [f["properties"]["rank"] for f in raw["features"]] == [1, None, 3, 4, 5]
    assert [f["properties"]["flag"] for f in raw["features"]][:2] == [True, False]
    assert raw["features"][0]["properties"]["when"].startswith("2020-11-01")
    assert raw["features"][1]["properties"]["when"] is None  # NaT → null, as GDAL writes it
    assert raw["features"][1]["properties"]["name"] == "[1]"  # text that looks like JSON stays text


def test_a_layer_across_the_antimeridian_goes_through_gdal_and_is_split(tmp_path):
    wide = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.LineString([(179.5, 10.0), (-179.5, 10.0)])],
                            crs="EPSG:4326")
    assert export._crosses_antimeridian(wide) and not export._crosses_antimeridian(wide.iloc[:0])
    raw = json.loads(export.write_geojson(wide, tmp_path / "w.geojson", provenance={}).read_text(encoding="utf-8"))
    assert raw["features"][0]["geometry"]["type"] == "MultiLineString"  # GDAL split it at 180°


def test_fixed_tables_are_written_once_into_the_cache_and_read_back_alike(tmp_path, frame, monkeypatch):
    monkeypatch.setattr(export, "cache_dir", lambda: tmp_path / "cache")
    written: list[str] = []
    real = export._write_gpkg_table

    def counting(frame, path, name):
        written.append(name)
        return real(frame, path, name)

    monkeypatch.setattr(export, "_write_gpkg_table", counting)
    plans = {"plan__a__zones": frame.iloc[:1], "plan__a__points": frame.iloc[1:]}
    run = {"gaps": frame.iloc[1:].assign(value=7.0)}
    direct = export.write_gpkg({**run, **plans}, tmp_path / "direct.gpkg", provenance={"method": "test"})
    written.clear()
    first = export.write_gpkg(run, tmp_path / "first.gpkg", provenance={"method": "test"}, fixed=plans)
    cached = list((tmp_path / "cache" / "gpkg").glob("*.gpkg"))
    assert len(cached) == 1 and sorted(written) == sorted(["gaps", *plans])
    written.clear()
    again = export.write_gpkg(run, tmp_path / "again.gpkg", provenance={"method": "test"},
                              fixed={k: v.copy() for k, v in plans.items()})  # equal content, other objects
    assert written == ["gaps"] and list((tmp_path / "cache" / "gpkg").glob("*.gpkg")) == cached  # plans copied
    for name in ("gaps", *plans):
        expect = export.read_gpkg(direct, name)
        for path in (first, again):
            got = export.read_gpkg(path, name)
            assert got.drop(columns="geometry").equals(expect.drop(columns="geometry")), name
            assert got.geometry.geom_equals(expect.geometry).all() and got.attrs == expect.attrs, name
    assert export.read_gpkg(again, "plan__a__zones")["members"].tolist() == [["海口市", "澄迈县"]]
    changed = {**plans, "plan__a__points": frame.iloc[1:].assign(value=9.0)}
    export.write_gpkg(run, tmp_path / "changed.gpkg", provenance={}, fixed=changed)
    assert len(list((tmp_path / "cache" / "gpkg").glob("*.gpkg"))) == 2  # new content, new entry
    assert export.read_gpkg(tmp_path / "changed.gpkg", "plan__a__points")["value"].tolist() == [9.0]


@pytest.mark.parametrize("damage", ["empty", "not-sqlite", "truncated"])
def test_a_damaged_cached_plan_file_is_written_again(tmp_path, frame, monkeypatch, damage):
    monkeypatch.setattr(export, "cache_dir", lambda: tmp_path / "cache")
    plans = {"plan__a__zones": frame.iloc[:1], "plan__a__points": frame.iloc[1:]}
    export.write_gpkg({}, tmp_path / "first.gpkg", provenance={}, fixed=plans)
    (cached,) = (tmp_path / "cache" / "gpkg").glob("*.gpkg")
    raw = cached.read_bytes()
    cached.write_bytes({"empty": b"", "not-sqlite": b"not a database " * 300, "truncated": raw[:4096]}[damage])
    path = export.write_gpkg({}, tmp_path / "again.gpkg", provenance={}, fixed=plans)
    assert set(pyogrio.list_layers(path)[:, 0]) == {*plans, "provenance"}
    assert export.read_gpkg(path, "plan__a__zones")["members"].tolist() == [["海口市", "澄迈县"]]
    assert set(pyogrio.list_layers(cached)[:, 0]) == set(plans)  # the entry is whole again


def test_fixed_tables_without_a_writable_cache_are_written_directly(tmp_path, frame, monkeypatch, caplog):
    blocked = tmp_path / "not_a_folder"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setattr(export, "cache_dir", lambda: blocked)
    with caplog.at_level("WARNING"):
        path = export.write_gpkg({}, tmp_path / "a.gpkg", provenance={"method": "test"},
                                 fixed={"plan__a__zones": frame.iloc[:1]})
    assert "could not use the cached plan tables" in caplog.text
    assert export.read_gpkg(path, "plan__a__zones")["members"].tolist() == [["海口市", "澄迈县"]]
    with pytest.raises(export.OutputError, match="reserved"):
        export.write_gpkg({}, tmp_path / "b.gpkg", provenance={}, fixed={"provenance": frame})
