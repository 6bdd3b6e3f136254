"""Parameter grids: field paths of a scenario and the values each takes.

A grid file is YAML: a mapping from a field path (:mod:`iads.scenario.paths`: ``.key``,
``[n]``, ``[id]``) to a list of values or a range::

    coverage.pd: [0.5, 0.7, 0.9]                              # a list of values
    terrain.k_factor: {start: 1.0, stop: 1.4, step: 0.2}      # 1.0, 1.2, 1.4 (stop included)
    systems[s400-1].fire_units[fu1].launchers[0].count: [2, 4]

The grid's points are the Cartesian product of all parameters, in file order (the first
parameter varies slowest). A range includes ``stop`` when it falls on the grid (within 1e-9 of a
step); its values are rounded to 12 significant digits, and are integers when ``start``,
``stop`` and ``step`` are. A path may name a field the scenario leaves at its schema default
(``coverage.pd`` in a scenario without a ``coverage:`` section).

Each point is applied to a copy of the composed scenario data and the result is validated by
the scenario schema and checks, so a value of the wrong type or out of range fails before
anything runs, with the grid file, the line of its parameter, the point and the field::

    grid.yaml:2: coverage.pd: grid point 1 (coverage.pd=1.5): expected a probability ...
"""

from __future__ import annotations

import copy
import difflib
import itertools
import json
import math
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import ScenarioError
from ..scenario import paths
from ..scenario.messages import field_names_at, schema_type_at
from ..scenario.safeyaml import LocatedDict, load_file, mark, origin
from .seeds import point_key

__all__ = [
    "MAX_POINTS",
    "MAX_VALUES",
    "Parameter",
    "Point",
    "Grid",
    "load_grid",
    "grid_from_mapping",
    "expand_range",
    "apply_point",
    "point_scenarios",
]

#: Most points a grid may have.
MAX_POINTS = 100_000
#: Most values one range may expand to.
MAX_VALUES = 10_000
_RANGE_KEYS = ("start", "stop", "step")


@dataclass(frozen=True)
class Parameter:
    """One grid dimension: a field path, its values, and the grid-file line it is written on."""

    path: str
    values: tuple
    line: int | None = None


