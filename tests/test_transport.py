"""The HTTP transport: every failure a user can meet becomes one clear xlbilling error, and never shows the token.

Fault injection uses ``httpx.MockTransport``; timeouts, unreachable hosts and TLS use real loopback sockets.
"""

from __future__ import annotations

import datetime as dt
import http.server
import logging
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import FakeTime
from xlbilling._apis.transport.checks import retry_after_seconds
from xlbilling._apis.transport.client import ApiClient
from xlbilling._config.settings import load_settings
from xlbilling._errors import (
    ApiError,
    ApiTimeout,
    ApiUnreachable,
    AuthError,
    BadResponse,
    ConfigError,
    NotFoundError,
    RateLimitError,
    ServerError,
)
from xlbilling._sandbox import Sandbox

TOKEN = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.SIGNATURE-7f3a"
Reply = Callable[[httpx.Request], httpx.Response]


class Script:
    """A mock server that plays ``replies`` in order (the last one repeats) and records every request."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        return reply(request)


def answer(status: int, **kwargs: Any) -> Reply:
    return lambda request: httpx.Response(status, **kwargs)


def fail(error: type[httpx.TransportError]) -> Reply:
    def reply(request: httpx.Request) -> httpx.Response:
        raise error("simulated", request=request)

    return reply


@pytest.fixture
def sleeps(fake_time: FakeTime) -> list[float]:
    """Every wait the test's clients asked for (none of them really waits)."""
    return fake_time.sleeps


@pytest.fixture
def make(fake_time: FakeTime) -> Callable[..., ApiClient]:
    def make(script: Script, api: str = "Atria", **options: Any) -> ApiClient:
        options.setdefault("sleep", fake_time.sleep)
        options.setdefault("clock", fake_time.clock)
        options.setdefault("jitter", lambda: 0.5)  # the middle of the jitter range: delays are exact
        return ApiClient(api, "https://atria.test/base", TOKEN, transport=httpx.MockTransport(script), **options)

    return make


def test_json_comes_back_parsed_with_bearer_auth_and_clean_params(make: Callable[..., ApiClient]) -> None:
    script = Script(answer(200, json={"customers": [{"customerCode": "CUST0001"}]}))
    with make(script) as client:
        data = client.get_json(
            "summary",
            "/api/Billing/2026-10-31/summary",
            {"customer": None, "billable": True, "aggregate": False, "from": dt.date(2026, 10, 1), "n": 5},
        )
    assert data == {"customers": [{"customerCode": "CUST0001"}]}
    (request,) = script.requests
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.url.path == "/base/api/Billing/2026-10-31/summary"
    assert dict(request.url.params) == {"billable": "true", "aggregate": "false", "from": "2026-10-01", "n": "5"}


def test_bytes_come_back_whole(make: Callable[..., ApiClient]) -> None:
    body = b"PK\x03\x04" + bytes(range(256)) * 40
    script = Script(answer(200, content=body, headers={"content-type": "application/octet-stream"}))
    assert make(script).get_bytes("invoice 7 detail", "/detail", max_bytes=len(body)) == body


def test_401_says_the_atria_token_was_rejected_and_how_to_make_one(make: Callable[..., ApiClient]) -> None:
    script = Script(answer(401))
    with pytest.raises(AuthError) as caught:
        make(script, token_help="Then run `xlbilling config set-token atria`.").get_json("summary", "/s")
    text = str(caught.value)
    assert "Atria summary: the token was rejected (HTTP 401)" in text
    assert "External API token" in text and '"Service Provider Developer"' in text
    assert "xlbilling config set-token atria" in text
    assert len(script.requests) == 1


def test_403_on_xarios_says_to_get_a_new_oauth_token(make: Callable[..., ApiClient]) -> None:
    script = Script(answer(403))
    with pytest.raises(AuthError) as caught:
        make(script, api="Xarios").get_json("invoices", "/api/v1.0/billingdata")
    assert "Xarios invoices: the token was rejected (HTTP 403)" in str(caught.value)
    assert "OAuth token" in caught.value.hint and "Billing Administrator" in caught.value.hint


