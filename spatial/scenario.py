"""A scenario: every input of one planning run as one value, saved and read as JSON.

Every front end writes one: the app from its widgets, each CLI command from its flags, ``healthplan
scenario run`` from a file; ``spatial.pipeline`` runs it.  Validation happens here, once, at the
boundary: every value is checked against a stated range and a bad one is refused with a sentence that
names the key and the fix.  Paths in a scenario are plain local files of the expected kind (no URL, no
GDAL virtual path), so replaying a scenario never makes a network request.

Schema version 2 (version 1 files, with ``region`` + ``area``, are read and upgraded).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spatial import settings
from spatial.capacity import ORDERS as CAPACITY_ORDERS
from spatial.coords import DATUMS
from spatial.errors import HealthplanError, InputFileError, OptionError
from spatial.facilities import KINDS as FACILITY_DEFAULT_KINDS
from spatial.fca import DECAYS as FCA_DECAYS
from spatial.reach import WEIGHTS
from spatial.regions import resolve
from spatial.siting import METHODS

SCHEMA: str = "healthplan-scenario"
SCHEMA_VERSION: int = 2

NETWORK_KINDS: tuple[str, ...] = ("default", "saved", "roads", "pbf", "osm_xml", "edge_csv", "place")
FACILITY_KINDS: tuple[str, ...] = ("default", "file")
POPULATION_KINDS: tuple[str, ...] = ("census", "geotiff")
#: Where candidate sites come from: the scenario's own points, the plans' candidate sites, county seats,
#: points over today's coverage gaps, or a file.
CANDIDATE_SOURCES: tuple[str, ...] = ("points", "plan", "seats", "gaps", "file")

#: Ranges every number is checked against (inclusive), with the unit said in messages.
RANGES: dict[str, tuple[float, float, str]] = {
    "threshold": (1.0, 600.0, "minutes"),
    "cell_m": (*settings.CELL_M_RANGE, "metres"),
    "max_road_m": (1.0, 50_000.0, "metres"),
    "time_limit_s": (1.0, 3_600.0, "seconds"),
    "target_share": (1e-6, 1.0, "share of the population (0–1)"),
    # access analyses
    "persons_per_unit": (1e-6, 1e9, "persons per unit"),
    "units": (0.0, 1e7, "units of the capacity column (beds, doctors, nurses or persons)"),
    "band_min": (0.0, 60.0, "minutes (1 = whole minutes, 0 = exact times)"),
    "sigma_min": (0.1, 600.0, "minutes"),
    "budget": (0.0, 1e15, "cost units"),
    "snap_m": (0.0, 2_000.0, "metres"),
    "speed_kmh": (*settings.SPEED_RANGE_KMH, "km/h"),
}

#: Options each kind of source takes (anything else is refused, naming these): the builders' keyword
#: arguments for networks, the datum for files of points, the default set for facilities.
SOURCE_OPTIONS: dict[str, tuple[str, ...]] = {
    "default": ("kind",), "saved": (), "census": (), "geotiff": (),
    "roads": ("class_field", "layer", "oneway_field", "snap_m", "uniform_speed_kmh", "speeds", "datum", "t_junctions"),
    "pbf": ("speeds", "uniform_speed_kmh"), "osm_xml": ("speeds", "uniform_speed_kmh"),
    "place": ("speeds", "uniform_speed_kmh"), "edge_csv": ("datum", "speed_kmh", "speeds"),
    "file": ("datum",), "points": (), "plan": (), "seats": (), "gaps": (),
}

#: Capacity columns the access analyses read: scenario value → facility-file column (spatial.facilities).
CAPACITY_COLUMNS: dict[str, str] = {"beds": "beds", "doctors": "doctors", "nurses": "nurses",
                                    "persons": "capacity_persons"}
#: Supplies of the floating-catchment scores: a capacity column, or ``count`` (1 per facility).
FCA_SUPPLIES: tuple[str, ...] = (*CAPACITY_COLUMNS, "count")
FCA_METHODS: tuple[str, ...] = ("2sfca", "e2sfca")
SCALING_METHODS: tuple[str, ...] = ("exact", "greedy")

#: Suffixes a file of each kind may have.
SUFFIXES: dict[str, tuple[str, ...]] = {
    "roads": (".gpkg", ".shp", ".geojson", ".json", ".gdb", ".fgb"),
    "pbf": (".pbf",),
    "osm_xml": (".osm", ".xml"),
    "geotiff": (".tif", ".tiff"),
    "file": (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".geojson", ".json", ".gpkg"),
    "speeds": (".csv", ".txt", ".yaml", ".yml"),
}


@dataclass(frozen=True)
class Source:
    """Where one input comes from: a kind, an optional file/folder path (or place name) and builder options."""

    kind: str
    path: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Thresholds:
    """Plan thresholds in minutes."""

    tertiary_min: float = settings.TERTIARY_THRESHOLD_MIN
    urban_min: float = settings.URBAN_THRESHOLD_MIN
    rural_min: float = settings.RURAL_THRESHOLD_MIN
    emergency_min: float = settings.EMERGENCY_THRESHOLD_MIN
    bands_min: tuple[float, ...] = settings.BANDS_MIN
    isochrones_min: tuple[float, ...] = settings.ISOCHRONES_MIN


@dataclass(frozen=True)
class Candidate:
    """A candidate hospital site (WGS84 degrees)."""

    name: str
    lon: float
    lat: float


@dataclass(frozen=True)
class Sites:
    """Candidate sites to test: the scenario's own points plus sources (plan, seats, gaps or files)."""

    points: tuple[Candidate, ...] = ()
    sources: tuple[Source, ...] = ()  # kinds: plan | seats | gaps | file
    n_gaps: int = settings.GAP_CANDIDATES_N
    max_road_m: float = settings.MAX_ROAD_M
    weight: str = "pop"  # whom to count: pop, urban, rural or pop60

    @property
    def any(self) -> bool:
        """True when there is something to test."""
        return bool(self.points) or bool(self.sources)


