"""What to do about an error, in the command line's own words: the flags and commands a terminal user has.

The core's errors carry their data and a hint that names no door; ``worded`` is the one place the command
line rewords them. An error it does not know keeps its own hint.
"""

from __future__ import annotations

from pathlib import Path

from xlbilling._errors import (
    BadTaxRate,
    EmptyRange,
    InputError,
    MissingMapping,
    MissingRegister,
    MissingTaxRateError,
    NoClosedPeriod,
    NoInvoiceItems,
    NotADate,
    NotBillTo,
    NotFoundError,
    OpenPeriodError,
    UnknownCustomer,
    UnknownPeriod,
    Words,
    XlbillingError,
    reword,
)
from xlbilling._reconcile.result import NothingCompared

_SAMPLE_MAPPING = Path(__file__).resolve().parents[1] / "_sandbox" / "data" / "product-map.csv"
_SAMPLE_REGISTER = _SAMPLE_MAPPING.with_name("customers.csv")
SAMPLE_PRICES = _SAMPLE_MAPPING.with_name("prices.csv")


def margin_inputs(no_prices: bool, no_mapping: bool) -> InputError:
    """What ``xlbilling margin`` says when its price list or product mapping was not given: the options it
    needs, and where the sandbox's samples of them are."""
    wanted = [
        (option, sample) for option, sample, missing in (
            ("--prices PATH (your price list: sku,unit_price,currency)", SAMPLE_PRICES, no_prices),
            ("--mapping PATH (Xarios part numbers to SKUs: part_number,sku)", _SAMPLE_MAPPING, no_mapping),
        ) if missing
    ]  # fmt: skip
    return InputError(
        f"The margin needs {' and '.join(option for option, _ in wanted)}.",
        f"The sandbox's sample{'s are' if len(wanted) > 1 else ' is'} {' and '.join(str(s) for _, s in wanted)}.",
    )


def _not_found(error: NotFoundError) -> tuple[str, None]:
    if error.api == "Xarios":
        return "Run `xlbilling xarios list` to see the invoice ids.", None
    return "Check the period with `xlbilling periods` and the customer code with `xlbilling customers`.", None


def _invoice_items(error: NoInvoiceItems) -> tuple[str, None]:
    if error.invoice_id is None:
        return (
            "Xarios invoices closed months only; list them with `xlbilling xarios list` and pass --invoice ID.",
            None,
        )
    return "Pass the invoice that holds this period's items, or leave out --invoice to find them by date.", None


def _customer(error: UnknownCustomer) -> tuple[str, None]:
    if error.matches > 1:
        return "Use the customer code (`xlbilling customers` lists them).", None
    return "`xlbilling customers` lists codes and names.", None


# Each known error class, and its (hint, message or None to keep the core's) for a terminal user.
_WORDS: Words = {
    UnknownPeriod: lambda _: ("Run `xlbilling periods` to list the billing periods, named by their end date.", None),
    NotADate: lambda error: (f"{error.hint[:-1]}; `xlbilling periods` lists the periods.", None),
    NoClosedPeriod: lambda _: ("Name a period with --period, or wait for one to close.", None),
    EmptyRange: lambda _: ("Give --from and --to days of closed periods; `xlbilling periods` lists them.", None),
    UnknownCustomer: _customer,
    NotBillTo: lambda error: (
        f"Pass --customer {' --customer '.join(dict.fromkeys(payer for _, _, payer in error.payers.values()))}, "
        "the customer who pays (`xlbilling customers` says who bills whom)."
        if error.payers
        else "Give the customer who pays (a channel partner bills its customers); `xlbilling customers` lists them.",
        None,
    ),
    OpenPeriodError: lambda _: (
        "Choose a closed period (`xlbilling periods` lists them), or pass --allow-open to write DRAFT invoices.",
        None,
    ),
    MissingTaxRateError: lambda error: (
        "Add a tax_rate column to the price list, or pass --tax-rate (0 for exempt); nothing was written.",
        f"No tax rate for SKU {', '.join(error.skus)}: the price list gives none and no --tax-rate was given.",
    ),
    BadTaxRate: lambda error: (error.hint, f"--tax-rate {error.rate} is not a tax rate."),
    MissingMapping: lambda _: (
        "Pass the product mapping with --mapping PATH: a CSV with the header part_number,sku (copy the sample "
        f"{_SAMPLE_MAPPING} as a starting point).",
        None,
    ),
    MissingRegister: lambda _: (
        "Pass --customer-register PATH: a CSV or .xlsx keyed by account_code (the sandbox's sample is "
        f"{_SAMPLE_REGISTER}); nothing was written.",
        None,
    ),
    NoInvoiceItems: _invoice_items,
    NothingCompared: lambda _: (
        "Check the unmapped lists and the mapping, or choose the invoice with --invoice.",
        None,
    ),
    NotFoundError: _not_found,
}


def worded(error: XlbillingError) -> XlbillingError:
    """``error`` with the command line's hint (and message) when its class has one, else as it is."""
    return reword(error, _WORDS)
