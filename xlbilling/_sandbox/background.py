"""A uvicorn server in a daemon thread on a socket already listening: how the sandbox runs for tests and
notebooks, and how ``xlbilling serve`` runs for its tests and benchmark."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Self

from xlbilling._errors import ApiUnreachable

if TYPE_CHECKING:
    import uvicorn


class Background:
    """A server running in a background thread; use as a context manager or call ``stop()``."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread

    def stop(self) -> None:
        """Stop serving and wait (a few seconds at most) for the server thread to end."""
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def start_in_thread(server: uvicorn.Server, sock: socket.socket, name: str) -> threading.Thread:
    """Run ``server`` on ``sock`` in a daemon thread called ``name``; return it once the server accepts
    connections (``ApiUnreachable`` naming ``name`` when it has not started within 30 seconds)."""
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise ApiUnreachable(name, "start", "the server did not start.", "Run it with --debug to see why.")
        time.sleep(0.01)
    return thread
