"""The coverage tab: the share by county and the persons by band (charts), the county and gap tables, the
emergency circle where the plan names its sites, and the sources — all in the page language.

Charts and tables depend only on today's coverage, so they are made once per coverage key and language.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from spatial.results import Results
from views import charts, sources, tables
from views.app.common import lang, plain, tr

#: Plotly's own toolbar speaks English: off (the exports tab has the figures' data).
PLOTLY_CONFIG: dict[str, Any] = {"displayModeBar": False}


@st.cache_resource(show_spinner=False, max_entries=16)
def _figures(key: str, language: str, _res: Results) -> tuple[go.Figure, go.Figure]:
    """The county bar chart and the band histogram of a run (cached per coverage key and language)."""
    return charts.county_bar(_res, language), charts.band_histogram(_res, language)


@st.cache_data(show_spinner=False, max_entries=16)
def _tables(key: str, language: str, _res: Results) -> dict[str, pd.DataFrame]:
    """The county, gap and emergency tables for people (cached per coverage key and language)."""
    out = {"counties": tables.display(_res.county_table(), language, tables.county_columns(language)),
           "gaps": tables.display(_res.gap_table().head(20), language, tables.gap_columns(language))}
    if _res.metrics.emergency is not None:
        out["emergency"] = tables.emergency_table(_res, language)
    return out


def emergency(res: Results, shown: pd.DataFrame) -> None:
    """The emergency circle (Yunnan's 10-minute circle of the 4A+ scenic areas), when the plan gives its sites."""
    e = res.metrics.emergency
    if e is None:
        return
    total = e.total
    st.markdown(f"**{tr('emergency_title', t=total['threshold_min'])}**")
    st.caption(tr("emergency_summary", n=total["sites"], within=total["sites_within"],
                  share=100 * total["share_within"], median=total["median_min"] or float("nan"),
                  t=total["threshold_min"]))
    st.dataframe(shown, hide_index=True)
    if res.metrics.sites_outside:
        st.caption(tr("emergency_outside", names="、".join(res.metrics.sites_outside)))


def render(res: Results, key: str) -> None:
    """Charts and tables of today's coverage (``key``: the pipeline's coverage key)."""
    language = lang()
    bar, hist = _figures(key, language, res)
    shown = _tables(key, language, res)
    left, right = st.columns([3, 1])
    with left:
        st.plotly_chart(bar, key="chart_counties", config=PLOTLY_CONFIG)
        st.plotly_chart(hist, key="chart_bands", config=PLOTLY_CONFIG)
        st.markdown(f"**{tr('county_table')}**")
        st.dataframe(shown["counties"], hide_index=True)
        st.markdown(f"**{tr('gap_table', t=res.metrics.circle.total['threshold_min'])}**")
        st.caption(tr("gap_note"))
        st.dataframe(shown["gaps"], hide_index=True)
        if "emergency" in shown:
            emergency(res, shown["emergency"])
    with right:
        st.markdown(f"**{tr('sources')}**")
        for label, text in sources.rows(res, language):
            # file names and paths are data, never markdown
            st.caption(f"**{plain(label)}**：{plain(text)}" if language == "zh" else f"**{plain(label)}**: {plain(text)}")
