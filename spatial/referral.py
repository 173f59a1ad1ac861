"""The referral chain in minutes: primary care → nearest county-level hospital → nearest tertiary hospital.

One multi-source search per level (``traveltime.nearest_minutes`` on the reversed graph, each
hospital's own access leg as its offset), exactly as the coverage engine times cells to facilities:

* level 1 — every node's minutes TO its nearest county-level hospital; a primary-care point reads
  its node and adds its own access leg;
* level 2 — every node's minutes TO its nearest tertiary hospital; a county hospital reads its node
  and adds its own leg.

A point's chain is level 1 to *its* nearest county hospital plus level 2 from that hospital (the
referral goes through the hospital, so the chain can be longer than driving to the nearest tertiary
hospital directly, which is reported beside it as ``direct_tertiary_min``).  "Nearest" is by travel
time, across county borders; on a tie at a node the hospital listed first wins.  Points or
hospitals that reach no hospital get ``inf`` minutes and index −1 and rank as the slowest.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial import traveltime
from spatial.errors import HealthplanError
from spatial.network import Network

#: Level names, in chain order.
LEVELS: tuple[str, str] = ("primary→county hospital", "county hospital→tertiary")


@dataclass(frozen=True, eq=False)
class ReferralChain:
    """Minutes along each primary-care point's referral chain, and the hospitals on it."""

    to_county_min: np.ndarray  # float64 (p,) primary point → its nearest county hospital (inf if none)
    county_hospital: np.ndarray  # int64 (p,) index of that hospital, −1 if none
    hospital_to_tertiary_min: np.ndarray  # float64 (h,) county hospital → its nearest tertiary (inf if none)
    hospital_tertiary: np.ndarray  # int64 (h,) index of that tertiary hospital, −1 if none
    direct_tertiary_min: np.ndarray  # float64 (p,) primary point → nearest tertiary, not via a county hospital
    point_county: np.ndarray  # int64 (p,) adcode of each primary point (−1 unknown)
    point_names: tuple[str, ...]
    hospital_names: tuple[str, ...]
    tertiary_names: tuple[str, ...]

    @property
    def second_leg_min(self) -> np.ndarray:
        """Minutes from each point's county hospital on to its tertiary hospital (inf if none)."""
        h = self.county_hospital
        out = np.full(h.shape, np.inf)
        ok = h >= 0
        out[ok] = self.hospital_to_tertiary_min[h[ok]]
        return out

    @property
    def chain_min(self) -> np.ndarray:
        """Total chain minutes of each point: to its county hospital, then on to a tertiary hospital."""
        return self.to_county_min + self.second_leg_min

    def points(self) -> pd.DataFrame:
        """One row per primary-care point: adcode, both legs, chain total, direct minutes and the hospitals."""
        h = self.county_hospital
        t = np.where(h >= 0, self.hospital_tertiary[np.maximum(h, 0)], -1)
        hn, tn = np.asarray(self.hospital_names, dtype=object), np.asarray(self.tertiary_names, dtype=object)
        chain = self.chain_min
        return pd.DataFrame(
            {
                "point": np.arange(h.size, dtype=np.int64),
                "name": list(self.point_names),
                "adcode": self.point_county,
                "county_hospital": h,
                "county_hospital_name": _name_at(hn, h),
                "to_county_hospital_min": _nan_inf(self.to_county_min),
                "tertiary": t,
                "tertiary_name": _name_at(tn, t),
                "county_hospital_to_tertiary_min": _nan_inf(self.second_leg_min),
                "chain_min": _nan_inf(chain),
                "direct_tertiary_min": _nan_inf(self.direct_tertiary_min),
                "reachable": np.isfinite(chain),
            }
        )

    def links(self) -> pd.DataFrame:
        """Every link of every chain, one row per (point's county, level, from, to), slowest first.

        Level-2 links (hospital → tertiary) appear once per county whose points are referred through them.
        """
        pts = self.points()
        first = pd.DataFrame(
            {
                "adcode": pts["adcode"],
                "level": LEVELS[0],
                "from_name": pts["name"],
                "to_name": pts["county_hospital_name"],
                "minutes": pts["to_county_hospital_min"],
            }
        )
        second = pd.DataFrame(
            {
                "adcode": pts["adcode"],
                "level": LEVELS[1],
                "from_name": pts["county_hospital_name"],
                "to_name": pts["tertiary_name"],
                "minutes": pts["county_hospital_to_tertiary_min"],
                "_h": pts["county_hospital"],
            }
        )
        second = second[second["_h"] >= 0].drop_duplicates(["adcode", "_h"]).drop(columns="_h")
        out = pd.concat([first, second], ignore_index=True)
        # unreachable (NaN) links are the slowest of all
        key = out["minutes"].fillna(np.inf)
        return out.assign(_k=key).sort_values(["_k", "adcode"], ascending=[False, True], kind="stable").drop(
            columns="_k").reset_index(drop=True)

    def slowest_links(self, *, top: int = 3) -> pd.DataFrame:
        """Per county, its ``top`` slowest links (either level), ranked 1 = slowest within the county."""
        links = self.links()
        links["rank"] = links.groupby("adcode", sort=False).cumcount() + 1
        out = links[links["rank"] <= top].sort_values(["adcode", "rank"], kind="stable").reset_index(drop=True)
        return out[["adcode", "rank", "level", "from_name", "to_name", "minutes"]]

    def counties(self, counties: pd.DataFrame | None = None) -> pd.DataFrame:
        """Per county of the points: points, median and slowest chain, the slowest point and its legs; rank 1 = slowest."""
        pts = self.points().assign(_chain=np.where(np.isfinite(self.chain_min), self.chain_min, np.inf))
        pts = pts.sort_values(["adcode", "_chain", "point"], ascending=[True, False, True], kind="stable")
        worst = pts.groupby("adcode", sort=True).head(1).set_index("adcode")
        grouped = pts.groupby("adcode", sort=True)
        frame = pd.DataFrame(
            {
                "points": grouped.size(),
                "unreachable_points": grouped["reachable"].apply(lambda s: int((~s).sum())),
                "median_chain_min": grouped["chain_min"].median(),
                "slowest_chain_min": worst["chain_min"],
                "slowest_point": worst["name"],
                "slowest_to_county_hospital_min": worst["to_county_hospital_min"],
                "slowest_county_hospital_to_tertiary_min": worst["county_hospital_to_tertiary_min"],
                "_key": worst["_chain"],
            }
        ).reset_index()
        frame = frame.sort_values(["_key", "adcode"], ascending=[False, True], kind="stable").drop(columns="_key")
        frame.insert(0, "rank", np.arange(1, len(frame) + 1))
        if counties is not None:
            names = pd.DataFrame(counties).drop(columns="geometry", errors="ignore")
            keep = [c for c in ("adcode", "name_zh", "name_en") if c in names.columns]
            frame = frame.merge(names[keep].assign(adcode=names["adcode"].astype("int64")), on="adcode", how="left")
        return frame.reset_index(drop=True)

    def summary(self) -> dict[str, object]:
        """JSON-ready: points, medians and the slowest chain."""
        chain = self.chain_min
        ok = np.isfinite(chain)
        return {
            "n_points": int(chain.size),
            "n_county_hospitals": len(self.hospital_names),
            "n_tertiary": len(self.tertiary_names),
            "unreachable_points": int((~ok).sum()),
            "median_chain_min": float(np.median(chain[ok])) if ok.any() else None,
            "max_chain_min": float(chain[ok].max()) if ok.any() else None,
            "median_to_county_hospital_min": float(np.median(self.to_county_min[np.isfinite(self.to_county_min)]))
            if np.isfinite(self.to_county_min).any() else None,
        }


