"""The only module that talks HTTP: one ``ApiClient`` per API, with auth, timeouts, retries, rate limits and fail-fast.

Every failure leaves this module as an ``xlbilling._errors`` class whose message says what went wrong and
what to do. TLS verification is always on. The token is sent only in the ``Authorization`` header and
never appears in a message or a log line; the log (``xlbilling.http``, DEBUG) holds the method, the URL path,
the status and the elapsed time.
"""

from __future__ import annotations

import logging
import math
import random
import time
import weakref
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, NoReturn, TypeVar

import httpx
import orjson

from xlbilling._apis.transport.checks import (
    TOKEN_HELP,
    check_base_url,
    connect_reason,
    error_start,
    human_size,
    is_certificate_error,
    json_problem,
    looks_like_html,
    query,
    redacted,
    refusal,
    retry_after_seconds,
    same_origin,
    server_message,
    tls_context,
    token_problem,
)
from xlbilling._apis.transport.ratelimit import Patience, gate_for
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
from xlbilling._version import __version__

logger = logging.getLogger("xlbilling.http")
_E = TypeVar("_E", bound=ApiError)

#: Statuses worth asking again for: rate limiting and a busy or restarting gateway.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
_JSON = {"Accept": "application/json"}


class _Retryable(Exception):
    """Internal: an attempt failed in a way worth retrying (``wait``: a 429's Retry-After); ``error`` is final."""

    def __init__(self, error: ApiError, wait: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.wait = wait


class ApiClient:
    """A connection to one API (``api`` is "Atria" or "Xarios") at ``base_url`` with a bearer ``token``.

    ``call`` names the call in messages (``"summary"``, ``"invoice 123"``). Connection errors, timeouts and
    502/503/504 are retried ``retries`` times with exponential backoff and jitter. A 429 pauses every request
    to this API at this host, in every thread and client (``transport.ratelimit``), for its ``Retry-After``
    (at most ``max_wait`` seconds; the backoff without one); a request gives up once it has waited
    ``rate_limit_wait`` seconds in all. Once the host proved unreachable, calls fail at once with
    ``ApiUnreachable`` for ``cooldown`` seconds, so a sheet of formulas does not wait on every cell.
    ``sleep``, ``clock`` and ``jitter`` can be replaced in tests.
    """

    def __init__(
        self,
        api: str,
        base_url: str,
        token: str | None,
        *,
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        retries: int = 3,
        backoff: float = 0.5,
        rate_limit_wait: float = 60.0,
        ca_bundle: str | None = None,
        transport: httpx.BaseTransport | None = None,
        token_help: str = "",
        cooldown: float = 10.0,
        max_wait: float = 30.0,
        max_json_bytes: int = 256 * 1024 * 1024,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.api = api
        self.base_url = base_url.strip()
        self._url = check_base_url(api, self.base_url)
        self._token = token
        if token is not None and (problem := token_problem(token)):
            raise ConfigError(f"The {api} token cannot be used: {problem}.", "Set it again, copied in full.")
        self._retries = max(0, retries)
        self._backoff = backoff
        self._timeout = timeout
        self._cooldown = cooldown
        self._max_wait = max_wait
        self._rate_limit_wait = rate_limit_wait
        self._max_json_bytes = max_json_bytes
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self._token_help = " ".join(s for s in (TOKEN_HELP.get(api, "Create a new API token."), token_help) if s)
        self._down_until = -math.inf
        self._down_error: ApiUnreachable | None = None
        self._gate = gate_for(api, f"{self._url.scheme}://{self._url.netloc.decode('ascii')}", clock)
        self.observe: Callable[[str, dict[str, Any], int, str, bytes], None] | None = None  # doctor: each answer
        headers = {"User-Agent": f"xlbilling/{__version__}"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            verify=tls_context(ca_bundle) if ca_bundle else True,
            transport=transport,
            follow_redirects=True,
        )
        # a client nobody closed lets go of its connections when it is dropped, not at some later collection
        weakref.finalize(self, self._client.close)

    # --- public calls ------------------------------------------------------------------------------

    def get_json(
        self, call: str, path: str, params: Mapping[str, Any] | None = None, *, not_found_hint: str = ""
    ) -> Any:
        """GET ``path`` and return its JSON, parsed; an HTML page or broken JSON raises ``BadResponse``."""
        return self.parse_json(call, self.get_json_bytes(call, path, params, not_found_hint=not_found_hint))

    def get_json_bytes(
        self, call: str, path: str, params: Mapping[str, Any] | None = None, *, not_found_hint: str = ""
    ) -> bytes:
        """GET ``path`` and return its JSON body unparsed, for a caller with its own parser (``parse_json``
        gives the messages for broken JSON); an HTML page or an empty answer raises ``BadResponse``."""
        return self.get_json_unless(call, path, None, params, not_found_hint=not_found_hint)[0] or b""

    def get_json_unless(
        self,
        call: str,
        path: str,
        etag: str | None,
        params: Mapping[str, Any] | None = None,
        *,
        not_found_hint: str = "",
    ) -> tuple[bytes | None, str | None]:
        """``get_json_bytes`` unless the server still holds what it sent with the ``ETag`` ``etag``: ``(None,
        etag)`` then (304), else the body and its ``ETag`` (``None`` if the server sends none; many do not)."""
        asked = _JSON | ({"If-None-Match": etag} if etag else {})
        response, body = self._get(call, path, params, self._max_json_bytes, not_found_hint, asked)
        if response.status_code == 304:
            return None, response.headers.get("etag") or etag
        if looks_like_html(response, body):
            self._html_page(call, response, "JSON")
        if not body.strip():
            self._fail(BadResponse, call, "the answer was empty, not JSON", self._later_hint())
        return body, response.headers.get("etag")

    def parse_json(self, call: str, body: bytes) -> Any:
        """The JSON in ``body`` parsed; ``BadResponse`` saying whether it was cut off or malformed."""
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as error:
            self._fail(BadResponse, call, json_problem(error, body), self._later_hint())

    def get_bytes(
        self,
        call: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        max_bytes: int,
        not_found_hint: str = "",
    ) -> bytes:
        """GET ``path`` and return its body (a ZIP, a PDF); ``BadResponse`` past ``max_bytes`` bytes."""
        response, body = self._get(call, path, params, max_bytes, not_found_hint, {"Accept": "*/*"})
        if "html" in response.headers.get("content-type", "").lower():
            self._html_page(call, response, "a file")
        return body

    def close(self) -> None:
        """Close the connections this client keeps open."""
        self._client.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # --- one call, with retries --------------------------------------------------------------------

    def _get(
        self,
        call: str,
        path: str,
        params: Mapping[str, Any] | None,
        max_bytes: int,
        not_found_hint: str,
        headers: dict[str, str],
    ) -> tuple[httpx.Response, bytes]:
        """Send the GET with ``headers``, retrying what is worth retrying; the response and its body (none: 304)."""
        self._check_cooldown(call)
        same_origin(self.api, call, self._url, path)  # a next-page link never takes the token elsewhere
        sent = query(params)
        attempt = 0
        patience = Patience(self._gate, self._rate_limit_wait, self._sleep)
        while True:
            patience.wait()
            try:
                response, body = self._attempt(call, path, sent, max_bytes, not_found_hint, headers)
                if self.observe is not None:
                    self.observe(path, sent, response.status_code, response.headers.get("content-type", ""), body)
                return response, body
            except _Retryable as retry:
                if isinstance(retry.error, RateLimitError):
                    pause = retry.wait or self._backoff_delay(patience.refusals)
                    logger.debug("GET %s: HTTP 429, every %s request waits %.2f s", path, self.api, pause)
                    if patience.refused(pause):
                        continue
                    raise retry.error from None
                if attempt >= self._retries:
                    if isinstance(retry.error, ApiUnreachable):
                        self._mark_down(retry.error)
                    raise retry.error from None
                delay = self._backoff_delay(attempt)
                logger.debug("GET %s: retry %d in %.2f s (%s)", path, attempt + 1, delay, retry.error.message)
                self._sleep(delay)
                attempt += 1

    def _attempt(
        self, call: str, path: str, query: dict[str, Any], max_bytes: int, not_found_hint: str, headers: dict[str, str]
    ) -> tuple[httpx.Response, bytes]:
        """One GET: the response and its body, or an ``ApiError`` (``_Retryable`` when worth retrying)."""
        started = time.perf_counter()
        try:
            with self._client.stream("GET", path, params=query or None, headers=headers) as response:
                elapsed = time.perf_counter() - started
                logger.debug("GET %s -> %d in %.3f s", response.url.path, response.status_code, elapsed)
                if response.status_code == 304 and "If-None-Match" in headers:
                    return response, b""
                if not response.is_success:
                    self._status_error(call, response, not_found_hint)
                return response, self._read(call, response, max_bytes)
        except httpx.HTTPError as error:
            logger.debug("GET %s failed after %.3f s: %s", path, time.perf_counter() - started, type(error).__name__)
            self._transport_error(call, error)

    def _read(self, call: str, response: httpx.Response, max_bytes: int) -> bytes:
        """The whole body; ``BadResponse`` once it passes ``max_bytes``, or when it is cut off."""
        declared = response.headers.get("content-length", "")
        # A compressed body's length says nothing about the decoded size; httpx checks it on the wire.
        expected = int(declared) if declared.isdigit() and "content-encoding" not in response.headers else None
        too_big = f"the answer is larger than {human_size(max_bytes)}, so xlbilling stopped reading it"
        too_big_hint = "Check the URL, or ask for less data (one customer or one invoice)."
        if expected is not None and expected > max_bytes:
            self._fail(BadResponse, call, too_big, too_big_hint)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                self._fail(BadResponse, call, too_big, too_big_hint)
            chunks.append(chunk)
        if expected is not None and size < expected:
            message = f"the answer was cut off after {human_size(size)} of {human_size(expected)}"
            raise _Retryable(self._error(BadResponse, call, message, self._later_hint()))
        return b"".join(chunks)

    # --- turning failures into xlbilling errors ----------------------------------------------------

    def _status_error(self, call: str, response: httpx.Response, not_found_hint: str) -> NoReturn:
        """Raise the error for a non-2xx answer (``_Retryable`` for 429 and 502/503/504)."""
        status = response.status_code
        body = error_start(response)
        said = server_message(body)
        detail = f": {said}" if said else ""
        if status in (401, 403):
            self._fail(AuthError, call, refusal(status, self._token is not None), self._token_help)
        if status == 404:
            if said and said.lower() != "not found":
                message = f"not found (HTTP 404){detail}"
            else:
                message = "not found (HTTP 404)"
            hint = not_found_hint or f"Check what you asked for and the {self.api} URL."
            if looks_like_html(response, body):
                hint = f"{hint} The server answered with an HTML page: is the URL right?"
            self._fail(NotFoundError, call, message, hint)
        if status == 429:
            wait = retry_after_seconds(response.headers.get("retry-after"), self._max_wait)
            error = self._error(
                RateLimitError,
                call,
                f"the API kept answering 'too many requests' (HTTP 429) for {self._rate_limit_wait:g} s",
                "Wait a minute and try again, with fewer calls at once (e.g. fewer formulas recalculating), "
                "or let xlbilling wait longer (XLBILLING_RATE_LIMIT_WAIT).",
            )
            raise _Retryable(error, wait)
        if status in RETRY_STATUSES:
            raise _Retryable(
                self._error(
                    ServerError,
                    call,
                    f"the server kept failing (HTTP {status}) after {self._retries + 1} attempts",
                    f"The {self.api} service may be down or busy: try again later.",
                )
            )
        if status >= 500:
            self._fail(
                ServerError,
                call,
                f"the server failed (HTTP {status}){detail}",
                f"This is a problem on the {self.api} side: try again later, and tell {self.api} support "
                "if it persists.",
            )
        if 400 <= status < 500:
            self._fail(
                ApiError,
                call,
                f"the server refused the request (HTTP {status}){detail}",
                "Check the values you asked for (dates as yyyy-mm-dd, customer and invoice ids).",
            )
        self._fail(BadResponse, call, f"unexpected answer HTTP {status}", self._later_hint())

    def _transport_error(self, call: str, error: httpx.HTTPError) -> NoReturn:
        """Raise the error for a failure below HTTP: no connection, a timeout, a broken transfer."""
        host = self._url.host + (f":{self._url.port}" if self._url.port else "")
        check = f"Check the {self.api} URL ({self.base_url}) with `xlbilling config`, and your network or VPN."
        if isinstance(error, httpx.ConnectError) and is_certificate_error(error):
            unreachable = self._error(
                ApiUnreachable,
                call,
                f"the TLS certificate of {host} could not be verified",
                "If a corporate proxy inspects HTTPS, set XLBILLING_CA_BUNDLE (or ca_bundle under [http] in "
                "the config file) to its CA certificate, a PEM file.",
            )
            self._mark_down(unreachable)
            raise unreachable from None
        if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.ProxyError):
            reason = connect_reason(error)
            raise _Retryable(self._error(ApiUnreachable, call, f"cannot reach {host} ({reason})", check))
        if isinstance(error, httpx.TimeoutException):
            raise _Retryable(
                self._error(
                    ApiTimeout,
                    call,
                    f"{host} did not answer within {self._timeout:g} s ({self._retries + 1} attempts)",
                    "The server may be busy: try again later, ask for less data (one customer or a shorter "
                    "period), or raise XLBILLING_TIMEOUT.",
                )
            )
        if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
            raise _Retryable(
                self._error(BadResponse, call, "the connection broke before the answer was complete", check)
            )
        if isinstance(error, httpx.UnsupportedProtocol | httpx.InvalidURL):
            raise ConfigError(f"{self.api} {call}: the URL cannot be used ({error}).", check) from None
        self._fail(BadResponse, call, f"the answer could not be read ({type(error).__name__})", self._later_hint())

    def _html_page(self, call: str, response: httpx.Response, expected: str) -> NoReturn:
        """Raise ``BadResponse`` for a web page (a login page, a proxy page) where data was expected."""
        self._fail(
            BadResponse,
            call,
            f"got an HTML page, not {expected}: is the URL right? ({response.url.copy_with(query=None)})",
            f"The {self.api} URL must be the address of the API itself; check it with `xlbilling config`.",
        )

    def _later_hint(self) -> str:
        return f"Try again later; if it persists, check the {self.api} URL with `xlbilling config`."

    def _error(self, kind: type[_E], call: str, message: str, hint: str) -> _E:
        """An error of ``kind`` for ``call``, with the token (should a server echo it) blanked out."""
        return kind(self.api, call, self._redact(message), self._redact(hint))

    def _fail(self, kind: type[ApiError], call: str, message: str, hint: str) -> NoReturn:
        raise self._error(kind, call, message, hint)

    def _redact(self, text: str) -> str:
        return redacted(text, self._token)

    # --- backoff and fail-fast ---------------------------------------------------------------------

    def _backoff_delay(self, attempt: int) -> float:
        """Exponential backoff with jitter: about ``backoff * 2**attempt`` seconds, at most ``max_wait``."""
        return min(self._backoff * 2**attempt * (0.5 + self._jitter()), self._max_wait)

    def _mark_down(self, error: ApiUnreachable) -> None:
        self._down_until = self._clock() + self._cooldown
        self._down_error = error

    def _check_cooldown(self, call: str) -> None:
        """Fail at once while the host is known to be unreachable (for ``cooldown`` seconds)."""
        remaining = self._down_until - self._clock()
        if remaining <= 0 or self._down_error is None:
            return
        first = self._down_error
        self._fail(
            ApiUnreachable,
            call,
            f"{first.message.split(': ', 1)[-1]} a moment ago; not trying again for {math.ceil(remaining)} s",
            first.hint,
        )
