"""Maps, exports and the short HTML report of a scenario run (folium and files; no Streamlit here).

* ``band_polygons``: the travel-time surface as dissolved band polygons (0–15, 15–30 … minutes) traced
  from the population grid, light enough for a web map of a whole province.
* ``results_map``: one folium map with the result overlays and the plan layers, on OpenStreetMap,
  CartoDB positron or AMap tiles; on AMap every overlay is shifted to GCJ-02 so it lines up.
* ``export_*`` / ``write_outputs``: GeoJSON per layer, one GeoPackage, CSV tables, the map as HTML and
  ``report_html`` (map embedded, metrics, county table, provenance), all through ``spatial.export``.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import logging
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial import export

log = logging.getLogger(__name__)

Lang = Literal["zh", "en"]

#: Basemaps: label, tiles (folium name or URL template), attribution, datum the tiles are drawn in.
BASEMAPS: dict[str, dict[str, str]] = {
    "osm": {"tiles": "OpenStreetMap", "attr": "© OpenStreetMap contributors", "datum": "wgs84",
            "zh": "OpenStreetMap", "en": "OpenStreetMap"},
    "positron": {"tiles": "CartoDB positron", "attr": "© OpenStreetMap contributors © CARTO", "datum": "wgs84",
                 "zh": "CartoDB positron（浅色）", "en": "CartoDB positron"},
    "amap": {"tiles": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
             "attr": "© 高德地图 AutoNavi (GCJ-02)", "datum": "gcj02", "zh": "高德地图（GCJ-02）",
             "en": "AMap (GCJ-02)"},
}  # fmt: skip

#: Result overlays in drawing order with their (zh, en) names.
OVERLAYS: dict[str, tuple[str, str]] = {
    "surface": ("出行时间面（分钟）", "Travel-time surface (minutes)"),
    "counties": ("县级单元覆盖率", "County coverage"),
    "isochrones": ("等时圈", "Isochrones"),
    "gaps": ("覆盖空白区", "Coverage gaps"),
    "primary_care": ("基层医疗（县城替代点）", "Primary care (county-seat stand-ins)"),
    "facilities": ("三级医院", "Tertiary hospitals"),
    "candidate_isochrones": ("候选点等时圈", "Candidate isochrones"),
    "candidates": ("候选院址", "Candidate sites"),
    "optimised_sites": ("优化选址", "Optimised sites"),
}

#: Travel-time band colours, fastest first (ColorBrewer RdYlGn reversed, 5 classes; more bands reuse the last).
BAND_COLOURS: tuple[str, ...] = ("#1a9641", "#a6d96a", "#ffffbf", "#fdae61", "#d7191c", "#7b0000")
ISO_COLOURS: tuple[str, ...] = ("#08519c", "#3182bd", "#6baed6", "#9ecae1", "#c6dbef")
COLOURS = {"facilities": "#d62728", "primary_care": "#555555", "gaps": "#e31a1c", "candidates": "#ff7f0e",
           "rejected": "#999999", "candidate_isochrones": "#ff7f0e", "optimised_sites": "#6a3d9a",
           "counties": "#444444"}

#: Display simplification of dissolved polygons (degrees, ≈ 200 m; the surface is made of 1 km cells anyway).
DISPLAY_SIMPLIFY_DEG: float = 0.002

_WORDS = {
    "min": ("分钟", "min"), "population": ("人口", "Population"), "name": ("名称", "Name"),
    "county": ("县区", "County"), "share": ("覆盖率", "Share covered"), "area_km2": ("面积 km²", "Area km²"),
    "worst_min": ("最远分钟", "Worst minutes"), "status": ("状态", "Status"), "reason": ("原因", "Reason"),
    "gain": ("新增覆盖人口", "Newly covered"), "rank": ("次序", "Rank"), "band": ("时间带", "Band"),
    "threshold": ("阈值（分钟）", "Threshold (min)"), "legend": ("结果图例", "Results"),
    "more": ("以上", "and more"), "rejected": ("不可用", "rejected"), "ok": ("可用", "ok"),
}


def word(key: str, lang: Lang) -> str:
    """A map label in ``lang``."""
    zh, en = _WORDS[key]
    return zh if lang == "zh" else en


def overlay_name(key: str, lang: Lang) -> str:
    """The display name of a result overlay in ``lang``."""
    zh, en = OVERLAYS.get(key, (key, key))
    return zh if lang == "zh" else en


def band_label(lo: float, hi: float | None, lang: Lang = "en") -> str:
    """'0–15 min', '> 90 min' (or the Chinese)."""
    unit = word("min", lang)
    return f"{lo:g}–{hi:g} {unit}" if hi is not None else f"> {lo:g} {unit}"


# --------------------------------------------------------------------------------------------------
# The travel-time surface as band polygons
# --------------------------------------------------------------------------------------------------


def band_polygons(grid: Any, minutes: np.ndarray, bands_min: Iterable[float]) -> gpd.GeoDataFrame:
    """Cells dissolved by travel-time band (WGS84): band, from_min, to_min (None = open), population, cells."""
    import rasterio.features
    from affine import Affine

    edges = [float(b) for b in bands_min]
    minutes = np.asarray(minutes, dtype=float)
    band = np.searchsorted(np.asarray(edges), minutes, side="left")  # same binning as coverage.bands_from_minutes
    pop = np.asarray(grid.pop, dtype=float)
    lows = [0.0, *edges]
    highs: list[float | None] = [*edges, None]
    rows_out = []
    if grid.n_cells:
        rows, cols = np.asarray(grid.row), np.asarray(grid.col)
        r0, c0 = int(rows.min()), int(cols.min())
        raster = np.zeros((int(rows.max()) - r0 + 1, int(cols.max()) - c0 + 1), dtype=np.int32)
        raster[rows - r0, cols - c0] = band + 1
        transform = Affine(*grid.transform) @ Affine.translation(c0, r0)
        parts: dict[int, list] = {}
        for geom, value in rasterio.features.shapes(raster, mask=raster > 0, transform=transform, connectivity=4):
            parts.setdefault(int(value) - 1, []).append(shapely.geometry.shape(geom))
        for b in sorted(parts):
            rows_out.append({"band": b, "from_min": lows[b], "to_min": highs[b],
                             "population": float(pop[band == b].sum()), "cells": int((band == b).sum()),
                             "geometry": shapely.union_all(parts[b])})
    frame = gpd.GeoDataFrame(rows_out or {"band": [], "from_min": [], "to_min": [], "population": [], "cells": []},
                             geometry=[r["geometry"] for r in rows_out] if rows_out else [], crs=grid.metric_crs)
    if "geometry" in frame.columns and rows_out:
        frame = frame.set_geometry("geometry")
    return frame.to_crs("EPSG:4326")


# --------------------------------------------------------------------------------------------------
# The map
# --------------------------------------------------------------------------------------------------


def _shifted(frame: gpd.GeoDataFrame, datum: str, *, simplify_deg: float = 0.0) -> gpd.GeoSeries:
    """Geometries in WGS84 (optionally simplified) moved into the basemap's datum."""
    from layers.render import shift_geometries

    geoms = frame.geometry.to_crs("EPSG:4326")
    if simplify_deg > 0:
        geoms = geoms.simplify(simplify_deg, preserve_topology=True)
    moved = shift_geometries(geoms, datum)  # type: ignore[arg-type]
    # 5 decimals (≈ 1 m) is plenty on screen and cuts the page size several-fold.
    return gpd.GeoSeries(shapely.transform(moved.values, lambda xy: np.round(xy, 5)), crs="EPSG:4326")


