"""``healthplan bench``: the travel-time benchmark (bench/bench_traveltime.py) against csgraph, networkx and pandana."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import typer

from spatial.errors import HealthplanError
from spatial.settings import PACKAGE_ROOT

BENCH_FILE = PACKAGE_ROOT / "bench" / "bench_traveltime.py"


def _bench_module() -> ModuleType:
    """Import bench/bench_traveltime.py from the source tree (bench/ is not an installed package)."""
    if not BENCH_FILE.is_file():
        raise HealthplanError(f"{BENCH_FILE} not found: the benchmark runs from a source checkout of healthplan")
    spec = importlib.util.spec_from_file_location("bench_traveltime", BENCH_FILE)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def bench(
    network: Path | None = typer.Option(None, "--network", help="Saved network folder (default: Kunming from "
                                           "the data folder)."),
    repeat: int = typer.Option(3, "--repeat", min=1, help="Runs per measurement (the median is reported)."),
    experiments: bool = typer.Option(False, "--experiments", help="Also time the variants tried (heaps, bucket "
                                     "widths, scratch reuse, index width, node order, limits)."),
    pandana: bool = typer.Option(True, "--pandana/--no-pandana", help="Include pandana (slow: builds its "
                                 "contraction hierarchy each run)."),
) -> None:
    """Time nearest-facility minutes (ours vs csgraph vs networkx vs pandana), 30-min reach sets and cache loading."""
    try:
        _bench_module().main(network, repeat=repeat, experiments_too=experiments, pandana_too=pandana)
    except HealthplanError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
