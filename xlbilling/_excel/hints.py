"""What to do about an error, in a formula's words: the ``XLB_*`` formulas and arguments a cell has.

The core's errors carry their data and a hint that names no door; ``for_formula`` is the one place the
formulas reword them (the ribbon's buttons use ``xlbilling._workbook.hints``, as the Control sheet drives
them). An error this does not know keeps its own hint. ``error_value`` names the Excel error a one-number
formula shows instead, chosen by the error's class: ``#N/A`` when the number is not there to give (no such
customer, SKU, period or invoice; an API down or refusing the token), ``#VALUE!`` when an argument is wrong.
"""

from __future__ import annotations

from xlbilling._errors import (
    EmptyRange,
    InputError,
    MissingMapping,
    NoInvoiceItems,
    NotADate,
    NotFoundError,
    UnknownCustomer,
    UnknownPeriod,
    UnknownSku,
    Words,
    XlbillingError,
    reword,
)
from xlbilling._reconcile.result import NothingCompared

_WORDS: Words = {
    UnknownSku: lambda _: ("=XLB_SUMMARY() lists the SKUs of a period.", None),
    UnknownPeriod: lambda _: ("=XLB_PERIODS() lists the billing periods, named by their end date.", None),
    EmptyRange: lambda _: (
        "Give XLB_MARGIN days of closed periods (=XLB_PERIODS() lists them), or leave them empty.",
        None,
    ),
    NotADate: lambda error: (f"{error.hint[:-1]}; =XLB_PERIODS() lists the periods.", None),
    UnknownCustomer: lambda error: (
        "Use the customer code: =XLB_CUSTOMERS() lists them."
        if error.matches > 1
        else "=XLB_CUSTOMERS() lists the customer codes.",
        None,
    ),
    MissingMapping: lambda _: (
        "Give the mapping argument: cells holding a part_number, sku header, or a CSV or .xlsx file with it.",
        None,
    ),
    NoInvoiceItems: lambda _: ("Xarios invoices closed months only: =XLB_XARIOS_INVOICES() lists their periods.", None),
    NothingCompared: lambda _: (
        'Check the mapping against =XLB_RECONCILE(period, mapping, , "unmapped products") and "unmapped tenants".',
        None,
    ),
    NotFoundError: lambda error: (
        "=XLB_XARIOS_INVOICES() lists the invoice ids."
        if error.api == "Xarios"
        else "=XLB_PERIODS() and =XLB_CUSTOMERS() list the periods and customer codes.",
        None,
    ),
}


def for_formula(error: XlbillingError) -> XlbillingError:
    """``error`` with the formulas' hint when its class has one, else as it is."""
    return reword(error, _WORDS)


NOT_AVAILABLE = "#N/A"
WRONG_VALUE = "#VALUE!"
ERROR_CODES = {NOT_AVAILABLE: 2042, WRONG_VALUE: 2015}
"""Each error value a one-number formula can show, and the number VBA's ``CVErr`` takes for it
(``xlErrNA``, ``xlErrValue``)."""

_ERROR_VALUES: dict[type[XlbillingError], str] = {
    UnknownCustomer: NOT_AVAILABLE,  # an InputError, but a look-up that found nothing
    InputError: WRONG_VALUE,
    XlbillingError: NOT_AVAILABLE,
}
"""Per error class (the most specific listed one wins): no such period, SKU or invoice (data and API errors),
an API down or refusing the token, all give ``#N/A``; a wrong argument gives ``#VALUE!``."""


def error_value(error: XlbillingError) -> str:
    """The Excel error (``#N/A`` or ``#VALUE!``) a one-number formula shows for ``error``."""
    return next(_ERROR_VALUES[kind] for kind in type(error).__mro__ if kind in _ERROR_VALUES)
