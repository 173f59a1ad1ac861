"""``healthplan access capacity|fca|referral|scale``: access that counts capacity, on the one pipeline.

Each command writes a scenario with one ``access`` analysis switched on (and today's coverage, as every
run has) and writes the whole output set: the coverage files plus the analysis's tables, layers and
``cells.tif`` bands.  Capacities come from the facility file's column (``--capacity``) × persons per
unit; a facility without a value gets ``--assume-units`` (beds default to the tertiary lower bound of 500,
announced as an assumption).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from healthplan.cli.coverage import (Cell, Crs, DataDir, Facilities, Kind, Lang, Network, Out, Population, Region,
                                     Report, Save)

app = typer.Typer(no_args_is_help=True, add_completion=False)

Threshold = Annotated[float, typer.Option(help="Travel-time threshold (minutes) of the facilities' reach.")]
Capacity = Annotated[str, typer.Option(help="Facility column that states capacity: beds, doctors, nurses, or persons "
                                            "(a capacity_persons column, already in persons).")]
PersonsPerUnit = Annotated[float | None, typer.Option(
    help="Persons one unit serves; default the Hainan 14th plan's ratio (1000/6.5 per bed, 1000/3.1 per doctor, "
         "1000/3.6 per nurse).")]
AssumeUnits = Annotated[float | None, typer.Option(
    help="Units to assume for a facility whose column is empty (announced); default 500 beds, none for others.")]
Name = Annotated[str, typer.Option(help="A name for this scenario.")]


def _base(c: Any, *, region: str, name: str, data_dir: Path | None, network: Path | None, facilities: Path | None,
          kind: str, population: str, cell_m: float | None, crs: str, threshold: float) -> dict[str, Any]:
    """The scenario dict every access command shares (region, data, facilities, grid, threshold)."""
    return {
        "region": region, "name": name, "data_dir": str(data_dir) if data_dir else None,
        "network": c.network_source(network),
        "facilities": c.file_source(facilities, "--facilities", datum=crs,
                                    default={"kind": "default", "options": {"kind": kind}}),
        "population": c.population_source(population), "cell_m": c.cell_size(cell_m, population),
        "thresholds": {"tertiary_min": threshold},
    }


@app.command("capacity")
def capacity(
    region: Region,
    out: Out,
    capacity: Capacity = "beds",
    persons_per_unit: PersonsPerUnit = None,
    assume_units: AssumeUnits = None,
    threshold: Threshold = 60.0,
    order: Annotated[str, typer.Option(help="Facility order: demand (most persons in reach first), capacity "
                                            "(largest first) or given (the file's order).")] = "demand",
    band_min: Annotated[float, typer.Option(help="Zones taken whole, minutes (1 = AccessMod's whole minutes, "
                                                 "0 = exact times).")] = 1.0,
    network: Network = None,
    facilities: Facilities = None,
    kind: Kind = "tertiary",
    population: Population = "census",
    cell_m: Cell = None,
    facility_crs: Crs = "wgs84",
    name: Name = "",
    data_dir: DataDir = None,
    lang: Lang = "zh",
    report: Report = False,
    save_scenario: Save = None,
) -> None:
    """Capacity-aware coverage (AccessMod): served, over capacity and beyond reach by cell, county and facility."""
    # start-up laziness: the engine loads only when a command runs, so `healthplan --help` answers at once
    from healthplan.cli import _common as c

    raw = _base(c, region=region, name=name, data_dir=data_dir, network=network, facilities=facilities, kind=kind,
                population=population, cell_m=cell_m, crs=facility_crs, threshold=threshold)
    raw["access"] = {"capacity": {"column": capacity, "persons_per_unit": persons_per_unit,
                                  "assumed_units": assume_units, "order": order, "band_min": band_min}}
    c.run_and_write(c.scenario(raw), out, command="access capacity", lang=lang, save=save_scenario, report=report)


@app.command("fca")
def fca(
    region: Region,
    out: Out,
    method: Annotated[str, typer.Option(help="e2sfca (Luo & Qi 2009) or 2sfca (Luo & Wang 2003).")] = "e2sfca",
    decay: Annotated[str | None, typer.Option(help="Distance decay: step (Luo & Qi's 1, 0.68, 0.22 on thirds of the "
                                                   "catchment), gaussian or none; default step for e2sfca, none for "
                                                   "2sfca.")] = None,
    catchment: Annotated[float, typer.Option(help="Catchment (minutes).")] = 60.0,
    sigma: Annotated[float | None, typer.Option(help="Gaussian width (minutes); default half the catchment.")] = None,
    supply: Annotated[str, typer.Option(help="Supply per facility: beds, doctors, nurses, persons or count "
                                             "(1 each).")] = "beds",
    assume_units: AssumeUnits = None,
    network: Network = None,
    facilities: Facilities = None,
    kind: Kind = "tertiary",
    population: Population = "census",
    cell_m: Cell = None,
    facility_crs: Crs = "wgs84",
    name: Name = "",
    data_dir: DataDir = None,
    lang: Lang = "zh",
    report: Report = False,
    save_scenario: Save = None,
) -> None:
    """Accessibility scores (2SFCA / E2SFCA): supply per 1,000 persons in reach, by cell and county."""
    from healthplan.cli import _common as c

    raw = _base(c, region=region, name=name, data_dir=data_dir, network=network, facilities=facilities, kind=kind,
                population=population, cell_m=cell_m, crs=facility_crs, threshold=60.0)
    raw["access"] = {"fca": {"method": method, "decay": decay, "catchment_min": catchment, "sigma_min": sigma,
                             "supply": supply, "assumed_units": assume_units}}
    c.run_and_write(c.scenario(raw), out, command="access fca", lang=lang, save=save_scenario, report=report)


@app.command("referral")
def referral(
    region: Region,
    out: Out,
    primary: Annotated[Path | None, typer.Option(help="Primary-care points (乡镇卫生院, 社区卫生服务中心); default: "
                                                      "county seats as stand-ins.")] = None,
    county_hospitals: Annotated[Path | None, typer.Option(help="County-level hospitals; default: county seats as "
                                                               "stand-ins (flagged).")] = None,
    limit: Annotated[float | None, typer.Option(help="Searches stop here (minutes); links beyond are "
                                                     "unreachable.")] = None,
    network: Network = None,
    facilities: Facilities = None,
    kind: Kind = "tertiary",
    population: Population = "census",
    cell_m: Cell = None,
    facility_crs: Crs = "wgs84",
    name: Name = "",
    data_dir: DataDir = None,
    lang: Lang = "zh",
    report: Report = False,
    save_scenario: Save = None,
) -> None:
    """The referral chain in minutes: primary care → county hospital → tertiary hospital; slowest links by county."""
    from healthplan.cli import _common as c

    raw = _base(c, region=region, name=name, data_dir=data_dir, network=network, facilities=facilities, kind=kind,
                population=population, cell_m=cell_m, crs=facility_crs, threshold=60.0)
    raw["primary"] = c.file_source(primary, "--primary", datum=facility_crs, default=None)
    hospitals = c.file_source(county_hospitals, "--county-hospitals", datum=facility_crs, default=None)
    raw["access"] = {"referral": {"county_hospitals": hospitals, "limit_min": limit}}
    c.run_and_write(c.scenario(raw), out, command="access referral", lang=lang, save=save_scenario, report=report)


@app.command("scale")
def scale(
    region: Region,
    out: Out,
    candidates: Annotated[list[str], typer.Option(help="Candidate sites: plan, seats, gaps or a CSV/GeoJSON file "
                                                       "(a beds/cost column is read per site); repeat or separate "
                                                       "with commas.")] = ["gaps"],  # noqa: B006 — read, never mutated
    k: Annotated[int | None, typer.Option("--k", help="Number of new sites that serve the most persons.")] = None,
    target_coverage: Annotated[float | None, typer.Option(
        help="Share of all persons to serve, 0.95 or 95: the fewest new sites.")] = None,
    budget: Annotated[float | None, typer.Option(help="Most persons served by sites whose costs (the candidates' "
                                                      "cost column, else 1 each) fit this budget.")] = None,
    candidate_units: Annotated[float | None, typer.Option(
        help="Capacity of a new site in the --capacity column's units (e.g. beds); default the assumed units.")] = None,
    method: Annotated[str, typer.Option(help="exact (HiGHS MILP, greedy warm start; reports its gap) or "
                                             "greedy.")] = "exact",
    time_limit: Annotated[float, typer.Option(help="Time limit of the exact solver (seconds).")] = 60.0,
    capacity: Capacity = "beds",
    persons_per_unit: PersonsPerUnit = None,
    assume_units: AssumeUnits = None,
    threshold: Threshold = 60.0,
    n_gaps: Annotated[int, typer.Option(help="Number of gap candidates for --candidates gaps.")] = 200,
    network: Network = None,
    facilities: Facilities = None,
    kind: Kind = "tertiary",
    population: Population = "census",
    cell_m: Cell = None,
    facility_crs: Crs = "wgs84",
    name: Name = "",
    data_dir: DataDir = None,
    lang: Lang = "zh",
    report: Report = False,
    save_scenario: Save = None,
) -> None:
    """Scaling up with capacity: the best k new sites, the fewest to a target share served, or a budget's best."""
    from healthplan.cli import _common as c
    from spatial.errors import OptionError

    if sum(x is not None for x in (k, target_coverage, budget)) != 1:
        raise OptionError("give exactly one of --k N, --target-coverage X (e.g. 0.95) or --budget B")
    target = c.share(target_coverage)
    raw = _base(c, region=region, name=name, data_dir=data_dir, network=network, facilities=facilities, kind=kind,
                population=population, cell_m=cell_m, crs=facility_crs, threshold=threshold)
    raw["sites"] = {"n_gaps": n_gaps}
    raw["access"] = {
        "capacity": {"column": capacity, "persons_per_unit": persons_per_unit, "assumed_units": assume_units},
        "scaling": {"k": k or 0, "target_share": target, "budget": budget, "candidate_units": candidate_units,
                    "method": method, "time_limit_s": time_limit,
                    "pool": [c.site_source(v, facility_crs) for v in c.csv_list(candidates)]},
    }
    c.run_and_write(c.scenario(raw), out, command="access scale", lang=lang, save=save_scenario, report=report)
