"""What the HTTP transport (``client``) reads and writes at the edges: query values, ``Retry-After``,
a server's own error message, a web page where JSON was expected, broken JSON, a refused token, connection
failures, URLs and TLS."""

from __future__ import annotations

import math
import re
import socket
import ssl
from collections.abc import Mapping
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

from xlbilling._errors import BadResponse, ConfigError

MIN_TOKEN_LENGTH = 8
"""The shortest token accepted: real Atria and Xarios tokens are far longer, and a shorter one is a typo or
a placeholder (and would be hard to keep out of messages)."""


TOKEN_HELP = {
    "Atria": (
        "Create a new External API token in Atria, signed in as a user with the "
        '"Service Provider Developer" permission (disabling that user disables its tokens).'
    ),
    "Xarios": (
        "Get a new OAuth token from login.xarios.cloud (tokens expire; the user needs the "
        '"REST API Administrator" and "Billing Administrator" roles).'
    ),
}
"""What to do about a rejected token, per API (where each API's tokens are made)."""


def refusal(status: int, token_sent: bool) -> str:
    """Why the API answered 401 or 403 (``status``), in a user's words."""
    if not token_sent:
        return f"no token was sent (HTTP {status})"
    if status == 401:
        return "the token was rejected (HTTP 401): it is wrong, expired or revoked"
    return "the token was rejected (HTTP 403): its user lacks the permission for this"


def json_problem(error: orjson.JSONDecodeError, body: bytes) -> str:
    """What is wrong with the JSON answer ``body`` that ``orjson`` could not read: cut off, or malformed."""
    if error.pos >= len(body.rstrip()) or "end of data" in error.msg:
        return f"the JSON answer stops in the middle (cut off after {human_size(len(body))})"
    return f"the answer is not valid JSON ({error.msg} at byte {error.pos})"


def token_problem(token: str) -> str | None:
    """Say why ``token`` cannot be sent in an HTTP header (e.g. a pasted line break), or None if it can."""
    if not token:
        return "it is empty"
    if len(token) < MIN_TOKEN_LENGTH:
        return f"it is {len(token)} characters long, and a token has at least {MIN_TOKEN_LENGTH} (was it cut short?)"
    if any(char.isspace() for char in token):
        return "it contains a space or a line break"
    if not (token.isascii() and token.isprintable()):
        return "it contains characters that are not plain ASCII (was it copied with a '…'?)"
    return None


def human_size(n: int) -> str:
    """``n`` bytes as a short human size: ``512 bytes``, ``64 KB``, ``20 MB``."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= factor:
            return f"{n / factor:.3g} {unit}"
    return f"{n} bytes"


def query_value(value: Any) -> Any:
    """One query value as the APIs expect it: ``true``/``false``, ISO dates, lists kept as lists."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [query_value(item) for item in value]
    return str(value)


def query(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The query string parameters with ``None`` values dropped."""
    return {key: query_value(value) for key, value in (params or {}).items() if value is not None}


def retry_after_seconds(value: str | None, cap: float, now: datetime | None = None) -> float | None:
    """The wait a ``Retry-After`` header asks for (seconds, or an HTTP date counted from ``now``, by default
    the present), at most ``cap``; None if absent."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - (now or datetime.now(UTC))).total_seconds()
        except (TypeError, ValueError, IndexError):
            return None
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), cap)


def connect_reason(error: httpx.TransportError) -> str:
    """A short, plain reason for a failed connection."""
    text = str(error)
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused"
    if any(s in lowered for s in ("name or service", "getaddrinfo", "nodename", "no address", "name resolution")):
        return "host name not found"
    if isinstance(error, httpx.TimeoutException):
        return "no answer to the connection attempt"
    return text[:200] or type(error).__name__


