"""``healthplan bench``: the travel-time benchmark (bench/bench_traveltime.py) against csgraph, networkx, pandana."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated

import typer

BENCH_FILE = Path(__file__).resolve().parents[2] / "bench" / "bench_traveltime.py"


def bench(
    network: Annotated[Path | None, typer.Option("--network", help="Saved network folder (default: Kunming from the "
                                                                   "data folder).")] = None,
    repeat: Annotated[int, typer.Option("--repeat", min=1, help="Runs per measurement (the median is reported).")] = 3,
    experiments: Annotated[bool, typer.Option("--experiments", help="Also time the variants tried (heaps, bucket "
                                                                    "widths, index width, node order, limits).")] = False,
    pandana: Annotated[bool, typer.Option("--pandana/--no-pandana", help="Include pandana (slow: builds its "
                                                                         "contraction hierarchy each run).")] = True,
) -> None:
    """Time nearest-facility minutes (ours vs csgraph vs networkx vs pandana), 30-min reach sets and cache loading."""
    from healthplan.cli import _common  # noqa: F401 — its import turns garbage collection back on
    from spatial.errors import OptionError

    if not BENCH_FILE.is_file():
        raise OptionError(f"{BENCH_FILE} not found: the benchmark runs from a source checkout of healthplan")
    spec = importlib.util.spec_from_file_location("bench_traveltime", BENCH_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # bench/ is not an installed package: load the script by path
    module.main(network, repeat=repeat, experiments_too=experiments, pandana_too=pandana)
