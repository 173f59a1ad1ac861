"""``healthplan coverage``: population within reach of facilities, by county, with gaps and isochrones."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import geopandas as gpd
import typer

from spatial.cli._inputs import fail, load_inputs, minutes_list, say
from spatial.cli._inputs import provenance as inputs_provenance
from spatial.errors import HealthplanError
from spatial.settings import (
    BANDS_MIN,
    DATA_DIR,
    EMERGENCY_THRESHOLD_MIN,
    GRID_M,
    RURAL_THRESHOLD_MIN,
    TERTIARY_THRESHOLD_MIN,
    URBAN_THRESHOLD_MIN,
)

_say = say("coverage")


def coverage(
    region: Annotated[
        str, typer.Option(help="hainan, yunnan, yiyang, haikou, or a prefecture/county adcode (e.g. 530100).")
    ],
    out: Annotated[Path, typer.Option(help="Output folder (created).")],
    network: Annotated[
        Path | None,
        typer.Option(
            help="Saved network folder (healthplan network build); default: the data folder's network for the region."
        ),
    ] = None,
    facilities: Annotated[
        Path | None,
        typer.Option(help="Facilities CSV/GeoJSON/Excel; default: the region's tertiary hospitals."),
    ] = None,
    population: Annotated[
        str,
        typer.Option(help="A population GeoTIFF, or 'census' (2020 census by county spread on the grid)."),
    ] = "census",
    threshold: Annotated[
        float, typer.Option(help="Coverage threshold (minutes) for the circle and the gaps.")
    ] = TERTIARY_THRESHOLD_MIN,
    urban_threshold: Annotated[
        float | None,
        typer.Option(
            help=f"Urban health-circle threshold (minutes, plan: {URBAN_THRESHOLD_MIN:g}); given → health circles are computed."
        ),
    ] = None,
    rural_threshold: Annotated[
        float | None,
        typer.Option(
            help=f"Rural health-circle threshold (minutes, plan: {RURAL_THRESHOLD_MIN:g}); given → health circles are computed."
        ),
    ] = None,
    kind: Annotated[
        str,
        typer.Option(
            help="Default facilities when --facilities is omitted: tertiary, county_hospital or primary (county-seat stand-ins)."
        ),
    ] = "tertiary",
    bands: Annotated[str, typer.Option(help="Travel-time band edges (minutes).")] = ",".join(
        f"{b:g}" for b in BANDS_MIN
    ),
    isochrones: Annotated[str, typer.Option(help="Nested isochrone thresholds (minutes).")] = "15,30,60",
    per_facility: Annotated[bool, typer.Option(help="Also write each facility's own isochrones.")] = False,
    cell_m: Annotated[
        float | None,
        typer.Option(
            help=f"Population grid cell size (metres); default {GRID_M:g} for census, the file's own for a GeoTIFF."
        ),
    ] = None,
    facility_crs: Annotated[
        str,
        typer.Option(help="Datum of the facility coordinates: wgs84, gcj02 (AMap/Tencent) or bd09 (Baidu)."),
    ] = "wgs84",
    sites: Annotated[
        Path | None,
        typer.Option(help="Named sites (e.g. 4A+ scenic areas) for the emergency circle to the facilities."),
    ] = None,
    emergency_threshold: Annotated[
        float, typer.Option(help="Emergency-circle threshold (minutes).")
    ] = EMERGENCY_THRESHOLD_MIN,
    data_dir: Annotated[Path, typer.Option(help="Data folder (roads/, population/).")] = DATA_DIR,
) -> None:
    """Population and share within the threshold of the facilities, by county; health circles; bands; gaps; isochrones."""
    try:
        summary = _run(
            region=region,
            out=out,
            network=network,
            facilities=facilities,
            population=population,
            threshold=threshold,
            urban_threshold=urban_threshold,
            rural_threshold=rural_threshold,
            kind=kind,
            bands=bands,
            isochrones=isochrones,
            per_facility=per_facility,
            cell_m=cell_m,
            facility_crs=facility_crs,
            sites=sites,
            emergency_threshold=emergency_threshold,
            data_dir=data_dir,
        )
    except HealthplanError as exc:
        fail(exc)
    typer.echo(json.dumps(summary, ensure_ascii=False))


def _run(
    *,
    region: str,
    out: Path,
    network: Path | None,
    facilities: Path | None,
    population: str,
    threshold: float,
    urban_threshold: float | None,
    rural_threshold: float | None,
    kind: str,
    bands: str,
    isochrones: str,
    per_facility: bool,
    cell_m: float | None,
    facility_crs: str,
    sites: Path | None,
    emergency_threshold: float,
    data_dir: Path,
) -> dict:
    """Load inputs, compute the report, write the files; returns the one-line summary."""
    from spatial import coverage as cov
    from spatial import export
    from spatial import facilities as facilities_mod

    if any(
        t is not None and not t > 0
        for t in (threshold, urban_threshold, rural_threshold, emergency_threshold)
    ):
        raise HealthplanError("thresholds must be positive minutes")
    if urban_threshold is not None or rural_threshold is not None:
        urban_threshold = URBAN_THRESHOLD_MIN if urban_threshold is None else urban_threshold
        rural_threshold = RURAL_THRESHOLD_MIN if rural_threshold is None else rural_threshold
    band_edges = minutes_list(bands, "--bands")
    iso_min = minutes_list(isochrones, "--isochrones")
    started = time.perf_counter()
    inp = load_inputs(region, network=network, facilities=facilities, kind=kind, datum=facility_crs,
                      population=population, cell_m=cell_m, data_dir=data_dir, progress=_say)
    reg, net, fac, grid = inp.region, inp.net, inp.facilities, inp.grid
    site_frame, sites_outside = None, []
    if sites is not None:
        site_frame = facilities_mod.read_facilities(sites, datum=facility_crs)
        # within 1 km of the outline: Hainan's outline is clipped to the coastline, and beaches are sites too
        outline_m = gpd.GeoSeries([reg.outline], crs="EPSG:4326").to_crs(reg.metric_crs).iloc[0]
        inside = (site_frame.to_crs(reg.metric_crs).distance(outline_m) <= 1000.0).to_numpy()
        sites_outside = [str(n) for n in site_frame.loc[~inside, "name"]]
        _say(f"{int(inside.sum())} of {len(site_frame)} sites lie in the region; outside it (listed in "
             f"summary.json, not measured): {', '.join(sites_outside[:5])}{' …' if len(sites_outside) > 5 else ''}")
        site_frame = site_frame[inside].reset_index(drop=True)
    result = cov.report(
        net,
        fac,
        grid,
        counties=reg.counties,
        threshold_min=threshold,
        urban_threshold_min=urban_threshold,
        rural_threshold_min=rural_threshold,
        bands_min=band_edges,
        isochrone_min=iso_min,
        per_facility_isochrones=per_facility,
        clip=reg.outline,
        sites=site_frame,
        emergency_threshold_min=emergency_threshold,
        progress=_say,
    )
    provenance = inputs_provenance(
        inp,
        default_command="healthplan coverage",
        sites=str(sites) if sites else None,
        method=(
            "cell centre → nearest node access leg (straight line × detour at access speed) + shortest network "
            "time (Dijkstra on the reversed graph) + facility access leg; circles count a cell's persons "
            "when its centre is within the threshold (urban persons at the urban, rural at the rural threshold); "
            "gaps = 4-connected clusters of populated cells beyond the threshold; isochrones = contours of the "
            "same travel-time model on a raster"
        ),
        thresholds_min={
            "circle": threshold,
            "urban": urban_threshold,
            "rural": rural_threshold,
            "bands": band_edges,
            "isochrones": iso_min,
            "emergency": emergency_threshold,
        },
    )
    out.mkdir(parents=True, exist_ok=True)
    _say(f"writing {out}")
    for name, layer in result.layers.items():
        export.write_geojson(layer, out / f"{name}.geojson", provenance=provenance)
    export.write_gpkg(result.layers, out / "coverage.gpkg", provenance=provenance)
    export.write_csv(result.county_table, out / "counties.csv", provenance=provenance)
    export.write_csv(result.gap_table, out / "gaps.csv", provenance=provenance)
    export.write_json({**result.summary, "sites_outside_region": sites_outside, "provenance": provenance},
                      out / "summary.json")
    return {
        "region": reg.name,
        "population_total": round(result.summary["population_total"]),
        "covered_population": round(result.summary["covered_population"]),
        "covered_share": round(result.summary["covered_share"], 4),
        "threshold_min": threshold,
        "gap_clusters": result.summary["gaps"]["clusters"],
        "seconds": round(time.perf_counter() - started, 1),
        "out": str(out),
    }
