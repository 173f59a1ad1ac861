"""The pickle cache of derived frames (spatial/picklecache.py) and the boundary files read through it."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from spatial import boundaries, picklecache


def _frame(name: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"adcode": [460100], "parent_adcode": [460000], "name_zh": [name], "name_en": ["x"],
                             "level": ["county"]}, geometry=[box(110, 19, 111, 20)], crs="EPSG:4326")


def test_built_once_then_read_and_a_damaged_entry_is_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    path = tmp_path / "c" / "one.pickle"
    calls: list[int] = []

    def build() -> gpd.GeoDataFrame:
        calls.append(1)
        return _frame("海口市")

    first = picklecache.load_or_build(path, build, kind=gpd.GeoDataFrame, what="test frame")
    again = picklecache.load_or_build(path, build, kind=gpd.GeoDataFrame, what="test frame")
    assert len(calls) == 1 and again.equals(first)
    assert not list(path.parent.glob(".*.part*"))  # nothing left aside
    path.write_bytes(path.read_bytes()[:40])  # truncated, as by a killed writer or a full disk
    with caplog.at_level(logging.WARNING):
        rebuilt = picklecache.load_or_build(path, build, kind=gpd.GeoDataFrame, what="test frame")
    assert len(calls) == 2 and rebuilt.equals(first) and "unreadable" in caplog.text


def test_an_unwritable_cache_only_costs_time(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    blocked = tmp_path / "not_a_folder"
    blocked.write_text("a file where the cache folder would go")  # unwritable even for root
    with caplog.at_level(logging.WARNING):
        frame = picklecache.load_or_build(blocked / "x.pickle", lambda: _frame("三亚市"), kind=gpd.GeoDataFrame, what="test frame")
    assert frame["name_zh"].iloc[0] == "三亚市" and "could not cache test frame" in caplog.text


def test_a_changed_boundary_file_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HEALTHPLAN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(boundaries, "cache_dir", lambda: tmp_path / "cache")
    src = tmp_path / "b" / "test_counties.geojson"
    src.parent.mkdir()
    _frame("海口市").to_file(src, driver="GeoJSON")
    boundaries._read.cache_clear()
    assert boundaries.layer("test_counties", directory=src.parent)["name_zh"].iloc[0] == "海口市"
    assert len(list((tmp_path / "cache" / "boundaries").glob("test_counties-*.pickle"))) == 1
    _frame("三亚市").to_file(src, driver="GeoJSON")  # a new file: new size or time, a new entry
    os.utime(src, ns=(src.stat().st_atime_ns, src.stat().st_mtime_ns + 1_000_000))
    boundaries._read.cache_clear()
    frame = boundaries.layer("test_counties", directory=src.parent)
    assert frame["name_zh"].iloc[0] == "三亚市" and frame["adcode"].dtype == "int64"
    boundaries._read.cache_clear()


def test_prune_keeps_the_most_recently_used_entries(tmp_path: Path):
    folder = tmp_path / "c"
    paths = [folder / f"e{i}.pickle" for i in range(5)]
    for i, path in enumerate(paths):
        picklecache.load_or_build(path, lambda i=i: _frame(f"县{i}"), kind=gpd.GeoDataFrame, what="test frame")
        os.utime(path, ns=(1_000_000_000 * (i + 1), 1_000_000_000 * (i + 1)))  # e0 oldest … e4 newest
    picklecache.load_or_build(paths[0], lambda: _frame("never built"), kind=gpd.GeoDataFrame, what="test frame")
    (folder / "other.txt").write_text("not an entry")
    removed = picklecache.prune(folder, "*.pickle", keep=2)
    assert sorted(p.name for p in removed) == ["e1.pickle", "e2.pickle", "e3.pickle"]
    assert sorted(p.name for p in folder.iterdir()) == ["e0.pickle", "e4.pickle", "other.txt"]  # e0 was just read
    assert picklecache.prune(tmp_path / "missing", "*.pickle", keep=1) == []
