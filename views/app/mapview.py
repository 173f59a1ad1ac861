"""The map panel: a static map built once per region, thresholds, language and basemap; candidate layers on top.

streamlit-folium draws the static map once and, on later runs with the same map, only swaps the
``feature_group_to_add`` layers (the candidate sites, their isochrones, the optimiser's picks), so a click
does not re-send or re-mount the whole map.  A click is handled in the component's ``on_change`` callback,
before the page reruns, so one rerun shows the new site and its gain.
"""

from __future__ import annotations

import copy
from typing import Any

import folium
import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

from spatial import settings, traveltime
from spatial.coords import to_wgs84
from spatial.errors import HealthplanError
from spatial.results import Results
from views import maps
from views.app import state
from views.app.common import lang, tr

MAP_KEY = "map"
HEIGHT_PX = 560


@st.cache_resource(show_spinner=False, max_entries=6)
def static_map(key: str, _res: Results, _plans: dict[str, gpd.GeoDataFrame], language: str,
               basemap: str) -> folium.Map:
    """The static map of a run (cached under ``key``: the coverage inputs, thresholds, language, basemap)."""
    layers = _res.layers()
    dynamic = ("candidates", "candidate_isochrones", "optimised_sites")
    return maps.static_map({k: v for k, v in layers.items() if k not in dynamic}, _plans, bounds=_res.region.bbox,
                           lang=language, basemap=basemap, bands_min=_res.scenario.thresholds.bands_min,
                           legend_keys=dynamic)


def _on_click() -> None:
    """The map was clicked: add a candidate site there (snapped to a road node when one is near)."""
    ss = st.session_state
    value = ss.get(MAP_KEY) or {}
    # a click on the bare map or on a layer (a plan area, the surface): both are places a planner points at
    clicks = [c for c in (value.get("last_clicked"), value.get("last_object_clicked")) if c]
    fresh = [c for c in clicks if c != ss.get("last_click") and c not in ss.get("_seen_clicks", [])]
    ss["_seen_clicks"] = clicks
    click = fresh[0] if fresh else None
    if not click or not ss.get("click_adds"):
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


def render(key: str, res: Results | None, plans: dict[str, gpd.GeoDataFrame], dynamic: dict[str, Any],
           bounds: tuple[float, float, float, float]) -> None:
    """Draw the map: the cached static part and the candidate layers; clicks add sites."""
    ss = st.session_state
    language, basemap = lang(), ss["basemap"]
    if res is not None:
        # a copy: streamlit-folium adds the candidate layers and the layer control to the map it is given
        m = copy.deepcopy(static_map(f"{key}|{language}|{basemap}", res, plans, language, basemap))
        bands = res.scenario.thresholds.bands_min
    else:  # no network: the outline, the counties and the plans still show
        m = maps.static_map(dynamic.pop("_base", {}), plans, bounds=bounds, lang=language, basemap=basemap,
                            bands_min=settings.BANDS_MIN)
        bands = settings.BANDS_MIN
    groups = maps.dynamic_groups(dynamic, lang=language, basemap=basemap, bands_min=bands)
    st_folium(m, key=MAP_KEY, height=HEIGHT_PX, use_container_width=True, returned_objects=["last_clicked", "last_object_clicked"],
              feature_group_to_add=groups or None, layer_control=folium.LayerControl(collapsed=True),
              on_change=_on_click)
    if ss.get("_click_error"):
        st.error(f"{tr('error')}{ss.pop('_click_error')}")
