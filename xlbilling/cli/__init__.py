"""The ``xlbilling`` command line: thin doors onto the library, one module per family of commands.

Errors are one line on stderr (``--debug`` shows the traceback); exit code 0 on success, 1 on an API or
data error, 2 on a usage error.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from xlbilling import __version__
from xlbilling.errors import XlbillingError


class _Group(click.Group):
    """A click group that turns xlbilling's own errors into one clear line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except XlbillingError as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"error: {error}", err=True)
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


def _register() -> None:
    """Import every command module; each adds its commands to ``main``."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


_register()
