"""``xlbilling refresh`` (a workbook without Excel) and ``xlbilling addin build|install``."""

from __future__ import annotations

from pathlib import Path

import click

from xlbilling._cli import main
from xlbilling._cli._common import say, stderr
from xlbilling._errors import XlbillingError
from xlbilling._workbook.names import ALL, BY_NAME


@main.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--only",
    metavar="NAMES",
    help=f"Comma-separated tables to refresh: {', '.join(ALL + BY_NAME)}. Default: all but "
    f"{' and '.join(BY_NAME)} (they need the product mapping and price list the Control sheet names).",
)
def refresh(workbook: Path, only: str | None) -> None:
    """Refresh the tables of a closed .xlsx/.xlsm WORKBOOK (no Excel needed), reading the Control sheet.

    URLs come from your settings, or from the workbook's _xlbilling.conf sheet if it has one (tokens
    never come from a workbook). Everything else in the file is kept; the previous file is kept as
    WORKBOOK.bak.
    """
    from xlbilling._jobs import refresh
    from xlbilling._output.lines import terminal_width, wrapped
    from xlbilling._workbook.hints import for_control
    from xlbilling._workbook.tables import summary_line

    keys = only.split(",") if only else None
    try:
        written = refresh(workbook, only=keys, progress=lambda step: stderr.print(f"{step}…"))
    except XlbillingError as error:  # the workbook's Control sheet asked: say what to change there
        raise for_control(error) from None
    click.echo(wrapped(f"{workbook}: {summary_line(written)}", terminal_width()))
    if keys is None:
        say(
            f"not refreshed: {' and '.join(name.capitalize() for name in BY_NAME)} (they need the product mapping "
            f"and price list the Control sheet names); refresh them with --only {','.join(BY_NAME)}."
        )
    stderr.print(f"previous version kept as {workbook.name}.bak")


@main.group()
def addin() -> None:
    """Build and install the Excel add-in (Billing ribbon tab and XLB_ formulas)."""


@addin.command("build")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=Path("dist/xlbilling.xlam"),
    show_default=True, help="Where to write the add-in.",
)  # fmt: skip
@click.option(
    "--interpreter", default="", metavar="PATH",
    help="The python.exe Excel should run on Windows (default: python on the PATH).",
)  # fmt: skip
def build(output: Path, interpreter: str) -> None:
    """Build xlbilling.xlam from xlwings' ribbon add-in template and the sources in macros/."""
    from xlbilling._excel.addin import build_addin

    click.echo(f"built {build_addin(output, interpreter)}")


@addin.command("install")
@click.argument("addin_file", type=click.Path(dir_okay=False, path_type=Path), default=Path("dist/xlbilling.xlam"))
def install(addin_file: Path) -> None:
    """Copy the built add-in (default dist/xlbilling.xlam) into Excel's start-up folder."""
    from xlbilling._excel.addin import install_addin

    target = install_addin(addin_file)
    click.echo(f"installed {target}; restart Excel to see the Billing tab")