def test_404_gives_the_servers_message_and_the_callers_hint(make: Callable[..., ApiClient]) -> None:
    script = Script(answer(404, json={"message": "No billing period ends on 2026-02-27"}))
    with pytest.raises(NotFoundError) as caught:
        make(script).get_json("summary", "/s", not_found_hint="Run `xlbilling periods` to list the periods.")
    assert caught.value.message == "Atria summary: not found (HTTP 404): No billing period ends on 2026-02-27"
    assert caught.value.hint == "Run `xlbilling periods` to list the periods."


def test_404_without_a_body_or_with_a_bare_not_found_still_says_what_to_check(
    make: Callable[..., ApiClient],
) -> None:
    xarios_body = {"error": 404, "message": "Not Found", "status": "error", "timestamp": "2026-11-21T10:00:00Z"}
    for reply in (answer(404), answer(404, json=xarios_body)):
        with pytest.raises(NotFoundError) as caught:
            make(Script(reply)).get_json("invoice 99", "/i/99")
        assert caught.value.message == "Atria invoice 99: not found (HTTP 404)"
        assert caught.value.hint == "Check what you asked for and the Atria URL."


def test_429_waits_for_retry_after_then_succeeds(make: Callable[..., ApiClient], sleeps: list[float]) -> None:
    script = Script(answer(429, headers={"Retry-After": "2"}), answer(200, json=[1, 2]))
    assert make(script).get_json("periods", "/p") == [1, 2]
    assert sleeps == [2.0]
    assert len(script.requests) == 2


def test_a_huge_retry_after_is_capped(make: Callable[..., ApiClient], sleeps: list[float]) -> None:
    script = Script(answer(429, headers={"Retry-After": "86400"}), answer(200, json={}))
    make(script, max_wait=7.0).get_json("periods", "/p")
    assert sleeps == [7.0]


def test_retry_after_as_an_http_date() -> None:
    now = dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC)
    in_20_s = format_datetime(now + dt.timedelta(seconds=20), usegmt=True)
    assert in_20_s == "Sat, 21 Nov 2026 09:30:20 GMT"
    assert retry_after_seconds(in_20_s, 60, now) == 20.0
    assert retry_after_seconds(in_20_s, 15, now) == 15.0
    assert retry_after_seconds(in_20_s, 60, now + dt.timedelta(minutes=1)) == 0.0  # a date gone by: no wait
    assert retry_after_seconds("soon", 60) is None
    assert retry_after_seconds(None, 60) is None


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_then_succeed(
    make: Callable[..., ApiClient], sleeps: list[float], status: int
) -> None:
    script = Script(answer(status), answer(status), answer(200, json={"ok": True}))
    assert make(script, backoff=0.5).get_json("summary", "/s") == {"ok": True}
    assert sleeps == [0.5, 1.0]  # exponential backoff


def test_gateway_errors_give_up_after_the_retries(make: Callable[..., ApiClient], sleeps: list[float]) -> None:
    script = Script(answer(503))
    with pytest.raises(ServerError) as caught:
        make(script, retries=2, backoff=0.1).get_json("summary", "/s")
    assert len(script.requests) == 3
    assert sleeps == [0.1, 0.2]
    assert "kept failing (HTTP 503) after 3 attempts" in caught.value.message
    assert "try again later" in caught.value.hint


def test_twelve_429s_in_a_row_are_waited_out_whatever_the_retries(
    make: Callable[..., ApiClient], sleeps: list[float]
) -> None:
    script = Script(*[answer(429, headers={"Retry-After": "1"})] * 12, answer(200, json={"ok": True}))
    assert make(script, retries=1).get_json("summary", "/s") == {"ok": True}
    assert sleeps == [1.0] * 12
    assert len(script.requests) == 13


def test_a_persistent_429_gives_up_after_the_total_wait_and_says_so(
    make: Callable[..., ApiClient], sleeps: list[float]
) -> None:
    script = Script(answer(429))  # no Retry-After: the backoff doubles, and the last wait ends at 60 s
    with pytest.raises(RateLimitError) as caught:
        make(script, retries=1).get_json("summary", "/s")
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 28.5]
    assert len(script.requests) == 8  # one more try once the 60 s are over
    assert caught.value.message == "Atria summary: the API kept answering 'too many requests' (HTTP 429) for 60 s"
    assert "fewer calls at once" in caught.value.hint and "XLBILLING_RATE_LIMIT_WAIT" in caught.value.hint