def _fmt(value: Any, digits: int = 0) -> str:
    """A number for a tooltip: thousands separators, blank for missing."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"{float(value):,.{digits}f}"
    return str(value)


def _geojson(frame: gpd.GeoDataFrame, props: Mapping[str, list], datum: str, simplify_deg: float = 0.0) -> str:
    """GeoJSON text of the frame's shifted geometries with the given display properties."""
    shown = gpd.GeoDataFrame(dict(props), geometry=_shifted(frame, datum, simplify_deg=simplify_deg).values,
                             crs="EPSG:4326")
    return shown.to_json(drop_id=True)


def _tooltip(fields: list[str], aliases: list[str]) -> folium.GeoJsonTooltip:
    """A sticky tooltip."""
    return folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True)


def _add_overlay(m: folium.Map, key: str, frame: gpd.GeoDataFrame, *, lang: Lang, datum: str) -> None:
    """Draw one result overlay on the map (styled and with a tooltip in ``lang``)."""
    name = overlay_name(key, lang)
    if frame is None or len(frame) == 0:
        return
    def w(k: str) -> str:
        return word(k, lang)

    if key == "surface":
        labels = [band_label(lo, hi if hi is not None and np.isfinite(hi) else None, lang)
                  for lo, hi in zip(frame["from_min"], frame["to_min"], strict=True)]
        colours = [BAND_COLOURS[min(int(b), len(BAND_COLOURS) - 1)] for b in frame["band"]]
        props = {"label": labels, "pop": [_fmt(v) for v in frame["population"]], "_c": colours}
        folium.GeoJson(
            _geojson(frame, props, datum, DISPLAY_SIMPLIFY_DEG), name=name,
            style_function=lambda f: {"color": f["properties"]["_c"], "weight": 0, "fillColor": f["properties"]["_c"],
                                      "fillOpacity": 0.55},
            tooltip=_tooltip(["label", "pop"], [w("band"), w("population")]),
        ).add_to(m)
    elif key == "counties":
        props = {"name": [str(v) for v in frame["name_zh" if lang == "zh" else "name_en"]],
                 "share": [f"{100 * float(v):.1f}%" for v in frame["share"]],
                 "pop": [_fmt(v) for v in frame["population"]]}
        folium.GeoJson(
            _geojson(frame, props, datum, DISPLAY_SIMPLIFY_DEG), name=name,
            style_function=lambda f: {"color": COLOURS["counties"], "weight": 1, "fillOpacity": 0.0},
            tooltip=_tooltip(["name", "share", "pop"], [w("county"), w("share"), w("population")]),
        ).add_to(m)
    elif key in ("isochrones", "candidate_isochrones"):
        frame = frame.sort_values("threshold_min", ascending=False)
        ts = sorted(frame["threshold_min"].unique())
        colour = {t: ISO_COLOURS[min(i, len(ISO_COLOURS) - 1)] for i, t in enumerate(ts)}
        cand = key == "candidate_isochrones"
        props = {"name": [str(v) for v in frame["name"]], "t": [f"{float(t):g}" for t in frame["threshold_min"]],
                 "_c": [COLOURS[key] if cand else colour[t] for t in frame["threshold_min"]]}
        folium.GeoJson(
            _geojson(frame, props, datum, DISPLAY_SIMPLIFY_DEG), name=name,
            style_function=lambda f, cand=cand: {"color": f["properties"]["_c"], "weight": 2, "fillOpacity": 0.05,
                                                 "dashArray": "6 4" if cand else None},
            tooltip=_tooltip(["name", "t"], [w("name"), w("threshold")]),
        ).add_to(m)
    elif key == "gaps":
        county = frame["name_zh" if lang == "zh" else "name_en"]
        props = {"rank": [int(v) for v in frame["rank"]], "county": [str(v) for v in county],
                 "pop": [_fmt(v) for v in frame["population"]], "worst": [_fmt(v, 0) for v in frame["worst_min"]]}
        folium.GeoJson(
            _geojson(frame, props, datum, DISPLAY_SIMPLIFY_DEG), name=name,
            style_function=lambda f: {"color": COLOURS["gaps"], "weight": 1.5, "fillColor": COLOURS["gaps"],
                                      "fillOpacity": 0.35},
            tooltip=_tooltip(["rank", "county", "pop", "worst"], [w("rank"), w("county"), w("population"), w("worst_min")]),
        ).add_to(m)
    else:  # point layers
        names = [str(v) for v in frame["name"]] if "name" in frame.columns else [""] * len(frame)
        props: dict[str, list] = {"name": names}
        fields, aliases = ["name"], [w("name")]
        colours = [COLOURS.get(key, "#333333")] * len(frame)
        radius = {"facilities": 7, "primary_care": 4, "candidates": 8, "optimised_sites": 9}.get(key, 6)
        if key == "candidates":
            ok = (frame["status"] == "ok").to_numpy() if "status" in frame.columns else np.ones(len(frame), bool)
            colours = [COLOURS["candidates"] if o else COLOURS["rejected"] for o in ok]
            props["status"] = [w("ok") if o else f"{w('rejected')}: {r}"
                               for o, r in zip(ok, frame.get("reason", [""] * len(frame)), strict=True)]
            gain_col = next((c for c in frame.columns if c.startswith("new_population_") and c.endswith("min")
                             and c == f"new_population_{60:g}min"), None)
            gain_col = gain_col or next((c for c in reversed(list(frame.columns)) if c.startswith("new_population_")), None)
            if gain_col:
                props["gain"] = [_fmt(v) for v in frame[gain_col]]
                fields, aliases = ["name", "status", "gain"], [w("name"), w("status"), w("gain")]
            else:
                fields, aliases = ["name", "status"], [w("name"), w("status")]
        if key == "optimised_sites":
            props["rank"] = [int(v) for v in frame["rank"]]
            props["gain"] = [_fmt(v) for v in frame["gain_population"]]
            fields, aliases = ["rank", "name", "gain"], [w("rank"), w("name"), w("gain")]
        props["_c"] = colours
        folium.GeoJson(
            _geojson(frame, props, datum), name=name,
            marker=folium.CircleMarker(radius=radius, fill=True, fill_opacity=0.95, weight=1.5, color="#ffffff"),
            style_function=lambda f: {"color": "#ffffff", "weight": 1.5, "fillColor": f["properties"]["_c"],
                                      "fillOpacity": 0.95},
            tooltip=_tooltip(fields, aliases),
        ).add_to(m)


