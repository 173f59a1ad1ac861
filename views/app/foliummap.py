"""A folium map in Streamlit with its static part rendered once: streamlit-folium's component, fed from a cache.

``st_folium`` renders the whole map to JavaScript on every run of the page (≈ 0.6 s for a province map with
its plan layers) and mutates the map it is given, so a cached map had to be deep-copied first.  Here the
static map is rendered once (``prepare``) into exactly the arguments ``st_folium`` would send — script,
header, html, links, the component key — and each run only renders the few candidate layers and the layer
control.  The browser side is streamlit-folium's own: the same script keeps the same component key, so the
map is not re-mounted and only the candidate layers are swapped.

It mirrors ``st_folium`` of streamlit-folium 0.27 and uses its private helpers; when they are missing (another
version) ``draw`` falls back to ``st_folium`` with a copy of the map.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import streamlit as st
import streamlit_folium

try:  # the parts of st_folium this module reuses (streamlit-folium 0.27)
    from streamlit_folium import _component_func, _get_header, _get_html, _get_map_string, generate_js_hash
    from streamlit_folium import generate_leaflet_string, get_full_id
    SUPPORTED = True
except ImportError:  # pragma: no cover — another streamlit-folium: plain st_folium
    SUPPORTED = False


@dataclass(frozen=True)
class Prepared:
    """A static map rendered once: the component arguments that do not change between runs."""

    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    defaults: dict[str, Any]
    overlays: tuple[tuple[str, str, bool], ...]  # (escaped title, JavaScript variable, on at first) per static overlay
    hash_prefix: str  # the script's hash, from which each key's component key is made
    source: folium.Map | None = None  # the map itself (kept only for the fallback)


def _links(m: folium.Map) -> tuple[list[str], list[str]]:
    """CSS and JS links of every element of the map (what st_folium hands the frontend), de-duplicated."""
    css: list[str] = []
    js: list[str] = []

    def walk(el: Any) -> None:
        css.extend(href for _, href in getattr(el, "default_css", []))
        js.extend(src for _, src in getattr(el, "default_js", []))
        for child in getattr(el, "_children", {}).values():
            walk(child)

    walk(m)
    return list(dict.fromkeys(css)), list(dict.fromkeys(js))


@dataclass(frozen=True)
class Part:
    """Overlays rendered once on their own (e.g. a region's plan layers), to be put on any prepared map."""

    script: str
    overlays: tuple[tuple[str, str, bool], ...]
    groups: tuple[folium.FeatureGroup, ...] = ()  # kept only for the fallback


def render_part(groups: Sequence[folium.FeatureGroup], prefix: str) -> Part:
    """Feature groups rendered to the JavaScript of a map called ``map_div`` (names ``feature_group_{prefix}{i}``).

    The groups draw in the panes of ``views.panes``, which the prepared map creates.  A popup's or tooltip's
    table style (folium puts it in the page header) is not carried: the map's own CSS styles them.
    """
    if not SUPPORTED:
        return Part("", (), tuple(groups))
    holder = folium.Map(tiles=None)  # a throwaway parent: its name is replaced by the page's map_div
    scripts, overlays = [], []
    for i, group in enumerate(groups):
        base = f"{prefix}{i}"
        group._id = base
        group.add_to(holder)
        group.render()
        scripts.append(generate_leaflet_string(group, base_id=base).replace(get_full_id(holder), "map_div"))
        overlays.append((str(group.layer_name), group.get_name(), bool(group.show)))
    return Part("\n".join(scripts), tuple(overlays))


def prepare(m: folium.Map, parts: Sequence[Part] = ()) -> Prepared:
    """Render a static map once into the component's arguments, with ``parts`` drawn after its own layers.

    Consumes ``m`` (its element ids are renamed).  The layer control lists the map's own overlays, then each
    part's, in order.
    """
    if not SUPPORTED:
        for part in parts:
            for group in part.groups:
                group.add_to(m)
        return Prepared("", "", "", "", (), (), {}, (), "", source=m)
    m.get_root().render()
    m.render()
    page_html, header = _get_html(m), _get_header(m)
    script = _get_map_string(m)  # renames every element to a stable id (map_div, feature_group_div_3 …)
    script += "".join(f"\n{p.script}" for p in parts)
    overlays = tuple((str(child.layer_name), child.get_name(), bool(child.show))
                     for child in m._children.values()
                     if isinstance(child, folium.FeatureGroup) and child.control)
    overlays += tuple(o for p in parts for o in p.overlays)
    (s, w), (n, e) = m.get_bounds()
    defaults = {"last_clicked": None, "last_object_clicked": None, "last_object_clicked_tooltip": None,
                "bounds": {"_southWest": {"lat": s, "lng": w}, "_northEast": {"lat": n, "lng": e}},
                "zoom": m.options.get("zoom")}
    css, js = _links(m)
    return Prepared(script, header, page_html, get_full_id(m), tuple(css), tuple(js), defaults, overlays,
                    generate_js_hash(script, None, False))


def _group_script(group: folium.FeatureGroup, idx: int) -> str:
    """One candidate layer as the JavaScript streamlit-folium evaluates in the map (``feature_group_{idx}``)."""
    holder = folium.Map(tiles=None)  # a throwaway parent: its name is replaced by the page's map_div
    group._id = f"feature_group_{idx}"
    group.add_to(holder)
    group.render()
    code = generate_leaflet_string(group, base_id=f"feature_group_{idx}").replace(get_full_id(holder), "map_div")
    return (f"{code}\nmap_div.addLayer(feature_group_feature_group_{idx});\n"
            f"window.feature_group = window.feature_group || [];\n"
            f"window.feature_group.push(feature_group_feature_group_{idx});\n")


def _layer_control(prepared: Prepared, groups: Sequence[folium.FeatureGroup], *, collapsed: bool) -> str:
    """A Leaflet layer control over the static overlays and the candidate layers (titles as the page shows them)."""
    names = [(title, var) for title, var, _ in prepared.overlays]
    names += [(str(g.layer_name), g.get_name()) for g in groups]
    # the titles are HTML-escaped already (Leaflet sets them as HTML, as folium's own control does)
    body = ", ".join(f"{json.dumps(title)}: {var}" for title, var in names)
    options = json.dumps({"position": "topright", "collapsed": collapsed, "autoZIndex": True})
    return (f"var layer_control_layer_control = L.control.layers({{}}, {{{body}}}, {options}).addTo(map_div);\n"
            "window.layer_control = layer_control_layer_control;\n")


def draw(prepared: Prepared, groups: Sequence[folium.FeatureGroup], *, key: str, height: int,
         returned_objects: Sequence[str], on_change: Callable[[], None] | None = None, collapsed: bool = True) -> Any:
    """Show the prepared map with ``groups`` on top; the component's value lands in ``st.session_state[key]``."""
    if not SUPPORTED or prepared.source is not None:  # pragma: no cover — another streamlit-folium
        return streamlit_folium.st_folium(copy.deepcopy(prepared.source), key=key, height=height,
                                          use_container_width=True, returned_objects=list(returned_objects),
                                          feature_group_to_add=list(groups) or None,
                                          layer_control=folium.LayerControl(collapsed=collapsed), on_change=on_change)
    fg = "".join(_group_script(g, i) for i, g in enumerate(groups)) if groups else None
    component_key = generate_js_hash(prepared.hash_prefix, key, False)

    def changed() -> None:
        st.session_state[key] = st.session_state.get(component_key, {})
        if on_change is not None:
            on_change()

    defaults = {k: v for k, v in prepared.defaults.items() if k in returned_objects}
    return _component_func(
        script=prepared.script, header=prepared.header, html=prepared.html, id=prepared.map_id, key=component_key,
        height=height, width=None, returned_objects=list(returned_objects), default=defaults, zoom=None,
        center=None, feature_group=fg, return_on_hover=False,
        layer_control=_layer_control(prepared, groups, collapsed=collapsed), pixelated=False,
        css_links=list(prepared.css_links), js_links=list(prepared.js_links), on_change=changed,
        wrap_longitude=False,
    )
