"""Resources per denominator by county against plan targets: beds, doctors, elderly beds … per 1,000 residents.

For every target row whose ``resource`` is a capacity column of the facility file, the amount in each county
(the sum of that column over the facilities inside the county's polygon, or carrying its adcode) is divided
by the county's denominator (``per``: 2020 census residents, children 0–14, residents 60+, the county's area
in km², or nothing for absolute counts) and scaled by ``per_count`` (1,000 for "per 1,000").  The gap is what
is missing to reach the target: ``target × denominator / per_count − amount`` (never negative).  Facilities
outside every county of the region serve none of its residents: they are reported apart, never counted.

Targets come in as a DataFrame in the layout of ``layers.targets.TARGETS`` (columns plan, indicator, resource,
value, comparator, per, per_count, scope, clause), so the engine never imports the plan layers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial import census
from spatial.coords import metric_crs
from spatial.errors import InputFileError

log = logging.getLogger(__name__)

#: Target columns this module reads.
TARGET_COLUMNS: tuple[str, ...] = (
    "indicator",
    "resource",
    "value",
    "comparator",
    "per",
    "per_count",
    "scope",
)
#: Denominator (``per``) → census count column; "area" is the county polygon's area (km²), "none" is 1.
CENSUS_COLUMN: dict[str, str] = {"total": "pop_total", "children": "pop_0to14", "60plus": "pop_60plus"}
PER_VALUES: tuple[str, ...] = (*CENSUS_COLUMN, "area", "none")
SCOPES: tuple[str, ...] = ("region", "each county", "each prefecture")


@dataclass(frozen=True, eq=False)
class Resources:
    """Resources against targets: per county (long form), for the region, and the facilities outside it.

    ``by_county``: one row per (target, county): adcode, name_zh, indicator, resource, amount, denominator,
    rate (amount per ``per_count`` of the denominator), target, meets, gap (amount missing, ≥ 0).
    ``total``: one row per target for the whole region (same columns, plus amount_outside, counties_meeting,
    counties) — for "each county"/"each prefecture" targets ``meets`` says whether every unit meets it.
    ``outside``: the facilities that lie in no county of the region (with their capacities).
    """

    by_county: pd.DataFrame
    total: pd.DataFrame
    outside: gpd.GeoDataFrame


def _check_targets(targets: pd.DataFrame) -> pd.DataFrame:
    """The target rows with a resource, validated (InputFileError naming the row and column)."""
    missing = [c for c in TARGET_COLUMNS if c not in targets.columns]
    if missing:
        raise InputFileError(
            f"targets lack column(s) {missing}; give a frame in the layout of layers.targets.TARGETS"
        )
    rows = targets[targets["resource"].fillna("").astype(str) != ""].reset_index(drop=True)
    for i, row in rows.iterrows():
        where = f"target {row['indicator']!r} (row {i})"
        if row["per"] not in PER_VALUES:
            raise InputFileError(f"{where}, column per: {row['per']!r}; use one of {', '.join(PER_VALUES)}")
        if row["scope"] not in SCOPES:
            raise InputFileError(f"{where}, column scope: {row['scope']!r}; use one of {', '.join(SCOPES)}")
        if not float(row["per_count"]) > 0:
            raise InputFileError(f"{where}, column per_count: {row['per_count']!r} must be > 0 (e.g. 1000)")
    return rows


def facility_counties(facilities: gpd.GeoDataFrame, counties: gpd.GeoDataFrame) -> np.ndarray:
    """County adcode of each facility (int64; 0 = in no county): its ``adcode`` column, else the polygon it lies in."""
    if "adcode" in facilities.columns:
        codes = pd.to_numeric(facilities["adcode"], errors="coerce")
        bad = codes.isna() & facilities["adcode"].notna()
        if bad.any():
            rows = facilities.get(
                "source_row", pd.Series(np.arange(len(facilities)) + 2, index=facilities.index)
            )
            raise InputFileError(
                f"the facilities' 'adcode' column must hold 6-digit county codes; rows "
                f"{', '.join(str(int(r)) for r in rows[bad].head(5))} do not (e.g. {facilities['adcode'][bad].iloc[0]!r})"
            )
        adcodes = codes.fillna(0).astype(np.int64).to_numpy()
        return np.where(np.isin(adcodes, counties["adcode"].to_numpy(dtype=np.int64)), adcodes, 0)
    polys = counties.to_crs("EPSG:4326")
    hit_pt, hit_poly = polys.sindex.query(
        facilities.geometry.to_crs("EPSG:4326").values, predicate="intersects"
    )
    out = np.zeros(len(facilities), dtype=np.int64)
    order = np.argsort(hit_pt, kind="stable")[::-1]  # a point on a shared edge goes to its first county
    out[hit_pt[order]] = polys["adcode"].to_numpy(dtype=np.int64)[hit_poly[order]]
    return out


def county_denominators(counties: gpd.GeoDataFrame, population: pd.DataFrame | None = None) -> pd.DataFrame:
    """Denominators per county adcode: census counts (persons) and ``area_km2`` of the polygon (equal-area CRS)."""
    codes = counties["adcode"].to_numpy(dtype=np.int64)
    table = census.county_totals(codes) if population is None else population.reindex(codes)
    table = table.copy()
    crs = metric_crs(*counties.to_crs("EPSG:4326").total_bounds)
    table["area_km2"] = counties.to_crs(crs).area.to_numpy() / 1e6
    table.index = pd.Index(codes, name="adcode")
    return table


def _meets(rate: np.ndarray, target: float, comparator: str) -> np.ndarray:
    """Whether each rate satisfies ``comparator target`` (NaN rates never do)."""
    ops: dict[str, Callable[..., np.ndarray]] = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less, "=": np.isclose}
    with np.errstate(invalid="ignore"):
        return ops.get(comparator, np.greater_equal)(rate, target) & ~np.isnan(rate)


def _gap(
    amount: np.ndarray, denominator: np.ndarray, target: float, per_count: float, comparator: str
) -> np.ndarray:
    """Amount missing to reach the target (≥ 0) for lower bounds; for upper bounds the excess over it (≥ 0)."""
    needed = target * denominator / per_count
    return np.maximum(amount - needed, 0.0) if comparator in ("<=", "<") else np.maximum(needed - amount, 0.0)


def resources_by_county(
    facilities: gpd.GeoDataFrame,
    targets: pd.DataFrame,
    *,
    counties: gpd.GeoDataFrame,
    population: pd.DataFrame | None = None,
) -> Resources:
    """Capacities of ``facilities`` per county and for the region against ``targets``, with the gap to each target.

    Parameters
    ----------
    facilities
        Points (any CRS) with numeric capacity columns named as the targets' ``resource`` (beds, doctors,
        elderly_beds …; see spatial.facilities.NUMBER_FIELDS).  An ``adcode`` column, if present, places each
        facility in a county instead of its point.
    targets
        Rows in the layout of ``layers.targets.TARGETS``; rows whose resource is not a column with values are
        skipped (logged).
    counties
        The region's county polygons with ``adcode`` (and ``name_zh``), e.g. ``spatial.regions.resolve(r).counties``.
    population
        Counts per adcode with the census columns (pop_total, pop_0to14, pop_60plus …), persons; default the
        2020 census (``spatial.census.county_totals``).

    Returns
    -------
    Resources
        ``by_county`` and ``total`` with amount (units of the resource), denominator (persons, km² or 1),
        rate (per ``per_count`` of the denominator), target, meets and gap (units of the resource).
    """
    rows = _check_targets(targets)
    present = [
        r for r in dict.fromkeys(rows["resource"]) if r in facilities.columns and facilities[r].notna().any()
    ]
    skipped = sorted(set(rows["resource"]) - set(present))
    if skipped:
        log.info("no values for %s in the facility file: their targets are skipped", ", ".join(skipped))
    if not present:
        raise InputFileError(
            "the facility file has no column with values for any target resource; add one of "
            f"{', '.join(dict.fromkeys(rows['resource']))} (see data/templates/facilities_template.csv)"
        )
    denominators = county_denominators(counties, population)
    codes = denominators.index.to_numpy(dtype=np.int64)
    names = (
        counties.set_index("adcode").reindex(codes)["name_zh"].to_numpy() if "name_zh" in counties else codes
    )
    fac_county = facility_counties(facilities, counties)
    pos = pd.Index(codes).get_indexer(pd.Index(fac_county))
    inside = pos >= 0
    if (~inside).any():
        log.warning(
            "%d facilities lie in no county of the region: reported apart, not counted", int((~inside).sum())
        )
    long_rows, total_rows = [], []
    for _, t in rows[rows["resource"].isin(present)].iterrows():
        amount_all = (
            pd.to_numeric(facilities[t["resource"]], errors="coerce").fillna(0.0).to_numpy(dtype=float)
        )
        amount = np.bincount(pos[inside], weights=amount_all[inside], minlength=len(codes))
        if t["per"] == "none":
            denom = np.ones(len(codes))
        elif t["per"] == "area":
            denom = denominators["area_km2"].to_numpy(dtype=float)
        else:
            denom = denominators[CENSUS_COLUMN[t["per"]]].to_numpy(dtype=float)
        unit_amount: np.ndarray  # float64 (bincount's int/float overloads would otherwise narrow it)
        unit_denom: np.ndarray
        unit_codes, unit_names, unit_amount, unit_denom = codes, names, amount, denom
        if t["scope"] == "each prefecture":  # prefecture = the first 4 digits of the county adcode
            pref = codes // 100 * 100
            unit_codes, inv = np.unique(pref, return_inverse=True)
            unit_amount = np.bincount(inv, weights=amount)
            unit_denom = np.bincount(inv, weights=denom) if t["per"] != "none" else np.ones(len(unit_codes))
            unit_names = unit_codes
        per_count, value, cmp_ = float(t["per_count"]), float(t["value"]), str(t["comparator"])
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(unit_denom > 0, unit_amount / unit_denom * per_count, np.nan)
        meets = _meets(rate, value, cmp_)
        gap = _gap(unit_amount, unit_denom, value, per_count, cmp_)
        long_rows.append(pd.DataFrame({
            "indicator": t["indicator"], "resource": t["resource"], "adcode": unit_codes, "name_zh": unit_names,
            "amount": unit_amount, "denominator": unit_denom, "per": t["per"], "per_count": per_count, "rate": rate,
            "target": value, "comparator": cmp_, "meets": meets, "gap": gap,
        }))  # fmt: skip
        if t["scope"] == "region":
            total_denom = float(denom.sum()) if t["per"] != "none" else 1.0
            total_amount = float(amount.sum())
            total_rate = total_amount / total_denom * per_count if total_denom > 0 else np.nan
            total_meets = bool(_meets(np.array([total_rate]), value, cmp_)[0])
            total_gap = float(
                _gap(np.array([total_amount]), np.array([total_denom]), value, per_count, cmp_)[0]
            )
        else:  # every unit must meet it; the gap is the sum of the units' gaps
            total_denom, total_amount = float(unit_denom.sum()), float(unit_amount.sum())
            total_rate, total_meets, total_gap = np.nan, bool(meets.all()), float(gap.sum())
        total_rows.append({
            "indicator": t["indicator"], "resource": t["resource"], "scope": t["scope"], "amount": total_amount,
            "amount_outside": float(amount_all[~inside].sum()), "denominator": total_denom, "per": t["per"],
            "per_count": per_count, "rate": total_rate, "target": value, "comparator": cmp_, "meets": total_meets,
            "gap": total_gap, "units_meeting": int(meets.sum()), "units": int(len(unit_codes)),
            "clause": t.get("clause", ""),
        })  # fmt: skip
    outside = facilities[~inside].copy()
    return Resources(pd.concat(long_rows, ignore_index=True), pd.DataFrame(total_rows), outside)
