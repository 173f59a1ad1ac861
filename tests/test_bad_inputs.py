"""Broken and hostile input: every path refuses it with one sentence naming the thing, and leaves no half result.

Table-driven: the command line (exit code 2 and the message), scenario files, and the readers behind the
app's upload widgets (the exception class and the message).  Each CLI case also checks that its ``--out``
was not created or changed and that nothing was left beside it.  Then the properties of the writers:
a process killed while writing an output set or saving a network leaves the old complete folder or
none, never a mix; a damaged cache entry is rebuilt with a log message; a full or read-only disk is an
error sentence before (or, at worst, instead of) a half-written result.
"""

from __future__ import annotations

import errno
import io
import json
import logging
import os
import pickle
import random
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pyogrio
import pytest
import rasterio
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from rasterio.transform import from_origin

from clitools import invoke, ok
from healthplan import run as front
from spatial import candidates, edgetable, export, facilities, netcache, osm, outputs, population, roadlines, speeds
from spatial import network as nw
from spatial.errors import HealthplanError, InputFileError, NetworkError, OptionError, OutputError
from spatial.pipeline import Pipeline
from spatial.scenario import Scenario, Sites, Source, load_scenario
from test_osmpbf import write_pbf
from views.app import uploads
from views.app.common import plain

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = {"schema": "healthplan-scenario", "schema_version": 2, "cell_m": 3000}
LINE_AT = (110.30, 20.00)  # road lines of the small test networks start here (Haikou, on land)


# --------------------------------------------------------------------------------------------------
# bad files, written once


def _tif(path: Path, values: np.ndarray, *, crs: str | None = "EPSG:4326", tags: dict | None = None,
         origin: tuple[float, float] = (108.5, 20.3), step: float = 0.01) -> Path:
    """A one-band float32 GeoTIFF over Hainan (persons per pixel)."""
    with rasterio.open(path, "w", driver="GTiff", width=values.shape[1], height=values.shape[0], count=1,
                       dtype="float32", crs=crs, transform=from_origin(*origin, step, step)) as dst:
        dst.write(values.astype("float32"), 1)
        if tags:
            dst.update_tags(**tags)
    return path


def _lines(path: Path, coords: list[list[tuple[float, float]]], crs: str | None = "EPSG:4326", **columns) -> Path:
    """Road lines with a road_class column (and any other columns) written with GDAL."""
    frame = gpd.GeoDataFrame({"road_class": ["primary"] * len(coords), **columns},
                             geometry=[shapely.LineString(c) for c in coords], crs=crs)
    pyogrio.write_dataframe(frame, path)
    return path


def _square(d: float = 0.01) -> list[list[tuple[float, float]]]:
    """Four lines around a square of side ``d`` degrees at LINE_AT (a ring: connected both ways)."""
    x, y = LINE_AT
    corners = [(x, y), (x + d, y), (x + d, y + d), (x, y + d)]
    return [[corners[i], corners[(i + 1) % 4]] for i in range(4)]