def test_the_rate_limit_wait_is_a_setting(tmp_path: Path, fake_time: FakeTime) -> None:
    env = {"XLBILLING_ATRIA_URL": "https://atria.test", "XLBILLING_ATRIA_TOKEN": TOKEN}
    settings = load_settings({**env, "XLBILLING_RATE_LIMIT_WAIT": "5"}, tmp_path / "config.toml", use_keyring=False)
    script = Script(answer(429, headers={"Retry-After": "2"}))
    client = settings.atria_client(transport=httpx.MockTransport(script), sleep=fake_time.sleep, clock=fake_time.clock)
    with pytest.raises(RateLimitError) as caught:
        client.get_json("summary", "/s")
    assert caught.value.message.endswith("(HTTP 429) for 5 s")
    assert fake_time.sleeps == [2.0, 2.0, 1.0]


def test_429s_do_not_use_up_the_retries_of_a_gateway_error(make: Callable[..., ApiClient], sleeps: list[float]) -> None:
    limited = answer(429, headers={"Retry-After": "1"})
    script = Script(limited, answer(503), limited, limited, answer(200, json={"ok": True}))
    assert make(script, retries=1, backoff=0.5).get_json("summary", "/s") == {"ok": True}
    assert sleeps == [1.0, 0.5, 1.0, 1.0]


def test_a_429_pauses_every_client_of_that_api_at_that_host(
    make: Callable[..., ApiClient], fake_time: FakeTime
) -> None:
    """While one request waits out a 429, another client of the same API and host (as a concurrent fetch
    would) waits as long before it asks; the other API and another host are not held up."""
    same, xarios, elsewhere = Script(answer(200, json=1)), Script(answer(200, json=2)), Script(answer(200, json=3))
    others = [
        make(same),
        make(xarios, api="Xarios"),
        ApiClient("Atria", "https://other.test", TOKEN, transport=httpx.MockTransport(elsewhere),
                  sleep=fake_time.sleep, clock=fake_time.clock),
    ]  # fmt: skip
    seen: list[tuple[Any, list[float]]] = []

    def meanwhile(seconds: float) -> None:  # the limited request's wait, during which the others ask
        for client in others:
            before = len(fake_time.sleeps)
            seen.append((client.get_json("summary", "/s"), fake_time.sleeps[before:]))

    limited = make(Script(answer(429, headers={"Retry-After": "5"}), answer(200, json=0)), sleep=meanwhile)
    assert limited.get_json("summary", "/s") == 0
    assert seen == [(1, [5.0]), (2, []), (3, [])]
    assert [len(s.requests) for s in (same, xarios, elsewhere)] == [1, 1, 1]  # none was refused itself


def test_500_is_not_retried_and_shows_the_servers_message(make: Callable[..., ApiClient]) -> None:
    script = Script(answer(500, json={"title": "Object reference not set to an instance of an object."}))
    with pytest.raises(ServerError) as caught:
        make(script).get_json("analysis", "/a")
    assert len(script.requests) == 1
    assert caught.value.message == (
        "Atria analysis: the server failed (HTTP 500): Object reference not set to an instance of an object."
    )
    assert "Atria support" in caught.value.hint


def test_400_is_not_retried_and_shows_the_servers_message(make: Callable[..., ApiClient]) -> None:
    script = Script(answer(400, json={"message": "'2026-13-01' is not a valid date"}))
    with pytest.raises(ApiError) as caught:
        make(script).get_json("detail", "/d")
    assert len(script.requests) == 1
    assert (
        caught.value.message
        == "Atria detail: the server refused the request (HTTP 400): '2026-13-01' is not a valid date"
    )


def test_connect_errors_are_retried_then_say_the_host_is_unreachable(make: Callable[..., ApiClient]) -> None:
    script = Script(fail(httpx.ConnectError))
    with pytest.raises(ApiUnreachable) as caught:
        make(script, retries=2).get_json("periods", "/p")
    assert len(script.requests) == 3
    assert "cannot reach atria.test" in caught.value.message
    assert "Check the Atria URL (https://atria.test/base)" in caught.value.hint


