"""Helpers for the server's tests: ``xlbilling serve`` running in-process on a loopback port, backed by the
sandbox, with the sandbox's sample mapping, price list and register; and the command line run for real."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from xlbilling import Atria, Session, Xarios
from xlbilling._sandbox import Sandbox
from xlbilling._serve.server import Running, start_server
from xlbilling._serve.settings import ServeSettings

SAMPLES = Path(__file__).resolve().parents[1] / "xlbilling" / "_sandbox" / "data"
PUBLIC = "https://x.example"


def settings(folder: Path, **changes: Any) -> ServeSettings:
    """A server on any free loopback port, reached (says its manifest) at ``PUBLIC``, with its database, jobs
    and add-in folder in ``folder`` and the sandbox's sample files."""
    chosen = ServeSettings(
        public_url=PUBLIC,
        db=folder / "serve.sqlite3",
        out=folder / "jobs",
        host="127.0.0.1",
        port=0,
        mappings=(SAMPLES / "product-map.csv",),
        prices=SAMPLES / "prices.csv",
        register=SAMPLES / "customers.csv",
        addin=folder / "addin",
    )
    return replace(chosen, **changes)


def sandbox_session(sandbox: Sandbox) -> Session:
    """A session on the sandbox (one retry), as the server's settings would build it."""
    return Session(Atria.connect(sandbox.url, sandbox.token, retries=1), Xarios.connect(sandbox.url, sandbox.token))


@contextmanager
def serving(sandbox: Sandbox, folder: Path, session: Session | None = None, **changes: Any) -> Iterator[Running]:
    """The server running on loopback until the block ends, its data from the sandbox (or ``session``)."""
    with start_server(settings(folder, **changes), session or sandbox_session(sandbox)) as running:
        yield running


def signed_in(running: Running, name: str = "alice") -> httpx.Client:
    """A client of the running server, signed in as a new user ``name``."""
    return client(running, running.server.users.add(name))


def client(running: Running, token: str | None) -> httpx.Client:
    """An HTTP client of the running server, sending ``token`` as the bearer token (none when ``None``)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=running.url, headers=headers, timeout=120)


def xlbilling(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``xlbilling ARGS`` run as a program (a new interpreter), with this environment."""
    return subprocess.run(
        [sys.executable, "-m", "xlbilling", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env or dict(os.environ),
    )


def finished(http: httpx.Client, job: str) -> dict[str, Any]:
    """An invoice job's state once it is no longer running (polled; a run of a few invoices takes seconds)."""
    deadline = time.monotonic() + 280
    state: dict[str, Any] = {}
    while time.monotonic() < deadline:
        state = http.get(f"/api/jobs/{job}").json()
        if state["state"] != "running":
            return state
        time.sleep(0.2)
    raise AssertionError(f"job {job} still running: {state}")
