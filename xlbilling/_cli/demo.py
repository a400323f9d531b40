"""``xlbilling demo``: run the whole job on the built-in sandbox."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from xlbilling._cli import main
from xlbilling._cli._common import stderr


@main.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("xlbilling-demo"),
    show_default=True,
    help="Folder for everything the demo writes.",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day the sandbox takes for today: its open period contains it (YYYY-MM-DD; default: today).",
)
def demo(out_dir: Path, today: datetime | None) -> None:
    """Start the local sandbox, pull the latest closed period from both APIs and write the workbooks."""
    from xlbilling._demo import run_demo
    from xlbilling._output.lines import terminal_width, wrapped

    result = run_demo(out_dir, today=today.date() if today else None, say=stderr.print)
    width = terminal_width()
    for line in result.lines:
        click.echo(wrapped(line, width))
