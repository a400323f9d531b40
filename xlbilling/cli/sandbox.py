"""``xlbilling sandbox``: run the local Atria + Xarios sandbox in the foreground until Ctrl+C."""

from __future__ import annotations

import secrets
from datetime import date, datetime

import click

from xlbilling.cli import main


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
def sandbox(host: str, port: int, seed: int, customers: int, today: datetime | None, token: str | None) -> None:
    """Serve a local Atria and Xarios API with realistic, reproducible billing data.

    Prints the URL, the token and the environment variables that point xlbilling at it.
    """
    from xlbilling.sandbox.dataset import Dataset  # the xlbilling.sandbox package imports FastAPI and uvicorn
    from xlbilling.sandbox.server import bind, make_server

    dataset = Dataset(seed, customers, today.date() if today else date.today())
    token = token or secrets.token_urlsafe(24)
    sock = bind(host, port)
    url = f"http://{host}:{sock.getsockname()[1]}"
    settings = {
        "XLBILLING_ATRIA_URL": url,
        "XLBILLING_ATRIA_TOKEN": token,
        "XLBILLING_XARIOS_URL": url,
        "XLBILLING_XARIOS_TOKEN": token,
    }
    click.echo(f"xlbilling sandbox: {customers} customers, seed {seed}, today {dataset.today.isoformat()}")
    click.echo(f"URL:   {url}   (API docs: {url}/docs)")
    click.echo(f"Token: {token}")
    click.echo("\nbash / zsh:")
    for name, value in settings.items():
        click.echo(f"  export {name}='{value}'")
    click.echo("\nPowerShell:")
    for name, value in settings.items():
        click.echo(f"  $env:{name} = '{value}'")
    click.echo("\nPress Ctrl+C to stop.")
    make_server(dataset, token).run(sockets=[sock])
