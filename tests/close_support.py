"""What the close's tests share: the command line of a close, a folder's files as bytes, a report without what
differs from run to run, a close in its own process paused at a checkpoint, and loopback receivers of
notifications (an SMTP server and a webhook)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from xlbilling._sandbox import Sandbox

DATA = Path(__file__).parents[1] / "xlbilling" / "_sandbox" / "data"
PRICES, MAPPING, REGISTER = DATA / "prices.csv", DATA / "product-map.csv", DATA / "customers.csv"


def close_args(out: Path | str, *extra: str) -> list[str]:
    """``xlbilling close`` into ``out`` with the sandbox's price list and mapping, without PDFs."""
    return ["close", "--out", str(out), "--prices", str(PRICES), "--mapping", str(MAPPING), "--no-pdf", *extra]


def files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too: none should be left), by relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


VOLATILE = ("ran_at", "unchanged_since")


def stable(report: dict[str, Any]) -> dict[str, Any]:
    """A report without what differs between two runs over the same data: when they ran, how long each step
    took, and the notifications' outcome."""
    kept = {key: value for key, value in report.items() if key not in (*VOLATILE, "notifications")}
    kept["steps"] = [{k: v for k, v in step.items() if k != "seconds"} for step in report["steps"]]
    return kept


def env_for(sandbox: Sandbox, config: Path) -> dict[str, str]:
    """The environment of a close in its own process, pointed at ``sandbox`` with the config file ``config``."""
    env = {**os.environ, "XLBILLING_CONFIG": str(config), "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    for api in ("ATRIA", "XARIOS"):
        env[f"XLBILLING_{api}_URL"], env[f"XLBILLING_{api}_TOKEN"] = sandbox.url, sandbox.token
    env.pop("XLBILLING_CLOSE_PAUSE", None)
    return env


def start_close(env: dict[str, str], cwd: Path, args: list[str], pause: str | None = None) -> subprocess.Popen[str]:
    """``xlbilling close`` in its own process (stderr piped), paused at the checkpoint ``pause`` when given."""
    env = {**env, "XLBILLING_CLOSE_PAUSE": pause} if pause else env
    command = [sys.executable, "-m", "xlbilling", *args]
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@contextmanager
def paused(env: dict[str, str], cwd: Path, args: list[str], pause: str) -> Iterator[subprocess.Popen[str]]:
    """A close in its own process, paused at ``pause``; killed when the block ends, whatever happened in it."""
    process = start_close(env, cwd, args, pause)
    try:
        wait_paused(process)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()


def wait_paused(process: subprocess.Popen[str]) -> list[str]:
    """The stderr lines of ``process`` up to the one saying it paused (it then waits to be killed); an error
    when it ended first."""
    assert process.stderr is not None
    lines = []
    for line in process.stderr:  # blocks on the pipe: no clock involved
        lines.append(line)
        if line.startswith("xlbilling close: paused at "):
            return lines
    raise AssertionError(f"the close ended (exit {process.wait()}) before pausing: {''.join(lines)}")


def run_close(env: dict[str, str], cwd: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """``xlbilling close`` in its own process, to its end."""
    return subprocess.run([sys.executable, "-m", "xlbilling", *args], cwd=cwd, env=env, capture_output=True, text=True)


class Mailbox:
    """What an SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


class _LoopbackSmtp(Controller):
    """aiosmtpd's controller on a socket bound to any free loopback port (the system chooses it)."""

    def __init__(self, handler: Mailbox) -> None:
        self.listening = socket.create_server(("127.0.0.1", 0))
        super().__init__(handler, hostname="127.0.0.1", port=self.listening.getsockname()[1])

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self.listening, ssl=self.ssl_context)


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """An SMTP server on loopback: its mailbox and port."""
    mailbox = Mailbox()
    server = _LoopbackSmtp(mailbox)
    server.start()
    try:
        yield mailbox, server.port
    finally:
        server.stop()


@contextmanager
def webhook() -> Iterator[tuple[list[dict[str, Any]], int]]:
    """An HTTP server on loopback keeping the JSON of every POST: the list and the port."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            received.append({"path": self.path, "json": json.loads(self.rfile.read(length))})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port nothing listens on (bound, so nothing else takes it while the test runs): a target
    that is down."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()