@dataclass(frozen=True)
class Optimiser:
    """Optimal siting: k new sites (or the fewest reaching ``target_share``) chosen from a pool of candidates."""

    k: int = 0  # 0 with no target_share = do not run
    target_share: float | None = None
    method: str = "greedy"
    pool: tuple[Source, ...] = (Source("gaps"), Source("points"))
    time_limit_s: float = settings.SOLVER_TIME_LIMIT_S

    @property
    def runs(self) -> bool:
        """True when the scenario asks for optimal sites."""
        return self.k > 0 or self.target_share is not None


@dataclass(frozen=True)
class CapacityAnalysis:
    """Capacity-aware coverage (AccessMod): who is served, by which facility, who is over capacity or beyond reach."""

    column: str = "beds"  # a key of CAPACITY_COLUMNS
    persons_per_unit: float | None = None  # None: settings.PERSONS_PER_UNIT[column]
    assumed_units: float | None = None  # units of a facility with no value; None: settings.ASSUMED_UNITS (announced)
    threshold_min: float | None = None  # None: thresholds.tertiary_min
    order: str = "demand"  # facility processing order: demand | capacity | given
    band_min: float = 1.0  # travel-time zones taken whole (1 = AccessMod's whole minutes, 0 = exact times)


@dataclass(frozen=True)
class FcaAnalysis:
    """Two-step floating catchment scores (2SFCA / E2SFCA) per cell and county."""

    method: str = "e2sfca"  # 2sfca | e2sfca
    decay: str | None = None  # none | step (Luo & Qi's 1, 0.68, 0.22 on thirds) | gaussian; None: the method's own
    #                           (none for 2sfca, step for e2sfca)
    catchment_min: float | None = None  # None: thresholds.tertiary_min
    sigma_min: float | None = None  # Gaussian width; None: settings.GAUSSIAN_SIGMA_SHARE × catchment
    supply: str = "beds"  # a key of CAPACITY_COLUMNS, or count
    assumed_units: float | None = None  # as in CapacityAnalysis


@dataclass(frozen=True)
class ReferralAnalysis:
    """Minutes along primary care → county hospital → tertiary hospital (primary = the scenario's primary care)."""

    county_hospitals: Source = Source("default", options={"kind": "county_hospital"})  # default: county-seat stand-ins
    limit_min: float | None = None  # searches stop here; None: no limit


