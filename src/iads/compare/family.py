"""Scenario families: a folder of variants compared side by side.

A family is a folder. Its variants are listed by a manifest ``family.yml`` when there is one
(``.yml``: not a scenario, so tools that validate every ``*.yaml`` scenario pass it by)::

    family: turkey-2019
    title: "Turkey's S-400: four pathways, two alternatives, two precedents"
    description: ...
    root_seed: 20190712          # replication seeds derive from it (common to all variants)
    reps: 3                      # default replications per variant
    variants:
      - {name: standalone, file: pathway-standalone.yaml, label: "As delivered", claims: [C4]}
      - {name: crete-s300, file: ../crete-s300/base.yaml, label: "Greece, Crete"}
    paired:                      # effects measured as variant - baseline on the same seeds
      - {variant: supplier-disable, baseline: full-activation, claim: C6}
    raid:                        # optional: the standard raid and salvo (iads.compare.run)
      duration_s: 420
      sizes: [4, 8, 16]          # saturation curve; `standard.count` is the standard size
      standard: {type: cruise-missile, count: 8, launch_area: {...}, aim_points: ["@assets"]}
      salvo: {type: atacms, count: 4, launch_area: {...}, aim_points: ["@engagement-radars"]}
      variants: [standalone, ...]  # default: every variant

Without a manifest every ``*.yaml`` file of the folder is a variant, named after its file, in
file-name order, with the scenario's ``name`` as label. Each variant is loaded and validated by
:func:`iads.scenario.load_scenario` (so an ``extends:`` loop or an override of a missing field
is an error naming both files). An empty or non-scenario folder is one
:class:`iads.errors.IadsError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import IadsError, ScenarioError

__all__ = ["Variant", "Family", "load_family", "MANIFEST"]

#: The manifest file of a family folder.
MANIFEST = "family.yml"
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")
_KEYS = {"family", "title", "description", "root_seed", "reps", "variants", "paired", "raid"}
_VARIANT_KEYS = {"name", "file", "label", "claims", "description"}


@dataclass(frozen=True)
class Variant:
    """One scenario of a family: its name, file, label, the claims it informs, the scenario."""

    name: str
    file: Path
    label: str
    description: str
    claims: tuple[str, ...]
    scenario: object  # iads.scenario.Scenario
    text: str = ""  # the variant file's YAML text when it was loaded


@dataclass(frozen=True)
class Family:
    """A folder of variants: name, title, default replications and root seed, variants."""

    name: str
    title: str
    description: str
    folder: Path
    variants: tuple[Variant, ...]
    reps: int = 3
    root_seed: int = 0
    paired: tuple[dict, ...] = field(default=())

    def variant(self, name: str) -> Variant:
        for v in self.variants:
            if v.name == name:
                return v
        raise KeyError(name)


def _fail(msg: str, file=None, line=None, field_=None, **kw) -> ScenarioError:
    return ScenarioError(msg, file=None if file is None else str(file), line=line,
                         field=field_, **kw)


def _manifest(folder: Path) -> dict | None:
    from ..scenario.safeyaml import load_file, origin

    path = folder / MANIFEST
    if not path.is_file():
        return None
    data = load_file(path)
    if not isinstance(data, dict):
        raise _fail("", path, 1, None, expected="a mapping (family, variants, ...)",
                    found="a list" if isinstance(data, list) else repr(data))
    extra = sorted(set(data) - _KEYS)
    if extra:
        where = origin(data, extra[0])
        raise _fail(f"unknown key {extra[0]!r}; allowed: {', '.join(sorted(_KEYS))}", path,
                    where[1] if where else None, extra[0])
    if not isinstance(data.get("variants"), list) or not data["variants"]:
        where = origin(data, "variants")
        raise _fail("", path, where[1] if where else None, "variants",
                    expected="a non-empty list of {name, file, label}",
                    found=repr(data.get("variants")))
    for key, low in (("reps", 1), ("root_seed", 0)):
        v = data.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < low):
            where = origin(data, key)
            raise _fail("", path, where[1] if where else None, key,
                        expected=f"an integer >= {low}", found=repr(v))
    return data


def load_family(folder: str | Path, catalog=None) -> Family:
    """Load the family in ``folder`` (manifest or every ``*.yaml``) and validate every variant.

    Raises
    ------
    iads.errors.IadsError
        ``folder`` is not a folder, holds no scenario file, or the manifest is malformed.
    iads.errors.ScenarioError
        A variant file is wrong (the error names its file, line and field; for ``extends:``
        problems both files).
    """
    from ..scenario import load_scenario
    from ..scenario.safeyaml import origin

    folder = Path(folder)
    if not folder.is_dir():
        raise IadsError(f"{folder} is not a folder of scenario files", field="SCENARIO_DIR")
    data = _manifest(folder)
    entries: list[dict] = []
    if data is None:
        files = sorted(p for p in folder.iterdir() if p.suffix == ".yaml" and p.is_file())
        if not files:
            raise IadsError(f"{folder} holds no scenario files (*.yaml) and no {MANIFEST}: "
                            "not a scenario family", field="SCENARIO_DIR")
        entries = [{"name": p.stem, "file": p.name} for p in files]
        name, title, desc = folder.name, folder.name, ""
        reps, root, paired = 3, None, ()
    else:
        path = folder / MANIFEST
        name = str(data.get("family") or folder.name)
        title = str(data.get("title") or name)
        desc = str(data.get("description") or "")
        reps, root = data.get("reps", 3), data.get("root_seed")
        seen: set[str] = set()
        for i, e in enumerate(data["variants"]):
            where = origin(data["variants"], i)
            line = where[1] if where else None
            if not isinstance(e, dict) or not {"name", "file"} <= set(e):
                raise _fail("", path, line, f"variants[{i}]",
                            expected="a mapping with name and file", found=repr(e))
            extra = sorted(set(e) - _VARIANT_KEYS)
            if extra:
                raise _fail(f"unknown key {extra[0]!r}; allowed: "
                            f"{', '.join(sorted(_VARIANT_KEYS))}", path, line, f"variants[{i}]")
            if not isinstance(e["name"], str) or not _NAME.match(e["name"]):
                raise _fail("", path, line, f"variants[{i}].name",
                            expected="a name (a letter, then letters, digits, '-', '_')",
                            found=repr(e["name"]))
            if e["name"] in seen:
                raise _fail(f"variant {e['name']!r} listed twice", path, line,
                            f"variants[{i}].name")
            seen.add(e["name"])
            if not (folder / str(e["file"])).is_file():
                raise _fail(f"{path} lists {e['file']}, which does not exist", path, line,
                            f"variants[{i}].file")
            entries.append(e)
        paired = tuple(data.get("paired") or ())
        for i, p in enumerate(paired):
            ok = isinstance(p, dict) and p.get("variant") in seen and p.get("baseline") in seen
            if not ok:
                raise _fail("", path, None, f"paired[{i}]",
                            expected="{variant, baseline, claim} naming listed variants",
                            found=repr(p))
    variants = []
    for e in entries:
        file = folder / str(e["file"])
        sc = load_scenario(file, catalog=catalog)
        variants.append(Variant(
            name=str(e["name"]), file=file, label=str(e.get("label") or sc.name),
            description=str(e.get("description") or sc.description or ""),
            claims=tuple(str(c) for c in e.get("claims") or ()), scenario=sc,
            text=file.read_text(encoding="utf-8")))
    if root is None:
        root = variants[0].scenario.run.seed
    return Family(name, title, desc, folder, tuple(variants), int(reps), int(root),
                  tuple(paired))