def legend_html(keys: Iterable[str], bands_min: Iterable[float], *, lang: Lang) -> str:
    """An HTML legend (bottom right) for the result overlays shown."""
    keys = list(keys)
    rows = []
    if "surface" in keys:
        edges = [0.0, *[float(b) for b in bands_min]]
        for i, lo in enumerate(edges):
            hi = edges[i + 1] if i + 1 < len(edges) else None
            c = BAND_COLOURS[min(i, len(BAND_COLOURS) - 1)]
            rows.append(f'<div><span style="display:inline-block;width:14px;height:10px;background:{c};opacity:.8;'
                        f'margin-right:6px"></span>{html.escape(band_label(lo, hi, lang))}</div>')
    swatches = {"isochrones": ISO_COLOURS[0], "gaps": COLOURS["gaps"], "facilities": COLOURS["facilities"],
                "primary_care": COLOURS["primary_care"], "candidates": COLOURS["candidates"],
                "candidate_isochrones": COLOURS["candidate_isochrones"], "optimised_sites": COLOURS["optimised_sites"],
                "counties": COLOURS["counties"]}
    for k in keys:
        if k in swatches:
            rows.append(f'<div><span style="display:inline-block;width:12px;height:12px;border-radius:6px;'
                        f'background:{swatches[k]};margin-right:6px"></span>{html.escape(overlay_name(k, lang))}</div>')
    return ('<div class="healthplan-results-legend" style="position:fixed;bottom:24px;right:12px;z-index:9999;'
            'background:white;padding:6px 10px;border:1px solid #999;border-radius:4px;font-size:12px;'
            f'max-height:45%;overflow:auto"><b>{html.escape(word("legend", lang))}</b>{"".join(rows)}</div>')


