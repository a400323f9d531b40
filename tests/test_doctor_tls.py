"""The doctor's TLS step against a real TLS server on loopback whose certificate a test CA signed: refused
without the CA, verified with it as the CA bundle (the step a corporate TLS-inspecting proxy breaks)."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
import trustme
from click.testing import CliRunner

from xlbilling._cli import main


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_port(ca: trustme.CA) -> Iterator[int]:
    """A loopback server that completes a TLS handshake as ``localhost``, then closes the connection."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                raw, _ = listener.accept()
            except TimeoutError:
                continue
            with suppress(OSError), context.wrap_socket(raw, server_side=True):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    listener.close()


def doctor(tmp_path: Path, port: int, **extra: str) -> str:
    env = {
        "XLBILLING_ATRIA_URL": f"https://localhost:{port}",
        "XLBILLING_ATRIA_TOKEN": "a-token-long-enough-123",
        "XLBILLING_XARIOS_URL": "",
        "XLBILLING_XARIOS_TOKEN": "",
        "XLBILLING_CONFIG": str(tmp_path / "none.toml"),
        "XLBILLING_RETRIES": "0",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "COLUMNS": "100",
    } | extra
    result = CliRunner().invoke(main, ["doctor"], env=env)
    assert result.exit_code == 1
    return result.stdout


def test_a_certificate_no_trusted_ca_signed_stops_at_the_tls_step(tmp_path: Path, tls_port: int) -> None:
    out = doctor(tmp_path, tls_port)
    assert "  ✓ host      resolves\n  ✗ TLS       the TLS certificate of localhost could not be verified" in out
    assert "set ca_bundle under [http] (or XLBILLING_CA_BUNDLE)" in out.replace("\n              ", " ")
    assert "✓ token" not in out and "✗ token" not in out  # stopped there


def test_the_ca_bundle_makes_it_verify(tmp_path: Path, tls_port: int, ca: trustme.CA) -> None:
    bundle = tmp_path / "proxy-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    out = doctor(tmp_path, tls_port, XLBILLING_CA_BUNDLE=str(bundle))
    assert "  ✓ TLS       verified\n  ✗ answer    Atria parameters: " in out  # this server speaks no HTTP
