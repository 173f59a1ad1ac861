"""The results map (folium): travel-time surface, county choropleth, isochrones, gaps, facilities, sites, plans.

Each overlay is a ``folium.FeatureGroup`` that Leaflet's own layer control switches on and off in the
browser (no server round trip).  The app keeps the slow, static part of the map (``static_map``: basemap,
surface, counties, isochrones, gaps, facilities, plan layers) for as long as the region and thresholds
stay the same, and sends only the candidate layers (``dynamic_groups``) when a site is added.
Every name that reaches the page is HTML-escaped; numbers are rounded for people.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely

from spatial.coords import from_wgs84
from views import offline, plans, style
from views.strings import band_label, overlay, t

#: Basemaps: tiles (folium name or URL template), attribution, the datum the tiles are drawn in.
BASEMAPS: dict[str, dict[str, str]] = {
    "positron": {"tiles": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
                 "attr": "© OpenStreetMap contributors © CARTO", "datum": "wgs84"},
    "osm": {"tiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attr": "© OpenStreetMap contributors",
            "datum": "wgs84"},
    "amap": {"tiles": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
             "attr": "© 高德地图 AutoNavi (GCJ-02)", "datum": "gcj02"},
}

#: Overlays drawn by ``static_map`` (bottom first) and by ``dynamic_groups``.
STATIC: tuple[str, ...] = ("surface", "counties", "isochrones", "gaps", "primary_care", "emergency_sites", "facilities")
DYNAMIC: tuple[str, ...] = ("candidate_isochrones", "candidates", "optimised_sites")
#: Overlays switched on when the map first draws (the others wait in the layer control).
SHOWN: frozenset[str] = frozenset({"surface", "gaps", "facilities", "candidates", "candidate_isochrones",
                                   "optimised_sites", "emergency_sites", "counties_outline"})

#: Display simplification of dissolved polygons (degrees, ≈ 200 m; the surface is made of grid cells anyway).
DISPLAY_SIMPLIFY_DEG: float = 0.002

#: Page CSS: popups wide enough for Chinese text, tooltips that wrap, a compact legend.
CSS = """<style>
.leaflet-popup-content{min-width:260px;max-width:440px;font-size:13px;line-height:1.45}
.leaflet-popup-content table{width:100%}.leaflet-popup-content th{white-space:nowrap;vertical-align:top;padding-right:8px}
.leaflet-tooltip{white-space:normal;max-width:360px;min-width:120px;font-size:12px}
.hp-legend{position:absolute;z-index:1000;background:rgba(255,255,255,.94);padding:6px 9px;border:1px solid #999;
border-radius:4px;font:12px/1.35 "Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;max-height:46%;overflow:auto}
.hp-legend b{display:block;margin:2px 0 3px}.hp-row{display:flex;align-items:center;gap:6px;margin:2px 0}
.hp-row svg,.hp-row span:first-child{flex:none}
</style>"""


def _shifted(frame: gpd.GeoDataFrame, datum: str, simplify_deg: float = 0.0) -> gpd.GeoSeries:
    """Geometries in WGS84 (optionally simplified) moved into the basemap's datum, rounded to ≈ 1 m."""
    geoms = frame.geometry.to_crs("EPSG:4326")
    if simplify_deg > 0:
        geoms = geoms.simplify(simplify_deg, preserve_topology=True)
    moved = plans.shift_geometries(geoms, datum)
    return gpd.GeoSeries(shapely.transform(moved.values, lambda xy: np.round(xy, 5)), crs="EPSG:4326")


def _num(value: Any, digits: int = 0) -> str:
    """A number for people: thousands separators, blank for missing."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    if isinstance(value, int | float | np.integer | np.floating):
        return f"{float(value):,.{digits}f}"
    return html.escape(str(value))


def _pct(value: Any) -> str:
    """A share 0–1 as a percentage with one decimal."""
    return "" if value is None or not np.isfinite(float(value)) else f"{100 * float(value):.1f}%"


def _geojson(frame: gpd.GeoDataFrame, props: Mapping[str, Sequence[Any]], datum: str, simplify_deg: float = 0.0) -> str:
    """GeoJSON text of the frame's shifted geometries with the given (already escaped) display properties."""
    shown = gpd.GeoDataFrame(dict(props), geometry=_shifted(frame, datum, simplify_deg).values, crs="EPSG:4326")
    return shown.to_json(drop_id=True)


def _tooltip(fields: list[str], aliases: list[str]) -> folium.GeoJsonTooltip:
    """A sticky tooltip."""
    return folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True)


