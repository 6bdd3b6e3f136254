"""Map background: hillshade against GDAL's own `gdaldem hillshade`; borders sanity."""

import os
import shutil
import subprocess

import numpy as np
import pytest

from iads.basemap import hillshade, load_borders

GDALDEM = shutil.which("gdaldem")
needs_gdal = pytest.mark.skipif(
    GDALDEM is None and os.environ.get("CI") != "true",
    reason="gdaldem (Debian gdal-bin) not installed; required when CI=true",
)


@needs_gdal
def test_hillshade_matches_gdaldem(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import from_origin

    rng = np.random.default_rng(3)
    z = np.cumsum(np.cumsum(rng.normal(0, 5, (60, 80)), 0), 1)  # rough, non-trivial relief
    src, dst = tmp_path / "z.tif", tmp_path / "hs.tif"
    with rasterio.open(src, "w", driver="GTiff", height=60, width=80, count=1, dtype="float64",
                       crs="EPSG:3857", transform=from_origin(0, 0, 90.0, 120.0)) as ds:
        ds.write(z, 1)
    subprocess.run([GDALDEM, "hillshade", "-q", "-az", "300", "-alt", "40", "-of", "GTiff",
                    str(src), str(dst)], check=True)
    with rasterio.open(dst) as ds:
        ref = ds.read(1).astype(float)
    ours = hillshade(z, 90.0, 120.0, azimuth_deg=300, altitude_deg=40)
    inner = (slice(1, -1), slice(1, -1))
    # gdaldem writes bytes with 0 reserved for nodata: values are 1 + round(254 * shade)
    np.testing.assert_allclose(ours[inner] * 254 / 255 + 1, ref[inner], atol=1.01)


def test_hillshade_flat_and_facing_slopes():
    flat = hillshade(np.zeros((5, 5)), 30, 30, altitude_deg=45)
    assert flat[2, 2] == pytest.approx(255 * np.sin(np.radians(45)))
    x = np.arange(7) * 30.0
    east_up = np.tile(x, (7, 1))  # rises to the east: faces west, lit by a west light
    lit = hillshade(east_up, 30, 30, azimuth_deg=270, altitude_deg=30)[3, 3]
    dark = hillshade(east_up, 30, 30, azimuth_deg=90, altitude_deg=30)[3, 3]
    # 45° slope facing the light at 30° elevation: cos(angle between normal and light)
    assert lit == pytest.approx(255 * np.cos(np.radians(15)))
    assert dark == pytest.approx(0.0)


def test_borders_cover_the_region():
    names = {n for n, _ in load_borders((25.0, 35.0, 45.0, 43.0))}
    assert {"Turkey", "Greece", "Syria", "Georgia"} <= names
    turkey = dict(load_borders())["Turkey"]
    lon = np.concatenate([r[:, 0] for r in turkey])
    lat = np.concatenate([r[:, 1] for r in turkey])
    # Turkey spans roughly 26–45° E, 36–42° N (its extreme points)
    assert 25.5 < lon.min() < 26.5 and 44.5 < lon.max() < 45.0
    assert 35.7 < lat.min() < 36.1 and 41.9 < lat.max() < 42.2
