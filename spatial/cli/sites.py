"""``healthplan sites``: test candidate hospital sites (what-if gains) and choose the best ones (optimal siting)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from spatial.cli._inputs import Inputs, fail, load_inputs, minutes_list, say
from spatial.cli._inputs import provenance as inputs_provenance
from spatial.errors import HealthplanError
from spatial.settings import (
    DATA_DIR,
    GAP_CANDIDATES_N,
    GRID_M,
    MAX_ROAD_M,
    TERTIARY_THRESHOLD_MIN,
)

app = typer.Typer(no_args_is_help=True, help="Test candidate hospital sites and find the best ones.")

#: Isochrones are drawn by default only for this many candidates (each takes a raster of its reach).
_ISO_DEFAULT_MAX = 10

RegionOpt = Annotated[str, typer.Option(help="hainan, yunnan, yiyang, haikou, or a prefecture/county adcode (e.g. 530100).")]
OutOpt = Annotated[Path, typer.Option(help="Output GeoJSON; the summary goes to <out stem>.summary.json beside it.")]
NetworkOpt = Annotated[
    Path | None, typer.Option(help="Saved network folder (healthplan network build); default: the data folder's network.")
]
FacilitiesOpt = Annotated[
    Path | None, typer.Option(help="Existing facilities (CSV/Excel/GeoJSON); default: the region's --kind facilities.")
]
PopulationOpt = Annotated[str, typer.Option(help="A population GeoTIFF, or 'census' (2020 census spread on the grid).")]
ThresholdOpt = Annotated[float, typer.Option(help="Coverage threshold (minutes) the gains and the optimum refer to.")]
KindOpt = Annotated[str, typer.Option(help="Default existing facilities: tertiary, county_hospital or primary.")]
CellOpt = Annotated[
    float | None,
    typer.Option(help=f"Population grid cell size (metres); default {GRID_M:g} for census, the file's own for a GeoTIFF."),
]
CrsOpt = Annotated[str, typer.Option(help="Datum of facility/candidate coordinates: wgs84, gcj02 (AMap/Tencent), bd09 (Baidu).")]
RoadOpt = Annotated[float, typer.Option(help="Reject candidates farther than this from a road node (metres).")]
WeightOpt = Annotated[str, typer.Option(help="Whom to count: pop (everyone), urban, rural or pop60 (aged 60+).")]
DataOpt = Annotated[Path, typer.Option(help="Data folder (roads/, population/).")]


def _summary_path(out: Path) -> Path:
    """``<out stem>.summary.json`` next to the output file."""
    return out.with_name(f"{out.stem}.summary.json")


def _side_path(out: Path, what: str, suffix: str) -> Path:
    """``<out stem>.<what><suffix>`` next to the output file."""
    return out.with_name(f"{out.stem}.{what}{suffix}")


_say = say("sites")


def _load(*, region: str, network: Path | None, facilities: Path | None, kind: str, population: str,
          cell_m: float | None, datum: str, weight: str, data_dir: Path) -> tuple[Inputs, Any]:
    """The region's inputs plus its cells timed to today's facilities (siting.site_cells)."""
    from spatial import siting

    inp = load_inputs(region, network=network, facilities=facilities, kind=kind, datum=datum,
                      population=population, cell_m=cell_m, data_dir=data_dir, progress=_say)
    inp.sources["weight"] = weight
    return inp, siting.site_cells(inp.net, inp.grid, inp.facilities, weight=weight)


def _candidates(spec: str, inp: Inputs, cells: Any, *, threshold: float, n_gaps: int, datum: str) -> tuple[Any, str]:
    """Candidate points from a file, 'plan', 'seats' or 'gaps'; with a description of where they came from."""
    from spatial import siting

    key = spec.strip().lower()
    if key == "plan":
        return siting.candidates_from_plan(inp.region), "the plans' candidate sites (role candidate)"
    if key == "seats":
        return siting.candidates_from_seats(inp.region), "county seats (data/facilities/county_seats.csv)"
    if key == "gaps":
        frame = siting.candidates_from_gaps(inp.grid, cells.current_min, threshold_min=threshold, n=n_gaps)
        return frame, f"population-weighted centres of blocks of cells beyond {threshold:g} min (up to {n_gaps})"
    path = Path(spec)
    if not path.exists():
        raise HealthplanError(f"--candidates {spec!r}: no such file; give a CSV/GeoJSON file, or plan, seats or gaps")
    return siting.read_candidates(path, datum=datum), str(path)


def _provenance(inp: Inputs, **parts: Any) -> dict[str, Any]:
    """Provenance of a sites run: the inputs' provenance plus the siting travel-time model."""
    return inputs_provenance(
        inp,
        default_command="healthplan sites",
        travel_time_model=(
            "cell centre → nearest node access leg (straight line × detour at access speed) + shortest network time "
            "+ the site's own access leg; today's minutes from coverage.cell_minutes; each candidate's cells from "
            "its own bounded search (traveltime.reach_many), never a full recompute"
        ),
        **parts,
    )