def _damaged_workbook() -> bytes:
    """An .xlsx whose zip is sound but whose first sheet's XML is cut in half."""
    book = openpyxl.Workbook()
    book.active.append(["name", "lon", "lat"])
    book.active.append(["A", 110.35, 20.02])
    whole, cut = io.BytesIO(), io.BytesIO()
    book.save(whole)
    with zipfile.ZipFile(whole) as zin, zipfile.ZipFile(cut, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, data[: len(data) // 2] if item.filename.endswith("sheet1.xml") else data)
    return cut.getvalue()


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> Path:
    """A folder of broken and hostile input files (see the names)."""
    d = tmp_path_factory.mktemp("bad")
    rng = random.Random(1)
    (d / "fac_latin1.csv").write_bytes("name,lon,lat\nHôpital Général,110.35,20.02\nClinique Thérèse,109.5,18.25\n"
                                       .encode("latin-1"))
    (d / "fac_utf16.csv").write_bytes("名称,经度,纬度\n海口市人民医院,110.35,20.02\n".encode("utf-16"))
    (d / "fac_gbk.csv").write_bytes("名称,经度,纬度\n海口市人民医院,110.35,20.02\n".encode("gbk"))
    (d / "fac_binary.csv").write_bytes(rng.randbytes(3000))
    (d / "fac_nul.csv").write_bytes(b"name,lon,lat\nA\x00,110.35,20.02\n")
    (d / "fac_bigcell.csv").write_text("name,lon,lat\n\"" + "x" * 200_000 + "\",110.35,20.02\n", encoding="utf-8")
    (d / "fac_dup.csv").write_text("name,lon,lat,beds\nA,110.35,20.02,500\nA,110.35,20.02,500\nB,109.5,18.25,300\n",
                                   encoding="utf-8")
    (d / "fac_sea.csv").write_text("name,lon,lat\nA,110.35,20.02\nOffshore,110.47,20.09\n", encoding="utf-8")
    (d / "fac_beds.csv").write_text("名称,经度,纬度,床位\nA,110.35,20.02,1e12\n", encoding="utf-8")
    (d / "fac_noheader.csv").write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1\n", encoding="utf-8")
    (d / "fac_inf.csv").write_text("name,lon,lat\nA,inf,20.02\n", encoding="utf-8")
    (d / "fac_bad.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    (d / "fac_badsheet.xlsx").write_bytes(_damaged_workbook())
    (d / "fac_ok.csv").write_text("name,lon,lat\nA,110.35,20.02\nB,109.5,18.25\n", encoding="utf-8")
    (d / "cand_100k.csv").write_text("name,lon,lat\n" + "".join(f"c{i},{110 + i % 100 / 100},{19.5 + i // 100 / 2000}\n"
                                                                for i in range(100_000)), encoding="utf-8")
    (d / "cand_two_reasons.csv").write_text("name,lon,lat\nland,110.35,20.02\nsea far,111.6,19.0\n", encoding="utf-8")
    (d / "speeds_gbk.csv").write_bytes("road_class,speed_kmh\n主干路,40\nprimary,55\n".encode("gbk"))
    (d / "speeds_binary.csv").write_bytes(rng.randbytes(500))
    (d / "speeds_dup.csv").write_text("road_class,speed_kmh\nprimary,50\nprimary,90\n", encoding="utf-8")
    (d / "speeds_fast.csv").write_text("road_class,speed_kmh\nprimary,1e9\n", encoding="utf-8")
    (d / "speeds_short.csv").write_text("road_class,speed_kmh\nprimary\n", encoding="utf-8")
    (d / "speeds_empty.csv").write_text("", encoding="utf-8")
    (d / "speeds_secret.csv").write_text("root:x:0:0:TOPSECRET:/root:/bin/bash\n", encoding="utf-8")
    (d / "speeds_bad.yaml").write_text("primary: [1, 2\n", encoding="utf-8")
    (d / "speeds_list.yaml").write_text("- 1\n- 2\n", encoding="utf-8")
    ok_tif = np.full((200, 300), 50.0)
    _tif(d / "pop_ok.tif", ok_tif)
    _tif(d / "pop_3e38.tif", np.full((200, 300), 3e38))
    _tif(d / "pop_inf.tif", np.full((200, 300), np.inf))
    _tif(d / "pop_nocrs.tif", ok_tif, crs=None)
    _tif(d / "pop_far.tif", ok_tif, origin=(0.0, 0.0))
    _tif(d / "pop_metres.tif", ok_tif, origin=(500_000.0, 2_300_000.0), step=100.0)
    _tif(d / "pop_badtags.tif", ok_tif, tags={"healthplan_cell_m": "abc", "provenance": "{not json"})
    # 30,000 × 30,000 pixels of 1/10,000 degree over Hainan, none written (sparse): a raster too fine to read at once
    with rasterio.open(d / "pop_huge_sparse.tif", "w", driver="GTiff", width=30_000, height=30_000, count=1,
                       dtype="float32", crs="EPSG:4326", transform=from_origin(108.6, 20.2, 1e-4, 1e-4),
                       tiled=True, blockxsize=512, blockysize=512, sparse_ok=True) as _:
        pass
    raw = (d / "pop_ok.tif").read_bytes()
    (d / "pop_truncated.tif").write_bytes(raw[: len(raw) // 2])
    (d / "pop_garbage.tif").write_bytes(rng.randbytes(2000))
    _lines(d / "roads_ok.geojson", _square())
    x, y = LINE_AT
    (d / "roads_nan.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"road_class": "primary"},
         "geometry": {"type": "LineString", "coordinates": line}}
        for line in ([[x, y], [x + 0.01, y]], [[x + 0.01, y], [float("nan"), y]])]}), encoding="utf-8")  # NaN: no GDAL
    _lines(d / "roads_far.geojson", [[(x, y), (x + 0.01, y)], [(x + 0.01, y), (1e6, y)]])
    _lines(d / "roads_metres.gpkg", [[(500_000, 2_300_000), (501_000, 2_300_000)]], crs=None)
    _lines(d / "roads_oneway.geojson", _square(), oneway=["yes"] * 4)  # a ring one way: fine
    _lines(d / "roads_allone.geojson", [[(x, y), (x + 0.01, y)], [(x + 0.01, y), (x + 0.02, y)],
                                        [(x + 0.02, y), (x + 0.03, y)]], oneway=["yes"] * 3)
    _lines(d / "roads_badcode.geojson", _square(), oneway=["T", "F", "yes", "no"])
    (d / "junk.osm.pbf").write_bytes(b"junk" * 100)
    (d / "secret.geojson").write_text("root:x:0:0:TOPSECRET:/root\n", encoding="utf-8")
    (d / "foreign").mkdir()
    (d / "foreign" / "thesis.docx").write_text("years of work", encoding="utf-8")
    (d / "afile").write_text("x", encoding="utf-8")
    (d / "deep.json").write_text('{"schema": "healthplan-scenario", "schema_version": 2, "name": '
                                 + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    (d / "bigint.json").write_text('{"schema": "healthplan-scenario", "schema_version": 2, "cell_m": '
                                   + "9" * 5000 + "}", encoding="utf-8")
    for name, body in {
        "vsicurl": {"population": {"kind": "geotiff", "path": "/vsicurl/http://example.com/a.tif"}},
        "url": {"facilities": {"kind": "file", "path": "http://example.com/f.csv"}},
        "nosuffix": {"facilities": {"kind": "file", "path": "/etc/passwd"}},
        "unknown_key": {"colour": "red"},
        "net_option": {"network": {"kind": "roads", "path": str(d / "roads_ok.geojson"),
                                   "options": {"class_field": "road_class", "bogus": 1}}},
        "net_snap": {"network": {"kind": "roads", "path": str(d / "roads_ok.geojson"),
                                 "options": {"class_field": "road_class", "snap_m": 1e6}}},
        "net_speeds_secret": {"network": {"kind": "roads", "path": str(d / "roads_ok.geojson"),
                                          "options": {"class_field": "road_class", "speeds": str(d / "speeds_secret.csv")}}},
        "fac_option": {"facilities": {"kind": "file", "path": str(d / "fac_ok.csv"), "options": {"encoding": "x"}}},
        "cell_text": {"cell_m": "big"},
        "bands_unsorted": {"thresholds": {"bands_min": [90, 60, 30]}},
        "points_6000": {"sites": {"points": [{"name": f"p{i}", "lon": 110.3, "lat": 20.0} for i in range(6000)]}},
        "cand_100k": {"sites": {"sources": [{"kind": "file", "path": str(d / "cand_100k.csv")}]}},
        "long_path": {"facilities": {"kind": "file", "path": "a" * 5000 + ".csv"}},
        "k_text": {"optimiser": {"k": "three"}},
    }.items():
        (d / f"scen_{name}.json").write_text(json.dumps({**SCENARIO, **body}), encoding="utf-8")
    (d / "scen_nan.json").write_text('{"schema": "healthplan-scenario", "schema_version": 2, "cell_m": NaN}',
                                     encoding="utf-8")
    return d


# --------------------------------------------------------------------------------------------------
# the command line: exit code 2, the message names the thing, nothing written


COV = ["coverage", "--region", "hainan", "--network", "{net}", "--cell-m", "3000", "--out", "{out}"]
TEST = ["sites", "test", "--region", "hainan", "--network", "{net}", "--cell-m", "3000", "--out", "{out}"]
OPT = ["sites", "optimize", "--region", "hainan", "--network", "{net}", "--cell-m", "3000", "--out", "{out}"]
BUILD = ["network", "build", "--out", "{out}"]
ROADS = [*BUILD, "--roads", "{bad}/roads_ok.geojson", "--class-field", "road_class"]

CLI_CASES: list[tuple[str, list[str], list[str]]] = [
    # options out of range: the option and its range are named
    ("threshold-inf", [*COV, "--threshold", "inf"], ["--threshold", "1…600"]),
    ("threshold-nan", [*COV, "--threshold", "nan"], ["--threshold", "1…600"]),
    ("threshold-0", [*COV, "--threshold", "0"], ["--threshold", "1…600"]),
    ("cell-0", [*COV, "--cell-m", "0"], ["--cell-m", "50…10000"]),
    ("cell-negative", [*COV, "--cell-m", "-5"], ["--cell-m", "50…10000"]),
    ("cell-nan", [*COV, "--cell-m", "nan"], ["--cell-m", "50…10000"]),
    ("cell-1", [*COV, "--cell-m", "1"], ["--cell-m", "50…10000"]),
    ("bands-unsorted", [*COV, "--bands", "90,60,30"], ["--bands", "increasing"]),
    ("bands-text", [*COV, "--bands", "15,half-hour"], ["--bands", "comma-separated"]),
    ("isochrones-700", [*COV, "--isochrones", "30,700"], ["--isochrones", "1…600"]),
    ("urban-1000", [*COV, "--urban-threshold", "1000"], ["--urban-threshold", "1…600"]),
    ("facility-crs", [*COV, "--facilities", "{bad}/fac_ok.csv", "--facility-crs", "foo"], ["--facility-crs", "gcj02"]),
    ("lang", [*COV, "--lang", "xx"], ["--lang", "zh or en"]),
    ("region", [*COV, "--region", "atlantis"], ["--region", "unknown region"]),
    # facility files: the file, the row and the column
    ("fac-missing", [*COV, "--facilities", "{bad}/nope.csv"], ["--facilities", "no such file"]),
    ("fac-binary", [*COV, "--facilities", "{bad}/fac_binary.csv"], ["fac_binary.csv", "not a text file"]),
    ("fac-nul", [*COV, "--facilities", "{bad}/fac_nul.csv"], ["fac_nul.csv", "NUL"]),
    ("fac-128kB-cell", [*COV, "--facilities", "{bad}/fac_bigcell.csv"], ["fac_bigcell.csv", "row 2", "131,072"]),
    ("fac-duplicates", [*COV, "--facilities", "{bad}/fac_dup.csv"], ["fac_dup.csv", "rows 2, 3", "count twice"]),
    ("fac-at-sea", [*COV, "--facilities", "{bad}/fac_sea.csv"], ["fac_sea.csv", "row 3", "out at sea", "1 km"]),
    ("fac-beds", [*COV, "--facilities", "{bad}/fac_beds.csv"], ["row 2", "床位", "0…100,000"]),
    ("fac-no-header", [*COV, "--facilities", "{bad}/fac_noheader.csv"], ["row 1", "longitude/latitude"]),
    ("fac-inf", [*COV, "--facilities", "{bad}/fac_inf.csv"], ["row 2", "'lon'"]),
    ("fac-bad-xlsx", [*COV, "--facilities", "{bad}/fac_bad.xlsx"], ["fac_bad.xlsx", ".xlsx"]),
    # population rasters
    ("pop-missing", [*COV, "--population", "{bad}/nope.tif"], ["nope.tif", "GeoTIFF"]),
    ("pop-garbage", [*COV, "--population", "{bad}/pop_garbage.tif"], ["pop_garbage.tif", "GeoTIFF"]),
    ("pop-3e38", [*COV, "--population", "{bad}/pop_3e38.tif"], ["pop_3e38.tif", "500,000 persons per km²"]),
    ("pop-inf", [*COV, "--population", "{bad}/pop_inf.tif"], ["pop_inf.tif", "500,000 persons per km²"]),
    ("pop-truncated", [*COV, "--population", "{bad}/pop_truncated.tif"], ["pop_truncated.tif", "cannot be read"]),
    ("pop-no-crs", [*COV, "--population", "{bad}/pop_nocrs.tif"], ["pop_nocrs.tif", "coordinate reference system"]),
    ("pop-elsewhere", [*COV, "--population", "{bad}/pop_far.tif"], ["pop_far.tif", "does not overlap"]),
    ("pop-metres-as-degrees", [*COV, "--population", "{bad}/pop_metres.tif"], ["pop_metres.tif", "in degrees"]),
    ("pop-not-tif", [*COV, "--population", "{bad}/fac_ok.csv"], ["--population", ".tif"]),
    # destinations, checked before any computing
    ("out-is-file", [*COV, "--out", "{bad}/afile"], ["afile", "existing file"]),
    ("out-under-file", [*COV, "--out", "{bad}/afile/run"], ["afile", "is a file"]),
    ("out-name-too-long", [*COV, "--out", "{tmp}/" + "n" * 240], ["too long", "at most 200"]),
    ("save-scenario-folder", [*COV, "--save-scenario", "{bad}/foreign"], ["--save-scenario", "is a folder"]),
    # candidate sites and the optimiser
    ("k-0", [*OPT, "--k", "0"], ["--k", "1…100"]),
    ("k-and-target", [*OPT, "--k", "2", "--target-coverage", "0.9"], ["exactly one of --k"]),
    ("target-150", [*OPT, "--target-coverage", "150"], ["--target-coverage", "1e-06…1"]),
    ("time-limit-inf", [*OPT, "--k", "2", "--time-limit", "inf"], ["--time-limit", "1…3600"]),
    ("method", [*OPT, "--k", "2", "--method", "magic"], ["--method", "greedy"]),
    ("candidates-100k", [*TEST, "--candidates", "{bad}/cand_100k.csv"], ["100,000 rows", "5,000"]),
    ("candidates-missing", [*TEST, "--candidates", "{bad}/nope.csv"], ["--candidates", "no such file"]),
    ("max-road-0", [*TEST, "--candidates", "seats", "--max-road-m", "0"], ["--max-road-m", "1…50000"]),
    ("n-gaps-0", [*TEST, "--candidates", "gaps", "--n-gaps", "0"], ["--n-gaps", "1…5000"]),
    ("weight", [*TEST, "--candidates", "seats", "--weight", "kids"], ["--weight", "pop60"]),
    # networks: sources, options, speed tables, road lines
    ("build-no-source", BUILD, ["exactly one source"]),
    ("build-no-class", [*BUILD, "--roads", "{bad}/roads_ok.geojson"], ["--class-field"]),
    ("build-datum", [*ROADS, "--datum", "foo"], ["--datum", "gcj02"]),
    ("build-snap-huge", [*ROADS, "--snap-m", "1000000"], ["--snap-m", "0…2000"]),
    ("build-snap-nan", [*ROADS, "--snap-m", "nan"], ["--snap-m", "0…2000"]),
    ("build-uniform-0", [*BUILD, "--roads", "{bad}/roads_ok.geojson", "--uniform-speed", "0"],
     ["--uniform-speed", "1…200"]),
    ("speeds-binary", [*ROADS, "--speeds", "{bad}/speeds_binary.csv"], ["speeds_binary.csv", "not a text file"]),
    ("speeds-duplicate", [*ROADS, "--speeds", "{bad}/speeds_dup.csv"], ["rows 2 and 3", "two speeds"]),
    ("speeds-1e9", [*ROADS, "--speeds", "{bad}/speeds_fast.csv"], ["row 2", "1…200 km/h"]),
    ("speeds-yaml", [*ROADS, "--speeds", "{bad}/speeds_bad.yaml"], ["speeds_bad.yaml", "not valid YAML", "line"]),
    ("roads-nan", [*BUILD, "--roads", "{bad}/roads_nan.geojson", "--class-field", "road_class"],
     ["roads_nan.geojson", "feature 2", "NaN"]),
    ("roads-out-of-range", [*BUILD, "--roads", "{bad}/roads_far.geojson", "--class-field", "road_class"],
     ["feature 2", "−180…180"]),
    ("roads-metres-no-crs", [*BUILD, "--roads", "{bad}/roads_metres.gpkg", "--class-field", "road_class"],
     ["no CRS", "metres"]),
    ("roads-all-one-way", [*BUILD, "--roads", "{bad}/roads_allone.geojson", "--class-field", "road_class",
                           "--oneway-field", "oneway"], ["strongly connected", "1 of 4 nodes", "one-way codes"]),
    ("roads-oneway-codes", [*BUILD, "--roads", "{bad}/roads_badcode.geojson", "--class-field", "road_class",
                            "--oneway-field", "oneway"], ["one-way field", "'F'", "'T'"]),
    ("roads-no-field", [*BUILD, "--roads", "{bad}/roads_ok.geojson", "--class-field", "kind"], ["no road-class field"]),
    ("roads-not-gis", [*BUILD, "--roads", "{bad}/secret.geojson", "--class-field", "x"], ["secret.geojson"]),
    ("pbf-junk", [*BUILD, "--pbf", "{bad}/junk.osm.pbf"], ["junk.osm.pbf", "OSM PBF"]),
    ("build-into-foreign-folder", ["network", "build", "--roads", "{bad}/roads_ok.geojson", "--class-field",
                                   "road_class", "--out", "{bad}/foreign"], ["foreign", "thesis.docx"]),
    ("info-not-a-network", ["network", "info", "{bad}/foreign"], ["does not hold a built network"]),
    ("traveltime-limit", ["traveltime", "--network", "{net}", "--facilities", "{bad}/fac_ok.csv", "--limit-min", "nan",
                          "--out", "{out}.gpkg"], ["--limit-min", "0–1440"]),
    ("traveltime-format", ["traveltime", "--network", "{net}", "--facilities", "{bad}/fac_ok.csv", "--out", "{out}.txt"],
     [".gpkg"]),
    ("layers-format", ["layers", "export", "--region", "hainan", "--format", "shp", "--out", "{out}.shp"], ["--format"]),
    # scenario files: the file and the key
    ("scen-missing", ["scenario", "run", "{bad}/nope.json", "--out", "{out}"], ["nope.json", "not found"]),
    ("scen-binary", ["scenario", "run", "{bad}/fac_binary.csv", "--out", "{out}"], ["not a UTF-8 text file"]),
    ("scen-deep", ["scenario", "run", "{bad}/deep.json", "--out", "{out}"], ["deep.json", "not a scenario"]),
    ("scen-bigint", ["scenario", "run", "{bad}/bigint.json", "--out", "{out}"], ["bigint.json", "not a scenario"]),
    ("scen-nan", ["scenario", "run", "{bad}/scen_nan.json", "--out", "{out}"], ["'cell_m'", "50…10000"]),
    ("scen-vsicurl", ["scenario", "run", "{bad}/scen_vsicurl.json", "--out", "{out}"], ["'population.path'", "plain local"]),
    ("scen-url", ["scenario", "run", "{bad}/scen_url.json", "--out", "{out}"], ["'facilities.path'", "no URL"]),
    ("scen-no-suffix", ["scenario", "run", "{bad}/scen_nosuffix.json", "--out", "{out}"], ["'facilities.path'", ".csv"]),
    ("scen-unknown-key", ["scenario", "run", "{bad}/scen_unknown_key.json", "--out", "{out}"], ["unknown keys", "colour"]),
    ("scen-net-option", ["scenario", "run", "{bad}/scen_net_option.json", "--out", "{out}"],
     ["'network.options'", "bogus", "class_field"]),
    ("scen-net-snap", ["scenario", "run", "{bad}/scen_net_snap.json", "--out", "{out}"],
     ["'network.options.snap_m'", "0…2000"]),
    ("scen-speeds-secret", ["scenario", "run", "{bad}/scen_net_speeds_secret.json", "--out", "{out}"],
     ["speeds_secret.csv", "road_class and speed_kmh"]),
    ("scen-fac-option", ["scenario", "run", "{bad}/scen_fac_option.json", "--out", "{out}"], ["encoding", "datum"]),
    ("scen-cell-text", ["scenario", "run", "{bad}/scen_cell_text.json", "--out", "{out}"], ["'cell_m'", "'big'"]),
    ("scen-bands", ["scenario", "run", "{bad}/scen_bands_unsorted.json", "--out", "{out}"], ["bands_min", "increasing"]),
    ("scen-6000-points", ["scenario", "run", "{bad}/scen_points_6000.json", "--out", "{out}"], ["sites.points", "5000"]),
    ("scen-100k-candidates", ["scenario", "run", "{bad}/scen_cand_100k.json", "--out", "{out}"], ["100,000 rows"]),
    ("scen-long-path", ["scenario", "run", "{bad}/scen_long_path.json", "--out", "{out}"], ["5,004 characters"]),
    ("scen-k-text", ["scenario", "run", "{bad}/scen_k_text.json", "--out", "{out}"], ["'optimiser.k'", "0…100"]),
]


def _visible(folder: Path) -> dict[str, float]:
    """Every entry under ``folder`` (names relative to it) with its modification time."""
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*")} if folder.exists() else {}


@pytest.mark.parametrize("args,says", [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES])
def test_cli_refuses_with_one_sentence_and_writes_nothing(args, says, bad, hainan_dir, tmp_path):
    out = tmp_path / "out"
    before_bad = _visible(bad)
    result = invoke(*[a.format(net=hainan_dir, out=out, bad=bad, tmp=tmp_path) for a in args])
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    errors = [line for line in message.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 or "Usage:" in message, message  # one sentence (its list of rows below it)
    assert "Traceback" not in message and "bug in healthplan" not in message, message
    for fragment in says:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert "TOPSECRET" not in message and "root:x" not in message  # no file's content is quoted back
    assert _visible(tmp_path) == {}  # no output, no temporary file or folder beside it
    assert _visible(bad) == before_bad  # the inputs (and a folder full of someone's work) untouched


def test_enough_cli_cases():
    assert len(CLI_CASES) >= 60


# --------------------------------------------------------------------------------------------------
# the readers behind the app's uploads (and the engine's public readers)


def _edge_tables(d: Path, nodes: str, edges: str) -> tuple[Path, Path]:
    """Write a node and an edge table into ``d``."""
    d.mkdir(exist_ok=True)
    (d / "n.csv").write_text(nodes, encoding="utf-8")
    (d / "e.csv").write_text(edges, encoding="utf-8")
    return d / "n.csv", d / "e.csv"


NODES_OK = "id,lon,lat\n1,110.3,20.0\n2,110.31,20.0\n"
EDGES_OK = "from,to,length\n1,2,1000\n2,1,1000\n"

READER_CASES: list[tuple[str, Callable[[Path], object], type[Exception], list[str]]] = [
    ("fac-binary", lambda d: facilities.read_facilities(d / "fac_binary.csv"), InputFileError, ["not a text file"]),
    ("fac-128kB-cell", lambda d: facilities.read_facilities(d / "fac_bigcell.csv"), InputFileError, ["row 2", "131,072"]),
    ("fac-duplicates", lambda d: facilities.read_facilities(d / "fac_dup.csv"), InputFileError, ["rows 2, 3"]),
    ("fac-at-sea", lambda d: facilities.read_facilities(d / "fac_sea.csv"), InputFileError, ["row 3", "out at sea"]),
    ("fac-beds", lambda d: facilities.read_facilities(d / "fac_beds.csv"), InputFileError, ["床位", "0…100,000"]),
    ("fac-folder", lambda d: facilities.read_facilities(d), InputFileError, ["is a folder"]),
    ("fac-damaged-sheet", lambda d: facilities.read_facilities(d / "fac_badsheet.xlsx"), InputFileError,
     ["fac_badsheet.xlsx", "worksheet cannot be read"]),
    ("fac-datum", lambda d: facilities.read_facilities(d / "fac_ok.csv", datum="foo"), InputFileError, ["datum"]),
    ("cand-100k", lambda d: candidates.from_file(str(d / "cand_100k.csv")), InputFileError, ["100,000 rows", "5,000"]),
    ("speeds-short-row", lambda d: speeds.load_speeds(d / "speeds_short.csv"), InputFileError, ["row 2", "empty"]),
    ("speeds-empty", lambda d: speeds.load_speeds(d / "speeds_empty.csv"), InputFileError, ["road_class and speed_kmh"]),
    ("speeds-secret", lambda d: speeds.load_speeds(d / "speeds_secret.csv"), InputFileError, ["first row has 1 cells"]),
    ("speeds-yaml-list", lambda d: speeds.load_speeds(d / "speeds_list.yaml"), InputFileError, ["mapping"]),
    ("speeds-folder", lambda d: speeds.load_speeds(d), InputFileError, ["is a folder"]),
    ("roads-nan", lambda d: roadlines.from_road_lines(d / "roads_nan.geojson", class_field="road_class"),
     InputFileError, ["feature 2"]),
    ("roads-metres", lambda d: roadlines.from_road_lines(d / "roads_metres.gpkg", class_field="road_class"),
     InputFileError, ["no CRS"]),
    ("roads-snap", lambda d: roadlines.from_road_lines(d / "roads_ok.geojson", class_field="road_class", snap_m=1e6),
     NetworkError, ["--snap-m", "0…2000"]),
    ("roads-all-one-way", lambda d: roadlines.from_road_lines(d / "roads_allone.geojson", class_field="road_class",
                                                               oneway_field="oneway"), NetworkError, ["one-way codes"]),
    ("tif-3e38", lambda d: population.read_geotiff(d / "pop_3e38.tif", "hainan", cell_m=3000), InputFileError,
     ["3e+38", "500,000"]),
    ("tif-truncated", lambda d: population.read_geotiff(d / "pop_truncated.tif", "hainan", cell_m=3000),
     InputFileError, ["cannot be read"]),
    ("tif-folder", lambda d: population.read_geotiff(d, "hainan", cell_m=3000), InputFileError, ["is a folder"]),
    ("tif-check-no-crs", lambda d: population.check_geotiff(d / "pop_nocrs.tif", "hainan"), InputFileError,
     ["coordinate reference system"]),
    ("tif-too-many-pixels", lambda d: population.check_geotiff(d / "pop_huge_sparse.tif", "hainan"), InputFileError,
     ["pixels", "GiB", "gdalwarp -tr"]),
    ("edge-nan-coordinate", lambda d: edgetable.from_edge_csv(*_edge_tables(d / "e1", NODES_OK.replace("110.31", "nan"),
                                                                            EDGES_OK)),
     InputFileError, ["n.csv, row 3", "'lon'"]),
    ("edge-coordinate-range", lambda d: edgetable.from_edge_csv(*_edge_tables(d / "e2", NODES_OK.replace("110.31", "500"),
                                                                              EDGES_OK)),
     InputFileError, ["row 3", "−180…180"]),
    ("edge-text-length", lambda d: edgetable.from_edge_csv(*_edge_tables(d / "e3", NODES_OK, EDGES_OK.replace("1000\n2",
                                                                                                                "abc\n2"))),
     InputFileError, ["e.csv, row 2", "'length'", "'abc'"]),
    ("edge-repeated-id", lambda d: edgetable.from_edge_csv(*_edge_tables(d / "e4", NODES_OK.replace("\n2,", "\n1,"),
                                                                         EDGES_OK)),
     InputFileError, ["node id 1", "more than one row"]),
    ("edge-bad-polyline", lambda d: edgetable.from_edge_csv(*_edge_tables(d / "e5", NODES_OK,
                                                                          "from,to,polyline\n1,2,\"[[1\"\n"),
                                                            datum="wgs84"), InputFileError, ["row 2", "'polyline'"]),
    ("edge-length-1e300", lambda d: edgetable.from_edge_csv(*_edge_tables(d / "e6", NODES_OK, EDGES_OK.replace("1000\n2",
                                                                                                                "1e300\n2"))),
     InputFileError, ["row 2", "0…1,000,000 metres"]),
    ("edge-unknown-id", lambda d: edgetable.from_edge_csv(*_edge_tables(d / "e7", NODES_OK, EDGES_OK + "2,9,5\n")),
     InputFileError, ["row 4", "to 9 is not a node id"]),
    ("edge-datum", lambda d: edgetable.from_edge_csv(*_edge_tables(d / "e8", NODES_OK, EDGES_OK), datum="foo"),
     InputFileError, ["datum"]),
    ("edge-speed", lambda d: edgetable.from_edge_csv(*_edge_tables(d / "e9", NODES_OK, EDGES_OK), speed_kmh=-5),
     InputFileError, ["1…200 km/h"]),
    ("scenario-url", lambda d: load_scenario(d / "scen_url.json"), InputFileError, ["scen_url.json", "no URL"]),
    ("scenario-deep", lambda d: load_scenario(d / "deep.json"), InputFileError, ["not a scenario"]),
]


@pytest.mark.parametrize("read,error,says", [c[1:] for c in READER_CASES], ids=[c[0] for c in READER_CASES])
def test_readers_refuse_with_a_sentence(read, error, says, bad):
    with pytest.raises(error) as info:
        read(bad)
    assert isinstance(info.value, HealthplanError)
    for fragment in says:
        assert fragment in str(info.value), str(info.value)
    assert "TOPSECRET" not in str(info.value)


# any damage to a good file: read, or refused with a sentence — never another exception

_GOOD = {
    "facilities.csv": "名称,经度,纬度,床位\n海口市人民医院,110.35,20.02,1200\n三亚市人民医院,109.5,18.25,\"1,000\"\n".encode(),
    "speeds.csv": "road_class,speed_kmh\nprimary,55\n主干路,40\n".encode(),
    "speeds.yaml": "primary: 55\n主干路: 40\n".encode(),
    "roads.geojson": json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"road_class": "primary", "oneway": "no"},
         "geometry": {"type": "LineString", "coordinates": line}} for line in _square()]}).encode(),
}
_READ = {
    "facilities.csv": facilities.read_facilities,
    "speeds.csv": speeds.load_speeds,
    "speeds.yaml": speeds.load_speeds,
    "roads.geojson": lambda p: roadlines.from_road_lines(p, class_field="road_class", oneway_field="oneway"),
}
_SNIPPETS = [b"NaN", b"Infinity", b"-1e400", b"null", b"[]", b'"', b",", b"\n", b"\x00", b"\xff", b"\xe4", b":", b"- ",
             b"&a *a", b"\xef\xbb\xbf", b"=cmd|'/c calc'!A1", b"\t", b";", "１１０．３".encode()]
