"""``xlbilling config``: show each setting and where it came from; ``set-token`` stores a token in the keyring."""

from __future__ import annotations

import sys

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
    width = max(map(len, ENV_VARS))
    for name in ENV_VARS:
        value = getattr(settings, name)
        if value is None:
            shown = "-"
        elif name in TOKENS:
            shown = mask_token(value)
        else:
            shown = str(value)
        click.echo(f"{name:<{width}} {shown:<40} {settings.sources.get(name, 'not set')}")
    shapes = [line for api in ("atria", "xarios") for line in settings.shape(api).settings()]
    name_width, value_width = (max(len(line[part]) for line in shapes) for part in (0, 1))
    for name, value, source in shapes:
        click.echo(f"{name:<{name_width}} {value:<{value_width}} {source}")
    seller = settings.seller
    state = "" if seller.configured else " (not set: invoices are written as SAMPLES; set name under [seller])"
    click.echo(f"[seller]{state}")
    for key in SELLER_KEYS:
        value = getattr(seller, key)
        shown = "; ".join(value) if isinstance(value, tuple) else "-" if value is None else str(value)
        click.echo(f"seller.{key:<14} {shown:<40} {settings.seller_sources.get(key, 'not set')}")


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
