"""Scenarios: every input of one planning run (region, data, thresholds, candidate sites, optimiser) as a JSON file.

The app saves a scenario and the CLI (``healthplan scenario run FILE``) replays it through the very same
``run_scenario``, so both give the same figures.  The JSON carries ``schema`` and ``schema_version``;
a file of another schema or a newer version is refused with a message saying what to do.

Stages (each a plain function, so the app can cache them one by one):
``load_network`` → ``load_population`` → ``coverage_stage`` (1-hour circle, health circles, bands, gaps,
isochrones, travel-time surface) → ``candidate_stage`` (what-if of the user's sites) → ``optimise_stage``
(best k new sites over the gap candidates).  ``run_scenario`` chains them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial import settings
from spatial.errors import HealthplanError, InputFileError, NetworkError

log = logging.getLogger(__name__)

SCHEMA: str = "healthplan-scenario"
SCHEMA_VERSION: int = 1

#: Regions the app offers (layers.registry regions; coverage runs on the area below when one is set).
REGIONS: tuple[str, ...] = ("hainan", "yunnan", "yiyang", "haikou")

#: Where a whole province has a network only for part of it, coverage defaults to that part:
#: the only Yunnan road data here is Kunming's (roads/kunming_roads.gpkg), so Yunnan → 530100 昆明市.
DEFAULT_AREA: dict[str, str] = {"yunnan": "530100"}

#: Geofabrik per-province China extracts covering each region.
GEOFABRIK_PROVINCE: dict[str, str] = {"hainan": "hainan", "haikou": "hainan", "yunnan": "yunnan", "yiyang": "hunan"}
GEOFABRIK_URL: str = "https://download.geofabrik.de/asia/china/{province}-latest.osm.pbf"

NETWORK_KINDS: tuple[str, ...] = ("default", "saved", "roads", "pbf", "geofabrik", "osm_xml", "edge_csv", "place")
FACILITY_KINDS: tuple[str, ...] = ("default", "file")
POPULATION_KINDS: tuple[str, ...] = ("census", "geotiff")
METHODS: tuple[str, ...] = ("greedy", "exact")

Progress = Callable[[str, float | None], None]  # (message, fraction 0–1 or None)


def _quiet(message: str, fraction: float | None = None) -> None:
    """Default progress sink: the log."""
    log.info("%s", message)


# --------------------------------------------------------------------------------------------------
# The scenario
# --------------------------------------------------------------------------------------------------


@dataclass
class Source:
    """Where one input comes from: a kind, an optional file/folder path and builder options."""

    kind: str
    path: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Thresholds:
    """Plan thresholds in minutes."""

    tertiary_min: float = settings.TERTIARY_THRESHOLD_MIN
    urban_min: float = settings.URBAN_THRESHOLD_MIN
    rural_min: float = settings.RURAL_THRESHOLD_MIN
    bands_min: tuple[float, ...] = settings.BANDS_MIN
    isochrones_min: tuple[float, ...] = (15.0, 30.0, 60.0)


@dataclass
class Candidate:
    """A candidate hospital site (WGS84 degrees)."""

    name: str
    lon: float
    lat: float


@dataclass
class Optimiser:
    """Siting settings: k new sites (0 = do not run) at ``threshold_min`` over ``n_candidates`` gap points."""

    k: int = 0
    method: str = "greedy"
    threshold_min: float = settings.TERTIARY_THRESHOLD_MIN
    n_candidates: int = settings.GAP_CANDIDATES_N


@dataclass
class Scenario:
    """Every input of one run; ``data_dir`` None means HEALTHPLAN_DATA or settings.DATA_DIR."""

    region: str = "hainan"
    area: str | None = None  # sub-area (adcode) the coverage runs on; None → DEFAULT_AREA or the region
    name: str = ""
    data_dir: str | None = None
    network: Source = field(default_factory=lambda: Source("default"))
    facilities: Source = field(default_factory=lambda: Source("default", options={"kind": "tertiary"}))
    primary: Source = field(default_factory=lambda: Source("default", options={"kind": "primary"}))
    population: Source = field(default_factory=lambda: Source("census"))
    cell_m: float = settings.GRID_M
    thresholds: Thresholds = field(default_factory=Thresholds)
    candidates: list[Candidate] = field(default_factory=list)
    optimiser: Optimiser = field(default_factory=Optimiser)

    def coverage_area(self) -> str:
        """The region or adcode coverage is measured on."""
        return str(self.area or DEFAULT_AREA.get(self.region, self.region))


def to_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario as a JSON-ready dict with schema name and version first."""
    body = dataclasses.asdict(scenario)
    body["thresholds"]["bands_min"] = list(body["thresholds"]["bands_min"])
    body["thresholds"]["isochrones_min"] = list(body["thresholds"]["isochrones_min"])
    return {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, **body}


