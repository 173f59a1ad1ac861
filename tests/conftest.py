"""Shared fixtures: the data folder (read, never copied), session-wide networks and runs, hypothesis profiles.

The data folder is $HEALTHPLAN_DATA, else ../shared/data beside the repository — the same rule as the app
and the CLI.  Without it the suite still runs on what the repository ships (the embedded Hainan backbone
and Haikou DiDi network, the committed boundaries and census table); a test that needs an unshipped file
skips and names it (``data_file``).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("HEALTHPLAN_DATA") or ROOT.parent / "shared" / "data")

# Before anything imports spatial: networks, layers and kernels built by the tests, the app under test and
# its browser server go to a fresh cache folder, never the user's ~/.cache/healthplan; everything reads the
# same data folder.
# The compiled kernels are the exception: they depend only on the source and the machine (numba checks
# both), so the tests load those `scripts/test.sh` compiled into the user's cache rather than spending
# ≈ 10 s compiling them again in every session.
_user_cache = Path(os.environ.get("HEALTHPLAN_CACHE", "").strip() or Path.home() / ".cache" / "healthplan")
os.environ.setdefault("NUMBA_CACHE_DIR", str(_user_cache.expanduser() / "numba"))
os.environ["HEALTHPLAN_CACHE"] = tempfile.mkdtemp(prefix="healthplan-test-cache-")
os.environ["HEALTHPLAN_DATA"] = str(DATA_DIR)
atexit.register(shutil.rmtree, os.environ["HEALTHPLAN_CACHE"], ignore_errors=True)

# hypothesis: no deadline (a 2-core CI machine is slow and noisy); derandomised in CI so a run is repeatable
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# session fixtures: networks, the Hainan run (tests/session_fixtures.py; tests/ is on sys.path)
pytest_plugins = ["session_fixtures"]


def data_file(relpath: str) -> Path:
    """A file of the data folder, or skip the test naming it (the repository does not ship it)."""
    path = DATA_DIR / relpath
    if not path.exists():
        pytest.skip(f"needs {relpath} from the data folder ({DATA_DIR}); the repository does not ship it")
    return path


#: The plans' Chinese originals (beside the data folder; the repository quotes them but does not ship them).
PLANS_DIR = Path(__file__).resolve().parents[2] / "shared" / "plans"


def plan_file(name: str) -> Path:
    """One plan's original text, or skip the test naming it."""
    path = PLANS_DIR / name
    if not path.is_file():
        pytest.skip(f"needs the plan text {path}; the repository does not ship the plans' originals")
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The data folder ($HEALTHPLAN_DATA or ../shared/data); tests that need all of it skip without it."""
    if not DATA_DIR.is_dir():
        pytest.skip(f"needs the data folder {DATA_DIR} (set HEALTHPLAN_DATA); the repository does not ship it")
    return DATA_DIR
