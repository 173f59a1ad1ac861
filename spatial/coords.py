"""Datum conversions between WGS84, GCJ-02 (AMap/高德, Tencent) and BD-09 (Baidu), and metric CRSs.

GCJ-02 is WGS84 plus a published, deliberately non-linear offset (≈ 100–700 m in China, none outside
it); BD-09 is a further rotation/scaling of GCJ-02.  The forward formulas are public; the inverse
has no closed form, so ``gcj02_to_wgs84`` iterates the forward formula to a fixed point (residual
< 1e-9°, ≈ 0.1 mm).  All functions are vectorised over numpy arrays and return float64 degrees.
"""

from __future__ import annotations

from typing import Literal, TypeGuard

import numpy as np
from numpy.typing import ArrayLike

Datum = Literal["wgs84", "gcj02", "bd09"]
DATUMS: tuple[str, ...] = ("wgs84", "gcj02", "bd09")


def is_datum(name: str) -> TypeGuard[Datum]:
    """True when ``name`` is one of DATUMS (so it can be passed to ``to_wgs84``/``from_wgs84``)."""
    return name in DATUMS

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by the GCJ-02 formula (m)
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0  # BD-09 rotation constant


def in_china(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """True where the GCJ-02 offset applies (the formula's rough bounding box of China)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 offset (degrees of lon, lat) at WGS84 points."""
    x, y = lon - 105.0, lat - 35.0
    dlat = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → GCJ-02 (degrees); points outside China are returned unchanged."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, *, tol_deg: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → WGS84 (degrees) by fixed-point iteration of the forward formula (residual < tol_deg)."""
    glon, glat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(30):  # converges in ~5 steps: the offset's gradient is tiny
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        rlon, rlat = flon - glon, flat - glat
        wlon, wlat = wlon - rlon, wlat - rlat
        if np.all(np.abs(rlon) < tol_deg) and np.all(np.abs(rlat) < tol_deg):
            break
    return wlon, wlat


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → BD-09 (degrees)."""
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → GCJ-02 (degrees), Baidu's published inverse (error ≈ 1e-6°, refined by one Newton step)."""
    blon, blat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    x, y = blon - 0.0065, blat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    glon, glat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(3):  # polish the approximate closed-form inverse to sub-millimetre
        flon, flat = gcj02_to_bd09(glon, glat)
        glon, glat = glon - (flon - blon), glat - (flat - blat)
    return glon, glat


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → BD-09 (degrees)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → WGS84 (degrees)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(lon: ArrayLike, lat: ArrayLike, datum: Datum) -> tuple[np.ndarray, np.ndarray]:
    """Convert coordinates given in ``datum`` ("wgs84" | "gcj02" | "bd09") to WGS84 degrees."""
    if datum == "wgs84":
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if datum == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if datum == "bd09":
        return bd09_to_wgs84(lon, lat)
    raise ValueError(f"unknown datum {datum!r}; use one of {', '.join(DATUMS)}")


def from_wgs84(lon: ArrayLike, lat: ArrayLike, datum: Datum) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS84 degrees to ``datum`` (e.g. to draw overlays on AMap tiles, which are GCJ-02)."""
    if datum == "wgs84":
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if datum == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    if datum == "bd09":
        return wgs84_to_bd09(lon, lat)
    raise ValueError(f"unknown datum {datum!r}; use one of {', '.join(DATUMS)}")


def metric_crs(lon_min: float, lat_min: float, lon_max: float, lat_max: float) -> str:
    """An Albers equal-area PROJ string fitted to a lon/lat box: exact areas, distance scale error < 0.2 %.

    Standard parallels sit at 1/6 and 5/6 of the latitude span (the usual rule of thumb), the central
    meridian at the box's middle; rounded so that nearby boxes share one CRS string.
    """
    span = max(lat_max - lat_min, 0.5)
    lat_1 = round(lat_min + span / 6.0, 1)
    lat_2 = round(lat_max - span / 6.0, 1)
    if lat_2 <= lat_1:
        lat_2 = lat_1 + 0.5
    lon_0 = round((lon_min + lon_max) / 2.0, 1)
    lat_0 = round((lat_min + lat_max) / 2.0, 1)
    return (
        f"+proj=aea +lat_1={lat_1} +lat_2={lat_2} +lat_0={lat_0} +lon_0={lon_0} "
        "+x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
    )
