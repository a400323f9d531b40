"""``xlbilling config``: show each setting and where it came from; ``set-token`` stores a token in the keyring."""

from __future__ import annotations

import sys
import textwrap

import click

from xlbilling._cli import main
from xlbilling._config.seller import SELLER_KEYS
from xlbilling._config.settings import (
    ENV_VARS,
    TOKENS,
    config_path,
    load_settings,
    mask_token,
    store_token,
)
from xlbilling._output.lines import terminal_width, wrapped

VALUE_WIDTH = 40
"""The value column's width: a longer value (a URL) pushes its source along rather than every line."""


@main.group(invoke_without_command=True)
@click.option("--path", "path_only", is_flag=True, help="Only print the config file's path.")
@click.pass_context
def config(ctx: click.Context, path_only: bool) -> None:
    """Show every setting, its value (tokens masked) and where it came from, then how each API words its
    answers (path, paging, [atria.params], [atria.fields.*]) and the [seller] settings."""
    if ctx.invoked_subcommand is not None:
        return
    if path_only:
        click.echo(str(config_path()))
        return
    settings = load_settings()
    file = settings.config_file or config_path()
    click.echo(f"config file: {file}{'' if file.is_file() else ' (none yet)'}")
    rows: list[tuple[str, str, str] | str] = []
    for name in ENV_VARS:
        value = getattr(settings, name)
        shown = "-" if value is None else mask_token(value) if name in TOKENS else str(value)
        rows.append((name, shown, settings.sources.get(name, "not set")))
    rows += [line for api in ("atria", "xarios") for line in settings.shape(api).settings()]
    seller = settings.seller
    state = "" if seller.configured else " (not set: invoices are written as SAMPLES; set name under [seller])"
    rows.append(f"[seller]{state}")
    for key in SELLER_KEYS:
        value = getattr(seller, key)
        shown = ("; ".join(value) or "-") if isinstance(value, tuple) else "-" if value is None else str(value)
        rows.append((f"seller.{key}", shown, settings.seller_sources.get(key, "not set")))
    for line in aligned(rows, terminal_width()):
        click.echo(line)


def aligned(rows: list[tuple[str, str, str] | str], width: int | None) -> list[str]:
    """Each setting as ``name value source`` in three aligned columns (a text row as it is), a line too long
    for ``width`` wrapped under its value."""
    settings = [row for row in rows if isinstance(row, tuple)]
    names = max((len(name) for name, _, _ in settings), default=0)
    values = min(max((len(value) for _, value, _ in settings), default=0), VALUE_WIDTH)
    lines = []
    for row in rows:
        if isinstance(row, str):
            lines.append(wrapped(row, width))
            continue
        line = f"{row[0]:<{names}}  {row[1]:<{values}}  {row[2]}"
        if width is not None and len(line) > width:
            line = textwrap.fill(line, width, subsequent_indent=" " * (names + 2), break_long_words=False)
        lines.append(line)
    return lines


@config.command("set-token")
@click.argument("api", type=click.Choice(["atria", "xarios"], case_sensitive=False))
def set_token(api: str) -> None:
    """Store the API token of ATRIA or XARIOS in the OS keyring (typed at a hidden prompt, or piped in)."""
    name = api.lower()
    if sys.stdin.isatty():
        token = click.prompt(f"{name.capitalize()} token (hidden)", hide_input=True)
    else:
        token = sys.stdin.readline()
    store_token(name, token)
    click.echo(f'Stored the {name.capitalize()} token in the OS keyring (service "xlbilling").')
    source = load_settings().sources.get(f"{name}_token", "keyring")
    if source != "keyring":
        click.echo(f"Note: the token from the {source} is used before the keyring; remove it there.")
