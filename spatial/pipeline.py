"""The one pipeline: a scenario in, results out, through stages each cached by its own inputs.

Every front end (each CLI command, ``healthplan scenario run``, the app) builds a ``Scenario`` and calls
``Pipeline.run``; nothing else orchestrates the engine, so they cannot disagree.  Stages:

    region ─ network ─ population ─ cells (snap) ─┬─ minutes to the facilities ─┬─ metrics (circles, bands, gaps)
            facilities, primary care ─────────────┘  minutes to primary care ──┘   geometry (gap polygons,
                                                                                    isochrones, surface)
    candidate pool ─ evaluation (what-if) ─ candidate isochrones;   optimiser pool ─ choice (optimal siting)
    cells × facilities matrix (one per facility set and threshold) ─┬─ capacity ─ catchments
                                                                    ├─ fca
                                                                    └─ scaling (+ its candidates' matrix)
    referral chain (primary care → county hospitals → facilities);  plan targets (metrics + resources)

Each stage's result is kept in an in-memory LRU cache under a key made of exactly what it depends on
(scenario parts, upstream keys, and the identity — path, size, modification time — of every file it
reads), so a front end that keeps one ``Pipeline`` (the app) recomputes only what a change touches: a new
threshold reuses the network, the population and the shortest-path searches.

What the plans give the analysis (their candidate sites, targets, the emergency circle's named sites)
comes in as a ``PlanInputs`` built by ``layers`` — the engine reads no plan.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial import access as acc
from spatial import candidates as cands
from spatial import coverage, datafolder, facilities, gaps, isochrones, netcache, network, population, traveltime
from spatial import plantargets as ptargets
from spatial.errors import HealthplanError, InputFileError
from spatial.network import Network
from spatial.odmatrix import TravelMatrix, place_facility_minutes
from spatial.population import PopulationGrid
from spatial.reach import CHUNK, SiteCells, site_cells
from spatial.regions import Region, resolve
from spatial.results import Geometry, Inputs, Metrics, Notice, PlanInputs, Results, Times
from spatial.scenario import CapacityAnalysis, Scenario, Source
from spatial.settings import MAX_SNAP_M, Progress, no_progress
from spatial.sitestudy import SiteChoice, SiteEvaluation, choose_sites, evaluate_sites
from spatial.whatif import candidate_isochrones

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Sites of the emergency circle farther than this outside the region outline are listed, not measured
#: (metres; Hainan's outline is clipped to the coastline, and beaches are sites too).
SITE_OUTLINE_TOLERANCE_M: float = 1_000.0


def _key(*parts: Any) -> str:
    """Short stable hash of JSON-able parts."""
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _identity(path: str | Path | None) -> Any:
    """What identifies a file's content cheaply: resolved path, size and modification time (or the text)."""
    if path is None:
        return None
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return str(path)
    return [str(p.resolve()), st.st_size, st.st_mtime_ns]


def _source_key(src: Source | None) -> Any:
    """Key parts of a source: kind, options and the identity of its file."""
    if src is None:
        return None
    return [src.kind, dict(src.options), _identity(src.path) if src.kind != "place" else src.path]


def points_frame(points: Sequence[Any]) -> gpd.GeoDataFrame:
    """Candidate points (name, lon, lat in WGS84) as a point frame."""
    return gpd.GeoDataFrame({"name": [p.name for p in points], "source": "points"},
                            geometry=gpd.points_from_xy([p.lon for p in points], [p.lat for p in points]),
                            crs="EPSG:4326")


