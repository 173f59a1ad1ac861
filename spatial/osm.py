"""OpenStreetMap → Network: PBF extracts streamed with pyosmium, Overpass and OSM XML through osmnx.

* ``from_pbf``: a Geofabrik-style ``.osm.pbf``, streamed by ``spatial.osmpbf`` (pyrosm's/OSMnx's driving
  filter; way interior points summed into edge lengths); a province in seconds, no pandas frames.
* ``from_place`` (Overpass, needs internet) and ``from_osm_xml`` (a local ``.osm`` XML file) both go
  through osmnx to a ``MultiDiGraph`` and then through the one conversion ``graph_to_network``.

Speeds come from the ``highway`` tag via the speed table.  One-way rules follow OSM: ``oneway=yes|true|1``
(digitised direction), ``oneway=-1|reverse`` (against it), ``junction=roundabout`` and
``highway=motorway|motorway_link`` imply one-way unless ``oneway=no``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

from spatial import osmpbf
from spatial.errors import InputFileError, NetworkError
from spatial.network import Network, assemble, file_identity, travel_minutes
from spatial.speeds import class_speeds, resolve_speeds, speed_provenance

log = logging.getLogger(__name__)

#: highway=* values a car may use (the OSM keys of the default speed table).
DRIVABLE_HIGHWAYS: frozenset[str] = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "road",
        "track",
    }
)

_YES = {"yes", "true", "1"}
_REVERSE = {"-1", "reverse"}
_IMPLIED_ONEWAY = {"motorway", "motorway_link"}


def _first(value: Any) -> str:
    """First value of an osmnx list attribute (simplified edges carry lists), as a lower-case string."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip().lower()


def _lower_strings(values: np.ndarray) -> np.ndarray:
    """``_first`` of every value as a str array; in bulk when the values are already plain strings."""
    arr = np.asarray(values)
    if arr.dtype.kind == "U":  # the streaming PBF reader's tags: no lists, no missing values
        return np.char.lower(np.char.strip(arr))
    return np.array([_first(v) for v in arr], dtype=object).astype(str)


