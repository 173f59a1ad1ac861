"""What every front end does with a scenario: give it the plans' inputs, run the one pipeline, write the files.

``app.py`` and every ``healthplan`` command go through these functions, so a figure in one is the same
figure in the other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd

from layers import inputs, registry
from spatial import outputs, preflight
from spatial.pipeline import Pipeline
from spatial.regions import Region
from spatial.results import PlanInputs, Results
from spatial.scenario import Scenario
from spatial.settings import Progress, no_progress


def plan_inputs(region: Region) -> PlanInputs:
    """The plans' candidate sites, targets and emergency-circle sites for ``region``."""
    return inputs.plan_inputs(region)


def plan_layers(region: Region) -> dict[str, gpd.GeoDataFrame]:
    """Every plan layer of the plans covering ``region`` (keyed "plan/layer")."""
    out: dict[str, gpd.GeoDataFrame] = {}
    for key in inputs.plan_regions(region):
        out.update(registry.all_layers(key))
    return out


def run(s: Scenario, *, pipeline: Pipeline | None = None, progress: Progress = no_progress) -> Results:
    """Run a scenario with its region's plan inputs (a fresh pipeline unless one is given).

    Its files and sizes are checked first (``spatial.preflight``), so a bad input fails before any computing.
    """
    preflight.check_inputs(s)
    pipe = pipeline or Pipeline()
    return pipe.run(s, plan_inputs(pipe.region(s)), progress=progress)


def write(res: Results, out: str | Path, *, plans: Mapping[str, gpd.GeoDataFrame] | None = None,
          extra: Mapping[str, Callable[[Path], Any]] | None = None) -> dict[str, Path]:
    """Write the run's data files (with the plan layers) and any ``extra`` files into ``out`` (replaced whole)."""
    layers = plan_layers(res.region) if plans is None else dict(plans)
    return outputs.write_results(res, out, extra=extra, plan_layers=layers)
