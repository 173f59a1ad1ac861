"""The 2020 census by county (data/census/census_2020_county.csv): load it and total it per county polygon.

The table holds leaf statistical units; ``polygon_adcode`` says which county polygon each unit's people
are placed in (management zones without a polygon go to their parent county; see data/census/README.md).
A polygon may also stand for a whole prefecture-level city without districts in the boundaries (海口 460100
in the Hainan 18-unit map): its total is the sum of the leaves whose polygon code shares its 4-digit prefix.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from spatial.errors import RegionError
from spatial.settings import CENSUS_DIR

#: The committed fact table (built by scripts/build_census_table.py).
CENSUS_CSV: Path = CENSUS_DIR / "census_2020_county.csv"

#: Census reference date (standard time of the 7th national census).
CENSUS_DATE: str = "2020-11-01"

CENSUS_SOURCE: str = (
    "NBS 2020 (7th) National Population Census, county volume (中国人口普查分县资料-2020), "
    "tabulated by public repository leiii/census (MIT); fact table data/census/census_2020_county.csv"
)

COUNT_COLUMNS: tuple[str, ...] = (
    "pop_total", "pop_urban", "pop_rural", "pop_60plus", "pop_65plus", "pop_80plus", "pop_0to14", "pop_0to4",
)


@lru_cache(maxsize=4)
def _read(path: str) -> pd.DataFrame:
    """The fact table as read from ``path`` (cached; callers get copies)."""
    frame = pd.read_csv(path, dtype={"note": str})
    frame["note"] = frame["note"].fillna("")
    frame["polygon_adcode"] = frame["polygon_adcode"].astype("Int64")
    return frame


def load_census(path: Path | str = CENSUS_CSV) -> pd.DataFrame:
    """The census fact table: one row per leaf unit, counts in persons."""
    return _read(str(path)).copy()


def county_totals(adcodes: Iterable[int], *, census: pd.DataFrame | None = None) -> pd.DataFrame:
    """Census counts (persons) per county polygon adcode, indexed by adcode in the given order.

    A polygon code ending in ``00`` (a prefecture-level city mapped as one unit, e.g. 海口 460100) gathers
    every leaf placed in a polygon with the same 4-digit prefix.  Raises ``RegionError`` for a polygon
    with no census people, or when two polygons would claim the same leaf.
    """
    table = load_census() if census is None else census
    codes = [int(a) for a in adcodes]
    placed = table[table["polygon_adcode"].notna()]
    poly = placed["polygon_adcode"].astype("int64").to_numpy()
    owner = np.full(len(placed), -1, dtype=np.int64)
    for code in codes:
        hit = poly == code
        if code % 100 == 0 and not hit.any():
            hit = (poly // 100) == (code // 100)
        if not hit.any():
            raise RegionError(
                f"no 2020 census figures for county adcode {code}; the census table covers Hainan, "
                "Yunnan and Yiyang (data/census/census_2020_county.csv)"
            )
        clash = hit & (owner >= 0)
        if clash.any():
            raise RegionError(f"census units {placed['adcode'][clash].tolist()} claimed by {code} and another polygon")
        owner[hit] = code
    sums = (
        placed.assign(owner=owner)[owner >= 0]
        .groupby("owner")[list(COUNT_COLUMNS)].sum()
        .reindex(codes)
    )
    sums.index.name = "adcode"
    return sums.astype("int64")


def region_census_total(adcodes: Iterable[int]) -> int:
    """Census persons placed in the given county polygons (the region's total to conserve)."""
    return int(county_totals(adcodes)["pop_total"].sum())