def results_map(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    plan_layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    lang: Lang = "zh",
    basemap: str = "osm",
    bounds: tuple[float, float, float, float] | None = None,
    bands_min: Iterable[float] = (15.0, 30.0, 60.0, 90.0),
    height_px: int | None = None,
) -> folium.Map:
    """A folium map: plan layers, then result overlays (OVERLAYS order), legends, fitted to ``bounds`` (WGS84)."""
    from layers import render

    if basemap not in BASEMAPS:
        raise ValueError(f"unknown basemap {basemap!r}; use one of {', '.join(BASEMAPS)}")
    bm = BASEMAPS[basemap]
    datum = bm["datum"]
    if bounds is None:
        frames = [f for f in [*layers.values(), *(plan_layers or {}).values()] if f is not None and len(f)]
        b = np.array([f.to_crs("EPSG:4326").total_bounds for f in frames]) if frames else np.array([[73, 18, 135, 53]])
        bounds = (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))
    lon0, lat0, lon1, lat1 = bounds
    if datum != "wgs84":
        from spatial.coords import from_wgs84

        (lon0, lon1), (lat0, lat1) = from_wgs84(np.array([lon0, lon1]), np.array([lat0, lat1]), datum)
    m = folium.Map(location=[(lat0 + lat1) / 2, (lon0 + lon1) / 2], tiles=None, control_scale=True,
                   height=height_px or "100%")
    if basemap == "amap":
        folium.TileLayer(tiles=bm["tiles"], attr=bm["attr"], name=bm[lang], subdomains="1234", max_zoom=18).add_to(m)
    else:
        folium.TileLayer(tiles=bm["tiles"], attr=bm["attr"], name=bm[lang]).add_to(m)
    plans = [f for f in (plan_layers or {}).values() if f is not None and len(f)]
    for frame in plans:
        render.add_layer(m, frame, lang=lang, datum=datum)  # type: ignore[arg-type]
    shown = []
    for key in OVERLAYS:
        if key in layers and layers[key] is not None and len(layers[key]):
            _add_overlay(m, key, layers[key], lang=lang, datum=datum)
            shown.append(key)
    folium.LayerControl(collapsed=True).add_to(m)
    if plans:
        render.add_legend(m, plans, lang=lang)
    if shown:
        m.get_root().html.add_child(folium.Element(legend_html(shown, bands_min, lang=lang)))
    m.fit_bounds([[float(lat0), float(lon0)], [float(lat1), float(lon1)]])
    embed_leaflet(m)  # standalone pages and offline machines: Leaflet inside the page when a local copy exists
    return m


