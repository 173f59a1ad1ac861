"""Downloads against a local HTTP server on 127.0.0.1 (no internet): resume, checksums, mirrors, offline.

The server serves fixture bytes from memory, honours ``Range``/``If-Range`` like Apache (Geofabrik's
server), and can cut a transfer half-way, ignore Range, answer with an error status or a wrong ``.md5``.
The data-folder tests at the end check that a downloaded province extract becomes a region's default
network after the roads/ file the data folder may already have (pyrosm's small test PBF stands in).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from spatial import datafolder, download, extracts, regions
from spatial.download import Mirror, fetch, fetch_osm, fetch_worldpop, osm_mirrors
from spatial.extracts import province_of
from spatial.errors import DownloadError, NetworkError, RegionError

TEST_PBF = Path(str(importlib.resources.files("pyrosm") / "data" / "test.osm.pbf"))


# --------------------------------------------------------------------------------------------------
# The fixture server
# --------------------------------------------------------------------------------------------------


@dataclass
class Served:
    """What the server serves and how it misbehaves; ``log`` records (path, Range, If-Range) per GET."""

    files: dict[str, bytes] = field(default_factory=dict)
    cut_at: dict[str, int] = field(default_factory=dict)  # path → byte offset where the connection drops
    cuts_left: dict[str, int] = field(default_factory=dict)  # path → how many more transfers to cut
    ignore_range: set[str] = field(default_factory=set)
    status: dict[str, int] = field(default_factory=dict)  # path → forced error status
    log: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    def put(self, path: str, body: bytes, *, md5: str | None = None) -> None:
        """Serve ``body`` at ``path`` and, with md5 given ('' for the true one), '<md5>  <name>' at path.md5."""
        self.files[path] = body
        if md5 is not None:
            digest = md5 or hashlib.md5(body).hexdigest()
            self.files[path + ".md5"] = f"{digest}  {path.rsplit('/', 1)[-1]}\n".encode()

    def gets(self, path: str) -> list[tuple[str | None, str | None]]:
        """(Range, If-Range) of every GET of ``path``."""
        return [(r, i) for p, r, i in self.log if p == path]


class Handler(BaseHTTPRequestHandler):
    """GET with Range (bytes=N-), If-Range (ETag = quoted MD5), and the misbehaviours of ``Served``."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        st: Served = self.server.served
        path = self.path
        st.log.append((path, self.headers.get("Range"), self.headers.get("If-Range")))
        if path in st.status:
            self.send_error(st.status[path])
            return
        body = st.files.get(path)
        if body is None:
            self.send_error(404)
            return
        etag = '"' + hashlib.md5(body).hexdigest() + '"'
        start = 0
        rng, if_range = self.headers.get("Range"), self.headers.get("If-Range")
        if rng and path not in st.ignore_range and (if_range is None or if_range == etag):
            start = int(re.fullmatch(r"bytes=(\d+)-", rng).group(1))
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        self.send_response(206 if start else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body) - start))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", formatdate(0, usegmt=True))
        self.send_header("Accept-Ranges", "bytes")
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.end_headers()
        data = body[start:]
        cut = st.cut_at.get(path)
        if cut is not None and st.cuts_left.get(path, 0) > 0 and start < cut:
            st.cuts_left[path] -= 1
            self.wfile.write(data[: cut - start])
            self.wfile.flush()
            self.close_connection = True  # drop the connection with the body unfinished
            return
        self.wfile.write(data)


@pytest.fixture
def server() -> Iterator[tuple[str, Served]]:
    """A threaded HTTP server on 127.0.0.1 (a free port): its base address and what it serves."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.served = Served()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", httpd.served
    finally:
        httpd.shutdown()
        httpd.server_close()


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def payload(n: int = 300_000, seed: int = 13) -> bytes:
    """Seeded random bytes (incompressible, so nothing on the way can shorten them)."""
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()


def leftovers(folder: Path) -> list[str]:
    """Every file and folder under ``folder`` (relative), to assert what a failure leaves behind."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


