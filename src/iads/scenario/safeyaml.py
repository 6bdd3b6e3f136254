"""Hardened YAML loading for user files, remembering the line of every value.

Scenario files come from users, so reading one must never hang, exhaust memory, run code or
die with a traceback. :func:`load_file` reads a file through these checks, in order:

1. size: at most :data:`MAX_FILE_BYTES` bytes, checked before reading the whole file;
2. encoding: strict UTF-8 (a leading UTF-8 byte-order mark is accepted); an invalid byte is
   reported with its offset, line and column;
3. syntax: PyYAML's pure-Python :class:`yaml.SafeLoader` (subclassed), which never constructs
   arbitrary Python objects; nesting deeper than :data:`MAX_DEPTH` stops composition early, so
   ``[[[[...`` gives a clear error instead of a ``RecursionError``. Where libyaml is installed
   and its event stream shows the nesting within the limit, libyaml composes the same node tree
   faster; every later check runs on it unchanged;
4. the composed node graph, before any Python object is built: aliases are expanded *by
   counting* (memoised, iteratively), so a "billion laughs" file fails in milliseconds once its
   expansion would exceed :data:`MAX_NODES` nodes or :data:`MAX_DEPTH` levels; a recursive alias
   (``&a [*a]``) is rejected;
5. only the standard data tags (mapping, sequence, text, integer, float, boolean, null,
   timestamp, merge ``<<``) are accepted: ``!!python/object`` and any custom ``!tag`` fail;
6. mapping keys must be text and unique (PyYAML alone silently keeps the last duplicate).

Every failure is an :class:`iads.errors.InputFileError` with the file and line.

The result is plain data (dicts, lists, scalars) in which every mapping and list is a
:class:`LocatedDict` / :class:`LocatedList`: a ``dict``/``list`` subclass that also remembers the
file and line of each entry. Aliases are expanded into independent copies, so editing one place
never changes another. Because the location travels with the containers, it survives composition
(``extends:``, ``set:``, ``add:``): :func:`locate` maps any field path of the final data back to
the file and line the value was written on. The composed node tree itself is available from
:func:`compose_text` for callers that want it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import InputFileError

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_INT_BITS",
    "ALLOWED_TAGS",
    "LocatedDict",
    "LocatedList",
    "read_text",
    "decode_utf8",
    "compose_text",
    "load_text",
    "load_file",
    "origin",
    "locate",
    "mark",
]

#: Largest file accepted [bytes].
MAX_FILE_BYTES = 2 * 1024 * 1024
#: Deepest nesting of mappings and lists accepted, aliases expanded.
MAX_DEPTH = 64
#: Most nodes (mappings, lists and scalars) the document may expand to, aliases expanded.
MAX_NODES = 1_000_000

#: Largest integer accepted [bits].
MAX_INT_BITS = 128

_T = "tag:yaml.org,2002:"
_STR, _MERGE = _T + "str", _T + "merge"
#: The YAML tags a user file may use: plain data only.
ALLOWED_TAGS = frozenset(
    _T + t for t in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp", "merge")
)

Origin = tuple[str, int]  # (file, 1-based line)


class LocatedDict(dict):
    """A ``dict`` read from a file that remembers where it and each of its keys were written.

    ``file`` and ``line`` locate the mapping itself; ``lines[key]`` is ``(file, line)`` of the
    entry ``key`` (the line its key is written on).
    """

    __slots__ = ("file", "line", "lines")

    def __init__(self, *args, file: str = "", line: int = 0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.file = file
        self.line = line
        self.lines: dict[Any, Origin] = {}


class LocatedList(list):
    """A ``list`` read from a file; ``lines[i]`` is ``(file, line)`` of item ``i``.

    Appending, inserting and deleting items keep ``lines`` in step (new items have no line of
    their own until :func:`mark` gives them one, and fall back to the list's).
    """

    __slots__ = ("file", "line", "lines")

    def __init__(self, *args, file: str = "", line: int = 0) -> None:
        super().__init__(*args)
        self.file = file
        self.line = line
        self.lines: list[Origin | None] = [None] * len(self)

    def append(self, item) -> None:
        super().append(item)
        self.lines.append(None)

    def extend(self, items) -> None:
        before = len(self)
        super().extend(items)
        self.lines.extend([None] * (len(self) - before))

    def insert(self, index, item) -> None:
        super().insert(index, item)
        self.lines.insert(index, None)

    def pop(self, index=-1):
        item = super().pop(index)
        del self.lines[index]
        return item

    def __delitem__(self, index) -> None:
        super().__delitem__(index)
        del self.lines[index]

    def __setitem__(self, index, value) -> None:
        super().__setitem__(index, value)
        if isinstance(index, slice):  # lines no longer known item by item
            self.lines = [None] * len(self)

    def __iadd__(self, items):
        self.extend(items)
        return self

    def _forget(self) -> None:
        self.lines = [None] * len(self)

    def remove(self, item) -> None:
        super().remove(item)
        self._forget()

    def clear(self) -> None:
        super().clear()
        self._forget()

    def sort(self, *args, **kwargs) -> None:
        super().sort(*args, **kwargs)
        self._forget()

    def reverse(self) -> None:
        super().reverse()
        self._forget()


def origin(container: Any, key: Any = None) -> Origin | None:
    """``(file, line)`` of entry ``key`` of a located container (of the container if ``None``).

    Returns ``None`` for containers that do not carry locations (plain dicts and lists).
    """
    if not isinstance(container, LocatedDict | LocatedList):
        return None
    own = (container.file, container.line)
    if key is None:
        return own
    if isinstance(container, LocatedDict):
        return container.lines.get(key, own)
    if isinstance(key, int) and 0 <= key < len(container):
        item = container[key]
        if isinstance(item, LocatedDict | LocatedList):
            return (item.file, item.line)
        if len(container.lines) == len(container) and container.lines[key] is not None:
            return container.lines[key]
    return own


def mark(container: Any, key: Any, where: Origin | None) -> None:
    """Record that entry ``key`` of a located container now comes from ``where``.

    Used after editing located data (composition) so that errors point at the edit.
    """
    if where is None:
        return
    if isinstance(container, LocatedDict):
        container.lines[key] = where
    elif isinstance(container, LocatedList) and len(container.lines) == len(container):
        if -len(container) <= key < len(container):
            container.lines[key] = where


def locate(data: Any, path) -> Origin | None:
    """``(file, line)`` of the value at ``path`` (a sequence of keys and indices), or of its
    deepest existing parent when the path goes further than the data (a missing field)."""
    best = origin(data)
    node = data
    for part in path:
        if isinstance(node, dict) and not isinstance(part, int) and part in node:
            best = origin(node, part) or best
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            best = origin(node, part) or best
            node = node[part]
        else:
            break
    return best


# --------------------------------------------------------------------------------------------
# reading


def _short(text: str, limit: int = 40) -> str:
    """``repr`` of ``text``, cut to about ``limit`` characters for one-line messages."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text)} chars)"


def _fail(file, line, message) -> InputFileError:
    return InputFileError(message, file=str(file), line=line)


def read_text(path: str | Path) -> str:
    """The text of ``path``, after the size and strict UTF-8 checks.

    Raises
    ------
    InputFileError
        Missing or unreadable file, larger than :data:`MAX_FILE_BYTES`, or not valid UTF-8.
    """
    path = Path(path)
    if not path.exists():
        raise _fail(path, None, "no such file")
    if not path.is_file():
        raise _fail(path, None, "not a regular file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _fail(path, None, f"file too large: {size:,} bytes (limit {MAX_FILE_BYTES:,})")
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _fail(path, None, f"cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise _fail(path, None, f"file too large: over {MAX_FILE_BYTES:,} bytes")
    return decode_utf8(raw, path)


def decode_utf8(raw: bytes, file: str | Path = "<bytes>") -> str:
    """Decode ``raw`` as strict UTF-8 (dropping one leading byte-order mark)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        hint = ""
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            hint = " (the file looks like UTF-16)"
        raise _fail(
            file,
            line,
            f"not valid UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start} "
            f"(line {line}, column {col}){hint}; save the file as UTF-8",
        ) from None


# --------------------------------------------------------------------------------------------
# composing


class _HardenedLoader(yaml.SafeLoader):
    """``SafeLoader`` that refuses nesting deeper than :data:`MAX_DEPTH` while composing."""

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self._file = file
        self._depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark_ = self.peek_event().start_mark
                raise _fail(
                    self._file,
                    mark_.line + 1,
                    f"nesting deeper than {MAX_DEPTH} levels",
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _yaml_error(exc: yaml.YAMLError, text: str, file: str) -> InputFileError:
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return _fail(file, line, f"character U+{code:04X} is not allowed in YAML text")
    if isinstance(exc, yaml.MarkedYAMLError):
        m = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            what = f"{exc.problem} ({exc.context})"
        return _fail(file, m.line + 1 if m else None, f"YAML syntax error: {what}")
    return _fail(file, None, f"YAML error: {exc}")


def _libyaml_nesting_ok(text: str) -> bool:
    """True when libyaml is present, parses ``text`` without error and its nesting stays within
    :data:`MAX_DEPTH` (counted on the event stream: no recursion, so ``[[[[…`` is safe here).

    Only then is the document composed by libyaml (:func:`_compose_fast`, ~8× faster on a
    500 KB scenario); otherwise the pure-Python loader composes it and gives its own error.
    """
    if not getattr(yaml, "__with_libyaml__", False):
        return False
    depth = 0
    try:
        for ev in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(ev, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return False
            elif isinstance(ev, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return False
    return True


def _compose_fast(text: str) -> yaml.Node | None:
    """The node tree composed by libyaml (same node classes, tags and marks as the pure-Python
    composer; checked afterwards exactly like it)."""
    loader = yaml.CSafeLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def compose_text(text: str, file: str = "<string>") -> yaml.Node | None:
    """Compose ``text`` into a checked node tree (``None`` for an empty document).

    Checks nesting while composing, then the expanded size and depth, recursive aliases,
    tags and keys on the node graph, all before any Python object is constructed.
    """
    try:
        loader = _HardenedLoader(text, file)
    except yaml.YAMLError as exc:  # the reader refuses control characters up front
        raise _yaml_error(exc, text, file) from None
    try:
        node = _compose_fast(text) if _libyaml_nesting_ok(text) else loader.get_single_node()
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, file) from None
    finally:
        loader.dispose()
    if node is not None:
        _measure(node, file)
        _check_tags_and_keys(node, file)
    return node


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _measure(root: yaml.Node, file: str) -> None:
    """Expanded node count and depth of the graph, memoised and iterative; reject cycles."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    grey: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        k = id(node)
        if done:
            kids = _children(node)
            size[k] = 1 + sum(size[id(c)] for c in kids)
            depth[k] = 1 + max((depth[id(c)] for c in kids), default=0)
            grey.discard(k)
            if size[k] > MAX_NODES:
                raise _fail(
                    file,
                    node.start_mark.line + 1,
                    f"the document expands to more than {MAX_NODES:,} values through aliases "
                    "(a 'billion laughs' file?); write the data out instead of nesting aliases",
                )
            if depth[k] > MAX_DEPTH:
                raise _fail(
                    file,
                    node.start_mark.line + 1,
                    f"nesting deeper than {MAX_DEPTH} levels once aliases are expanded",
                )
            continue
        if k in size:
            continue
        if k in grey:
            raise _fail(file, node.start_mark.line + 1, "recursive alias: a node contains itself")
        grey.add(k)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node))


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_T) :] if tag.startswith(_T) else tag


def _check_tags_and_keys(root: yaml.Node, file: str) -> None:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        line = node.start_mark.line + 1
        if node.tag not in ALLOWED_TAGS:
            raise _fail(
                file,
                line,
                f"YAML tag {_tag_name(node.tag)!r} is not allowed: only plain data (mappings, "
                "lists, text, numbers, booleans, null, timestamps)",
            )
        if isinstance(node, yaml.MappingNode):
            keys: dict[str, int] = {}
            for k, _v in node.value:
                kline = k.start_mark.line + 1
                if k.tag == _MERGE:
                    continue
                if not isinstance(k, yaml.ScalarNode):
                    raise _fail(file, kline, "a mapping key must be text, found a mapping or list")
                if k.tag != _STR:
                    raise _fail(
                        file,
                        kline,
                        f"a mapping key must be text, found {_short(k.value)} "
                        f"(read as {_tag_name(k.tag)[2:]}); quote it",
                    )
                if k.value in keys:
                    raise _fail(
                        file,
                        kline,
                        f"duplicate key {_short(k.value)} (first written on line {keys[k.value]})",
                    )
                keys[k.value] = kline
        stack.extend(_children(node))


# --------------------------------------------------------------------------------------------
# constructing


class _Builder:
    """Builds located plain data from a checked node graph (aliases expanded into copies)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.scalars = yaml.SafeLoader("")

    def build(self, node: yaml.Node) -> Any:
        line = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            try:
                value = self.scalars.construct_object(node)
            except (ValueError, OverflowError, yaml.YAMLError) as exc:
                if node.tag == _T + "int":
                    raise _fail(
                        self.file,
                        line,
                        f"integer {_short(node.value)} is too large (limit {MAX_INT_BITS} bits)",
                    ) from None
                raise _fail(self.file, line, f"cannot read {_short(node.value)}: {exc}") from None
            if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
                raise _fail(
                    self.file,
                    line,
                    f"integer {_short(node.value)} is too large (limit {MAX_INT_BITS} bits)",
                )
            return value
        if isinstance(node, yaml.SequenceNode):
            out = LocatedList(file=self.file, line=line)
            for item in node.value:
                out.append(self.build(item))
                out.lines[-1] = (self.file, item.start_mark.line + 1)
            return out
        out = LocatedDict(file=self.file, line=line)
        merged: list[LocatedDict] = []
        for k, v in node.value:
            if k.tag == _MERGE:
                sources = v.value if isinstance(v, yaml.SequenceNode) else [v]
                for s in sources:
                    if not isinstance(s, yaml.MappingNode):
                        raise _fail(self.file, s.start_mark.line + 1, "'<<' merges only mappings")
                    merged.append(self.build(s))
        for m in merged:  # earlier merge sources win, explicit keys win over all
            for key, value in m.items():
                if key not in out:
                    out[key] = value
                    out.lines[key] = m.lines.get(key, (m.file, m.line))
        for k, v in node.value:
            if k.tag == _MERGE:
                continue
            out[k.value] = self.build(v)
            out.lines[k.value] = (self.file, k.start_mark.line + 1)
        return out


def load_text(text: str, file: str = "<string>") -> Any:
    """Load YAML ``text`` into located plain data (``None`` for an empty document)."""
    file = str(file)
    if text.startswith("\ufeff"):
        text = text[1:]
    node = compose_text(text, file)
    if node is None:
        return None
    return _Builder(file).build(node)


def load_file(path: str | Path) -> Any:
    """Read and load ``path`` with every check of this module. ``None`` if it is empty."""
    return load_text(read_text(path), str(path))