_EDITS = st.lists(st.tuples(st.floats(0, 1), st.sampled_from(["insert", "delete", "byte"]), st.sampled_from(_SNIPPETS),
                            st.integers(0, 255)), min_size=1, max_size=4)


def _damaged(good: bytes, edits: list) -> bytes:
    """``good`` with the edits applied (insert a snippet, delete a few bytes, or overwrite one byte)."""
    b = bytearray(good)
    for where, what, snippet, byte in edits:
        pos = int(where * len(b))
        if what == "insert":
            b[pos:pos] = snippet
        elif what == "delete":
            del b[pos:pos + 1 + byte % 6]
        else:
            b[pos:pos + 1] = bytes([byte])
    return bytes(b)


@pytest.mark.parametrize("name", list(_GOOD))
@settings(max_examples=60)
@given(edits=_EDITS)
def test_damaged_files_are_read_or_refused_never_a_crash(name, edits, tmp_path_factory):
    path = tmp_path_factory.mktemp("damaged") / name
    path.write_bytes(_damaged(_GOOD[name], edits))
    try:
        _READ[name](path)
    except HealthplanError as exc:
        assert str(path.name) in str(exc) or "--snap-m" in str(exc) or "network" in str(exc) or "road" in str(exc)


def test_encodings_are_read_not_garbled(bad):
    assert facilities.read_facilities(bad / "fac_latin1.csv")["name"].tolist() == ["Hôpital Général", "Clinique Thérèse"]
    assert facilities.read_facilities(bad / "fac_utf16.csv")["name"].tolist() == ["海口市人民医院"]
    assert facilities.read_facilities(bad / "fac_gbk.csv")["name"].tolist() == ["海口市人民医院"]
    assert speeds.load_speeds(bad / "speeds_gbk.csv") == {"主干路": 40.0, "primary": 55.0}