def _icon(symbol: style.Symbol) -> folium.Marker:
    """A marker drawing ``symbol`` (an SVG div icon centred on the point)."""
    return folium.Marker(icon=folium.DivIcon(html=style.svg(symbol), icon_size=(symbol.size, symbol.size),
                                             icon_anchor=(symbol.size // 2, symbol.size // 2)))


def _names(frame: gpd.GeoDataFrame, lang: str) -> list[str]:
    """Escaped display names of a point layer (the language's name first where both exist)."""
    cols = ["name_zh", "name"] if lang == "zh" else ["name_en", "name", "name_zh"]
    out = []
    for i in range(len(frame)):
        value = next((frame[c].iloc[i] for c in cols if c in frame.columns
                      and isinstance(frame[c].iloc[i], str) and frame[c].iloc[i].strip()), "")
        out.append(html.escape(str(value)))
    return out


def overlay_group(key: str, frame: gpd.GeoDataFrame, *, lang: str, datum: str, bands_min: Sequence[float],
                  show: bool | None = None) -> folium.FeatureGroup | None:
    """One result overlay as a feature group (styled, with a tooltip in ``lang``); None when the frame is empty."""
    if frame is None or len(frame) == 0:
        return None
    group = folium.FeatureGroup(name=html.escape(overlay(key, lang)), show=key in SHOWN if show is None else show)

    def w(k: str) -> str:
        return t(k, lang)

    if key == "surface":
        colours = style.band_colours(len(bands_min) + 1)
        props = {"band": [band_label(lo, hi if hi is not None and np.isfinite(hi) else None, lang)
                          for lo, hi in zip(frame["from_min"], frame["to_min"], strict=True)],
                 "pop": [_num(v) for v in frame["population"]],
                 "_c": [colours[min(int(b), len(colours) - 1)] for b in frame["band"]]}
        folium.GeoJson(_geojson(frame, props, datum, DISPLAY_SIMPLIFY_DEG),
                       style_function=lambda f: {"color": f["properties"]["_c"], "weight": 0,
                                                 "fillColor": f["properties"]["_c"], "fillOpacity": 0.6},
                       tooltip=_tooltip(["band", "pop"], [w("minutes"), w("population")])).add_to(group)
    elif key == "counties" and "share" not in frame.columns:  # no coverage yet: the outlines and names only
        props = {"name": [html.escape(str(v)) for v in frame["name_zh" if lang == "zh" else "name_en"]]}
        folium.GeoJson(_geojson(frame, props, datum, DISPLAY_SIMPLIFY_DEG),
                       style_function=lambda f: {"color": style.COUNTY_OUTLINE, "weight": 1.5, "fillOpacity": 0.02},
                       tooltip=_tooltip(["name"], [w("county")])).add_to(group)
    elif key == "counties":
        props = {"name": [html.escape(str(v)) for v in frame["name_zh" if lang == "zh" else "name_en"]],
                 "share": [_pct(v) for v in frame["share"]], "pop": [_num(v) for v in frame["population"]],
                 "_c": [style.share_colour(float(v)) for v in frame["share"]]}
        folium.GeoJson(_geojson(frame, props, datum, DISPLAY_SIMPLIFY_DEG),
                       style_function=lambda f: {"color": style.COUNTY_OUTLINE, "weight": 1,
                                                 "fillColor": f["properties"]["_c"], "fillOpacity": 0.6},
                       tooltip=_tooltip(["name", "share", "pop"], [w("county"), w("share"), w("population")])
                       ).add_to(group)
    elif key in ("isochrones", "candidate_isochrones"):
        frame = frame.sort_values("threshold_min", ascending=False)
        levels = sorted(frame["threshold_min"].unique())
        colour = {v: style.ISOCHRONE_COLOURS[min(i, len(style.ISOCHRONE_COLOURS) - 1)] for i, v in enumerate(levels)}
        cand = key == "candidate_isochrones"
        props = {"_c": [style.CANDIDATE_ISOCHRONE_COLOUR if cand else colour[v] for v in frame["threshold_min"]]}
        # lines only, and not interactive: the surface below keeps answering the mouse with its minutes
        folium.GeoJson(_geojson(frame, props, datum, DISPLAY_SIMPLIFY_DEG), interactive=False,
                       style_function=lambda f, cand=cand: {"color": f["properties"]["_c"], "weight": 2,
                                                            "fill": False, "dashArray": "6 4" if cand else None}
                       ).add_to(group)
    elif key == "gaps":
        county = frame["name_zh" if lang == "zh" else "name_en"]
        props = {"rank": [int(v) for v in frame["rank"]], "county": [html.escape(str(v)) for v in county],
                 "pop": [_num(v) for v in frame["population"]], "worst": [_num(v) for v in frame["worst_min"]]}
        folium.GeoJson(_geojson(frame, props, datum, DISPLAY_SIMPLIFY_DEG),
                       style_function=lambda f: {"color": style.GAP_COLOUR, "weight": 2, "fillColor": style.GAP_COLOUR,
                                                 "fillOpacity": 0.18},
                       tooltip=_tooltip(["rank", "county", "pop", "worst"],
                                        [w("rank"), w("county"), w("population"), w("worst_min")])).add_to(group)
    elif key == "candidates":
        ok = (frame["status"] == "ok").to_numpy() if "status" in frame.columns else np.ones(len(frame), bool)
        gain_col = next((c for c in frame.columns if c.startswith("new_population_")), None)
        props = {"name": _names(frame, lang),
                 "status": [w("ok") if o else f"{w('rejected_word')}: {html.escape(str(r))}"
                            for o, r in zip(ok, frame.get("reason", [""] * len(frame)), strict=True)],
                 "gain": [_num(v) for v in frame["gain_population"]] if "gain_population" in frame.columns
                 else [_num(v) for v in frame[gain_col]] if gain_col else [""] * len(frame)}
        for mask, symbol in ((ok, style.SYMBOLS["candidates"]), (~ok, style.SYMBOLS["rejected"])):
            if mask.any():
                sub = {k: [v for v, m in zip(vals, mask, strict=True) if m] for k, vals in props.items()}
                folium.GeoJson(_geojson(frame[mask], sub, datum), marker=_icon(symbol),
                               tooltip=_tooltip(["name", "status", "gain"], [w("name"), w("status"), w("gain")])
                               ).add_to(group)
    elif key == "optimised_sites":
        props = {"rank": [int(v) for v in frame["order"]], "name": _names(frame, lang),
                 "gain": [_num(v) for v in frame["gain_population"]]}
        folium.GeoJson(_geojson(frame, props, datum), marker=_icon(style.SYMBOLS[key]),
                       tooltip=_tooltip(["rank", "name", "gain"], [w("rank"), w("name"), w("gain")])).add_to(group)
    elif key == "emergency_sites":
        props = {"name": _names(frame, lang), "minutes": [_num(v, 1) for v in frame["minutes"]]}
        folium.GeoJson(_geojson(frame, props, datum), marker=_icon(style.SYMBOLS[key]),
                       tooltip=_tooltip(["name", "minutes"], [w("name"), w("minutes")])).add_to(group)
    else:  # facilities, primary_care
        props = {"name": _names(frame, lang)}
        folium.GeoJson(_geojson(frame, props, datum), marker=_icon(style.SYMBOLS[key]),
                       tooltip=_tooltip(["name"], [w("name")])).add_to(group)
    return group


def legend_html(keys: Iterable[str], bands_min: Sequence[float], plan_frames: Iterable[gpd.GeoDataFrame], *,
                lang: str) -> str:
    """One legend (bottom left): result overlays with symbols matching their geometry, then the plan roles."""
    keys = list(keys)
    rows = []
    if "surface" in keys:
        edges = [0.0, *[float(b) for b in bands_min]]
        colours = style.band_colours(len(edges))
        for i, lo in enumerate(edges):
            hi = edges[i + 1] if i + 1 < len(edges) else None
            rows.append(f'<div class="hp-row"><span style="display:inline-block;width:16px;height:11px;'
                        f'background:{colours[i]}"></span><span>{html.escape(band_label(lo, hi, lang))}</span></div>')
    marks = {
        "counties": f'<span style="display:inline-block;width:16px;height:11px;background:{style.SHARE_COLOURS[2]};'
                    f'border:1px solid {style.COUNTY_OUTLINE}"></span>',
        "isochrones": f'<span style="display:inline-block;width:18px;border-top:2px solid {style.ISOCHRONE_COLOURS[0]}"></span>',
        "candidate_isochrones": f'<span style="display:inline-block;width:18px;border-top:2px dashed '
                                f'{style.CANDIDATE_ISOCHRONE_COLOUR}"></span>',
        "gaps": f'<span style="display:inline-block;width:16px;height:11px;background:{style.GAP_COLOUR}2e;'
                f'border:2px solid {style.GAP_COLOUR}"></span>',
    }
    for k in keys:
        if k in marks:
            mark = marks[k]
        elif k in style.SYMBOLS:
            mark = style.svg(style.SYMBOLS[k])
        else:
            continue
        rows.append(f'<div class="hp-row">{mark}<span>{html.escape(overlay(k, lang))}</span></div>')
    plan_rows = plans.legend_rows(plan_frames, lang)
    body = f"<b>{html.escape(t('results_legend', lang))}</b>{''.join(rows)}"
    if plan_rows:
        body += f"<b>{html.escape(t('plans_legend', lang))}</b>{''.join(plan_rows)}"
    return f'<div class="hp-legend" style="bottom:26px;right:10px">{body}</div>'


def base_map(bounds: Sequence[float], *, basemap: str = "positron", height_px: int | None = None) -> folium.Map:
    """An empty map on ``basemap`` fitted to ``bounds`` (WGS84 lon_min, lat_min, lon_max, lat_max), offline-ready."""
    if basemap not in BASEMAPS:
        raise ValueError(f"unknown basemap {basemap!r}; use one of {', '.join(BASEMAPS)}")
    bm = BASEMAPS[basemap]
    lon0, lat0, lon1, lat1 = (float(v) for v in bounds)
    if bm["datum"] != "wgs84":
        (lon0, lon1), (lat0, lat1) = from_wgs84(np.array([lon0, lon1]), np.array([lat0, lat1]), bm["datum"])
    m = folium.Map(location=[(lat0 + lat1) / 2, (lon0 + lon1) / 2], tiles=None, control_scale=True,
                   height=height_px or "100%")
    extra = {"subdomains": "1234"} if basemap == "amap" else {"subdomains": "abcd"} if basemap == "positron" else {}
    folium.TileLayer(tiles=bm["tiles"], attr=bm["attr"], name=basemap, control=False, max_zoom=18, **extra).add_to(m)
    m.fit_bounds([[float(lat0), float(lon0)], [float(lat1), float(lon1)]])
    m.get_root().header.add_child(folium.Element(CSS))
    offline.embed_leaflet(m)  # standalone pages and offline machines: Leaflet inside the page
    return m


def static_map(layers: Mapping[str, gpd.GeoDataFrame], plan_layers: Mapping[str, gpd.GeoDataFrame], *,
               bounds: Sequence[float], lang: str, basemap: str = "positron", bands_min: Sequence[float],
               height_px: int | None = None, legend_keys: Iterable[str] = ()) -> folium.Map:
    """The map without the candidate layers: basemap, result overlays, plan layers, legend (no layer control)."""
    datum = BASEMAPS[basemap]["datum"]
    m = base_map(bounds, basemap=basemap, height_px=height_px)
    shown = []
    for key in STATIC:
        group = overlay_group(key, layers.get(key), lang=lang, datum=datum, bands_min=bands_min)
        if group is not None:
            group.add_to(m)
            shown.append(key)
    frames = [f for f in plan_layers.values() if len(f)]
    for frame in frames:
        plans.add_layer(m, frame, lang=lang, datum=datum)
    keys = [*shown, *[k for k in legend_keys if k not in shown]]
    m.get_root().html.add_child(folium.Element(legend_html(keys, bands_min, frames, lang=lang)))
    return m


def dynamic_groups(layers: Mapping[str, gpd.GeoDataFrame], *, lang: str, basemap: str,
                   bands_min: Sequence[float]) -> list[folium.FeatureGroup]:
    """The candidate layers (candidate isochrones, candidates, optimised sites) as feature groups."""
    datum = BASEMAPS[basemap]["datum"]
    groups = [overlay_group(k, layers.get(k), lang=lang, datum=datum, bands_min=bands_min) for k in DYNAMIC]
    return [g for g in groups if g is not None]


def results_map(layers: Mapping[str, gpd.GeoDataFrame], plan_layers: Mapping[str, gpd.GeoDataFrame] | None = None, *,
                bounds: Sequence[float], lang: str = "zh", basemap: str = "positron", bands_min: Sequence[float],
                height_px: int | None = None) -> folium.Map:
    """The whole map in one piece (for map.html and the report): static and candidate layers, layer control."""
    dynamic = [k for k in DYNAMIC if k in layers and len(layers[k])]
    m = static_map(layers, plan_layers or {}, bounds=bounds, lang=lang, basemap=basemap, bands_min=bands_min,
                   height_px=height_px, legend_keys=dynamic)
    for group in dynamic_groups(layers, lang=lang, basemap=basemap, bands_min=bands_min):
        group.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def map_html(m: folium.Map) -> str:
    """The map as one standalone HTML page."""
    return m.get_root().render()
