"""Line of sight over terrain: the minimum visible height map of a site and its altitude layers.

The primary product is the **minimum visible height** (MVH) raster on a site-centred
:class:`~iads.geodesy.SiteGrid`: for every cell, the lowest height above the ground [m] at which
a target in that cell is in line of sight of an observer (radar phase centre) standing
``observer_height_m`` above the ground of the centre cell. The same height above mean sea level
is ``mvh_agl + terrain``. Every altitude layer is a threshold of it::

    visible_agl_h = mvh_agl <= h          visible_msl_h = mvh_agl + terrain <= h

so :func:`layers` gives any number of layers from one MVH computation.

Geometry: refraction is modelled by an effective spherical earth of radius k·a (a = 6,378,137 m,
WGS-84; k = 4/3 by default). Distances on the grid are true ground distances from the site
(azimuthal equidistant). Cells beyond ``max_range_m`` are NaN.

Two methods
-----------
``method="sweep"`` (default, O(n²) for an n x n grid, i.e. O(1) per cell)
    **Compatible with GDAL's viewshed** (``gdal_viewshed``, ``alg/viewshed.cpp`` of GDAL 3.6,
    the "Generating viewsheds without using sightlines" scan of Wang et al. 2000, edge mode):
    rows are processed outward from the observer's row; within a row, cells outward from the
    observer's column. Each cell's line-of-sight height is interpolated on the plane through the
    observer and its two already-processed neighbours towards the observer, and the cell's
    "observable height" becomes max(its height, that line-of-sight height) for the cells behind
    it. Heights are first lowered by GDAL's curvature correction ``cc·d²/(2a)`` with
    ``cc = 1/k``. The output equals ``gdal_viewshed -om GROUND -cc 1/k -oz observer_height``
    (minimum target height above ground) cell for cell, and ``mvh_agl <= H`` equals
    ``gdal_viewshed -om NORMAL -tz H`` (both checked in ``tests/test_viewshed.py``). Like GDAL
    3.6 it compares the cells north, south and diagonal of the observer with the observer's own
    ground height (later GDAL versions use the cell's own), so on flat terrain those six cells
    need the curvature drop at their distance (1.5 cm at 500 m cells) to be seen. The scan is
    computed octant by octant (same operations on the same operands, see ``_gdal_sweep``).
``method="exact"`` (reference, O(n) per cell, O(n³) for the grid)
    Ray marching on the continuous terrain surface that interpolates the cell centres
    bilinearly: for each target cell, the straight line from the observer to the target in the
    effective-earth geometry (exact spherical: polar coordinates about the centre of the sphere
    of radius k·a) is followed from one crossing of a row or column line of cell centres to the
    next (at most two steps per cell crossed). Between crossings the terrain under the ray is a
    quadratic, so the sight-line constraint is evaluated at every crossing and at the maximum
    of the obstruction inside each step (located in closed form with the parabolic earth
    d²/(2ka), evaluated on the sphere): no fixed step, and nothing between samples is missed
    beyond millimetres. The minimum target height is the lowest one whose sight line clears the
    whole ray. Slow; for validation, small grids and subsets of cells (:func:`ray_march_mvh`).

Areas: :func:`cell_area_m2` gives the true area of each grid cell on a sphere of the mean earth
radius, cell_m² · sin(c)/c with c = ρ/R₁ the angular distance of the cell from the site (the
azimuthal-equidistant area factor; it differs from cell_m² by 0.01 % at 180 km, 0.1 % at 550 km).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .geodesy import K_STANDARD, WGS84_A, SiteGrid

__all__ = [
    "METHODS",
    "REFERENCES",
    "MEAN_EARTH_RADIUS",
    "minimum_visible_height",
    "ray_march_mvh",
    "layers",
    "cell_area_m2",
    "visible_area_km2",
]

METHODS = ("sweep", "exact")
REFERENCES = ("agl", "msl")
MEAN_EARTH_RADIUS = 6_371_008.8  #: IUGG mean earth radius R₁, for cell areas [m]


# ------------------------------------------------------------------------------------------------
# GDAL-compatible sweep


@njit(cache=True, inline="always")
def _z_line(i, za, zo):
    # height on the line observer -> (i-1 cells, za) extrapolated one cell further
    if i == 1:
        return za
    return (za - zo) / (i - 1) + za


@njit(cache=True, inline="always")
def _z_edge(i, j, za, zb, zo):
    # height at (i, j) on the plane through the observer and the two cells before it
    if i == j:
        return _z_line(i, za, zo)
    return ((za - zo) * i + (zb - zo) * (j - i)) / (j - 1) + zo


@njit(cache=True)
def _observer_row(z, oy, ox, zo, cell, cc, diam, max_d2, adjust, out):
    """The observer's row: writes ``out[oy]``, returns its observable heights [m]."""
    nx = z.shape[1]
    first = z[oy].astype(np.float64)
    # the observer and its two neighbours in the row are visible at ground level
    out[oy, ox] = 0.0
    for side in (-1, 1):
        ip = ox + side
        if 0 <= ip < nx:
            if adjust:
                first[ip] -= cc * (cell * cell) / diam
            out[oy, ip] = 0.0
        ip = ox + 2 * side
        while 0 <= ip < nx:
            dx = abs(ip - ox)
            xm = cell * dx
            r2 = xm * xm
            h = first[ip]
            if adjust:
                h -= cc * r2 / diam
                first[ip] = h
            if max_d2 > 0.0 and r2 > max_d2:
                while 0 <= ip < nx:  # beyond the range to the end of the row
                    out[oy, ip] = np.nan
                    ip += side
                break
            dz = _z_line(dx, first[ip - side], zo)
            out[oy, ip] = max(0.0, dz - h)
            if h < dz:
                first[ip] = dz
            ip += side
    return first