def key_of(*parts: Any) -> str:
    """Short stable hash of JSON-able parts (cache keys)."""
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _bad(where: str, message: str) -> InputFileError:
    """An InputFileError naming the scenario file."""
    return InputFileError(f"{where}: {message}")


def _source(raw: Any, *, what: str, kinds: Sequence[str], where: str) -> Source:
    """Validate one source entry."""
    if isinstance(raw, str):
        raw = {"kind": raw}
    if not isinstance(raw, Mapping) or "kind" not in raw:
        raise _bad(where, f"'{what}' must be an object with a 'kind' (one of {', '.join(kinds)}), got {raw!r}")
    if raw["kind"] not in kinds:
        raise _bad(where, f"'{what}.kind' is {raw['kind']!r}; use one of {', '.join(kinds)}")
    unknown = set(raw) - {"kind", "path", "options"}
    if unknown:
        raise _bad(where, f"'{what}' has unknown keys {sorted(unknown)}; allowed: kind, path, options")
    options = raw.get("options") or {}
    if not isinstance(options, Mapping):
        raise _bad(where, f"'{what}.options' must be an object, got {options!r}")
    path = raw.get("path")
    return Source(str(raw["kind"]), None if path in (None, "") else str(path), dict(options))


def _number(raw: Mapping, key: str, default: float, *, where: str, prefix: str, positive: bool = True) -> float:
    """A number from ``raw`` (or the default), positive unless told otherwise."""
    value = raw.get(key, default)
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise _bad(where, f"'{prefix}{key}' must be a number, got {value!r}") from None
    if not np.isfinite(value) or (positive and value <= 0):
        raise _bad(where, f"'{prefix}{key}' must be a positive number, got {value!r}")
    return value


def _minutes_list(raw: Mapping, key: str, default: Sequence[float], *, where: str) -> tuple[float, ...]:
    """A non-empty increasing list of positive minutes."""
    values = raw.get(key, list(default))
    if not isinstance(values, (list, tuple)) or not values:
        raise _bad(where, f"'thresholds.{key}' must be a non-empty list of minutes, got {values!r}")
    try:
        out = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise _bad(where, f"'thresholds.{key}' must hold numbers, got {values!r}") from None
    if any(v <= 0 for v in out) or list(out) != sorted(set(out)):
        raise _bad(where, f"'thresholds.{key}' must be increasing positive minutes, got {values!r}")
    return out


