"""The study folder: a manifest, the grid points, and one folder of Parquet files per chunk.

Layout of ``DIR``::

    manifest.json          the study: scenario hash and data, grid, root seed, replications,
                           model, sampling, catalog hash; package versions (provenance)
    points.parquet         one row per grid point: point_id, point (its key), one column per
                           parameter (lists and mixed types as JSON text)
    chunks/<name>/         one finished chunk: runs.parquet, metrics.parquet[, events.parquet]
    tmp/                   chunks being written
    .lock                  held (flock) by the sweep writing into the folder
    summary.csv/.parquet   per grid point and metric (:mod:`iads.sweep.summary`)
    plots/                 metric vs parameter (PNG)

A chunk is written into ``tmp/`` and then renamed into ``chunks/`` with one ``os.replace`` (a
rename within one file system: atomic). A chunk folder therefore holds all of its files or does
not exist, whatever kills the process and when: an interrupted sweep loses at most the chunks
in flight, and ``--resume`` runs exactly the replications no chunk holds.

The manifest is written once, atomically, before the first chunk. Its ``study`` part is the
study's identity; a folder whose identity differs is refused and left untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import IadsError

__all__ = ["FORMAT", "Store", "canonical_json", "sha256_of", "versions", "points_table"]

FORMAT = "iads-sweep/1"
MANIFEST = "manifest.json"
POINTS = "points.parquet"


def canonical_json(data: Any) -> str:
    """JSON with sorted keys and no spaces (dates and other objects as text)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str,
                      ensure_ascii=False)


def sha256_of(data: Any) -> str:
    """SHA-256 of the canonical JSON of ``data`` [hex]."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def versions() -> dict[str, str]:
    """Versions of Python and of the packages that can change a study's numbers or files."""
    from importlib import metadata

    out = {"python": platform.python_version()}
    for pkg in ("iads", "numpy", "scipy", "numba", "pydantic", "pyarrow", "duckdb", "dask",
                "distributed"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def points_table(points, parameters):
    """Arrow table of the grid points: point_id, point key, one column per parameter."""
    import pyarrow as pa

    cols = {"point_id": pa.array([p.id for p in points], pa.int32()),
            "point": pa.array([p.key for p in points], pa.string())}
    for param in parameters:
        values = [p.values[param.path] for p in points]
        try:
            if any(isinstance(v, list | dict) or v is None for v in values):
                raise TypeError
            arr = pa.array(values)
            if pa.types.is_null(arr.type) or pa.types.is_nested(arr.type):
                raise TypeError
        except (TypeError, pa.ArrowException):
            arr = pa.array([json.dumps(v, default=str, ensure_ascii=False) for v in values],
                           pa.string())
        cols[param.path] = arr
    return pa.table(cols)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class Store:
    """Reads and writes one study folder."""

    def __init__(self, directory: str | Path) -> None:
        self.dir = Path(directory)
        self.chunks = self.dir / "chunks"
        self.tmp = self.dir / "tmp"

    # ---- the manifest ---------------------------------------------------------------------

    def manifest(self) -> dict | None:
        """The stored manifest, or ``None`` if the folder holds none."""
        path = self.dir / MANIFEST
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise IadsError(f"{path} cannot be read ({exc}); not a usable sweep folder",
                            field="--out") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise IadsError(f"{path} is not an iads sweep manifest ({FORMAT})", field="--out")
        return data

    def check(self, manifest: dict, resume: bool, total: int) -> str:
        """Whether this folder can hold the study ``manifest``: ``"new"`` or ``"existing"``.

        Raises :class:`IadsError` (and writes nothing) when the folder holds another study, is
        not a sweep folder, or holds this study and ``resume`` is not set.
        """
        if self.dir.exists() and not self.dir.is_dir():
            raise IadsError(f"{self.dir} exists and is not a folder", field="--out")
        if not self.dir.exists():
            return "new"
        old = self.manifest()
        if old is None:
            if any(p.name != ".lock" for p in self.dir.iterdir()):
                raise IadsError(f"{self.dir} is not empty and holds no sweep ({MANIFEST} "
                                "missing); choose an empty or new folder", field="--out")
            return "new"
        differ = [k for k in sorted(set(old["study"]) | set(manifest["study"]))
                  if old["study"].get(k) != manifest["study"].get(k)]
        if differ:
            raise IadsError(f"{self.dir} holds a different study ({', '.join(differ)} "
                            "differ); its results are left untouched: choose another --out",
                            field="--out")
        if not resume:
            done = len(self.done())
            raise IadsError(f"{self.dir} already holds this study ({done} of {total} "
                            "replications done): add --resume to complete it, or choose "
                            "another --out", field="--out")
        return "existing"

    def create(self, manifest: dict, points) -> None:
        """Write the manifest and the points table of a new study."""
        import pyarrow.parquet as pq

        self.dir.mkdir(parents=True, exist_ok=True)
        self.chunks.mkdir(exist_ok=True)
        tmp = self.dir / f".{POINTS}.{os.getpid()}.tmp"
        pq.write_table(points, tmp)
        os.replace(tmp, self.dir / POINTS)
        data = {**manifest, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        _atomic_write_bytes(self.dir / MANIFEST,
                            json.dumps(data, indent=1, default=str).encode("utf-8"))

    @contextmanager
    def lock(self):
        """Hold the folder's write lock (``DIR/.lock``) while a sweep writes into it.

        An advisory ``flock``: released by the operating system when the holder exits, even
        when killed, so it never needs cleaning up. Another sweep on the same folder is refused
        with :class:`IadsError`. Not available (a no-op) where ``fcntl`` is missing (Windows).
        """
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            yield
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        fh = (self.dir / ".lock").open("a+")
        try:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise IadsError(f"another sweep is writing into {self.dir}; wait for it to "
                                "finish (or stop it), then --resume", field="--out") from None
            yield
        finally:
            fh.close()

    # ---- chunks ---------------------------------------------------------------------------

    def chunk_files(self, table: str = "runs") -> list[Path]:
        """The ``table`` Parquet file of every finished chunk."""
        if not self.chunks.is_dir():
            return []
        return sorted(p for p in self.chunks.glob(f"*/{table}.parquet"))

    def done(self) -> set[tuple[int, int]]:
        """``(point_id, rep)`` of every stored replication (failed ones included)."""
        import pyarrow.dataset as ds

        files = self.chunk_files("runs")
        if not files:
            return set()
        t = ds.dataset([str(f) for f in files], format="parquet").to_table(
            columns=["point_id", "rep"])
        return set(zip(t.column("point_id").to_pylist(), t.column("rep").to_pylist(),
                       strict=True))

    def clean_tmp(self) -> None:
        """Remove chunks left half-written by an interrupted run."""
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write_chunk(self, result) -> float:
        """Store one chunk atomically; returns the time it took [s]."""
        import pyarrow.parquet as pq

        t0 = time.perf_counter()
        work = self.tmp / f"{result.name}.{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        pq.write_table(result.metrics, work / "metrics.parquet")
        if result.events is not None:
            pq.write_table(result.events, work / "events.parquet")
        pq.write_table(result.runs, work / "runs.parquet")
        os.replace(work, self.chunks / result.name)
        return time.perf_counter() - t0
