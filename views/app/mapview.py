"""The map panel: a static map rendered once per region, thresholds, language and basemap; candidate layers on top.

The static part (surface, counties, gaps, facilities, plan layers, legend) is built and rendered to
JavaScript once per key and shared by every session (``views.app.foliummap``); a run sends it unchanged,
so the browser keeps the map mounted and swaps only the candidate layers (the sites, their isochrones,
the optimiser's picks).  A click is handled in the component's ``on_change`` callback, before the page
reruns, so one rerun shows the new site and its gain.  A click on a point (a hospital, a plan point, a
site) opens its tooltip and popup and adds nothing; a click anywhere else — the bare map, the surface, a
plan area — adds a candidate site there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from spatial import settings, traveltime, whatif
from spatial.coords import to_wgs84
from spatial.errors import HealthplanError
from spatial.regions import Region
from spatial.results import Results
from views import maps
from views import plans as plans_view
from views.app import foliummap, state
from views.app.common import lang, phase, tr
from views.strings import overlay, t

MAP_KEY = "map"
HEIGHT_PX = 560
RETURNED = ("last_clicked", "last_object_clicked", "last_object_clicked_tooltip")


@st.cache_resource(show_spinner=False, max_entries=8)
def plan_part(key: str, _plans: dict[str, gpd.GeoDataFrame], language: str, basemap: str) -> foliummap.Part:
    """The region's plan layers rendered once per language and basemap (``key``: the app region)."""
    datum = maps.BASEMAPS[basemap]["datum"]
    return foliummap.render_part(plans_view.layer_groups(_plans.values(), lang=language, datum=datum), "plan")


def _static(layers: dict[str, gpd.GeoDataFrame], plans: dict[str, gpd.GeoDataFrame], plan_key: str, *,
            bounds: tuple[float, float, float, float], language: str, basemap: str,
            bands_min: tuple[float, ...] | list[float], legend_keys: tuple[str, ...]) -> foliummap.Prepared:
    """A static map: the results before the plans, the plans (rendered once per region), the points after them."""
    first = maps.result_groups(layers, maps.RESULTS_FIRST, lang=language, basemap=basemap, bands_min=bands_min)
    last = maps.result_groups(layers, maps.RESULTS_LAST, lang=language, basemap=basemap, bands_min=bands_min)
    m = maps.base_map(bounds, basemap=basemap)
    m.get_root().html.add_child(maps.static_legend([k for k, _ in (*first, *last)], plans.values(), lang=language,
                                                   bands_min=bands_min, legend_keys=legend_keys))
    parts = [foliummap.render_part([g for _, g in first], "res"), plan_part(plan_key, plans, language, basemap),
             foliummap.render_part([g for _, g in last], "pts")]
    return foliummap.prepare(m, parts)


@st.cache_resource(show_spinner=False, max_entries=8)
def static_map(key: str, _res: Results, _plans: dict[str, gpd.GeoDataFrame], language: str,
               basemap: str, plan_key: str = "") -> foliummap.Prepared:
    """The static map of a run, rendered once (cached under ``key``: coverage inputs, thresholds, language, basemap)."""
    layers = {k: v for k, v in _res.layers().items() if k not in maps.DYNAMIC}
    layers["outline"] = gpd.GeoDataFrame(geometry=[_res.region.outline], crs="EPSG:4326")
    return _static(layers, _plans, plan_key or key, bounds=_res.region.bbox, language=language, basemap=basemap,
                   bands_min=_res.scenario.thresholds.bands_min, legend_keys=(*maps.DYNAMIC, "rejected"))


@st.cache_resource(show_spinner=False, max_entries=8)
def base_map(key: str, _region: Region, _plans: dict[str, gpd.GeoDataFrame], language: str,
             basemap: str, plan_key: str = "") -> foliummap.Prepared:
    """The map of a region without a network: its outline, its counties (with names) and its plans."""
    layers = {"outline": gpd.GeoDataFrame(geometry=[_region.outline], crs="EPSG:4326"), "counties": _region.counties}
    return _static(layers, _plans, plan_key or key, bounds=_region.bbox, language=language, basemap=basemap,
                   bands_min=settings.BANDS_MIN, legend_keys=())


def _fresh(value: Mapping[str, Any], name: str) -> dict | None:
    """The component's ``name`` click when it changed since the last run saw it (None otherwise)."""
    ss = st.session_state
    click = value.get(name)
    seen = ss.setdefault("_seen_clicks", {})
    if not click or click == seen.get(name):
        return None
    seen[name] = click
    return click


