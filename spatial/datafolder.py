"""Default road networks of the regions the project ships data for, read from the data folder.

The data folder (``settings.DATA_DIR``, laid out like ``../shared/data``) holds ``roads/…``; this module
maps a region name or adcode to the file, the class field and the snapping tolerance that suits it,
and builds (once) or loads (after) the network through the disk cache.  A region with no ``roads/`` file
falls back to its province's OpenStreetMap extract in ``osm/`` (``spatial.download``), clipped to the
region's bounding box; ``choose_network`` says which one a region gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from spatial import download, regions
from spatial.errors import NetworkError, RegionError
from spatial.netcache import cached_network
from spatial.network import Network
from spatial.settings import CACHE_DIR, DATA_DIR


@dataclass(frozen=True)
class NetworkSource:
    """Where a region's default network comes from and how it is built."""

    name: str
    kind: str  # "roads" | "edge_csv"
    relpath: str  # path under the data folder
    options: dict  # builder options (class field, snap tolerance …)
    note: str


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
#: not always share junction vertices; 20 m (settings.SNAP_M) bridges them: 310 components, largest
#: 97.4% of nodes (exact ends only: 481 components, 97.1%).
KUNMING_SNAP_M: float = 20.0

SOURCES: dict[str, NetworkSource] = {
    "hainan": NetworkSource(
        "hainan",
        "roads",
        "roads/hainan_trunk_roads.gpkg",
        {"class_field": "road_class", "layer": "roads", "snap_m": HAINAN_SNAP_M},
        "OSM motorway/trunk/primary backbone of Hainan island (coarse: no secondary or rural roads)",
    ),
    "kunming": NetworkSource(
        "kunming",
        "roads",
        "roads/kunming_roads.gpkg",
        {"class_field": "road_class", "layer": "roads", "snap_m": KUNMING_SNAP_M},
        "Kunming prefecture road lines in four classes (arterial, secondary, branch, internal)",
    ),
    "haikou_didi": NetworkSource(
        "haikou_didi",
        "edge_csv",
        "roads/haikou_didi",
        {"datum": "gcj02"},
        "central Haikou (13 × 8 km) directed DiDi network; one assumed urban speed",
    ),
}

_ALIASES = {
    "hainan": "hainan",
    "haikou": "hainan",
    "海南": "hainan",
    "海口": "hainan",
    "kunming": "kunming",
    "昆明": "kunming",
    "haikou_didi": "haikou_didi",
    "didi": "haikou_didi",
}


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
    hint = " (the bundled Yunnan roads cover Kunming prefecture only: use region 530100 or one of its counties)" if yunnan else ""
    raise NetworkError(
        f"no default road network for region {region!r}{hint}; defaults exist for Hainan (hainan, haikou, 46xxxx) "
        "and Kunming (kunming, 5301xx). For another region build one with "
        "'healthplan network build --pbf <Geofabrik .osm.pbf> --out DIR' or '--place \"<name>\"' (needs internet), "
        "or '--roads FILE --class-field FIELD' from your own road lines"
    )


def _source_path(region: str | int, data_dir: Path) -> Path:
    """Path of the region's roads/ source in the data folder; raises if the region has none or it is missing."""
    src = source_for(region)
    path = data_dir / src.relpath
    if not path.exists():
        raise NetworkError(
            f"the road data for {src.name} is missing: looked for {path}. Put the file there (or set "
            "HEALTHPLAN_DATA to a folder laid out like shared/data), or build a network from OpenStreetMap "
            "with 'healthplan network build --pbf <Geofabrik .osm.pbf> --out DIR' or '--place \"<name>\"'"
        )
    return path


# --- begin: downloaded province extracts as default networks (issue 13) ---------------------------


@dataclass(frozen=True)
class NetworkChoice:
    """The network a region gets by default: what it is built from, and one sentence saying so."""

    name: str  # a SOURCES key, or "osm:<province slug>" for a downloaded extract
    kind: str  # netcache builder kind: "roads" | "edge_csv" | "pbf"
    path: Path  # file (or folder) in the data folder it is built from
    options: dict  # builder options (for an extract: the region's bounding_box, lon/lat degrees)
    description: str  # for the app and the CLI: which network, from which file


def choose_network(region: str | int, *, data_dir: str | Path = DATA_DIR) -> NetworkChoice:
    """Which network the region gets by default, without building it.

    Order: (1) the network the data folder already has for the region (``SOURCES``: ``roads/…``);
    (2) the OpenStreetMap extract of the region's province, ``<data>/osm/<slug>-latest.osm.pbf`` (as
    ``spatial.download.fetch_osm`` places it), clipped to the region's bounding box (the whole extract
    when the region is a province the boundaries do not cover).  NetworkError naming both places when
    neither is there.
    """
    data_dir = Path(data_dir)
    try:
        path = _source_path(region, data_dir)
        src = source_for(region)
        return NetworkChoice(src.name, src.kind, path, dict(src.options), f"{src.note}, from {path}")
    except NetworkError as exc:
        missing = exc
    try:
        province = download.province_of(region)
    except RegionError:
        raise missing from None
    pbf = download.osm_path(province.slug, data_dir)
    if not pbf.is_file():
        raise NetworkError(
            f"{missing}; or download {province.name_en}'s OpenStreetMap extract with 'healthplan data fetch "
            f"--region {region}' (it goes to {pbf})"
        ) from None
    try:
        reg = regions.resolve(region)
    except RegionError:  # a province the committed boundaries do not cover: its extract is the region
        return NetworkChoice(f"osm:{province.slug}", "pbf", pbf, {},
                             f"OpenStreetMap driving network of {province.name_en}, from {pbf} (whole extract)")
    bbox = [float(v) for v in reg.bbox]
    return NetworkChoice(
        f"osm:{province.slug}", "pbf", pbf, {"bounding_box": bbox},
        f"OpenStreetMap driving network of {reg.name_zh}, from {pbf} (clipped to the region's bounding box)",
    )


def network_path(region: str | int, *, data_dir: str | Path = DATA_DIR) -> Path:
    """Path of the file (or folder) the region's default network is built from; raises if there is none."""
    return choose_network(region, data_dir=data_dir).path


def default_network(
    region: str | int, *, data_dir: str | Path = DATA_DIR, cache_dir: str | Path = CACHE_DIR
) -> Network:
    """The region's default routable network (see ``choose_network``), built on first use and cached.

    ``provenance["default_network"]`` carries the choice's description.
    """
    choice = choose_network(region, data_dir=data_dir)
    net = cached_network(choice.kind, choice.path, cache_dir=cache_dir, **choice.options)
    net.provenance["default_network"] = choice.description
    return net


# --- end: downloaded province extracts as default networks ----------------------------------------


def available_networks(data_dir: str | Path = DATA_DIR) -> dict[str, Path]:
    """Default networks whose source data exist in ``data_dir`` (name → path)."""
    out = {}
    for name, src in SOURCES.items():
        path = Path(data_dir) / src.relpath
        if path.exists():
            out[name] = path
    return out
