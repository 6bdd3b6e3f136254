"""Rich display of the catalog for ``iads catalog [NAME]``.

:func:`print_listing` shows one table per section with each entry's key figures;
:func:`print_entry` shows one entry with every figure's value, range and source (or its
assumption, labelled as such). A system also shows its radars, launchers and missiles. Figures
that are assumptions are marked ``*`` in listings and ``ASSUMPTION`` in entries.

The formatting helpers (:func:`format_number`, :func:`format_figure`, :func:`figure_rows`) are
pure functions over catalog objects, so the report can reuse them.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .catalog import KINDS, Catalog, iter_figures, load_catalog
from .catalog.schema import Figure
from .errors import CatalogError, format_field_path

__all__ = [
    "format_number",
    "format_figure",
    "figure_unit",
    "figure_rows",
    "cited_sources",
    "print_listing",
    "print_entry",
]

#: Field-name suffix → unit shown next to a figure (catalog field names carry their unit).
_UNITS = (
    ("_mrad", "mrad"),
    ("_mps", "m/s"),
    ("_ghz", "GHz"),
    ("_deg", "°"),
    ("_db", "dB"),
    ("_km", "km"),
    ("_m2", "m²"),
    ("_m", "m"),
    ("_s", "s"),
)
_SINGULAR = {
    "sources": "source",
    "radars": "radar",
    "targets": "target",
    "missiles": "missile",
    "launchers": "launcher",
    "systems": "system",
}
_ASSUMPTION_STYLE = "bold yellow"


def format_number(x: float) -> str:
    """A figure's number for display: integers with thousands separators, else 4 significant
    digits (``15,240``, ``0.003``, ``2.6``)."""
    x = float(x)
    if x == int(x) and abs(x) < 1e12:
        return f"{int(x):,}"
    return f"{x:.4g}"


def figure_unit(path: Iterable) -> str:
    """The unit of the figure at ``path`` (from the first field name carrying a unit suffix)."""
    for part in reversed(tuple(path)):
        if not isinstance(part, str):
            continue
        for suffix, unit in _UNITS:
            if part.endswith(suffix):
                return unit
    return ""


def format_figure(fig: Figure, unit: str = "", mark_assumption: bool = True) -> str:
    """``"400 km"``, ``"250 km (190–340)*"``: value, unit, range when it differs, ``*`` if the
    figure is an assumption."""
    s = format_number(fig.value) + (f" {unit}" if unit and unit != "°" else unit)
    if fig.lo != fig.value or fig.hi != fig.value:
        s += f" ({format_number(fig.lo)}–{format_number(fig.hi)})"
    if mark_assumption and fig.is_assumption:
        s += "*"
    return s


def figure_rows(entry: BaseModel, catalog: Catalog) -> list[tuple[str, str, str, str, bool]]:
    """One row per figure of ``entry``: (field path, value with unit, low–high, provenance,
    is_assumption). Provenance is the source title (publisher, date) plus the figure's note, or
    the assumption's reasoning."""
    rows = []
    for path, fig in iter_figures(entry):
        unit = figure_unit(path)
        value = format_number(fig.value) + (f" {unit}" if unit and unit != "°" else unit)
        rng = (
            f"{format_number(fig.lo)}–{format_number(fig.hi)}"
            if fig.lo != fig.value or fig.hi != fig.value
            else ""
        )
        if fig.is_assumption:
            prov = fig.assumption or ""
        else:
            src = catalog.sources.get(fig.source or "")
            if src is None:
                prov = f"[{fig.source}] (not in sources.yaml)"
            else:
                when = f", {src.date}" if src.date else ""
                prov = f"{src.title} ({src.publisher}{when}) [{fig.source}]"
        if fig.note:
            prov += f" — {fig.note}"
        rows.append((format_field_path(path), value, rng, prov, fig.is_assumption))
    return rows


def cited_sources(entry: BaseModel) -> list[str]:
    """Source keys cited by ``entry``'s figures, in first-cited order."""
    return list(dict.fromkeys(f.source for _, f in iter_figures(entry) if f.source))


# --- listings ------------------------------------------------------------------------------------


def _cell(fig: Figure | None, unit: str = "") -> str:
    return "—" if fig is None else format_figure(fig, unit)


def _radar_table(cat: Catalog) -> Table:
    t = Table(title="Radars", title_justify="left", show_lines=False)
    for col in ("id", "name", "band", "role", "instrumented", "reference detection", "scan"):
        t.add_column(col, overflow="fold", no_wrap=(col == "id"))
    for id_, r in cat.radars.items():
        ref = r.reference_detection
        scan = (
            f"rot. {_cell(r.scan.period_s, 's')}"
            if r.scan.kind == "rotating"
            else f"array {_cell(r.scan.search_revisit_s, 's')}"
        )
        t.add_row(
            id_,
            r.name,
            r.band,
            r.role,
            _cell(r.instrumented_range_km, "km"),
            f"{_cell(ref.range_km, 'km')} @ {_cell(ref.rcs_m2, 'm²')}, Pd {ref.pd:g}",
            scan,
        )
    return t