def from_dict(raw: Any, *, where: str = "scenario") -> Scenario:
    """Validate a scenario dict (as read from JSON); InputFileError naming the key and the fix."""
    if not isinstance(raw, Mapping):
        raise _bad(where, "a scenario file must hold one JSON object")
    if raw.get("schema") != SCHEMA:
        raise _bad(where, f"not a healthplan scenario (expected \"schema\": \"{SCHEMA}\", got {raw.get('schema')!r}); "
                          "save scenarios from the app or with save_scenario")
    version = raw.get("schema_version")
    if not isinstance(version, int) or version < 1:
        raise _bad(where, f"'schema_version' must be a whole number ≥ 1, got {version!r}")
    if version > SCHEMA_VERSION:
        raise _bad(where, f"written by a newer healthplan (schema_version {version}; this one reads ≤ {SCHEMA_VERSION}); "
                          "upgrade healthplan")
    known = {f.name for f in dataclasses.fields(Scenario)} | {"schema", "schema_version"}
    unknown = set(raw) - known
    if unknown:
        raise _bad(where, f"unknown keys {sorted(unknown)}; allowed: {', '.join(sorted(known))}")
    region = str(raw.get("region", "hainan")).strip().lower()
    if region not in REGIONS:
        raise _bad(where, f"'region' is {raw.get('region')!r}; use one of {', '.join(REGIONS)}")
    th = raw.get("thresholds") or {}
    if not isinstance(th, Mapping):
        raise _bad(where, "'thresholds' must be an object")
    d = Thresholds()
    thresholds = Thresholds(
        tertiary_min=_number(th, "tertiary_min", d.tertiary_min, where=where, prefix="thresholds."),
        urban_min=_number(th, "urban_min", d.urban_min, where=where, prefix="thresholds."),
        rural_min=_number(th, "rural_min", d.rural_min, where=where, prefix="thresholds."),
        bands_min=_minutes_list(th, "bands_min", d.bands_min, where=where),
        isochrones_min=_minutes_list(th, "isochrones_min", d.isochrones_min, where=where),
    )
    cands = raw.get("candidates") or []
    if not isinstance(cands, list):
        raise _bad(where, "'candidates' must be a list of {name, lon, lat}")
    candidates = []
    for i, c in enumerate(cands, start=1):
        if not isinstance(c, Mapping) or "lon" not in c or "lat" not in c:
            raise _bad(where, f"candidate {i} must be an object with lon and lat (WGS84 degrees), got {c!r}")
        lon = _number(c, "lon", 0, where=where, prefix=f"candidates[{i}].", positive=False)
        lat = _number(c, "lat", 0, where=where, prefix=f"candidates[{i}].", positive=False)
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise _bad(where, f"candidate {i}: lon {lon}, lat {lat} are not WGS84 degrees (lon −180…180, lat −90…90)")
        candidates.append(Candidate(str(c.get("name") or f"site {i}"), lon, lat))
    opt = raw.get("optimiser") or {}
    if not isinstance(opt, Mapping):
        raise _bad(where, "'optimiser' must be an object")
    k = opt.get("k", 0)
    if not isinstance(k, int) or isinstance(k, bool) or k < 0:
        raise _bad(where, f"'optimiser.k' must be a whole number ≥ 0 (0 = do not optimise), got {k!r}")
    method = opt.get("method", "greedy")
    if method not in METHODS:
        raise _bad(where, f"'optimiser.method' is {method!r}; use one of {', '.join(METHODS)}")
    n_cand = opt.get("n_candidates", settings.GAP_CANDIDATES_N)
    if not isinstance(n_cand, int) or n_cand < 1:
        raise _bad(where, f"'optimiser.n_candidates' must be a whole number ≥ 1, got {n_cand!r}")
    optimiser = Optimiser(
        k=k, method=method, n_candidates=n_cand,
        threshold_min=_number(opt, "threshold_min", thresholds.tertiary_min, where=where, prefix="optimiser."),
    )
    area = raw.get("area")
    return Scenario(
        region=region,
        area=None if area in (None, "") else str(area),
        name=str(raw.get("name") or ""),
        data_dir=None if raw.get("data_dir") in (None, "") else str(raw["data_dir"]),
        network=_source(raw.get("network", {"kind": "default"}), what="network", kinds=NETWORK_KINDS, where=where),
        facilities=_source(raw.get("facilities", {"kind": "default", "options": {"kind": "tertiary"}}),
                           what="facilities", kinds=FACILITY_KINDS, where=where),
        primary=_source(raw.get("primary", {"kind": "default", "options": {"kind": "primary"}}),
                        what="primary", kinds=FACILITY_KINDS, where=where),
        population=_source(raw.get("population", {"kind": "census"}), what="population", kinds=POPULATION_KINDS,
                           where=where),
        cell_m=_number(raw, "cell_m", settings.GRID_M, where=where, prefix=""),
        thresholds=thresholds,
        candidates=candidates,
        optimiser=optimiser,
    )


