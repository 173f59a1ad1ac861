"""Folium rendering of plan layers for the app: fixed role palette, bilingual tooltips, GCJ-02 shift for AMap tiles.

Pure functions (no Streamlit).  Layers are stored in WGS84; AMap/高德 tiles are drawn in GCJ-02, so every
overlay is shifted with ``spatial.coords.from_wgs84`` when ``datum="gcj02"`` (≈ 100–700 m in China),
otherwise a layer would sit visibly off the streets it describes.
"""

from __future__ import annotations

import html
import zlib
from collections.abc import Iterable
from typing import Literal

import folium
import geopandas as gpd
import numpy as np
import shapely

from spatial.coords import from_wgs84

Lang = Literal["zh", "en"]
MapDatum = Literal["wgs84", "gcj02"]

#: Role → colour (fixed, so a role looks the same on every map and in every legend).
PALETTE: dict[str, str] = {
    # areas
    "core": "#d62728", "pole": "#ff7f0e", "zone": "#2ca02c", "cluster": "#9467bd",
    "agglomeration": "#1f77b4", "border-radiation": "#e377c2", "belt": "#8c564b", "belt-area": "#bcbd22",
    "border-county": "#7f7f7f", "extension": "#ff7f0e", "feature": "#2ca02c",
    "chronic-disease-candidate": "#17becf",
    # points
    "centre": "#d62728", "national-centre": "#d62728", "provincial-centre": "#1f77b4",
    "provincial-centre-hospital": "#6baed6", "management-area": "#000000", "candidate": "#ff7f0e",
    "upgrade-to-tertiary": "#9467bd", "platform-hospital": "#7f7f7f", "tcm-hospital": "#2ca02c",
    "pharma-park": "#9467bd", "wellness-park": "#e377c2", "sports-rehab-centre": "#17becf",
    "tcm-town-centre": "#bcbd22", "tcm-park": "#2ca02c", "health-industry-park": "#9467bd",
    "resort": "#e377c2", "culture-wellness": "#8c564b", "health-city": "#d62728", "sports-park": "#17becf",
    "silver-economy-park": "#7f7f7f", "herb-base": "#2ca02c", "food-base": "#bcbd22", "device-base": "#1f77b4",
    "health-service-base": "#ff7f0e", "tea-park": "#8c564b",
}  # fmt: skip

#: Fallback colours for roles not in PALETTE (chosen by a stable hash of the role).
FALLBACK: tuple[str, ...] = (
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#e6550d",
    "#31a354",
)

#: Role labels shown in legends (zh, en); unknown roles show the role id.
ROLE_LABELS: dict[str, tuple[str, str]] = {
    "core": ("核心", "core"), "pole": ("增长极", "growth pole"), "zone": ("区", "zone"), "cluster": ("集群", "cluster"),
    "agglomeration": ("健康医疗服务业集聚区", "agglomeration zone"),
    "border-radiation": ("边境健康医疗服务辐射区", "border radiation zone"), "belt": ("带", "belt"),
    "belt-area": ("带（范围）", "belt (area)"), "border-county": ("沿边县（市）", "border county"),
    "extension": ("拓展区", "extension zone"), "feature": ("特色区", "feature zone"),
    "chronic-disease-candidate": ("慢性病综合防控示范区（候选）", "chronic-disease demonstration candidate"),
    "centre": ("区域医疗中心", "regional medical centre"), "national-centre": ("国家区域医疗中心", "national regional medical centre"),
    "provincial-centre": ("省级区域医疗中心", "provincial regional medical centre"),
    "provincial-centre-hospital": ("省级区域医疗中心依托医院", "provincial centre hospital"),
    "management-area": ("管理区（无边界）", "management area (no boundary)"),
    "upgrade-to-tertiary": ("提升至三级的县级医院", "county hospital to reach tertiary level"),
    "platform-hospital": ("全民健康信息平台医院", "health information platform hospital"),
    "tcm-hospital": ("中医医院", "TCM hospital"), "pharma-park": ("医药园区", "pharma park"),
    "wellness-park": ("康养旅居产业园区", "wellness park"), "sports-rehab-centre": ("运动康复中心", "sports-rehab centre"),
    "tcm-town-centre": ("国医小镇中心", "TCM town centre"), "tcm-park": ("中医药产业园", "TCM park"),
    "health-industry-park": ("大健康产业园", "health industry park"), "resort": ("养生度假区", "wellness resort"),
    "culture-wellness": ("文化养生区", "culture wellness area"), "health-city": ("健康城", "health city"),
    "sports-park": ("体育产业园", "sports park"), "silver-economy-park": ("银发产业园", "silver-economy park"),
    "herb-base": ("中药材种植基地", "herb base"), "food-base": ("健康食品基地", "food base"),
    "device-base": ("医疗器械生产基地", "medical device base"), "health-service-base": ("健康服务基地", "health service base"),
    "tea-park": ("黑茶产业园", "dark tea park"),
}  # fmt: skip

