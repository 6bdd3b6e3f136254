"""The comparison pipeline: family → study (variants share seeds) → sweep → measures → folder.

Stages, each a function:

1. :func:`iads.compare.family.load_family`: the variants, validated;
2. :func:`define_comparison`: one sweep :class:`iads.sweep.Study` whose points are the
   variants (and, when the engagement model exists, each variant with the family's standard
   raid at each size and with the salvo), every point of one kind sharing the same point key,
   so replication ``r`` of every variant runs with the same seed: common random numbers;
3. :func:`iads.sweep.run_study`: the replications, in parallel, stored in ``DIR/runs``;
4. :func:`iads.compare.coverage.variant_coverage`: each variant's coverage, once;
5. :func:`claim_table` and :func:`iads.compare.write.write_comparison`: the numbers that
   test each claim, with t-intervals, and the comparison folder.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import IadsError

__all__ = ["ComparisonResult", "define_comparison", "compare", "interval", "RAID_NAME",
           "SALVO_NAME"]

RAID_NAME = "compare-raid"
SALVO_NAME = "compare-salvo"


@dataclass(frozen=True)
class ComparisonResult:
    """What :func:`compare` wrote and how long it took.

    ``out`` the comparison folder; ``reps`` replications per variant; ``sweep`` the
    :class:`iads.sweep.SweepResult` of the runs; ``coverage_s``, ``total_s`` wall times [s];
    ``data`` the content of ``comparison.json``.
    """

    out: Path
    reps: int
    sweep: object
    coverage_s: float
    total_s: float
    data: dict


def interval(values, level: float = 0.95) -> dict | None:
    """``{"mean", "low", "high", "n"}``: the mean of ``values`` and its two-sided Student-t
    interval; ``low = high = mean`` when n = 1 (no interval); ``None`` without a finite value.

    >>> interval([1.0, 2.0, 3.0])["mean"]
    2.0
    """
    from scipy.special import stdtrit

    x = np.asarray([v for v in values if v is not None], float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return None
    mean = float(x.mean())
    if x.size < 2:
        return {"mean": mean, "low": mean, "high": mean, "n": int(x.size)}
    half = float(stdtrit(x.size - 1, 1 - (1 - level) / 2) * x.std(ddof=1) / math.sqrt(x.size))
    return {"mean": mean, "low": mean - half, "high": mean + half, "n": int(x.size)}


# ---- stage 2: the study -------------------------------------------------------------------


def _raid_data(data, spec: dict, kind: str, size: int | None, sc):
    """A copy of a variant's composed data with the family's raid (or salvo) and without its
    traffic; ``@assets`` and ``@engagement-radars`` in aim points expand to the variant's."""
    out = copy.deepcopy(data)
    raid = copy.deepcopy(spec[kind])
    aims = []
    for a in raid.get("aim_points", []):
        if a == "@assets":
            aims.extend(x.id for x in sc.assets)
        elif a == "@engagement-radars":
            aims.extend(fu.radar.id for s in sc.systems for fu in s.fire_units)
        else:
            aims.append(a)
    raid["aim_points"] = aims
    raid["id"] = RAID_NAME if kind == "standard" else SALVO_NAME
    raid.setdefault("owner", "red")
    if size is not None:
        raid["count"] = int(size)
    out["raids"] = [raid]
    out["air_objects"] = []
    owners = dict(out.get("owners") or {})
    owners.setdefault(raid["owner"], {"kind": "country", "name": "hypothetical attacker"})
    out["owners"] = owners
    run = dict(out["run"])
    run["duration_s"] = float(spec.get("duration_s", 600))
    out["run"] = run
    if spec.get("roe"):
        for s in out.get("systems", []):
            s["roe"] = spec["roe"]
    if spec.get("terrain_outside"):  # e.g. a ballistic apogee takes the masks past the DEM
        terrain = dict(out.get("terrain") or {})
        terrain["outside"] = spec["terrain_outside"]
        out["terrain"] = terrain
    out["events"] = [e for e in out.get("events", []) if float(e["time_s"]) <= run["duration_s"]]
    return out


