"""Plan layers on a folium map: role colours, rings for points, bilingual tooltips and readable popups.

Layers are stored in WGS84; AMap/高德 tiles are drawn in GCJ-02, so every overlay is shifted with
``spatial.coords.from_wgs84`` when ``datum="gcj02"`` (≈ 100–700 m in China), otherwise a layer would sit
visibly off the streets it describes.  Every text that reaches the page is HTML-escaped: names are data.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import folium
import geopandas as gpd
import numpy as np
import shapely

from spatial.coords import from_wgs84
from views.strings import pick, t
from views.style import Symbol, plan_colour, svg

#: Role labels shown in legends and tooltips (zh, en); unknown roles show the role id.
ROLE_LABELS: dict[str, tuple[str, str]] = {
    "core": ("核心", "core"), "pole": ("增长极", "growth pole"), "zone": ("区", "zone"), "cluster": ("集群", "cluster"),
    "agglomeration": ("健康医疗服务业集聚区", "agglomeration zone"),
    "border-radiation": ("边境健康医疗服务辐射区", "border radiation zone"), "belt": ("带", "belt"),
    "belt-area": ("带（范围）", "belt (area)"), "border-county": ("沿边县（市）", "border county"),
    "extension": ("拓展区", "extension zone"), "feature": ("特色区", "feature zone"),
    "chronic-disease-candidate": ("慢性病综合防控示范区（候选）", "chronic-disease demonstration candidate"),
    "centre": ("区域医疗中心", "regional medical centre"),
    "national-centre": ("国家区域医疗中心", "national regional medical centre"),
    "provincial-centre": ("省级区域医疗中心", "provincial regional medical centre"),
    "provincial-centre-hospital": ("省级区域医疗中心依托医院", "provincial centre hospital"),
    "management-area": ("管理区（无边界）", "management area (no boundary)"),
    "candidate": ("规划建设项目（候选院址）", "planned project (candidate site)"),
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

#: Popup fields and their labels (zh, en).
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name_zh", "名称", "Name (zh)"),
    ("name_en", "英文名", "Name (en)"),
    ("role_label", "角色", "Role"),
    ("members", "成员", "Members"),
    ("clause", "规划原文", "Plan text"),
    ("location_source", "位置来源", "Location source"),
    ("approximate", "近似位置", "Approximate"),
)

#: Display-only simplification of polygon/line outlines (degrees, ≈ 100 m): keeps a province map light.
DISPLAY_SIMPLIFY_DEG: float = 0.001
_RING_PX = 22


def role_label(role: str, lang: str) -> str:
    """Legend label of a role in ``lang``."""
    return pick(ROLE_LABELS.get(role, (role, role)), lang)


def shift_geometries(geoms: gpd.GeoSeries, datum: str) -> gpd.GeoSeries:
    """WGS84 geometries moved into ``datum`` ("gcj02" for AMap tiles; "wgs84" leaves them unchanged), degrees."""
    if datum == "wgs84":
        return geoms.to_crs("EPSG:4326").copy()
    if datum != "gcj02":
        raise ValueError(f"unknown map datum {datum!r}; use 'wgs84' or 'gcj02'")

    def to_datum(xy: np.ndarray) -> np.ndarray:
        lon, lat = from_wgs84(xy[:, 0], xy[:, 1], datum)
        return np.column_stack([lon, lat])

    moved = shapely.transform(geoms.to_crs("EPSG:4326").values, to_datum)
    return gpd.GeoSeries(moved, index=geoms.index, crs="EPSG:4326")


def text(value: object) -> str:
    """A property value as escaped display text (lists joined with 、, missing as empty)."""
    if isinstance(value, list | tuple | np.ndarray):
        return "、".join(html.escape(str(v)) for v in value)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(str(value))


def layer_title(frame: gpd.GeoDataFrame, lang: str) -> str:
    """The layer-control title: the layer's name in the page language (``layers.registry.TITLES``), escaped."""
    key = "title_zh" if lang == "zh" else "title_en"
    return html.escape(str(frame.attrs.get(key) or frame["layer"].iloc[0]))


def display_frame(frame: gpd.GeoDataFrame, *, lang: str, datum: str = "wgs84",
                  simplify_deg: float = DISPLAY_SIMPLIFY_DEG) -> gpd.GeoDataFrame:
    """The layer reduced to escaped display columns plus style keys, geometry shifted to ``datum`` and simplified."""
    geoms = frame.geometry.to_crs("EPSG:4326")
    if simplify_deg > 0:
        geoms = geoms.simplify(simplify_deg, preserve_topology=True)
    approx = frame["geometry_approximate"].astype(bool).to_numpy()
    points = (frame.geometry.geom_type == "Point").to_numpy()
    return gpd.GeoDataFrame({
        "name_zh": [text(v) for v in frame["name_zh"]],
        "name_en": [text(v) for v in frame["name_en"]],
        "role_label": [text(role_label(str(r), lang)) for r in frame["role"]],
        "members": [text(v) for v in frame["members"]],
        "clause": [text(v) for v in frame["clause"]],
        "location_source": [text(v) for v in frame["location_source"]],
        "approximate": [t("yes" if a else "no", lang) for a in approx],
        "_colour": [plan_colour(str(r), point=bool(p)) for r, p in zip(frame["role"], points, strict=True)],
        "_dashed": approx.tolist(),
    }, geometry=shift_geometries(geoms, datum).values, crs="EPSG:4326")  # fmt: skip