#: Popup/tooltip fields and their labels (zh, en).
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name_zh", "名称", "Name (zh)"),
    ("name_en", "英文名", "Name (en)"),
    ("role", "角色", "Role"),
    ("plan_layer", "规划/图层", "Plan/layer"),
    ("members", "成员", "Members"),
    ("clause", "原文", "Plan text"),
    ("location_source", "位置来源", "Location source"),
    ("approximate", "近似几何", "Approximate geometry"),
)

_POINT_RADIUS_PX = 6

#: Display-only simplification of polygon/line outlines (degrees, ≈ 100 m): keeps a province map light.
DISPLAY_SIMPLIFY_DEG: float = 0.001


def role_colour(role: str) -> str:
    """The fixed colour of a role (PALETTE, else a stable fallback colour)."""
    if role in PALETTE:
        return PALETTE[role]
    return FALLBACK[zlib.crc32(role.encode("utf-8")) % len(FALLBACK)]


def role_label(role: str, lang: Lang) -> str:
    """Legend label of a role in ``lang``."""
    zh, en = ROLE_LABELS.get(role, (role, role))
    return zh if lang == "zh" else en


def shift_geometries(geoms: gpd.GeoSeries, datum: MapDatum) -> gpd.GeoSeries:
    """WGS84 geometries moved into ``datum`` ("gcj02" for AMap tiles; "wgs84" leaves them unchanged), degrees."""
    if datum == "wgs84":
        return geoms.copy()
    if datum != "gcj02":
        raise ValueError(f"unknown map datum {datum!r}; use 'wgs84' or 'gcj02'")

    def to_datum(xy: np.ndarray) -> np.ndarray:
        lon, lat = from_wgs84(xy[:, 0], xy[:, 1], datum)
        return np.column_stack([lon, lat])

    moved = shapely.transform(geoms.to_crs("EPSG:4326").values, to_datum)
    return gpd.GeoSeries(moved, index=geoms.index, crs="EPSG:4326")