@njit(cache=True)
def _observer_column(z, oy, ox, zo, cell, cc, diam, max_d2, adjust, first_ox, out):
    """The observer's column (depends only on itself): writes ``out[:, ox]``, returns its
    observable heights [m] per row."""
    ny = z.shape[0]
    col = np.empty(ny)
    col[oy] = first_ox
    for vdir in (-1, 1):
        last = first_ox
        line = oy + vdir
        while 0 <= line < ny:
            dy = abs(line - oy)
            ym = cell * dy
            r2 = ym * ym
            h = float(z[line, ox])
            if adjust:
                h -= cc * r2 / diam
            this = h
            if max_d2 > 0.0 and r2 > max_d2:
                out[line, ox] = np.nan
            else:
                dz = _z_line(dy, last, zo)
                out[line, ox] = max(0.0, dz - h)
                if h < dz:
                    this = dz
            col[line] = this
            last = this
            line += vdir
    return col


@njit(cache=True)
def _diagonal(z, oy, ox, zo, cell, cc, diam, max_d2, adjust, vdir, side, length, out, diag):
    """The quadrant's diagonal (|dx| = |dy| = d): GDAL's value there depends only on the
    diagonal cell before it. Writes ``out`` and the observable heights ``diag[0..length]``."""
    diag[0] = float(z[oy, ox])
    for d in range(1, length + 1):
        line = oy + vdir * d
        ip = ox + side * d
        m = cell * d
        r2 = m * m + m * m
        h = float(z[line, ip])
        if adjust:
            h -= cc * r2 / diam
        if max_d2 > 0.0 and r2 > max_d2:
            for e in range(d, length + 1):
                out[oy + vdir * e, ox + side * e] = np.nan
            break
        dz = _z_line(d, diag[d - 1], zo)
        out[line, ip] = max(0.0, dz - h)
        diag[d] = dz if h < dz else h


@njit(cache=True)
def _steep_octant(z, oy, ox, zo, cell, cc, diam, max_d2, adjust, vdir, side, lx, ly, col,
                  diag, out):
    """Cells with 0 < |dx| < |dy|: each depends only on the row before it (two cells nearer the
    observer's column), so every row is one loop without a carried dependency."""
    prev = np.empty(ly + 1)
    cur = np.empty(ly + 1)
    for dy in range(2, ly + 1):
        line = oy + vdir * dy
        ym = cell * dy
        prev[0] = col[line - vdir]
        if dy - 1 <= lx:
            prev[dy - 1] = diag[dy - 1]
        hi = min(dy - 1, lx)
        for dx in range(1, hi + 1):
            xm = cell * dx
            r2 = xm * xm + ym * ym
            h = float(z[line, ox + side * dx])
            if adjust:
                h -= cc * r2 / diam
            if max_d2 > 0.0 and r2 > max_d2:
                for e in range(dx, hi + 1):
                    out[line, ox + side * e] = np.nan
                break
            dz = _z_edge(dx, dy, prev[dx - 1], prev[dx], zo)
            out[line, ox + side * dx] = max(0.0, dz - h)
            cur[dx] = dz if h < dz else h
        prev, cur = cur, prev


