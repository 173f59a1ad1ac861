"""The candidate-sites tab: add sites (click, type, upload), see each one's gain by county, remove them;
run the optimiser; compare scenarios; save the scenario for ``healthplan scenario run``.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from spatial import candidates as cands
from spatial import settings, traveltime
from spatial.coords import to_wgs84
from spatial.errors import OptionError
from spatial.pipeline import Pipeline
from spatial.results import PlanInputs, Results
from spatial.scenario import dumps, slug
from views import tables
from views.app import state, uploads
from views.app.common import guard, lang, plain, tr
from views.strings import DATUMS


def _snap(res: Results | None, lon: float, lat: float) -> tuple[float, float]:
    """A typed or uploaded site moved onto the nearest road node when one is within the road-distance check."""
    if res is None or not st.session_state.get("snap_click", True):
        return lon, lat
    net = res.inputs.network
    s = traveltime.snap(net, [lon], [lat])
    if float(s.dist_m[0]) <= settings.MAX_ROAD_M:
        return float(net.lon[int(s.node[0])]), float(net.lat[int(s.node[0])])
    return lon, lat


def _add_typed(res: Results | None, datum: str) -> None:
    """The add-site form was submitted: convert the typed point to WGS84, snap it like a click, add it."""
    ss = st.session_state
    with guard("add site"):
        wlon, wlat = (float(v[0]) for v in to_wgs84([ss["new_lon"]], [ss["new_lat"]], datum))
        state.add_site(ss, *_snap(res, wlon, wlat), name=ss.get("new_name") or None)


def add_sites(res: Results | None) -> None:
    """Widgets that add sites: click options, typed coordinates (any datum), an uploaded file."""
    ss = st.session_state
    c1, c2, c3 = st.columns([2, 2, 2])
    c1.checkbox(tr("click_adds"), key="click_adds")
    c2.checkbox(tr("snap_click"), key="snap_click")
    datum = c3.selectbox(tr("datum"), list(DATUMS), key="cand_datum", format_func=DATUMS.get)
    bbox = res.region.bbox if res is not None else (73.0, 18.0, 135.0, 53.0)
    with st.form("add_site", clear_on_submit=True):
        f1, f2, f3 = st.columns(3)
        f1.number_input(tr("lon"), -180.0, 180.0, value=round((bbox[0] + bbox[2]) / 2, 4), format="%.5f", key="new_lon")
        f2.number_input(tr("lat"), -90.0, 90.0, value=round((bbox[1] + bbox[3]) / 2, 4), format="%.5f", key="new_lat")
        f3.text_input(tr("site_name"), key="new_name")
        # added in the button's callback, before the page reruns: the cards above show it in the same run
        st.form_submit_button(tr("add_site"), on_click=_add_typed, args=(res, datum))
    up = st.file_uploader(tr("upload_sites"), type=["csv", "geojson", "json", "xlsx"], key="up_sites")
    if up is not None and st.button(tr("use_file"), key="use_sites"):
        with guard("upload sites"):
            path = uploads.save(up, "candidates")
            frame = cands.from_file(str(path), datum=datum)
            room = state.MAX_SITES - len(ss["candidates"])
            if len(frame) > room:  # all or nothing: never half of a file added
                raise OptionError(f"{path.name.split('-', 1)[-1]}: {len(frame):,} sites, but only {room} more fit (at "
                                  f"most {state.MAX_SITES} per session); remove some, or test the file with the "
                                  "command line (healthplan sites test --candidates FILE)")
            for nm, g in zip(frame["name"], frame.geometry, strict=True):
                state.add_site(ss, *_snap(res, g.x, g.y), name=str(nm))
            st.rerun()  # the cards above show the new sites


def site_list(res: Results) -> None:
    """The sites with their status, gain and a remove button each; the gains by county."""
    ss = st.session_state
    ev = res.evaluation
    if ev is None:
        st.info(tr("no_sites"))
        return
    st.markdown(f"**{tr('gain_table')}**")
    sites = ev.sites.sort_values(["rank", "status"], na_position="last")
    for _, row in sites.iterrows():
        a, b = st.columns([6, 1])
        ok = row["status"] == "ok"
        gain = f"+{row['gain_population']:,.0f}" if ok and pd.notna(row["gain_population"]) else ""
        note = ""
        if not ok:
            note = f" — {tr('rejected_word')}: {plain(row['reason'])}"
        a.markdown(f"{'🟧' if ok else '⬜'} **{plain(row['name'])}** {gain}{note}")  # names are data, never markdown
        if b.button(tr("remove_site"), key=f"rm_{row['name']}"):
            state.remove_site(ss, str(row["name"]))
            st.rerun()
    st.dataframe(tables.display(sites, lang(), tables.SITE_COLUMNS), hide_index=True)
    if len(ev.by_county):
        by = ev.by_county[ev.by_county["threshold_min"] == ev.threshold_min].copy()
        by["name"] = [tr("m_with_cand") if j < 0 else n for j, n in zip(by["candidate"], by["name"], strict=True)]
        st.markdown(f"**{tr('gain_by_county')}**")
        st.dataframe(tables.display(by, lang(), ("name", "county", "new_population")), hide_index=True)
    if st.button(tr("clear_sites")):
        ss["candidates"] = []
        st.rerun()


@st.fragment
def optimiser(pipe: Pipeline, plan: PlanInputs | None, res: Results) -> None:
    """The optimiser panel (reruns on its own): k, method, run; the chosen sites as a table."""
    ss = st.session_state
    st.subheader(tr("optimiser"))
    o1, o2, o3 = st.columns([1, 2, 2])
    o1.number_input(tr("k"), 1, 20, step=1, key="opt_k")
    o2.selectbox(tr("method"), ["greedy", "exact"], key="opt_method", format_func=lambda m: tr(f"method_{m}"))
    st.caption(tr("candidates_source", n=settings.GAP_CANDIDATES_N, km=settings.MAX_ROAD_M / 1000))
    s_opt = state.scenario_from_state(ss, optimise=True)
    if o3.button(tr("run_opt"), type="primary"):
        bar = st.progress(0.0, text=tr("opt_progress"))
        with guard("optimiser"):
            choice = pipe.choice(s_opt, plan, progress=lambda m, f: bar.progress(min(max(f or 0.0, 0.0), 1.0),
                                                                             text=tr("opt_progress")))
            ss["optimised"] = {"scenario": dataclasses.asdict(s_opt), "chosen": choice.chosen.copy(),
                               "result": choice.result}
            st.rerun(scope="app")  # the cards and the map show the chosen sites
    shown = ss.get("optimised")
    if shown is not None:
        st.markdown(f"**{tr('opt_result')}**")
        if shown["scenario"] != dataclasses.asdict(s_opt):
            st.caption("⚠ " + ("设置已改变，结果对应之前的设置；请重新运行。" if lang() == "zh"
                               else "The settings changed since this ran: run the optimiser again."))
        chosen = shown["chosen"].copy()
        chosen["county"] = _county_of(res, chosen)
        st.dataframe(tables.display(chosen, lang(), ("order", "name", "county", "gain_population",
                                                     "covered_population_after", "covered_share_after")),
                     hide_index=True)


def _county_of(res: Results, frame: pd.DataFrame) -> list[str]:
    """The county (in the page language) each point falls in."""
    counties = res.region.counties
    pts = frame.geometry
    hit_pt, hit_poly = counties.sindex.query(pts.values, predicate="within")
    name = counties["name_zh" if lang() == "zh" else "name_en"].to_numpy()
    out = [""] * len(frame)
    for i, j in zip(hit_pt, hit_poly, strict=True):
        out[int(i)] = str(name[int(j)])
    return out


def compare(res: Results) -> None:
    """Keep scenarios side by side (one column each); download the current one as JSON."""
    ss = st.session_state
    st.subheader(tr("compare"))
    n1, n2, n3 = st.columns([2, 1, 1])
    n1.text_input(tr("scenario_name"), key="scenario_name", placeholder="A")
    s = res.summary()
    if n2.button(tr("keep")):
        label = ss.get("scenario_name") or f"#{len(ss['compare']) + 1}"
        column = {tr("m_population"): f"{s['population_total']:,}",
                  tr("m_tertiary", t=s["threshold_min"]): f"{100 * s['covered_share']:.1f}%",
                  tr("m_urban", t=s["health_circles"]["urban_threshold_min"]):
                      f"{100 * s['health_circles']['urban_share']:.1f}%",
                  tr("m_rural", t=s["health_circles"]["rural_threshold_min"]):
                      f"{100 * s['health_circles']['rural_share']:.1f}%",
                  tr("m_gaps"): f"{s['gap_clusters']:,}"}
        if "candidates" in s:
            column[tr("m_with_cand")] = f"{100 * s['candidates']['covered_share_after']:.1f}%"
        ss["compare"] = {**ss["compare"], label: column}
    if ss["compare"] and n3.button(tr("clear_compare")):
        ss["compare"] = {}
    if ss["compare"]:
        st.dataframe(pd.DataFrame(ss["compare"]))
    st.download_button(tr("save_json"), data=dumps(res.scenario), mime="application/json", key="dl_scenario",
                       file_name=f"scenario-{slug(res.scenario.name or res.region.name)}.json")


def render(pipe: Pipeline, plan: PlanInputs | None, res: Results | None) -> None:
    """The whole tab."""
    add_sites(res)
    if res is None:
        return
    site_list(res)
    optimiser(pipe, plan, res)
    compare(res)

