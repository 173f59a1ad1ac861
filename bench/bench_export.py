"""GeoJSON export: GEOS's writer (``shapely.to_geojson``, the default) against GDAL's RFC 7946 writer.

Run from the repository root: ``python bench/bench_export.py [--region hainan] [--repeat 7]``.
Prints a table, then one JSON line.

The layers are those of a ``healthplan coverage`` output set on the embedded default data (counties,
travel-time surface, isochrones, gaps, facilities, primary care, and the plan layers combined as in
``plans.geojson``), already in WGS84.  Each layer is written by both writers (median of ``--repeat``
writes each) and read back with GDAL (pyogrio): the two files must hold the same columns, the same
values and the same geometries (to 1e-9°, both rounded to 6 decimals), else the script fails.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

# benchmark the checkout this file lives in (python puts bench/ first on sys.path, not the root)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from healthplan import run as front  # noqa: E402
from spatial import export  # noqa: E402
from spatial.scenario import from_dict  # noqa: E402
from timing import median_s  # noqa: E402 — bench/ is on the path when a script runs


def layers(region: str) -> tuple[dict[str, gpd.GeoDataFrame], dict]:
    """The output set's GeoJSON layers of a coverage run (WGS84, dict cells as JSON text) and its provenance."""
    s = from_dict({"schema": "healthplan-scenario", "schema_version": 2, "region": region}, where="bench")
    res = front.run(s)
    out = dict(res.layers())
    plans = front.plan_layers(res.region)
    if plans:
        out["plans"] = gpd.GeoDataFrame(pd.concat(list(plans.values()), ignore_index=True), geometry="geometry",
                                        crs="EPSG:4326")
    ready = {}
    for name, frame in out.items():
        wgs, cols = export._wgs84(frame)
        for c in cols:  # as _write_geojson_file does before either writer
            if any(isinstance(v, dict) for v in wgs[c]):
                wgs[c] = [json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v for v in wgs[c]]
        ready[name] = wgs
    return ready, res.provenance


def same(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> bool:
    """True when two read-back layers hold the same columns, values and geometries."""
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    for col in a.columns.drop(a.geometry.name):
        if a[col].tolist() != b[col].tolist() and not np.allclose(a[col], b[col], rtol=1e-14, equal_nan=True):
            return False
    return bool(shapely.equals_exact(a.geometry.values, b.geometry.values, tolerance=1e-9).all())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--region", default="hainan")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    frames, prov = layers(args.region)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, frame in frames.items():
            gdal_s, _ = median_s(lambda frame=frame: export._write_geojson_gdal(frame, folder / "gdal.geojson", prov), args.repeat)
            geos_s, _ = median_s(lambda frame=frame: export._write_geojson_geos(frame, folder / "geos.geojson", prov), args.repeat)
            equal = same(export.read_geojson(folder / "geos.geojson"), export.read_geojson(folder / "gdal.geojson"))
            if not equal:
                raise SystemExit(f"{name}: the two writers' files read back differently")
            coords = int(len(shapely.get_coordinates(frame.geometry.values)))
            rows.append({"layer": name, "features": len(frame), "coordinates": coords, "gdal_ms": gdal_s * 1e3,
                         "geos_ms": geos_s * 1e3, "equal": equal})
    gdal_total, geos_total = sum(r["gdal_ms"] for r in rows), sum(r["geos_ms"] for r in rows)
    print(f"GeoJSON writers, {args.region}, median of {args.repeat}: GDAL (RFC7946=YES) = baseline")
    print("| layer | features | coordinates | GDAL ms | GEOS ms | GDAL/GEOS | read back equal |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['layer']} | {r['features']} | {r['coordinates']:,} | {r['gdal_ms']:.1f} | {r['geos_ms']:.1f} "
              f"| {r['gdal_ms'] / r['geos_ms']:.1f}× | {'yes' if r['equal'] else 'NO'} |")
    print(f"| all | | | {gdal_total:.1f} | {geos_total:.1f} | {gdal_total / geos_total:.1f}× | |")
    machine = f"{platform.machine()}, {platform.system()} {platform.release()}, Python {platform.python_version()}"
    print(json.dumps({"bench": "export", "region": args.region, "repeat": args.repeat, "machine": machine,
                      "rows": rows, "gdal_ms": gdal_total, "geos_ms": geos_total}))


if __name__ == "__main__":
    main()
