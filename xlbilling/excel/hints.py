"""What to do about an error, in a formula's words: the ``XLB_*`` formulas and arguments a cell has.

The core's errors carry their data and a hint that names no door; ``for_formula`` is the one place the
formulas reword them (the ribbon's buttons use ``xlbilling.workbook.hints``, as the Control sheet drives
them). An error this does not know keeps its own hint.
"""

from __future__ import annotations

from xlbilling.errors import (
    EmptyRange,
    MissingMapping,
    NoInvoiceItems,
    NotADate,
    NotFoundError,
    NothingCompared,
    UnknownCustomer,
    UnknownPeriod,
    Words,
    XlbillingError,
    reword,
)

_WORDS: Words = {
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
