"""Per-look detection physics, Bernoulli draws, measurement noise and false alarms.

For each look (a time and an object) of a placed radar (:class:`PlacedRadar`):

1. geometry on the effective earth (:mod:`iads.sensors.geometry`): slant range, azimuth,
   apparent elevation, the object's height, its off-nose angle;
2. visibility: the object is on its path, in line of sight (terrain raster or smooth earth),
   inside the azimuth sector, between the elevation limits and within the instrumented range;
3. signal: the RCS of the aspect sector the off-nose angle falls in (nose 0-45°, beam
   45-135°, tail 135-180°, :data:`iads.catalog.schema.ASPECT_SECTORS`) in the radar's band;
   the per-pulse SNR scaled from the catalogued reference detection (SNR ∝ σ/R⁴,
   :func:`iads.radar.snr_db_at`);
4. interference: ground clutter after MTI (:mod:`iads.sensors.clutter`) and noise jamming
   (:mod:`iads.sensors.jamming`) as ``SINR = S/(N + C/I + J)``;
5. Pd from the exact Swerling model of the target in that band at the SINR, with the radar's
   reference Pfa and pulse count (:func:`iads.radar.detection_probability`).

:func:`draw_detections` then draws, from the radar's generator, one uniform per look (detected
iff ``u < Pd``) and three standard normals per look (measurement noise in range, azimuth and
elevation with the catalogued σ, constant with SNR), **whether or not** the look is detected
or visible: the draws of a look depend only on its position in the batch, so changing a
target's RCS changes which looks are detected but not their noise. :func:`false_alarms` adds
false plots: a Poisson number with mean ``Pfa · cells`` per scan, uniform in time across the
window (so in azimuth along the beam), in range over (0, instrumented range] and in elevation
between the limits. The cells counted per revolution or frame (:func:`false_alarm_cells`) are
``ceil(R_max/ΔR) · ceil(sweep/θ_az) · n_el`` with ``n_el = 1`` for a rotating radar (one
decision per range-azimuth cell) and ``ceil((el_max - el_min)/θ_el)`` elevation bars for a
phased array's search frame.

Assumptions the catalog does not hold (on :class:`PlacedRadar`, documented defaults): range
resolution ΔR = 150 m (1 µs), beamwidths 1.5° × 1.5°, peak gain from the beamwidths
(26,000/(θ_az θ_el) in degrees), sidelobe floor -30 dB, system noise temperature 500 K.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
from numba import njit

from ..catalog.schema import ASPECT_SECTORS
from ..geodesy import K_STANDARD, WGS84_A
from ..kinematics import (
    Paths,
    Segments,
    _eval_one,
    active,
    positions,
    stack_paths,
    stationary_segments,
)
from ..radar import detection_probability, reference_snr_db
from .clutter import _EIGHT_LN2, ClutterModel
from .geometry import (
    _AZ,
    _EL,
    _GROUND,
    _H1,
    _H2,
    _LOS,
    _NCOL,
    _NOSE,
    _SLANT,
    LookGeometry,
    TerrainMask,
    _geometry_of,
    _look_one,
    look_geometry,
    measurement_to_ecef,
)
from .jamming import SPEED_OF_LIGHT, Jammers, jammer_to_noise
from .scan import Crossings, RotatingScan, SectorScan, beam_azimuth, beam_crossings, track_dwells

__all__ = [
    "PlacedRadar",
    "placed_radar",
    "Signatures",
    "signatures",
    "Looks",
    "evaluate_looks",
    "DetectionBatch",
    "draw_detections",
    "false_alarm_cells",
    "false_alarms",
    "ScanResult",
    "scan_window",
    "detections_to_ecef",
    "converted_measurements",
]

_TWO_PI = 2.0 * math.pi
_NOSE_MAX = math.radians(ASPECT_SECTORS["nose"][1])
_BEAM_MAX = math.radians(ASPECT_SECTORS["beam"][1])


# ------------------------------------------------------------------------------------------------
# the radar


@dataclass(frozen=True)
class PlacedRadar:
    """A catalog radar placed in a scenario, in SI units and radians.

    Attributes
    ----------
    id, type, band
        Scenario id, catalog id and band of the radar.
    platform
        Path of the antenna phase centre (one object; a stationary point on the ground).
    ground_m
        Terrain height under the radar [m] (0 for an airborne radar over the sea): the antenna's
        height above the clutter is its height above the ellipsoid minus this.
    scan
        :class:`~iads.sensors.scan.RotatingScan` or :class:`~iads.sensors.scan.SectorScan`.
    track_revisit_s
        Track revisit interval of a phased array [s], None for a rotating radar.
    frequency_hz
        Carrier frequency [Hz].
    boresight_rad, sector_rad
        Centre and width of the azimuth coverage [rad] (width 2π: all round).
    elevation_min_rad, elevation_max_rad
        Elevation limits [rad].
    max_range_m
        Instrumented range [m].
    ref_range_m, ref_rcs_m2, ref_snr_db, pfa, n_pulses
        Reference detection: range [m], RCS [m²], the per-pulse SNR it implies [dB], false-alarm
        probability per cell [-] and pulses integrated [-].
    sigma_range_m, sigma_azimuth_rad, sigma_elevation_rad
        Measurement noise standard deviations [m], [rad], [rad].
    mti_improvement_db
        Clutter improvement factor of MTI/Doppler processing [dB].
    k_factor
        Effective earth radius factor [-].
    range_resolution_m, beamwidth_az_rad, beamwidth_el_rad, sidelobe_db, noise_temperature_k,
    gain_db
        Assumptions (not in the catalog): range resolution [m], 3 dB beamwidths [rad],
        sidelobe floor [dB], system noise temperature [K], peak gain [dBi] (None: from the
        beamwidths).
    """

    id: str
    type: str
    band: str
    platform: Paths
    ground_m: float
    scan: RotatingScan | SectorScan
    track_revisit_s: float | None
    frequency_hz: float
    boresight_rad: float
    sector_rad: float
    elevation_min_rad: float
    elevation_max_rad: float
    max_range_m: float
    ref_range_m: float
    ref_rcs_m2: float
    ref_snr_db: float
    pfa: float
    n_pulses: int
    sigma_range_m: float
    sigma_azimuth_rad: float
    sigma_elevation_rad: float
    mti_improvement_db: float
    k_factor: float = K_STANDARD
    range_resolution_m: float = 150.0
    beamwidth_az_rad: float = math.radians(1.5)
    beamwidth_el_rad: float = math.radians(1.5)
    sidelobe_db: float = -30.0
    noise_temperature_k: float = 500.0
    gain_db: float | None = None

    @property
    def wavelength_m(self) -> float:
        """Carrier wavelength [m]."""
        return SPEED_OF_LIGHT / self.frequency_hz

    @property
    def peak_gain_db(self) -> float:
        """Peak antenna gain [dBi]: ``gain_db`` or 26,000/(θ_az θ_el), beamwidths in degrees."""
        if self.gain_db is not None:
            return self.gain_db
        return 10.0 * math.log10(
            26_000.0 / (math.degrees(self.beamwidth_az_rad) * math.degrees(self.beamwidth_el_rad)))

    @property
    def receiver_bandwidth_hz(self) -> float:
        """Receiver bandwidth matched to the range resolution, c/(2ΔR) [Hz]."""
        return SPEED_OF_LIGHT / (2.0 * self.range_resolution_m)

    @property
    def beamwidth_rad(self) -> float:
        """Geometric mean of the two beamwidths [rad] (for the jamming pattern)."""
        return math.sqrt(self.beamwidth_az_rad * self.beamwidth_el_rad)


def placed_radar(radar, radar_id: str, lat_deg: float, lon_deg: float, ground_m: float, *,
                 height_agl_m: float = 0.0, boresight_deg: float | None = None,
                 sector_deg: float | None = None, rng: np.random.Generator | None = None,
                 platform: Segments | None = None, k: float = K_STANDARD,
                 **assumptions) -> PlacedRadar:
    """Place a catalog radar (:class:`iads.catalog.schema.Radar`), central figures.

    Parameters
    ----------
    radar
        The catalog entry.
    radar_id
        Its id in the scenario.
    lat_deg, lon_deg, ground_m
        Site [°] and terrain height there [m MSL]; the antenna stands at
        ``ground_m + antenna_height_m (catalog) + height_agl_m``.
    boresight_deg, sector_deg
        Sector centre [°] (needed when the sector is < 360°) and a width overriding the
        catalog's [°].
    rng
        The radar's generator; its first draw sets the scan phase (rotating: the beam azimuth
        at t = 0; phased array: the start of frame 0 within [0, frame)). None: phase 0.
    platform
        The path of an airborne radar (then ``lat_deg``, ``lon_deg`` only name the place and
        ``ground_m`` is the terrain under it, usually 0).
    k
        Effective earth radius factor [-].
    assumptions
        Overrides of the :class:`PlacedRadar` assumption fields (``range_resolution_m``,
        ``beamwidth_az_rad``, ...).
    """
    sector = math.radians(sector_deg if sector_deg is not None else radar.azimuth_sector_deg.value)
    if sector < _TWO_PI - 1e-9 and boresight_deg is None:
        raise ValueError(f"radar {radar_id!r} covers a {math.degrees(sector):g}° sector: "
                         "give its boresight_deg")
    boresight = math.radians(boresight_deg or 0.0)
    if platform is None:
        h = ground_m + radar.antenna_height_m.value + height_agl_m
        platform = stationary_segments(lat_deg, lon_deg, h)
    ref = radar.reference_detection
    phase = float(rng.uniform(0.0, 1.0)) if rng is not None else 0.0
    if radar.scan.kind == "rotating":
        scan = RotatingScan(radar.scan.period_s.value, phase_rad=_TWO_PI * phase)
        track = None
    else:
        frame = radar.scan.search_revisit_s.value
        scan = SectorScan(frame, left_rad=boresight - 0.5 * sector, width_rad=min(sector, _TWO_PI),
                          t0_s=phase * frame)
        track = radar.scan.track_revisit_s.value if radar.scan.track_revisit_s else None
    return PlacedRadar(
        id=radar_id, type=radar.name, band=radar.band,
        platform=stack_paths([platform], [radar_id]), ground_m=float(ground_m), scan=scan,
        track_revisit_s=track, frequency_hz=radar.frequency_ghz.value * 1e9,
        boresight_rad=boresight, sector_rad=sector,
        elevation_min_rad=math.radians(radar.elevation_min_deg.value),
        elevation_max_rad=math.radians(radar.elevation_max_deg.value),
        max_range_m=radar.instrumented_range_km.value * 1e3,
        ref_range_m=ref.range_km.value * 1e3, ref_rcs_m2=ref.rcs_m2.value,
        ref_snr_db=float(reference_snr_db(ref.pd, ref.pfa, ref.n_pulses, ref.swerling)),
        pfa=ref.pfa, n_pulses=ref.n_pulses,
        sigma_range_m=radar.sigma_range_m.value,
        sigma_azimuth_rad=radar.sigma_azimuth_mrad.value * 1e-3,
        sigma_elevation_rad=radar.sigma_elevation_mrad.value * 1e-3,
        mti_improvement_db=radar.mti_improvement_db.value, k_factor=k, **assumptions)


# ------------------------------------------------------------------------------------------------
# targets


@dataclass(frozen=True)
class Signatures:
    """Radar signatures of N objects in one band.

    Attributes
    ----------
    rcs_m2
        RCS per aspect sector, columns nose, beam, tail, (N, 3) [m²].
    swerling
        Swerling case per object (N,) int.
    """

    rcs_m2: np.ndarray
    swerling: np.ndarray

    def __post_init__(self):
        r = np.asarray(self.rcs_m2, float).reshape(-1, 3)
        s = np.asarray(self.swerling, np.int64).reshape(-1)
        if r.shape[0] != s.shape[0]:
            raise ValueError("rcs_m2 and swerling must describe the same objects")
        object.__setattr__(self, "rcs_m2", r)
        object.__setattr__(self, "swerling", s)


def signatures(targets: Sequence, band: str) -> Signatures:
    """Signatures of catalog targets (:class:`iads.catalog.schema.Target`, one per object)."""
    from ..errors import CatalogError

    rows, sw = [], []
    for t in targets:
        if band not in t.rcs_m2:
            raise CatalogError(f"target {t.name!r} has no RCS in band {band}",
                               field=f"targets.{t.name}.rcs_m2", expected=f"band {band}",
                               found=", ".join(t.rcs_m2) or "none")
        a = t.rcs_m2[band]
        rows.append((a.nose.value, a.beam.value, a.tail.value))
        sw.append(t.swerling[band])
    return Signatures(np.array(rows, float).reshape(-1, 3), np.array(sw, np.int64))


# ------------------------------------------------------------------------------------------------
# looks


@dataclass(frozen=True)
class Looks:
    """The deterministic outcome of L looks (all arrays (L,)).

    Attributes
    ----------
    time_s, object
        When and at which object row [s], [-].
    range_m, azimuth_rad, elevation_rad
        True slant range [m], azimuth [rad], apparent elevation [rad].
    ground_range_m, height_m
        Ground range [m] and height above the ellipsoid [m] of the object.
    off_nose_rad
        Aspect: angle off the object's nose toward the radar [rad].
    aspect
        Aspect sector: 0 nose, 1 beam, 2 tail.
    on_path, line_of_sight, in_sector, in_elevation, in_range
        The visibility conditions (bool).
    visible
        All of them.
    rcs_m2, snr_db, cnr_db, jnr_db, sinr_db
        RCS [m²], SNR, clutter-to-noise after MTI, jammer-to-noise and SINR [dB]
        (``-inf`` when a term is absent).
    pd
        Probability of detection [-] (0 when not visible).
    """

    time_s: np.ndarray
    object: np.ndarray
    range_m: np.ndarray
    azimuth_rad: np.ndarray
    elevation_rad: np.ndarray
    ground_range_m: np.ndarray
    height_m: np.ndarray
    off_nose_rad: np.ndarray
    aspect: np.ndarray
    on_path: np.ndarray
    line_of_sight: np.ndarray
    in_sector: np.ndarray
    in_elevation: np.ndarray
    in_range: np.ndarray
    visible: np.ndarray
    rcs_m2: np.ndarray
    snr_db: np.ndarray
    cnr_db: np.ndarray
    jnr_db: np.ndarray
    sinr_db: np.ndarray
    pd: np.ndarray

    def __len__(self) -> int:
        return self.time_s.shape[0]

    def take(self, idx) -> Looks:
        return Looks(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @staticmethod
    def concatenate(parts: Sequence[Looks]) -> Looks:
        return Looks(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                        for f in fields(Looks)})


def _platform_at(radar: PlacedRadar, t):
    t = np.asarray(t, float).reshape(-1)
    if radar.platform.speed_max[0] == 0.0 and t.shape[0] > 1:  # a ground radar: one point
        p, v = positions(radar.platform, t[:1], np.zeros(1, np.int64))
        return np.repeat(p, t.shape[0], axis=0), np.repeat(v, t.shape[0], axis=0)
    return positions(radar.platform, t, np.zeros(t.shape[0], np.int64))


def _line_of_sight(geo: LookGeometry, mask: TerrainMask | None) -> np.ndarray:
    if mask is None:
        return geo.smooth_los
    return mask.visible(geo.ground_range_m, geo.azimuth_rad, geo.height_m)


def _jnr(radar, paths, t, geo, jammers, mask):
    """Total jammer-to-noise ratio of each look [-] (linear)."""
    n_l, n_j = t.shape[0], len(jammers)
    tt = np.repeat(t, n_j)
    jobj = np.tile(jammers.objects, n_l)
    jpos, jvel = positions(paths, tt, jobj)
    rpos, rvel = _platform_at(radar, tt)
    jg = look_geometry(rpos, rvel, jpos, jvel, radar.k_factor)
    ok = (_line_of_sight(jg, mask) & active(paths, tt, jobj)
          & (tt < np.tile(jammers.silent_from_s, n_l)))
    cosang = np.einsum("ij,ij->i", np.repeat(geo.unit_enu, n_j, axis=0), jg.unit_enu)
    off = np.arccos(np.clip(cosang, -1.0, 1.0))
    jnr = jammer_to_noise(
        np.maximum(jg.range_m, 1.0), off, np.tile(jammers.erp_w, n_l),
        np.tile(jammers.bandwidth_hz, n_l), wavelength_m=radar.wavelength_m,
        gain_db=radar.peak_gain_db, beamwidth_rad=radar.beamwidth_rad,
        sidelobe_db=radar.sidelobe_db, noise_temperature_k=radar.noise_temperature_k,
        receiver_bandwidth_hz=radar.receiver_bandwidth_hz)
    return np.where(ok, jnr, 0.0).reshape(n_l, n_j).sum(axis=1)


def evaluate_looks(radar: PlacedRadar, paths: Paths, time_s, objects, sig: Signatures, *,
                   mask: TerrainMask | None = None, clutter: ClutterModel | None = None,
                   jammers: Jammers | None = None) -> Looks:
    """Geometry, visibility, SNR, SINR and Pd of looks at objects at given times.

    Parameters
    ----------
    radar
        The placed radar.
    paths
        All objects' paths (also the jammers' carriers).
    time_s, objects
        Look times [s] and object rows (L,), e.g. from
        :func:`~iads.sensors.scan.beam_crossings`.
    sig
        Signatures of all objects of ``paths`` in the radar's band.
    mask
        The radar's terrain mask; None: smooth effective earth.
    clutter
        Land clutter model; None: no clutter.
    jammers
        Noise jammers; None: none.
    """
    t = np.asarray(time_s, float).reshape(-1)
    obj = np.asarray(objects, np.int64).reshape(-1)
    if t.shape != obj.shape:
        raise ValueError("time_s and objects must have the same length")
    n = t.shape[0]
    geo_rows = np.empty((n, _NCOL))
    on_path = np.empty(n, np.bool_)
    los = np.empty(n, np.bool_)
    in_sector = np.empty(n, np.bool_)
    in_el = np.empty(n, np.bool_)
    in_range = np.empty(n, np.bool_)
    visible = np.empty(n, np.bool_)
    aspect = np.empty(n, np.int64)
    rcs = np.empty(n)
    snr = np.empty(n)
    cnr = np.empty(n)
    interference = np.empty(n)  # (N + C/I + J)/N
    c = clutter if clutter is not None else ClutterModel()
    if mask is not None:
        g = mask.grid
        mvh, half, n_cells, cell = mask.mvh_msl_m, int(g.half_cells), int(g.n), float(g.cell_m)
    else:
        mvh, half, n_cells, cell = _NO_MASK, 0, 0, 1.0
    if n:
        if obj.min() < 0 or obj.max() >= len(paths):
            raise IndexError(f"object index out of range for {len(paths)} paths")
        _look_pass(
            paths.arrays, obj, np.ascontiguousarray(t), radar.platform.arrays,
            bool(radar.platform.speed_max[0] == 0.0), float(radar.k_factor) * WGS84_A,
            mask is not None, mvh, half, n_cells, cell, float(radar.ground_m),
            np.ascontiguousarray(sig.rcs_m2, dtype=float),
            radar.sector_rad >= _TWO_PI - 1e-12, float(radar.boresight_rad),
            float(radar.sector_rad), float(radar.elevation_min_rad),
            float(radar.elevation_max_rad), float(radar.max_range_m), float(radar.ref_range_m),
            float(radar.ref_rcs_m2), float(radar.ref_snr_db), clutter is not None,
            10.0 ** (c.gamma_db / 10.0), float(radar.beamwidth_az_rad),
            float(radar.beamwidth_el_rad), float(radar.range_resolution_m),
            10.0 ** (c.floor_db / 10.0), float(radar.mti_improvement_db),
            geo_rows, on_path, los, in_sector, in_el, in_range, visible, aspect, rcs, snr, cnr,
            interference)
    geo = _geometry_of(geo_rows)
    el = geo.elevation_rad
    jnr = np.full(t.shape, -np.inf)
    if jammers is not None and len(jammers) and t.shape[0]:
        j = _jnr(radar, paths, t, geo, jammers, mask)
        interference += j
        with np.errstate(divide="ignore"):
            jnr = 10.0 * np.log10(j)
    sinr = snr - 10.0 * np.log10(interference)
    pd = np.zeros(t.shape)
    sw = sig.swerling[obj]
    for case in np.unique(sw[visible]):
        sel = visible & (sw == case)
        pd[sel] = detection_probability(sinr[sel], radar.pfa, radar.n_pulses, int(case))
    return Looks(time_s=t, object=obj, range_m=geo.range_m, azimuth_rad=geo.azimuth_rad,
                 elevation_rad=el, ground_range_m=geo.ground_range_m, height_m=geo.height_m,
                 off_nose_rad=geo.off_nose_rad, aspect=aspect, on_path=on_path,
                 line_of_sight=los, in_sector=in_sector, in_elevation=in_el, in_range=in_range,
                 visible=visible, rcs_m2=rcs, snr_db=snr, cnr_db=cnr, jnr_db=jnr,
                 sinr_db=sinr, pd=pd)


_NO_MASK = np.zeros((1, 1))


@njit(cache=True)
def _look_pass(PO, obj, t, PR, stationary, k_a, with_mask, mvh, half, n_cells, cell, ground_m,
               rcs_table, full_circle, boresight, sector, el_min, el_max, max_range, ref_range,
               ref_rcs, ref_snr, with_clutter, gamma, bw_az, bw_el, range_res, floor, mti_db,
               geo, on_path, los, in_sector, in_el, in_range, visible, aspect, rcs, snr, cnr,
               interference):
    """:func:`evaluate_looks` up to the SNR, in one pass over the looks: the object's and the
    radar's positions at each look (:func:`iads.kinematics.positions`; a stationary radar's
    once), the geometry (:func:`iads.sensors.geometry.look_geometry`'s rows into ``geo``),
    whether the object is on its path (:func:`iads.kinematics.active`), the line of sight
    (:meth:`TerrainMask.visible` on ``mvh`` when ``with_mask``, else the smooth earth), then
    :func:`_look_budget`."""
    n = obj.shape[0]
    bo = np.empty(6)
    br = np.empty(6)
    rows = np.empty((3, 3))
    cache = np.full(7, np.nan)
    agl = np.empty(n)
    if stationary:
        _eval_one(PR, 0, t[0], br)
    for j in range(n):
        i = obj[j]
        if not stationary:
            _eval_one(PR, 0, t[j], br)
        _eval_one(PO, i, t[j], bo)
        _look_one(br[:3], br[3:], bo[:3], bo[3:], k_a, rows, cache, geo[j])
        on_path[j] = (t[j] >= PO[8][i]) and (t[j] <= PO[9][i])
        if with_mask:
            d = geo[j, _GROUND]
            az = geo[j, _AZ]
            col = int(np.rint(d * math.sin(az) / cell)) + half
            row = half - int(np.rint(d * math.cos(az) / cell))
            if 0 <= row < n_cells and 0 <= col < n_cells:
                los[j] = geo[j, _H2] >= mvh[row, col]
            else:
                los[j] = False
        else:
            los[j] = geo[j, _LOS] > 0.5
        agl[j] = geo[j, _H1] - ground_m
    _look_budget(geo[:, _SLANT], geo[:, _EL], geo[:, _AZ], geo[:, _NOSE], agl,
                 on_path, los, obj, rcs_table, full_circle, boresight, sector, el_min, el_max,
                 max_range, ref_range, ref_rcs, ref_snr, with_clutter, gamma, bw_az, bw_el,
                 range_res, floor, k_a, mti_db, in_sector, in_el, in_range, visible, aspect, rcs,
                 snr, cnr, interference)


@njit(cache=True)
def _look_budget(range_m, el, az, off_nose, agl, on_path, los, obj, rcs_table, full_circle,
                 boresight, sector, el_min, el_max, max_range, ref_range, ref_rcs, ref_snr,
                 with_clutter, gamma, bw_az, bw_el, range_res, floor, ke, mti_db,
                 in_sector, in_el, in_range, visible, aspect, rcs, snr, cnr, interference):
    """Per look, in one pass: the sector, elevation and range tests, visibility, aspect sector
    and RCS, SNR (``σ / R⁴`` from the reference), the land clutter's CNR after MTI
    (:func:`iads.sensors.clutter_rcs_m2` on the constant-γ model, with ``gamma`` and the
    pattern ``floor`` linear) and ``interference = 1 + C/N``."""
    for i in range(range_m.shape[0]):
        if full_circle:
            in_sector[i] = True
        else:
            off = (az[i] - boresight + math.pi) % _TWO_PI - math.pi
            in_sector[i] = abs(off) <= 0.5 * sector
        in_el[i] = (el[i] >= el_min) and (el[i] <= el_max)
        in_range[i] = range_m[i] <= max_range
        visible[i] = on_path[i] and los[i] and in_sector[i] and in_el[i] and in_range[i]
        a = 0 if off_nose[i] < _NOSE_MAX else (1 if off_nose[i] < _BEAM_MAX else 2)
        aspect[i] = a
        s = rcs_table[obj[i], a]
        rcs[i] = s
        r = max(range_m[i], 1.0)
        range_db = 40.0 * math.log10(ref_range / r)
        snr[i] = ref_snr + ((10.0 * math.log10(s / ref_rcs) if s > 0.0 else -math.inf)
                            + range_db)
        cnr[i] = -math.inf
        interference[i] = 1.0
        if with_clutter:
            h = agl[i]
            sin_psi = (h * (2.0 * ke + h) - r * r) / (2.0 * ke * r)
            if sin_psi > 0.0 and sin_psi <= 1.0 and r >= h:
                sin_delta = (h * (2.0 * ke + h) + r * r) / (2.0 * (ke + h) * r)
                psi = math.asin(min(max(sin_psi, 0.0), 1.0))
                delta = math.asin(min(max(sin_delta, -1.0), 1.0))
                sp = math.sin(psi)
                cp = math.cos(psi)
                area = min(r * bw_az * range_res / cp,
                           0.25 * math.pi * r * r * bw_az * bw_el / sp)
                o = (el[i] + delta) / bw_el
                pattern = max(math.exp(-_EIGHT_LN2 * o * o), floor)
                sc = gamma * sp * area * pattern
                if sc > 0.0:
                    cnr[i] = ref_snr + (10.0 * math.log10(sc / ref_rcs) + range_db) - mti_db
                    interference[i] = 1.0 + 10.0 ** (cnr[i] / 10.0)


# ------------------------------------------------------------------------------------------------
# detections


@dataclass(frozen=True)
class DetectionBatch:
    """Plots of one or more radars (all arrays (D,)).

    Attributes
    ----------
    time_s
        Time of the plot [s].
    radar
        Radar index (the caller's numbering) [-].
    object
        Object row in the paths, -1 for a false alarm [-].
    range_m, azimuth_rad, elevation_rad
        Measured slant range [m], azimuth clockwise from north in [0, 2π) [rad] and apparent
        elevation [rad] about the radar.
    sinr_db
        SINR of the look [dB] (NaN for false alarms).
    """

    time_s: np.ndarray
    radar: np.ndarray
    object: np.ndarray
    range_m: np.ndarray
    azimuth_rad: np.ndarray
    elevation_rad: np.ndarray
    sinr_db: np.ndarray

    def __len__(self) -> int:
        return self.time_s.shape[0]

    def take(self, idx) -> DetectionBatch:
        return DetectionBatch(*(getattr(self, n)[idx] for n in _DETECTION_FIELDS))

    @staticmethod
    def empty() -> DetectionBatch:
        z = np.zeros(0)
        zi = np.zeros(0, np.int64)
        return DetectionBatch(z, zi, zi, z, z, z, z)

    @staticmethod
    def concatenate(parts: Sequence[DetectionBatch], sort: bool = True) -> DetectionBatch:
        """Join batches; sorted by time (stable) unless ``sort=False``."""
        if not parts:
            return DetectionBatch.empty()
        out = DetectionBatch(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                                for f in fields(DetectionBatch)})
        t = out.time_s
        if sort and not (t.shape[0] < 2 or bool(np.all(t[1:] >= t[:-1]))):  # else in order
            out = out.take(np.argsort(t, kind="stable"))
        return out


_DETECTION_FIELDS = tuple(f.name for f in fields(DetectionBatch))


def draw_detections(looks: Looks, radar: PlacedRadar, rng: np.random.Generator,
                    radar_index: int = 0) -> DetectionBatch:
    """Bernoulli detections and noisy polar measurements of the looks.

    Draws ``L`` uniforms then ``(L, 3)`` standard normals from ``rng`` (see the module
    docstring); the plots keep the looks' order.
    """
    return _draw(looks, radar, rng, radar_index)[0]


def _draw(looks: Looks, radar: PlacedRadar, rng: np.random.Generator, radar_index: int):
    """:func:`draw_detections`, and the look of each plot (D,) int."""
    n = len(looks)
    u = rng.random(n)
    z = rng.standard_normal((n, 3))
    hit, t, o, r, az, el, sinr = _plots_of(
        u, z, looks.visible, looks.pd, looks.time_s, looks.object, looks.range_m,
        looks.azimuth_rad, looks.elevation_rad, looks.sinr_db, float(radar.sigma_range_m),
        float(radar.sigma_azimuth_rad), float(radar.sigma_elevation_rad))
    return DetectionBatch(time_s=t, radar=np.full(hit.size, radar_index, np.int64), object=o,
                          range_m=r, azimuth_rad=az, elevation_rad=el, sinr_db=sinr), hit


@njit(cache=True)
def _plots_of(u, z, visible, pd, time_s, obj, range_m, az, el, sinr, s_r, s_az, s_el):
    """The detected looks (``visible`` and ``u < pd``) in look order, and their plots: the
    look's time, object and SINR, range, azimuth (mod 2π) and elevation plus σ times the
    look's normals ``z`` (L, 3)."""
    m = 0
    for i in range(u.shape[0]):
        if visible[i] and u[i] < pd[i]:
            m += 1
    hit = np.empty(m, np.int64)
    t = np.empty(m)
    o = np.empty(m, np.int64)
    r = np.empty(m)
    a = np.empty(m)
    e = np.empty(m)
    s = np.empty(m)
    m = 0
    for i in range(u.shape[0]):
        if visible[i] and u[i] < pd[i]:
            hit[m] = i
            t[m] = time_s[i]
            o[m] = obj[i]
            r[m] = range_m[i] + s_r * z[i, 0]
            a[m] = (az[i] + s_az * z[i, 1]) % _TWO_PI
            e[m] = el[i] + s_el * z[i, 2]
            s[m] = sinr[i]
            m += 1
    return hit, t, o, r, a, e, s


def false_alarm_cells(radar: PlacedRadar) -> int:
    """Resolution cells per revolution (rotating) or search frame (phased array) [-]."""
    n_range = math.ceil(radar.max_range_m / radar.range_resolution_m)
    if isinstance(radar.scan, RotatingScan):
        n_az = math.ceil(_TWO_PI / radar.beamwidth_az_rad - 1e-9)
        n_el = 1
    else:
        n_az = math.ceil(radar.scan.width_rad / radar.beamwidth_az_rad - 1e-9)
        span = radar.elevation_max_rad - radar.elevation_min_rad
        n_el = max(1, math.ceil(span / radar.beamwidth_el_rad - 1e-9))
    return n_range * n_az * n_el


def false_alarms(radar: PlacedRadar, t_start: float, t_end: float, rng: np.random.Generator,
                 radar_index: int = 0) -> DetectionBatch:
    """False plots of the radar's search in [t_start, t_end), in time order.

    Draws one Poisson count, then ``(count, 3)`` uniforms (time, range, elevation) from ``rng``.
    A rotating radar with a sector narrower than 360° keeps only those in its sector.
    """
    period = radar.scan.period_s if isinstance(radar.scan, RotatingScan) else radar.scan.frame_s
    mean = radar.pfa * false_alarm_cells(radar) * max(t_end - t_start, 0.0) / period
    count = int(rng.poisson(mean))
    u = rng.random((count, 3))
    t = t_start + u[:, 0] * (t_end - t_start)
    az = beam_azimuth(radar.scan, t)
    order = np.argsort(t, kind="stable")
    if isinstance(radar.scan, RotatingScan) and radar.sector_rad < _TWO_PI - 1e-12:
        off = np.mod(az - radar.boresight_rad + math.pi, _TWO_PI) - math.pi
        order = order[np.abs(off[order]) <= 0.5 * radar.sector_rad]
    el = radar.elevation_min_rad + u[:, 2] * (radar.elevation_max_rad - radar.elevation_min_rad)
    k = order.size
    return DetectionBatch(
        time_s=t[order], radar=np.full(k, radar_index, np.int64),
        object=np.full(k, -1, np.int64), range_m=(1.0 - u[order, 1]) * radar.max_range_m,
        azimuth_rad=az[order], elevation_rad=el[order], sinr_db=np.full(k, np.nan))


@dataclass(frozen=True)
class ScanResult:
    """One window of a radar's operation: its looks, in time order, and its plots;
    ``look_of``: the row in ``looks`` of each plot (-1 for a false alarm)."""

    looks: Looks
    detections: DetectionBatch
    crossings: Crossings
    look_of: np.ndarray | None = None


def scan_window(radar: PlacedRadar, paths: Paths, sig: Signatures, t_start: float,
                t_end: float, rng: np.random.Generator, *, radar_index: int = 0,
                objects=None, tracked=None, mask: TerrainMask | None = None,
                clutter: ClutterModel | None = None, jammers: Jammers | None = None,
                with_false_alarms: bool = True) -> ScanResult:
    """Everything a radar sees in [t_start, t_end): search looks, track dwells, plots.

    The search looks are the beam crossings (:func:`~iads.sensors.scan.beam_crossings`) of
    ``objects`` (all by default); a phased array also dwells on the ``tracked`` rows every
    ``track_revisit_s`` (:func:`~iads.sensors.scan.track_dwells`). Random draws, in order:
    :func:`draw_detections` on the time-ordered looks, then :func:`false_alarms`.
    """
    cr = beam_crossings(paths, radar.platform, radar.scan, t_start, t_end, objects)
    times, objs = [cr.time_s], [cr.object]
    if tracked is not None and radar.track_revisit_s is not None:
        tt, to = track_dwells(tracked, t_start, t_end, radar.track_revisit_s,
                              t0_s=radar.scan.t0_s)
        times.append(tt)
        objs.append(to)
    if len(times) == 1:  # the crossings alone: already in (time, object) order
        t, o = cr.time_s, cr.object
    else:
        t = np.concatenate(times)
        o = np.concatenate(objs)
        order = np.lexsort((o, t))
        t, o = t[order], o[order]
    looks = evaluate_looks(radar, paths, t, o, sig, mask=mask, clutter=clutter,
                           jammers=jammers)
    det, look_of = _draw(looks, radar, rng, radar_index)
    if with_false_alarms:
        fa = false_alarms(radar, t_start, t_end, rng, radar_index)
        if len(fa):  # merged as DetectionBatch.concatenate does (stable by time)
            det = DetectionBatch(*(np.concatenate((getattr(det, f), getattr(fa, f)))
                                   for f in _DETECTION_FIELDS))
            look_of = np.concatenate((look_of, np.full(len(fa), -1, np.int64)))
            t = det.time_s
            if not bool(np.all(t[1:] >= t[:-1])):
                order = np.argsort(t, kind="stable")
                det = det.take(order)
                look_of = look_of[order]
    return ScanResult(looks, det, cr, look_of)


def detections_to_ecef(radar: PlacedRadar, det: DetectionBatch) -> np.ndarray:
    """ECEF positions (D, 3) [m] of plots, refraction removed
    (:func:`~iads.sensors.geometry.measurement_to_ecef`)."""
    rpos, _ = _platform_at(radar, det.time_s)
    return measurement_to_ecef(rpos, det.range_m, det.azimuth_rad, det.elevation_rad,
                               radar.k_factor)


def converted_measurements(radar: PlacedRadar, det: DetectionBatch, lat0_deg: float,
                           lon0_deg: float, h0_m: float = 0.0):
    """Plots as Cartesian measurements with covariances in a tracking node's ENU frame.

    Refraction is removed first (:func:`detections_to_ecef`); the plot's straight-line range,
    azimuth and elevation about the radar then go through the unbiased converted-measurement
    transform of :func:`iads.tracking.convert_radar_measurements` with the radar's σ, and the
    result is moved (rotation and offset, exact on the ellipsoid) from the radar's ENU frame to
    the node's at (lat0, lon0 [°], h0 [m]).

    Returns
    -------
    z, R
        Positions (D, 3) [m] and covariances (D, 3, 3) [m²] in the node's ENU frame.
    """
    from ..kinematics import enu_basis, geodetic_of
    from ..tracking import convert_radar_measurements

    n = len(det)
    if n == 0:
        return np.zeros((0, 3)), np.zeros((0, 3, 3))
    rpos, _ = _platform_at(radar, det.time_s)
    p = detections_to_ecef(radar, det)
    lat, lon, _ = geodetic_of(rpos)
    rot_r = np.stack([enu_basis(a, b) for a, b in zip(lat, lon, strict=True)])  # (D, 3, 3)
    enu = np.einsum("dij,dj->di", rot_r, p - rpos)
    r = np.linalg.norm(enu, axis=1)
    az = np.mod(np.arctan2(enu[:, 0], enu[:, 1]), _TWO_PI)
    el = np.arcsin(np.clip(enu[:, 2] / r, -1.0, 1.0))
    z_r, R_r = convert_radar_measurements(az, el, r, radar.sigma_azimuth_rad,
                                          radar.sigma_elevation_rad, radar.sigma_range_m)
    rot_0 = enu_basis(lat0_deg, lon0_deg)
    origin = np.asarray(_ecef_point(lat0_deg, lon0_deg, h0_m))
    m = np.einsum("ij,dkj->dik", rot_0, rot_r)  # radar ENU -> node ENU
    z = np.einsum("dij,dj->di", m, z_r) + (rpos - origin) @ rot_0.T
    R = np.einsum("dij,djk,dlk->dil", m, R_r, m)
    return z, R


def _ecef_point(lat_deg, lon_deg, h_m):
    from ..geodesy import geodetic_to_ecef

    return np.array([float(v) for v in geodetic_to_ecef(lat_deg, lon_deg, h_m)])