def test_candidates_at_sea_are_kept_and_reported_not_refused(bad):
    frame = candidates.from_file(str(bad / "cand_two_reasons.csv"))
    assert frame["name"].tolist() == ["land", "sea far"]


def test_bad_tags_of_a_geotiff_are_not_fatal(bad):
    grid = population.read_geotiff(bad / "pop_badtags.tif", "hainan", cell_m=3000)
    assert grid.cell_m == 3000 and grid.provenance["source_provenance"] == "{not json"
    assert population.native_cell_m(bad / "pop_badtags.tif") is None  # "abc" is no cell size


def test_uploads_have_limits_and_a_private_folder():
    class Upload:
        def __init__(self, name: str, size: int) -> None:
            self.name, self.size, self._data = name, size, b"name,lon,lat\n"

        def getvalue(self) -> bytes:
            return self._data

    for kind, limit in uploads.LIMIT_MB.items():
        with pytest.raises(InputFileError, match=f"{limit} MB"):
            uploads.save(Upload(f"big-{kind}.bin", (limit + 1) * 1_000_000), kind)
    path = uploads.save(Upload("../../etc/<evil> name.csv", 13), "facilities")
    assert path.parent == uploads.folder() and "/" not in path.name and "<" not in path.name
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700  # not readable by other users
    assert not str(path).startswith(str(ROOT.parent / "shared"))  # never in the data folder


