"""The access tab: one panel per analysis (capacity coverage, 2SFCA/E2SFCA, referral chain, scaling up).

Each panel is a form whose options become the ``access`` block of the page's scenario (``state``
validates it as a scenario file's block).  Run computes the analysis once through the pipeline, here, so
a bad option or file shows its sentence in the panel and the rest of the page keeps its results; then
the page reruns with the analysis in its scenario (cached: the figures, the notices above, the exports
and the saved scenario JSON all carry it).  Results: headline numbers, a map, tables and CSV downloads.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from spatial import export, facilities
from spatial.capacity import ORDERS
from spatial.pipeline import Pipeline
from spatial.results import PlanInputs, Results
from spatial.scenario import CAPACITY_COLUMNS, FCA_SUPPLIES, Scenario, access_from_dict, dumps
from views import accessmap, tables
from views.app import uploads
from views.app.common import guard, lang, tr
from views.strings import DATUMS

ANALYSES: tuple[str, ...] = ("capacity", "fca", "referral", "scaling")
HEIGHT_PX = 460

#: Columns shown in each table (those a run has).
CAPACITY_FACILITY_COLUMNS = ("name", "order", "capacity_units", "capacity", "demand_population", "served",
                             "load_factor", "utilisation", "catchment_min")
CAPACITY_COUNTY_COLUMNS = ("name_zh", "name_en", "population", "served", "over_capacity", "beyond_reach",
                           "served_share", "over_capacity_share", "beyond_reach_share")
FCA_COUNTY_COLUMNS = ("name_zh", "name_en", "population", "score_per_1000", "normalized", "reached_share")
REFERRAL_COUNTY_COLUMNS = ("rank", "name_zh", "name_en", "points", "median_chain_min", "slowest_chain_min",
                           "slowest_point")
REFERRAL_LINK_COLUMNS = ("name_zh", "rank", "level", "from_name", "to_name", "minutes")
SCALING_SITE_COLUMNS = ("rank", "name", "gain_population", "served_after", "capacity_units", "cost")


def _clean(raw: dict[str, Any]) -> dict[str, Any]:
    """The options without the blanks (a blank number means "the default")."""
    return {k: v for k, v in raw.items() if v is not None}


def _apply(pipe: Pipeline, s: Scenario, plan: PlanInputs | None, part: str, raw: dict[str, Any] | None) -> None:
    """Validate and compute the analysis with these options; keep them in the page's scenario; rerun the page."""
    ss = st.session_state
    new = {k: v for k, v in {**(ss.get("access") or {}), part: raw}.items() if v is not None}
    candidate = dataclasses.replace(s, access=access_from_dict(new))  # errors name the option
    with st.spinner(tr("computing")):
        pipe.run(candidate, plan, with_candidate_isochrones=False)  # computed and cached here, once
    ss["access"] = new
    st.rerun()


@st.cache_resource(show_spinner=False, max_entries=8)
def _map(key: str, analysis: str, _res: Results, language: str, basemap: str) -> folium.Map:
    """The analysis's map, kept per scenario, language and basemap (``key``)."""
    return accessmap.access_map(_res.layers(), analysis, bounds=_res.region.bbox, lang=language, basemap=basemap,
                                height_px=HEIGHT_PX)


def _show_map(res: Results, analysis: str) -> None:
    """Draw the analysis's map (static: no clicks are read back)."""
    ss = st.session_state
    m = _map(f"{dumps(res.scenario)}|{analysis}", analysis, res, lang(), ss.get("basemap", "positron"))
    st_folium(m, key=f"acc_map_{analysis}", height=HEIGHT_PX, use_container_width=True, returned_objects=[])


def _table(frame: pd.DataFrame, columns: tuple[str, ...], name: str, res: Results) -> None:
    """A table for people and its CSV (the raw figures, with the run's provenance beside)."""
    st.dataframe(tables.display(frame, lang(), columns), hide_index=True)
    stem = f"healthplan-{res.region.name}-{name}"
    st.download_button(tr("acc_csv", n=name), file_name=f"{stem}.csv", mime="text/csv", key=f"dl_acc_{name}",
                       data=lambda: export.as_bytes(lambda p: export.write_csv(frame, p, provenance=res.provenance),
                                                    f"{name}.csv"))


