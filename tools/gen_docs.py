"""Generate the reference pages of the documentation from the code, so they cannot drift.

    .venv/bin/python tools/gen_docs.py docs/     # then: .venv/bin/mkdocs build --strict

Writes ``reference/schema.md`` (the scenario schema, from the pydantic models),
``reference/catalog.md`` (every catalog figure with its source or assumption) and
``models/<module>.md`` (each domain module's docstring: what is modelled and how).
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path

from pydantic import BaseModel

MODEL_MODULES = {
    "radar-detection": "iads.radar.swerling",
    "range-equation": "iads.radar.range_equation",
    "geodesy": "iads.geodesy",
    "terrain": "iads.terrain",
    "line-of-sight": "iads.viewshed",
    "coverage": "iads.coverage",
    "scenario-coverage": "iads.coverage_scenario",
    "kinematics": "iads.kinematics",
    "sensors": "iads.sensors",
    "tracking": "iads.tracking",
    "identification": "iads.identification",
    "simulation": "iads.simulation",
    "picture-metrics": "iads.metrics",
    "threats": "iads.threats",
    "raids": "iads.simulation.raids",
    "flyout": "iads.flyout",
    "weapon-target-assignment": "iads.assignment",
    "sweeps": "iads.sweep",
    "randomness": "iads.rng",
    "errors": "iads.errors",
    "compare": "iads.compare",
    "compare-measures": "iads.compare.measures",
    "compare-claims": "iads.compare.claims",
}


def _type_name(ann) -> str:
    import re

    text = str(ann) if getattr(ann, "__args__", None) else getattr(ann, "__name__", str(ann))
    text = re.sub(r"Annotated\[([^,\[\]]+)(\[[^\]]*\])?,[^\]]*\]", r"\1", text)
    text = re.sub(r"\b[a-z_]+(\.[a-z_]+)+\.", "", text).replace("typing.", "")
    return text.replace("|", "\\|")


def schema_page() -> str:
    from iads.scenario import schema

    models = [m for _, m in inspect.getmembers(schema, inspect.isclass)
              if issubclass(m, BaseModel) and m.__module__ == schema.__name__
              and not m.__name__.startswith("_")]
    order = ["Scenario"] + sorted(m.__name__ for m in models if m.__name__ != "Scenario")
    by_name = {m.__name__: m for m in models}
    out = ["# Scenario schema", "",
           "Generated from `iads.scenario.schema` by `tools/gen_docs.py`. Units are in the field "
           "names (`_m` metres, `_s` seconds, `_mps` m/s, `_deg` degrees, `_km` km); latitudes "
           "and longitudes are WGS-84 degrees. Unknown fields are errors.", ""]
    for name in order:
        m = by_name[name]
        out += [f"## {name}", "", inspect.cleandoc(m.__doc__ or ""), "",
                "| field | type | default | constraint |", "|---|---|---|---|"]
        for fname, f in m.model_fields.items():
            alias = f.alias or fname
            default = "required" if f.is_required() else f"`{f.default!r}`"
            constraint = (f.description or "").replace("|", "\\|")
            for meta in f.metadata:
                d = getattr(meta, "description", None)
                if d:
                    constraint = d
            out.append(f"| `{alias}` | `{_type_name(f.annotation)}` | {default} | "
                       f"{constraint} |")
        out.append("")
    return "\n".join(out)


def catalog_page() -> str:
    from iads.catalog import KINDS, iter_figures, load_catalog
    from iads.errors import format_field_path

    cat = load_catalog()
    out = ["# Catalog", "",
           "Generated from `src/iads/catalog/data/*.yaml`. Every figure is either sourced "
           "(its source is listed at the end) or an **assumption** with its plausible range and "
           "the reasoning. `iads catalog NAME` shows the same in the terminal.", ""]
    n_src = n_ass = 0
    for kind in KINDS:
        if kind == "sources":
            continue
        out += [f"## {kind.capitalize()}", ""]
        for id_, entry in cat.section(kind).items():
            out += [f"### `{id_}` — {entry.name}", "",
                    "| figure | value | low–high | source or assumption |", "|---|---|---|---|"]
            for path, fig in iter_figures(entry):
                if fig.source:
                    n_src += 1
                    why = f"[{fig.source}](#source-{fig.source})"
                else:
                    n_ass += 1
                    why = f"**assumption**: {fig.assumption}"
                why = why.replace("|", "\\|").replace("\n", " ")
                out.append(f"| {format_field_path(path)} | {fig.value:g} | "
                           f"{fig.lo:g}–{fig.hi:g} | {why} |")
            out.append("")
    out += ["## Sources", ""]
    for sid, s in cat.sources.items():
        link = f" <{s.url}>" if s.url else ""
        out.append(f"- <a id=\"source-{sid}\"></a>**{sid}**: {s.title}, {s.publisher}"
                   f"{', ' + s.date if s.date else ''}.{link}")
    out.insert(4, f"{n_src} figures are sourced and {n_ass} are labelled assumptions.\n")
    return "\n".join(out) + "\n"


def model_page(slug: str, module: str) -> str:
    mod = importlib.import_module(module)
    doc = inspect.cleandoc(mod.__doc__ or "(no module docstring)")
    return f"# {slug.replace('-', ' ').capitalize()}\n\nModule `{module}`.\n\n{doc}\n"


def main(root: str) -> None:
    root_p = Path(root)
    (root_p / "reference").mkdir(parents=True, exist_ok=True)
    (root_p / "models").mkdir(parents=True, exist_ok=True)
    (root_p / "reference" / "schema.md").write_text(schema_page(), encoding="utf-8")
    (root_p / "reference" / "catalog.md").write_text(catalog_page(), encoding="utf-8")
    for slug, module in MODEL_MODULES.items():
        (root_p / "models" / f"{slug}.md").write_text(model_page(slug, module), encoding="utf-8")
    print(f"wrote reference and {len(MODEL_MODULES)} model pages under {root_p}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs")