class Pipeline:
    """Runs scenarios; keeps each stage's result under a key of its inputs (LRU, ``max_entries`` per stage)."""

    def __init__(self, *, max_entries: int = 8) -> None:
        self.max_entries = max_entries
        self._cache: dict[str, OrderedDict[str, Any]] = {}
        self._lock = threading.RLock()
        #: seconds each stage last took to compute (its own work, upstream stages excluded)
        self.timings: dict[str, float] = {}

    # ---------------------------------------------------------------------------------------------
    # cache

    def _cached(self, stage: str, key: str, compute: Callable[[], T]) -> T:
        """The stage's value under ``key``, computed once (one computation at a time)."""
        with self._lock:
            entries = self._cache.setdefault(stage, OrderedDict())
            if key in entries:
                entries.move_to_end(key)
                return entries[key]
            t0 = time.perf_counter()
            before = sum(self.timings.values())
            value = compute()
            inner = sum(self.timings.values()) - before  # upstream stages computed on the way
            self.timings[stage] = time.perf_counter() - t0 - inner
            entries[key] = value
            while len(entries) > self.max_entries:
                entries.popitem(last=False)
            return value

    def clear(self, stage: str | None = None) -> None:
        """Forget every cached stage, or only ``stage``'s values (e.g. "capacity")."""
        with self._lock:
            if stage is None:
                self._cache.clear()
            else:
                self._cache.pop(stage, None)

    # ---------------------------------------------------------------------------------------------
    # keys

    def _k_network(self, s: Scenario) -> str:
        return _key("network", _source_key(s.network), str(s.data_folder()), s.region)

    def _k_facilities(self, s: Scenario, which: str) -> str:
        return _key("facilities", which, _source_key(getattr(s, which)), s.region)

    def _k_population(self, s: Scenario) -> str:
        upstream = self._k_network(s) if s.population.kind == "census" else None
        return _key("population", _source_key(s.population), s.cell_m, s.region, upstream)

    def _k_cells(self, s: Scenario) -> str:
        return _key("cells", self._k_network(s), self._k_population(s))

    def _k_minutes(self, s: Scenario, which: str) -> str:
        return _key("minutes", self._k_cells(s), self._k_facilities(s, which))

    def coverage_key(self, s: Scenario) -> str:
        """A key of everything today's coverage depends on (inputs and thresholds; not the candidate sites)."""
        return _key("coverage", self._k_minutes(s, "facilities"), self._k_minutes(s, "primary"), asdict(s.thresholds),
                    s.per_facility_isochrones, _source_key(s.emergency_sites), _source_key(s.emergency_destinations))

    # ---------------------------------------------------------------------------------------------
    # inputs

    def region(self, s: Scenario) -> Region:
        """The region coverage is measured on."""
        return self._cached("region", s.region, lambda: resolve(s.region))

    def network(self, s: Scenario, progress: Progress = no_progress) -> tuple[Network, str]:
        """The scenario's road network and one sentence saying which it is."""
        return self._cached("network", self._k_network(s), lambda: self._load_network(s, progress))

    def _load_network(self, s: Scenario, progress: Progress) -> tuple[Network, str]:
        src, opts = s.network, dict(s.network.options)
        if src.kind == "default":
            choice = datafolder.choose(s.region, data_dir=s.data_folder())
            progress(f"road network: {choice.note} (built once, then cached)", None)
            return datafolder.build_choice(choice), choice.note
        if src.kind == "saved":
            return network.load(str(src.path)), f"saved network {src.path}"
        if src.kind == "pbf":
            opts.setdefault("bounding_box", [float(v) for v in self.region(s).bbox])
        if src.kind == "roads" and "class_field" not in opts and "uniform_speed_kmh" not in opts:
            raise InputFileError(f"{src.path}: road lines need options.class_field (the road-class column)")
        progress(f"road network from {src.kind} {src.path} (built once, then cached)", None)
        net = netcache.cached_network(src.kind, str(src.path), **opts)
        return net, f"{src.kind} {src.path}"

    def facilities(self, s: Scenario, which: str = "facilities") -> gpd.GeoDataFrame:
        """The tertiary facilities (``which="facilities"``) or the primary-care points (``"primary"``)."""
        return self._cached("facilities", self._k_facilities(s, which), lambda: self._load_facilities(s, which))

    def _load_facilities(self, s: Scenario, which: str) -> gpd.GeoDataFrame:
        src: Source = getattr(s, which)
        if src.kind == "default":
            default_kind = "tertiary" if which == "facilities" else "primary"
            return facilities.default_facilities(self.region(s), kind=str(src.options.get("kind", default_kind)))
        frame = facilities.read_facilities(str(src.path), datum=str(src.options.get("datum", "wgs84")))
        frame.attrs["source"] = src.path
        return frame

    def population(self, s: Scenario, progress: Progress = no_progress) -> PopulationGrid:
        """The population grid: the 2020 census spread on the network, or a GeoTIFF warped onto the grid."""
        def compute() -> PopulationGrid:
            region = self.region(s)
            population.check_grid_size(region, s.cell_m)
            if s.population.kind == "geotiff":
                progress(f"warping {s.population.path} onto a {s.cell_m:g} m grid", None)
                return population.read_geotiff(str(s.population.path), region, cell_m=s.cell_m)
            progress(f"spreading the 2020 census over a {s.cell_m:g} m grid", None)
            return population.census_grid(region, network=self.network(s)[0], cell_m=s.cell_m)

        return self._cached("population", self._k_population(s), compute)

    def cells(self, s: Scenario) -> traveltime.Snap:
        """Every populated cell snapped to its nearest road node (access leg per cell)."""
        def compute() -> traveltime.Snap:
            grid = self.population(s)
            return traveltime.snap(self.network(s)[0], grid.lon, grid.lat)

        return self._cached("cells", self._k_cells(s), compute)

    def kernels(self, net: Network, searches: int, progress: Progress = no_progress) -> float:
        """Compile the search kernels, saying so, on a machine without them when a call of ``searches`` searches
        on ``net`` will run on them (seconds; 0 when compiled already or not needed: csgraph takes small work)."""
        if not traveltime.uses_kernels(net, searches):
            return 0.0
        return self._cached("kernels", "", lambda: traveltime.prepare_kernels(progress))

    def minutes(self, s: Scenario, which: str = "facilities") -> tuple[np.ndarray, np.ndarray]:
        """Minutes from every cell to its nearest facility of ``which`` (inf if none) and that facility's row."""
        def compute() -> tuple[np.ndarray, np.ndarray]:
            net = self.network(s)[0]
            fac = self.facilities(s, which)
            if len(fac) == 0:
                if which == "facilities":
                    raise InputFileError("no facilities to measure coverage from; give a facilities file")
                n = self.population(s).n_cells
                return np.full(n, np.inf), np.full(n, -1, dtype=np.int32)
            # a file in the wrong datum or region would otherwise snap hundreds of km onto the network, silently
            facilities.check_on_network(fac, net)
            per_node, source = traveltime.node_minutes(net, *traveltime.point_lonlat(fac))
            return traveltime.place_minutes(self.cells(s), per_node, source)

        return self._cached("minutes", self._k_minutes(s, which), compute)

    def inputs(self, s: Scenario, progress: Progress = no_progress) -> Inputs:
        """Region, network, facilities, primary care, population and their notices."""
        region = self.region(s)
        progress(f"region {region.name_zh} ({region.name}), {len(region.counties)} county-level units", 0.0)
        net, note = self.network(s, progress)
        progress(f"network: {net.n_nodes:,} nodes, {net.n_edges:,} edges", 0.1)
        self.kernels(net, 1, progress)
        fac, primary = self.facilities(s, "facilities"), self.facilities(s, "primary")
        grid = self.population(s, progress)
        progress(f"population: {grid.n_cells:,} cells, {float(grid.pop.sum()):,.0f} persons", 0.2)
        snapped = self.cells(s)
        far_pop = float(grid.pop[snapped.dist_m > MAX_SNAP_M].sum())
        notices = []
        if far_pop > 0:
            notices.append(Notice("far_from_network", (
                f"{far_pop:,.0f} persons ({far_pop / max(float(grid.pop.sum()), 1.0):.1%}) live more than "
                f"{MAX_SNAP_M / 1000:g} km from the road network; their minutes are mostly the straight-line access "
                "leg — use a network that covers the whole region"), {"persons": far_pop, "km": MAX_SNAP_M / 1000}))
        if bool(primary.get("stand_in", pd.Series(False)).any()):
            notices.append(Notice("primary_stand_in", (
                "no primary-care locations are loaded: county seats stand in for them, so the 15/30-minute circles "
                "are a floor — upload the clinics (乡镇卫生院/社区卫生服务中心) for real figures"), {}))
        if s.network.kind == "default" and datafolder.choose(s.region, data_dir=s.data_folder()).embedded:
            notices.append(Notice("embedded_network", (
                f"road network: {note}; load a full extract for real work (healthplan data fetch --region "
                "hainan)"), {}))
        return Inputs(region, net, note, fac, primary, grid, far_pop, tuple(notices))

    # ---------------------------------------------------------------------------------------------
    # coverage

    def metrics(self, s: Scenario, plan: PlanInputs | None = None) -> Metrics:
        """Circle, health circles, bands, gaps and (where sites exist) the emergency circle."""
        th = s.thresholds
        key = _key("metrics", self._k_minutes(s, "facilities"), self._k_minutes(s, "primary"), asdict(th),
                   _source_key(s.emergency_sites), _source_key(s.emergency_destinations),
                   plan.key if plan else None)

        def compute() -> Metrics:
            region, grid = self.region(s), self.population(s)
            names = pd.DataFrame(region.counties)[["adcode", "name_zh", "name_en"]]
            minutes, _ = self.minutes(s, "facilities")
            p_minutes, _ = self.minutes(s, "primary")
            circle = coverage.circle(grid, minutes, th.tertiary_min, counties=names)
            health = coverage.health_circles(grid, p_minutes, urban_threshold_min=th.urban_min,
                                             rural_threshold_min=th.rural_min, counties=names)
            banded = coverage.bands(grid, minutes, bands_min=th.bands_min, counties=names)
            gap = self.gap_clusters(s)
            emergency, outside, notices = self._emergency(s, plan)
            return Metrics(circle, health, banded, gap, emergency, outside, notices)

        return self._cached("metrics", key, compute)

    def _emergency(self, s: Scenario, plan: PlanInputs | None
                   ) -> tuple[coverage.Coverage | None, tuple[str, ...], tuple[Notice, ...]]:
        """The emergency circle of the scenario's or the plan's named sites, if any lie in the region."""
        if s.emergency_sites is not None:
            sites = facilities.read_facilities(str(s.emergency_sites.path),
                                               datum=str(s.emergency_sites.options.get("datum", "wgs84")))
        elif plan is not None and plan.emergency_sites is not None and len(plan.emergency_sites):
            sites = plan.emergency_sites
        else:
            return None, (), ()
        region = self.region(s)
        inside = (sites.to_crs(region.metric_crs).distance(region.outline_m) <= SITE_OUTLINE_TOLERANCE_M).to_numpy()
        name_col = "name_zh" if "name_zh" in sites.columns else "name"
        outside = tuple(str(n) for n in sites.loc[~inside, name_col])
        sites = sites[inside].reset_index(drop=True)
        notices: list[Notice] = []
        if outside:
            notices.append(Notice("sites_outside_region", (
                f"{len(outside)} of the emergency circle's {len(inside)} named sites lie outside {region.name_zh} "
                "and are listed, not measured"), {"n": len(outside), "total": int(len(inside))}))
        if not len(sites):
            return None, outside, tuple(notices)
        if s.emergency_destinations is not None:
            dest = facilities.read_facilities(str(s.emergency_destinations.path),
                                              datum=str(s.emergency_destinations.options.get("datum", "wgs84")))
        else:
            dest = self.facilities(s, "facilities")
            notices.append(Notice("emergency_stand_in", (
                "no emergency stations are loaded: the tertiary hospitals stand in as the emergency circle's "
                "destinations"), {}))
        result = coverage.emergency_circle(self.network(s)[0], dest, sites, s.thresholds.emergency_min)
        return result, outside, tuple(notices)

    def gap_clusters(self, s: Scenario) -> gaps.Gaps:
        """Populated cells beyond the tertiary threshold, clustered (split at county lines) and ranked."""
        key = _key("gaps", self._k_minutes(s, "facilities"), s.thresholds.tertiary_min)

        def compute() -> gaps.Gaps:
            names = pd.DataFrame(self.region(s).counties)[["adcode", "name_zh", "name_en"]]
            return gaps.gaps(self.population(s), self.minutes(s, "facilities")[0], s.thresholds.tertiary_min,
                             counties=names)

        return self._cached("gaps", key, compute)

    def geometry(self, s: Scenario) -> Geometry:
        """Gap polygons, nested isochrones and the travel-time surface (the slow, drawable part)."""
        th = s.thresholds
        key = _key("geometry", self._k_minutes(s, "facilities"), th.tertiary_min, th.bands_min, th.isochrones_min,
                   s.per_facility_isochrones)

        def compute() -> Geometry:
            region, grid, net = self.region(s), self.population(s), self.network(s)[0]
            minutes, _ = self.minutes(s, "facilities")
            fac = self.facilities(s, "facilities")
            gap = self.gap_clusters(s)
            iso = isochrones.isochrones(net, fac, th.isochrones_min, per_facility=s.per_facility_isochrones,
                                        clip=region.outline)
            surface = isochrones.band_polygons(grid, minutes, th.bands_min)
            return Geometry(gaps.gap_polygons(grid, gap), iso, surface)

        return self._cached("geometry", key, compute)

    # ---------------------------------------------------------------------------------------------
    # candidate sites

    def _pool(self, s: Scenario, sources: Sequence[Source], plan: PlanInputs | None) -> gpd.GeoDataFrame:
        """Candidate points from the given sources, in order (points, plan, seats, gaps, files)."""
        frames = []
        region, grid = self.region(s), self.population(s)
        for src in sources:
            if src.kind == "points":
                if s.sites.points:
                    frames.append(points_frame(s.sites.points))
            elif src.kind == "plan":
                if plan is None or plan.candidates is None or not len(plan.candidates):
                    raise HealthplanError(
                        f"the plans of {region.name_zh} ({region.name}) mark no candidate sites; give a file of "
                        "candidates, 'seats' (county seats) or 'gaps' (points over the coverage gaps)")
                frames.append(plan.candidates.assign(source="plan"))
            elif src.kind == "seats":
                frames.append(cands.from_seats(region))
            elif src.kind == "gaps":
                minutes, _ = self.minutes(s, "facilities")
                frames.append(cands.from_gaps(grid, minutes, threshold_min=s.thresholds.tertiary_min,
                                              n=s.sites.n_gaps, weight=s.sites.weight))
            elif src.kind == "file":
                frames.append(cands.from_file(str(src.path), datum=str(src.options.get("datum", "wgs84"))))
        frames = [f for f in frames if len(f)]
        if not frames:
            return gpd.GeoDataFrame({"name": [], "source": []}, geometry=[], crs="EPSG:4326")
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326")

    def _site_cells(self, s: Scenario) -> SiteCells:
        """The cells as siting sees them (today's minutes to the facilities, the chosen weight)."""
        return site_cells(self.population(s), self.cells(s), self.minutes(s, "facilities")[0],
                          weight=s.sites.weight)

    def _k_sites(self, s: Scenario, plan: PlanInputs | None) -> str:
        return _key("sites", self._k_minutes(s, "facilities"), asdict(s.sites),
                    [_source_key(x) for x in s.sites.sources], s.thresholds.tertiary_min,
                    s.thresholds.isochrones_min, plan.key if plan else None)

    def evaluation(self, s: Scenario, plan: PlanInputs | None = None) -> SiteEvaluation | None:
        """What-if of the scenario's candidate sites (None when it names none)."""
        if not s.sites.any:
            return None

        def compute() -> SiteEvaluation | None:
            pool = self._pool(s, [Source("points"), *s.sites.sources], plan)
            if not len(pool):
                return None
            self.kernels(self.network(s)[0], min(len(pool), CHUNK))
            return evaluate_sites(self.network(s)[0], self._site_cells(s), pool, region=self.region(s),
                                  threshold_min=s.thresholds.tertiary_min, thresholds_min=s.thresholds.isochrones_min,
                                  max_road_m=s.sites.max_road_m)

        return self._cached("evaluation", self._k_sites(s, plan), compute)

    def candidate_isochrones(self, s: Scenario, plan: PlanInputs | None = None) -> gpd.GeoDataFrame | None:
        """Each usable candidate's own nested isochrones (drawn after the gains, on demand)."""
        ev = self.evaluation(s, plan)
        if ev is None or not ev.ok.any():
            return None

        def compute() -> gpd.GeoDataFrame:
            ok = ev.sites[ev.ok].reset_index(drop=True)
            return candidate_isochrones(self.network(s)[0], ok, thresholds_min=s.thresholds.isochrones_min,
                                        clip=self.region(s).outline)

        return self._cached("candidate_isochrones", self._k_sites(s, plan), compute)

    def choice(self, s: Scenario, plan: PlanInputs | None = None, progress: Progress = no_progress) -> SiteChoice | None:
        """The optimiser's sites (None when the scenario does not ask for them)."""
        opt = s.optimiser
        if not opt.runs:
            return None
        key = _key("choice", self._k_minutes(s, "facilities"), asdict(opt), [_source_key(x) for x in opt.pool],
                   asdict(s.sites), s.thresholds.tertiary_min, plan.key if plan else None)

        def compute() -> SiteChoice:
            progress("choosing candidate sites", 0.0)
            pool = self._pool(s, opt.pool, plan)
            if not len(pool):
                raise HealthplanError("the optimiser has no candidate sites: add sites or use the gap candidates")
            self.kernels(self.network(s)[0], min(len(pool), CHUNK), progress)
            return choose_sites(self.network(s)[0], self._site_cells(s), pool, region=self.region(s),
                                threshold_min=s.thresholds.tertiary_min, k=opt.k or None,
                                target_share=opt.target_share, method=opt.method, max_road_m=s.sites.max_road_m,
                                time_limit_s=opt.time_limit_s, progress=progress)

        return self._cached("choice", key, compute)

    # ---------------------------------------------------------------------------------------------
    # access analyses (spatial/access.py) and the plans' targets (spatial/plantargets.py)

    def _capacity_threshold(self, s: Scenario) -> float:
        """Minutes of the capacity analysis and of scaling up: its own, else the tertiary threshold."""
        c = s.access.capacity
        return float(c.threshold_min) if c is not None and c.threshold_min is not None else s.thresholds.tertiary_min

    def _k_matrix(self, s: Scenario, limit_min: float) -> str:
        return _key("odmatrix", self._k_cells(s), self._k_facilities(s, "facilities"), float(limit_min))

    def travel_matrix(self, s: Scenario, limit_min: float) -> TravelMatrix:
        """Minutes from every cell to every facility within ``limit_min`` (the cells' snap reused; one per limit)."""
        def compute() -> TravelMatrix:
            net, fac = self.network(s)[0], self.facilities(s, "facilities")
            facilities.check_on_network(fac, net)
            self.kernels(net, len(fac))
            snapped = traveltime.snap(net, *traveltime.point_lonlat(fac))
            return place_facility_minutes(net, self.cells(s), snapped.node, snapped.access_min, limit_min=limit_min)

        return self._cached("odmatrix", self._k_matrix(s, limit_min), compute)

    def _k_capacity(self, s: Scenario) -> str:
        c = s.access.capacity
        return _key("capacity", self._k_matrix(s, self._capacity_threshold(s)), asdict(c) if c is not None else None)

    def capacity(self, s: Scenario) -> acc.CapacityRun | None:
        """Capacity-aware coverage (None unless the scenario asks for it)."""
        opts = s.access.capacity
        if opts is None:
            return None
        t = self._capacity_threshold(s)
        return self._cached("capacity", self._k_capacity(s), lambda: acc.run_capacity(
            self.population(s), self.travel_matrix(s, t), self.facilities(s, "facilities"), opts, threshold_min=t))

    def catchments(self, s: Scenario) -> gpd.GeoDataFrame | None:
        """Each facility's served cells traced into polygons with its load (the drawable part of capacity)."""
        run = self.capacity(s)
        if run is None:
            return None
        return self._cached("catchments", self._k_capacity(s), lambda: acc.catchments(self.population(s), run))

    def fca(self, s: Scenario) -> acc.FcaRun | None:
        """2SFCA / E2SFCA scores (None unless asked for)."""
        opts = s.access.fca
        if opts is None:
            return None
        d0 = float(opts.catchment_min) if opts.catchment_min is not None else s.thresholds.tertiary_min
        return self._cached("fca", _key("fca", self._k_matrix(s, d0), asdict(opts)), lambda: acc.run_fca(
            self.population(s), self.travel_matrix(s, d0), self.facilities(s, "facilities"), opts, catchment_min=d0))

    def county_hospitals(self, s: Scenario) -> gpd.GeoDataFrame:
        """The referral chain's county-level hospitals: a file, or county seats standing in (flagged)."""
        src = s.access.referral.county_hospitals if s.access.referral is not None else Source(
            "default", options={"kind": "county_hospital"})

        def compute() -> gpd.GeoDataFrame:
            if src.kind == "default":
                return facilities.default_facilities(self.region(s), kind=str(src.options.get("kind", "county_hospital")))
            frame = facilities.read_facilities(str(src.path), datum=str(src.options.get("datum", "wgs84")))
            facilities.check_on_network(frame, self.network(s)[0])
            return frame

        return self._cached("facilities", _key("facilities", "county_hospitals", _source_key(src), s.region), compute)

    def referral(self, s: Scenario) -> acc.ReferralRun | None:
        """The referral chain from the scenario's primary care (None unless asked for)."""
        opts = s.access.referral
        if opts is None:
            return None
        key = _key("referral", self._k_network(s), self._k_facilities(s, "primary"), self._k_facilities(s, "facilities"),
                   asdict(opts), _source_key(opts.county_hospitals), s.region)

        def compute() -> acc.ReferralRun:
            net, primary = self.network(s)[0], self.facilities(s, "primary")
            if len(primary):
                facilities.check_on_network(primary, net)
            return acc.run_referral(net, primary, self.county_hospitals(s), self.facilities(s, "facilities"),
                                    counties=self.region(s).counties, limit_min=opts.limit_min)

        return self._cached("referral", key, compute)

    def scaling(self, s: Scenario, plan: PlanInputs | None = None, progress: Progress = no_progress
                ) -> acc.ScalingRun | None:
        """New sites with capacity (None unless asked for); today's capacities as the capacity analysis states them."""
        opts = s.access.scaling
        if opts is None:
            return None
        t = self._capacity_threshold(s)
        copts = s.access.capacity or CapacityAnalysis()
        key = _key("scaling", self._k_matrix(s, t), asdict(copts), asdict(opts), [_source_key(x) for x in opts.pool],
                   asdict(s.sites), s.thresholds.tertiary_min, plan.key if plan else None)

        def compute() -> acc.ScalingRun:
            progress("scaling up: candidate sites with capacity", None)
            net, region = self.network(s)[0], self.region(s)
            pool = self._pool(s, opts.pool, plan)
            if not len(pool):
                raise HealthplanError("scaling up has no candidate sites: add sites, a file, seats or gaps")
            checked = cands.check_candidates(net, pool, region=region, max_road_m=s.sites.max_road_m)
            checked = checked.reset_index(drop=True)
            self.kernels(net, len(checked))
            fac = self.facilities(s, "facilities")
            caps = acc.facility_capacities(fac, copts.column, persons_per_unit=copts.persons_per_unit,
                                           assumed_units=copts.assumed_units)
            return acc.run_scaling(net, self.population(s), self.cells(s), self.travel_matrix(s, t), caps, checked,
                                   opts, threshold_min=t)

        return self._cached("scaling", key, compute)

    def access(self, s: Scenario, plan: PlanInputs | None = None, *, progress: Progress = no_progress,
               geometry: bool = True) -> acc.AccessResults | None:
        """Every access analysis the scenario asks for (each a cached stage), None when it asks for none."""
        if not s.access.any:
            return None
        return acc.AccessResults(capacity=self.capacity(s), fca=self.fca(s), referral=self.referral(s),
                                 scaling=self.scaling(s, plan, progress),
                                 catchments=self.catchments(s) if geometry else None)

    def _resource_frame(self, s: Scenario) -> tuple[gpd.GeoDataFrame | None, str | None, bool]:
        """The facility file measured against the targets: the scenario's resources file, else a facilities file.

        Returns the frame, its path and whether the user named it for this purpose (then a file without any
        capacity column is an error; a facilities file without one is simply not measured).
        """
        if s.resources is not None:
            src = s.resources
            frame = self._cached("facilities", _key("facilities", "resources", _source_key(src)), lambda: (
                facilities.read_facilities(str(src.path), datum=str(src.options.get("datum", "wgs84")))))
            return frame, str(src.path), True
        if s.facilities.kind == "file":
            return self.facilities(s, "facilities"), str(s.facilities.path), False
        return None, None, False

    def plan_targets(self, s: Scenario, plan: PlanInputs | None = None) -> ptargets.PlanTargets | None:
        """The plans' targets for this run: measured, measurable (with the input named) or not spatial."""
        if plan is None or plan.targets is None or not len(plan.targets):
            return None
        targets = plan.targets
        src = s.resources or (s.facilities if s.facilities.kind == "file" else None)
        key = _key("plan_targets", self._k_minutes(s, "facilities"), self._k_minutes(s, "primary"),
                   s.thresholds.emergency_min, _source_key(s.emergency_sites), _source_key(s.emergency_destinations),
                   _source_key(src), plan.key)

        def compute() -> ptargets.PlanTargets:
            region, grid = self.region(s), self.population(s)
            frame, path, named = self._resource_frame(s)
            measured = None
            if frame is not None:
                try:
                    measured = ptargets.measure_resources(frame, targets, counties=region.counties)
                except InputFileError as exc:
                    if named:
                        raise InputFileError(f"{path}: {exc}") from None
            emergency = self.metrics(s, plan).emergency
            return ptargets.plan_targets(
                targets, grid=grid, minutes=self.minutes(s, "facilities")[0],
                primary_minutes=self.minutes(s, "primary")[0],
                primary_stand_in=bool(self.facilities(s, "primary").get("stand_in", pd.Series(False)).any()),
                counties=region.counties, emergency=emergency,
                emergency_stand_in=emergency is not None and s.emergency_destinations is None,
                resources=measured, resources_source=path if measured else None)

        return self._cached("plan_targets", key, compute)

    # ---------------------------------------------------------------------------------------------
    # the whole run

    def run(
        self,
        s: Scenario,
        plan: PlanInputs | None = None,
        *,
        progress: Progress = no_progress,
        geometry: bool = True,
        with_candidate_isochrones: bool = True,
    ) -> Results:
        """Run every stage the scenario asks for and assemble the results (with notices and provenance).

        Parameters
        ----------
        s : Scenario
            The validated scenario.
        plan : PlanInputs, optional
            What the region's plans give (candidates, targets, emergency sites), from ``layers.inputs``.
        progress : Progress
            Hears what runs, with the share done (0–1; None when unknown).
        geometry : bool
            Trace gap polygons, isochrones and the travel-time surface (the slow, drawable part).
        with_candidate_isochrones : bool
            Trace each tested candidate's own isochrones.

        Returns
        -------
        Results
        """
        t0 = time.perf_counter()
        inputs = self.inputs(s, progress)
        progress("travel times to the facilities and to primary care", 0.3)
        times = Times(self.cells(s), *self.minutes(s, "facilities"), self.minutes(s, "primary")[0])
        metrics = self.metrics(s, plan)
        progress(f"metrics done ({time.perf_counter() - t0:.1f} s)", 0.5)
        geom = None
        if geometry:
            progress("tracing gap polygons, isochrones and the travel-time surface", 0.6)
            geom = self.geometry(s)
        evaluation = None
        if s.sites.any:
            progress("testing the candidate sites", 0.7)
            evaluation = self.evaluation(s, plan)
        cand_iso = self.candidate_isochrones(s, plan) if with_candidate_isochrones and evaluation is not None else None
        choice = self.choice(s, plan, progress) if s.optimiser.runs else None
        access = None
        if s.access.any:
            progress("access analyses (capacity, floating catchment, referral, scaling up)", 0.8)
            access = self.access(s, plan, progress=progress, geometry=geometry)
        targets = self.plan_targets(s, plan)
        progress(f"scenario done in {time.perf_counter() - t0:.1f} s", 1.0)
        return Results(s, inputs, times, metrics, geom, evaluation, cand_iso, choice, plan, access, targets)


def run(s: Scenario, plan: PlanInputs | None = None, *, progress: Progress = no_progress) -> Results:
    """Run a scenario once with a fresh pipeline (what the CLI does).

    Parameters
    ----------
    s : Scenario
        The validated scenario.
    plan : PlanInputs, optional
        What the region's plans give, from ``layers.inputs``.
    progress : Progress
        Hears what runs, with the share done (0–1; None when unknown).

    Returns
    -------
    Results
    """
    return Pipeline().run(s, plan, progress=progress)