def _rejected(checked: Any) -> list[dict[str, Any]]:
    """Name and reason of every rejected candidate (for the summary)."""
    bad = checked[checked["status"] != "ok"]
    names = bad["name"] if "name" in bad else bad.index.astype(str)
    return [{"name": str(n), "reason": str(r)} for n, r in zip(names, bad["reason"])]


def _reason_counts(rejected: list[dict[str, Any]]) -> dict[str, int]:
    """How many candidates failed each check (a candidate may fail several)."""
    counts = {"not_on_land": 0, "outside_region": 0, "far_from_road": 0}
    for item in rejected:
        counts["not_on_land"] += "not on land" in item["reason"]
        counts["outside_region"] += "outside the region" in item["reason"]
        counts["far_from_road"] += "from the nearest road node" in item["reason"]
    return counts


def _short(summary: dict[str, Any], provenance: dict[str, Any]) -> dict[str, Any]:
    """The printed one-line summary: the file's summary with rejected sites counted by reason, provenance abridged."""
    line = dict(summary)
    if len(line.get("rejected", [])) > 5:
        line["rejected"] = _reason_counts(line["rejected"])
    line["provenance"] = {k: provenance[k] for k in ("software", "created_utc", "command")}
    return line


@app.command("test")
def test(
    candidates: Annotated[str, typer.Option(help="Candidate sites: a CSV/GeoJSON file, or plan, seats or gaps.")],
    region: RegionOpt,
    out: OutOpt,
    network: NetworkOpt = None,
    facilities: FacilitiesOpt = None,
    population: PopulationOpt = "census",
    threshold: ThresholdOpt = TERTIARY_THRESHOLD_MIN,
    thresholds: Annotated[str, typer.Option(help="Also report new coverage at these thresholds (minutes).")] = "15,30,60",
    isochrones: Annotated[
        bool | None, typer.Option(help=f"Write each candidate's isochrones (default: when ≤ {_ISO_DEFAULT_MAX} candidates).")
    ] = None,
    kind: KindOpt = "tertiary",
    cell_m: CellOpt = None,
    crs: CrsOpt = "wgs84",
    max_road_m: RoadOpt = MAX_ROAD_M,
    weight: WeightOpt = "pop",
    n_gaps: Annotated[int, typer.Option(help="Number of gap candidates for --candidates gaps.")] = GAP_CANDIDATES_N,
    data_dir: DataOpt = DATA_DIR,
) -> None:
    """What if a hospital were built here: persons each candidate newly brings within the thresholds, by county."""
    try:
        summary = _test(**locals())
    except HealthplanError as exc:
        fail(exc)
    typer.echo(json.dumps(summary, ensure_ascii=False))


