"""``healthplan targets``: every numeric target of the region's plans — measured (value, by county), measurable
once a named input is given, or not spatial — printed as a table, and with ``--out`` written as an output set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from healthplan.cli.coverage import Cell, Crs, DataDir, Lang, Network, Population, Region, Save

#: Columns of the printed table.
SHOWN: tuple[str, ...] = ("status", "plan", "indicator", "value", "comparator", "target", "meets")


def targets(
    region: Region,
    facilities: Annotated[Path | None, typer.Option(
        help="A facility file with capacities (beds, doctors, nurses, elderly beds …; see "
             "data/templates/facilities_template.csv), measured per county against the targets.")] = None,
    out: Annotated[Path | None, typer.Option(help="Also write the output set here (plan_targets.csv, "
                                                  "plan_targets_by_county.csv, the coverage files).")] = None,
    status: Annotated[str | None, typer.Option(help="Print only one status: measured, measurable or "
                                                    "'not spatial'.")] = None,
    network: Network = None,
    population: Population = "census",
    cell_m: Cell = None,
    facility_crs: Crs = "wgs84",
    data_dir: DataDir = None,
    lang: Lang = "zh",
    save_scenario: Save = None,
) -> None:
    """The plan-targets table of a region: what is measured (with its value), what needs which input, what is not spatial."""
    # start-up laziness: the engine loads only when a command runs, so `healthplan --help` answers at once
    import pandas as pd

    from healthplan import run as front
    from healthplan.cli import _common as c
    from spatial import export
    from spatial.errors import HealthplanError, OptionError
    from spatial.pipeline import Pipeline
    from spatial.scenario import save_scenario as save

    if status is not None and status not in ("measured", "measurable", "not spatial"):
        raise OptionError(f"--status must be measured, measurable or 'not spatial', got {status!r}")
    raw = {
        "region": region, "data_dir": str(data_dir) if data_dir else None, "network": c.network_source(network),
        "population": c.population_source(population), "cell_m": c.cell_size(cell_m, population),
        "resources": c.file_source(facilities, "--facilities", datum=facility_crs, default=None),
    }
    if lang not in ("zh", "en"):
        raise OptionError(f"--lang must be zh or en, got {lang!r}")
    s = c.scenario(raw)
    if out is not None:  # before any computing: a read-only --out fails at once
        export.check_destination(out, folder=True)
    say = c.progress("targets")
    pipe = Pipeline()
    # the coverage geometry (isochrones, surface) only when an output set is written
    res = pipe.run(s, front.plan_inputs(pipe.region(s)), progress=say, geometry=out is not None)
    for n in res.notices:
        typer.echo(f"warning: {n.message}", err=True)
    if out is not None:
        say(f"writing {out}")
        front.write(res, out)
    if save_scenario is not None:
        save(s, save_scenario)
    if res.targets is None:
        raise HealthplanError(f"the plans covering {res.region.name_zh} ({res.region.name}) set no numeric targets")
    table = res.targets.table
    shown = table if status is None else table[table["status"] == status]
    with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_colwidth", 40):
        typer.echo(shown[list(SHOWN)].to_string(index=False, float_format=lambda v: f"{v:,.3g}"))
    c.echo_json({"command": "targets", "region": res.region.name, **res.targets.summary(),
                 **({"out": str(out)} if out is not None else {})})