def is_certificate_error(error: BaseException) -> bool:
    """True when a connection failed because the server's TLS certificate could not be verified."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


#: How much of an error answer is read to find the server's message.
ERROR_START_BYTES = 64 * 1024


def error_start(response: httpx.Response) -> bytes:
    """The start of an error answer (enough to find a message), never more than 64 KB."""
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size >= ERROR_START_BYTES:
                break
    except httpx.HTTPError:
        pass  # the status alone says enough
    return b"".join(chunks)[:ERROR_START_BYTES]


def server_message(body: bytes) -> str:
    """The human message in a JSON error body (``message``, ``detail``, ``title``...), or ``""``."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ""
    if not isinstance(data, dict):
        return ""
    lowered = {str(key).lower(): value for key, value in data.items()}
    for key in ("message", "detail", "title", "error_description", "error"):
        value = lowered.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())[:200]
    return ""


def looks_like_html(response: httpx.Response, body: bytes) -> bool:
    """True when the answer is a web page (a login page, a proxy's error page, a wrong URL)."""
    head = body.lstrip()[:15].lower()
    return "html" in response.headers.get("content-type", "").lower() or head.startswith((b"<!doctype", b"<html"))


def check_base_url(api: str, base_url: str) -> httpx.URL:
    """The parsed base URL; ``ConfigError`` when it is not an http(s) address with a host."""
    hint = f"Write the {api} URL in full, e.g. https://api.example.com, and check it with `xlbilling config`."
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as error:
        raise ConfigError(f"The {api} URL {base_url!r} is not a valid address ({error}).", hint) from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(f"The {api} URL {base_url!r} is not an http(s) address.", hint)
    return url


def same_origin(api: str, call: str, base: httpx.URL, path: str) -> None:
    """Refuse a URL (a next-page link in an answer) on another scheme, host or port than the API's own:
    the token is sent to the configured API only. A path alone is always fine."""
    if "://" not in path[:12]:
        return
    url = httpx.URL(path)
    if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
        raise BadResponse(
            api,
            call,
            f"the answer sends the next page to {url.scheme}://{url.host}, not to the {api} URL",
            "xlbilling sends the token only to the configured URL; tell the vendor, or set the URL to that host.",
        )


def tls_context(ca_bundle: str) -> ssl.SSLContext:
    """A verifying TLS context that also trusts the CA certificates in ``ca_bundle`` (a PEM file)."""
    path = Path(ca_bundle).expanduser()
    hint = "Set XLBILLING_CA_BUNDLE (or ca_bundle under [http]) to your proxy's CA certificate, or remove it."
    if not path.is_file():
        raise ConfigError(f"The CA bundle {path} does not exist.", hint)
    context = ssl.create_default_context()
    try:
        import certifi

        context.load_verify_locations(cafile=certifi.where())
        context.load_verify_locations(cafile=str(path))
    except (ssl.SSLError, OSError, ValueError) as error:
        raise ConfigError(f"The CA bundle {path} is not a readable PEM certificate file ({error}).", hint) from None
    return context


def redacted(text: str, token: str | None) -> str:
    """``text`` with ``token`` replaced by ``(token)`` wherever it stands as a whole value, never inside a
    longer word (a short token that happens to be a common word does not blank that word elsewhere)."""
    if not token:
        return text
    return re.sub(rf"(?<![\w.~+/=-]){re.escape(token)}(?![\w.~+/=-])", "(token)", text)


def host_problem(base_url: str) -> str | None:
    """Why the host of ``base_url`` does not resolve to an address, or ``None`` when it does."""
    url = httpx.URL(base_url)
    try:
        socket.getaddrinfo(url.host, url.port or (443 if url.scheme == "https" else 80))
    except (OSError, UnicodeError) as error:
        return f"{url.host} does not resolve to an address ({error})"
    return None


def tls_problem(base_url: str, ca_bundle: str | None, timeout: float) -> str | None:
    """Why a verified TLS connection to ``base_url`` fails (with ``ca_bundle`` trusted too), or ``None``."""
    url = httpx.URL(base_url)
    if ca_bundle:
        context = tls_context(ca_bundle)
    else:
        import certifi

        context = ssl.create_default_context(cafile=certifi.where())
    try:
        with (
            socket.create_connection((url.host, url.port or 443), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=url.host),
        ):
            return None
    except ssl.SSLCertVerificationError as error:
        return f"the TLS certificate of {url.host} could not be verified ({error.verify_message})"
    except (OSError, ssl.SSLError) as error:
        return f"no TLS connection to {url.host} ({error})"