_BAND = 8  # rows per band of the shallow octant sweep (cache locality of column access)


@njit(cache=True)
def _shallow_octant(z, oy, ox, zo, cell, cc, diam, max_d2, adjust, vdir, side, lx, ly, first,
                    diag, out):
    """Cells with 0 < |dy| < |dx|: each depends only on the column before it. They are swept in
    bands of ``_BAND`` rows, within a band column by column outward, so every column of a band
    is one short loop without a carried dependency over cache lines that stay hot."""
    edge = np.empty(lx + 1)  # observable heights of the row above the band, by dx
    new_edge = np.empty(lx + 1)
    for dx in range(lx + 1):
        edge[dx] = first[ox + side * dx]
    prev = np.empty(_BAND)  # the previous column's observable heights in the band
    cur = np.empty(_BAND)
    a = 1
    while a <= ly and a < lx:
        b = min(a + _BAND, ly + 1)  # band rows: dy in [a, b)
        for dx in range(a + 1, lx + 1):
            if dx - 1 < b:  # the previous column's cell on the diagonal
                prev[dx - 1 - a] = diag[dx - 1]
            hi = min(b, dx)  # rows of the band with dy < dx
            ip = ox + side * dx
            xm = cell * dx
            above = edge[dx - 1]
            for k in range(hi - a):
                dy = a + k
                ym = cell * dy
                r2 = xm * xm + ym * ym
                line = oy + vdir * dy
                h = float(z[line, ip])
                if adjust:
                    h -= cc * r2 / diam
                if max_d2 > 0.0 and r2 > max_d2:
                    for e in range(k, hi - a):
                        out[oy + vdir * (a + e), ip] = np.nan
                    break
                za = above if k == 0 else prev[k - 1]
                dz = _z_edge(dy, dx, za, prev[k], zo)
                out[line, ip] = max(0.0, dz - h)
                cur[k] = dz if h < dz else h
            if hi == b:
                new_edge[dx] = cur[b - 1 - a]
            prev, cur = cur, prev
        edge, new_edge = new_edge, edge
        a = b


def _gdal_sweep(z, oy, ox, obs_h, cell, cc, diam, max_d2):
    """Minimum target height above ground [m] by GDAL 3.6's edge-mode viewshed scan.

    ``z`` heights [m], observer at (row oy, col ox), ``obs_h`` [m] above its cell, square cells
    of ``cell`` [m], curvature ``h -= cc·r²/diam`` (skipped when cc == 0), range limit
    ``r² <= max_d2`` (none when max_d2 <= 0). NaN beyond the range.

    GDAL scans rows outward from the observer's row, each row outward from the observer's
    column; a cell (dx, dy) takes its line-of-sight height from (dx-1, dy-1) and, where
    |dx| >= |dy|, (dx-1, dy), else (dx, dy-1). So the observer's row and column and the four
    diagonals depend only on themselves, and the eight octants between them only on their own
    cells and those lines: they are computed in that order, each octant without a dependency
    along its inner loop. Every value comes from the same floating-point operations on the same
    operands as in GDAL's scan, so the result is identical bit for bit. The octants are
    independent, but the scan is memory-bound: running them on two threads gained nothing on
    the machines measured, so it runs on one. (This driver stays in Python: compiled into one
    function, LLVM inlined the octant loops and they ran 1.5x slower.)
    """
    ny, nx = z.shape
    oy, ox = int(oy), int(ox)
    obs_h, cell, cc, diam, max_d2 = (float(v) for v in (obs_h, cell, cc, diam, max_d2))
    out = np.empty((ny, nx))  # every cell is written once: a height, or NaN beyond the range
    adjust = bool(cc != 0.0 and diam != np.inf)
    zo = obs_h + float(z[oy, ox])
    first = _observer_row(z, oy, ox, zo, cell, cc, diam, max_d2, adjust, out)
    col = _observer_column(z, oy, ox, zo, cell, cc, diam, max_d2, adjust, first[ox], out)
    lmax = max(oy, ny - 1 - oy, ox, nx - 1 - ox)
    diags = np.full((4, lmax + 1), np.nan)
    for q in range(4):
        vdir = -1 if q < 2 else 1
        side = -1 if q % 2 == 0 else 1
        ly = oy if vdir < 0 else ny - 1 - oy
        lx = ox if side < 0 else nx - 1 - ox
        _diagonal(z, oy, ox, zo, cell, cc, diam, max_d2, adjust, vdir, side, min(lx, ly), out,
                  diags[q])
    for t in range(8):
        q = t // 2
        vdir = -1 if q < 2 else 1
        side = -1 if q % 2 == 0 else 1
        ly = oy if vdir < 0 else ny - 1 - oy
        lx = ox if side < 0 else nx - 1 - ox
        if t % 2 == 0:
            _steep_octant(z, oy, ox, zo, cell, cc, diam, max_d2, adjust, vdir, side, lx, ly,
                          col, diags[q], out)
        else:
            _shallow_octant(z, oy, ox, zo, cell, cc, diam, max_d2, adjust, vdir, side, lx, ly,
                            first, diags[q], out)
    return out


