"""The default speed table and speed lookups."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from spatial.errors import InputFileError, NetworkError
from spatial.osm import DRIVABLE_HIGHWAYS
from spatial.speeds import DEFAULT_SPEEDS_CSV, class_speeds, load_speeds, speeds_digest

OSM_TAGS = sorted(DRIVABLE_HIGHWAYS)  # every highway tag the PBF/Overpass readers keep needs a speed
CHINESE = [
    "高速公路",
    "一级公路",
    "二级公路",
    "三级公路",
    "四级公路",
    "城市快速路",
    "主干路",
    "次干路",
    "支路",
    "内部道路",
]
DATA_CLASSES = [
    "arterial",
    "secondary",
    "branch",
    "internal",
    "motorway_trunk",
    "national_primary",
    "primary",
]

#: Upper design speeds (km/h) of JTG B01-2014 and CJJ 37-2012: operating speeds must not exceed them.
DESIGN_MAX_KMH = {
    "高速公路": 120,
    "一级公路": 100,
    "二级公路": 80,
    "三级公路": 40,
    "四级公路": 30,
    "城市快速路": 100,
    "主干路": 60,
    "次干路": 50,
    "支路": 40,
}


def test_default_table_covers_osm_chinese_and_data_classes() -> None:
    table = load_speeds()
    missing = [c for c in OSM_TAGS + CHINESE + DATA_CLASSES if c not in table]
    assert not missing
    assert all(0 < v <= 120 for v in table.values())


def test_every_default_row_documents_its_source_and_reasoning() -> None:
    with DEFAULT_SPEEDS_CSV.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["source"].strip() and r["note"].strip() for r in rows)
    names = [r["road_class"] for r in rows]
    assert len(names) == len(set(names)), "duplicate road_class rows"


def test_speeds_respect_the_hierarchy_and_design_standards() -> None:
    t = load_speeds()
    for chain in (
        ["motorway", "trunk", "primary", "secondary", "tertiary", "residential", "living_street"],
        ["高速公路", "一级公路", "二级公路", "三级公路", "四级公路"],
        ["城市快速路", "主干路", "次干路", "支路", "内部道路"],
        ["arterial", "secondary", "branch", "internal"],
        ["motorway_trunk", "national_primary", "primary"],
    ):
        speeds = [t[c] for c in chain]
        assert speeds == sorted(speeds, reverse=True) and len(set(speeds)) == len(speeds), chain
    for name, vmax in DESIGN_MAX_KMH.items():
        assert t[name] <= vmax, name
    assert all(t[f"{c}_link"] < t[c] for c in ("motorway", "trunk", "primary", "secondary", "tertiary"))


def test_user_csv_and_yaml_tables(tmp_path) -> None:
    csv_path = tmp_path / "s.csv"
    csv_path.write_text("road_class,speed_kmh,note\nA,30,x\nB,12.5,\n", encoding="utf-8")
    yaml_path = tmp_path / "s.yaml"
    yaml_path.write_text("A: 30\nB: 12.5\n", encoding="utf-8")
    assert load_speeds(csv_path) == load_speeds(yaml_path) == {"A": 30.0, "B": 12.5}


@pytest.mark.parametrize(
    "body, fragment",
    [
        ("road_class,speed_kmh\nA,fast\n", "row 2"),
        ("road_class,speed_kmh\nA,30\nB,-5\n", "row 3"),
        ("road_class,speed\nA,30\n", "speed_kmh"),
        ("road_class,speed_kmh\n,30\n", "empty road_class"),
    ],
)
def test_bad_user_tables_name_the_row(tmp_path, body: str, fragment: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InputFileError, match=fragment):
        load_speeds(path)


def test_missing_table_file(tmp_path) -> None:
    with pytest.raises(InputFileError, match="not found"):
        load_speeds(tmp_path / "nope.csv")


def test_unknown_classes_are_listed_with_the_fixes() -> None:
    with pytest.raises(NetworkError) as err:
        class_speeds(["primary", "gravel_path", "马路"], source="roads.gpkg")
    msg = str(err.value)
    assert "'gravel_path'" in msg and "'马路'" in msg and "'primary'" not in msg
    assert "--speeds" in msg and "--uniform-speed" in msg and "roads.gpkg" in msg


def test_lookup_is_case_insensitive_and_uniform_overrides() -> None:
    assert class_speeds(["Primary", " motorway "]).tolist() == [
        load_speeds()["primary"],
        load_speeds()["motorway"],
    ]
    assert class_speeds(["anything", "primary"], uniform_speed_kmh=42.0).tolist() == [42.0, 42.0]
    with pytest.raises(NetworkError):
        class_speeds(["a"], uniform_speed_kmh=0.0)


def test_digest_changes_with_any_speed() -> None:
    t = load_speeds()
    changed = dict(t, primary=t["primary"] + 1)
    assert speeds_digest(t) == speeds_digest(dict(reversed(list(t.items()))))
    assert speeds_digest(changed) != speeds_digest(t)
    assert np.isfinite(list(t.values())).all()
