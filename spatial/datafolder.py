"""Default road networks of the regions: a downloaded extract, the data folder's roads, or the embedded backbone.

For a region, in this order:

1. its province's OpenStreetMap extract downloaded into the data folder (``<data>/osm/<province>-latest.osm.pbf``,
   as ``healthplan data fetch`` places it), clipped to the region's bounding box — the user asked for it, and
   it is the full road network;
2. the road file the data folder holds for it (``roads/…``, laid out like ``../shared/data``);
3. the repository's embedded copy of Hainan's OpenStreetMap backbone (``data/roads/hainan_trunk_roads.json``,
   ODbL), so a fresh clone still measures the 1-hour circle.

``choose`` decides without building and says which in one sentence (``NetworkChoice.note``);
``build_choice`` builds it once and loads it from the disk cache after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spatial import extracts, regions, settings
from spatial.errors import NetworkError, RegionError
from spatial.netcache import cached_network
from spatial.network import Network


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
    """The network a region gets: how it is built, from which file, and one sentence saying so."""

    name: str  # a SOURCES key, or "osm:<province slug>" for a downloaded extract
    kind: str  # a spatial.netcache kind
    path: Path
    options: dict[str, Any]
    note: str
    embedded: bool = False  # the repository's own copy stands in for missing data


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


def _extract(region: str | int, folder: Path) -> NetworkChoice | None:
    """The downloaded OpenStreetMap extract of the region's province, clipped to the region, if present."""
    try:
        province = extracts.province_of(region)
    except RegionError:
        return None
    pbf = extracts.osm_path(province.slug, folder)
    if not pbf.is_file():
        return None
    try:
        reg = regions.resolve(region)
    except RegionError:  # a province the committed boundaries do not cover: its extract is the region
        return NetworkChoice(f"osm:{province.slug}", "pbf", pbf, {},
                             f"OpenStreetMap driving network of {province.name_en}, from {pbf} (whole extract)")
    return NetworkChoice(f"osm:{province.slug}", "pbf", pbf, {"bounding_box": [float(v) for v in reg.bbox]},
                         f"OpenStreetMap driving network of {reg.name_zh}, from {pbf} (clipped to the region)")


def choose(region: str | int, *, data_dir: Path | None = None) -> NetworkChoice:
    """Which network the region gets by default, without building it (see the module's order)."""
    folder = Path(data_dir) if data_dir is not None else settings.data_dir()
    extract = _extract(region, folder)
    if extract is not None:
        return extract
    try:
        src = source_for(region)
    except NetworkError as exc:
        raise _with_fetch_hint(exc, region, folder) from None
    path = folder / src.relpath
    if path.exists():
        return NetworkChoice(src.name, src.kind, path, dict(src.options), f"{src.note}, from the data folder ({path})")
    if src.embedded is not None and (settings.EMBEDDED_ROADS_DIR / src.embedded).exists():
        embedded = settings.EMBEDDED_ROADS_DIR / src.embedded
        kind, options = (("backbone_json", {"snap_m": src.options["snap_m"]}) if src.name == "hainan"
                         else (src.kind, dict(src.options)))
        return NetworkChoice(src.name, kind, embedded, options,
                             f"{src.note}, from the embedded copy shipped with healthplan", embedded=True)
    raise _with_fetch_hint(NetworkError(
        f"the road data for {src.name} is missing: looked for {path}. Put the file there (or set HEALTHPLAN_DATA "
        "to a folder laid out like shared/data)"), region, folder)


def _with_fetch_hint(exc: NetworkError, region: str | int, folder: Path) -> NetworkError:
    """The error plus where a downloaded extract would go."""
    try:
        province = extracts.province_of(region)
    except RegionError:
        return exc
    pbf = extracts.osm_path(province.slug, folder)
    return NetworkError(f"{exc}; or download {province.name_en}'s OpenStreetMap extract with "
                        f"'healthplan data fetch --region {region}' (it goes to {pbf})")


def build_choice(choice: NetworkChoice, *, cache_dir: Path | None = None) -> Network:
    """Build (once) or load the network of a choice through the disk cache; its provenance says which."""
    cache = Path(cache_dir) if cache_dir is not None else settings.cache_dir()
    net = cached_network(choice.kind, choice.path, cache_dir=cache, **choice.options)
    net.provenance["default_network"] = choice.note
    return net


def network_path(region: str | int, *, data_dir: Path | None = None) -> Path:
    """Path of the file (or folder) the region's default network is built from; raises if there is none."""
    return choose(region, data_dir=data_dir).path


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
