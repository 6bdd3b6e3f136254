"""Geodesy against closed forms, a second implementation (PROJ's topocentric pipeline) and a
published geodesic (Vincenty 1975's Flinders Peak → Buninyong line)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from iads import geodesy as g

A = 6378137.0
F = 1 / 298.257223563
E2 = F * (2 - F)


def ecef_closed_form(lat, lon, h):
    phi, lam = np.radians(lat), np.radians(lon)
    n = A / np.sqrt(1 - E2 * np.sin(phi) ** 2)
    return ((n + h) * np.cos(phi) * np.cos(lam), (n + h) * np.cos(phi) * np.sin(lam),
            (n * (1 - E2) + h) * np.sin(phi))


def test_ecef_matches_closed_form():
    lat = np.array([0.0, 40.08, -33.9, 89.9, 38.6])
    lon = np.array([0.0, 32.57, 151.2, -120.0, 42.9])
    h = np.array([0.0, 900.0, 20.0, 3000.0, 1640.0])
    got = g.geodetic_to_ecef(lat, lon, h)
    want = ecef_closed_form(lat, lon, h)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_enu_matches_proj_topocentric():
    lat0, lon0, h0 = 40.08, 32.57, 850.0
    pipe = Transformer.from_pipeline(
        f"+proj=pipeline +step +proj=cart +ellps=WGS84 "
        f"+step +proj=topocentric +ellps=WGS84 +lat_0={lat0} +lon_0={lon0} +h_0={h0}")
    rng = np.random.default_rng(1)
    lat = lat0 + rng.uniform(-3, 3, 50)
    lon = lon0 + rng.uniform(-3, 3, 50)
    h = rng.uniform(0, 20000, 50)
    e, n, u = g.geodetic_to_enu(lat, lon, h, lat0, lon0, h0)
    e2, n2, u2 = pipe.transform(lon, lat, h)
    np.testing.assert_allclose(e, e2, atol=1e-6)
    np.testing.assert_allclose(n, n2, atol=1e-6)
    np.testing.assert_allclose(u, u2, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.floats(-89.0, 89.0), st.floats(-179.0, 179.0), st.floats(-400.0, 5e5),
       st.floats(-0.9, 0.9), st.floats(-0.9, 0.9))
def test_round_trips(lat, lon, h, dlat, dlon):
    # PROJ's iterative ECEF inverse is good to ~1 mm per 300 km of height: tolerance 1 cm
    x, y, z = g.geodetic_to_ecef(lat, lon, h)
    lat2, lon2, h2 = g.ecef_to_geodetic(x, y, z)
    assert abs(lat2 - lat) < 1e-7 and abs(lon2 - lon) < 1e-7 and abs(h2 - h) < 1e-2
    e, n, u = g.geodetic_to_enu(lat + dlat, lon + dlon, h, lat, lon, 0.0)
    lat3, lon3, h3 = g.enu_to_geodetic(e, n, u, lat, lon, 0.0)
    assert abs(lat3 - (lat + dlat)) < 1e-7 and abs(h3 - h) < 1e-2
    az, el, r = g.enu_to_aer(e, n, u)
    e4, n4, u4 = g.aer_to_enu(az, el, r)
    np.testing.assert_allclose([e4, n4, u4], [e, n, u], atol=1e-6)


def test_vincenty_published_geodesic():
    # Vincenty (1975), Survey Review 23(176), test line: Flinders Peak -> Buninyong.
    def dms(d, m, s):
        return np.sign(d) * (abs(d) + m / 60 + s / 3600)
    lat1, lon1 = dms(-37, 57, 3.72030), dms(144, 25, 29.52440)
    lat2, lon2 = dms(-37, 39, 10.15610), dms(143, 55, 35.38390)
    az, dist = g.geodesic_inverse(lat1, lon1, lat2, lon2)
    assert dist == pytest.approx(54972.271, abs=1e-3)
    assert np.degrees(az) == pytest.approx(dms(306, 52, 5.37), abs=1 / 3600 * 0.01)
    lat3, lon3 = g.geodesic_forward(lat1, lon1, az, dist)
    assert lat3 == pytest.approx(lat2, abs=1e-9) and lon3 == pytest.approx(lon2, abs=1e-9)


def test_site_grid_is_equidistant_from_centre():
    grid = g.SiteGrid(40.08, 32.57, half_cells=20, cell_m=5000.0)
    assert grid.n == 41 and grid.x[20] == 0 and grid.y[20] == 0
    lon, lat = grid.lonlat()
    assert lat[20, 20] == pytest.approx(40.08) and lon[20, 20] == pytest.approx(32.57)
    _, dist = g.geodesic_inverse(40.08, 32.57, lat, lon)
    np.testing.assert_allclose(dist, grid.ground_range(), rtol=1e-9, atol=1e-6)
    assert lat[0, 20] > lat[40, 20] and lon[20, 0] < lon[20, 40]  # row 0 north, col 0 west


def test_effective_earth_geometry_against_vectors():
    """Second implementation: place both points on a sphere of radius k·a as 3-D vectors."""
    k = 4 / 3
    R = k * A
    d = np.array([0.0, 1e3, 50e3, 200e3, 400e3])
    h1, h2 = 30.0, np.array([30.0, 100.0, 5000.0, 10000.0, 20000.0])
    slant, el = g.effective_earth_geometry(d, h1, h2, k)
    th = d / R
    p1 = np.stack([np.zeros_like(th), np.full_like(th, R + h1)])
    p2 = np.stack([(R + h2) * np.sin(th), (R + h2) * np.cos(th)])
    los = p2 - p1
    np.testing.assert_allclose(slant, np.hypot(*los), rtol=1e-12)
    el_ref = np.arctan2(los[1], los[0])
    np.testing.assert_allclose(el[1:], el_ref[1:], atol=1e-9)
    # horizon: a target exactly at the geometric horizon of a ground observer is seen at the
    # elevation angle of the observer's horizontal dip
    dist = np.sqrt(2 * R * 10000.0)
    _, el_h = g.effective_earth_geometry(dist, 0.0, 10000.0, k)
    assert abs(el_h) < 1e-3


def test_curvature_drop_matches_gdal_convention():
    # GDAL viewshed: corrected = h - cc * d^2 / (2a), with cc = 1/k
    d = np.array([1e3, 1e4, 1e5])
    np.testing.assert_allclose(g.curvature_drop(d, 4 / 3), 0.75 * d**2 / (2 * A))


def test_broadcasting_shapes():
    lat = np.full((3, 4), 40.0)
    x, y, z = g.geodetic_to_ecef(lat, 32.0, 0.0)
    assert x.shape == (3, 4)
    e, n, u = g.geodetic_to_enu(lat, 32.1, 100.0, 40.0, 32.0)
    assert e.shape == n.shape == u.shape == (3, 4)
    s, el = g.effective_earth_geometry(np.ones((2, 5)) * 1e4, 10.0, np.arange(5.0))
    assert s.shape == el.shape == (2, 5)
