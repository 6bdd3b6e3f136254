"""Extract country outlines around the project's region from Natural Earth (npm `world-atlas`).

Reproduces ``src/iads/data/borders_50m.geojson``::

    cd /tmp && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    .venv/bin/python tools/extract_borders.py /tmp/package/countries-50m.json

Natural Earth is public domain; world-atlas (ISC licence, Mike Bostock) converts it to TopoJSON.
Rings are decoded from TopoJSON (quantised, delta-encoded arcs), kept when they touch the box,
and rounded to 0.001° (about 100 m, below the 1:50m source's resolution).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

BOX = (5.0, 20.0, 60.0, 55.0)  # lon_min, lat_min, lon_max, lat_max [°]
OUT = Path(__file__).resolve().parents[1] / "src/iads/data/borders_50m.geojson"


def decode_arcs(topo: dict) -> list[np.ndarray]:
    scale = np.array(topo["transform"]["scale"])
    translate = np.array(topo["transform"]["translate"])
    return [np.cumsum(np.array(a, dtype=float), axis=0) * scale + translate for a in topo["arcs"]]


def ring(arcs: list[np.ndarray], idx: list[int]) -> np.ndarray:
    parts = []
    for i in idx:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(a if not parts else a[1:])
    return np.concatenate(parts)


def main(path: str) -> None:
    topo = json.loads(Path(path).read_text())
    arcs = decode_arcs(topo)
    feats = []
    for geom in topo["objects"]["countries"]["geometries"]:
        polys = geom.get("arcs", [])
        if geom["type"] == "Polygon":
            polys = [polys]
        rings = []
        for poly in polys:
            for r in poly:
                xy = ring(arcs, r)
                lon, lat = xy[:, 0], xy[:, 1]
                if (lon.max() < BOX[0] or lon.min() > BOX[2] or lat.max() < BOX[1]
                        or lat.min() > BOX[3]):
                    continue
                rings.append(np.round(xy, 3).tolist())
        if rings:
            feats.append({"type": "Feature",
                          "properties": {"name": geom["properties"]["name"], "id": geom.get("id")},
                          "geometry": {"type": "MultiLineString", "coordinates": rings}})
    fc = {"type": "FeatureCollection",
          "source": "Natural Earth 1:50m admin-0 countries via npm world-atlas@2.0.2 "
                    "(public domain; world-atlas ISC licence)",
          "features": feats}
    OUT.write_text(json.dumps(fc, separators=(",", ":")))
    print(f"{OUT}: {len(feats)} countries, {OUT.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main(sys.argv[1])
