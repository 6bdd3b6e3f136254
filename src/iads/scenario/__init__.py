"""Scenarios: load, compose and validate scenario YAML files.

>>> from iads.scenario import load_scenario
>>> sc = load_scenario("scenarios/examples/minimal.yaml")
>>> sc.systems[0].type
's-400'

Loading goes through four stages, each its own module:

1. :mod:`~iads.scenario.safeyaml` reads the file with hardened YAML (size, encoding, depth,
   aliases, tags, duplicate keys) into plain data that remembers every value's line;
2. :mod:`~iads.scenario.compose` follows ``extends:`` and applies ``set:``/``add:``/``remove:``
   (field paths from :mod:`~iads.scenario.paths`);
3. :mod:`~iads.scenario.schema` validates types, units and physical ranges (pydantic);
4. :mod:`~iads.scenario.checks` checks ids, references, catalog consistency and times.

Every problem is one :class:`iads.errors.ScenarioError` or :class:`iads.errors.InputFileError`
naming the file, line and field path (``file:line: field.path: expected …, found …``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ..errors import ScenarioError
from .checks import Problem, check_scenario
from .compose import compose_file
from .messages import from_validation_error, render_path, scenario_error
from .paths import PathError, get_path, parse_path, set_path
from .safeyaml import locate, origin
from .schema import Scenario

__all__ = [
    "Scenario",
    "compose_scenario",
    "load_scenario",
    "validate_data",
    "Problem",
    "PathError",
    "get_path",
    "set_path",
    "parse_path",
]


def load_scenario(path: str | Path, catalog=None) -> Scenario:
    """Load, compose and validate the scenario file ``path``.

    Parameters
    ----------
    path
        A scenario YAML file.
    catalog
        The :class:`iads.catalog.Catalog` to check names against; the shipped one if ``None``.

    Returns
    -------
    Scenario
        The validated, frozen scenario; ``.source_files`` lists ``path`` and the files it
        extends.

    Raises
    ------
    iads.errors.InputFileError
        The file cannot be read safely (missing, too large, not UTF-8, hostile or broken YAML).
    iads.errors.ScenarioError
        The content is wrong; the error names file, line and field path.
    """
    data, files = compose_scenario(path)
    sc = validate_data(data, catalog, files)
    sc._source_files = tuple(files)
    return sc


def compose_scenario(path: str | Path) -> tuple[dict, list[Path]]:
    """Stages 1 and 2 of loading: the composed (``extends:``) data of ``path``, not validated.

    Returns ``(data, files)``: located plain data (every value remembers its file and line) and
    the files read, ``path`` first. A relative ``terrain.dem`` is made absolute. Change the data
    (e.g. with :func:`set_path`) and validate it with :func:`validate_data`; sweeps and
    comparisons do exactly this.
    """
    data, files = compose_file(Path(path), Scenario)
    _resolve_dem(data)
    return data, files


def validate_data(data, catalog=None, source_files=()) -> Scenario:
    """Validate composed scenario data (located, from the loader, or plain dicts).

    The schema, then the cross-field checks; the first problem is raised as a located
    :class:`ScenarioError` (located data gives file and line, plain data the field path only).
    ``source_files`` (the loaded file first, then its bases) orders clashing values.
    """
    if catalog is None:
        from ..catalog import load_catalog

        catalog = load_catalog()
    try:
        sc = Scenario.model_validate(data, context={"catalog": catalog})
    except ValidationError as exc:
        raise from_validation_error(exc, data, Scenario) from None
    rank = {str(f): i for i, f in enumerate(source_files)}

    def order(loc):  # deepest base first, the loaded file last; by line within a file
        file, line = locate(data, render_path(data, loc, Scenario)[0]) or ("", 0)
        return (-rank.get(file, 0), line)

    def render(loc):
        return render_path(data, loc, Scenario)[1]

    for problem in check_scenario(sc, catalog, render, order):
        raise scenario_error(
            data,
            problem.loc,
            message=problem.message,
            expected=problem.expected,
            found=problem.found,
            root=Scenario,
        )
    return sc


def _resolve_dem(data) -> None:
    """Make a GeoTIFF path in ``terrain.dem`` absolute, relative to the file that names it."""
    terrain = data.get("terrain") if isinstance(data, dict) else None
    if not isinstance(terrain, dict):
        return
    dem = terrain.get("dem")
    if not isinstance(dem, str) or dem == "builtin":
        return
    where = origin(terrain, "dem") or locate(data, ("terrain",))
    file = where[0] if where else ""
    resolved = Path(dem) if Path(dem).is_absolute() else Path(file).parent / dem
    if resolved.suffix.lower() not in (".tif", ".tiff"):
        raise ScenarioError(
            "",
            file=file or None,
            line=where[1] if where else None,
            field="terrain.dem",
            expected="'builtin' or the path of a GeoTIFF file (.tif)",
            found=repr(dem),
        )
    if not resolved.is_file():
        raise ScenarioError(
            f"no such file {resolved}",
            file=file or None,
            line=where[1] if where else None,
            field="terrain.dem",
            expected="an existing GeoTIFF file",
            found=repr(dem),
        )
    terrain["dem"] = str(resolved)