# ------------------------------------------------------------------------------------------------
# exact ray marching


@njit(cache=True)
def _b_of(z, r0, c0, tr, tc, th, radius, inv_r0, z0):
    # slope parameter B of the line observer -> terrain point at angle th (see _ray_march):
    # B = (1/(R+h) - cos(th)/r0) / sin(th), written without cancellation:
    # 1/(R+h) - cos(th)/r0 = ((z0 - h) + (R+h)·2·sin²(th/2)) / ((R+h)·r0)
    h = ((z[r0, c0] * (1.0 - tc) + z[r0, c0 + 1] * tc) * (1.0 - tr)
         + (z[r0 + 1, c0] * (1.0 - tc) + z[r0 + 1, c0 + 1] * tc) * tr)
    rh = radius + h
    s = math.sin(0.5 * th)
    return ((z0 - h) + rh * 2.0 * s * s) * inv_r0 / (rh * math.sin(th))


@njit(cache=True)
def _ray_b_min(z, oy, ox, dr, dc, dist, radius, inv_r0, z0):
    """Smallest B over the bilinear terrain along the ray to the cell (oy+dr, ox+dc).

    The ray is cut where it crosses a row or column line of cell centres; between two crossings
    it stays in one bilinear patch, where the terrain is a quadratic in the ray parameter f.
    B is evaluated at every crossing and at the interior extremum of the obstruction
    (h(f) - f²D²/2R - z0)/f, located with the parabolic effective earth and evaluated exactly.
    """
    ny, nx = z.shape
    ar, ac = abs(dr), abs(dc)
    theta_t = dist / radius
    c2 = dist * dist / (2.0 * radius)
    b_min = np.inf
    i = 1  # next row crossing: f = i / ar
    j = 1  # next column crossing: f = j / ac
    fa = 0.0
    while True:
        # next crossing (exact integer comparison i/ar vs j/ac)
        has_i = i < ar
        has_j = j < ac
        if has_i and has_j:
            if i * ac < j * ar:
                fb = i / ar
                i += 1
            elif i * ac > j * ar:
                fb = j / ac
                j += 1
            else:
                fb = i / ar
                i += 1
                j += 1
        elif has_i:
            fb = i / ar
            i += 1
        elif has_j:
            fb = j / ac
            j += 1
        else:
            fb = 1.0
        fm = 0.5 * (fa + fb)
        r0 = min(max(int(math.floor(oy + fm * dr)), 0), ny - 2)
        c0 = min(max(int(math.floor(ox + fm * dc)), 0), nx - 2)
        tr0 = oy - r0
        tc0 = ox - c0
        # h(f) = A + B1 f + C f² on this patch
        a = z[r0, c0]
        b = z[r0, c0 + 1] - a
        c = z[r0 + 1, c0] - a
        d = z[r0 + 1, c0 + 1] - z[r0, c0 + 1] - z[r0 + 1, c0] + a
        a_coef = a + b * tc0 + c * tr0 + d * tr0 * tc0 - z0
        c_coef = d * dr * dc - c2
        if fa == 0.0 and a_coef >= -1e-9 * (1.0 + abs(z0)):
            # eye at ground level: the obstruction tends to the terrain's slope at the observer
            # as f -> 0+; with h(f) - z0 = h1·f + O(f²) the limit of B is -h1 / (r0²·Θ)
            h1 = b * dc + c * dr + d * (tr0 * dc + tc0 * dr)
            b_min = min(b_min, -h1 * inv_r0 * inv_r0 / theta_t)
        elif a_coef < 0.0 and c_coef < 0.0:
            fs = math.sqrt(a_coef / c_coef)
            if fa < fs < fb:
                bs = _b_of(z, r0, c0, tr0 + fs * dr, tc0 + fs * dc, fs * theta_t, radius,
                           inv_r0, z0)
                b_min = min(b_min, bs)
        if fb >= 1.0:
            break
        bb = _b_of(z, r0, c0, tr0 + fb * dr, tc0 + fb * dc, fb * theta_t, radius, inv_r0, z0)
        b_min = min(b_min, bb)
        fa = fb
    return b_min


