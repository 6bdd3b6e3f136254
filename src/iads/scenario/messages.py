"""Turn validation problems into one-line, located :class:`iads.errors.ScenarioError` s.

Pydantic reports an error as a ``loc`` (a tuple of field names, list indices, and internal tags
such as union member names) with a type and the input. Here the ``loc`` is walked through the
located scenario data (:mod:`iads.scenario.safeyaml`) to find the file and line, rendered as a
field path that a user can paste into ``set:`` (list items with an ``id`` appear as ``[id]``),
and the error type becomes "expected …, found …" in words, using the ``description`` and bounds
declared on the schema field (``expected a latitude in degrees within [-90, 90], found 123.0``).
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from datetime import date, datetime
from typing import Any

import annotated_types as at
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from ..errors import ScenarioError
from .safeyaml import locate

__all__ = [
    "scenario_error",
    "from_validation_error",
    "render_path",
    "show",
    "schema_type_at",
    "field_names_at",
]

_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")


def show(value: Any, limit: int = 60) -> str:
    """A short rendering of a user's value, as it would be written in YAML."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)}" if value else "an empty list"
    text = repr(str(value))
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return " (a boolean)"
    if isinstance(value, int | float):
        return " (a number)"
    if isinstance(value, str):
        return " (text)"
    return ""


# ---- schema walking -----------------------------------------------------------------------


class _Meta:
    """What the schema says about one location: model class, description, bounds, choices."""

    def __init__(self) -> None:
        self.tp: Any = None
        self.description: str | None = None
        self.bounds: dict[str, float] = {}
        self.choices: tuple | None = None

    def absorb(self, info: Any) -> None:
        if isinstance(info, FieldInfo):
            if info.description:
                self.description = info.description
            for m in info.metadata:
                self.absorb(m)
        for name in ("ge", "gt", "le", "lt"):
            if isinstance(info, getattr(at, name.capitalize())):
                self.bounds[name] = getattr(info, name)

    def settle(self, tp: Any) -> None:
        """Unwrap ``Annotated`` and ``Optional`` around ``tp``, keeping their metadata."""
        while True:
            origin = typing.get_origin(tp)
            if origin is typing.Annotated:
                base, *extra = typing.get_args(tp)
                for e in extra:
                    self.absorb(e)
                tp = base
            elif origin in (typing.Union, types.UnionType):
                args = [a for a in typing.get_args(tp) if a is not type(None)]
                if len(args) != 1:
                    break
                tp = args[0]
            else:
                break
        if typing.get_origin(tp) is typing.Literal:
            self.choices = typing.get_args(tp)
        self.tp = tp


def _field(model: type[BaseModel], name: Any) -> tuple[str, FieldInfo] | None:
    for fname, info in model.model_fields.items():
        if name == fname or name == info.alias:
            return fname, info
    return None


def _descend(meta: _Meta, part: Any) -> _Meta | None:
    tp = meta.tp
    nxt = _Meta()
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        hit = _field(tp, part)
        if hit is None:
            return None
        info = hit[1]
        nxt.absorb(info)
        nxt.settle(info.annotation)
        return nxt
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is list and isinstance(part, int):
        nxt.settle(args[0])
        return nxt
    if origin is dict and isinstance(part, str):
        nxt.settle(args[1])
        return nxt
    return None


def _meta_at(root: type[BaseModel], loc) -> _Meta | None:
    meta = _Meta()
    meta.settle(root)
    for part in loc:
        meta = _descend(meta, part)
        if meta is None:
            return None
    return meta


# ---- locating -----------------------------------------------------------------------------


def render_path(data: Any, loc, root: type[BaseModel] | None = None) -> tuple[tuple, str]:
    """The clean loc (internal tags dropped) and its text with ``[id]`` for identified items.

    ``loc`` is walked through ``data``; a part not found in the data is kept only if it is a
    field of the schema at that point (a missing field), otherwise it is an internal tag.
    """
    meta: _Meta | None = None
    if root is not None:
        meta = _Meta()
        meta.settle(root)
    node: Any = data
    clean: list = []
    text = ""
    for part in loc:
        step = _descend(meta, part) if meta is not None else None
        if isinstance(node, dict):
            key = part
            if key not in node and isinstance(part, str):
                key = next((k for k in node if str(k).lower() == part.lower()), part)
            if key in node:
                clean.append(key)
                text += ("." if text else "") + str(key)
                node, meta = node[key], step
                continue
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            item = node[part]
            ident = item.get("id") if isinstance(item, dict) else None
            sel = ident if isinstance(ident, str) and _ID_RE.match(ident) else part
            clean.append(part)
            text += f"[{sel}]"
            node, meta = item, step
            continue
        if step is not None and not isinstance(part, int):  # a field absent from the data
            clean.append(part)
            text += ("." if text else "") + str(part)
            node, meta = None, step
        # otherwise an internal tag (union member, validator name, '[key]'): drop it
    return tuple(clean), text


def scenario_error(
    data: Any,
    loc,
    *,
    message: str = "",
    expected: str | None = None,
    found: str | None = None,
    root: type[BaseModel] | None = None,
) -> ScenarioError:
    """A :class:`ScenarioError` for the value at ``loc`` of the located ``data``."""
    clean, text = render_path(data, loc, root)
    where = locate(data, clean)
    file, line = where if where is not None else (None, None)
    return ScenarioError(
        message, file=file, line=line or None, field=text or None, expected=expected, found=found
    )


# ---- pydantic errors ----------------------------------------------------------------------

_TYPE_WORDS = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
    "datetime_type": "an ISO 8601 time",
}
_STRUCTURED = {"list_type", "dict_type", "model_type", "model_attributes_type"}


