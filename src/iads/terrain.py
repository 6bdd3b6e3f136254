"""Terrain: digital elevation models (DEM) and their resampling onto site-centred grids.

iads ships one DEM, NOAA GLOBE at 30 arc-seconds over 28–48° N, 15–50° E (Turkey, the Aegean and
Crete, Syria, Crimea, the Black Sea; see ``iads/data/ATTRIBUTION.md``), and reads any user
GeoTIFF (SRTM, Copernicus GLO-30/90 …) through rasterio. Nothing is ever downloaded.

Conventions
-----------
* Heights in metres above mean sea level [m]; sea (and, in GLOBE, land below sea level) is 0.
* Latitude/longitude in degrees at the public edge; grids are :class:`iads.geodesy.SiteGrid`
  (site-centred azimuthal equidistant, row 0 north).
* Interpolation is **bilinear between DEM cell centres** (point sampling): :func:`elevation_at`
  and :func:`dem_on_grid` share one implementation (pyproj for the coordinates, our own bilinear
  for the heights). Within half a DEM cell of the raster edge the nearest edge cell is used. When
  the grid is much coarser than the DEM this samples rather than averages the DEM.
* Outside the DEM (or on its nodata cells): :class:`~iads.errors.TerrainError` by default, or sea
  level (0 m) with a :class:`TerrainWarning` when the caller asks for ``outside="sea_level"``.
"""

from __future__ import annotations

import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import rasterio
from pyproj import CRS
from rasterio.errors import RasterioError
from rasterio.transform import Affine
from rasterio.windows import Window

from .errors import TerrainError
from .geodesy import SiteGrid, transformer

__all__ = [
    "BUILTIN_DEM_FILE",
    "MAX_GRID_BYTES",
    "OUTSIDE_POLICIES",
    "Dem",
    "TerrainWarning",
    "builtin_dem",
    "load_dem",
    "elevation_at",
    "dem_on_grid",
    "grid_bytes_estimate",
    "native_cell_size_m",
    "save_grid_geotiff",
]

BUILTIN_DEM_FILE = "globe_30s_28n48n_15e50e.tif"  #: shipped GLOBE extract, in ``iads/data/``
MAX_GRID_BYTES = 4 * 2**30  #: refuse grids whose arrays would need more than this [bytes]
OUTSIDE_POLICIES = ("error", "sea_level")
#: what :func:`dem_on_grid` also accepts: ``"nan"`` marks cells without data as NaN
GRID_OUTSIDE_POLICIES = (*OUTSIDE_POLICIES, "nan")
# GDAL's block cache (by default 5 % of RAM) only duplicates arrays we read or write whole; a
# small one halves the time of reading or writing a 100 MB raster (page faults saved)
_GDAL_CACHE_MB = 64
_BLOCK_ROWS = 256  # grid rows resampled per block: bounds the temporaries of dem_on_grid
_BYTES_PER_BLOCK_CELL = 8 * 10  # float64 temporaries per cell of a block (x, y, indices, …)


class TerrainWarning(UserWarning):
    """Terrain was filled in (sea level outside the DEM or on nodata) at the caller's request."""


