"""Scenario composition: ``extends:`` a base file, then replace, ``set:``, ``add:``, ``remove:``.

A scenario file may name a base file (a path relative to itself) and change it::

    extends: base.yaml
    name: turkey-2019-nato            # (a) a top-level key replaces the base's whole section
    set:                              # (b) field path -> new value (the path must exist)
      systems[s400-1].roe: weapons_hold
      run.seed: 7
    add:                              # (c) list path -> items to append,
      air_objects: [{id: thy1, ...}]  #     or mapping path -> new entries
      sites: {kurecik: {lat: 38.35, lon: 37.79}}
    remove:                           # (d) paths to delete (all resolved before deleting)
      - systems[s400-2]

The base may itself extend another file; the steps apply in that order (replace, set, add,
remove) from the deepest base up. Paths use :mod:`iads.scenario.paths`. A path that does not
exist in the base, an ``extends:`` loop or a missing base file is a
:class:`iads.errors.ScenarioError` on the child's line that names both the child and the base.
Values keep the file and line they were written on, so later validation errors point into the
file that supplied the value.
"""

from __future__ import annotations

import os
import typing
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from . import paths
from .messages import field_names_at, schema_type_at
from .safeyaml import LocatedDict, LocatedList, load_file, mark, origin

__all__ = ["compose_file", "DIRECTIVES"]

#: Top-level keys that steer composition and are not part of the scenario itself.
DIRECTIVES = ("extends", "set", "add", "remove")


def _err(where, field: str | None, message: str, **kw) -> ScenarioError:
    file, line = where if where is not None else (None, None)
    return ScenarioError(message, file=file, line=line or None, field=field, **kw)


def _top_mapping(data: Any, file: Path) -> LocatedDict:
    if data is None:
        raise ScenarioError(
            "empty file", file=str(file), expected="a mapping of scenario sections", found="nothing"
        )
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"the single value {data!r}"
        raise ScenarioError(
            "", file=str(file), line=1, expected="a mapping of scenario sections", found=kind
        )
    return data


def compose_file(
    path: str | Path, schema: type | None = None, _chain: tuple[Path, ...] = ()
) -> tuple[LocatedDict, list]:
    """Load ``path`` and everything it extends; returns the composed data and the files.

    The files are listed from ``path`` down to the deepest base. Directives (``extends``,
    ``set``, ``add``, ``remove``) are consumed and do not appear in the result. With a
    ``schema`` (a pydantic model of the whole file), ``set:`` and ``add:`` may also name a
    field of the schema that the base leaves out (so takes its default); without one, every
    path must exist in the base data.
    """
    path = Path(path)
    data = _top_mapping(load_file(path), path)
    if "extends" not in data:
        for d in ("set", "add", "remove"):
            if d in data:
                raise _err(
                    origin(data, d), d, f"'{d}:' changes a base scenario: add 'extends: <file>'"
                )
        return data, [path]

    ext = data["extends"]
    where = origin(data, "extends")
    if not isinstance(ext, str) or not ext.strip():
        raise _err(
            where, "extends", "", expected="the path of a base scenario file", found=repr(ext)
        )
    base = Path(os.path.normpath(path.parent / ext))
    key = base.resolve()
    chain = (*_chain, path.resolve())
    if key in chain:
        loop = " -> ".join(_relative((*chain[chain.index(key) :], key)))
        raise _err(where, "extends", f"circular inheritance: {loop}")
    if not base.is_file():
        raise _err(
            where,
            "extends",
            f"{path} extends {base}, which does not exist",
            expected="an existing scenario file",
            found=repr(ext),
        )
    composed, files = compose_file(base, schema, chain)
    _apply(composed, data, path, base, schema)
    return composed, [path, *files]


def _relative(chain) -> list[str]:
    here = Path.cwd()
    out = []
    for p in chain:
        try:
            out.append(str(p.relative_to(here)))
        except ValueError:
            out.append(str(p))
    return out


def _apply(
    base: LocatedDict, child: LocatedDict, child_file: Path, base_file: Path, schema
) -> None:
    """Apply the child's replacements and directives to ``base`` in place."""
    for k, v in child.items():
        if k not in DIRECTIVES:
            base[k] = v
            mark(base, k, origin(child, k))

    def fail(where, field, reason):
        return _err(where, field, f"not in the base {base_file}: {reason}")

    def target(parts, where, field, make_container):
        """(container, key) of ``parts`` in ``base``; a schema field the base leaves out
        (a default) may be created."""
        try:
            return paths.resolve(base, parts)
        except paths.PathError as exc:
            last = parts[-1]
            if schema is not None and exc.depth == len(parts) - 1 and isinstance(last, paths.Key):
                parent_loc = paths.concrete(base, parts[:-1]) if len(parts) > 1 else ()
                parent = paths.get_path(base, parts[:-1]) if len(parts) > 1 else base
                if isinstance(parent, dict) and last.name in field_names_at(schema, parent_loc):
                    if make_container:
                        tp = typing.get_origin(schema_type_at(schema, (*parent_loc, last.name)))
                        if tp in (list, dict):
                            cls = LocatedList if tp is list else LocatedDict
                            parent[last.name] = cls(file=where[0], line=where[1])
                            mark(parent, last.name, where)
                    return parent, last.name
            raise fail(where, field, exc.reason) from None

    if "set" in child:
        edits = child["set"]
        if not isinstance(edits, dict):
            raise _err(
                origin(child, "set"),
                "set",
                "",
                expected="a mapping of path: value",
                found=_what(edits),
            )
        for p, value in edits.items():
            where = origin(edits, p)
            container, k = target(_parse(p, where, "set"), where, f"set.{p}", False)
            container[k] = value
            mark(container, k, where)

    if "add" in child:
        edits = child["add"]
        if not isinstance(edits, dict):
            raise _err(
                origin(child, "add"),
                "add",
                "",
                expected="a mapping of path: items",
                found=_what(edits),
            )
        for p, value in edits.items():
            where = origin(edits, p)
            parts = _parse(p, where, "add")
            container, k = target(parts, where, f"add.{p}", True)
            items = container.get(k) if isinstance(container, dict) else container[k]
            before = len(items) if isinstance(items, list) else 0
            try:
                paths.add_path(base, parts, value)
            except paths.PathError as exc:
                raise _err(where, f"add.{p}", exc.reason) from None
            if isinstance(items, LocatedList):
                for i in range(before, len(items)):
                    mark(items, i, origin(value, i - before) or where)
            elif isinstance(items, LocatedDict):
                for key in value:
                    mark(items, key, origin(value, key) or where)

    if "remove" in child:
        edits = child["remove"]
        if not isinstance(edits, list):
            raise _err(
                origin(child, "remove"),
                "remove",
                "",
                expected="a list of paths",
                found=_what(edits),
            )
        parsed = []
        for i, p in enumerate(edits):
            where = origin(edits, i)
            parts = _parse(p, where, f"remove[{i}]")
            try:
                paths.resolve(base, parts)
            except paths.PathError as exc:
                raise fail(where, f"remove[{i}]", exc.reason) from None
            parsed.append(parts)
        paths.remove_paths(base, parsed)


def _parse(p: Any, where, field: str):
    if not isinstance(p, str):
        raise _err(
            where, field, "", expected="a field path such as 'systems[s400-1].roe'", found=repr(p)
        )
    try:
        return paths.parse_path(p)
    except paths.PathError as exc:
        raise _err(where, f"{field}", f"bad path {p!r}: {exc.reason}") from None


def _what(x: Any) -> str:
    if isinstance(x, dict):
        return "a mapping"
    if isinstance(x, list):
        return "a list"
    return repr(x)
