"""What to do about an error, in the words of a billing workbook: the Control sheet's cells and its sheets.

The ribbon's buttons and ``xlbilling refresh`` both act on what the Control sheet says, so both word the
core's errors here, in one place. An error this does not know keeps its own hint.
"""

from __future__ import annotations

from xlbilling._errors import (
    EmptyRange,
    MissingRegister,
    MissingTaxRateError,
    NoInvoiceItems,
    NotFoundError,
    OpenPeriodError,
    Words,
    XlbillingError,
    reword,
)
from xlbilling._reconcile.result import NothingCompared
from xlbilling._workbook.control import CONTROL, PARAMETERS, REGISTER_SHEET

_WORDS: Words = {
    OpenPeriodError: lambda _: (
        f"Pick a closed period on the {CONTROL} sheet, or set '{PARAMETERS['allow_open']}' to TRUE there to write "
        "DRAFT invoices.",
        None,
    ),
    MissingTaxRateError: lambda error: (
        f"Fill '{PARAMETERS['tax_rate']}' on the {CONTROL} sheet (0.20 or 20%; 0 if exempt), or add a tax_rate "
        "column to the price list; nothing was written.",
        f"No tax rate for SKU {', '.join(error.skus)}: the price list gives none and '{PARAMETERS['tax_rate']}' on "
        f"the {CONTROL} sheet is empty.",
    ),
    MissingRegister: lambda _: (
        f"Fill the {REGISTER_SHEET} sheet (one row per account_code), or put a register file's path next to "
        f"'{PARAMETERS['register']}' on the {CONTROL} sheet; nothing was written.",
        None,
    ),
    EmptyRange: lambda _: (
        f"Change '{PARAMETERS['margin_from']}' and '{PARAMETERS['margin_to']}' on the {CONTROL} sheet to days of "
        "closed periods, or empty them for the last twelve.",
        None,
    ),
    NoInvoiceItems: lambda _: (
        f"Xarios invoices closed months only: pick a closed period on the {CONTROL} sheet.",
        None,
    ),
    NothingCompared: lambda _: (
        "Check the unmapped tenants and products on the Reconciliation sheet, and the product mapping.",
        None,
    ),
    NotFoundError: lambda error: (
        "Check the invoice ids: refresh Xarios invoices to list them."
        if error.api == "Xarios"
        else f"Check the period and customer on the {CONTROL} sheet: refresh Periods and Customers to list them.",
        None,
    ),
}


def for_control(error: XlbillingError) -> XlbillingError:
    """``error`` with the workbook's hint (and message) when its class has one, else as it is."""
    return reword(error, _WORDS)
