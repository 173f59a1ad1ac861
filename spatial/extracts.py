"""Where the real data lives: OpenStreetMap province extracts and WorldPop 2020 rasters, and their places.

The names and addresses of the files ``spatial.download`` fetches, and where each one goes in the data
folder (``<data>/osm/<slug>-latest.osm.pbf``, ``<data>/population/worldpop/<published name>``), so the
network chooser can look for an extract without loading the download machinery.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from spatial import regions, settings
from spatial.errors import DownloadError, RegionError

# --------------------------------------------------------------------------------------------------
# Facts: where the files are
# --------------------------------------------------------------------------------------------------

#: Geofabrik's China folder; every province file has an ``.md5`` beside it.  Source: the download server's
#: China page https://download.geofabrik.de/asia/china.html, as crawled into geofabrik.yml of
#: github.com/julien-noblet/download-geofabrik (commit 1f704d0cc40dee7787ab02b4f4c8190b933294f2,
#: 2024-09-03: 33 sub-regions of "china", parent "asia", each listing osm.pbf and osm.pbf.md5).
GEOFABRIK_CHINA: str = "https://download.geofabrik.de/asia/china"

#: OpenStreetMap France's China folder (second mirror).  Source: openstreetmap.fr.yml of the same
#: repository (commit 9712f8460136a8456ebe3c1fcb61a11d6e8e9a5a, 2024-09-03): the same 33 provinces,
#: files ``<name>-latest.osm.pbf``, names equal to Geofabrik's except inner_mongolia and hong_kong
#: (underscore); per province only osm.pbf, poly and state are listed, no .md5 (continents have one).
OSMFR_CHINA: str = "https://download.openstreetmap.fr/extracts/asia/china"

#: Where the two mirrors live, by name; ``osm_mirrors`` builds the file addresses from these.
OSM_BASES: Mapping[str, str] = {"geofabrik": GEOFABRIK_CHINA, "openstreetmap.fr": OSMFR_CHINA}


@dataclass(frozen=True)
class Province:
    """One province-level unit, its OSM extract names on both mirrors and its adcode prefix."""

    slug: str  # Geofabrik name: <GEOFABRIK_CHINA>/<slug>-latest.osm.pbf
    osmfr: str  # OpenStreetMap France name: <OSMFR_CHINA>/<osmfr>-latest.osm.pbf
    adcode2: int  # first two digits of its GB/T 2260 administrative code
    name_en: str
    name_zh: str  # official name
    short_zh: str  # the name without 省/市/自治区 …
    aliases: tuple[str, ...] = ()
    note: str = ""


#: The 33 China extracts Geofabrik publishes (sources above).  Adcode prefixes: GB/T 2260, as in the
#: National Bureau of Statistics' 统计用区划代码.  Taiwan (71) is not among Geofabrik's China sub-regions.
PROVINCES: tuple[Province, ...] = (
    Province("beijing", "beijing", 11, "Beijing", "北京市", "北京"),
    Province("tianjin", "tianjin", 12, "Tianjin", "天津市", "天津"),
    Province("hebei", "hebei", 13, "Hebei", "河北省", "河北",
             note="Geofabrik's hebei extract also holds Beijing and Tianjin"),
    Province("shanxi", "shanxi", 14, "Shanxi", "山西省", "山西"),
    Province("inner-mongolia", "inner_mongolia", 15, "Inner Mongolia", "内蒙古自治区", "内蒙古",
             aliases=("nei-mongol", "neimenggu")),
    Province("liaoning", "liaoning", 21, "Liaoning", "辽宁省", "辽宁"),
    Province("jilin", "jilin", 22, "Jilin", "吉林省", "吉林"),
    Province("heilongjiang", "heilongjiang", 23, "Heilongjiang", "黑龙江省", "黑龙江"),
    Province("shanghai", "shanghai", 31, "Shanghai", "上海市", "上海"),
    Province("jiangsu", "jiangsu", 32, "Jiangsu", "江苏省", "江苏"),
    Province("zhejiang", "zhejiang", 33, "Zhejiang", "浙江省", "浙江"),
    Province("anhui", "anhui", 34, "Anhui", "安徽省", "安徽"),
    Province("fujian", "fujian", 35, "Fujian", "福建省", "福建"),
    Province("jiangxi", "jiangxi", 36, "Jiangxi", "江西省", "江西"),
    Province("shandong", "shandong", 37, "Shandong", "山东省", "山东"),
    Province("henan", "henan", 41, "Henan", "河南省", "河南"),
    Province("hubei", "hubei", 42, "Hubei", "湖北省", "湖北"),
    Province("hunan", "hunan", 43, "Hunan", "湖南省", "湖南"),
    Province("guangdong", "guangdong", 44, "Guangdong", "广东省", "广东",
             note="Geofabrik's guangdong extract also holds Hong Kong and Macau"),
    Province("guangxi", "guangxi", 45, "Guangxi", "广西壮族自治区", "广西"),
    Province("hainan", "hainan", 46, "Hainan", "海南省", "海南"),
    Province("chongqing", "chongqing", 50, "Chongqing", "重庆市", "重庆"),
    Province("sichuan", "sichuan", 51, "Sichuan", "四川省", "四川"),
    Province("guizhou", "guizhou", 52, "Guizhou", "贵州省", "贵州"),
    Province("yunnan", "yunnan", 53, "Yunnan", "云南省", "云南"),
    Province("tibet", "tibet", 54, "Tibet", "西藏自治区", "西藏", aliases=("xizang",)),
    Province("shaanxi", "shaanxi", 61, "Shaanxi", "陕西省", "陕西"),
    Province("gansu", "gansu", 62, "Gansu", "甘肃省", "甘肃"),
    Province("qinghai", "qinghai", 63, "Qinghai", "青海省", "青海"),
    Province("ningxia", "ningxia", 64, "Ningxia", "宁夏回族自治区", "宁夏"),
    Province("xinjiang", "xinjiang", 65, "Xinjiang", "新疆维吾尔自治区", "新疆"),
    Province("hong-kong", "hong_kong", 81, "Hong Kong", "香港特别行政区", "香港", aliases=("hongkong",)),
    Province("macau", "macau", 82, "Macau", "澳门特别行政区", "澳门", aliases=("macao",)),
)

_BY_SLUG: dict[str, Province] = {p.slug: p for p in PROVINCES}
_BY_ADCODE2: dict[int, Province] = {p.adcode2: p for p in PROVINCES}

#: The project's named regions (spatial.regions.NAMED, plus Kunming) → the province extract holding them.
REGION_PROVINCE: Mapping[str, str] = {
    "hainan": "hainan",
    "haikou": "hainan",
    "sanya": "hainan",
    "yunnan": "yunnan",
    "kunming": "yunnan",
    "yiyang": "hunan",
}


def _key(name: str) -> str:
    """Lower-case name with spaces and underscores as hyphens (so 'Inner Mongolia' == 'inner_mongolia')."""
    return re.sub(r"[\s_]+", "-", name.strip().lower())


def _name_index() -> dict[str, Province]:
    """Every accepted spelling of a province (slugs, mirror names, English, Chinese) → the province."""
    index: dict[str, Province] = {}
    for p in PROVINCES:
        for name in (p.slug, p.osmfr, p.name_en, p.name_zh, p.short_zh, *p.aliases):
            index[_key(name)] = p
    return index


_BY_NAME: dict[str, Province] = _name_index()


@dataclass(frozen=True)
class WorldPopRaster:
    """One WorldPop 2020 China population-count raster (persons per pixel, WGS84 GeoTIFF)."""

    resolution: str  # "100m" (3 arc-seconds) or "1km" (30 arc-seconds)
    constrained: bool  # people only in cells with mapped buildings (WorldPop's "constrained" method)
    un_adjusted: bool  # national total rescaled to the UN 2019 estimate
    url: str

    @property
    def filename(self) -> str:
        """The published file name, kept in the data folder."""
        return self.url.rsplit("/", 1)[-1]


_WP = "https://data.worldpop.org/GIS/Population"

#: WorldPop 2020 China rasters.  Source: the Humanitarian Data Exchange record "WorldPop population counts
#: for China" (https://data.humdata.org/dataset/worldpop-population-counts-for-china), which lists these
#: download addresses; unconstrained series DOI 10.5258/SOTON/WP00645; licence CC BY 4.0.  The constrained
#: rasters exist at 100 m only (China's are in the BSGM folder).  No checksum is published, and
#: data.worldpop.org has been reported not to honour HTTP Range, so an interrupted download may restart.
WORLDPOP_CHINA_2020: tuple[WorldPopRaster, ...] = (
    WorldPopRaster("1km", False, False, f"{_WP}/Global_2000_2020_1km/2020/CHN/chn_ppp_2020_1km_Aggregated.tif"),
    WorldPopRaster("1km", False, True,
                   f"{_WP}/Global_2000_2020_1km_UNadj/2020/CHN/chn_ppp_2020_1km_Aggregated_UNadj.tif"),
    WorldPopRaster("100m", False, False, f"{_WP}/Global_2000_2020/2020/CHN/chn_ppp_2020.tif"),
    WorldPopRaster("100m", False, True, f"{_WP}/Global_2000_2020/2020/CHN/chn_ppp_2020_UNadj.tif"),
    WorldPopRaster("100m", True, False,
                   f"{_WP}/Global_2000_2020_Constrained/2020/BSGM/CHN/chn_ppp_2020_constrained.tif"),
    WorldPopRaster("100m", True, True,
                   f"{_WP}/Global_2000_2020_Constrained/2020/BSGM/CHN/chn_ppp_2020_UNadj_constrained.tif"),
)

# --------------------------------------------------------------------------------------------------
# Naming: region or province → extract, file paths
# --------------------------------------------------------------------------------------------------


def province_of(region_or_province: str | int) -> Province:
    """The province whose OSM extract covers a region, province name or adcode.

    Parameters
    ----------
    region_or_province
        A project region ("hainan", "haikou", "yunnan", "yiyang" …), a province in English, pinyin
        slug or Chinese ("hunan", "Inner Mongolia", "湖南省", "内蒙古"), an adcode or its two-digit prefix
        (430900, "46"), or any county/prefecture name ``spatial.regions.resolve`` knows ("昆明市").

    Returns
    -------
    Province
        Raises ``RegionError`` when nothing matches.
    """
    key = _key(str(region_or_province))
    if key in REGION_PROVINCE:
        return _BY_SLUG[REGION_PROVINCE[key]]
    if key in _BY_NAME:
        return _BY_NAME[key]
    code: int | None = int(key[:2]) if key.isdigit() and len(key) in (2, 6) else None
    if code is None and not key.isdigit():
        try:
            code = int(str(regions.resolve(str(region_or_province)).adcode)[:2])
        except RegionError:
            code = None
    if code is not None and code in _BY_ADCODE2:
        return _BY_ADCODE2[code]
    raise RegionError(
        f"no OpenStreetMap province extract known for {region_or_province!r}; give a project region "
        f"({', '.join(REGION_PROVINCE)}), a province (e.g. hunan, 湖南, inner-mongolia) or an adcode "
        "(e.g. 430900 or its prefix 43)"
    )


def _folder(data_dir: str | Path | None) -> Path:
    """The data folder: as given, else $HEALTHPLAN_DATA or ../shared/data."""
    return Path(data_dir) if data_dir is not None else settings.data_dir()


def osm_path(region_or_province: str | int, data_dir: str | Path | None = None) -> Path:
    """Where the province extract of a region lives in the data folder: ``<data>/osm/<slug>-latest.osm.pbf``."""
    return _folder(data_dir) / "osm" / f"{province_of(region_or_province).slug}-latest.osm.pbf"


def local_extracts(data_dir: str | Path | None = None) -> dict[str, Path]:
    """Province extracts present in the data folder (Geofabrik slug → path); ``.part`` files excluded."""
    folder = _folder(data_dir) / "osm"
    found = {}
    for p in PROVINCES:
        path = folder / f"{p.slug}-latest.osm.pbf"
        if path.is_file():
            found[p.slug] = path
    return found


def worldpop_raster(resolution: str = "1km", *, constrained: bool = False, un_adjusted: bool = False) -> WorldPopRaster:
    """The WorldPop 2020 China raster of a resolution ("100m" or "1km") and method (see WORLDPOP_CHINA_2020)."""
    for r in WORLDPOP_CHINA_2020:
        if (r.resolution, r.constrained, r.un_adjusted) == (resolution, constrained, un_adjusted):
            return r
    have = sorted({r.resolution for r in WORLDPOP_CHINA_2020})
    if resolution not in have:
        raise DownloadError(f"WorldPop resolution {resolution!r} is not published; use one of {', '.join(have)}")
    raise DownloadError("WorldPop publishes the constrained 2020 rasters at 100m only; use resolution '100m' "
                        "or leave out constrained")


def worldpop_path(data_dir: str | Path | None = None, raster: WorldPopRaster | None = None) -> Path:
    """Where a WorldPop raster lives in the data folder: ``<data>/population/worldpop/<published name>``."""
    raster = raster or worldpop_raster()
    return _folder(data_dir) / "population" / "worldpop" / raster.filename