def define_comparison(family, reps: int, root_seed: int, catalog, raid: dict | None = None):
    """Stage 2: the sweep study of a family (see the module docstring)."""
    from ..scenario import Scenario, validate_data
    from ..scenario.compose import compose_file
    from ..sweep import Study, _catalog_hash
    from ..sweep.engines import StudyContext
    from ..sweep.grid import Grid, Parameter, Point
    from ..sweep.seeds import point_key
    from ..sweep.store import FORMAT, sha256_of, versions
    from .measures import engagement_available, replication

    rows = []  # (variant, study, size, scenario, key)
    for v in family.variants:
        rows.append((v.name, "picture", 0, v.scenario, point_key({"study": "picture"})))
    if raid and engagement_available():
        for v in family.variants:
            if v.name not in raid.get("variants", [x.name for x in family.variants]):
                continue
            data, files = compose_file(v.file, Scenario)
            for size in raid.get("sizes", [raid["standard"].get("count", 8)]):
                d = _raid_data(data, raid, "standard", size, v.scenario)
                rows.append((v.name, "raid", int(size), validate_data(d, catalog, files),
                             point_key({"study": "raid", "size": int(size)})))
            if raid.get("salvo"):
                d = _raid_data(data, raid, "salvo", None, v.scenario)
                n = int(raid["salvo"].get("count", 1))
                rows.append((v.name, "salvo", n, validate_data(d, catalog, files),
                             point_key({"study": "salvo", "size": n})))
    points = [Point(i, {"variant": r[0], "study": r[1], "raid_size": r[2]}, r[4])
              for i, r in enumerate(rows)]
    params = (Parameter("variant", tuple(r[0] for r in rows)),
              Parameter("study", tuple(r[1] for r in rows)),
              Parameter("raid_size", tuple(r[2] for r in rows)))
    grid = Grid(params)
    identity = {
        "scenario_sha256": sha256_of({r[0] + "/" + r[1] + "/" + str(r[2]):
                                      r[3].model_dump(mode="json") for r in rows}),
        "grid": {"variant": [r[0] for r in rows], "study": [r[1] for r in rows],
                 "raid_size": [r[2] for r in rows]},
        "root_seed": int(root_seed), "reps": int(reps),
        "model": "iads.compare.measures:replication", "sampling": None,
        "catalog_sha256": _catalog_hash(catalog),
    }
    manifest = {
        "format": FORMAT, "study": identity,
        "scenario": {"path": str(family.folder), "files": [str(v.file) for v in family.variants],
                     "name": family.name, "data": None},
        "grid_file": None, "points": len(points),
        "seeds": "replication seed = 63 bits of iads.rng.component_seed(root_seed, 'sweep', "
                 "point key, rep); the point key leaves out the variant, so every variant "
                 "runs replication r with the same seed (common random numbers)",
        "versions": versions(),
    }
    return Study(grid, points, {p.id: r[3] for p, r in zip(points, rows, strict=True)}, reps,
                 StudyContext(replication, catalog, int(root_seed)), manifest)


# ---- the pipeline -------------------------------------------------------------------------


def _load_raid(family) -> dict | None:
    from ..scenario.safeyaml import load_file
    from .family import MANIFEST

    path = family.folder / MANIFEST
    if not path.is_file():
        return None
    data = load_file(path)
    return json.loads(json.dumps(data.get("raid"))) if data.get("raid") else None


def compare(scenario_dir, out, reps: int | None = None, workers: int = 1,
            progress: bool = True, root_seed: int | None = None, catalog=None,
            console=None) -> ComparisonResult:
    """Run every variant of a family with common random numbers and write the comparison.

    Parameters
    ----------
    scenario_dir
        A family folder (``family.yml``, or every ``*.yaml`` in it).
    out
        The comparison folder (see :mod:`iads.compare` for its contract); a folder holding the
        same comparison is completed (its stored replications are kept).
    reps
        Replications per variant (default: the family's ``reps``).
    workers
        Local worker processes for the replications.
    root_seed
        Root seed (default: the family's ``root_seed``).

    Raises
    ------
    iads.errors.IadsError
        Bad input: not a family folder, a bad variant (its file and line), bad options.
    """
    import time

    from ..catalog import load_catalog
    from ..sweep import run_study
    from .family import load_family
    from .write import write_comparison

    t0 = time.perf_counter()
    for name, val, low in (("--reps", reps, 1), ("--workers", workers, 1)):
        if val is not None and (isinstance(val, bool) or not isinstance(val, int) or val < low):
            raise IadsError("", field=name, expected=f"an integer >= {low}", found=repr(val))
    if out is None:
        raise IadsError("give the comparison folder (--out DIR)", field="--out")
    cat = catalog if catalog is not None else load_catalog()
    family = load_family(scenario_dir, catalog=cat)
    reps = family.reps if reps is None else reps
    root = family.root_seed if root_seed is None else int(root_seed)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise IadsError(f"{out} exists and is not a folder", field="--out")
    raid = _load_raid(family)
    study = define_comparison(family, reps, root, cat, raid)
    sweep_res = run_study(study, out / "runs", resume=True, workers=workers,
                          progress=progress, plots=False, console=console, pilot=False)
    data = write_comparison(out, family, study, cat, raid)
    cov_s = data.pop("_coverage_s")
    return ComparisonResult(out, reps, sweep_res, cov_s, time.perf_counter() - t0, data)
