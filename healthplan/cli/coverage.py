"""``healthplan coverage``: who lies within reach of the facilities, by county; gaps, isochrones, health circles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Region = Annotated[str, typer.Option(help="hainan, haikou, yunnan, yiyang, or a prefecture/county adcode (e.g. 530100).")]
Out = Annotated[Path, typer.Option(help="Output folder (written whole: a previous set there is replaced).")]
Network = Annotated[Path | None, typer.Option(help="A saved network folder (healthplan network build) or an OSM .pbf; "
                                                    "default: the data folder's network for the region.")]
Facilities = Annotated[Path | None, typer.Option(help="Hospitals for the tertiary circle: CSV/Excel/GeoJSON; "
                                                       "default: the region's named general tertiary hospitals.")]
Primary = Annotated[Path | None, typer.Option(help="Primary-care points for the 15/30-minute circles; default: "
                                                    "county seats as stand-ins.")]
Kind = Annotated[str, typer.Option(help="Default facilities when --facilities is not given: tertiary, "
                                        "county_hospital or primary (county-seat stand-ins).")]
Population = Annotated[str, typer.Option(help="'census' (2020 census by county spread on the grid) or a "
                                              "population GeoTIFF (WorldPop, GHS-POP).")]
Crs = Annotated[str, typer.Option(help="Datum of the coordinates in your files: wgs84, gcj02 (AMap/Tencent), bd09 (Baidu).")]
Cell = Annotated[float | None, typer.Option(help="Grid cell size (m); default 1000 for the census, a GeoTIFF's own.")]
Threshold = Annotated[float, typer.Option(help="Tertiary-circle threshold (minutes): the circle, the gaps, siting.")]
DataDir = Annotated[Path | None, typer.Option(help="Data folder (roads/, population/, osm/); default "
                                                   "$HEALTHPLAN_DATA or ../shared/data.")]
Lang = Annotated[str, typer.Option(help="Language of the map and the report: zh or en.")]
Save = Annotated[Path | None, typer.Option(help="Also save the scenario these options describe (JSON).")]
Report = Annotated[bool, typer.Option(help="Also write map.html (standalone map) and report.html (short report).")]


def coverage(
    region: Region,
    out: Out,
    network: Network = None,
    facilities: Facilities = None,
    primary: Primary = None,
    kind: Kind = "tertiary",
    population: Population = "census",
    threshold: Threshold = 60.0,
    urban_threshold: Annotated[float, typer.Option(help="Urban health-circle threshold (minutes).")] = 15.0,
    rural_threshold: Annotated[float, typer.Option(help="Rural health-circle threshold (minutes).")] = 30.0,
    bands: Annotated[str, typer.Option(help="Travel-time band edges (minutes, increasing).")] = "15,30,60,90",
    isochrones: Annotated[str, typer.Option(help="Nested isochrone thresholds (minutes, increasing).")] = "15,30,60",
    per_facility: Annotated[bool, typer.Option(help="Also draw each facility's own isochrones.")] = False,
    cell_m: Cell = None,
    facility_crs: Crs = "wgs84",
    sites: Annotated[Path | None, typer.Option(help="Named sites (e.g. 4A+ scenic areas) for the emergency circle; "
                                                    "default: the plan's, where it names some.")] = None,
    emergency_threshold: Annotated[float, typer.Option(help="Emergency-circle threshold (minutes).")] = 10.0,
    name: Annotated[str, typer.Option(help="A name for this scenario (shown in the report).")] = "",
    data_dir: DataDir = None,
    lang: Lang = "zh",
    report: Report = False,
    save_scenario: Save = None,
) -> None:
    """Persons within the threshold of the facilities, by county; health circles; bands; gaps; isochrones."""
    # start-up laziness: the engine loads only when a command runs, so `healthplan --help` answers at once
    from healthplan.cli import _common as c

    raw = {
        "region": region, "name": name, "data_dir": str(data_dir) if data_dir else None,
        "network": c.network_source(network),
        "facilities": c.file_source(facilities, "--facilities", datum=facility_crs,
                                    default={"kind": "default", "options": {"kind": kind}}),
        "primary": c.file_source(primary, "--primary", datum=facility_crs, default=None),
        "population": c.population_source(population),
        "emergency_sites": c.file_source(sites, "--sites", datum=facility_crs, default=None),
        "cell_m": c.cell_size(cell_m, population),
        "thresholds": {"tertiary_min": threshold, "urban_min": urban_threshold, "rural_min": rural_threshold,
                       "emergency_min": emergency_threshold, "bands_min": c.minutes(bands, "--bands"),
                       "isochrones_min": c.minutes(isochrones, "--isochrones")},
        "per_facility_isochrones": per_facility,
    }
    c.run_and_write(c.scenario(raw), out, command="coverage", lang=lang, save=save_scenario, report=report)
