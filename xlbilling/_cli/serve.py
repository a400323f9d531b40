"""``xlbilling serve``: the add-in's server; ``xlbilling users add | list | revoke | audit``: who may use it.

FastAPI and uvicorn are imported only when the server starts, so ``xlbilling --help`` stays quick."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from xlbilling._cli import main
from xlbilling._cli._common import stderr

if TYPE_CHECKING:  # sqlite3 is imported when a users command runs
    from xlbilling._serve.users import Users

_FILE = click.Path(dir_okay=False, path_type=Path)
_DB = click.option(
    "--db",
    type=_FILE,
    help="The users' database (SQLite). Default: db under [serve] in the config file, else serve.sqlite3 in the "
    "user data folder.",
)


@main.command()
@click.option("--host", help="Address to listen on. Default: 127.0.0.1 (put a reverse proxy in front).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port to listen on (0: any free port). Default: 8766.")
@click.option(
    "--public-url",
    metavar="URL",
    help="The https address users reach the server at (https://billing.example.com): every URL of the add-in's "
    "manifest is on it. Default: public_url under [serve], else http://HOST:PORT (Office needs https).",
)
@_DB
@click.option("--mapping", "mappings", metavar="PATH", type=_FILE, multiple=True,
              help="Product mapping for reconcile and margin (part_number,sku); repeat it to add a tenant "
              "mapping (tenant_code_ext,account_code).")  # fmt: skip
@click.option("--prices", metavar="PATH", type=_FILE, help="Price list for reconcile, margin and invoices.")
@click.option("--register", metavar="PATH", type=_FILE, help="Customer register for e-invoices.")
@click.option("--template", metavar="PATH", type=_FILE, help="Invoice template (.xlsx). Default: the shipped one.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the invoice jobs' files, one folder per job. Default: jobs in the user data folder.",
)
@click.option("--rate-limit", type=click.IntRange(1, None), metavar="N",
              help="Requests each user may make in any minute (then 429). Default: 600.")  # fmt: skip
@click.option("--ssl-certfile", type=_FILE, help="Serve https with this certificate chain (PEM), as uvicorn does.")
@click.option("--ssl-keyfile", type=_FILE, help="The certificate's private key (PEM).")
def serve(**options: object) -> None:
    """Serve the Office add-in and a JSON API mirroring the command line to the users of `xlbilling users add`.

    The manifest is at /manifest.xml, the add-in's files at /addin/; /api/summary?period=2026-10-31 answers what
    `xlbilling summary --period 2026-10-31 --format json` prints. Every option may also be set under [serve] in
    the config file; the Atria and Xarios settings are those of every command. Runs until Ctrl+C."""
    from xlbilling._config.settings import load_settings
    from xlbilling._sandbox.server import bind
    from xlbilling._serve.server import notes, open_server, run_server
    from xlbilling._serve.settings import serve_settings

    config = load_settings(use_keyring=False).config_file
    settings = serve_settings(options, config)
    sock = bind(settings.host, settings.port)
    port = sock.getsockname()[1]
    if port != settings.port:  # --port 0: the port the system chose
        settings = serve_settings({**options, "port": port}, config)
    server = open_server(settings)
    for note in notes(server):
        stderr.print(note)
    click.echo(f"xlbilling serve: {settings.public_url} (listening on {settings.host}:{port})")
    click.echo(f"manifest: {settings.public_url}/manifest.xml")
    click.echo("Press Ctrl+C to stop.")
    sys.stdout.flush()
    logging.getLogger("xlbilling.serve").setLevel(logging.INFO)  # one access-log line per request, on stderr
    try:
        run_server(server, sock)
    except KeyboardInterrupt:  # uvicorn stops on Ctrl+C, then raises it again
        stderr.print("stopped")


@main.group()
def users() -> None:
    """Who may use `xlbilling serve`: personal tokens, stored as hashes."""


def _users(db: Path | None) -> Users:
    from xlbilling._config.settings import load_settings
    from xlbilling._serve.settings import db_path
    from xlbilling._serve.users import Users

    return Users(db_path(db, load_settings(use_keyring=False).config_file))


@users.command("add")
@click.argument("name")
@_DB
def add_user(name: str, db: Path | None) -> None:
    """Give NAME a personal token, printed once on stdout (only its hash is kept). Paste it into the Billing
    pane's sign-in."""
    store = _users(db)
    token = store.add(name)
    stderr.print(f"token for {name} (shown once: give it to them; `xlbilling users revoke {name}` ends it):")
    click.echo(token)


@users.command("list")
@_DB
def list_users(db: Path | None) -> None:
    """List the users: name, when their token was made, last used, revoked."""
    store = _users(db)
    found = store.users()
    if not found:
        stderr.print("no users yet: `xlbilling users add NAME` makes one")
    for user in found:
        state = f"revoked {user.revoked}" if user.revoked else "active"
        click.echo(f"{user.name}\tcreated {user.created}\tlast used {user.last_used or 'never'}\t{state}")


@users.command("revoke")
@click.argument("name")
@_DB
def revoke_user(name: str, db: Path | None) -> None:
    """End NAME's token at once, also for a running server (`users add NAME` gives them a new one)."""
    store = _users(db)
    store.revoke(name)
    stderr.print(f"revoked {name}'s token")


@users.command("audit")
@click.option("--user", "who", metavar="NAME", help="Only this user's requests.")
@click.option("--limit", type=click.IntRange(1, None), default=50, show_default=True, help="How many, newest last.")
@_DB
def audit(who: str | None, limit: int, db: Path | None) -> None:
    """Who asked the server for what, and the answer's status."""
    store = _users(db)
    for row in store.audit(who, limit):
        asked = row.path + (f"?{row.query}" if row.query else "")
        click.echo(f"{row.at}\t{row.user or '-'}\t{row.method} {asked}\t{row.status}")
