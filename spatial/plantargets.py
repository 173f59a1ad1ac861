"""The plans' targets for one run: each one measured (its value, and by county), measurable once the user
supplies a named input, or not spatial.

The targets come in as a frame in the layout of ``layers.targets.TARGETS`` plus a ``metric`` column (the
engine reads no plan; ``layers.inputs`` adds the column): ``tertiary_circle``, ``urban_circle``,
``rural_circle`` or ``emergency_circle`` for the targets a coverage metric measures, empty otherwise.  A
target is *measured* in this run when

* its metric is a circle: the share of persons within the target's own ``threshold_min`` of the run's
  facilities (recomputed from each cell's minutes, so a run at another threshold still measures the
  target's); the health circles count only with real primary-care points — with county-seat stand-ins
  the value is shown as an estimate and the target stays *measurable*; the emergency circle counts the
  share of the region's named sites within the threshold (their minutes come with the run);
* its ``resource`` is a column with values in the user's facility file (``spatial.resources``): the rate
  per ``per_count`` of the census denominator, by county, with the gap.

Everything else keeps the status the plan table gives it, a *measured* one without a value here becoming
*measurable*.  Values are in the target's unit (percent for the circles, rates per ``per_count``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial import coverage
from spatial.errors import InputFileError
from spatial.population import PopulationGrid
from spatial.resources import Resources, resources_by_county

#: Coverage metrics that measure a target (the ``metric`` column of the targets frame).
METRICS: tuple[str, ...] = ("tertiary_circle", "urban_circle", "rural_circle", "emergency_circle")

#: Columns of the run's targets table, in order.
COLUMNS: tuple[str, ...] = (
    "plan", "indicator", "indicator_zh", "status", "value", "target", "comparator", "value_as_written", "unit",
    "meets", "gap", "units_meeting", "units", "scope", "threshold_min", "detail", "input_needed", "note", "clause",
    "section", "layer", "plan_status",
)  # fmt: skip

_OPS: dict[str, Callable[..., Any]] = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less, "=": np.isclose}


@dataclass(frozen=True, eq=False)
class PlanTargets:
    """The targets of the region's plans as this run sees them (``table``), by county where measured."""

    table: pd.DataFrame  # one row per target, COLUMNS
    by_county: pd.DataFrame  # plan, indicator, adcode, name_zh, value, target, comparator, meets, gap, amount, denominator
    resources: Mapping[str, Resources] | None = None  # per plan id
    resources_source: str | None = None

    @property
    def outside(self) -> gpd.GeoDataFrame | None:
        """Facilities of the measured file that lie in no county of the region (reported, never counted)."""
        for r in (self.resources or {}).values():
            return r.outside
        return None

    def summary(self) -> dict[str, Any]:
        """JSON-ready counts by status, the measured targets met, and the facility file measured."""
        status = self.table["status"]
        measured = self.table[status == "measured"]
        return {
            "targets": int(len(self.table)),
            "measured": int((status == "measured").sum()),
            "measurable": int((status == "measurable").sum()),
            "not_spatial": int((status == "not spatial").sum()),
            "measured_meeting": int((measured["meets"] == True).sum()),  # noqa: E712 — object column of True/False/None
            "measured_indicators": [f"{p}/{i}" for p, i in zip(measured["plan"], measured["indicator"], strict=True)],
            "resources_file": self.resources_source,
        }


def _meets(value: float, target: float, comparator: str) -> bool | None:
    """Whether ``value comparator target`` holds; None when either is missing."""
    if not (np.isfinite(value) and np.isfinite(target)):
        return None
    return bool(_OPS.get(comparator, np.greater_equal)(value, target))


def _circle_value(metric: str, threshold: float, grid: PopulationGrid, minutes: np.ndarray,
                  primary_minutes: np.ndarray, names: pd.DataFrame) -> tuple[float, pd.DataFrame]:
    """The circle's share (percent) at ``threshold`` minutes and its rows by county (adcode, name_zh, value)."""
    if metric == "tertiary_circle":
        c = coverage.circle(grid, minutes, threshold, counties=names)
        total, rows = 100.0 * c.total["covered_share"], c.counties.assign(value=100.0 * c.counties["share"])
    else:
        h = coverage.health_circles(grid, primary_minutes, urban_threshold_min=threshold,
                                    rural_threshold_min=threshold, counties=names)
        which = "urban" if metric == "urban_circle" else "rural"
        total = 100.0 * h.total[f"{which}_share"]
        rows = h.counties.assign(value=100.0 * h.counties[f"{which}_share"])
    return float(total), rows[["adcode", "name_zh", "value"]]


def _has(res: Resources | None, indicator: str) -> bool:
    """True when ``res`` measured ``indicator``."""
    return res is not None and bool((res.total["indicator"] == indicator).any())


def _input_needed(row: pd.Series) -> str:
    """What the user must supply to measure a target: the file and its columns."""
    if not row.get("input_file"):
        return ""
    cols = row.get("input_columns") or ""
    return f"{row['input_file']}; columns: {cols}" if cols else str(row["input_file"])


