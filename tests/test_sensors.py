"""Tests of iads.sensors: geometry against PROJ and iads.coverage, beam crossings by
substitution and a second solver, detection rates by Monte Carlo, false alarms, clutter and
jamming against closed forms, determinism."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from pyproj import Geod
from scipy import optimize, stats

from iads import coverage
from iads.catalog import load_catalog
from iads.geodesy import (
    SiteGrid,
    ecef_to_enu,
    effective_earth_geometry,
    enu_to_aer,
    geodetic_to_ecef,
    geodetic_to_enu,
)
from iads.kinematics import (
    geodetic_of,
    orbit_segments,
    positions,
    route_segments,
    stack_paths,
    stationary_paths,
)
from iads.radar import detection_probability, required_snr
from iads.rng import component_rng
from iads.scenario.schema import Orbit
from iads.sensors import (
    ClutterModel,
    Jammers,
    Looks,
    RotatingScan,
    SectorScan,
    TerrainMask,
    beam_azimuth,
    beam_crossings,
    burn_through_range,
    clutter_rcs_m2,
    converted_measurements,
    detections_to_ecef,
    draw_detections,
    evaluate_looks,
    false_alarm_cells,
    false_alarms,
    grazing_angles,
    look_geometry,
    measurement_to_ecef,
    placed_radar,
    scan_pieces,
    scan_window,
    signatures,
    track_dwells,
)

CAT = load_catalog()
GEOD = Geod(ellps="WGS84")
LAT0, LON0 = 39.0, 32.0
TWO_PI = 2 * math.pi


class Wp:
    def __init__(self, lat, lon, alt_m, speed_mps=None):
        self.lat, self.lon, self.alt_m, self.speed_mps = lat, lon, alt_m, speed_mps
        self.alt_ref, self.time_s = "msl", None


def ecef(lat, lon, h):
    return np.stack([np.asarray(v, float) for v in geodetic_to_ecef(lat, lon, h)], axis=-1)


def around(az_deg, dist_m, lat0=LAT0, lon0=LON0):
    """Points at azimuths [°] and geodesic distances [m] from (lat0, lon0)."""
    az, d = np.broadcast_arrays(np.asarray(az_deg, float), np.asarray(dist_m, float))
    lo, la, _ = GEOD.fwd(np.full(az.shape, lon0), np.full(az.shape, lat0), az, d)
    return np.asarray(la), np.asarray(lo)


def radar(name="91n6e", ground=0.0, **kw):
    return placed_radar(CAT.radars[name], name, LAT0, LON0, ground, **kw)


def independent_az(radar_pos, obj_pos):
    """Azimuth [rad] of objects from radars, through PROJ (iads.geodesy)."""
    lat, lon, h = geodetic_of(radar_pos)
    out = []
    for rp_lat, rp_lon, rp_h, p in zip(np.atleast_1d(lat), np.atleast_1d(lon), np.atleast_1d(h),
                                       np.atleast_2d(obj_pos), strict=True):
        e, n, u = ecef_to_enu(*p, float(rp_lat), float(rp_lon), float(rp_h))
        out.append(float(enu_to_aer(e, n, u)[0]))
    return np.array(out)


def chord_route(lat1, lon1, lat2, lon2, h, speed):
    """A constant-velocity path (one chord) between two points."""
    return route_segments([Wp(lat1, lon1, h, speed), Wp(lat2, lon2, h)], sag_m=1e9)


def sigs(n, target="f-16c", band="S"):
    return signatures([CAT.targets[target]] * n, band)


# ------------------------------------------------------------------------------------------------
# geometry


def test_look_geometry_matches_proj_and_the_effective_earth():
    rng = np.random.default_rng(2)
    n, h1 = 3000, 950.0
    az = rng.uniform(0, 360, n)
    d = rng.uniform(1e3, 6e5, n)
    h2 = rng.uniform(0, 3e4, n)
    la, lo = around(az, d)
    obj = ecef(la, lo, h2)
    rp = ecef(LAT0, LON0, h1)
    geo = look_geometry(rp, np.zeros(3), obj, np.zeros((n, 3)))
    daz = np.angle(np.exp(1j * (geo.azimuth_rad - np.radians(az))))
    assert np.abs(daz).max() < 2e-5  # normal section vs geodesic azimuth
    assert np.abs(geo.ground_range_m - d).max() < 2.0
    np.testing.assert_allclose(geo.height_m, h2, atol=1e-3)
    np.testing.assert_allclose(geo.range_m, np.linalg.norm(obj - rp, axis=1), rtol=1e-12)
    _, el = effective_earth_geometry(d, h1, h2)
    assert np.abs(geo.elevation_rad - el).max() < 1e-6
    # refraction matters: the straight-line elevation is lower by up to ~d/(8a)
    e, nn, u = ecef_to_enu(*obj.T, LAT0, LON0, h1)
    el_geo = enu_to_aer(e, nn, u)[1]
    assert np.abs(geo.elevation_rad - el_geo).max() > 5e-3


def test_measurement_to_ecef_inverts_the_look_geometry():
    rng = np.random.default_rng(3)
    n = 500
    la, lo = around(rng.uniform(0, 360, n), rng.uniform(2e3, 6e5, n))
    obj = ecef(la, lo, rng.uniform(0, 3e4, n))
    rp = ecef(LAT0, LON0, 120.0)
    geo = look_geometry(rp, np.zeros(3), obj, np.zeros((n, 3)))
    back = measurement_to_ecef(rp, geo.range_m, geo.azimuth_rad, geo.elevation_rad)
    assert np.linalg.norm(back - obj, axis=1).max() < 10.0


def test_smooth_earth_line_of_sight_matches_the_tangent_ray_and_coverage_range_height():
    h1 = 30.0
    d = np.linspace(5e3, 4e5, 80)
    h = np.linspace(0.0, 15e3, 61)
    dd, hh = np.meshgrid(d, h)
    la, lo = around(np.full(dd.size, 75.0), dd.ravel())
    geo = look_geometry(ecef(LAT0, LON0, h1), np.zeros(3), ecef(la, lo, hh.ravel()),
                        np.zeros((dd.size, 3)))
    got = geo.smooth_los.reshape(dd.shape)
    # exact: beyond the tangent point (arc R acos(R/(R+h1))) an object needs R/cos(b/R) - R
    R = 4.0 / 3.0 * 6_378_137.0
    b = np.maximum(dd - R * np.arccos(R / (R + h1)), 0.0)
    need = R / np.cos(b / R) - R
    clear = np.abs(hh - need) > 0.5
    assert clear.sum() > 0.98 * clear.size
    np.testing.assert_array_equal(got[clear], hh[clear] >= need[clear])
    # iads.coverage.range_height puts the arc distance on the tangent line (sqrt(R²+x²) - R),
    # lower than the exact height by about x⁴/(3R³) (7 m at 330 km): agree outside that band
    want = coverage.range_height(coverage.RadarGeometry(antenna_msl_m=h1, max_range_m=1e9), d, h)
    x = np.maximum(dd - np.sqrt(2 * R * h1 + h1 * h1), 0.0)
    band = np.abs(hh - need) > 1.0 + x**4 / (3 * R**3) * 1.5
    np.testing.assert_array_equal(got[band], want[band])


def _hills(grid, seed=5):
    rng = np.random.default_rng(seed)
    xx, yy = np.meshgrid(grid.x, grid.y)
    z = np.full(xx.shape, 300.0)
    for _ in range(12):
        cx, cy = rng.uniform(-grid.half_cells * grid.cell_m, grid.half_cells * grid.cell_m, 2)
        z += rng.uniform(100, 900) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2)
                                            / (2 * rng.uniform(1e3, 5e3) ** 2))
    return z


def _cell_objects(grid, z, heights_agl):
    xx, yy = np.meshgrid(grid.x, grid.y)
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(grid.crs, "EPSG:4326", always_xy=True).transform(xx, yy)
    lat = np.broadcast_to(lat, (len(heights_agl),) + lat.shape)
    lon = np.broadcast_to(lon, lat.shape)
    h = np.asarray(heights_agl, float)[:, None, None] + z[None]
    return stationary_paths(lat.ravel(), lon.ravel(), h.ravel())


def test_terrain_masking_and_limits_agree_with_coverage_layers():
    grid = SiteGrid(LAT0, LON0, 40, 500.0)
    z = _hills(grid)
    mast = 15.0
    mask = TerrainMask.from_terrain(grid, z, mast)
    rad = replace(radar("96l6e", ground=float(z[40, 40])),
                  platform=stationary_paths([LAT0], [LON0], [z[40, 40] + mast]),
                  boresight_rad=math.radians(45.0), sector_rad=math.radians(200.0),
                  elevation_min_rad=math.radians(0.2), elevation_max_rad=math.radians(8.0),
                  max_range_m=17e3)
    heights = [30.0, 300.0, 2000.0]
    paths = _cell_objects(grid, z, heights)
    n = len(paths)
    looks = evaluate_looks(rad, paths, np.zeros(n), np.arange(n), sigs(n, band="X"), mask=mask)
    rg = coverage.RadarGeometry(antenna_msl_m=z[40, 40] + mast, max_range_m=17e3,
                                boresight_rad=math.radians(45.0),
                                sector_width_rad=math.radians(200.0),
                                elevation_min_rad=math.radians(0.2),
                                elevation_max_rad=math.radians(8.0))
    want = coverage.radar_layers(grid, z, mask.mvh_msl_m, rg, heights).ravel()
    # line of sight alone is the same raster threshold
    los_want = viewshed_layers(mask.mvh_msl_m - z, heights)
    np.testing.assert_array_equal(looks.line_of_sight, los_want)
    near = (np.abs(looks.range_m - 17e3) < 1.0) | (np.abs(looks.elevation_rad
                                                         - math.radians(0.2)) < 1e-7)
    near[np.arange(len(heights)) * grid.n**2 + 40 * grid.n + 40] = True  # the radar's own cell
    assert want.sum() > 1000 and (~want).sum() > 1000
    np.testing.assert_array_equal(looks.visible[~near], want[~near])


def viewshed_layers(mvh_agl, heights):
    from iads.viewshed import layers

    return layers(mvh_agl, heights).ravel()


def test_object_behind_a_ridge_is_never_detected():
    grid = SiteGrid(LAT0, LON0, 60, 500.0)
    z = np.zeros((grid.n, grid.n))
    z[60 - 22:60 - 18, :] = 800.0  # an east-west ridge 9-11 km north of the radar
    mask = TerrainMask.from_terrain(grid, z, 6.0)
    rad = radar("96l6e", rng=component_rng(7, "radar", "r"))
    la, lo = around([0.0, 180.0], [25e3, 25e3])
    paths = stationary_paths(la, lo, [300.0, 300.0])
    looks, hits = [], []
    g = component_rng(7, "radar", "r", "draws")
    for k in range(150):
        res = scan_window(rad, paths, sigs(2, band="X"), k * 6.0, (k + 1) * 6.0, g, mask=mask,
                          with_false_alarms=False)
        looks.append(res.looks)
        hits.append(res.detections.object)
    obj = np.concatenate([lk.object for lk in looks])
    los = np.concatenate([lk.line_of_sight for lk in looks])
    hits = np.concatenate(hits)
    assert (obj == 0).sum() == 150 and (obj == 1).sum() == 150
    assert not los[obj == 0].any() and los[obj == 1].all()
    assert (hits == 0).sum() == 0 and (hits == 1).sum() > 140
    # without the raster (smooth earth) the northern object is seen
    res = scan_window(rad, paths, sigs(2, band="X"), 0.0, 6.0, g, with_false_alarms=False)
    assert res.looks.line_of_sight.all()


def _looks_by_parts(rad, paths, t, obj, sig, mask, clutter):
    """evaluate_looks' visibility and SNR composed from the public numpy pieces (positions,
    look_geometry, active, TerrainMask.visible; the SNR and clutter budget as written in the
    module docstring) — the formulation its one-pass kernel replaced."""
    from iads.kinematics import active

    pos, vel = positions(paths, t, obj)
    rp, rv = positions(rad.platform, t, np.zeros(t.size, np.int64))
    geo = look_geometry(rp, rv, pos, vel, rad.k_factor)
    los = mask.visible(geo.ground_range_m, geo.azimuth_rad, geo.height_m) if mask else \
        geo.smooth_los
    off = np.mod(geo.azimuth_rad - rad.boresight_rad + math.pi, TWO_PI) - math.pi
    in_sector = (np.abs(off) <= 0.5 * rad.sector_rad) | (rad.sector_rad >= TWO_PI - 1e-12)
    el = geo.elevation_rad
    visible = (active(paths, t, obj) & los & in_sector & (el >= rad.elevation_min_rad)
               & (el <= rad.elevation_max_rad) & (geo.range_m <= rad.max_range_m))
    nose = geo.off_nose_rad
    aspect = np.where(nose < math.radians(45.0), 0, np.where(nose < math.radians(135.0), 1, 2))
    rcs = sig.rcs_m2[obj, aspect]
    snr = rad.ref_snr_db + 10 * np.log10(rcs / rad.ref_rcs_m2) + 40 * np.log10(
        rad.ref_range_m / np.maximum(geo.range_m, 1.0))
    return geo, los, visible, snr


@pytest.mark.parametrize("airborne", [False, True])
def test_one_pass_looks_equal_the_composed_numpy_pieces(airborne):
    grid = SiteGrid(LAT0, LON0, 40, 500.0)
    z = _hills(grid)
    mask = None if airborne else TerrainMask.from_terrain(grid, z, 15.0)
    if airborne:
        orbit = orbit_segments(Orbit(lat=LAT0, lon=LON0, radius_km=30, alt_m=9000,
                                     speed_mps=200))
        rad = placed_radar(CAT.radars["an-apy-2"], "awacs", LAT0, LON0, 0.0, platform=orbit)
    else:
        rad = replace(radar("96l6e", ground=float(z[40, 40])),
                      platform=stationary_paths([LAT0], [LON0], [z[40, 40] + 15.0]),
                      boresight_rad=math.radians(45.0), sector_rad=math.radians(200.0))
    rng = np.random.default_rng(2)
    n = 400
    la, lo = around(rng.uniform(0, 360, n), rng.uniform(1e3, 25e3, n))
    la2, lo2 = around(rng.uniform(0, 360, n), rng.uniform(1e3, 25e3, n))
    h = rng.uniform(200.0, 3000.0, n)
    paths = stack_paths([chord_route(a, b, c, d, e, 250.0)
                         for a, b, c, d, e in zip(la, lo, la2, lo2, h, strict=True)])
    t = rng.uniform(-10.0, 200.0, n)  # some before their paths start or after they end
    obj = rng.integers(0, n, n)
    sig = sigs(n, band=rad.band)
    looks = evaluate_looks(rad, paths, t, obj, sig, mask=mask)
    geo, los, visible, snr = _looks_by_parts(rad, paths, t, obj, sig, mask, None)
    for f in ("range_m", "azimuth_rad", "elevation_rad", "ground_range_m", "height_m",
              "off_nose_rad"):
        np.testing.assert_array_equal(getattr(looks, f), getattr(geo, f))
    np.testing.assert_array_equal(looks.line_of_sight, los)
    np.testing.assert_array_equal(looks.visible, visible)
    assert 0 < visible.sum() < n and (airborne or 0 < los.sum() < n)
    np.testing.assert_allclose(looks.snr_db, snr, rtol=1e-12)


# ------------------------------------------------------------------------------------------------
# scan schedules


def test_crossing_times_of_stationary_objects_are_analytic():
    rng = np.random.default_rng(4)
    n = 60
    la, lo = around(rng.uniform(0, 360, n), rng.uniform(5e3, 4e5, n))
    paths = stationary_paths(la, lo, rng.uniform(0, 2e4, n))
    rad = radar()
    scan = RotatingScan(10.0, phase_rad=1.234, t0_s=-3.0)
    cr = beam_crossings(paths, rad.platform, scan, 2.5, 52.5)
    az = independent_az(np.repeat(rad.platform.p0, n, axis=0), paths.p0)
    first = -3.0 + np.mod(az - 1.234, TWO_PI) / TWO_PI * 10.0
    want = first[:, None] + 10.0 * np.arange(-1, 7)[None, :]
    want_o = np.repeat(np.arange(n), want.shape[1])
    want = want.ravel()
    keep = (want >= 2.5) & (want < 52.5)
    order = np.lexsort((want_o[keep], want[keep]))
    assert len(cr) == 5 * n
    np.testing.assert_array_equal(cr.object, want_o[keep][order])
    np.testing.assert_allclose(cr.time_s, want[keep][order], atol=1e-9)


def _moving_objects(rng, n, speed_lo=100.0, speed_hi=4800.0, dmin=20e3, dmax=3e5):
    segs = []
    for _ in range(n):
        la, lo = around(rng.uniform(0, 360), rng.uniform(dmin, dmax))
        la2, lo2 = around(rng.uniform(0, 360), 3e5, float(la[()]), float(lo[()]))
        segs.append(chord_route(float(la), float(lo), float(la2), float(lo2),
                                rng.uniform(100, 3e4), rng.uniform(speed_lo, speed_hi)))
    return stack_paths(segs)


def _dense_crossing_count(paths, platform, scan, t0, t1, i, n=20001):
    """Crossings of object i counted by dense sampling of the unwrapped azimuth difference."""
    t = np.linspace(t0, t1, n)
    rp, _ = positions(platform, t, np.zeros(n, np.int64))
    op, _ = positions(paths, t, np.full(n, i))
    lat, lon, h = geodetic_of(rp[:1])
    e, nn, _ = ecef_to_enu(*op.T, float(lat[0]), float(lon[0]), float(h[0]))
    az = np.unwrap(np.arctan2(e, nn))
    beam = scan.phase_rad + TWO_PI * (t - scan.t0_s) / scan.period_s
    g = (beam - az) / TWO_PI
    return int(np.floor(g[-1]) - np.floor(g[0]))


def test_moving_object_crossings_solve_the_crossing_equation():
    rng = np.random.default_rng(5)
    n = 40
    paths = _moving_objects(rng, n)
    rad = radar()
    scan = RotatingScan(10.0, phase_rad=0.3)
    cr = beam_crossings(paths, rad.platform, scan, 0.0, 60.0)
    pos, vel = positions(paths, cr.time_s, cr.object)
    az = independent_az(np.repeat(rad.platform.p0, len(cr), axis=0), pos)
    resid = np.angle(np.exp(1j * (beam_azimuth(scan, cr.time_s) - az)))
    # in time: residual angle / (beam rate - object's azimuth rate), rates well apart here
    assert np.abs(resid).max() / (TWO_PI / 10.0 * 0.5) < 1e-6
    assert cr.iterations.max() <= 4
    for i in range(n):
        assert (cr.object == i).sum() == _dense_crossing_count(paths, rad.platform, scan, 0.0,
                                                               60.0, i)


def test_fixed_point_iteration_converges_to_the_newton_root():
    # t <- t_a + wrap(az(t) - b)/ω contracts with factor |az'|/ω; it must land on the same root
    rng = np.random.default_rng(6)
    paths = _moving_objects(rng, 12, 150.0, 900.0, 30e3, 2e5)
    rad = radar()
    scan = RotatingScan(10.0, phase_rad=2.0)
    cr = beam_crossings(paths, rad.platform, scan, 0.0, 10.0)
    rp = rad.platform.p0
    for t_star, i in zip(cr.time_s, cr.object, strict=True):
        t = 0.0
        for _ in range(60):
            p, _ = positions(paths, [t], [i])
            a = independent_az(rp, p)[0]
            t_new = (np.mod(a - scan.phase_rad, TWO_PI)) / (TWO_PI / 10.0)
            if abs(t_new - t) < 1e-12:
                break
            t = t_new
        assert t == pytest.approx(t_star, abs=1e-8)


def test_splitting_a_window_gives_the_same_crossings():
    paths = _moving_objects(np.random.default_rng(7), 50)
    rad = radar()
    scan = RotatingScan(7.0, phase_rad=5.0, t0_s=1.0)
    whole = beam_crossings(paths, rad.platform, scan, 0.0, 40.0)
    parts = [beam_crossings(paths, rad.platform, scan, a, b)
             for a, b in ((0.0, 3.3), (3.3, 17.95), (17.95, 40.0))]
    t = np.concatenate([p.time_s for p in parts])
    o = np.concatenate([p.object for p in parts])
    np.testing.assert_array_equal(o, whole.object)
    np.testing.assert_allclose(t, whole.time_s, atol=1e-9)


def test_crossing_gather_equals_the_masked_numpy_selection():
    """The compiled gather of the solver's per-object rows equals the numpy formulation it
    replaced: row-major mask of the filled slots, repeated object rows, window filter."""
    from iads.sensors.scan import _gather

    rng = np.random.default_rng(11)
    for n, cap in ((0, 4), (1, 4), (37, 4), (50, 10)):
        counts = rng.integers(0, cap + 1, n).astype(np.int64)
        objs = np.sort(rng.choice(1000, n, replace=False)).astype(np.int64)
        out_t = rng.uniform(-1.0, 11.0, n * cap)
        out_t[::7] = 10.0  # roots at the closed end belong to the next window
        out_it = rng.integers(0, 5, n * cap).astype(np.int64)
        take = (np.arange(cap)[None, :] < counts[:, None]).ravel()
        t, it, o = out_t[take], out_it[take], np.repeat(objs, counts)
        keep = (t >= 0.0) & (t < 10.0)
        got = _gather(out_t, out_it, counts, objs, cap, 0.0, 10.0)
        for a, b in zip(got, (t[keep], o[keep], it[keep]), strict=True):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)


def test_airborne_radar_on_orbit_crossings():
    orbit = orbit_segments(Orbit(lat=LAT0, lon=LON0, radius_km=40, alt_m=9000, speed_mps=200))
    platform = stack_paths([orbit])
    paths = _moving_objects(np.random.default_rng(8), 20, dmin=80e3)
    scan = RotatingScan(10.0, phase_rad=0.0)
    cr = beam_crossings(paths, platform, scan, 0.0, 50.0)
    rp, _ = positions(platform, cr.time_s, np.zeros(len(cr), np.int64))
    op, _ = positions(paths, cr.time_s, cr.object)
    resid = np.angle(np.exp(1j * (beam_azimuth(scan, cr.time_s) - independent_az(rp, op))))
    assert len(cr) >= 5 * 20 - 4 and np.abs(resid).max() < 1e-7


def test_sector_scan_frames_sweep_the_sector_left_to_right():
    az = np.array([20.0, 31.0, 60.0, 100.0, 119.0, 150.0, 300.0])
    la, lo = around(az, 50e3)
    paths = stationary_paths(la, lo, np.full(az.shape, 3000.0))
    rad = radar("92n6e", boresight_deg=75.0)
    scan = SectorScan(3.0, left_rad=math.radians(30.0), width_rad=math.radians(90.0), t0_s=0.4)
    cr = beam_crossings(paths, rad.platform, scan, 0.4, 9.4)
    inside = (az >= 30.0) & (az <= 120.0)
    assert set(cr.object.tolist()) == set(np.flatnonzero(inside).tolist())
    a = independent_az(np.repeat(rad.platform.p0, len(az), axis=0), paths.p0)
    for i in np.flatnonzero(inside):
        t = cr.time_s[cr.object == i]
        want = 0.4 + 3.0 * np.arange(3) + (a[i] - math.radians(30.0)) / math.radians(90.0) * 3.0
        np.testing.assert_allclose(t, want, atol=1e-9)


def test_a_window_ending_within_rounding_of_a_frame_edge_is_solved():
    # regression: frame 3.2853 s from t0 2.4291... puts a frame edge 1.4e-14 s before the end
    # of [81.2763..., 91.1322...): the sliver piece once stalled the solver forever
    t0 = 2.429194970941596
    scan = SectorScan(3.2853, left_rad=math.radians(30.0), width_rad=math.radians(90.0), t0_s=t0)
    ta, tb = 81.2763949709416, 91.1322949709416
    start, dur, _, _ = scan_pieces(scan, ta, tb)
    assert dur.min() > 1e-6 and start[0] == ta and start[-1] + dur[-1] == tb
    az = np.array([40.0, 75.0, 110.0])
    la, lo = around(az, 60e3)
    paths = stationary_paths(la, lo, np.full(az.shape, 3000.0))
    rad = radar("92n6e", boresight_deg=75.0)
    cr = beam_crossings(paths, rad.platform, scan, ta, tb)
    a = independent_az(np.repeat(rad.platform.p0, len(az), axis=0), paths.p0)
    k = np.arange(24, 28)
    for i in range(3):
        want = t0 + 3.2853 * (k + (a[i] - math.radians(30.0)) / math.radians(90.0))
        want = want[(want >= ta) & (want < tb)]
        np.testing.assert_allclose(cr.time_s[cr.object == i], want, atol=1e-9)


def test_track_dwells_are_spread_evenly_over_each_revisit():
    t, o = track_dwells([7, 3, 9, 1], 0.25, 2.25, 0.5, t0_s=0.1)
    assert len(t) == 16 and np.all(np.diff(t) > 0)
    np.testing.assert_allclose(np.diff(t), 0.125)
    for obj in (7, 3, 9, 1):
        np.testing.assert_allclose(np.diff(t[o == obj]), 0.5)
    assert t.min() >= 0.25 and t.max() < 2.25


# ------------------------------------------------------------------------------------------------
# detection physics


def test_snr_is_the_reference_scaling_with_the_aspect_rcs():
    rad = radar()
    la, lo = around(45.0, 150e3)
    la_in, lo_in = around(45.0, 100e3)
    la_out, lo_out = around(45.0, 200e3)
    la_x, lo_x = around(135.0, 50e3, float(la), float(lo))
    segs = [chord_route(float(la), float(lo), float(la_in), float(lo_in), 8000.0, 250.0),
            chord_route(float(la), float(lo), float(la_out), float(lo_out), 8000.0, 250.0),
            chord_route(float(la), float(lo), float(la_x), float(lo_x), 8000.0, 250.0)]
    paths = stack_paths(segs)
    sig = sigs(3, "f-35a")
    looks = evaluate_looks(rad, paths, [1.0, 1.0, 1.0], [0, 1, 2], sig)
    assert looks.aspect.tolist() == [0, 2, 1]
    rcs = CAT.targets["f-35a"].rcs_m2["S"]
    want_rcs = [rcs.nose.value, rcs.tail.value, rcs.beam.value]
    np.testing.assert_array_equal(looks.rcs_m2, want_rcs)
    pos, _ = positions(paths, 1.0)
    r = np.linalg.norm(pos - rad.platform.p0, axis=1)
    ref = CAT.radars["91n6e"].reference_detection
    snr_ref = required_snr(ref.pd, ref.pfa, ref.n_pulses, ref.swerling)
    want = (snr_ref + 10 * np.log10(np.array(want_rcs) / ref.rcs_m2.value)
            + 40 * np.log10(ref.range_km.value * 1e3 / r))
    np.testing.assert_allclose(looks.snr_db, want, atol=1e-9)
    np.testing.assert_array_equal(looks.sinr_db, looks.snr_db)


def test_detection_fraction_matches_the_swerling_1_closed_form():
    # one pulse, Swerling 1: Pd = Pfa ** (1 / (1 + snr)), independent of iads.radar
    rad = replace(radar(), n_pulses=1)
    la, lo = around(200.0, 330e3)
    paths = stationary_paths(la, lo, [9000.0])
    n = 40_000
    looks = evaluate_looks(rad, paths, np.zeros(n), np.zeros(n, np.int64), sigs(1))
    snr = 10 ** (looks.snr_db[0] / 10)
    pd = rad.pfa ** (1 / (1 + snr))
    assert 0.2 < pd < 0.8
    np.testing.assert_allclose(looks.pd, pd, rtol=1e-9)
    det = draw_detections(looks, rad, component_rng(11, "radar", "mc"))
    frac = len(det) / n
    assert abs(frac - pd) < 4 * math.sqrt(pd * (1 - pd) / n)


def test_detection_fraction_matches_detection_probability_for_a_catalog_radar():
    rad = radar()  # 16 pulses, Swerling 1 reference; target Swerling 1
    la, lo = around(10.0, 190e3)  # the F-35A's 50 % range in the beam aspect
    paths = stationary_paths(la, lo, [12000.0])
    n = 30_000
    looks = evaluate_looks(rad, paths, np.zeros(n), np.zeros(n, np.int64), sigs(1, "f-35a"))
    assert looks.visible.all()
    pd = detection_probability(looks.snr_db[0], rad.pfa, rad.n_pulses, 1)
    assert 0.2 < pd < 0.8
    det = draw_detections(looks, rad, component_rng(12, "radar", "mc"))
    assert abs(len(det) / n - pd) < 4 * math.sqrt(pd * (1 - pd) / n)


def test_draw_detections_equals_the_numpy_formulation_and_keeps_the_looks_of_the_plots():
    # the compiled draw against the numpy formulation it replaced (same draws, same bits)
    rad = radar()
    la, lo = around([40.0, 230.0, 100.0], [150e3, 60e3, 420e3])
    paths = stationary_paths(la, lo, [9000.0, 1500.0, 300.0])
    n = 3000
    g = np.random.default_rng(5)
    looks = evaluate_looks(rad, paths, np.sort(g.uniform(0, 30, n)), g.integers(0, 3, n),
                           sigs(3))
    looks = replace(looks, pd=g.uniform(0, 1, n), azimuth_rad=looks.azimuth_rad - 0.01)
    det = draw_detections(looks, rad, component_rng(3, "x"))
    rng = component_rng(3, "x")
    u = rng.random(n)
    z = rng.standard_normal((n, 3))
    hit = np.flatnonzero(looks.visible & (u < looks.pd))
    z = z[hit]
    assert 0 < hit.size < n
    np.testing.assert_array_equal(det.time_s, looks.time_s[hit])
    np.testing.assert_array_equal(det.object, looks.object[hit])
    np.testing.assert_array_equal(det.range_m, looks.range_m[hit] + rad.sigma_range_m * z[:, 0])
    np.testing.assert_array_equal(
        det.azimuth_rad, np.mod(looks.azimuth_rad[hit] + rad.sigma_azimuth_rad * z[:, 1],
                                2 * np.pi))
    np.testing.assert_array_equal(det.elevation_rad,
                                  looks.elevation_rad[hit] + rad.sigma_elevation_rad * z[:, 2])
    np.testing.assert_array_equal(det.sinr_db, looks.sinr_db[hit])
    # a window's plots name their looks: same time and object, -1 for false alarms
    res = scan_window(rad, paths, sigs(3), 0.0, 60.0, component_rng(4, "x"))
    lo_ = res.look_of
    real = res.detections.object >= 0
    assert (lo_ >= 0).tolist() == real.tolist() and real.sum() > 5
    np.testing.assert_array_equal(res.looks.time_s[lo_[real]], res.detections.time_s[real])
    np.testing.assert_array_equal(res.looks.object[lo_[real]], res.detections.object[real])


def test_measurement_errors_have_the_catalog_sigmas():
    rad = radar()
    la, lo = around(300.0, 120e3)
    paths = stationary_paths(la, lo, [6000.0])
    n = 8000
    looks = evaluate_looks(rad, paths, np.zeros(n), np.zeros(n, np.int64), sigs(1))
    det = draw_detections(looks, rad, component_rng(13, "radar", "noise"))
    assert len(det) > 0.99 * n
    cat = CAT.radars["91n6e"]
    e_r = (det.range_m - looks.range_m[0]) / cat.sigma_range_m.value
    e_a = (np.angle(np.exp(1j * (det.azimuth_rad - looks.azimuth_rad[0])))
           / (cat.sigma_azimuth_mrad.value * 1e-3))
    e_e = (det.elevation_rad - looks.elevation_rad[0]) / (cat.sigma_elevation_mrad.value * 1e-3)
    for e in (e_r, e_a, e_e):
        assert stats.kstest(e, "norm").pvalue > 1e-3
    chi2 = e_r**2 + e_a**2 + e_e**2
    assert stats.kstest(chi2, "chi2", args=(3,)).pvalue > 1e-3


def test_sector_elevation_and_range_limits():
    rad = radar("92n6e", boresight_deg=0.0)  # 90° sector about north, 400 km instrumented
    la, lo = around([10.0, 80.0, 0.0, 0.0, 0.0], [50e3, 50e3, 50e3, 5e3, 4.1e5])
    h = [5000.0, 5000.0, 5000.0, 30000.0, 20000.0]
    paths = stationary_paths(la, lo, h)
    looks = evaluate_looks(rad, paths, np.zeros(5), np.arange(5), sigs(5, band="X"))
    assert looks.in_sector.tolist() == [True, False, True, True, True]
    cat = CAT.radars["92n6e"]
    assert looks.in_elevation[3] == (math.degrees(looks.elevation_rad[3])
                                     <= cat.elevation_max_deg.value)
    assert cat.instrumented_range_km.value == 400.0
    assert looks.in_range.tolist() == [True, True, True, True, False]
    assert np.all(looks.pd[~looks.visible] == 0.0)
    assert looks.visible[0] and looks.visible[2] and not looks.visible[1]


def test_false_alarms_are_poisson_with_the_stated_cell_count_and_uniform():
    rad = replace(radar(), pfa=2e-5)
    cells = false_alarm_cells(rad)
    assert cells == math.ceil(600e3 / 150.0) * 240  # range cells x 1.5° azimuth cells
    g = component_rng(14, "radar", "fa")
    n_win = 600
    batches = [false_alarms(rad, 10.0 * k, 10.0 * (k + 1), g) for k in range(n_win)]
    counts = np.array([len(b) for b in batches])
    mean = 2e-5 * cells
    assert abs(counts.mean() - mean) < 4 * math.sqrt(mean / n_win)
    disp = ((counts - mean) ** 2 / mean).sum()  # chi-square with n_win dof for a Poisson
    assert stats.chi2(n_win).sf(disp) > 1e-3 and stats.chi2(n_win).cdf(disp) > 1e-3
    r = np.concatenate([b.range_m for b in batches]) / rad.max_range_m
    az = np.concatenate([b.azimuth_rad for b in batches]) / TWO_PI
    t = np.concatenate([b.time_s - 10.0 * k for k, b in enumerate(batches)]) / 10.0
    for x in (r, az, t):
        assert stats.kstest(x, "uniform").pvalue > 1e-3
    # the azimuth of a false plot is where the beam points at its time
    b = batches[3]
    np.testing.assert_allclose(b.azimuth_rad, beam_azimuth(rad.scan, b.time_s))
    assert np.all(b.object == -1)


def test_phased_array_false_alarms_count_elevation_bars_and_stay_in_the_sector():
    rad = replace(radar("92n6e", boresight_deg=200.0), pfa=1e-5)
    cat = CAT.radars["92n6e"]
    n_el = math.ceil((cat.elevation_max_deg.value - cat.elevation_min_deg.value) / 1.5 - 1e-9)
    assert false_alarm_cells(rad) == (math.ceil(cat.instrumented_range_km.value * 1e3 / 150.0)
                                      * 60 * n_el)
    fa = false_alarms(rad, 0.0, 30.0, component_rng(15, "radar", "fa"))
    off = np.degrees(np.angle(np.exp(1j * (fa.azimuth_rad - math.radians(200.0)))))
    assert len(fa) > 100 and np.abs(off).max() <= 45.0 + 1e-9


def _patch_angles_by_root_finding(r, h, k):
    """Grazing and depression angles of the ground at slant r, by solving the triangle."""
    re = k * 6_378_137.0
    a = np.array([0.0, re + h])

    def dist(beta):
        return np.hypot(re * math.sin(beta), re * math.cos(beta) - (re + h)) - r

    beta = optimize.brentq(dist, 0.0, min(math.pi / 2, 2 * r / re + 1e-12), xtol=1e-18)
    p = np.array([re * math.sin(beta), re * math.cos(beta)])
    los = (a - p) / r
    psi = math.asin(los @ (p / re))
    delta = math.asin(-(p - a) @ np.array([0.0, 1.0]) / r)
    return psi, delta


def test_clutter_geometry_and_rcs_against_an_independent_construction():
    for r, h in ((3e3, 20.0), (8e3, 35.0), (12e3, 10.0), (2e3, 400.0)):
        psi, delta = grazing_angles(r, h)
        psi2, delta2 = _patch_angles_by_root_finding(r, h, 4 / 3)
        assert psi == pytest.approx(psi2, rel=1e-7) and delta == pytest.approx(delta2, rel=1e-7)
    # beyond the radar horizon (sqrt(2 k a h) = 18.4 km for 20 m) and inside the antenna height
    assert np.isnan(grazing_angles(19e3, 20.0)[0]) and np.isnan(grazing_angles(15.0, 20.0)[0])
    assert clutter_rcs_m2(19e3, 0.0, 20.0, gamma_db=-15, beamwidth_az_rad=0.02,
                          beamwidth_el_rad=0.03, range_resolution_m=150.0) == 0.0
    # low grazing: pulse-limited patch, constant gamma, Gaussian two-way pattern
    r, h, el = 8e3, 35.0, math.radians(0.4)
    psi, delta = _patch_angles_by_root_finding(r, h, 4 / 3)
    area = r * 0.02 * 150.0 / math.cos(psi)
    pattern = math.exp(-8 * math.log(2) * ((el + delta) / 0.03) ** 2)
    want = 10 ** -1.5 * math.sin(psi) * area * pattern
    got = clutter_rcs_m2(r, el, h, gamma_db=-15, beamwidth_az_rad=0.02, beamwidth_el_rad=0.03,
                         range_resolution_m=150.0)
    assert got == pytest.approx(want, rel=1e-9)
    # the clutter falls off as the target (and the beam) rises
    els = np.radians(np.linspace(0.0, 5.0, 30))
    c = clutter_rcs_m2(r, els, h, gamma_db=-15, beamwidth_az_rad=0.02, beamwidth_el_rad=0.03,
                       range_resolution_m=150.0)
    assert np.all(np.diff(c) <= 0) and c[-1] < 1e-5 * c[0]


def test_clutter_enters_the_sinr_through_the_mti_factor():
    rad = radar("96l6e", ground=0.0)
    la, lo = around([30.0, 30.0], [4e3, 60e3])
    paths = stationary_paths(la, lo, [60.0, 60.0])
    sig = sigs(2, "cruise-missile", "X")
    model = ClutterModel(gamma_db=-10.0)
    looks = evaluate_looks(rad, paths, [0.0, 0.0], [0, 1], sig, clutter=model)
    mast = CAT.radars["96l6e"].antenna_height_m.value  # above the flat ground at 0 m
    sc = clutter_rcs_m2(looks.range_m, looks.elevation_rad, mast, gamma_db=-10.0,
                        beamwidth_az_rad=rad.beamwidth_az_rad,
                        beamwidth_el_rad=rad.beamwidth_el_rad,
                        range_resolution_m=rad.range_resolution_m, floor_db=model.floor_db)
    # the radar constant cancels: C/N - S/N = 10 log10(sigma_c / sigma_t) at the same range
    cnr_raw = looks.cnr_db[0] + rad.mti_improvement_db
    assert cnr_raw - looks.snr_db[0] == pytest.approx(10 * math.log10(sc[0] / looks.rcs_m2[0]))
    want = looks.snr_db[0] - 10 * math.log10(1 + 10 ** (looks.cnr_db[0] / 10))
    assert looks.sinr_db[0] == pytest.approx(want, abs=1e-12)
    assert looks.sinr_db[0] < looks.snr_db[0] - 0.1
    assert looks.cnr_db[1] == -np.inf and looks.sinr_db[1] == looks.snr_db[1]  # over the horizon


def _spj_looks(rad, ranges, erp, bw, rcs_target="f-16c"):
    """Looks at targets at the ranges, each carrying its own jammer (one radar look each)."""
    out = []
    for r in np.atleast_1d(ranges):
        la, lo = around([250.0], [r])
        paths = stationary_paths(la, lo, [9000.0])
        out.append(evaluate_looks(rad, paths, [0.0], [0], sigs(1, rcs_target),
                                  jammers=Jammers([0], erp, bw)))
    return Looks.concatenate(out)


def test_self_protection_jamming_burn_through_and_range_law():
    rad = radar()
    erp, bw = 50.0, 200e6
    looks = _spj_looks(rad, np.array([60e3, 120e3, 240e3]), erp, bw)
    # S/J ∝ 1/R² (J/S ∝ R²)
    sj = looks.snr_db - looks.jnr_db
    np.testing.assert_allclose(np.diff(sj), -20 * np.log10(looks.range_m[1:] / looks.range_m[:-1]),
                               atol=1e-9)
    req = required_snr(0.5, rad.pfa, rad.n_pulses, 1)
    rcs = CAT.targets["f-16c"].rcs_m2["S"].beam.value
    bt = burn_through_range(rcs, erp, bw, req, ref_range_m=rad.ref_range_m,
                            ref_rcs_m2=rad.ref_rcs_m2, ref_snr_db=rad.ref_snr_db,
                            wavelength_m=rad.wavelength_m, gain_db=rad.peak_gain_db,
                            noise_temperature_k=rad.noise_temperature_k,
                            receiver_bandwidth_hz=rad.receiver_bandwidth_hz)

    def margin(r):
        return _spj_looks(rad, np.array([r]), erp, bw).sinr_db[0] - req

    root = optimize.brentq(margin, 5e3, 3e5, xtol=1e-7)  # ground distance, within the horizon
    assert bt == pytest.approx(_spj_looks(rad, np.array([root]), erp, bw).range_m[0], rel=1e-8)
    # strong jamming: S/(N+J) ~ S/J = A/(B R²) gives R ~ sqrt(A / (B req))
    lk = _spj_looks(rad, np.array([bt]), erp * 1e4, bw)
    bt_strong = burn_through_range(rcs, erp * 1e4, bw, req, ref_range_m=rad.ref_range_m,
                                   ref_rcs_m2=rad.ref_rcs_m2, ref_snr_db=rad.ref_snr_db,
                                   wavelength_m=rad.wavelength_m, gain_db=rad.peak_gain_db,
                                   noise_temperature_k=rad.noise_temperature_k,
                                   receiver_bandwidth_hz=rad.receiver_bandwidth_hz)
    sj_db = lk.snr_db[0] - lk.jnr_db[0]  # S/J at the look's range
    assert bt_strong == pytest.approx(lk.range_m[0] * 10 ** ((sj_db - req) / 20), rel=1e-4)


def test_stand_off_jammer_enters_through_the_sidelobes_and_is_masked_by_the_horizon():
    rad = radar()
    la, lo = around([0.0, 90.0, 0.0, 90.0], [150e3, 150e3, 150e3, 400e3])
    paths = stationary_paths(la, lo, [9000.0, 9000.0, 9000.0, 0.0])

    def jnr(objects):
        n = len(objects)
        return evaluate_looks(rad, paths, [0.0], [0], sigs(4),
                              jammers=Jammers(objects, [100.0] * n, [1e8] * n)).jnr_db[0]

    main = jnr([2])  # on the line of sight of the look at object 0: main beam
    side = jnr([1])  # 90° off the beam at the same range: sidelobe floor
    assert side == pytest.approx(main + rad.sidelobe_db, abs=1e-3)
    assert jnr([2, 1]) == pytest.approx(10 * math.log10(10 ** (main / 10) + 10 ** (side / 10)),
                                        abs=1e-9)
    assert jnr([3]) == -np.inf  # on the ground 400 km away: below the horizon
    assert jnr([2, 3]) == pytest.approx(main, abs=1e-12)


def test_a_jammer_falls_silent_when_its_carrier_is_destroyed():
    """A stand-off jammer whose carrier is destroyed at t = 5 s: looks before then carry its
    J/N (equal to the never-silenced jammer's), looks from then on carry none (equal to no
    jammer at all); two jammers, one silenced, give the other's alone."""
    rad = radar()
    la, lo = around([0.0, 90.0, 0.0], [150e3, 150e3, 150e3])
    paths = stationary_paths(la, lo, [9000.0, 9000.0, 9000.0])
    t = [0.0, 4.999, 5.0, 9.0]

    def jnr(objects, silent_from_s=math.inf):
        n = len(objects)
        return evaluate_looks(rad, paths, t, [0] * 4, sigs(3),
                              jammers=Jammers(objects, [100.0] * n, [1e8] * n,
                                              silent_from_s)).jnr_db
    live = jnr([2])
    assert np.all(np.isfinite(live))
    np.testing.assert_array_equal(jnr([2], 5.0), [live[0], live[1], -np.inf, -np.inf])
    both = jnr([2, 1], [np.inf, 5.0])
    np.testing.assert_allclose(both[2:], live[2:], atol=1e-12)
    assert np.all(both[:2] > live[:2] + 1e-6)


