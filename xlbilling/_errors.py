"""The one exception hierarchy of xlbilling.

Every error a user can meet is one of these classes. Each message says what went wrong and, in
``hint``, what to do about it; ``str(error)`` gives both on one line. No message ever holds a token.
HTTP and parsing details never escape as raw ``httpx`` or ``KeyError`` exceptions.

Errors raised by the core carry what went wrong as data (the period, the SKUs, the invoice) and a hint
that names no door; each door (``xlbilling._cli.hints``, ``xlbilling._excel.hints``) rewords the hint in one
place, naming its own options, cells or formula arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from xlbilling._values.wording import counted


class XlbillingError(Exception):
    """Something went wrong that the user can act on."""

    exit_code = 1
    worded = False
    """True once a door put the hint in its own words (``reword``): another door leaves it as it is."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def reworded(self, hint: str, message: str | None = None) -> XlbillingError:
        """A copy of this error with a door's own ``hint`` (and ``message``), keeping its class and its data."""
        copy = type(self).__new__(type(self))  # not through __init__: subclasses build their text from data
        copy.__dict__.update(self.__dict__, hint=hint, worded=True)
        copy.args = self.args
        if message is not None:
            copy.message = message
            copy.args = (message,)
        return copy

    def __str__(self) -> str:
        message = self.message.rstrip()
        if not self.hint or not message:
            return message or self.hint
        stop = "" if message.endswith((".", "!", "?", ":", "…")) else "."
        return f"{message}{stop} {self.hint}"


Words = Mapping[type["XlbillingError"], Callable[[Any], tuple[str, str | None]]]
"""A door's wording: per error class, a function of the error giving its hint (and a message, or None to
keep the core's)."""


def reword(error: XlbillingError, words: Words) -> XlbillingError:
    """``error`` in a door's ``words`` (the first of its classes, most specific first, that has some); as it is
    when no class has any, or when a door already worded it."""
    if error.worded:
        return error
    for kind in type(error).__mro__:
        if kind in words:
            hint, message = words[kind](error)
            return error.reworded(hint, message)
    return error


# --- the user's own input ------------------------------------------------------------------------


class InputError(XlbillingError):
    """An argument is wrong: a date that is not a date, an unknown customer, a bad option."""

    exit_code = 2


class OpenPeriodError(InputError):
    """Invoices were asked for a billing period that is still open, so its quantities could still change."""

    def __init__(self, end: date) -> None:
        super().__init__(
            f"The billing period ending {end.isoformat()} is still open: its invoices could still change.",
            "Choose a closed period, or allow the open period to write DRAFT invoices.",
        )
        self.end = end


class MissingTaxRateError(InputError):
    """SKUs billed in the period have no tax rate in the price list, and no default rate was given."""

    def __init__(self, skus: list[str]) -> None:
        super().__init__(
            f"No tax rate for SKU {', '.join(skus)}: the price list gives none and no default tax rate was given.",
            "Add a tax_rate column to the price list, or give a default tax rate (0 for exempt); nothing was written.",
        )
        self.skus = skus


class NotADate(InputError):
    """A billing period was named by something that is not a date."""

    def __init__(self, message: str) -> None:
        super().__init__(
            message, "Give the period's end date as YYYY-MM-DD (e.g. 2026-10-31), a date cell or an Excel date serial."
        )


class BadTaxRate(InputError):
    """A default tax rate that is not a rate."""

    def __init__(self, rate: str) -> None:
        super().__init__(f"'{rate}' is not a tax rate.", "Write a fraction such as 0.20 or 20%; 0 if exempt.")
        self.rate = rate


class MissingPriceError(InputError):
    """SKUs billed in the period have no price in the price list (``skus``: SKU -> the invoices it is on)."""

    def __init__(self, skus: dict[str, list[str]]) -> None:
        listed = "; ".join(
            f"{sku} (on {counted(len(names), 'invoice')}: {_some(names)})" for sku, names in skus.items()
        )
        super().__init__(
            f"No price for {counted(len(skus), 'billed SKU')}: {listed}.",
            "Add them to the price list (sku,unit_price,currency), then run the same command again; nothing was "
            "written.",
        )
        self.skus = skus


def _some(names: list[str], shown: int = 3) -> str:
    """The first ``shown`` names, and how many more there are."""
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


class UnknownCustomer(InputError):
    """A customer was named that Atria does not have, or a name several customers share (``matches``)."""

    def __init__(self, name: str, matches: int) -> None:
        if not name.strip():
            message, hint = "No customer given.", "Give a customer code, account code or name."
        elif matches > 1:
            message, hint = f"'{name}' names {matches} customers.", "Use the customer code."
        else:
            message, hint = f"Atria has no customer '{name}'.", "Use a code, account code or name Atria lists."
        super().__init__(message, hint)
        self.name = name
        self.matches = matches


