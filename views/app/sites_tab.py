"""The candidate-sites tab: add sites (click, type, upload), see each one's gain by county, remove them;
run the optimiser; compare scenarios; save the scenario for ``healthplan scenario run``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import streamlit as st

from spatial import candidates as cands
from spatial import settings, traveltime
from spatial.coords import to_wgs84
from spatial.errors import HealthplanError, OptionError
from spatial.pipeline import Pipeline
from spatial.results import PlanInputs, Results
from spatial.scenario import dumps, slug
from views import strings, tables
from views.app import state, uploads
from views.app.common import guard, lang, phase, plain, tr
from views.strings import DATUMS, reason_text


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
    if up is not None:
        # added in the button's callback: one run shows them; the same file twice adds nothing new (same points)
        st.button(tr("use_file"), key="use_sites", on_click=_add_file, args=(res, datum))


def _add_file(res: Results | None, datum: str) -> None:
    """The "use this file" button: read the uploaded candidates, snap each like a click, add the new ones."""
    ss = st.session_state
    up = ss.get("up_sites")
    if up is None:
        return
    with guard("upload sites"):
        path = uploads.save(up, "candidates")
        frame = cands.from_file(str(path), datum=datum)
        room = state.MAX_SITES - len(ss["candidates"])
        if len(frame) > room:  # all or nothing: never half of a file added
            raise OptionError(f"{path.name.split('-', 1)[-1]}: {len(frame):,} sites, but only {room} more fit (at "
                              f"most {state.MAX_SITES} per session); remove some, or test the file with the "
                              "command line (healthplan sites test --candidates FILE)")
        added = sum(state.add_site(ss, *_snap(res, g.x, g.y), name=str(nm))
                    for nm, g in zip(frame["name"], frame.geometry, strict=True))
        ss["_sites_note"] = tr("file_added", n=added, total=len(frame))


def site_name(name: str) -> str:
    """A site's name for people in the page language."""
    return strings.site_name(name, lang())


def site_list(res: Results) -> None:
    """The sites with their status, gain and whole reason, each removable; the gains by county."""
    ss = st.session_state
    if ss.get("_sites_note"):
        st.info(ss.pop("_sites_note"))
    ev = res.evaluation
    if ev is None:
        st.info(tr("no_sites"))
        return
    st.markdown(f"**{tr('gain_table')}**")
    sites = ev.sites.sort_values(["rank", "status"], na_position="last")
    county = dict(zip(sites["name"], _county_of(res, sites), strict=True))
    for _, row in sites.iterrows():
        a, b = st.columns([8, 1], vertical_alignment="center")
        ok = row["status"] == "ok"
        where = f"（{county[row['name']]}）" if lang() == "zh" and county[row["name"]] else \
            f" ({county[row['name']]})" if county[row["name"]] else ""
        if ok:
            gain = row["gain_population"] if pd.notna(row["gain_population"]) else 0.0
            text = f"🔶 **{plain(site_name(row['name']))}**{plain(where)} {tr('site_gain', n=f'{gain:,.0f}')}"
        else:
            text = f"◇ **{plain(site_name(row['name']))}**{plain(where)} — {tr('rejected_word')}：{plain(reason_text(row['reason'], lang()))}"
        a.markdown(text)  # names, counties and reasons are data, escaped: never markdown
        b.button(tr("remove_site"), key=f"rm_{row['name']}", on_click=state.remove_site, args=(ss, str(row["name"])))
    shown = sites.assign(name=[site_name(n) for n in sites["name"]],
                         status=[tr("ok") if v == "ok" else tr("rejected_word") for v in sites["status"]],
                         reason=[reason_text(r, lang()) for r in sites["reason"]])
    st.dataframe(tables.display(shown, lang(), tables.SITE_COLUMNS), hide_index=True)
    if len(ev.by_county):
        by = ev.by_county[ev.by_county["threshold_min"] == ev.threshold_min].copy()
        by["name"] = [tr("m_with_cand") if j < 0 else site_name(n) for j, n in zip(by["candidate"], by["name"], strict=True)]
        if lang() == "en":  # the engine names counties in Chinese; the region's table has both
            en = dict(zip(res.region.counties["name_zh"], res.region.counties["name_en"], strict=True))
            by["county"] = [en.get(c, c) for c in by["county"]]
        st.markdown(f"**{tr('gain_by_county')}**")
        st.dataframe(tables.display(by, lang(), ("name", "county", "new_population")), hide_index=True)
    st.button(tr("clear_sites"), on_click=state.clear_sites, args=(ss,))


def _basis(scenario: dict) -> dict:
    """What an optimiser result depends on besides the sites (they join the pool): region, data, thresholds, k."""
    return {k: v for k, v in scenario.items() if k not in ("sites", "name")}


def optimised_now(ss: Any) -> dict | None:
    """The kept optimiser result when it still answers today's settings (else None: it is shown as outdated)."""
    shown = ss.get("optimised")
    if shown is None:
        return None
    try:
        current = dataclasses.asdict(state.scenario_from_state(ss, optimise=True))
    except HealthplanError:
        return None
    return shown if _basis(shown["scenario"]) == _basis(current) else None


def _keep_method() -> None:
    """The method widget of this language changed: keep its value in "opt_method"."""
    ss = st.session_state
    ss["opt_method"] = ss[f"opt_method_{lang()}"]