def test_detections_convert_back_to_the_object_positions():
    rad = replace(radar(), sigma_range_m=0.0, sigma_azimuth_rad=0.0, sigma_elevation_rad=0.0)
    paths = _moving_objects(np.random.default_rng(9), 30, dmax=2.5e5)
    res = scan_window(rad, paths, sigs(30), 0.0, 20.0, component_rng(1, "radar", "x"),
                      with_false_alarms=False)
    assert len(res.detections) > 20
    got = detections_to_ecef(rad, res.detections)
    pos, _ = positions(paths, res.detections.time_s, res.detections.object)
    assert np.linalg.norm(got - pos, axis=1).max() < 10.0


def test_converted_measurements_in_a_node_frame_are_unbiased_with_their_covariance():
    node = (39.6, 33.1, 250.0)
    la, lo = around([40.0, 230.0], [150e3, 60e3])
    paths = stationary_paths(la, lo, [9000.0, 1500.0])
    want = np.stack(geodetic_to_enu(la, lo, [9000.0, 1500.0], *node), axis=-1)
    # noise-free plots land on the objects (refraction removed, frames rotated)
    rad0 = replace(radar(), sigma_range_m=0.0, sigma_azimuth_rad=0.0, sigma_elevation_rad=0.0)
    looks = evaluate_looks(rad0, paths, [0.0, 0.0], [0, 1], sigs(2))
    det = draw_detections(replace(looks, pd=np.ones(2)), rad0, component_rng(1, "x"))
    z, _ = converted_measurements(rad0, det, *node)
    assert np.linalg.norm(z - want[det.object], axis=1).max() < 10.0
    # with noise: normalised errors are chi-square with 3 degrees of freedom
    rad = radar()
    n = 6000
    looks = evaluate_looks(rad, paths, np.zeros(n), np.zeros(n, np.int64), sigs(2))
    det = draw_detections(replace(looks, pd=np.ones(n)), rad, component_rng(2, "x"))
    z, R = converted_measurements(rad, det, *node)
    e = z - want[0]
    nees = np.einsum("di,dij,dj->d", e, np.linalg.inv(R), e)
    assert abs(nees.mean() - 3.0) < 4 * math.sqrt(6.0 / n)
    assert np.abs(e.mean(axis=0)).max() < 4 * np.sqrt(R[:, [0, 1, 2], [0, 1, 2]].mean(0) / n).max()