def test_read_timeouts_are_retried_then_raise_api_timeout(make: Callable[..., ApiClient]) -> None:
    script = Script(fail(httpx.ReadTimeout), fail(httpx.ReadTimeout))
    with pytest.raises(ApiTimeout) as caught:
        make(script, retries=1, timeout=12).get_json("analysis", "/a")
    assert len(script.requests) == 2
    assert "did not answer within 12 s" in caught.value.message
    assert "XLBILLING_TIMEOUT" in caught.value.hint


def test_a_read_timeout_then_an_answer_succeeds(make: Callable[..., ApiClient]) -> None:
    script = Script(fail(httpx.ReadTimeout), answer(200, json={"ok": 1}))
    assert make(script).get_json("analysis", "/a") == {"ok": 1}


def test_broken_json_is_a_bad_response(make: Callable[..., ApiClient]) -> None:
    script = Script(answer(200, content=b'{"customers": [1, 2,, 3]}', headers={"content-type": "application/json"}))
    with pytest.raises(BadResponse) as caught:
        make(script).get_json("parameters", "/p")
    assert "is not valid JSON" in caught.value.message
    assert len(script.requests) == 1


def test_an_html_page_asks_whether_the_url_is_right(make: Callable[..., ApiClient]) -> None:
    page = b"<!DOCTYPE html><html><body>Sign in to continue</body></html>"
    script = Script(answer(200, content=page, headers={"content-type": "text/html; charset=utf-8"}))
    with pytest.raises(BadResponse) as caught:
        make(script).get_json("parameters", "/api/Billing/parameters", {"x": 1})
    assert "got an HTML page, not JSON: is the URL right? (https://atria.test/base/api/Billing/parameters)" in (
        caught.value.message
    )


def test_a_pdf_that_is_an_html_page_is_a_bad_response(make: Callable[..., ApiClient]) -> None:
    script = Script(answer(200, content=b"<html>login</html>", headers={"content-type": "text/html"}))
    with pytest.raises(BadResponse, match="got an HTML page, not a file"):
        make(script).get_bytes("invoice 5 pdf", "/pdf", max_bytes=1000)


def test_a_body_shorter_than_its_content_length_is_cut_off(make: Callable[..., ApiClient]) -> None:
    script = Script(answer(200, content=b'{"data": [1, 2', headers={"content-length": "400"}))
    with pytest.raises(BadResponse) as caught:
        make(script, retries=1).get_json("invoices", "/i")
    assert "cut off after 14 bytes of 400 bytes" in caught.value.message
    assert len(script.requests) == 2  # a broken transfer is worth one more try


def test_json_that_stops_in_the_middle_is_reported_as_cut_off(make: Callable[..., ApiClient]) -> None:
    script = Script(answer(200, content=b'{"data": [{"invoiceId": 1}, {"invoi'))
    with pytest.raises(BadResponse, match="stops in the middle"):
        make(script).get_json("invoices", "/i")


class Endless(httpx.SyncByteStream):
    """A body of 1 KB chunks that counts how many were read."""

    def __init__(self) -> None:
        self.chunks_read = 0

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(100_000):
            self.chunks_read += 1
            yield b"x" * 1024


def test_a_body_over_max_bytes_stops_reading(make: Callable[..., ApiClient]) -> None:
    body = Endless()
    script = Script(lambda request: httpx.Response(200, stream=body))
    with pytest.raises(BadResponse) as caught:
        make(script).get_bytes("invoice 1 detail", "/d", max_bytes=10 * 1024)
    assert "larger than 10 KB, so xlbilling stopped reading it" in caught.value.message
    assert body.chunks_read == 11


def test_a_declared_length_over_max_bytes_is_refused_unread(make: Callable[..., ApiClient]) -> None:
    body = Endless()
    script = Script(lambda request: httpx.Response(200, stream=body, headers={"content-length": "50000000"}))
    with pytest.raises(BadResponse, match="larger than 1 MB"):
        make(script).get_bytes("invoice 1 pdf", "/pdf", max_bytes=1024 * 1024)
    assert body.chunks_read == 0


