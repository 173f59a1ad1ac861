"""The output set of a run: every layer as GeoJSON, one GeoPackage, the tables as CSV, summary and scenario.

Written into a fresh folder and swapped in whole (``spatial.export.output_set``): two runs into the same
folder never mix, and an interrupted run leaves the previous set.  Front ends add their own files (the
map and the report, from ``views``) through ``extra``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from spatial import export, population
from spatial.results import Results
from spatial.scenario import save_scenario


def write_results(
    res: Results,
    folder: str | Path,
    *,
    extra: Mapping[str, Callable[[Path], Any]] | None = None,
    plan_layers: Mapping[str, gpd.GeoDataFrame] | None = None,
) -> dict[str, Path]:
    """Write the run's files into ``folder`` (replaced whole); returns file name → final path.

    Files: ``cells.tif`` (the population grid: pop, urban, pop60 persons and the minutes to the nearest
    facility and primary-care point per cell, in the grid's equal-area CRS), ``<layer>.geojson`` per
    layer, ``results.gpkg`` (every non-empty layer plus a provenance
    table), ``<table>.csv`` (counties, gaps, …) with ``.provenance.json`` beside each, ``summary.json``
    (the summary and the provenance), ``scenario.json`` (replay with ``healthplan scenario run``), and
    each ``extra`` file written by its function.  ``plan_layers`` ("plan/layer" → frame) go into the
    GeoPackage as ``plan__<plan>__<layer>`` tables and into ``plans.geojson``.
    """
    folder = Path(folder)
    prov = res.provenance
    layers = res.layers()
    plans = {plan_table(k): v for k, v in (plan_layers or {}).items() if len(v)}
    with export.output_set(folder) as tmp:
        jobs: dict[str, Callable[[Path], Any]] = {
            "cells.tif": lambda p: population.write_geotiff(res.inputs.grid, p, extra=res.cell_bands(),
                                                            provenance=prov),
            "results.gpkg": lambda p: export.write_gpkg({k: v for k, v in layers.items() if len(v)}, p,
                                                        provenance=prov, fixed=plans),
        }
        for name, frame in layers.items():
            jobs[f"{name}.geojson"] = partial(export.write_geojson, frame, provenance=prov)
        if plans:
            combined = gpd.GeoDataFrame(pd.concat(list(plans.values()), ignore_index=True), geometry="geometry",
                                        crs="EPSG:4326")
            jobs["plans.geojson"] = partial(export.write_geojson, combined, provenance=prov)
        for name, table in res.tables().items():
            jobs[f"{name}.csv"] = partial(export.write_csv, table, provenance=prov)
        jobs["summary.json"] = partial(export.write_json, {**res.summary(), "provenance": prov})
        jobs["scenario.json"] = partial(save_scenario, res.scenario)
        jobs.update(extra or {})
        # one after another: two threads measured 0.60 s against 0.64 s (Hainan), not worth a pool
        for name, write in jobs.items():
            write(tmp / name)
    return {name: folder / name for name in jobs}


def plan_table(key: str) -> str:
    """GeoPackage table name of a "plan/layer" key: SQL-safe, e.g. "plan__yunnan_14th__six_zones"."""
    plan, _, layer = key.partition("/")
    return f"plan__{plan}__{layer}".replace("-", "_")