def _text(value: object) -> str:
    """A property value as display text (lists joined with 、, missing as empty)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return "、".join(str(v) for v in value)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def display_frame(
    frame: gpd.GeoDataFrame,
    *,
    lang: Lang = "zh",
    datum: MapDatum = "wgs84",
    simplify_deg: float = DISPLAY_SIMPLIFY_DEG,
) -> gpd.GeoDataFrame:
    """The frame reduced to display text columns (FIELDS) plus style keys, geometry shifted to ``datum``.

    Outlines are simplified by ``simplify_deg`` (degrees, topology preserved) for display only; 0 keeps them.
    """
    geoms = frame.geometry.to_crs("EPSG:4326")
    if simplify_deg > 0:
        geoms = geoms.simplify(simplify_deg, preserve_topology=True)
    out = gpd.GeoDataFrame(
        {
            "name_zh": [_text(v) for v in frame["name_zh"]],
            "name_en": [_text(v) for v in frame["name_en"]],
            "role": [_text(v) for v in frame["role"]],
            "role_label": [role_label(str(r), lang) for r in frame["role"]],
            "plan_layer": [f"{p}/{layer}" for p, layer in zip(frame["plan"], frame["layer"], strict=True)],
            "members": [_text(v) for v in frame["members"]],
            "clause": [_text(v) for v in frame["clause"]],
            "location_source": [_text(v) for v in frame["location_source"]],
            "approximate": ["是" if lang == "zh" and a else "否" if lang == "zh" else ("yes" if a else "no")
                            for a in frame["geometry_approximate"].astype(bool)],
            "_colour": [role_colour(str(r)) for r in frame["role"]],
            "_dashed": frame["geometry_approximate"].astype(bool).tolist(),
        },
        geometry=shift_geometries(geoms, datum).values,
        crs="EPSG:4326",
    )  # fmt: skip
    return out


def _style(feature: dict) -> dict:
    """Leaflet style of one feature: role colour; dashed outline where the geometry is approximate."""
    props = feature["properties"]
    geom_type = (feature.get("geometry") or {}).get("type", "")
    style = {
        "color": props["_colour"],
        "weight": 2,
        "opacity": 0.9,
        "fillColor": props["_colour"],
        "fillOpacity": 0.15,
    }
    if "LineString" in geom_type:
        style.update(weight=4, fillOpacity=0.0)
    if "Point" in geom_type:
        style.update(fillOpacity=0.8, weight=2)
    if props["_dashed"]:
        style["dashArray"] = "6 6"
    return style


def layer_title(frame: gpd.GeoDataFrame, lang: Lang) -> str:
    """The layer-control title: plan/layer (and the first feature's plan in both languages is not needed)."""
    plan, layer = str(frame["plan"].iloc[0]), str(frame["layer"].iloc[0])
    return f"{plan}/{layer}" if lang == "en" else f"{plan}/{layer}（规划图层）"


def add_layer(
    m: folium.Map, frame: gpd.GeoDataFrame, *, lang: Lang = "zh", datum: MapDatum = "wgs84", show: bool = True
) -> folium.GeoJson:
    """Add one plan layer to ``m`` (styled by role, bilingual tooltip and popup); returns the folium layer."""
    if lang not in ("zh", "en"):
        raise ValueError(f"unknown language {lang!r}; use 'zh' or 'en'")
    shown = display_frame(frame, lang=lang, datum=datum)
    fields = [f for f, _, _ in FIELDS]
    labels = [zh if lang == "zh" else en for _, zh, en in FIELDS]
    first = 0 if lang == "zh" else 1  # tooltip shows the chosen language's name first, then the other
    tooltip_fields = [fields[first], fields[1 - first], "role_label"]
    tooltip_labels = [labels[first], labels[1 - first], labels[2]]
    layer = folium.GeoJson(
        shown.to_json(drop_id=True),
        name=layer_title(frame, lang),
        style_function=_style,
        marker=folium.CircleMarker(radius=_POINT_RADIUS_PX),
        tooltip=folium.GeoJsonTooltip(fields=tooltip_fields, aliases=tooltip_labels, sticky=True),
        popup=folium.GeoJsonPopup(fields=fields, aliases=labels, max_width=420),
        show=show,
    )
    layer.add_to(m)
    return layer


def legend_entries(frames: Iterable[gpd.GeoDataFrame], lang: Lang) -> list[tuple[str, str, bool]]:
    """(label, colour, dashed) per distinct role (and approximate flag) across ``frames``, in first-seen order."""
    seen: dict[tuple[str, bool], None] = {}
    for frame in frames:
        for role, approx in zip(frame["role"], frame["geometry_approximate"].astype(bool), strict=True):
            seen.setdefault((str(role), bool(approx)), None)
    suffix = "（近似）" if lang == "zh" else " (approximate)"
    return [(role_label(r, lang) + (suffix if a else ""), role_colour(r), a) for r, a in seen]


def legend_html(frames: Iterable[gpd.GeoDataFrame], lang: Lang = "zh") -> str:
    """A small HTML legend (colour swatch, dashed border if approximate) for the roles in ``frames``."""
    title = "图例" if lang == "zh" else "Legend"
    rows = []
    for label, colour, dashed in legend_entries(frames, lang):
        border = f"2px {'dashed' if dashed else 'solid'} {colour}"
        rows.append(
            f'<div style="margin:2px 0"><span style="display:inline-block;width:14px;height:10px;'
            f'background:{colour}33;border:{border};margin-right:6px"></span>{html.escape(label)}</div>'
        )
    return (
        '<div class="healthplan-legend" style="position:fixed;bottom:24px;left:24px;z-index:9999;'
        "background:white;padding:8px 10px;border:1px solid #999;border-radius:4px;font-size:12px;"
        f'max-height:50%;overflow:auto"><b>{title}</b>{"".join(rows)}</div>'
    )


def add_legend(m: folium.Map, frames: Iterable[gpd.GeoDataFrame], *, lang: Lang = "zh") -> folium.Map:
    """Attach ``legend_html`` to the map's HTML root; returns the map."""
    m.get_root().html.add_child(folium.Element(legend_html(frames, lang)))
    return m


def layers_map(
    frames: dict[str, gpd.GeoDataFrame],
    *,
    lang: Lang = "zh",
    datum: MapDatum = "wgs84",
    tiles: str | None = None,
) -> folium.Map:
    """A folium map with every frame as a toggleable layer, a layer control and a legend, fitted to their bounds."""
    nonempty = [f for f in frames.values() if len(f)]
    bounds = (
        np.array([f.total_bounds for f in nonempty]) if nonempty else np.array([[73.0, 18.0, 135.0, 53.0]])
    )
    lon_min, lat_min = bounds[:, 0].min(), bounds[:, 1].min()
    lon_max, lat_max = bounds[:, 2].max(), bounds[:, 3].max()
    m = folium.Map(
        location=[(lat_min + lat_max) / 2, (lon_min + lon_max) / 2], tiles=tiles, control_scale=True
    )
    for frame in nonempty:
        add_layer(m, frame, lang=lang, datum=datum)
    folium.LayerControl(collapsed=True).add_to(m)
    add_legend(m, nonempty, lang=lang)
    m.fit_bounds([[lat_min, lon_min], [lat_max, lon_max]])
    return m