def _reading(tooltip: Any) -> bool:
    """True when a clicked layer is one a planner reads (a point or a plan feature): its tooltip says which."""
    text = "".join(str(tooltip or "").split())
    language = lang()
    heads = [t("plan_layer", language), t("site_word", language), t("rank", language), t("scenic_word", language),
             overlay("facilities", language), overlay("primary_care", language)]
    return any(text.startswith("".join(h.split())) for h in heads)


def _on_click() -> None:
    """The map was clicked: add a candidate site there (snapped to a road node when one is near)."""
    ss = st.session_state
    value = ss.get(MAP_KEY) or {}
    bare, on_layer = _fresh(value, "last_clicked"), _fresh(value, "last_object_clicked")
    # a click on a point or a plan feature opens its popup; a click on the bare map or an area (the
    # surface, a county, a gap, inside a plan area) is a place the planner points at
    if on_layer is not None and _reading(value.get("last_object_clicked_tooltip")):
        return
    click = bare or on_layer
    if click is None or not ss.get("click_adds"):
        return
    ss["last_click"] = click
    lon, lat = float(click["lng"]), float(click["lat"])
    if maps.BASEMAPS[ss["basemap"]]["datum"] == "gcj02":  # the click is in the tiles' datum
        lon, lat = (float(v[0]) for v in to_wgs84([lon], [lat], "gcj02"))
    net = ss.get("_network")
    if net is not None and ss.get("snap_click", True):
        s = traveltime.snap(net, [lon], [lat])
        # only within the candidate check's road distance: a click at sea stays, so the check can say why
        if float(s.dist_m[0]) <= settings.MAX_ROAD_M:
            lon, lat = float(net.lon[int(s.node[0])]), float(net.lat[int(s.node[0])])
    try:
        state.add_site(ss, lon, lat)
    except HealthplanError as exc:
        ss["_click_error"] = str(exc)


def render(key: str, res: Results | None, region: Region, plans: dict[str, gpd.GeoDataFrame],
           dynamic: dict[str, gpd.GeoDataFrame]) -> None:
    """Draw the map: the cached static part and the candidate layers; clicks add sites."""
    ss = st.session_state
    language, basemap = lang(), ss["basemap"]
    with phase("map_static"):
        if res is not None:
            prepared = static_map(f"{key}|{language}|{basemap}", res, plans, language, basemap, ss["region"])
            bands = res.scenario.thresholds.bands_min
        else:  # no network: the outline, the counties and the plans still show
            prepared = base_map(f"{region.name}|{ss['region']}|{language}|{basemap}", region, plans, language, basemap,
                                ss["region"])
            bands = settings.BANDS_MIN
    with phase("map_dynamic"):
        groups = maps.dynamic_groups(dynamic, lang=language, basemap=basemap, bands_min=bands)
    with phase("map_send"):
        foliummap.draw(prepared, groups, key=MAP_KEY, height=HEIGHT_PX, returned_objects=RETURNED,
                       on_change=_on_click)
    if ss.get("_click_error"):
        st.error(f"{tr('error')}{ss.pop('_click_error')}")


@st.cache_resource(show_spinner=False, max_entries=512)
def _site_isochrones(key: str, name: str, lon: float, lat: float, thresholds_min: tuple[float, ...],
                     _res: Results) -> gpd.GeoDataFrame:
    """One candidate site's nested isochrones (cached per network key, site and isochrone thresholds)."""
    site = gpd.GeoDataFrame({"name": [name]}, geometry=gpd.points_from_xy([lon], [lat]), crs="EPSG:4326")
    return whatif.candidate_isochrones(_res.inputs.network, site, thresholds_min=thresholds_min,
                                       clip=_res.region.outline)


def candidate_isochrones(key: str, res: Results) -> gpd.GeoDataFrame | None:
    """The usable candidate sites' isochrones, each computed once (a click computes only the new site's)."""
    ev = res.evaluation
    if ev is None or not ev.ok.any():
        return None
    ok = ev.sites[ev.ok]
    thresholds = tuple(float(v) for v in res.scenario.thresholds.isochrones_min)
    # a site's isochrones depend on the network and the site only: a new tertiary threshold keeps them
    net = res.inputs.network
    net_key = str(net.provenance.get("cache_key") or key) + f"|{net.n_nodes}|{net.n_edges}"
    parts = [_site_isochrones(net_key, str(n), float(g.x), float(g.y), thresholds, res)
             for n, g in zip(ok["name"], ok.geometry, strict=True)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return None
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs="EPSG:4326")