@dataclass(frozen=True)
class ScalingAnalysis:
    """New sites with capacity: the best k, the fewest to a target share served, or the most served within a budget."""

    k: int = 0
    target_share: float | None = None
    budget: float | None = None  # in the candidates' cost unit (their cost column, else DEFAULT_SITE_COST each)
    pool: tuple[Source, ...] = (Source("gaps"),)
    candidate_units: float | None = None  # capacity of a new site in the capacity column's units; None: assumed units
    method: str = "exact"  # exact (HiGHS MILP, greedy warm start) | greedy
    time_limit_s: float = settings.SOLVER_TIME_LIMIT_S


@dataclass(frozen=True)
class Access:
    """The access analyses a scenario asks for; each is off (None) unless asked."""

    capacity: CapacityAnalysis | None = None
    fca: FcaAnalysis | None = None
    referral: ReferralAnalysis | None = None
    scaling: ScalingAnalysis | None = None

    @property
    def any(self) -> bool:
        """True when any analysis is asked for."""
        return any(x is not None for x in (self.capacity, self.fca, self.referral, self.scaling))


@dataclass(frozen=True)
class Scenario:
    """Every input of one run; ``data_dir`` None means $HEALTHPLAN_DATA or ../shared/data."""

    region: str = "hainan"  # what coverage is measured on: a region name or a prefecture/county adcode
    name: str = ""
    data_dir: str | None = None
    network: Source = Source("default")
    facilities: Source = Source("default", options={"kind": "tertiary"})  # the 1-hour circle's hospitals
    primary: Source = Source("default", options={"kind": "primary"})  # the 15/30-minute circles' points
    population: Source = Source("census")
    emergency_sites: Source | None = None  # named sites of the emergency circle (default: the plan's)
    emergency_destinations: Source | None = None  # emergency stations (default: the facilities, a stand-in)
    cell_m: float = settings.GRID_M
    thresholds: Thresholds = Thresholds()
    per_facility_isochrones: bool = False
    sites: Sites = Sites()
    optimiser: Optimiser = Optimiser()
    access: Access = Access()
    resources: Source | None = None  # a facility file with capacities, measured against the plans' targets

    def data_folder(self) -> Path:
        """The data folder this scenario reads: its own, else $HEALTHPLAN_DATA, else ../shared/data."""
        return Path(self.data_dir) if self.data_dir else settings.data_dir()


# --------------------------------------------------------------------------------------------------
# to JSON


def to_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario as a JSON-ready dict with schema name and version first."""
    body = json.loads(json.dumps(dataclasses.asdict(scenario), default=list))
    return {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, **body}


def dumps(scenario: Scenario) -> str:
    """The scenario's JSON text (what ``save_scenario`` writes)."""
    return json.dumps(to_dict(scenario), ensure_ascii=False, indent=2)


