"""`iads coverage --site` end to end against GDAL's gdal_viewshed on the same terrain grid,
and its bad-input handling (one line, exit 2)."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from iads.cli import main
from iads.geodesy import SiteGrid
from iads.terrain import builtin_dem, dem_on_grid, save_grid_geotiff
from iads.viewshed import cell_area_m2

GDAL = shutil.which("gdal_viewshed")


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as e:
        main(args)
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def test_site_json_matches_gdal_viewshed(tmp_path, capsys):
    if GDAL is None:
        if os.environ.get("CI") == "true":
            pytest.fail("gdal_viewshed missing under CI=true: install gdal-bin")
        pytest.skip("gdal_viewshed (Debian gdal-bin) not installed")
    lat, lon, mast, rng_km, cell = 40.08, 32.57, 25.0, 60.0, 1000.0
    heights = [0.0, 100.0, 1000.0, 5000.0]
    code, out, err = run_cli(
        ["coverage", "--site", f"{lat},{lon}", "--antenna-height", str(mast), "--heights",
         ",".join(f"{h:g}" for h in heights), "--max-range", str(rng_km), "--cell", str(cell),
         "--json"], capsys)
    assert code == 0, err
    got = json.loads(out)
    assert list(got) == [f"{h:g}" for h in heights]
    # the peer: the same terrain grid through gdal_viewshed, true cell areas summed
    grid = SiteGrid.covering(lat, lon, rng_km * 1e3, cell)
    z = dem_on_grid(builtin_dem(), grid)
    dem_tif = save_grid_geotiff(tmp_path / "z.tif", z.astype("float32"), grid)
    area = cell_area_m2(grid)
    within = grid.ground_range() <= rng_km * 1e3
    import rasterio

    for h in heights:
        out_tif = tmp_path / f"v{h:g}.tif"
        subprocess.run([GDAL, "-q", "-oz", str(mast), "-tz", str(h), "-cc", "0.75",
                        "-md", str(rng_km * 1e3), "-ox", "0", "-oy", "0", "-vv", "1", "-iv",
                        "0", "-ov", "0", str(dem_tif), str(out_tif)], check=True)
        with rasterio.open(out_tif) as ds:
            vis = ds.read(1) == 1
        want = float((area * (vis & within)).sum() / 1e6)
        assert got[f"{h:g}"] == pytest.approx(want, rel=0.005), h


@pytest.mark.parametrize("args, phrase", [
    (["--site", "40.08,32.57", "--heights", "0,500", "--msl", "--max-range", "50"],
     "lowest terrain"),
    (["--site", "10,10", "--max-range", "50"], "outside the DEM"),
    (["--site", "40.08"], "--site"),
    (["--site", "40.08,32.57", "--heights", "x"], "--heights"),
    (["--site", "40.08,32.57", "--max-range", "1500", "--cell", "1"], "GiB"),
])
def test_bad_site_input_is_one_line(args, phrase, capsys):
    code, out, err = run_cli(["coverage", *args], capsys)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1 and phrase in lines[0] and "Traceback" not in err


def test_corrupt_dem_is_one_line(tmp_path):
    bad = tmp_path / "broken.tif"
    bad.write_bytes(np.random.default_rng(0).bytes(4096))
    r = subprocess.run([sys.executable, "-m", "iads.cli", "coverage", "--site", "40,32",
                        "--dem", str(bad), "--max-range", "20"], capture_output=True, text=True)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "broken.tif" in lines[0]
