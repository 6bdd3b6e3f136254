"""Field paths into nested data (dicts and lists): parse, get, set, add, remove.

A path names one value inside a scenario, for overrides (``set:`` in a scenario that
``extends:`` another) and for the grids of a sweep::

    systems[s400-1].fire_units[fu1].launchers[0].count

* ``.key`` (or a leading ``key``) selects the entry ``key`` of a mapping;
* ``[n]`` (digits) selects item ``n`` (0-based) of a list;
* ``[id]`` (anything else: letters, digits, ``-``, ``_``) selects the one item of a list of
  mappings whose ``id`` field equals ``id``.

Paths are strict: every step must exist. A missing step raises :class:`PathError`, which says how
far the path resolved, what was there instead and which names come closest. These are plain
functions on plain data; they know nothing about scenarios or files, so the sweep reuses them.

>>> d = {"systems": [{"id": "s1", "roe": "weapons_hold"}]}
>>> set_path(d, "systems[s1].roe", "weapons_free")["systems"][0]["roe"]
'weapons_free'
>>> get_path(d, "systems[0].roe")
'weapons_free'
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Key",
    "Index",
    "Select",
    "PathError",
    "parse_path",
    "format_path",
    "resolve",
    "concrete",
    "get_path",
    "set_path",
    "add_path",
    "remove_path",
    "remove_paths",
]


@dataclass(frozen=True)
class Key:
    """``.name``: the entry ``name`` of a mapping."""

    name: str


@dataclass(frozen=True)
class Index:
    """``[n]``: item ``n`` of a list."""

    n: int


@dataclass(frozen=True)
class Select:
    """``[id]``: the item of a list of mappings whose ``id`` field is ``id``."""

    id: str


Part = Key | Index | Select

_KEY_RE = re.compile(r"[^.\[\]\s]+")
_INDEX_RE = re.compile(r"\d+")
_ID_RE = re.compile(r"[A-Za-z0-9_\-]+")


class PathError(ValueError):
    """A path that is malformed or does not exist in the data.

    Attributes
    ----------
    path
        The path as text.
    depth
        How many leading parts resolved before the failure.
    reason
        What went wrong, in plain words (names the closest existing names where useful).
    """

    def __init__(self, path: str, depth: int, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.depth = depth
        self.reason = reason


def parse_path(path: str | Sequence[Part]) -> tuple[Part, ...]:
    """Split a path such as ``systems[s400-1].launchers[0].count`` into its parts.

    A sequence of parts is returned unchanged (as a tuple).
    """
    if not isinstance(path, str):
        parts = tuple(path)
        if not parts or not all(isinstance(p, Key | Index | Select) for p in parts):
            raise PathError(repr(path), 0, "expected a path or a sequence of path parts")
        return parts
    m = _KEY_RE.match(path)
    if not m:
        raise PathError(path, 0, "a path starts with a field name, e.g. 'run.seed'")
    parts: list[Part] = [Key(m.group())]
    i, n = m.end(), len(path)
    while i < n:
        if path[i] == ".":
            m = _KEY_RE.match(path, i + 1)
            if not m:
                raise PathError(path, len(parts), f"expected a field name after '.' at {i + 1}")
            parts.append(Key(m.group()))
            i = m.end()
        elif path[i] == "[":
            j = path.find("]", i)
            if j < 0:
                raise PathError(path, len(parts), f"unclosed '[' at character {i}")
            sel = path[i + 1 : j]
            if _INDEX_RE.fullmatch(sel):
                parts.append(Index(int(sel)))
            elif _ID_RE.fullmatch(sel):
                parts.append(Select(sel))
            else:
                raise PathError(
                    path, len(parts), f"expected [index] or [id] at character {i}, found [{sel}]"
                )
            i = j + 1
        else:
            raise PathError(path, len(parts), f"unexpected {path[i]!r} at character {i}")
    return tuple(parts)


def format_path(parts: Sequence[Part]) -> str:
    """The text of a path: the inverse of :func:`parse_path`."""
    out = ""
    for p in parts:
        if isinstance(p, Key):
            out += ("." if out else "") + p.name
        elif isinstance(p, Index):
            out += f"[{p.n}]"
        else:
            out += f"[{p.id}]"
    return out


def _kind(x: Any) -> str:
    if isinstance(x, Mapping):
        return "a mapping"
    if isinstance(x, list | tuple):
        return "a list"
    return f"the value {x!r}"


def _close(word: str, names) -> str:
    close = difflib.get_close_matches(word, [str(n) for n in names], n=3, cutoff=0.6)
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def _listing(names) -> str:
    names = [str(n) for n in names]
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    return f" ({shown})" if names else " (it is empty)"


def _step(node: Any, part: Part, text: str, parts: Sequence[Part], depth: int) -> Any:
    """The concrete key or index that ``part`` selects in ``node``."""
    where = format_path(parts[:depth]) or "the top level"
    if isinstance(part, Key):
        if not isinstance(node, Mapping):
            raise PathError(text, depth, f"{where} is {_kind(node)}, not a mapping with fields")
        if part.name not in node:
            raise PathError(
                text,
                depth,
                f"no field {part.name!r} in {where}; it has{_listing(node)}"
                + _close(part.name, node),
            )
        return part.name
    if not isinstance(node, list | tuple):
        raise PathError(text, depth, f"{where} is {_kind(node)}, not a list")
    if isinstance(part, Index):
        if part.n >= len(node):
            raise PathError(
                text, depth, f"index {part.n} is past the end of {where} ({len(node)} items)"
            )
        return part.n
    hits = [i for i, x in enumerate(node) if isinstance(x, Mapping) and x.get("id") == part.id]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise PathError(text, depth, f"{len(hits)} items of {where} have id {part.id!r}")
    ids = [x.get("id") for x in node if isinstance(x, Mapping) and "id" in x]
    raise PathError(
        text,
        depth,
        f"no item with id {part.id!r} in {where}; ids:{_listing(ids)}" + _close(part.id, ids),
    )


def resolve(data: Any, path: str | Sequence[Part]) -> tuple[Any, Any]:
    """The container holding the value at ``path`` and its key (mapping) or index (list)."""
    parts = parse_path(path)
    text = path if isinstance(path, str) else format_path(parts)
    node = data
    for depth, part in enumerate(parts[:-1]):
        node = node[_step(node, part, text, parts, depth)]
    return node, _step(node, parts[-1], text, parts, len(parts) - 1)


def concrete(data: Any, path: str | Sequence[Part]) -> tuple:
    """The keys and list indices ``path`` selects in ``data`` (``[id]`` becomes its index)."""
    parts = parse_path(path)
    text = path if isinstance(path, str) else format_path(parts)
    node, out = data, []
    for depth, part in enumerate(parts):
        key = _step(node, part, text, parts, depth)
        out.append(key)
        node = node[key]
    return tuple(out)


def get_path(data: Any, path: str | Sequence[Part]) -> Any:
    """The value at ``path`` in ``data``."""
    container, key = resolve(data, path)
    return container[key]


def set_path(data: Any, path: str | Sequence[Part], value: Any) -> Any:
    """Replace the (existing) value at ``path`` by ``value``, in place; returns ``data``."""
    container, key = resolve(data, path)
    if not isinstance(container, MutableMapping | MutableSequence):
        raise PathError(str(path), 0, "the data cannot be changed (not a dict or list)")
    container[key] = value
    return data


def add_path(data: Any, path: str | Sequence[Part], value: Any) -> Any:
    """Add to the list or mapping at ``path``, in place; returns ``data``.

    A list gets the items of ``value`` (a list) appended. A mapping gets the entries of
    ``value`` (a mapping), which must all be new keys (use :func:`set_path` to change one).
    """
    target = get_path(data, path)
    text = path if isinstance(path, str) else format_path(parse_path(path))
    if isinstance(target, MutableSequence):
        if not isinstance(value, list | tuple):
            raise PathError(text, 0, f"{text} is a list: add a list of items, found {_kind(value)}")
        target.extend(value)
    elif isinstance(target, MutableMapping):
        if not isinstance(value, Mapping):
            raise PathError(text, 0, f"{text} is a mapping: add a mapping, found {_kind(value)}")
        taken = [k for k in value if k in target]
        if taken:
            raise PathError(
                text, 0, f"{text} already has {', '.join(map(repr, taken))}; use set: to change it"
            )
        target.update(value)
    else:
        raise PathError(text, 0, f"{text} is {_kind(target)}: only lists and mappings take add")
    return data


def remove_path(data: Any, path: str | Sequence[Part]) -> Any:
    """Delete the mapping entry or list item at ``path``, in place; returns ``data``."""
    return remove_paths(data, [path])


def remove_paths(data: Any, paths: Sequence[str | Sequence[Part]]) -> Any:
    """Delete several entries at once; every path is resolved before anything is deleted.

    So ``[systems[0], systems[1]]`` removes the first two systems, not the first and third.
    """
    targets = [resolve(data, p) for p in paths]
    seen: set[tuple[int, Any]] = set()
    list_items: list[tuple[Any, int]] = []
    for container, key in targets:
        if (id(container), key) in seen:
            continue
        seen.add((id(container), key))
        if isinstance(container, Mapping):
            del container[key]
        else:
            list_items.append((container, key))
    for container, index in sorted(list_items, key=lambda t: -t[1]):
        del container[index]
    return data