def _test(
    *,
    candidates: str,
    region: str,
    out: Path,
    network: Path | None,
    facilities: Path | None,
    population: str,
    threshold: float,
    thresholds: str,
    isochrones: bool | None,
    kind: str,
    cell_m: float | None,
    crs: str,
    max_road_m: float,
    weight: str,
    n_gaps: int,
    data_dir: Path,
) -> dict[str, Any]:
    """Run ``sites test``; returns the one-line summary."""
    from spatial import export, siting, sitestudy

    started = time.perf_counter()
    levels = tuple(sorted(set(minutes_list(thresholds, "--thresholds")) | {float(threshold)}))
    inp, cells = _load(region=region, network=network, facilities=facilities, kind=kind, population=population,
                       cell_m=cell_m, datum=crs, weight=weight, data_dir=data_dir)
    raw, cand_source = _candidates(candidates, inp, cells, threshold=threshold, n_gaps=n_gaps, datum=crs)
    study = sitestudy.evaluate_sites(inp.net, cells, raw, region=inp.region, threshold_min=threshold,
                                     thresholds_min=levels, max_road_m=max_road_m)
    checked, ok = study.sites, study.ok
    _say(f"{len(checked)} candidates from {cand_source}: {int(ok.sum())} ok, {int((~ok).sum())} rejected")
    people = [c for c in checked.columns if c.endswith("_population") or c.startswith("new_population_")]
    checked[people] = checked[people].round(1)
    by_county = study.by_county.assign(new_population=study.by_county["new_population"].astype(float).round(1))
    combined = study.combined.round(1).to_dict(orient="records")
    covered_before, covered_after = study.covered_before, study.covered_after
    provenance = _provenance(
        inp,
        method="what-if: each candidate's bounded search; gain_population = marginal gain in greedy rank order",
        candidates=cand_source,
        thresholds_min=list(levels),
        threshold_min=threshold,
        max_road_m=max_road_m,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = checked.drop(columns=[c for c in ("node",) if c in checked]).sort_values(["rank", "status"], na_position="last")
    export.write_geojson(frame, out, provenance=provenance)
    outputs = {"sites": str(out)}
    export.write_csv(by_county, _side_path(out, "counties", ".csv"), provenance=provenance)
    outputs["counties"] = str(_side_path(out, "counties", ".csv"))
    draw = isochrones if isochrones is not None else ok.sum() <= _ISO_DEFAULT_MAX
    if draw and ok.any():
        sub = checked[ok]
        _say(f"drawing isochrones of {len(sub)} candidates")
        iso = siting.what_if_isochrones(inp.net, sub.geometry.x.to_numpy(), sub.geometry.y.to_numpy(),
                                        thresholds_min=levels, names=sub["name"].tolist())
        export.write_geojson(iso, _side_path(out, "isochrones", ".geojson"), provenance=provenance)
        outputs["isochrones"] = str(_side_path(out, "isochrones", ".geojson"))
    total = float(cells.weight.sum())
    summary = {
        "command": "sites test",
        "region": inp.region.name,
        "threshold_min": threshold,
        "n_candidates": len(checked),
        "n_ok": int(ok.sum()),
        "n_rejected": int((~ok).sum()),
        "rejected": _rejected(checked),
        "total_population": round(total, 1),
        "covered_population_before": round(covered_before, 1),
        "covered_population_after": round(covered_after, 1),
        "covered_share_before": round(covered_before / total, 6) if total else None,
        "covered_share_after": round(covered_after / total, 6) if total else None,
        "by_threshold": combined,
        "method": "what-if (bounded search per candidate); greedy rank for gain_population",
        "gap": None,
        "outputs": outputs,
        "seconds": round(time.perf_counter() - started, 2),
    }
    summary["outputs"]["summary"] = str(_summary_path(out))
    export.write_json({**summary, "provenance": provenance}, _summary_path(out))
    return _short(summary, provenance)


@app.command("optimize")
def optimize(
    region: RegionOpt,
    out: OutOpt,
    candidates: Annotated[str, typer.Option(help="Candidate sites: a CSV/GeoJSON file, or plan, seats or gaps.")] = "gaps",
    k: Annotated[int | None, typer.Option("--k", help="Number of new sites (maximal covering).")] = None,
    target_coverage: Annotated[
        float | None, typer.Option(help="Share of the population to cover, 0.95 or 95 (fewest sites: set covering).")
    ] = None,
    method: Annotated[str, typer.Option(help="greedy (lazy greedy + Teitz–Bart interchange) or exact (HiGHS MILP).")] = "greedy",
    network: NetworkOpt = None,
    facilities: FacilitiesOpt = None,
    population: PopulationOpt = "census",
    threshold: ThresholdOpt = TERTIARY_THRESHOLD_MIN,
    kind: KindOpt = "tertiary",
    cell_m: CellOpt = None,
    crs: CrsOpt = "wgs84",
    max_road_m: RoadOpt = MAX_ROAD_M,
    weight: WeightOpt = "pop",
    n_gaps: Annotated[int, typer.Option(help="Number of gap candidates for --candidates gaps.")] = GAP_CANDIDATES_N,
    time_limit: Annotated[float, typer.Option(help="Time limit of the exact solver (seconds).")] = 120.0,
    data_dir: DataOpt = DATA_DIR,
) -> None:
    """Choose new sites: the k that cover most people, or the fewest reaching a target share (existing facilities kept)."""
    try:
        summary = _optimize(**locals())
    except HealthplanError as exc:
        fail(exc)
    typer.echo(json.dumps(summary, ensure_ascii=False))


def _optimize(
    *,
    region: str,
    out: Path,
    candidates: str,
    k: int | None,
    target_coverage: float | None,
    method: str,
    network: Path | None,
    facilities: Path | None,
    population: str,
    threshold: float,
    kind: str,
    cell_m: float | None,
    crs: str,
    max_road_m: float,
    weight: str,
    n_gaps: int,
    time_limit: float,
    data_dir: Path,
) -> dict[str, Any]:
    """Run ``sites optimize``; returns the one-line summary."""
    import numpy as np

    from spatial import export, sitestudy

    started = time.perf_counter()
    if (k is None) == (target_coverage is None):
        raise HealthplanError("give exactly one of --k N (number of new sites) or --target-coverage X (e.g. 0.95)")
    target = None
    if target_coverage is not None:
        target = target_coverage / 100.0 if 1.0 < target_coverage <= 100.0 else target_coverage
    inp, cells = _load(region=region, network=network, facilities=facilities, kind=kind, population=population,
                       cell_m=cell_m, datum=crs, weight=weight, data_dir=data_dir)
    raw, cand_source = _candidates(candidates, inp, cells, threshold=threshold, n_gaps=n_gaps, datum=crs)
    _say(f"{len(raw)} candidates from {cand_source}; searching from each and choosing ({method})")
    choice = sitestudy.choose_sites(inp.net, cells, raw, region=inp.region, threshold_min=threshold, k=k,
                                    target_share=target, method=method, max_road_m=max_road_m,
                                    time_limit_s=time_limit)
    result, chosen, checked = choice.result, choice.chosen, choice.candidates
    ok = (checked["status"] == "ok").to_numpy()
    _say(f"{result.method}: {result.chosen.size} sites, {result.covered_before:,.0f} → {result.covered_after:,.0f} persons")
    if k is not None and result.chosen.size < k:
        _say(f"only {result.chosen.size} of the {k} sites asked for add anyone within {threshold:g} min; "
             "the others would cover no new people and are not returned")
    if not result.feasible:
        _say(f"target {float(target):.1%} cannot be reached: all {int(ok.sum())} usable candidates together reach "
             f"{result.best_share:.1%}; add candidates (e.g. --candidates gaps) or lower the target")
    provenance = _provenance(
        inp,
        method=result.method,
        candidates=cand_source,
        threshold_min=threshold,
        max_road_m=max_road_m,
        objective=("maximal covering: k new sites" if k is not None else "set covering: fewest sites to the target share"),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    export.write_geojson(chosen.drop(columns=["node"]), out, provenance=provenance)
    all_path = _side_path(out, "candidates", ".geojson")
    export.write_geojson(checked.drop(columns=["node"]), all_path, provenance=provenance)
    summary = {
        "command": "sites optimize",
        "region": inp.region.name,
        "candidates": cand_source,
        "n_candidates": len(checked),
        "n_ok": int(ok.sum()),
        "n_rejected": int((~ok).sum()),
        "rejected": _rejected(checked),
        "k": k,
        **result.summary(),
        "chosen": [int(i) + 1 for i in np.flatnonzero(ok)[result.chosen]],  # 1-based rows of the candidate list
        "outputs": {"sites": str(out), "candidates": str(all_path), "summary": str(_summary_path(out))},
        "seconds": round(time.perf_counter() - started, 2),
    }
    summary["chosen_names"] = [str(n) for n in chosen["name"]]
    export.write_json({**summary, "provenance": provenance}, _summary_path(out))
    return _short(summary, provenance)