def test_markdown_in_names_stays_text():
    shown = plain("[x](javascript:alert(1)) ![](http://e/p.png) <img src=x onerror=1> :red[y] $x$ a_b*\nrow 2")
    for escaped in (r"\[x\]\(javascript\:", r"\!\[\]\(http\:", r"\<img", r"\:red\[y\]", r"\$x\$", r"a\_b\*"):
        assert escaped in shown, shown
    assert shown.count("  \n") == 1


# --------------------------------------------------------------------------------------------------
# whole runs: strict JSON, counts that add up, inputs checked before any computing


def test_a_run_on_latin1_names_prints_strict_json(bad, hainan_dir, tmp_path):
    summary = ok(*[a.format(net=hainan_dir, out=tmp_path / "o") for a in COV], "--facilities", bad / "fac_latin1.csv")
    line = json.dumps(summary)
    json.loads(line, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))
    for path in [*(tmp_path / "o").glob("*.json"), *(tmp_path / "o").glob("*.geojson")]:  # every file strict JSON
        json.loads(path.read_text(encoding="utf-8"), parse_constant=lambda c, n=path.name: pytest.fail(f"{c} in {n}"))
    written = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert written["population_total"] == summary["population_total"]
    names = gpd.read_file(tmp_path / "o" / "facilities.geojson")["name"].tolist()
    assert names == ["Hôpital Général", "Clinique Thérèse"]