class Dem:
    """A DEM: heights [m above sea level] with an affine transform and a CRS, read lazily.

    Build one with :func:`load_dem`, :func:`builtin_dem` or :meth:`Dem.from_array`. Only the
    metadata is read on construction; :attr:`data` (the whole raster as floats, nodata → NaN) on
    first use, and :func:`dem_on_grid` / :func:`elevation_at` read only the window they need.
    """

    def __init__(self, *, path, crs: CRS, transform: Affine, shape: tuple[int, int],
                 nodata: float | None = None, data: np.ndarray | None = None):
        self.path = None if path is None else Path(path)
        self.crs = CRS.from_user_input(crs)
        self.transform = transform
        self.shape = (int(shape[0]), int(shape[1]))
        self.nodata = nodata
        self._data = data

    @classmethod
    def from_array(cls, data, transform: Affine, crs) -> Dem:
        """A DEM held in memory: ``data`` (rows, cols) [m], rasterio ``transform``, any CRS."""
        arr = np.array(data, dtype=float)
        if arr.ndim != 2 or arr.size == 0:
            raise ValueError(f"DEM data must be a non-empty 2-D array, got shape {arr.shape}")
        return cls(path=None, crs=crs, transform=transform, shape=arr.shape, data=arr)

    @property
    def name(self) -> str:
        return str(self.path) if self.path is not None else "<in-memory DEM>"

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) of the raster in its CRS (cell edges)."""
        rows, cols = self.shape
        t = self.transform
        cc, rr = np.array([0, cols, 0, cols]), np.array([0, 0, rows, rows])
        xs, ys = t.a * cc + t.b * rr + t.c, t.d * cc + t.e * rr + t.f
        return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())

    @property
    def data(self) -> np.ndarray:
        """The whole raster (rows, cols) [m], nodata cells NaN: float32 for files of float32 or
        of integers of up to 16 bits (which float32 holds exactly), float64 otherwise."""
        if self._data is None:
            self._data = self.read_window(0, self.shape[0], 0, self.shape[1])
        return self._data

    def read_window(self, row0: int, row1: int, col0: int, col1: int) -> np.ndarray:
        """Rows ``row0:row1``, columns ``col0:col1`` [m] as floats (see :attr:`data`), nodata →
        NaN."""
        if self._data is not None:
            return self._data[row0:row1, col0:col1]
        try:
            with rasterio.Env(GDAL_CACHEMAX=_GDAL_CACHE_MB), rasterio.open(self.path) as ds:
                out = ds.read(1, window=Window(col0, row0, col1 - col0, row1 - row0),
                              out_dtype=_float_dtype(ds.dtypes[0]))
        except (RasterioError, OSError) as exc:
            raise TerrainError(f"cannot read the DEM's heights ({_first_line(exc)})",
                               file=self.path) from None
        if self.nodata is not None:
            out[out == self.nodata] = np.nan
        return out

    def __repr__(self) -> str:
        return f"Dem({self.name!r}, shape={self.shape}, crs={self.crs.to_string()!r})"


def _float_dtype(dtype) -> str:
    """float32 where it holds every value of ``dtype`` exactly, else float64."""
    exact32 = ("float32", "int8", "uint8", "int16", "uint16")
    return "float32" if np.dtype(dtype).name in exact32 else "float64"


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def load_dem(path) -> Dem:
    """Open a single-band raster DEM (any GeoTIFF rasterio reads: SRTM, Copernicus …).

    Heights must be metres above sea level. Only the metadata is read here.

    Raises
    ------
    TerrainError
        The file is missing, is not a raster, is corrupt, has no CRS or no georeferencing.
    """
    p = Path(path)
    if not p.is_file():
        raise TerrainError("DEM file not found", file=p)
    try:
        with rasterio.open(p) as ds:
            crs, transform, count = ds.crs, ds.transform, ds.count
            shape, nodata = (ds.height, ds.width), ds.nodata
    except (RasterioError, OSError) as exc:
        raise TerrainError(f"not a readable raster DEM ({_first_line(exc)})", file=p) from None
    if crs is None:
        raise TerrainError("the raster has no coordinate reference system (CRS); "
                           "assign one (e.g. gdal_edit.py -a_srs EPSG:4326) and retry", file=p)
    if transform.is_identity or transform.determinant == 0:
        raise TerrainError("the raster has no georeferencing (identity or singular transform)",
                           file=p)
    if count < 1 or shape[0] < 2 or shape[1] < 2:
        raise TerrainError(f"expected a single-band raster of at least 2x2 cells, found "
                           f"{count} band(s) of {shape[0]}x{shape[1]}", file=p)
    return Dem(path=p, crs=crs, transform=transform, shape=shape, nodata=nodata)


def builtin_dem() -> Dem:
    """The shipped NOAA GLOBE 30″ DEM, 28–48° N, 15–50° E (public domain; sea = 0 m)."""
    return load_dem(resources.files("iads") / "data" / BUILTIN_DEM_FILE)


# ------------------------------------------------------------------------------------------------
# interpolation


def _bilinear(window: np.ndarray, fr: np.ndarray, fc: np.ndarray) -> np.ndarray:
    """Bilinear heights [m] at fractional cell-centre indices (fr, fc) of ``window``.

    Indices are clamped to the outermost centres (nearest-edge within the last half cell).
    """
    nr, nc = window.shape
    fr = np.clip(fr, 0.0, nr - 1.0)
    fc = np.clip(fc, 0.0, nc - 1.0)
    r0 = np.minimum(np.floor(fr).astype(np.int64), max(nr - 2, 0))
    c0 = np.minimum(np.floor(fc).astype(np.int64), max(nc - 2, 0))
    r1 = np.minimum(r0 + 1, nr - 1)
    c1 = np.minimum(c0 + 1, nc - 1)
    tr, tc = fr - r0, fc - c0
    top = window[r0, c0] * (1.0 - tc) + window[r0, c1] * tc
    bot = window[r1, c0] * (1.0 - tc) + window[r1, c1] * tc
    return top * (1.0 - tr) + bot * tr


def _fractional_index(dem: Dem, x: np.ndarray, y: np.ndarray):
    """Fractional (row, col) of points (x, y) in the DEM CRS, cell centres on integers."""
    inv = ~dem.transform
    col = inv.a * x + inv.b * y + inv.c
    row = inv.d * x + inv.e * y + inv.f
    return row - 0.5, col - 0.5


def _inside(dem: Dem, fr: np.ndarray, fc: np.ndarray) -> np.ndarray:
    rows, cols = dem.shape
    return (fr >= -0.5) & (fr <= rows - 0.5) & (fc >= -0.5) & (fc <= cols - 0.5)


def _window_for(dem: Dem, fr: np.ndarray, fc: np.ndarray, margin: int = 2):
    """Rows/cols of the DEM covering the finite indices (fr, fc), with a margin, clipped."""
    ok = np.isfinite(fr) & np.isfinite(fc)
    rows, cols = dem.shape
    if not ok.any():
        return 0, 0, 0, 0
    r0 = int(max(np.floor(fr[ok].min()) - margin, 0))
    r1 = int(min(np.ceil(fr[ok].max()) + margin + 1, rows))
    c0 = int(max(np.floor(fc[ok].min()) - margin, 0))
    c1 = int(min(np.ceil(fc[ok].max()) + margin + 1, cols))
    return r0, max(r1, r0), c0, max(c1, c0)


def _beyond(wr, wc, shape, window, dem_shape) -> bool:
    """Whether window-relative indices (wr, wc) fall outside ``shape`` where the DEM goes on."""
    r0, r1, c0, c1 = window
    return bool(wr.min() < -0.5 and r0 > 0 or wr.max() > shape[0] - 0.5 and r1 < dem_shape[0]
                or wc.min() < -0.5 and c0 > 0 or wc.max() > shape[1] - 0.5 and c1 < dem_shape[1])


def _extent_text(dem: Dem) -> str:
    left, bottom, right, top = dem.bounds
    if dem.crs.is_geographic:
        return f"{bottom:.3f}..{top:.3f} N, {left:.3f}..{right:.3f} E"
    return f"x {left:.0f}..{right:.0f}, y {bottom:.0f}..{top:.0f} ({dem.crs.to_string()})"


def _check_outside(outside: str) -> None:
    if outside not in OUTSIDE_POLICIES:
        raise ValueError(f"outside must be one of {OUTSIDE_POLICIES}, got {outside!r}")


def elevation_at(dem: Dem, lat_deg, lon_deg, outside: str = "error"):
    """Terrain height [m above sea level] at (lat, lon) [°], bilinear; broadcasts.

    ``outside="error"`` raises :class:`TerrainError` for points outside the DEM or on nodata;
    ``"sea_level"`` returns 0 m there with a :class:`TerrainWarning`.
    """
    _check_outside(outside)
    lat, lon = np.broadcast_arrays(np.asarray(lat_deg, float), np.asarray(lon_deg, float))
    x, y = transformer("EPSG:4326", dem.crs).transform(lon.ravel(), lat.ravel())
    fr, fc = _fractional_index(dem, np.asarray(x), np.asarray(y))
    inside = _inside(dem, fr, fc)
    out = np.zeros(fr.shape)
    if inside.any():
        r0, r1, c0, c1 = _window_for(dem, fr[inside], fc[inside])
        win = dem.read_window(r0, r1, c0, c1)
        out[inside] = _bilinear(win, fr[inside] - r0, fc[inside] - c0)
    bad = ~inside | np.isnan(out)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        where = "outside the DEM" if not inside[i] else "on a DEM nodata cell"
        if outside == "error":
            raise TerrainError(
                f"{bad.sum()} point(s) {where}, first ({lat.ravel()[i]:.4f} N, "
                f"{lon.ravel()[i]:.4f} E); DEM extent {_extent_text(dem)}", file=dem.path)
        warnings.warn(f"{bad.sum()} point(s) outside the DEM or on nodata set to sea level (0 m)",
                      TerrainWarning, stacklevel=2)
        out[bad] = 0.0
    return out.reshape(lat.shape) if lat.ndim else float(out[0])


# ------------------------------------------------------------------------------------------------
# grids


def grid_bytes_estimate(grid: SiteGrid, dem: Dem | None = None) -> int:
    """Bytes :func:`dem_on_grid` needs for ``grid`` [bytes]: the float64 result, one block of
    temporaries and, when ``dem`` is given, the float64 DEM window the grid covers."""
    n = int(grid.n)
    total = 8 * n * n + _BYTES_PER_BLOCK_CELL * min(_BLOCK_ROWS, n) * n
    if dem is not None:
        # DEM cells across the grid's width, from the DEM cell size at the site (generous x2)
        res = _dem_cell_size_m(dem, grid)
        across = min(2.0 * n * grid.cell_m / res + 8, 1e12)
        total += int(8 * min(across * across, float(dem.shape[0]) * dem.shape[1]))
    return int(total)


def native_cell_size_m(dem: Dem, lat_deg: float) -> float:
    """The DEM's smaller cell side [m] at latitude ``lat_deg`` [°] (geographic DEMs: 30″ is
    about 926 m north–south, 926·cos(lat) m east–west; projected DEMs: their cell size)."""
    return _dem_cell_size_m(dem, SiteGrid(lat_deg, 0.0, 0, 1.0))


def _dem_cell_size_m(dem: Dem, grid: SiteGrid) -> float:
    """Smallest DEM cell side near the site [m] (geographic DEMs converted at the site)."""
    a, e = abs(dem.transform.a) + abs(dem.transform.b), abs(dem.transform.d) + abs(dem.transform.e)
    if dem.crs.is_geographic:
        m_per_deg = 111_320.0
        return max(min(a * m_per_deg * np.cos(np.radians(grid.lat0_deg)), e * m_per_deg), 1e-3)
    return max(min(a, e), 1e-3)


def _guard_memory(grid: SiteGrid, dem: Dem | None) -> None:
    need = grid_bytes_estimate(grid, dem)
    if need > MAX_GRID_BYTES:
        raise TerrainError(
            f"a {grid.n}x{grid.n}-cell grid ({grid.cell_m:g} m cells) needs about "
            f"{need / 2**30:.1f} GiB, more than the {MAX_GRID_BYTES / 2**30:.0f} GiB limit "
            "(iads.terrain.MAX_GRID_BYTES); use larger cells or a smaller radius")


def dem_on_grid(dem: Dem, grid: SiteGrid, outside: str = "error",
                max_range_m: float | None = None) -> np.ndarray:
    """Resample ``dem`` onto the site-centred AEQD ``grid``: heights (n, n) [m above sea level].

    Each grid cell centre is transformed exactly (pyproj, AEQD → DEM CRS) and the DEM is
    interpolated bilinearly between its cell centres. Only the DEM window under the grid is read,
    in blocks of grid rows, so the peak memory is the result plus that window. Before anything
    is allocated the memory is estimated (:func:`grid_bytes_estimate`) and a
    :class:`TerrainError` raised if it exceeds :data:`MAX_GRID_BYTES`.

    Parameters
    ----------
    outside
        ``"error"`` (default): :class:`TerrainError` naming the site and the DEM extent if any
        cell falls outside the DEM or on nodata. ``"sea_level"``: such cells are 0 m, with a
        :class:`TerrainWarning` giving their count. ``"nan"``: such cells are NaN, silently
        (e.g. for :meth:`iads.sensors.geometry.TerrainMask.from_terrain`, which sees through
        them).
    max_range_m
        Only the cells whose centres lie within this distance of the site [m] are sampled;
        the others (the grid's corners beyond a radar's reach) are NaN. None: every cell.
    """
    if outside not in GRID_OUTSIDE_POLICIES:
        raise ValueError(f"outside must be one of {GRID_OUTSIDE_POLICIES}, got {outside!r}")
    _guard_memory(grid, dem)
    n = grid.n
    to_dem = transformer(grid.crs, dem.crs)
    axis = grid.x  # eastings of columns; northings of rows are its reverse
    # 1. footprint: a coarse lattice (every edge cell on the perimeter, 65 x 65 inside)
    lattice = np.unique(np.r_[np.linspace(0, n - 1, min(n, 65)).round().astype(int), 0, n - 1])
    per = np.r_[np.arange(n)] if n <= 4097 else np.linspace(0, n - 1, 4097).round().astype(int)
    pr = np.r_[np.repeat(lattice, lattice.size), np.zeros(per.size, int), np.full(per.size, n - 1),
               per, per]
    pc = np.r_[np.tile(lattice, lattice.size), per, per, np.zeros(per.size, int),
               np.full(per.size, n - 1)]
    fx, fy = to_dem.transform(axis[pc], axis[::-1][pr])
    fr, fc = _fractional_index(dem, np.asarray(fx), np.asarray(fy))
    inside = _inside(dem, fr, fc) & np.isfinite(fr) & np.isfinite(fc)
    if not inside.all():
        sx, sy = to_dem.transform(np.zeros(1), np.zeros(1))
        site_in = bool(_inside(dem, *_fractional_index(dem, np.asarray(sx), np.asarray(sy)))[0])
        site = f"site ({grid.lat0_deg:.4f} N, {grid.lon0_deg:.4f} E)"
        if site_in:
            msg = (f"the grid of half-width {grid.half_cells * grid.cell_m / 1000:.1f} km around "
                   f"the {site} reaches outside the DEM extent {_extent_text(dem)}")
        else:
            msg = f"the {site} lies outside the DEM extent {_extent_text(dem)}"
        if outside == "error":
            raise TerrainError(msg + "; use a DEM that covers it or outside='sea_level'",
                               file=dem.path)
    r0, r1, c0, c1 = _window_for(dem, fr[inside], fc[inside]) if inside.any() else (0, 0, 0, 0)
    win = dem.read_window(r0, r1, c0, c1) if r1 > r0 and c1 > c0 else None
    # 2. resample block by block
    out = np.empty((n, n))
    n_outside = n_nodata = 0
    for b0 in range(0, n, _BLOCK_ROWS):
        b1 = min(b0 + _BLOCK_ROWS, n)
        xx, yy = np.meshgrid(axis, axis[::-1][b0:b1])
        if max_range_m is None:
            near = True
            bx, by = to_dem.transform(xx, yy)
            br, bc = _fractional_index(dem, np.asarray(bx), np.asarray(by))
        else:  # only the cells within the range
            near = xx * xx + yy * yy <= float(max_range_m) ** 2
            br = np.full(xx.shape, np.nan)
            bc = np.full(xx.shape, np.nan)
            bx, by = to_dem.transform(xx[near], yy[near])
            br[near], bc[near] = _fractional_index(dem, np.asarray(bx), np.asarray(by))
        ok = _inside(dem, br, bc) & np.isfinite(br) & np.isfinite(bc)
        block = np.full(br.shape, np.nan) if outside == "nan" else np.zeros(br.shape)
        if ok.any():
            if win is None or _beyond(br[ok] - r0, bc[ok] - c0, win.shape, (r0, r1, c0, c1),
                                      dem.shape):
                # the coarse footprint missed part of the grid (a grid straddling the DEM's
                # edge): widen the window to this block's cells and read it again
                q0, q1, p0, p1 = _window_for(dem, br[ok], bc[ok])
                if win is not None:
                    q0, q1, p0, p1 = min(q0, r0), max(q1, r1), min(p0, c0), max(p1, c1)
                r0, r1, c0, c1 = q0, q1, p0, p1
                win = dem.read_window(r0, r1, c0, c1)
            block[ok] = _bilinear(win, br[ok] - r0, bc[ok] - c0)
        nan = np.isnan(block) & ok
        n_outside += int((~ok & near).sum())
        n_nodata += int(nan.sum())
        if outside != "nan":
            block[nan] = 0.0
        if max_range_m is not None:
            block[~near] = np.nan
        out[b0:b1] = block
    if outside == "nan":
        return out
    if n_nodata and outside == "error":
        raise TerrainError(f"{n_nodata} grid cells around ({grid.lat0_deg:.4f} N, "
                           f"{grid.lon0_deg:.4f} E) fall on DEM nodata; fill the DEM's voids or "
                           "use outside='sea_level'", file=dem.path)
    if n_outside or n_nodata:
        warnings.warn(f"{n_outside} grid cells outside the DEM {dem.name} and {n_nodata} on its "
                      "nodata set to sea level (0 m)", TerrainWarning, stacklevel=2)
    return out


def save_grid_geotiff(path, data: np.ndarray, grid: SiteGrid, nodata: float | None = None,
                      **creation_options) -> Path:
    """Write an (n, n) array on ``grid`` as a single-band GeoTIFF in the grid's AEQD CRS."""
    arr = np.asarray(data)
    if arr.shape != (grid.n, grid.n):
        raise ValueError(f"data shape {arr.shape} does not match the grid ({grid.n}, {grid.n})")
    p = Path(path)
    profile = {"driver": "GTiff", "height": grid.n, "width": grid.n, "count": 1,
               "dtype": arr.dtype.name if arr.dtype != bool else "uint8",
               "crs": grid.crs, "transform": grid.transform, "nodata": nodata,
               **creation_options}
    out = arr.view(np.uint8) if arr.dtype == bool else arr
    with rasterio.Env(GDAL_CACHEMAX=_GDAL_CACHE_MB), rasterio.open(p, "w", **profile) as dst:
        dst.write(out, 1)
    return p
