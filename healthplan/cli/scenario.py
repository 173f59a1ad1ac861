"""``healthplan scenario run|check FILE``: replay a scenario saved from the app (or written by --save-scenario)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.command("run")
def run(
    file: Annotated[Path, typer.Argument(help="Scenario JSON saved from the app or by --save-scenario.")],
    out: Annotated[Path, typer.Option(help="Output folder (written whole).")],
    data_dir: Annotated[Path | None, typer.Option(help="Data folder; overrides the scenario's.")] = None,
    lang: Annotated[str, typer.Option(help="Language of the map and the report: zh or en.")] = "zh",
    report: Annotated[bool, typer.Option(help="Also write map.html and report.html.")] = False,
) -> None:
    """Run the scenario through the same pipeline as the app; write its files and print a one-line JSON summary."""
    # start-up laziness: the engine loads only when a command runs, so `healthplan --help` answers at once
    from healthplan.cli import _common as c
    from spatial.scenario import load_scenario

    s = load_scenario(file)
    if data_dir is not None:
        s = dataclasses.replace(s, data_dir=str(data_dir))
    c.run_and_write(s, out, command="scenario run", lang=lang, save=None, report=report)


@app.command("check")
def check(file: Annotated[Path, typer.Argument(help="Scenario JSON to validate.")]) -> None:
    """Validate a scenario file without running it; prints its normalised JSON."""
    from healthplan.cli import _common as c
    from spatial.scenario import load_scenario, to_dict

    c.echo_json(to_dict(load_scenario(file)))
