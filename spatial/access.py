"""The access analyses as a run carries them: capacities from the scenario's options, the four analyses on the
run's cached travel-time matrices, and their tables, GIS layers, raster bands, summary, notices and methods.

The arithmetic lives in ``capacity`` (AccessMod's coverage with capacity), ``fca`` (2SFCA / E2SFCA),
``referral`` (primary care → county hospital → tertiary hospital) and ``scaling`` (new sites with capacity);
``spatial.pipeline`` calls the ``run_*`` functions below as cached stages and ``spatial.results`` reads an
``AccessResults``.  Capacities are stated, never guessed silently: a facility without a value in the chosen
column gets the scenario's assumed units (or the one standard value in ``settings.ASSUMED_UNITS``) and the
run says so in a notice.  Notices leave this module as ``(code, message, values)`` triples, which
``spatial.results`` turns into its ``Notice``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from spatial import capacity as cap
from spatial import fca as fca_mod
from spatial import referral as ref
from spatial import scaling as scl
from spatial import settings
from spatial.errors import HealthplanError, OptionError
from spatial.network import Network
from spatial.odmatrix import TravelMatrix, place_facility_minutes
from spatial.population import PopulationGrid
from spatial.scenario import CAPACITY_COLUMNS, CapacityAnalysis, FcaAnalysis, ScalingAnalysis
from spatial.traveltime import Snap, point_lonlat, snap

#: A notice as it leaves this module: code (for translations), English sentence, values for the sentence.
NoticeParts = tuple[str, str, dict[str, Any]]

#: Where each method comes from (quoted in the provenance of every exported file).
REFERENCES: dict[str, str] = {
    "capacity_coverage": (
        "WHO AccessMod 5 user manual, 'Geographic coverage analysis' (capacity-aware coverage) and Appendix "
        "'Calculation details'; Ray N & Ebener S (2008) AccessMod 3.0, International Journal of Health "
        "Geographics 7:63"
    ),
    "fca": (
        "Luo W & Qi Y (2009) An enhanced two-step floating catchment area (E2SFCA) method, Health & Place "
        "15(4):1100-1107; Luo W & Wang F (2003) Measures of spatial accessibility to health care in a GIS "
        "environment, Environment and Planning B 30(6):865-884; definitions as PySAL access"
    ),
    "referral_chain": "multi-source shortest-path search per level on the reversed road graph (this tool)",
    "scaling_up": (
        "WHO AccessMod 5 user manual, 'Scaling up analysis'; capacitated maximal covering as a transportation "
        "MILP solved by HiGHS (Huangfu Q & Hall JAJ (2018) Mathematical Programming Computation 10:119-142)"
    ),
}


#: The facility processing orders of the capacity analysis, said in words (provenance).
ORDER_TEXT: dict[str, str] = {"demand": "most persons within the threshold first", "capacity": "largest capacity first",
                              "given": "in the order of the facility file"}


# --------------------------------------------------------------------------------------------------
# Capacities


@dataclass(frozen=True, eq=False)
class Capacities:
    """Units and persons each facility can serve, and which units were assumed (no value in the file)."""

    column: str  # scenario value: beds, doctors, nurses, persons or count
    units: np.ndarray  # float64 (m,) units (beds …), assumed ones filled in
    persons: np.ndarray  # float64 (m,) persons each can serve = units × persons_per_unit
    assumed: np.ndarray  # bool (m,) the units were assumed
    persons_per_unit: float
    assumed_units: float | None  # units given to a facility without a value (None: none was needed)
    basis: str = ""  # where the assumed units come from

    def notice(self, what: str) -> NoticeParts | None:
        """The 'capacities assumed' notice, when any were."""
        n, m = int(self.assumed.sum()), int(self.assumed.size)
        if not n:
            return None
        column = CAPACITY_COLUMNS.get(self.column, self.column)
        return ("capacity_assumed", (
            f"{n} of the {m} {what} have no {column} value: {self.assumed_units:g} {column} each are assumed "
            f"({self.basis}); give a facility file with a {column} column for real figures"),
            {"n": n, "m": m, "units": float(self.assumed_units or 0.0), "column": column, "what": what})


def facility_capacities(
    frame: pd.DataFrame,
    column: str,
    *,
    persons_per_unit: float | None = None,
    assumed_units: float | None = None,
    what: str = "facilities",
) -> Capacities:
    """Units (beds, doctors, nurses, persons or 1 for ``count``) and persons each facility of ``frame`` can serve.

    A facility without a value in the column gets ``assumed_units`` — or ``settings.ASSUMED_UNITS`` for the
    column where a standard exists — and is flagged; with neither, ``OptionError`` names the facilities.
    ``persons_per_unit`` defaults to ``settings.PERSONS_PER_UNIT`` (the Hainan 14th plan's ratios).
    """
    m = len(frame)
    if column == "count":
        return Capacities("count", np.ones(m), np.ones(m), np.zeros(m, bool), 1.0, None, "")
    if column not in CAPACITY_COLUMNS:
        raise OptionError(f"unknown capacity column {column!r}: use one of {', '.join(CAPACITY_COLUMNS)} or count")
    field = CAPACITY_COLUMNS[column]
    ppu = settings.PERSONS_PER_UNIT[column] if persons_per_unit is None else float(persons_per_unit)
    values = (pd.to_numeric(frame[field], errors="coerce").to_numpy(dtype=np.float64) if field in frame.columns
              else np.full(m, np.nan))
    missing = ~np.isfinite(values)
    fill, basis = None, ""
    if missing.any():
        if assumed_units is not None:
            fill, basis = float(assumed_units), "as the scenario states"
        elif column in settings.ASSUMED_UNITS:
            fill = settings.ASSUMED_UNITS[column]
            basis = "the lower bound of a tertiary general hospital, 三级综合医院 住院床位总数500张以上"
        else:
            names = ", ".join(str(n) for n in frame.get("name", pd.Series(range(m)))[missing][:3])
            raise OptionError(
                f"{int(missing.sum())} of the {m} {what} have no {field} value (e.g. {names}); give a facility file "
                f"with a {field} column, or state the {field} to assume for them (assumed_units; --assume-units)")
        values = np.where(missing, fill, values)
    return Capacities(column, values, values * ppu, missing, ppu, fill, basis)


# --------------------------------------------------------------------------------------------------
# The four runs


@dataclass(frozen=True, eq=False)
class CapacityRun:
    """Capacity-aware coverage of one run and the capacities it used."""

    result: cap.CapacityCoverage
    capacities: Capacities
    facilities: gpd.GeoDataFrame  # WGS84 points, the result's facility order
    order: str = "demand"  # the processing order asked for (capacity.ORDERS)


def run_capacity(grid: PopulationGrid, matrix: TravelMatrix, facilities: gpd.GeoDataFrame, opts: CapacityAnalysis,
                 *, threshold_min: float) -> CapacityRun:
    """AccessMod's coverage with capacity on the cells × facilities ``matrix`` (limit ≥ ``threshold_min``)."""
    caps = facility_capacities(facilities, opts.column, persons_per_unit=opts.persons_per_unit,
                               assumed_units=opts.assumed_units)
    names = [str(n) for n in facilities["name"]] if "name" in facilities.columns else ()
    result = cap.allocate(matrix, grid.pop, caps.persons, threshold_min=threshold_min, order=opts.order,
                          band_min=opts.band_min, county=grid.county, names=names)
    return CapacityRun(result, caps, facilities.to_crs("EPSG:4326"), opts.order)


def catchments(grid: PopulationGrid, run: CapacityRun) -> gpd.GeoDataFrame:
    """Each facility's catchment (the cells it served) as polygons with its load; facilities serving nobody left out."""
    frame = cap.catchment_polygons(grid, run.result)
    frame.insert(2, "capacity_units", run.capacities.units)
    frame.insert(3, "capacity_assumed", run.capacities.assumed)
    return frame[~frame.geometry.isna() & ~frame.geometry.is_empty].reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class FcaRun:
    """Floating-catchment scores of one run and the supply they used."""

    result: fca_mod.FcaResult
    supply: Capacities


def fca_decay(opts: FcaAnalysis, catchment_min: float) -> fca_mod.Decay:
    """The decay the options describe: the method's own when unset (none for 2SFCA, Luo & Qi steps for E2SFCA)."""
    kind = opts.decay or ("none" if opts.method == "2sfca" else "step")
    if kind == "step":
        return fca_mod.luo_qi_steps(catchment_min)
    if kind == "gaussian":
        sigma = opts.sigma_min if opts.sigma_min is not None else settings.GAUSSIAN_SIGMA_SHARE * catchment_min
        return fca_mod.gaussian_decay(sigma)
    return fca_mod.Decay()


def run_fca(grid: PopulationGrid, matrix: TravelMatrix, facilities: gpd.GeoDataFrame, opts: FcaAnalysis,
            *, catchment_min: float) -> FcaRun:
    """2SFCA / E2SFCA on the cells × facilities ``matrix`` (limit ≥ ``catchment_min``); scores in supply per person."""
    supply = facility_capacities(facilities, opts.supply, assumed_units=opts.assumed_units)
    names = [str(n) for n in facilities["name"]] if "name" in facilities.columns else ()
    result = fca_mod.floating_catchment(matrix, grid.pop, supply.units, catchment_min=catchment_min,
                                        decay=fca_decay(opts, catchment_min), method=opts.method,
                                        county=grid.county, names=names)
    return FcaRun(result, supply)


@dataclass(frozen=True, eq=False)
class ReferralRun:
    """The referral chain of one run and the three point sets it joined (WGS84)."""

    chain: ref.ReferralChain
    primary: gpd.GeoDataFrame
    county_hospitals: gpd.GeoDataFrame
    tertiary: gpd.GeoDataFrame


def run_referral(net: Network, primary: gpd.GeoDataFrame, county_hospitals: gpd.GeoDataFrame,
                 tertiary: gpd.GeoDataFrame, *, counties: gpd.GeoDataFrame, limit_min: float | None) -> ReferralRun:
    """Minutes from each primary-care point to its nearest county hospital and on to the nearest tertiary one."""
    chain = ref.referral_chain(net, primary, county_hospitals, tertiary, counties=counties,
                               limit_min=np.inf if limit_min is None else float(limit_min))
    return ReferralRun(chain, *(f.to_crs("EPSG:4326").reset_index(drop=True)
                                for f in (primary, county_hospitals, tertiary)))


def referral_lines(run: ReferralRun) -> gpd.GeoDataFrame:
    """Every link as a straight line (WGS84) with its level, ends and road minutes: point → hospital → tertiary.

    Level-2 links appear once per county hospital that some point is referred to.  The lines join the
    points; the minutes are by road.
    """
    pts = run.chain.points()
    p_xy = np.column_stack([run.primary.geometry.x, run.primary.geometry.y])
    h_xy = np.column_stack([run.county_hospitals.geometry.x, run.county_hospitals.geometry.y])
    t_xy = np.column_stack([run.tertiary.geometry.x, run.tertiary.geometry.y])
    first = pts[pts["county_hospital"] >= 0]
    used = np.unique(first["county_hospital"].to_numpy())
    used = used[run.chain.hospital_tertiary[used] >= 0]
    frames = []
    if len(first):
        h = first["county_hospital"].to_numpy()
        frames.append(gpd.GeoDataFrame(
            {"level": ref.LEVELS[0], "adcode": first["adcode"].to_numpy(), "from_name": first["name"].to_numpy(),
             "to_name": first["county_hospital_name"].to_numpy(), "minutes": first["to_county_hospital_min"].to_numpy()},
            geometry=shapely.linestrings(np.stack([p_xy[first["point"].to_numpy()], h_xy[h]], axis=1)),
            crs="EPSG:4326"))
    if used.size:
        t = run.chain.hospital_tertiary[used]
        frames.append(gpd.GeoDataFrame(
            {"level": ref.LEVELS[1], "adcode": -1, "from_name": [run.chain.hospital_names[i] for i in used],
             "to_name": [run.chain.tertiary_names[i] for i in t], "minutes": run.chain.hospital_to_tertiary_min[used]},
            geometry=shapely.linestrings(np.stack([h_xy[used], t_xy[t]], axis=1)), crs="EPSG:4326"))
    if not frames:
        return gpd.GeoDataFrame({"level": [], "from_name": [], "to_name": [], "minutes": []}, geometry=[],
                                crs="EPSG:4326")
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326")


@dataclass(frozen=True, eq=False)
class ScalingRun:
    """The new sites chosen with capacity, every candidate considered, and the form asked for."""

    result: scl.ScalingResult
    candidates: gpd.GeoDataFrame  # checked pool: status, reason, capacity_units, capacity_persons, cost, chosen_rank
    chosen: gpd.GeoDataFrame  # rank, name, gain_population, served_after, capacity_units, cost (WGS84 points)
    costs_assumed: int  # candidates whose cost was not given (budget form only)
    capacity_assumed: int = 0  # usable candidates whose capacity neither their file nor the scenario states
    units_assumed: float = 0.0  # the units given to them
    column: str = "beds"


def _candidate_values(frame: pd.DataFrame, field: str, default: float) -> tuple[np.ndarray, np.ndarray]:
    """A numeric column of the candidates with ``default`` where missing, and the mask of the missing ones."""
    values = (pd.to_numeric(frame[field], errors="coerce").to_numpy(dtype=np.float64) if field in frame.columns
              else np.full(len(frame), np.nan))
    missing = ~np.isfinite(values)
    return np.where(missing, default, values), missing


def run_scaling(
    net: Network,
    grid: PopulationGrid,
    cells_snap: Snap,
    existing: TravelMatrix,
    existing_capacity: Capacities,
    checked: gpd.GeoDataFrame,
    opts: ScalingAnalysis,
    *,
    threshold_min: float,
) -> ScalingRun:
    """Scaling up on today's facilities (``existing`` matrix, their capacities) and the checked candidates.

    ``checked`` is the candidate pool as ``spatial.candidates.check_candidates`` returns it; only the
    usable ones (status ok) enter the model.  A candidate's capacity is its own value in the capacity
    column when the file gives one, else ``opts.candidate_units`` (else the assumed units of today's
    facilities); its cost is its ``cost`` column, else ``settings.DEFAULT_SITE_COST``.
    """
    column = existing_capacity.column
    field = CAPACITY_COLUMNS.get(column, column)
    default_units = (opts.candidate_units if opts.candidate_units is not None
                     else existing_capacity.assumed_units if existing_capacity.assumed_units is not None
                     else settings.ASSUMED_UNITS.get(column))
    if default_units is None:
        raise OptionError(f"state the capacity of a new site in {field} (candidate_units; --candidate-units)")
    units, units_missing = _candidate_values(checked, field, float(default_units))
    cost, cost_missing = _candidate_values(checked, "cost", settings.DEFAULT_SITE_COST)
    frame = checked.assign(capacity_units=units, capacity_persons=units * existing_capacity.persons_per_unit,
                           cost=cost).reset_index(drop=True)
    ok = np.flatnonzero((frame["status"] == "ok").to_numpy())
    if ok.size == 0:
        raise HealthplanError(f"none of the {len(frame)} candidate sites is usable (on land, inside the region, near "
                              "a road); add candidates or use the gap candidates")
    usable = frame.iloc[ok].reset_index(drop=True)
    # one bounded search per usable candidate, from its own snapped node with its access leg
    snapped = snap(net, *point_lonlat(usable))  # exact legs (the checked frame rounds them for display)
    cand = place_facility_minutes(net, cells_snap, snapped.node, snapped.access_min, limit_min=threshold_min)
    names = [str(n) for n in usable["name"]]
    problem = scl.scaling_problem(existing, cand, grid.pop, existing_capacity.persons, usable["capacity_persons"],
                                  threshold_min=threshold_min, candidate_cost=usable["cost"], names=names)
    if opts.k:
        result = scl.best_k(problem, opts.k, method=opts.method, time_limit_s=opts.time_limit_s)
        result.extra["k"] = int(opts.k)
    elif opts.target_share is not None:
        result = scl.fewest_sites(problem, opts.target_share, method=opts.method, time_limit_s=opts.time_limit_s)
    else:
        result = scl.within_budget(problem, float(opts.budget or 0.0), method=opts.method,
                                   time_limit_s=opts.time_limit_s)
    # AccessMod's facility-by-facility rule with the chosen sites, beside the best assignment
    cols = sp.hstack([existing.within(threshold_min), cand.within(threshold_min)[:, result.chosen]], format="csr")
    caps = np.r_[existing_capacity.persons, usable["capacity_persons"].to_numpy()[result.chosen]]
    seq = cap.allocate(TravelMatrix(cols, float(threshold_min)), grid.pop, caps, threshold_min=threshold_min)
    result.extra["served_after_sequential"] = round(float(seq.served.sum()), 1)
    rank = np.zeros(len(frame), dtype=np.int64)
    rank[ok[result.chosen]] = np.arange(1, result.chosen.size + 1)
    frame["chosen_rank"] = rank
    sites = result.sites()
    chosen = gpd.GeoDataFrame(
        sites.assign(name=[names[j] for j in result.chosen],
                     capacity_units=usable["capacity_units"].to_numpy()[result.chosen],
                     cost=usable["cost"].to_numpy()[result.chosen]).drop(columns=["candidate"]),
        geometry=usable.geometry.to_numpy()[result.chosen], crs="EPSG:4326")
    costs_assumed = int(cost_missing[ok].sum()) if opts.budget is not None else 0
    units_assumed = int(units_missing[ok].sum()) if opts.candidate_units is None else 0
    return ScalingRun(result, frame.drop(columns=["node"], errors="ignore"), chosen, costs_assumed, units_assumed,
                      float(default_units), field)


# --------------------------------------------------------------------------------------------------
# What a run carries


def _r(value: Any, digits: int = 4) -> Any:
    """A float rounded for JSON (None for missing or infinite)."""
    if value is None:
        return None
    value = float(value)
    return round(value, digits) if np.isfinite(value) else None


def _with_names(frame: pd.DataFrame, counties: pd.DataFrame) -> pd.DataFrame:
    """County names (name_zh, name_en) put in front of a frame keyed by adcode."""
    names = pd.DataFrame(counties).drop(columns="geometry", errors="ignore")
    names = names[[c for c in ("adcode", "name_zh", "name_en") if c in names.columns]]
    names = names.assign(adcode=names["adcode"].astype("int64"))
    body = frame.drop(columns=[c for c in ("name_zh", "name_en") if c in frame.columns])
    return names.merge(body, on="adcode", how="right")


@dataclass(frozen=True, eq=False)
class AccessResults:
    """The access analyses of one run (each None when not asked for) and the capacity catchments (geometry)."""

    capacity: CapacityRun | None = None
    fca: FcaRun | None = None
    referral: ReferralRun | None = None
    scaling: ScalingRun | None = None
    catchments: gpd.GeoDataFrame | None = None

    @property
    def any(self) -> bool:
        """True when some analysis ran."""
        return any(x is not None for x in (self.capacity, self.fca, self.referral, self.scaling))

    # ---------------------------------------------------------------------------------------------
    # figures

    def summary(self, counties: pd.DataFrame | None = None) -> dict[str, Any]:
        """JSON-ready headline figures per analysis (persons rounded, shares 0–1, minutes); ``counties`` names them."""
        out: dict[str, Any] = {}
        if self.capacity is not None:
            c, caps = self.capacity.result, self.capacity.capacities
            table = c.facilities()
            out["capacity"] = {
                **{k: (round(v) if k in ("population_total", "served", "over_capacity", "beyond_reach",
                                         "capacity_total") else v) for k, v in c.summary().items()},
                "column": CAPACITY_COLUMNS[caps.column], "persons_per_unit": _r(caps.persons_per_unit, 3),
                "facilities_assumed": int(caps.assumed.sum()), "assumed_units": caps.assumed_units,
                "facilities_full": int((table["utilisation"] >= 0.999).sum()),
                "max_load_factor": _r(table["load_factor"].replace(np.inf, np.nan).max(), 3),
            }
        if self.fca is not None:
            f = self.fca.result
            out["fca"] = {**{k: (_r(v, 6) if isinstance(v, float) else v) for k, v in f.summary().items()},
                          "supply": self.fca.supply.column, "facilities_assumed": int(self.fca.supply.assumed.sum())}
        if self.referral is not None:
            ch = self.referral.chain
            worst = ch.counties().iloc[0] if len(ch.point_names) else None
            out["referral"] = {
                **{k: (_r(v, 2) if isinstance(v, float) else v) for k, v in ch.summary().items()},
                "primary_stand_in": _stand_in(self.referral.primary),
                "county_hospitals_stand_in": _stand_in(self.referral.county_hospitals),
                "slowest_county": None if worst is None else int(worst["adcode"]),
                "slowest_county_zh": None if worst is None else _county_name(counties, int(worst["adcode"])),
                "slowest_chain_min": None if worst is None else _r(worst["slowest_chain_min"], 2),
            }
        if self.scaling is not None:
            r, sc = self.scaling.result, self.scaling
            ok = (sc.candidates["status"] == "ok").to_numpy()
            out["scaling"] = {
                "form": r.form, "method": r.method, "proven_optimal": r.proven_optimal,
                "candidates": int(len(ok)), "candidates_ok": int(ok.sum()), "candidates_rejected": int((~ok).sum()),
                "n_sites": int(r.chosen.size), "sites": [str(n) for n in sc.chosen["name"]],
                "gain_population": [round(float(g)) for g in r.gain],
                "served_before": round(r.served_before), "served_after": round(r.served_after),
                "served_share_before": _r(r.served_share_before), "served_share_after": _r(r.served_share_after),
                "served_after_sequential": round(float(r.extra.get("served_after_sequential", np.nan)))
                if np.isfinite(r.extra.get("served_after_sequential", np.nan)) else None,
                "feasible": r.feasible, "cost_total": _r(r.cost_total, 3), "budget": r.extra.get("budget"),
                "candidate_units_assumed": sc.units_assumed if sc.capacity_assumed else None,
                "target_share": r.extra.get("target_share"), "mip_status": r.mip_status, "mip_gap": _r(r.mip_gap, 6),
                "mip_objective": _r(r.mip_objective, 1), "mip_bound": _r(r.mip_bound, 1),
                "greedy_served_after": _r(r.greedy_served_after, 1), "solve_s": _r(r.solve_s, 3),
            }
        return out

    def notices(self) -> list[NoticeParts]:
        """Everything the user must know about these figures (assumed capacities, stand-ins, solver status)."""
        out: list[NoticeParts] = []
        if self.capacity is not None:
            n = self.capacity.capacities.notice("facilities")
            if n is not None:
                out.append(n)
        if self.fca is not None and (self.capacity is None or self.fca.supply.column != self.capacity.capacities.column):
            n = self.fca.supply.notice("facilities (floating catchment supply)")
            if n is not None:
                out.append(n)
        if self.referral is not None and _stand_in(self.referral.county_hospitals):
            out.append(("referral_stand_in", (
                "no county-level hospitals are loaded: county seats stand in for them in the referral chain, so its "
                "middle link is a model, not a measurement — upload the county hospitals (县级医院)"), {}))
        if self.scaling is not None:
            out += _scaling_notices(self.scaling)
        return out

    def methods(self) -> dict[str, str]:
        """The method of each analysis that ran, with the options used and its reference (for the provenance)."""
        out: dict[str, str] = {}
        if self.capacity is not None:
            c, caps = self.capacity.result, self.capacity.capacities
            out["capacity_coverage"] = (
                f"capacity = {CAPACITY_COLUMNS[caps.column]} × {caps.persons_per_unit:.4g} persons per unit; "
                f"facilities processed one after another ({ORDER_TEXT[self.capacity.order]}; ties keep the input "
                "order); each takes the still-unserved population in "
                f"increasing travel time, in zones of {c.band_min:g} min (⌈minutes / zone⌉), until its capacity or "
                f"the {c.threshold_min:g}-minute threshold; the first zone that does not fit is shared in proportion "
                "(every cell gives the same share); served + over capacity + beyond reach = population, cell by cell. "
                f"Reference: {REFERENCES['capacity_coverage']}")
        if self.fca is not None:
            f = self.fca.result
            out["fca"] = (
                f"{f.method.upper()}: R_j = supply_j / Σ P_i W(t_ij) over cells within {f.catchment_min:g} min; "
                f"A_i = Σ R_j W(t_ij); W = {f.decay.describe()}; supply = {self.fca.supply.column}; county scores "
                f"population-weighted. Reference: {REFERENCES['fca']}")
        if self.referral is not None:
            out["referral_chain"] = (
                "one multi-source search per level: every primary-care point to its nearest county-level hospital "
                "(by road minutes, across county borders), that hospital to its nearest tertiary hospital; chain = "
                "both legs; lines join the points, minutes are by road. "
                f"Reference: {REFERENCES['referral_chain']}")
        if self.scaling is not None:
            r = self.scaling.result
            out["scaling_up"] = (
                f"form {r.form}: served = the largest flow of persons to facilities within the threshold with each "
                "facility at most its capacity (today's kept); greedy (lazy, submodular) then, for exact, a HiGHS MILP "
                f"warm-started from greedy; result: {r.method}. Reference: {REFERENCES['scaling_up']}")
        return out

    # ---------------------------------------------------------------------------------------------
    # tables, layers, bands

    def tables(self, counties: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """CSV tables (tidy, one row per facility / county / point / site)."""
        out: dict[str, pd.DataFrame] = {}
        if self.capacity is not None:
            c, caps = self.capacity.result, self.capacity.capacities
            table = c.facilities()
            table.insert(2, "capacity_units", caps.units)
            table.insert(3, "capacity_assumed", caps.assumed)
            pts = self.capacity.facilities.geometry
            out["capacity_facilities"] = table.assign(lon=pts.x.to_numpy(), lat=pts.y.to_numpy())
            out["capacity_counties"] = c.counties(counties)
        if self.fca is not None:
            out["fca_counties"] = self.fca.result.counties(counties)
            out["fca_facilities"] = self.fca.result.facilities().assign(supply_assumed=self.fca.supply.assumed)
        if self.referral is not None:
            ch = self.referral.chain
            out["referral_points"] = ch.points()
            out["referral_counties"] = ch.counties(counties)
            out["referral_slowest_links"] = _with_names(ch.slowest_links(), counties)
        if self.scaling is not None:
            out["scaling_sites"] = pd.DataFrame(self.scaling.chosen.drop(columns="geometry")).assign(
                lon=self.scaling.chosen.geometry.x.to_numpy(), lat=self.scaling.chosen.geometry.y.to_numpy())
            cands = self.scaling.candidates
            out["scaling_candidates"] = pd.DataFrame(cands.drop(columns="geometry")).assign(
                lon=cands.geometry.x.to_numpy(), lat=cands.geometry.y.to_numpy())
        return out

    def county_frame(self, counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
        """County polygons with each analysis's county figures side by side (None when none ran per county)."""
        parts = []
        if self.capacity is not None:
            parts.append(self.capacity.result.counties().drop(columns=["population"]).rename(
                columns={c: f"capacity_{c}" for c in ("served", "over_capacity", "beyond_reach", "served_share",
                                                     "over_capacity_share", "beyond_reach_share")}))
        if self.fca is not None:
            fc = self.fca.result.counties()[["adcode", "score_per_1000", "normalized", "reached_share"]]
            parts.append(fc.rename(columns={"score_per_1000": "fca_score_per_1000", "normalized": "fca_normalized",
                                            "reached_share": "fca_reached_share"}))
        if self.referral is not None:
            rc = self.referral.chain.counties()[["adcode", "rank", "median_chain_min", "slowest_chain_min"]]
            parts.append(rc.rename(columns={"rank": "referral_rank", "median_chain_min": "referral_median_min",
                                            "slowest_chain_min": "referral_slowest_min"}))
        if not parts:
            return None
        base = gpd.GeoDataFrame(counties[[c for c in ("adcode", "name_zh", "name_en") if c in counties.columns]
                                         + [counties.geometry.name]].copy(), geometry=counties.geometry.name)
        base["adcode"] = base["adcode"].astype("int64")
        for part in parts:
            base = base.merge(part, on="adcode", how="left")
        return gpd.GeoDataFrame(base, geometry=counties.geometry.name, crs=counties.crs).to_crs("EPSG:4326")

    def layers(self, counties: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
        """GIS layers (WGS84): catchments with load, facility load points, access by county, referral links, sites."""
        out: dict[str, gpd.GeoDataFrame] = {}
        if self.catchments is not None and len(self.catchments):
            out["catchments"] = self.catchments
        if self.capacity is not None:
            table = self.tables(counties)["capacity_facilities"].drop(columns=["lon", "lat"])
            out["facility_load"] = gpd.GeoDataFrame(table, geometry=self.capacity.facilities.geometry.to_numpy(),
                                                    crs="EPSG:4326")
        frame = self.county_frame(counties)
        if frame is not None:
            out["access_counties"] = frame
        if self.referral is not None:
            lines = referral_lines(self.referral)
            if len(lines):
                out["referral_links"] = lines
        if self.scaling is not None:
            if len(self.scaling.chosen):
                out["scaling_sites"] = self.scaling.chosen
            out["scaling_candidates"] = self.scaling.candidates
        return out

    def cell_bands(self) -> dict[str, np.ndarray]:
        """Per-cell values for ``cells.tif``: persons served / over capacity / beyond reach, the FCA score per 1,000."""
        out: dict[str, np.ndarray] = {}
        if self.capacity is not None:
            c = self.capacity.result
            out.update({"served": c.served, "over_capacity": c.over_capacity, "beyond_reach": c.beyond_reach})
        if self.fca is not None:
            out["fca_score_per_1000"] = self.fca.result.score * 1000.0
        return out

    def cell_table(self) -> pd.DataFrame:
        """One row per cell with every analysis's cell figures (capacity: served …; FCA: score …)."""
        frames = []
        if self.capacity is not None:
            frames.append(self.capacity.result.cells())
        if self.fca is not None:
            f = self.fca.result.cells().drop(columns=["adcode", "population"], errors="ignore")
            frames.append(f.rename(columns={c: f"fca_{c}" for c in f.columns if c != "cell"}))
        if not frames:
            return pd.DataFrame()
        out = frames[0]
        for f in frames[1:]:
            out = out.merge(f, on="cell", how="outer")
        return out


def _county_name(counties: pd.DataFrame | None, adcode: int) -> str | None:
    """The Chinese name of a county adcode (None when unknown)."""
    if counties is None:
        return None
    hit = counties.loc[counties["adcode"].astype("int64") == adcode, "name_zh"]
    return str(hit.iloc[0]) if len(hit) else None


def _stand_in(frame: pd.DataFrame) -> bool:
    """True when any row of a facility frame is a county-seat stand-in."""
    return bool(frame.get("stand_in", pd.Series(False, index=frame.index)).fillna(False).astype(bool).any())


def _scaling_notices(run: ScalingRun) -> list[NoticeParts]:
    """Solver status, unreachable targets, fewer sites than asked, assumed costs — said plainly."""
    r = run.result
    out: list[NoticeParts] = []
    if r.method.startswith("exact-highs") and not r.proven_optimal:
        out.append(("scaling_not_proven", (
            f"HiGHS stopped ({r.mip_status}) before proving optimality: the {r.chosen.size} sites are its incumbent "
            f"(objective {r.mip_objective if r.mip_objective is None else f'{r.mip_objective:,.0f}'}, bound "
            f"{r.mip_bound if r.mip_bound is None else f'{r.mip_bound:,.0f}'}, gap "
            f"{r.mip_gap if r.mip_gap is None else f'{r.mip_gap:.2%}'}), not a proven optimum; give the solver "
            "more time (time_limit_s; --time-limit) for a proof"),
            {"status": r.mip_status, "objective": r.mip_objective, "bound": r.mip_bound, "gap": r.mip_gap}))
    elif r.method.startswith("greedy (fallback"):
        out.append(("scaling_greedy_fallback", (
            f"the exact solver gave no better answer ({r.mip_status}); these are the greedy sites, not a proven "
            "optimum"), {"status": r.mip_status}))
    if not r.feasible:
        best = r.extra.get("best_share", r.served_share_after)
        out.append(("scaling_target_unreachable", (
            f"the target {r.extra.get('target_share', 0):.1%} served cannot be reached: every usable candidate "
            f"together serves {best:.1%}; add candidates, more capacity, or lower the target"),
            {"target": r.extra.get("target_share"), "best": best}))
    if r.form == "best_k":
        asked = int(r.extra.get("k", 0) or 0)
        if asked and r.chosen.size < asked:
            out.append(("scaling_fewer_sites", (
                f"only {r.chosen.size} of the {asked} new sites asked for serve anyone more; the others are not "
                "returned"), {"n": int(r.chosen.size), "k": asked}))
    if run.capacity_assumed:
        out.append(("scaling_capacity_assumed", (
            f"{run.capacity_assumed} candidate sites have no {run.column} value: each new site is assumed to have "
            f"{run.units_assumed:g} {run.column} (state it with candidate_units; --candidate-units)"),
            {"n": run.capacity_assumed, "units": run.units_assumed, "column": run.column}))
    if run.costs_assumed:
        out.append(("scaling_costs_assumed", (
            f"{run.costs_assumed} candidate sites have no cost: {settings.DEFAULT_SITE_COST:g} each is assumed "
            "(give a cost column in the candidate file)"), {"n": run.costs_assumed}))
    return out
