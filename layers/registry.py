"""One place listing every plan's layer module, and the layers of a region keyed "plan/layer"."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType

import geopandas as gpd

from spatial.errors import RegionError

#: Region → the layer modules (in layers/) of the plans covering it.  Each module exposes PLAN and LAYERS.
REGION_MODULES: dict[str, tuple[str, ...]] = {
    "hainan": ("hainan13", "hainan14"),
    "yunnan": ("yunnan",),
    "yiyang": ("yiyang",),
    "haikou": ("haikou",),
}
REGIONS: tuple[str, ...] = (*REGION_MODULES, "all")


def modules(region: str = "all") -> list[ModuleType]:
    """The layer modules of ``region`` ("hainan" | "yunnan" | "yiyang" | "haikou" | "all"), imported."""
    key = region.strip().lower()
    if key not in REGIONS:
        raise RegionError(f"no plan layers for region {region!r}; use one of {', '.join(REGIONS)}")
    names = (
        [n for k in REGION_MODULES for n in REGION_MODULES[k]] if key == "all" else list(REGION_MODULES[key])
    )
    return [importlib.import_module(f"layers.{n}") for n in names]


def builders(region: str = "all") -> dict[str, Callable[[], gpd.GeoDataFrame]]:
    """Layer builders of ``region`` keyed "plan/layer" (nothing is built yet)."""
    return {f"{m.PLAN}/{name}": build for m in modules(region) for name, build in m.LAYERS.items()}


def all_layers(region: str = "all") -> dict[str, gpd.GeoDataFrame]:
    """Every layer of ``region`` built, keyed "plan/layer" (e.g. "yunnan-14th/six-zones"), WGS84."""
    return {key: build() for key, build in builders(region).items()}
