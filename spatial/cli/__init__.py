"""The ``healthplan`` command: thin typer wrappers over the engine, one module per command group."""

from __future__ import annotations

import typer

from spatial.cli import bench, coverage, layers, network, scenario, sites, traveltime

app = typer.Typer(
    name="healthplan",
    help="Spatial planning of health services: networks, travel times, coverage, siting, plan layers.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(network.app, name="network", help="Build and inspect routable road networks.")
app.command("traveltime")(traveltime.traveltime)
app.command("bench")(bench.bench)
app.add_typer(layers.app, name="layers", help="Export the plans' layouts as GIS layers.")
app.command("coverage")(coverage.coverage)
app.add_typer(sites.app, name="sites", help="Test candidate hospital sites and find the best ones.")
app.add_typer(scenario.app, name="scenario", help="Replay scenarios saved from the app.")


def main() -> None:
    """Entry point of the ``healthplan`` console script."""
    app()