def test_rejected_counts_add_up(bad, hainan_dir, tmp_path):
    summary = ok(*[a.format(net=hainan_dir, out=tmp_path / "s") for a in TEST], "--candidates",
                 bad / "cand_two_reasons.csv")
    c = summary["candidates"]
    assert c["n"] == 2 and c["rejected"] == 1 and sum(c["rejected_by"].values()) == c["rejected"]
    assert c["rejected_by"]["not_on_land"] == 1  # at sea and far from a road: counted once, by its first failure


def test_inputs_are_checked_before_any_computing(bad, monkeypatch):
    def no_work(*args, **kwargs):
        raise AssertionError("computing started before the inputs were checked")

    monkeypatch.setattr(Pipeline, "network", no_work)
    monkeypatch.setattr(Pipeline, "population", no_work)
    s = Scenario(region="hainan", cell_m=3000, sites=Sites(sources=(Source("file", str(bad / "cand_100k.csv")),)))
    with pytest.raises(InputFileError, match="100,000 rows"):
        front.run(s)
    with pytest.raises(OptionError, match=r"cells .*use a cell size of at least"):
        front.run(Scenario(region="yunnan", cell_m=50))
    with pytest.raises(InputFileError, match="out at sea"):
        front.run(Scenario(region="hainan", facilities=Source("file", str(bad / "fac_sea.csv"))))


def test_oneway_field_of_an_uploaded_road_file_is_honoured(bad):
    s = Scenario(region="haikou", network=Source("roads", str(bad / "roads_oneway.geojson"),
                                                 {"class_field": "road_class", "oneway_field": "oneway"}))
    net, _ = Pipeline().network(s)
    assert net.directed and net.n_edges == 4  # a one-way ring: four edges, not eight
    two_way = Scenario(region="haikou", network=Source("roads", str(bad / "roads_oneway.geojson"),
                                                       {"class_field": "road_class"}))
    assert Pipeline().network(two_way)[0].n_edges == 8


