"""``healthplan traveltime``: minutes from every network node to its nearest facility, as a point layer."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import typer

from spatial.errors import HealthplanError, InputFileError, NetworkError
from spatial.settings import ACCESS_SPEED_KMH, DETOUR_FACTOR, MAX_SNAP_M

log = logging.getLogger(__name__)

_FORMATS = {".gpkg": "GeoPackage", ".parquet": "GeoParquet"}


def _fail(message: str) -> None:
    """Print a planner-readable error to stderr and exit with code 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def open_network(spec: str):
    """A saved network folder, or a region with a default network in the data folder (e.g. "kunming")."""
    from spatial import network as nw

    path = Path(spec)
    if path.is_dir():
        return nw.load(path), str(path.resolve())
    if path.exists():
        raise NetworkError(f"--network {spec}: expected a network folder (healthplan network build --out DIR)")
    from spatial.datafolder import default_network

    try:
        return default_network(spec), f"default network of {spec}"
    except NetworkError as exc:
        raise NetworkError(f"--network {spec}: no such folder, and not a region with a default network ({exc})") from exc


def node_table(net, minutes: np.ndarray, source: np.ndarray, names: list[str]):
    """GeoDataFrame with one WGS84 point per node: node, minutes (NaN if unreachable), facility name and index."""
    import geopandas as gpd

    reachable = source >= 0
    name_arr = np.asarray(names, dtype=object)
    return gpd.GeoDataFrame(
        {
            "node": np.arange(net.n_nodes, dtype=np.int32),
            "minutes": np.where(np.isfinite(minutes), minutes, np.nan),
            "facility": np.where(reachable, name_arr[np.maximum(source, 0)], None) if len(names) else None,
            "facility_index": source.astype(np.int32),
        },
        geometry=gpd.points_from_xy(net.lon, net.lat),
        crs="EPSG:4326",
    )


def summary(minutes: np.ndarray, n_facilities: int, out: Path) -> dict[str, Any]:
    """One-line JSON summary: nodes, facilities, median/p90/max minutes, shares within 15/30/60 min."""
    finite = minutes[np.isfinite(minutes)]

    def q(p: float) -> float | None:
        return round(float(np.percentile(finite, p)), 3) if finite.size else None

    res: dict[str, Any] = {
        "out": str(out),
        "nodes": int(minutes.size),
        "facilities": n_facilities,
        "median_min": q(50),
        "p90_min": q(90),
        "max_min": round(float(finite.max()), 3) if finite.size else None,
        "unreachable_nodes": int(minutes.size - finite.size),
    }
    for t in (15, 30, 60):
        res[f"share_within_{t}"] = round(float(np.mean(minutes <= t)), 4)
    return res


def write_nodes(frame, path: Path, provenance: dict[str, Any]) -> Path:
    """Write the node layer as GeoPackage (layer ``traveltime`` + ``provenance`` table) or GeoParquet."""
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        from spatial.export import write_gpkg

        return write_gpkg({"traveltime": frame}, path, provenance=provenance)
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path)
    # provenance goes into the file's key-value metadata beside GeoParquet's own "geo" entry
    table = pq.read_table(path)
    meta = dict(table.schema.metadata or {})
    meta[b"healthplan_provenance"] = json.dumps(provenance, ensure_ascii=False).encode("utf-8")
    pq.write_table(table.replace_schema_metadata(meta), path)
    return path


def traveltime(
    network: str = typer.Option(..., "--network", help="Network folder (healthplan network build --out DIR) "
                                "or a region with a default network: kunming, hainan, haikou_didi."),
    facilities: Path = typer.Option(..., "--facilities", help="Facility points: CSV/XLSX/GeoJSON/GPKG with lon/lat."),
    facility_crs: str = typer.Option("wgs84", "--facility-crs",
                                     help="Datum of the facility coordinates: wgs84, gcj02 (AMap/Tencent), bd09 (Baidu)."),
    out: Path = typer.Option(..., "--out", help="Output file: .gpkg (GeoPackage) or .parquet (GeoParquet)."),
    limit_min: float = typer.Option(float("inf"), "--limit-min", help="Stop searching beyond this many minutes."),
    detour: float = typer.Option(DETOUR_FACTOR, "--detour", help="Circuity of the off-network access legs (≥ 1)."),
    access_kmh: float = typer.Option(ACCESS_SPEED_KMH, "--access-kmh", help="Speed of the access legs (km/h)."),
    max_snap_m: float = typer.Option(MAX_SNAP_M, "--max-snap-m", help="Refuse facilities farther than this from the network (m)."),
) -> None:
    """Minutes from every road node to its nearest facility (incl. the facility's access leg); one point per node."""
    from spatial import traveltime as tt
    from spatial.export import make_provenance
    from spatial.facilities import check_on_network, read_facilities

    try:
        if out.suffix.lower() not in _FORMATS:
            raise InputFileError(f"--out {out}: use a .gpkg (GeoPackage) or .parquet (GeoParquet) file name")
        if facility_crs not in ("wgs84", "gcj02", "bd09"):
            raise InputFileError(f"--facility-crs {facility_crs!r}: use wgs84, gcj02 or bd09")
        net, net_source = open_network(network)
        fac = read_facilities(facilities, datum=facility_crs)
        if len(fac) == 0:
            raise InputFileError(f"{facilities}: no facilities in the file")
        check_on_network(fac, net, max_snap_m=max_snap_m)
        pts = fac.geometry.to_crs("EPSG:4326")
        snapped = tt.snap(net, pts.x.to_numpy(), pts.y.to_numpy(), detour=detour, access_kmh=access_kmh)
        minutes, source = tt.nearest_minutes(net, snapped.node, source_offset_min=snapped.access_min,
                                             limit_min=limit_min)
        names = [str(v) for v in fac["name"]] if "name" in fac else [f"facility {i + 1}" for i in range(len(fac))]
        frame = node_table(net, minutes, source, names)
        provenance = make_provenance(
            method="minutes from each road node to its nearest facility: network shortest path "
                   "(compiled bucket-queue Dijkstra on the reversed graph) + the facility's access leg "
                   "(straight line × detour at the access speed)",
            network=net_source,
            network_provenance=net.provenance,
            facilities=str(facilities.resolve()),
            facility_crs=facility_crs,
            detour=detour,
            access_kmh=access_kmh,
            limit_min=limit_min if np.isfinite(limit_min) else None,
            units={"minutes": "min"},
        )
        write_nodes(frame, out, provenance)
    except HealthplanError as exc:
        _fail(str(exc))
        return
    typer.echo(json.dumps(summary(minutes, len(fac), out), ensure_ascii=False))
