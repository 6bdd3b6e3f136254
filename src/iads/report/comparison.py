"""A comparison folder written by ``iads compare``, read and checked once at the edge.

Layout (every part but ``comparison.json`` may be missing or partial; the report says so)::

    DIR/comparison.json            variants, claims with measured answers, series, sites, rings,
                                   the catalog figures used (format 1, :class:`ComparisonFile`)
    DIR/coverage/<variant>.nc      the :func:`iads.scenario_coverage` Dataset (netCDF)
    DIR/tracks/<variant>.parquet   time_s, track, lat, lon, alt_m, identity, truth_category, node
    DIR/runs/                      the sweep store behind the numbers

:func:`load_comparison` raises :class:`iads.errors.InputFileError` naming the file, the field
path, what was expected and what was found, for a missing or empty folder or a malformed file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import xarray as xr
from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import InputFileError, format_field_path

__all__ = ["FORMAT", "TRACK_COLUMNS", "Comparison", "ComparisonFile", "load_comparison"]

#: The comparison.json format this reader understands.
FORMAT = 1
#: Columns a tracks Parquet file must hold.
TRACK_COLUMNS = ("time_s", "track", "lat", "lon", "alt_m", "identity", "truth_category", "node")
_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,99}")
#: Boolean layers of a coverage Dataset (netCDF 3 stores them as integers).
_MASKS = ("detection_by_radar", "detection", "detection_by_network", "engagement",
          "engagement_cued")


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Interval(_Model):
    """A measured answer: mean and its confidence interval over ``n`` replications."""

    mean: float
    low: float
    high: float
    n: int


class Measure(_Model):
    metric: str
    unit: str = ""
    values: dict[str, Interval | None] = {}
    note: str = ""


class Claim(_Model):
    id: str
    source: str = ""
    quote: str = ""
    question: str = ""
    measures: list[Measure] = []


class Variant(_Model):
    name: str
    file: str = ""
    label: str = ""
    description: str = ""
    text: str = ""


class CoverageSeries(_Model):
    target: str
    altitude_m: list[float]
    area_km2: list[float | None]
    ring_km2: list[float | None] = []


class SaturationSeries(_Model):
    raid_size: list[float]
    leakers_mean: list[float | None]
    low: list[float | None] = []
    high: list[float | None] = []


class IdentitySeries(_Model):
    truth: list[str]
    identity: list[str]
    minutes: list[list[float | None]]


class Series(_Model):
    coverage_by_altitude: dict[str, CoverageSeries] = {}
    saturation: dict[str, SaturationSeries] = {}
    identity_matrix: dict[str, IdentitySeries] = {}


class Site(_Model):
    variant: str
    id: str
    kind: Literal["radar", "launcher", "command_post", "asset", "sensor"]
    lat: float
    lon: float
    label: str = ""


class Ring(_Model):
    variant: str
    site: str = ""
    lat: float
    lon: float
    radius_km: float
    label: str = ""


class CatalogFigure(_Model):
    kind: str
    id: str
    field: str
    value: float
    low: float | None = None
    high: float | None = None
    unit: str = ""
    source: str | None = None
    source_title: str | None = None
    url: str | None = None
    assumption: str | None = None


class ComparisonFile(_Model):
    """The content of ``comparison.json`` (format 1)."""

    format: Literal[1]
    family: str
    title: str = ""
    created: str = ""
    iads_version: str = ""
    reps: int = 0
    root_seed: int = 0
    variants: list[Variant]
    claims: list[Claim] = []
    series: Series = Series()
    sites: list[Site] = []
    rings: list[Ring] = []
    catalog: list[CatalogFigure] = []


@dataclass
class Comparison:
    """A loaded comparison folder: the JSON, and whatever coverage and tracks it holds."""

    directory: Path
    data: ComparisonFile
    coverage: dict[str, xr.Dataset] = field(default_factory=dict)
    tracks: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    @property
    def variant_names(self) -> list[str]:
        return [v.name for v in self.data.variants]


def _found(value) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _expected(msg: str) -> str:
    msg = msg.replace("Input should be ", "").replace("Field required", "a value (required)")
    return msg[0].lower() + msg[1:] if msg else msg


def _check_file(path: Path, raw) -> ComparisonFile:
    if not isinstance(raw, dict):
        raise InputFileError(file=path, expected="a JSON object", found=_found(raw))
    if "format" not in raw:
        raise InputFileError(file=path, field="format",
                             expected=f"{FORMAT} (the comparison format this iads reads)",
                             found="nothing (the field is missing)")
    if raw["format"] != FORMAT or isinstance(raw["format"], bool):
        raise InputFileError(file=path, field="format",
                             expected=f"{FORMAT} (the comparison format this iads reads)",
                             found=_found(raw["format"]))
    try:
        data = ComparisonFile.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in (
            "Interval", "float", "int", "none")))
        found = "nothing (the field is missing)" if err["type"] == "missing" else _found(
            err.get("input"))
        raise InputFileError(file=path, field=format_field_path(loc),
                             expected=_expected(err["msg"]), found=found) from None
    names = [v.name for v in data.variants]
    if not names:
        raise InputFileError(file=path, field="variants", expected="at least one variant",
                             found="[]")
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise InputFileError(file=path, field="variants", expected="distinct variant names",
                             found=f"{dup!r} twice")
    for i, n in enumerate(names):
        if not _SAFE_NAME.fullmatch(n):
            raise InputFileError(file=path, field=f"variants[{i}].name",
                                 expected="a file-name-safe name (letters, digits, . _ -)",
                                 found=_found(n))
    known = set(names)
    for ci, c in enumerate(data.claims):
        for mi, m in enumerate(c.measures):
            for v in m.values:
                if v not in known:
                    raise InputFileError(
                        file=path, field=f"claims[{ci}].measures[{mi}].values.{v}",
                        expected=f"a variant name ({', '.join(names)})", found=repr(v))
    for key in ("coverage_by_altitude", "saturation", "identity_matrix"):
        for v in getattr(data.series, key):
            if v not in known:
                raise InputFileError(file=path, field=f"series.{key}.{v}",
                                     expected=f"a variant name ({', '.join(names)})",
                                     found=repr(v))
    return data


#: The coverage variables the report draws (the per-radar and per-network stacks are left on disk).
_DRAWN = ("terrain", "detection", "engagement", "engagement_cued", "detection_km2",
          "engagement_km2", "engagement_cued_km2")


def _load_coverage(path: Path) -> xr.Dataset:
    try:
        with xr.open_dataset(path, engine="scipy") as full:
            for name in ("detection", "engagement", "terrain"):
                if name not in full.variables:
                    raise InputFileError(file=path, field=name,
                                         expected="a coverage Dataset of iads.scenario_coverage",
                                         found=f"variables {sorted(map(str, full.data_vars))}")
            ds = full[[v for v in _DRAWN if v in full.data_vars]].load()
    except InputFileError:
        raise
    except Exception as exc:  # corrupt or foreign files: one line naming the file
        raise InputFileError(f"not a readable netCDF coverage file ({exc})", file=path) from None
    for a in ("site_lat_deg", "site_lon_deg", "half_cells", "cell_m"):
        if a not in ds.attrs:
            raise InputFileError(file=path, field=f"attrs.{a}",
                                 expected="the study grid's attributes", found="nothing")
    for name in _MASKS:
        if name in ds:
            ds[name] = ds[name].astype(bool)
    for c in ("target", "radar", "network"):
        if c in ds.coords:
            ds = ds.assign_coords({c: [str(v) for v in ds[c].values]})
    return ds


def _load_tracks(path: Path) -> dict[str, np.ndarray]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise InputFileError(f"not a readable Parquet tracks file ({exc})", file=path) from None
    missing = [c for c in TRACK_COLUMNS if c not in table.column_names]
    if missing:
        raise InputFileError(file=path, field=missing[0], expected=f"columns {TRACK_COLUMNS}",
                             found=f"columns {tuple(table.column_names)}")
    out = {}
    for c in TRACK_COLUMNS:
        col = table.column(c).to_numpy(zero_copy_only=False)
        out[c] = (col.astype(float) if c in ("time_s", "lat", "lon", "alt_m")
                  else np.asarray([str(v) for v in col], dtype=object))
    return out


def load_comparison(directory) -> Comparison:
    """Read and check a comparison folder (see the module docstring for its layout)."""
    d = Path(directory)
    if not d.exists():
        raise InputFileError(file=d, expected="a comparison folder written by `iads compare`",
                             found="no such folder")
    if not d.is_dir():
        raise InputFileError(file=d, expected="a comparison folder written by `iads compare`",
                             found="a file")
    path = d / "comparison.json"
    if not path.is_file():
        what = "an empty folder" if not any(d.iterdir()) else "no comparison.json in it"
        raise InputFileError(file=d, message="no comparison results here",
                             expected="comparison.json written by `iads compare`", found=what)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputFileError(file=path, expected="UTF-8 JSON", found="undecodable bytes") from None
    except json.JSONDecodeError as exc:
        raise InputFileError(file=path, line=exc.lineno, expected="valid JSON",
                             found=exc.msg) from None
    data = _check_file(path, raw)
    comp = Comparison(directory=d, data=data)
    for v in comp.variant_names:
        nc = d / "coverage" / f"{v}.nc"
        if nc.is_file():
            comp.coverage[v] = _load_coverage(nc)
        else:
            comp.missing.append(f"coverage/{v}.nc")
        pqf = d / "tracks" / f"{v}.parquet"
        if pqf.is_file():
            comp.tracks[v] = _load_tracks(pqf)
        else:
            comp.missing.append(f"tracks/{v}.parquet")
    return comp
