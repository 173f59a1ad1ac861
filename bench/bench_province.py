"""Province-scale benchmark: a synthetic Hainan-sized OSM PBF through network build, contraction, a 100 m
population grid with the full metric set, and siting with 5,000 candidates.

Run: ``python bench/bench_province.py [--pbf FILE] [--workdir DIR] [--no-osmnx] [--osmnx-timeout S]``.
Without ``--pbf`` the file is written first by ``bench/make_province_pbf.py`` (seed 13, ≈ 80 s).
Prints one table line per measurement, each with its ratio to the baseline named on that line and
measured in the same run, then LAST one JSON line.

Each part runs in its own Python subprocess, so its peak memory is its own: the child reports its
``VmHWM`` (peak resident set, C allocations included) from /proc/self/status, and the parent also
reads ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` (the largest child so far) as a cross-check.

* **build**: ``spatial.osm.from_pbf`` (pyosmium streaming, interior points summed, speeds, largest
  strong component) against the previous ``from_pbf`` (commit 4a232f4: pyrosm's frames, converted and
  assembled with every OSM node a node), pyrosm's ``OSM.get_network("driving", nodes=True)`` — pyrosm's nodes and
  edges frames only, not even its graph (``to_graph``) — and OSMnx's ``graph_from_xml`` (the PBF
  written as OSM XML first, not timed: OSMnx reads no PBF), each capped in time and address space.
* **contract**: ``spatial.contract.contract`` on the built province and on Kunming, and what it buys:
  minutes to the nearest of 16 facilities at every node through the contracted network (search +
  expansion to every original node) against ``traveltime.nearest_minutes`` on the original.
* **metrics**: ``population.from_census(hainan, network=…, cell_m=100)`` (≈ 3.4 million cells), then the
  full metric set through ``coverage``'s public functions (snap every cell, one search, circle, health
  circles, bands, gaps, gap polygons), warm (median of 3) — against the one search alone
  (``traveltime.nearest_minutes``), with a pyinstrument profile of one warm run.
* **siting**: 5,000 candidates (gap centres, then populated cells drawn at random), k = 10, 60 min:
  ``reach.site_cells`` → ``reach.candidate_reach`` → ``siting.maximal_covering`` (greedy with
  interchange) on a 1 km grid (``settings.GRID_M``); baseline: the candidate matrix build.  The cell ×
  candidate entries a 100 m grid would need are counted from the same searches.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from timing import median_s  # bench/ is on the path when a script runs

ROOT = Path(__file__).resolve().parents[1]


def vm_hwm_mb() -> float:
    """This process's peak resident set (MB) from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ------------------------------------------------------------------------------------------------
# parts (each runs in a child process and prints one JSON line)


def part_build_ours(pbf: str, workdir: str) -> dict[str, Any]:
    """Our build, saved for the later parts."""
    from spatial import network, osm

    t0 = time.perf_counter()
    net = osm.from_pbf(pbf)
    build_s = time.perf_counter() - t0
    network.save(net, Path(workdir) / "province_net")
    return {"build_s": build_s, "nodes": net.n_nodes, "edges": net.n_edges, "read": net.provenance["read"],
            "components": net.provenance["components"], "dropped_node_share": net.provenance["dropped_node_share"],
            "peak_mb": vm_hwm_mb()}


#: The commit whose spatial/osm.py built PBF networks through pyrosm (the baseline our reader replaced).
PREVIOUS_OSM_COMMIT = "4a232f4"


