"""The ``iads`` command line: thin wrappers over the public API.

Every user mistake surfaces as an :class:`iads.errors.IadsError`; :func:`main` prints its one line
to stderr and exits with status 2, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .errors import IadsError

app = typer.Typer(
    name="iads",
    help="Integrated air and missile defence analysis on public figures. Not for fire control.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario YAML files to check.")],
) -> None:
    """Check scenario files: syntax, types, ranges, catalog names, overrides."""
    from .scenario import load_scenario

    for f in files:
        sc = load_scenario(f)
        console.print(f"[green]ok[/green] {f}: {sc.name!r}")


@app.command()
def catalog(
    name: Annotated[str | None, typer.Argument(help="An entry (e.g. s-400, 91n6e, f-35a).")] = None,
) -> None:
    """List the catalog, or show one entry with every figure's source and range."""
    from .catalog_view import print_entry, print_listing

    if name is None:
        print_listing(console)
    else:
        print_entry(console, name)


@app.command("detection-table")
def detection_table_cmd(
    system: Annotated[str, typer.Option(help="System whose radars to tabulate.")] = "s-400",
    out: Annotated[Path | None, typer.Option(help="Folder to write CSV/Markdown/JSON.")] = None,
) -> None:
    """Detection range of a system's radars against stealthy and conventional targets (C2)."""
    from .detection_table import detection_table, print_table, write_table

    table = detection_table(system=system)
    print_table(console, table)
    if out is not None:
        paths = write_table(table, out)
        console.print(f"written: {', '.join(str(p) for p in paths)}")


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; user mistakes become one line on stderr and exit status 2."""
    try:
        app(args=argv, standalone_mode=False)
    except IadsError as exc:
        err_console.print(f"error: {exc.one_line()}", markup=False)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted", markup=False)
        sys.exit(130)
    except Exception as exc:  # click usage errors carry their own exit code
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(2)
        raise
    sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