#: The Leaflet URLs of the installed folium; a local copy of them (package ``folium-offline``) lets maps draw
#: without the internet.
LEAFLET_JS_URL = dict(folium.folium._default_js)["leaflet"]
LEAFLET_CSS_URL = dict(folium.folium._default_css)["leaflet_css"]


@functools.lru_cache(maxsize=1)
def local_leaflet() -> tuple[str, str] | None:
    """Leaflet JS and CSS as data: URLs from a local copy (the ``folium-offline`` package), or None if absent."""
    try:
        from offlinefolium.elements import _res  # URL → file text, the same CDN URLs folium uses
    except ImportError:
        return None
    if LEAFLET_JS_URL not in _res or LEAFLET_CSS_URL not in _res:
        log.warning("folium-offline has no copy of %s (folium and folium-offline versions differ): maps will "
                    "load Leaflet from its CDN and need the internet", LEAFLET_JS_URL)
        return None
    js = base64.b64encode(_res[LEAFLET_JS_URL].encode("utf-8")).decode("ascii")
    css = base64.b64encode(_res[LEAFLET_CSS_URL].encode("utf-8")).decode("ascii")
    return f"data:text/javascript;base64,{js}", f"data:text/css;base64,{css}"


def embed_leaflet(m: folium.Map) -> bool:
    """Point the map at a local Leaflet (data: URLs) so it draws offline; False (CDN kept) when none is installed.

    Only Leaflet itself is kept: the other folium defaults (jQuery, Bootstrap, awesome-markers) are not used
    by these maps, and an unreachable script would stop streamlit-folium from drawing the map at all.
    """
    local = local_leaflet()
    if local is None:
        return False
    m.default_js = [("leaflet", local[0])]
    m.default_css = [("leaflet_css", local[1])]
    return True


