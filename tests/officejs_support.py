"""The real ``xlbilling serve`` for the Office.js add-in's tests: started as a user would start it (its command
line, in its own process), on a loopback port the system picks, backed by the session's sandbox, with one user
whose token the tests sign in with."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from xlbilling._sandbox import Sandbox

SANDBOX_DATA = Path(__file__).resolve().parents[1] / "xlbilling" / "_sandbox" / "data"
MAPPING, PRICES = SANDBOX_DATA / "product-map.csv", SANDBOX_DATA / "prices.csv"
REGISTER = SANDBOX_DATA / "customers.csv"
"""The sandbox customers' register (their e-invoice details)."""
ADDIN_TESTS = Path(__file__).resolve().parent / "addin"
STARTED = re.compile(r"https?://127\.0\.0\.1:(\d+)")
TOKEN = re.compile(r"xlb_[A-Za-z0-9_-]{43}")
START_WAIT = 60.0
"""Seconds the server may take to start on a busy machine before the tests give up."""


@dataclass(frozen=True)
class Served:
    """A running server: where it is, the token of its user ``clerk``, its users' database."""

    url: str
    token: str
    db: Path

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, route: str) -> httpx.Response:
        """A GET as the add-in sends it, bearer token and all."""
        return httpx.get(f"{self.url}{route}", headers=self.auth(), timeout=60)

    def post(self, route: str, body: object) -> httpx.Response:
        """A POST of JSON as the add-in sends it."""
        return httpx.post(f"{self.url}{route}", json=body, headers=self.auth(), timeout=120)

    def audited(self, path: str, query_part: str) -> int:
        """How many requests the server's audit trail holds for ``path`` with ``query_part`` in its query."""
        with sqlite3.connect(self.db) as db:
            found = db.execute(
                "SELECT count(*) FROM audit WHERE path = ? AND query LIKE ?", (path, f"%{query_part}%")
            ).fetchone()
        return int(found[0])

    def users(self, *args: str) -> str:
        """Run ``xlbilling users ARGS --db DB`` and return what it printed."""
        command = [sys.executable, "-m", "xlbilling", "users", *args, "--db", str(self.db)]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def environment(sandbox: Sandbox, config: Path) -> dict[str, str]:
    """The server's environment: the sandbox as both APIs, an empty config file, no keyring, and a cache of
    closed periods of its own beside the config file (never the tester's)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("XLBILLING_")}
    for api in ("ATRIA", "XARIOS"):
        env[f"XLBILLING_{api}_URL"] = sandbox.url
        env[f"XLBILLING_{api}_TOKEN"] = sandbox.token
    env.update(
        XLBILLING_CONFIG=str(config),
        XLBILLING_CACHE_DIR=str(config.parent / "cache"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    return env


def serve(sandbox: Sandbox, folder: Path) -> Iterator[Served]:
    """Start ``xlbilling serve`` on a free loopback port with the sandbox's mapping and prices, add a user, and
    stop the server afterwards."""
    config, db, out, log = folder / "config.toml", folder / "serve.sqlite3", folder / "out", folder / "serve.log"
    config.write_text("")
    env = environment(sandbox, config)
    added = subprocess.run(
        [sys.executable, "-m", "xlbilling", "users", "add", "clerk", "--db", str(db)],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    token = TOKEN.search(added.stdout + added.stderr)
    assert token is not None, f"users add printed no token: {added.stdout}{added.stderr}"
    command = [
        sys.executable, "-m", "xlbilling", "serve", "--host", "127.0.0.1", "--port", "0", "--db", str(db),
        "--mapping", str(MAPPING), "--prices", str(PRICES), "--register", str(REGISTER), "--out", str(out),
        "--rate-limit", "100000",  # the tests are one user asking fast; the server's own tests check the limit
    ]  # fmt: skip
    with log.open("w") as written:
        process = subprocess.Popen(command, env=env, stdout=written, stderr=subprocess.STDOUT, text=True)
    try:
        url = _started(process, log)
        yield Served(url, token.group(0), db)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _started(process: subprocess.Popen[str], log: Path) -> str:
    """The server's address once ``/api/health`` answers; fails with its output if it stops or never starts."""
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"xlbilling serve stopped: {log.read_text()}")
        ports = [port for port in STARTED.findall(log.read_text()) if port != "0"]
        if ports:
            url = f"http://127.0.0.1:{ports[-1]}"
            try:
                if httpx.get(f"{url}/api/health", timeout=5).status_code == 200:
                    return url
            except httpx.TransportError:
                pass
        time.sleep(0.1)
    raise AssertionError(f"xlbilling serve did not start within {START_WAIT} s: {log.read_text()}")
