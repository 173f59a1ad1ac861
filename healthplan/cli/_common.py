"""What the analysis commands share: options → a scenario, progress and notices on stderr, run, write, summary.

The options are one way of writing a scenario: they become a scenario dict that
``spatial.scenario.from_dict`` validates like a file, with errors naming the option (``OPTION_NAMES``).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

from healthplan import run as front
from spatial import export, population
from spatial.errors import OptionError
from spatial.provenance import jsonable
from spatial.results import Results
from spatial.scenario import Scenario, from_dict, save_scenario
from spatial.settings import GRID_M

#: Scenario keys → the option that writes them (error messages name the option).
OPTION_NAMES: dict[str, str] = {
    "region": "--region", "cell_m": "--cell-m", "data_dir": "--data-dir", "name": "--name",
    "network": "--network", "network.path": "--network",
    "facilities": "--facilities", "facilities.path": "--facilities", "facilities.options.datum": "--facility-crs",
    "facilities.options.kind": "--kind",
    "primary": "--primary", "primary.path": "--primary", "primary.options.datum": "--facility-crs",
    "population": "--population", "population.path": "--population",
    "emergency_sites": "--sites", "emergency_sites.path": "--sites", "emergency_sites.options.datum": "--facility-crs",
    "thresholds.tertiary_min": "--threshold", "thresholds.urban_min": "--urban-threshold",
    "thresholds.rural_min": "--rural-threshold", "thresholds.emergency_min": "--emergency-threshold",
    "thresholds.bands_min": "--bands", "thresholds.isochrones_min": "--isochrones",
    "sites.sources": "--candidates", "sites.n_gaps": "--n-gaps", "sites.max_road_m": "--max-road-m",
    "sites.weight": "--weight", "sites.points": "--candidates",
    "optimiser": "--k/--target-coverage", "optimiser.k": "--k", "optimiser.target_share": "--target-coverage",
    "optimiser.method": "--method", "optimiser.time_limit_s": "--time-limit", "optimiser.pool": "--candidates",
    "per_facility_isochrones": "--per-facility",
    # healthplan access … and healthplan targets (healthplan/cli/access.py, targets.py)
    "access.capacity.column": "--capacity", "access.capacity.persons_per_unit": "--persons-per-unit",
    "access.capacity.assumed_units": "--assume-units", "access.capacity.order": "--order",
    "access.capacity.band_min": "--band-min", "access.capacity.threshold_min": "--threshold",
    "access.fca.method": "--method", "access.fca.decay": "--decay", "access.fca.catchment_min": "--catchment",
    "access.fca.sigma_min": "--sigma", "access.fca.supply": "--supply", "access.fca.assumed_units": "--assume-units",
    "access.referral.county_hospitals": "--county-hospitals", "access.referral.county_hospitals.path":
        "--county-hospitals", "access.referral.county_hospitals.options.datum": "--facility-crs",
    "access.referral.limit_min": "--limit",
    "access.scaling": "--k/--target-coverage/--budget", "access.scaling.k": "--k",
    "access.scaling.target_share": "--target-coverage", "access.scaling.budget": "--budget",
    "access.scaling.pool": "--candidates", "access.scaling.candidate_units": "--candidate-units",
    "access.scaling.method": "--method", "access.scaling.time_limit_s": "--time-limit",
    "resources": "--facilities", "resources.path": "--facilities", "resources.options.datum": "--facility-crs",
}


def collect_from_here() -> None:
    """Turn garbage collection back on after the engine's imports, with what they built frozen out of its sight.

    ``healthplan.cli.main`` turns collection off before a command imports the engine: the imports build
    about a million long-lived objects and no garbage, and the collector would walk them some 300 times
    (≈ 0.1 s); frozen (``gc.freeze``), the run's collections skip them (≈ 0.1 s more on Hainan's run,
    ``bench/bench_cli.py``).  Does nothing where collection is on (tests, the app).
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


collect_from_here()  # every command that computes imports this module first, after the engine above

#: Network files a --network option may name directly (the saved network folder is the usual case).
_NETWORK_SUFFIX = {".pbf": "pbf", ".osm": "osm_xml"}


def progress(command: str) -> Any:
    """A progress printer for one command: lines on stderr, so stdout keeps the JSON summary."""
    def say(message: str, fraction: float | None = None) -> None:
        typer.echo(f"[{command}] {message}", err=True)
    return say


