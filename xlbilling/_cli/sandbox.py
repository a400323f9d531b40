"""``xlbilling sandbox``: run the local Atria + Xarios sandbox (or a recording) in the foreground until Ctrl+C."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from pathlib import Path

import click

from xlbilling._cli import main

#: The sandbox's dialects (``xlbilling._sandbox.dialects.NAMES``, kept here so --help imports no web server).
DIALECTS = ("plain", "renamed", "odata", "next", "pages", "skip", "hasmore")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0 = any free port).",
)
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of the generated data.")
@click.option(
    "--customers", default=25, show_default=True, type=click.IntRange(10, None), help="Number of Atria customers."
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day the open billing period contains (YYYY-MM-DD; default: today).",
)
@click.option("--token", default=None, help="Bearer token to require (default: a random one, printed).")
@click.option(
    "--dialect",
    type=click.Choice(DIALECTS),
    default="plain",
    show_default=True,
    help="Speak like another instance: renamed keys and paths (renamed), or an envelope and a paging style.",
)
@click.option("--page-size", default=100, show_default=True, type=click.IntRange(1, None), help="Rows per page.")
@click.option(
    "--replay",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Serve the answers recorded in this folder (`xlbilling doctor --record DIR`) instead of the data set.",
)
def sandbox(
    host: str,
    port: int,
    seed: int,
    customers: int,
    today: datetime | None,
    token: str | None,
    dialect: str,
    page_size: int,
    replay: Path | None,
) -> None:
    """Serve a local Atria and Xarios API with realistic, reproducible billing data, in one of several
    dialects, or a recording made by `xlbilling doctor --record`.

    Prints the URL, the token and the environment variables that point xlbilling at it.
    """
    from xlbilling._sandbox.dataset import Dataset  # the xlbilling._sandbox package imports FastAPI and uvicorn
    from xlbilling._sandbox.dialects import Dialect
    from xlbilling._sandbox.replay import replay_app
    from xlbilling._sandbox.server import bind, build_app, make_server

    dataset = Dataset(seed, customers, today.date() if today else date.today())
    token = token or secrets.token_urlsafe(24)
    if replay is not None:
        app = replay_app(replay, token)
    else:
        app = build_app(dataset, token, dialect=Dialect.model_validate({"name": dialect, "page_size": page_size}))
    sock = bind(host, port)
    url = f"http://{host}:{sock.getsockname()[1]}"
    settings = {
        "XLBILLING_ATRIA_URL": url,
        "XLBILLING_ATRIA_TOKEN": token,
        "XLBILLING_XARIOS_URL": url,
        "XLBILLING_XARIOS_TOKEN": token,
    }
    what = f"replaying {replay}" if replay else f"{customers} customers, seed {seed}, today {dataset.today.isoformat()}"
    click.echo(f"xlbilling sandbox: {what}" + (f", dialect {dialect}" if dialect != "plain" and not replay else ""))
    click.echo(f"URL:   {url}" + ("" if replay else f"   (API docs: {url}/docs)"))
    click.echo(f"Token: {token}")
    click.echo("\nbash / zsh:")
    for name, value in settings.items():
        click.echo(f"  export {name}='{value}'")
    click.echo("\nPowerShell:")
    for name, value in settings.items():
        click.echo(f"  $env:{name} = '{value}'")
    click.echo("\nPress Ctrl+C to stop.")
    make_server(app).run(sockets=[sock])