def _fmt(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}"


def _range(meta: _Meta) -> str:
    b = meta.bounds
    lo = ("[", b["ge"]) if "ge" in b else ("(", b["gt"]) if "gt" in b else None
    hi = ("]", b["le"]) if "le" in b else (")", b["lt"]) if "lt" in b else None
    if lo and hi:
        return f" within {lo[0]}{_fmt(lo[1])}, {_fmt(hi[1])}{hi[0]}"
    if lo:
        return f" {'>=' if lo[0] == '[' else '>'} {_fmt(lo[1])}"
    if hi:
        return f" {'<=' if hi[0] == ']' else '<'} {_fmt(hi[1])}"
    return ""


def field_names_at(root: type[BaseModel], loc) -> list[str]:
    """Names (aliases where set) of the fields of the model at ``loc``; empty if not a model."""
    meta = _meta_at(root, loc)
    if meta is not None and isinstance(meta.tp, type) and issubclass(meta.tp, BaseModel):
        return [i.alias or n for n, i in meta.tp.model_fields.items()]
    return []


def schema_type_at(root: type[BaseModel], loc) -> Any:
    """The schema type at ``loc`` (field names, indices, mapping keys), ``None`` if unknown.

    Optional and annotated wrappers are removed: a list field gives ``list[...]``.
    """
    meta = _meta_at(root, loc)
    return None if meta is None else meta.tp


def _describe(
    err: dict, meta: _Meta | None, clean: tuple, fields: list[str] | None = None
) -> tuple[str, str | None, str | None]:
    """(message, expected, found) for one pydantic error."""
    typ, value = err["type"], err.get("input")
    desc = meta.description if meta is not None and meta.description else None
    if typ == "missing":
        tp = meta.tp if meta is not None else None
        if desc is None and isinstance(tp, type) and issubclass(tp, BaseModel):
            needed = [i.alias or n for n, i in tp.model_fields.items() if i.is_required()]
            desc = f"a mapping of {', '.join(needed)}" if needed else "a mapping"
        return "missing required field", desc or "a value", "nothing"
    if typ == "extra_forbidden":
        fields = fields or []
        name = str(clean[-1]) if clean else str(err["loc"][-1])
        close = difflib.get_close_matches(name, fields, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        listed = ", ".join(fields) if fields else "no other fields"
        return "unknown field", f"one of {listed}", f"{show(name)}{hint}"
    if typ == "literal_error":
        choices = list(meta.choices) if meta is not None and meta.choices else []
        if not choices:
            choices = re.findall(r"'([^']*)'", err.get("ctx", {}).get("expected", ""))
        close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return "", f"one of {', '.join(map(str, choices))}", f"{show(value)}{hint}"
    if typ in ("value_error", "assertion_error"):
        msg = str(err.get("ctx", {}).get("error", err["msg"]))
        return msg, None, None
    if typ in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        what = desc or "a number"
        rng = _range(meta) if meta is not None and meta.bounds else ""
        if not rng:
            ctx = err.get("ctx", {})
            sym = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<"}
            rng = f" {sym.get(typ, '<=')} {_fmt(next(iter(ctx.values())))}" if ctx else ""
        return "", f"{what}{rng}", show(value)
    if typ == "finite_number":
        return "", f"{desc or 'a number'} (a finite number)", show(value)
    if typ == "string_pattern_mismatch":
        return "", desc or "text of the form " + err["ctx"]["pattern"], show(value)
    if typ == "string_too_short":
        return "", "non-empty text", show(value)
    if typ == "string_too_long":
        return "", f"at most {err['ctx']['max_length']} characters", f"{len(value)} characters"
    if typ == "too_short":
        n = err["ctx"]["min_length"]
        return "", f"at least {n} item{'s' if n != 1 else ''}", f"{err['ctx']['actual_length']}"
    if typ in _TYPE_WORDS:
        words = _TYPE_WORDS[typ]
        if desc and typ not in _STRUCTURED:
            words = desc
        return "", words, show(value) + _kind(value)
    return err["msg"], None, show(value)


def from_validation_error(exc: ValidationError, data: Any, root: type[BaseModel]) -> ScenarioError:
    """The most relevant error of ``exc`` as a located :class:`ScenarioError`.

    Preference: errors about a value that is there over missing fields, then the earliest in
    the file. Union members failing at the same path are merged ("expected a or b").
    """
    items = []
    for err in exc.errors(include_url=False):
        clean, text = render_path(data, err["loc"], root)
        where = locate(data, clean) or ("", 0)
        items.append((err, clean, text, where))
    if not items:  # pragma: no cover - pydantic always gives at least one
        return ScenarioError(str(exc))

    def rank(item):
        err, clean, _text, where = item
        return (err["type"] == "missing", where[1] if where[0] == items[0][3][0] else 10**9)

    err, clean, text, where = min(items, key=rank)
    if err["type"] == "extra_forbidden":
        message, expected, found = _describe(err, None, clean, field_names_at(root, clean[:-1]))
    else:
        meta = _meta_at(root, clean)
        message, expected, found = _describe(err, meta, clean)
        mergeable = {*_TYPE_WORDS, "literal_error"}
        same = [i for i in items if i[2] == text and i[0] is not err and i[0]["type"] in mergeable]
        if same and err["type"] in mergeable and expected is not None:
            words = [expected] + [_describe(i[0], meta, clean)[1] for i in same]
            expected = " or ".join(dict.fromkeys(w for w in words if w))
    file, line = where
    return ScenarioError(
        message,
        file=file or None,
        line=line or None,
        field=text or None,
        expected=expected,
        found=found,
    )