def map_html(m: folium.Map) -> str:
    """The map as one standalone HTML page."""
    return m.get_root().render()


# --------------------------------------------------------------------------------------------------
# Exports
# --------------------------------------------------------------------------------------------------


def geojson_bytes(frame: gpd.GeoDataFrame, *, provenance: Mapping[str, Any]) -> bytes:
    """RFC 7946 GeoJSON (UTF-8) of one layer with the provenance member (spatial.export)."""
    return json.dumps(export.geojson_dict(frame, provenance=provenance), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def gpkg_bytes(layers: Mapping[str, gpd.GeoDataFrame], *, provenance: Mapping[str, Any]) -> bytes:
    """One GeoPackage with every (non-empty) layer and the provenance table."""
    with tempfile.TemporaryDirectory() as tmp:
        path = export.write_gpkg({k: v for k, v in layers.items() if len(v)}, Path(tmp) / "healthplan.gpkg",
                                 provenance=provenance)
        return path.read_bytes()


def csv_bytes(frame: pd.DataFrame, *, provenance: Mapping[str, Any]) -> bytes:
    """CSV (UTF-8 with BOM, as spatial.export writes it) of a table."""
    with tempfile.TemporaryDirectory() as tmp:
        return export.write_csv(frame, Path(tmp) / "table.csv", provenance=provenance).read_bytes()


def county_table(res: Any) -> pd.DataFrame:
    """The county table of a run: 1-hour circle, bands, health circles (15/30 min) by county."""
    table = res.coverage.report.county_table.copy()
    hc = res.coverage.health.counties[["adcode", "urban_share", "rural_share", "share"]].rename(
        columns={"urban_share": "urban_share_15min", "rural_share": "rural_share_30min", "share": "health_circle_share"})
    return table.merge(hc, on="adcode", how="left")


def _metric_rows(res: Any, lang: Lang) -> list[tuple[str, str]]:
    """(label, value) pairs of the headline metrics."""
    s = res.summary()
    zh = lang == "zh"
    rows = [
        ("人口" if zh else "Population", f"{s['population_total']:,}"),
        (f"{s['threshold_min']:g} 分钟内三级医院覆盖" if zh else f"Within {s['threshold_min']:g} min of a tertiary hospital",
         f"{s['covered_population']:,} ({100 * s['covered_share']:.1f}%)"),
        ("15 分钟城市健康圈（城镇人口）" if zh else "15-minute urban health circle (urban persons)",
         f"{100 * s['urban_share_15min']:.1f}%"),
        ("30 分钟乡村健康圈（乡村人口）" if zh else "30-minute rural health circle (rural persons)",
         f"{100 * s['rural_share_30min']:.1f}%"),
        ("覆盖空白区" if zh else "Gap clusters", f"{s['gap_clusters']:,}"),
    ]
    if "covered_population_with_candidates" in s:
        rows.append(("加入候选点后覆盖" if zh else "Covered with the candidate sites",
                     f"{s['covered_population_with_candidates']:,} ({100 * s['covered_share_with_candidates']:.1f}%)"))
    if "optimiser" in s:
        o = s["optimiser"]
        rows.append((f"优化 {o['k']} 个新院址后覆盖" if zh else f"Covered with {o['k']} optimised sites",
                     f"{o['covered_population_after']:,} ({100 * o['covered_share_after']:.1f}%)"))
    return rows


def report_html(res: Any, *, m: folium.Map | None = None, lang: Lang = "zh") -> str:
    """A short standalone HTML report: title, headline metrics, the map (embedded), county table, provenance."""
    zh = lang == "zh"
    if m is None:
        m = results_map(res.layers(), lang=lang, bounds=res.region.bbox, bands_min=res.scenario.thresholds.bands_min,
                        height_px=520)
    title = (f"{res.region.name_zh} 医疗服务可达性报告" if zh else f"Health-service access report: {res.region.name_en}")
    metrics = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in _metric_rows(res, lang))
    table = county_table(res)
    cols = ["adcode", "name_zh", "name_en", "population", "covered", "share", "urban_share_15min",
            "rural_share_30min", "mean_min", "p90_min"]
    shown = table[[c for c in cols if c in table.columns]].copy()
    for c in ("share", "urban_share_15min", "rural_share_30min"):
        if c in shown:
            shown[c] = (100 * shown[c]).round(1)
    for c in ("population", "covered"):
        shown[c] = shown[c].round(0).astype("int64")
    for c in ("mean_min", "p90_min"):
        if c in shown:
            shown[c] = shown[c].round(1)
    prov = json.dumps(res.provenance, ensure_ascii=False, indent=1)
    srcs = res.provenance.get("sources", {})
    src_rows = "".join(f"<li><b>{html.escape(str(k))}</b>: {html.escape(str(v))}</li>" for k, v in srcs.items())
    iframe = html.escape(map_html(m), quote=True)
    return f"""<!DOCTYPE html>
<html lang="{'zh' if zh else 'en'}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:24px;max-width:1100px}}
table{{border-collapse:collapse;font-size:13px}}td,th{{border:1px solid #ccc;padding:3px 6px;text-align:left}}
pre{{background:#f6f6f6;padding:8px;font-size:11px;max-height:320px;overflow:auto}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{html.escape(res.scenario.name or '')} — healthplan, {html.escape(str(res.provenance.get('created_utc', '')))}</p>
<h2>{'主要指标' if zh else 'Headline metrics'}</h2><table class="metrics">{metrics}</table>
<h2>{'地图' if zh else 'Map'}</h2>
<iframe srcdoc="{iframe}" style="width:100%;height:540px;border:1px solid #ccc"></iframe>
<h2>{'分县结果' if zh else 'By county'}</h2>{shown.to_html(index=False, classes="counties", border=0)}
<h2>{'数据来源与假设' if zh else 'Data sources and assumptions'}</h2><ul>{src_rows}</ul>
<p>{html.escape(str(res.provenance.get('method', '')))}</p>
<details><summary>{'完整来源记录（JSON）' if zh else 'Full provenance (JSON)'}</summary><pre>{html.escape(prov)}</pre></details>
</body></html>"""


