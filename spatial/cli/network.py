"""``healthplan network build|info``: build a routable network from one source, or describe a built one."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Annotated

import typer

from spatial.errors import HealthplanError
from spatial.settings import SNAP_M

app = typer.Typer(no_args_is_help=True, add_completion=False)


def _fail(message: str) -> None:
    """Print a planner-readable error to stderr and exit with code 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def road_km(net) -> float:
    """Kilometres of road: each two-way road counted once (the shorter of its two directed edges)."""
    import numpy as np

    lo, hi = np.minimum(net.tail, net.head).astype(np.int64), np.maximum(net.tail, net.head).astype(np.int64)
    key = lo * net.n_nodes + hi
    order = np.lexsort((net.length_m, key))
    first = np.r_[True, key[order][1:] != key[order][:-1]]
    return float(net.length_m[order][first].sum()) / 1000.0


def _summary(net, directory: Path, seconds: float | None = None) -> dict:
    """One-line JSON summary of a network."""
    p = net.provenance
    out = {
        "out": str(directory),
        "kind": p.get("kind"),
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "directed": net.directed,
        "road_km": round(road_km(net), 1),
        "components": p.get("components"),
        "dropped_node_share": p.get("dropped_node_share"),
        "classes": list(net.classes),
    }
    if seconds is not None:
        out["build_seconds"] = round(seconds, 2)
    return out


@app.command("build")
def build(
    out: Annotated[Path, typer.Option("--out", help="Folder to write (arrays.npz + network.json).")],
    pbf: Annotated[Path | None, typer.Option("--pbf", help="OSM .osm.pbf extract (Geofabrik).")] = None,
    place: Annotated[
        str | None, typer.Option("--place", help="Place to fetch from Overpass (internet).")
    ] = None,
    osm_xml: Annotated[Path | None, typer.Option("--osm-xml", help="OpenStreetMap XML file (.osm).")] = None,
    roads: Annotated[
        Path | None, typer.Option("--roads", help="Road lines: GPKG, SHP, GeoJSON, GDB …")
    ] = None,
    class_field: Annotated[
        str | None, typer.Option("--class-field", help="Road-class field of --roads.")
    ] = None,
    layer: Annotated[str | None, typer.Option("--layer", help="Layer of --roads if it has several.")] = None,
    oneway_field: Annotated[
        str | None, typer.Option("--oneway-field", help="One-way field (yes/-1/no).")
    ] = None,
    speeds: Annotated[
        Path | None, typer.Option("--speeds", help="Speed table CSV/YAML (road_class,speed_kmh).")
    ] = None,
    uniform_speed: Annotated[
        float | None, typer.Option("--uniform-speed", help="One km/h for all roads.")
    ] = None,
    snap_m: Annotated[
        float, typer.Option("--snap-m", help="Join road ends within this (m; --roads).")
    ] = SNAP_M,
    datum: Annotated[str, typer.Option("--datum", help="Datum of --roads: wgs84, gcj02, bd09.")] = "wgs84",
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress messages.")] = False,
) -> None:
    """Build a network from exactly one of --pbf, --place, --osm-xml or --roads (with --class-field)."""
    from spatial import edgetable, osm, roadlines  # noqa: F401
    from spatial import network as nw

    if not quiet:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    given = [
        name
        for name, value in (("--pbf", pbf), ("--place", place), ("--osm-xml", osm_xml), ("--roads", roads))
        if value is not None
    ]
    if len(given) != 1:
        _fail(
            f"give exactly one source: --pbf FILE, --place NAME, --osm-xml FILE or --roads FILE --class-field F "
            f"(got {', '.join(given) or 'none'})"
        )
    if roads is not None and class_field is None and uniform_speed is None:
        _fail(
            "--roads needs --class-field FIELD (the attribute holding the road class), or --uniform-speed KMH"
        )
    options = {"speeds": speeds, "uniform_speed_kmh": uniform_speed}
    t0 = time.perf_counter()
    try:
        if roads is not None:
            net = roadlines.from_road_lines(
                roads,
                class_field=class_field,
                layer=layer,
                snap_m=snap_m,
                oneway_field=oneway_field,
                datum=datum,
                **options,
            )
        elif pbf is not None:
            net = osm.from_pbf(pbf, **options)
        elif osm_xml is not None:
            net = osm.from_osm_xml(osm_xml, **options)
        else:
            net = osm.from_place(place, **options)
        nw.save(net, out)
    except HealthplanError as exc:
        _fail(str(exc))
    typer.echo(json.dumps(_summary(net, out, time.perf_counter() - t0), ensure_ascii=False))


@app.command("info")
def info(
    directory: Annotated[Path, typer.Argument(help="Folder written by 'healthplan network build'.")],
) -> None:
    """Describe a built network: size, classes and speeds, provenance."""
    from spatial import network as nw

    try:
        t0 = time.perf_counter()
        net = nw.load(directory)
        load_s = time.perf_counter() - t0
    except HealthplanError as exc:
        _fail(str(exc))
    summary = _summary(net, directory)
    summary["load_seconds"] = round(load_s, 4)
    summary["provenance"] = net.provenance
    typer.echo(json.dumps(summary, ensure_ascii=False))