def measure_resources(facilities: gpd.GeoDataFrame, targets: pd.DataFrame, *,
                      counties: gpd.GeoDataFrame) -> dict[str, Resources]:
    """``spatial.resources`` per plan (a plan's indicators are unique, plans may share names) on the facilities.

    Plans none of whose resource targets has a column with values in ``facilities`` are left out; when no
    plan has one, ``InputFileError`` names the columns the file could carry.
    """
    rows = targets[targets["resource"].fillna("").astype(str) != ""]
    have = [c for c in dict.fromkeys(rows["resource"]) if c in facilities.columns and facilities[c].notna().any()]
    if not have:
        raise InputFileError(
            "the facility file has no column with values for any of the plans' resource targets; add one of "
            f"{', '.join(dict.fromkeys(rows['resource']))} (see data/templates/facilities_template.csv)")
    return {str(plan): resources_by_county(facilities, part, counties=counties)
            for plan, part in rows.groupby("plan", sort=False) if part["resource"].isin(have).any()}


def plan_targets(
    targets: pd.DataFrame,
    *,
    grid: PopulationGrid,
    minutes: np.ndarray,
    primary_minutes: np.ndarray,
    primary_stand_in: bool,
    counties: pd.DataFrame,
    emergency: coverage.Coverage | None = None,
    emergency_stand_in: bool = False,
    resources: Mapping[str, Resources] | None = None,
    resources_source: str | None = None,
) -> PlanTargets:
    """The run's targets table and by-county values (module docstring for the rules).

    Parameters
    ----------
    targets
        Rows in the layout of ``layers.targets.TARGETS`` plus ``metric``.
    grid, minutes, primary_minutes
        The run's population grid and each cell's minutes to the nearest facility and primary-care point.
    primary_stand_in
        The primary-care points are county-seat stand-ins (the health circles are then estimates).
    counties
        adcode, name_zh, name_en of the region's counties.
    emergency, emergency_stand_in
        The run's emergency circle (per-site minutes) and whether its destinations were stand-ins.
    resources, resources_source
        ``measure_resources`` of the user's facility file (per plan id), and that file's name.

    Returns
    -------
    PlanTargets
    """
    names = pd.DataFrame(counties).drop(columns="geometry", errors="ignore")[["adcode", "name_zh", "name_en"]]
    measured = dict(resources or {})
    rows: list[dict[str, Any]] = []
    by_county: list[pd.DataFrame] = []
    for _, t in targets.iterrows():
        metric = str(t.get("metric") or "")
        target, cmp_ = float(t["value"]), str(t["comparator"])
        out: dict[str, Any] = {c: t.get(c) for c in COLUMNS if c in t.index}
        out.update(status=t["status"] if t["status"] != "measured" else "measurable", value=np.nan, target=target,
                   meets=None, gap=np.nan, units_meeting=np.nan, units=np.nan, detail=t["status_detail"],
                   input_needed=_input_needed(t), plan_status=t["status"])
        threshold = float(t["threshold_min"]) if pd.notna(t["threshold_min"]) else np.nan
        if metric in ("tertiary_circle", "urban_circle", "rural_circle") and np.isfinite(threshold):
            value, county_rows = _circle_value(metric, threshold, grid, minutes, primary_minutes, names)
            stand_in = metric != "tertiary_circle" and primary_stand_in
            out.update(value=value, meets=None if stand_in else _meets(value, target, cmp_),
                       status="measurable" if stand_in else "measured",
                       detail=(f"estimate with county seats standing in for primary care (a floor, not a "
                               f"measurement): {t['status_detail']}") if stand_in else t["status_detail"])
            if not stand_in:
                shares = county_rows["value"].to_numpy(dtype=float)
                meets = np.array([_meets(v, target, cmp_) for v in shares], dtype=object)
                out.update(units_meeting=int((meets == True).sum()) if np.isfinite(target) else np.nan,  # noqa: E712
                           units=len(county_rows))
                by_county.append(county_rows.assign(plan=t["plan"], indicator=t["indicator"], target=target,
                                                    comparator=cmp_, meets=meets, gap=np.nan, amount=np.nan,
                                                    denominator=np.nan))
        elif metric == "emergency_circle" and emergency is not None and np.isfinite(threshold):
            sites = emergency.counties
            within = (sites["minutes"].to_numpy(dtype=float) <= threshold)
            value = 100.0 * float(within.mean()) if len(sites) else np.nan
            out.update(value=value, meets=_meets(value, target, cmp_), status="measured",
                       units_meeting=int(within.sum()), units=int(len(sites)),
                       detail=f"{t['status_detail']} ({len(sites)} sites in the region"
                              + ("; tertiary hospitals stand in as destinations)" if emergency_stand_in else ")"))
        elif t.get("resource") and _has(measured.get(str(t["plan"])), t["indicator"]):
            res = measured[str(t["plan"])]
            tot = res.total[res.total["indicator"] == t["indicator"]].iloc[0]
            out.update(status="measured", value=float(tot["rate"]), meets=bool(tot["meets"]), gap=float(tot["gap"]),
                       units_meeting=int(tot["units_meeting"]), units=int(tot["units"]),
                       detail=f"{t['status_detail']} (file: {resources_source})")
            long = res.by_county[res.by_county["indicator"] == t["indicator"]]
            by_county.append(pd.DataFrame({
                "adcode": long["adcode"], "name_zh": long["name_zh"], "value": long["rate"], "plan": t["plan"],
                "indicator": t["indicator"], "target": target, "comparator": cmp_, "meets": long["meets"],
                "gap": long["gap"], "amount": long["amount"], "denominator": long["denominator"]}))
        rows.append(out)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    cols = ["plan", "indicator", "adcode", "name_zh", "value", "target", "comparator", "meets", "gap", "amount",
            "denominator"]
    long = pd.concat(by_county, ignore_index=True)[cols] if by_county else pd.DataFrame(columns=cols)
    return PlanTargets(table, long, resources, resources_source)
