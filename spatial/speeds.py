"""Road-class → driving speed (km/h): the editable default table ``speeds.csv`` and lookups against it.

The defaults (``spatial/speeds.csv``, columns road_class, speed_kmh, source, note) cover OSM ``highway``
tags, Chinese highway grades (JTG B01-2014) and urban street classes (CJJ 37-2012), and the classes of
the bundled Kunming and Hainan road files.  Design speeds are discounted to typical operating speeds;
the note column says how.  Users pass their own CSV or YAML (``{class: km/h}`` or the same columns).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from spatial.errors import InputFileError, NetworkError

#: The default table shipped with the package.
DEFAULT_SPEEDS_CSV: Path = Path(__file__).with_name("speeds.csv")

#: Class used when a network has no road classes at all (e.g. the Haikou DiDi edges): an urban arterial.
URBAN_DEFAULT_CLASS: str = "主干路"


def _read_csv(path: Path) -> dict[str, float]:
    """Read a road_class,speed_kmh[,…] CSV into {class: km/h}."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"road_class", "speed_kmh"} - set(reader.fieldnames or [])
        if missing:
            raise InputFileError(
                f"{path}: speed table needs columns road_class and speed_kmh; missing {sorted(missing)} "
                f"(found {reader.fieldnames})"
            )
        table: dict[str, float] = {}
        for row_no, row in enumerate(reader, start=2):  # row 1 is the header
            table[_parse_class(row["road_class"], path, row_no)] = _parse_speed(
                row["speed_kmh"], path, row_no
            )
    return table


def _read_yaml(path: Path) -> dict[str, float]:
    """Read a YAML mapping {class: km/h} (or a list of {road_class, speed_kmh}) into {class: km/h}."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, list):
        data = {item.get("road_class"): item.get("speed_kmh") for item in data if isinstance(item, dict)}
    if not isinstance(data, dict):
        raise InputFileError(f"{path}: expected a mapping road_class: speed_kmh, e.g. 'primary: 55'")
    return {
        _parse_class(k, path, i): _parse_speed(v, path, i) for i, (k, v) in enumerate(data.items(), start=1)
    }


def _parse_class(value: object, path: Path, row: int) -> str:
    """A non-empty road-class name, stripped."""
    name = "" if value is None else str(value).strip()
    if not name:
        raise InputFileError(f"{path}, row {row}: empty road_class")
    return name


def _parse_speed(value: object, path: Path, row: int) -> float:
    """A positive finite speed in km/h."""
    try:
        speed = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputFileError(f"{path}, row {row}: speed_kmh {value!r} is not a number") from None
    if not np.isfinite(speed) or speed <= 0:
        raise InputFileError(f"{path}, row {row}: speed_kmh must be a positive number of km/h, got {value!r}")
    return speed


def load_speeds(path: str | Path | None = None) -> dict[str, float]:
    """Road-class → km/h from a CSV or YAML file (the packaged default table when ``path`` is None)."""
    path = DEFAULT_SPEEDS_CSV if path is None else Path(path)
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
        if not np.isfinite(uniform_speed_kmh) or uniform_speed_kmh <= 0:
            raise NetworkError(f"--uniform-speed must be a positive number of km/h, got {uniform_speed_kmh}")
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