@njit(cache=True, parallel=True)
def _ray_march(z, oy, ox, obs_h, cell, radius, max_d2, rows, cols):
    """Minimum target height above ground [m] at cells (rows, cols) by exact ray marching.

    A point at ground distance d and height h is (R + h, θ = d/R) in polar coordinates about
    the centre of the effective sphere; a straight line not through the centre satisfies
    1/r = cos(θ)/r₀ + B·sin(θ) with r₀ the observer's radius. Each terrain point fixes the
    smallest B (steepest line) the sight line must have; the target must be at or above the
    line with the smallest B over the whole ray. inf where no height sees the cell.
    """
    out = np.empty(rows.size)
    z0 = z[oy, ox] + obs_h
    inv_r0 = 1.0 / (radius + z0)
    for t in prange(rows.size):
        r = rows[t]
        c = cols[t]
        dr = r - oy
        dc = c - ox
        dist = cell * math.sqrt(float(dr * dr + dc * dc))
        if dist == 0.0:
            out[t] = 0.0
            continue
        if max_d2 > 0.0 and dist * dist > max_d2:
            out[t] = np.nan
            continue
        b_min = _ray_b_min(z, oy, ox, dr, dc, dist, radius, inv_r0, z0)
        if b_min == np.inf:
            out[t] = 0.0
            continue
        theta_t = dist / radius
        u = math.cos(theta_t) * inv_r0 + b_min * math.sin(theta_t)
        if u <= 0.0:
            out[t] = np.inf
        else:
            out[t] = max(0.0, 1.0 / u - radius - z[r, c])
    return out


# ------------------------------------------------------------------------------------------------
# public functions


def _check_terrain(terrain_m, grid: SiteGrid, dtype=None) -> np.ndarray:
    # float32 terrain is kept as is (every kernel widens each value to float64 exactly)
    z = np.asarray(terrain_m)
    z = np.ascontiguousarray(z, dtype=dtype or (np.float32 if z.dtype == np.float32
                                                 else np.float64))
    if z.shape != (grid.n, grid.n):
        raise ValueError(f"terrain shape {z.shape} does not match the grid ({grid.n}, {grid.n})")
    if not np.isfinite(np.add.reduce(z, axis=None, dtype=np.float64)):  # one pass, no temporary
        raise ValueError("terrain heights must be finite (fill nodata first, see iads.terrain)")
    return z


def _check_observer(observer_height_m) -> float:
    h = float(observer_height_m)
    if not h >= 0.0:
        raise ValueError(f"observer_height_m must be >= 0 (above the ground), got {h}")
    return h


def _max_d2(max_range_m) -> float:
    if max_range_m is None:
        return 0.0
    if not max_range_m > 0:
        raise ValueError(f"max_range_m must be > 0 or None, got {max_range_m}")
    return float(max_range_m) ** 2


