"""Shared fixtures: the real data in ../shared/data (read, never copied)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Before anything imports spatial (settings.CACHE_DIR is read at import): networks built by the tests, the
# app under test and its browser server go to a fresh folder, never to the user's ~/.cache/healthplan.
os.environ["HEALTHPLAN_CACHE"] = tempfile.mkdtemp(prefix="healthplan-test-cache-")
atexit.register(shutil.rmtree, os.environ["HEALTHPLAN_CACHE"], ignore_errors=True)

# session fixtures kunming_net, hainan_net, haikou_net (built once per session in a tmp cache)
pytest_plugins = ["network_fixtures"]  # tests/network_fixtures.py (tests/ is on sys.path: no __init__.py)

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ../shared/data; the tests need it and CI provides it."""
    assert SHARED_DATA.is_dir(), f"expected the shared data folder at {SHARED_DATA}"
    return SHARED_DATA

