"""Checks of a scenario's inputs before any computing: a bad file or an impossible size fails in a second.

``spatial.scenario`` has checked the values; this reads what the files say about themselves, cheaply:
every named file exists and is of its kind, point files (facilities, candidate sites) are read and
checked row by row, a population GeoTIFF opens and overlaps the region (its pixels are not read), an
OSM extract fits in memory, the grid fits, and the candidate sites together stay within the cap.  So a
typo in row 9,000 of a candidate file, or 100,000 candidates, is refused before the network is built.
"""

from __future__ import annotations

from pathlib import Path

from spatial import candidates, facilities, osm, population
from spatial.errors import InputFileError, NetworkError
from spatial.regions import resolve
from spatial.scenario import Scenario, Source
from spatial.settings import MAX_CANDIDATES


def _network(src: Source) -> None:
    """The network source names a folder or file of its kind (and an extract that fits in memory)."""
    if src.kind in ("default", "place") or src.path is None:
        return
    path = Path(src.path)
    if src.kind == "saved":
        if not (path / "network.json").is_file():
            raise NetworkError(f"{path} does not hold a built network (network.json and arrays.npz); build one with "
                               "'healthplan network build … --out DIR'")
    elif src.kind == "edge_csv":
        if not path.exists():
            raise InputFileError(f"network source {path} not found")
    elif src.kind == "roads" and path.suffix.lower() == ".gdb":
        if not path.is_dir():
            raise InputFileError(f"road file {path} not found (a FileGDB is a folder)")
    elif not path.is_file():
        raise InputFileError(f"network source {path} {'is a folder, not a file' if path.is_dir() else 'not found'}")
    if src.kind == "pbf":
        osm.check_pbf_size(path)


def _points(src: Source | None, *, candidate: bool = False) -> int:
    """Read and check a file of points now (its errors name rows); the number of points (0 for no file)."""
    if src is None or src.kind != "file" or src.path is None:
        return 0
    datum = str(src.options.get("datum", "wgs84"))
    if candidate:
        return len(candidates.from_file(str(src.path), datum=datum))
    return len(facilities.read_facilities(str(src.path), datum=datum))


def check_inputs(s: Scenario) -> None:
    """Refuse, before any computing, a scenario whose files or sizes cannot work (HealthplanError naming them)."""
    region = resolve(s.region)
    population.check_grid_size(region, s.cell_m)
    _network(s.network)
    for src in (s.facilities, s.primary, s.emergency_sites, s.emergency_destinations):
        _points(src)
    if s.population.kind == "geotiff" and s.population.path is not None:
        population.check_geotiff(s.population.path, region)
    for sources, what in ((s.sites.sources, "sites to test"), (s.optimiser.pool if s.optimiser.runs else (), "pool")):
        n = sum(_points(src, candidate=True) for src in sources)
        if any(src.kind == "points" for src in sources) or what == "sites to test":
            n += len(s.sites.points)
        if any(src.kind == "gaps" for src in sources):
            n += s.sites.n_gaps
        if any(src.kind == "seats" for src in sources):
            n += len(region.counties)
        if n > MAX_CANDIDATES:
            raise InputFileError(
                f"{n:,} candidate sites ({what}) is more than the {MAX_CANDIDATES:,} one run can test (each costs one "
                "search); split the files, or lower the number of gap candidates")
