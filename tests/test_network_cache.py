"""Saving, loading and caching networks; the data-folder defaults; the ``healthplan network`` CLI."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest

from spatial import netcache
from spatial import network as nw
from clitools import invoke
from spatial.datafolder import available_networks, default_network, source_for
from spatial.errors import InputFileError, NetworkError
from spatial.settings import EMBEDDED_ROADS_DIR
from spatial.speeds import DEFAULT_SPEEDS_CSV


def assert_same(a: nw.Network, b: nw.Network) -> None:
    """Arrays identical (values and dtypes), metadata equal."""
    for name in nw._ARRAYS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name
    assert (a.classes, a.metric_crs, a.directed) == (b.classes, b.metric_crs, b.directed)


def test_save_load_round_trip_is_exact(tmp_path, haikou_net) -> None:
    nw.save(haikou_net, tmp_path / "net")
    back = nw.load(tmp_path / "net")
    assert_same(haikou_net, back)
    assert back.provenance == json.loads(json.dumps(haikou_net.provenance))


def test_cached_network_builds_once_then_loads(tmp_path, shared_data, monkeypatch) -> None:
    path = shared_data / "roads/hainan_trunk_roads.gpkg"
    first = netcache.cached_network("roads", path, cache_dir=tmp_path, class_field="road_class", snap_m=300)
    assert len(list(tmp_path.iterdir())) == 1

    def no_build(*args, **kwargs):
        raise AssertionError("should have loaded from the cache")

    monkeypatch.setattr(netcache, "build", no_build)
    again = netcache.cached_network("roads", path, cache_dir=tmp_path, class_field="road_class", snap_m=300)
    assert_same(first, again)
    assert again.provenance["cache_key"] == first.provenance["cache_key"]


def test_cache_key_follows_speeds_snap_and_source(tmp_path, shared_data) -> None:
    path = shared_data / "roads/hainan_trunk_roads.gpkg"
    opts = {"class_field": "road_class", "snap_m": 300.0}
    base = netcache.cache_key("roads", path, opts)
    assert netcache.cache_key("roads", path, dict(opts)) == base
    assert netcache.cache_key("roads", path, {**opts, "snap_m": 450.0}) != base
    assert netcache.cache_key("roads", path, {**opts, "uniform_speed_kmh": 40.0}) != base
    table = DEFAULT_SPEEDS_CSV.read_text(encoding="utf-8").replace("motorway_trunk,90,", "motorway_trunk,80,")
    (tmp_path / "slower.csv").write_text(table, encoding="utf-8")
    slower_key = netcache.cache_key("roads", path, {**opts, "speeds": tmp_path / "slower.csv"})
    assert slower_key != base
    # the same table given as a file or a mapping is the same key; a touched source file is a new key
    assert netcache.cache_key("roads", path, {**opts, "speeds": tmp_path / "slower.csv"}) == slower_key
    copy = tmp_path / "copy.gpkg"
    shutil.copy(path, copy)
    k1 = netcache.cache_key("roads", copy, opts)
    with copy.open("ab") as fh:
        fh.write(b"\0")
    assert netcache.cache_key("roads", copy, opts) != k1
    slow = netcache.cached_network("roads", path, cache_dir=tmp_path / "c", speeds=tmp_path / "slower.csv", **opts)
    fast = netcache.cached_network("roads", path, cache_dir=tmp_path / "c", **opts)
    assert len(list((tmp_path / "c").iterdir())) == 2
    for net, kmh in ((slow, 80.0), (fast, 90.0)):
        mt = net.road_class == net.classes.index("motorway_trunk")
        expected = np.maximum(net.length_m[mt] * 0.06 / kmh, nw.MIN_EDGE_MINUTES)
        np.testing.assert_allclose(net.minutes[mt], expected, rtol=1e-12)


def test_broken_or_missing_saved_networks(tmp_path, haikou_net) -> None:
    with pytest.raises(NetworkError, match="does not hold a built network"):
        nw.load(tmp_path)
    nw.save(haikou_net, tmp_path / "n")
    (tmp_path / "n" / "arrays.npz").write_bytes(b"garbage")
    with pytest.raises(NetworkError, match="damaged"):
        nw.load(tmp_path / "n")
    with pytest.raises(InputFileError, match="not found"):
        netcache.cached_network("roads", tmp_path / "nope.gpkg", cache_dir=tmp_path, class_field="x")
    with pytest.raises(NetworkError, match="unknown network source kind"):
        netcache.build("shapefile", tmp_path)


def test_region_defaults(shared_data, tmp_path) -> None:
    assert source_for("haikou").relpath == source_for(460100).relpath == "roads/hainan_trunk_roads.gpkg"
    assert source_for("Kunming").relpath == source_for("530100").relpath == "roads/kunming_roads.gpkg"
    assert source_for(530102).relpath == "roads/kunming_roads.gpkg"  # a district of Kunming
    for outside_kunming in ("yunnan", "532900"):  # all of Yunnan, Dali: the Kunming lines do not reach them
        with pytest.raises(NetworkError, match="Kunming prefecture only"):
            source_for(outside_kunming)
    assert set(available_networks(shared_data)) == {"hainan", "kunming", "haikou_didi"}
    assert set(available_networks(tmp_path)) == {"hainan", "haikou_didi"}  # the repository's embedded copies
    assert all(p.is_relative_to(EMBEDDED_ROADS_DIR) for p in available_networks(tmp_path).values())
    with pytest.raises(NetworkError, match="healthplan data fetch"):
        source_for("yiyang")
    with pytest.raises(NetworkError, match=re.escape(str(tmp_path / "roads" / "kunming_roads.gpkg"))):
        default_network("kunming", data_dir=tmp_path, cache_dir=tmp_path)


def test_default_network_loads_from_its_cache(shared_data, network_cache_dir, kunming_net) -> None:
    again = default_network(530100, data_dir=shared_data, cache_dir=network_cache_dir)
    assert_same(kunming_net, again)




def test_cli_build_and_info(tmp_path, shared_data) -> None:
    out = tmp_path / "hn"
    res = invoke(*[
            "network",
            "build",
            "--roads",
            str(shared_data / "roads/hainan_trunk_roads.gpkg"),
            "--class-field",
            "road_class",
            "--snap-m",
            "450",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    net = nw.load(out)
    assert summary["nodes"] == net.n_nodes and summary["edges"] == net.n_edges
    assert (
        summary["dropped_node_share"] == net.provenance["dropped_node_share"] and summary["build_seconds"] > 0
    )
    res = invoke(*["network", "info", str(out)])
    assert res.exit_code == 0 and json.loads(res.stdout)["provenance"]["snap_m"] == 450.0


@pytest.mark.parametrize(
    "args, fragment",
    [
        ([], "exactly one source"),
        (["--pbf", "a.pbf", "--place", "Haikou"], "got --pbf, --place"),
        (["--roads", "r.gpkg"], "--class-field"),
        (["--roads", "missing.gpkg", "--class-field", "c"], "not found"),
    ],
)
def test_cli_errors_exit_2_with_a_message(tmp_path, args, fragment) -> None:
    res = invoke(*["network", "build", "--out", str(tmp_path / "o"), *args])
    assert res.exit_code == 2 and fragment in res.stderr


def test_cli_info_on_a_missing_network(tmp_path) -> None:
    res = invoke(*["network", "info", str(tmp_path)])
    assert res.exit_code == 2 and "does not hold a built network" in res.stderr
