"""One place listing every plan's layer module, and the layers of a region keyed "plan/layer".

Every built layer carries its Chinese and English title in ``frame.attrs`` (``title_zh``, ``title_en``),
so maps and exports name it as the plan does rather than by its key.  Built layers are kept on disk
(pickles in the cache folder) under a hash of the layer code and the committed data they read, so a
new process does not redo the unions and buffers of 129 county polygons (≈ 4 s for Yunnan), and in
memory for the life of the process (a run reads them for its candidates and again for its files).
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import geopandas as gpd

from spatial import picklecache, settings
from spatial.errors import RegionError

log = logging.getLogger(__name__)

#: Region → the layer modules (in layers/) of the plans covering it.  Each module exposes PLAN and LAYERS.
REGION_MODULES: dict[str, tuple[str, ...]] = {
    "hainan": ("hainan13", "hainan14"),
    "yunnan": ("yunnan",),
    "yiyang": ("yiyang",),
    "haikou": ("haikou",),
}
REGIONS: tuple[str, ...] = (*REGION_MODULES, "all")

#: "plan/layer" → (中文名, English name), as the plans name their layouts.
TITLES: dict[str, tuple[str, str]] = {
    "hainan-13th/five-centres": ("五中心（十三五）", "Five centres (13th plan)"),
    "hainan-13th/four-clusters": ("四集群（十三五）", "Four clusters (13th plan)"),
    "hainan-13th/multi-point": ("多点分布：专栏项目（十三五）", "Multi-point projects (13th plan)"),
    "hainan-13th/hospital-projects": ("专栏5 公共卫生和医院项目（十三五）", "Box 5 public-health and hospital projects (13th plan)"),
    "hainan-14th/regional-medical-centres": ("区域医疗中心（十四五）", "Regional medical centres (14th plan)"),
    "hainan-14th/one-core-two-poles-three-zones": ("一核两极三区（十四五）", "One core, two poles, three zones (14th)"),
    "hainan-14th/public-health-2-3-n": ("公共卫生“2+3+N”（十四五）", "Public health 2+3+N (14th plan)"),
    "hainan-14th/building-projects": ("专栏4 建设项目（十四五）", "Box 4 building projects (14th plan)"),
    "hainan-14th/port-cities": ("口岸所在地公共卫生应急救治（十四五）", "Port cities: public-health emergency care (14th plan)"),
    "hainan-14th/emergency-and-disease-control-centres": ("区域疾控中心与紧急救援指挥中心（十四五）",
                                                          "Regional CDC and emergency command centres (14th plan)"),
    "hainan-14th/tcm-projects": ("中医药建设项目（十四五）", "TCM projects (14th plan)"),
    "hainan-14th/industry-clusters": ("健康产业集群（十四五）", "Health-industry clusters (14th plan)"),
    "yunnan-14th/one-core": ("一核（昆明）", "One core (Kunming)"),
    "yunnan-14th/six-zones": ("六区", "Six zones"),
    "yunnan-14th/four-belts": ("四带（走向）", "Four belts (lines)"),
    "yunnan-14th/four-belts-area": ("四带（范围，示意）", "Four belts (corridors, schematic)"),
    "yunnan-14th/border-counties": ("25 个沿边县（市）", "25 border counties"),
    "yunnan-14th/medical-centres": ("区域医疗中心", "Regional medical centres"),
    "yunnan-14th/partner-hospitals": ("国家区域医疗中心输出医院与龙头医院", "Partner and leading hospitals of the national centres"),
    "yunnan-14th/border-institutions": ("沿边医疗机构与重点工程", "Border institutions and key projects"),
    "yunnan-14th/health-city": ("云南国际医疗健康城", "Yunnan International Medical Health City"),
    "yiyang/anchor-hospitals": ("市级龙头医院", "City lead hospitals"),
    "yiyang/zones": ("核心区、拓展区、特色区", "Core, extension and feature zones"),
    "yiyang/management-areas": ("管理区（高新区、东部新区、大通湖区）", "Management areas"),
    "yiyang/carriers": ("产业载体", "Industry carriers"),
    "yiyang/county-hospitals": ("县级医院提升", "County hospitals to upgrade"),
    "yiyang/chronic-disease-areas": ("慢性病综合防控示范区", "Chronic-disease demonstration areas"),
    "haikou-2020/wellness": ("康养旅居产业布局", "Wellness and residence sites"),
    "haikou-2020/platform-hospitals": ("全民健康信息平台医院", "Health-information platform hospitals"),
}


def modules(region: str = "all") -> list[ModuleType]:
    """The layer modules of ``region`` ("hainan" | "yunnan" | "yiyang" | "haikou" | "all"), imported."""
    key = region.strip().lower()
    if key not in REGIONS:
        raise RegionError(f"no plan layers for region {region!r}; use one of {', '.join(REGIONS)}")
    names = [n for k in REGION_MODULES for n in REGION_MODULES[k]] if key == "all" else list(REGION_MODULES[key])
    # the plan modules are listed here as data (names), not imported one by one: `all` needs every one
    return [importlib.import_module(f"layers.{n}") for n in names]


def builders(region: str = "all") -> dict[str, Callable[[], gpd.GeoDataFrame]]:
    """Layer builders of ``region`` keyed "plan/layer" (nothing is built yet)."""
    return {f"{m.PLAN}/{name}": build for m in modules(region) for name, build in m.LAYERS.items()}


def title(key: str) -> tuple[str, str]:
    """The (中文, English) title of a "plan/layer" key (the key itself where none is recorded)."""
    return TITLES.get(key, (key, key))


@lru_cache(maxsize=1)
def _digest() -> str:
    """Hash of the layer code and the committed data it reads (facility tables, boundaries)."""
    h = hashlib.sha256()
    files = [*sorted(Path(__file__).resolve().parent.glob("*.py")), *sorted(settings.FACILITIES_DIR.glob("*.csv")),
             settings.BOUNDARIES_DIR / "MANIFEST.json"]
    for path in files:
        if path.is_file():
            h.update(path.name.encode("utf-8"))
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def build_layer(key: str) -> gpd.GeoDataFrame:
    """One layer by its "plan/layer" key (a copy: callers may change it), from the caches when unchanged; titled."""
    return _built_layer(key, _digest()).copy()


@lru_cache(maxsize=64)
def _built_layer(key: str, digest: str) -> gpd.GeoDataFrame:
    """One layer built, or read from the disk cache of this code and data ``digest``."""
    path = settings.cache_dir() / "layers" / digest / f"{key.replace('/', '__')}.pickle"
    frame = picklecache.load_or_build(path, lambda: _builder(key)(), kind=gpd.GeoDataFrame,
                                      what=f"plan layer {key}")
    frame.attrs["title_zh"], frame.attrs["title_en"] = title(key)
    frame.attrs["key"] = key
    return frame


def _builder(key: str) -> Callable[[], gpd.GeoDataFrame]:
    """The builder of a "plan/layer" key."""
    every = builders("all")
    if key not in every:
        raise RegionError(f"no plan layer {key!r}; see `healthplan layers list`")
    return every[key]


def all_layers(region: str = "all") -> dict[str, gpd.GeoDataFrame]:
    """Every layer of ``region`` built, keyed "plan/layer" (e.g. "yunnan-14th/six-zones"), WGS84, titled."""
    return {key: build_layer(key) for key in builders(region)}
