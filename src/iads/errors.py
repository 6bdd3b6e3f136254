"""Domain exceptions for user mistakes, each carrying where the mistake is.

Every error a user can cause (a wrong scenario, a bad file, an unknown catalog name) is an
:class:`IadsError`. It knows the file, the line, the field path, what was expected and what was
found, and renders itself as one line::

    scenarios/x.yaml:12: units[0].site.lat: expected a latitude in [-90, 90] degrees, found 123.0

The CLI prints that line and exits with status 2; it never shows a traceback for these.
Programming errors are not ``IadsError`` and keep their tracebacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "IadsError",
    "InputFileError",
    "ScenarioError",
    "CatalogError",
    "TerrainError",
    "format_field_path",
]


def format_field_path(parts) -> str:
    """Render a field path such as ``("units", 0, "site", "lat")`` as ``units[0].site.lat``."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out


@dataclass(eq=False)
class IadsError(Exception):
    """A mistake in user input, with its location.

    Parameters
    ----------
    message
        What is wrong, in plain words. Used alone when ``expected``/``found`` are not given.
    file
        The file the mistake is in, if any.
    line
        1-based line number in ``file``, if known.
    field
        Field path inside the file (``units[0].site.lat``), if any.
    expected, found
        What the field should hold and what it holds.
    """

    message: str = ""
    file: str | Path | None = None
    line: int | None = None
    field: str | None = None
    expected: str | None = None
    found: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The error as the single line the CLI prints."""
        loc = ""
        if self.file is not None:
            loc = str(self.file)
            if self.line is not None:
                loc += f":{self.line}"
            loc += ": "
        if self.field:
            loc += f"{self.field}: "
        if self.expected is not None or self.found is not None:
            what = f"expected {self.expected}, found {self.found}"
            if self.message:
                what = f"{self.message}: {what}"
        else:
            what = self.message
        return (loc + what).replace("\n", " ")

    def __str__(self) -> str:
        return self.one_line()


class InputFileError(IadsError):
    """A file that cannot be read safely: missing, too large, not UTF-8, hostile YAML."""


class ScenarioError(IadsError):
    """A scenario whose content is wrong: types, ranges, unknown names, bad overrides."""


class CatalogError(IadsError):
    """An unknown catalog entry, or catalog data that breaks its own rules."""


class TerrainError(IadsError):
    """Terrain input that cannot be used: outside the DEM, corrupt or CRS-less rasters."""
