"""``xlbilling serve`` and ``xlbilling users`` as an administrator runs them: the real program, its settings from
the options or the ``[serve]`` table of the config file, https with uvicorn's own TLS options, and one clear line
for each mistake."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import trustme

from tests.serve_support import SAMPLES, sandbox_session, settings, xlbilling
from xlbilling._sandbox import Sandbox
from xlbilling._serve.server import start_server
from xlbilling._serve.settings import serve_settings

pytestmark = pytest.mark.usefixtures("sandbox_env")


@contextmanager
def program(*args: str) -> Iterator[tuple[str, list[str]]]:
    """``xlbilling serve ARGS --port 0`` running as its own process: its URL and what it said on stderr at
    start; stopped with Ctrl+C (SIGINT) at the end of the block."""
    process = subprocess.Popen(
        [sys.executable, "-m", "xlbilling", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        assert first.startswith("xlbilling serve: "), first + process.stderr.read()
        port = first.rsplit(":", 1)[1].rstrip(")\n")
        said = [process.stdout.readline().strip()]
        yield f"http://127.0.0.1:{port}", said
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0


def test_the_program_serves_what_users_add_lets_in(tmp_path: Path) -> None:
    db = str(tmp_path / "users.sqlite3")
    with program("--public-url", "https://billing.example.com", "--db", db, "--out", str(tmp_path)) as (url, said):
        assert said == ["manifest: https://billing.example.com/manifest.xml"]
        manifest = httpx.get(f"{url}/manifest.xml")
        refused = httpx.get(f"{url}/api/periods")
        token = xlbilling("users", "add", "carol", "--db", db).stdout.strip()
        periods = httpx.get(f"{url}/api/periods", headers={"Authorization": f"Bearer {token}"})
    assert manifest.status_code == 200
    assert "<AppDomain>https://billing.example.com</AppDomain>" in manifest.text
    assert refused.status_code == 401
    assert periods.status_code == 200 and periods.json()[-1]["period_end"] == "2026-11-30"


def test_the_serve_table_of_the_config_file_sets_what_no_option_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "map.csv").write_bytes((SAMPLES / "product-map.csv").read_bytes())
    config = tmp_path / "config.toml"
    config.write_text(
        '[serve]\npublic_url = "https://from-config.example"\nmapping = ["files/map.csv"]\n'
        f'prices = "{SAMPLES / "prices.csv"}"\ndb = "users.sqlite3"\nout = "jobs"\nrate_limit = 2\n'
    )
    monkeypatch.setenv("XLBILLING_CONFIG", str(config))
    token = xlbilling("users", "add", "dave").stdout.strip()  # the db of the config file
    with program() as (url, said):
        headers = {"Authorization": f"Bearer {token}"}
        reconciled = httpx.get(f"{url}/api/reconcile?period=2026-10-31", headers=headers, timeout=120)
        again = httpx.get(f"{url}/api/me", headers=headers)
        limited = httpx.get(f"{url}/api/me", headers=headers)
    assert said == ["manifest: https://from-config.example/manifest.xml"]
    assert (tmp_path / "users.sqlite3").is_file()
    assert reconciled.status_code == 200 and reconciled.json()["compared"] > 0
    assert (again.status_code, limited.status_code) == (200, 429)


def test_a_broken_file_of_the_server_stops_it_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "map.csv").write_text("sku,part\nA,B\n")
    done = xlbilling("serve", "--port", "0", "--db", str(tmp_path / "db"), "--mapping", str(tmp_path / "map.csv"))
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: {tmp_path / 'map.csv'}, row 1: no columns part_number,sku.")
    assert "Traceback" not in done.stderr


def test_https_with_uvicorns_own_tls_options(sandbox: Sandbox, tmp_path: Path) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert.private_key_pem.write_to_path(tmp_path / "key.pem")
    cert.cert_chain_pems[0].write_to_path(tmp_path / "cert.pem")
    ca.cert_pem.write_to_path(tmp_path / "ca.pem")
    chosen = settings(tmp_path, ssl_certfile=tmp_path / "cert.pem", ssl_keyfile=tmp_path / "key.pem")
    with start_server(chosen, sandbox_session(sandbox)) as running:
        assert running.url.startswith("https://127.0.0.1:")
        trusted = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
        health = httpx.get(f"{running.url}/api/health", verify=trusted)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{running.url}/api/health")  # not trusted without the CA
        plain = running.url.replace("https://", "http://")
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{plain}/api/health")
    assert health.json() == {"ok": True, "version": "0.1.0"}
    assert health.headers["strict-transport-security"] == "max-age=31536000"
    assert serve_settings({"ssl_certfile": tmp_path / "cert.pem", "port": 8443}, None).public_url == (
        "https://127.0.0.1:8443"
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["users", "add", "alice"], "error: alice already has a token. Run `xlbilling users revoke alice` first"),
        (["users", "add", "al ice"], "error: 'al ice' cannot be a user name. Use up to 64 letters"),
        (["users", "revoke", "zoe"], "error: No user zoe has a token. `xlbilling users list` lists the users."),
    ],
)
def test_users_says_each_mistake_in_one_line(tmp_path: Path, args: list[str], said: str) -> None:
    db = str(tmp_path / "users.sqlite3")
    assert xlbilling("users", "add", "alice", "--db", db).returncode == 0
    done = xlbilling(*args, "--db", db)
    assert done.returncode == 2
    assert done.stderr.startswith(said) and done.stderr.count("\n") == 1
    assert done.stdout == ""