def _off(part: str) -> None:
    """Switch one analysis off (the page reruns without it)."""
    ss = st.session_state
    ss["access"] = {k: v for k, v in (ss.get("access") or {}).items() if k != part}


def _given(part: str) -> dict[str, Any]:
    """The options the analysis last ran with (empty when it has not run)."""
    return dict((st.session_state.get("access") or {}).get(part) or {})


# --------------------------------------------------------------------------------------------------
# forms: each returns the options when Run was pressed, else None


def _capacity_form(res: Results) -> dict[str, Any] | None:
    """Capacity column, persons per unit, assumed units, threshold, facility order."""
    g = _given("capacity")
    st.caption(tr("acc_capacity_help"))
    with st.form("acc_capacity_form"):
        c1, c2, c3 = st.columns(3)
        columns = list(CAPACITY_COLUMNS)
        column = c1.selectbox(tr("acc_column"), columns, index=columns.index(g.get("column", "beds")), key="acc_cap_col")
        ppu = c2.number_input(tr("acc_ppu"), min_value=0.001, value=g.get("persons_per_unit"), key="acc_cap_ppu")
        assumed = c3.number_input(tr("acc_assume"), min_value=0.0, value=g.get("assumed_units"), key="acc_cap_assume")
        d1, d2 = st.columns(2)
        threshold = d1.number_input(tr("acc_threshold"), 1.0, 600.0,
                                    value=float(g.get("threshold_min") or res.scenario.thresholds.tertiary_min),
                                    key="acc_cap_t")
        order = d2.selectbox(tr("acc_order"), list(ORDERS), index=list(ORDERS).index(g.get("order", "demand")),
                             format_func=lambda o: tr(f"order_{o}"), key="acc_cap_order")
        if st.form_submit_button(tr("acc_run"), type="primary"):
            return _clean({"column": column, "persons_per_unit": ppu, "assumed_units": assumed,
                           "threshold_min": threshold, "order": order})
    return None


def _fca_form(res: Results) -> dict[str, Any] | None:
    """Method, decay, catchment, σ, supply, assumed units."""
    g = _given("fca")
    with st.form("acc_fca_form"):
        c1, c2, c3 = st.columns(3)
        methods = ["e2sfca", "2sfca"]
        method = c1.selectbox(tr("acc_method"), methods, index=methods.index(g.get("method", "e2sfca")),
                              format_func=str.upper, key="acc_fca_method")
        decays = ["", "step", "gaussian", "none"]
        decay = c2.selectbox(tr("acc_decay"), decays, index=decays.index(g.get("decay", "")),
                             format_func=lambda d: d or tr("decay_default"), key="acc_fca_decay")
        supplies = list(FCA_SUPPLIES)
        supply = c3.selectbox(tr("acc_supply"), supplies, index=supplies.index(g.get("supply", "beds")),
                              key="acc_fca_supply")
        d1, d2, d3 = st.columns(3)
        catchment = d1.number_input(tr("acc_catchment"), 1.0, 600.0,
                                    value=float(g.get("catchment_min") or res.scenario.thresholds.tertiary_min),
                                    key="acc_fca_d0")
        sigma = d2.number_input(tr("acc_sigma"), min_value=0.1, value=g.get("sigma_min"), key="acc_fca_sigma")
        assumed = d3.number_input(tr("acc_assume"), min_value=0.0, value=g.get("assumed_units"), key="acc_fca_assume")
        if st.form_submit_button(tr("acc_run"), type="primary"):
            return _clean({"method": method, "decay": decay or None, "catchment_min": catchment, "sigma_min": sigma,
                           "supply": supply, "assumed_units": assumed})
    return None