@dataclass(frozen=True)
class Point:
    """One grid point: its index, ``{path: value}`` and its canonical key (seeds, storage)."""

    id: int
    values: dict
    key: str

    def label(self, limit: int = 40) -> str:
        """``path=value, ...`` for messages and plot legends."""
        if not self.values:
            return "no parameters"
        parts = []
        for p, v in self.values.items():
            text = json.dumps(v, default=str, ensure_ascii=False)
            parts.append(f"{p}={text if len(text) <= limit else text[:limit] + '...'}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Grid:
    """A parameter grid (no parameters: one point, the scenario as it is)."""

    parameters: tuple[Parameter, ...] = ()
    file: str | None = None

    @property
    def size(self) -> int:
        return math.prod(len(p.values) for p in self.parameters)

    def points(self) -> list[Point]:
        """Every point, the first parameter varying slowest."""
        names = [p.path for p in self.parameters]
        out = []
        for i, combo in enumerate(itertools.product(*(p.values for p in self.parameters))):
            values = dict(zip(names, combo, strict=True))
            out.append(Point(i, values, point_key(values)))
        return out

    def to_json(self) -> dict:
        """The grid as plain data (for the study manifest)."""
        return {p.path: json.loads(json.dumps(list(p.values), default=str))
                for p in self.parameters}


def _err(file, line, field, message, **kw) -> ScenarioError:
    return ScenarioError(message, file=None if file is None else str(file), line=line,
                         field=field, **kw)


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def expand_range(spec: Mapping, file=None, line=None, field=None) -> list:
    """The values of a range ``{start, stop, step}``, ``stop`` included when on the grid.

    >>> expand_range({"start": 1.0, "stop": 1.4, "step": 0.2})
    [1.0, 1.2, 1.4]
    >>> expand_range({"start": 10, "stop": 0, "step": -5})
    [10, 5, 0]
    """
    keys = set(spec)
    if keys != set(_RANGE_KEYS):
        extra = sorted(keys - set(_RANGE_KEYS))
        missing = [k for k in _RANGE_KEYS if k not in keys]
        what = (f"unknown key(s) {', '.join(map(repr, extra))}" if extra else
                f"missing {', '.join(map(repr, missing))}")
        hint = ""
        if extra:
            close = difflib.get_close_matches(extra[0], missing or _RANGE_KEYS, n=1,
                                              cutoff=0.5)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise _err(file, line, field, f"a range has exactly the keys start, stop, step: "
                                      f"{what}{hint}")
    start, stop, step = (spec[k] for k in _RANGE_KEYS)
    for k in _RANGE_KEYS:
        if not _is_number(spec[k]) or not math.isfinite(spec[k]):
            raise _err(file, line, field, f"range {k}", expected="a finite number",
                       found=repr(spec[k]))
    if step == 0:
        raise _err(file, line, field, "range step", expected="a non-zero number", found="0")
    span = (stop - start) / step
    if span < -1e-9:
        raise _err(file, line, field, f"empty range: from {start} to {stop} in steps of {step} "
                                      "(the step's sign must go from start to stop)")
    count = math.floor(span + 1e-9) + 1
    if count > MAX_VALUES:
        raise _err(file, line, field, f"the range has {count:,} values (limit {MAX_VALUES:,})")
    if all(isinstance(spec[k], int) for k in _RANGE_KEYS):
        return [start + i * step for i in range(count)]
    return [float(f"{start + i * step:.12g}") for i in range(count)]


def _close(word: str, names) -> str:
    close = difflib.get_close_matches(word, [str(n) for n in names], n=3, cutoff=0.6)
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def _target(data: Any, parts: tuple, schema: type[BaseModel] | None, text: str,
            where: tuple | None = None, create: bool = True) -> tuple[Any, Any]:
    """(container, key) of the field ``parts`` names in ``data``.

    A mapping field the data leaves out but the schema has (so it takes its default) is
    created empty on the way (``create``); the last part may be such a field.
    """
    while True:
        try:
            return paths.resolve(data, parts)
        except paths.PathError as exc:
            d = exc.depth
            part = parts[d]
            node = paths.get_path(data, parts[:d]) if d else data
            if not (isinstance(part, paths.Key) and isinstance(node, dict)
                    and part.name not in node):
                raise
            loc = paths.concrete(data, parts[:d]) if d else ()
            names = field_names_at(schema, loc) if schema is not None else []
            here = paths.format_path(parts[:d]) or "the top level"
            if part.name not in names:
                raise paths.PathError(
                    text, d, f"no field {part.name!r} in {here}"
                    + _close(part.name, [*node, *names])) from None
            if d == len(parts) - 1:
                return node, part.name
            tp = schema_type_at(schema, (*loc, part.name))
            if not ((isinstance(tp, type) and issubclass(tp, BaseModel))
                    or typing.get_origin(tp) is dict):
                raise paths.PathError(
                    text, d, f"{paths.format_path(parts[:d + 1])} is not in the scenario and "
                    "is not a mapping: set the whole field instead") from None
            if not create:
                return node, part.name
            file, line = where if where is not None else ("", 0)
            node[part.name] = LocatedDict(file=file, line=line or 0)
            mark(node, part.name, where)


def grid_from_mapping(spec: Mapping, data: Any = None, file: str | Path | None = None,
                      schema: type[BaseModel] | None = None) -> Grid:
    """Build a :class:`Grid` from ``{path: values}``, checking every path against ``data``.

    ``data`` is the composed scenario data (the paths are resolved in it; ``None`` skips the
    check); ``schema`` (the :class:`~iads.scenario.Scenario` model) lets a path name a field
    the data leaves at its default.
    """
    if spec is None or (isinstance(spec, Mapping) and not spec):
        raise _err(file, None, None, "empty grid: give field paths and their values, e.g. "
                                     "'coverage.pd: [0.5, 0.9]'")
    if not isinstance(spec, Mapping):
        kind = "a list" if isinstance(spec, list) else repr(spec)
        raise _err(file, 1 if file else None, None, "a grid is a mapping of field path -> "
                   "values", expected="a mapping such as 'coverage.pd: [0.5, 0.9]'", found=kind)
    scratch = copy.deepcopy(data) if data is not None else None
    params: list[Parameter] = []
    seen: dict[tuple, tuple[str, int | None]] = {}
    for raw_path, values in spec.items():
        where = origin(spec, raw_path)
        line = where[1] if where else None
        try:
            parts = paths.parse_path(raw_path)
        except paths.PathError as exc:
            raise _err(file, line, str(raw_path), f"bad field path: {exc.reason}") from None
        text = paths.format_path(parts)
        if scratch is not None:
            try:
                container, key = _target(scratch, parts, schema, text, where)
            except paths.PathError as exc:
                raise _err(file, line, text, f"not in the scenario: {exc.reason}") from None
            conc = (*(paths.concrete(scratch, parts[:-1]) if len(parts) > 1 else ()), key)
            for other, (other_text, other_line) in seen.items():
                n = min(len(other), len(conc))
                if other[:n] == conc[:n]:
                    same = "the same field as" if len(other) == len(conc) else "overlaps"
                    raise _err(file, line, text, f"names {same} {other_text!r} "
                               f"(line {other_line}): each field may appear once")
            seen[conc] = (text, line)
        if isinstance(values, Mapping):
            vals = expand_range(values, file, line, text)
        elif isinstance(values, list):
            vals = list(values)
        else:
            raise _err(file, line, text, "", expected="a list of values or a range "
                       "{start, stop, step}", found=repr(values))
        if not vals:
            raise _err(file, line, text, "", expected="at least one value", found="[]")
        params.append(Parameter(text, tuple(vals), line))
    grid = Grid(tuple(params), None if file is None else str(file))
    if grid.size > MAX_POINTS:
        raise _err(file, None, None, f"the grid has {grid.size:,} points (limit {MAX_POINTS:,})")
    return grid


def load_grid(path: str | Path, data: Any = None, schema: type[BaseModel] | None = None) -> Grid:
    """Read a grid file (hardened YAML loader) and check it: see :func:`grid_from_mapping`."""
    spec = load_file(path)
    return grid_from_mapping(spec, data, path, schema)


def apply_point(data: Any, grid: Grid, point: Point, schema: type[BaseModel] | None = None):
    """A copy of ``data`` with the point's values set; each value remembers its grid line."""
    out = copy.deepcopy(data)
    for p in grid.parameters:
        where = (grid.file, p.line) if grid.file is not None and p.line else None
        container, key = _target(out, paths.parse_path(p.path), schema, p.path, where)
        container[key] = copy.deepcopy(point.values[p.path])
        mark(container, key, where)
    return out


def point_scenarios(data: Any, grid: Grid, catalog, files=(), schema=None) -> list:
    """The validated scenario of every grid point (all checked before any is used).

    Raises :class:`ScenarioError` naming the grid file, the parameter's line, the point and the
    field for the first point that the schema or the checks refuse.
    """
    from ..scenario import Scenario, validate_data

    schema = schema or Scenario
    out = []
    for point in grid.points():
        d = apply_point(data, grid, point, schema)
        try:
            out.append(validate_data(d, catalog, files))
        except ScenarioError as exc:
            raise _at_point(exc, grid, point) from None
    return out


def _at_point(exc: ScenarioError, grid: Grid, point: Point) -> ScenarioError:
    label = f"grid point {point.id} ({point.label()})"
    if grid.file is not None and exc.file is not None and str(exc.file) == grid.file:
        msg = f"{label}: {exc.message}" if exc.message else label
        return ScenarioError(msg, file=exc.file, line=exc.line, field=exc.field,
                             expected=exc.expected, found=exc.found)
    # the problem shows elsewhere (a cross-field check): blame the parameter it concerns
    field = exc.field or ""
    param = next((p for p in grid.parameters if field.startswith(p.path)), None)
    param = param or (grid.parameters[0] if grid.parameters else None)
    return ScenarioError(f"{label}: {exc.one_line()}", file=grid.file,
                         line=param.line if param is not None else None)
