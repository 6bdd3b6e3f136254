"""Coverage layers against closed forms: spherical caps, sectors, the cone of silence, the
radar horizon, and the monotonicity properties the issue asks for."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iads import coverage as cv
from iads.geodesy import SiteGrid, effective_radius

GRID = SiteGrid(40.0, 33.0, half_cells=100, cell_m=2000.0)  # 402 km square
FLAT = np.zeros((GRID.n, GRID.n))
ALL_VISIBLE = np.full((GRID.n, GRID.n), -np.inf)


def test_full_circle_area_is_the_spherical_cap():
    r = cv.RadarGeometry(antenna_msl_m=10.0, max_range_m=150e3)
    layers = cv.radar_layers(GRID, FLAT, ALL_VISIBLE, r, [10000.0])
    # at 10 km altitude the slant-range limit is a slightly smaller ground circle:
    # solve slant(d) = 150 km on the effective sphere
    R = effective_radius()
    r1, r2 = R + 10.0, R + 10000.0
    th = np.arccos((r1**2 + r2**2 - 150e3**2) / (2 * r1 * r2))
    d = th * R
    area = cv.layer_areas_km2(layers, GRID)[0]
    want = cv.ring_area_km2(d)
    assert area == pytest.approx(want, rel=0.01)  # cell discretisation: 2 km cells on a 150 km disc


def test_true_area_sums_to_the_cap():
    ones = np.ones((1, GRID.n, GRID.n), dtype=bool)
    got = cv.layer_areas_km2(ones, GRID, within_m=180e3)[0]
    assert got == pytest.approx(cv.ring_area_km2(180e3), rel=0.005)


def test_sector_is_its_fraction_of_the_circle():
    full = cv.RadarGeometry(10.0, 150e3)
    sector = cv.RadarGeometry(10.0, 150e3, boresight_rad=np.radians(135),
                              sector_width_rad=np.radians(90))
    a_full = cv.layer_areas_km2(cv.radar_layers(GRID, FLAT, ALL_VISIBLE, full, [5000.0]), GRID)
    a_sec = cv.layer_areas_km2(cv.radar_layers(GRID, FLAT, ALL_VISIBLE, sector, [5000.0]), GRID)
    assert a_sec[0] / a_full[0] == pytest.approx(0.25, abs=0.01)
    lay = cv.radar_layers(GRID, FLAT, ALL_VISIBLE, sector, [5000.0])[0]
    c = GRID.half_cells
    assert lay[c + 20, c + 20]  # south-east (azimuth 135°)
    assert not lay[c - 20, c - 20]  # north-west


def test_cone_of_silence_radius():
    el_max = np.radians(60)
    r = cv.RadarGeometry(0.0, 150e3, elevation_max_rad=el_max)
    lay = cv.radar_layers(GRID, FLAT, ALL_VISIBLE, r, [20000.0])[0]
    hole = ~lay & (GRID.ground_range() < 40e3)
    # flat-earth closed form of the hole radius at 20 km: h / tan(60°) = 11.5 km
    hole_radius = np.sqrt(hole.sum() * GRID.cell_m**2 / np.pi)
    assert hole_radius == pytest.approx(20000.0 / np.tan(el_max), rel=0.1)


def test_line_of_sight_threshold_and_msl_layers():
    terrain = np.full((GRID.n, GRID.n), 500.0)
    mvh = np.full((GRID.n, GRID.n), 1000.0)  # need 1,000 m MSL everywhere
    r = cv.RadarGeometry(510.0, 400e3)
    agl = cv.radar_layers(GRID, terrain, mvh, r, [400.0, 500.0, 600.0], reference="agl")
    assert not agl[0].any() and agl[1].all() == agl[2].all()
    msl = cv.radar_layers(GRID, terrain, mvh, r, [300.0, 999.0, 1000.0], reference="msl")
    assert not msl[0].any() and not msl[1].any() and msl[2].any()


def test_engagement_is_radar_and_envelope_and_cued_is_separate():
    r = cv.RadarGeometry(10.0, 100e3)
    cover = cv.radar_layers(GRID, FLAT, ALL_VISIBLE, r, [3000.0])
    wide = cv.radar_layers(GRID, FLAT, ALL_VISIBLE, cv.RadarGeometry(10.0, 180e3), [3000.0])
    m = cv.MissileEnvelope(3e3, 150e3, 10.0, 30e3, active_seeker=True)
    guided, cued = cv.engagement_layers(GRID, FLAT, cover, 10.0, m, [3000.0], cueing_cover=wide)
    assert (guided <= cover).all() and not (guided & cued).any()
    d = GRID.ground_range()
    assert cued[0][(d > 110e3) & (d < 140e3)].all() and not cued[0][d > 155e3].any()
    semi = cv.MissileEnvelope(3e3, 150e3, 10.0, 30e3, active_seeker=False)
    _, cued2 = cv.engagement_layers(GRID, FLAT, cover, 10.0, semi, [3000.0], cueing_cover=wide)
    assert not cued2.any()
    low = cv.engagement_layers(GRID, FLAT, cover, 10.0, m, [5.0])[0]
    assert not low.any()  # below the altitude band


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_higher_targets_never_see_less_with_random_mvh(seed):
    rng = np.random.default_rng(seed)
    g = SiteGrid(40.0, 33.0, half_cells=15, cell_m=3000.0)
    terrain = rng.uniform(0, 800, (g.n, g.n))
    mvh = terrain + rng.uniform(0, 3000, (g.n, g.n))
    # geometric line of sight only: no range or elevation limit (a range limit can, rightly,
    # drop high targets near its edge)
    r = cv.RadarGeometry(900.0, np.inf)
    lay = cv.radar_layers(g, terrain, mvh, r, [0, 100, 1000, 3000, 10000], reference="agl")
    assert (lay[:-1] <= lay[1:]).all()
    assert lay[-1].sum() > lay[0].sum()


def test_range_height_smooth_earth_horizon_matches_closed_form():
    """Lowest visible altitude at ground range d beyond the horizon, on a sphere of radius k·a:
    the target must clear the tangent ray, h_min(d) = sqrt(R² + (d − d_h)²) − R (d_h the
    antenna's horizon distance); equivalently the horizon range is √(2kah₁) + √(2kah₂)."""
    R = effective_radius()
    r = cv.RadarGeometry(antenna_msl_m=30.0, max_range_m=1e7)
    d = np.linspace(1e3, 400e3, 400)
    alts = np.linspace(0, 12000, 12001)  # 1 m steps
    rh = cv.range_height(r, d, alts)
    lowest = np.array([alts[col.argmax()] if col.any() else np.nan for col in rh.T])
    horizon_d = np.sqrt(2 * R * 30.0) + np.sqrt(2 * R * lowest)
    far = d > 40e3
    np.testing.assert_allclose(horizon_d[far], d[far], rtol=0.01)


def test_range_height_slant_limit_and_profile_mask():
    r = cv.RadarGeometry(antenna_msl_m=0.0, max_range_m=100e3,
                         elevation_max_rad=np.radians(70))
    d = np.linspace(1e3, 150e3, 150)
    alts = np.linspace(0, 40e3, 401)
    prof = np.where(d > 50e3, 5000.0, -np.inf)  # a ridge hides everything below 5 km beyond 50 km
    rh = cv.range_height(r, d, alts, prof)
    assert not rh[:, d > 101e3].any()
    assert not rh[alts < 5000][:, d > 50e3].any() and rh[alts > 5000][:, (d > 60e3) &
                                                                      (d < 90e3)].any()
    assert not rh[alts > 30e3][:, d < 10e3].any()  # cone of silence above 70°
