"""The ``xlbilling`` command line: thin doors onto the library, one module per family of commands.

Errors are one line on stderr (``--debug`` shows the traceback); exit code 0 on success, 1 on an API or
data error, 2 on a usage error.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click

from xlbilling import __version__
from xlbilling._errors import XlbillingError

#: Every command of ``main`` and the module of this package that defines it. A module is imported only when
#: one of its commands is needed; ``xlbilling --help`` needs them all (for their one-line help), so command
#: modules import only click and light xlbilling modules at the top and the rest inside the commands.
COMMANDS: dict[str, str] = {
    "addin": "excel",
    "analysis": "data",
    "cache": "cache",
    "close": "close",
    "config": "config",
    "customers": "data",
    "demo": "demo",
    "detail": "data",
    "doctor": "doctor",
    "invoice-lines": "data",
    "margin": "margin",
    "periods": "data",
    "reconcile": "reconcile",
    "refresh": "excel",
    "report": "report",
    "sandbox": "sandbox",
    "serve": "serve",
    "summary": "data",
    "users": "serve",
    "xarios": "xarios",
}


class _Group(click.Group):
    """A click group that loads its commands on demand (see ``COMMANDS``) and turns xlbilling's own errors
    into one clear line and an exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(f"{__name__}.{COMMANDS[cmd_name]}")  # its decorators add it to ``main``
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except XlbillingError as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            from xlbilling._cli.hints import worded

            click.echo(f"error: {worded(error)}", err=True)
            ctx.exit(error.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks and HTTP logging (tokens are never logged).")
@click.version_option(__version__, prog_name="xlbilling")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Pull MSP billing data from Atria and Xarios into tables, Excel workbooks and invoices."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
