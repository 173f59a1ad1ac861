"""``healthplan traveltime``: minutes from every road node to its nearest facility, as a point layer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

_FORMATS = (".gpkg", ".parquet")


def traveltime(
    network: Annotated[str, typer.Option("--network", help="Network folder (healthplan network build --out DIR) or a "
                                                           "region with a default network: hainan, kunming, haikou_didi.")],
    facilities: Annotated[Path, typer.Option("--facilities", help="Facility points: CSV/XLSX/GeoJSON/GPKG with lon/lat.")],
    out: Annotated[Path, typer.Option("--out", help="Output file: .gpkg (GeoPackage) or .parquet (GeoParquet).")],
    facility_crs: Annotated[str, typer.Option("--facility-crs", help="Datum of the facility coordinates: wgs84, gcj02 "
                                                                     "(AMap/Tencent), bd09 (Baidu).")] = "wgs84",
    limit_min: Annotated[float | None, typer.Option("--limit-min", help="Stop searching beyond this many minutes.")]
    = None,
    data_dir: Annotated[Path | None, typer.Option(help="Data folder for a region's default network.")] = None,
) -> None:
    """Minutes from every road node to its nearest facility (incl. the facility's access leg); one point per node."""
    # start-up laziness: the engine loads only when a command runs, so `healthplan --help` answers at once
    import numpy as np

    from healthplan.cli import _common as c
    from spatial import datafolder, export, facilities as fm, provenance, traveltime as tt
    from spatial import network as nw
    from spatial.coords import DATUMS
    from spatial.errors import OptionError

    if out.suffix.lower() not in _FORMATS:
        raise OptionError(f"--out {out}: use a .gpkg (GeoPackage) or .parquet (GeoParquet) file name")
    if facility_crs not in DATUMS:
        raise OptionError(f"--facility-crs must be one of {', '.join(DATUMS)}, got {facility_crs!r}")
    if limit_min is not None and not (np.isfinite(limit_min) and 0 < limit_min <= 1440):
        raise OptionError(f"--limit-min must be minutes in 0–1440, got {limit_min}")
    export.check_destination(out, folder=False)
    path = Path(network)
    if path.is_dir():
        net, net_source = nw.load(path), str(path.resolve())
    else:
        choice = datafolder.choose(network, data_dir=data_dir)
        net, net_source = datafolder.build_choice(choice), choice.note
    fac = fm.read_facilities(facilities, datum=facility_crs)
    fm.check_on_network(fac, net)
    minutes, source = tt.node_minutes(net, *tt.point_lonlat(fac), limit_min=limit_min or np.inf)
    names = [str(v) for v in fac["name"]]
    frame = tt.node_layer(net, minutes, source, names)
    prov = provenance.record(
        method="minutes from each road node to its nearest facility: network shortest path (compiled bucket-queue "
               "Dijkstra on the reversed graph) + the facility's access leg (straight line × detour at the access speed)",
        network=net_source, network_provenance=net.provenance, facilities=str(facilities.resolve()),
        facility_crs=facility_crs, limit_min=limit_min, units={"minutes": "min"})
    if out.suffix.lower() == ".gpkg":
        export.write_gpkg({"traveltime": frame}, out, provenance=prov)
    else:
        export.write_geoparquet(frame, out, provenance=prov)
    finite = minutes[np.isfinite(minutes)]
    c.echo_json({
        "out": str(out), "nodes": int(minutes.size), "facilities": len(fac),
        "median_min": round(float(np.median(finite)), 3) if finite.size else None,
        "p90_min": round(float(np.percentile(finite, 90)), 3) if finite.size else None,
        "max_min": round(float(finite.max()), 3) if finite.size else None,
        "unreachable_nodes": int(minutes.size - finite.size),
        **{f"share_within_{m}": round(float(np.mean(minutes <= m)), 4) for m in (15, 30, 60)},
    })