def _referral_form(res: Results) -> dict[str, Any] | None:
    """County hospitals (a file, or county seats standing in) and a search limit."""
    g = _given("referral")
    st.caption(tr("m_help_primary"))
    up = st.file_uploader(tr("acc_county_hospitals"), type=["csv", "xlsx", "geojson", "json", "gpkg"],
                          key="acc_ref_upload")
    with st.form("acc_referral_form"):
        c1, c2 = st.columns(2)
        datum = c1.selectbox(tr("datum"), list(DATUMS), format_func=DATUMS.get, key="acc_ref_datum")
        limit = c2.number_input(tr("acc_limit"), 1.0, 600.0, value=g.get("limit_min"), key="acc_ref_limit")
        if st.form_submit_button(tr("acc_run"), type="primary"):
            hospitals = g.get("county_hospitals")
            if up is not None:
                path = uploads.save(up, "facilities")
                facilities.read_facilities(path, datum=datum)  # validate now: errors name the row and column
                hospitals = {"kind": "file", "path": str(path), "options": {"datum": datum}}
            return _clean({"county_hospitals": hospitals, "limit_min": limit})
    return None


def _scaling_form(res: Results) -> dict[str, Any] | None:
    """The best k, the fewest to a target share, or a budget; candidate sources, capacity, method, time limit."""
    g = _given("scaling")
    forms = ["k", "target", "budget"]
    now = "budget" if g.get("budget") is not None else "target" if g.get("target_share") is not None else "k"
    with st.form("acc_scaling_form"):
        c1, c2, c3 = st.columns(3)
        form = c1.radio(tr("acc_form"), forms, index=forms.index(now), format_func=lambda f: tr(f"form_{f}"),
                        key="acc_sc_form")
        k = c2.number_input(tr("k"), 1, 20, value=int(g.get("k") or 3), key="acc_sc_k")
        share = c2.number_input(tr("acc_target"), 0.01, 1.0, value=float(g.get("target_share") or 0.9),
                                key="acc_sc_share")
        budget = c2.number_input(tr("acc_budget"), 0.0, 1e12, value=float(g.get("budget") or 3.0), key="acc_sc_budget")
        pools = ["gaps", "seats", "plan", "points"]
        pool = c3.multiselect(tr("acc_pool"), pools, default=[p.get("kind", p) if isinstance(p, dict) else p
                                                               for p in g.get("pool", ["gaps"])],
                              format_func=lambda p: tr(f"pool_{p}"), key="acc_sc_pool")
        d1, d2, d3 = st.columns(3)
        units = d1.number_input(tr("acc_cand_units"), min_value=0.0, value=g.get("candidate_units"),
                                key="acc_sc_units")
        method = d2.selectbox(tr("method"), ["exact", "greedy"], index=["exact", "greedy"].index(g.get("method", "exact")),
                              format_func=lambda m: tr(f"acc_method_{m}"), key="acc_sc_method")
        limit = d3.number_input(tr("acc_time_limit"), 1.0, 3600.0, value=float(g.get("time_limit_s") or 30.0),
                                key="acc_sc_limit")
        if st.form_submit_button(tr("acc_run"), type="primary"):
            return _clean({"k": int(k) if form == "k" else 0, "target_share": share if form == "target" else None,
                           "budget": budget if form == "budget" else None, "pool": pool or ["gaps"],
                           "candidate_units": units, "method": method, "time_limit_s": limit})
    return None


# --------------------------------------------------------------------------------------------------
# results


def _capacity_results(res: Results) -> None:
    """Served / over capacity / beyond reach, the catchments by load, the tables."""
    s = res.summary()["access"]["capacity"]
    cols = st.columns(4)
    cols[0].metric(tr("acc_served"), f"{100 * s['served_share']:.1f}%", help=f"{s['served']:,}")
    cols[1].metric(tr("acc_over"), f"{100 * s['over_capacity_share']:.1f}%", help=f"{s['over_capacity']:,}")
    cols[2].metric(tr("acc_beyond"), f"{100 * s['beyond_reach_share']:.1f}%", help=f"{s['beyond_reach']:,}")
    cols[3].metric(tr("acc_full"), f"{s['facilities_full']} / {s['n_facilities']}")
    _show_map(res, "capacity")
    t = res.tables()
    st.markdown(f"**{tr('acc_by_facility')}**")
    _table(t["capacity_facilities"], CAPACITY_FACILITY_COLUMNS, "capacity_facilities", res)
    st.markdown(f"**{tr('acc_by_county')}**")
    _table(t["capacity_counties"], CAPACITY_COUNTY_COLUMNS, "capacity_counties", res)
    st.caption(res.provenance["methods"]["capacity_coverage"])