def save_scenario(scenario: Scenario, path: str | Path) -> Path:
    """Write the scenario as UTF-8 JSON (aside, then moved into place); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(dumps(scenario), encoding="utf-8")
    tmp.replace(path)
    return path


# --------------------------------------------------------------------------------------------------
# from JSON: validation at the boundary


class _Reader:
    """Validates one scenario dict; every error names the file and the key (or the option a front end maps it to)."""

    def __init__(self, where: str, base: Path | None, names: Mapping[str, str] | None = None) -> None:
        self.where, self.base, self.names = where, base, names

    def bad(self, key: str, message: str) -> HealthplanError:
        """An error naming the key — as a front end's option when it gave ``names`` — and what is wrong."""
        if self.names is not None:
            label = self.names.get(key) or self.names.get(key.split("[")[0]) or f"'{key}'"
            return OptionError(f"{label} {message}")
        return InputFileError(f"{self.where}: '{key}' {message}")

    def mapping(self, raw: Any, key: str) -> Mapping[str, Any]:
        """An object (or an empty one for null)."""
        if raw is None:
            return {}
        if not isinstance(raw, Mapping):
            raise self.bad(key, f"must be an object, got {type(raw).__name__}")
        return raw

    def keys(self, raw: Mapping[str, Any], key: str, allowed: Sequence[str]) -> None:
        """Refuse unknown keys, listing the allowed ones."""
        unknown = sorted(set(raw) - set(allowed))
        if unknown:
            raise self.bad(key or "scenario", f"has unknown keys {unknown}; allowed: {', '.join(allowed)}")

    def number(self, raw: Mapping[str, Any], key: str, default: float, what: str, prefix: str = "") -> float:
        """A finite number within RANGES[what]."""
        value = raw.get(key, default)
        lo, hi, unit = RANGES[what]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self.bad(prefix + key, f"must be a number of {unit} in {lo:g}…{hi:g}, got {value!r}")
        if not lo <= value <= hi:
            raise self.bad(prefix + key, f"must be in {lo:g}…{hi:g} {unit}, got {value:g}")
        return float(value)

    def optional(self, raw: Mapping[str, Any], key: str, what: str, prefix: str = "") -> float | None:
        """A number within RANGES[what], or None when absent or null."""
        return None if raw.get(key) is None else self.number(raw, key, 0.0, what, prefix)

    def choice(self, raw: Mapping[str, Any], key: str, default: str, allowed: Sequence[str], prefix: str = "") -> str:
        """One of ``allowed``."""
        value = raw.get(key, default)
        if value not in allowed:
            raise self.bad(prefix + key, f"must be one of {', '.join(allowed)}, got {value!r}")
        return str(value)

    def whole(self, raw: Mapping[str, Any], key: str, default: int, lo: int, hi: int, prefix: str = "") -> int:
        """A whole number in lo…hi."""
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.bad(prefix + key, f"must be a whole number in {lo}…{hi}, got {value!r}")
        return int(value)

    def minutes_list(self, raw: Mapping[str, Any], key: str, default: Sequence[float]) -> tuple[float, ...]:
        """A non-empty strictly increasing list of thresholds in minutes."""
        values = raw.get(key, list(default))
        lo, hi, _ = RANGES["threshold"]
        if not isinstance(values, list | tuple) or not values:
            raise self.bad(f"thresholds.{key}", f"must be a non-empty list of minutes, got {values!r}")
        if any(isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) for v in values):
            raise self.bad(f"thresholds.{key}", f"must hold numbers of minutes, got {values!r}")
        out = tuple(float(v) for v in values)
        if any(not lo <= v <= hi for v in out) or list(out) != sorted(set(out)):
            raise self.bad(f"thresholds.{key}", f"must be increasing minutes in {lo:g}…{hi:g}, got {values!r}")
        return out

    def text(self, raw: Mapping[str, Any], key: str, default: str, prefix: str = "", limit: int = 200) -> str:
        """A short string."""
        value = raw.get(key, default)
        if value is None:
            value = default
        if not isinstance(value, str) or len(value) > limit:
            raise self.bad(prefix + key, f"must be a string of at most {limit} characters")
        return value

    def path(self, value: Any, key: str, kind: str) -> str:
        """A local path of the expected kind (relative ones are taken from the scenario's folder)."""
        if not isinstance(value, str) or not value.strip():
            raise self.bad(key, "needs a path")
        text = value.strip()
        if len(text) > 1_000:
            raise self.bad(key, f"is a path of {len(text):,} characters (at most 1,000)")
        if "://" in text or text.lower().startswith("/vsi") or "\x00" in text:
            raise self.bad(key, "must be a plain local path (no URL or GDAL virtual path such as /vsicurl/)")
        path = Path(text)
        if not path.is_absolute() and self.base is not None:
            path = self.base / path
        suffixes = SUFFIXES.get(kind)
        if suffixes and path.suffix.lower() not in suffixes:
            raise self.bad(key, f"must name a {'/'.join(suffixes)} file for kind {kind!r}, got {path.name!r}")
        return str(path)

    def source(self, raw: Any, key: str, kinds: Sequence[str]) -> Source:
        """One source entry: {kind, path?, options?}."""
        if isinstance(raw, str):
            raw = {"kind": raw}
        if not isinstance(raw, Mapping) or raw.get("kind") not in kinds:
            got = raw.get("kind") if isinstance(raw, Mapping) else raw
            raise self.bad(key, f"needs a 'kind', one of {', '.join(kinds)}; got {got!r}")
        self.keys(raw, key, ("kind", "path", "options"))
        kind = str(raw["kind"])
        options = dict(self.mapping(raw.get("options"), f"{key}.options"))
        path = raw.get("path")
        if kind == "place":
            path = self.text(raw, "path", "", prefix=f"{key}.") or None
            if not path:
                raise self.bad(f"{key}.path", "needs the place name, e.g. \"Yiyang, Hunan, China\"")
        elif kind in ("default", "census", "plan", "seats", "gaps", "points"):
            path = None
        else:
            path = self.path(path, f"{key}.path", kind)
        options = self.options(kind, key, options)
        datum = options.get("datum", "wgs84")
        if datum not in DATUMS:
            raise self.bad(f"{key}.options.datum", f"must be one of {', '.join(DATUMS)}, got {datum!r}")
        if kind == "default" and key in ("facilities", "primary"):
            fkind = options.get("kind", "tertiary" if key == "facilities" else "primary")
            if fkind not in FACILITY_DEFAULT_KINDS:
                raise self.bad(f"{key}.options.kind", f"must be one of {', '.join(FACILITY_DEFAULT_KINDS)}, got {fkind!r}")
        return Source(kind, path, options)

    def options(self, kind: str, key: str, options: dict[str, Any]) -> dict[str, Any]:
        """A source's options: only the keys its kind takes, each of its type and within its range."""
        allowed = SOURCE_OPTIONS.get(kind, ())
        unknown = sorted(set(options) - set(allowed))
        if unknown:
            raise self.bad(f"{key}.options", f"has unknown keys {unknown}; a {kind!r} source takes "
                                             f"{', '.join(allowed) or 'no options'}")
        at = f"{key}.options."
        out = dict(options)
        for name in ("class_field", "oneway_field"):
            if name in out:
                out[name] = self.text(out, name, "", prefix=at) or None
        if isinstance(out.get("layer"), bool) or not isinstance(out.get("layer", ""), str | int):
            raise self.bad(at + "layer", f"must be a layer name or number, got {out['layer']!r}")
        if "snap_m" in out:
            out["snap_m"] = self.number(out, "snap_m", 0.0, "snap_m", at)
        for name in ("uniform_speed_kmh", "speed_kmh"):
            if out.get(name) is not None:
                out[name] = self.number(out, name, 0.0, "speed_kmh", at)
        if "t_junctions" in out and not isinstance(out["t_junctions"], bool):
            raise self.bad(at + "t_junctions", f"must be true or false, got {out['t_junctions']!r}")
        if out.get("speeds") is not None:
            out["speeds"] = self.speeds(out["speeds"], at + "speeds")
        return out

    def speeds(self, value: Any, key: str) -> str | dict[str, float]:
        """A speed table: a local CSV/YAML path, or {road class: km/h} with speeds in range."""
        if not isinstance(value, Mapping):
            return self.path(value, key, "speeds")
        lo, hi, _ = RANGES["speed_kmh"]
        if len(value) > 10_000 or not all(isinstance(k, str) and 0 < len(k) <= 200 for k in value):
            raise self.bad(key, "must map at most 10,000 road-class names to km/h")
        if any(isinstance(v, bool) or not isinstance(v, int | float) or not (math.isfinite(v) and lo <= v <= hi)
               for v in value.values()):
            raise self.bad(key, f"must give every road class a speed in {lo:g}…{hi:g} km/h")
        return {str(k): float(v) for k, v in value.items()}