def save_scenario(scenario: Scenario, path: str | Path) -> Path:
    """Write the scenario as pretty UTF-8 JSON; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_dict(scenario), ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def dumps(scenario: Scenario) -> str:
    """The scenario's JSON text (what save_scenario writes)."""
    return json.dumps(to_dict(scenario), ensure_ascii=False, indent=2)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; relative paths inside it are taken from the file's folder."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: scenario file not found")
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: not a UTF-8 text file; a scenario is JSON saved by healthplan") from None
    scenario = from_dict(raw, where=str(path))
    base = path.resolve().parent
    for src in (scenario.network, scenario.facilities, scenario.primary, scenario.population):
        if src.path and not Path(src.path).is_absolute() and src.kind != "place":
            src.path = str(base / src.path)
    if scenario.data_dir and not Path(scenario.data_dir).is_absolute():
        scenario.data_dir = str(base / scenario.data_dir)
    return scenario


# --------------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------------


def data_folder(scenario: Scenario | None = None) -> Path:
    """The data folder: the scenario's, else HEALTHPLAN_DATA (read now), else settings.DATA_DIR."""
    if scenario is not None and scenario.data_dir:
        return Path(scenario.data_dir)
    env = os.environ.get("HEALTHPLAN_DATA")
    return Path(env) if env else Path(settings.DATA_DIR)


def region_of(scenario: Scenario) -> Any:
    """The Region coverage runs on (the area, else the region)."""
    from spatial import regions

    return regions.resolve(scenario.coverage_area())


def geofabrik_url(region: str) -> str:
    """Geofabrik URL of the province extract holding ``region``."""
    if region not in GEOFABRIK_PROVINCE:
        raise NetworkError(f"no Geofabrik province known for region {region!r}; use one of {', '.join(GEOFABRIK_PROVINCE)}")
    return GEOFABRIK_URL.format(province=GEOFABRIK_PROVINCE[region])


def geofabrik_path(region: str, data_dir: str | Path) -> Path:
    """Where a downloaded province extract lives in the data folder: osm/<province>-latest.osm.pbf."""
    return Path(data_dir) / "osm" / f"{GEOFABRIK_PROVINCE[region]}-latest.osm.pbf"


def download(url: str, dest: str | Path, *, progress: Progress = _quiet, chunk_bytes: int = 1 << 20,
             timeout_s: float = 60.0) -> Path:
    """Download ``url`` to ``dest`` (via a .part file) reporting the fraction done; NetworkError if it fails."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp, part.open("wb") as out:
            total = int(resp.headers.get("Content-Length") or 0)
            done = 0
            while True:
                block = resp.read(chunk_bytes)
                if not block:
                    break
                out.write(block)
                done += len(block)
                frac = done / total if total else None
                progress(f"downloaded {done / 1e6:.0f} MB" + (f" of {total / 1e6:.0f} MB" if total else ""), frac)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise NetworkError(
            f"could not download {url} ({exc}). Check the internet connection, or download the file by hand "
            f"and put it at {dest}"
        ) from None
    os.replace(part, dest)
    return dest


def default_network_available(scenario: Scenario) -> bool:
    """True when the scenario's network can be had without the internet (file present or default data)."""
    from spatial import datafolder

    src = scenario.network
    if src.kind == "place":
        return False
    if src.kind == "geofabrik":
        return geofabrik_path(scenario.region, data_folder(scenario)).is_file()
    if src.kind != "default":
        return bool(src.path) and Path(src.path).exists()
    try:
        datafolder.network_path(scenario.coverage_area(), data_dir=data_folder(scenario))
        return True
    except NetworkError:
        return geofabrik_path(scenario.region, data_folder(scenario)).is_file()


def network_key(scenario: Scenario) -> str:
    """Cache key of the scenario's network (source, data folder, region)."""
    return key_of(dataclasses.asdict(scenario.network), str(data_folder(scenario)), scenario.coverage_area())