@st.fragment
def optimiser(pipe: Pipeline, plan: PlanInputs | None, res: Results) -> None:
    """The optimiser panel (reruns on its own): k, method, run; the chosen sites as a table that moves the cards."""
    ss = st.session_state
    st.subheader(tr("optimiser"))
    o1, o2, o3 = st.columns([1, 2, 2], vertical_alignment="bottom")
    o1.number_input(tr("k"), 1, 20, step=1, key="opt_k")
    # one widget per language, its value kept in "opt_method": a widget whose option labels change with the
    # language would not keep its value across a switch
    methods = ["greedy", "exact"]
    o2.selectbox(tr("method"), methods, key=f"opt_method_{lang()}", index=methods.index(ss["opt_method"]),
                 format_func=lambda m, language=lang(): strings.t(f"method_{m}", language), on_change=_keep_method)
    st.caption(tr("candidates_source", n=settings.GAP_CANDIDATES_N, km=settings.MAX_ROAD_M / 1000))
    s_opt = state.scenario_from_state(ss, optimise=True)
    if o3.button(tr("run_opt"), type="primary", key="run_opt"):
        bar = st.progress(0.0, text=tr("opt_progress", pct=0))
        with guard("optimiser"), phase("optimiser"):
            choice = pipe.choice(s_opt, plan, progress=lambda m, f: bar.progress(
                min(max(f or 0.0, 0.0), 1.0), text=tr("opt_progress", pct=100 * min(max(f or 0.0, 0.0), 1.0))))
            ss["optimised"] = {"scenario": dataclasses.asdict(s_opt), "chosen": choice.chosen.copy(),
                               "result": choice.result}
            st.rerun(scope="app")  # the cards and the map show the chosen sites
    shown = ss.get("optimised")
    if shown is not None:
        st.markdown(f"**{tr('opt_result')}**")
        if optimised_now(ss) is None:
            st.warning(tr("opt_outdated"))
        r = shown["result"]
        st.caption(tr("opt_summary", k=int(r.chosen.size), before=100 * r.share_before, after=100 * r.share_after,
                      new=f"{r.covered_after - r.covered_before:,.0f}", method=tr(f"method_{'exact' if 'exact' in r.method else 'greedy'}")))
        chosen = shown["chosen"].copy()
        chosen["name"] = [site_name(n) for n in chosen["name"]]
        st.dataframe(tables.chosen_table(chosen, lang(), _county_of(res, chosen), total=float(r.total_population)),
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


def _kept(res: Results, opt: dict | None) -> dict[str, Any]:
    """The figures a scenario is compared by (raw numbers; labelled in the page language when shown)."""
    s = res.summary()
    hc = s["health_circles"]
    out: dict[str, Any] = {"threshold_min": s["threshold_min"], "population_total": s["population_total"],
                           "covered_share": s["covered_share"], "urban_min": hc["urban_threshold_min"],
                           "urban_share": hc["urban_share"], "rural_min": hc["rural_threshold_min"],
                           "rural_share": hc["rural_share"], "gap_clusters": s["gap_clusters"],
                           "gap_population": s["gap_population"], "sites": 0, "with_sites": None, "optimised": None}
    if "candidates" in s:
        out.update(sites=s["candidates"]["ok"], with_sites=s["candidates"]["covered_share_after"])
    if opt is not None:
        out["optimised"] = float(opt["result"].share_after)
        out["optimised_k"] = int(opt["result"].chosen.size)
    return out


def comparison_table(kept: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Scenarios side by side: one column each, one row per figure, labelled in the page language."""
    def pct(v: Any) -> str:
        return "—" if v is None else f"{100 * float(v):.1f}%"

    rows: dict[str, dict[str, str]] = {}
    for label, k in kept.items():
        col = {tr("cmp_threshold"): f"{k['threshold_min']:g} / {k['urban_min']:g} / {k['rural_min']:g}",
               tr("m_population"): f"{k['population_total']:,}",
               tr("cmp_tertiary"): pct(k["covered_share"]), tr("cmp_urban"): pct(k["urban_share"]),
               tr("cmp_rural"): pct(k["rural_share"]), tr("m_gaps"): f"{k['gap_clusters']:,}",
               tr("cmp_gap_population"): f"{k['gap_population']:,}", tr("cmp_sites"): f"{k['sites']:,}",
               tr("m_with_cand"): pct(k["with_sites"]),
               tr("cmp_optimised"): pct(k["optimised"]) + (f" (k = {k['optimised_k']})" if k.get("optimised_k") else "")}
        rows[label] = col
    return pd.DataFrame(rows)


def compare(res: Results) -> None:
    """Keep scenarios side by side (one column each); download the current one as JSON."""
    ss = st.session_state
    st.subheader(tr("compare"))
    n1, n2, n3 = st.columns([2, 1, 1], vertical_alignment="bottom")
    n1.text_input(tr("scenario_name"), key="scenario_name", placeholder=tr("scenario_placeholder"))
    if n2.button(tr("keep"), key="keep_scenario"):
        label = (ss.get("scenario_name") or "").strip() or f"#{len(ss['compare']) + 1}"
        ss["compare"] = {**ss["compare"], label: _kept(res, optimised_now(ss))}
    if ss["compare"] and n3.button(tr("clear_compare"), key="clear_compare"):
        ss["compare"] = {}
    if ss["compare"]:
        st.dataframe(comparison_table(ss["compare"]))
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

