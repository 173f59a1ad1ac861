"""``healthplan sites test|optimize``: what-if gains of candidate hospital sites, and the best new sites."""

from __future__ import annotations

from typing import Annotated

import typer

from healthplan.cli.coverage import (Cell, Crs, DataDir, Facilities, Kind, Lang, Network, Out, Population, Region,
                                     Report, Save)

app = typer.Typer(no_args_is_help=True, add_completion=False)

Candidates = Annotated[list[str], typer.Option(help="Candidate sites: plan (the plans' projects), seats (county "
                                                    "seats), gaps (points over today's gaps) or a CSV/GeoJSON file; "
                                                    "repeat or separate with commas.")]
Threshold = Annotated[float, typer.Option(help="Threshold (minutes) of the coverage the sites are judged on.")]
Thresholds = Annotated[str, typer.Option(help="Also report each site's new coverage at these (minutes).")]
RoadM = Annotated[float, typer.Option(help="Reject candidates farther than this from a road node (metres).")]
Weight = Annotated[str, typer.Option(help="Whom to count: pop (everyone), urban, rural or pop60 (aged 60+).")]
Gaps = Annotated[int, typer.Option(help="Number of gap candidates for --candidates gaps.")]


def _raw(c, *, region, name, data_dir, network, facilities, kind, population, cell_m, crs, threshold, thresholds,
         candidates, n_gaps, max_road_m, weight):
    """The scenario dict shared by test and optimize."""
    return {
        "region": region, "name": name, "data_dir": str(data_dir) if data_dir else None,
        "network": c.network_source(network),
        "facilities": c.file_source(facilities, "--facilities", datum=crs,
                                    default={"kind": "default", "options": {"kind": kind}}),
        "population": c.population_source(population), "cell_m": c.cell_size(cell_m, population),
        "thresholds": {"tertiary_min": threshold, "isochrones_min": c.minutes(thresholds, "--thresholds")},
        "sites": {"sources": [c.site_source(v, crs) for v in c.csv_list(candidates)], "n_gaps": n_gaps,
                  "max_road_m": max_road_m, "weight": weight},
    }


@app.command("test")
def test(
    candidates: Candidates,
    region: Region,
    out: Out,
    network: Network = None,
    facilities: Facilities = None,
    kind: Kind = "tertiary",
    population: Population = "census",
    threshold: Threshold = 60.0,
    thresholds: Thresholds = "15,30,60",
    cell_m: Cell = None,
    crs: Crs = "wgs84",
    max_road_m: RoadM = 2000.0,
    weight: Weight = "pop",
    n_gaps: Gaps = 200,
    name: Annotated[str, typer.Option(help="A name for this scenario.")] = "",
    data_dir: DataDir = None,
    lang: Lang = "zh",
    report: Report = False,
    save_scenario: Save = None,
) -> None:
    """What if a hospital were built here: persons each candidate newly brings within the thresholds, by county."""
    # start-up laziness: the engine loads only when a command runs, so `healthplan --help` answers at once
    from healthplan.cli import _common as c

    raw = _raw(c, region=region, name=name, data_dir=data_dir, network=network, facilities=facilities, kind=kind,
               population=population, cell_m=cell_m, crs=crs, threshold=threshold, thresholds=thresholds,
               candidates=candidates, n_gaps=n_gaps, max_road_m=max_road_m, weight=weight)
    c.run_and_write(c.scenario(raw), out, command="sites test", lang=lang, save=save_scenario, report=report)


@app.command("optimize")
def optimize(
    region: Region,
    out: Out,
    candidates: Candidates = ["gaps"],  # noqa: B006 — typer reads the default list, never mutates it
    k: Annotated[int | None, typer.Option("--k", help="Number of new sites (maximal covering).")] = None,
    target_coverage: Annotated[float | None, typer.Option(
        help="Share of the population to cover, 0.95 or 95 (the fewest sites: set covering).")] = None,
    method: Annotated[str, typer.Option(help="greedy (lazy greedy + Teitz–Bart interchange) or exact (HiGHS MILP).")]
    = "greedy",
    time_limit: Annotated[float, typer.Option(help="Time limit of the exact solver (seconds).")] = 60.0,
    network: Network = None,
    facilities: Facilities = None,
    kind: Kind = "tertiary",
    population: Population = "census",
    threshold: Threshold = 60.0,
    cell_m: Cell = None,
    crs: Crs = "wgs84",
    max_road_m: RoadM = 2000.0,
    weight: Weight = "pop",
    n_gaps: Gaps = 200,
    name: Annotated[str, typer.Option(help="A name for this scenario.")] = "",
    data_dir: DataDir = None,
    lang: Lang = "zh",
    report: Report = False,
    save_scenario: Save = None,
) -> None:
    """Choose new sites: the k that cover most people, or the fewest reaching a target share (existing kept)."""
    # start-up laziness: the engine loads only when a command runs, so `healthplan --help` answers at once
    from healthplan.cli import _common as c
    from spatial.errors import OptionError

    if (k is None) == (target_coverage is None):
        raise OptionError("give exactly one of --k N (number of new sites) or --target-coverage X (e.g. 0.95)")
    if k is not None and not 1 <= k <= 100:
        raise OptionError(f"--k must be a whole number of new sites in 1…100, got {k}")
    target = c.share(target_coverage)
    raw = _raw(c, region=region, name=name, data_dir=data_dir, network=network, facilities=facilities, kind=kind,
               population=population, cell_m=cell_m, crs=crs, threshold=threshold, thresholds=None,
               candidates=[], n_gaps=n_gaps, max_road_m=max_road_m, weight=weight)
    raw["optimiser"] = {"k": k or 0, "target_share": target, "method": method, "time_limit_s": time_limit,
                        "pool": [c.site_source(v, crs) for v in c.csv_list(candidates)]}
    c.run_and_write(c.scenario(raw), out, command="sites optimize", lang=lang, save=save_scenario, report=report)