def _fca_results(res: Results) -> None:
    """The mean score, the county choropleth, the county table."""
    s = res.summary()["access"]["fca"]
    cols = st.columns(3)
    cols[0].metric(tr("acc_mean_score"), f"{s['mean_score_per_1000']:.3g}", help=f"{s['supply']}, {s['decay']}")
    cols[1].metric(tr("acc_reached"), f"{100 * s['reached_share']:.1f}%")
    cols[2].metric(tr("acc_method"), s["method"].upper(), help=s["decay"])
    _show_map(res, "fca")
    _table(res.tables()["fca_counties"], FCA_COUNTY_COLUMNS, "fca_counties", res)
    st.caption(res.provenance["methods"]["fca"])


def _referral_results(res: Results) -> None:
    """Median and slowest chain, the links on the map, counties ranked, the slowest links."""
    s = res.summary()["access"]["referral"]
    cols = st.columns(2)
    cols[0].metric(tr("acc_median_chain"), "" if s["median_chain_min"] is None else f"{s['median_chain_min']:.1f}")
    cols[1].metric(tr("acc_max_chain"), "" if s["max_chain_min"] is None else f"{s['max_chain_min']:.1f}",
                   help=s.get("slowest_county_zh") or "")
    _show_map(res, "referral")
    t = res.tables()
    _table(t["referral_counties"], REFERRAL_COUNTY_COLUMNS, "referral_counties", res)
    st.markdown(f"**{tr('acc_slowest_links')}**")
    _table(t["referral_slowest_links"], REFERRAL_LINK_COLUMNS, "referral_slowest_links", res)


def _scaling_results(res: Results) -> None:
    """Served before and after, the solver's status said plainly, the new sites on the map and in a table."""
    s = res.summary()["access"]["scaling"]
    cols = st.columns(3)
    cols[0].metric(tr("acc_served_before"), f"{100 * s['served_share_before']:.1f}%", help=f"{s['served_before']:,}")
    cols[1].metric(tr("acc_served_after"), f"{100 * s['served_share_after']:.1f}%",
                   delta=f"+{s['served_after'] - s['served_before']:,}")
    status = (tr("acc_proven", gap="—" if s["mip_gap"] is None else f"{s['mip_gap']:.2%}") if s["proven_optimal"]
              else tr("acc_not_proven"))
    cols[2].metric(tr("method"), status, help=s["method"])
    _show_map(res, "scaling")
    _table(res.tables()["scaling_sites"], SCALING_SITE_COLUMNS, "scaling_sites", res)


FORMS: dict[str, Callable[[Results], dict[str, Any] | None]] = {
    "capacity": _capacity_form, "fca": _fca_form, "referral": _referral_form, "scaling": _scaling_form}
RESULTS: dict[str, Callable[[Results], None]] = {
    "capacity": _capacity_results, "fca": _fca_results, "referral": _referral_results, "scaling": _scaling_results}


def render(pipe: Pipeline, s: Scenario | None, plan: PlanInputs | None, res: Results | None) -> None:
    """The whole tab: one panel per analysis."""
    if s is None or res is None:
        return
    st.caption(tr("acc_intro"))
    panels = st.tabs([tr(f"acc_{a}") for a in ANALYSES])
    for panel, analysis in zip(panels, ANALYSES, strict=True):
        with panel, guard(f"access {analysis}"):
            raw = FORMS[analysis](res)
            if raw is not None:
                _apply(pipe, s, plan, analysis, raw)
            ran = res.access is not None and getattr(res.access, analysis) is not None
            if not ran:
                st.info(tr("acc_not_run"))
                continue
            RESULTS[analysis](res)
            st.button(tr("acc_off"), key=f"acc_off_{analysis}", on_click=_off, args=(analysis,))