def test_airborne_radar_looks_from_its_orbit():
    orbit = orbit_segments(Orbit(lat=LAT0, lon=LON0, radius_km=40, alt_m=9000, speed_mps=200))
    g = component_rng(4, "radar", "awacs")
    rad = placed_radar(CAT.radars["an-apy-2"], "awacs", LAT0, LON0, 0.0, rng=g, platform=orbit)
    la, lo = around([0.0, 120.0, 240.0], [250e3, 300e3, 350e3])
    paths = stationary_paths(la, lo, [100.0, 5000.0, 12000.0])
    res = scan_window(rad, paths, sigs(3, band=rad.band), 0.0, 60.0, g, with_false_alarms=False)
    assert len(res.looks) == 18
    rp, _ = positions(rad.platform, res.looks.time_s, np.zeros(18, np.int64))
    op, _ = positions(paths, res.looks.time_s, res.looks.object)
    np.testing.assert_allclose(res.looks.range_m, np.linalg.norm(op - rp, axis=1), rtol=1e-12)
    assert np.all(res.looks.elevation_rad[res.looks.object == 0] < 0)  # look-down
    assert res.looks.visible.all() and len(res.detections) > 9


def test_phased_array_window_has_search_looks_and_track_dwells():
    rad = radar("92n6e", boresight_deg=0.0, rng=component_rng(3, "radar", "fc"))
    la, lo = around([-20.0, 10.0, 170.0], [80e3, 120e3, 80e3])
    paths = stationary_paths(la, lo, [5000.0, 8000.0, 5000.0])
    res = scan_window(rad, paths, sigs(3, band="X"), 0.0, 9.0, component_rng(3, "radar", "d"),
                      tracked=[1], with_false_alarms=False)
    frame, revisit = rad.scan.frame_s, rad.track_revisit_s
    obj = res.looks.object
    assert (obj == 0).sum() == 9.0 / frame
    assert (obj == 1).sum() == 9.0 / frame + 9.0 / revisit
    assert (obj == 2).sum() == 0  # behind the array
    assert np.all(np.diff(res.looks.time_s) >= 0)