def minimum_visible_height(terrain_m, grid: SiteGrid, observer_height_m: float, *,
                           k: float = K_STANDARD, max_range_m: float | None = None,
                           method: str = "sweep") -> np.ndarray:
    """Minimum visible height above ground, (n, n) [m]; NaN beyond ``max_range_m``.

    Parameters
    ----------
    terrain_m
        Terrain heights on ``grid`` (n, n) [m above sea level], e.g. from
        :func:`iads.terrain.dem_on_grid`; float64, or float32 (used without a copy).
    grid
        The site-centred grid; the observer stands on its centre cell.
    observer_height_m
        Observer (antenna) height above the ground of the centre cell [m].
    k
        Effective earth radius factor [-]; the earth is a sphere of radius k·a.
    max_range_m
        Cells farther than this ground distance [m] are NaN (GDAL ``-md``); None: no limit.
    method
        ``"sweep"`` (GDAL-compatible, fast) or ``"exact"`` (ray marching, slow); see the module
        docstring. The exact method returns inf where no target height is visible.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    z = _check_terrain(terrain_m, grid)
    h = grid.half_cells
    if method == "sweep":
        obs = _check_observer(observer_height_m)
        return _gdal_sweep(z, h, h, obs, float(grid.cell_m), 1.0 / k, 2.0 * WGS84_A,
                           _max_d2(max_range_m))
    rows, cols = np.indices(z.shape)
    out = ray_march_mvh(z, grid, observer_height_m, rows.ravel(), cols.ravel(), k=k,
                        max_range_m=max_range_m)
    return out.reshape(z.shape)


def ray_march_mvh(terrain_m, grid: SiteGrid, observer_height_m: float, rows, cols, *,
                  k: float = K_STANDARD, max_range_m: float | None = None) -> np.ndarray:
    """Exact (ray-marched) minimum visible height above ground [m] at the cells (rows, cols).

    Same model as ``minimum_visible_height(..., method="exact")`` for a subset of target cells
    (integer arrays of equal shape); returns their shape. inf where no height is visible, NaN
    beyond ``max_range_m``.
    """
    z = _check_terrain(terrain_m, grid, np.float64)
    r, c = np.broadcast_arrays(np.asarray(rows, np.int64), np.asarray(cols, np.int64))
    if r.size and (r.min() < 0 or c.min() < 0 or r.max() >= grid.n or c.max() >= grid.n):
        raise ValueError("rows/cols outside the grid")
    h = grid.half_cells
    obs = _check_observer(observer_height_m)
    out = _ray_march(z, h, h, obs, float(grid.cell_m), k * WGS84_A, _max_d2(max_range_m),
                     r.ravel().copy(), c.ravel().copy())
    return out.reshape(r.shape)


def layers(mvh_agl, heights_m, reference: str = "agl", dem=None) -> np.ndarray:
    """Visibility of targets at several altitudes from one MVH map: bool (len(heights), n, n).

    ``reference="agl"``: target ``heights_m`` above the ground of each cell
    (``mvh_agl <= h``). ``"msl"``: above mean sea level (``mvh_agl + dem <= h``); ``dem`` is
    the terrain (n, n) [m] the MVH was computed on. NaN (out of range) is never visible.
    """
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {REFERENCES}, got {reference!r}")
    mvh = np.asarray(mvh_agl, dtype=float)
    hs = np.atleast_1d(np.asarray(heights_m, dtype=float))
    if hs.ndim != 1:
        raise ValueError("heights_m must be a scalar or 1-D")
    if reference == "msl":
        if dem is None:
            raise ValueError("reference='msl' needs dem= (the terrain heights the MVH is on)")
        mvh = mvh + np.asarray(dem, dtype=float)
    if mvh.ndim == 0:
        return np.less_equal(mvh, hs)
    out = np.empty((hs.size,) + mvh.shape, dtype=bool)
    for r in range(0, mvh.shape[0], 32):  # blocks of 32 rows stay in cache for all the layers
        for i, h in enumerate(hs):  # NaN (out of range) compares False
            np.less_equal(mvh[r:r + 32], h, out=out[i, r:r + 32])
    return out


def cell_area_m2(grid: SiteGrid) -> np.ndarray:
    """True area of each grid cell, (n, n) [m²]: cell_m² · sin(c)/c, c = ρ/R₁ (see module)."""
    c = grid.ground_range() / MEAN_EARTH_RADIUS
    return grid.cell_m**2 * np.sinc(c / np.pi)


def visible_area_km2(visible, grid: SiteGrid) -> np.ndarray | float:
    """Area [km²] of the True cells of ``visible`` (..., n, n), e.g. from :func:`layers`."""
    v = np.asarray(visible, dtype=bool)
    a = cell_area_m2(grid)
    out = np.tensordot(v, a, axes=([-2, -1], [0, 1])) / 1e6
    return float(out) if np.ndim(out) == 0 else out
