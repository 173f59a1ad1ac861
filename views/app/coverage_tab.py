"""The coverage tab: the share by county and the persons by band (charts), the county and gap tables, the sources."""

from __future__ import annotations

import json

import streamlit as st

from spatial.results import Results
from views import charts, tables
from views.app.common import lang, plain, tr


def sources(res: Results) -> None:
    """Data sources, method and assumptions, from the run's provenance."""
    p = res.provenance
    st.markdown(f"**{tr('sources')}**")
    for k, v in p["sources"].items():  # file names and paths are data, never markdown
        st.caption(f"**{plain(k)}**: {plain(v if not isinstance(v, dict | list) else json.dumps(v, ensure_ascii=False))}")
    for k, v in p["methods"].items():
        st.caption(f"**{plain(k)}**: {plain(v)}")
    a = p["assumptions"]
    st.caption(f"detour × {a['detour_factor']}, {a['access_kmh']} km/h, {a['cell_m']:g} m")


def render(res: Results) -> None:
    """Charts and tables of today's coverage."""
    left, right = st.columns([3, 1])
    with left:
        st.plotly_chart(charts.county_bar(res, lang()), key="chart_counties")
        st.plotly_chart(charts.band_histogram(res, lang()), key="chart_bands")
        st.markdown(f"**{tr('county_table')}**")
        st.dataframe(tables.display(res.county_table(), lang(), tables.COUNTY_COLUMNS), hide_index=True)
        st.markdown(f"**{tr('gap_table', t=res.metrics.circle.total['threshold_min'])}**")
        st.dataframe(tables.display(res.gap_table().head(20), lang(), tables.GAP_COLUMNS), hide_index=True)
    with right:
        sources(res)
