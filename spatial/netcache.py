"""Build a network once per source and options, and load it from the disk cache afterwards.

The cache key is the source's identity (path, size and modification time, or a place name), the
builder options, the speed table and a hash of the builder code, so a changed input or builder never
serves a stale network.  Entries are written aside and moved into place, so a reader never sees half
of one; an unreadable entry is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import time
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from spatial import edgetable, osm, roadlines
from spatial.errors import InputFileError, NetworkError, OutputError
from spatial.network import FORMAT_VERSION, Network, load, save
from spatial import settings
from spatial.speeds import load_speeds, speeds_digest

log = logging.getLogger(__name__)

_BUILDERS = ("roads", "backbone_json", "pbf", "place", "osm_xml", "edge_csv")


@lru_cache(maxsize=1)
def _builder_digest() -> str:
    """Hash of the code that builds networks, so a changed builder never serves a stale cached network."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in ("network.py", "topology.py", "roadlines.py", "edgetable.py", "osm.py", "osmpbf.py", "speeds.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()[:12]


def cache_key(kind: str, source: str | Path | tuple, options: Mapping[str, Any]) -> str:
    """Hash of the source identity (path + size + mtime, or place name), the options and the speed table."""
    def ident(s: Any) -> Any:
        p = Path(s)
        if kind != "place" and p.exists():
            st = p.stat()
            return [str(p.resolve()), st.st_size, st.st_mtime_ns]
        return str(s)

    src = [ident(s) for s in source] if isinstance(source, (tuple, list)) else ident(source)
    opts = {k: v for k, v in options.items() if k != "speeds"}
    if options.get("uniform_speed_kmh") is None and options.get("speed_kmh") is None:
        sp_ = options.get("speeds")
        table = load_speeds() if sp_ is None else (sp_ if isinstance(sp_, Mapping) else load_speeds(sp_))
        opts["speeds"] = speeds_digest(table)
    blob = json.dumps(
        {"v": FORMAT_VERSION, "code": _builder_digest(), "kind": kind, "source": src, "options": opts},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:20]


def build(kind: str, source: str | Path | tuple, **options: Any) -> Network:
    """Build a network of ``kind`` ("roads", "pbf", "place", "osm_xml", "edge_csv") from ``source``."""
    if kind == "edge_csv":
        if isinstance(source, (tuple, list)):
            nodes_csv, edges_csv = source
        else:
            nodes_csv, edges_csv = Path(source) / "all_vertexes.csv", Path(source) / "all_edges.csv"
        return edgetable.from_edge_csv(nodes_csv, edges_csv, **options)
    if isinstance(source, (tuple, list)):
        raise NetworkError(f"a {kind!r} network is built from one path, not {len(source)}; "
                           "only edge_csv takes a (nodes, edges) pair")
    if kind == "roads":
        return roadlines.from_road_lines(source, **options)
    if kind == "backbone_json":
        return roadlines.from_backbone_json(source, **options)
    if kind == "pbf":
        return osm.from_pbf(source, **options)
    if kind == "place":
        return osm.from_place(str(source), **options)
    if kind == "osm_xml":
        return osm.from_osm_xml(source, **options)
    raise NetworkError(f"unknown network source kind {kind!r}; use one of {', '.join(_BUILDERS)}")


def cached_network(
    kind: str,
    source: str | Path | tuple,
    *,
    cache_dir: str | Path | None = None,
    allow_download: bool = False,
    **options: Any,
) -> Network:
    """Build once per (source, options, speed table) and load from the cache folder afterwards.

    A damaged cache entry is rebuilt (with a log warning).  A ``place`` network is downloaded from
    Overpass only when ``allow_download`` is set; otherwise it must already be in the cache.
    """
    cache = Path(cache_dir) if cache_dir is not None else settings.cache_dir()
    if kind == "edge_csv" and not isinstance(source, tuple | list):
        source = (Path(source) / "all_vertexes.csv", Path(source) / "all_edges.csv")
    if kind != "place":
        for s in source if isinstance(source, tuple | list) else (source,):
            if not Path(s).exists():
                raise InputFileError(f"network source {s} not found")
    key = cache_key(kind, source, options)
    stem = Path(source[-1] if isinstance(source, tuple | list) else str(source)).stem
    slug = re.sub(r"[^0-9A-Za-z_.-]+", "_", stem)[:40] or "net"
    target = cache / f"{kind}-{slug}-{key}"
    if target.is_dir():
        try:
            t0 = time.perf_counter()
            net = load(target)
            log.info("loaded cached network %s in %.3f s", target, time.perf_counter() - t0)
            return net
        except NetworkError as exc:
            log.warning("cached network %s is unusable (%s); rebuilding it", target, exc)
            shutil.rmtree(target, ignore_errors=True)
    if kind == "place" and not allow_download:
        raise NetworkError(
            f"the road network of place {source!r} is not built on this machine, and a scenario never downloads; "
            f"build it once with 'healthplan network build --place \"{source}\" --out DIR' (needs the internet)"
        )
    net = build(kind, source, **options)
    net.provenance["cache_key"] = key
    try:
        cache.mkdir(parents=True, exist_ok=True)
        if not target.exists():  # another process may have built the same entry meanwhile: equivalent
            save(net, target)
        log.info("built and cached network %s", target)
    except (OSError, OutputError) as exc:  # a read-only or full cache folder costs a rebuild next time, not the run
        log.warning("could not cache the network in %s (%s); it will be rebuilt next time", cache, exc)
    return net
