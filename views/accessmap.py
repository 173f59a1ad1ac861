"""Maps of the access analyses (folium): catchments by load factor, accessibility by county, referral links, new sites.

The conventions of ``views.maps``: one base map (``maps.base_map``, offline-ready, in the basemap's datum),
one ``folium.FeatureGroup`` per overlay switched in the browser by the layer control, every geometry
shifted into the basemap's datum, every name HTML-escaped, numbers rounded for people, one legend.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely

from views import maps, plans, style
from views.strings import overlay, t

#: The overlays each analysis's map shows (bottom first); those absent from a run are skipped.
ANALYSIS_LAYERS: dict[str, tuple[str, ...]] = {
    "capacity": ("catchments", "facility_load"),
    "fca": ("access_counties", "facilities"),
    "referral": ("referral_links", "primary_care", "facilities"),
    "scaling": ("scaling_candidates", "facilities", "scaling_sites"),
}


def _geojson(frame: gpd.GeoDataFrame, props: Mapping[str, Sequence[Any]], datum: str, *,
             simplify: bool = False) -> str:
    """GeoJSON of the frame's geometries in the basemap's datum (rounded to ≈ 1 m, polygons simplified for display)."""
    geoms = frame.geometry.to_crs("EPSG:4326")
    if simplify:
        geoms = geoms.simplify(maps.DISPLAY_SIMPLIFY_DEG, preserve_topology=True)
    moved = plans.shift_geometries(geoms, datum)
    rounded = shapely.transform(moved.values, lambda xy: np.round(xy, 5))
    return gpd.GeoDataFrame(dict(props), geometry=rounded, crs="EPSG:4326").to_json(drop_id=True)


def _num(value: Any, fmt: str = ",.0f") -> str:
    """A number for people ('' when missing)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return format(v, fmt) if np.isfinite(v) else ""


def _names(frame: gpd.GeoDataFrame, column: str = "name") -> list[str]:
    """Escaped names."""
    return [html.escape(str(v)) for v in frame[column]] if column in frame.columns else [""] * len(frame)


