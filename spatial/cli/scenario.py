"""``healthplan scenario run FILE``: replay a scenario saved from the app (same engine call as the app)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer

from spatial.errors import HealthplanError

app = typer.Typer(no_args_is_help=True, add_completion=False)


def _say(message: str, fraction: float | None = None) -> None:
    """Progress line on stderr."""
    typer.echo(f"[scenario] {message}", err=True)


@app.command("run")
def run(
    file: Annotated[Path, typer.Argument(help="Scenario JSON saved from the app (or by spatial.scenario.save_scenario).")],
    out: Annotated[Path | None, typer.Option(help="Write layers (GeoJSON, GeoPackage), tables, map and report here.")] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Data folder (roads/ …); default: the scenario's, HEALTHPLAN_DATA or ../shared/data.")
    ] = None,
    lang: Annotated[str, typer.Option(help="Language of the map and report: zh or en.")] = "zh",
    quiet: Annotated[bool, typer.Option(help="No progress lines.")] = False,
) -> None:
    """Run the scenario and print a one-line JSON summary (covered population, shares, candidates, optimiser)."""
    from spatial import report
    from spatial import scenario as sc

    if not quiet:
        logging.basicConfig(level=logging.WARNING)
    try:
        if lang not in ("zh", "en"):
            raise HealthplanError(f"--lang must be zh or en, got {lang!r}")
        scenario = sc.load_scenario(file)
        if data_dir is not None:
            scenario.data_dir = str(data_dir)
        res = sc.run_scenario(scenario, progress=(lambda m, f=None: None) if quiet else _say)
        summary = res.summary()
        if out is not None:
            if not quiet:
                _say(f"writing {out}")
            report.write_outputs(res, out, lang=lang)  # type: ignore[arg-type]
            summary["out"] = str(out)
    except HealthplanError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(json.dumps(summary, ensure_ascii=False))


@app.command("check")
def check(file: Annotated[Path, typer.Argument(help="Scenario JSON to validate.")]) -> None:
    """Validate a scenario file without running it; prints its normalised JSON."""
    from spatial import scenario as sc

    try:
        scenario = sc.load_scenario(file)
    except HealthplanError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(json.dumps(sc.to_dict(scenario), ensure_ascii=False))