def minutes(text: str | None, option: str) -> list[float] | None:
    """Comma-separated minutes such as "15,30,60" (range and order are checked by the scenario)."""
    if text is None:
        return None
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise OptionError(f"{option} takes comma-separated minutes such as 15,30,60, got {text!r}") from None


def network_source(path: Path | None) -> dict[str, Any]:
    """The scenario's network entry for a --network option: a saved network folder or an OSM file."""
    if path is None:
        return {"kind": "default"}
    if path.is_dir():
        return {"kind": "saved", "path": str(path)}
    kind = _NETWORK_SUFFIX.get(path.suffix.lower())
    if kind is None or not path.is_file():
        raise OptionError(f"--network {path}: give a folder written by 'healthplan network build', or an OSM .pbf "
                          "file; build other road files with 'healthplan network build --roads FILE --class-field F'")
    return {"kind": kind, "path": str(path)}


def file_source(path: Path | None, option: str, *, datum: str, default: dict[str, Any] | None) -> dict[str, Any] | None:
    """A facilities-like entry: a file (with its datum) or the default."""
    if path is None:
        return default
    if not path.is_file():
        raise OptionError(f"{option} {path}: no such file; give a CSV, Excel or GeoJSON file of points")
    return {"kind": "file", "path": str(path), "options": {"datum": datum}}


def site_source(spec: str, datum: str) -> dict[str, Any]:
    """A --candidates value: plan, seats, gaps, or a file of points."""
    key = spec.strip().lower()
    if key in ("plan", "seats", "gaps"):
        return {"kind": key}
    path = Path(spec)
    if not path.is_file():
        raise OptionError(f"--candidates {spec!r}: no such file; give a CSV/GeoJSON file, or plan, seats or gaps")
    return {"kind": "file", "path": str(path), "options": {"datum": datum}}


def cell_size(cell_m: float | None, population_spec: str) -> float:
    """The grid cell (m): as given, else a GeoTIFF's own healthplan cell size, else GRID_M."""
    if cell_m is not None:
        return cell_m
    if population_spec != "census":
        native = population.native_cell_m(population_spec)
        if native is not None:
            return native
    return GRID_M


def share(value: float | None) -> float | None:
    """A share given as 0.95 or as 95 (per cent), as a fraction; None stays None."""
    if value is None:
        return None
    return value / 100.0 if 1.0 < value <= 100.0 else value


def population_source(spec: str) -> dict[str, Any]:
    """'census' or a GeoTIFF path."""
    return {"kind": "census"} if spec.strip().lower() == "census" else {"kind": "geotiff", "path": spec}


def _drop_none(value: Any) -> Any:
    """The dict without keys whose value is None (an option left at "use the default"), recursively."""
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    return value


def scenario(raw: dict[str, Any]) -> Scenario:
    """Validate the options' scenario dict (errors name the options)."""
    body = {"schema": "healthplan-scenario", "schema_version": 2, **_drop_none(raw)}
    return from_dict(body, where="command line", base=Path.cwd(), names=OPTION_NAMES)


def run_and_write(s: Scenario, out: Path, *, command: str, lang: str, save: Path | None, report: bool) -> Results:
    """Check the destination, run the scenario, write the output set; print notices and the summary line.

    ``report`` adds the standalone map and the HTML report (``views``) to the data files.
    """
    if lang not in ("zh", "en"):
        raise OptionError(f"--lang must be zh or en, got {lang!r}")
    export.check_destination(out, folder=True)  # before any computing: a read-only --out fails at once
    if save is not None:
        export.check_destination(save, folder=False, option="--save-scenario")
    say = progress(command)
    res = front.run(s, progress=say)
    for n in res.notices:
        typer.echo(f"warning: {n.message}", err=True)
    say(f"writing {out}")
    plans = front.plan_layers(res.region)
    extra = None
    if report:
        from views.report import extra_files  # start-up: folium and plotly load only when a report is asked for

        extra = extra_files(res, plans, lang=lang)
    front.write(res, out, plans=plans, extra=extra)
    if save is not None:
        save_scenario(s, save)
    summary = {"command": command, **res.summary(), "out": str(out)}
    typer.echo(json.dumps(jsonable(summary), ensure_ascii=False, allow_nan=False))
    return res


def echo_json(data: dict[str, Any]) -> None:
    """Print one line of strict JSON to stdout."""
    typer.echo(json.dumps(jsonable(data), ensure_ascii=False, allow_nan=False))


def csv_list(values: Sequence[str]) -> list[str]:
    """Values given as repeated options or comma-separated."""
    return [v.strip() for item in values for v in item.split(",") if v.strip()]