def test_pbf_without_any_oneway_tag_builds(tmp_path):
    ways = [([1, 2, 3, 4, 5], {"highway": "residential"}), ([3, 6, 7], {"highway": "tertiary"}),
            ([5, 11, 7], {"highway": "residential"})]
    net = osm.from_pbf(write_pbf(tmp_path / "plain.osm.pbf", ways=ways))
    assert not net.directed and net.n_edges == 2 * 4


def test_a_pbf_too_big_for_memory_is_refused_with_the_estimate(tmp_path, monkeypatch):
    pbf = tmp_path / "big.osm.pbf"
    pbf.write_bytes(b"\0" * 1_000_000)
    monkeypatch.setattr(osm, "machine_memory_bytes", lambda: 0.2e9)
    with pytest.raises(NetworkError, match=r"≈ 0\.3 GB.*osmium extract"):
        osm.from_pbf(pbf)


def test_road_lines_too_big_for_memory_are_refused_with_the_estimate(bad, monkeypatch):
    monkeypatch.setattr(roadlines, "machine_memory_bytes", lambda: 0.2e9)
    with pytest.raises(NetworkError, match=r"4 road lines need ≈ 0\.2 GB.*ogr2ogr -clipsrc"):
        roadlines.from_road_lines(bad / "roads_ok.geojson", class_field="road_class")


def test_a_bug_is_said_to_be_one_with_its_traceback_in_a_file(hainan_dir, tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("an unexpected failure")

    monkeypatch.setattr(front, "run", boom)
    args = [a.format(net=hainan_dir, out=tmp_path / "o") for a in COV]
    result = invoke(*args)
    assert result.exit_code == 3 and "bug in healthplan" in result.stderr, result.stderr
    crash = Path(result.stderr.split("the traceback is in ")[1].split(" — ")[0])
    assert "RuntimeError: an unexpected failure" in crash.read_text(encoding="utf-8")
    assert not (tmp_path / "o").exists()
    # neither the cache folder nor the temporary folder writable: still one sentence, still exit 3
    (tmp_path / "f").write_text("a file, not a folder", encoding="utf-8")
    monkeypatch.setenv("HEALTHPLAN_CACHE", str(tmp_path / "f" / "cache"))
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path / "f" / "tmp"))
    result = invoke(*args)
    assert result.exit_code == 3 and "no file" in result.stderr and "Traceback" not in result.stderr


def test_solver_banner_stays_off_both_streams():
    code = "from spatial import milp; milp.highs_model(1.0, 1e-4); print('done')"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.stdout == "done\n" and "HiGHS" not in done.stderr, done.stderr


# --------------------------------------------------------------------------------------------------
# writers: full and read-only disks, foreign folders


def test_a_foreign_folder_is_never_replaced(hainan_results, bad, tmp_path):
    target = tmp_path / "mine"
    shutil.copytree(bad / "foreign", target)
    with pytest.raises(OutputError, match="thesis.docx"):
        outputs.write_results(hainan_results, target, plan_layers={})
    assert (target / "thesis.docx").read_text(encoding="utf-8") == "years of work"
    with pytest.raises(OutputError, match="not a saved network"):
        nw.save(hainan_results.inputs.network, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_disk_full_while_writing_leaves_the_old_set(hainan_results, tmp_path, monkeypatch):
    out = tmp_path / "o"
    outputs.write_results(hainan_results, out, plan_layers={})
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_replace = os.replace

    def full(src, dst):
        if Path(dst) == out and "-old-" not in Path(src).name:  # the new set cannot be moved in
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OutputError, match="No space left"):
        outputs.write_results(hainan_results, out, plan_layers={})
    monkeypatch.setattr(os, "replace", real_replace)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["o"]  # the half-written set went away


def test_read_only_destination_is_refused_before_computing(tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(export.tempfile, "NamedTemporaryFile", read_only)
    with pytest.raises(OutputError, match="Read-only file system"):
        export.check_destination(tmp_path / "o", folder=True)


@pytest.fixture
def tmpfs(tmp_path):
    """Mount a tmpfs (size and options given to the returned function); skipped where mounting is not allowed."""
    mounted: list[Path] = []

    def mount(size: str, *, read_only: bool = False) -> Path:
        point = tmp_path / f"fs{len(mounted)}"
        point.mkdir()
        opts = f"size={size}" + (",ro" if read_only else "")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(point)], capture_output=True)
        if done.returncode != 0:
            pytest.skip("mounting a tmpfs needs root (it stands in for a full or read-only disk)")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", str(point)], capture_output=True)


def test_real_full_and_read_only_disks(hainan_results, tmpfs, monkeypatch):
    small = tmpfs("64k")
    with pytest.raises(OutputError, match="MB free"):  # refused before any computing
        export.check_destination(small / "o", folder=True)
    monkeypatch.setattr(export, "MIN_FREE_BYTES", 0)
    with pytest.raises(OutputError, match="(?i)no space left|disk space"):  # and if it fills up while writing
        outputs.write_results(hainan_results, small / "o", plan_layers={})
    assert list(small.iterdir()) == []
    with pytest.raises(OutputError, match="(?i)no space|cannot save"):
        nw.save(hainan_results.inputs.network, small / "net")
    assert list(small.iterdir()) == []
    ro = tmpfs("1m", read_only=True)  # root may write anywhere but here: no os.access
    with pytest.raises(OutputError, match="Read-only file system"):
        export.check_destination(ro / "o", folder=True)


# --------------------------------------------------------------------------------------------------
# killed while writing: the old complete folder or none, never a mix


_WRITER = textwrap.dedent("""
    import dataclasses, pickle, sys, time
    import numpy
    from spatial import export, network, outputs
    kind, data, target, pause = sys.argv[1:5]
    obj = pickle.load(open(data, "rb"))
    i = 0
    if pause == "pause":  # stop inside the second write, after its first file: the kill lands mid-write
        mod, name = (export, "write_gpkg") if kind == "results" else (numpy, "savez")
        real = getattr(mod, name)
        def paused(*args, **kwargs):
            out = real(*args, **kwargs)
            if i >= 2:
                print("inside", flush=True)
                time.sleep(60)
            return out
        setattr(mod, name, paused)
    while True:
        i += 1
        if kind == "results":
            obj.scenario = dataclasses.replace(obj.scenario, name=f"run {i}")
            outputs.write_results(obj, target, plan_layers={})
        else:
            obj.provenance["run"] = i
            network.save(obj, target)
        if i == 1:
            print("ready", flush=True)
""")


