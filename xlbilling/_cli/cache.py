"""``xlbilling cache``: where the closed periods kept between runs are, how much they take; ``clear`` forgets them."""

from __future__ import annotations

import click

from xlbilling._cli import main


@main.group(invoke_without_command=True)
@click.pass_context
def cache(ctx: click.Context) -> None:
    """Say where xlbilling keeps closed periods between runs (Atria invoice lines, Xarios invoices added up)
    and how much is kept. `margin --refresh` and `reconcile --refresh` ask the APIs again instead."""
    if ctx.invoked_subcommand is not None:
        return
    from xlbilling._session.stored import Store

    store = Store()
    count, size = store.usage()
    click.echo(f"folder: {store.folder}")
    click.echo(f"kept: {count} file{'' if count == 1 else 's'}, {size / 1e6:.1f} MB (each used for 30 days at most)")


@cache.command("clear")
def clear() -> None:
    """Forget every closed period kept between runs: the next margin or reconcile asks the APIs for them."""
    from xlbilling._session.stored import Store

    store = Store()
    count = store.clear()
    click.echo(f"removed {count} file{'' if count == 1 else 's'} from {store.folder}")
