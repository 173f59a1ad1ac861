"""``healthplan network build|info``: build a routable network from one source, or describe a built one."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.command("build")
def build(
    out: Annotated[Path, typer.Option("--out", help="Folder to write (arrays.npz + network.json), replaced whole.")],
    pbf: Annotated[Path | None, typer.Option("--pbf", help="OSM .osm.pbf extract (Geofabrik).")] = None,
    place: Annotated[str | None, typer.Option("--place", help="Place to fetch from Overpass (needs the internet).")]
    = None,
    osm_xml: Annotated[Path | None, typer.Option("--osm-xml", help="OpenStreetMap XML file (.osm).")] = None,
    roads: Annotated[Path | None, typer.Option("--roads", help="Road lines: GPKG, SHP, GeoJSON, GDB …")] = None,
    class_field: Annotated[str | None, typer.Option("--class-field", help="Road-class field of --roads.")] = None,
    layer: Annotated[str | None, typer.Option("--layer", help="Layer of --roads if it has several.")] = None,
    oneway_field: Annotated[str | None, typer.Option("--oneway-field", help="One-way field (yes/-1/no).")] = None,
    speeds: Annotated[Path | None, typer.Option("--speeds", help="Speed table CSV/YAML (road_class,speed_kmh).")]
    = None,
    uniform_speed: Annotated[float | None, typer.Option("--uniform-speed", help="One km/h for all roads.")] = None,
    snap_m: Annotated[float, typer.Option("--snap-m", help="Join road ends within this (m; --roads), 0–2000.")]
    = 20.0,
    datum: Annotated[str, typer.Option("--datum", help="Datum of --roads: wgs84, gcj02, bd09.")] = "wgs84",
) -> None:
    """Build a network from exactly one of --pbf, --place, --osm-xml or --roads (with --class-field)."""
    # start-up laziness: the engine loads only when a command runs, so `healthplan --help` answers at once
    from healthplan.cli import _common as c
    from spatial import export, osm, roadlines
    from spatial import network as nw
    from spatial.coords import DATUMS
    from spatial.errors import OptionError
    from spatial.settings import SPEED_RANGE_KMH

    given = [n for n, v in (("--pbf", pbf), ("--place", place), ("--osm-xml", osm_xml), ("--roads", roads)) if v is not None]
    if len(given) != 1:
        raise OptionError("give exactly one source: --pbf FILE, --place NAME, --osm-xml FILE or --roads FILE "
                          f"--class-field F (got {', '.join(given) or 'none'})")
    if roads is not None and class_field is None and uniform_speed is None:
        raise OptionError("--roads needs --class-field FIELD (the attribute holding the road class), or --uniform-speed KMH")
    if datum not in DATUMS:
        raise OptionError(f"--datum must be one of {', '.join(DATUMS)}, got {datum!r}")
    lo, hi = SPEED_RANGE_KMH
    if uniform_speed is not None and not (lo <= uniform_speed <= hi):
        raise OptionError(f"--uniform-speed must be a speed in {lo:g}…{hi:g} km/h, got {uniform_speed}")
    export.check_destination(out, folder=True, foreign=nw.foreign_entries)
    say = c.progress("network")
    options = {"speeds": speeds, "uniform_speed_kmh": uniform_speed}
    t0 = time.perf_counter()
    say(f"building from {given[0]} {pbf or place or osm_xml or roads}")
    if roads is not None:
        net = roadlines.from_road_lines(roads, class_field=class_field, layer=layer, snap_m=snap_m,
                                        oneway_field=oneway_field, datum=datum, **options)
    elif pbf is not None:
        net = osm.from_pbf(pbf, **options)
    elif osm_xml is not None:
        net = osm.from_osm_xml(osm_xml, **options)
    else:
        net = osm.from_place(str(place), **options)
    nw.save(net, out)
    c.echo_json({**summary(net, out), "build_seconds": round(time.perf_counter() - t0, 2)})


def summary(net: Any, directory: Path) -> dict[str, Any]:
    """One-line JSON summary of a network (``net`` is a spatial.network.Network)."""
    from spatial.network import road_km

    p = net.provenance
    return {"out": str(directory), "kind": p.get("kind"), "nodes": net.n_nodes, "edges": net.n_edges,
            "directed": net.directed, "road_km": round(road_km(net), 1), "components": p.get("components"),
            "dropped_node_share": p.get("dropped_node_share"), "classes": list(net.classes)}


@app.command("info")
def info(directory: Annotated[Path, typer.Argument(help="Folder written by 'healthplan network build'.")]) -> None:
    """Describe a built network: size, classes and speeds, provenance."""
    from healthplan.cli import _common as c
    from spatial import network as nw

    t0 = time.perf_counter()
    net = nw.load(directory)
    c.echo_json({**summary(net, directory), "load_seconds": round(time.perf_counter() - t0, 4),
                 "provenance": net.provenance})
