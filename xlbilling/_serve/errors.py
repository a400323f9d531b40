"""What a failed request answers: one line of JSON, ``{"error": "<the command line's one-line message>"}``,
with an HTTP status saying whose problem it is; never a traceback (that goes to the server's log only), and
never the address of Atria or Xarios (a message naming it says "the Atria URL" or "the Atria host" instead)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from starlette.responses import Response

from xlbilling._cli.hints import worded
from xlbilling._errors import (
    ApiError,
    ApiTimeout,
    ApiUnreachable,
    ConfigError,
    DataError,
    InputError,
    NoClosedPeriod,
    NoInvoiceItems,
    NotFoundError,
    OpenPeriodError,
    UnknownCustomer,
    UnknownPeriod,
    UnknownSku,
    XlbillingError,
)
from xlbilling._serve.users import redacted

logger = logging.getLogger("xlbilling.serve")

SIGN_IN_AGAIN = "Sign in again: your xlbilling token is missing, wrong or revoked."
"""The whole answer to a request without a valid token: it never says which of the three it was."""
INTERNAL = "Internal error: the server could not answer. Its log says why; try again or tell its administrator."

#: Error classes and their status, most specific first.
STATUSES: tuple[tuple[type[XlbillingError], int], ...] = (
    (OpenPeriodError, 409),
    (UnknownCustomer, 404),
    (UnknownPeriod, 404),
    (UnknownSku, 404),
    (NoClosedPeriod, 404),
    (NoInvoiceItems, 404),
    (NotFoundError, 404),
    (ApiUnreachable, 503),
    (ApiTimeout, 503),
    (ApiError, 502),
    (ConfigError, 500),
    (InputError, 400),
    (DataError, 422),
)


def status_of(error: XlbillingError) -> int:
    """The HTTP status of ``error``: 400 bad input, 404 no such period/customer/invoice, 409 an open period
    where a closed one is needed, 422 data that cannot be used as asked, 502 Atria/Xarios refused or answered
    badly, 503 they cannot be reached, 500 the server's own settings."""
    return next((status for kind, status in STATUSES if isinstance(error, kind)), 500)


def answer(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """``{"error": message}`` with ``status`` (a token someone typed into a query is blotted out of it)."""
    body = json.dumps({"error": redacted(message)}, ensure_ascii=False).encode("utf-8")
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def failed(error: XlbillingError, sources: Mapping[str, str] | None = None) -> Response:
    """The answer to xlbilling's own ``error``, in the command line's words, without the addresses of
    ``sources`` (API name -> base URL)."""
    return answer(status_of(error), hidden(str(worded(error)), sources or {}))


def hidden(text: str, sources: Mapping[str, str]) -> str:
    """``text`` with every URL on an API's host and the host itself replaced by words naming the API."""
    for api, url in sources.items():
        parts = urlsplit(url)
        if not parts.hostname:
            continue
        text = re.sub(re.escape(f"{parts.scheme}://{parts.netloc}") + r"[^\s)]*", f"the {api} URL", text)
        text = text.replace(parts.netloc, f"the {api} host").replace(parts.hostname, f"the {api} host")
    return text


def broken(error: BaseException) -> Response:
    """The answer to an error nobody expected: a 500 that says nothing of it, the traceback in the log."""
    logger.error("internal error", exc_info=error)
    return answer(500, INTERNAL)


def sign_in_again() -> Response:
    """401 for a missing, wrong or revoked token."""
    return answer(401, SIGN_IN_AGAIN, {"WWW-Authenticate": "Bearer"})


def respond(build: Callable[[], Response], sources: Callable[[], Mapping[str, str]] = dict) -> Response:
    """``build()``'s answer, or the answer to the error it raised (without the addresses of ``sources()``)."""
    try:
        return build()
    except XlbillingError as error:
        return failed(error, sources())
    except Exception as error:
        return broken(error)