def _run_radars(seed, names, paths, sig):
    out = {}
    for name in names:
        g = component_rng(seed, "radar", name)
        rad = radar(name, rng=g, boresight_deg=90.0)
        res = scan_window(rad, paths, sig, 0.0, 30.0, g)
        out[name] = res.detections
    return out


def test_same_seed_same_plots_and_a_new_radar_leaves_the_others_alone():
    paths = _moving_objects(np.random.default_rng(10), 40, 150.0, 700.0, 30e3, 3e5)
    sig_s = sigs(40)
    a = _run_radars(21, ["91n6e"], paths, sig_s)
    b = _run_radars(21, ["91n6e", "96l6e"], paths, sig_s)
    c = _run_radars(22, ["91n6e"], paths, sig_s)
    for f in ("time_s", "object", "range_m", "azimuth_rad", "elevation_rad"):
        np.testing.assert_array_equal(getattr(a["91n6e"], f), getattr(b["91n6e"], f))
    assert len(a["91n6e"]) > 20 and len(b["96l6e"]) > 0
    assert (len(c["91n6e"]) != len(a["91n6e"])
            or not np.array_equal(c["91n6e"].range_m, a["91n6e"].range_m))
    # the scan phase is the generator's first draw
    assert radar(rng=component_rng(21, "radar", "91n6e")).scan.phase_rad == pytest.approx(
        TWO_PI * component_rng(21, "radar", "91n6e").uniform(0.0, 1.0))


