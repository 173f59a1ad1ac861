"""What one run produced: the stages' values, and the summary, tables, GIS layers and provenance built from them.

Every front end shows or writes these, so the CLI's summary.json, the app's cards and the exports carry
the same figures under the same names.  Notices (people far from the network, stand-in facilities, an
unproven solver result …) travel with the results: the CLI prints them to stderr, the app shows them on
the page, and the provenance lists them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial import coverage, provenance, settings
from spatial.access import AccessResults
from spatial.candidates import rejected_counts
from spatial.gaps import Gaps
from spatial.network import Network
from spatial.plantargets import PlanTargets
from spatial.population import PopulationGrid
from spatial.regions import Region
from spatial.scenario import Scenario, to_dict
from spatial.sitestudy import SiteChoice, SiteEvaluation
from spatial.traveltime import Snap


@dataclass(frozen=True)
class Notice:
    """Something the user must know about a result: a code (for translations), an English sentence, values."""

    code: str
    message: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class PlanInputs:
    """What a region's plans give the analysis (built by ``layers``; the engine reads no plan)."""

    plans: tuple[str, ...] = ()  # plan ids, e.g. ("hainan-13th", "hainan-14th")
    candidates: gpd.GeoDataFrame | None = None  # the plans' candidate sites (name, placeholder, clause, geometry)
    targets: pd.DataFrame | None = None  # the plans' numeric targets with their clauses
    emergency_sites: gpd.GeoDataFrame | None = None  # named sites of an emergency circle (4A+ scenic areas)
    emergency_clause: str = ""  # the clause that names them, quoted in the summary when they are used
    key: str = ""  # identity for the stage cache


@dataclass(frozen=True, eq=False)
class Inputs:
    """The run's inputs as loaded."""

    region: Region
    network: Network
    network_note: str
    facilities: gpd.GeoDataFrame
    primary: gpd.GeoDataFrame
    grid: PopulationGrid
    far_population: float  # persons more than settings.MAX_SNAP_M from a road node
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True, eq=False)
class Times:
    """Each cell's snap and its minutes to the nearest facility (with that facility's row) and to primary care."""

    cells: Snap
    minutes: np.ndarray
    nearest: np.ndarray
    primary_minutes: np.ndarray


@dataclass(frozen=True, eq=False)
class Metrics:
    """The coverage metrics of one run."""

    circle: coverage.Coverage
    health: coverage.Coverage
    bands: coverage.Coverage
    gaps: Gaps
    emergency: coverage.Coverage | None = None
    sites_outside: tuple[str, ...] = ()
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True, eq=False)
class Geometry:
    """The drawable part: gap polygons, nested isochrones, the travel-time surface (WGS84)."""

    gaps: gpd.GeoDataFrame
    isochrones: gpd.GeoDataFrame
    surface: gpd.GeoDataFrame


def _r(value: float | None, digits: int = 4) -> float | None:
    """Rounded, None for missing."""
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