def oneway_direction(
    highway: np.ndarray, oneway: np.ndarray, junction: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per OSM way segment: (forward allowed, backward allowed) from highway/oneway/junction tags."""
    hw, ow, jn = (_lower_strings(a) for a in (highway, oneway, junction))
    backward_only = np.isin(ow, list(_REVERSE))
    forward_only = np.isin(ow, list(_YES)) | (
        (ow == "") & (np.isin(hw, list(_IMPLIED_ONEWAY)) | (jn == "roundabout"))
    )
    return ~backward_only, ~forward_only


def _edges_to_network(
    node_lon: np.ndarray,
    node_lat: np.ndarray,
    tail: np.ndarray,
    head: np.ndarray,
    length_m: np.ndarray,
    highway: np.ndarray,
    *,
    speeds: Mapping[str, float] | str | Path | None,
    uniform_speed_kmh: float | None,
    source: str,
    provenance: dict[str, Any],
) -> Network:
    """Directed OSM edges with highway tags → Network (speeds by class, largest strong component)."""
    hw = _lower_strings(highway)
    class_names, class_idx = np.unique(hw, return_inverse=True)
    classes = tuple(str(c) for c in class_names)
    table = resolve_speeds(speeds)
    speed = class_speeds(classes, table, uniform_speed_kmh=uniform_speed_kmh, source=source)
    prov = {**provenance, **speed_provenance(classes, speed, table, uniform_speed_kmh)}
    return assemble(
        node_lon,
        node_lat,
        tail,
        head,
        length_m,
        travel_minutes(length_m, speed[class_idx]),
        class_idx,
        classes,
        directed=True,
        provenance=prov,
    )


#: highway=* values of a PBF driving network: pyrosm's and OSMnx's "driving" filters leave out service
#: roads and tracks (``from_osm_xml``/``from_place`` keep them: see ``graph_to_network``).
PBF_DRIVING_HIGHWAYS: frozenset[str] = DRIVABLE_HIGHWAYS - {"service", "track"}


#: Peak memory of the streaming PBF build: ≈ 0.25 GB plus ≈ 28 bytes per byte of the file (measured on
#: the 1.1–5.3 million-node provinces of bench/bench_province.py: 0.38–0.92 GB for 5–24 MB files).
PBF_BASE_BYTES: float = 0.25e9
PBF_BYTES_PER_FILE_BYTE: float = 28.0
#: Share of the machine's memory a build may take.
MEMORY_SHARE: float = 0.8


def machine_memory_bytes() -> float:
    """Physical memory of this machine (bytes); infinite where the system does not say."""
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return float("inf")


def check_pbf_size(path: Path) -> None:
    """Refuse a PBF whose build would not fit in memory, with the estimate and the way around."""
    size = path.stat().st_size
    need = PBF_BASE_BYTES + PBF_BYTES_PER_FILE_BYTE * size
    have = machine_memory_bytes()
    if need > MEMORY_SHARE * have:
        raise NetworkError(
            f"{path}: a {size / 1e6:,.0f} MB extract needs ≈ {need / 1e9:,.1f} GB of memory to build (≈ "
            f"{PBF_BYTES_PER_FILE_BYTE:g} × the file), more than {MEMORY_SHARE:.0%} of this machine's "
            f"{have / 1e9:,.1f} GB; cut it to the region first, e.g. osmium extract -b "
            "MINLON,MINLAT,MAXLON,MAXLAT in.osm.pbf -o region.osm.pbf")


def from_pbf(
    path: str | Path,
    *,
    speeds: Mapping[str, float] | str | Path | None = None,
    uniform_speed_kmh: float | None = None,
    bounding_box: list[float] | None = None,
) -> Network:
    """Driving network from an OSM PBF extract, streamed with pyosmium (``spatial.osmpbf``).

    Nodes are the ways' endpoints and junctions; a way's interior points are summed into the length of
    its pieces (great-circle metres), so a province extract of millions of nodes builds in seconds.
    ``bounding_box``: [min lon, min lat, max lon, max lat] (WGS84 degrees); ways are cut at its edge.
    One-way tags are honoured (``oneway_direction``); speeds by ``highway`` class from the speed table.
    """
    t0 = time.perf_counter()
    path = Path(path)
    if not path.is_file():
        raise InputFileError(
            f"OSM PBF {path} not found; download an extract from https://download.geofabrik.de/"
        )
    check_pbf_size(path)
    log.info("reading %s with pyosmium (driving network)…", path.name)
    ways = osmpbf.read_way_pieces(path, highways=PBF_DRIVING_HIGHWAYS, bounding_box=bounding_box)
    if ways.u.shape[0] == 0:
        raise NetworkError(f"{path}: no drivable roads in the extract (or in the bounding box)")
    fwd_way, back_way = oneway_direction(ways.highway, ways.oneway, ways.junction)
    fwd, back = fwd_way[ways.way], back_way[ways.way]
    highway = ways.highway[ways.way]
    log.info(
        "%s: %d drivable ways, %d way nodes → %d nodes, %d pieces (%d one-way)",
        path.name,
        ways.highway.shape[0],
        ways.counts["way_node_refs"],
        ways.node_id.shape[0],
        ways.u.shape[0],
        int((~(fwd & back)).sum()),
    )
    net = _edges_to_network(
        ways.lon,
        ways.lat,
        np.concatenate([ways.u[fwd], ways.v[back]]),
        np.concatenate([ways.v[fwd], ways.u[back]]),
        np.concatenate([ways.length_m[fwd], ways.length_m[back]]),
        np.concatenate([highway[fwd], highway[back]]),
        speeds=speeds,
        uniform_speed_kmh=uniform_speed_kmh,
        source=str(path),
        provenance={
            "kind": "pbf",
            "source": file_identity(path),
            "reader": osmpbf.reader_version(),
            "bounding_box": bounding_box,
            "read": ways.counts,
        },
    )
    net.provenance["build_seconds"] = round(time.perf_counter() - t0, 3)
    return net


def graph_to_network(
    graph,
    *,
    speeds: Mapping[str, float] | str | Path | None = None,
    uniform_speed_kmh: float | None = None,
    source: str = "the OSM data",
    provenance: dict[str, Any] | None = None,
) -> Network:
    """An unsimplified osmnx MultiDiGraph → Network: drop non-drivable ways, simplify per highway class, convert.

    osmnx has already turned two-way ways into two directed edges.  Simplification runs after the
    filter and keeps a node wherever the highway class changes, so a footway never merges into a road.
    """
    import osmnx as ox  # lazy: 2.5 s to import, and only OSM XML and place downloads need it

    if graph.number_of_edges() == 0:
        raise NetworkError(f"{source}: no roads in the OSM data")
    rows = [
        (u, v, k, _first(d.get("highway")), _first(d.get("access")))
        for u, v, k, d in graph.edges(keys=True, data=True)
    ]
    hw = np.array([r[3] for r in rows])
    acc = np.array([r[4] for r in rows])
    drivable = np.isin(hw, list(DRIVABLE_HIGHWAYS)) & ~np.isin(acc, ["no", "private"])
    if not drivable.any():
        raise NetworkError(
            f"{source}: none of the {len(hw)} ways is a drivable highway ({sorted(DRIVABLE_HIGHWAYS)})"
        )
    graph = graph.copy()
    graph.remove_edges_from([r[:3] for r, keep in zip(rows, drivable) if not keep])
    graph.remove_nodes_from([n for n, deg in dict(graph.degree()).items() if deg == 0])
    if not graph.graph.get("simplified", False):
        graph = ox.simplify_graph(graph, edge_attrs_differ=["highway"])
    node_ids = np.fromiter(graph.nodes, dtype=np.int64, count=graph.number_of_nodes())
    x = np.array([graph.nodes[n]["x"] for n in node_ids], dtype=float)
    y = np.array([graph.nodes[n]["y"] for n in node_ids], dtype=float)
    index = pd.Index(node_ids)
    u, v, length, highway = zip(
        *((u, v, d.get("length", np.nan), d.get("highway")) for u, v, d in graph.edges(data=True))
    )
    prov = {**(provenance or {}), "non_drivable_edges_dropped": int((~drivable).sum())}
    return _edges_to_network(
        x,
        y,
        index.get_indexer(pd.Index(np.asarray(u, dtype=np.int64))),
        index.get_indexer(pd.Index(np.asarray(v, dtype=np.int64))),
        np.asarray(length, dtype=float),
        np.asarray(highway, dtype=object),
        speeds=speeds,
        uniform_speed_kmh=uniform_speed_kmh,
        source=source,
        provenance=prov,
    )


def from_osm_xml(
    path: str | Path,
    *,
    speeds: Mapping[str, float] | str | Path | None = None,
    uniform_speed_kmh: float | None = None,
) -> Network:
    """Driving network from an OSM XML file (.osm) through osmnx, the same conversion as ``from_place``."""
    import osmnx as ox  # lazy: 2.5 s to import, and only OSM XML and place downloads need it

    t0 = time.perf_counter()
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"OSM XML {path} not found")
    try:
        graph = ox.graph_from_xml(path, simplify=False, retain_all=True)
    except Exception as exc:  # osmnx/ElementTree errors on malformed files
        raise InputFileError(f"{path}: cannot be read as OSM XML ({exc})") from exc
    net = graph_to_network(
        graph,
        speeds=speeds,
        uniform_speed_kmh=uniform_speed_kmh,
        source=str(path),
        provenance={"kind": "osm_xml", "source": file_identity(path), "reader": f"osmnx {ox.__version__}"},
    )
    net.provenance["build_seconds"] = round(time.perf_counter() - t0, 3)
    return net


def from_place(
    name: str,
    *,
    speeds: Mapping[str, float] | str | Path | None = None,
    uniform_speed_kmh: float | None = None,
) -> Network:
    """Driving network of a named place (e.g. "Haikou, Hainan, China") from Overpass via osmnx; needs internet."""
    import osmnx as ox  # lazy: 2.5 s to import, and only OSM XML and place downloads need it

    t0 = time.perf_counter()
    log.info("downloading the drive network of %r from Overpass (osmnx)…", name)
    try:
        graph = ox.graph_from_place(name, network_type="drive", simplify=False, retain_all=True)
    except Exception as exc:  # geocoding or network failures
        raise NetworkError(
            f"could not download the road network of {name!r} from OpenStreetMap ({exc}). Check the place name "
            "(as Nominatim spells it) and the internet connection, or use --pbf with a Geofabrik extract"
        ) from exc
    net = graph_to_network(
        graph,
        speeds=speeds,
        uniform_speed_kmh=uniform_speed_kmh,
        source=f"place {name!r}",
        provenance={
            "kind": "place",
            "source": {"place": name, "downloaded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
            "reader": f"osmnx {ox.__version__} (Overpass)",
        },
    )
    net.provenance["build_seconds"] = round(time.perf_counter() - t0, 3)
    return net


def write_osm_xml(
    path: str | Path, node_lon: np.ndarray, node_lat: np.ndarray, ways: list[tuple[list[int], dict[str, str]]]
) -> Path:
    """Write nodes (ids 1..n) and ways ([node ids], tags) as a minimal OSM XML file (for tests and examples)."""

    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="healthplan">']
    for i, (lo, la) in enumerate(zip(node_lon, node_lat), start=1):
        lines.append(f'  <node id="{i}" version="1" lat="{la:.7f}" lon="{lo:.7f}"/>')
    for w, (refs, tags) in enumerate(ways, start=1):
        lines.append(f'  <way id="{w}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f"    <tag k={quoteattr(str(k))} v={quoteattr(str(v))}/>" for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(path)


__all__ = [
    "DRIVABLE_HIGHWAYS",
    "PBF_DRIVING_HIGHWAYS",
    "from_osm_xml",
    "from_pbf",
    "from_place",
    "graph_to_network",
    "oneway_direction",
    "write_osm_xml",
]
