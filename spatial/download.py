"""Download the real data a region needs: OpenStreetMap province extracts and WorldPop 2020 population.

Data folder layout (``settings.data_dir()``: ``HEALTHPLAN_DATA``, else ``../shared/data`` beside the clone)::

    <data>/
      roads/                       road lines the project knows by name (hainan_trunk_roads.gpkg,
                                   kunming_roads.gpkg, haikou_didi/); they come first for their regions
      osm/<province>-latest.osm.pbf
                                   a province's OpenStreetMap extract, named as Geofabrik names it
                                   (hainan, yunnan, hunan, inner-mongolia …); becomes the default road
                                   network of every region in that province that has no roads/ file
      population/census_county_2020_v1.xlsx
                                   the 2020 census by county
      population/worldpop/<file>.tif
                                   a WorldPop 2020 China raster under its published name, e.g.
                                   chn_ppp_2020_1km_Aggregated.tif (1 km) or chn_ppp_2020.tif (100 m)

A download in progress is ``<file>.part`` (and ``<file>.part.json``, where it came from) beside its
target; the next fetch of the same file resumes it.  Only a complete, verified file ever carries the
target's name, so a ``.osm.pbf`` or ``.tif`` in the folder can always be read.

Sources (the facts below name where each comes from):

* OpenStreetMap, © OpenStreetMap contributors, ODbL 1.0 — Geofabrik's China sub-regions,
  ``https://download.geofabrik.de/asia/china/<slug>-latest.osm.pbf``, each with ``<slug>-latest.osm.pbf.md5``;
  if Geofabrik fails, OpenStreetMap France's extracts,
  ``https://download.openstreetmap.fr/extracts/asia/china/<name>-latest.osm.pbf`` (no per-province checksum).
* WorldPop 2020 population counts for China, CC BY 4.0, ``https://data.worldpop.org/GIS/Population/…``
  (see ``WORLDPOP_CHINA_2020``); no checksum is published.

Every failure raises ``DownloadError`` (a ``NetworkError``) with one sentence naming the addresses tried,
why each failed, and where to put the file when it is downloaded by hand.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3

from spatial.errors import DownloadError
from spatial.extracts import OSM_BASES, osm_path, province_of, worldpop_path, worldpop_raster

log = logging.getLogger(__name__)

Progress = Callable[[str, float | None], None]  # (message, fraction done 0–1 or None when unknown)

#: Seconds to wait for a host's name to resolve and for a TCP connection: offline, a download must fail
#: in seconds, not hang (an unreachable host otherwise waits out the kernel's SYN retries, ~2 minutes).
CONNECT_TIMEOUT_S: float = 5.0

#: Seconds of silence in the middle of a transfer before it counts as interrupted (and is resumed).
READ_TIMEOUT_S: float = 60.0

#: Bytes read per step (and the granularity of progress reports).
CHUNK_BYTES: int = 1 << 20


@dataclass(frozen=True)
class Mirror:
    """One address of a file, and the address of its published MD5 checksum where there is one."""

    url: str
    md5_url: str | None = None


def osm_mirrors(region_or_province: str | int, *, bases: Mapping[str, str] | None = None) -> list[Mirror]:
    """The addresses of a province extract, Geofabrik first (with its ``.md5``), then OpenStreetMap France.

    ``bases`` replaces the folder addresses of ``OSM_BASES`` (same keys), e.g. for a local mirror.
    """
    p = province_of(region_or_province)
    b = {**OSM_BASES, **(bases or {})}
    geofabrik = f"{b['geofabrik'].rstrip('/')}/{p.slug}-latest.osm.pbf"
    return [
        Mirror(geofabrik, geofabrik + ".md5"),
        Mirror(f"{b['openstreetmap.fr'].rstrip('/')}/{p.osmfr}-latest.osm.pbf"),
    ]


# --------------------------------------------------------------------------------------------------
# Downloading one file
# --------------------------------------------------------------------------------------------------


class _MirrorFailed(Exception):
    """One address failed; ``reason`` is a short phrase for the final sentence."""

    def __init__(self, reason: str, *, local: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.local = local  # a local problem (disk): another mirror would fail the same way


def _log_progress(message: str, fraction: float | None = None) -> None:
    """Default progress sink: the log."""
    log.info("%s", message)


def _mb(n: int) -> str:
    """Bytes as megabytes for messages."""
    return f"{n / 1e6:,.1f} MB"


def _resolve_host(url: str, timeout_s: float) -> None:
    """Resolve the host the request will connect to (the proxy's, if one applies) within ``timeout_s``.

    getaddrinfo ignores socket timeouts, and a resolver without a network can block for many seconds, so
    it runs in a daemon thread that is abandoned when it takes too long.
    """
    proxy = requests.utils.get_environ_proxies(url).get(urlsplit(url).scheme)
    parts = urlsplit(proxy if proxy and "://" in proxy else (f"http://{proxy}" if proxy else url))
    host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    if not host:
        raise _MirrorFailed("the address has no host name")
    outcome: list[BaseException | None] = []

    def lookup() -> None:
        try:
            socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            outcome.append(None)
        except OSError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=lookup, daemon=True, name=f"resolve-{host}")
    worker.start()
    worker.join(timeout_s)
    if not outcome:
        raise _MirrorFailed(f"the name {host} did not resolve within {timeout_s:g} s; offline?")
    if outcome[0] is not None:
        raise _MirrorFailed(f"the name {host} cannot be resolved; offline, or no DNS")


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and all it wraps (cause, context, urllib3's ``reason``, exceptions among its args)."""
    seen: list[BaseException] = []
    todo: list[Any] = [exc]
    while todo and len(seen) < 20:
        e = todo.pop()
        if not isinstance(e, BaseException) or any(e is s for s in seen):
            continue
        seen.append(e)
        todo += [e.__cause__, e.__context__, getattr(e, "reason", None), *e.args]
    return seen


def _reason(exc: BaseException, connect_timeout_s: float, read_timeout_s: float) -> str:
    """A short phrase for a requests/urllib3 failure."""
    if isinstance(exc, requests.ConnectTimeout):
        return f"no connection within {connect_timeout_s:g} s"
    if isinstance(exc, requests.ReadTimeout):
        return f"no answer within {read_timeout_s:g} s"
    causes = _causes(exc)
    if any(isinstance(e, ConnectionRefusedError) for e in causes):
        return "connection refused"
    if any(isinstance(e, socket.gaierror) for e in causes):
        return "the host name cannot be resolved; offline, or no DNS"
    if any(isinstance(e, (TimeoutError, socket.timeout)) or "timed out" in str(e) for e in causes):
        return f"no answer within {read_timeout_s:g} s"
    errors = [e.strerror for e in causes if isinstance(e, OSError) and e.strerror]
    return f"connection failed ({errors[-1] if errors else type(exc).__name__})"


def _fetch_md5(mirror: Mirror, session: requests.Session, timeouts: tuple[float, float]) -> str:
    """The hex MD5 published at ``mirror.md5_url`` (Geofabrik: '<md5>  <file name>')."""
    assert mirror.md5_url is not None
    try:
        resp = session.get(mirror.md5_url, timeout=timeouts, headers={"Accept-Encoding": "identity"})
    except requests.RequestException as exc:
        raise _MirrorFailed(f"its checksum {mirror.md5_url} could not be read: {_reason(exc, *timeouts)}") from None
    if resp.status_code != 200:
        raise _MirrorFailed(f"its checksum {mirror.md5_url} answered HTTP {resp.status_code}")
    m = re.match(r"\s*([0-9a-fA-F]{32})\b", resp.text)
    if not m:
        raise _MirrorFailed(f"its checksum {mirror.md5_url} holds no MD5 sum")
    return m.group(1).lower()


def _md5_of(path: Path) -> str:
    """Hex MD5 of a file, read in blocks."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "md5").hexdigest()


def _read_meta(meta: Path) -> dict[str, Any]:
    """Where a kept ``.part`` came from (url, validator); {} if unknown or unreadable."""
    try:
        info = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _validator(resp: requests.Response) -> str | None:
    """A strong ETag, else Last-Modified: what If-Range needs to resume only the same version of a file."""
    etag = resp.headers.get("ETag")
    if etag and not etag.startswith("W/"):
        return etag
    return resp.headers.get("Last-Modified")


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and missing parents; return those created (deepest last)."""
    missing = []
    p = folder
    while not p.exists():
        missing.append(p)
        p = p.parent
    folder.mkdir(parents=True, exist_ok=True)
    return missing[::-1]


def _remove_empty(folders: Iterable[Path]) -> None:
    """Remove the folders a failed attempt created, deepest first, where they are still empty."""
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:
            pass


def _discard(*paths: Path) -> None:
    """Delete files if present."""
    for p in paths:
        p.unlink(missing_ok=True)


class _Transfer:
    """State of one download of one file into ``<dest>.part``: created folders and bytes kept."""

    def __init__(self, dest: Path, progress: Progress, session: requests.Session,
                 timeouts: tuple[float, float], chunk_bytes: int) -> None:
        self.dest = dest
        self.part = dest.with_name(dest.name + ".part")
        self.meta = dest.with_name(dest.name + ".part.json")
        self.progress = progress
        self.session = session
        self.timeouts = timeouts
        self.chunk_bytes = chunk_bytes
        self.created: list[Path] = []

    def kept_bytes(self) -> int:
        """Size of the kept ``.part`` (0 if none)."""
        return self.part.stat().st_size if self.part.is_file() else 0

    def resumable_from(self, mirror: Mirror, can_verify: bool) -> tuple[int, str | None]:
        """Offset to resume at on ``mirror`` (0: start over) and the If-Range validator to send."""
        info = _read_meta(self.meta)
        size = self.kept_bytes()
        validator = info.get("validator")
        if size and info.get("url") == mirror.url and (validator or can_verify):
            return size, validator
        # Another mirror's bytes, or a version that could not be checked: overwritten once this mirror
        # answers with the file (not before, so a mirror that is down costs nothing already received).
        return 0, None

    def attempt(self, mirror: Mirror, can_verify: bool) -> int | None:
        """Stream the file (resuming where possible) into the .part; return the expected size if known."""
        offset, validator = self.resumable_from(mirror, can_verify)
        headers = {"Accept-Encoding": "identity"}  # the bytes as published, so offsets and MD5 match
        if offset:
            headers["Range"] = f"bytes={offset}-"
            if validator:
                headers["If-Range"] = validator
        host = urlsplit(mirror.url).hostname
        self.progress(f"connecting to {host} for {self.dest.name}" + (f" (resuming at {_mb(offset)})" if offset else ""),
                      None)
        try:
            resp = self.session.get(mirror.url, headers=headers, stream=True, timeout=self.timeouts)
        except requests.RequestException as exc:
            raise _MirrorFailed(_reason(exc, *self.timeouts)) from None
        with resp:
            if resp.status_code == 416 and offset:  # the kept bytes are not a prefix of this file: start over
                _discard(self.part, self.meta)
                raise _Restart
            if resp.status_code not in (200, 206):
                raise _MirrorFailed(f"HTTP {resp.status_code} {resp.reason or ''}".strip())
            if resp.status_code == 206:
                m = re.match(r"bytes\s+(\d+)-\d+/(\d+|\*)", resp.headers.get("Content-Range", ""))
                if not m or int(m.group(1)) != offset:
                    _discard(self.part, self.meta)
                    raise _Restart
                total = None if m.group(2) == "*" else int(m.group(2))
            else:  # 200: the server ignored Range, or the file changed (If-Range): the whole file comes again
                offset = 0
                length = resp.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
            self._check_space(total, offset)
            try:
                if not self.part.parent.exists():
                    self.created += _make_parents(self.part.parent)
                self.meta.write_text(json.dumps({"url": mirror.url, "validator": _validator(resp)}),
                                     encoding="utf-8")
            except OSError as exc:
                raise _MirrorFailed(f"{self.part.parent} cannot be written ({exc.strerror})", local=True) from None
            self._stream(resp, offset, total, host or "")
        return total

    def _check_space(self, total: int | None, offset: int) -> None:
        """Fail before writing when the disk cannot hold the rest of the file."""
        if total is None:
            return
        folder = self.part.parent
        while not folder.exists():
            folder = folder.parent
        free = shutil.disk_usage(folder).free
        if total - offset > free:
            raise _MirrorFailed(f"the file needs {_mb(total - offset)} more but {folder} has {_mb(free)} free",
                                local=True)

    def _stream(self, resp: requests.Response, offset: int, total: int | None, host: str) -> None:
        """Append the body to the .part, reporting progress; raise _Interrupted when it stops short."""
        done, last_t, last_f = offset, 0.0, -1.0
        try:
            out = self.part.open("ab" if offset else "wb")
        except OSError as exc:
            raise _MirrorFailed(f"{self.part} cannot be written ({exc.strerror})", local=True) from None
        with out:
            try:
                for block in resp.iter_content(self.chunk_bytes):
                    try:
                        out.write(block)
                    except OSError as exc:
                        raise _MirrorFailed(f"{self.part} cannot be written ({exc.strerror})", local=True) from None
                    done += len(block)
                    frac = done / total if total else None
                    now = time.monotonic()
                    if (frac is not None and frac - last_f >= 0.01) or now - last_t >= 0.5:
                        self.progress(f"downloading {self.dest.name} from {host}: {_mb(done)}"
                                      + (f" of {_mb(total)}" if total else ""), frac)
                        last_t, last_f = now, frac if frac is not None else last_f
            except (requests.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException,
                    ConnectionError) as exc:  # what a dropped or stalled connection raises mid-body
                out.flush()
                raise _Interrupted(done - offset, _reason(exc, *self.timeouts)) from None
            out.flush()
            os.fsync(out.fileno())
        if total is not None and done < total:
            raise _Interrupted(done - offset, f"the transfer stopped at {_mb(done)} of {_mb(total)}")
        self.progress(f"downloaded {self.dest.name}: {_mb(done)}", 1.0)

    def finish(self, mirror: Mirror, total: int | None, md5: str | None,
               check: Callable[[Path], None] | None) -> None:
        """Verify the complete .part (size, MD5, content check) and move it into place."""
        size = self.kept_bytes()
        if total is not None and size != total:
            _discard(self.part, self.meta)
            raise _MirrorFailed(f"the file arrived with {size} bytes instead of {total}")
        if md5:
            self.progress(f"verifying the MD5 checksum of {self.dest.name}", None)
            got = _md5_of(self.part)
            if got != md5:
                _discard(self.part, self.meta)
                raise _MirrorFailed(f"the download does not match its published MD5 checksum ({got} instead of "
                                    f"{md5}; the server may have been updating the file)")
        if check is not None:
            try:
                check(self.part)
            except DownloadError as exc:
                _discard(self.part, self.meta)
                raise _MirrorFailed(str(exc)) from None
        os.replace(self.part, self.dest)
        _discard(self.meta)
        log.info("downloaded %s from %s (%d bytes%s)", self.dest, mirror.url, size, ", MD5 verified" if md5 else "")


class _Restart(Exception):
    """The kept bytes cannot be resumed on this mirror: download again from the start."""


class _Interrupted(Exception):
    """A transfer stopped part-way; ``gained`` bytes were added to the .part in this attempt."""

    def __init__(self, gained: int, reason: str) -> None:
        super().__init__(reason)
        self.gained = gained
        self.reason = reason


def _as_mirrors(sources: str | Mirror | Sequence[str | Mirror]) -> list[Mirror]:
    """Normalise one address, a Mirror or a list of either to a list of Mirrors."""
    items = [sources] if isinstance(sources, (str, Mirror)) else list(sources)
    out = [m if isinstance(m, Mirror) else Mirror(str(m)) for m in items]
    if not out:
        raise DownloadError("no download address given")
    return out


def fetch(
    sources: str | Mirror | Sequence[str | Mirror],
    dest: str | Path,
    *,
    progress: Progress = _log_progress,
    expected_md5: str | None = None,
    check: Callable[[Path], None] | None = None,
    connect_timeout_s: float = CONNECT_TIMEOUT_S,
    read_timeout_s: float = READ_TIMEOUT_S,
    retries: int = 2,
    chunk_bytes: int = CHUNK_BYTES,
    session: requests.Session | None = None,
) -> Path:
    """Download a file to ``dest``, resuming, verifying and trying each mirror in turn.

    The bytes go to ``<dest>.part``; only a complete file that passes every check is moved to ``dest``
    (``os.replace``), so ``dest`` is either absent, the previous complete file, or the new one.

    Parameters
    ----------
    sources
        An address, a ``Mirror`` (address + checksum address) or a list of them, tried in order; a mirror
        that holds the kept ``.part`` is tried first so that it can resume.
    dest
        Target file.  Its folder is created only once a server answers with the file, and removed again
        if the attempt leaves nothing in it.
    progress
        Called as ``progress(message, fraction)``, fraction of bytes done in 0–1, or None when unknown.
    expected_md5
        Hex MD5 the file must have; overrides the mirrors' published checksums.
    check
        Called with the complete ``.part`` before it is moved into place; raises ``DownloadError`` if the
        content is not what was asked for (e.g. an HTML error page instead of a PBF).
    connect_timeout_s, read_timeout_s
        Seconds allowed for name resolution + connection, and for silence mid-transfer.
    retries
        Resumptions of an interrupted transfer on the same mirror within this call.
    chunk_bytes
        Bytes read per step.
    session
        A ``requests.Session`` to use (proxies, headers); a new one by default.

    Returns
    -------
    Path
        ``dest``.  Raises ``DownloadError`` with one sentence naming each address tried and why it failed,
        and where to put the file when downloaded by hand; a partial transfer stays in ``<dest>.part``
        and the next call resumes it.
    """
    dest = Path(dest)
    mirrors = _as_mirrors(sources)
    kept_url = _read_meta(dest.with_name(dest.name + ".part.json")).get("url")
    mirrors.sort(key=lambda m: m.url != kept_url)  # stable: the mirror holding the .part first
    timeouts = (connect_timeout_s, read_timeout_s)
    own_session = session is None
    if session is None:
        session = requests.Session()
        session.headers["User-Agent"] = "healthplan-data-fetch"
    transfer = _Transfer(dest, progress, session, timeouts, chunk_bytes)
    failures: list[str] = []
    try:
        for mirror in mirrors:
            try:
                _resolve_host(mirror.url, connect_timeout_s)
                md5 = expected_md5.lower() if expected_md5 else (
                    _fetch_md5(mirror, session, timeouts) if mirror.md5_url else None)
                total = _download_with_resume(transfer, mirror, md5 is not None, retries)
                transfer.finish(mirror, total, md5, check)
                return dest
            except _MirrorFailed as exc:
                log.warning("download of %s failed: %s", mirror.url, exc.reason)
                failures.append(f"{mirror.url} ({exc.reason})")
                if exc.local:
                    break
    finally:
        if own_session:
            session.close()
        if transfer.kept_bytes() == 0:
            _discard(transfer.part, transfer.meta)
            _remove_empty(transfer.created)
    kept = transfer.kept_bytes()
    resume = (f"; the {_mb(kept)} received are kept in {transfer.part.name} and the next attempt resumes them"
              if kept else "")
    raise DownloadError(
        f"could not download {dest.name} from {' nor from '.join(failures)}{resume}; check the internet "
        f"connection and try again, or download the file by hand from {mirrors[0].url} and put it at {dest}"
    )


def _download_with_resume(transfer: _Transfer, mirror: Mirror, can_verify: bool, retries: int) -> int | None:
    """Download from one mirror, resuming up to ``retries`` times after an interruption that made progress."""
    left, restarts = retries, 1
    while True:
        try:
            return transfer.attempt(mirror, can_verify)
        except _Restart:
            if restarts == 0:
                raise _MirrorFailed("the server refused to resume and to restart the transfer") from None
            restarts -= 1
        except _Interrupted as exc:
            if left == 0 or exc.gained == 0:
                raise _MirrorFailed(f"interrupted: {exc.reason}") from None
            left -= 1
            log.info("transfer of %s interrupted (%s); resuming", mirror.url, exc.reason)


# --------------------------------------------------------------------------------------------------
# Content checks
# --------------------------------------------------------------------------------------------------


def check_pbf(path: Path) -> None:
    """Raise DownloadError unless the file starts like an OSM PBF (a BlobHeader of type 'OSMHeader')."""
    with path.open("rb") as fh:
        head = fh.read(16)
    if head[4:15] != b"\x0a\x09OSMHeader":
        raise DownloadError(f"{path.name} is not an OpenStreetMap PBF (it starts {head[:12]!r})")


def check_tiff(path: Path) -> None:
    """Raise DownloadError unless the file starts like a TIFF or BigTIFF."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head not in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        raise DownloadError(f"{path.name} is not a GeoTIFF (it starts {head!r})")


# --------------------------------------------------------------------------------------------------
# The two things a planner downloads
# --------------------------------------------------------------------------------------------------


def fetch_osm(
    region_or_province: str | int,
    data_dir: str | Path | None = None,
    *,
    progress: Progress = _log_progress,
    overwrite: bool = False,
    mirrors: Sequence[Mirror] | None = None,
    **options: Any,
) -> Path:
    """Download the OpenStreetMap extract of the province holding a region into ``<data>/osm/``.

    Parameters
    ----------
    region_or_province
        A region, province or adcode (see ``province_of``): "hainan", "haikou", "yunnan", "yiyang", "hunan" …
    data_dir
        The data folder; the file goes to ``<data_dir>/osm/<slug>-latest.osm.pbf``.
    progress
        ``progress(message, fraction 0–1 or None)``.
    overwrite
        Download again even if the file is already there (Geofabrik updates its extracts daily); the old
        file stays in place until the new one is complete and verified.
    mirrors
        Addresses to use instead of ``osm_mirrors(region_or_province)`` (Geofabrik with its MD5, then
        OpenStreetMap France).
    **options
        Passed to ``fetch`` (timeouts, retries, session …).

    Returns
    -------
    Path
        The extract (© OpenStreetMap contributors, ODbL 1.0).  Raises ``RegionError`` for an unknown
        region and ``DownloadError`` when no mirror delivers a verified file.
    """
    dest = osm_path(region_or_province, data_dir)
    if dest.is_file() and not overwrite:
        progress(f"{dest.name} is already in {dest.parent}", 1.0)
        return dest
    sources = list(mirrors) if mirrors is not None else osm_mirrors(region_or_province)
    return fetch(sources, dest, progress=progress, check=check_pbf, **options)


def fetch_worldpop(
    data_dir: str | Path | None = None,
    resolution: str = "1km",
    *,
    constrained: bool = False,
    un_adjusted: bool = False,
    progress: Progress = _log_progress,
    overwrite: bool = False,
    mirrors: Sequence[str | Mirror] | None = None,
    **options: Any,
) -> Path:
    """Download a WorldPop 2020 China population raster into ``<data>/population/worldpop/``.

    Parameters
    ----------
    data_dir
        The data folder; the file keeps its published name (e.g. ``chn_ppp_2020_1km_Aggregated.tif``).
    resolution
        "1km" (30 arc-seconds) or "100m" (3 arc-seconds; a far larger national file).
    constrained
        WorldPop's constrained method (people only where buildings are mapped); 100 m only.
    un_adjusted
        The variant whose national total matches the UN 2019 estimate.
    progress
        ``progress(message, fraction 0–1 or None)``.
    overwrite
        Download again even if the file is already there.
    mirrors
        Addresses to use instead of the one in ``WORLDPOP_CHINA_2020``.
    **options
        Passed to ``fetch``.

    Returns
    -------
    Path
        The GeoTIFF (persons per pixel, WGS84; WorldPop, CC BY 4.0).  Raises ``DownloadError``.
    """
    raster = worldpop_raster(resolution, constrained=constrained, un_adjusted=un_adjusted)
    dest = worldpop_path(data_dir, raster)
    if dest.is_file() and not overwrite:
        progress(f"{dest.name} is already in {dest.parent}", 1.0)
        return dest
    sources = list(mirrors) if mirrors is not None else [Mirror(raster.url)]
    return fetch(sources, dest, progress=progress, check=check_tiff, **options)