class NotBillTo(InputError):
    """Invoices were asked for customers who pay for nothing this period (``codes``); ``payers`` says, for those
    another customer pays for, who they are and who pays: code -> (its name, the payer's name, the payer's
    account code or code)."""

    def __init__(self, codes: list[str], payers: dict[str, tuple[str, str, str]] | None = None) -> None:
        self.codes, self.payers = codes, payers or {}
        if self.payers:
            message = "; ".join(
                f"{name} ({code}) has no invoice of its own: {payer} ({account}) bills it, and its lines are on that "
                "invoice"
                for code, (name, payer, account) in self.payers.items()
            )
            hint = f"Give the customer who pays: {', '.join(dict.fromkeys(p[2] for p in self.payers.values()))}."
        else:
            message = (
                f"No invoice to make for {', '.join(codes)}: not a Bill To customer with billable lines this period."
            )
            hint = "Give the customer who pays (a channel partner bills its customers)."
        super().__init__(message, hint)


class MissingMapping(InputError):
    """A reconciliation was asked for without a product mapping."""

    def __init__(self) -> None:
        super().__init__(
            "No product mapping given.",
            "Give a product mapping: a CSV or .xlsx with the header part_number,sku (the sandbox's "
            "xlbilling/_sandbox/data/product-map.csv is an example).",
        )


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


class UnknownPeriod(DataError):
    """No billing period contains the day asked for: Atria has no such period (exit code 1, as any data error)."""

    def __init__(self, day: date) -> None:
        super().__init__(
            f"No billing period contains {day.isoformat()}.",
            "Choose a day of one of Atria's billing periods (each is named by its end date).",
        )
        self.day = day


class UnknownSku(DataError):
    """No customer has the SKU asked for (``sku``) in the billing period ending ``end``."""

    def __init__(self, sku: str, end: date) -> None:
        super().__init__(
            f"No customer has the SKU '{sku}' in the period ending {end.isoformat()}.",
            "Choose a SKU billed in that period.",
        )
        self.sku = sku
        self.end = end


class NoClosedPeriod(DataError):
    """The latest closed period was asked for, and Atria has none yet."""

    def __init__(self) -> None:
        super().__init__("Atria has no closed billing period yet.", "Name a period, or wait for one to close.")


class NoInvoiceItems(DataError):
    """No Xarios invoice item (of ``invoice_id``, when one was chosen) is for service in the period."""

    def __init__(self, start: date, end: date, invoice_id: str | None = None, elsewhere: int = 0) -> None:
        if invoice_id is None:
            message = (
                f"No Xarios invoice covers the period ending {end.isoformat()}: no item's service dates fall in "
                f"{start.isoformat()} to {end.isoformat()}."
            )
            hint = "Xarios invoices closed months only; choose the invoice that holds this period's items."
        else:
            message = (
                f"Xarios invoice {invoice_id} has no purchase item for service in the period {start.isoformat()} "
                f"to {end.isoformat()} (its {elsewhere} items are for other periods)."
            )
            hint = "Choose the invoice that holds this period's items, or none to find them by date."
        super().__init__(message, hint)
        self.start, self.end, self.invoice_id, self.elsewhere = start, end, invoice_id, elsewhere


class EInvoiceError(DataError):
    """An invoice's e-invoice was not written: business terms it must carry are missing, or its amounts break
    EN 16931's arithmetic. ``problems`` name each business term and where to fill it."""

    def __init__(self, number: str, problems: list[str]) -> None:
        super().__init__(
            f"E-invoice {number} not written: {'; '.join(problems)}.",
            "Fill them in and run again.",
        )
        self.number, self.problems = number, problems


class MissingRegister(InputError):
    """E-invoices were asked for without a customer register, which holds what they must say about each buyer."""

    def __init__(self) -> None:
        super().__init__(
            "E-invoices need a customer register: each buyer's legal name, VAT ID, electronic address and reference.",
            "Give a customer register (CSV or .xlsx keyed by account_code); nothing was written.",
        )


class TemplateError(DataError):
    """A workbook template holds something xlbilling cannot fill or keep."""


class EmptyRange(InputError):
    """No closed billing period lies in the range asked for (or it ends before it starts)."""

    def __init__(self, first: date, last: date, reason: str) -> None:
        super().__init__(
            f"No closed billing period from {first.isoformat()} to {last.isoformat()}: {reason}.",
            "Choose a range holding at least one closed period (each period is named by its end date).",
        )
        self.first, self.last = first, last