@dataclass(eq=False)
class Results:
    """Everything one scenario run produced."""

    scenario: Scenario
    inputs: Inputs
    times: Times
    metrics: Metrics
    geometry: Geometry | None
    evaluation: SiteEvaluation | None
    candidate_isochrones: gpd.GeoDataFrame | None
    choice: SiteChoice | None
    plan: PlanInputs | None
    access: AccessResults | None = None  # capacity, floating catchment, referral, scaling up (spatial/access.py)
    targets: PlanTargets | None = None  # the plans' targets as this run measures them (spatial/plantargets.py)

    @property
    def region(self) -> Region:
        """The region coverage was measured on."""
        return self.inputs.region

    @property
    def notices(self) -> tuple[Notice, ...]:
        """Every notice of the run, inputs first."""
        out = [*self.inputs.notices, *self.metrics.notices]
        if self.choice is not None:
            r = self.choice.result
            k = self.scenario.optimiser.k
            if k and r.chosen.size < k:
                out.append(Notice("optimiser_fewer_sites", (
                    f"only {r.chosen.size} of the {k} sites asked for add anyone within {r.threshold_min:g} min; "
                    "the others would cover no new people and are not returned"), {"n": int(r.chosen.size), "k": k}))
            if not r.feasible:
                out.append(Notice("target_unreachable", (
                    f"the target {r.target_share:.1%} cannot be reached: every usable candidate together reaches "
                    f"{r.best_share:.1%}; add candidates or lower the target"),
                    {"target": r.target_share, "best": r.best_share}))
            if r.method == "exact-highs" and not r.proven_optimal:
                out.append(Notice("solver_not_proven", (
                    f"HiGHS stopped ({r.mip_status}) before proving optimality: the sites are its best found "
                    f"(bound {r.mip_bound}, gap {r.mip_gap}); give it more time for a proof"),
                    {"status": r.mip_status, "gap": r.mip_gap}))
        placed = self.placeholder_sites()
        if placed:
            out.append(Notice("placeholder_sites", (
                f"{len(placed)} usable candidate site(s) stand on placeholder points (the seat of the unit the plan "
                f"names, not the project's own address): {'、'.join(placed)}; their gains are approximate"),
                {"n": len(placed), "names": "、".join(placed)}))
        if self.access is not None:
            out += [Notice(code, message, values) for code, message, values in self.access.notices()]
        return tuple(out)

    def placeholder_sites(self) -> list[str]:
        """Names of the usable candidate or chosen sites that stand on a plan's placeholder point."""
        frames = [f for f in (self.evaluation.sites if self.evaluation is not None else None,
                              self.choice.chosen if self.choice is not None else None)
                  if f is not None and "placeholder" in f.columns]
        names: list[str] = []
        for f in frames:
            usable = f[f["placeholder"].fillna(False).astype(bool)]
            if "status" in usable.columns:
                usable = usable[usable["status"] == "ok"]
            names += [str(n) for n in usable["name"] if str(n) not in names]
        return names

    # ---------------------------------------------------------------------------------------------
    # figures

    def summary(self) -> dict[str, Any]:
        """JSON-ready headline figures (persons rounded to whole people, shares 0–1 to 4 decimals)."""
        c, h, b = self.metrics.circle.total, self.metrics.health.total, self.metrics.bands.total
        net = self.inputs.network
        out: dict[str, Any] = {
            "scenario": self.scenario.name,
            "region": self.region.name,
            "region_zh": self.region.name_zh,
            "population_total": round(c["population_total"]),
            "threshold_min": c["threshold_min"],
            "covered_population": round(c["covered_population"]),
            "covered_share": _r(c["covered_share"]),
            "health_circles": {
                "urban_threshold_min": h["urban_threshold_min"], "rural_threshold_min": h["rural_threshold_min"],
                "urban_share": _r(h["urban_share"]), "rural_share": _r(h["rural_share"]),
                "covered_population": round(h["covered_population"]), "covered_share": _r(h["covered_share"]),
                "primary_care_points": len(self.inputs.primary),
                "stand_in": bool(self.inputs.primary.get("stand_in", pd.Series(False)).any()),
            },
            "bands": {k: (round(v) if isinstance(v, float) and k.startswith(("pop_", "unreachable")) else v)
                      for k, v in b.items() if k != "population_total"},
            "gap_clusters": len(self.metrics.gaps.clusters),
            "gap_population": round(self.metrics.gaps.population),
            "facilities": len(self.inputs.facilities),
            "network": {"note": self.inputs.network_note, "nodes": net.n_nodes, "edges": net.n_edges},
            "cell_m": self.inputs.grid.cell_m,
            "population_far_from_network": round(self.inputs.far_population),
        }
        if self.metrics.emergency is not None:
            out["emergency_circle"] = {**self.metrics.emergency.total, "sites_outside_region": len(self.metrics.sites_outside)}
            if self.scenario.emergency_sites is None and self.plan is not None and self.plan.emergency_clause:
                out["emergency_circle"]["plan_clause"] = self.plan.emergency_clause  # the plan's sites: its words
        if self.evaluation is not None:
            ev = self.evaluation
            ok = ev.ok
            out["candidates"] = {
                "n": int(len(ev.sites)), "ok": int(ok.sum()), "rejected": int((~ok).sum()),
                "rejected_by": rejected_counts(ev.sites),  # by first failed check: adds up to "rejected"
                "covered_population_after": round(ev.covered_after),
                "covered_share_after": _r(ev.covered_after / ev.total if ev.total else 0.0),
                "new_population": round(ev.covered_after - ev.covered_before),
            }
        if self.choice is not None:
            r = self.choice.result
            out["optimiser"] = {
                "k_asked": self.scenario.optimiser.k or None, "target_share": r.target_share,
                "n_sites": int(r.chosen.size), "method": r.method, "proven_optimal": r.proven_optimal,
                "gap": r.mip_gap, "bound": r.mip_bound, "mip_status": r.mip_status,
                "covered_population_after": round(r.covered_after), "covered_share_after": _r(r.share_after),
                "feasible": r.feasible, "best_share": _r(r.best_share), "greedy_vs_exact": r.greedy_vs_exact,
                "n_candidates": int(len(self.choice.candidates)),
                "n_rejected": int((self.choice.candidates["status"] != "ok").sum()),
                "rejected_by": rejected_counts(self.choice.candidates),
                "sites": [str(n) for n in self.choice.chosen["name"]],
                "gain_population": [round(float(g)) for g in r.gain_population],
            }
        if self.access is not None:
            out["access"] = self.access.summary(self.region.counties)
        if self.targets is not None:
            out["plan_targets"] = self.targets.summary()
        out["notices"] = [{"code": n.code, "message": n.message} for n in self.notices]
        return out

    def county_table(self) -> pd.DataFrame:
        """One row per county: population, the 1-hour circle, the health circles and the travel-time bands."""
        circle = self.metrics.circle.counties
        health = self.metrics.health.counties[["adcode", "urban_share", "rural_share", "share"]].rename(
            columns={"urban_share": "urban_share_hc", "rural_share": "rural_share_hc", "share": "health_circle_share"})
        bands = self.metrics.bands.counties.drop(columns=["name_zh", "name_en", "population"])
        return circle.merge(health, on="adcode", how="left").merge(bands, on="adcode", how="left")

    def gap_table(self) -> pd.DataFrame:
        """One row per gap (split at county lines), most people first."""
        return self.metrics.gaps.clusters

    # ---------------------------------------------------------------------------------------------
    # GIS layers

    def cells_layer(self) -> gpd.GeoDataFrame:
        """Square population cells (WGS84) with persons, urban, 60+, county, minutes and whether covered."""
        grid, minutes = self.inputs.grid, self.times.minutes
        half = grid.cell_m / 2.0
        boxes = shapely.box(grid.x_m - half, grid.y_m - half, grid.x_m + half, grid.y_m + half)
        frame = gpd.GeoDataFrame({
            "adcode": np.asarray(grid.county, dtype=np.int64), "pop": grid.pop, "urban": grid.urban,
            "pop60": grid.pop60, "minutes": np.where(np.isfinite(minutes), minutes, np.nan),
            "covered": minutes <= self.metrics.circle.total["threshold_min"],
            "primary_minutes": np.where(np.isfinite(self.times.primary_minutes), self.times.primary_minutes, np.nan),
        }, geometry=boxes, crs=grid.metric_crs)  # fmt: skip
        return frame.to_crs("EPSG:4326")

    def cell_bands(self) -> dict[str, np.ndarray]:
        """Per-cell values written beside the population in ``cells.tif``: minutes to each kind of facility, and
        where asked the persons served / over capacity / beyond reach and the floating-catchment score."""
        out = {"minutes": self.times.minutes, "primary_minutes": self.times.primary_minutes}
        if self.access is not None:
            out.update(self.access.cell_bands())
        return out

    def layers(self, *, cells: bool = False) -> dict[str, gpd.GeoDataFrame]:
        """Every result layer (WGS84) keyed by its export name; the cell polygons only when ``cells`` is set.

        The cells are best exchanged as a raster (``cells.tif``, see ``spatial.outputs``): the same values
        at the grid's own resolution, a fraction of the size of 100,000 square polygons.
        """
        region = self.region
        counties = gpd.GeoDataFrame(
            self.county_table().merge(pd.DataFrame(region.counties)[["adcode", "geometry"]], on="adcode", how="left"),
            geometry="geometry", crs="EPSG:4326")
        out: dict[str, gpd.GeoDataFrame] = {}
        if cells:
            out["cells"] = self.cells_layer()
        out["counties"] = counties
        if self.geometry is not None:
            out["surface"] = self.geometry.surface
            out["isochrones"] = self.geometry.isochrones
            out["gaps"] = self.geometry.gaps
        out["facilities"] = self.inputs.facilities.to_crs("EPSG:4326")
        if len(self.inputs.primary):
            out["primary_care"] = self.inputs.primary.to_crs("EPSG:4326")
        if self.metrics.emergency is not None:
            e = self.metrics.emergency.counties
            out["emergency_sites"] = gpd.GeoDataFrame(e.drop(columns=["lon", "lat"]),
                                                      geometry=gpd.points_from_xy(e["lon"], e["lat"]), crs="EPSG:4326")
        if self.evaluation is not None and len(self.evaluation.sites):
            out["candidates"] = self.evaluation.sites.drop(columns=["node"], errors="ignore")
        if self.candidate_isochrones is not None and len(self.candidate_isochrones):
            out["candidate_isochrones"] = self.candidate_isochrones
        if self.choice is not None:
            out["optimised_sites"] = self.choice.chosen.drop(columns=["node"], errors="ignore")
        if self.access is not None:
            out.update(self.access.layers(region.counties))
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """Tables for CSV export: counties, gaps, and where present candidates by county and the emergency sites."""
        out = {"counties": self.county_table(), "gaps": self.gap_table()}
        if self.evaluation is not None and len(self.evaluation.by_county):
            out["candidates_by_county"] = self.evaluation.by_county
        if self.metrics.emergency is not None:
            out["emergency_sites"] = self.metrics.emergency.counties
        if self.access is not None:
            out.update(self.access.tables(self.region.counties))
        if self.targets is not None:
            out["plan_targets"] = self.targets.table
            if len(self.targets.by_county):
                out["plan_targets_by_county"] = self.targets.by_county
        return out

    # ---------------------------------------------------------------------------------------------
    # provenance

    @property
    def provenance(self) -> dict[str, Any]:
        """What every exported file of this run says about how it was made."""
        s, inp = self.scenario, self.inputs
        methods = {k: coverage.METHODS[k] for k in ("travel_time", "tertiary_circle", "health_circles", "bands",
                                                     "gaps", "isochrones")}
        if self.metrics.emergency is not None:
            methods["emergency_circle"] = coverage.METHODS["emergency_circle"]
        if self.access is not None:
            methods.update(self.access.methods())
        if self.targets is not None:
            methods["plan_targets"] = PLAN_TARGETS_METHOD
        return provenance.record(
            scenario=to_dict(s),
            region={"name": inp.region.name, "name_zh": inp.region.name_zh, "adcode": inp.region.adcode},
            data_dir=str(s.data_folder()),
            sources={
                "network": inp.network_note,
                "facilities": s.facilities.path or _default_text(inp.facilities, "named hospitals"),
                "primary_care": s.primary.path or _default_text(inp.primary, "primary-care points"),
                "population": s.population.path or inp.grid.provenance.get("source", "2020 census"),
                "plans": list(self.plan.plans) if self.plan else [],
                **({"resources": self.targets.resources_source} if self.targets is not None
                   and self.targets.resources_source else {}),
            },
            methods=methods,
            assumptions={"detour_factor": settings.DETOUR_FACTOR, "access_kmh": settings.ACCESS_SPEED_KMH,
                         "cell_m": float(inp.grid.cell_m), "max_road_m_for_candidates": s.sites.max_road_m},
            thresholds_min=asdict(s.thresholds),
            facilities_count={"tertiary": len(inp.facilities), "primary": len(inp.primary)},
            notices=[{"code": n.code, "message": n.message} for n in self.notices],
            network=inp.network.provenance,
            population=inp.grid.provenance,
        )


#: How the plans' targets are measured (quoted in the provenance when the run carries them).
PLAN_TARGETS_METHOD: str = (
    "each numeric target of the region's plans (layers/targets.py, with its quoted clause): circles measured as the "
    "share of census persons within the target's own minutes of the run's facilities (health circles only with "
    "real primary-care points); resources as the sum of a facility-file column per county per census denominator "
    "(spatial/resources.py) with the gap; the rest measurable once the named input is given, or not spatial"
)


def _default_text(frame: gpd.GeoDataFrame, what: str) -> str:
    """Where a default facility set came from, with the stand-in flag said plainly."""
    stand_in = bool(frame.get("stand_in", pd.Series(False)).any())
    if stand_in:
        return (f"county seats as stand-ins for {what} (data/facilities/county_seats.csv) — not real locations")
    return f"default {what}: data/facilities/*_institutions.csv ({len(frame)})"


def summary_json(results: Results) -> str:
    """The summary as one JSON line (the CLI's last line of output)."""
    return json.dumps(provenance.jsonable(results.summary()), ensure_ascii=False, allow_nan=False)
