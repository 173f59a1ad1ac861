"""The plan-targets tab: every numeric target of the region's plans — measured (value, and by county), measurable
once the named input is given, or not spatial — and the facility file with capacities that measures the rest.

The file (the template in data/templates, English or Chinese headers) goes into the page's scenario as its
``resources`` source, so the CLI (``healthplan targets --facilities FILE``) and a saved scenario measure the
same thing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from spatial import export, facilities
from spatial.results import Results
from spatial.settings import TEMPLATES_DIR
from views import tables
from views.app import uploads
from views.app.common import guard, lang, tr
from views.strings import DATUMS

TEMPLATES = TEMPLATES_DIR
STATUSES: tuple[str, ...] = ("measured", "measurable", "not spatial")
TARGET_COLUMNS: tuple[str, ...] = ("plan", "indicator", "status", "value", "comparator", "target", "unit", "meets", "gap",
                                   "units_meeting", "units", "input_needed", "clause")
COUNTY_COLUMNS: tuple[str, ...] = ("name_zh", "value", "comparator", "target", "meets", "gap", "amount", "denominator")


def _upload() -> None:
    """The facility file with capacities: template downloads, upload (validated now), the file in use."""
    ss = st.session_state
    c1, c2 = st.columns(2)
    for col, name, key in ((c1, "facilities_template.csv", "tg_template"), (c2, "facilities_template_zh.csv",
                                                                          "tg_template_zh")):
        path = TEMPLATES / name
        if path.is_file():
            col.download_button(tr(key), data=path.read_bytes(), file_name=name, mime="text/csv", key=f"dl_{key}")
    f1, f2 = st.columns([3, 1])
    up = f1.file_uploader(tr("tg_upload"), type=["csv", "xlsx", "geojson", "json", "gpkg"], key="tg_upload")
    datum = f2.selectbox(tr("datum"), list(DATUMS), format_func=DATUMS.get, key="tg_datum")
    if up is not None and st.button(tr("use_file"), key="tg_use"):
        with guard("upload resources"):
            path = uploads.save(up, "facilities")
            facilities.read_facilities(path, datum=datum)  # validate now: errors name the row and column
            ss["src_resources"] = {"kind": "file", "path": str(path), "options": {"datum": datum}}
            st.rerun()
    if ss.get("src_resources"):
        shown = Path(ss["src_resources"]["path"]).name
        g1, g2 = st.columns([3, 1])
        g1.caption(tr("tg_file", f=shown))
        if g2.button(tr("tg_remove"), key="tg_remove"):
            ss["src_resources"] = None
            st.rerun()


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    """The targets table with status and verdicts in the page language and the Chinese indicator name on zh pages."""
    out = table.copy()
    if lang() == "zh":
        out["indicator"] = out["indicator_zh"].where(out["indicator_zh"].astype(str) != "", out["indicator"])
    out["status"] = [tr(f"st_{v}") for v in out["status"]]
    out["meets"] = ["" if v is None or (isinstance(v, float) and pd.isna(v)) else tr("yes" if v else "no")
                    for v in out["meets"]]
    return out


def render(res: Results | None) -> None:
    """The whole tab."""
    st.caption(tr("tg_intro"))
    _upload()
    if res is None:
        return
    if res.targets is None:
        st.info(tr("tg_none"))
        return
    table = res.targets.table
    s = res.targets.summary()
    st.markdown(f"**{tr('tg_counts', m=s['measured'], ok=s['measured_meeting'], n=s['measurable'], x=s['not_spatial'])}**")
    outside = res.targets.outside
    if outside is not None and len(outside):
        st.warning(tr("tg_outside", n=len(outside)))
    pick = st.radio(tr("tg_status"), ["all", *STATUSES], horizontal=True, key="tg_filter",
                    format_func=lambda v: tr("tg_all") if v == "all" else tr(f"st_{v}"))
    rows = table if pick == "all" else table[table["status"] == pick]
    st.dataframe(tables.display(_shown(rows), lang(), TARGET_COLUMNS), hide_index=True)
    st.download_button(tr("acc_csv", n="plan_targets"), file_name=f"healthplan-{res.region.name}-plan_targets.csv",
                       mime="text/csv", key="dl_plan_targets",
                       data=lambda: export.as_bytes(lambda p: export.write_csv(table, p, provenance=res.provenance),
                                                    "plan_targets.csv"))
    by = res.targets.by_county
    if len(by):
        keys = list(dict.fromkeys(zip(by["plan"], by["indicator"], strict=True)))
        names = dict(zip(zip(table["plan"], table["indicator"], strict=True),
                         table["indicator_zh" if lang() == "zh" else "indicator"], strict=True))
        st.markdown(f"**{tr('tg_by_county')}**")
        chosen = st.selectbox(tr("tg_pick"), range(len(keys)), key="tg_pick",
                              format_func=lambda i: f"{keys[i][0]} · {names.get(keys[i], keys[i][1])}")
        plan, indicator = keys[int(chosen)]
        part = by[(by["plan"] == plan) & (by["indicator"] == indicator)]
        st.dataframe(tables.display(_shown_county(part), lang(), COUNTY_COLUMNS), hide_index=True)


def _shown_county(frame: pd.DataFrame) -> pd.DataFrame:
    """A by-county frame with the verdicts in the page language."""
    out = frame.copy()
    out["meets"] = ["" if v is None or (isinstance(v, float) and pd.isna(v)) else tr("yes" if v else "no")
                    for v in out["meets"]]
    return out
