"""The one exception hierarchy of xlbilling.

Every error a user can meet is one of these classes. Each message says what went wrong and, in
``hint``, what to do about it; ``str(error)`` gives both on one line. No message ever holds a token.
HTTP and parsing details never escape as raw ``httpx`` or ``KeyError`` exceptions.
"""

from __future__ import annotations


class XlbillingError(Exception):
    """Something went wrong that the user can act on."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        message = self.message.rstrip()
        if not self.hint or not message:
            return message or self.hint
        stop = "" if message.endswith((".", "!", "?", ":", "…")) else "."
        return f"{message}{stop} {self.hint}"


# --- the user's own input ------------------------------------------------------------------------


class InputError(XlbillingError):
    """An argument is wrong: a date that is not a date, an unknown customer, a bad option."""

    exit_code = 2


class OpenPeriodError(InputError):
    """Invoices were asked for a billing period that is still open, so its quantities could still change."""


class MissingTaxRateError(InputError):
    """SKUs billed in the period have no tax rate in the price list, and no default rate was given."""


class ConfigError(XlbillingError):
    """A setting is missing or unreadable: no URL, no token, a broken config file."""

    exit_code = 2


# --- the APIs --------------------------------------------------------------------------------------


class ApiError(XlbillingError):
    """An API call failed; ``api`` is "Atria" or "Xarios" and ``call`` the call's name."""

    def __init__(self, api: str, call: str, message: str, hint: str = "") -> None:
        super().__init__(f"{api} {call}: {message}", hint)
        self.api = api
        self.call = call


class AuthError(ApiError):
    """The API rejected the token (HTTP 401/403): it is missing, wrong, expired or lacks permission."""


class NotFoundError(ApiError):
    """The API has no such thing (HTTP 404): a billing period, customer or invoice that does not exist."""


class RateLimitError(ApiError):
    """The API kept answering 429 Too Many Requests after every retry."""


class ServerError(ApiError):
    """The API kept failing on its side (HTTP 5xx) after every retry."""


class ApiTimeout(ApiError):
    """The API did not answer within the configured timeout."""


class ApiUnreachable(ApiError):
    """The API's host could not be reached: wrong URL, no network, or the server is down."""


class BadResponse(ApiError):
    """The API answered with something xlbilling cannot read: broken JSON, an HTML page, a missing field."""


# --- data ------------------------------------------------------------------------------------------


class DataError(XlbillingError):
    """The data cannot be used as asked: a SKU with no price, an unsafe ZIP, totals that do not agree."""


class TemplateError(DataError):
    """A workbook template holds something xlbilling cannot fill or keep."""