def _target_table(cat: Catalog) -> Table:
    t = Table(title="Targets", title_justify="left")
    for col in ("id", "name", "category", "RCS X nose", "RCS VHF nose", "max speed", "typ. alt."):
        t.add_column(col, overflow="fold", no_wrap=(col == "id"))
    for id_, g in cat.targets.items():
        x = g.rcs_m2.get("X")
        v = g.rcs_m2.get("VHF")
        t.add_row(
            id_,
            g.name,
            g.category,
            _cell(x.nose if x else None, "m²"),
            _cell(v.nose if v else None, "m²"),
            _cell(g.speed_max_mps, "m/s"),
            _cell(g.altitude_typical_m, "m"),
        )
    return t


def _missile_table(cat: Catalog) -> Table:
    t = Table(title="Missiles", title_justify="left")
    for col in ("id", "name", "range", "min range", "ceiling", "speed", "guidance"):
        t.add_column(col, overflow="fold", no_wrap=(col == "id"))
    for id_, m in cat.missiles.items():
        t.add_row(
            id_,
            m.name,
            _cell(m.range_max_km, "km"),
            _cell(m.range_min_km, "km"),
            _cell(m.altitude_max_km, "km"),
            _cell(m.speed_max_mps, "m/s"),
            m.guidance,
        )
    return t


def _loads(loads: dict[str, int]) -> str:
    return " + ".join(f"{n}× {m}" for m, n in loads.items())


def _launcher_table(cat: Catalog) -> Table:
    t = Table(title="Launchers", title_justify="left")
    for col in ("id", "name", "load", "other loads", "reload"):
        t.add_column(col, overflow="fold", no_wrap=(col == "id"))
    for id_, ln in cat.launchers.items():
        t.add_row(
            id_,
            ln.name,
            _loads(ln.loads),
            "; ".join(_loads(a) for a in ln.alternative_loads) or "—",
            _cell(ln.reload_time_s, "s"),
        )
    return t


def _system_table(cat: Catalog) -> Table:
    t = Table(title="Systems", title_justify="left")
    for col in ("id", "name", "radars", "missiles", "fire units", "channels (targets/missiles)"):
        t.add_column(col, overflow="fold", no_wrap=(col == "id"))
    for id_, s in cat.systems.items():
        fc = s.fire_channels
        t.add_row(
            id_,
            s.name,
            ", ".join(f"{role}: {r}" for role, r in s.radars.items()),
            ", ".join(s.missiles),
            _cell(s.fire_units),
            f"system {_cell(fc.targets_per_system)} / {_cell(fc.missiles_per_system)}; "
            f"fire unit {_cell(fc.targets_per_fire_unit)} / {_cell(fc.missiles_per_fire_unit)}",
        )
    return t


def _source_table(cat: Catalog) -> Table:
    t = Table(title="Sources", title_justify="left")
    for col in ("id", "title", "publisher", "date"):
        t.add_column(col, overflow="fold", no_wrap=(col == "id"))
    for id_, s in cat.sources.items():
        t.add_row(id_, s.title, s.publisher, s.date or "—")
    return t


_TABLES = {
    "radars": _radar_table,
    "targets": _target_table,
    "missiles": _missile_table,
    "launchers": _launcher_table,
    "systems": _system_table,
    "sources": _source_table,
}


def print_listing(
    console: Console, kinds: Iterable[str] | None = None, catalog: Catalog | None = None
) -> None:
    """Print one table per catalog section (all sections, or ``kinds``): id, name, key figures.

    Figures marked ``*`` are assumptions; ``iads catalog <id>`` shows their reasoning.
    """
    cat = catalog or load_catalog()
    kinds = list(kinds) if kinds is not None else [k for k in KINDS if k != "sources"]
    for kind in kinds:
        cat.section(kind)  # unknown section → CatalogError naming the choices
        console.print(_TABLES[kind](cat))
    n = sum(1 for k in KINDS if k != "sources" for e in cat.section(k).values()
            for _ in iter_figures(e))
    console.print(
        Text(
            f"{n} figures, {len(cat.sources)} sources. '*' = assumption (no public source; "
            "range and reasoning in `iads catalog <id>`). `iads catalog sources` lists sources.",
            style="dim",
        )
    )


# --- one entry -----------------------------------------------------------------------------------