def write_outputs(res: Any, out: str | Path, *, lang: Lang = "zh") -> dict[str, Path]:
    """Write every layer (GeoJSON), results.gpkg, counties.csv, gaps.csv, map.html, report.html, summary.json."""
    from spatial import scenario as sc

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    prov = res.provenance
    layers = res.layers()
    written: dict[str, Path] = {}
    for name, frame in layers.items():
        written[f"{name}.geojson"] = export.write_geojson(frame, out / f"{name}.geojson", provenance=prov)
    written["results.gpkg"] = export.write_gpkg({k: v for k, v in layers.items() if len(v)}, out / "results.gpkg",
                                                provenance=prov)
    written["counties.csv"] = export.write_csv(county_table(res), out / "counties.csv", provenance=prov)
    written["gaps.csv"] = export.write_csv(res.coverage.report.gap_table, out / "gaps.csv", provenance=prov)
    m = results_map(layers, lang=lang, bounds=res.region.bbox, bands_min=res.scenario.thresholds.bands_min)
    (out / "map.html").write_text(map_html(m), encoding="utf-8")
    written["map.html"] = out / "map.html"
    (out / "report.html").write_text(report_html(res, lang=lang), encoding="utf-8")
    written["report.html"] = out / "report.html"
    written["summary.json"] = export.write_json({**res.summary(), "provenance": prov}, out / "summary.json")
    written["scenario.json"] = sc.save_scenario(res.scenario, out / "scenario.json")
    return written