def part_build_previous(pbf: str, workdir: str) -> dict[str, Any]:
    """The previous ``from_pbf`` (pyrosm frames → vectorised conversion → assemble), loaded from git."""
    import importlib.util

    src = subprocess.run(["git", "show", f"{PREVIOUS_OSM_COMMIT}:spatial/osm.py"], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    path = Path(workdir) / "osm_previous.py"
    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("osm_previous", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    t0 = time.perf_counter()
    net = mod.from_pbf(pbf)
    return {"build_s": time.perf_counter() - t0, "nodes": net.n_nodes, "edges": net.n_edges, "peak_mb": vm_hwm_mb()}


def part_build_pyrosm(pbf: str, workdir: str) -> dict[str, Any]:
    """pyrosm's driving network frames of the same file."""
    import pyrosm

    t0 = time.perf_counter()
    nodes, edges = pyrosm.OSM(pbf).get_network(network_type="driving", nodes=True)
    return {"build_s": time.perf_counter() - t0, "nodes": len(nodes), "edges": len(edges), "peak_mb": vm_hwm_mb()}


def part_build_osmnx(pbf: str, workdir: str) -> dict[str, Any]:
    """OSMnx's graph of the same file written as OSM XML (the conversion is not timed)."""
    import osmium
    import osmnx as ox

    xml = Path(workdir) / "province.osm"
    if not xml.exists():
        w = osmium.SimpleWriter(str(xml) + ".part.osm", overwrite=True)
        for obj in osmium.FileProcessor(pbf):
            w.add(obj)
        w.close()
        os.replace(str(xml) + ".part.osm", xml)
    t0 = time.perf_counter()
    g = ox.graph_from_xml(xml, simplify=True, retain_all=True)
    return {"build_s": time.perf_counter() - t0, "nodes": g.number_of_nodes(), "edges": g.number_of_edges(),
            "peak_mb": vm_hwm_mb()}


def _facility_nodes(net, k: int = 16, seed: int = 0):
    """k random nodes with random access legs (0–5 min)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    return rng.choice(net.n_nodes, k, replace=False), rng.uniform(0, 5, k)


def _contract_one(net) -> dict[str, Any]:
    """Contraction of one network and the nearest-of-16 search through it vs the plain search."""
    import numpy as np

    from spatial import contract
    from spatial import traveltime as tt

    contract.contract(net)  # compile the kernels
    t_c, c = median_s(lambda: contract.contract(net), 3)
    src, off = _facility_nodes(net)
    seeds, seed_off, _ = contract.seeds(c, src, off)
    tt.nearest_minutes(net, src, source_offset_min=off)
    contract.nearest_minutes(c, src, source_offset_min=off)
    t_plain, a = median_s(lambda: tt.nearest_minutes(net, src, source_offset_min=off), 7)
    t_contr, b = median_s(lambda: contract.nearest_minutes(c, src, source_offset_min=off), 7)
    t_search, _ = median_s(lambda: tt.nearest_minutes(c.net, seeds.astype(np.int32), source_offset_min=seed_off), 7)
    fin = np.isfinite(a[0])
    ulps = np.abs(a[0][fin] - b[0][fin]) / np.spacing(np.abs(a[0][fin]).clip(min=1e-300))
    return {
        "nodes": net.n_nodes, "edges": net.n_edges, "nodes_after": c.net.n_nodes, "edges_after": c.net.n_edges,
        "contract_s": t_c, "plain_search_s": t_plain, "contracted_search_and_expand_s": t_contr,
        "contracted_search_only_s": t_search, "max_ulps": float(ulps.max()),
        "same_finite": bool(np.array_equal(fin, np.isfinite(b[0]))),
    }


def part_contract(pbf: str, workdir: str) -> dict[str, Any]:
    """Contraction of the province and of Kunming; search + expansion vs the plain search."""
    from spatial import datafolder, network
    from spatial import traveltime as tt

    tt.warm_up()
    out: dict[str, Any] = {"province": _contract_one(network.load(Path(workdir) / "province_net")),
                           "kunming": _contract_one(datafolder.default_network("kunming"))}
    out["peak_mb"] = vm_hwm_mb()
    return out


def part_metrics(pbf: str, workdir: str) -> dict[str, Any]:
    """100 m grid over Hainan + the full metric set (warm) vs one search; a profile of one run."""
    from pyinstrument import Profiler

    from spatial import coverage, facilities, gaps, network, population, regions
    from spatial import traveltime as tt

    net = network.load(Path(workdir) / "province_net")
    reg = regions.resolve("hainan")
    t0 = time.perf_counter()
    grid = population.from_census(reg, network=net, cell_m=100)
    grid_s = time.perf_counter() - t0
    fac = facilities.default_facilities(reg, kind="tertiary")
    primary = facilities.default_facilities(reg, kind="primary")
    snap = tt.snap(net, *tt.point_lonlat(fac))
    names = reg.counties[["adcode", "name_zh", "name_en"]]

    def full():
        """The pipeline's metric set from scratch: snap the cells, two searches, the circles, bands, gaps."""
        cells = tt.snap(net, grid.lon, grid.lat)
        minutes = tt.place_minutes(cells, *tt.node_minutes(net, *tt.point_lonlat(fac)))[0]
        p_minutes = tt.place_minutes(cells, *tt.node_minutes(net, *tt.point_lonlat(primary)))[0]
        res = {"circle": coverage.circle(grid, minutes, 60.0, counties=names),
               "health": coverage.health_circles(grid, p_minutes, counties=names),
               "bands": coverage.bands(grid, minutes, counties=names),
               "gaps": gaps.gaps(grid, minutes, 60.0, counties=names)}
        gaps.gap_polygons(grid, res["gaps"])
        return res

    full()  # warm: KD-tree and prepared graph cached, kernels loaded
    full_s, res = median_s(full, 3)
    search_s, _ = median_s(lambda: tt.nearest_minutes(net, snap.node, source_offset_min=snap.access_min), 5)
    prof = Profiler()
    prof.start()
    full()
    prof.stop()
    return {"cells": grid.n_cells, "grid_shape": list(grid.shape), "grid_build_s": grid_s, "facilities": len(fac),
            "full_metric_set_s": full_s, "one_search_s": search_s,
            "covered_share_60": float(res["circle"].total["covered_share"]),
            "profile": prof.output_text(unicode=False, color=False), "peak_mb": vm_hwm_mb()}


def part_siting(pbf: str, workdir: str, n_candidates: int = 5000, k: int = 10, threshold: float = 60.0,
                cell_m: float = 1000.0) -> dict[str, Any]:
    """5,000 candidates, k = 10 through site_cells → candidate_reach → maximal_covering."""
    import numpy as np

    from spatial import candidates, facilities, network, population, reach, regions, siting
    from spatial import traveltime as tt

    net = network.load(Path(workdir) / "province_net")
    reg = regions.resolve("hainan")
    grid = population.from_census(reg, network=net, cell_m=cell_m)
    fac = facilities.default_facilities(reg, kind="tertiary")
    tt.warm_up()
    t0 = time.perf_counter()
    snapped = tt.snap(net, grid.lon, grid.lat)
    cells = reach.site_cells(grid, snapped, tt.place_minutes(snapped, *tt.node_minutes(net, *tt.point_lonlat(fac)))[0])
    cells_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    gap = candidates.from_gaps(grid, cells.current_min, threshold_min=threshold, n=n_candidates)
    lon, lat = gap.geometry.x.to_numpy(), gap.geometry.y.to_numpy()
    if lon.size < n_candidates:  # top up with populated cells drawn at random (seeded)
        rng = np.random.default_rng(1)
        extra = rng.choice(grid.n_cells, n_candidates - lon.size, replace=False, p=grid.pop / grid.pop.sum())
        lon, lat = np.r_[lon, grid.lon[extra]], np.r_[lat, grid.lat[extra]]
    snap = tt.snap(net, lon, lat)
    cand_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    matrix = reach.candidate_reach(net, cells, snap.node, snap.access_min, limit_min=threshold)
    reach_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    problem = reach.coverage_problem(cells, matrix, threshold_min=threshold)
    problem_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = siting.maximal_covering(problem, k, method="greedy")
    solve_s = time.perf_counter() - t0
    # the cell × candidate entries a 100 m grid would hold: per-node reach × 100 m cells at each node
    per_node = tt.reach_many(net, snap.node[:200], threshold, offsets=snap.access_min[:200])
    fine = population.from_census(reg, network=net, cell_m=100)
    fine_nodes = tt.snap(net, fine.lon, fine.lat).node
    cells_at = np.bincount(fine_nodes, minlength=net.n_nodes).astype(float)
    entries_100m = float((per_node.T.astype(bool) @ cells_at).sum()) / 200 * len(lon)
    return {"cells": grid.n_cells, "cell_m": cell_m, "candidates": int(len(lon)), "gap_candidates": int(len(gap)),
            "k": k, "threshold_min": threshold, "site_cells_s": cells_s, "candidates_s": cand_s,
            "candidate_reach_s": reach_s, "problem_s": problem_s, "maximal_covering_s": solve_s,
            "total_s": cells_s + cand_s + reach_s + problem_s + solve_s, "matrix_nnz": int(matrix.minutes.nnz),
            "share_before": result.share_before, "share_after": result.share_after,
            "entries_100m_estimate": entries_100m, "peak_mb": vm_hwm_mb()}


PARTS = {"build_ours": part_build_ours, "build_previous": part_build_previous, "build_pyrosm": part_build_pyrosm, "build_osmnx": part_build_osmnx,
         "contract": part_contract, "metrics": part_metrics, "siting": part_siting}


# ------------------------------------------------------------------------------------------------
# the parent: run each part in a child, with limits, and print the table


def run_part(name: str, pbf: Path, workdir: Path, *, timeout_s: float, mem_gb: float | None) -> dict[str, Any]:
    """Run one part in a child process (address space capped at ``mem_gb``); its JSON, or why it stopped."""
    def limit() -> None:
        if mem_gb is not None:
            cap = int(mem_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    cmd = [sys.executable, __file__, "--part", name, "--pbf", str(pbf), "--workdir", str(workdir)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, preexec_fn=limit, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"stopped": f"timeout after {timeout_s:.0f} s", "wall_s": time.perf_counter() - t0,
                "max_child_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
    wall = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"stopped": f"exit {proc.returncode}: {tail[:200]}", "wall_s": wall,
                "max_child_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
    out = json.loads(lines[-1])
    out["wall_s"] = wall
    out["max_child_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return out


def main(argv: list[str] | None = None) -> int:
    """Parent: every part in its own process; child (``--part``): one part, one JSON line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pbf", type=Path, default=None)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/healthplan_province_bench"))
    ap.add_argument("--part", choices=sorted(PARTS), default=None)
    ap.add_argument("--no-osmnx", action="store_true")
    ap.add_argument("--osmnx-timeout", type=float, default=600.0)
    ap.add_argument("--baseline-mem-gb", type=float, default=12.0)
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.part:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(PARTS[args.part](str(args.pbf), str(args.workdir)), default=float))
        return 0

    pbf = args.pbf or args.workdir / "province.osm.pbf"
    if not pbf.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "make_province_pbf.py"), "--out", str(pbf)], check=True)
    res: dict[str, Any] = {"pbf": str(pbf), "pbf_bytes": pbf.stat().st_size}
    res["build_ours"] = run_part("build_ours", pbf, args.workdir, timeout_s=600, mem_gb=None)
    res["build_previous"] = run_part("build_previous", pbf, args.workdir, timeout_s=600, mem_gb=args.baseline_mem_gb)
    res["build_pyrosm"] = run_part("build_pyrosm", pbf, args.workdir, timeout_s=600, mem_gb=args.baseline_mem_gb)
    if not args.no_osmnx:
        res["build_osmnx"] = run_part("build_osmnx", pbf, args.workdir, timeout_s=args.osmnx_timeout,
                                      mem_gb=args.baseline_mem_gb)
    for name in ("contract", "metrics", "siting"):
        res[name] = run_part(name, pbf, args.workdir, timeout_s=900, mem_gb=None)

    ours = res["build_ours"]
    print(f"{'measurement':58s} {'seconds':>9s} {'peak MB':>9s}  ratio to baseline")
    print(f"{'build: spatial.osm.from_pbf (ours)':58s} {ours['build_s']:9.2f} {ours['peak_mb']:9.0f}  "
          f"{ours['nodes']:,} nodes, {ours['edges']:,} edges")
    for key, label in (("build_previous", "build: previous from_pbf via pyrosm [baseline]"),
                       ("build_pyrosm", "build: pyrosm get_network (frames only) [baseline]"),
                       ("build_osmnx", "build: OSMnx graph_from_xml [baseline]")):
        if key not in res:
            continue
        b = res[key]
        if "stopped" in b:
            print(f"{label:58s} {b['wall_s']:9.1f} {b['max_child_rss_mb']:9.0f}  stopped: {b['stopped']}")
        else:
            print(f"{label:58s} {b['build_s']:9.2f} {b['peak_mb']:9.0f}  baseline/ours time "
                  f"{b['build_s'] / ours['build_s']:.1f}×, memory {b['peak_mb'] / ours['peak_mb']:.1f}× "
                  f"({b['nodes']:,} nodes, {b['edges']:,} edges)")
    for name in ("province", "kunming"):
        c = res["contract"].get(name)
        if c:
            label = f"contract {name}: {c['nodes']:,} → {c['nodes_after']:,} nodes"
            print(f"{label:58s} {c['contract_s']:9.3f} {res['contract']['peak_mb']:9.0f}")
            print(f"{'  nearest of 16, contracted search + expand':58s} {c['contracted_search_and_expand_s']:9.4f} "
                  f"{'':9s}  vs plain search [baseline] {c['plain_search_s']:.4f} s: "
                  f"{c['plain_search_s'] / c['contracted_search_and_expand_s']:.2f}× (search alone "
                  f"{c['plain_search_s'] / c['contracted_search_only_s']:.2f}×), max {c['max_ulps']:.0f} ulps")
    m = res["metrics"]
    if "stopped" not in m:
        label = f"grid: from_census 100 m, {m['cells']:,} cells"
        print(f"{label:58s} {m['grid_build_s']:9.2f} {m['peak_mb']:9.0f}")
        print(f"{'full metric set, warm (snap+search+circle+bands+gaps)':58s} {m['full_metric_set_s']:9.2f} "
              f"{'':9s}  vs one search [baseline] {m['one_search_s']:.3f} s: "
              f"{m['full_metric_set_s'] / m['one_search_s']:.0f}×")
    s = res["siting"]
    if "stopped" not in s:
        label = f"siting {s['candidates']:,} candidates, k={s['k']}, {s['cells']:,} cells of {s['cell_m']:g} m"
        print(f"{label:58s} {s['total_s']:9.2f} {s['peak_mb']:9.0f}  vs candidate_reach [baseline] {s['candidate_reach_s']:.2f} s: "
              f"{s['total_s'] / s['candidate_reach_s']:.2f}×")
        print(f"{'  site_cells / candidates / reach / problem / solve':58s} "
              f"{s['site_cells_s']:.2f} / {s['candidates_s']:.2f} / {s['candidate_reach_s']:.2f} / "
              f"{s['problem_s']:.2f} / {s['maximal_covering_s']:.2f} s; {s['matrix_nnz']:,} matrix entries; "
              f"a 100 m grid would need ≤ {s['entries_100m_estimate']:.3g}")
    if "stopped" not in m:
        print("profile of one warm full metric set:\n" + m.pop("profile"))
    print(json.dumps(res, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
