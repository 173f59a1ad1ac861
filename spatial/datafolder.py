"""Default road networks of the regions, from the data folder or, failing that, the embedded backbone.

The data folder (``settings.data_dir()``, laid out like ``../shared/data``) holds ``roads/…``; this
module maps a region name or adcode to the file, the class field and the snapping tolerance that suit
it, and builds (once) or loads (after) the network through the disk cache.  Where the data folder has
no Hainan roads, the repository's embedded copy of the OpenStreetMap backbone
(``data/roads/hainan_trunk_roads.json``, ODbL) stands in, so a fresh clone still measures the 1-hour
circle; ``NetworkChoice.note`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spatial.errors import NetworkError
from spatial.netcache import cached_network
from spatial.network import Network
from spatial import settings


@dataclass(frozen=True)
class NetworkSource:
    """Where a region's default network comes from and how it is built."""

    name: str
    kind: str  # a spatial.netcache kind: "roads" | "edge_csv" | "backbone_json"
    relpath: str  # path under the data folder
    options: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    embedded: str | None = None  # file or folder under data/roads/ shipped with the repository


@dataclass(frozen=True)
class NetworkChoice:
    """The network a region gets: the source, the file used, and whether it is the embedded stand-in."""

    source: NetworkSource
    path: Path
    embedded: bool

    @property
    def note(self) -> str:
        """One sentence for the user: which network, from where."""
        where = "the embedded copy shipped with healthplan" if self.embedded else f"the data folder ({self.path})"
        return f"{self.source.note}, from {where}"


#: Hainan backbone: 450 m.  The lines are simplified at ~400–500 m and rounded to 0.001° (~100 m), so
#: gaps of a few hundred metres between road ends are artefacts of the data.  Measured, as components /
#: share of nodes in the largest (endpoint joins + T-junctions):
#:   300 m → 22 / 94.1%;  450 m → 18 / 97.7%;  600 m → 13 / 98.7%
#: (endpoint joins alone 37 / 91.2%, 30 / 94.8%, 23 / 96.2%; exact ends only 85 / 72.2%).
#: 450 m joins nearly all of the backbone while staying within the simplification tolerance; beyond it,
#: roads that merely pass near each other (an expressway over a national road) start to get junctions
#: they do not have.  Gaps are bridged by edges as long as the gap, so no node moves.
HAINAN_SNAP_M: float = 450.0

#: Kunming: coordinates are rounded to 0.0001° (~10 m) and the four source layers (one per class) do
#: not always share junction vertices; 20 m bridges them: 310 components, largest 97.4% of nodes
#: (exact ends only: 481 components, 97.1%).
KUNMING_SNAP_M: float = 20.0

BACKBONE_NOTE = ("Hainan's OpenStreetMap backbone (motorway/trunk/primary only: no secondary or rural roads, so "
                 "access away from the trunk roads is understated)")

SOURCES: dict[str, NetworkSource] = {
    "hainan": NetworkSource(
        "hainan", "roads", "roads/hainan_trunk_roads.gpkg",
        {"class_field": "road_class", "layer": "roads", "snap_m": HAINAN_SNAP_M}, BACKBONE_NOTE,
        embedded="hainan_trunk_roads.json",
    ),
    "kunming": NetworkSource(
        "kunming", "roads", "roads/kunming_roads.gpkg",
        {"class_field": "road_class", "layer": "roads", "snap_m": KUNMING_SNAP_M},
        "Kunming prefecture road lines in four classes (arterial, secondary, branch, internal)",
    ),
    "haikou_didi": NetworkSource(
        "haikou_didi", "edge_csv", "roads/haikou_didi", {"datum": "gcj02"},
        "central Haikou (13 × 8 km) directed DiDi network at one assumed urban speed",
        embedded="haikou_didi",
    ),
}

_ALIASES = {"hainan": "hainan", "haikou": "hainan", "海南": "hainan", "海口": "hainan", "kunming": "kunming",
            "昆明": "kunming", "haikou_didi": "haikou_didi", "didi": "haikou_didi"}


def source_for(region: str | int) -> NetworkSource:
    """The default network source of a region name or adcode (46xxxx → Hainan, 5301xx → Kunming)."""
    key = str(region).strip().lower()
    if key.isdigit():
        if key.startswith("46"):
            return SOURCES["hainan"]
        if key.startswith("5301"):
            return SOURCES["kunming"]
    elif key in _ALIASES:
        return SOURCES[_ALIASES[key]]
    # The Kunming lines stop at the prefecture boundary: measuring the rest of Yunnan on them would put
    # every place there hours of "access leg" away instead of saying that no network covers it.
    yunnan = key in ("yunnan", "云南", "云南省") or (key.isdigit() and key.startswith("53"))
    hint = " (the bundled Yunnan roads cover Kunming prefecture only: use region 530100 or one of its counties)" \
        if yunnan else ""
    raise NetworkError(
        f"no road network for region {region!r}{hint}; defaults exist for Hainan (hainan, haikou, 46xxxx) "
        "and Kunming (kunming, 5301xx). Get one with 'healthplan data fetch --region <province>' (needs the "
        "internet), or build one with 'healthplan network build --pbf FILE|--roads FILE --class-field F --out DIR' "
        "and pass it with --network DIR"
    )


def choose(region: str | int, *, data_dir: Path | None = None) -> NetworkChoice:
    """Which file the region's default network is built from: the data folder's, else the embedded copy."""
    src = source_for(region)
    folder = Path(data_dir) if data_dir is not None else settings.data_dir()
    path = folder / src.relpath
    if path.exists():
        return NetworkChoice(src, path, embedded=False)
    if src.embedded is not None and (settings.EMBEDDED_ROADS_DIR / src.embedded).exists():
        return NetworkChoice(src, settings.EMBEDDED_ROADS_DIR / src.embedded, embedded=True)
    raise NetworkError(
        f"the road data for {src.name} is missing: looked for {path}. Put the file there (or set HEALTHPLAN_DATA "
        "to a folder laid out like shared/data), or build a network from OpenStreetMap with "
        "'healthplan network build --pbf <Geofabrik .osm.pbf> --out DIR'"
    )


def build_choice(choice: NetworkChoice, *, cache_dir: Path | None = None) -> Network:
    """Build (once) or load the network of a choice through the disk cache."""
    cache = Path(cache_dir) if cache_dir is not None else settings.cache_dir()
    src = choice.source
    if choice.embedded and src.name == "hainan":
        return cached_network("backbone_json", choice.path, cache_dir=cache, snap_m=src.options["snap_m"])
    return cached_network(src.kind, choice.path, cache_dir=cache, **src.options)


def default_network(region: str | int, *, data_dir: Path | None = None, cache_dir: Path | None = None) -> Network:
    """The region's default routable network, built on first use and loaded from the cache after."""
    return build_choice(choose(region, data_dir=data_dir), cache_dir=cache_dir)


def available_networks(data_dir: Path | None = None) -> dict[str, Path]:
    """Default networks whose source data exist (name → path), the embedded ones included."""
    out = {}
    for name in SOURCES:
        try:
            out[name] = choose(name, data_dir=data_dir).path
        except NetworkError:
            continue
    return out
