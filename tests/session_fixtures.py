"""Session-scoped fixtures built once for the whole suite: road networks, the default Hainan run, a pipeline.

Enabled by ``pytest_plugins = ["session_fixtures"]`` in tests/conftest.py.  The networks are what users
get (``spatial.datafolder``): Hainan and the Haikou DiDi network from the data folder, or from the copies
the repository ships when there is no data folder; Kunming only with the data folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DATA_DIR, data_file
from healthplan import run as front
from spatial.datafolder import default_network
from spatial.network import Network, save
from spatial.pipeline import Pipeline
from spatial.results import Results
from spatial.scenario import Scenario


@pytest.fixture(scope="session")
def network_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A per-session cache folder for built networks."""
    return tmp_path_factory.mktemp("network_cache")


@pytest.fixture(scope="session")
def kunming_net(network_cache_dir: Path) -> Network:
    """Kunming prefecture roads (≈57k nodes, undirected, 20 m snapping); needs the data folder."""
    data_file("roads/kunming_roads.gpkg")
    return default_network("kunming", data_dir=DATA_DIR, cache_dir=network_cache_dir)


@pytest.fixture(scope="session")
def hainan_net(network_cache_dir: Path) -> Network:
    """Hainan island trunk-road backbone (≈3.7k nodes, undirected, 450 m snapping): data folder or embedded."""
    return default_network("hainan", data_dir=DATA_DIR, cache_dir=network_cache_dir)


@pytest.fixture(scope="session")
def hainan_dir(hainan_net: Network, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Hainan network saved to a folder, for ``--network`` (the tests only read it)."""
    return save(hainan_net, tmp_path_factory.mktemp("hainan_net") / "net")


@pytest.fixture(scope="session")
def haikou_net(network_cache_dir: Path) -> Network:
    """Central Haikou DiDi network (724 nodes, 1,955 directed edges, GCJ-02 converted): data folder or embedded."""
    return default_network("haikou_didi", data_dir=DATA_DIR, cache_dir=network_cache_dir)


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    """One pipeline for the session: stages computed once are reused by every test that asks for them."""
    return Pipeline(max_entries=32)


@pytest.fixture(scope="session")
def hainan_results(pipeline: Pipeline) -> Results:
    """The default Hainan scenario (1 km grid, named tertiary hospitals, county seats for primary care)."""
    return front.run(Scenario(region="hainan"), pipeline=pipeline)
