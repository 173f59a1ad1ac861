"""The results map (folium): travel-time surface, county choropleth, isochrones, gaps, facilities, sites, plans.

Each overlay is a ``folium.FeatureGroup`` that Leaflet's own layer control switches on and off in the
browser (no server round trip), drawn in its own pane (``views.panes``) so points stay above lines above
areas whatever is switched.  The app keeps the slow, static part of the map (``static_map``: basemap,
surface, counties, isochrones, gaps, facilities, plan layers) for as long as the region and thresholds
stay the same, and sends only the candidate layers (``dynamic_groups``) when a site is added.
Every name that reaches the page is HTML-escaped; numbers are rounded for people; coordinates are rounded
and outlines simplified for display only (the exports keep full detail).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np

from spatial.coords import from_wgs84
from views import offline, plans, style
from views.panes import add_panes
from views.strings import band_label, overlay, reason_text, t

#: Basemaps: tiles (folium name or URL template), attribution, the datum the tiles are drawn in.
BASEMAPS: dict[str, dict[str, str]] = {
    "positron": {"tiles": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
                 "attr": "© OpenStreetMap contributors © CARTO", "datum": "wgs84"},
    "osm": {"tiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attr": "© OpenStreetMap contributors",
            "datum": "wgs84"},
    "amap": {"tiles": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
             "attr": "© 高德地图 AutoNavi (GCJ-02)", "datum": "gcj02"},
}

#: Overlays drawn by ``static_map`` (in the layer control in this order) and by ``dynamic_groups``.
STATIC: tuple[str, ...] = ("outline", "surface", "counties", "counties_outline", "isochrones", "gaps",
                           "primary_care", "emergency_sites", "facilities")
DYNAMIC: tuple[str, ...] = ("candidate_isochrones", "candidates", "optimised_sites")
#: Overlays switched on when the map first draws (the others wait in the layer control).
SHOWN: frozenset[str] = frozenset({"outline", "surface", "counties_outline", "gaps", "facilities", "emergency_sites",
                                   "candidates", "candidate_isochrones", "optimised_sites"})
#: The pane each overlay draws in (``views.panes``: its place in the drawing order).
PANE: dict[str, str] = {
    "surface": "hp-surface", "counties": "hp-counties", "gaps": "hp-gaps", "outline": "hp-lines",
    "counties_outline": "hp-lines", "isochrones": "hp-lines", "candidate_isochrones": "hp-lines",
    "primary_care": "hp-points", "emergency_sites": "hp-points", "facilities": "hp-facilities",
    "candidates": "hp-sites", "optimised_sites": "hp-sites",
}

#: Display simplification (degrees): none for the surface and the gaps (made of grid cells: simplifying each
#: band on its own would open cracks between neighbours), ≈ 300 m for areas, ≈ 500 m for thin lines; the
#: coordinates are rounded to ≈ 10 m either way, and the exports keep the full geometry.
SURFACE_SIMPLIFY_DEG: float = 0.0
DISPLAY_SIMPLIFY_DEG: float = 0.003
LINE_SIMPLIFY_DEG: float = 0.005  # thin lines (county outlines, isochrones): ≈ 500 m

#: Left padding of the first view (px): the width of the legend, so the region is not drawn under it.
LEGEND_PAD_PX: int = 250

#: Page CSS: popups wide enough for Chinese text and scrolled rather than cut, tooltips that wrap, a legend; no
#: focus box around a clicked area (Chrome outlines the clicked path's bounding box otherwise).
CSS = """<style>
.leaflet-popup-content{min-width:240px;max-width:420px;max-height:300px;overflow:auto;font-size:13px;line-height:1.45}
.leaflet-popup-content table{width:100%}.leaflet-popup-content th{white-space:nowrap;vertical-align:top;padding-right:8px}
.leaflet-popup-content td{word-break:normal;overflow-wrap:anywhere}
.leaflet-container path.leaflet-interactive:focus{outline:none}
.leaflet-tooltip{white-space:normal;max-width:340px;min-width:120px;font-size:12px}
.leaflet-tooltip th{white-space:nowrap;padding-right:6px;vertical-align:top}
.leaflet-tooltip table,.leaflet-popup-content table{margin:auto}.leaflet-tooltip tr,.leaflet-popup-content tr{text-align:left}
.hp-legend{position:absolute;z-index:1000;background:rgba(255,255,255,.94);padding:5px 9px;border:1px solid #999;
border-radius:4px;font:12px/1.35 "Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;max-height:55%;max-width:250px;overflow:auto}
.hp-legend summary{font-weight:700;cursor:pointer;margin:2px 0}.hp-sub{font-weight:600;margin:5px 0 1px;color:#333}
.hp-row{display:flex;align-items:center;gap:6px;margin:2px 0}.hp-row svg,.hp-row span:first-child{flex:none}
.hp-ramp{display:flex;align-items:flex-end;gap:1px;margin:2px 0 4px}.hp-band{display:flex;flex-direction:column;
align-items:center;font-size:11px;width:38px}.hp-band span{display:block;width:38px;height:10px}.hp-unit{font-size:11px;margin-left:4px}
</style>"""


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
    """GeoJSON text of the frame's display geometries (``plans.display_geometries``) with the given properties."""
    geoms = plans.display_geometries(frame.geometry, datum, simplify_deg)
    shown = gpd.GeoDataFrame(dict(props), geometry=geoms.values, crs="EPSG:4326")
    return shown.to_json(drop_id=True)


def _tooltip(fields: list[str], aliases: list[str]) -> folium.GeoJsonTooltip:
    """A sticky tooltip."""
    return folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True)


def _icon(symbol: style.Symbol, pane: str) -> folium.Marker:
    """A marker drawing ``symbol`` (an SVG div icon centred on the point) in ``pane``."""
    return folium.Marker(icon=folium.DivIcon(html=style.svg(symbol), icon_size=(symbol.size, symbol.size),
                                             icon_anchor=(symbol.size // 2, symbol.size // 2)), pane=pane)


def _names(frame: gpd.GeoDataFrame, lang: str) -> list[str]:
    """Escaped display names of a point layer (the language's name first where both exist)."""
    cols = ["name_zh", "name"] if lang == "zh" else ["name_en", "name", "name_zh"]
    stand_in = frame["stand_in"].fillna(False).astype(bool).to_numpy() if "stand_in" in frame.columns \
        else np.zeros(len(frame), bool)
    out = []
    for i in range(len(frame)):
        value = str(next((frame[c].iloc[i] for c in cols if c in frame.columns
                          and isinstance(frame[c].iloc[i], str) and frame[c].iloc[i].strip()), ""))
        if stand_in[i] and lang == "zh":  # the engine notes the stand-in in English: say it in Chinese
            value = value.split(" (")[0] + "（县城驻地，代替基层医疗点）"
        out.append(html.escape(value))
    return out


def _county_names(frame: gpd.GeoDataFrame, lang: str) -> list[str]:
    """Escaped county names in the page language."""
    col = "name_zh" if lang == "zh" or "name_en" not in frame.columns else "name_en"
    return [html.escape(str(v)) for v in frame[col]]


def overlay_group(key: str, frame: gpd.GeoDataFrame | None, *, lang: str, datum: str, bands_min: Sequence[float],
                  show: bool | None = None) -> folium.FeatureGroup | None:
    """One result overlay as a feature group (styled, in its pane, with a tooltip in ``lang``); None when empty."""
    if frame is None or len(frame) == 0:
        return None
    group = folium.FeatureGroup(name=html.escape(overlay(key, lang)), show=key in SHOWN if show is None else show)
    pane = PANE.get(key, "hp-lines")

    def w(k: str, **values: Any) -> str:
        return t(k, lang, **values)

    if key == "surface":
        colours = style.band_colours(len(bands_min) + 1)
        props = {"band": [band_label(lo, hi if hi is not None and np.isfinite(hi) else None, lang)
                          for lo, hi in zip(frame["from_min"], frame["to_min"], strict=True)],
                 "_c": [colours[min(int(b), len(colours) - 1)] for b in frame["band"]]}
        folium.GeoJson(_geojson(frame, props, datum, SURFACE_SIMPLIFY_DEG), pane=pane,
                       style_function=lambda f: {"color": f["properties"]["_c"], "weight": 0,
                                                 "fillColor": f["properties"]["_c"], "fillOpacity": 0.55},
                       tooltip=_tooltip(["band"], [w("minutes")])).add_to(group)
    elif key == "outline":
        folium.GeoJson(_geojson(frame, {}, datum, DISPLAY_SIMPLIFY_DEG), pane=pane, interactive=False,
                       style_function=lambda f: {"color": style.REGION_OUTLINE, "weight": 2.5, "fill": False}
                       ).add_to(group)
    elif key == "counties_outline":
        # outlines; with no coverage (no network) they carry the county names and answer the mouse
        props = {"name": _county_names(frame, lang)}
        interactive = "share" not in frame.columns
        folium.GeoJson(_geojson(frame, props if interactive else {}, datum,
                                DISPLAY_SIMPLIFY_DEG if interactive else LINE_SIMPLIFY_DEG), pane=pane,
                       interactive=interactive,
                       style_function=lambda f: {"color": style.COUNTY_OUTLINE, "weight": 1.2, "opacity": 0.9,
                                                 "fillOpacity": 0.03, "fill": True},
                       tooltip=_tooltip(["name"], [w("county")]) if interactive else None).add_to(group)
    elif key == "counties":
        props = {"name": _county_names(frame, lang), "share": [_pct(v) for v in frame["share"]],
                 "covered": [f"{_num(c)} / {_num(p)}" for c, p in zip(frame["covered"], frame["population"], strict=True)],
                 "_c": [style.share_colour(float(v)) for v in frame["share"]]}
        folium.GeoJson(_geojson(frame, props, datum, DISPLAY_SIMPLIFY_DEG), pane=pane,
                       style_function=lambda f: {"color": style.COUNTY_OUTLINE, "weight": 1,
                                                 "fillColor": f["properties"]["_c"], "fillOpacity": 0.75},
                       tooltip=_tooltip(["name", "share", "covered"], [w("county"), w("share"), w("covered_of")])
                       ).add_to(group)
    elif key in ("isochrones", "candidate_isochrones"):
        frame = frame.sort_values("threshold_min", ascending=False)
        levels = sorted(frame["threshold_min"].unique())
        cand = key == "candidate_isochrones"
        colour = {v: style.ISOCHRONE_COLOURS[min(i, len(style.ISOCHRONE_COLOURS) - 1)] for i, v in enumerate(levels)}
        weight = {v: style.ISOCHRONE_WEIGHTS[min(i, len(style.ISOCHRONE_WEIGHTS) - 1)] for i, v in enumerate(levels)}
        props = {"_c": [style.CANDIDATE_ISOCHRONE_COLOUR if cand else colour[v] for v in frame["threshold_min"]],
                 "_w": [2.0 if cand else weight[v] for v in frame["threshold_min"]]}
        # lines only, and not interactive: the surface below keeps answering the mouse with its minutes
        folium.GeoJson(_geojson(frame, props, datum, LINE_SIMPLIFY_DEG), interactive=False, pane=pane,
                       style_function=lambda f, cand=cand: {"color": f["properties"]["_c"], "weight": f["properties"]["_w"],
                                                            "fill": False, "dashArray": "6 4" if cand else None}
                       ).add_to(group)
    elif key == "gaps":
        props = {"gap": [f"#{int(r)} {n}" for r, n in zip(frame["rank"], _county_names(frame, lang), strict=True)],
                 "pop": [_num(v) for v in frame["population"]], "worst": [_num(v) for v in frame["worst_min"]]}
        folium.GeoJson(_geojson(frame, props, datum, SURFACE_SIMPLIFY_DEG), pane=pane,
                       style_function=lambda f: {"color": style.GAP_COLOUR, "weight": 2, "fillColor": style.GAP_COLOUR,
                                                 "fillOpacity": 0.15},
                       tooltip=_tooltip(["gap", "pop", "worst"], [w("gap_word"), w("population"), w("worst_min")])
                       ).add_to(group)
    elif key == "candidates":
        ok = (frame["status"] == "ok").to_numpy() if "status" in frame.columns else np.ones(len(frame), bool)
        gain_col = next((c for c in frame.columns if c.startswith("new_population_")), None)
        reasons = frame["reason"] if "reason" in frame.columns else [""] * len(frame)
        props = {"name": _names(frame, lang),
                 "status": [w("ok") if o else f"{w('rejected_word')}：{html.escape(reason_text(str(r), lang))}"
                            for o, r in zip(ok, reasons, strict=True)],
                 "gain": [_num(v) for v in frame["gain_population"]] if "gain_population" in frame.columns
                 else [_num(v) for v in frame[gain_col]] if gain_col else [""] * len(frame)}
        for mask, symbol in ((ok, style.SYMBOLS["candidates"]), (~ok, style.SYMBOLS["rejected"])):
            if mask.any():
                sub = {k: [v for v, m in zip(vals, mask, strict=True) if m] for k, vals in props.items()}
                folium.GeoJson(_geojson(frame[mask], sub, datum), marker=_icon(symbol, pane),
                               tooltip=_tooltip(["name", "status", "gain"], [w("site_word"), w("status"), w("gain")])
                               ).add_to(group)
    elif key == "optimised_sites":
        props = {"rank": [int(v) for v in frame["order"]], "name": _names(frame, lang),
                 "gain": [_num(v) for v in frame["gain_population"]]}
        folium.GeoJson(_geojson(frame, props, datum), marker=_icon(style.SYMBOLS[key], pane),
                       tooltip=_tooltip(["rank", "name", "gain"], [w("rank"), w("opt_site_word"), w("gain")])
                       ).add_to(group)
    elif key == "emergency_sites":
        within = frame["within"] if "within" in frame.columns else [None] * len(frame)
        props = {"name": _names(frame, lang), "minutes": [_num(v, 1) for v in frame["minutes"]],
                 "within": [w("yes") if v else w("no") if v is not None else "" for v in within]}
        folium.GeoJson(_geojson(frame, props, datum), marker=_icon(style.SYMBOLS[key], pane),
                       tooltip=_tooltip(["name", "minutes", "within"],
                                        [w("scenic_word"), w("minutes"), w("within_emergency")])).add_to(group)
    else:  # facilities, primary_care
        props = {"name": _names(frame, lang)}
        folium.GeoJson(_geojson(frame, props, datum), marker=_icon(style.SYMBOLS[key], pane),
                       tooltip=_tooltip(["name"], [overlay(key, lang)])).add_to(group)
    return group


def _swatch(fill: str, border: str, *, dashed: bool = False) -> str:
    """A small area swatch for the legend."""
    return (f'<span style="display:inline-block;width:16px;height:11px;background:{fill};'
            f'border:2px {"dashed" if dashed else "solid"} {border}"></span>')


def _line(colour: str, width: float, *, dashed: bool = False) -> str:
    """A short line for the legend."""
    return f'<span style="display:inline-block;width:18px;border-top:{width}px {"dashed" if dashed else "solid"} {colour}"></span>'


def legend_html(keys: Iterable[str], bands_min: Sequence[float], plan_frames: Iterable[gpd.GeoDataFrame], *,
                lang: str, looks: Mapping[tuple[str, str], style.PlanLook] | None = None) -> str:
    """One legend (bottom right, folds away): result overlays with symbols matching their geometry, then the plans."""
    keys = list(keys)
    rows = []
    if "surface" in keys:  # one ramp, its bands side by side (minutes)
        rows.append(f'<div class="hp-sub">{html.escape(overlay("surface", lang))}</div>')
        edges = [0.0, *[float(b) for b in bands_min]]
        colours = style.band_colours(len(edges))
        cells = "".join(
            f'<span class="hp-band"><span style="background:{c}"></span>'
            f'{f"{lo:g}–{edges[i + 1]:g}" if i + 1 < len(edges) else f"&gt;{lo:g}"}</span>'
            for i, (lo, c) in enumerate(zip(edges, colours, strict=True)))
        rows.append(f'<div class="hp-ramp">{cells}<span class="hp-unit">{html.escape(t("min", lang))}</span></div>')
    marks = {
        "outline": _line(style.REGION_OUTLINE, 2.5),
        "counties": f'<span style="display:inline-block;width:16px;height:11px;background:linear-gradient(90deg,'
                    f'{",".join(style.SHARE_COLOURS)});border:1px solid {style.COUNTY_OUTLINE}"></span>',
        "counties_outline": _line(style.COUNTY_OUTLINE, 1.5),
        "isochrones": _line(style.ISOCHRONE_COLOURS[0], 2),
        "candidate_isochrones": _line(style.CANDIDATE_ISOCHRONE_COLOUR, 2, dashed=True),
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
        label = t("rejected", lang) if k == "rejected" else overlay(k, lang)
        rows.append(f'<div class="hp-row">{mark}<span>{html.escape(label)}</span></div>')
    frames = list(plan_frames)
    plan_rows = plans.legend_rows(frames, lang, looks)
    body = f"<details open><summary>{html.escape(t('results_legend', lang))}</summary>{''.join(rows)}</details>"
    if plan_rows:
        # folded at first: the layer control names the plan layers, a hover names each feature and its role
        body += (f"<details><summary>{html.escape(t('plans_legend', lang))} ({len(frames)})</summary>"
                 f"{''.join(plan_rows)}</details>")
    return f'<div class="hp-legend" style="bottom:46px;left:10px">{body}</div>'


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
    # the legend sits bottom left: keep the region clear of it at the first view
    m.fit_bounds([[float(lat0), float(lon0)], [float(lat1), float(lon1)]], padding_top_left=(LEGEND_PAD_PX, 10),
                 padding_bottom_right=(50, 10))
    m.get_root().header.add_child(folium.Element(CSS))
    add_panes(m)
    offline.embed_leaflet(m)  # standalone pages and offline machines: Leaflet inside the page
    return m


#: The static overlays drawn before the plan layers (in the layer control in this order) and after them.
RESULTS_FIRST: tuple[str, ...] = ("outline", "surface", "counties", "counties_outline", "isochrones", "gaps",
                                  "primary_care")
RESULTS_LAST: tuple[str, ...] = ("emergency_sites", "facilities")


def _with_outlines(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """``layers["counties"]`` gives the county outlines (always) and the choropleth (only with coverage)."""
    given = dict(layers)
    if "counties" in given:
        given["counties_outline"] = given["counties"]
        if "share" not in given["counties"].columns:
            del given["counties"]
    return given


def result_groups(layers: Mapping[str, gpd.GeoDataFrame], keys: Sequence[str], *, lang: str, basemap: str,
                  bands_min: Sequence[float]) -> list[tuple[str, folium.FeatureGroup]]:
    """(key, feature group) of the static result overlays ``keys`` present in ``layers``, in that order."""
    datum = BASEMAPS[basemap]["datum"]
    given = _with_outlines(layers)
    out = []
    for key in keys:
        group = overlay_group(key, given.get(key), lang=lang, datum=datum, bands_min=bands_min)
        if group is not None:
            out.append((key, group))
    return out


def static_legend(keys: Iterable[str], plan_frames: Iterable[gpd.GeoDataFrame], *, lang: str,
                  bands_min: Sequence[float], legend_keys: Iterable[str] = ()) -> folium.Element:
    """The static map's legend: the overlays shown (``keys``) and the candidate ones to come, then the plans."""
    frames = [f for f in plan_frames if len(f)]
    shown, extra = set(keys), set(legend_keys)
    order = [k for k in (*STATIC, *DYNAMIC, "rejected") if k in shown or k in extra]
    return folium.Element(legend_html(order, bands_min, frames, lang=lang, looks=plans.looks_for(frames)))


def static_map(layers: Mapping[str, gpd.GeoDataFrame], plan_layers: Mapping[str, gpd.GeoDataFrame], *,
               bounds: Sequence[float], lang: str, basemap: str = "positron", bands_min: Sequence[float],
               height_px: int | None = None, legend_keys: Iterable[str] = ()) -> folium.Map:
    """The map without the candidate layers: basemap, result overlays, plan layers (on), legend (no layer control).

    ``layers["counties"]`` gives both the choropleth (off at first) and the county outlines (on); the points
    (scenic areas, hospitals) come after the plan layers, so the layer control lists them last.
    """
    m = base_map(bounds, basemap=basemap, height_px=height_px)
    frames = [f for f in plan_layers.values() if len(f)]
    first = result_groups(layers, RESULTS_FIRST, lang=lang, basemap=basemap, bands_min=bands_min)
    last = result_groups(layers, RESULTS_LAST, lang=lang, basemap=basemap, bands_min=bands_min)
    for _, group in first:
        group.add_to(m)
    for group in plans.layer_groups(frames, lang=lang, datum=BASEMAPS[basemap]["datum"]):
        group.add_to(m)
    for _, group in last:
        group.add_to(m)
    m.get_root().html.add_child(static_legend([k for k, _ in (*first, *last)], frames, lang=lang,
                                              bands_min=bands_min, legend_keys=legend_keys))
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
    if "candidates" in dynamic and "status" in layers["candidates"].columns \
            and (layers["candidates"]["status"] != "ok").any():
        dynamic.append("rejected")
    m = static_map(layers, plan_layers or {}, bounds=bounds, lang=lang, basemap=basemap, bands_min=bands_min,
                   height_px=height_px, legend_keys=dynamic)
    for group in dynamic_groups(layers, lang=lang, basemap=basemap, bands_min=bands_min):
        group.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def map_html(m: folium.Map) -> str:
    """The map as one standalone HTML page."""
    return m.get_root().render()
