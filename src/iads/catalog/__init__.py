"""The sourced catalog of radars, targets, missiles, launchers and systems.

>>> from iads.catalog import load_catalog
>>> cat = load_catalog()
>>> cat.get("radars", "91N6E").band
'S'

Lookups are case-insensitive and accept the ``aka`` names; an unknown name raises
:class:`iads.errors.CatalogError` suggesting the closest known ones.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import CatalogError, format_field_path
from .schema import Figure, Launcher, Missile, Radar, Source, System, Target

__all__ = ["Catalog", "load_catalog", "KINDS", "iter_figures"]

#: Catalog sections, in file order: section name → entry model.
KINDS: dict[str, type[BaseModel]] = {
    "sources": Source,
    "radars": Radar,
    "targets": Target,
    "missiles": Missile,
    "launchers": Launcher,
    "systems": System,
}


def iter_figures(model: BaseModel, path: tuple = ()):
    """Yield ``(field_path, Figure)`` for every figure inside a catalog entry, depth first."""
    if isinstance(model, Figure):
        yield path, model
        return
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from iter_figures(value, (*path, name))
        elif isinstance(value, dict):
            for k, v in value.items():
                if isinstance(v, BaseModel):
                    yield from iter_figures(v, (*path, name, k))


@dataclass(frozen=True)
class Catalog:
    """All catalog entries, by section and id."""

    sources: dict[str, Source] = field(default_factory=dict)
    radars: dict[str, Radar] = field(default_factory=dict)
    targets: dict[str, Target] = field(default_factory=dict)
    missiles: dict[str, Missile] = field(default_factory=dict)
    launchers: dict[str, Launcher] = field(default_factory=dict)
    systems: dict[str, System] = field(default_factory=dict)

    def section(self, kind: str) -> dict[str, Any]:
        if kind not in KINDS:
            raise CatalogError(f"unknown catalog section {kind!r}; choose one of {list(KINDS)}")
        return getattr(self, kind)

    def resolve(self, kind: str, name: str) -> str:
        """The canonical id of ``name`` (an id or an ``aka``) in section ``kind``."""
        entries = self.section(kind)
        key = str(name).strip().lower()
        for id_, entry in entries.items():
            if id_.lower() == key:
                return id_
            if any(a.lower() == key for a in getattr(entry, "aka", ())):
                return id_
        known = list(entries)
        for entry in entries.values():
            known.extend(getattr(entry, "aka", ()))
        names = list(dict.fromkeys(k.lower() for k in known))
        close = difflib.get_close_matches(key, names, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        singular = kind[:-1]
        raise CatalogError(
            f"unknown {singular} {name!r}{hint} (`iads catalog {kind}` lists them)"
        )

    def get(self, kind: str, name: str):
        """The entry ``name`` of section ``kind``; ``CatalogError`` with suggestions if unknown."""
        return self.section(kind)[self.resolve(kind, name)]

    def find(self, name: str) -> tuple[str, str]:
        """Find ``name`` in any section: returns ``(kind, id)``."""
        for kind in KINDS:
            if kind == "sources":
                continue
            try:
                return kind, self.resolve(kind, name)
            except CatalogError:
                continue
        everything = [i for k in KINDS if k != "sources" for i in self.section(k)]
        close = difflib.get_close_matches(name.lower(), [e.lower() for e in everything], n=3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise CatalogError(f"no catalog entry named {name!r}{hint}")


#: libyaml's safe loader when available (same results as ``yaml.SafeLoader``, ~10x faster).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _line_of(node: yaml.Node, path: tuple) -> int | None:
    """Line (1-based) of ``path`` inside a composed YAML node tree, or of its deepest parent."""
    line = node.start_mark.line + 1
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == str(part):
                    node = v
                    line = v.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        else:
            return line
    return line


def _load_section(path: Path, kind: str) -> tuple[dict[str, Any], yaml.Node | None]:
    """Validated entries of one catalog file, and its composed YAML tree (for line numbers)."""
    text = path.read_text(encoding="utf-8")
    node = yaml.compose(text, Loader=_YAML_LOADER)
    raw = yaml.load(text, Loader=_YAML_LOADER) or {}
    if not isinstance(raw, dict):
        raise CatalogError(f"expected a mapping of ids to entries in {path}", file=path, line=1)
    model = KINDS[kind]
    out = {}
    for id_, body in raw.items():
        try:
            out[str(id_)] = model.model_validate(body)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = (id_, *err["loc"])
            raise CatalogError(
                err["msg"],
                file=path,
                line=_line_of(node, loc),
                field=format_field_path(loc),
            ) from None
    return out, node


def _check_references(
    cat: Catalog, files: dict[str, Path], nodes: dict[str, yaml.Node | None] | None = None
) -> None:
    nodes = nodes or {}

    def fail(kind, id_, fld, msg, path=()):
        node = nodes.get(kind)
        line = _line_of(node, (id_, *path)) if node is not None else None
        raise CatalogError(msg, file=files[kind], line=line, field=f"{id_}.{fld}")

    for kind in ("radars", "targets", "missiles", "launchers", "systems"):
        for id_, entry in cat.section(kind).items():
            for path, fig in iter_figures(entry):
                if fig.source is not None and fig.source not in cat.sources:
                    fail(kind, id_, format_field_path(path), f"unknown source {fig.source!r}",
                         (*path, "source"))
    for id_, ln in cat.launchers.items():
        for m in ln.loads:
            if m not in cat.missiles:
                fail("launchers", id_, f"loads.{m}", f"unknown missile {m!r}", ("loads", m))
        for i, alt in enumerate(ln.alternative_loads):
            for m in alt:
                if m not in cat.missiles:
                    fail("launchers", id_, f"alternative_loads[{i}].{m}",
                         f"unknown missile {m!r}", ("alternative_loads", i, m))
    for id_, s in cat.systems.items():
        for role, r in s.radars.items():
            if r not in cat.radars:
                fail("systems", id_, f"radars.{role}", f"unknown radar {r!r}", ("radars", role))
        if s.engagement_radar not in cat.radars:
            fail("systems", id_, "engagement_radar", f"unknown radar {s.engagement_radar!r}",
                 ("engagement_radar",))
        for ln in s.launchers:
            if ln not in cat.launchers:
                fail("systems", id_, "launchers", f"unknown launcher {ln!r}", ("launchers",))
        for m in s.missiles:
            if m not in cat.missiles:
                fail("systems", id_, "missiles", f"unknown missile {m!r}", ("missiles",))


def load_catalog(directory: str | Path | None = None) -> Catalog:
    """Load and validate the catalog (the shipped one when ``directory`` is None)."""
    if directory is None:
        return _default_catalog()
    return _load(Path(directory))


@lru_cache(maxsize=1)
def _default_catalog() -> Catalog:
    return _load(Path(str(resources.files("iads.catalog") / "data")))


def _load(directory: Path) -> Catalog:
    files = {kind: directory / f"{kind}.yaml" for kind in KINDS}
    sections, nodes = {}, {}
    for kind, path in files.items():
        if not path.is_file():
            raise CatalogError(f"missing catalog file {path}", file=path)
        sections[kind], nodes[kind] = _load_section(path, kind)
    cat = Catalog(**sections)
    _check_references(cat, files, nodes)
    return cat
