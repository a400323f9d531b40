"""Running the server: in the foreground for ``xlbilling serve``, or in a background thread on loopback for tests
and benchmarks (``start_server``). uvicorn's own access log is off (it would print query strings); the guard
logs one line per request as ``xlbilling.serve``, with any token blotted out."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from xlbilling._sandbox.background import Background, start_in_thread

if TYPE_CHECKING:
    import uvicorn

    from xlbilling import Session
    from xlbilling._serve.settings import ServeSettings
    from xlbilling._serve.state import Server


def open_server(settings: ServeSettings, session: Session | None = None) -> Server:
    """The server's parts: its users' database, its files read, one session (from the user's settings unless
    given) shared by every user."""
    from xlbilling import Session
    from xlbilling._serve.ratelimit import RateLimit
    from xlbilling._serve.runs import Jobs
    from xlbilling._serve.state import Files, Server
    from xlbilling._serve.users import Users

    files = Files.load(settings)
    users = Users(settings.db)
    session = session or Session()
    jobs = Jobs(settings.out, session.sources)
    return Server(settings, session, users, RateLimit(settings.rate_limit), files, jobs)


def served_here(settings: ServeSettings) -> Callable[[str], bool]:
    """Whether the server answers a path of its manifest, judged from its files (for the start-up check)."""

    def served(path: str) -> bool:
        if path in ("/", "/manifest.xml"):
            return True
        name = path.removeprefix("/addin/")
        return name != path and ".." not in Path(name).parts and (settings.addin / name).is_file()

    return served


def notes(server: Server) -> list[str]:
    """What the administrator should know at start: an http address, manifest problems, nobody to sign in."""
    from xlbilling._serve.lint import problems
    from xlbilling._serve.manifest import render

    settings = server.settings
    found = []
    if not settings.public_url.startswith("https://"):
        found.append(
            f"warning: {settings.public_url} is not https: Office loads add-ins only over https. Give the https "
            "address users reach this server at with --public-url."
        )
    served = served_here(settings)
    missing = [p for p in problems(render(settings.public_url), settings.public_url, served) if "not https" not in p]
    found += [f"warning: manifest: {problem}" for problem in missing]
    if not [user for user in server.users.users() if user.revoked is None]:
        found.append(f"warning: nobody can sign in yet: run `xlbilling users add NAME --db {settings.db}`.")
    return found


def _uvicorn(server: Server) -> uvicorn.Server:
    import uvicorn

    from xlbilling._serve.app import build_app

    settings = server.settings
    config = uvicorn.Config(
        build_app(server), log_config=None, access_log=False, lifespan="on", server_header=False,
        timeout_graceful_shutdown=5, ssl_certfile=settings.ssl_certfile, ssl_keyfile=settings.ssl_keyfile,
    )  # fmt: skip
    return uvicorn.Server(config)


def run_server(server: Server, sock: socket.socket) -> None:
    """Serve on ``sock`` until Ctrl+C."""
    _uvicorn(server).run(sockets=[sock])


class Running(Background):
    """A server running in a background thread; ``url`` is where it listens. Use as a context manager."""

    def __init__(self, server: Server, runner: uvicorn.Server, thread: threading.Thread, url: str) -> None:
        super().__init__(runner, thread)
        self.server = server
        self.url = url

    def stop(self) -> None:
        """Stop serving, wait (a few seconds at most) for the thread to end, close the users' database."""
        super().stop()
        self.server.users.close()


def start_server(settings: ServeSettings, session: Session | None = None) -> Running:
    """Start the server in a daemon thread (``settings.port`` 0: any free port) and return once it accepts
    connections."""
    from xlbilling._sandbox.server import bind

    server = open_server(settings, session)
    sock = bind(settings.host, settings.port)
    runner = _uvicorn(server)
    thread = start_in_thread(runner, sock, "xlbilling-serve")
    scheme = "https" if settings.ssl_certfile else "http"
    return Running(server, runner, thread, f"{scheme}://{settings.host}:{sock.getsockname()[1]}")