def load_network(scenario: Scenario, *, progress: Progress = _quiet) -> Any:
    """The scenario's road network (built once then loaded from the disk cache); NetworkError if none."""
    from spatial import datafolder
    from spatial import netcache
    from spatial import network as nw

    src, data_dir = scenario.network, data_folder(scenario)
    opts = dict(src.options)
    if src.kind == "default":
        try:
            return datafolder.default_network(scenario.coverage_area(), data_dir=data_dir)
        except NetworkError:
            pbf = geofabrik_path(scenario.region, data_dir) if scenario.region in GEOFABRIK_PROVINCE else None
            if pbf is None or not pbf.is_file():
                raise
            src = Source("geofabrik")
    if src.kind == "saved":
        return nw.load(_need_path(src, "network"))
    if src.kind == "geofabrik":
        pbf = geofabrik_path(scenario.region, data_dir)
        if not pbf.is_file():
            progress(f"downloading {geofabrik_url(scenario.region)}", 0.0)
            download(geofabrik_url(scenario.region), pbf, progress=progress)
        region = region_of(scenario)
        progress(f"building the driving network from {pbf.name} (clipped to {region.name_zh}); first time only", None)
        return netcache.cached_network("pbf", pbf, bounding_box=[float(v) for v in region.bbox], **opts)
    if src.kind == "pbf":
        opts.setdefault("bounding_box", [float(v) for v in region_of(scenario).bbox])
        return netcache.cached_network("pbf", _need_path(src, "network"), **opts)
    if src.kind == "place":
        name = src.path or opts.pop("place", None)
        if not name:
            raise InputFileError("a 'place' network needs the place name in 'path' (e.g. \"Yiyang, Hunan, China\")")
        progress(f"downloading the road network of {name} from Overpass", None)
        return netcache.cached_network("place", str(name), **opts)
    if src.kind == "roads":
        if "class_field" not in opts:
            raise InputFileError(f"{src.path}: road lines need options.class_field (the road-class column)")
        return netcache.cached_network("roads", _need_path(src, "network"), **opts)
    if src.kind in ("osm_xml", "edge_csv"):
        return netcache.cached_network(src.kind, _need_path(src, "network"), **opts)
    raise NetworkError(f"unknown network kind {src.kind!r}; use one of {', '.join(NETWORK_KINDS)}")


def _need_path(src: Source, what: str) -> str:
    """The source's path, or an error saying it is needed."""
    if not src.path:
        raise InputFileError(f"the {what} source of kind {src.kind!r} needs a 'path'")
    return src.path


def load_facilities(src: Source, region: Any) -> gpd.GeoDataFrame:
    """Facilities of a source: the region's defaults (options.kind) or a file (options.datum)."""
    from spatial import facilities as fm

    if src.kind == "default":
        return fm.default_facilities(region, kind=str(src.options.get("kind", "tertiary")))
    frame = fm.read_facilities(_need_path(src, "facilities"), datum=str(src.options.get("datum", "wgs84")))
    frame.attrs["source"] = src.path
    return frame


def load_population(scenario: Scenario, region: Any, net: Any) -> Any:
    """The population grid: 2020 census spread on the network, or a GeoTIFF warped onto the region's grid."""
    from spatial import population

    if scenario.population.kind == "geotiff":
        return population.read_geotiff(_need_path(scenario.population, "population"), region, cell_m=scenario.cell_m)
    return population.from_census(region, network=net, cell_m=scenario.cell_m)


# --------------------------------------------------------------------------------------------------
# Stages
# --------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class CoverageStage:
    """Today's coverage: the tertiary report (layers, county table, summary), health circles, surface."""

    report: Any  # spatial.coverage.Report
    health: Any  # spatial.coverage.Coverage (15/30-minute circles to primary care)
    primary_minutes: np.ndarray
    surface: gpd.GeoDataFrame  # travel-time band polygons


