"""Session-scoped road networks built once per test session (in a pytest tmp cache) for every test file.

Enabled for the whole suite by ``pytest_plugins = ["network_fixtures"]`` in tests/conftest.py.
The networks are the data folder's defaults (``spatial.datafolder``), so tests see what users get.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from spatial.datafolder import default_network
from spatial.network import Network


@pytest.fixture(scope="session")
def network_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A per-session cache folder for built networks."""
    return tmp_path_factory.mktemp("network_cache")


@pytest.fixture(scope="session")
def kunming_net(shared_data: Path, network_cache_dir: Path) -> Network:
    """Kunming prefecture roads (≈57k nodes, undirected, 20 m snapping)."""
    return default_network("kunming", data_dir=shared_data, cache_dir=network_cache_dir)


@pytest.fixture(scope="session")
def hainan_net(shared_data: Path, network_cache_dir: Path) -> Network:
    """Hainan island trunk-road backbone (≈3.7k nodes, undirected, 450 m snapping)."""
    return default_network("hainan", data_dir=shared_data, cache_dir=network_cache_dir)


@pytest.fixture(scope="session")
def haikou_net(shared_data: Path, network_cache_dir: Path) -> Network:
    """Central Haikou DiDi network (724 nodes, 1,955 directed edges, GCJ-02 converted to WGS84)."""
    return default_network("haikou_didi", data_dir=shared_data, cache_dir=network_cache_dir)
