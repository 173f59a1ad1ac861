"""Access through the one pipeline: what its stage cache saves against calling the engine afresh.

Run from the repository root: ``python bench/bench_access_pipeline.py [--cell-m 500] [--repeat 5]``.
Prints a table, then one JSON line.

Hainan at 500 m, 60-minute threshold, the named general tertiary hospitals with the scenario default of
ASSUMED 500 beds each (the tables carry none; the run announces it), after one warm-up run of the
scenario (network, grid, cells' snap, the cells × facilities matrix all cached):

* baseline — the engine called directly the way a script would (``capacity.capacity_coverage`` /
  ``fca.fca_scores`` from network, grid and facilities, the cells' snap passed in): one bounded search
  per hospital and the analysis;
* pipeline — the same analysis as a cached stage with one option changed (the facility order; the
  decay), so only the analysis reruns on the cached matrix;
* pipeline, new threshold — the capacity stage at 45 minutes: a new matrix (one search per hospital),
  then the analysis.

Results must be equal (checked: the same served persons and scores to the last bit).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

# benchmark the checkout this file lives in (python puts bench/ first on sys.path, not the root)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from healthplan import run as front  # noqa: E402
from spatial import access, capacity, fca  # noqa: E402
from spatial.pipeline import Pipeline  # noqa: E402
from spatial.scenario import Access, CapacityAnalysis, FcaAnalysis, Scenario  # noqa: E402
from timing import median_s  # noqa: E402 — bench/ is on the path when a script runs


def main() -> None:
    """Time the stages against the engine and print the table and one JSON line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cell-m", type=float, default=500.0)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    s = Scenario(region="hainan", cell_m=args.cell_m, access=Access(capacity=CapacityAnalysis(), fca=FcaAnalysis()))
    pipe = Pipeline(max_entries=64)
    t0 = time.perf_counter()
    res = front.run(s, pipeline=pipe)
    first_s = time.perf_counter() - t0
    net, grid, fac, snap = res.inputs.network, res.inputs.grid, res.inputs.facilities, res.times.cells
    caps = access.facility_capacities(fac, "beds")
    rows: dict[str, float] = {}

    rows["capacity: engine afresh"], direct = median_s(lambda: capacity.capacity_coverage(
        net, grid, fac, caps.persons, threshold_min=60.0, access=snap), args.repeat)
    orders = iter(["capacity", "given", "demand"] * (args.repeat + 1))

    def capacity_stage() -> Any:
        pipe.clear("capacity")
        return pipe.capacity(dataclasses.replace(s, access=Access(capacity=CapacityAnalysis(order=next(orders)))))

    rows["capacity: pipeline stage (matrix cached)"], _ = median_s(capacity_stage, args.repeat)
    stage = pipe.capacity(s)
    assert np.array_equal(stage.result.served, direct.served), "the stage and the engine disagree"

    def new_threshold() -> Any:
        pipe.clear("odmatrix")
        pipe.clear("capacity")
        return pipe.capacity(dataclasses.replace(s, access=Access(capacity=CapacityAnalysis(threshold_min=45.0))))

    rows["capacity: pipeline stage, new threshold (new matrix)"], _ = median_s(new_threshold, args.repeat)

    rows["e2sfca: engine afresh"], fdirect = median_s(lambda: fca.fca_scores(
        net, grid, fac, caps.units, catchment_min=60.0, method="e2sfca", access=snap), args.repeat)
    decays = iter(["gaussian", "none", "step"] * (args.repeat + 1))

    def fca_stage() -> Any:
        pipe.clear("fca")
        return pipe.fca(dataclasses.replace(s, access=Access(fca=FcaAnalysis(decay=next(decays)))))

    pipe.travel_matrix(s, 60.0)  # the 60-minute matrix again (the threshold runs above cleared it)
    rows["e2sfca: pipeline stage (matrix cached)"], _ = median_s(fca_stage, args.repeat)
    assert np.array_equal(pipe.fca(s).result.score, fdirect.score), "the stage and the engine disagree"

    base_c, base_f = rows["capacity: engine afresh"], rows["e2sfca: engine afresh"]
    print(f"Hainan, {args.cell_m:g} m grid: {grid.n_cells:,} cells, {len(fac)} hospitals; first run of the "
          f"scenario {first_s:.2f} s (network from the disk cache)")
    print(f"{'step (median of ' + str(args.repeat) + ')':58s} {'seconds':>9s} {'vs engine afresh':>17s}")
    for name, sec in rows.items():
        base = base_c if name.startswith("capacity") else base_f
        print(f"{name:58s} {sec:9.4f} {base / sec:16.1f}×")
    print(json.dumps({"cell_m": args.cell_m, "cells": int(grid.n_cells), "hospitals": len(fac),
                      "first_run_s": round(first_s, 3), **{k: round(v, 5) for k, v in rows.items()}},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
