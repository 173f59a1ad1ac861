"""healthplan — the Streamlit app: plan layers, travel-time coverage, candidate sites, your own data, exports.

Thin on purpose: the page builds one scenario from its widgets (``views.app.state``) and runs the one
pipeline (``spatial.pipeline``, cached by its inputs), exactly as ``healthplan scenario run`` does; the
panels live in ``views.app``.  Run with ``streamlit run app.py`` (or ``scripts/run_app.sh``).
"""

from __future__ import annotations


import geopandas as gpd
import streamlit as st

from spatial.errors import NetworkError
from views.app import (access_tab, coverage_tab, data_tab, export_tab, header, mapview, sidebar, sites_tab, state,
                       targets_tab)
from views.app.common import guard, page_css, phase, pipeline, plan_inputs, plan_layers, profile_line, tr


def main() -> None:
    """The single page, timed by part when HEALTHPLAN_APP_PROFILE=1."""
    with phase("total"):
        page()
    profile_line("app")


def page() -> None:
    """The single page: sidebar, headline cards, map, tabs."""
    st.set_page_config(page_title="healthplan", page_icon="🏥", layout="wide")
    ss = st.session_state
    state.init(ss)
    page_css()
    sidebar.render()
    st.markdown(f"### {tr('title')}")
    pipe = pipeline()
    plans = plan_layers(ss["region"])
    s = region = res = plan = None
    net_error: NetworkError | None = None
    with guard("scenario"):
        s = state.scenario_from_state(ss)
        region = pipe.region(s)
        plan = plan_inputs(s.region)
        try:
            with st.spinner(tr("loading_net")):
                ss["_network"] = pipe.network(s)[0]
        except NetworkError as exc:
            net_error, ss["_network"] = exc, None
        if net_error is None:
            with st.spinner(tr("computing")), phase("pipeline"):
                res = pipe.run(s, plan, with_candidate_isochrones=False)
    dynamic: dict[str, gpd.GeoDataFrame] = {}
    if res is not None:
        opt = sites_tab.optimised_now(ss)
        with phase("cards"):
            header.cards(res, opt["result"] if opt is not None else None)
            header.notices(res)
        layers = res.layers()
        dynamic = {k: layers[k] for k in ("candidates",) if k in layers}
        with guard("candidate isochrones"), phase("candidate_isochrones"):
            iso = mapview.candidate_isochrones(pipe.coverage_key(s), res)
            if iso is not None:
                dynamic["candidate_isochrones"] = iso
        if opt is not None:
            dynamic["optimised_sites"] = opt["chosen"]
    elif net_error is not None and region is not None:
        data_tab.no_network(s, region, net_error)
    if region is not None:
        with guard("map"), phase("map"):
            mapview.render(pipe.coverage_key(s) if res is not None else "", res, region, plans, dynamic)
    # the open tab is kept across reruns (a click, the optimiser), not reset to the first one
    tabs = st.tabs([tr("tab_coverage"), tr("tab_sites"), tr("tab_data"), tr("tab_export"), tr("tab_access"),
                    tr("tab_plans")], key="main_tabs",
                   on_change="rerun")
    with tabs[0], guard("coverage tab"), phase("coverage_tab"):
        if res is not None:
            coverage_tab.render(res, pipe.coverage_key(s))
        elif net_error is not None:
            st.info(tr("needs_network"))
    with tabs[1], guard("sites tab"), phase("sites_tab"):
        sites_tab.render(pipe, plan, res)
    with tabs[2], guard("data tab"), phase("data_tab"):
        if s is not None:
            data_tab.render(s, region)
    with tabs[3], guard("export tab"), phase("export_tab"):
        if res is not None:
            export_tab.render(res, plans, sites_tab.optimised_now(ss))
    with tabs[4], guard("access tab"), phase("access_tab"):
        access_tab.render(pipe, s, plan, res)
    with tabs[5], guard("targets tab"), phase("targets_tab"):
        targets_tab.render(res)


if __name__ == "__main__":  # streamlit run (and AppTest) execute the script as __main__
    main()