def _attributes(entry: BaseModel) -> list[tuple[str, str]]:
    """Non-figure fields worth showing (band, role, category, loads, composition, ...)."""
    out = []
    for name in type(entry).model_fields:
        value = getattr(entry, name)
        if name in ("name", "note") or value is None or value == [] or value == {}:
            continue
        if isinstance(value, Figure):
            continue
        if isinstance(value, BaseModel):
            # nested model: show its plain fields (e.g. scan kind, reference Pd/Pfa/N/Swerling)
            for sub in type(value).model_fields:
                v = getattr(value, sub)
                if v is None or isinstance(v, Figure):
                    continue
                out.append((f"{name}.{sub}", str(v)))
            continue
        if isinstance(value, dict):
            if value and all(isinstance(v, BaseModel) for v in value.values()):
                continue  # e.g. rcs_m2: figures shown in the table
            out.append((name, ", ".join(f"{k}: {v}" for k, v in value.items())))
        elif isinstance(value, list):
            out.append((name, "; ".join(
                _loads(v) if isinstance(v, dict) else str(v) for v in value)))
        else:
            out.append((name, str(value)))
    return out


def _entry_tables(console: Console, kind: str, id_: str, entry: BaseModel, cat: Catalog) -> None:
    console.print(Text(f"{_SINGULAR[kind]} {id_}: {entry.name}", style="bold"))
    head = Table(show_header=False, box=None, pad_edge=False)
    head.add_column(style="dim")
    head.add_column(overflow="fold")
    for k, v in _attributes(entry):
        head.add_row(k, v)
    if getattr(entry, "note", None):
        head.add_row("note", entry.note)
    console.print(head)
    t = Table(show_lines=False)
    t.add_column("figure", overflow="fold")
    t.add_column("value", justify="right")
    t.add_column("range", justify="right")
    t.add_column("source / assumption", overflow="fold")
    for path, value, rng, prov, is_assumption in figure_rows(entry, cat):
        p = Text(prov)
        if is_assumption:
            p = Text.assemble(("ASSUMPTION: ", _ASSUMPTION_STYLE), prov)
        t.add_row(Text(path), Text(value), Text(rng), p)
    console.print(t)


def _print_sources(console: Console, keys: Iterable[str], cat: Catalog) -> None:
    keys = list(dict.fromkeys(keys))
    if not keys:
        return
    t = Table(title="Sources cited", title_justify="left")
    for col in ("id", "title", "publisher", "date", "url"):
        t.add_column(col, overflow="fold", no_wrap=(col == "id"))
    for k in keys:
        s = cat.sources[k]
        t.add_row(k, s.title, s.publisher, s.date or "—", s.url or "—")
    console.print(t)


def print_entry(console: Console, name: str, catalog: Catalog | None = None) -> None:
    """Print one catalog entry: every figure with value, range and source title, assumptions
    labelled. A system also shows its radars, launchers and missiles. ``name`` may be an id, an
    ``aka``, a source id, or a section name (``radars`` …) to list that section.

    Raises :class:`iads.errors.CatalogError` (with the closest names) for an unknown name.
    """
    cat = catalog or load_catalog()
    key = str(name).strip()
    if key.lower() in KINDS:
        print_listing(console, [key.lower()], catalog=cat)
        return
    try:
        kind, id_ = cat.find(key)
    except CatalogError:
        if key in cat.sources:
            _source_entry(console, key, cat)
            return
        raise
    entry = cat.section(kind)[id_]
    _entry_tables(console, kind, id_, entry, cat)
    cited = cited_sources(entry)
    if kind == "systems":
        parts = [("radars", r) for r in dict.fromkeys(entry.radars.values())]
        parts += [("launchers", ln) for ln in entry.launchers]
        parts += [("missiles", m) for m in entry.missiles]
        for sub_kind, sub_id in parts:
            console.rule(style="dim")
            sub = cat.section(sub_kind)[sub_id]
            _entry_tables(console, sub_kind, sub_id, sub, cat)
            cited += cited_sources(sub)
    _print_sources(console, cited, cat)


def _source_entry(console: Console, key: str, cat: Catalog) -> None:
    s = cat.sources[key]
    t = Table(show_header=False, box=None)
    t.add_column(style="dim")
    t.add_column(overflow="fold")
    t.add_row("source", key)
    for field in ("title", "publisher", "date", "url", "note"):
        v = getattr(s, field)
        if v:
            t.add_row(field, v)
    users = [
        f"{k}/{i}.{format_field_path(p)}"
        for k in KINDS if k != "sources"
        for i, e in cat.section(k).items()
        for p, f in iter_figures(e) if f.source == key
    ]
    t.add_row("cited by", ", ".join(users) or "(notes only)")
    console.print(t)