def _kill_while_writing(kind: str, obj: object, target: Path, delay_s: float | None) -> list[str]:
    """Write ``obj`` to ``target`` over and over in another process; SIGKILL it ``delay_s`` after its first write
    (None: the moment it is inside its second write).  Returns the hidden leftovers beside ``target``."""
    data = target.parent / f"{kind}.pkl"
    if not data.exists():
        data.write_bytes(pickle.dumps(obj))
    pause = "pause" if delay_s is None else "run"
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, kind, str(data), str(target), pause], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        if delay_s is None:
            assert proc.stdout.readline().strip() == "inside"
        else:
            time.sleep(delay_s)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    return [p.name for p in target.parent.iterdir() if p.name.startswith(f".{target.name}-")]


def _complete_set(folder: Path) -> None:
    """The folder is one whole output set: every listed file, all from the same run."""
    listed = json.loads((folder / export.MANIFEST).read_text(encoding="utf-8"))["files"]
    assert sorted(p.name for p in folder.iterdir()) == sorted([*listed, export.MANIFEST])
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    scenario = json.loads((folder / "scenario.json").read_text(encoding="utf-8"))
    assert summary["scenario"] == scenario["name"]  # one run's files, never two runs' mixed
    assert "counties" in pyogrio.list_layers(folder / "results.gpkg")[:, 0]
    assert export.read_provenance_gpkg(folder / "results.gpkg")
    with rasterio.open(folder / "cells.tif") as src:
        assert src.read(1).shape == src.shape
    for name in listed:
        if name.endswith(".geojson"):
            json.loads((folder / name).read_text(encoding="utf-8"))


@pytest.mark.slow
def test_killed_output_set_writer_leaves_a_whole_set_or_none(hainan_results, tmp_path):
    rng = random.Random(12)
    target = tmp_path / "out"
    for trial, delay in enumerate([None, *(rng.uniform(0.0, 0.8) for _ in range(3))]):
        left = _kill_while_writing("results", hainan_results, target, delay)
        if delay is None:  # killed inside a write: the previous set is there, whole, and the half one hidden
            assert left and json.loads((target / "summary.json").read_text(encoding="utf-8"))["scenario"] == "run 1"
        if target.exists():
            _complete_set(target)
        # the next writer clears what the killed one left beside the folder, and writes a whole set
        outputs.write_results(hainan_results, target, plan_layers={})
        _complete_set(target)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "results.pkl"], trial


@pytest.mark.slow
def test_killed_network_save_leaves_a_whole_network_or_none(haikou_net, tmp_path):
    rng = random.Random(7)
    target = tmp_path / "net"
    for trial, delay in enumerate([None, *(rng.uniform(0.0, 0.3) for _ in range(3))]):
        left = _kill_while_writing("network", haikou_net, target, delay)
        if delay is None:
            assert left and nw.load(target).provenance["run"] == 1
        if target.exists():
            net = nw.load(target)  # never NetworkError: the old network or the new one, whole
            assert net.n_edges == haikou_net.n_edges and isinstance(net.provenance["run"], int)
        nw.save(haikou_net, target)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["net", "network.pkl"], trial


_FILE_WRITER = textwrap.dedent("""
    import sys, time
    import geopandas as gpd, pyogrio, shapely
    from spatial import export
    frame = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(110.3, 20.0)], crs="EPSG:4326")
    real = pyogrio.write_dataframe
    def paused(*args, **kwargs):  # stop after the first table: the file is half-written, aside
        real(*args, **kwargs)
        print("inside", flush=True)
        time.sleep(60)
    pyogrio.write_dataframe = paused
    export.write_gpkg({"a": frame, "b": frame}, sys.argv[1], provenance={"run": 2})
""")


def test_a_killed_single_file_export_is_swept_by_the_next_writer(tmp_path):
    """A killed writer of one file leaves the old file whole and its part aside; the next writer removes that part."""
    frame = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(110.3, 20.0)], crs="EPSG:4326")
    target = tmp_path / "layers.gpkg"
    export.write_gpkg({"a": frame}, target, provenance={"run": 1})
    proc = subprocess.Popen([sys.executable, "-c", _FILE_WRITER, str(target)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout.readline().strip() == "inside"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    left = sorted(p.name for p in tmp_path.iterdir() if p.name != target.name)
    assert left and all(n.startswith(f".layers.{proc.pid}-") and ".part.gpkg" in n for n in left), left
    assert export.read_provenance_gpkg(target)["run"] == 1  # the old file, whole
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # another writer, running
    try:
        alive = tmp_path / f".layers.{other.pid}-0123abcd.part.gpkg"  # its part: never touched
        alive.write_bytes(b"being written")
        export.write_gpkg({"a": frame}, target, provenance={"run": 3})
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, alive.name])
        assert export.read_provenance_gpkg(target)["run"] == 3
    finally:
        other.kill()
        other.wait()
    odd = tmp_path / ".layers.99999999999999999999-0123abcd.part.gpkg"  # no process could have this id
    odd.write_bytes(b"?")
    export.write_gpkg({"a": frame}, target, provenance={"run": 4})  # kept (as if alive), and the write goes on
    assert odd.exists() and export.read_provenance_gpkg(target)["run"] == 4


# --------------------------------------------------------------------------------------------------
# a damaged cache entry is rebuilt, with a message


def _damage(entry: Path, how: str) -> None:
    """Damage a cached network folder in one of several ways."""
    arrays, meta = entry / "arrays.npz", entry / "network.json"
    if how == "truncated-zip":
        arrays.write_bytes(arrays.read_bytes()[: arrays.stat().st_size // 3])
    elif how == "not-a-zip":
        arrays.write_bytes(b"garbage" * 100)
    elif how == "flipped-bytes":
        raw = bytearray(arrays.read_bytes())
        for i in random.Random(5).sample(range(200, len(raw) - 200), 20):
            raw[i] ^= 0xFF
        arrays.write_bytes(bytes(raw))
    elif how == "json":
        meta.write_text("{half", encoding="utf-8")
    elif how == "bad-crs":
        m = json.loads(meta.read_text(encoding="utf-8"))
        m["metric_crs"] = "+proj=nonsense"
        meta.write_text(json.dumps(m), encoding="utf-8")
    elif how == "empty-folder":
        arrays.unlink()
        meta.unlink()


@pytest.mark.parametrize("how", ["truncated-zip", "not-a-zip", "flipped-bytes", "json", "bad-crs", "empty-folder"])
def test_damaged_cache_entry_is_rebuilt_with_a_message(how, bad, tmp_path, caplog):
    source = bad / "roads_ok.geojson"
    first = netcache.cached_network("roads", source, cache_dir=tmp_path, class_field="road_class")
    (entry,) = list(tmp_path.iterdir())
    _damage(entry, how)
    with caplog.at_level(logging.WARNING, logger="spatial.netcache"):
        again = netcache.cached_network("roads", source, cache_dir=tmp_path, class_field="road_class")
    assert np.array_equal(again.head, first.head) and np.array_equal(again.minutes, first.minutes)
    assert "rebuilding" in caplog.text and entry.name in caplog.text
    assert nw.load(entry).n_edges == first.n_edges  # the entry on disk is whole again
