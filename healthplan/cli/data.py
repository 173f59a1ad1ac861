"""``healthplan data fetch``: download a province's OpenStreetMap extract (and WorldPop) into the data folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.command("fetch")
def fetch(
    region: Annotated[str, typer.Option(help="hainan, yunnan, yiyang, a province (e.g. guangdong, 广东) or an adcode.")],
    worldpop: Annotated[bool, typer.Option(help="Also download WorldPop's 2020 population of China.")] = False,
    worldpop_resolution: Annotated[str, typer.Option(help="WorldPop resolution: 1km or 100m.")] = "1km",
    data_dir: Annotated[Path | None, typer.Option(help="Data folder; default $HEALTHPLAN_DATA or ../shared/data.")]
    = None,
    overwrite: Annotated[bool, typer.Option(help="Download again even when the file is there.")] = False,
) -> None:
    """Download the data a region needs, resuming an interrupted download and checking its checksum."""
    # start-up laziness: the engine loads only when a command runs, so `healthplan --help` answers at once
    from healthplan.cli import _common as c
    from spatial import download, settings

    folder = data_dir or settings.data_dir()
    say = c.progress("data")
    out = {"region": region, "data_dir": str(folder)}
    out["osm"] = str(download.fetch_osm(region, folder, progress=say, overwrite=overwrite))
    if worldpop:
        out["worldpop"] = str(download.fetch_worldpop(folder, resolution=worldpop_resolution, progress=say,
                                                      overwrite=overwrite))
    c.echo_json(out)