def _marker(symbol: style.Symbol) -> folium.Marker:
    """A marker drawing ``symbol`` centred on the point."""
    return folium.Marker(icon=folium.DivIcon(html=style.svg(symbol), icon_size=(symbol.size, symbol.size),
                                             icon_anchor=(symbol.size // 2, symbol.size // 2)))


def score_edges(values: Sequence[float]) -> list[float]:
    """Class edges of the county scores: quartiles of the finite values (four edges for five classes)."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    return [float(q) for q in np.quantile(v, [0.2, 0.4, 0.6, 0.8])] if v.size else []


def _score_colour(value: float, edges: Sequence[float]) -> str:
    """Colour of a county score."""
    if value is None or not np.isfinite(value):
        return "#ffffff"
    return style.SCORE_COLOURS[int(np.searchsorted(np.asarray(edges), value, side="left"))]


def overlay_group(key: str, frame: gpd.GeoDataFrame | None, *, lang: str, datum: str) -> folium.FeatureGroup | None:
    """One access overlay as a feature group with a tooltip in ``lang`` (None when the frame is empty)."""
    if frame is None or not len(frame):
        return None
    group = folium.FeatureGroup(name=html.escape(overlay(key, lang)), show=True)

    def w(k: str) -> str:
        return t(k, lang)

    if key == "catchments":
        props = {"name": _names(frame), "capacity": [_num(v) for v in frame["capacity"]],
                 "served": [_num(v) for v in frame["served"]], "load": [_num(v, ".2f") for v in frame["load_factor"]],
                 "_c": [style.load_colour(float(v)) for v in frame["load_factor"]]}
        folium.GeoJson(_geojson(frame, props, datum, simplify=True),
                       style_function=lambda f: {"color": "#636363", "weight": 1, "fillColor": f["properties"]["_c"],
                                                 "fillOpacity": 0.55},
                       tooltip=folium.GeoJsonTooltip(["name", "capacity", "served", "load"],
                                                     [w("name"), w("capacity_persons"), w("acc_served"),
                                                      w("load_factor")], sticky=True)).add_to(group)
    elif key == "facility_load":
        props = {"name": _names(frame), "served": [_num(v) for v in frame["served"]],
                 "load": [_num(v, ".2f") for v in frame["load_factor"]]}
        folium.GeoJson(_geojson(frame, props, datum), marker=_marker(style.SYMBOLS["facilities"]),
                       tooltip=folium.GeoJsonTooltip(["name", "served", "load"],
                                                     [w("name"), w("acc_served"), w("load_factor")], sticky=True)
                       ).add_to(group)
    elif key == "access_counties":
        score = frame["fca_score_per_1000"].to_numpy(dtype=float)
        edges = score_edges(score)
        props = {"name": _names(frame, "name_zh" if lang == "zh" else "name_en"),
                 "score": [_num(v, ".3g") for v in score], "_c": [_score_colour(v, edges) for v in score]}
        folium.GeoJson(_geojson(frame, props, datum, simplify=True),
                       style_function=lambda f: {"color": style.COUNTY_OUTLINE, "weight": 1,
                                                 "fillColor": f["properties"]["_c"], "fillOpacity": 0.65},
                       tooltip=folium.GeoJsonTooltip(["name", "score"], [w("county"), w("acc_mean_score")],
                                                     sticky=True)).add_to(group)
    elif key == "referral_links":
        levels = sorted(frame["level"].unique())
        colour = {lv: style.REFERRAL_COLOURS[min(i, 1)] for i, lv in enumerate(levels)}
        props = {"from": _names(frame, "from_name"), "to": _names(frame, "to_name"),
                 "minutes": [_num(v, ".1f") for v in frame["minutes"]], "_c": [colour[v] for v in frame["level"]]}
        folium.GeoJson(_geojson(frame, props, datum),
                       style_function=lambda f: {"color": f["properties"]["_c"], "weight": 2.5, "opacity": 0.8},
                       tooltip=folium.GeoJsonTooltip(["from", "to", "minutes"], [w("from"), w("to"), w("minutes")],
                                                     sticky=True)).add_to(group)
    elif key in ("scaling_candidates", "scaling_sites"):
        ok = (frame["status"] == "ok").to_numpy() if "status" in frame.columns else np.ones(len(frame), bool)
        symbols = ((ok, style.SYMBOLS["candidates"]), (~ok, style.SYMBOLS["rejected"])) if key == "scaling_candidates" \
            else ((ok, style.SYMBOLS["optimised_sites"]),)
        for mask, symbol in symbols:
            if mask.any():
                sub = frame[mask]
                gain = sub["gain_population"] if "gain_population" in sub.columns else sub.get("capacity_persons")
                props = {"name": _names(sub), "value": [_num(v) for v in gain] if gain is not None else [""] * len(sub)}
                folium.GeoJson(_geojson(sub, props, datum), marker=_marker(symbol),
                               tooltip=folium.GeoJsonTooltip(["name", "value"],
                                                             [w("name"), w("gain" if key == "scaling_sites"
                                                                           else "capacity_persons")], sticky=True)
                               ).add_to(group)
    else:  # facilities, primary_care
        folium.GeoJson(_geojson(frame, {"name": _names(frame)}, datum), marker=_marker(style.SYMBOLS[key]),
                       tooltip=folium.GeoJsonTooltip(["name"], [w("name")], sticky=True)).add_to(group)
    return group


def legend_html(analysis: str, layers: Mapping[str, gpd.GeoDataFrame], *, lang: str) -> str:
    """The legend of an analysis's map (load classes, score classes, referral levels, symbols)."""
    rows = []

    def swatch(colour: str, label: str) -> str:
        return (f'<div class="hp-row"><span style="display:inline-block;width:16px;height:11px;background:{colour};'
                f'border:1px solid #999"></span><span>{html.escape(label)}</span></div>')

    if analysis == "capacity":
        edges = [0.0, *style.LOAD_EDGES]
        for i, colour in enumerate(style.LOAD_COLOURS):
            label = f"≤ {edges[i + 1]:g}" if i + 1 < len(edges) else f"> {edges[-1]:g}"
            rows.append(swatch(colour, f"{t('load_factor', lang)} {label}"))
    elif analysis == "fca" and "access_counties" in layers:
        edges = score_edges(layers["access_counties"]["fca_score_per_1000"].to_numpy(dtype=float))
        bounds = [None, *edges, None]
        for i, colour in enumerate(style.SCORE_COLOURS[: len(edges) + 1]):
            lo, hi = bounds[i], bounds[i + 1]
            label = f"≤ {hi:.3g}" if lo is None else f"> {lo:.3g}" if hi is None else f"{lo:.3g}–{hi:.3g}"
            rows.append(swatch(colour, label))
    elif analysis == "referral" and "referral_links" in layers:
        for i, level in enumerate(sorted(layers["referral_links"]["level"].unique())):
            colour = style.REFERRAL_COLOURS[min(i, 1)]
            rows.append(f'<div class="hp-row"><span style="display:inline-block;width:18px;border-top:3px solid '
                        f'{colour}"></span><span>{html.escape(str(level))}</span></div>')
    title = html.escape(t(f"acc_{analysis}", lang))
    return f'<div class="hp-legend" style="bottom:26px;right:10px"><b>{title}</b>{"".join(rows)}</div>'


def access_map(layers: Mapping[str, gpd.GeoDataFrame], analysis: str, *, bounds: Sequence[float], lang: str,
               basemap: str = "positron", height_px: int | None = None) -> folium.Map:
    """The map of one access analysis (``ANALYSIS_LAYERS``) with its legend and a layer control."""
    datum = maps.BASEMAPS[basemap]["datum"]
    m = maps.base_map(bounds, basemap=basemap, height_px=height_px)
    for key in ANALYSIS_LAYERS[analysis]:
        group = overlay_group(key, layers.get(key), lang=lang, datum=datum)
        if group is not None:
            group.add_to(m)
    m.get_root().html.add_child(folium.Element(legend_html(analysis, layers, lang=lang)))
    folium.LayerControl(collapsed=True).add_to(m)
    return m