def test_signatures_for_a_missing_band_is_a_catalog_error():
    from iads.errors import CatalogError

    with pytest.raises(CatalogError, match="band Ka"):
        signatures([CAT.targets["f-16c"]], "Ka")


def test_sector_radar_needs_a_boresight():
    with pytest.raises(ValueError, match="boresight"):
        radar("92n6e")


def test_terrain_without_data_masks_nothing():
    """A wall of cells without data (NaN) hides nothing: the mask is that of the flat ground
    with no wall, everywhere; the same wall with heights (800 m) does hide the ground behind it
    (the reference is the flat-ground mask, computed without any missing cell)."""
    grid = SiteGrid(LAT0, LON0, 60, 500.0)
    flat = np.full((grid.n, grid.n), 200.0)
    wall = flat.copy()
    rows = slice(60 - 50, 60 - 40)  # 20-25 km north of the radar, beyond its ~15 km horizon
    wall[rows, :] = 800.0
    hole = flat.copy()
    hole[rows, :] = np.nan
    ref = TerrainMask.from_terrain(grid, flat, 12.0).mvh_msl_m
    walled = TerrainMask.from_terrain(grid, wall, 12.0).mvh_msl_m
    holed = TerrainMask.from_terrain(grid, hole, 12.0).mvh_msl_m
    behind = (slice(0, 60 - 50), slice(None))
    assert (walled[behind] > ref[behind] + 100.0).all()
    np.testing.assert_allclose(holed, ref, rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="own cell"):
        TerrainMask.from_terrain(grid, np.full((grid.n, grid.n), np.nan), 12.0)