def _name_at(names: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``names[index]`` as an object array, None where the index is −1 (no such hospital)."""
    out = np.full(index.shape, None, dtype=object)
    hit = index >= 0
    out[hit] = names[index[hit]]
    return out


def _nan_inf(a: np.ndarray) -> np.ndarray:
    """Minutes with inf (unreachable) as NaN, for tables and exports."""
    return np.where(np.isfinite(a), a, np.nan)


def _names(frame: gpd.GeoDataFrame, prefix: str) -> tuple[str, ...]:
    """The ``name`` column as strings, or '<prefix> 1', '<prefix> 2' …"""
    if "name" in frame.columns:
        return tuple(str(n) for n in frame["name"])
    return tuple(f"{prefix} {i + 1}" for i in range(len(frame)))


def point_counties(points: gpd.GeoDataFrame, counties: gpd.GeoDataFrame | None) -> np.ndarray:
    """County adcode of each point: its ``adcode`` column, else the county polygon it falls in (−1 outside/unknown).

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        The points (any CRS).
    counties : geopandas.GeoDataFrame or None
        County polygons with ``adcode``; without them and without an ``adcode`` column every point is −1.

    Returns
    -------
    numpy.ndarray
        int64 adcode per point.
    """
    if "adcode" in points.columns:
        return points["adcode"].fillna(-1).astype("int64").to_numpy()
    if counties is None:
        return np.full(len(points), -1, dtype=np.int64)
    pts = points[[points.geometry.name]].to_crs("EPSG:4326").reset_index(drop=True)
    polys = counties[["adcode", counties.geometry.name]].to_crs("EPSG:4326")
    joined = gpd.sjoin(pts, polys, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]  # a point on a shared border: first county
    return joined["adcode"].reindex(range(len(pts))).fillna(-1).astype("int64").to_numpy()


def referral_chain(
    net: Network,
    primary: gpd.GeoDataFrame,
    county_hospitals: gpd.GeoDataFrame,
    tertiary: gpd.GeoDataFrame,
    *,
    counties: gpd.GeoDataFrame | None = None,
    limit_min: float = np.inf,
) -> ReferralChain:
    """Minutes from each primary-care point to its nearest county hospital and on to the nearest tertiary one.

    Parameters
    ----------
    net : Network
        The road network.
    primary, county_hospitals, tertiary : GeoDataFrame
        Points (any CRS; WGS84 used) with an optional ``name``; ``primary`` may carry ``adcode``.
    counties : GeoDataFrame, optional
        County polygons (``adcode``) to place primary points without an ``adcode`` column.
    limit_min : float
        Searches stop here (minutes); links beyond it are unreachable (inf).

    Returns
    -------
    ReferralChain
    """
    for what, frame in (("primary-care points", primary), ("county hospitals", county_hospitals),
                        ("tertiary hospitals", tertiary)):
        if len(frame) == 0:
            raise HealthplanError(f"the referral chain needs at least one of the {what}; none were given")
    p = traveltime.snap(net, *traveltime.point_lonlat(primary))
    h = traveltime.snap(net, *traveltime.point_lonlat(county_hospitals))
    t = traveltime.snap(net, *traveltime.point_lonlat(tertiary))
    to_hosp, hosp = traveltime.nearest_minutes(net, h.node, source_offset_min=h.access_min, limit_min=limit_min)
    to_tert, tert = traveltime.nearest_minutes(net, t.node, source_offset_min=t.access_min, limit_min=limit_min)
    leg1, which1 = traveltime.place_minutes(p, to_hosp, hosp, limit_min=limit_min)
    leg2, which2 = traveltime.place_minutes(h, to_tert, tert, limit_min=limit_min)
    direct, _ = traveltime.place_minutes(p, to_tert, tert, limit_min=limit_min)
    return ReferralChain(
        to_county_min=leg1,
        county_hospital=which1.astype(np.int64),
        hospital_to_tertiary_min=leg2,
        hospital_tertiary=which2.astype(np.int64),
        direct_tertiary_min=direct,
        point_county=point_counties(primary, counties),
        point_names=_names(primary, "point"),
        hospital_names=_names(county_hospitals, "county hospital"),
        tertiary_names=_names(tertiary, "tertiary"),
    )