def test_the_token_never_shows_in_messages_or_logs(
    make: Callable[..., ApiClient], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    echo = {"message": f"token {TOKEN} is not valid"}
    replies = [
        answer(401, json=echo),
        answer(403),
        answer(404, json=echo),
        answer(400, json=echo),
        answer(500, json=echo),
        answer(503),
        answer(200, content=b"<html>"),
        fail(httpx.ConnectError),
        fail(httpx.ReadTimeout),
        answer(200, json={"ok": True}),
    ]
    messages = []
    for reply in replies:
        try:
            make(Script(reply), retries=1).get_json("summary", "/s")
        except ApiError as error:
            messages.append(str(error))
    assert len(messages) == len(replies) - 1
    assert "token (token) is not valid" in messages[2]  # a server echoing the token is blanked out
    assert all(TOKEN not in message for message in messages)
    assert "GET /base/s -> 200" in caplog.text
    assert TOKEN not in caplog.text and "Bearer" not in caplog.text


def test_a_token_with_a_line_break_or_ellipsis_is_refused_up_front() -> None:
    for bad in (TOKEN + "\n", "eyJh…(redacted, 143 chars)"):
        with pytest.raises(ConfigError) as caught:
            ApiClient("Atria", "https://atria.test", bad)
        assert "The Atria token cannot be used" in caught.value.message
        assert "eyJhbG" not in str(caught.value)


def test_a_base_url_without_a_scheme_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="is not an http\\(s\\) address") as caught:
        ApiClient("Xarios", "api.eu.myreports.cloud", TOKEN)
    assert "https://" in caught.value.hint


def test_a_missing_ca_bundle_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist") as caught:
        ApiClient("Atria", "https://atria.test", TOKEN, ca_bundle=str(tmp_path / "corp-ca.pem"))
    assert "XLBILLING_CA_BUNDLE" in caught.value.hint


def test_a_ca_bundle_that_is_not_a_certificate_is_a_config_error(tmp_path: Path) -> None:
    bundle = tmp_path / "corp-ca.pem"
    bundle.write_text("this is not a certificate\n")
    with pytest.raises(ConfigError, match="not a readable PEM certificate file"):
        ApiClient("Atria", "https://atria.test", TOKEN, ca_bundle=str(bundle))


def test_after_an_unreachable_host_calls_fail_at_once_until_the_cooldown_ends(
    make: Callable[..., ApiClient], fake_time: FakeTime
) -> None:
    script = Script(fail(httpx.ConnectError))
    client = make(script, retries=1, cooldown=10.0)
    with pytest.raises(ApiUnreachable):
        client.get_json("summary", "/s")
    assert len(script.requests) == 2
    fake_time.now += 9
    with pytest.raises(ApiUnreachable) as caught:
        client.get_json("detail", "/d")
    assert len(script.requests) == 2  # no new attempt
    assert caught.value.message == (
        "Atria detail: cannot reach atria.test (simulated) a moment ago; not trying again for 1 s"
    )
    fake_time.now += 2
    script.replies = [answer(200, json={"back": True})]
    assert client.get_json("summary", "/s") == {"back": True}


# --- real loopback sockets -----------------------------------------------------------------------------


class Counting(httpx.BaseTransport):
    """A real HTTP transport that counts the requests it sends."""

    def __init__(self, **options: Any) -> None:
        self.inner = httpx.HTTPTransport(**options)
        self.calls = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return self.inner.handle_request(request)