def coverage_stage(scenario: Scenario, net: Any, grid: Any, region: Any, facilities: gpd.GeoDataFrame,
                   primary: gpd.GeoDataFrame, *, progress: Progress = _quiet) -> CoverageStage:
    """1-hour tertiary circle, bands, gaps, isochrones; 15/30-minute health circles to primary care; surface."""
    from spatial import coverage, traveltime
    from spatial import facilities as fm
    from spatial.report import band_polygons

    if len(facilities) == 0:
        raise InputFileError("no facilities to measure coverage from; upload a facilities file")
    # a file in the wrong datum or region would otherwise snap hundreds of km onto the network, silently
    fm.check_on_network(facilities, net)
    if len(primary):
        fm.check_on_network(primary, net)
    th = scenario.thresholds
    def say(msg: str) -> None:
        progress(msg, None)

    report = coverage.report(
        net, facilities, grid, counties=region.counties, threshold_min=th.tertiary_min, bands_min=th.bands_min,
        isochrone_min=th.isochrones_min, clip=region.outline, progress=say,
    )
    counties = pd.DataFrame(region.counties)[["adcode", "name_zh", "name_en"]]
    if len(primary):
        p_minutes = coverage.cell_minutes(net, grid, *traveltime.point_lonlat(primary))
    else:
        p_minutes = np.full(grid.n_cells, np.inf)
    health = coverage.health_circles_from_minutes(
        grid, p_minutes, urban_threshold_min=th.urban_min, rural_threshold_min=th.rural_min, counties=counties
    )
    surface = band_polygons(grid, report.minutes, th.bands_min)
    return CoverageStage(report, health, p_minutes, surface)


@dataclass(eq=False)
class CandidateStage:
    """The user's candidate sites: checks (status, reason), what-if gains and their own isochrones."""

    sites: gpd.GeoDataFrame  # name, geometry, node, snap_m, access_min, status, reason, new_population_<T>min
    combined: pd.DataFrame  # threshold_min, covered_population_before, new_population (all ok sites together)
    by_county: pd.DataFrame
    isochrones: gpd.GeoDataFrame


def candidates_frame(candidates: Sequence[Candidate]) -> gpd.GeoDataFrame:
    """Candidate sites as a WGS84 point frame (name, geometry)."""
    return gpd.GeoDataFrame(
        {"name": [c.name for c in candidates]},
        geometry=gpd.points_from_xy([c.lon for c in candidates], [c.lat for c in candidates]),
        crs="EPSG:4326",
    )


def site_cells(net: Any, grid: Any, facilities: gpd.GeoDataFrame) -> Any:
    """Cells as siting sees them (today's minutes to the facilities)."""
    from spatial import siting

    return siting.site_cells(net, grid, facilities)


def candidate_stage(scenario: Scenario, net: Any, cells: Any, region: Any) -> CandidateStage:
    """Check the scenario's candidate sites and compute each one's new coverage and isochrones (what-if)."""
    from spatial import siting, sitestudy

    thresholds = sorted({*scenario.thresholds.isochrones_min, scenario.thresholds.tertiary_min})
    study = sitestudy.evaluate_sites(net, cells, candidates_frame(scenario.candidates), region=region,
                                     threshold_min=scenario.thresholds.tertiary_min, thresholds_min=thresholds)
    if not study.ok.any():
        empty_iso = gpd.GeoDataFrame({"facility": [], "name": [], "threshold_min": []}, geometry=[], crs="EPSG:4326")
        return CandidateStage(study.sites, pd.DataFrame(), pd.DataFrame(), empty_iso)
    pts = study.sites[study.ok]
    iso = siting.what_if_isochrones(net, pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy(),
                                    thresholds_min=scenario.thresholds.isochrones_min,
                                    names=[str(n) for n in pts["name"]])
    return CandidateStage(study.sites, study.combined, study.by_county, iso)


@dataclass(eq=False)
class OptimiseStage:
    """The optimiser's pick: result (spatial.siting.SitingResult) and the chosen sites as points."""

    result: Any
    sites: gpd.GeoDataFrame  # rank, name, gain_population, geometry
    candidates_considered: int
    candidates_rejected: int