def _fields(cls: type) -> list[str]:
    """The field names of a dataclass."""
    return [f.name for f in dataclasses.fields(cls)]


def _access(r: _Reader, raw: Any) -> Access:
    """The ``access`` block: each analysis off (null/absent) or an object of its options (ranges in messages)."""
    raw = r.mapping(raw, "access")
    r.keys(raw, "access", _fields(Access))
    parts: dict[str, Any] = {}
    if raw.get("capacity") is not None:
        c, p = r.mapping(raw["capacity"], "access.capacity"), "access.capacity."
        r.keys(c, "access.capacity", _fields(CapacityAnalysis))
        parts["capacity"] = CapacityAnalysis(
            column=r.choice(c, "column", "beds", tuple(CAPACITY_COLUMNS), p),
            persons_per_unit=r.optional(c, "persons_per_unit", "persons_per_unit", p),
            assumed_units=r.optional(c, "assumed_units", "units", p),
            threshold_min=r.optional(c, "threshold_min", "threshold", p),
            order=r.choice(c, "order", "demand", CAPACITY_ORDERS, p),
            band_min=r.number(c, "band_min", 1.0, "band_min", p))
    if raw.get("fca") is not None:
        f, p = r.mapping(raw["fca"], "access.fca"), "access.fca."
        r.keys(f, "access.fca", _fields(FcaAnalysis))
        parts["fca"] = FcaAnalysis(
            method=r.choice(f, "method", "e2sfca", FCA_METHODS, p),
            decay=None if f.get("decay") is None else r.choice(f, "decay", "step", FCA_DECAYS, p),
            catchment_min=r.optional(f, "catchment_min", "threshold", p),
            sigma_min=r.optional(f, "sigma_min", "sigma_min", p),
            supply=r.choice(f, "supply", "beds", FCA_SUPPLIES, p),
            assumed_units=r.optional(f, "assumed_units", "units", p))
    if raw.get("referral") is not None:
        f, p = r.mapping(raw["referral"], "access.referral"), "access.referral."
        r.keys(f, "access.referral", _fields(ReferralAnalysis))
        hospitals = r.source(f.get("county_hospitals") or {"kind": "default", "options": {"kind": "county_hospital"}},
                             p + "county_hospitals", FACILITY_KINDS)
        kind = hospitals.options.get("kind", "county_hospital")
        if hospitals.kind == "default" and kind not in FACILITY_DEFAULT_KINDS:
            raise r.bad(p + "county_hospitals.options.kind",
                        f"must be one of {', '.join(FACILITY_DEFAULT_KINDS)}, got {kind!r}")
        parts["referral"] = ReferralAnalysis(county_hospitals=hospitals,
                                             limit_min=r.optional(f, "limit_min", "threshold", p))
    if raw.get("scaling") is not None:
        f, p = r.mapping(raw["scaling"], "access.scaling"), "access.scaling."
        r.keys(f, "access.scaling", _fields(ScalingAnalysis))
        k = r.whole(f, "k", 0, 0, 100, p)
        target = None if f.get("target_share") is None else r.number(f, "target_share", 0.0, "target_share", p)
        budget = r.optional(f, "budget", "budget", p)
        if sum((k > 0, target is not None, budget is not None)) != 1:
            raise r.bad("access.scaling", "takes exactly one of k (number of new sites), target_share (0–1) or "
                                          f"budget (cost units); got k={k}, target_share={target}, budget={budget}")
        pool_raw = f.get("pool") or ["gaps"]
        if not isinstance(pool_raw, list | tuple):
            raise r.bad(p + "pool", f"must be a list of candidate sources ({', '.join(CANDIDATE_SOURCES)})")
        parts["scaling"] = ScalingAnalysis(
            k=k, target_share=target, budget=budget,
            pool=tuple(r.source(x, f"{p}pool[{i}]", CANDIDATE_SOURCES) for i, x in enumerate(pool_raw, start=1)),
            candidate_units=r.optional(f, "candidate_units", "units", p),
            method=r.choice(f, "method", "exact", SCALING_METHODS, p),
            time_limit_s=r.number(f, "time_limit_s", settings.SOLVER_TIME_LIMIT_S, "time_limit_s", p))
    return Access(**parts)


