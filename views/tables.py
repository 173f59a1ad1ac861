"""Tables for people: chosen columns, persons as whole numbers, shares as percentages, headers in the page's language."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from views.strings import column

#: Column kinds by name: shares (0–1) become percentages, persons whole numbers, minutes one decimal.
_SHARE = ("share", "urban_share_hc", "rural_share_hc", "health_circle_share", "covered_share_after")
_MINUTES = ("mean_min", "p90_min", "worst_min", "minutes", "threshold_min", "area_km2")


#: Access analyses and plan targets: more shares and persons, minutes by suffix, ratios to three significant digits.
_SHARE += ("served_share", "over_capacity_share", "beyond_reach_share", "utilisation", "reached_share")
_ACCESS_PERSONS = ("served", "over_capacity", "beyond_reach", "capacity", "demand_population", "residual_demand",
                   "capacity_left", "served_after", "weighted_demand")
_RATIO = ("load_factor", "score_per_1000", "normalized", "ratio_per_1000", "value", "target", "gap", "amount",
          "capacity_units", "supply", "cost")


def _is_persons(name: str) -> bool:
    """True for columns counting persons."""
    return name in ("population", "covered", "unreachable", "alone_population", "gain_population",
                    "covered_population_after", "new_population", *_ACCESS_PERSONS) \
        or name.startswith(("pop_", "new_population_"))


def display(frame: pd.DataFrame, lang: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The table with ``columns`` (those present; all when None), rounded for people and headed in ``lang``."""
    cols = [c for c in (columns or frame.columns) if c in frame.columns and c != "geometry"]
    out = pd.DataFrame(frame[cols]).copy()
    for c in cols:
        values = out[c]
        if c in _SHARE:
            out[c] = [f"{100 * float(v):.1f}%" if pd.notna(v) else "" for v in values]
        elif _is_persons(c):
            out[c] = [f"{float(v):,.0f}" if pd.notna(v) and np.isfinite(float(v)) else "" for v in values]
        elif c in _MINUTES or c.endswith("_min"):
            out[c] = [f"{float(v):,.1f}" if pd.notna(v) and np.isfinite(float(v)) else "" for v in values]
        elif c in _RATIO:
            out[c] = [f"{float(v):,.3g}" if pd.notna(v) and np.isfinite(float(v)) else "" for v in values]
    out.columns = [column(c, lang) for c in cols]
    return out


COUNTY_COLUMNS: tuple[str, ...] = ("name_zh", "name_en", "population", "covered", "share", "urban_share_hc",
                                   "rural_share_hc", "mean_min", "p90_min")
GAP_COLUMNS: tuple[str, ...] = ("rank", "name_zh", "name_en", "population", "cells", "area_km2", "worst_min")
SITE_COLUMNS: tuple[str, ...] = ("rank", "name", "status", "reason", "snap_m", "alone_population",
                                 "gain_population", "covered_population_after")
CHOSEN_COLUMNS: tuple[str, ...] = ("order", "name", "source", "gain_population", "covered_population_after",
                                   "covered_share_after")


def county_columns(lang: str) -> tuple[str, ...]:
    """The county table's columns on a page in ``lang`` (the other language's name only on the English page)."""
    names = ("name_zh",) if lang == "zh" else ("name_en", "name_zh")
    return (*names, *COUNTY_COLUMNS[2:])


def gap_columns(lang: str) -> tuple[str, ...]:
    """The gap table's columns on a page in ``lang``."""
    names = ("name_zh",) if lang == "zh" else ("name_en", "name_zh")
    return ("rank", *names, "population", "cells", "area_km2", "worst_min")


def emergency_table(res: Any, lang: str) -> pd.DataFrame:
    """The emergency circle's sites: name, county, minutes, within the threshold (是/否), the nearest destination."""
    e = res.metrics.emergency.counties.copy()
    dest = res.inputs.facilities
    names = dest["name"].astype(str).tolist() if "name" in dest.columns else []
    e["destination"] = [names[int(i)] if 0 <= int(i) < len(names) else "" for i in e.get("nearest", [])]
    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    e["within"] = [yes if bool(v) else no for v in e["within"]]
    return display(e, lang, ("name", "county", "minutes", "within", "destination"))


def chosen_table(chosen: pd.DataFrame, lang: str, counties: list[str], *, total: float) -> pd.DataFrame:
    """The optimiser's sites: order, name, county, marginal gain and the cumulative share after each site."""
    frame = pd.DataFrame({"order": chosen["order"].to_numpy(), "name": chosen["name"].astype(str).to_numpy(),
                          "county": counties, "gain_population": chosen["gain_population"].to_numpy()})
    if "covered_population_after" in chosen.columns and total > 0:
        frame["covered_share_after"] = chosen["covered_population_after"].to_numpy(dtype=float) / total
    return display(frame, lang, ("order", "name", "county", "gain_population", "covered_share_after"))