def optimise_stage(scenario: Scenario, net: Any, grid: Any, cells: Any, region: Any, *,
                   progress: Progress = _quiet) -> OptimiseStage:
    """Best ``optimiser.k`` new sites among gap candidates plus the user's sites (sitestudy.choose_sites)."""
    from spatial import siting, sitestudy

    opt = scenario.optimiser
    if opt.k < 1:
        raise HealthplanError("the optimiser needs k ≥ 1 new sites")
    progress("generating candidate points over the coverage gaps", 0.0)
    gaps = siting.candidates_from_gaps(grid, cells.current_min, threshold_min=opt.threshold_min, n=opt.n_candidates)
    own = candidates_frame(scenario.candidates).assign(source="user")
    pool = pd.concat([gaps, own], ignore_index=True) if len(own) else gaps
    pool = gpd.GeoDataFrame(pool, geometry="geometry", crs="EPSG:4326")
    choice = sitestudy.choose_sites(
        net, cells, pool, region=region, threshold_min=opt.threshold_min, k=opt.k, method=opt.method,
        progress=lambda done, total: progress(f"searched from {done} of {total} candidate sites",
                                              0.1 + 0.8 * done / total),
    )
    chosen = choice.chosen
    sites = gpd.GeoDataFrame(
        {"rank": chosen["order"].to_numpy(), "name": chosen["name"].astype(str),
         "source": chosen.get("source", pd.Series(["gaps"] * len(chosen))).fillna("gaps").astype(str),
         "gain_population": chosen["gain_population"].to_numpy(), "snap_m": chosen["snap_m"].to_numpy()},
        geometry=chosen.geometry.values, crs="EPSG:4326",
    )
    checked = choice.candidates
    result = choice.result
    progress("optimiser done", 1.0)
    return OptimiseStage(result, sites, len(checked), int((checked["status"] != "ok").sum()))


# --------------------------------------------------------------------------------------------------
# The whole run
# --------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class ScenarioResults:
    """Everything one scenario run produced, with the provenance every export carries."""

    scenario: Scenario
    region: Any
    network: Any
    grid: Any
    facilities: gpd.GeoDataFrame
    primary: gpd.GeoDataFrame
    coverage: CoverageStage
    candidates: CandidateStage | None
    optimised: OptimiseStage | None
    provenance: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        """JSON-ready headline figures (the CLI's one-line output)."""
        return summary_of(self)

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """Every result layer (WGS84) keyed by export name."""
        return result_layers(self)


def summary_of(res: ScenarioResults) -> dict[str, Any]:
    """Headline figures of a run: population, covered (1 h), shares of the 15/30 circles, candidates, optimiser."""
    s = res.coverage.report.summary
    hc = res.coverage.health.total
    out: dict[str, Any] = {
        "scenario": res.scenario.name,
        "region": res.scenario.region,
        "area": res.region.name,
        "population_total": round(float(s["population_total"])),
        "covered_population": round(float(s["covered_population"])),
        "covered_share": round(float(s["covered_share"]), 4),
        "threshold_min": float(s["threshold_min"]),
        "urban_share_15min": round(float(hc["urban_share"]), 4),
        "rural_share_30min": round(float(hc["rural_share"]), 4),
        "health_circle_share": round(float(hc["covered_share"]), 4),
        "gap_clusters": int(s["gaps"]["clusters"]),
        "facilities": len(res.facilities),
    }
    if res.candidates is not None and not res.candidates.combined.empty:
        comb = res.candidates.combined.set_index("threshold_min")
        t = float(res.scenario.thresholds.tertiary_min)
        if t in comb.index:
            new = float(comb.loc[t, "new_population"])
            out["candidates_new_population"] = round(new)
            out["covered_population_with_candidates"] = round(float(s["covered_population"]) + new)
            out["covered_share_with_candidates"] = round((float(s["covered_population"]) + new)
                                                         / float(s["population_total"]), 4)
    if res.candidates is not None:
        out["candidates"] = len(res.candidates.sites)
        out["candidates_ok"] = int((res.candidates.sites["status"] == "ok").sum())
    if res.optimised is not None:
        r = res.optimised.result
        out["optimiser"] = {
            "k": int(r.chosen.size), "method": r.method, "threshold_min": float(r.threshold_min),
            "covered_population_after": round(float(r.covered_after)), "covered_share_after": round(r.share_after, 4),
            "sites": [str(n) for n in res.optimised.sites["name"]],
        }
    return out


