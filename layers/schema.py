"""The attribute schema every plan-layer feature carries, and the helper that builds a layer frame."""

from __future__ import annotations

from typing import Any, Literal

import geopandas as gpd

Plan = Literal["hainan-13th", "hainan-14th", "yunnan-14th", "yiyang", "haikou-2020"]

#: Columns every feature has, in this order (members only for zones/clusters/belts/groups).
COLUMNS: tuple[str, ...] = (
    "plan",  # one of Plan
    "layer",  # layer id, e.g. "five-centres"
    "role",  # e.g. "centre", "cluster", "core", "pole", "zone", "candidate"
    "name_zh",
    "name_en",
    "members",  # list[str] of name_zh (counties, cities or institutions); [] for points
    "clause",  # the quoted source sentence (Chinese) or its section
    "location_source",  # points: how the coordinate was obtained and its precision; areas: how the shape was made
    "geometry_approximate",  # True where no authoritative boundary exists (高新区, 东部新区, 大通湖区 …)
)


def layer_frame(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """Build a WGS84 GeoDataFrame from feature dicts holding COLUMNS plus ``geometry`` (and extras)."""
    for i, row in enumerate(rows):
        missing = [c for c in (*COLUMNS, "geometry") if c not in row]
        if missing:
            raise KeyError(f"layer row {i} ({row.get('name_zh', '?')}) lacks {missing}")
    for row in rows:  # the placeholder rule (layers.institutions.PLACEHOLDER_RULE) is visible on every feature
        row.setdefault("placeholder", False)
        row.setdefault("placeholder_reason", "")
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    extras = [c for c in frame.columns if c not in (*COLUMNS, "geometry")]
    return frame[[*COLUMNS, *extras, "geometry"]]
