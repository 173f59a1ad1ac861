"""Road-class → driving speed (km/h): the editable default table ``speeds.csv`` and lookups against it.

The defaults (``spatial/speeds.csv``, columns road_class, speed_kmh, source, note) cover OSM ``highway``
tags, Chinese highway grades (JTG B01-2014) and urban street classes (CJJ 37-2012), and the classes of
the bundled Kunming and Hainan road files.  Design speeds are discounted to typical operating speeds;
the note column says how.  Users pass their own CSV or YAML (``{class: km/h}`` or the same columns).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from spatial import textfile
from spatial.errors import InputFileError, NetworkError
from spatial.settings import SPEED_RANGE_KMH

#: The default table shipped with the package.
DEFAULT_SPEEDS_CSV: Path = Path(__file__).with_name("speeds.csv")

#: Class used when a network has no road classes at all (e.g. the Haikou DiDi edges): an urban arterial.
URBAN_DEFAULT_CLASS: str = "主干路"


def _read_csv(path: Path) -> dict[str, float]:
    """Read a road_class,speed_kmh[,…] CSV (UTF-8, GBK, UTF-16 or Latin-1) into {class: km/h}."""
    text = textfile.read_text(path, what="speed table")
    rows = textfile.csv_records(path, text, textfile.delimiter_of(text))
    rows = [(n, cells) for n, cells in rows if any(c.strip() for c in cells)]
    header = [c.strip().lstrip("\ufeff") for c in rows[0][1]] if rows else []
    missing = [c for c in ("road_class", "speed_kmh") if c not in header]
    if missing:
        # the header is not quoted back: a wrong file named in a scenario must not show its content
        raise InputFileError(
            f"{path}: a speed table needs the columns road_class and speed_kmh in its first row; missing "
            f"{', '.join(missing)} (the first row has {sum(bool(c) for c in header)} cells)"
        )
    ci, si = header.index("road_class"), header.index("speed_kmh")
    pairs = [(n, cells[ci] if ci < len(cells) else None, cells[si] if si < len(cells) else None)
             for n, cells in rows[1:]]
    return _table(path, [(n, _parse_class(c, path, n), _parse_speed(v, path, n)) for n, c, v in pairs])


def _read_yaml(path: Path) -> dict[str, float]:
    """Read a YAML mapping {class: km/h} (or a list of {road_class, speed_kmh}) into {class: km/h}."""
    text = textfile.read_text(path, what="speed table")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise InputFileError(f"{path}: not valid YAML{where}; write one 'road_class: km/h' per line, "
                             "e.g. 'primary: 55'") from None
    if isinstance(data, list) and all(isinstance(item, dict) for item in data):
        entries = [(i, item.get("road_class"), item.get("speed_kmh")) for i, item in enumerate(data, start=1)]
    elif isinstance(data, dict):
        entries = [(i, k, v) for i, (k, v) in enumerate(data.items(), start=1)]
    else:
        raise InputFileError(f"{path}: expected a mapping road_class: speed_kmh, e.g. 'primary: 55'")
    return _table(path, [(i, _parse_class(k, path, i), _parse_speed(v, path, i)) for i, k, v in entries])


def _table(path: Path, entries: list[tuple[int, str, float]]) -> dict[str, float]:
    """{class: km/h} from (row, class, speed) entries; a class given twice with different speeds is refused."""
    if not entries:
        raise InputFileError(f"{path}: the speed table has no rows; give one road_class,speed_kmh row per class")
    table: dict[str, float] = {}
    first_row: dict[str, int] = {}
    for row, name, speed in entries:
        if name in table and table[name] != speed:
            raise InputFileError(f"{path}, rows {first_row[name]} and {row}: road class {textfile.quoted(name)} has "
                                 f"two speeds ({table[name]:g} and {speed:g} km/h); keep one")
        table[name] = speed
        first_row.setdefault(name, row)
    return table


def _parse_class(value: object, path: Path, row: int) -> str:
    """A non-empty road-class name of at most 200 characters, stripped."""
    name = "" if value is None else str(value).strip()
    if not name:
        raise InputFileError(f"{path}, row {row}: empty road_class")
    if len(name) > 200:
        raise InputFileError(f"{path}, row {row}: a road_class of {len(name):,} characters (at most 200)")
    return name


def _parse_speed(value: object, path: Path, row: int) -> float:
    """A positive finite speed in km/h."""
    lo, hi = SPEED_RANGE_KMH
    if value is None or str(value).strip() == "":
        raise InputFileError(f"{path}, row {row}: speed_kmh is empty; give km/h ({lo:g}…{hi:g})")
    not_number = f"{path}, row {row}: speed_kmh {textfile.quoted(value)} is not a number of km/h ({lo:g}…{hi:g})"
    if not isinstance(value, str | int | float):  # a list, mapping or date from YAML
        raise InputFileError(not_number)
    try:
        speed = float(value)
    except ValueError:
        raise InputFileError(not_number) from None
    if not (np.isfinite(speed) and lo <= speed <= hi):
        raise InputFileError(f"{path}, row {row}: speed_kmh must be {lo:g}…{hi:g} km/h, got {textfile.quoted(value)}")
    return speed


def load_speeds(path: str | Path | None = None) -> dict[str, float]:
    """Road-class → km/h from a CSV or YAML file (the packaged default table when ``path`` is None)."""
    path = DEFAULT_SPEEDS_CSV if path is None else Path(path)
    if path.is_dir():
        raise InputFileError(f"speed table {path} is a folder; pass a CSV with columns road_class,speed_kmh")
    if not path.is_file():
        raise InputFileError(f"speed table {path} not found; pass a CSV with columns road_class,speed_kmh")
    if path.suffix.lower() in {".yaml", ".yml"}:
        return _read_yaml(path)
    return _read_csv(path)


def speeds_digest(speeds: Mapping[str, float]) -> str:
    """Short stable hash of a speed table (for cache keys and provenance)."""
    blob = json.dumps(sorted((str(k), float(v)) for k, v in speeds.items()), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]


def class_speeds(
    classes: Iterable[str],
    speeds: Mapping[str, float] | None = None,
    *,
    uniform_speed_kmh: float | None = None,
    source: str = "the road data",
) -> np.ndarray:
    """Speed (km/h) for each class name; raises NetworkError naming unknown classes and the fixes."""
    classes = list(classes)
    if uniform_speed_kmh is not None:
        lo, hi = SPEED_RANGE_KMH
        if not (np.isfinite(uniform_speed_kmh) and lo <= uniform_speed_kmh <= hi):
            raise NetworkError(f"--uniform-speed must be {lo:g}…{hi:g} km/h, got {uniform_speed_kmh}")
        return np.full(len(classes), float(uniform_speed_kmh))
    table = load_speeds() if speeds is None else dict(speeds)
    lower = {k.lower(): v for k, v in table.items()}
    out = np.empty(len(classes))
    unknown = []
    for i, name in enumerate(classes):
        key = str(name).strip()
        speed = table.get(key, lower.get(key.lower()))
        if speed is None:
            unknown.append(key)
        else:
            out[i] = speed
    if unknown:
        raise NetworkError(
            f"{source} has road classes with no speed: {', '.join(repr(u) for u in sorted(unknown))}. "
            f"Add a row 'road_class,speed_kmh' for each to a copy of {DEFAULT_SPEEDS_CSV} and pass it "
            "with --speeds FILE (speeds=...), or give one speed for every road with --uniform-speed KMH."
        )
    return out


def speed_provenance(
    classes: tuple[str, ...], speed_kmh: np.ndarray, speeds: Mapping[str, float] | None, uniform_speed_kmh: float | None
) -> dict[str, Any]:
    """Which speed each class got and from which table."""
    if uniform_speed_kmh is not None:
        table = "uniform"
    elif speeds is None:
        table = f"default {DEFAULT_SPEEDS_CSV.name} ({speeds_digest(load_speeds())})"
    else:
        table = f"user table ({speeds_digest(speeds)})"
    return {
        "speed_table": table,
        "uniform_speed_kmh": uniform_speed_kmh,
        "class_speeds_kmh": {c: float(s) for c, s in zip(classes, speed_kmh)},
    }


def resolve_speeds(speeds: Mapping[str, float] | str | Path | None) -> Mapping[str, float] | None:
    """A speed table given as a mapping, a file path, or None (the default table)."""
    if speeds is None or isinstance(speeds, Mapping):
        return speeds
    return load_speeds(speeds)