class Recorder:
    """A progress callback that keeps (message, fraction) calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float | None]] = []

    def __call__(self, message: str, fraction: float | None) -> None:
        self.calls.append((message, fraction))

    def fractions(self) -> list[float]:
        return [f for _, f in self.calls if f is not None]


# --------------------------------------------------------------------------------------------------
# fetch
# --------------------------------------------------------------------------------------------------


def test_fetch_streams_verifies_and_reports_progress(server, tmp_path) -> None:
    base, st = server
    body = payload()
    st.put("/x/file.bin", body, md5="")
    dest = tmp_path / "data" / "sub" / "file.bin"
    rec = Recorder()
    got = fetch(Mirror(f"{base}/x/file.bin", f"{base}/x/file.bin.md5"), dest, progress=rec, chunk_bytes=16_384)
    assert got == dest and dest.read_bytes() == body
    assert leftovers(tmp_path / "data") == ["sub", "sub/file.bin"]  # no .part, no .part.json
    fr = rec.fractions()
    assert fr[-1] == 1.0 and fr == sorted(fr) and len(fr) >= 10  # 300 kB in 16 kB steps: ≥ 1 % each
    assert st.gets("/x/file.bin") == [(None, None)] and len(st.gets("/x/file.bin.md5")) == 1


def test_interrupted_transfer_resumes_on_the_next_call(server, tmp_path) -> None:
    base, st = server
    body = payload()
    st.put("/f.pbf", body, md5="")
    st.cut_at["/f.pbf"], st.cuts_left["/f.pbf"] = 123_457, 1
    dest = tmp_path / "data" / "f.pbf"
    mirror = Mirror(f"{base}/f.pbf", f"{base}/f.pbf.md5")
    with pytest.raises(DownloadError, match=r"interrupted.*kept in f\.pbf\.part.*resumes") as err:
        fetch(mirror, dest, retries=0, chunk_bytes=8192)
    assert str(dest) in str(err.value)  # the way around: where to put a file downloaded by hand
    part = dest.with_name("f.pbf.part")
    assert not dest.exists() and 0 < part.stat().st_size <= 123_457
    kept = part.stat().st_size
    assert part.read_bytes() == body[:kept]
    fetch(mirror, dest, retries=0)
    assert dest.read_bytes() == body and hashlib.md5(dest.read_bytes()).hexdigest() == hashlib.md5(body).hexdigest()
    etag = '"' + hashlib.md5(body).hexdigest() + '"'
    assert st.gets("/f.pbf") == [(None, None), (f"bytes={kept}-", etag)]  # the second call sent only the rest
    assert leftovers(tmp_path / "data") == ["f.pbf"]


def test_interruption_is_resumed_within_one_call(server, tmp_path) -> None:
    base, st = server
    body = payload(200_000, seed=1)
    st.put("/g.bin", body)
    st.cut_at["/g.bin"], st.cuts_left["/g.bin"] = 50_000, 1
    fetch(f"{base}/g.bin", tmp_path / "g.bin", retries=1, chunk_bytes=4096)
    assert (tmp_path / "g.bin").read_bytes() == body
    ranges = [r for r, _ in st.gets("/g.bin")]
    assert ranges[0] is None and re.fullmatch(r"bytes=\d+-", ranges[1]) and len(ranges) == 2


def test_server_ignoring_range_gets_a_full_download(server, tmp_path) -> None:
    base, st = server
    body = payload(150_000, seed=2)
    st.put("/h.bin", body, md5="")
    st.cut_at["/h.bin"], st.cuts_left["/h.bin"] = 70_000, 1
    st.ignore_range.add("/h.bin")
    mirror = Mirror(f"{base}/h.bin", f"{base}/h.bin.md5")
    with pytest.raises(DownloadError):
        fetch(mirror, tmp_path / "h.bin", retries=0, chunk_bytes=4096)
    fetch(mirror, tmp_path / "h.bin", retries=0)
    assert (tmp_path / "h.bin").read_bytes() == body  # the 200 answer replaced the kept bytes, not appended
    assert st.gets("/h.bin")[1][0] is not None  # a Range was asked for, and ignored


def test_changed_file_is_downloaded_again_not_spliced(server, tmp_path) -> None:
    base, st = server
    old, new = payload(120_000, seed=3), payload(130_000, seed=4)
    st.put("/d.pbf", old, md5="")
    st.cut_at["/d.pbf"], st.cuts_left["/d.pbf"] = 60_000, 1
    mirror = Mirror(f"{base}/d.pbf", f"{base}/d.pbf.md5")
    with pytest.raises(DownloadError):
        fetch(mirror, tmp_path / "d.pbf", retries=0, chunk_bytes=4096)
    st.put("/d.pbf", new, md5="")  # Geofabrik published a new extract meanwhile
    fetch(mirror, tmp_path / "d.pbf")
    assert (tmp_path / "d.pbf").read_bytes() == new
    rng, if_range = st.gets("/d.pbf")[1]
    assert rng is not None and if_range == '"' + hashlib.md5(old).hexdigest() + '"'  # If-Range said "old"


def test_unsatisfiable_range_starts_over(server, tmp_path) -> None:
    base, st = server
    body = payload(50_000, seed=8)
    st.put("/r.bin", body, md5="")
    dest = tmp_path / "r.bin"
    # a .part as long as the file (a crash between the last byte and the move), attributed to this address
    dest.with_name("r.bin.part").write_bytes(body)
    dest.with_name("r.bin.part.json").write_text(f'{{"url": "{base}/r.bin", "validator": null}}')
    fetch(Mirror(f"{base}/r.bin", f"{base}/r.bin.md5"), dest)
    assert dest.read_bytes() == body and leftovers(tmp_path) == ["r.bin"]
    assert [r for r, _ in st.gets("/r.bin")] == ["bytes=50000-", None]  # 416, then the whole file


def test_wrong_checksum_raises_and_leaves_nothing(server, tmp_path) -> None:
    base, st = server
    body = payload(100_000, seed=5)
    st.put("/w.pbf", body, md5="0123456789abcdef0123456789abcdef")
    data = tmp_path / "data"
    with pytest.raises(DownloadError, match=r"does not match its published MD5 checksum") as err:
        fetch(Mirror(f"{base}/w.pbf", f"{base}/w.pbf.md5"), data / "osm" / "w.pbf")
    assert "0123456789abcdef0123456789abcdef" in str(err.value) and hashlib.md5(body).hexdigest() in str(err.value)
    assert not data.exists()  # no file, no .part, no empty folder
    # a stale complete file stays as it was: the failed refresh did not touch it
    (data / "osm").mkdir(parents=True)
    (data / "osm" / "w.pbf").write_bytes(b"previous")
    with pytest.raises(DownloadError):
        fetch(Mirror(f"{base}/w.pbf", f"{base}/w.pbf.md5"), data / "osm" / "w.pbf")
    assert leftovers(data) == ["osm", "osm/w.pbf"] and (data / "osm" / "w.pbf").read_bytes() == b"previous"


def test_expected_md5_overrides_and_is_checked(server, tmp_path) -> None:
    base, st = server
    body = payload(10_000, seed=6)
    st.put("/e.bin", body)
    fetch(f"{base}/e.bin", tmp_path / "e.bin", expected_md5=hashlib.md5(body).hexdigest().upper())
    assert (tmp_path / "e.bin").read_bytes() == body
    with pytest.raises(DownloadError, match="MD5"):
        fetch(f"{base}/e.bin", tmp_path / "e2.bin", expected_md5="f" * 32)
    assert not (tmp_path / "e2.bin").exists() and not (tmp_path / "e2.bin.part").exists()


@pytest.mark.parametrize("failure", ["http_500", "http_404", "refused", "missing_md5"])
def test_next_mirror_is_used_when_the_first_fails(server, tmp_path, failure) -> None:
    base, st = server
    body = payload(80_000, seed=7)
    st.put("/a/m.pbf", body, md5="")
    st.put("/b/m.pbf", body)
    if failure == "http_500":
        st.status["/a/m.pbf"] = 500
    elif failure == "http_404":
        del st.files["/a/m.pbf"]
    elif failure == "missing_md5":
        del st.files["/a/m.pbf.md5"]
    first = f"http://127.0.0.1:{closed_port()}" if failure == "refused" else base
    dest = tmp_path / "data" / "m.pbf"
    got = fetch([Mirror(f"{first}/a/m.pbf", f"{first}/a/m.pbf.md5"), Mirror(f"{base}/b/m.pbf")], dest)
    assert got.read_bytes() == body and leftovers(tmp_path / "data") == ["m.pbf"]
    assert len(st.gets("/b/m.pbf")) == 1


def test_all_mirrors_failing_names_each_and_the_way_around(server, tmp_path) -> None:
    base, st = server
    st.status["/a/n.pbf"] = 503
    dest = tmp_path / "data" / "osm" / "n.pbf"
    with pytest.raises(DownloadError) as err:
        fetch([f"{base}/a/n.pbf", f"{base}/b/n.pbf"], dest)
    msg = str(err.value)
    assert f"{base}/a/n.pbf (HTTP 503" in msg and f"{base}/b/n.pbf (HTTP 404" in msg
    assert f"download the file by hand from {base}/a/n.pbf and put it at {dest}" in msg
    assert msg.count(". ") == 0  # one sentence
    assert not (tmp_path / "data").exists()


def test_absent_server_fails_fast_and_leaves_no_folder(tmp_path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/asia/china/hainan-latest.osm.pbf"
    data = tmp_path / "data"
    t0 = time.perf_counter()
    with pytest.raises(DownloadError, match="connection refused") as err:
        fetch_osm("haikou", data, mirrors=[Mirror(url, url + ".md5")])
    assert time.perf_counter() - t0 < 3.0
    assert url in str(err.value) and str(data / "osm" / "hainan-latest.osm.pbf") in str(err.value)
    assert not data.exists()


def test_unresolvable_host_fails_fast(tmp_path) -> None:
    t0 = time.perf_counter()
    with pytest.raises(DownloadError, match=r"healthplan-test\.invalid cannot be resolved|did not resolve"):
        fetch("http://healthplan-test.invalid/hainan-latest.osm.pbf", tmp_path / "data" / "x.pbf")
    assert time.perf_counter() - t0 < 6.0  # at most the 5 s name-resolution bound, usually milliseconds
    assert not (tmp_path / "data").exists()


def test_hanging_name_resolution_is_cut_short(tmp_path, monkeypatch) -> None:
    # A resolver without a network can block for many seconds, and socket timeouts do not cover it.
    def slow_getaddrinfo(*args, **kwargs):
        time.sleep(3.0)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(download.socket, "getaddrinfo", slow_getaddrinfo)
    t0 = time.perf_counter()
    with pytest.raises(DownloadError, match=r"download\.geofabrik\.de did not resolve within 0\.3 s"):
        fetch("https://download.geofabrik.de/asia/china/hainan-latest.osm.pbf", tmp_path / "x.pbf",
              connect_timeout_s=0.3)
    assert time.perf_counter() - t0 < 1.5
    assert leftovers(tmp_path) == []


def test_silent_server_times_out_instead_of_hanging(tmp_path) -> None:
    with socket.socket() as listener:  # accepts TCP connections (backlog) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/f.pbf"
        t0 = time.perf_counter()
        with pytest.raises(DownloadError, match=r"no answer within 0\.5 s"):
            fetch(url, tmp_path / "f.pbf", read_timeout_s=0.5)
        assert time.perf_counter() - t0 < 3.0
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------------------------------
# fetch_osm, fetch_worldpop and the fact tables
# --------------------------------------------------------------------------------------------------


def test_fetch_osm_places_a_verified_extract_in_the_data_folder(server, tmp_path) -> None:
    base, st = server
    pbf = TEST_PBF.read_bytes()
    st.put("/geofabrik/hainan-latest.osm.pbf", pbf, md5="")
    mirrors = osm_mirrors("haikou", bases={"geofabrik": f"{base}/geofabrik", "openstreetmap.fr": f"{base}/osmfr"})
    data = tmp_path / "data"
    rec = Recorder()
    path = fetch_osm("haikou", data, mirrors=mirrors, progress=rec)
    assert path == data / "osm" / "hainan-latest.osm.pbf" and path.read_bytes() == pbf
    assert rec.fractions()[-1] == 1.0 and any("MD5" in m for m, _ in rec.calls)
    assert extracts.local_extracts(data) == {"hainan": path}
    n = len(st.log)
    assert fetch_osm("hainan", data, mirrors=mirrors) == path and len(st.log) == n  # already there: no request
    fetch_osm("hainan", data, mirrors=mirrors, overwrite=True)
    assert len(st.log) == n + 2  # .md5 and the file again


def test_fetch_osm_rejects_an_error_page(server, tmp_path) -> None:
    base, st = server
    st.put("/osmfr/yunnan-latest.osm.pbf", b"<html><body>Service unavailable</body></html>")
    mirrors = osm_mirrors("yunnan", bases={"geofabrik": f"{base}/geofabrik", "openstreetmap.fr": f"{base}/osmfr"})
    with pytest.raises(DownloadError, match="is not an OpenStreetMap PBF"):
        fetch_osm("yunnan", tmp_path / "data", mirrors=mirrors)
    assert not (tmp_path / "data").exists()


def tiny_geotiff(path: Path) -> bytes:
    """A 3 × 4 population GeoTIFF near Haikou (persons per pixel), as bytes."""
    pop = np.arange(12, dtype=np.float32).reshape(3, 4)
    with rasterio.open(path, "w", driver="GTiff", width=4, height=3, count=1, dtype="float32",
                       crs="EPSG:4326", transform=from_origin(110.3, 20.05, 0.0083333, 0.0083333)) as dst:
        dst.write(pop, 1)
    return path.read_bytes()


def test_fetch_worldpop_places_the_raster_under_its_published_name(server, tmp_path) -> None:
    base, st = server
    st.put("/wp/chn.tif", tiny_geotiff(tmp_path / "src.tif"))
    path = fetch_worldpop(tmp_path / "data", "1km", mirrors=[f"{base}/wp/chn.tif"])
    assert path == tmp_path / "data" / "population" / "worldpop" / "chn_ppp_2020_1km_Aggregated.tif"
    with rasterio.open(path) as src:
        assert src.read(1).sum() == sum(range(12))
    with pytest.raises(DownloadError, match="100m only"):
        fetch_worldpop(tmp_path / "data", "1km", constrained=True)
    with pytest.raises(DownloadError, match="'250m' is not published"):
        fetch_worldpop(tmp_path / "data", "250m")


def test_worldpop_table() -> None:
    r = extracts.worldpop_raster("100m", constrained=True)
    assert r.url == ("https://data.worldpop.org/GIS/Population/Global_2000_2020_Constrained/2020/BSGM/CHN/"
                     "chn_ppp_2020_constrained.tif")
    assert extracts.worldpop_raster().filename == "chn_ppp_2020_1km_Aggregated.tif"
    assert extracts.worldpop_raster("100m").url.endswith("/Global_2000_2020/2020/CHN/chn_ppp_2020.tif")
    keys = {(r.resolution, r.constrained, r.un_adjusted) for r in extracts.WORLDPOP_CHINA_2020}
    assert len(keys) == len(extracts.WORLDPOP_CHINA_2020) == 6
    assert all(r.url.startswith("https://data.worldpop.org/GIS/Population/") for r in extracts.WORLDPOP_CHINA_2020)


@pytest.mark.parametrize(
    ("given", "slug"),
    [
        ("hainan", "hainan"), ("haikou", "hainan"), ("Haikou", "hainan"), ("sanya", "hainan"),
        ("yunnan", "yunnan"), ("kunming", "yunnan"), ("yiyang", "hunan"),
        (430900, "hunan"), ("430921", "hunan"), ("46", "hainan"), ("530100", "yunnan"),
        ("湖南省", "hunan"), ("湖南", "hunan"), ("内蒙古自治区", "inner-mongolia"), ("Inner Mongolia", "inner-mongolia"),
        ("inner_mongolia", "inner-mongolia"), ("hong_kong", "hong-kong"), ("Xizang", "tibet"),
        ("昆明市", "yunnan"), ("白沙黎族自治县", "hainan"),  # through spatial.regions
    ],
)
def test_province_of(given, slug) -> None:
    assert province_of(given).slug == slug


@pytest.mark.parametrize("given", ["atlantis", "99", "海南藏族自治州", "7100"])
def test_province_of_unknown(given) -> None:
    # 海南藏族自治州 is a prefecture of Qinghai: it must not be taken for Hainan by its first two characters
    with pytest.raises(RegionError, match="no OpenStreetMap province extract"):
        province_of(given)


def test_province_table_and_mirror_addresses() -> None:
    provinces = extracts.PROVINCES
    assert len(provinces) == 33  # Geofabrik's China sub-regions
    assert len({p.slug for p in provinces}) == len({p.adcode2 for p in provinces}) == 33
    assert {p.slug for p in provinces if p.slug != p.osmfr} == {"inner-mongolia", "hong-kong"}
    assert osm_mirrors("yiyang") == [
        Mirror("https://download.geofabrik.de/asia/china/hunan-latest.osm.pbf",
               "https://download.geofabrik.de/asia/china/hunan-latest.osm.pbf.md5"),
        Mirror("https://download.openstreetmap.fr/extracts/asia/china/hunan-latest.osm.pbf"),
    ]
    assert osm_mirrors("15")[1].url.endswith("/asia/china/inner_mongolia-latest.osm.pbf")
    assert extracts.osm_path("haikou", "/d") == Path("/d/osm/hainan-latest.osm.pbf")


# --------------------------------------------------------------------------------------------------
# A downloaded extract as a region's default network
# --------------------------------------------------------------------------------------------------


def test_a_downloaded_extract_comes_before_the_data_folders_own_roads(tmp_path) -> None:
    """The user fetched the full extract: it wins over the backbone file, which wins over the embedded copy."""
    data = tmp_path / "data"
    own = data / "roads" / "hainan_trunk_roads.gpkg"
    own.parent.mkdir(parents=True)
    own.write_bytes(b"")  # only its presence matters for the choice
    for region in ("hainan", "haikou", 460100):
        assert datafolder.choose(region, data_dir=data).path == own
    (data / "osm").mkdir()
    shutil.copy(TEST_PBF, data / "osm" / "hainan-latest.osm.pbf")
    choice = datafolder.choose("haikou", data_dir=data)
    assert (choice.name, choice.kind, choice.path) == ("osm:hainan", "pbf", data / "osm" / "hainan-latest.osm.pbf")
    assert choice.options == {"bounding_box": list(regions.resolve("haikou").bbox)}
    assert "海口市" in choice.note and "clipped" in choice.note and not choice.embedded
    assert datafolder.network_path("haikou", data_dir=data) == choice.path
    # with neither, Hainan falls back to the embedded backbone and says so
    empty = tmp_path / "empty"
    fallback = datafolder.choose("hainan", data_dir=empty)
    assert fallback.embedded and fallback.kind == "backbone_json" and "embedded" in fallback.note


def test_extract_becomes_the_default_network(tmp_path) -> None:
    data, cache = tmp_path / "data", tmp_path / "cache"
    (data / "osm").mkdir(parents=True)
    # Yiyang has no roads/ file: without an extract the message points at the download
    with pytest.raises(NetworkError, match=r"healthplan data fetch --region yiyang.*osm/hunan-latest\.osm\.pbf"):
        datafolder.default_network("yiyang", data_dir=data, cache_dir=cache)
    shutil.copy(TEST_PBF, data / "osm" / "hunan-latest.osm.pbf")  # (Helsinki data standing in for Hunan)
    # a province the boundaries do not cover: the whole extract is its network
    net = datafolder.default_network("hunan", data_dir=data, cache_dir=cache)
    assert net.n_nodes > 100 and net.provenance["default_network"].endswith("(whole extract)")
    assert 26.9 < net.lon.min() and net.lon.max() < 27.0  # the test file's extent
    assert list(cache.iterdir()) and len(list(cache.iterdir())) == 1  # built once, cached
    again = datafolder.default_network(43, data_dir=data, cache_dir=cache)
    assert np.array_equal(again.head, net.head) and len(list(cache.iterdir())) == 1
    # Yiyang is clipped to its bounding box, which this Helsinki file does not reach: the builder says so
    choice = datafolder.choose("yiyang", data_dir=data)
    assert choice.options["bounding_box"] == list(regions.resolve("yiyang").bbox)
    with pytest.raises(NetworkError, match="no drivable roads"):
        datafolder.default_network("yiyang", data_dir=data, cache_dir=cache)


def test_data_folder_networks_still_come_first(shared_data, tmp_path) -> None:
    choice = datafolder.choose("kunming", data_dir=shared_data)
    assert choice.name == "kunming" and choice.path == shared_data / "roads" / "kunming_roads.gpkg"
    with pytest.raises(NetworkError, match="Kunming prefecture only"):
        datafolder.choose("yunnan", data_dir=tmp_path)  # no extract: the original advice stands