def _style(feature: dict) -> dict:
    """Leaflet style of one plan feature: role colour, translucent areas, dashed where approximate."""
    props = feature["properties"]
    kind = (feature.get("geometry") or {}).get("type", "")
    style = {"color": props["_colour"], "weight": 2, "opacity": 0.95, "fillColor": props["_colour"],
             "fillOpacity": 0.25}
    if "LineString" in kind:
        style.update(weight=4, fillOpacity=0.0)
    if props["_dashed"]:
        style["dashArray"] = "6 6"
    return style


def add_layer(m: folium.Map | folium.FeatureGroup, frame: gpd.GeoDataFrame, *, lang: str, datum: str = "wgs84",
              show: bool = True) -> folium.FeatureGroup:
    """Add one plan layer: areas and lines styled by role, points as rings, tooltip and popup in ``lang``."""
    if lang not in ("zh", "en"):
        raise ValueError(f"unknown language {lang!r}; use 'zh' or 'en'")
    group = folium.FeatureGroup(name=layer_title(frame, lang), show=show)
    # a multipoint (a cluster's members) is drawn as its points: Leaflet 1.9.3 cannot bind a tooltip to the
    # marker group it would make of one ("t.getElement is not a function"), and the map would not draw
    shown = display_frame(frame, lang=lang, datum=datum).explode(index_parts=False).reset_index(drop=True)
    fields = [f for f, _, _ in FIELDS]
    labels = [zh if lang == "zh" else en for _, zh, en in FIELDS]
    first = 0 if lang == "zh" else 1  # the chosen language's name first
    tip_fields, tip_labels = [fields[first], fields[1 - first], "role_label"], [labels[first], labels[1 - first], labels[2]]
    is_point = (shown.geometry.geom_type == "Point").to_numpy()
    if (~is_point).any():
        folium.GeoJson(shown[~is_point].to_json(drop_id=True), style_function=_style,
                       tooltip=folium.GeoJsonTooltip(fields=tip_fields, aliases=tip_labels, sticky=True),
                       popup=folium.GeoJsonPopup(fields=fields, aliases=labels, max_width=440)).add_to(group)
    for colour in dict.fromkeys(shown.loc[is_point, "_colour"]):  # one marker style per colour
        part = shown[is_point & (shown["_colour"] == colour).to_numpy()]
        icon = folium.DivIcon(html=svg(Symbol("ring", colour, colour, _RING_PX)),
                              icon_size=(_RING_PX, _RING_PX), icon_anchor=(_RING_PX // 2, _RING_PX // 2))
        folium.GeoJson(part.to_json(drop_id=True), marker=folium.Marker(icon=icon),
                       tooltip=folium.GeoJsonTooltip(fields=tip_fields, aliases=tip_labels, sticky=True),
                       popup=folium.GeoJsonPopup(fields=fields, aliases=labels, max_width=440)).add_to(group)
    group.add_to(m)
    return group


def legend_rows(frames: Iterable[gpd.GeoDataFrame], lang: str) -> list[str]:
    """Legend rows (HTML) per distinct role: a ring for points, a swatch for areas, a line for lines."""
    seen: dict[tuple[str, str, bool], None] = {}
    for frame in frames:
        kinds = frame.geometry.geom_type.str.replace("Multi", "")
        for role, kind, approx in zip(frame["role"], kinds, frame["geometry_approximate"].astype(bool), strict=True):
            seen.setdefault((str(role), str(kind), bool(approx)), None)
    rows = []
    for role, kind, approx in seen:
        label = text(role_label(role, lang)) + (t("approximate", lang) if approx else "")
        colour = plan_colour(role, point=kind == "Point")
        dash = "dashed" if approx else "solid"
        if kind == "Point":
            mark = svg(Symbol("ring", colour, colour, 14))
        elif kind == "LineString":
            mark = f'<span style="display:inline-block;width:18px;border-top:4px {dash} {colour}"></span>'
        else:
            mark = (f'<span style="display:inline-block;width:16px;height:11px;background:{colour}55;'
                    f'border:2px {dash} {colour}"></span>')
        rows.append(f'<div class="hp-row">{mark}<span>{label}</span></div>')
    return rows