def access_from_dict(raw: Any, *, names: Mapping[str, str] | None = None) -> Access:
    """Validate an ``access`` block alone (the app's access panel); errors name the key or ``names``' option."""
    return _access(_Reader("access settings", None, names), raw)


def _upgrade_v1(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A version-1 scenario (region + area; candidates as a list; optimiser.threshold_min) as version 2."""
    out = {k: v for k, v in raw.items() if k not in ("area", "candidates", "optimiser")}
    region = str(raw.get("region", "hainan"))
    out["region"] = str(raw.get("area") or {"yunnan": "530100"}.get(region, region))
    out["sites"] = {"points": raw.get("candidates") or []}
    opt = dict(raw.get("optimiser") or {})
    opt.pop("threshold_min", None)
    opt.pop("n_candidates", None)
    out["optimiser"] = opt
    out["schema_version"] = SCHEMA_VERSION
    return out


def from_dict(raw: Any, *, where: str = "scenario", base: Path | None = None,
              names: Mapping[str, str] | None = None) -> Scenario:
    """Validate a scenario dict (as read from JSON); an error naming the key, the range and the fix.

    ``names`` maps scenario keys (e.g. "thresholds.tertiary_min") to a front end's option names (e.g.
    "--threshold"): errors then name the option and are ``OptionError``; otherwise ``InputFileError``
    naming the file ``where``.
    """
    r = _Reader(where, base, names)
    if not isinstance(raw, Mapping):
        raise InputFileError(f"{where}: a scenario file must hold one JSON object")
    if raw.get("schema") != SCHEMA:
        raise InputFileError(f"{where}: not a healthplan scenario (expected \"schema\": \"{SCHEMA}\"); "
                             "save scenarios from the app or with `healthplan scenario check`")
    version = raw.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise r.bad("schema_version", f"must be a whole number ≥ 1, got {version!r}")
    if version > SCHEMA_VERSION:
        raise r.bad("schema_version", f"is {version}: written by a newer healthplan (this one reads ≤ "
                                      f"{SCHEMA_VERSION}); upgrade healthplan")
    if version == 1:
        raw = _upgrade_v1(raw)
    fields = [f.name for f in dataclasses.fields(Scenario)]
    r.keys(raw, "", ["schema", "schema_version", *fields])
    region = r.text(raw, "region", "hainan")
    try:
        resolve(region)
    except HealthplanError as exc:
        raise r.bad("region", str(exc)) from None
    th = r.mapping(raw.get("thresholds"), "thresholds")
    r.keys(th, "thresholds", [f.name for f in dataclasses.fields(Thresholds)])
    d = Thresholds()
    thresholds = Thresholds(
        tertiary_min=r.number(th, "tertiary_min", d.tertiary_min, "threshold", "thresholds."),
        urban_min=r.number(th, "urban_min", d.urban_min, "threshold", "thresholds."),
        rural_min=r.number(th, "rural_min", d.rural_min, "threshold", "thresholds."),
        emergency_min=r.number(th, "emergency_min", d.emergency_min, "threshold", "thresholds."),
        bands_min=r.minutes_list(th, "bands_min", d.bands_min),
        isochrones_min=r.minutes_list(th, "isochrones_min", d.isochrones_min),
    )
    si = r.mapping(raw.get("sites"), "sites")
    r.keys(si, "sites", [f.name for f in dataclasses.fields(Sites)])
    points_raw = si.get("points") or []
    if not isinstance(points_raw, list) or len(points_raw) > settings.MAX_CANDIDATES:
        raise r.bad("sites.points", f"must be a list of at most {settings.MAX_CANDIDATES} {{name, lon, lat}}")
    points = []
    for i, c in enumerate(points_raw, start=1):
        c = r.mapping(c, f"sites.points[{i}]")
        r.keys(c, f"sites.points[{i}]", ("name", "lon", "lat"))
        lon, lat = c.get("lon"), c.get("lat")
        if (isinstance(lon, bool) or isinstance(lat, bool) or not isinstance(lon, int | float)
                or not isinstance(lat, int | float) or not (math.isfinite(lon) and math.isfinite(lat))
                or not (-180 <= lon <= 180 and -90 <= lat <= 90)):
            raise r.bad(f"sites.points[{i}]", f"needs lon in −180…180 and lat in −90…90 (WGS84 degrees), "
                                              f"got {lon!r}, {lat!r}")
        points.append(Candidate(r.text(c, "name", f"site {i}", f"sites.points[{i}].") or f"site {i}",
                                float(lon), float(lat)))
    sources = tuple(r.source(s, f"sites.sources[{i}]", CANDIDATE_SOURCES[1:])
                    for i, s in enumerate(si.get("sources") or [], start=1))
    weight = si.get("weight", "pop")
    if weight not in WEIGHTS:
        raise r.bad("sites.weight", f"must be one of {', '.join(WEIGHTS)}, got {weight!r}")
    sites = Sites(points=tuple(points), sources=sources,
                  n_gaps=r.whole(si, "n_gaps", settings.GAP_CANDIDATES_N, 1, settings.MAX_CANDIDATES, "sites."),
                  max_road_m=r.number(si, "max_road_m", settings.MAX_ROAD_M, "max_road_m", "sites."), weight=weight)
    opt = r.mapping(raw.get("optimiser"), "optimiser")
    r.keys(opt, "optimiser", [f.name for f in dataclasses.fields(Optimiser)])
    method = opt.get("method", "greedy")
    if method not in METHODS:
        raise r.bad("optimiser.method", f"must be one of {', '.join(METHODS)}, got {method!r}")
    target = opt.get("target_share")
    k = r.whole(opt, "k", 0, 0, 100, "optimiser.")
    if target is not None:
        target = r.number(opt, "target_share", 0.0, "target_share", "optimiser.")
        if k:
            raise r.bad("optimiser", "takes k or target_share, not both")
    pool = tuple(r.source(s, f"optimiser.pool[{i}]", CANDIDATE_SOURCES)
                 for i, s in enumerate(opt.get("pool") or ["gaps", "points"], start=1))
    optimiser = Optimiser(k=k, target_share=target, method=str(method), pool=pool,
                          time_limit_s=r.number(opt, "time_limit_s", settings.SOLVER_TIME_LIMIT_S, "time_limit_s",
                                                "optimiser."))
    per_facility = raw.get("per_facility_isochrones", False)
    if not isinstance(per_facility, bool):
        raise r.bad("per_facility_isochrones", f"must be true or false, got {per_facility!r}")
    data_dir = raw.get("data_dir")
    if data_dir not in (None, ""):
        data_dir = r.path(data_dir, "data_dir", "folder")
    optional = {k: (None if raw.get(k) is None else r.source(raw[k], k, FACILITY_KINDS))
                for k in ("emergency_sites", "emergency_destinations")}
    resources = None if raw.get("resources") is None else r.source(raw["resources"], "resources", ("file",))
    return Scenario(
        region=region,
        name=r.text(raw, "name", ""),
        data_dir=data_dir or None,
        network=r.source(raw.get("network", "default"), "network", NETWORK_KINDS),
        facilities=r.source(raw.get("facilities", {"kind": "default", "options": {"kind": "tertiary"}}), "facilities",
                            FACILITY_KINDS),
        primary=r.source(raw.get("primary", {"kind": "default", "options": {"kind": "primary"}}), "primary",
                         FACILITY_KINDS),
        population=r.source(raw.get("population", "census"), "population", POPULATION_KINDS),
        cell_m=r.number(raw, "cell_m", settings.GRID_M, "cell_m"),
        thresholds=thresholds,
        per_facility_isochrones=per_facility,
        sites=sites,
        optimiser=optimiser,
        access=_access(r, raw.get("access")),
        resources=resources,
        **optional,
    )


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; relative paths inside it are taken from the file's folder."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: scenario file not found")
    if path.stat().st_size > 10_000_000:
        raise InputFileError(f"{path}: {path.stat().st_size / 1e6:.0f} MB is too large for a scenario (at most 10 MB)")
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: not a UTF-8 text file; a scenario is JSON saved by healthplan") from None
    except (RecursionError, ValueError):  # lists nested thousands deep, a number of thousands of digits
        raise InputFileError(f"{path}: not a scenario (nesting or numbers far beyond what a scenario holds); "
                             "save scenarios from the app or with --save-scenario") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return from_dict(raw, where=str(path), base=path.resolve().parent)


def slug(text: str) -> str:
    """A file-name-safe version of a scenario or region name."""
    return re.sub(r"[^0-9A-Za-z_.-]+", "_", text).strip("_")[:60] or "scenario"