def test_a_closed_port_is_unreachable_and_later_calls_fail_fast(closed_port: int) -> None:
    port = closed_port
    transport = Counting()
    client = ApiClient("Atria", f"http://127.0.0.1:{port}", TOKEN, retries=2, sleep=lambda s: None, transport=transport)
    with pytest.raises(ApiUnreachable) as caught:
        client.get_json("parameters", "/api/Billing/parameters")
    assert caught.value.message == f"Atria parameters: cannot reach 127.0.0.1:{port} (connection refused)"
    assert transport.calls == 3
    for call in ("summary", "detail", "analysis"):
        with pytest.raises(ApiUnreachable, match="a moment ago"):
            client.get_json(call, "/api/Billing/2026-10-31/" + call)
    assert transport.calls == 3


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel accepts connections; nobody ever answers
        port = silent.getsockname()[1]
        client = ApiClient("Xarios", f"http://127.0.0.1:{port}", TOKEN, timeout=0.2, retries=1, sleep=lambda s: None)
        with pytest.raises(ApiTimeout) as caught:
            client.get_json("invoices", "/api/v1.0/billingdata")
    assert caught.value.message == (f"Xarios invoices: 127.0.0.1:{port} did not answer within 0.2 s (2 attempts)")


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``{"ok": true}``, or with ``/short`` a body that stops before its Content-Length."""

    def do_GET(self) -> None:
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body) + (500 if self.path == "/short" else 0)))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[http.server.ThreadingHTTPServer]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_real_loopback_answer_and_a_cut_off_body(
    server: http.server.ThreadingHTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # httpx and httpcore log too: neither may show the token
    url = f"http://127.0.0.1:{server.server_address[1]}"
    with ApiClient("Atria", url, TOKEN, retries=1, sleep=lambda s: None) as client:
        assert client.get_json("ping", "/ok") == {"ok": True}
        with pytest.raises(BadResponse, match="the connection broke before the answer was complete"):
            client.get_json("ping", "/short")
    assert "GET /ok -> 200" in caplog.text and "httpcore" in caplog.text
    assert TOKEN not in caplog.text


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1, as a corporate proxy's own CA would make."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "xlbilling test CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "ca.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_tls_is_verified_and_a_ca_bundle_makes_a_private_ca_trusted(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{httpd.server_address[1]}"
    try:
        with pytest.raises(ApiUnreachable) as caught:
            ApiClient("Atria", url, TOKEN, sleep=lambda s: None).get_json("ping", "/ok")
        assert "certificate of 127.0.0.1" in caught.value.message
        assert "XLBILLING_CA_BUNDLE" in caught.value.hint
        with ApiClient("Atria", url, TOKEN, ca_bundle=str(cert)) as client:
            assert client.get_json("ping", "/ok") == {"ok": True}
    finally:
        httpd.shutdown()
        httpd.server_close()


# --- the local sandbox, with its fault switches ------------------------------------------------------------


@pytest.fixture
def faults(sandbox: Any) -> Iterator[Callable[..., None]]:
    """Arm one sandbox fault (see xlbilling._sandbox.faults); every fault is reset after the test."""
    control = httpx.Client(base_url=sandbox.url, headers={"Authorization": f"Bearer {sandbox.token}"})

    def arm(**fault: Any) -> None:
        control.post("/_sandbox/faults", json=fault).raise_for_status()

    yield arm
    control.delete("/_sandbox/faults").raise_for_status()
    control.close()


@pytest.fixture
def sandbox_client(sandbox: Any, fake_time: FakeTime) -> Iterator[ApiClient]:
    with ApiClient(
        "Atria", sandbox.url, sandbox.token, retries=2, sleep=fake_time.sleep, clock=fake_time.clock
    ) as client:
        yield client


def test_sandbox_gateway_errors_then_the_real_answer(
    sandbox_client: ApiClient, faults: Callable[..., None], sleeps: list[float]
) -> None:
    expected = sandbox_client.get_json("parameters", "/api/Billing/parameters")
    faults(status=503, count=2, paths="parameters")
    assert sandbox_client.get_json("parameters", "/api/Billing/parameters") == expected
    assert len(sleeps) == 2


def test_sandbox_429_waits_the_retry_after_it_sends(
    sandbox_client: ApiClient, faults: Callable[..., None], sleeps: list[float]
) -> None:
    faults(status=429, count=1, retry_after=3)
    assert "customers" in sandbox_client.get_json("parameters", "/api/Billing/parameters")
    assert sleeps == [3.0]


def test_sandbox_twelve_429s_in_a_row_are_outlasted_by_one_request(
    sandbox: Any, sandbox_client: ApiClient, faults: Callable[..., None], sleeps: list[float]
) -> None:
    expected = sandbox_client.get_json("parameters", "/api/Billing/parameters")
    start = len(sandbox.requests)
    faults(status=429, count=12, retry_after=1)
    assert sandbox_client.get_json("parameters", "/api/Billing/parameters") == expected
    assert sleeps == [1.0] * 12
    assert [r for r in sandbox.requests[start:] if r.startswith("GET ")] == ["GET /api/Billing/parameters"] * 13


def test_sandbox_persistent_429_ends_in_one_line_after_the_total_wait(
    sandbox_client: ApiClient, faults: Callable[..., None], sleeps: list[float]
) -> None:
    faults(status=429, count=-1, retry_after=7)
    with pytest.raises(RateLimitError) as caught:
        sandbox_client.get_json("parameters", "/api/Billing/parameters")
    assert caught.value.message == "Atria parameters: the API kept answering 'too many requests' (HTTP 429) for 60 s"
    assert "\n" not in str(caught.value)
    assert sleeps == [7.0] * 8 + [4.0]


@pytest.mark.parametrize(
    ("malformed", "says"),
    [  # the sandbox's broken JSON is cut off mid-string, as is its truncated body
        ("json", "the JSON answer stops in the middle"),
        ("html", "got an HTML page, not JSON"),
        ("truncated", "the JSON answer stops in the middle"),
    ],
)
def test_sandbox_malformed_answers_are_bad_responses(
    sandbox_client: ApiClient, faults: Callable[..., None], malformed: str, says: str
) -> None:
    faults(malformed=malformed, count=1)
    with pytest.raises(BadResponse, match=says):
        sandbox_client.get_json("parameters", "/api/Billing/parameters")


def test_sandbox_too_slow_is_a_timeout(sandbox: Any, faults: Callable[..., None]) -> None:
    faults(latency=2, count=-1)
    client = ApiClient("Xarios", sandbox.url, sandbox.token, timeout=0.3, retries=0)
    with client, pytest.raises(ApiTimeout, match=r"did not answer within 0\.3 s"):
        client.get_json("invoices", "/api/v1.0/billingdata")


def test_sandbox_wrong_token_and_unknown_invoice(sandbox: Any) -> None:
    wrong = ApiClient("Xarios", sandbox.url, "not-the-right-token")
    with wrong, pytest.raises(AuthError, match=r"the token was rejected \(HTTP 401\)"):
        wrong.get_json("invoices", "/api/v1.0/billingdata")
    right = ApiClient("Xarios", sandbox.url, sandbox.token)
    with right, pytest.raises(NotFoundError) as caught:
        right.get_json("invoice NOPE", "/api/v1.0/billingdata/NOPE", not_found_hint="List them with X.")
    assert caught.value.message.startswith("Xarios invoice NOPE: not found (HTTP 404)")
    assert caught.value.hint == "List them with X."


def test_a_token_is_blanked_as_a_whole_value_never_inside_other_words() -> None:
    word = "xlbillin"  # a token that is also the start of a word the messages use
    script = Script(answer(400, json={"message": f"token {word} is not valid; run xlbilling periods"}))
    client = ApiClient("Atria", "https://atria.test", word, transport=httpx.MockTransport(script), retries=0)
    with pytest.raises(ApiError) as caught:
        client.get_json("summary", "/s")
    assert "token (token) is not valid; run xlbilling periods" in str(caught.value)


@pytest.mark.parametrize("token", ["x", "secret", "1234567"])
def test_a_token_shorter_than_8_characters_is_refused(token: str) -> None:
    with pytest.raises(ConfigError) as caught:
        ApiClient("Atria", "https://atria.test", token)
    assert f"it is {len(token)} characters long, and a token has at least 8" in str(caught.value)
    assert token not in str(caught.value).replace("characters", "")


def test_a_client_nobody_closed_lets_go_of_its_connection_when_dropped(sandbox: Sandbox) -> None:
    """A script (or a test) that never closes its client leaves no socket to a later garbage collection, where
    its ResourceWarning can land in the middle of someone else's import."""
    import gc
    import warnings

    client = ApiClient("Atria", sandbox.url, sandbox.token)
    assert client.get_json("parameters", "/api/billing/parameters")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del client
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