def result_layers(res: ScenarioResults) -> dict[str, gpd.GeoDataFrame]:
    """Every result layer keyed by export name (cells, counties, gaps, isochrones, facilities, surface, …)."""
    layers = dict(res.coverage.report.layers)
    layers["surface"] = res.coverage.surface
    if len(res.primary):
        layers["primary_care"] = res.primary.to_crs("EPSG:4326")
    if res.candidates is not None and len(res.candidates.sites):
        layers["candidates"] = res.candidates.sites.drop(columns=["node"], errors="ignore")
        if len(res.candidates.isochrones):
            layers["candidate_isochrones"] = res.candidates.isochrones
    if res.optimised is not None:
        layers["optimised_sites"] = res.optimised.sites
    return layers


def _source_text(source: Any) -> str:
    """A network's source as one readable line (file path, or place name)."""
    if isinstance(source, Mapping):
        return str(source.get("path") or source.get("place") or json.dumps(source, ensure_ascii=False, default=str))
    return str(source)


def provenance_of(scenario: Scenario, region: Any, net: Any, grid: Any, facilities: gpd.GeoDataFrame,
                  primary: gpd.GeoDataFrame) -> dict[str, Any]:
    """Provenance record of a run: the scenario, sources, method, thresholds, network and population notes."""
    from spatial import export

    return export.make_provenance(
        scenario=to_dict(scenario),
        region={"name": region.name, "name_zh": region.name_zh, "adcode": region.adcode},
        data_dir=str(data_folder(scenario)),
        sources={
            "network": _source_text(net.provenance.get("source", scenario.network.kind)),
            "facilities": scenario.facilities.path or f"default {scenario.facilities.options.get('kind', 'tertiary')} "
                                                      "facilities (data/facilities, named hospitals)",
            "primary_care": scenario.primary.path or "county seats as stand-ins for primary care (data/facilities/"
                                                     "county_seats.csv) — not real clinic locations",
            "population": scenario.population.path or grid.provenance.get("source", "2020 census"),
        },
        method=(
            "cell centre → nearest road node on an access leg (straight line × detour factor at the access speed) + "
            "shortest network time + the facility's access leg; a cell counts as covered when its centre is within "
            "the threshold; gaps = connected populated cells beyond it; isochrones = contours of the same model"
        ),
        assumptions={
            "detour_factor": settings.DETOUR_FACTOR, "access_kmh": settings.ACCESS_SPEED_KMH,
            "cell_m": float(grid.cell_m), "max_road_m_for_candidates": settings.MAX_ROAD_M,
        },
        thresholds_min=dataclasses.asdict(scenario.thresholds),
        facilities_count={"tertiary": len(facilities), "primary": len(primary)},
        network=net.provenance,
        population=grid.provenance,
    )


def run_scenario(scenario: Scenario, *, progress: Progress = _quiet, network: Any = None,
                 grid: Any = None) -> ScenarioResults:
    """Run a scenario end to end (network, population, coverage, candidates, optimiser); inputs may be given."""
    t0 = time.perf_counter()
    region = region_of(scenario)
    progress(f"region {region.name_zh} ({region.name}), {len(region.counties)} county-level units", 0.0)
    net = network if network is not None else load_network(scenario, progress=progress)
    progress(f"network: {net.n_nodes:,} nodes, {net.n_edges:,} edges", 0.1)
    facilities = load_facilities(scenario.facilities, region)
    primary = load_facilities(scenario.primary, region)
    grid = grid if grid is not None else load_population(scenario, region, net)
    progress(f"population: {grid.n_cells:,} cells, {float(grid.pop.sum()):,.0f} persons", 0.2)
    cov = coverage_stage(scenario, net, grid, region, facilities, primary, progress=progress)
    cells = None
    cand = None
    if scenario.candidates or scenario.optimiser.k > 0:
        cells = site_cells(net, grid, facilities)
    if scenario.candidates:
        progress(f"testing {len(scenario.candidates)} candidate sites", 0.6)
        cand = candidate_stage(scenario, net, cells, region)
    opt = None
    if scenario.optimiser.k > 0:
        opt = optimise_stage(scenario, net, grid, cells, region, progress=progress)
    prov = provenance_of(scenario, region, net, grid, facilities, primary)
    progress(f"scenario done in {time.perf_counter() - t0:.1f} s", 1.0)
    return ScenarioResults(scenario, region, net, grid, facilities, primary, cov, cand, opt, prov)
