"""What the analysis commands share: reading the region's network, facilities and population, and option parsing."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import typer

from spatial.errors import HealthplanError
from spatial.network import Network
from spatial.population import PopulationGrid
from spatial.settings import ACCESS_SPEED_KMH, DETOUR_FACTOR, GRID_M

DATUMS = ("wgs84", "gcj02", "bd09")


@dataclass(frozen=True, eq=False)
class Inputs:
    """A region with its road network, facilities and population grid, and where each came from."""

    region: Any  # spatial.regions.Region
    net: Network
    facilities: gpd.GeoDataFrame
    grid: PopulationGrid
    sources: dict[str, Any] = field(default_factory=dict)


def say(command: str) -> Callable[[str], None]:
    """A progress printer for one command: lines on stderr, so stdout keeps the JSON summary."""
    return lambda message: typer.echo(f"[{command}] {message}", err=True)


def fail(exc: HealthplanError) -> None:
    """Print a planner-readable error and exit with code 2."""
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(code=2)


def minutes_list(text: str, option: str) -> tuple[float, ...]:
    """Comma-separated positive minutes such as "15,30,60"."""
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise HealthplanError(f"{option} takes comma-separated minutes such as 15,30,60, got {text!r}") from None
    if not values or any(not v > 0 for v in values):
        raise HealthplanError(f"{option} needs at least one positive number of minutes, got {text!r}")
    return values


def load_inputs(
    region: str,
    *,
    network: Path | None,
    facilities: Path | None,
    kind: str,
    datum: str,
    population: str,
    cell_m: float | None,
    data_dir: Path,
    progress: Callable[[str], None],
) -> Inputs:
    """Resolve the region; load its network (default: the data folder's), facilities and population grid."""
    from spatial import datafolder, regions
    from spatial import facilities as facilities_mod
    from spatial import network as network_mod
    from spatial import population as population_mod

    if datum not in DATUMS:
        raise HealthplanError(f"the facility datum must be wgs84, gcj02 or bd09, got {datum!r}")
    reg = regions.resolve(region)
    progress(f"region {reg.name} ({reg.name_zh}, {len(reg.counties)} county-level units)")
    if network is not None:
        net, net_source = network_mod.load(network), str(network)
    else:
        progress("loading the data folder's default network for the region (built once, then cached)")
        net, net_source = datafolder.default_network(reg.name, data_dir=data_dir), f"default network of {data_dir}"
    progress(f"network: {net.n_nodes:,} nodes, {net.n_edges:,} edges")
    if facilities is not None:
        fac, fac_source = facilities_mod.read_facilities(facilities, datum=datum), str(facilities)
    else:
        fac, fac_source = facilities_mod.default_facilities(reg, kind=kind), f"default {kind} facilities (data/facilities)"
    if len(fac) == 0:
        raise HealthplanError(f"no facilities in {fac_source}; give --facilities FILE")
    facilities_mod.check_on_network(fac, net)
    progress(f"{len(fac)} facilities from {fac_source}")
    if population == "census":
        cell_m = GRID_M if cell_m is None else cell_m
        progress(f"spreading the 2020 census over a {cell_m:g} m grid")
        grid = population_mod.from_census(reg, network=net, cell_m=cell_m)
    else:
        grid = population_mod.read_geotiff(Path(population), reg, cell_m=cell_m)
    progress(f"population grid: {grid.n_cells:,} populated cells, {float(grid.pop.sum()):,.0f} persons")
    sources = {"network": net_source, "facilities": fac_source, "population": population}
    return Inputs(reg, net, fac, grid, sources)


def provenance(inp: Inputs, *, default_command: str, **parts: Any) -> dict[str, Any]:
    """Provenance of a command's outputs: command line, region, sources, travel-time model, network, population."""
    from spatial import export

    return export.make_provenance(
        command=" ".join(["healthplan", *sys.argv[1:]]) if sys.argv else default_command,
        region={"name": inp.region.name, "name_zh": inp.region.name_zh, "adcode": inp.region.adcode},
        sources=inp.sources,
        speeds={"access_kmh": ACCESS_SPEED_KMH, "detour_factor": DETOUR_FACTOR},
        network=inp.net.provenance,
        population=inp.grid.provenance,
        cell_m=inp.grid.cell_m,
        **parts,
    )
