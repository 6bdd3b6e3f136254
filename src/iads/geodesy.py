"""Geodesy on WGS-84 through pyproj: geodetic ↔ ECEF ↔ ENU, site-centred grids, effective earth.

Conventions
-----------
* Latitude/longitude in degrees at the public edge (they are what users type), heights in metres
  above the WGS-84 ellipsoid unless a function says otherwise. Everything else SI and radians.
* ENU: east, north, up in metres about an origin (lat0, lon0, h0).
* Azimuth clockwise from north, elevation above the local horizontal plane, both [rad].
* All functions broadcast: scalars, ``(n,)`` or ``(m, n)`` arrays give results of the same shape.

Effective earth: radio refraction is modelled by a sphere of radius k·a, with a = 6,378,137 m
(WGS-84 semi-major axis) and k = 4/3 by default. GDAL's ``gdal_viewshed -cc`` curvature
coefficient is 1/k.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pyproj import CRS, Geod, Transformer

__all__ = [
    "WGS84_A",
    "K_STANDARD",
    "effective_radius",
    "curvature_drop",
    "geodetic_to_ecef",
    "ecef_to_geodetic",
    "ecef_to_enu",
    "enu_to_ecef",
    "geodetic_to_enu",
    "enu_to_geodetic",
    "enu_to_aer",
    "aer_to_enu",
    "geodesic_inverse",
    "geodesic_forward",
    "aeqd_crs",
    "SiteGrid",
    "effective_earth_geometry",
    "transformer",
]

WGS84_A = 6_378_137.0  #: WGS-84 semi-major axis [m]
K_STANDARD = 4.0 / 3.0  #: standard-atmosphere effective earth radius factor [-]

_GEOD = Geod(ellps="WGS84")


@lru_cache(maxsize=16)
def transformer(src, dst) -> Transformer:
    """The (always x/y) transformer between two CRSs (strings or pyproj CRS objects), cached:
    Transformers are immutable, so caching changes no result and saves their set-up."""
    return Transformer.from_crs(src, dst, always_xy=True)


def effective_radius(k: float = K_STANDARD) -> float:
    """Effective earth radius k·a [m] for refraction factor ``k`` [-]."""
    if not k > 0:
        raise ValueError(f"k must be > 0, got {k}")
    return k * WGS84_A


def curvature_drop(ground_range_m, k: float = K_STANDARD):
    """Drop of the effective earth below the tangent plane at ground range d: d²/(2ka) [m].

    This is the correction GDAL's viewshed applies with ``-cc 1/k``.
    """
    d = np.asarray(ground_range_m, dtype=float)
    return d * d / (2.0 * effective_radius(k))


def geodetic_to_ecef(lat_deg, lon_deg, h_m=0.0):
    """Geodetic (lat, lon [°], ellipsoidal height [m]) → ECEF (x, y, z) [m]."""
    lat, lon, h = np.broadcast_arrays(
        np.asarray(lat_deg, float), np.asarray(lon_deg, float), np.asarray(h_m, float)
    )
    x, y, z = transformer("EPSG:4979", "EPSG:4978").transform(lon, lat, h)
    return np.asarray(x), np.asarray(y), np.asarray(z)


def ecef_to_geodetic(x_m, y_m, z_m):
    """ECEF (x, y, z) [m] → geodetic (lat [°], lon [°], ellipsoidal height [m])."""
    x, y, z = np.broadcast_arrays(
        np.asarray(x_m, float), np.asarray(y_m, float), np.asarray(z_m, float)
    )
    lon, lat, h = transformer("EPSG:4978", "EPSG:4979").transform(x, y, z)
    return np.asarray(lat), np.asarray(lon), np.asarray(h)


def _enu_rotation(lat0_deg: float, lon0_deg: float) -> np.ndarray:
    """Rows are the E, N, U unit vectors in ECEF at (lat0, lon0)."""
    phi, lam = np.radians(lat0_deg), np.radians(lon0_deg)
    sp, cp, sl, cl = np.sin(phi), np.cos(phi), np.sin(lam), np.cos(lam)
    return np.array([[-sl, cl, 0.0], [-sp * cl, -sp * sl, cp], [cp * cl, cp * sl, sp]])


def ecef_to_enu(x_m, y_m, z_m, lat0_deg: float, lon0_deg: float, h0_m: float = 0.0):
    """ECEF [m] → local east, north, up [m] about the origin (lat0, lon0 [°], h0 [m])."""
    x0, y0, z0 = (float(v) for v in geodetic_to_ecef(lat0_deg, lon0_deg, h0_m))
    d = np.stack(np.broadcast_arrays(np.asarray(x_m, float) - x0,
                                     np.asarray(y_m, float) - y0,
                                     np.asarray(z_m, float) - z0))
    e, n, u = np.einsum("ij,j...->i...", _enu_rotation(lat0_deg, lon0_deg), d)
    return e, n, u


def enu_to_ecef(e_m, n_m, u_m, lat0_deg: float, lon0_deg: float, h0_m: float = 0.0):
    """Local east, north, up [m] about (lat0, lon0 [°], h0 [m]) → ECEF [m]."""
    x0, y0, z0 = (float(v) for v in geodetic_to_ecef(lat0_deg, lon0_deg, h0_m))
    v = np.stack(np.broadcast_arrays(np.asarray(e_m, float), np.asarray(n_m, float),
                                     np.asarray(u_m, float)))
    dx, dy, dz = np.einsum("ji,j...->i...", _enu_rotation(lat0_deg, lon0_deg), v)
    return dx + x0, dy + y0, dz + z0


def geodetic_to_enu(lat_deg, lon_deg, h_m, lat0_deg: float, lon0_deg: float, h0_m: float = 0.0):
    """Geodetic [°, °, m] → ENU [m] about (lat0, lon0, h0)."""
    return ecef_to_enu(*geodetic_to_ecef(lat_deg, lon_deg, h_m), lat0_deg, lon0_deg, h0_m)


def enu_to_geodetic(e_m, n_m, u_m, lat0_deg: float, lon0_deg: float, h0_m: float = 0.0):
    """ENU [m] about (lat0, lon0, h0) → geodetic (lat [°], lon [°], h [m])."""
    return ecef_to_geodetic(*enu_to_ecef(e_m, n_m, u_m, lat0_deg, lon0_deg, h0_m))


def enu_to_aer(e_m, n_m, u_m):
    """ENU [m] → azimuth (clockwise from north) [rad] in [0, 2π), elevation [rad], range [m]."""
    e, n, u = (np.asarray(a, float) for a in (e_m, n_m, u_m))
    horiz = np.hypot(e, n)
    az = np.mod(np.arctan2(e, n), 2.0 * np.pi)
    el = np.arctan2(u, horiz)
    return az, el, np.hypot(horiz, u)


def aer_to_enu(az_rad, el_rad, range_m):
    """Azimuth, elevation [rad], slant range [m] → ENU [m]."""
    az, el, r = (np.asarray(a, float) for a in (az_rad, el_rad, range_m))
    horiz = r * np.cos(el)
    return horiz * np.sin(az), horiz * np.cos(az), r * np.sin(el)


def geodesic_inverse(lat1_deg, lon1_deg, lat2_deg, lon2_deg):
    """Forward azimuth at point 1 [rad, clockwise from north] and geodesic distance [m]."""
    a = np.broadcast_arrays(*(np.asarray(v, float) for v in (lon1_deg, lat1_deg,
                                                              lon2_deg, lat2_deg)))
    az12, _, dist = _GEOD.inv(*a)
    return np.mod(np.radians(az12), 2 * np.pi), np.asarray(dist)


def geodesic_forward(lat_deg, lon_deg, az_rad, dist_m):
    """Point reached from (lat, lon) [°] along azimuth [rad] after distance [m]: (lat, lon) [°]."""
    lon, lat, az, d = np.broadcast_arrays(*(np.asarray(v, float) for v in (
        lon_deg, lat_deg, np.degrees(az_rad), dist_m)))
    lon2, lat2, _ = _GEOD.fwd(lon, lat, az, d)
    return np.asarray(lat2), np.asarray(lon2)


def aeqd_crs(lat0_deg: float, lon0_deg: float) -> CRS:
    """Azimuthal equidistant CRS on WGS-84 centred on (lat0, lon0) [°], metres."""
    return CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat0_deg:.10f} +lon_0={lon0_deg:.10f} +datum=WGS84 +units=m +no_defs"
    )


@dataclass(frozen=True)
class SiteGrid:
    """A square site-centred azimuthal-equidistant grid with the site on the centre cell.

    Parameters
    ----------
    lat0_deg, lon0_deg
        The site [°].
    half_cells
        Cells on each side of the centre: the grid is ``n = 2·half_cells + 1`` cells square.
    cell_m
        Cell size [m].

    Row 0 is the northernmost row (GeoTIFF order); column 0 the westernmost.
    """

    lat0_deg: float
    lon0_deg: float
    half_cells: int
    cell_m: float

    def __post_init__(self):
        if self.half_cells < 0 or self.cell_m <= 0:
            raise ValueError("half_cells must be >= 0 and cell_m > 0")

    @classmethod
    def covering(cls, lat0_deg: float, lon0_deg: float, radius_m: float, cell_m: float):
        """The smallest grid whose half-width reaches ``radius_m`` [m] from the site."""
        return cls(lat0_deg, lon0_deg, int(np.ceil(radius_m / cell_m)), cell_m)

    @property
    def n(self) -> int:
        """Cells along each side (odd)."""
        return 2 * self.half_cells + 1

    @property
    def crs(self) -> CRS:
        return aeqd_crs(self.lat0_deg, self.lon0_deg)

    @property
    def x(self) -> np.ndarray:
        """Easting of cell centres, west to east [m]."""
        return (np.arange(self.n) - self.half_cells) * self.cell_m

    @property
    def y(self) -> np.ndarray:
        """Northing of cell centres, north to south (row order) [m]."""
        return (self.half_cells - np.arange(self.n)) * self.cell_m

    @property
    def transform(self):
        """Affine transform (rasterio convention) of the grid in its AEQD CRS."""
        from rasterio.transform import from_origin

        edge = (self.half_cells + 0.5) * self.cell_m
        return from_origin(-edge, edge, self.cell_m, self.cell_m)

    def ground_range(self) -> np.ndarray:
        """Distance of each cell centre from the site, (n, n) [m] (exact in AEQD)."""
        return np.hypot(self.x[None, :], self.y[:, None])

    def lonlat(self) -> tuple[np.ndarray, np.ndarray]:
        """Longitude and latitude of each cell centre, each (n, n) [°]."""
        xx, yy = np.meshgrid(self.x, self.y)
        t = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        lon, lat = t.transform(xx, yy)
        return np.asarray(lon), np.asarray(lat)

    def cell_area_m2(self) -> float:
        """Nominal cell area [m²] (AEQD preserves distances from the centre, not areas)."""
        return self.cell_m**2


def effective_earth_geometry(ground_range_m, h1_m, h2_m, k: float = K_STANDARD):
    """Slant range [m] and elevation angle [rad] from a point at height h1 to one at h2.

    Both heights are above the (effective) spherical earth of radius k·a; the two points are
    ``ground_range_m`` apart along its surface. Exact spherical geometry, no flat-earth
    approximation.
    """
    R = effective_radius(k)
    d, h1, h2 = np.broadcast_arrays(*(np.asarray(v, float) for v in (ground_range_m, h1_m, h2_m)))
    theta = d / R
    r1, r2 = R + h1, R + h2
    # (r2-r1)^2 + 4 r1 r2 sin^2(θ/2): the law of cosines without its cancellation at small θ
    slant = np.sqrt((r2 - r1) ** 2 + 4.0 * r1 * r2 * np.sin(0.5 * theta) ** 2)
    # elevation: angle between the local horizontal at point 1 and the line of sight
    with np.errstate(invalid="ignore", divide="ignore"):
        sin_el = (r2 - r1 - 2.0 * r2 * np.sin(0.5 * theta) ** 2) / slant
    el = np.arcsin(np.clip(np.where(slant > 0, sin_el, 0.0), -1.0, 1.0))
    return slant, el
