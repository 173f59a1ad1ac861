"""What the plans give an analysis of a region: their candidate sites, numeric targets and emergency-circle sites.

The engine reads no plan; a front end calls ``plan_inputs(region)`` and hands the result to
``spatial.pipeline.Pipeline.run``.  Plans are chosen by the region's province (adcode prefix): Hainan
(46) → the Hainan 13th and 14th plans and Haikou's reply; Yunnan (53) → Yunnan's 14th plan; Yiyang (43).
"""

from __future__ import annotations

import hashlib
import json

import geopandas as gpd
import pandas as pd

from layers import registry
from layers import targets as plan_targets_table
from spatial.regions import Region
from spatial.results import PlanInputs
from spatial.settings import FACILITIES_DIR

#: Province adcode prefix → the layer registry's regions whose plans cover it.
PLAN_REGIONS: dict[str, tuple[str, ...]] = {"46": ("hainan", "haikou"), "53": ("yunnan",), "43": ("yiyang",)}

#: The Yunnan plan's 4A+ scenic areas (data/facilities/yunnan_scenic_4a.csv) and the clause that sets their circle.
SCENIC_CSV = FACILITIES_DIR / "yunnan_scenic_4a.csv"
EMERGENCY_CLAUSE = "4A级及以上旅游景区建立10分钟紧急医学救援圈并配置体外自动除颤仪"

#: A plan candidate this far outside the region's outline belongs to another region (metres).
OUTLINE_TOLERANCE_M: float = 1_000.0

#: Which coverage metric of the engine measures a target (spatial.plantargets.METRICS); the other targets need a
#: resource column of a facility file, another input, or are not spatial.
TARGET_METRICS: dict[str, str] = {
    "tertiary_1h_circle_share": "tertiary_circle", "tertiary_1h_circle": "tertiary_circle",
    "urban_15min_health_circle": "urban_circle", "rural_30min_health_circle": "rural_circle",
    "scenic_10min_emergency_circle": "emergency_circle",
}  # fmt: skip


def plan_regions(region: Region) -> tuple[str, ...]:
    """The registry regions whose plans cover ``region`` (by its province), e.g. ("hainan", "haikou")."""
    return PLAN_REGIONS.get(str(int(region.adcode))[:2], ())


def _inside(frame: gpd.GeoDataFrame, region: Region) -> gpd.GeoDataFrame:
    """The rows of a point frame within OUTLINE_TOLERANCE_M of the region's outline."""
    if not len(frame):
        return frame
    near = frame.to_crs(region.metric_crs).distance(region.outline_m).to_numpy() <= OUTLINE_TOLERANCE_M
    return frame[near].reset_index(drop=True)


def candidates(region: Region) -> gpd.GeoDataFrame:
    """Point features the region's plans mark ``role == "candidate"`` (e.g. hainan-14th/building-projects)."""
    frames = []
    for key in plan_regions(region):
        for layer_key, layer in registry.all_layers(key).items():
            pick = layer[(layer["role"] == "candidate") & (layer.geometry.geom_type == "Point")]
            if len(pick):
                extra = {c: pick[c].to_numpy() for c in ("placeholder", "placeholder_reason") if c in pick.columns}
                frames.append(gpd.GeoDataFrame(
                    {"name": pick["name_zh"].to_numpy(), "name_en": pick["name_en"].to_numpy(),
                     "location_source": pick["location_source"].to_numpy(),
                     "geometry_approximate": pick["geometry_approximate"].to_numpy(),
                     "plan_layer": layer_key, "clause": pick["clause"].to_numpy(), **extra},
                    geometry=pick.geometry.to_numpy(), crs=layer.crs).to_crs("EPSG:4326"))
    if not frames:
        return gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:4326")
    return _inside(gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326"),
                   region)


def emergency_sites(region: Region) -> gpd.GeoDataFrame | None:
    """The Yunnan plan's 4A+ scenic areas within the region (None outside Yunnan)."""
    if "yunnan" not in plan_regions(region) or not SCENIC_CSV.is_file():
        return None
    table = pd.read_csv(SCENIC_CSV, encoding="utf-8-sig")
    frame = gpd.GeoDataFrame(table.drop(columns=["lon", "lat"]), geometry=gpd.points_from_xy(table["lon"], table["lat"]),
                             crs="EPSG:4326")
    return frame


def targets(plans: tuple[str, ...]) -> pd.DataFrame:
    """The numeric targets of the given plans (layers/targets.py) with the ``metric`` that measures each, if any."""
    frame = plan_targets_table.TARGETS
    frame = frame[frame["plan"].isin(plans)].reset_index(drop=True).copy()
    frame["metric"] = frame["indicator"].map(TARGET_METRICS).fillna("")
    return frame


def plan_inputs(region: Region) -> PlanInputs:
    """Everything the plans covering ``region`` give the pipeline."""
    keys = plan_regions(region)
    plans = tuple(m.PLAN for k in keys for m in registry.modules(k))
    cands = candidates(region)
    sites = emergency_sites(region)
    blob = json.dumps([list(map(str, cands["name"])), cands.geometry.x.round(7).tolist(),
                       cands.geometry.y.round(7).tolist()] if len(cands) else [], ensure_ascii=False)
    digest = hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]
    goals = targets(plans)
    return PlanInputs(plans=plans, candidates=cands if len(cands) else None, targets=goals if len(goals) else None,
                      emergency_sites=sites, emergency_clause=EMERGENCY_CLAUSE if sites is not None else "",
                      key=f"{region.name}:{','.join(plans)}:{digest}")
